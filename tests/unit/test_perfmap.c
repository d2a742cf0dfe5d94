// SPDX-License-Identifier: GPL-2.0
/* test_perfmap.c: perf maps parsed, grown and replaced; JIT code named by the symbolizer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "perfmap.h"
#include "symbolizer.h"

#define ADDR(p) ((__u64)(uintptr_t)(p))

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

struct fixture {
	char path[64];
	struct perfmap *pm;
};

/* A fresh map file of its own for every test, empty until the test writes it. */
static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	int fd;

	if (!fx)
		return -1;
	snprintf(fx->path, sizeof(fx->path), "/tmp/vigil-perfmap-XXXXXX");
	fd = mkstemp(fx->path);
	if (fd < 0)
		return -1;
	close(fd);
	fx->pm = perfmap__new(fx->path);
	*state = fx;
	return fx->pm ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	perfmap__free(fx->pm);
	unlink(fx->path);
	free(fx);
	return 0;
}

/* Write text to path: appended, or replacing what is there (same file, truncated). */
static void write_text(const char *path, const char *text, bool append)
{
	int fd = open(path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0600);
	size_t len = strlen(text);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

static void refresh(struct perfmap *pm)
{
	assert_int_equal(perfmap__refresh(pm), 0);
}

static void expect_name(struct perfmap *pm, __u64 addr, const char *want)
{
	const char *got = NULL;

	if (perfmap__find(pm, addr, &got))
		fail_msg("0x%llx: not named, expected \"%s\"", (unsigned long long)addr, want);
	assert_string_equal(got, want);
}

static void expect_none(struct perfmap *pm, __u64 addr)
{
	const char *got = NULL;

	if (!perfmap__find(pm, addr, &got))
		fail_msg("0x%llx: named \"%s\", expected no name", (unsigned long long)addr, got);
}

static struct perfmap_stats stats_of(struct perfmap *pm)
{
	struct perfmap_stats st;

	perfmap__stats(pm, &st);
	return st;
}

/* ------------------------------------------------------------------------
 * Format
 * ------------------------------------------------------------------------ */

static void test_addresses_with_and_without_0x_are_read(void **state)
{
	struct fixture *fx = *state;

	/* V8, LuaJIT, Python and perf-map-agent write bare hex; .NET writes %p */
	write_text(fx->path,
		   "7f0000001000 20 bare_hex\n"
		   "0x7f0000002000 0x10 prefixed_hex\n"
		   "0X7F0000003000 0X8 UPPER_HEX\n"
		   "00007f0000004000 c zero_padded\n",
		   false);
	refresh(fx->pm);
	expect_name(fx->pm, 0x7f0000001000, "bare_hex");
	expect_name(fx->pm, 0x7f000000101f, "bare_hex");
	expect_none(fx->pm, 0x7f0000001020);
	expect_name(fx->pm, 0x7f0000002000, "prefixed_hex");
	expect_name(fx->pm, 0x7f000000200f, "prefixed_hex");
	expect_none(fx->pm, 0x7f0000002010);
	expect_name(fx->pm, 0x7f0000003007, "UPPER_HEX");
	expect_none(fx->pm, 0x7f0000003008);
	expect_name(fx->pm, 0x7f000000400b, "zero_padded");
	assert_int_equal(stats_of(fx->pm).lines, 4);
	assert_int_equal(stats_of(fx->pm).skipped, 0);
}

static void test_name_is_the_rest_of_the_line_with_spaces_and_semicolons(void **state)
{
	struct fixture *fx = *state;

	write_text(fx->path,
		   "1000 10 JIT hot loop; tier 2\n"
		   "2000 10 void [System.Runtime] Foo::Bar(int, char*)[Optimized]\n"
		   "3000\t10\ttabs  between  words \n"
		   "4000 10 py::handler:/srv/app.py\r\n",
		   false);
	refresh(fx->pm);
	expect_name(fx->pm, 0x1008, "JIT hot loop; tier 2");
	expect_name(fx->pm, 0x2000, "void [System.Runtime] Foo::Bar(int, char*)[Optimized]");
	expect_name(fx->pm, 0x3000, "tabs  between  words ");
	expect_name(fx->pm, 0x4000, "py::handler:/srv/app.py"); /* CRLF: the CR is not the name's */
}

static void test_malformed_lines_are_skipped_and_counted(void **state)
{
	struct fixture *fx = *state;

	write_text(fx->path,
		   "\n"
		   "zzzz 10 not_hex\n"
		   "5000\n"
		   "5000 10\n"
		   "5000 10 \n"
		   "-5000 10 negative\n"
		   "5000 -10 negative_size\n"
		   "10000000000000000 10 seventeen_digits\n"
		   " 5000 10 leading_blank\n"
		   "5000x 10 glued\n"
		   "0x 10 prefix_only\n"
		   "6000 10 good_line\n"
		   "7000 0 empty_range\n",
		   false);
	refresh(fx->pm);
	assert_int_equal(stats_of(fx->pm).skipped, 11);
	assert_int_equal(stats_of(fx->pm).lines, 2); /* good_line and empty_range */
	expect_name(fx->pm, 0x6000, "good_line");
	expect_none(fx->pm, 0x5000);
	expect_none(fx->pm, 0x7000); /* size 0 covers nothing */
	assert_int_equal(stats_of(fx->pm).entries, 1);
}

static void test_address_past_the_end_of_every_entry_is_not_named(void **state)
{
	struct fixture *fx = *state;

	write_text(fx->path, "1000 100 first\n2000 100 second\n", false);
	refresh(fx->pm);
	expect_none(fx->pm, 0xfff);
	expect_name(fx->pm, 0x10ff, "first");
	expect_none(fx->pm, 0x1100); /* a gap between entries */
	expect_name(fx->pm, 0x20ff, "second");
	expect_none(fx->pm, 0x2100);
	expect_none(fx->pm, 0x7fffffffffff);
	expect_none(fx->pm, UINT64_MAX);
}

/* ------------------------------------------------------------------------
 * Overrides
 * ------------------------------------------------------------------------ */

static void test_later_entries_win_where_they_overlap(void **state)
{
	struct fixture *fx = *state;

	/* a JIT frees code and compiles new code into part of the same memory */
	write_text(fx->path,
		   "1000 100 old_long\n"
		   "1040 20 new_inside\n"
		   "1000 10 newer_at_start\n"
		   "2000 40 replaced\n"
		   "2000 40 replacement\n"
		   "3000 10 left\n"
		   "3008 10 straddles\n",
		   false);
	refresh(fx->pm);
	expect_name(fx->pm, 0x1000, "newer_at_start");
	expect_name(fx->pm, 0x100f, "newer_at_start");
	expect_name(fx->pm, 0x1010, "old_long");
	expect_name(fx->pm, 0x1040, "new_inside");
	expect_name(fx->pm, 0x105f, "new_inside");
	expect_name(fx->pm, 0x1060, "old_long");
	expect_name(fx->pm, 0x10ff, "old_long");
	expect_none(fx->pm, 0x1100);
	expect_name(fx->pm, 0x2000, "replacement");
	expect_name(fx->pm, 0x203f, "replacement");
	expect_name(fx->pm, 0x3007, "left");
	expect_name(fx->pm, 0x3008, "straddles");
	expect_name(fx->pm, 0x3017, "straddles");
	expect_none(fx->pm, 0x3018);
}

/* ------------------------------------------------------------------------
 * Growth, shrink, replacement
 * ------------------------------------------------------------------------ */

static void test_appended_lines_are_read_and_the_earlier_kept(void **state)
{
	struct fixture *fx = *state;
	__u64 size;

	write_text(fx->path, "1000 100 compiled_first\n2000 100 to_be_reused\n", false);
	refresh(fx->pm);
	expect_name(fx->pm, 0x2000, "to_be_reused");
	expect_none(fx->pm, 0x3000);
	size = stats_of(fx->pm).size;

	write_text(fx->path, "3000 100 compiled_later\n2000 80 reused_memory\n", true);
	expect_none(fx->pm, 0x3000); /* nothing is read until a refresh */
	refresh(fx->pm);
	expect_name(fx->pm, 0x1000, "compiled_first");
	expect_name(fx->pm, 0x3000, "compiled_later");
	expect_name(fx->pm, 0x2000, "reused_memory");
	expect_name(fx->pm, 0x2080, "to_be_reused");
	assert_int_equal(stats_of(fx->pm).reparses, 0);
	assert_int_equal(stats_of(fx->pm).lines, 4); /* the first two were not read again */
	assert_true(stats_of(fx->pm).size > size);
}

static void test_line_being_written_is_read_once_it_ends(void **state)
{
	struct fixture *fx = *state;

	write_text(fx->path, "1000 100 whole\n2000 100 half_wri", false);
	refresh(fx->pm);
	expect_name(fx->pm, 0x1000, "whole");
	expect_none(fx->pm, 0x2000);
	write_text(fx->path, "tten\n", true);
	refresh(fx->pm);
	expect_name(fx->pm, 0x2000, "half_written");
	assert_int_equal(stats_of(fx->pm).lines, 2);
	assert_int_equal(stats_of(fx->pm).skipped, 0);
}

static void test_shrunk_file_is_parsed_from_scratch(void **state)
{
	struct fixture *fx = *state;

	write_text(fx->path, "1000 100 before_truncate\n2000 100 also_before\n", false);
	refresh(fx->pm);
	expect_name(fx->pm, 0x2000, "also_before");
	write_text(fx->path, "3000 10 after\n", false);
	refresh(fx->pm);
	expect_none(fx->pm, 0x1000);
	expect_none(fx->pm, 0x2000);
	expect_name(fx->pm, 0x3000, "after");
	assert_int_equal(stats_of(fx->pm).reparses, 1);
}

static void test_replaced_file_is_parsed_from_scratch(void **state)
{
	struct fixture *fx = *state;
	char other[80];

	write_text(fx->path, "1000 100 old_file\n", false);
	refresh(fx->pm);
	expect_name(fx->pm, 0x1000, "old_file");
	/* a new file, longer than the old one, renamed over it: another inode */
	snprintf(other, sizeof(other), "%s.new", fx->path);
	write_text(other, "1000 100 new_file_line_one\n2000 100 new_file_line_two\n", false);
	assert_int_equal(rename(other, fx->path), 0);
	refresh(fx->pm);
	expect_name(fx->pm, 0x1000, "new_file_line_one");
	expect_name(fx->pm, 0x2000, "new_file_line_two");
	assert_int_equal(stats_of(fx->pm).reparses, 1);
	assert_int_equal(stats_of(fx->pm).lines, 3);
}

static void test_file_rewritten_in_place_to_a_larger_size_is_parsed_from_scratch(void **state)
{
	struct fixture *fx = *state;

	write_text(fx->path, "1000 100 first_run\n", false);
	refresh(fx->pm);
	/* truncated and rewritten longer between two reads: no line ends where the last read did */
	write_text(fx->path, "5000 100 second_run_longer_name\n6000 10 more\n", false);
	refresh(fx->pm);
	expect_none(fx->pm, 0x1000);
	expect_name(fx->pm, 0x5000, "second_run_longer_name");
	expect_name(fx->pm, 0x6000, "more");
	assert_int_equal(stats_of(fx->pm).reparses, 1);
}

static void test_map_that_disappears_keeps_what_was_read(void **state)
{
	struct fixture *fx = *state;
	struct perfmap *never = perfmap__new("/tmp/vigil-perfmap-never-written.map");

	write_text(fx->path, "1000 100 jit_code\n", false);
	refresh(fx->pm);
	assert_int_equal(unlink(fx->path), 0); /* a JIT deletes its map at exit */
	refresh(fx->pm);
	expect_name(fx->pm, 0x1000, "jit_code");

	assert_non_null(never);
	assert_int_equal(perfmap__refresh(never), 0);
	expect_none(never, 0x1000);
	perfmap__free(never);
}

/* Room for one line of the big map: "START SIZE NAME\n". */
#define LINE_MAX_LEN 64

/* n lines naming 16-byte ranges from base, "PREFIX_I"; the text is the caller's to free. */
static char *many_lines(__u64 base, int n, const char *prefix)
{
	char *text = malloc((size_t)n * LINE_MAX_LEN + 1), *p = text;

	assert_non_null(text);
	for (int i = 0; i < n; i++)
		p += sprintf(p, "%llx 10 %s_%d\n", (unsigned long long)(base + 16 * i), prefix, i);
	return text;
}

static void test_a_big_map_and_its_growth_stay_one_table_each_address_once(void **state)
{
	struct fixture *fx = *state;
	char *text;

	/* 20000 lines: past the size at which appended lines are merged into the main table */
	text = many_lines(0x100000, 20000, "first");
	write_text(fx->path, text, false);
	free(text);
	refresh(fx->pm);
	assert_int_equal(stats_of(fx->pm).entries, 20000);
	expect_name(fx->pm, 0x100000, "first_0");
	expect_name(fx->pm, 0x100000 + 16 * 12345 + 15, "first_12345");
	expect_none(fx->pm, 0x100000 + 16 * 20000);

	/* a few appended lines override some of the main table's entries */
	write_text(fx->path, "100010 20 override_1_and_2\n", true);
	refresh(fx->pm);
	expect_name(fx->pm, 0x100000, "first_0");
	expect_name(fx->pm, 0x100010, "override_1_and_2");
	expect_name(fx->pm, 0x10002f, "override_1_and_2");
	expect_name(fx->pm, 0x100030, "first_3");

	/* many more, overriding the middle: merged into the main table, later still winning */
	text = many_lines(0x100000 + 16 * 10000, 5000, "second");
	write_text(fx->path, text, true);
	free(text);
	refresh(fx->pm);
	expect_name(fx->pm, 0x100010, "override_1_and_2");
	expect_name(fx->pm, 0x100000 + 16 * 9999, "first_9999");
	expect_name(fx->pm, 0x100000 + 16 * 10000, "second_0");
	expect_name(fx->pm, 0x100000 + 16 * 14999 + 8, "second_4999");
	expect_name(fx->pm, 0x100000 + 16 * 15000, "first_15000");
	assert_int_equal(stats_of(fx->pm).entries, 20000 - 1); /* 1 and 2 joined under one name */
	assert_int_equal(stats_of(fx->pm).lines, 25001);
	assert_int_equal(stats_of(fx->pm).reparses, 0);
}

/* ------------------------------------------------------------------------
 * Files not to trust
 * ------------------------------------------------------------------------ */

static void test_symbolic_link_and_other_users_maps_are_not_read(void **state)
{
	struct fixture *fx = *state;
	char link[80];
	struct perfmap *via_link;

	write_text(fx->path, "1000 100 real\n", false);
	snprintf(link, sizeof(link), "%s.link", fx->path);
	assert_int_equal(symlink(fx->path, link), 0);
	via_link = perfmap__new(link);
	assert_non_null(via_link);
	assert_int_equal(perfmap__refresh(via_link), -ELOOP); /* said, then ignored */
	expect_none(via_link, 0x1000);
	perfmap__free(via_link);
	unlink(link);

	if (geteuid() != 0) {
		print_message("  not checked: a map of another user (needs root to chown)\n");
		return;
	}
	/* anyone can create /tmp/perf-PID.map for someone else's PID */
	assert_int_equal(chown(fx->path, 65534, 65534), 0);
	assert_int_equal(perfmap__refresh(fx->pm), -EPERM);
	expect_none(fx->pm, 0x1000);
	assert_int_equal(chown(fx->path, 0, 0), 0);
	refresh(fx->pm);
	expect_name(fx->pm, 0x1000, "real");
}

/* ------------------------------------------------------------------------
 * The symbolizer: JIT code of a process by its /tmp/perf-PID.map
 * ------------------------------------------------------------------------ */

static __attribute__((noinline, used)) int file_backed_code(int n)
{
	return n * 7;
}

struct jit_fixture {
	struct symbolizer *s;
	char map[64];
	char *code; /* two anonymous pages */
};

static int jit_setup(void **state)
{
	struct symbolizer_opts opts = {.warn = false};
	struct jit_fixture *jf = calloc(1, sizeof(*jf));

	if (!jf)
		return -1;
	snprintf(jf->map, sizeof(jf->map), "/tmp/perf-%d.map", getpid());
	jf->code = mmap(NULL, 8192, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	jf->s = symbolizer__new(&opts);
	*state = jf;
	return jf->code != MAP_FAILED && jf->s ? 0 : -1;
}

static int jit_teardown(void **state)
{
	struct jit_fixture *jf = *state;

	unlink(jf->map);
	symbolizer__free(jf->s);
	munmap(jf->code, 8192);
	free(jf);
	return 0;
}

static void expect_user(struct symbolizer *s, pid_t pid, __u64 addr, bool is_return,
			const char *want)
{
	const char *got = symbolizer__user(s, pid, addr, is_return);

	assert_non_null(got);
	assert_string_equal(got, want);
}

/* Whether addr is in a mapping of /proc/self/maps. */
static bool self_mapped(__u64 addr)
{
	unsigned long long start, end;
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	bool found = false;

	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%llx-%llx", &start, &end) == 2 && addr >= start && addr < end;
	fclose(f);
	return found;
}

static void test_anonymous_and_unmapped_code_is_named_by_the_processes_perf_map(void **state)
{
	struct jit_fixture *jf = *state;
	__u64 code = ADDR(jf->code), unmapped = 0x2000, file_code = ADDR(file_backed_code);
	char text[256];

	assert_false(self_mapped(unmapped));
	snprintf(text, sizeof(text),
		 "%llx 40 JIT hot loop; tier 2\n%llx 20 unmapped_stub\n%llx 10 not_a_file_symbol\n",
		 (unsigned long long)code + 0x100, (unsigned long long)unmapped,
		 (unsigned long long)file_code);
	write_text(jf->map, text, false);

	expect_user(jf->s, getpid(), code + 0x100, false, "JIT hot loop; tier 2");
	/* a return address just past the entry's end is looked up one byte before */
	expect_user(jf->s, getpid(), code + 0x140, true /* is_return */, "JIT hot loop; tier 2");
	expect_user(jf->s, getpid(), code + 0x140, false, "[unknown]");
	expect_user(jf->s, getpid(), unmapped + 0x1f, false, "unmapped_stub");
	expect_user(jf->s, getpid(), unmapped + 0x20, false, "[unknown]");
	/* a file's code keeps its ELF name */
	expect_user(jf->s, getpid(), file_code, false, "file_backed_code");
}

static void test_perf_map_is_the_processes_not_anothers(void **state)
{
	struct jit_fixture *jf = *state;
	__u64 code = ADDR(jf->code);
	char text[128];
	pid_t child;

	snprintf(text, sizeof(text), "%llx 1000 parent_only\n", (unsigned long long)code);
	write_text(jf->map, text, false);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		for (;;)
			pause();
	}
	/* the child has the same mapping, but no /tmp/perf-CHILD.map */
	expect_user(jf->s, child, code + 8, false, "[unknown]");
	expect_user(jf->s, getpid(), code + 8, false, "parent_only");
	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, NULL, 0), child);
}

