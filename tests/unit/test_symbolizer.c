// SPDX-License-Identifier: GPL-2.0
/* test_symbolizer.c: the symbolizer names addresses in this test and in libraries it loads. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "elf_syms.h"
#include "symbolizer.h"

/* Built by tests/unit/fixtures.mk; the test runs from the project root. */
#define FIXTURES "build/fixtures/"

#define ADDR(p) ((__u64)(uintptr_t)(p))

volatile int test_sink;

/* A static function of this PIE test binary: only .symtab names it. */
static __attribute__((noinline, used)) int pie_static_work(int n)
{
	for (int i = 0; i < n; i++)
		test_sink += i * 3;
	return test_sink;
}

/*
 * pie_ret_first is one return instruction and pie_ret_second starts right
 * after it: a call ending pie_ret_first would return to pie_ret_second's
 * first byte, which must then be blamed on pie_ret_first.
 */
__asm__(".pushsection .text\n"
	".type pie_ret_first, @function\n"
	"pie_ret_first:\n"
	"\tret\n"
	".size pie_ret_first, . - pie_ret_first\n"
	".type pie_ret_second, @function\n"
	"pie_ret_second:\n"
	"\tret\n"
	".size pie_ret_second, . - pie_ret_second\n"
	".popsection\n");
extern __attribute__((visibility("hidden"))) void pie_ret_first(void);
extern __attribute__((visibility("hidden"))) void pie_ret_second(void);

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

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

static void expect_user(struct symbolizer *s, pid_t pid, __u64 addr, bool is_return,
			const char *want)
{
	const char *got = symbolizer__user(s, pid, addr, is_return);

	assert_non_null(got);
	assert_string_equal(got, want);
}

static void *load_fixture(const char *path)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);

	if (!h)
		fail_msg("dlopen %s: %s (build it with make)", path, dlerror());
	return h;
}

static void *fixture_sym(void *h, const char *name)
{
	void *p = dlsym(h, name);

	if (!p)
		fail_msg("dlsym %s: %s", name, dlerror());
	return p;
}

/* Call a fixture's getter that returns the address of one of its static functions. */
static __u64 fixture_getter(void *h, const char *getter)
{
	void *(*get)(void) = (void *(*)(void))fixture_sym(h, getter);

	return ADDR(get());
}

struct self_map {
	__u64 start, end, pgoff;
	char path[PATH_MAX];
};

/* The line of /proc/self/maps that holds addr; fails the test when there is none. */
static void self_mapping(__u64 addr, struct self_map *m)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[PATH_MAX + 128];
	bool found = false;

	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long long start, end, pgoff;
		int n, pos = 0;

		n = sscanf(line, "%llx-%llx %*s %llx %*x:%*x %*u %n", &start, &end, &pgoff, &pos);
		if (n != 3 || addr < start || addr >= end)
			continue;
		m->start = start;
		m->end = end;
		m->pgoff = pgoff;
		snprintf(m->path, sizeof(m->path), "%.*s", (int)strcspn(line + pos, "\n"),
			 line + pos);
		found = true;
	}
	fclose(f);
	if (!found)
		fail_msg("address 0x%llx is in no mapping of /proc/self/maps",
			 (unsigned long long)addr);
}

/* "BASENAME+0xOFFSET" for addr, from /proc/self/maps: what a frame without a symbol shows. */
static void file_offset_name(__u64 addr, const char *base, char *buf, size_t size)
{
	struct self_map m;

	self_mapping(addr, &m);
	snprintf(buf, size, "%s+0x%llx", base, (unsigned long long)(addr - m.start + m.pgoff));
}

static Elf *elf_open(const char *path, int *fd)
{
	Elf *elf;

	assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
	*fd = open(path, O_RDONLY);
	assert_true(*fd >= 0);
	elf = elf_begin(*fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	return elf;
}

static void elf_close(Elf *elf, int fd)
{
	elf_end(elf);
	close(fd);
}

static int elf_type(const char *path)
{
	GElf_Ehdr eh;
	int fd;
	Elf *elf = elf_open(path, &fd);

	assert_non_null(gelf_getehdr(elf, &eh));
	elf_close(elf, fd);
	return eh.e_type;
}

/* The executable PT_LOAD of an ELF file. */
static void exec_segment(const char *path, GElf_Phdr *out)
{
	bool found = false;
	size_t n, i;
	int fd;
	Elf *elf = elf_open(path, &fd);

	assert_int_equal(elf_getphdrnum(elf, &n), 0);
	for (i = 0; i < n && !found; i++) {
		assert_non_null(gelf_getphdr(elf, i, out));
		found = out->p_type == PT_LOAD && (out->p_flags & PF_X);
	}
	elf_close(elf, fd);
	assert_true(found);
}

static bool has_section_type(const char *path, Elf64_Word type)
{
	Elf_Scn *scn = NULL;
	bool found = false;
	GElf_Shdr sh;
	int fd;
	Elf *elf = elf_open(path, &fd);

	while (!found && (scn = elf_nextscn(elf, scn)))
		found = gelf_getshdr(scn, &sh) && sh.sh_type == type;
	elf_close(elf, fd);
	return found;
}

/* Copy a fixture to a new file in /tmp (writable also as nobody) and dlopen the copy. */
static void *load_temp_copy(const char *src, char *path, size_t size)
{
	char buf[65536];
	ssize_t n;
	int in, out;

	snprintf(path, size, "/tmp/vigil-fix-XXXXXX.so");
	out = mkstemps(path, 3);
	assert_true(out >= 0);
	in = open(src, O_RDONLY);
	assert_true(in >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, n), n);
	assert_int_equal(n, 0);
	close(in);
	close(out);
	return load_fixture(path);
}

