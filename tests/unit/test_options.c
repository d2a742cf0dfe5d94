// SPDX-License-Identifier: GPL-2.0
/* test_options.c: checked numbers, PID and CPU lists, and "vigil profile" option parsing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <cmocka.h>
#include "commands.h"
#include "util.h"

static void parse_ulong_takes_whole_numbers_in_range(void **state)
{
	unsigned long v = 0;

	(void)state;
	assert_int_equal(parse_ulong("99", 1, 10000, "-F", &v), 0);
	assert_int_equal(v, 99);
	assert_int_equal(parse_ulong("1", 1, 10000, "-F", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(parse_ulong("10000", 1, 10000, "-F", &v), 0);
	assert_int_equal(v, 10000);
}

static void parse_ulong_rejects_junk_and_out_of_range(void **state)
{
	unsigned long v = 7;

	(void)state;
	assert_int_equal(parse_ulong("0", 1, 10000, "-F", &v), -ERANGE);
	assert_int_equal(parse_ulong("10001", 1, 10000, "-F", &v), -ERANGE);
	assert_int_equal(parse_ulong("99999999999999999999999", 1, 10000, "-F", &v), -ERANGE);
	assert_int_equal(parse_ulong("", 1, 10, "-F", &v), -EINVAL);
	assert_int_equal(parse_ulong("12abc", 1, 100, "-F", &v), -EINVAL);
	assert_int_equal(parse_ulong("-5", 0, 100, "-F", &v), -EINVAL);
	assert_int_equal(parse_ulong(" 5", 0, 100, "-F", &v), -EINVAL);
	assert_int_equal(parse_ulong("1.5", 0, 100, "-d", &v), -EINVAL);
	assert_int_equal(v, 7); /* untouched on failure */
}

static void pid_list_is_comma_separated(void **state)
{
	int pids[4];

	(void)state;
	assert_int_equal(parse_pid_list("12", pids, 4), 1);
	assert_int_equal(pids[0], 12);
	assert_int_equal(parse_pid_list("1,22,333", pids, 4), 3);
	assert_int_equal(pids[1], 22);
	assert_int_equal(pids[2], 333);
	assert_true(parse_pid_list("1,,x", pids, 4) < 0);
	assert_true(parse_pid_list("0", pids, 4) < 0);
	assert_true(parse_pid_list("1,2,3,4,5", pids, 4) < 0);
	assert_true(parse_pid_list(",", pids, 4) < 0);
	assert_true(parse_pid_list("1,", pids, 4) < 0);
	assert_true(parse_pid_list(",1", pids, 4) < 0);
	assert_true(parse_pid_list("", pids, 4) < 0);
}

static void cpu_list_reads_ranges_like_sysfs(void **state)
{
	bool mask[16];

	(void)state;
	assert_int_equal(parse_cpu_list("0-3,5\n", mask, 16), 5);
	assert_true(mask[0] && mask[3] && mask[5]);
	assert_false(mask[4] || mask[6]);
	assert_int_equal(parse_cpu_list("0", mask, 16), 1);
	assert_int_equal(parse_cpu_list("2-1", mask, 16), -EINVAL);
	assert_int_equal(parse_cpu_list("a", mask, 16), -EINVAL);
	assert_int_equal(parse_cpu_list("0-31", mask, 16), 16); /* clipped to the mask */
}

/* Parse a NULL-terminated argument list of "vigil profile". */
static int parse(struct profile_args *a, ...)
{
	static char *argv[32];
	int argc = 0;
	va_list ap;
	char *s;

	memset(a, 0, sizeof(*a));
	argv[argc++] = "profile";
	va_start(ap, a);
	while ((s = va_arg(ap, char *)) && argc < 31)
		argv[argc++] = s;
	va_end(ap);
	argv[argc] = NULL;
	return profile_parse_args(argc, argv, a);
}

static void profile_defaults_are_99hz_both_stacks_whole_system(void **state)
{
	struct profile_args a;

	(void)state;
	assert_int_equal(parse(&a, NULL), 0);
	assert_int_equal(a.opts.freq, 99);
	assert_int_equal(a.opts.duration_s, 0);
	assert_true(a.opts.user && a.opts.kernel);
	assert_false(a.opts.idle);
	assert_false(a.no_demangle);
	assert_int_equal(a.target.npids, 0);
	assert_null(a.command);
	assert_null(a.output);
}

/* A pid given twice, in one -p or in two, is one target. */
static void repeated_pids_are_one_target(void **state)
{
	struct profile_args a;

	(void)state;
	assert_int_equal(parse(&a, "-p", "10,10", "-p", "20,10", NULL), 0);
	assert_int_equal(a.target.npids, 2);
	assert_int_equal(a.target.pids[0], 10);
	assert_int_equal(a.target.pids[1], 20);
}

