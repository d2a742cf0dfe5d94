// SPDX-License-Identifier: GPL-2.0
// Workload: a stack DEPTH calls deep (descend() calling itself), spinning
// at the bottom in deep_spin(), for the tests of stacks deeper than the
// kernel walks.
//
// Usage: deep_stack DEPTH SECONDS
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile unsigned long acc;
static double end;

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

/* Not a tail call: the volatile store after the call keeps every frame. */
void descend(int depth)
{
	volatile int after = 0;

	if (depth > 1)
		descend(depth - 1);
	else
		deep_spin();
	after = depth;
	(void)after;
}

int main(int argc, char **argv)
{
	int depth = argc == 3 ? atoi(argv[1]) : 0;
	double seconds = argc == 3 ? atof(argv[2]) : 0;

	if (depth <= 0 || seconds <= 0) {
		fprintf(stderr, "usage: deep_stack DEPTH SECONDS\n");
		return 2;
	}
	end = now() + seconds;
	descend(depth);
	return 0;
}