static void test_symbolizer_reads_what_the_jit_appended(void **state)
{
	struct jit_fixture *jf = *state;
	__u64 code = ADDR(jf->code);
	struct timespec pause = {.tv_nsec = 20 * 1000000}; /* past the 10 ms between checks */
	char text[128];

	snprintf(text, sizeof(text), "%llx 100 first_function\n", (unsigned long long)code);
	write_text(jf->map, text, false);
	expect_user(jf->s, getpid(), code + 0x1000, false, "[unknown]");
	snprintf(text, sizeof(text), "%llx 100 compiled_after\n",
		 (unsigned long long)code + 0x1000);
	write_text(jf->map, text, true);
	nanosleep(&pause, NULL);
	expect_user(jf->s, getpid(), code + 0x1000, false, "compiled_after");
	expect_user(jf->s, getpid(), code, false, "first_function");
}

static void test_malformed_perf_map_lines_are_counted_by_the_symbolizer(void **state)
{
	struct jit_fixture *jf = *state;
	struct symbolizer_stats st;
	char text[128];

	snprintf(text, sizeof(text), "garbage\n%llx 10 fine\nmore garbage\n",
		 (unsigned long long)ADDR(jf->code));
	write_text(jf->map, text, false);
	expect_user(jf->s, getpid(), ADDR(jf->code), false, "fine");
	symbolizer__stats(jf->s, &st);
	assert_int_equal(st.perfmap_skipped, 2);
}

