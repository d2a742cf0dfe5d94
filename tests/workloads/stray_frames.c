// SPDX-License-Identifier: GPL-2.0
// Workload: stacks that a frame-pointer walk cannot follow, built on
// purpose. stray_spin() loads the frame pointer with a fake frame whose
// return address points into the heap (not code) or at an address no
// mapping holds, as a function built without frame pointers may leave it;
// and a chain of 200 frames "returning" into main() whose 41st frame
// points into the heap, deeper than the kernel walks.
//
// Usage: stray_frames SECONDS
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* stray_spin(frame, iterations): rbp = frame while it counts down; rbp is restored. */
void stray_spin(void *frame, unsigned long iterations);
__asm__(".text\n"
	".globl stray_spin\n"
	".type stray_spin, @function\n"
	"stray_spin:\n"
	"	push %rbp\n"
	"	mov %rdi, %rbp\n"
	"1:	dec %rsi\n"
	"	jnz 1b\n"
	"	pop %rbp\n"
	"	ret\n"
	".size stray_spin, .-stray_spin\n");

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double seconds = argc == 2 ? atof(argv[1]) : 0, end;
	uint64_t *heap_frame, *void_frame, *chain;
	char *heap_code;

	if (seconds <= 0) {
		fprintf(stderr, "usage: stray_frames SECONDS\n");
		return 2;
	}
	heap_code = malloc(4096);
	heap_frame = malloc(2 * sizeof(*heap_frame));
	void_frame = malloc(2 * sizeof(*void_frame));
	if (!heap_code || !heap_frame || !void_frame)
		return 1;
	heap_frame[0] = 0;				       /* no next frame */
	heap_frame[1] = (uint64_t)(uintptr_t)(heap_code + 64); /* "returns" into the heap */
	void_frame[0] = 0;
	void_frame[1] = 0x10000; /* no mapping there */
	chain = calloc(2 * 200, sizeof(*chain));
	if (!chain)
		return 1;
	for (int i = 0; i < 200; i++) {
		chain[2 * i] = i < 199 ? (uint64_t)(uintptr_t)&chain[2 * (i + 1)] : 0;
		chain[2 * i + 1] = (uint64_t)(uintptr_t)main + 1; /* code: named main */
	}
	chain[2 * 40 + 1] = (uint64_t)(uintptr_t)(heap_code + 128);
	end = now() + seconds;
	while (now() < end) {
		stray_spin(heap_frame, 2000000);
		stray_spin(void_frame, 2000000);
		stray_spin(chain, 2000000);
	}
	return 0;
}
