// SPDX-License-Identifier: GPL-2.0
// Workload: an executable for tests that strip it: one exported hot
// function and one static hot function between two exported ones.
//
// Usage: strip_hot SECONDS
//
// Ground truth: main alternates strip_exported_spin() (exported: built
// with -rdynamic, it stays in .dynsym after strip --strip-all) and
// strip_static_spin() (static: only in .symtab, which strip removes), the
// same loop for the same number of rounds, so each holds about half of the
// samples. Built with -fno-toplevel-reorder, the functions lie in this
// order, so the static one's neighbours are strip_exported_spin below it
// and strip_exported_after above it.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ROUNDS 300000UL

/* The last accumulator value, published so that the loops have a result. */
unsigned long strip_result;

void strip_exported_spin(void)
{
	volatile unsigned long acc = 0;

	for (unsigned long i = 0; i < ROUNDS; i++)
		acc = acc * 31 + i;
	strip_result = acc;
}

static void strip_static_spin(void)
{
	volatile unsigned long acc = 0;

	for (unsigned long i = 0; i < ROUNDS; i++)
		acc = acc * 31 + i;
	strip_result = acc;
}

/* The exported neighbour above strip_static_spin; called once. */
void strip_exported_after(void)
{
	strip_result = 0;
}

/* Exported too, so that strip_static_spin is the only static function main calls. */
double strip_clock_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double end;

	if (argc != 2 || atoi(argv[1]) <= 0) {
		fprintf(stderr, "usage: strip_hot SECONDS\n");
		return 2;
	}
	end = strip_clock_now() + atoi(argv[1]);
	while (strip_clock_now() < end) {
		strip_exported_spin();
		strip_static_spin();
	}
	strip_exported_after();
	return 0;
}
