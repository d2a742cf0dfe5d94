// SPDX-License-Identifier: GPL-2.0
/* stacks.c: a hash table of distinct stacks with values, keyed by their frame pointers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "stacks.h"
#include "strtab.h"

struct stack_set {
	struct stack **slots; /* open addressing, linear probing */
	size_t cap, count;
	__u64 total;
	struct stack **sorted;
	struct strtab *names;
};

struct stack_set *stack_set__new(void)
{
	struct stack_set *set = calloc(1, sizeof(*set));

	if (!set)
		return NULL;
	set->cap = 1024;
	set->slots = calloc(set->cap, sizeof(*set->slots));
	set->names = strtab__new();
	if (!set->slots || !set->names) {
		stack_set__free(set);
		return NULL;
	}
	return set;
}

void stack_set__free(struct stack_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; set->slots && i < set->cap; i++)
		free(set->slots[i]);
	free(set->slots);
	free(set->sorted);
	strtab__free(set->names);
	free(set);
}

struct strtab *stack_set__strtab(struct stack_set *set)
{
	return set->names;
}

static size_t slot_of(const struct stack_set *set, const char *const *frames, size_t depth)
{
	return vigil_hash_bytes(frames, depth * sizeof(*frames), depth) & (set->cap - 1);
}

static int grow(struct stack_set *set)
{
	struct stack **old = set->slots;
	size_t old_cap = set->cap;

	set->slots = calloc(old_cap * 2, sizeof(*set->slots));
	if (!set->slots) {
		set->slots = old;
		return -ENOMEM;
	}
	set->cap = old_cap * 2;
	for (size_t i = 0; i < old_cap; i++) {
		struct stack *st = old[i];
		size_t j;

		if (!st)
			continue;
		j = slot_of(set, st->frames, st->depth);
		while (set->slots[j])
			j = (j + 1) & (set->cap - 1);
		set->slots[j] = st;
	}
	free(old);
	return 0;
}

int stack_set__add(struct stack_set *set, const char *const *frames, size_t depth, __u64 value)
{
	struct stack *st;
	size_t i;

	if ((set->count + 1) * 2 > set->cap && grow(set))
		return -ENOMEM;
	for (i = slot_of(set, frames, depth); (st = set->slots[i]); i = (i + 1) & (set->cap - 1)) {
		if (st->depth == depth && !memcmp(st->frames, frames, depth * sizeof(*frames))) {
			st->value += value;
			set->total += value;
			return 0;
		}
	}
	st = malloc(sizeof(*st) + depth * sizeof(*frames));
	if (!st)
		return -ENOMEM;
	st->value = value;
	st->depth = depth;
	memcpy(st->frames, frames, depth * sizeof(*frames));
	set->slots[i] = st;
	set->count++;
	set->total += value;
	free(set->sorted);
	set->sorted = NULL;
	return 0;
}

void stack_set__scale(struct stack_set *set, __u64 div)
{
	set->total = 0;
	for (size_t i = 0; i < set->cap; i++) {
		struct stack *st = set->slots[i];

		if (!st)
			continue;
		st->value = (st->value + div / 2) / div;
		set->total += st->value;
	}
}

size_t stack_set__count(const struct stack_set *set)
{
	return set->count;
}

__u64 stack_set__total(const struct stack_set *set)
{
	return set->total;
}

/* Where a walk over a stack's folded text stands: frame i, byte j. */
struct cursor {
	const struct stack *st;
	size_t i, j;
};

/* The next byte of "frame;frame;...", or -1 at the end. */
static int next_byte(struct cursor *c)
{
	while (c->i < c->st->depth) {
		unsigned char b = c->st->frames[c->i][c->j];

		if (b) {
			c->j++;
			return b;
		}
		c->i++;
		c->j = 0;
		if (c->i < c->st->depth)
			return ';';
	}
	return -1;
}

/* Byte order of the folded lines, as `LC_ALL=C sort` has them, without building them. */
static int cmp_stacks(const void *pa, const void *pb)
{
	struct cursor a = {*(struct stack *const *)pa, 0, 0};
	struct cursor b = {*(struct stack *const *)pb, 0, 0};

	for (;;) {
		int x = next_byte(&a), y = next_byte(&b);

		if (x != y)
			return x < y ? -1 : 1;
		if (x < 0)
			return 0;
	}
}

int stack__cmp(const struct stack *a, const struct stack *b)
{
	return cmp_stacks(&a, &b);
}

struct stack **stack_set__sorted(struct stack_set *set)
{
	size_t n = 0;

	free(set->sorted);
	set->sorted = malloc((set->count + 1) * sizeof(*set->sorted));
	if (!set->sorted)
		return NULL;
	for (size_t i = 0; i < set->cap; i++) {
		if (set->slots[i])
			set->sorted[n++] = set->slots[i];
	}
	set->sorted[n] = NULL;
	qsort(set->sorted, n, sizeof(*set->sorted), cmp_stacks);
	return set->sorted;
}

int stack_set__merge(struct stack_set *dst, const struct stack_set *src)
{
	const char **frames = NULL;
	size_t cap = 0;
	int err = 0;

	for (size_t i = 0; !err && i < src->cap; i++) {
		const struct stack *s = src->slots[i];

		if (!s)
			continue;
		if (s->depth > cap) {
			const char **n = realloc(frames, s->depth * sizeof(*n));

			if (!n) {
				err = -ENOMEM;
				break;
			}
			frames = n;
			cap = s->depth;
		}
		/* the names are src's: they become dst's own */
		for (size_t d = 0; d < s->depth; d++) {
			frames[d] = strtab__intern(dst->names, s->frames[d]);
			if (!frames[d])
				err = -ENOMEM;
		}
		if (!err)
			err = stack_set__add(dst, frames, s->depth, s->value);
	}
	free(frames);
	return err;
}
