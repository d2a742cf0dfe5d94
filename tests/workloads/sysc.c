// SPDX-License-Identifier: GPL-2.0
// Workload: known syscalls in known numbers, after a delay in which vigil
// attaches with -p: N getppid calls, N openat calls that fail with ENOENT
// (a path in a folder that does not exist), 100 nanosleeps of 10 ms, and
// 3 calls of syscall number 999, which no kernel has (ENOSYS).
// Each is made with syscall(2), so libc adds or hides none of them.
//
// Usage: sysc N [DELAY_MS]   (DELAY_MS default 1000)
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 0, delay = argc > 2 ? atol(argv[2]) : 1000;
	struct timespec wait = {delay / 1000, delay % 1000 * 1000000L}, nap = {0, 10000000L};

	if (n <= 0 || delay < 0) {
		fprintf(stderr, "usage: sysc N [DELAY_MS]\n");
		return 2;
	}
	syscall(SYS_nanosleep, &wait, NULL);
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	for (long i = 0; i < n; i++)
		if (syscall(SYS_openat, AT_FDCWD, "/nonexistent-vigil-sysc/x", O_RDONLY) >= 0)
			return 1;
	for (int i = 0; i < 100; i++)
		syscall(SYS_nanosleep, &nap, NULL);
	for (int i = 0; i < 3; i++)
		syscall(999);
	return 0;
}
