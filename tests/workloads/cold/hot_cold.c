// SPDX-License-Identifier: GPL-2.0
// Workload: hot_cold(), built at -O2 so that GCC moves its unlikely branch
// into a separate hot_cold.cold part, jumped to, not called, for the test
// that vigil trace never probes it (a return probe there would overwrite
// a live value on the stack and change the program's result).
//
// Usage: hot_cold     Ground truth: "TRUTH name=hot_cold calls=103 sum=5755"
#include <stdio.h>

volatile int sink;

__attribute__((cold, noinline)) void report(int x)
{
	fprintf(stderr, "hot_cold: negative %d\n", x);
}

__attribute__((noinline)) int hot_cold(int x)
{
	int a = x * 7, b = x ^ 5;

	if (__builtin_expect(x < 0, 0)) {
		report(x);
		sink += a * b;
		return sink - b;
	}
	return x + 1 + (sink & 1);
}

int main(void)
{
	int s = 0, n = 0;

	for (int i = -3; i < 100; i++, n++)
		s += hot_cold(i);
	printf("TRUTH name=hot_cold calls=%d sum=%d\n", n, s);
	return 0;
}
