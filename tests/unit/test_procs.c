// SPDX-License-Identifier: GPL-2.0
/*
 * test_procs.c: the symbolizer's incarnations: maps read when first seen,
 * kept after an exit until the sweep, inherited by a child gone before
 * its read, never read for a PID that holds another process; and user
 * stacks cut where the walk leaves executable code.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "symbolizer.h"

#define ADDR(p) ((__u64)(uintptr_t)(p))

volatile int test_sink;

/* Named frames of this test binary; noinline so they have addresses of their own. */
__attribute__((noinline)) int procs_outer_work(int n)
{
	for (int i = 0; i < n; i++)
		test_sink += i;
	return test_sink;
}

__attribute__((noinline)) int procs_inner_work(int n)
{
	for (int i = 0; i < n; i++)
		test_sink ^= i;
	return test_sink;
}

static int setup(void **state)
{
	struct symbolizer_opts opts = {.warn = false};

	*state = symbolizer__new(&opts);
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	symbolizer__free(*state);
	return 0;
}

static struct symbolizer_stats stats_of(struct symbolizer *s)
{
	struct symbolizer_stats st;

	symbolizer__stats(s, &st);
	return st;
}

/* This process's start, in ns since boot, as the BPF side would report it. */
static __u64 my_start_ns(void)
{
	unsigned long long ticks;
	char buf[1024], *p;
	FILE *f = fopen("/proc/self/stat", "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	assert_non_null(p);
	assert_int_equal(sscanf(p + 1,
				" %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d "
				"%*d %*d %*d %*d %*d %llu",
				&ticks),
			 1);
	return ticks * (1000000000ULL / sysconf(_SC_CLK_TCK));
}

static struct vigil_proc_event event(__u32 type, __u32 pid, __u32 gen)
{
	struct vigil_proc_event ev = {.type = type, .tgid = pid, .gen = gen};

	ev.start_boottime = my_start_ns();
	return ev;
}

static void expect_frame(struct symbolizer *s, __u32 pid, __u32 gen, __u64 addr, const char *want)
{
	const char *name;
	int n = symbolizer__user_stack(s, pid, gen, &addr, 1, false, &name, NULL);

	assert_int_equal(n, 1);
	assert_string_equal(name, want);
}

/* ------------------------------------------------------------------------
 * Tests
 * ------------------------------------------------------------------------ */

static void test_seen_reads_maps_once_and_names_frames(void **state)
{
	struct symbolizer *s = *state;
	struct vigil_proc_event ev = event(VIGIL_PROC_SEEN, getpid(), 7);

	assert_int_equal(symbolizer__proc_events(s, &ev, 1), 0);
	assert_int_equal(stats_of(s).maps_reads, 1);
	assert_int_equal(stats_of(s).procs_cached, 1);
	expect_frame(s, getpid(), 7, ADDR(procs_inner_work), "procs_inner_work");
	expect_frame(s, getpid(), 7, ADDR(procs_outer_work) + 1, "procs_outer_work");
	assert_int_equal(stats_of(s).maps_reads, 1);
}

static void test_ended_incarnation_is_kept_until_the_sweep(void **state)
{
	struct symbolizer *s = *state;
	struct vigil_proc_event evs[2] = {event(VIGIL_PROC_SEEN, getpid(), 3),
					  event(VIGIL_PROC_EXIT, getpid(), 3)};

	assert_int_equal(symbolizer__proc_events(s, &evs[0], 1), 0);
	assert_int_equal(symbolizer__proc_events(s, &evs[1], 1), 0);
	/* its last samples are named after the exit, from what was read before it */
	expect_frame(s, getpid(), 3, ADDR(procs_inner_work), "procs_inner_work");
	assert_int_equal(stats_of(s).procs_cached, 1);
	symbolizer__drain_begin(s);
	symbolizer__sweep(s);
	assert_int_equal(stats_of(s).procs_cached, 0);
}

/*
 * An exit told while a drain names its samples (after the switch of
 * buffers) may have samples in the buffer the next drain takes: the
 * incarnation is kept over this drain's sweep, and dropped at the next.
 */
static void test_incarnation_ended_during_a_drain_lasts_one_more_drain(void **state)
{
	struct symbolizer *s = *state;
	struct vigil_proc_event seen = event(VIGIL_PROC_SEEN, getpid(), 6);
	struct vigil_proc_event ended = event(VIGIL_PROC_EXIT, getpid(), 6);

	assert_int_equal(symbolizer__proc_events(s, &seen, 1), 0);
	symbolizer__drain_begin(s);
	assert_int_equal(symbolizer__proc_events(s, &ended, 1), 0);
	symbolizer__sweep(s);
	assert_int_equal(stats_of(s).procs_cached, 1);
	expect_frame(s, getpid(), 6, ADDR(procs_inner_work), "procs_inner_work");
	symbolizer__drain_begin(s);
	symbolizer__sweep(s);
	assert_int_equal(stats_of(s).procs_cached, 0);
}

/*
 * A child seen and gone within one batch is not read from /proc (which
 * shows another program, or nothing, by then): it is named from the
 * incarnation it was forked from. Here the "child" is a PID that does
 * not exist, so a read would fail and name nothing.
 */
static void test_child_gone_in_the_batch_is_named_from_its_parent(void **state)
{
	struct symbolizer *s = *state;
	struct vigil_proc_event evs[3];
	__u32 child = 0x3ffffff0; /* above pid_max: no such process */
	const char *names[2];
	__u64 ips[2] = {ADDR(procs_inner_work) + 4, ADDR(procs_outer_work) + 4};
	bool cut;

	evs[0] = event(VIGIL_PROC_SEEN, getpid(), 1);
	evs[1] = event(VIGIL_PROC_SEEN, child, 2);
	evs[1].parent_tgid = getpid();
	evs[1].parent_gen = 1;
	evs[2] = event(VIGIL_PROC_EXIT, child, 2);
	assert_int_equal(symbolizer__proc_events(s, evs, 3), 0);
	assert_int_equal(stats_of(s).maps_reads, 1); /* the parent's only */
	assert_int_equal(stats_of(s).maps_inherited, 1);
	assert_int_equal(symbolizer__user_stack(s, child, 2, ips, 2, false, names, &cut), 2);
	assert_false(cut);
	assert_string_equal(names[0], "procs_inner_work");
	assert_string_equal(names[1], "procs_outer_work");
	symbolizer__drain_begin(s);
	symbolizer__sweep(s);
	assert_int_equal(stats_of(s).procs_cached, 1); /* the parent runs on */
}

/* A SEEN whose start time is not the PID's holder's: another process has the PID now. */
static void test_pid_held_by_another_process_is_not_read(void **state)
{
	struct symbolizer *s = *state;
	struct vigil_proc_event ev = event(VIGIL_PROC_SEEN, getpid(), 9);

	ev.start_boottime += 5000000000ULL; /* started 5 s later than this process did */
	assert_int_equal(symbolizer__proc_events(s, &ev, 1), 0);
	expect_frame(s, getpid(), 9, ADDR(procs_inner_work), "[unknown]");
	assert_int_equal(stats_of(s).maps_reads, 0);
}

/* Generations keep one PID's programs apart: each has a cache of its own. */
static void test_generations_of_one_pid_are_cached_apart(void **state)
{
	struct symbolizer *s = *state;
	struct vigil_proc_event evs[3] = {event(VIGIL_PROC_SEEN, getpid(), 4),
					  event(VIGIL_PROC_EXEC, getpid(), 4),
					  event(VIGIL_PROC_SEEN, getpid(), 5)};

	assert_int_equal(symbolizer__proc_events(s, &evs[0], 1), 0);
	assert_int_equal(symbolizer__proc_events(s, &evs[1], 2), 0);
	assert_int_equal(stats_of(s).procs_cached, 2);
	symbolizer__drain_begin(s);
	symbolizer__sweep(s);
	assert_int_equal(stats_of(s).procs_cached, 1);
	expect_frame(s, getpid(), 5, ADDR(procs_outer_work), "procs_outer_work");
}

/* Addresses in the heap, on the stack, or in no mapping end a stack there. */
static void test_stack_is_cut_where_the_walk_leaves_code(void **state)
{
	struct symbolizer *s = *state;
	char *heap = malloc(64);
	int on_stack = 0;
	__u64 stray[] = {ADDR(heap) + 8, ADDR(&on_stack), 0x10000};
	const char *names[3];
	bool cut;

	assert_non_null(heap);
	for (size_t i = 0; i < 3; i++) {
		__u64 ips[3] = {ADDR(procs_inner_work) + 4, stray[i], ADDR(procs_outer_work) + 4};

		assert_int_equal(symbolizer__user_stack(s, getpid(), 0, ips, 3, false, names, &cut),
				 1);
		assert_true(cut);
		assert_string_equal(names[0], "procs_inner_work");
	}
	/* the innermost address is where the sample was: never cut */
	stray[0] = 0x10000;
	assert_int_equal(symbolizer__user_stack(s, getpid(), 0, stray, 1, false, names, &cut), 1);
	assert_false(cut);
	assert_string_equal(names[0], "[unknown]");
	free(heap);
}

/* A process gone before it could be read: one [unknown] frame, not one per address. */
static void test_unreadable_process_gets_one_unknown_frame(void **state)
{
	struct symbolizer *s = *state;
	__u64 ips[3] = {0x401000, 0x401100, 0x401200};
	const char *names[3];
	bool cut;

	assert_int_equal(symbolizer__user_stack(s, 0x3ffffff0, 8, ips, 3, false, names, &cut), 1);
	assert_false(cut);
	assert_string_equal(names[0], "[unknown]");
}

/* Thousands of short incarnations, each swept: the cache holds none of them after. */
static void test_many_short_incarnations_leave_nothing_cached(void **state)
{
	struct symbolizer *s = *state;
	struct vigil_proc_event parent = event(VIGIL_PROC_SEEN, getpid(), 1);

	assert_int_equal(symbolizer__proc_events(s, &parent, 1), 0);
	for (__u32 i = 0; i < 3000; i++) {
		struct vigil_proc_event evs[2] = {event(VIGIL_PROC_SEEN, 0x3f000000 + i, 100 + i),
						  event(VIGIL_PROC_EXIT, 0x3f000000 + i, 100 + i)};

		evs[0].parent_tgid = getpid();
		evs[0].parent_gen = 1;
		assert_int_equal(symbolizer__proc_events(s, evs, 2), 0);
		expect_frame(s, 0x3f000000 + i, 100 + i, ADDR(procs_inner_work),
			     "procs_inner_work");
		if (i % 100 == 99) {
			symbolizer__drain_begin(s);
			symbolizer__sweep(s);
		}
	}
	symbolizer__drain_begin(s);
	symbolizer__sweep(s);
	assert_int_equal(stats_of(s).procs_cached, 1);
	assert_true(stats_of(s).procs_peak <= 101);
	assert_int_equal(stats_of(s).files_parsed, stats_of(s).files_cached);
}

#define FRESH(test) cmocka_unit_test_setup_teardown(test, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		FRESH(test_seen_reads_maps_once_and_names_frames),
		FRESH(test_ended_incarnation_is_kept_until_the_sweep),
		FRESH(test_incarnation_ended_during_a_drain_lasts_one_more_drain),
		FRESH(test_child_gone_in_the_batch_is_named_from_its_parent),
		FRESH(test_pid_held_by_another_process_is_not_read),
		FRESH(test_generations_of_one_pid_are_cached_apart),
		FRESH(test_stack_is_cut_where_the_walk_leaves_code),
		FRESH(test_unreadable_process_gets_one_unknown_frame),
		FRESH(test_many_short_incarnations_leave_nothing_cached),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
