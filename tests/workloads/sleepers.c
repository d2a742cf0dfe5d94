// SPDX-License-Identifier: GPL-2.0
// Workload: many threads that each sleep ROUNDS times 20 ms, started
// together behind a barrier: more distinct (thread, stack) pairs in one
// second than an off-CPU counts map holds, for the test that the time of
// spans with no room for their stacks stays with their threads.
//
// Usage: sleepers THREADS [ROUNDS]   (ROUNDS default 5)
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static pthread_barrier_t start;
static int rounds = 5;

static void *sleeper(void *arg)
{
	struct timespec ts = {0, 20 * 1000 * 1000};

	(void)arg;
	pthread_barrier_wait(&start);
	for (int i = 0; i < rounds; i++)
		nanosleep(&ts, NULL);
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 0;
	pthread_attr_t attr;
	pthread_t *t;

	if (argc > 2)
		rounds = atoi(argv[2]);
	if (n <= 0 || rounds <= 0) {
		fprintf(stderr, "usage: sleepers THREADS [ROUNDS]\n");
		return 2;
	}
	t = calloc(n, sizeof(*t));
	if (!t || pthread_barrier_init(&start, NULL, n + 1) || pthread_attr_init(&attr) ||
	    pthread_attr_setstacksize(&attr, 64 * 1024))
		return 1;
	for (int i = 0; i < n; i++)
		if (pthread_create(&t[i], &attr, sleeper, NULL)) {
			perror("pthread_create");
			return 1;
		}
	pthread_barrier_wait(&start);
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	printf("%d threads slept %d x 20 ms\n", n, rounds);
	return 0;
}
