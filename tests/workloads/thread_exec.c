// SPDX-License-Identifier: GPL-2.0
// Workload: a thread other than the main one execs. The main thread
// waits in pause(); the second thread sleeps 200 ms, then execs
// "sleep 0.3", which the kernel runs under the main thread's TID, as the
// process's only thread. Nothing here spins: every thread's CPU time is
// a few milliseconds at most.
//
// Usage: thread_exec
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static void *execer(void *arg)
{
	struct timespec ts = {0, 200 * 1000 * 1000};

	(void)arg;
	nanosleep(&ts, NULL);
	execl("/bin/sleep", "sleep", "0.3", (char *)NULL);
	perror("execl");
	return NULL;
}

int main(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, execer, NULL))
		return 1;
	pause();
	return 0;
}
