// SPDX-License-Identifier: GPL-2.0
/* folded.c: stack sets to and from folded stacks, one frame per ';'-separated field. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "folded.h"
#include "stacks.h"
#include "strtab.h"

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

/* Split line (its value already cut off) into interned frames, appended to *frames. */
static int split_frames(char *line, struct strtab *names, const char ***frames, size_t *cap,
			size_t *depth)
{
	char *s = line;

	*depth = 0;
	for (;;) {
		char *end = strchr(s, ';');

		if (end)
			*end = '\0';
		if (*depth == *cap) {
			size_t ncap = *cap ? *cap * 2 : 64;
			const char **n = realloc(*frames, ncap * sizeof(*n));

			if (!n)
				return -ENOMEM;
			*frames = n;
			*cap = ncap;
		}
		(*frames)[*depth] = strtab__intern(names, s);
		if (!(*frames)[(*depth)++])
			return -ENOMEM;
		if (!end)
			return 0;
		s = end + 1;
	}
}

/* Whether the n bytes before end are " DIGITS": a second count, as vigil diff writes. */
static bool ends_in_count(const char *line, const char *end)
{
	const char *p = end;

	while (p > line && p[-1] >= '0' && p[-1] <= '9')
		p--;
	return p < end && p > line && (p[-1] == ' ' || p[-1] == '\t');
}

int folded__read(FILE *f, const char *name, struct stack_set *set, char *err, size_t errlen)
{
	struct strtab *names = stack_set__strtab(set);
	const char **frames = NULL;
	size_t cap = 0, len = 0, depth;
	unsigned long lineno = 0;
	char *line = NULL;
	ssize_t n;
	int ret = 0;

	while ((n = getline(&line, &len, f)) >= 0) {
		unsigned long long v;
		char *sp, *end, *text = line;

		lineno++;
		if ((size_t)n != strlen(line)) {
			snprintf(err, errlen, "%s:%lu: holds a NUL byte: not folded text", name,
				 lineno);
			ret = -EINVAL;
			break;
		}
		/* a byte order mark, as some editors on Windows begin a file */
		if (lineno == 1 && !strncmp(text, "\xef\xbb\xbf", 3)) {
			text += 3;
			n -= 3;
		}
		while (n > 0 && strchr("\n\r \t", text[n - 1]))
			text[--n] = '\0';
		if (!n)
			continue;
		sp = text + n;
		while (sp > text && sp[-1] != ' ' && sp[-1] != '\t')
			sp--;
		if (sp == text || sp - 1 == text) {
			snprintf(err, errlen, "%s:%lu: expected 'frame;frame;... COUNT'", name,
				 lineno);
			ret = -EINVAL;
			break;
		}
		errno = 0;
		v = strtoull(sp, &end, 10);
		if (*sp < '0' || *sp > '9' || *end || errno) {
			snprintf(err, errlen,
				 errno == ERANGE
					 ? "%s:%lu: '%.40s' is more than 2^63 - 1"
					 : "%s:%lu: '%.40s' is not a whole number of samples",
				 name, lineno, sp);
			ret = -EINVAL;
			break;
		}
		sp--;
		while (sp > text && (sp[-1] == ' ' || sp[-1] == '\t'))
			sp--;
		if (ends_in_count(text, sp)) {
			snprintf(
				err, errlen,
				"%s:%lu: two counts: vigil diff's two-column output, not a profile",
				name, lineno);
			ret = -EINVAL;
			break;
		}
		*sp = '\0';
		/* every sink keeps totals in a signed 64-bit number (pprof's) */
		if (v > INT64_MAX - stack_set__total(set)) {
			snprintf(err, errlen, "%s:%lu: the counts add up to more than 2^63 - 1",
				 name, lineno);
			ret = -EINVAL;
			break;
		}
		ret = split_frames(text, names, &frames, &cap, &depth);
		if (!ret)
			ret = stack_set__add(set, frames, depth, v);
		if (ret) {
			snprintf(err, errlen, "out of memory");
			break;
		}
	}
	if (!ret && ferror(f)) {
		snprintf(err, errlen, "%s: cannot read: %s", name, strerror(errno));
		ret = -EIO;
	}
	free(line);
	free(frames);
	return ret;
}
