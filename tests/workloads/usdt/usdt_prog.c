// SPDX-License-Identifier: GPL-2.0
// Workload: USDT probes (sys/sdt.h) fired a known number of times, for the
// tests of vigil trace usdt:FILE:PROVIDER:NAME.
//
// Usage: usdt_prog N [GO_FILE STOP_FILE TIMEOUT_S]
//
// Probes: vtest:tick has no semaphore and fires every round; vtest:tock
// has the semaphore vtest_tock_semaphore (in section .probes, raised by
// the kernel for as long as a tracer has the probe attached) and fires
// only in rounds that find it raised, the way programs guard costly
// probe arguments.
//
// Ground truth: N rounds, 1 ms apart; each fires tick once and, if the
// semaphore is raised, tock once. Then it prints
//
//   TRUTH name=tick calls=N
//   TRUTH name=tock calls=M max_semaphore=S
//
// M being the rounds that saw the semaphore raised (and fired tock) and S
// the highest value it had. With GO_FILE, the rounds start only once
// GO_FILE exists (polled every 10 ms), so that a tracer can attach with -p
// first; afterwards the process waits until STOP_FILE exists (so that it
// outlives the tracer) and prints the semaphore's value then:
//
//   TRUTH name=after semaphore=V
//
// It gives up after TIMEOUT_S seconds in all. Exit status 0; 1 on timeout,
// 2 on bad usage.
#define _SDT_HAS_SEMAPHORES 1
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "../lib/wait_file.h"
#include <sys/sdt.h>

#include "usdt_prog.h"

/* sys/sdt.h's semaphore for vtest:tock: PROVIDER_NAME_semaphore in .probes. */
__extension__ unsigned short vtest_tock_semaphore __attribute__((section(".probes")));

/* The kernel changes the semaphore behind the compiler's back. */
static unsigned short semaphore(void)
{
	return *(volatile unsigned short *)&vtest_tock_semaphore;
}

__attribute__((noipa)) static void fire_tock(long round)
{
	STAP_PROBE1(vtest, tock, round);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 0, timeout = argc == 5 ? atol(argv[4]) : 1;
	struct timespec nap = {0, 1000000L};
	double end = now() + timeout;
	long tocks = 0;
	unsigned short max = 0;

	if (n <= 0 || (argc != 2 && argc != 5) || timeout <= 0) {
		fprintf(stderr, "usage: usdt_prog N [GO_FILE STOP_FILE TIMEOUT_S]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 5 && wait_file(argv[2], end)) {
		fprintf(stderr, "usdt_prog: no %s within %ld s\n", argv[2], timeout);
		return 1;
	}
	for (long i = 0; i < n; i++) {
		unsigned short s = semaphore();

		fire_tick(i);
		if (s) {
			fire_tock(i);
			tocks++;
		}
		if (s > max)
			max = s;
		nanosleep(&nap, NULL);
	}
	printf("TRUTH name=tick calls=%ld\n", n);
	printf("TRUTH name=tock calls=%ld max_semaphore=%u\n", tocks, max);
	if (argc == 5) {
		if (wait_file(argv[3], end)) {
			fprintf(stderr, "usdt_prog: no %s within %ld s\n", argv[3], timeout);
			return 1;
		}
		printf("TRUTH name=after semaphore=%u\n", semaphore());
	}
	return 0;
}
