// SPDX-License-Identifier: GPL-2.0
// Workload: threads that only appear after a profiler has attached.
//
// Usage: late_threads IDLE_SECONDS SPIN_SECONDS
//
// Ground truth: the process stays single-threaded and asleep for
// IDLE_SECONDS, then starts two threads named "latespin" that each run
// late_thread_spin() on the CPU for SPIN_SECONDS, joins them and exits.
// A profile attached during the idle phase must still see both threads.
// At exit it prints the CPU time the threads used in late_thread_spin(),
// "late_threads: S cpu seconds in late_thread_spin", so a test can expect
// S * HZ samples of them even on a busy machine.
#define _GNU_SOURCE /* pthread_setname_np */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define NTHREADS 2

static volatile unsigned long acc;
static double spin_seconds;

static double clock_s(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Burn CPU in short rounds until spin_seconds have passed. */
void late_thread_spin(void)
{
	double end = clock_s(CLOCK_MONOTONIC) + spin_seconds;

	while (clock_s(CLOCK_MONOTONIC) < end)
		for (unsigned long i = 0; i < 100000; i++)
			acc = acc * 31 + i;
}

/* Run late_thread_spin() and store the thread's CPU seconds in *arg. */
static void *thread_main(void *arg)
{
	double *cpu_s = arg;
	double start;

	pthread_setname_np(pthread_self(), "latespin");
	start = clock_s(CLOCK_THREAD_CPUTIME_ID);
	late_thread_spin();
	*cpu_s = clock_s(CLOCK_THREAD_CPUTIME_ID) - start;
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t threads[NTHREADS];
	double cpu_s[NTHREADS] = {0}, total = 0;
	struct timespec idle = {0};
	int i, err;

	if (argc != 3 || atoi(argv[1]) < 0 || atoi(argv[2]) <= 0) {
		fprintf(stderr, "usage: late_threads IDLE_SECONDS SPIN_SECONDS\n");
		return 2;
	}
	idle.tv_sec = atoi(argv[1]);
	spin_seconds = atoi(argv[2]);

	while (nanosleep(&idle, &idle) != 0 && errno == EINTR)
		;

	for (i = 0; i < NTHREADS; i++) {
		err = pthread_create(&threads[i], NULL, thread_main, &cpu_s[i]);
		if (err) {
			fprintf(stderr, "late_threads: pthread_create failed: %d\n", err);
			return 1;
		}
	}
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(threads[i], NULL);
		total += cpu_s[i];
	}
	printf("late_threads: %.3f cpu seconds in late_thread_spin\n", total);
	return 0;
}
