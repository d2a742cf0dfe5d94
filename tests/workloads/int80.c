// SPDX-License-Identifier: GPL-2.0
// Workload: 50 getpid calls through the 32-bit entry (int $0x80, where
// getpid is number 20), from a 64-bit program, as a 32-bit binary makes
// every call. x86-64 only.
//
// Usage: int80
int main(void)
{
	for (int i = 0; i < 50; i++) {
		long ret;

		__asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
		if (ret <= 0)
			return 1;
	}
	return 0;
}