/* A child that shares this process's mappings and waits to be killed. */
static pid_t fork_sleeper(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
}

static char *write_temp_file(const char *text)
{
	static char path[64];
	size_t len = strlen(text);
	int fd;

	snprintf(path, sizeof(path), "/tmp/vigil-kallsyms-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

/* Address of a text symbol in /proc/kallsyms (0 when hidden); fails when absent. */
static __u64 kallsyms_addr(const char *name)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	unsigned long long addr = 0;
	char line[512], sym[256], type;
	bool found = false;

	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f)) {
		found = sscanf(line, "%llx %c %255s", &addr, &type, sym) == 3 &&
			(type == 'T' || type == 't') && !strcmp(sym, name);
	}
	fclose(f);
	if (!found)
		fail_msg("/proc/kallsyms has no text symbol %s", name);
	return addr;
}

/* ------------------------------------------------------------------------
 * User frames
 * ------------------------------------------------------------------------ */

static void test_pie_static_function_is_named_at_its_start_and_inside(void **state)
{
	struct symbolizer *s = *state;
	__u64 fn = ADDR(pie_static_work);

	assert_int_equal(elf_type("/proc/self/exe"), ET_DYN); /* the test is a PIE */
	expect_user(s, getpid(), fn, false, "pie_static_work");
	expect_user(s, getpid(), fn + 2, false, "pie_static_work");
}

static void test_return_address_is_looked_up_one_byte_before(void **state)
{
	struct symbolizer *s = *state;
	__u64 first = ADDR(pie_ret_first), second = ADDR(pie_ret_second);

	assert_true(first < second);
	expect_user(s, getpid(), first, false, "pie_ret_first");
	expect_user(s, getpid(), second, false, "pie_ret_second");
	expect_user(s, getpid(), second, true /* is_return */, "pie_ret_first");
}

static void test_shared_library_exported_and_static_functions_are_named(void **state)
{
	struct symbolizer *s = *state;
	void *h = load_fixture(FIXTURES "libfix_plain.so");

	expect_user(s, getpid(), ADDR(fixture_sym(h, "fix_plain_exported")), false,
		    "fix_plain_exported");
	expect_user(s, getpid(), fixture_getter(h, "fix_plain_static_addr"), false,
		    "fix_plain_static");
	dlclose(h);
}

static void test_aliases_prefer_global_over_weak_over_local_then_shorter(void **state)
{
	struct symbolizer *s = *state;
	void *h = load_fixture(FIXTURES "libfix_plain.so");
	__u64 gl = ADDR(fixture_sym(h, "fix_alias_gl"));

	/* fx_l (local), fx_w (weak), fix_alias_gl, fix_alias_global_longer: one address */
	assert_int_equal(ADDR(fixture_sym(h, "fx_w")), gl);
	assert_int_equal(ADDR(fixture_sym(h, "fix_alias_global_longer")), gl);
	expect_user(s, getpid(), gl, false, "fix_alias_gl");
	dlclose(h);
}

static void test_lld_library_whose_code_vaddr_differs_from_offset_is_named(void **state)
{
	struct symbolizer *s = *state;
	GElf_Phdr ph;
	void *h;

	exec_segment(FIXTURES "libfix_lld.so", &ph);
	assert_int_not_equal(ph.p_vaddr, ph.p_offset);
	h = load_fixture(FIXTURES "libfix_lld.so");
	expect_user(s, getpid(), ADDR(fixture_sym(h, "fix_lld_exported")), false,
		    "fix_lld_exported");
	expect_user(s, getpid(), fixture_getter(h, "fix_lld_static_addr"), false, "fix_lld_static");
	dlclose(h);
}

static void test_stripped_library_names_dynsym_and_offsets_the_rest(void **state)
{
	struct symbolizer *s = *state;
	__u64 before, hidden, after;
	char want[PATH_MAX];
	const char *got;
	void *h;

	assert_false(has_section_type(FIXTURES "libfix_stripped.so", SHT_SYMTAB));
	h = load_fixture(FIXTURES "libfix_stripped.so");
	before = ADDR(fixture_sym(h, "fix_stripped_before"));
	after = ADDR(fixture_sym(h, "fix_stripped_after"));
	hidden = fixture_getter(h, "fix_stripped_hidden_addr");
	assert_true(before < hidden && hidden < after); /* the static one has neighbours */

	expect_user(s, getpid(), before, false, "fix_stripped_before");
	expect_user(s, getpid(), after, false, "fix_stripped_after");
	file_offset_name(hidden, "libfix_stripped.so", want, sizeof(want));
	got = symbolizer__user(s, getpid(), hidden, false);
	assert_non_null(got);
	assert_string_not_equal(got, "fix_stripped_before");
	assert_string_equal(got, want);
	dlclose(h);
}

