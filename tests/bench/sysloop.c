// SPDX-License-Identifier: GPL-2.0
// Workload for bench case 4 (syscalls): N syscalls in a loop, every Kth one close(-1), which
// fails with EBADF (so error counting has work), the rest getppid().
//
// Usage: sysloop [N [K]]   (default 2000000 10)
// Prints: work_ns=... ops=N getppid=... close=... errors=...
#include <errno.h>
#include <sys/syscall.h>
#include "bench.h"

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000000, k = argc > 2 ? atol(argv[2]) : 10;
	long calls[2] = {0, 0}, errors = 0;
	long long t0, t1;

	if (n <= 0 || k <= 0) {
		fprintf(stderr, "usage: sysloop [N [K]]\n");
		return 2;
	}
	bench_wait_go();
	t0 = bench_now_ns();
	for (long i = 0; i < n; i++) {
		if (i % k == k - 1) {
			calls[1]++;
			if (syscall(SYS_close, -1) < 0 && errno == EBADF)
				errors++;
		} else {
			calls[0]++;
			syscall(SYS_getppid);
		}
	}
	t1 = bench_now_ns();
	printf("work_ns=%lld ops=%ld getppid=%ld close=%ld errors=%ld\n", t1 - t0, n, calls[0],
	       calls[1], errors);
	bench_done();
	return 0;
}
