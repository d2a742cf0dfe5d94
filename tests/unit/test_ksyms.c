// SPDX-License-Identifier: GPL-2.0
/* test_ksyms.c: kernel symbols from the tests' own kallsyms files, with module and BPF bounds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "ksyms.h"

/* What ksyms re-reads at most once per, after a miss (RETRY_NS in ksyms.c), and a margin. */
#define RETRY_WAIT_NS 1050000000L

/* Core text as the kernel lays it out: text, _etext, init text, _einittext. */
#define CORE                                                                                       \
	"ffffffff81000000 T _stext\n"                                                              \
	"ffffffff81000000 T core_first\n"                                                          \
	"ffffffff81000400 t core_last\n"                                                           \
	"ffffffff81001000 T _etext\n"                                                              \
	"ffffffff82000000 T _sinittext\n"                                                          \
	"ffffffff82000000 t init_fn\n"                                                             \
	"ffffffff82000800 T _einittext\n"

/* Two BPF programs as kallsyms lists them, with the JITed lengths bpf(2) gives. */
#define PROG_FIRST     "bpf_prog_3d65d34c6073f1c7_spin_first"
#define PROG_FIRST_AT  0xffffffffc00010c8ULL
#define PROG_GUARD     "bpf_prog_5192a770273226d6_spin_guard"
#define PROG_GUARD_AT  0xffffffffc0006f58ULL
#define PROG_SECOND    "bpf_prog_46013a5da2633e97_spin_second"
#define PROG_SECOND_AT 0xffffffffc0002898ULL
#define PROG_LEN       6040

struct fixture {
	struct ksyms *k;
	char kallsyms[64], modules[64];
};

/* An empty file from a mkstemp template; fails the setup when it cannot be made. */
static int make_temp(char *path, size_t size, const char *template)
{
	int fd;

	snprintf(path, size, "%s", template);
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	*state = f;
	f->k = ksyms__new(false /* warn */);
	if (!f->k || make_temp(f->kallsyms, sizeof(f->kallsyms), "/tmp/vigil-kallsyms-XXXXXX") ||
	    make_temp(f->modules, sizeof(f->modules), "/tmp/vigil-modules-XXXXXX"))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	ksyms__free(f->k);
	if (f->kallsyms[0])
		unlink(f->kallsyms);
	if (f->modules[0])
		unlink(f->modules);
	free(f);
	return 0;
}