/*
 * A stripped copy shares its build id with the unstripped file: the copy,
 * parsed first, must not lend its .dynsym to the unstripped file, whose
 * .symtab names the static function.
 */
static void test_stripped_copy_does_not_name_its_unstripped_twin(void **state)
{
	struct symbolizer *s = *state;
	void *stripped = load_fixture(FIXTURES "libfix_stripped.so"), *full;
	char want[PATH_MAX];
	__u64 hidden;

	hidden = fixture_getter(stripped, "fix_stripped_hidden_addr");
	file_offset_name(hidden, "libfix_stripped.so", want, sizeof(want));
	expect_user(s, getpid(), hidden, false, want);
	full = load_fixture(FIXTURES "libfix_stripped.full.so");
	expect_user(s, getpid(), fixture_getter(full, "fix_stripped_hidden_addr"), false,
		    "fix_stripped_hidden");
	dlclose(full);
	dlclose(stripped);
}

/*
 * Two builds with one build id whose static functions are named apart:
 * each is named from its own .symtab, not from the first one parsed.
 */
static void test_builds_sharing_a_build_id_keep_their_own_names(void **state)
{
	struct symbolizer *s = *state;
	__u8 id_a[ELF_BUILD_ID_MAX], id_b[ELF_BUILD_ID_MAX];
	size_t len_a = 0, len_b = 0;
	int fd_a, fd_b;
	void *a, *b;

	fd_a = open(FIXTURES "libfix_variant_aa.so", O_RDONLY);
	fd_b = open(FIXTURES "libfix_variant_bb.so", O_RDONLY);
	assert_true(fd_a >= 0 && fd_b >= 0);
	assert_int_equal(elf_read_build_id(fd_a, id_a, sizeof(id_a), &len_a), 0);
	assert_int_equal(elf_read_build_id(fd_b, id_b, sizeof(id_b), &len_b), 0);
	close(fd_a);
	close(fd_b);
	/* the premise: the linker gave both one build id */
	assert_int_equal(len_a, len_b);
	assert_memory_equal(id_a, id_b, len_a);

	a = load_fixture(FIXTURES "libfix_variant_aa.so");
	b = load_fixture(FIXTURES "libfix_variant_bb.so");
	expect_user(s, getpid(), fixture_getter(a, "fix_variant_static_addr"), false,
		    "fix_variant_aa");
	expect_user(s, getpid(), fixture_getter(b, "fix_variant_static_addr"), false,
		    "fix_variant_bb");
	dlclose(b);
	dlclose(a);
}

static void test_address_past_a_symbols_end_is_not_that_symbol(void **state)
{
	struct symbolizer *s = *state;
	__u64 sized, gap, table;
	char want[PATH_MAX];
	void *h = load_fixture(FIXTURES "libfix_plain.so");

	/* fix_sized: one ret (1 byte on x86-64, 4 on arm64), then 32 bytes no symbol covers */
	sized = ADDR(fixture_sym(h, "fix_sized"));
	gap = sized + 16;
	assert_true(gap < ADDR(fixture_sym(h, "fix_after_gap")));
	expect_user(s, getpid(), sized, false, "fix_sized");
	file_offset_name(gap, "libfix_plain.so", want, sizeof(want));
	expect_user(s, getpid(), gap, false, want);
	expect_user(s, getpid(), ADDR(fixture_sym(h, "fix_after_gap")), false, "fix_after_gap");

	/* inside a data object: no function is named */
	table = ADDR(fixture_sym(h, "fix_plain_table")) + 8;
	file_offset_name(table, "libfix_plain.so", want, sizeof(want));
	expect_user(s, getpid(), table, false, want);
	dlclose(h);
}

static void test_symbol_without_size_ends_where_the_next_begins(void **state)
{
	struct symbolizer *s = *state;
	void *h = load_fixture(FIXTURES "libfix_plain.so");
	__u64 unsized = ADDR(fixture_sym(h, "fix_unsized"));

	/* fix_unsized: nop, nop, ret, no .size; fix_sized follows at once */
	assert_true(unsized < ADDR(fixture_sym(h, "fix_sized")));
	expect_user(s, getpid(), unsized, false, "fix_unsized");
	expect_user(s, getpid(), unsized + 2, false, "fix_unsized");
	expect_user(s, getpid(), ADDR(fixture_sym(h, "fix_sized")), false, "fix_sized");
	dlclose(h);
}

