// SPDX-License-Identifier: GPL-2.0
/* test_vdso.c: [vdso] frames named by the vDSO's own symbols, read from the process's memory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <gelf.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/wait.h>
#include <unistd.h>
#include "elf_syms.h"
#include "symbolizer.h"

#define ADDR(p) ((__u64)(uintptr_t)(p))

/* The function every x86-64 and arm64 vDSO exports, under this name and an alias. */
#define VDSO_FUNC "clock_gettime"

/* This process's vDSO: where it is mapped and a copy of its image. */
struct vdso {
	__u64 start, end;
	void *image;
	size_t size;
};

/* The [vdso] line of /proc/self/maps, and a copy of what it maps. */
static bool find_vdso(struct vdso *v)
{
	unsigned long long start, end;
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	bool found = false;

	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, "[vdso]") && sscanf(line, "%llx-%llx", &start, &end) == 2;
	fclose(f);
	if (!found)
		return false;
	v->start = start;
	v->end = end;
	v->size = end - start;
	v->image = malloc(v->size);
	assert_non_null(v->image);
	memcpy(v->image, (void *)(uintptr_t)start, v->size);
	return true;
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

/* Every test needs the vDSO; under valgrind or with vdso=0 there is none: a failure here. */
static void need_vdso(struct vdso *v)
{
	if (!find_vdso(v))
		fail_msg("no [vdso] in /proc/self/maps (booted with vdso=0?)");
	assert_int_equal(v->start, getauxval(AT_SYSINFO_EHDR));
}

/*
 * From the copy of the image, as the test reads it with libelf itself:
 * the offset in the image of the function name (through its PT_LOAD), and
 * every name of a function at that address, joined by spaces.
 */
static __u64 image_function(const struct vdso *v, const char *name, char *aliases, size_t len)
{
	Elf *elf = elf_memory(v->image, v->size);
	__u64 value = 0, off = UINT64_MAX;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	GElf_Phdr ph;
	GElf_Sym sym;
	size_t n;

	assert_non_null(elf);
	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *data = elf_getdata(scn, NULL);

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM)
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			if (gelf_getsym(data, i, &sym) &&
			    !strcmp(elf_strptr(elf, sh.sh_link, sym.st_name), name))
				value = sym.st_value;
		}
		aliases[0] = '\0';
		for (size_t i = 0; value && i < sh.sh_size / sh.sh_entsize; i++) {
			if (gelf_getsym(data, i, &sym) && sym.st_value == value &&
			    GELF_ST_TYPE(sym.st_info) == STT_FUNC)
				snprintf(aliases + strlen(aliases), len - strlen(aliases), " %s ",
					 elf_strptr(elf, sh.sh_link, sym.st_name));
		}
	}
	assert_int_equal(elf_getphdrnum(elf, &n), 0);
	for (size_t i = 0; i < n; i++) {
		if (gelf_getphdr(elf, i, &ph) && ph.p_type == PT_LOAD && value >= ph.p_vaddr &&
		    value < ph.p_vaddr + ph.p_filesz)
			off = value - ph.p_vaddr + ph.p_offset;
	}
	elf_end(elf);
	if (!value || off == UINT64_MAX)
		fail_msg("the vDSO has no function %s", name);
	return off;
}

/* name is one of the space-separated words of aliases. */
static void expect_one_of(const char *name, const char *aliases)
{
	char word[128];

	snprintf(word, sizeof(word), " %s ", name);
	if (!strstr(aliases, word))
		fail_msg("\"%s\" is not one of the names at that address:%s", name, aliases);
}

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

/* ------------------------------------------------------------------------
 * Tests
 * ------------------------------------------------------------------------ */

static void test_image_in_memory_is_parsed_like_a_file(void **state)
{
	char aliases[512], junk[4096] = "not an ELF image";
	struct elf_syms *es;
	const char *name;
	struct vdso v;
	__u64 off;

	(void)state;
	need_vdso(&v);
	assert_int_equal(elf_version(EV_CURRENT), EV_CURRENT);
	off = image_function(&v, VDSO_FUNC, aliases, sizeof(aliases));
	es = elf_syms__open_image(v.image, v.size);
	assert_non_null(es);
	assert_int_equal(elf_syms__lookup(es, off, &name), 0);
	expect_one_of(name, aliases);
	assert_int_equal(elf_syms__lookup(es, 0, &name), -ENOENT); /* the ELF header */
	elf_syms__free(es);

	errno = 0;
	assert_null(elf_syms__open_image(junk, sizeof(junk)));
	assert_int_equal(errno, EINVAL);
	free(v.image);
}

static void test_vdso_frames_are_named_by_the_vdsos_symbols(void **state)
{
	struct symbolizer *s = *state;
	char aliases[512], want[64];
	struct vdso v;
	const char *got;
	__u64 off;

	need_vdso(&v);
	off = image_function(&v, VDSO_FUNC, aliases, sizeof(aliases));
	got = symbolizer__user(s, getpid(), v.start + off + 4, false);
	assert_non_null(got);
	expect_one_of(got, aliases);
	assert_true(!strcmp(got, VDSO_FUNC) || !strcmp(got, "__vdso_" VDSO_FUNC));
	/* where no function is, the offset in the image */
	snprintf(want, sizeof(want), "[vdso]+0x%x", 0);
	got = symbolizer__user(s, getpid(), v.start, false);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(v.image);
}

static void test_vdso_is_parsed_once_for_every_process(void **state)
{
	struct symbolizer *s = *state;
	struct symbolizer_stats st;
	pid_t child = fork_sleeper();
	const char *mine, *childs;
	char aliases[512];
	struct vdso v;
	__u64 off;

	need_vdso(&v);
	off = image_function(&v, VDSO_FUNC, aliases, sizeof(aliases));
	mine = symbolizer__user(s, getpid(), v.start + off, false);
	childs = symbolizer__user(s, child, v.start + off, false);
	reap(child);
	assert_non_null(mine);
	assert_ptr_equal(mine, childs);
	expect_one_of(mine, aliases);
	symbolizer__stats(s, &st);
	assert_int_equal(st.files_parsed, 1); /* one parse, found again by build id */
	assert_int_equal(st.file_cache_hits, 1);
	free(v.image);
}

static void test_unreadable_vdso_is_shown_as_vdso(void **state)
{
	struct symbolizer *s = *state;
	pid_t child = fork_sleeper();
	char aliases[512];
	struct vdso v;
	__u64 off;

	need_vdso(&v);
	off = image_function(&v, VDSO_FUNC, aliases, sizeof(aliases));
	/* the child's mappings are read while it lives; its memory is gone once it is reaped */
	assert_string_equal(
		symbolizer__user(s, child, ADDR(test_unreadable_vdso_is_shown_as_vdso), false),
		"test_unreadable_vdso_is_shown_as_vdso");
	reap(child);
	assert_string_equal(symbolizer__user(s, child, v.start + off, false), "[vdso]");
	free(v.image);
}

#define FRESH(test) cmocka_unit_test_setup_teardown(test, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image_in_memory_is_parsed_like_a_file),
		FRESH(test_vdso_frames_are_named_by_the_vdsos_symbols),
		FRESH(test_vdso_is_parsed_once_for_every_process),
		FRESH(test_unreadable_vdso_is_shown_as_vdso),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
