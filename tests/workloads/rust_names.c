// SPDX-License-Identifier: GPL-2.0
// Workload: C functions under Rust's linkage names, so that Rust
// demangling is tested end to end without a Rust compiler.
//
// Usage: rust_names SECONDS
//
// Ground truth: main -> mycrate::main, which calls in turn, until SECONDS
// have passed, three functions of the same loop, each UNIT rounds:
//   core::fmt::write                      legacy mangling, hash 0123456789abcdef
//   mycrate::engine::run_step             v0 mangling, crate disambiguator bDqzXfLQacH
//   core::ptr::drop_in_place::<[u8; 4]>   v0, generic, with a ';' in its name
// so each holds about a third of the samples. The linkage names are the
// asm labels below. At exit it prints "rust_names: S cpu seconds".
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define UNIT 200000UL

void rust_main(double seconds) __asm__("_RNvCsbDqzXfLQacH_7mycrate4main");
void legacy_write(void) __asm__("_ZN4core3fmt5write17h0123456789abcdefE");
void v0_run_step(void) __asm__("_RNvNtCsbDqzXfLQacH_7mycrate6engine8run_step");
void v0_drop_array(void) __asm__("_RINvNtCsbDqzXfLQacH_4core3ptr13drop_in_placeAhj4_E");

/* The last accumulator value, published so that the loops have a result. */
unsigned long spin_result;

/* A volatile local: the function touches its stack, so it keeps its frame (see cpu_ratio.c). */
void legacy_write(void)
{
	volatile unsigned long acc = 0;

	for (unsigned long i = 0; i < UNIT; i++)
		acc = acc * 31 + i;
	spin_result = acc;
}

/* The same loop as legacy_write(). */
void v0_run_step(void)
{
	volatile unsigned long acc = 0;

	for (unsigned long i = 0; i < UNIT; i++)
		acc = acc * 31 + i;
	spin_result = acc;
}

/* The same loop as legacy_write(). */
void v0_drop_array(void)
{
	volatile unsigned long acc = 0;

	for (unsigned long i = 0; i < UNIT; i++)
		acc = acc * 31 + i;
	spin_result = acc;
}

static double clock_s(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Call the three in turn until SECONDS have passed. */
void rust_main(double seconds)
{
	double end = clock_s(CLOCK_MONOTONIC) + seconds;

	while (clock_s(CLOCK_MONOTONIC) < end) {
		legacy_write();
		v0_run_step();
		v0_drop_array();
	}
}

int main(int argc, char **argv)
{
	if (argc != 2 || atoi(argv[1]) <= 0) {
		fprintf(stderr, "usage: rust_names SECONDS\n");
		return 2;
	}
	rust_main(atoi(argv[1]));
	printf("rust_names: %.3f cpu seconds\n", clock_s(CLOCK_PROCESS_CPUTIME_ID));
	return 0;
}
