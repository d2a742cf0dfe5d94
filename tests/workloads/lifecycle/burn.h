/* SPDX-License-Identifier: GPL-2.0 */
/* burn.h: burn a given amount of this process's CPU time, for the lifecycle workloads. */
#ifndef VIGIL_WORKLOAD_BURN_H
#define VIGIL_WORKLOAD_BURN_H

#include <time.h>

static inline double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The loop every hot function runs: CPU time, not wall time, so a busy machine only slows it. */
#define BURN_CPU(seconds, acc)                                                                     \
	do {                                                                                       \
		double end_ = cpu_now() + (seconds);                                               \
		while (cpu_now() < end_)                                                           \
			for (unsigned long i_ = 0; i_ < 20000; i_++)                               \
				(acc) = (acc)*31 + i_;                                             \
	} while (0)

#endif