#define MAP_TEST(test) cmocka_unit_test_setup_teardown(test, setup, teardown)
#define JIT_TEST(test) cmocka_unit_test_setup_teardown(test, jit_setup, jit_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		MAP_TEST(test_addresses_with_and_without_0x_are_read),
		MAP_TEST(test_name_is_the_rest_of_the_line_with_spaces_and_semicolons),
		MAP_TEST(test_malformed_lines_are_skipped_and_counted),
		MAP_TEST(test_address_past_the_end_of_every_entry_is_not_named),
		MAP_TEST(test_later_entries_win_where_they_overlap),
		MAP_TEST(test_appended_lines_are_read_and_the_earlier_kept),
		MAP_TEST(test_line_being_written_is_read_once_it_ends),
		MAP_TEST(test_shrunk_file_is_parsed_from_scratch),
		MAP_TEST(test_replaced_file_is_parsed_from_scratch),
		MAP_TEST(test_file_rewritten_in_place_to_a_larger_size_is_parsed_from_scratch),
		MAP_TEST(test_map_that_disappears_keeps_what_was_read),
		MAP_TEST(test_a_big_map_and_its_growth_stay_one_table_each_address_once),
		MAP_TEST(test_symbolic_link_and_other_users_maps_are_not_read),
		JIT_TEST(test_anonymous_and_unmapped_code_is_named_by_the_processes_perf_map),
		JIT_TEST(test_perf_map_is_the_processes_not_anothers),
		JIT_TEST(test_symbolizer_reads_what_the_jit_appended),
		JIT_TEST(test_malformed_perf_map_lines_are_counted_by_the_symbolizer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