/* Replace the contents of path with text. */
static void write_file(const char *path, const char *text)
{
	size_t len = strlen(text);
	int fd = open(path, O_WRONLY | O_TRUNC);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

static void use_kallsyms(struct fixture *f, const char *text)
{
	write_file(f->kallsyms, text);
	assert_int_equal(ksyms__set_kallsyms(f->k, f->kallsyms), 0);
}

static void use_modules(struct fixture *f, const char *text)
{
	write_file(f->modules, text);
	assert_int_equal(ksyms__set_modules(f->k, f->modules), 0);
}

/* The name of addr, or "[unknown]" for a miss, as a frame would show it. */
static const char *name_of(struct ksyms *k, __u64 addr)
{
	const char *name;
	int err = ksyms__lookup(k, addr, &name);

	assert_true(err == 0 || err == -ENOENT);
	return err ? "[unknown]" : name;
}

static unsigned long reads(struct ksyms *k)
{
	struct ksyms_stats st;

	ksyms__stats(k, &st);
	return st.reads;
}

/* ------------------------------------------------------------------------
 * Core kernel text
 * ------------------------------------------------------------------------ */

static void test_core_symbols_end_at_the_next_and_at_etext_and_einittext(void **state)
{
	struct fixture *f = *state;

	use_kallsyms(f, CORE);
	assert_string_equal(name_of(f->k, 0xffffffff81000010ULL), "core_first");
	assert_string_equal(name_of(f->k, 0xffffffff81000400ULL), "core_last");
	assert_string_equal(name_of(f->k, 0xffffffff81000fffULL), "core_last");
	/* past _etext, and past _einittext (where module space lies), no core name applies */
	assert_string_equal(name_of(f->k, 0xffffffff81001000ULL), "[unknown]");
	assert_string_equal(name_of(f->k, 0xffffffff81800000ULL), "[unknown]");
	assert_string_equal(name_of(f->k, 0xffffffff82000100ULL), "init_fn");
	assert_string_equal(name_of(f->k, 0xffffffff82000800ULL), "[unknown]");
	assert_string_equal(name_of(f->k, 0xffffffffc0000000ULL), "[unknown]");
}

/* The core text's range: _stext (or _text, which wins) to _etext; unknown before a read. */
static void test_core_text_is_stext_or_text_to_etext(void **state)
{
	struct fixture *f = *state;
	__u64 start = 1, end = 1;

	assert_int_equal(ksyms__core_text(f->k, &start, &end), -ENOENT);
	use_kallsyms(f, "ffffffff80fff000 T _text\n" CORE);
	assert_string_equal(name_of(f->k, 0xffffffff81000010ULL), "core_first");
	assert_int_equal(ksyms__core_text(f->k, &start, &end), 0);
	assert_true(start == 0xffffffff80fff000ULL);
	assert_true(end == 0xffffffff81001000ULL);
}

static void test_core_text_without_etext_is_unknown(void **state)
{
	struct fixture *f = *state;
	__u64 start, end;

	use_kallsyms(f, "ffffffff81000000 T _stext\nffffffff81000000 T core_first\n");
	assert_string_equal(name_of(f->k, 0xffffffff81000010ULL), "core_first");
	assert_int_equal(ksyms__core_text(f->k, &start, &end), -ENOENT);
}

/* ------------------------------------------------------------------------
 * Modules
 * ------------------------------------------------------------------------ */

static void test_module_function_ends_at_its_module_end(void **state)
{
	struct fixture *f = *state;

	use_kallsyms(f, CORE "ffffffffc0000000 t mod_a_first\t[mod_a]\n"
			     "ffffffffc0000100 t mod_a_last\t[mod_a]\n"
			     "ffffffffc0010000 T mod_b_fn\t[mod_b]\n");
	use_modules(f, "mod_a 8192 0 - Live 0xffffffffc0000000\n"
		       "mod_b 4096 1 mod_a, Live 0xffffffffc0010000 (OE)\n");
	assert_string_equal(name_of(f->k, 0xffffffffc0000010ULL), "mod_a_first");
	assert_string_equal(name_of(f->k, 0xffffffffc0000150ULL), "mod_a_last");
	assert_string_equal(name_of(f->k, 0xffffffffc0001fffULL), "mod_a_last");
	/* past mod_a's 8 KiB: a module or program loaded since may be there */
	assert_string_equal(name_of(f->k, 0xffffffffc0002000ULL), "[unknown]");
	assert_string_equal(name_of(f->k, 0xffffffffc000f000ULL), "[unknown]");
	assert_string_equal(name_of(f->k, 0xffffffffc0010010ULL), "mod_b_fn");
	assert_string_equal(name_of(f->k, 0xffffffffc0011000ULL), "[unknown]");
}

static void test_module_gone_from_proc_modules_names_nothing(void **state)
{
	struct fixture *f = *state;

	/* gone_fn's module was unloaded between the two reads; stray_fn lies outside mod_a */
	use_kallsyms(f, CORE "ffffffffc0000000 t mod_a_fn\t[mod_a]\n"
			     "ffffffffc0004000 t stray_fn\t[mod_a]\n"
			     "ffffffffc0020000 t gone_fn\t[gone]\n");
	use_modules(f, "mod_a 4096 0 - Live 0xffffffffc0000000\n");
	assert_string_equal(name_of(f->k, 0xffffffffc0000010ULL), "mod_a_fn");
	assert_string_equal(name_of(f->k, 0xffffffffc0004010ULL), "[unknown]");
	assert_string_equal(name_of(f->k, 0xffffffffc0020010ULL), "[unknown]");
}

static void test_module_symbols_without_modules_file_end_at_the_next_symbol(void **state)
{
	struct fixture *f = *state;

	use_kallsyms(f, CORE "ffffffffc0000000 t mod_a_fn\t[mod_a]\n"
			     "ffffffffc0004000 t mod_b_fn\t[mod_b]\n");
	assert_string_equal(name_of(f->k, 0xffffffffc0003000ULL), "mod_a_fn");
	assert_string_equal(name_of(f->k, 0xffffffffc0004010ULL), "mod_b_fn");
}

/* ------------------------------------------------------------------------
 * BPF programs
 * ------------------------------------------------------------------------ */

static void test_bpf_program_covers_its_jited_length_only(void **state)
{
	struct fixture *f = *state;

	use_kallsyms(f, CORE "ffffffffc00010c8 t " PROG_FIRST "\t[bpf]\n"
			     "ffffffffc0006f58 t " PROG_GUARD "\t[bpf]\n");
	assert_int_equal(ksyms__add_bpf_range(f->k, PROG_FIRST_AT, PROG_LEN), 0);
	assert_int_equal(ksyms__add_bpf_range(f->k, PROG_GUARD_AT, PROG_LEN), 0);
	assert_string_equal(name_of(f->k, PROG_FIRST_AT), PROG_FIRST);
	assert_string_equal(name_of(f->k, PROG_FIRST_AT + PROG_LEN - 1), PROG_FIRST);
	assert_string_equal(name_of(f->k, PROG_FIRST_AT + PROG_LEN), "[unknown]");
	/* where a program loaded after the read lies: not the program before it */
	assert_string_equal(name_of(f->k, PROG_SECOND_AT + 0x40), "[unknown]");
	assert_string_equal(name_of(f->k, PROG_GUARD_AT + 0x100), PROG_GUARD);
	assert_string_equal(name_of(f->k, PROG_GUARD_AT + PROG_LEN), "[unknown]");
}

static void test_bpf_program_without_a_range_names_nothing(void **state)
{
	struct fixture *f = *state;

	/* in kallsyms, but bpf(2) did not list it: unloaded between the reads */
	use_kallsyms(f, CORE "ffffffffc00010c8 t " PROG_FIRST "\t[bpf]\n"
			     "ffffffffc0006f58 t " PROG_GUARD "\t[bpf]\n");
	assert_int_equal(ksyms__add_bpf_range(f->k, PROG_GUARD_AT, PROG_LEN), 0);
	assert_string_equal(name_of(f->k, PROG_FIRST_AT + 0x10), "[unknown]");
	assert_string_equal(name_of(f->k, PROG_GUARD_AT + 0x10), PROG_GUARD);
}

static void test_bpf_programs_without_ranges_end_at_the_next_symbol(void **state)
{
	struct fixture *f = *state;

	/* a saved kallsyms file, or bpf(2) refused: nothing better is known */
	use_kallsyms(f, CORE "ffffffffc00010c8 t " PROG_FIRST "\t[bpf]\n"
			     "ffffffffc0006f58 t " PROG_GUARD "\t[bpf]\n");
	assert_string_equal(name_of(f->k, PROG_SECOND_AT), PROG_FIRST);
	assert_string_equal(name_of(f->k, PROG_GUARD_AT + 0x10), PROG_GUARD);
}

static void test_bpf_trampolines_and_builtin_code_end_within_a_page(void **state)
{
	struct fixture *f = *state;
	long page = sysconf(_SC_PAGESIZE);

	use_kallsyms(f, CORE "ffffffffc0100000 t bpf_trampoline_6442491040\t[bpf]\n"
			     "ffffffffc0200000 t bpf_dispatcher_xdp\t[bpf]\n"
			     "ffffffffc0300000 t ftrace_trampoline\t[__builtin__ftrace]\n"
			     "ffffffffc0400000 t bpf_prog_0000000000000000\t[bpf]\n");
	assert_int_equal(ksyms__add_bpf_range(f->k, 0xffffffffc0400000ULL, 64), 0);
	assert_string_equal(name_of(f->k, 0xffffffffc0100010ULL), "bpf_trampoline_6442491040");
	assert_string_equal(name_of(f->k, 0xffffffffc0100000ULL + page), "[unknown]");
	assert_string_equal(name_of(f->k, 0xffffffffc0200000ULL + page - 1), "bpf_dispatcher_xdp");
	assert_string_equal(name_of(f->k, 0xffffffffc0200000ULL + page), "[unknown]");
	assert_string_equal(name_of(f->k, 0xffffffffc0300020ULL), "ftrace_trampoline");
	assert_string_equal(name_of(f->k, 0xffffffffc0300000ULL + page), "[unknown]");
}

static void sleep_ns(long ns)
{
	struct timespec ts = {.tv_sec = ns / 1000000000L, .tv_nsec = ns % 1000000000L};

	while (nanosleep(&ts, &ts))
		;
}

static void test_program_loaded_after_the_read_is_named_after_a_reread(void **state)
{
	struct fixture *f = *state;

	use_kallsyms(f, CORE "ffffffffc00010c8 t " PROG_FIRST "\t[bpf]\n"
			     "ffffffffc0006f58 t " PROG_GUARD "\t[bpf]\n");
	assert_int_equal(ksyms__add_bpf_range(f->k, PROG_FIRST_AT, PROG_LEN), 0);
	assert_int_equal(ksyms__add_bpf_range(f->k, PROG_GUARD_AT, PROG_LEN), 0);
	assert_string_equal(name_of(f->k, PROG_FIRST_AT + 0x10), PROG_FIRST);
	assert_int_equal(reads(f->k), 1);

	/* spin_second is loaded into the gap between the two */
	write_file(f->kallsyms, CORE "ffffffffc00010c8 t " PROG_FIRST "\t[bpf]\n"
				     "ffffffffc0002898 t " PROG_SECOND "\t[bpf]\n"
				     "ffffffffc0006f58 t " PROG_GUARD "\t[bpf]\n");
	assert_int_equal(ksyms__add_bpf_range(f->k, PROG_SECOND_AT, PROG_LEN), 0);
	/* a miss within a second of the last read reads nothing: [unknown], not spin_first */
	assert_string_equal(name_of(f->k, PROG_SECOND_AT + 0x10), "[unknown]");
	assert_int_equal(reads(f->k), 1);

	sleep_ns(RETRY_WAIT_NS);
	/* a hit reads nothing, however old the table */
	assert_string_equal(name_of(f->k, PROG_FIRST_AT + 0x10), PROG_FIRST);
	assert_int_equal(reads(f->k), 1);
	/* a miss a second on reads again and finds it */
	assert_string_equal(name_of(f->k, PROG_SECOND_AT + 0x10), PROG_SECOND);
	assert_int_equal(reads(f->k), 2);
	assert_string_equal(name_of(f->k, PROG_FIRST_AT + 0x10), PROG_FIRST);
}

#define FRESH(test) cmocka_unit_test_setup_teardown(test, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		FRESH(test_core_symbols_end_at_the_next_and_at_etext_and_einittext),
		FRESH(test_core_text_is_stext_or_text_to_etext),
		FRESH(test_core_text_without_etext_is_unknown),
		FRESH(test_module_function_ends_at_its_module_end),
		FRESH(test_module_gone_from_proc_modules_names_nothing),
		FRESH(test_module_symbols_without_modules_file_end_at_the_next_symbol),
		FRESH(test_bpf_program_covers_its_jited_length_only),
		FRESH(test_bpf_program_without_a_range_names_nothing),
		FRESH(test_bpf_programs_without_ranges_end_at_the_next_symbol),
		FRESH(test_bpf_trampolines_and_builtin_code_end_within_a_page),
		FRESH(test_program_loaded_after_the_read_is_named_after_a_reread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
