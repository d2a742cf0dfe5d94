/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wait_file.h: for workloads that start their calls when a test says so:
 * the monotonic clock in seconds, and a wait for a trigger file.
 */
#ifndef VIGIL_WAIT_FILE_H
#define VIGIL_WAIT_FILE_H

#include <time.h>
#include <unistd.h>

static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* wait_file PATH END: 0 once PATH exists, -1 at time END. */
static inline int wait_file(const char *path, double end)
{
	struct timespec nap = {0, 10000000L};

	while (access(path, F_OK) != 0) {
		if (now() >= end)
			return -1;
		nanosleep(&nap, NULL);
	}
	return 0;
}

#endif /* VIGIL_WAIT_FILE_H */
