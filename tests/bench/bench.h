/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench.h: what the benchmark workloads share. A workload started by bench_run waits for its
 * go byte (the file descriptor in $BENCH_GO) so that the contender can attach first, times
 * only its own work, prints its result as key=value words on one line, for
 * scripts/bench/run.sh, and stays until bench_run lets it exit. Started by hand (no
 * $BENCH_GO), it runs at once.
 */
#ifndef VIGIL_BENCH_H
#define VIGIL_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static inline long long bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline void bench_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static int bench_go_fd = -1;

/*
 * Say "ready" on stdout (bench_run starts the contender only then: the workload is this
 * program, past any exec of a wrapper such as taskset), then wait for the go byte, if bench_run
 * gave a descriptor for it. Exits on a bad one.
 */
static inline void bench_wait_go(void)
{
	const char *s = getenv("BENCH_GO");
	char c;

	if (!s)
		return;
	bench_go_fd = atoi(s);
	fputs("ready\n", stdout);
	fflush(stdout);
	if (read(bench_go_fd, &c, 1) != 1) {
		fprintf(stderr, "bench: no go byte\n");
		exit(1);
	}
}

/* Stay until bench_run closes the go pipe: for threads that must outlive the work too. */
static inline void bench_linger(void)
{
	char c;

	if (bench_go_fd >= 0)
		while (read(bench_go_fd, &c, 1) > 0)
			;
}

/*
 * The work is done and its line printed: close stdout, which tells bench_run, and stay until it
 * closes the go pipe, after it has stopped the contender, so that a contender that names frames
 * only at its end (bpftrace) still finds this process's maps.
 */
static inline void bench_done(void)
{
	fflush(stdout);
	if (bench_go_fd < 0)
		return;
	close(1);
	bench_linger();
}

#endif /* VIGIL_BENCH_H */
