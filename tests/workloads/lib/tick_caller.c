// SPDX-License-Identifier: GPL-2.0
// Workload: calls lib_tick() of libtick.so (found next to the binary
// through its $ORIGIN rpath) exactly K times, when told to, so that a
// tracer can attach first with -p.
//
// Usage: tick_caller K GO_FILE STOP_FILE TIMEOUT_S
//
// Ground truth: the process waits (polling every 10 ms) until GO_FILE
// exists, calls lib_tick() K times, prints
//
//   TRUTH name=lib_tick calls=K
//
// and then waits until STOP_FILE exists, so that it is still alive, and
// out of lib_tick(), when the tracer stops. It gives up after TIMEOUT_S
// seconds in all: exit status 0 once STOP_FILE is seen, 1 on timeout
// (before GO_FILE, or before STOP_FILE), 2 on bad usage.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "wait_file.h"

/* Exported by libtick.so (tests/workloads/lib/tick.c). */
void lib_tick(void);
extern volatile unsigned long lib_ticks;

int main(int argc, char **argv)
{
	long k = argc == 5 ? atol(argv[1]) : 0, timeout = argc == 5 ? atol(argv[4]) : 0;
	double end = now() + timeout;

	if (k <= 0 || timeout <= 0) {
		fprintf(stderr, "usage: tick_caller K GO_FILE STOP_FILE TIMEOUT_S\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (wait_file(argv[2], end)) {
		fprintf(stderr, "tick_caller: no %s within %ld s\n", argv[2], timeout);
		return 1;
	}
	for (long i = 0; i < k; i++)
		lib_tick();
	if (lib_ticks != (unsigned long)k)
		return 1;
	printf("TRUTH name=lib_tick calls=%ld\n", k);
	if (wait_file(argv[3], end)) {
		fprintf(stderr, "tick_caller: no %s within %ld s\n", argv[3], timeout);
		return 1;
	}
	return 0;
}