static void test_one_library_in_two_processes_is_parsed_once(void **state)
{
	struct symbolizer *s = *state;
	struct symbolizer_stats before, after;
	void *h = load_fixture(FIXTURES "libfix_plain.so");
	__u64 fn = ADDR(fixture_sym(h, "fix_plain_exported"));
	pid_t child;

	expect_user(s, getpid(), fn, false, "fix_plain_exported");
	before = stats_of(s);
	assert_int_equal(before.files_parsed, 1);

	child = fork_sleeper(); /* shares the library's mapping */
	expect_user(s, child, fn, false, "fix_plain_exported");
	after = stats_of(s);
	reap(child);

	assert_int_equal(after.files_parsed, before.files_parsed);
	assert_int_equal(after.file_cache_hits, before.file_cache_hits + 1);
	assert_int_equal(after.maps_reads, before.maps_reads + 1); /* one per pid */
	dlclose(h);
}

static void test_copies_with_one_build_id_are_parsed_once(void **state)
{
	struct symbolizer *s = *state;
	__u8 id1[ELF_BUILD_ID_MAX], id2[ELF_BUILD_ID_MAX];
	struct symbolizer_stats st;
	size_t len1 = 0, len2 = 0;
	struct stat st1, st2;
	void *h1, *h2;
	int fd1, fd2;

	/* two files, two inodes, one build id */
	fd1 = open(FIXTURES "libfix_plain.so", O_RDONLY);
	fd2 = open(FIXTURES "libfix_plain_copy.so", O_RDONLY);
	assert_true(fd1 >= 0 && fd2 >= 0);
	assert_int_equal(fstat(fd1, &st1), 0);
	assert_int_equal(fstat(fd2, &st2), 0);
	assert_int_not_equal(st1.st_ino, st2.st_ino);
	assert_int_equal(elf_read_build_id(fd1, id1, sizeof(id1), &len1), 0);
	assert_int_equal(elf_read_build_id(fd2, id2, sizeof(id2), &len2), 0);
	assert_int_equal(len1, 20); /* --build-id=sha1 */
	assert_int_equal(len2, len1);
	assert_memory_equal(id1, id2, len1);
	close(fd1);
	close(fd2);

	h1 = load_fixture(FIXTURES "libfix_plain.so");
	h2 = load_fixture(FIXTURES "libfix_plain_copy.so");
	assert_ptr_not_equal(fixture_sym(h1, "fix_plain_exported"),
			     fixture_sym(h2, "fix_plain_exported"));
	expect_user(s, getpid(), ADDR(fixture_sym(h1, "fix_plain_exported")), false,
		    "fix_plain_exported");
	expect_user(s, getpid(), ADDR(fixture_sym(h2, "fix_plain_exported")), false,
		    "fix_plain_exported");
	st = stats_of(s);
	assert_int_equal(st.files_parsed, 1);
	assert_int_equal(st.file_cache_hits, 1);
	dlclose(h2);
	dlclose(h1);
}

static void test_repeated_lookups_read_maps_and_file_once(void **state)
{
	struct symbolizer *s = *state;
	struct symbolizer_stats st;

	for (int i = 0; i < 10000; i++)
		expect_user(s, getpid(), ADDR(pie_static_work) + i % 4, false, "pie_static_work");
	st = stats_of(s);
	assert_int_equal(st.maps_reads, 1);
	assert_int_equal(st.files_parsed, 1);
	assert_int_equal(st.file_cache_hits, 0);
}

static void test_maps_are_reread_for_a_library_loaded_after_the_first_read(void **state)
{
	struct symbolizer *s = *state;
	char path[64];
	void *h;

	expect_user(s, getpid(), ADDR(pie_static_work), false, "pie_static_work");
	assert_int_equal(stats_of(s).maps_reads, 1);

	h = load_temp_copy(FIXTURES "libfix_plain.so", path, sizeof(path));
	expect_user(s, getpid(), ADDR(fixture_sym(h, "fix_plain_exported")), false,
		    "fix_plain_exported");
	assert_int_equal(stats_of(s).maps_reads, 2);
	dlclose(h);
	unlink(path);
}

static void test_deleted_library_is_named_or_shown_without_deleted(void **state)
{
	struct symbolizer *s = *state;
	char path[64], want[PATH_MAX], map_file[128];
	struct self_map m;
	const char *got;
	__u64 fn;
	void *h;
	int fd;

	h = load_temp_copy(FIXTURES "libfix_plain.so", path, sizeof(path));
	assert_int_equal(unlink(path), 0);
	fn = ADDR(fixture_sym(h, "fix_plain_exported"));
	self_mapping(fn, &m);
	assert_non_null(strstr(m.path, " (deleted)"));

	/* map_files reaches a deleted file, but only with privilege (root) */
	snprintf(map_file, sizeof(map_file), "/proc/self/map_files/%llx-%llx",
		 (unsigned long long)m.start, (unsigned long long)m.end);
	fd = open(map_file, O_RDONLY);
	if (fd >= 0) {
		close(fd);
		snprintf(want, sizeof(want), "fix_plain_exported");
	} else {
		file_offset_name(fn, strrchr(path, '/') + 1, want, sizeof(want));
	}
	got = symbolizer__user(s, getpid(), fn, false);
	assert_non_null(got);
	assert_string_equal(got, want);
	assert_null(strstr(got, "deleted"));
	dlclose(h);
}

