// SPDX-License-Identifier: GPL-2.0
// Workload: a process whose main thread exits first. main() starts one
// thread and ends itself with pthread_exit() 0.2 s later, leaving a zombie
// main thread (empty /proc/PID/maps) and a process that runs on. The
// thread spins in lone_spin() until the file GO exists, spins 0.5 s more,
// then calls getppid() exactly CALLS times and returns, which ends the
// process.
//
// Usage: leader_exit GO CALLS
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static const char *go;
static long calls;
static volatile unsigned long acc;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Spins until GO exists (looked for every ~1 ms), then 0.5 s more. */
void lone_spin(void)
{
	volatile int keep_frame = 0;
	double end = 0;

	while (!end || now() < end) {
		for (unsigned long i = 0; i < 100000; i++)
			acc = acc * 31 + i;
		if (!end && access(go, F_OK) == 0)
			end = now() + 0.5;
	}
	(void)keep_frame;
}

void lone_calls(void)
{
	for (long i = 0; i < calls; i++)
		getppid();
}

static void *lone_thread(void *arg)
{
	(void)arg;
	lone_spin();
	lone_calls();
	return NULL;
}

int main(int argc, char **argv)
{
	struct timespec pause = {0, 200 * 1000 * 1000};
	pthread_t t;

	if (argc != 3 || (calls = atol(argv[2])) < 0) {
		fprintf(stderr, "usage: leader_exit GO CALLS\n");
		return 2;
	}
	go = argv[1];
	if (pthread_create(&t, NULL, lone_thread, NULL))
		return 1;
	nanosleep(&pause, NULL);
	pthread_exit(NULL);
}
