// SPDX-License-Identifier: GPL-2.0
// Workload: a neutral CPU burner, other_spin(), used as the process a
// profile of some other PID must not show.
//
// Usage: spin SECONDS
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile unsigned long acc;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Burn CPU in short rounds until SECONDS have passed. */
void other_spin(double seconds)
{
	double end = now() + seconds;

	while (now() < end)
		for (unsigned long i = 0; i < 100000; i++)
			acc = acc * 31 + i;
}

int main(int argc, char **argv)
{
	if (argc != 2 || atoi(argv[1]) <= 0) {
		fprintf(stderr, "usage: spin SECONDS\n");
		return 2;
	}
	other_spin(atoi(argv[1]));
	return 0;
}
