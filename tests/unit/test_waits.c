// SPDX-License-Identifier: GPL-2.0
/* test_waits.c: classifying off-CPU waits, the per-thread table and its text and JSON forms. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "stacks.h"
#include "strtab.h"
#include "summary.h"
#include "waits.h"
#include "profile_defs.h"

#define NR_READ	      0
#define NR_NANOSLEEP  35
#define NR_RECVFROM   45
#define NR_FSYNC      74
#define NR_FUTEX      202
#define NR_EPOLL_WAIT 232
#define N(a)	      ((int)(sizeof(a) / sizeof((a)[0])))

/* Kernel stacks as the collector sees them at switch-out, innermost first. */
static const char *const k_nanosleep[] = {"__schedule",	   "schedule",
					  "do_nanosleep",  "hrtimer_nanosleep",
					  "common_nsleep", "__x64_sys_clock_nanosleep",
					  "do_syscall_64"};
static const char *const k_futex[] = {"__schedule", "schedule", "futex_wait_queue", "__futex_wait",
				      "futex_wait", "do_futex", "__x64_sys_futex"};
static const char *const k_tcp_read[] = {"__schedule",	"schedule",	"schedule_timeout",
					 "wait_woken",	"sk_wait_data", "tcp_recvmsg_locked",
					 "tcp_recvmsg", "inet_recvmsg", "sock_read_iter",
					 "vfs_read",	"ksys_read",	"do_syscall_64"};
static const char *const k_fsync[] = {
	"__schedule",	  "schedule",	    "jbd2_log_wait_commit", "jbd2_complete_transaction",
	"ext4_fc_commit", "ext4_sync_file", "__x64_sys_fsync",	    "do_syscall_64"};
static const char *const k_rwsem_in_fs[] = {"__schedule",
					    "schedule",
					    "rwsem_down_write_slowpath",
					    "down_write",
					    "ext4_buffered_write_iter",
					    "vfs_write",
					    "do_syscall_64"};
static const char *const k_epoll[] = {"__schedule", "schedule",	     "schedule_hrtimeout_range",
				      "ep_poll",    "do_epoll_wait", "__x64_sys_epoll_wait"};
static const char *const k_pipe[] = {"__schedule", "schedule",	"anon_pipe_read",
				     "vfs_read",   "ksys_read", "do_syscall_64"};
static const char *const k_fault[] = {
	"__schedule", "schedule",	 "io_schedule",	   "folio_wait_bit_common", "filemap_fault",
	"__do_fault", "handle_mm_fault", "exc_page_fault", "asm_exc_page_fault"};
static const char *const k_fault_lock[] = {
	"__schedule",		"schedule",	  "rwsem_down_read_slowpath", "down_read",
	"lock_mm_and_find_vma", "exc_page_fault", "asm_exc_page_fault"};
static const char *const k_unknown[] = {"__schedule", "schedule", "some_driver_wait",
					"exc_page_fault", "asm_exc_page_fault"};

static void kernel_stacks_name_the_wait(void **state)
{
	(void)state;
	assert_int_equal(waits__classify(PROFILE_F_SYSCALL, 230, k_nanosleep, N(k_nanosleep)),
			 WAIT_SLEEP);
	assert_int_equal(waits__classify(PROFILE_F_SYSCALL, NR_FUTEX, k_futex, N(k_futex)),
			 WAIT_LOCK);
	assert_int_equal(waits__classify(PROFILE_F_SYSCALL, NR_READ, k_tcp_read, N(k_tcp_read)),
			 WAIT_NET);
	assert_int_equal(waits__classify(PROFILE_F_SYSCALL, NR_FSYNC, k_fsync, N(k_fsync)),
			 WAIT_DISK);
	/* the innermost reason wins: a lock taken inside a filesystem write is a lock */
	assert_int_equal(waits__classify(PROFILE_F_SYSCALL, 1, k_rwsem_in_fs, N(k_rwsem_in_fs)),
			 WAIT_LOCK);
	/* a wait on many files says nothing of what they are */
	assert_int_equal(waits__classify(PROFILE_F_SYSCALL, NR_EPOLL_WAIT, k_epoll, N(k_epoll)),
			 WAIT_OTHER);
	assert_int_equal(waits__classify(PROFILE_F_SYSCALL, NR_READ, k_pipe, N(k_pipe)),
			 WAIT_OTHER);
}

