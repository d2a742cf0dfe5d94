/* SPDX-License-Identifier: GPL-2.0 */
/* folded.h: the folded-stack sink read by flamegraph.pl, inferno and speedscope. */
#ifndef VIGIL_FOLDED_H
#define VIGIL_FOLDED_H

#include <stdio.h>
#include <stddef.h>

struct stack_set;

/*
 * Write one line per distinct stack, "frame;frame;... VALUE", outermost
 * frame first, sorted. Returns 0 or -EIO.
 */
int folded__write(FILE *f, struct stack_set *set);

/*
 * Copy name into out (size len), made safe for one folded frame: ';'
 * becomes ':', line breaks and other control characters become ' ', and an
 * empty name becomes "[unknown]". Returns out.
 */
char *folded__sanitize(const char *name, char *out, size_t len);

/*
 * Read folded stacks from f into set: "frame;frame;... VALUE" per line,
 * outermost frame first, VALUE a whole number after a space or a tab;
 * empty lines, trailing blanks, CRLF and a leading byte order mark are
 * taken in stride, and a stack given twice adds up. The values may add
 * up to 2^63 - 1. name is the input's name for messages.
 * Returns 0; -EINVAL for a malformed line, with "NAME:LINE: what is wrong"
 * in err; -ENOMEM; -EIO when f cannot be read (err says so).
 */
int folded__read(FILE *f, const char *name, struct stack_set *set, char *err, size_t errlen);

#endif /* VIGIL_FOLDED_H */
