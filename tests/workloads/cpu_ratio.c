// SPDX-License-Identifier: GPL-2.0
// Workload: burn_three() burns exactly three times the CPU of burn_one().
//
// Usage: cpu_ratio SECONDS
//
// Ground truth: main -> work_loop -> {burn_three, burn_one}, called
// alternately. Both run the same loop body, burn_three for 3 * UNIT
// iterations and burn_one for UNIT, with no syscalls inside, so a
// profiler should find burn_three in 3/4 of the samples and burn_one in
// 1/4. One pass of both takes a few milliseconds, so the split holds for
// any run of a second or more. At exit it prints the CPU time it used,
// "cpu_ratio: S cpu seconds", so a test can expect S * HZ samples even on
// a busy machine.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define UNIT 200000UL

/* The last accumulator value, published so that the loops have a result. */
unsigned long burn_result;

/*
 * The accumulator is a volatile local: every iteration loads and stores it,
 * so the loop cannot be folded, and because the function touches its own
 * stack GCC gives it a frame. (A leaf function that never touches its stack
 * loses its frame pointer even under -fno-omit-frame-pointer, and a
 * frame-pointer unwinder then skips its caller, work_loop.)
 */
void burn_three(void)
{
	volatile unsigned long acc = 0;

	for (unsigned long i = 0; i < 3 * UNIT; i++)
		acc = acc * 31 + i;
	burn_result = acc;
}

/* The same loop as burn_three(), a third as long. */
void burn_one(void)
{
	volatile unsigned long acc = 0;

	for (unsigned long i = 0; i < UNIT; i++)
		acc = acc * 31 + i;
	burn_result = acc;
}

static double clock_s(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* Alternate the two burners until SECONDS have passed. */
void work_loop(double seconds)
{
	double end = now() + seconds;

	while (now() < end) {
		burn_three();
		burn_one();
	}
}

int main(int argc, char **argv)
{
	if (argc != 2 || atoi(argv[1]) <= 0) {
		fprintf(stderr, "usage: cpu_ratio SECONDS\n");
		return 2;
	}
	work_loop(atoi(argv[1]));
	printf("cpu_ratio: %.3f cpu seconds\n", clock_s(CLOCK_PROCESS_CPUTIME_ID));
	return 0;
}
