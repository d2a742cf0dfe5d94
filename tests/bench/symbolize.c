// SPDX-License-Identifier: GPL-2.0
// bench/symbolize: how fast the symbolizer names user frames once their
// files are parsed. It names 100k distinct addresses spread over the code
// of every file mapped into this process (vigil's own libraries: libbpf,
// libelf, libdebuginfod and its curl closure, libc...), twice: the first
// pass parses each file, the second names 100k other addresses.
//
// Usage: build/bench/symbolize [FRAMES]
// Prints a line for people, then one of key=value words for scripts/bench/run.sh. The passes
// are the functions first_pass and second_pass, for callgrind's --toggle-collect.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include "symbolizer.h"

struct range {
	unsigned long long start, end;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The executable file mappings of this process. */
static int code_ranges(struct range *r, int max, int *files)
{
	char line[4096], perms[8], path[4096];
	unsigned long long start, end;
	FILE *f = fopen("/proc/self/maps", "r");
	int n = 0;

	if (!f)
		return -1;
	*files = 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		path[0] = '\0';
		if (sscanf(line, "%llx-%llx %7s %*s %*s %*s %4095s", &start, &end, perms, path) < 3)
			continue;
		if (perms[2] != 'x' || path[0] != '/')
			continue;
		r[n].start = start;
		r[n].end = end;
		n++;
		(*files)++;
	}
	fclose(f);
	return n;
}

/* Name frames addresses spread over the ranges, starting phase (0..1) into each step. */
static double pass(struct symbolizer *s, const struct range *r, int n, long frames, double phase,
		   long *unknown)
{
	unsigned long long total = 0, seen = 0;
	__u32 pid = getpid();
	double t0 = now_s();

	for (int i = 0; i < n; i++)
		total += r[i].end - r[i].start;
	*unknown = 0;
	for (int i = 0; i < n; i++) {
		long share = (long)((double)frames * (r[i].end - r[i].start) / total) + 1;
		double step = (double)(r[i].end - r[i].start) / share;

		for (long k = 0; k < share && seen < (unsigned long long)frames; k++, seen++) {
			__u64 addr = r[i].start + (__u64)((k + phase) * step);
			const char *name = symbolizer__user(s, pid, addr, false);

			if (!name) {
				fprintf(stderr, "bench: out of memory\n");
				exit(1);
			}
			if (!strcmp(name, "[unknown]"))
				(*unknown)++;
		}
	}
	return now_s() - t0;
}

__attribute__((noinline)) static double first_pass(struct symbolizer *s, const struct range *r,
						   int n, long frames, long *unknown)
{
	return pass(s, r, n, frames, 0.25, unknown);
}

__attribute__((noinline)) static double second_pass(struct symbolizer *s, const struct range *r,
						    int n, long frames, long *unknown)
{
	return pass(s, r, n, frames, 0.75, unknown);
}

int main(int argc, char **argv)
{
	long frames = argc > 1 ? atol(argv[1]) : 100000, unknown;
	struct symbolizer_stats st;
	struct rusage ru;
	struct range r[256];
	struct symbolizer *s;
	double first, second;
	int n, files;

	n = code_ranges(r, 256, &files);
	if (n <= 0 || frames <= 0) {
		fprintf(stderr, "bench: no code mappings, or bad FRAMES\n");
		return 1;
	}
	s = symbolizer__new(NULL);
	if (!s)
		return 1;
	first = first_pass(s, r, n, frames, &unknown);
	second = second_pass(s, r, n, frames, &unknown);
	symbolizer__stats(s, &st);
	getrusage(RUSAGE_SELF, &ru);
	printf("symbolize: %ld distinct frames in %d code mappings of %lu files: "
	       "first pass (parsing each file) %.1f ms, second pass %.1f ms (%.0f ns/frame), "
	       "%ld [unknown]\n",
	       frames, n, st.files_parsed, first * 1e3, second * 1e3, second * 1e9 / frames,
	       unknown);
	printf("sym_frames=%ld sym_files=%lu sym_first_ns=%.0f sym_second_ns=%.0f sym_unknown=%ld "
	       "sym_maxrss_kb=%ld\n",
	       frames, st.files_parsed, first * 1e9, second * 1e9, unknown, ru.ru_maxrss);
	symbolizer__free(s);
	return 0;
}