static void iowait_flag_is_disk(void **state)
{
	(void)state;
	/* whatever the stack: io_schedule() set it */
	assert_int_equal(waits__classify(PROFILE_F_IOWAIT | PROFILE_F_SYSCALL, NR_FUTEX, k_futex,
					 N(k_futex)),
			 WAIT_DISK);
	assert_int_equal(waits__classify(PROFILE_F_IOWAIT, -1, NULL, 0), WAIT_DISK);
}

static void page_faults_are_classified_by_their_stack(void **state)
{
	(void)state;
	assert_int_equal(waits__classify(0, -1, k_fault, N(k_fault)), WAIT_DISK);
	assert_int_equal(waits__classify(0, -1, k_fault_lock, N(k_fault_lock)), WAIT_LOCK);
	/*
	 * orig_ax holds the fault's error code (6 here), not a syscall: it
	 * must not be read as one.
	 */
	assert_int_equal(waits__classify(PROFILE_F_SYSCALL, NR_FUTEX, k_unknown, N(k_unknown)),
			 WAIT_OTHER);
}

static void syscall_decides_without_a_kernel_stack(void **state)
{
	(void)state;
	assert_int_equal(waits__classify(PROFILE_F_SYSCALL, NR_NANOSLEEP, NULL, 0), WAIT_SLEEP);
	assert_int_equal(waits__classify(PROFILE_F_SYSCALL, NR_FUTEX, NULL, 0), WAIT_LOCK);
	assert_int_equal(waits__classify(PROFILE_F_SYSCALL, NR_RECVFROM, NULL, 0), WAIT_NET);
	assert_int_equal(waits__classify(PROFILE_F_SYSCALL, NR_FSYNC, NULL, 0), WAIT_DISK);
	assert_int_equal(waits__classify(PROFILE_F_SYSCALL, NR_READ, NULL, 0), WAIT_OTHER);
	/* no syscall flag: the number means nothing */
	assert_int_equal(waits__classify(0, NR_NANOSLEEP, NULL, 0), WAIT_OTHER);
	assert_string_equal(waits__frame(WAIT_RUNQUEUE), "[wait:runqueue]");
	assert_string_equal(waits__frame(WAIT_CPU), "[cpu]");
	assert_string_equal(waits__name(WAIT_NET), "net");
}

/* Write the table as JSON and parse it back. */
static json_object *table_json(struct wait_table *t, __u64 duration_ns)
{
	struct wait_report r = {.clock = "off", .duration_ns = duration_ns};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_object *o;

	assert_non_null(f);
	assert_int_equal(wait_table__write_json(f, t, &r), 0);
	fclose(f);
	o = json_tokener_parse(buf);
	assert_non_null(o);
	free(buf);
	return o;
}

static long long get(json_object *o, const char *path)
{
	char copy[128], *save, *part;
	json_object *cur = o;

	snprintf(copy, sizeof(copy), "%s", path);
	for (part = strtok_r(copy, ".", &save); part; part = strtok_r(NULL, ".", &save)) {
		json_object *next;

		if (json_object_is_type(cur, json_type_array))
			next = json_object_array_get_idx(cur, atoi(part));
		else if (!json_object_object_get_ex(cur, part, &next))
			next = NULL;
		assert_non_null(next);
		cur = next;
	}
	return json_object_get_int64(cur);
}

