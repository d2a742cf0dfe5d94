// SPDX-License-Identifier: GPL-2.0
// Workload for bench case 3 (function tracing): calls hot() N times and times the loop. With
// BENCH_PROBED=1 it first waits (10 s at most) until a breakpoint is written at hot's first
// byte, which is what attaching a uprobe to it does to this process's copy of its code, and
// then 300 ms more, for a second probe (a return probe) on the same function.
//
// Usage: hotcall [N]   (default 200000)
// Prints: work_ns=... ops=N sum=...
#include "bench.h"

/*
 * A tiny function with a frame, so that it starts with push %rbp as code built with frame
 * pointers does: the first instruction x86 uprobes emulate rather than single-step (GCC 12
 * drops the frame of a leaf that never touches its stack, hence the volatile local).
 */
__attribute__((noinline)) long hot(long i)
{
	volatile long v = i;

	return v ^ (i >> 3);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 200000, sum = 0;
	const char *probed = getenv("BENCH_PROBED");
	long long t0, t1;

	if (n <= 0) {
		fprintf(stderr, "usage: hotcall [N]\n");
		return 2;
	}
	bench_wait_go();
	if (probed && *probed == '1') {
		volatile unsigned char *code = (volatile unsigned char *)hot;
		int waited = 0;

		while (*code != 0xcc && waited < 10000) {
			bench_sleep_ms(5);
			waited += 5;
		}
		if (*code != 0xcc) {
			fprintf(stderr, "hotcall: no probe on hot() after 10 s\n");
			return 1;
		}
		bench_sleep_ms(300);
	}
	t0 = bench_now_ns();
	for (long i = 0; i < n; i++)
		sum += hot(i);
	t1 = bench_now_ns();
	printf("work_ns=%lld ops=%ld sum=%ld\n", t1 - t0, n, sum);
	bench_done();
	return 0;
}
