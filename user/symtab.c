// SPDX-License-Identifier: GPL-2.0
/* symtab.c: symbols sorted by address, one per address, and the search for the one covering it. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "symtab.h"

/*
 * Overlapping functions (an entry point inside a longer function, as some
 * hand-written assembly has) are found by looking back this many symbols
 * from the nearest start below the address; deeper nesting is not found
 * (a user frame then shows FILE+0xOFFSET).
 */
#define NESTED_LOOKBACK 4

/* Names longer than this order aliases as if they were this long. */
#define NAME_LEN_CLAMP 0xffff

/* Symbols a table grown without symtab__reserve() starts with; it doubles from there. */
#define INITIAL_CAP 1024

/*
 * After symtab__finish(), extent is the bytes a symbol covers, 0 meaning up
 * to the next symbol (every address above, for the last). Until then it
 * packs the rank (top 3 bits), whether the symbol has a size (the next
 * bit) and its size or the distance to its bound (0: none; the low 28
 * bits), so that a symbol takes 16 bytes and a lookup reads a plain word.
 */
#define EXTENT_MASK  SYMTAB_SIZE_MAX
#define EXTENT_SIZED (1U << 28)
#define RANK_SHIFT   29

struct symtab_sym {
	__u64 addr;
	__u32 name; /* offset in names, or SYMTAB_NO_NAME */
	__u32 extent;
};

_Static_assert(sizeof(struct symtab_sym) == 16, "a symbol takes 16 bytes");
_Static_assert(EXTENT_MASK < EXTENT_SIZED && SYMTAB_RANK_MAX < 1U << (32 - RANK_SHIFT),
	       "rank, sized and extent fit one word");

struct symtab {
	struct symtab_sym *syms;
	size_t nr, cap;
	char *names;
	size_t names_len, names_cap;
};

struct symtab *symtab__new(void)
{
	struct symtab *t = calloc(1, sizeof(*t));

	if (!t)
		errno = ENOMEM;
	return t;
}

void symtab__free(struct symtab *t)
{
	if (!t)
		return;
	free(t->names);
	free(t->syms);
	free(t);
}

/* ------------------------------------------------------------------------
 * Building
 * ------------------------------------------------------------------------ */

static int grow_syms(struct symtab *t, size_t n)
{
	struct symtab_sym *syms;

	if (n <= t->cap)
		return 0;
	if (n > SIZE_MAX / sizeof(*syms))
		return -ENOMEM;
	syms = realloc(t->syms, n * sizeof(*syms));
	if (!syms)
		return -ENOMEM;
	t->syms = syms;
	t->cap = n;
	return 0;
}

static int grow_names(struct symtab *t, size_t size)
{
	char *names;

	if (size <= t->names_cap)
		return 0;
	names = realloc(t->names, size);
	if (!names)
		return -ENOMEM;
	t->names = names;
	t->names_cap = size;
	return 0;
}

int symtab__reserve(struct symtab *t, size_t nr_syms, size_t names_size)
{
	int err = grow_syms(t, nr_syms);

	return err ? err : grow_names(t, names_size);
}

int symtab__add_name(struct symtab *t, const char *name, size_t len, __u32 *off)
{
	size_t need;
	int err;

	if (t->names_len >= SYMTAB_NO_NAME || len >= SIZE_MAX - t->names_len)
		return -E2BIG;
	need = t->names_len + len + 1;
	if (need > t->names_cap) {
		err = grow_names(t, t->names_cap * 2 > need ? t->names_cap * 2 : need);
		if (err)
			return err;
	}
	memcpy(t->names + t->names_len, name, len);
	t->names[t->names_len + len] = '\0';
	*off = t->names_len;
	t->names_len = need;
	return 0;
}

static __u32 clamp_extent(__u64 n)
{
	return n > SYMTAB_SIZE_MAX ? SYMTAB_SIZE_MAX : n;
}

int symtab__add(struct symtab *t, __u64 addr, __u64 size, __u64 bound, __u8 rank, __u32 name)
{
	struct symtab_sym *s;
	int err;

	if (rank > SYMTAB_RANK_MAX || (name != SYMTAB_NO_NAME && name >= t->names_len))
		return -EINVAL;
	if (t->nr == t->cap) {
		err = grow_syms(t, t->cap ? t->cap * 2 : INITIAL_CAP);
		if (err)
			return err;
	}
	s = &t->syms[t->nr++];
	s->addr = addr;
	s->name = name;
	if (size)
		s->extent = EXTENT_SIZED | clamp_extent(size);
	else
		s->extent = bound > addr ? clamp_extent(bound - addr) : 0;
	s->extent |= (__u32)rank << RANK_SHIFT;
	return 0;
}

static size_t name_len(const char *names, __u32 off)
{
	return off == SYMTAB_NO_NAME ? 0 : strnlen(names + off, NAME_LEN_CLAMP);
}