static void table_sums_per_thread_and_process(void **state)
{
	struct wait_table *t = wait_table__new();
	json_object *o, *name;

	(void)state;
	assert_non_null(t);
	/* process 100: a busy main thread and a sleeper; process 200: one that waits on disk */
	assert_int_equal(wait_table__add(t, 100, 100, "main", WAIT_CPU, 300000000, false), 0);
	assert_int_equal(wait_table__add(t, 100, 101, "sleeper", WAIT_SLEEP, 900000000, false), 0);
	assert_int_equal(wait_table__add(t, 100, 101, "sleeper", WAIT_SLEEP, 100000000, true), 0);
	assert_int_equal(wait_table__add(t, 100, 101, "sleeper", WAIT_RUNQUEUE, 1499, false), 0);
	assert_int_equal(wait_table__add(t, 200, 200, "io", WAIT_DISK, 250000000, false), 0);
	/* enough threads to make the table grow more than once */
	for (__u32 tid = 1000; tid < 1300; tid++)
		assert_int_equal(wait_table__add(t, 300, tid, "pool", WAIT_LOCK, 1000, false), 0);
	o = table_json(t, 1000000000);

	assert_int_equal(get(o, "duration_us"), 1000000);
	/* processes by total time: 300's pool holds 300 us only */
	assert_int_equal(get(o, "processes.0.pid"), 100);
	assert_int_equal(get(o, "processes.1.pid"), 200);
	assert_int_equal(get(o, "processes.2.pid"), 300);
	assert_int_equal(get(o, "processes.0.cpu_us"), 300000);
	assert_int_equal(get(o, "processes.0.waits_us.sleep"), 1000000);
	assert_int_equal(get(o, "processes.0.cut_us"), 100000);
	/* threads by total: the sleeper first; 1499 ns round to 1 us */
	assert_int_equal(get(o, "processes.0.threads.0.tid"), 101);
	assert_int_equal(get(o, "processes.0.threads.0.waits_us.runqueue"), 1);
	assert_int_equal(get(o, "processes.0.threads.1.tid"), 100);
	assert_int_equal(get(o, "processes.0.threads.1.waits_us.sleep"), 0);
	assert_true(json_object_object_get_ex(
		json_object_array_get_idx(json_object_object_get(o, "processes"), 0), "name",
		&name));
	assert_string_equal(json_object_get_string(name), "main");
	assert_int_equal(get(o, "processes.1.waits_us.disk"), 250000);
	assert_int_equal(get(o, "processes.2.waits_us.lock"), 300);
	assert_int_equal(
		json_object_array_length(json_object_object_get(
			json_object_array_get_idx(json_object_object_get(o, "processes"), 2),
			"threads")),
		300);
	json_object_put(o);
	wait_table__free(t);
}

static void odd_thread_names_stay_one_line_and_valid_json(void **state)
{
	struct wait_table *t = wait_table__new();
	json_object *o, *procs, *name;

	(void)state;
	assert_int_equal(wait_table__add(t, 1, 1, "a\nb\tc", WAIT_CPU, 1000, false), 0);
	assert_int_equal(wait_table__add(t, 2, 2, "\xff\xfe bad", WAIT_CPU, 2000, false), 0);
	assert_int_equal(wait_table__add(t, 3, 3, "w\xc3\xb6rker", WAIT_CPU, 3000, false), 0);
	o = table_json(t, 1000000);
	procs = json_object_object_get(o, "processes");
	assert_true(json_object_object_get_ex(json_object_array_get_idx(procs, 0), "name", &name));
	assert_string_equal(json_object_get_string(name), "w\xc3\xb6rker"); /* UTF-8 kept */
	assert_true(json_object_object_get_ex(json_object_array_get_idx(procs, 1), "name", &name));
	assert_string_equal(json_object_get_string(name), "?? bad");
	assert_true(json_object_object_get_ex(json_object_array_get_idx(procs, 2), "name", &name));
	assert_string_equal(json_object_get_string(name), "a b c");
	json_object_put(o);
	wait_table__free(t);
}

static void a_renamed_thread_is_named_by_its_longest_name(void **state)
{
	struct wait_table *t = wait_table__new();
	json_object *o, *name;

	(void)state;
	/* a shell that forked, then exec'd sleep: most of its time was sleep's */
	assert_int_equal(wait_table__add(t, 5, 5, "sh", WAIT_CPU, 3000, false), 0);
	assert_int_equal(wait_table__add(t, 5, 5, "sleep", WAIT_SLEEP, 900000, false), 0);
	assert_int_equal(wait_table__add(t, 5, 5, "sh", WAIT_RUNQUEUE, 1000, false), 0);
	o = table_json(t, 1000000);
	assert_true(json_object_object_get_ex(
		json_object_array_get_idx(json_object_object_get(o, "processes"), 0), "name",
		&name));
	assert_string_equal(json_object_get_string(name), "sleep");
	assert_int_equal(get(o, "processes.0.threads.0.cpu_us"), 3);
	json_object_put(o);
	wait_table__free(t);
}

