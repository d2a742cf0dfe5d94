// SPDX-License-Identifier: GPL-2.0
/* test_asm_symbols.c: functions without a size, from a hand-written assembly fixture. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <gelf.h>
#include <string.h>
#include <unistd.h>
#include "elf_syms.h"

/* Built by tests/unit/fixtures.mk from fixtures/fix_asm.S; the test runs from the project root. */
#define FIXTURE "build/fixtures/libfix_asm.so"

/* Where the fixture's symbols are, as file offsets: what elf_syms__lookup() takes. */
struct asm_fixture {
	struct elf_syms *es;
	__u64 unsized, next, tail, tail_end, after;
	__u64 dummy, label, sized, inner;
};

/* The value of symbol name in the .symtab of elf; fails the test when it is absent. */
static __u64 sym_value(Elf *elf, const char *name)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	GElf_Sym sym;

	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *data = elf_getdata(scn, NULL);

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !data)
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			const char *s;

			if (!gelf_getsym(data, i, &sym))
				continue;
			s = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (s && !strcmp(s, name))
				return sym.st_value;
		}
	}
	fail_msg("%s has no symbol %s (build it with make)", FIXTURE, name);
	return 0;
}

/* The file offset of virtual address vaddr, through the PT_LOAD that maps it. */
static __u64 file_offset(Elf *elf, __u64 vaddr)
{
	GElf_Phdr ph;
	size_t n;

	assert_int_equal(elf_getphdrnum(elf, &n), 0);
	for (size_t i = 0; i < n; i++) {
		if (gelf_getphdr(elf, i, &ph) && ph.p_type == PT_LOAD && vaddr >= ph.p_vaddr &&
		    vaddr < ph.p_vaddr + ph.p_filesz)
			return vaddr - ph.p_vaddr + ph.p_offset;
	}
	fail_msg("%s: no PT_LOAD maps 0x%llx", FIXTURE, (unsigned long long)vaddr);
	return 0;
}

static int setup(void **state)
{
	static struct asm_fixture f;
	Elf *elf;
	int fd;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -1;
	fd = open(FIXTURE, O_RDONLY);
	if (fd < 0)
		return -1;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf)
		return -1;
	f.unsized = file_offset(elf, sym_value(elf, "fix_asm_unsized"));
	f.next = file_offset(elf, sym_value(elf, "fix_asm_next"));
	f.tail = file_offset(elf, sym_value(elf, "fix_asm_tail"));
	f.tail_end = file_offset(elf, sym_value(elf, "fix_asm_tail_end"));
	f.after = file_offset(elf, sym_value(elf, "fix_asm_after"));
	f.dummy = file_offset(elf, sym_value(elf, "fix_asm_dummy"));
	f.label = file_offset(elf, sym_value(elf, "fix_asm_label"));
	f.sized = file_offset(elf, sym_value(elf, "fix_asm_sized"));
	f.inner = file_offset(elf, sym_value(elf, "fix_asm_inner"));
	elf_end(elf);
	close(fd);
	f.es = elf_syms__open(FIXTURE, -1, NULL);
	*state = &f;
	return f.es ? 0 : -1;
}

static int teardown(void **state)
{
	struct asm_fixture *f = *state;

	elf_syms__free(f->es);
	return 0;
}

/* The function elf_syms names file offset off, or "" when it names none. */
static const char *name_at(const struct asm_fixture *f, __u64 off)
{
	const char *name;

	return elf_syms__lookup(f->es, off, &name) ? "" : name;
}

static void test_unsized_function_ends_where_the_next_begins(void **state)
{
	const struct asm_fixture *f = *state;

	assert_true(f->unsized + 4 < f->next); /* four nops, then ret */
	assert_string_equal(name_at(f, f->unsized), "fix_asm_unsized");
	assert_string_equal(name_at(f, f->unsized + 4), "fix_asm_unsized");
	assert_string_equal(name_at(f, f->next - 1), "fix_asm_unsized");
	assert_string_equal(name_at(f, f->next), "fix_asm_next");
}

static void test_unsized_function_alone_in_its_section_ends_at_the_section_end(void **state)
{
	const struct asm_fixture *f = *state;

	/* 17 nops and a ret, then bytes of no section up to the 256-aligned fix_asm_after */
	assert_int_equal(f->tail_end - f->tail, 18);
	assert_true(f->tail_end < f->after);
	assert_string_equal(name_at(f, f->tail), "fix_asm_tail");
	assert_string_equal(name_at(f, f->tail + 10), "fix_asm_tail");
	assert_string_equal(name_at(f, f->tail_end - 1), "fix_asm_tail");
	assert_string_equal(name_at(f, f->tail_end), "");
	assert_string_equal(name_at(f, f->after - 1), "");
	assert_string_equal(name_at(f, f->after), "fix_asm_after");
}

/* Code under a label without a type is the label's, not the unsized function's before it. */
static void test_untyped_label_ends_the_unsized_function_before_it(void **state)
{
	const struct asm_fixture *f = *state;

	assert_string_equal(name_at(f, f->dummy), "fix_asm_dummy");
	assert_string_equal(name_at(f, f->label), "fix_asm_label");
	assert_string_equal(name_at(f, f->label + 5), "fix_asm_label");
	assert_string_equal(name_at(f, f->sized - 1), "fix_asm_label");
}

/* A label inside a sized function is a place in it, not a function. */
static void test_label_inside_a_sized_function_names_nothing(void **state)
{
	const struct asm_fixture *f = *state;

	assert_true(f->sized < f->inner);
	assert_string_equal(name_at(f, f->inner), "fix_asm_sized");
	assert_string_equal(name_at(f, f->inner + 2), "fix_asm_sized");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unsized_function_ends_where_the_next_begins),
		cmocka_unit_test(
			test_unsized_function_alone_in_its_section_ends_at_the_section_end),
		cmocka_unit_test(test_untyped_label_ends_the_unsized_function_before_it),
		cmocka_unit_test(test_label_inside_a_sized_function_names_nothing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
