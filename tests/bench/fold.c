// SPDX-License-Identifier: GPL-2.0
// bench/fold: how fast vigil's profile model folds samples. SAMPLES samples, drawn (by a fixed
// generator, the same every run) from DISTINCT stacks 8 to 40 frames deep over 20000 function
// names, are added one by one to a stack set (stack_set__add, as a drain adds what it read),
// then written as sorted folded stacks (folded__write) to OUT.
//
// Usage: build/bench/fold [SAMPLES [DISTINCT [OUT]]]   (default 10000000 50000, OUT a file in
//        $TMPDIR, removed)
// Prints: fold: ... and, on a last line, key=value words for scripts/bench/run.sh.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include "folded.h"
#include "stacks.h"
#include "strtab.h"

#define NAMES	  20000
#define MAX_DEPTH 40

static unsigned long long rng = 0x9e3779b97f4a7c15ULL;

/* xorshift64*: a fixed sequence, so every run folds the same samples. */
static unsigned long long next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The two steps, apart for callgrind's --toggle-collect (scripts/bench/run.sh). */
__attribute__((noinline)) static int add_samples(struct stack_set *set, const char ***stacks,
						 const unsigned char *depth, long distinct,
						 long samples)
{
	for (long i = 0; i < samples; i++) {
		/* skewed: the square of a uniform number favours the first stacks */
		double u = (next() >> 11) * (1.0 / 9007199254740992.0);
		long s = (long)(u * u * distinct);

		if (stack_set__add(set, stacks[s], depth[s], 1))
			return -1;
	}
	return 0;
}

__attribute__((noinline)) static int write_folded(FILE *f, struct stack_set *set)
{
	return folded__write(f, set);
}

int main(int argc, char **argv)
{
	long samples = argc > 1 ? atol(argv[1]) : 10000000,
	     distinct = argc > 2 ? atol(argv[2]) : 50000;
	const char *out = argc > 3 ? argv[3] : NULL;
	char tmp[4096], name[64];
	const char **names, ***stacks;
	unsigned char *depth;
	struct stack_set *set;
	struct strtab *tab;
	double t0, t1, t2;
	struct rusage ru;
	long bytes;
	FILE *f;

	if (samples <= 0 || distinct <= 0) {
		fprintf(stderr, "usage: fold [SAMPLES [DISTINCT [OUT]]]\n");
		return 2;
	}
	set = stack_set__new();
	names = calloc(NAMES, sizeof(*names));
	stacks = calloc(distinct, sizeof(*stacks));
	depth = calloc(distinct, 1);
	if (!set || !names || !stacks || !depth)
		return 1;
	tab = stack_set__strtab(set);
	for (int i = 0; i < NAMES; i++) {
		snprintf(name, sizeof(name), i < 200 ? "comm_%d" : "function_name_%d", i);
		names[i] = strtab__intern(tab, name);
		if (!names[i])
			return 1;
	}
	/* stacks share their outer frames as real ones do: a prefix of the previous stack */
	for (long s = 0; s < distinct; s++) {
		int d = 8 + next() % (MAX_DEPTH - 7), keep = s ? next() % d : 0;

		depth[s] = d;
		stacks[s] = malloc(d * sizeof(**stacks));
		if (!stacks[s])
			return 1;
		for (int k = 0; k < d; k++)
			if (k == 0)
				stacks[s][k] = names[next() % 200];
			else if (k < keep && k < depth[s - 1])
				stacks[s][k] = stacks[s - 1][k];
			else
				stacks[s][k] = names[200 + next() % (NAMES - 200)];
	}
	t0 = now_s();
	if (add_samples(set, stacks, depth, distinct, samples)) {
		fprintf(stderr, "fold: out of memory\n");
		return 1;
	}
	t1 = now_s();
	if (out) {
		f = fopen(out, "w");
	} else {
		snprintf(tmp, sizeof(tmp), "%s/vigil-fold-XXXXXX", getenv("TMPDIR") ?: "/tmp");
		int fd = mkstemp(tmp);

		f = fd < 0 ? NULL : fdopen(fd, "w");
		if (f)
			unlink(tmp);
	}
	if (!f || write_folded(f, set)) {
		fprintf(stderr, "fold: cannot write the folded stacks\n");
		return 1;
	}
	fflush(f);
	bytes = ftell(f);
	fclose(f);
	t2 = now_s();
	getrusage(RUSAGE_SELF, &ru);
	printf("fold: %ld samples of %zu distinct stacks added in %.1f ms (%.0f ns/sample), "
	       "written (%ld bytes) in %.1f ms; peak RSS %.1f MB\n",
	       samples, stack_set__count(set), (t1 - t0) * 1e3, (t1 - t0) * 1e9 / samples, bytes,
	       (t2 - t1) * 1e3, ru.ru_maxrss / 1024.0);
	printf("fold_samples=%ld fold_distinct=%zu fold_total=%llu fold_add_ns=%.0f "
	       "fold_write_ns=%.0f "
	       "fold_bytes=%ld fold_maxrss_kb=%ld\n",
	       samples, stack_set__count(set), (unsigned long long)stack_set__total(set),
	       (t1 - t0) * 1e9, (t2 - t1) * 1e9, bytes, ru.ru_maxrss);
	for (long s = 0; s < distinct; s++)
		free(stacks[s]);
	free(stacks);
	free(depth);
	free(names);
	stack_set__free(set);
	return 0;
}