static void text_table_shows_shares_and_limits_rows(void **state)
{
	struct wait_report r = {.title = "T",
				.clock = "off",
				.duration_ns = 2000000000,
				.top_processes = 1,
				.top_threads = 1};
	struct wait_table *t = wait_table__new();
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_int_equal(wait_table__add(t, 7, 7, "srv", WAIT_NET, 1000000000, false), 0);
	assert_int_equal(wait_table__add(t, 7, 8, "worker", WAIT_CPU, 500000000, false), 0);
	assert_int_equal(wait_table__add(t, 9, 9, "other", WAIT_CPU, 1000, false), 0);
	assert_int_equal(wait_table__write_text(f, t, &r), 0);
	fclose(f);
	assert_non_null(strstr(buf, "T\n"));
	/* 1 s of net in a 2 s run is half of it */
	assert_non_null(strstr(buf, "   1.000  50%"));
	assert_non_null(strstr(buf, "(1 more threads)"));
	assert_non_null(strstr(buf, "(1 more processes)"));
	assert_null(strstr(buf, "worker"));
	free(buf);
	wait_table__free(t);
}

static void scale_rounds_to_nearest(void **state)
{
	struct stack_set *set = stack_set__new();
	const char *a = strtab__intern(stack_set__strtab(set), "a");
	const char *b = strtab__intern(stack_set__strtab(set), "b");

	(void)state;
	assert_int_equal(stack_set__add(set, &a, 1, 1499), 0);
	assert_int_equal(stack_set__add(set, &b, 1, 2500), 0);
	stack_set__scale(set, 1000);
	assert_int_equal(stack_set__total(set), 1 + 3);
	stack_set__free(set);
}

static void add_stack(struct stack_set *set, const char *const *frames, size_t n, __u64 v)
{
	const char *interned[16];

	for (size_t i = 0; i < n; i++)
		interned[i] = strtab__intern(stack_set__strtab(set), frames[i]);
	assert_int_equal(stack_set__add(set, interned, n, v), 0);
}

static void summary_gives_self_time_to_the_waiting_function(void **state)
{
	static const char *const blocked[] = {"srv",	      "main",		"pipe_read_[k]",
					      "schedule_[k]", "__schedule_[k]", "[cut at end]",
					      "[wait:other]"};
	static const char *const running[] = {"srv", "main", "crunch", "[cpu]"};
	struct summary_opts so = {.unit = "us", .top_threads = 3, .top = 5, .class_last = true};
	struct stack_set *set = stack_set__new();
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	add_stack(set, blocked, N(blocked), 300);
	add_stack(set, running, N(running), 100);
	assert_int_equal(summary__write(f, set, &so), 0);
	fclose(f);
	/* self: pipe_read_[k] 300 and crunch 100; main holds both in total */
	assert_non_null(strstr(buf, "   75.0%   75.0%         300  pipe_read_[k]"));
	assert_non_null(strstr(buf, "   25.0%   25.0%         100  crunch"));
	assert_non_null(strstr(buf, "    0.0%  100.0%           0  main"));
	assert_null(strstr(buf, "[wait:other]"));
	assert_null(strstr(buf, "__schedule"));
	free(buf);
	stack_set__free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kernel_stacks_name_the_wait),
		cmocka_unit_test(iowait_flag_is_disk),
		cmocka_unit_test(page_faults_are_classified_by_their_stack),
		cmocka_unit_test(syscall_decides_without_a_kernel_stack),
		cmocka_unit_test(table_sums_per_thread_and_process),
		cmocka_unit_test(text_table_shows_shares_and_limits_rows),
		cmocka_unit_test(odd_thread_names_stay_one_line_and_valid_json),
		cmocka_unit_test(a_renamed_thread_is_named_by_its_longest_name),
		cmocka_unit_test(scale_rounds_to_nearest),
		cmocka_unit_test(summary_gives_self_time_to_the_waiting_function),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