static void profile_takes_pids_rate_duration_output(void **state)
{
	struct profile_args a;

	(void)state;
	assert_int_equal(parse(&a, "-p", "10,20", "-F", "999", "-d", "5", "-o", "x.folded", "-U",
			       "--summary", "s.txt", NULL),
			 0);
	assert_int_equal(a.target.npids, 2);
	assert_int_equal(a.target.pids[0], 10);
	assert_int_equal(a.target.pids[1], 20);
	assert_int_equal(a.opts.freq, 999);
	assert_int_equal(a.opts.duration_s, 5);
	assert_string_equal(a.output, "x.folded");
	assert_string_equal(a.summary, "s.txt");
	assert_true(a.opts.user);
	assert_false(a.opts.kernel);
	assert_int_equal(parse(&a, "-o", "p.folded", "--summary", "-", NULL), 0);
	assert_true(a.summary_stdout);
	assert_string_equal(a.output, "p.folded");
	assert_int_equal(parse(&a, "--no-demangle", NULL), 0);
	assert_true(a.no_demangle);
}

static void profile_command_follows_double_dash(void **state)
{
	struct profile_args a;

	(void)state;
	assert_int_equal(parse(&a, "-d", "3", "--", "sleep", "-x", "1", NULL), 0);
	assert_non_null(a.command);
	assert_string_equal(a.command[0], "sleep");
	assert_string_equal(a.command[1], "-x"); /* the command's options stay its own */
	assert_null(a.command[3]);
	assert_int_equal(parse(&a, "ls", "-l", NULL), 0);
	assert_string_equal(a.command[0], "ls");
}

static void profile_rejects_bad_usage_with_status_2(void **state)
{
	struct profile_args a;

	(void)state;
	assert_int_equal(parse(&a, "-F", "0", NULL), EXIT_USAGE);
	assert_int_equal(parse(&a, "-F", "10001", NULL), EXIT_USAGE);
	assert_int_equal(parse(&a, "-d", "0", NULL), EXIT_USAGE);
	assert_int_equal(parse(&a, "-d", "abc", NULL), EXIT_USAGE);
	assert_int_equal(parse(&a, "-p", "abc", NULL), EXIT_USAGE);
	assert_int_equal(parse(&a, "--bogus", NULL), EXIT_USAGE);
	assert_int_equal(parse(&a, "-F", NULL), EXIT_USAGE);
	assert_int_equal(parse(&a, "-U", "-K", NULL), EXIT_USAGE);
	assert_int_equal(parse(&a, "-p", "1", "--", "ls", NULL), EXIT_USAGE);
	assert_int_equal(parse(&a, "-o", "a", "--summary", "a", NULL), EXIT_USAGE);
	assert_int_equal(parse(&a, "-o", "", NULL), EXIT_USAGE);
	assert_int_equal(parse(&a, "-o", "a", "--summary", "", NULL), EXIT_USAGE);
	assert_int_equal(parse(&a, "--summary", "-", NULL), EXIT_USAGE); /* both stdout */
	assert_int_equal(parse(&a, "-o", "-", "--summary", "-", NULL), EXIT_USAGE);
	assert_int_equal(parse(&a, "--", NULL), EXIT_USAGE);
	assert_int_equal(parse(&a, "-d", "1", "--", NULL), EXIT_USAGE);
	assert_int_equal(parse(&a, "--help", NULL), -1);
}

static void profile_debug_dirs_are_kept_in_order_and_checked(void **state)
{
	struct profile_args a;

	(void)state;
	assert_int_equal(parse(&a, NULL), 0);
	assert_int_equal(a.sym.nr_debug_dirs, 0); /* the symbolizer's default, /usr/lib/debug */
	assert_int_equal(parse(&a, "--debug-dir", "tests", "--debug-dir", "/", NULL), 0);
	assert_int_equal(a.sym.nr_debug_dirs, 2);
	assert_string_equal(a.sym.debug_dirs[0], "tests");
	assert_string_equal(a.sym.debug_dirs[1], "/");
	assert_int_equal(parse(&a, "--debug-dir", "/nonexistent-vigil-dir", NULL), EXIT_USAGE);
	assert_int_equal(parse(&a, "--debug-dir", "Makefile", NULL), EXIT_USAGE); /* a file */
	assert_int_equal(parse(&a, "--debug-dir", NULL), EXIT_USAGE);
	assert_int_equal(parse(&a, "--debug-dir", "/", "--debug-dir", "/", "--debug-dir", "/",
			       "--debug-dir", "/", "--debug-dir", "/", "--debug-dir", "/",
			       "--debug-dir", "/", "--debug-dir", "/", "--debug-dir", "/", NULL),
			 EXIT_USAGE); /* at most 8 */
}

