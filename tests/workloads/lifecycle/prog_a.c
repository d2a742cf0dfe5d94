// SPDX-License-Identifier: GPL-2.0
// Workload: the first of two programs with the same layout (both non-PIE,
// loaded at the same address), so that naming one's samples from the
// other's mappings gives wrong names rather than none.
//
// Usage: prog_a SECONDS [PROGRAM ARGS...]
// Burns SECONDS of CPU in alpha_burn(), then execs PROGRAM if one is given.
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "burn.h"

static volatile unsigned long acc;

void alpha_burn(double seconds)
{
	volatile int keep_frame = 0; /* a leaf that touches its stack keeps its frame pointer */

	BURN_CPU(seconds, acc);
	(void)keep_frame;
}

int main(int argc, char **argv)
{
	if (argc < 2 || atof(argv[1]) <= 0) {
		fprintf(stderr, "usage: prog_a SECONDS [PROGRAM ARGS...]\n");
		return 2;
	}
	alpha_burn(atof(argv[1]));
	if (argc > 2) {
		execv(argv[2], argv + 2);
		perror("prog_a: exec");
		return 1;
	}
	return 0;
}
