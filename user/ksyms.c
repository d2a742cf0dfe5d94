// SPDX-License-Identifier: GPL-2.0
/* ksyms.c: kernel addresses to names, from /proc/kallsyms, re-read when a lookup misses. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ksyms.h"
#include "symtab.h"

#define KALLSYMS_PATH "/proc/kallsyms"

/* A miss may mean a module or BPF program was loaded since: read again, at most once a second. */
#define RETRY_NS 1000000000LL

/* Room for kernel text symbols and their names from the start; each doubles past it. */
#define KSYMS_RESERVE	    65536
#define KSYMS_NAMES_RESERVE (1 << 20)

/* Of the kernel symbols at one address, the lowest rank names it. */
enum ksym_rank {
	KSYM_GLOBAL,
	KSYM_WEAK,
	KSYM_LOCAL,
	KSYM_BOUND,	  /* a section bound, such as _text */
	KSYM_END_OF_TEXT, /* _etext, kept as a marker */
};

struct ksyms {
	struct symtab *table;
	char *kallsyms_path; /* NULL: KALLSYMS_PATH */
	bool loaded, unusable, warn;
	long long read_ns;
};

static long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Code lives in text symbols; weak ones count, data and absolute ones do not. */
static bool ksym_is_text(char type)
{
	return type == 't' || type == 'T' || type == 'w' || type == 'W';
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && !memcmp(s + len - n, suffix, n);
}

/*
 * Section bounds (_text, __irqentry_text_end, __hot_text_start) share their
 * address with the first function after them; they rank last there, so
 * that function keeps its name.
 */
static bool ksym_is_bound(const char *name, size_t len)
{
	return name[0] == '_' && (ends_with(name, len, "_start") || ends_with(name, len, "_end") ||
				  ends_with(name, len, "text"));
}

static enum ksym_rank ksym_rank(char type, const char *name, size_t len)
{
	if (ksym_is_bound(name, len))
		return KSYM_BOUND;
	if (type == 'T')
		return KSYM_GLOBAL;
	if (type == 'W')
		return KSYM_WEAK;
	return KSYM_LOCAL;
}

/* Kernel symbols have no size: each ends where the next begins. */
static int ksyms_add(struct symtab *t, __u64 addr, char type, const char *name, size_t len)
{
	__u32 off;
	int err;

	if (len == strlen("_etext") && !memcmp(name, "_etext", len)) {
		/* the end of core kernel text: addresses past it are not its last function */
		return symtab__add(t, addr, 0 /* size */, 0 /* bound */, KSYM_END_OF_TEXT,
				   SYMTAB_NO_NAME);
	}
	err = symtab__add_name(t, name, len, &off);
	if (err)
		return err;
	return symtab__add(t, addr, 0 /* size */, 0 /* bound */, ksym_rank(type, name, len), off);
}

/*
 * Parse one kallsyms line, "ADDR TYPE NAME[\t[MODULE]]"; the module is
 * dropped, frames show the function name only. *nonzero is set when the
 * line's address is not zero.
 */
static int ksyms_parse_line(struct symtab *t, const char *line, bool *nonzero)
{
	const char *name;
	char *end;
	__u64 addr;
	char type;

	addr = strtoull(line, &end, 16);
	if (end == line || end[0] != ' ' || !end[1] || end[2] != ' ')
		return 0;
	if (addr)
		*nonzero = true;
	type = end[1];
	name = end + 3;
	if (!ksym_is_text(type))
		return 0;
	return ksyms_add(t, addr, type, name, strcspn(name, " \t\n"));
}

/* Read a kallsyms file into t; *hidden says every address read as zero. */
static int ksyms_read(struct symtab *t, const char *path, bool *hidden)
{
	bool nonzero = false;
	char *line = NULL;
	size_t cap = 0;
	int err = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	err = symtab__reserve(t, KSYMS_RESERVE, KSYMS_NAMES_RESERVE);
	while (!err && getline(&line, &cap, f) > 0)
		err = ksyms_parse_line(t, line, &nonzero);
	if (!err && ferror(f))
		err = -EIO;
	free(line);
	fclose(f);
	if (err)
		return err;
	*hidden = !nonzero;
	symtab__finish(t);
	return 0;
}

/* The first read failed or hid the addresses: say so once; kernel frames are [unknown] from now. */
static void kernel_give_up(struct ksyms *k, const char *path, int err)
{
	k->unusable = true;
	if (!k->warn)
		return;
	if (err)
		fprintf(stderr, "vigil: %s: failed to read: %s; kernel frames will be [unknown]\n",
			path, strerror(-err));
	else
		fprintf(stderr,
			"vigil: %s: addresses are hidden (kernel.kptr_restrict); "
			"kernel frames will be [unknown]\n",
			path);
}

/* Load or reload the kernel symbols; a reload that fails keeps the table read before. */
static int kernel_load(struct ksyms *k)
{
	const char *path = k->kallsyms_path ? k->kallsyms_path : KALLSYMS_PATH;
	struct symtab *fresh;
	bool hidden = false;
	int err;

	k->read_ns = mono_ns();
	fresh = symtab__new();
	if (!fresh)
		return -ENOMEM;
	err = ksyms_read(fresh, path, &hidden);
	if (!err && !hidden) {
		symtab__free(k->table);
		k->table = fresh;
		k->loaded = true;
		return 0;
	}
	symtab__free(fresh);
	if (err == -ENOMEM)
		return err;
	if (!k->loaded)
		kernel_give_up(k, path, err);
	k->loaded = true;
	return 0;
}

struct ksyms *ksyms__new(bool warn)
{
	struct ksyms *k = calloc(1, sizeof(*k));

	if (!k) {
		errno = ENOMEM;
		return NULL;
	}
	k->warn = warn;
	return k;
}

void ksyms__free(struct ksyms *k)
{
	if (!k)
		return;
	symtab__free(k->table);
	free(k->kallsyms_path);
	free(k);
}

int ksyms__set_kallsyms(struct ksyms *k, const char *path)
{
	char *copy = strdup(path);

	if (!copy)
		return -ENOMEM;
	free(k->kallsyms_path);
	k->kallsyms_path = copy;
	return 0;
}

int ksyms__lookup(struct ksyms *k, __u64 addr, const char **name)
{
	int err;

	if (!k->loaded) {
		err = kernel_load(k);
		if (err)
			return err;
	}
	if (k->unusable)
		return -ENOENT;
	/* a miss, or a hit on the last symbol (nothing ends it), may mean the table is stale */
	err = symtab__find(k->table, addr, name);
	if (err && mono_ns() - k->read_ns >= RETRY_NS) {
		err = kernel_load(k);
		if (err)
			return err;
		err = symtab__find(k->table, addr, name);
	}
	return err < 0 ? -ENOENT : 0;
}
