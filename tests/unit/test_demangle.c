// SPDX-License-Identifier: GPL-2.0
/* test_demangle.c: C++ and Rust names demangled, each once, also in frames; other names kept. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "demangle.h"
#include "strtab.h"
#include "symbolizer.h"

#define ADDR(p) ((__u64)(uintptr_t)(p))

#define CACHE_TEST_NAMES 5000 /* past the cache's first size many times */

struct fixture {
	struct strtab *strs;
	struct demangler *d;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->strs = strtab__new();
	f->d = f->strs ? demangler__new(f->strs) : NULL;
	*state = f;
	return f->d ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	demangler__free(f->d);
	strtab__free(f->strs);
	free(f);
	return 0;
}

static void expect_name(struct demangler *d, const char *raw, const char *want)
{
	const char *got = demangler__name(d, raw);

	assert_non_null(got);
	assert_string_equal(got, want);
}

static struct demangler_stats stats_of(struct demangler *d)
{
	struct demangler_stats st;

	demangler__stats(d, &st);
	return st;
}

/* ------------------------------------------------------------------------
 * C++
 * ------------------------------------------------------------------------ */

static void test_cxx_templates_keep_every_argument_and_the_parameters(void **state)
{
	struct fixture *f = *state;

	expect_name(f->d, "_ZN3BoxISt6vectorIiSaIiEEE4spinEi",
		    "Box<std::vector<int, std::allocator<int> > >::spin(int)");
	/* a function template: its return type, and the nested defaults spelled out */
	expect_name(f->d,
		    "_ZN4work4takeISt3mapIiSt6vectorIcSaIcEESt4lessIiESaISt4pairIKiS4_EEEEEvRKT_",
		    "void work::take<std::map<int, std::vector<char, std::allocator<char> >, "
		    "std::less<int>, std::allocator<std::pair<int const, std::vector<char, "
		    "std::allocator<char> > > > > >(std::map<int, std::vector<char, "
		    "std::allocator<char> >, std::less<int>, std::allocator<std::pair<int const, "
		    "std::vector<char, std::allocator<char> > > > > const&)");
	assert_int_equal(stats_of(f->d).demangled, 2);
}

static void test_cxx_operators_constructors_and_lambdas(void **state)
{
	struct fixture *f = *state;

	expect_name(f->d, "_ZplRK1AS1_", "operator+(A const&, A const&)");
	expect_name(f->d, "_ZNK4work3VecixEm", "work::Vec::operator[](unsigned long) const");
	expect_name(f->d, "_ZNK4work3VeceqERKS0_", "work::Vec::operator==(work::Vec const&) const");
	expect_name(f->d, "_ZN4work1AC2Ev", "work::A::A()");
	expect_name(f->d, "_ZN4work1AD1Ev", "work::A::~A()");
	expect_name(f->d, "_ZZ4mainENKUliE_clEi", "main::{lambda(int)#1}::operator()(int) const");
	/* the part GCC splits off a function it optimises */
	expect_name(f->d, "_ZN3foo3barEv.cold", "foo::bar() [clone .cold]");
}

/* ------------------------------------------------------------------------
 * Rust
 * ------------------------------------------------------------------------ */

static void test_rust_legacy_names_lose_their_hash(void **state)
{
	struct fixture *f = *state;

	expect_name(f->d, "_ZN4core3fmt5write17h0123456789abcdefE", "core::fmt::write");
	expect_name(f->d, "_ZN3std2rt10lang_start17h05af221e174051e9E.llvm.1234",
		    "std::rt::lang_start");
	/* $LT$, $GT$, $u7b$ and .. are <, >, { and :: */
	expect_name(f->d,
		    "_ZN4core3ptr85drop_in_place$LT$std..rt..lang_start$LT$$LP$$RP$$GT$..$u7b$$u7b$"
		    "closure$u7d$$u7d$$GT$17h0123456789abcdefE",
		    "core::ptr::drop_in_place<std::rt::lang_start<()>::{{closure}}>");
	/* $u5b$, $u3b$, $u20$, $u5d$: [, ;, a space and ] */
	expect_name(f->d,
		    "_ZN4core3ptr44drop_in_place$LT$$u5b$u8$u3b$$u20$4$u5d$$GT$"
		    "17h0123456789abcdefE",
		    "core::ptr::drop_in_place<[u8; 4]>");
	/* not 16 hex digits: not Rust's hash, so the name is C++'s */
	expect_name(f->d, "_ZN4test17hxxxxxxxxxxxxxxxxE", "test::hxxxxxxxxxxxxxxxx");
}

