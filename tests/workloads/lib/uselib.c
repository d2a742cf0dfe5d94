// SPDX-License-Identifier: GPL-2.0
// Workload: a PIE that splits its CPU 1:1 between a static function of its
// own and a function in a shared library.
//
// Usage: uselib SECONDS
//
// Ground truth: main alternates pie_hot_function() (static, so named only
// by the PIE's .symtab) and hotlib_spin() (exported by libhotlib.so, found
// next to the binary through its $ORIGIN rpath). Both run the same loop
// for the same number of iterations, so each holds half of the samples.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ITERATIONS 300000UL

/* Exported by libhotlib.so (tests/workloads/lib/hotlib.c). */
void hotlib_spin(unsigned long iterations);

/* The last accumulator value, published so that the loop has a result. */
unsigned long pie_result;

/* The same loop as hotlib_spin(), with the same alignment, in the PIE. */
__attribute__((aligned(64))) static void pie_hot_function(unsigned long iterations)
{
	volatile unsigned long acc = 0;

	for (unsigned long i = 0; i < iterations; i++)
		acc = acc * 31 + i;
	pie_result = acc;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double end;

	if (argc != 2 || atoi(argv[1]) <= 0) {
		fprintf(stderr, "usage: uselib SECONDS\n");
		return 2;
	}
	end = now() + atoi(argv[1]);
	while (now() < end) {
		pie_hot_function(ITERATIONS);
		hotlib_spin(ITERATIONS);
	}
	return 0;
}