static void test_forget_pid_rereads_maps_and_names_stay_valid(void **state)
{
	struct symbolizer *s = *state;
	const char *first, *again;

	first = symbolizer__user(s, getpid(), ADDR(pie_static_work), false);
	symbolizer__forget_pid(s, getpid());
	again = symbolizer__user(s, getpid(), ADDR(pie_static_work), false);
	assert_string_equal(first, "pie_static_work");
	assert_ptr_equal(first, again); /* interned */
	assert_int_equal(stats_of(s).maps_reads, 2);
	assert_int_equal(stats_of(s).files_parsed, 1); /* the file cache stays */
}

/*
 * Check one special mapping when /proc/self/maps names it as expected;
 * under valgrind the stack is an anonymous mapping and there is no vdso.
 */
static int expect_special(struct symbolizer *s, __u64 addr, const char *name)
{
	struct self_map m;

	if (!addr)
		return 0;
	self_mapping(addr, &m);
	if (strcmp(m.path, name)) {
		print_message("  %s: /proc/self/maps says \"%s\" here, not checked\n", name,
			      m.path);
		return 0;
	}
	expect_user(s, getpid(), addr, false, name);
	return 1;
}

static void test_special_mappings_are_shown_by_their_bracketed_name(void **state)
{
	struct symbolizer *s = *state;
	int on_stack = 0, checked = 0;

	/* [vdso] is named by its own symbols: test_vdso.c */
	checked += expect_special(s, ADDR(&on_stack), "[stack]");
	if (!checked) {
		print_message("  skipped: [stack] is not in /proc/self/maps\n");
		skip();
	}
}

static void test_unmapped_and_anonymous_addresses_are_unknown(void **state)
{
	struct symbolizer *s = *state;
	struct self_map m;
	char *anon;

	anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(anon != MAP_FAILED);
	self_mapping(ADDR(anon), &m);
	assert_string_equal(m.path, ""); /* no name in /proc/self/maps */
	expect_user(s, getpid(), ADDR(anon) + 100, false, "[unknown]");
	/* below vm.mmap_min_addr nothing is ever mapped */
	expect_user(s, getpid(), 0x1000, false, "[unknown]");
	expect_user(s, getpid(), 0, true /* is_return */, "[unknown]");
	munmap(anon, 4096);
}

static void test_exited_process_is_unknown(void **state)
{
	struct symbolizer *s = *state;
	pid_t child = fork();

	assert_true(child >= 0);
	if (child == 0)
		_exit(0);
	assert_int_equal(waitpid(child, NULL, 0), child);
	expect_user(s, child, ADDR(pie_static_work), false, "[unknown]");
}

/* ------------------------------------------------------------------------
 * Kernel frames
 * ------------------------------------------------------------------------ */

static void test_kernel_address_of_schedule_is_named_or_unknown_when_hidden(void **state)
{
	struct symbolizer *s = *state;
	__u64 addr = kallsyms_addr("schedule");

	if (!addr) {
		/* not root, or kernel.kptr_restrict: nothing can be named, nothing is invented */
		assert_string_equal(symbolizer__kernel(s, 0xffffffff81000000ULL), "[unknown]");
		return;
	}
	assert_string_equal(symbolizer__kernel(s, addr), "schedule");
	assert_string_equal(symbolizer__kernel(s, addr + 1), "schedule");
	assert_string_equal(symbolizer__kernel(s, 1), "[unknown]"); /* below every symbol */
}

static void test_kernel_lookup_sorts_strips_modules_skips_bounds_and_etext(void **state)
{
	struct symbolizer *s = *state;
	char *path = write_temp_file("ffffffff81000000 T _stext\n"
				     "ffffffff81000100 t local_alias\n"
				     "ffffffff81000100 T global_fn\n"
				     "ffffffff81000200 W weak_fn\n"
				     "ffffffff81000300 T _etext\n"
				     "ffffffff81001000 D some_data\n"
				     "ffffffffa0000000 t mod_fn\t[ext4]\n"
				     "ffffffffa0000050 T other_mod_fn\t[nf_tables]\n"
				     "ffffffff81000080 T unsorted_fn\n"
				     "ffffffff81000180 T __irqentry_text_end\n"
				     "ffffffff81000180 T common_interrupt_return\n");

	assert_int_equal(symbolizer__set_kallsyms(s, path), 0);
	assert_string_equal(symbolizer__kernel(s, 0xffffffff81000080ULL), "unsorted_fn");
	assert_string_equal(symbolizer__kernel(s, 0xffffffff81000100ULL), "global_fn");
	assert_string_equal(symbolizer__kernel(s, 0xffffffff81000150ULL), "global_fn");
	/* a section bound at a function's address does not take its name, though shorter */
	assert_string_equal(symbolizer__kernel(s, 0xffffffff81000190ULL),
			    "common_interrupt_return");
	assert_string_equal(symbolizer__kernel(s, 0xffffffff81000210ULL), "weak_fn");
	assert_string_equal(symbolizer__kernel(s, 0xffffffff81000400ULL), "[unknown]");
	assert_string_equal(symbolizer__kernel(s, 0xffffffff81001010ULL), "[unknown]");
	assert_string_equal(symbolizer__kernel(s, 0xffffffffa0000010ULL), "mod_fn");
	assert_string_equal(symbolizer__kernel(s, 0xffffffffa0000060ULL), "other_mod_fn");
	assert_string_equal(symbolizer__kernel(s, 0xffffffff80000000ULL), "[unknown]");
	unlink(path);
}

