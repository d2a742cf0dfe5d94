// SPDX-License-Identifier: GPL-2.0
// Workload: run two programs one after the other under the same PID.
// The first runs and is reaped; kernel.ns_last_pid is then set so that
// the next fork gets its PID back (retried while other forks on the
// machine take it first), and that child execs the second program.
//
// Usage: pid_reuse SECONDS PROGRAM_A PROGRAM_B
// Prints "pid_reuse: pid N ran both" and exits 0, or exits 1.
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

static int run(const char *prog, const char *seconds)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execl(prog, prog, seconds, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	return pid;
}

static int set_last_pid(pid_t pid)
{
	FILE *f = fopen("/proc/sys/kernel/ns_last_pid", "w");
	int ok;

	if (!f)
		return -1;
	ok = fprintf(f, "%d", pid) > 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	pid_t first, pid;
	int status;

	if (argc != 4) {
		fprintf(stderr, "usage: pid_reuse SECONDS PROGRAM_A PROGRAM_B\n");
		return 2;
	}
	first = run(argv[2], argv[1]);
	if (first < 0) {
		fprintf(stderr, "pid_reuse: %s failed\n", argv[2]);
		return 1;
	}
	for (int tries = 0; tries < 50; tries++) {
		if (set_last_pid(first - 1)) {
			perror("pid_reuse: /proc/sys/kernel/ns_last_pid");
			return 1;
		}
		pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			if (getpid() != first)
				_exit(3); /* another fork took it: try again */
			execl(argv[3], argv[3], argv[1], (char *)NULL);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) != pid)
			return 1;
		if (pid == first) {
			if (!WIFEXITED(status) || WEXITSTATUS(status)) {
				fprintf(stderr, "pid_reuse: %s failed\n", argv[3]);
				return 1;
			}
			printf("pid_reuse: pid %d ran both\n", first);
			return 0;
		}
	}
	fprintf(stderr, "pid_reuse: pid %d was not given back\n", first);
	return 1;
}