static void test_rust_v0_names_lose_crate_disambiguators(void **state)
{
	struct fixture *f = *state;

	expect_name(f->d, "_RNvNtCs9ltgdHTiPiY_4core3fmt5write", "core::fmt::write");
	expect_name(f->d, "_RNvCs1234_7mycrate3foo", "mycrate::foo");
	expect_name(f->d, "_RNCNvCsgStHSCytQ6I_4main4main0B3_", "main::main::{closure#0}");
	expect_name(f->d, "_RINvCskmHCa7sMhEz_4main3fooNtB2_3BarE", "main::foo::<main::Bar>");
	expect_name(f->d, "_RINvNtCsbDqzXfLQacH_4core3ptr13drop_in_placeAhj4_E",
		    "core::ptr::drop_in_place::<[u8; 4]>");
	expect_name(f->d, "_RNvNtCs1234_7mycrate3foo3bar.llvm.999", "mycrate::foo::bar");
}

/* ------------------------------------------------------------------------
 * Names kept as they are
 * ------------------------------------------------------------------------ */

static void test_plain_names_come_back_unchanged_and_interned(void **state)
{
	struct fixture *f = *state;
	static const char *const plain[] = {
		"main", "burn_three", "_start", "__libc_start_main", "_raw_spin_lock", "Z", "_", "",
	};

	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		const char *got = demangler__name(f->d, plain[i]);

		assert_string_equal(got, plain[i]);
		assert_ptr_equal(got, strtab__intern(f->strs, plain[i]));
	}
	/* they never reach libiberty nor the cache */
	assert_int_equal(stats_of(f->d).demangled + stats_of(f->d).kept_raw, 0);
}

