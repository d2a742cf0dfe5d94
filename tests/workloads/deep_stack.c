// SPDX-License-Identifier: GPL-2.0
// Workload: a stack DEPTH calls deep (descend() calling itself), spinning
// at the bottom in deep_spin(), for the tests of stacks deeper than the
// kernel walks; with "nap", sleeping there in deep_nap() instead, 10 ms
// at a time, so that every off-CPU span has the deep user stack and the
// kernel's stack of nanosleep.
//
// Usage: deep_stack DEPTH SECONDS [nap]
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile unsigned long acc;
static double end;
static int nap;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void deep_spin(void)
{
	volatile int keep_frame = 0;

	while (now() < end)
		for (unsigned long i = 0; i < 100000; i++)
			acc = acc * 31 + i;
	(void)keep_frame;
}

void deep_nap(void)
{
	struct timespec ts = {0, 10 * 1000 * 1000};
	volatile int keep_frame = 0;

	while (now() < end)
		nanosleep(&ts, NULL);
	(void)keep_frame;
}

/* Not a tail call: the volatile store after the call keeps every frame. */
void descend(int depth)
{
	volatile int after = 0;

	if (depth > 1)
		descend(depth - 1);
	else if (nap)
		deep_nap();
	else
		deep_spin();
	after = depth;
	(void)after;
}

int main(int argc, char **argv)
{
	int depth = argc >= 3 ? atoi(argv[1]) : 0;
	double seconds = argc >= 3 ? atof(argv[2]) : 0;

	nap = argc == 4 && !strcmp(argv[3], "nap");
	if (depth <= 0 || seconds <= 0 || argc > 4 || (argc == 4 && !nap)) {
		fprintf(stderr, "usage: deep_stack DEPTH SECONDS [nap]\n");
		return 2;
	}
	end = now() + seconds;
	descend(depth);
	return 0;
}
