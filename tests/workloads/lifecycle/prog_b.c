// SPDX-License-Identifier: GPL-2.0
// Workload: the second of two programs with the same layout as prog_a
// (non-PIE); its hot function is beta_burn().
//
// Usage: prog_b SECONDS
#include <stdio.h>
#include <stdlib.h>
#include "burn.h"

static volatile unsigned long acc;

void beta_burn(double seconds)
{
	volatile int keep_frame = 0;

	BURN_CPU(seconds, acc);
	(void)keep_frame;
}

int main(int argc, char **argv)
{
	if (argc != 2 || atof(argv[1]) <= 0) {
		fprintf(stderr, "usage: prog_b SECONDS\n");
		return 2;
	}
	beta_burn(atof(argv[1]));
	return 0;
}
