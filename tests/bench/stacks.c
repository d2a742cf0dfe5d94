// SPDX-License-Identifier: GPL-2.0
// Workload for bench case 1 (on-CPU sampling): THREADS threads each walk, ROUNDS times, a call
// tree of 8 x 8 x 8 functions down to 512 distinct leaves, each spinning N steps, under a
// recursion 0 to 7 deep that changes every round: 4096 distinct stacks, 8 to 17 frames deep.
// The work is fixed, so its wall time under a profiler against alone is what sampling cost.
//
// Usage: stacks [THREADS [ROUNDS [N]]]   (default 2 400 2000: about 0.5 s per thread)
// Prints: work_ns=... ops=ROUNDS*THREADS threads=... stacks=4096
#include <pthread.h>
#include "bench.h"

#define NOINLINE __attribute__((noinline))

static volatile unsigned long sink;

/* A leaf spins n steps of a multiply chain; its frame is the innermost of every sample. */
#define LEAF(a, b, c)                                                                              \
	static NOINLINE void leaf_##a##_##b##_##c(long n)                                          \
	{                                                                                          \
		unsigned long x = (a)*64 + (b)*8 + (c);                                            \
		for (long i = 0; i < n; i++)                                                       \
			x = x * 6364136223846793005UL + 1442695040888963407UL;                     \
		sink += x;                                                                         \
	}

#define MID(a, b)                                                                                  \
	LEAF(a, b, 0)                                                                              \
	LEAF(a, b, 1)                                                                              \
	LEAF(a, b, 2)                                                                              \
	LEAF(a, b, 3)                                                                              \
	LEAF(a, b, 4)                                                                              \
	LEAF(a, b, 5)                                                                              \
	LEAF(a, b, 6)                                                                              \
	LEAF(a, b, 7)                                                                              \
	static NOINLINE void mid_##a##_##b(long n)                                                 \
	{                                                                                          \
		leaf_##a##_##b##_0(n);                                                             \
		leaf_##a##_##b##_1(n);                                                             \
		leaf_##a##_##b##_2(n);                                                             \
		leaf_##a##_##b##_3(n);                                                             \
		leaf_##a##_##b##_4(n);                                                             \
		leaf_##a##_##b##_5(n);                                                             \
		leaf_##a##_##b##_6(n);                                                             \
		leaf_##a##_##b##_7(n);                                                             \
		sink++;                                                                            \
	}

#define TOP(a)                                                                                     \
	MID(a, 0)                                                                                  \
	MID(a, 1)                                                                                  \
	MID(a, 2)                                                                                  \
	MID(a, 3)                                                                                  \
	MID(a, 4)                                                                                  \
	MID(a, 5)                                                                                  \
	MID(a, 6)                                                                                  \
	MID(a, 7)                                                                                  \
	static NOINLINE void top_##a(long n)                                                       \
	{                                                                                          \
		mid_##a##_0(n);                                                                    \
		mid_##a##_1(n);                                                                    \
		mid_##a##_2(n);                                                                    \
		mid_##a##_3(n);                                                                    \
		mid_##a##_4(n);                                                                    \
		mid_##a##_5(n);                                                                    \
		mid_##a##_6(n);                                                                    \
		mid_##a##_7(n);                                                                    \
		sink++;                                                                            \
	}

TOP(0)
TOP(1)
TOP(2)
TOP(3)
TOP(4)
TOP(5)
TOP(6)
TOP(7)

static NOINLINE void tree(long n)
{
	top_0(n);
	top_1(n);
	top_2(n);
	top_3(n);
	top_4(n);
	top_5(n);
	top_6(n);
	top_7(n);
	sink++;
}

/* depth more frames above the tree; the sink++ after the call keeps each frame. */
static NOINLINE void descend(int depth, long n)
{
	if (depth > 0)
		descend(depth - 1, n);
	else
		tree(n);
	sink++;
}

static long rounds, steps;
static pthread_barrier_t done;

/*
 * After its work a thread waits for the others, then stays until bench_run lets the process
 * exit: bpftrace names a sample's user frames only at its end, and only while the sampled
 * thread is still there.
 */
static void *worker(void *arg)
{
	(void)arg;
	for (long r = 0; r < rounds; r++)
		descend(r % 8, steps);
	pthread_barrier_wait(&done);
	bench_linger();
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = argc > 1 ? atoi(argv[1]) : 2;
	pthread_t tid[64];
	long long t0, t1;

	rounds = argc > 2 ? atol(argv[2]) : 400;
	steps = argc > 3 ? atol(argv[3]) : 2000;
	if (threads < 1 || threads > 64 || rounds < 1 || steps < 1) {
		fprintf(stderr, "usage: stacks [THREADS [ROUNDS [N]]]\n");
		return 2;
	}
	pthread_barrier_init(&done, NULL, threads + 1);
	bench_wait_go();
	t0 = bench_now_ns();
	for (int i = 0; i < threads; i++)
		if (pthread_create(&tid[i], NULL, worker, NULL)) {
			perror("stacks: pthread_create");
			return 1;
		}
	pthread_barrier_wait(&done);
	t1 = bench_now_ns();
	printf("work_ns=%lld ops=%ld threads=%d stacks=4096\n", t1 - t0, rounds * threads, threads);
	bench_done();
	for (int i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	return 0;
}
