// SPDX-License-Identifier: GPL-2.0
// Workload for vigil agent: known syscalls in known numbers, then sleeps
// that turn slow for a known stretch and fast again, so an alert on their
// latency fires and clears at known times.
//
// After DELAY_MS (when the agent has found it): N getppid calls and N
// openat calls that fail with ENOENT; then FAST1 nanosleeps of 1 ms, one
// of HANG_MS (a call that hangs), SLOW nanosleeps of 100 ms and FAST2
// nanosleeps of 1 ms. Each is made with syscall(2), so libc adds or hides
// none. It prints "slow" and "fast" on stdout as each phase begins.
//
// Usage: agent_work N DELAY_MS [FAST1 SLOW FAST2 [HANG_MS]]
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

static void naps(long n, long ms)
{
	struct timespec t = {ms / 1000, ms % 1000 * 1000000L};

	for (long i = 0; i < n; i++)
		syscall(SYS_nanosleep, &t, NULL);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : -1, delay = argc > 2 ? atol(argv[2]) : -1;
	long fast1 = argc > 3 ? atol(argv[3]) : 0, slow = argc > 4 ? atol(argv[4]) : 0;
	long fast2 = argc > 5 ? atol(argv[5]) : 0, hang = argc > 6 ? atol(argv[6]) : 0;

	if (n < 0 || delay < 0 || fast1 < 0 || slow < 0 || fast2 < 0 || hang < 0) {
		fprintf(stderr, "usage: agent_work N DELAY_MS [FAST1 SLOW FAST2 [HANG_MS]]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	naps(1, delay);
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	for (long i = 0; i < n; i++)
		if (syscall(SYS_openat, AT_FDCWD, "/nonexistent-vigil-agent/x", O_RDONLY) >= 0)
			return 1;
	naps(fast1, 1);
	if (hang)
		naps(1, hang);
	printf("slow\n");
	naps(slow, 100);
	printf("fast\n");
	naps(fast2, 1);
	return 0;
}
