// SPDX-License-Identifier: GPL-2.0
/* test_probes.c: PROBE arguments to functions and USDT probes, on this test's own binary. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/sdt.h>
#include <cmocka.h>
#include "probes.h"
#include "util.h"

/* Two functions to probe, and a second name for the first. */
__attribute__((noinline, used)) int probe_target_one(int x)
{
	__asm__ volatile("" : "+r"(x));
	return x + 1;
}

__attribute__((noinline, used)) int probe_target_two(int x)
{
	__asm__ volatile("" : "+r"(x));
	return x + 2;
}

int probe_alias_of_one(int x) __attribute__((alias("probe_target_one")));

/* A USDT probe, so the binary has a .note.stapsdt. */
__attribute__((noinline, used)) void probe_fire(int x)
{
	STAP_PROBE1(vtest, unit_point, x);
}

static struct probe_where self_where(void)
{
	static int pid;

	pid = getpid();
	return (struct probe_where){.pids = &pid, .npids = 1};
}

/* Where fn is in this binary as a file offset, as /proc/self/maps says. */
static __u64 own_offset(const void *fn)
{
	unsigned long start, end, pgoff;
	char line[4096];
	FILE *f = fopen("/proc/self/maps", "r");
	__u64 off = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %*s %lx", &start, &end, &pgoff) == 3 &&
		    (unsigned long)fn >= start && (unsigned long)fn < end)
			off = (unsigned long)fn - start + pgoff;
	fclose(f);
	return off;
}

static const struct probe_fn *by_name(const struct probe_set *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->fns[i].name, name))
			return &s->fns[i];
	return NULL;
}

static void glob_matches_each_function_once_at_its_entry(void **state)
{
	struct probe_set s = {};
	struct probe_where w = {};
	const struct probe_fn *one, *two;
	size_t n;

	(void)state;
	assert_int_equal(probes__add(&s, "/proc/self/exe:probe_*", &w), 0);
	/* probe_alias_of_one is probe_target_one's address: one probe, the shorter name */
	one = by_name(&s, "probe_target_one");
	two = by_name(&s, "probe_target_two");
	assert_non_null(one);
	assert_non_null(two);
	assert_null(by_name(&s, "probe_alias_of_one"));
	assert_int_equal(one->kind, PROBE_UPROBE);
	assert_true(one->offset == own_offset((const void *)probe_target_one));
	assert_true(two->offset == own_offset((const void *)probe_target_two));
	/* the same functions again add nothing */
	n = s.n;
	assert_int_equal(probes__add(&s, "/proc/self/exe:probe_target_one", &w), 0);
	assert_int_equal(s.n, n);
	probes__free(&s);
}

static void nothing_matching_is_an_error(void **state)
{
	struct probe_set s = {};
	struct probe_where w = {};

	(void)state;
	assert_int_equal(probes__add(&s, "/proc/self/exe:no_such_function_*", &w), EXIT_USAGE);
	assert_int_equal(probes__add(&s, "/no/such/file:f", &w), EXIT_USAGE);
	assert_int_equal(probes__add(&s, "no_colon", &w), EXIT_USAGE);
	assert_int_equal(probes__add(&s, "/proc/self/exe:", &w), EXIT_USAGE);
	assert_int_equal(probes__add(&s, "usdt:/proc/self/exe:vtest", &w), EXIT_USAGE);
	assert_int_equal(s.n, 0);
	probes__free(&s);
}

/* What probes__add() says on stderr for spec, as asked by who, into buf. */
static const char *message_of(const char *spec, const char *who, char *buf, size_t len)
{
	struct probe_set s = {};
	struct probe_where w = {.who = who};
	FILE *f = tmpfile();
	int saved = dup(STDERR_FILENO);
	size_t n;

	assert_non_null(f);
	fflush(stderr);
	dup2(fileno(f), STDERR_FILENO);
	assert_int_equal(probes__add(&s, spec, &w), EXIT_USAGE);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	probes__free(&s);
	return buf;
}

