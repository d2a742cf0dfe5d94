// SPDX-License-Identifier: GPL-2.0
/* folded.c: writes a stack set as folded stacks, one frame per ';'-separated field. */
#include <errno.h>
#include <string.h>
#include "folded.h"
#include "stacks.h"

char *folded__sanitize(const char *name, char *out, size_t len)
{
	size_t i = 0;

	if (!name || !*name)
		name = "[unknown]";
	for (; name[i] && i + 1 < len; i++) {
		unsigned char c = name[i];

		if (c == ';')
			c = ':';
		else if (c < 0x20 || c == 0x7f)
			c = ' ';
		out[i] = c;
	}
	out[i] = '\0';
	return out;
}

/* A frame needs rewriting only when it holds ';' or a control character. */
static int needs_sanitize(const char *s)
{
	if (!*s)
		return 1;
	for (; *s; s++) {
		if (*s == ';' || (unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	}
	return 0;
}

int folded__write(FILE *f, struct stack_set *set)
{
	struct stack **sorted = stack_set__sorted(set);
	char buf[4096];

	if (!sorted)
		return -ENOMEM;
	for (; *sorted; sorted++) {
		const struct stack *st = *sorted;

		if (!st->value)
			continue; /* rounded to nothing in the profile's unit */
		for (size_t i = 0; i < st->depth; i++) {
			const char *name = st->frames[i];

			if (needs_sanitize(name))
				name = folded__sanitize(name, buf, sizeof(buf));
			if (i)
				fputc(';', f);
			fputs(name, f);
		}
		fprintf(f, " %llu\n", (unsigned long long)st->value);
	}
	return ferror(f) ? -EIO : 0;
}