static void test_names_that_fail_to_demangle_are_kept_raw(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {
		"_Z", "_R", "_ZN", "_Zgarbage", "_ZN3foo", "_RNv", "_RNvC999_x",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_name(f->d, bad[i], bad[i]);
	/* GCC's static initialisers: not mangled names (libiberty reads some _GLOBAL_ ones) */
	expect_name(f->d, "_GLOBAL__sub_I_main.cpp", "_GLOBAL__sub_I_main.cpp");
	assert_int_equal(stats_of(f->d).demangled, 0);
	assert_int_equal(stats_of(f->d).kept_raw, 7);
}

/* ------------------------------------------------------------------------
 * The cache
 * ------------------------------------------------------------------------ */

static void test_each_name_is_demangled_once(void **state)
{
	struct fixture *f = *state;
	const char *first, *again, *bad;
	struct demangler_stats st;

	first = demangler__name(f->d, "_ZN3BoxISt6vectorIiSaIiEEE4spinEi");
	bad = demangler__name(f->d, "_Zgarbage");
	for (int i = 0; i < 10; i++) {
		char raw[64];

		/* a copy, so the cache matches by content, not by the caller's pointer */
		snprintf(raw, sizeof(raw), "%s", "_ZN3BoxISt6vectorIiSaIiEEE4spinEi");
		again = demangler__name(f->d, raw);
		assert_ptr_equal(again, first);
		assert_ptr_equal(demangler__name(f->d, "_Zgarbage"), bad);
	}
	st = stats_of(f->d);
	assert_int_equal(st.demangled, 1);
	assert_int_equal(st.kept_raw, 1);
	assert_int_equal(st.cache_hits, 20);
}

/* The mangled name of the C++ function "void fnI()": _Z, the name's length, the name, v. */
static void fn_names(int i, char *raw, char *want, size_t size)
{
	char fn[16];

	snprintf(fn, sizeof(fn), "fn%d", i);
	snprintf(raw, size, "_Z%zu%sv", strlen(fn), fn);
	snprintf(want, size, "%s()", fn);
}

/* Thousands of names: the cache grows and every one still maps to its own name. */
static void test_cache_grows_and_keeps_every_name(void **state)
{
	struct fixture *f = *state;
	const char *got[CACHE_TEST_NAMES];
	char raw[32], want[32];

	for (int i = 0; i < CACHE_TEST_NAMES; i++) {
		fn_names(i, raw, want, sizeof(raw));
		got[i] = demangler__name(f->d, raw);
		assert_non_null(got[i]);
	}
	for (int i = 0; i < CACHE_TEST_NAMES; i++) {
		fn_names(i, raw, want, sizeof(raw));
		assert_string_equal(got[i], want);
		assert_ptr_equal(demangler__name(f->d, raw), got[i]);
	}
	assert_int_equal(stats_of(f->d).demangled, CACHE_TEST_NAMES);
	assert_int_equal(stats_of(f->d).cache_hits, CACHE_TEST_NAMES);
}

/* ------------------------------------------------------------------------
 * Through the symbolizer
 * ------------------------------------------------------------------------ */

volatile int test_sink;

/* Functions of this test binary under the linkage names a C++ or Rust compiler gives. */
static int cxx_worker(int n) __asm__("_ZN4work6workerEi");
static int rust_legacy_write(int n) __asm__("_ZN4core3fmt5write17h0123456789abcdefE");
static int rust_v0_write(int n) __asm__("_RNvNtCs9ltgdHTiPiY_4core3fmt5write");

static __attribute__((noinline, used)) int cxx_worker(int n)
{
	for (int i = 0; i < n; i++)
		test_sink += i;
	return test_sink;
}

static __attribute__((noinline, used)) int rust_legacy_write(int n)
{
	for (int i = 0; i < n; i++)
		test_sink += i * 2;
	return test_sink;
}

static __attribute__((noinline, used)) int rust_v0_write(int n)
{
	for (int i = 0; i < n; i++)
		test_sink += i * 3;
	return test_sink;
}

static void expect_user(struct symbolizer *s, __u64 addr, const char *want)
{
	const char *got = symbolizer__user(s, getpid(), addr, false /* is_return */);

	assert_non_null(got);
	assert_string_equal(got, want);
}

static void test_symbolizer_demangles_user_frames_unless_told_not_to(void **state)
{
	struct symbolizer_opts on = {.warn = false}, off = {.warn = false, .no_demangle = true};
	struct symbolizer *s;

	(void)state;
	s = symbolizer__new(&on);
	assert_non_null(s);
	expect_user(s, ADDR(cxx_worker), "work::worker(int)");
	expect_user(s, ADDR(rust_legacy_write), "core::fmt::write");
	expect_user(s, ADDR(rust_v0_write), "core::fmt::write");
	/* one interned name for both Rust spellings of one path */
	assert_ptr_equal(symbolizer__user(s, getpid(), ADDR(rust_legacy_write), false),
			 symbolizer__user(s, getpid(), ADDR(rust_v0_write), false));
	symbolizer__free(s);

	s = symbolizer__new(&off);
	assert_non_null(s);
	expect_user(s, ADDR(cxx_worker), "_ZN4work6workerEi");
	expect_user(s, ADDR(rust_legacy_write), "_ZN4core3fmt5write17h0123456789abcdefE");
	expect_user(s, ADDR(rust_v0_write), "_RNvNtCs9ltgdHTiPiY_4core3fmt5write");
	symbolizer__free(s);
}

/* A kernel with Rust in it (Rust for Linux) has v0 names in kallsyms. */
static void test_symbolizer_demangles_kernel_rust_names(void **state)
{
	static const char lines[] = "ffffffff81000000 T _stext\n"
				    "ffffffff81000100 T _RNvNtCs1234_6kernel5print11call_printk\n"
				    "ffffffff81000200 T schedule\n";
	struct symbolizer_opts opts = {.warn = false};
	char path[] = "/tmp/vigil-kallsyms-XXXXXX";
	struct symbolizer *s;
	const char *name;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, lines, sizeof(lines) - 1), sizeof(lines) - 1);
	close(fd);
	s = symbolizer__new(&opts);
	assert_non_null(s);
	assert_int_equal(symbolizer__set_kallsyms(s, path), 0);
	name = symbolizer__kernel(s, 0xffffffff81000180ULL);
	assert_non_null(name);
	assert_string_equal(name, "kernel::print::call_printk");
	name = symbolizer__kernel(s, 0xffffffff81000200ULL);
	assert_non_null(name);
	assert_string_equal(name, "schedule");
	symbolizer__free(s);
	unlink(path);
}

#define FRESH(test) cmocka_unit_test_setup_teardown(test, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		FRESH(test_cxx_templates_keep_every_argument_and_the_parameters),
		FRESH(test_cxx_operators_constructors_and_lambdas),
		FRESH(test_rust_legacy_names_lose_their_hash),
		FRESH(test_rust_v0_names_lose_crate_disambiguators),
		FRESH(test_plain_names_come_back_unchanged_and_interned),
		FRESH(test_names_that_fail_to_demangle_are_kept_raw),
		FRESH(test_each_name_is_demangled_once),
		FRESH(test_cache_grows_and_keeps_every_name),
		cmocka_unit_test(test_symbolizer_demangles_user_frames_unless_told_not_to),
		cmocka_unit_test(test_symbolizer_demangles_kernel_rust_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
