// SPDX-License-Identifier: GPL-2.0
// Workload: runs machine code it wrote into anonymous memory, named only by
// its /tmp/perf-PID.map, as a JIT does.
//
// Usage: jit_spin SECONDS
//
// Ground truth: main -> phase_one() calls the first region, named "JIT hot
// loop; tier 2" in the perf map, until SIGUSR1 arrives; then the map grows
// by a line for a second region, "JIT warm loop; tier 1", and main ->
// phase_two() calls that one until SECONDS have passed in all or SIGTERM or
// SIGINT arrives. Each region is the same hand-assembled loop, which keeps a
// frame pointer, so a profile shows main;phase_one;JIT hot loop: tier 2 and
// main;phase_two;JIT warm loop: tier 1 (';' in a name becomes ':' in folded
// stacks). Its map starts with one line that is not "START SIZE NAME", for
// a profiler to skip and report. It prints "jit_spin: second region" once
// the map has grown, and deletes its map file before it exits.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define FIRST_NAME  "JIT hot loop; tier 2"
#define SECOND_NAME "JIT warm loop; tier 1"

/* Iterations per call: a few milliseconds, so a signal is seen soon. */
#define ITERS 5000000UL

/*
 * x86-64, System V: void loop(unsigned long n), n >= 1.
 *
 *	55		push %rbp
 *	48 89 e5	mov  %rsp,%rbp
 *	48 89 f8	mov  %rdi,%rax
 *	48 ff c8	1: dec %rax
 *	75 fb		jnz  1b		(-5: back to the dec)
 *	5d		pop  %rbp
 *	c3		ret
 */
static const unsigned char loop_code[] = {
	0x55, 0x48, 0x89, 0xe5, 0x48, 0x89, 0xf8, 0x48, 0xff, 0xc8, 0x75, 0xfb, 0x5d, 0xc3,
};

typedef void (*jit_fn)(unsigned long n);

static volatile sig_atomic_t next_phase, stop;
static char map_path[64];

static void on_usr1(int sig)
{
	(void)sig;
	next_phase = 1;
}

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A page of anonymous memory holding loop_code, made executable once written. */
static jit_fn emit_region(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("jit_spin: mmap");
		exit(1);
	}
	memcpy(p, loop_code, sizeof(loop_code));
	if (mprotect(p, 4096, PROT_READ | PROT_EXEC)) {
		perror("jit_spin: mprotect");
		exit(1);
	}
	return (jit_fn)p;
}

/* Add a line to the perf map. */
static void map_write(const char *line)
{
	FILE *f = fopen(map_path, "a");

	if (!f || fputs(line, f) < 0 || fclose(f)) {
		perror("jit_spin: perf map");
		exit(1);
	}
}

/* Add "START SIZE NAME" for fn, as a JIT does after compiling. */
static void map_append(jit_fn fn, const char *name)
{
	char line[128];

	snprintf(line, sizeof(line), "%lx %zx %s\n", (unsigned long)fn, sizeof(loop_code), name);
	map_write(line);
}

void phase_one(jit_fn fn, double end)
{
	while (!next_phase && !stop && now() < end)
		fn(ITERS);
}

void phase_two(jit_fn fn, double end)
{
	while (!stop && now() < end)
		fn(ITERS);
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_stop};
	double end;
	jit_fn first, second;

	if (argc != 2 || atoi(argv[1]) <= 0) {
		fprintf(stderr, "usage: jit_spin SECONDS\n");
		return 2;
	}
#ifndef __x86_64__
	fprintf(stderr, "jit_spin: its machine code is x86-64 only\n");
	return 1;
#endif
	end = now() + atoi(argv[1]);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	snprintf(map_path, sizeof(map_path), "/tmp/perf-%d.map", getpid());
	unlink(map_path); /* a stale map of an earlier process with this pid */

	map_write("jit_spin: this line is not START SIZE NAME\n");
	first = emit_region();
	map_append(first, FIRST_NAME);
	phase_one(first, end);
	if (next_phase) {
		second = emit_region();
		map_append(second, SECOND_NAME);
		printf("jit_spin: second region\n");
		fflush(stdout);
		phase_two(second, end);
	}
	unlink(map_path);
	return 0;
}
