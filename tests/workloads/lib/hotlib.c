// SPDX-License-Identifier: GPL-2.0
// Workload library: hotlib_spin(), an exported CPU burner that a profiler
// must name from the shared object's dynamic symbol table.
/* The last accumulator value, published so that the loop has a result. */
unsigned long hotlib_result;

/*
 * Burn CPU for ITERATIONS rounds of the same loop as uselib's
 * pie_hot_function(). The volatile local keeps the loop from being folded
 * and gives the function a frame (see tests/workloads/cpu_ratio.c); the
 * alignment matches pie_hot_function's so both loops run at one speed.
 */
__attribute__((aligned(64))) void hotlib_spin(unsigned long iterations)
{
	volatile unsigned long acc = 0;

	for (unsigned long i = 0; i < iterations; i++)
		acc = acc * 31 + i;
	hotlib_result = acc;
}
