// SPDX-License-Identifier: GPL-2.0
// Workload library: lib_tick(), an exported function that tick_caller
// calls a known number of times, for the tests of vigil trace on a shared
// object mapped by several processes at once.

/* The calls so far, published so that each call has an effect. */
volatile unsigned long lib_ticks;

__attribute__((noipa)) void lib_tick(void)
{
	unsigned long acc = 0;

	for (volatile int i = 0; i < 100; i++)
		acc += (unsigned long)i;
	lib_ticks += acc ? 1 : 0;
}