/* The message is one line that starts with start. */
static void starts_one_line(const char *msg, const char *start)
{
	assert_int_equal(strncmp(msg, start, strlen(start)), 0);
	assert_ptr_equal(strchr(msg, '\n'), msg + strlen(msg) - 1);
}

/* One line, whose subject is vigil trace unless the caller names itself (an agent's section). */
static void messages_start_with_who_asked(void **state)
{
	char buf[1024];

	(void)state;
	starts_one_line(message_of("/proc/self/exe:no_such_fn_*", NULL, buf, sizeof(buf)),
			"vigil: trace: /proc/self/exe:no_such_fn_*: no function matching "
			"'no_such_fn_*' in /");
	starts_one_line(message_of("/proc/self/exe:no_such_fn_*", "agent.ini:7: probe 'alloc'", buf,
				   sizeof(buf)),
			"vigil: agent.ini:7: probe 'alloc': /proc/self/exe:no_such_fn_*: no "
			"function matching 'no_such_fn_*' in /");
	starts_one_line(message_of("no_colon", "x.ini:2: probe 'p'", buf, sizeof(buf)),
			"vigil: x.ini:2: probe 'p': 'no_colon': expected FILE:FUNCTION (a glob), "
			"or usdt:FILE:PROVIDER:NAME");
}

static void a_file_that_is_not_elf_is_refused(void **state)
{
	char path[] = "/tmp/vigil-probes-XXXXXX", spec[64];
	struct probe_set s = {};
	struct probe_where w = {};
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\necho hi\n", 18), 18);
	close(fd);
	snprintf(spec, sizeof(spec), "%s:main", path);
	assert_int_equal(probes__add(&s, spec, &w), EXIT_USAGE);
	snprintf(spec, sizeof(spec), "usdt:%s:a:b", path);
	assert_int_equal(probes__add(&s, spec, &w), EXIT_USAGE);
	unlink(path);
	assert_int_equal(s.n, 0);
}

static void usdt_probes_are_listed_from_the_notes(void **state)
{
	struct probe_set s = {};
	struct probe_where w = {};

	(void)state;
	probe_fire(1);
	assert_int_equal(probes__add(&s, "usdt:/proc/self/exe:vtest:unit_*", &w), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.fns[0].kind, PROBE_USDT);
	assert_string_equal(s.fns[0].provider, "vtest");
	assert_string_equal(s.fns[0].usdt_name, "unit_point");
	assert_string_equal(s.fns[0].name, "vtest:unit_point");
	assert_int_equal(probes__add(&s, "usdt:/proc/self/exe:vtest:nope", &w), EXIT_USAGE);
	assert_int_equal(s.n, 1);
	probes__free(&s);
}

/* "libc" is libc.so.6 in the maps, not libcmocka.so.0, which is "libcmocka". */
static void short_names_are_found_in_the_maps(void **state)
{
	struct probe_where w = self_where();
	char path[4096], file[4096];
	size_t n;

	(void)state;
	assert_int_equal(probes__resolve_file("libc", &w, path, file, sizeof(path)), 0);
	n = strlen(file);
	assert_true(n > 10 && !strcmp(file + n - 10, "/libc.so.6"));
	/* in vigil's own mount namespace: the path itself, valid for any target */
	assert_string_equal(path, file);
	assert_int_equal(probes__resolve_file("libcmocka", &w, path, file, sizeof(path)), 0);
	assert_non_null(strstr(file, "/libcmocka.so"));
	assert_int_equal(probes__resolve_file("libnosuchlib", &w, path, file, sizeof(path)),
			 -ENOENT);
	/* "libc" is not a prefix of "libcmocka": only a version may follow the name */
	assert_int_equal(probes__resolve_file("libcm", &w, path, file, sizeof(path)), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(glob_matches_each_function_once_at_its_entry),
		cmocka_unit_test(nothing_matching_is_an_error),
		cmocka_unit_test(messages_start_with_who_asked),
		cmocka_unit_test(a_file_that_is_not_elf_is_refused),
		cmocka_unit_test(usdt_probes_are_listed_from_the_notes),
		cmocka_unit_test(short_names_are_found_in_the_maps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
