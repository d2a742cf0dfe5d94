// SPDX-License-Identifier: GPL-2.0
// Workload: threads whose names hold the folded format's separators.
//
// Usage: odd_comm SECONDS
//
// Ground truth: the main thread is named "semi;colon" and runs
// semicolon_thread_spin(); a second thread is named "new\nline" (with a
// line feed) and runs newline_thread_spin(). Both burn CPU for SECONDS.
// In folded output the first must show as "semi:colon", the second as
// "new line", each one field of one line.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>

static volatile unsigned long acc;
static double seconds;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Burn CPU in short rounds until seconds have passed. */
static void spin(void)
{
	double end = now() + seconds;

	while (now() < end)
		for (unsigned long i = 0; i < 100000; i++)
			acc = acc * 31 + i;
}

void newline_thread_spin(void)
{
	spin();
}

void semicolon_thread_spin(void)
{
	spin();
}

static void *newline_main(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "new\nline");
	newline_thread_spin();
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t thread;

	if (argc != 2 || atoi(argv[1]) <= 0) {
		fprintf(stderr, "usage: odd_comm SECONDS\n");
		return 2;
	}
	seconds = atoi(argv[1]);
	prctl(PR_SET_NAME, "semi;colon");
	if (pthread_create(&thread, NULL, newline_main, NULL)) {
		fprintf(stderr, "odd_comm: failed to start a thread\n");
		return 1;
	}
	semicolon_thread_spin();
	pthread_join(thread, NULL);
	return 0;
}
