// SPDX-License-Identifier: GPL-2.0
// Workload: two processes pass one byte back and forth through two pipes,
// so each round trip is two context switches when both share one CPU.
// Prints the rate it reached; scripts/offcpu-cost.sh compares it with and
// without vigil following the switches.
//
// Usage: pingpong [ROUND_TRIPS]   (default 200000)
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 200000, a[2], b[2];
	struct timespec t0, t1;
	char c = 0;
	double s;

	if (n <= 0 || pipe(a) || pipe(b))
		return 2;
	if (!fork()) {
		for (int i = 0; i < n; i++)
			if (read(a[0], &c, 1) != 1 || write(b[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n; i++)
		if (write(a[1], &c, 1) != 1 || read(b[0], &c, 1) != 1)
			return 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	wait(NULL);
	s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%.0f\n", n / s);
	return 0;
}
