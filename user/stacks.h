/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stacks.h: the in-memory profile every sink reads: distinct stacks of
 * frames, outermost first, each with a value (samples, or microseconds).
 * Frames are interned strings (see strtab.h), so a stack is an array of
 * pointers and two stacks are equal when their pointer arrays are.
 */
#ifndef VIGIL_STACKS_H
#define VIGIL_STACKS_H

#include <stddef.h>
#include <linux/types.h>

struct strtab;

struct stack {
	__u64 value;
	size_t depth;
	const char *frames[]; /* outermost first */
};

struct stack_set;

struct stack_set *stack_set__new(void);
void stack_set__free(struct stack_set *set);

/* The set's string table: intern frame names here before adding them. */
struct strtab *stack_set__strtab(struct stack_set *set);

/* Add value to the stack frames[0..depth). Returns 0 or -ENOMEM. */
int stack_set__add(struct stack_set *set, const char *const *frames, size_t depth, __u64 value);

/*
 * Divide every value by div, rounding to the nearest: nanoseconds summed
 * exactly become microseconds once, at the end. Stacks that round to 0
 * stay in the set; the writers skip them.
 */
void stack_set__scale(struct stack_set *set, __u64 div);

/* Add every stack of src to dst (frames interned in dst's table). 0 or -ENOMEM. */
int stack_set__merge(struct stack_set *dst, const struct stack_set *src);

size_t stack_set__count(const struct stack_set *set);
__u64 stack_set__total(const struct stack_set *set);

/*
 * The stacks in the byte order of their folded lines (LC_ALL=C sort), in an
 * array owned by the set and valid until the next add. NULL if out of memory.
 */
struct stack **stack_set__sorted(struct stack_set *set);

/* Order of a's and b's folded lines (their bytes), whatever tables their names are in. */
int stack__cmp(const struct stack *a, const struct stack *b);

#endif /* VIGIL_STACKS_H */
