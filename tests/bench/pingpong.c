// SPDX-License-Identifier: GPL-2.0
// Workload for bench case 2 (off-CPU): two threads pass one byte back and forth through two
// pipes N times. Run pinned to one CPU, each round trip is two context switches.
//
// Usage: pingpong [N]   (default 100000)
// Prints: work_ns=... ops=N switches=2N
#include <pthread.h>
#include "bench.h"

static int a[2], b[2];
static long n;

static void *echo(void *arg)
{
	char c;

	(void)arg;
	for (long i = 0; i < n; i++)
		if (read(a[0], &c, 1) != 1 || write(b[1], &c, 1) != 1)
			exit(1);
	return NULL;
}

int main(int argc, char **argv)
{
	long long t0, t1;
	pthread_t t;
	char c = 0;

	n = argc > 1 ? atol(argv[1]) : 100000;
	if (n <= 0 || pipe(a) || pipe(b)) {
		fprintf(stderr, "usage: pingpong [N]\n");
		return 2;
	}
	bench_wait_go();
	if (pthread_create(&t, NULL, echo, NULL))
		return 1;
	t0 = bench_now_ns();
	for (long i = 0; i < n; i++)
		if (write(a[1], &c, 1) != 1 || read(b[0], &c, 1) != 1)
			return 1;
	t1 = bench_now_ns();
	pthread_join(t, NULL);
	printf("work_ns=%lld ops=%ld switches=%ld\n", t1 - t0, n, 2 * n);
	bench_done();
	return 0;
}
