// SPDX-License-Identifier: GPL-2.0
/* test_folded.c: the stack set, the folded writer with its name sanitising, and the summary. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "folded.h"
#include "stacks.h"
#include "strtab.h"
#include "summary.h"

/* Add a stack given as one ';'-separated string, interning each frame. */
static void add(struct stack_set *set, const char *stack, __u64 value)
{
	struct strtab *names = stack_set__strtab(set);
	const char *frames[64];
	const char *p = stack;
	size_t n = 0;

	while (*p) {
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		frames[n++] = strtab__intern_len(names, p, len);
		p += len + (end ? 1 : 0);
	}
	assert_int_equal(stack_set__add(set, frames, n, value), 0);
}

/* Run a writer into a string the caller frees. */
static char *folded_text(struct stack_set *set)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(folded__write(f, set), 0);
	fclose(f);
	return buf;
}

static void equal_stacks_merge_and_lines_are_sorted(void **state)
{
	struct stack_set *set = stack_set__new();
	char *text;

	(void)state;
	add(set, "app;main;work;burn", 3);
	add(set, "app;main;idle", 1);
	add(set, "app;main;work;burn", 4);
	add(set, "app;main;work", 2);
	assert_int_equal(stack_set__count(set), 3);
	assert_int_equal(stack_set__total(set), 10);
	text = folded_text(set);
	assert_string_equal(text, "app;main;idle 1\n"
				  "app;main;work 2\n"
				  "app;main;work;burn 7\n");
	free(text);
	stack_set__free(set);
}

/* Tools that merge or diff folded files expect the order of `LC_ALL=C sort`. */
static void lines_are_in_byte_order_of_the_whole_line(void **state)
{
	struct stack_set *set = stack_set__new();
	char *text;

	(void)state;
	add(set, "cc;main", 1);
	add(set, "cc1;main", 2);
	add(set, "cc;main;x", 3);
	add(set, "Cc;main", 4);
	text = folded_text(set);
	/* 'C' < 'c', and '1' (0x31) < ';' (0x3b): cc1 sorts before cc. */
	assert_string_equal(text, "Cc;main 4\n"
				  "cc1;main 2\n"
				  "cc;main 1\n"
				  "cc;main;x 3\n");
	free(text);
	stack_set__free(set);
}

static void interned_names_share_one_pointer(void **state)
{
	struct strtab *t = strtab__new();
	const char *a, *b, *c;
	char buf[16];

	(void)state;
	a = strtab__intern(t, "burn_three");
	strcpy(buf, "burn_three");
	b = strtab__intern(t, buf);
	c = strtab__intern_len(t, "burn_threeX", 10);
	assert_ptr_equal(a, b);
	assert_ptr_equal(a, c);
	assert_int_equal(strtab__count(t), 1);
	/* Enough names to make the table grow; earlier pointers stay valid. */
	for (int i = 0; i < 5000; i++) {
		snprintf(buf, sizeof(buf), "f%d", i);
		assert_non_null(strtab__intern(t, buf));
	}
	assert_ptr_equal(strtab__intern(t, "burn_three"), a);
	assert_string_equal(a, "burn_three");
	assert_int_equal(strtab__count(t), 5001);
	/* find gives the same copy and adds nothing */
	assert_ptr_equal(strtab__find(t, "burn_three"), a);
	assert_ptr_equal(strtab__find_len(t, "burn_threeX", 10), a);
	assert_null(strtab__find(t, "burn_thre"));
	assert_null(strtab__find(t, "f5000"));
	assert_non_null(strtab__find(t, "f4999"));
	assert_int_equal(strtab__count(t), 5001);
	strtab__free(t);
}

static void separators_and_line_breaks_in_names_keep_one_frame(void **state)
{
	struct stack_set *set = stack_set__new();
	struct strtab *names = stack_set__strtab(set);
	const char *frames[3];
	char *text;

	(void)state;
	frames[0] = strtab__intern(names, "app");
	frames[1] = strtab__intern(names, "operator;()\nline2");
	frames[2] = strtab__intern(names, "");
	assert_int_equal(stack_set__add(set, frames, 3, 5), 0);
	text = folded_text(set);
	/* Three fields, one line, the count after the last space. */
	assert_string_equal(text, "app;operator:() line2;[unknown] 5\n");
	free(text);
	stack_set__free(set);
}

static void sanitize_truncates_to_the_buffer(void **state)
{
	char out[6];

	(void)state;
	assert_string_equal(folded__sanitize("a;b\tc;d", out, sizeof(out)), "a:b c");
	assert_string_equal(folded__sanitize(NULL, out, sizeof(out)), "[unkn");
}

static void stack_set_grows_past_its_first_table(void **state)
{
	struct stack_set *set = stack_set__new();
	char stack[64];

	(void)state;
	for (int i = 0; i < 3000; i++) {
		snprintf(stack, sizeof(stack), "app;main;f%d", i);
		add(set, stack, 1);
		add(set, stack, 1);
	}
	assert_int_equal(stack_set__count(set), 3000);
	assert_int_equal(stack_set__total(set), 6000);
	stack_set__free(set);
}

static void summary_reports_self_and_total_shares(void **state)
{
	struct stack_set *set = stack_set__new();
	struct summary_opts opts = {.title = "t", .unit = "samples", .top_threads = 5, .top = 10};
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	/* burn: self 60 of 100; work: self 10, total 70; main: total 100. */
	add(set, "app;main;work;burn", 60);
	add(set, "app;main;work", 10);
	add(set, "app;main;other", 20);
	add(set, "cc;main", 10);
	/* A recursive stack counts its function once in total. */
	f = open_memstream(&buf, &len);
	assert_int_equal(summary__write(f, set, &opts), 0);
	fclose(f);
	assert_non_null(strstr(buf, "total: 100 samples in 4 distinct stacks"));
	assert_non_null(strstr(buf, "   90.0%          90  app\n"));
	assert_non_null(strstr(buf, "   10.0%          10  cc\n"));
	assert_non_null(strstr(buf, "   60.0%   60.0%          60  burn\n"));
	assert_non_null(strstr(buf, "   10.0%   70.0%          10  work\n"));
	assert_non_null(strstr(buf, "   10.0%  100.0%          10  main\n"));
	/* Sorted by self value: burn before other before work. */
	assert_true(strstr(buf, "  burn\n") < strstr(buf, "  other\n"));
	free(buf);
	stack_set__free(set);
}

static void summary_counts_a_recursive_function_once_per_stack(void **state)
{
	struct stack_set *set = stack_set__new();
	struct summary_opts opts = {.unit = "samples", .top_threads = 5, .top = 10};
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	add(set, "app;fib;fib;fib", 8);
	add(set, "app;main", 2);
	f = open_memstream(&buf, &len);
	assert_int_equal(summary__write(f, set, &opts), 0);
	fclose(f);
	assert_non_null(strstr(buf, "   80.0%   80.0%           8  fib\n"));
	free(buf);
	stack_set__free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(equal_stacks_merge_and_lines_are_sorted),
		cmocka_unit_test(lines_are_in_byte_order_of_the_whole_line),
		cmocka_unit_test(interned_names_share_one_pointer),
		cmocka_unit_test(separators_and_line_breaks_in_names_keep_one_frame),
		cmocka_unit_test(sanitize_truncates_to_the_buffer),
		cmocka_unit_test(stack_set_grows_past_its_first_table),
		cmocka_unit_test(summary_reports_self_and_total_shares),
		cmocka_unit_test(summary_counts_a_recursive_function_once_per_stack),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