static void test_hidden_kernel_addresses_warn_once_and_give_unknown(void **state)
{
	struct symbolizer_opts opts = {.warn = true};
	char *path = write_temp_file("0000000000000000 T _stext\n"
				     "0000000000000000 T schedule\n"
				     "0000000000000000 t mod_fn\t[ext4]\n");
	char want[256], got[512] = "";
	struct symbolizer *s;
	FILE *err_file;
	int saved;

	(void)state;
	s = symbolizer__new(&opts);
	assert_non_null(s);
	assert_int_equal(symbolizer__set_kallsyms(s, path), 0);

	err_file = tmpfile();
	assert_non_null(err_file);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fileno(err_file), STDERR_FILENO);
	assert_string_equal(symbolizer__kernel(s, 0xffffffff81000000ULL), "[unknown]");
	assert_string_equal(symbolizer__kernel(s, 0xffffffff81000010ULL), "[unknown]");
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);

	rewind(err_file);
	assert_int_equal(fread(got, 1, sizeof(got) - 1, err_file) > 0, 1);
	fclose(err_file);
	snprintf(want, sizeof(want),
		 "vigil: %s: addresses are hidden (kernel.kptr_restrict); kernel frames will be "
		 "[unknown]\n",
		 path);
	assert_string_equal(got, want); /* one line, printed once */
	symbolizer__free(s);
	unlink(path);
}

/* ------------------------------------------------------------------------
 * Origins: where names came from (pprof's mappings)
 * ------------------------------------------------------------------------ */

