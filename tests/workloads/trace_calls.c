// SPDX-License-Identifier: GPL-2.0
// Workload: functions called in known numbers, for the tests of vigil
// trace. Every traced function is global, noipa (never inlined, cloned or
// folded into another) and ends in work after its last call, so each is a
// real call with a real return, under its own name.
//
// Usage: trace_calls MODE ARGS...
//
//   calls N M [STATUS]  f() N times, each f() calling g() M times; g() sums
//                       a few hundred numbers. Exits STATUS (default 0).
//   sleep N             sleepy() N times; each nanosleep()s 10 ms once.
//   spin N              spinny() N times; each spins until its thread has
//                       had 10 ms of CPU (CLOCK_THREAD_CPUTIME_ID).
//   recurse R           rec(6) R times: rec(n) sleeps 1 ms, then calls
//                       rec(n - 1) down to rec(1), so a call at recursion
//                       depth d (0 = outermost) lasts about (6 - d) ms.
//   longjmp N           outer() N times; outer() setjmp()s and calls
//                       inner(), which longjmp()s back into outer(): inner
//                       never returns, outer always does.
//   deep R N            deep(N) R times: N + 1 levels of recursion each.
//   tail N              tailer() N times; it jumps to g() (a tail call).
//   reexec N            f(1), then exec_self() execs this program with N - 1,
//                       down to 0: N + 1 images, N execs from inside a call.
//   threadexit          a thread calls g() 5 times, then doomed(), which
//                       calls pthread_exit() inside; once it is joined,
//                       main calls g() 3 times.
//
// trap_point() is never called: it begins with an int3, an instruction
// the kernel will not put a uprobe on, for the tests of an attach that
// fails after others have succeeded.
//
// Ground truth, on stdout when the mode is done, one line per function:
//
//   TRUTH name=NAME calls=N [returns=N] [wall_us=N cpu_us=N]
//
// calls counts entries, returns the returns that came (when some never
// do); wall_us and cpu_us (sleep, spin) are the sums over the calls, as
// measured around each call by its caller, so they also hold the cost of
// any probe on the function. recurse adds one line per depth D:
//
//   TRUTH name=rec.dD calls=R wall_us=N
//
// Every mode ends by itself: the longest (recurse 100) takes 0.6 s.
// Exit status: 0 (or STATUS), 2 on bad usage.
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TRACED	 __attribute__((noipa, used))
#define DEPTH	 6
#define SPIN_NS	 10000000L
#define SLEEP_NS 10000000L

/* Results published so that no work can be left out. */
volatile unsigned long sink;
volatile int g_calls, inner_calls, doomed_calls;
int64_t rec_wall_ns[DEPTH];

static int64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

TRACED void g(void)
{
	unsigned long acc = 0;

	for (volatile int i = 0; i < 300; i++)
		acc += (unsigned long)i * i;
	sink += acc;
	g_calls++;
}

TRACED void f(int m)
{
	for (int i = 0; i < m; i++)
		g();
	sink++;
}

TRACED void sleepy(void)
{
	struct timespec ts = {0, SLEEP_NS};

	nanosleep(&ts, NULL);
	sink++;
}

TRACED void spinny(void)
{
	int64_t end = clock_ns(CLOCK_THREAD_CPUTIME_ID) + SPIN_NS;
	unsigned long acc = 0;

	while (clock_ns(CLOCK_THREAD_CPUTIME_ID) < end)
		for (volatile int i = 0; i < 200; i++)
			acc += i;
	sink += acc;
}

/* rec(n) at recursion depth DEPTH - n: 1 ms of sleep, then rec(n - 1). */
TRACED int rec(int n)
{
	struct timespec ts = {0, 1000000L};
	int64_t t0 = clock_ns(CLOCK_MONOTONIC);
	int r = 0;

	nanosleep(&ts, NULL);
	if (n > 1)
		r = rec(n - 1);
	rec_wall_ns[DEPTH - n] += clock_ns(CLOCK_MONOTONIC) - t0;
	return r + 1; /* work after the call: never a tail call */
}

/*
 * tailer() jumps to g() (a tail call, as -O2 makes them): g returns to
 * tailer's caller. It opens with push/pop so that its probe is emulated.
 */
void tailer(void);
__asm__(".text\n"
	".globl tailer\n"
	".type tailer, @function\n"
	"tailer:\n"
	"	push %rbp\n"
	"	pop %rbp\n"
	"	jmp g\n"
	".size tailer, .-tailer\n");

/* exec_self(n): exec this program again with n - 1 from inside a traced call. */
TRACED void exec_self(const char *self, long n)
{
	char arg[32];

	snprintf(arg, sizeof(arg), "%ld", n - 1);
	execl(self, self, "reexec", arg, (char *)NULL);
	_exit(127);
}

/* deep(n): n + 1 levels of recursion, no sleep: deeper than the kernel's 64 return probes. */
TRACED int deep(int n)
{
	int r = n > 0 ? deep(n - 1) : 0;

	return r + 1;
}

