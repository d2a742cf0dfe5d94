// SPDX-License-Identifier: GPL-2.0
/* test_outfile.c: outputs are written whole or not at all, and never replace what is not a file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "util.h"

static char dir[] = "/tmp/vigil-outfile-XXXXXX";

static int make_dir(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

/* Entries in the test folder, "." and ".." aside. */
static int entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static char *slurp(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void commit_creates_the_file_whole(void **state)
{
	struct outfile o;
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/new.folded", dir);
	assert_int_equal(outfile__open(&o, path), 0);
	fputs("a;b 1\n", o.f);
	/* Until commit the destination does not exist and nothing has a name. */
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(outfile__commit(&o), 0);
	assert_string_equal(slurp(path), "a;b 1\n");
	assert_int_equal(entries(), 1);
	unlink(path);
}

static void abort_leaves_the_old_file_and_nothing_else(void **state)
{
	struct outfile o;
	char path[128];
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/old.folded", dir);
	f = fopen(path, "w");
	fputs("old 1\n", f);
	fclose(f);
	assert_int_equal(outfile__open(&o, path), 0);
	fputs("new 2\n", o.f);
	outfile__abort(&o);
	assert_string_equal(slurp(path), "old 1\n");
	assert_int_equal(entries(), 1);

	assert_int_equal(outfile__open(&o, path), 0);
	fputs("new 2\n", o.f);
	assert_int_equal(outfile__commit(&o), 0);
	assert_string_equal(slurp(path), "new 2\n");
	assert_int_equal(entries(), 1);
	unlink(path);
}

static void unwritable_paths_fail_at_open(void **state)
{
	struct outfile o;
	char path[128];

	(void)state;
	assert_int_equal(outfile__open(&o, "/nonexistent-vigil-dir/x.folded"), -ENOENT);
	assert_int_equal(outfile__open(&o, dir), -EISDIR);
	assert_int_equal(entries(), 0);
	snprintf(path, sizeof(path), "%s/missing/x", dir);
	assert_int_equal(outfile__open(&o, path), -ENOENT);
}

static void a_symbolic_link_is_written_through_not_replaced(void **state)
{
	char real[128], link[128];
	struct outfile o;
	struct stat st;
	FILE *f;

	(void)state;
	snprintf(real, sizeof(real), "%s/real", dir);
	snprintf(link, sizeof(link), "%s/link", dir);
	f = fopen(real, "w");
	fputs("a much longer old content\n", f);
	fclose(f);
	assert_int_equal(symlink("real", link), 0);
	assert_int_equal(outfile__open(&o, link), 0);
	fputs("x 1\n", o.f);
	assert_int_equal(outfile__commit(&o), 0);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_string_equal(slurp(real), "x 1\n"); /* truncated to what was written */
	assert_int_equal(entries(), 2);
	unlink(link);
	unlink(real);
}

static void null_path_is_stdout(void **state)
{
	struct outfile o;

	(void)state;
	assert_int_equal(outfile__open(&o, NULL), 0);
	assert_ptr_equal(o.f, stdout);
	assert_int_equal(outfile__commit(&o), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(commit_creates_the_file_whole),
		cmocka_unit_test(abort_leaves_the_old_file_and_nothing_else),
		cmocka_unit_test(unwritable_paths_fail_at_open),
		cmocka_unit_test(a_symbolic_link_is_written_through_not_replaced),
		cmocka_unit_test(null_path_is_stdout),
	};

	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