/* By address; at one address the lowest rank, then the shorter name, then the lower offset. */
static int cmp_sym(const void *a, const void *b, void *names)
{
	const struct symtab_sym *x = a, *y = b;
	__u32 x_rank = x->extent >> RANK_SHIFT, y_rank = y->extent >> RANK_SHIFT;
	size_t x_len, y_len;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x_rank != y_rank)
		return x_rank < y_rank ? -1 : 1;
	x_len = name_len(names, x->name);
	y_len = name_len(names, y->name);
	if (x_len != y_len)
		return x_len < y_len ? -1 : 1;
	if (x->name != y->name)
		return x->name < y->name ? -1 : 1;
	return 0;
}

static bool is_sized(const struct symtab_sym *s)
{
	return s->extent & EXTENT_SIZED;
}

/* Keep the first symbol at each address (in cmp_sym's order), covering the longest size there. */
static void keep_one_per_address(struct symtab *t)
{
	size_t i, out = 1;

	for (i = 1; i < t->nr; i++) {
		struct symtab_sym *kept = &t->syms[out - 1], *cur = &t->syms[i];
		__u32 size = cur->extent & EXTENT_MASK;

		if (cur->addr != kept->addr) {
			t->syms[out++] = *cur;
			continue;
		}
		if (is_sized(cur) && (!is_sized(kept) || size > (kept->extent & EXTENT_MASK)))
			kept->extent = (kept->extent & ~EXTENT_MASK) | EXTENT_SIZED | size;
	}
	t->nr = out;
}

/*
 * Leave each extent as the bytes covered: a symbol without a size ends at
 * its bound, or at the next symbol (extent 0) when that comes first.
 */
static void end_unsized(struct symtab *t)
{
	for (size_t i = 0; i < t->nr; i++) {
		struct symtab_sym *s = &t->syms[i];
		__u32 extent = s->extent & EXTENT_MASK;

		if (!is_sized(s) && i + 1 < t->nr && t->syms[i + 1].addr - s->addr <= extent)
			extent = 0;
		s->extent = extent;
	}
}

/* Give back the room the names grew by; keep it if that fails. */
static void shrink_names(struct symtab *t)
{
	char *names;

	if (!t->names_len || t->names_len == t->names_cap)
		return;
	names = realloc(t->names, t->names_len);
	if (names) {
		t->names = names;
		t->names_cap = t->names_len;
	}
}

/* Give back the room of the symbols not kept; keep it if that fails. */
static void shrink_syms(struct symtab *t)
{
	struct symtab_sym *syms;

	if (!t->nr) {
		free(t->syms);
		t->syms = NULL;
		t->cap = 0;
		return;
	}
	if (t->nr == t->cap)
		return;
	syms = realloc(t->syms, t->nr * sizeof(*syms));
	if (syms) {
		t->syms = syms;
		t->cap = t->nr;
	}
}

void symtab__finish(struct symtab *t)
{
	shrink_names(t); /* first: the sort needs room of its own */
	if (t->nr) {
		qsort_r(t->syms, t->nr, sizeof(*t->syms), cmp_sym, t->names);
		keep_one_per_address(t);
		end_unsized(t);
	}
	shrink_syms(t);
}

/* ------------------------------------------------------------------------
 * Lookup
 * ------------------------------------------------------------------------ */

/* The name of the symbol found: 0, or 1 when it is open-ended; -ENOENT for a marker. */
static int found(const struct symtab *t, const struct symtab_sym *s, bool last, const char **name,
		 size_t *index)
{
	if (s->name == SYMTAB_NO_NAME)
		return -ENOENT;
	*name = t->names + s->name;
	if (index)
		*index = s - t->syms;
	return last && !s->extent;
}

size_t symtab__size(const struct symtab *t)
{
	return t->nr;
}

int symtab__find(const struct symtab *t, __u64 addr, const char **name)
{
	return symtab__find_index(t, addr, name, NULL);
}

int symtab__find_index(const struct symtab *t, __u64 addr, const char **name, size_t *index)
{
	const struct symtab_sym *syms = t->syms, *s;
	size_t lo = 0, hi = t->nr, i, stop;

	/* hi ends as the first symbol starting above addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!hi)
		return -ENOENT;
	/* the nearest start covers addr up to the next one when it has no extent */
	s = &syms[hi - 1];
	if (!s->extent || addr - s->addr < s->extent)
		return found(t, s, hi == t->nr, name, index);
	/* an earlier one covers addr only by its extent (an extent of 0 never does) */
	stop = hi > NESTED_LOOKBACK ? hi - NESTED_LOOKBACK : 0;
	for (i = hi - 1; i > stop; i--) {
		s = &syms[i - 1];
		if (addr - s->addr < s->extent)
			return found(t, s, false, name, index);
	}
	return -ENOENT;
}