/*
 * trap_point(), never called, begins with an int3, which the kernel
 * refuses to put a uprobe on: attaching to it fails once a process maps
 * the program (after the other probes of the run are attached).
 */
__asm__(".text\n"
	".globl trap_point\n"
	".type trap_point, @function\n"
	"trap_point:\n"
	"\tint3\n"
	"\tret\n"
	".size trap_point, .-trap_point\n");

static jmp_buf outer_env;

TRACED void after_jump(void)
{
	sink++;
}

TRACED void inner(void)
{
	inner_calls++;
	longjmp(outer_env, 1);
}

TRACED void outer(void)
{
	if (setjmp(outer_env) == 0)
		inner();
	after_jump(); /* called by outer, at the stack depth inner was called at */
	sink++;
}

TRACED void doomed(void)
{
	doomed_calls++;
	pthread_exit(NULL);
}

static void *doomed_thread(void *arg)
{
	(void)arg;
	for (int i = 0; i < 5; i++)
		g();
	doomed();
	return NULL; /* never reached */
}

static long count_arg(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *s && !*end && v >= 0 && v <= 100000000 ? v : -1;
}

/* time_calls FN N NAME: call FN N times, print its TRUTH with wall and cpu sums. */
static void time_calls(void (*fn)(void), long n, const char *name)
{
	int64_t wall = 0, cpu = 0;

	for (long i = 0; i < n; i++) {
		int64_t w0 = clock_ns(CLOCK_MONOTONIC), c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);

		fn();
		cpu += clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
		wall += clock_ns(CLOCK_MONOTONIC) - w0;
	}
	printf("TRUTH name=%s calls=%ld wall_us=%lld cpu_us=%lld\n", name, n,
	       (long long)(wall / 1000), (long long)(cpu / 1000));
}

static int usage(void)
{
	fprintf(stderr, "usage: trace_calls calls N M [STATUS] | sleep N | spin N | recurse R |"
			" deep R N | tail N | reexec N | longjmp N | threadexit\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	long n = argc > 2 ? count_arg(argv[2]) : -1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "calls") && (argc == 4 || argc == 5)) {
		long m = count_arg(argv[3]), status = argc == 5 ? count_arg(argv[4]) : 0;

		if (n < 0 || m < 0 || status < 0 || status > 255)
			return usage();
		for (long i = 0; i < n; i++)
			f((int)m);
		printf("TRUTH name=f calls=%ld\n", n);
		printf("TRUTH name=g calls=%d\n", g_calls);
		return (int)status;
	}
	if (!strcmp(mode, "sleep") && argc == 3 && n >= 0) {
		time_calls(sleepy, n, "sleepy");
		return 0;
	}
	if (!strcmp(mode, "spin") && argc == 3 && n >= 0) {
		time_calls(spinny, n, "spinny");
		return 0;
	}
	if (!strcmp(mode, "recurse") && argc == 3 && n >= 0) {
		for (long i = 0; i < n; i++)
			rec(DEPTH);
		printf("TRUTH name=rec calls=%ld primitive=%ld\n", n * DEPTH, n);
		for (int d = 0; d < DEPTH; d++)
			printf("TRUTH name=rec.d%d calls=%ld wall_us=%lld\n", d, n,
			       (long long)(rec_wall_ns[d] / 1000));
		return 0;
	}
	if (!strcmp(mode, "deep") && argc == 4 && n >= 0) {
		long levels = count_arg(argv[3]);

		if (levels < 0 || levels > 100000)
			return usage();
		for (long i = 0; i < n; i++)
			deep((int)levels);
		printf("TRUTH name=deep calls=%ld primitive=%ld\n", n * (levels + 1), n);
		return 0;
	}
	if (!strcmp(mode, "tail") && argc == 3 && n >= 0) {
		for (long i = 0; i < n; i++)
			tailer();
		printf("TRUTH name=tailer calls=%ld\n", n);
		printf("TRUTH name=g calls=%d\n", g_calls);
		return 0;
	}
	if (!strcmp(mode, "reexec") && argc == 3 && n >= 0) {
		f(1);
		printf("TRUTH name=image left=%ld\n", n);
		if (n > 0)
			exec_self(argv[0], n);
		return 0;
	}
	if (!strcmp(mode, "longjmp") && argc == 3 && n >= 0) {
		for (long i = 0; i < n; i++)
			outer();
		printf("TRUTH name=outer calls=%ld returns=%ld\n", n, n);
		printf("TRUTH name=inner calls=%d returns=0\n", inner_calls);
		return 0;
	}
	if (!strcmp(mode, "threadexit") && argc == 2) {
		pthread_t t;

		if (pthread_create(&t, NULL, doomed_thread, NULL) || pthread_join(t, NULL))
			return 1;
		for (int i = 0; i < 3; i++)
			g();
		printf("TRUTH name=doomed calls=%d returns=0\n", doomed_calls);
		printf("TRUTH name=g calls=%d\n", g_calls);
		return 0;
	}
	return usage();
}