static void profile_clocks_and_their_options(void **state)
{
	struct profile_args a;

	(void)state;
	assert_int_equal(parse(&a, NULL), 0);
	assert_int_equal(a.opts.clock, PROFILE_CLOCK_CPU);
	assert_false(a.opts.per_thread);
	assert_int_equal(a.opts.min_block_ns, 0);
	assert_int_equal(parse(&a, "--clock", "off", "--min-block", "250", "--per-thread",
			       "--summary-format", "json", NULL),
			 0);
	assert_int_equal(a.opts.clock, PROFILE_CLOCK_OFF);
	assert_int_equal(a.opts.min_block_ns, 250000);
	assert_true(a.opts.per_thread);
	assert_true(a.json);
	assert_int_equal(
		parse(&a, "--clock", "wall", "-F", "499", "--summary-format", "text", NULL), 0);
	assert_int_equal(a.opts.clock, PROFILE_CLOCK_WALL);
	assert_int_equal(a.opts.freq, 499);
	assert_false(a.json);
	assert_int_equal(parse(&a, "--per-thread", NULL), 0); /* on-CPU per thread too */
	assert_true(a.opts.per_thread);

	assert_int_equal(parse(&a, "--clock", "idle", NULL), EXIT_USAGE);
	assert_int_equal(parse(&a, "--clock", NULL), EXIT_USAGE);
	assert_int_equal(parse(&a, "--min-block", "100", NULL), EXIT_USAGE); /* cpu clock */
	assert_int_equal(parse(&a, "--clock", "off", "--min-block", "x", NULL), EXIT_USAGE);
	assert_int_equal(parse(&a, "--clock", "off", "--min-block", "-1", NULL), EXIT_USAGE);
	assert_int_equal(parse(&a, "--clock", "off", "-F", "99", NULL), EXIT_USAGE);
	assert_int_equal(parse(&a, "--clock", "wall", "--idle", NULL), EXIT_USAGE);
	assert_int_equal(parse(&a, "--summary-format", "json", NULL), EXIT_USAGE); /* cpu clock */
	assert_int_equal(parse(&a, "--clock", "off", "--summary-format", "xml", NULL), EXIT_USAGE);
	/* --format is the profile's: the summary's old values are refused with a pointer */
	assert_int_equal(parse(&a, "--clock", "off", "--format", "json", NULL), EXIT_USAGE);
	assert_int_equal(parse(&a, "--format", "xml", NULL), EXIT_USAGE);
}

static void test_profile_format(void **state)
{
	struct profile_args a;

	(void)state;
	assert_int_equal(parse(&a, NULL), 0);
	assert_int_equal(a.format, SINK_FOLDED);
	assert_int_equal(parse(&a, "-o", "x.svg", NULL), 0);
	assert_int_equal(a.format, SINK_SVG);
	assert_int_equal(parse(&a, "-o", "x.pb.gz", NULL), 0);
	assert_int_equal(a.format, SINK_PPROF);
	assert_int_equal(parse(&a, "-o", "x.pprof", NULL), 0);
	assert_int_equal(a.format, SINK_PPROF);
	assert_int_equal(parse(&a, "-o", "x.txt", NULL), 0);
	assert_int_equal(a.format, SINK_FOLDED);
	/* --format wins over the suffix */
	assert_int_equal(parse(&a, "-o", "x.svg", "--format", "folded", NULL), 0);
	assert_int_equal(a.format, SINK_FOLDED);
	assert_int_equal(parse(&a, "--format", "svg", NULL), 0);
	assert_int_equal(a.format, SINK_SVG);
	assert_int_equal(parse(&a, "--format", "pprof", "-o", "-", NULL), 0);
	assert_int_equal(a.format, SINK_PPROF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_profile_format),
		cmocka_unit_test(parse_ulong_takes_whole_numbers_in_range),
		cmocka_unit_test(parse_ulong_rejects_junk_and_out_of_range),
		cmocka_unit_test(pid_list_is_comma_separated),
		cmocka_unit_test(cpu_list_reads_ranges_like_sysfs),
		cmocka_unit_test(profile_defaults_are_99hz_both_stacks_whole_system),
		cmocka_unit_test(profile_takes_pids_rate_duration_output),
		cmocka_unit_test(repeated_pids_are_one_target),
		cmocka_unit_test(profile_clocks_and_their_options),
		cmocka_unit_test(profile_command_follows_double_dash),
		cmocka_unit_test(profile_rejects_bad_usage_with_status_2),
		cmocka_unit_test(profile_debug_dirs_are_kept_in_order_and_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
