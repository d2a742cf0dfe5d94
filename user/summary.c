// SPDX-License-Identifier: GPL-2.0
/* summary.c: tallies self and total value per frame name and prints the largest. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "stacks.h"
#include "summary.h"

struct tally {
	const char *name;
	__u64 self, total;
	__u64 seen; /* index + 1 of the last stack counted in total */
};

/* Frames are interned, so a table keyed by pointer is enough. */
struct tally_set {
	struct tally *slots;
	size_t cap, count;
};

static struct tally *tally_get(struct tally_set *t, const char *name)
{
	size_t i;

	if ((t->count + 1) * 2 > t->cap) {
		struct tally *old = t->slots;
		size_t old_cap = t->cap, cap = old_cap ? old_cap * 2 : 256;

		t->slots = calloc(cap, sizeof(*t->slots));
		if (!t->slots) {
			t->slots = old;
			return NULL;
		}
		t->cap = cap;
		t->count = 0;
		for (size_t j = 0; j < old_cap; j++) {
			if (old[j].name)
				*tally_get(t, old[j].name) = old[j];
		}
		free(old);
	}
	i = ((unsigned long)name >> 4) * 0x9E3779B97F4A7C15ULL & (t->cap - 1);
	while (t->slots[i].name && t->slots[i].name != name)
		i = (i + 1) & (t->cap - 1);
	if (!t->slots[i].name) {
		t->slots[i].name = name;
		t->count++;
	}
	return &t->slots[i];
}

static int by_self(const void *pa, const void *pb)
{
	const struct tally *a = pa, *b = pb;

	if (a->self != b->self)
		return a->self < b->self ? 1 : -1;
	if (a->total != b->total)
		return a->total < b->total ? 1 : -1;
	return strcmp(a->name, b->name);
}

static int by_total(const void *pa, const void *pb)
{
	const struct tally *a = pa, *b = pb;

	if (a->total != b->total)
		return a->total < b->total ? 1 : -1;
	return strcmp(a->name, b->name);
}

/* Move the tallies to the front of the array and sort them; returns how many. */
static size_t pack(struct tally_set *t, int (*cmp)(const void *, const void *))
{
	size_t n = 0;

	for (size_t i = 0; i < t->cap; i++) {
		if (t->slots[i].name)
			t->slots[n++] = t->slots[i];
	}
	qsort(t->slots, n, sizeof(*t->slots), cmp);
	return n;
}

static double pct(__u64 v, __u64 total)
{
	return total ? 100.0 * v / total : 0.0;
}

static bool is_scheduler(const char *frame)
{
	static const char *const prefixes[] = {"schedule", "__schedule", "preempt_schedule",
					       "io_schedule", "finish_task_switch"};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(frame, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/*
 * Where a stack's functions end: before its class and the marks of a cut
 * span, when the profile ends stacks in them (off-CPU and wall clocks).
 */
static size_t functions_end(const struct stack *st, bool class_last)
{
	size_t end = st->depth;

	if (!class_last || end < 2)
		return end;
	end--;
	while (end > 1 && !strncmp(st->frames[end - 1], "[cut at ", 8))
		end--;
	/* every off-CPU stack ends in the scheduler: self time goes to what called it */
	while (end > 2 && is_scheduler(st->frames[end - 1]))
		end--;
	return end;
}

static int tally_stacks(struct stack_set *set, struct tally_set *threads, struct tally_set *funcs,
			bool class_last)
{
	struct stack **sorted = stack_set__sorted(set);
	__u64 idx = 0;

	if (!sorted)
		return -ENOMEM;
	for (; *sorted; sorted++) {
		const struct stack *st = *sorted;
		struct tally *th, *fn;
		size_t end;

		idx++;
		if (st->depth == 0)
			continue;
		th = tally_get(threads, st->frames[0]);
		if (!th)
			return -ENOMEM;
		th->total += st->value;
		th->self += st->value;
		end = functions_end(st, class_last);
		for (size_t i = 1; i < end; i++) {
			fn = tally_get(funcs, st->frames[i]);
			if (!fn)
				return -ENOMEM;
			if (fn->seen != idx)
				fn->total += st->value;
			fn->seen = idx;
			if (i == end - 1)
				fn->self += st->value;
		}
	}
	return 0;
}

int summary__write(FILE *f, struct stack_set *set, const struct summary_opts *opts)
{
	struct tally_set threads = {}, funcs = {};
	__u64 total = stack_set__total(set);
	size_t n;
	int err;

	err = tally_stacks(set, &threads, &funcs, opts->class_last);
	if (err)
		goto out;

	if (opts->title)
		fprintf(f, "%s\n", opts->title);
	fprintf(f, "total: %llu %s in %zu distinct stacks\n", (unsigned long long)total, opts->unit,
		stack_set__count(set));
	if (opts->notes)
		fprintf(f, "%s\n", opts->notes);
	fputc('\n', f);

	fprintf(f, "top threads by %s:\n  %6s  %10s  %s\n", opts->unit, "share", opts->unit,
		"thread");
	n = pack(&threads, by_total);
	for (size_t i = 0; i < n && (int)i < opts->top_threads; i++)
		fprintf(f, "  %5.1f%%  %10llu  %s\n", pct(threads.slots[i].total, total),
			(unsigned long long)threads.slots[i].total, threads.slots[i].name);

	fprintf(f, "\ntop functions by self %s:\n  %6s  %6s  %10s  %s\n", opts->unit, "self",
		"total", opts->unit, "function");
	n = pack(&funcs, by_self);
	for (size_t i = 0; i < n && (int)i < opts->top; i++)
		fprintf(f, "  %5.1f%%  %5.1f%%  %10llu  %s\n", pct(funcs.slots[i].self, total),
			pct(funcs.slots[i].total, total), (unsigned long long)funcs.slots[i].self,
			funcs.slots[i].name);
	err = ferror(f) ? -EIO : 0;
out:
	free(threads.slots);
	free(funcs.slots);
	return err;
}