/* The build id of the file at path in hex, as symbolizer__origin gives it. */
static void build_id_hex_of(const char *path, char *hex, size_t size)
{
	__u8 id[ELF_BUILD_ID_MAX];
	size_t len = 0;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(elf_read_build_id(fd, id, sizeof(id), &len), 0);
	close(fd);
	assert_true(2 * len < size);
	for (size_t i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
}

/* The value of a symbol of path's .symtab; fails when absent. */
static __u64 symtab_value(const char *path, const char *name)
{
	Elf_Scn *scn = NULL;
	__u64 value = 0;
	bool found = false;
	GElf_Shdr sh;
	int fd;
	Elf *elf = elf_open(path, &fd);

	while (!found && (scn = elf_nextscn(elf, scn))) {
		Elf_Data *data;
		GElf_Sym sym;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		data = elf_getdata(scn, NULL);
		for (size_t i = 0; data && i < sh.sh_size / sh.sh_entsize && !found; i++) {
			found = gelf_getsym(data, i, &sym) &&
				!strcmp(elf_strptr(elf, sh.sh_link, sym.st_name), name);
			value = sym.st_value;
		}
	}
	elf_close(elf, fd);
	if (!found)
		fail_msg("%s has no symbol %s", path, name);
	return value;
}

/* Where in this process a fixture's .symtab symbol lies, from its load base. */
static __u64 fixture_local(void *h, const char *exported, const char *path, const char *name)
{
	Dl_info info;

	assert_int_not_equal(dladdr(fixture_sym(h, exported), &info), 0);
	return ADDR(info.dli_fbase) + symtab_value(path, name);
}

static void test_origin_of_a_symbol_is_its_file_build_id_and_first_mapping(void **state)
{
	struct symbolizer *s = *state;
	__u64 addr = ADDR(pie_static_work) + 4;
	char exe[PATH_MAX], build_id[2 * ELF_BUILD_ID_MAX + 1] = "";
	struct symbolizer_origin o;
	struct self_map m;
	ssize_t n;

	expect_user(s, getpid(), addr, false, "pie_static_work");
	/* the name's text is the key, not the symbolizer's pointer */
	snprintf(exe, sizeof(exe), "%s", "pie_static_work");
	assert_true(symbolizer__origin(s, exe, false, &o));
	self_mapping(addr, &m);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	assert_string_equal(o.path, exe);
	assert_string_equal(o.path, m.path);
	build_id_hex_of(exe, build_id, sizeof(build_id));
	assert_non_null(o.build_id);
	assert_string_equal(o.build_id, build_id);
	assert_true(o.start == m.start);
	assert_true(o.limit == m.end);
	assert_true(o.offset == m.pgoff);
	assert_true(o.addr == addr);
	assert_true(o.symbol);
	assert_false(o.kernel);
	/* a return address is looked up a byte before: that is the address kept */
	expect_user(s, getpid(), ADDR(pie_static_work) + 9, true, "pie_static_work");
	assert_true(symbolizer__origin(s, "pie_static_work", false, &o));
	assert_true(o.addr == addr);

	assert_false(symbolizer__origin(s, "pie_static_work", true, &o)); /* no kernel name */
	assert_false(symbolizer__origin(s, "never_named_here", false, &o));
	assert_false(symbolizer__origin(s, "[unknown]", false, &o));
}

/* Copies with one build id are one file; two files with other build ids make a name no one's. */
static void test_origin_of_a_name_two_files_share_is_none(void **state)
{
	struct symbolizer *s = *state;
	void *plain = load_fixture(FIXTURES "libfix_plain.so");
	void *copy = load_fixture(FIXTURES "libfix_plain_copy.so");
	void *lld = load_fixture(FIXTURES "libfix_lld.so");
	char build_id[2 * ELF_BUILD_ID_MAX + 1] = "";
	struct symbolizer_origin o;
	__u64 plain_dummy, lld_dummy;

	expect_user(s, getpid(), ADDR(fixture_sym(plain, "fix_plain_exported")), false,
		    "fix_plain_exported");
	expect_user(s, getpid(), ADDR(fixture_sym(copy, "fix_plain_exported")), false,
		    "fix_plain_exported");
	assert_true(symbolizer__origin(s, "fix_plain_exported", false, &o));
	assert_non_null(strstr(o.path, "/libfix_plain.so"));
	build_id_hex_of(FIXTURES "libfix_plain.so", build_id, sizeof(build_id));
	assert_string_equal(o.build_id, build_id);
	assert_true(o.addr == ADDR(fixture_sym(plain, "fix_plain_exported")));

	/* frame_dummy: in every library gcc links, here in two with other build ids */
	plain_dummy = fixture_local(plain, "fix_plain_exported", FIXTURES "libfix_plain.so",
				    "frame_dummy");
	lld_dummy = fixture_local(lld, "fix_lld_exported", FIXTURES "libfix_lld.so", "frame_dummy");
	expect_user(s, getpid(), plain_dummy + 1, false, "frame_dummy");
	assert_true(symbolizer__origin(s, "frame_dummy", false, &o));
	assert_non_null(strstr(o.path, "/libfix_plain.so"));
	expect_user(s, getpid(), lld_dummy + 1, false, "frame_dummy");
	assert_false(symbolizer__origin(s, "frame_dummy", false, &o));
	/* and stays so */
	expect_user(s, getpid(), plain_dummy + 1, false, "frame_dummy");
	assert_false(symbolizer__origin(s, "frame_dummy", false, &o));
	assert_true(symbolizer__origin(s, "fix_plain_exported", false, &o));
	dlclose(lld);
	dlclose(copy);
	dlclose(plain);
}

/* FILE+0xOFFSET names have the file's origin, and the address of the offset. */
static void test_origin_of_a_file_offset_name_is_its_file(void **state)
{
	struct symbolizer *s = *state;
	void *h = load_fixture(FIXTURES "libfix_stripped.so");
	char build_id[2 * ELF_BUILD_ID_MAX + 1] = "", name[PATH_MAX];
	struct symbolizer_origin o;
	struct self_map m;
	__u64 hidden = fixture_getter(h, "fix_stripped_hidden_addr");

	file_offset_name(hidden, "libfix_stripped.so", name, sizeof(name));
	assert_false(symbolizer__origin(s, name, false, &o));
	expect_user(s, getpid(), hidden, false, name);
	assert_true(symbolizer__origin(s, name, false, &o));
	self_mapping(hidden, &m);
	assert_string_equal(o.path, m.path);
	build_id_hex_of(FIXTURES "libfix_stripped.so", build_id, sizeof(build_id));
	assert_string_equal(o.build_id, build_id);
	assert_true(o.start == m.start && o.limit == m.end && o.offset == m.pgoff);
	assert_true(o.addr == hidden);
	assert_false(o.symbol);
	/* an offset outside the mapping kept: the file, but no address */
	assert_true(symbolizer__origin(s, "libfix_stripped.so+0x0", false, &o));
	assert_true(o.addr == 0 || m.pgoff == 0);
	assert_false(symbolizer__origin(s, "libfix_stripped.so+0x", false, &o));
	assert_false(symbolizer__origin(s, "libfix_stripped.so+0x12zz", false, &o));
	assert_false(symbolizer__origin(s, "libnothing.so+0x10", false, &o));
	dlclose(h);
}

static void test_origin_of_kernel_names_is_the_core_kernel_only(void **state)
{
	struct symbolizer *s = *state;
	char *path = write_temp_file("ffffffff81000000 T _text\n"
				     "ffffffff81000000 T _stext\n"
				     "ffffffff81000100 T core_fn\n"
				     "ffffffff81000300 T _etext\n"
				     "ffffffffa0000000 t mod_fn\t[ext4]\n"
				     "ffffffffa0000100 t core_fn\t[ext4]\n");
	struct symbolizer_origin o;
	bool notes = access("/sys/kernel/notes", R_OK) == 0;

	assert_int_equal(symbolizer__set_kallsyms(s, path), 0);
	assert_string_equal(symbolizer__kernel(s, 0xffffffff81000110ULL), "core_fn");
	assert_true(symbolizer__origin(s, "core_fn", true, &o));
	assert_string_equal(o.path, "[kernel.kallsyms]");
	assert_true(o.start == 0xffffffff81000000ULL && o.limit == 0xffffffff81000300ULL);
	assert_true(o.offset == 0);
	assert_true(o.addr == 0xffffffff81000110ULL);
	assert_true(o.kernel && o.symbol);
	if (notes) {
		assert_non_null(o.build_id);
		assert_true(strlen(o.build_id) >= 32);
		assert_int_equal(strspn(o.build_id, "0123456789abcdef"), strlen(o.build_id));
	}
	assert_false(symbolizer__origin(s, "core_fn", false, &o)); /* no user frame had it */
	/* a module's function is not the kernel image's */
	assert_string_equal(symbolizer__kernel(s, 0xffffffffa0000010ULL), "mod_fn");
	assert_false(symbolizer__origin(s, "mod_fn", true, &o));
	/* a name in both is neither's */
	assert_string_equal(symbolizer__kernel(s, 0xffffffffa0000110ULL), "core_fn");
	assert_false(symbolizer__origin(s, "core_fn", true, &o));
	unlink(path);
}

/* The build id note among others, as /sys/kernel/notes lays them out. */
static void test_build_id_is_found_among_raw_notes(void **state)
{
	__u8 buf[128] = {}, id[ELF_BUILD_ID_MAX];
	__u32 hdr[3];
	size_t off = 0, len = 0;

	(void)state;
	hdr[0] = 6, hdr[1] = 4, hdr[2] = 0x101; /* "Linux", 4 bytes of desc */
	memcpy(buf, hdr, 12);
	memcpy(buf + 12, "Linux", 6);
	off = 12 + 8 + 4;
	hdr[0] = 4, hdr[1] = 20, hdr[2] = 3; /* NT_GNU_BUILD_ID */
	memcpy(buf + off, hdr, 12);
	memcpy(buf + off + 12, "GNU", 4);
	for (int i = 0; i < 20; i++)
		buf[off + 16 + i] = 0xa0 + i;
	assert_int_equal(elf_notes_build_id(buf, off + 36, id, sizeof(id), &len), 0);
	assert_int_equal(len, 20);
	assert_int_equal(id[0], 0xa0);
	assert_int_equal(id[19], 0xa0 + 19);
	/* cut short: no note found, nothing read past the end */
	assert_int_equal(elf_notes_build_id(buf, off + 30, id, sizeof(id), &len), -ENOENT);
	assert_int_equal(elf_notes_build_id(buf, 5, id, sizeof(id), &len), -ENOENT);
}

/* Every test gets a fresh symbolizer, so its counters start at zero. */
#define FRESH(test) cmocka_unit_test_setup_teardown(test, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		FRESH(test_pie_static_function_is_named_at_its_start_and_inside),
		FRESH(test_return_address_is_looked_up_one_byte_before),
		FRESH(test_shared_library_exported_and_static_functions_are_named),
		FRESH(test_aliases_prefer_global_over_weak_over_local_then_shorter),
		FRESH(test_lld_library_whose_code_vaddr_differs_from_offset_is_named),
		FRESH(test_stripped_library_names_dynsym_and_offsets_the_rest),
		FRESH(test_stripped_copy_does_not_name_its_unstripped_twin),
		FRESH(test_builds_sharing_a_build_id_keep_their_own_names),
		FRESH(test_address_past_a_symbols_end_is_not_that_symbol),
		FRESH(test_symbol_without_size_ends_where_the_next_begins),
		FRESH(test_one_library_in_two_processes_is_parsed_once),
		FRESH(test_copies_with_one_build_id_are_parsed_once),
		FRESH(test_repeated_lookups_read_maps_and_file_once),
		FRESH(test_maps_are_reread_for_a_library_loaded_after_the_first_read),
		FRESH(test_deleted_library_is_named_or_shown_without_deleted),
		FRESH(test_forget_pid_rereads_maps_and_names_stay_valid),
		FRESH(test_special_mappings_are_shown_by_their_bracketed_name),
		FRESH(test_unmapped_and_anonymous_addresses_are_unknown),
		FRESH(test_exited_process_is_unknown),
		FRESH(test_kernel_address_of_schedule_is_named_or_unknown_when_hidden),
		FRESH(test_kernel_lookup_sorts_strips_modules_skips_bounds_and_etext),
		cmocka_unit_test(test_hidden_kernel_addresses_warn_once_and_give_unknown),
		FRESH(test_origin_of_a_symbol_is_its_file_build_id_and_first_mapping),
		FRESH(test_origin_of_a_name_two_files_share_is_none),
		FRESH(test_origin_of_a_file_offset_name_is_its_file),
		FRESH(test_origin_of_kernel_names_is_the_core_kernel_only),
		cmocka_unit_test(test_build_id_is_found_among_raw_notes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
