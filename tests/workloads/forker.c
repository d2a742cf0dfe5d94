// SPDX-License-Identifier: GPL-2.0
// Workload: many short processes, one after the other. Each child burns
// 3 ms of CPU in child_burn() and exits, so a profile sees thousands of
// processes come and go.
//
// Usage: forker COUNT
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>
#include "lifecycle/burn.h"

static volatile unsigned long acc;

void child_burn(void)
{
	volatile int keep_frame = 0;

	BURN_CPU(0.003, acc);
	(void)keep_frame;
}

int main(int argc, char **argv)
{
	int n = argc == 2 ? atoi(argv[1]) : 0;

	if (n <= 0) {
		fprintf(stderr, "usage: forker COUNT\n");
		return 2;
	}
	for (int i = 0; i < n; i++) {
		int status;
		pid_t pid = fork();

		if (pid < 0) {
			perror("forker: fork");
			return 1;
		}
		if (pid == 0) {
			child_burn();
			_exit(0);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
			return 1;
	}
	return 0;
}
