// SPDX-License-Identifier: GPL-2.0
/*
 * test_flame.c: the folded reader, and the SVG flame graph writer read back:
 * frame values, widths, the narrow frames merged or dropped, escaping,
 * --reverse, the differential graph's before values, and the sink's
 * choice of format by suffix.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "flame.h"
#include "folded.h"
#include "sink.h"
#include "stacks.h"
#include "strtab.h"

/* A set read from folded text; asserts it reads. */
static struct stack_set *read_text(const char *text)
{
	struct stack_set *set = stack_set__new();
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	char err[256] = "";

	assert_non_null(set);
	assert_non_null(f);
	assert_int_equal(folded__read(f, "t", set, err, sizeof(err)), 0);
	fclose(f);
	return set;
}

/* The reader's error for the n bytes of text, in err; returns its status. */
static int read_error_n(const char *text, size_t n, char *err, size_t len)
{
	struct stack_set *set = stack_set__new();
	FILE *f = fmemopen((void *)text, n, "r");
	int ret;

	err[0] = '\0';
	ret = folded__read(f, "in.folded", set, err, len);
	fclose(f);
	stack_set__free(set);
	return ret;
}

static int read_error(const char *text, char *err, size_t len)
{
	return read_error_n(text, strlen(text), err, len);
}

static char *svg_of(struct stack_set *set, const struct flame_opts *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(flame__write_svg(f, set, o), 0);
	fclose(f);
	return buf;
}

/* How many times needle occurs in hay. */
static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* The data-v of the frame whose title starts with "NAME\n" at depth d; -1 if none. */
static long long frame_value(const char *svg, const char *name, int depth)
{
	char want[256];
	const char *p = svg;

	snprintf(want, sizeof(want), "data-d=\"%d\"", depth);
	while ((p = strstr(p, "<g class=\"f"))) {
		const char *end = strstr(p, "</g>");
		const char *t = strstr(p, "<title>");
		const char *d = strstr(p, want);

		if (d && d < t && !strncmp(t + 7, name, strlen(name)) &&
		    t[7 + strlen(name)] == '\n')
			return atoll(strstr(p, "data-v=\"") + 8);
		p = end;
	}
	return -1;
}

static void reader_adds_repeated_stacks_and_skips_empty_lines(void **state)
{
	struct stack_set *set;
	struct stack **sorted;

	(void)state;
	set = read_text("a;b 3\n\nc 4\r\na;b 5\n a;x  7\n");
	assert_int_equal(stack_set__count(set), 3);
	assert_int_equal(stack_set__total(set), 19);
	sorted = stack_set__sorted(set);
	/* " a;x" keeps its leading space: a frame is what lies between the ';' */
	assert_string_equal(sorted[0]->frames[0], " a");
	assert_int_equal(sorted[0]->value, 7);
	assert_string_equal(sorted[1]->frames[1], "b");
	assert_int_equal(sorted[1]->value, 8);
	assert_int_equal(sorted[2]->value, 4);
	stack_set__free(set);
}

static void reader_names_the_line_that_is_wrong(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(read_error("a;b 1\na;b\n", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "in.folded:2: expected 'frame;frame;... COUNT'");
	assert_int_equal(read_error("a 1\nb 2\nc -3\n", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "in.folded:3: '-3' is not a whole number of samples");
	assert_int_equal(read_error("a 1.5\n", err, sizeof(err)), -EINVAL);
	assert_int_equal(read_error("a 99999999999999999999999\n", err, sizeof(err)), -EINVAL);
	assert_int_equal(read_error(" 5\n", err, sizeof(err)), -EINVAL);
	/* vigil diff's two columns are not a profile */
	assert_int_equal(read_error("a;b 3 4\n", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "in.folded:1: two counts: vigil diff's two-column output, not a "
				 "profile");
	/* every sink can hold the total: at most 2^63 - 1 */
	assert_int_equal(read_error("a 9223372036854775807\nb 1\n", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "in.folded:2: the counts add up to more than 2^63 - 1");
	assert_int_equal(read_error_n("a;b 1\na;b\0c 1\n", 14, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "in.folded:2: holds a NUL byte: not folded text");
}

static void reader_takes_blanks_tabs_and_a_byte_order_mark(void **state)
{
	struct stack_set *set;
	struct stack **sorted;

	(void)state;
	set = read_text("\xef\xbb\xbf"
			"app;f 2 \r\napp;g\t3\n \t\napp;f 1\t\n");
	assert_int_equal(stack_set__count(set), 2);
	assert_int_equal(stack_set__total(set), 6);
	sorted = stack_set__sorted(set);
	assert_string_equal(sorted[0]->frames[0], "app"); /* the mark is not part of the name */
	assert_string_equal(sorted[0]->frames[1], "f");
	assert_int_equal(sorted[0]->value, 3);
	assert_string_equal(sorted[1]->frames[1], "g");
	stack_set__free(set);
}

static void deep_stacks_are_drawn_without_recursion(void **state)
{
	struct stack_set *set = stack_set__new();
	const char **frames = malloc(100000 * sizeof(*frames));
	char *svg;

	(void)state;
	for (int i = 0; i < 100000; i++)
		frames[i] = strtab__intern(stack_set__strtab(set), i % 2 ? "odd" : "even");
	assert_int_equal(stack_set__add(set, frames, 100000, 7), 0);
	svg = svg_of(set, NULL);
	assert_non_null(strstr(svg, "data-frames=\"100001\""));
	assert_non_null(strstr(svg, "data-v=\"7\" data-d=\"100000\""));
	free(svg);
	free(frames);
	stack_set__free(set);
}

static void every_frame_has_its_value_and_width(void **state)
{
	struct stack_set *set = read_text("main;a;b 10\nmain;a;c 5\nmain;d 3\nother 2\n");
	char *svg = svg_of(set, NULL);
	const char *r;

	(void)state;
	assert_non_null(strstr(svg, "data-total=\"20\""));
	assert_non_null(strstr(svg, "data-frames=\"7\""));
	assert_non_null(strstr(svg, "data-dropped=\"0\""));
	assert_int_equal(count(svg, "<g class=\"f"), 7);
	assert_int_equal(frame_value(svg, "all", 0), 20);
	assert_int_equal(frame_value(svg, "main", 1), 18);
	assert_int_equal(frame_value(svg, "a", 2), 15);
	assert_int_equal(frame_value(svg, "b", 3), 10);
	assert_int_equal(frame_value(svg, "c", 3), 5);
	assert_int_equal(frame_value(svg, "d", 2), 3);
	assert_int_equal(frame_value(svg, "other", 1), 2);
	/* main is 18/20 of 1180 px wide, from x 10 */
	r = strstr(svg, "<title>main\n");
	assert_non_null(r);
	assert_non_null(strstr(r, "<rect x=\"10.00\""));
	assert_true(strstr(r, "width=\"1062.00\"") < strstr(r, "</g>"));
	/* the script is there, and its strings are whole */
	assert_non_null(strstr(svg, "split(\"\\n\")"));
	assert_non_null(strstr(svg, "<title>Flame Graph</title>\n<style>"));
	free(svg);
	stack_set__free(set);
}

static void narrow_frames_are_merged_or_dropped(void **state)
{
	struct stack_set *set = stack_set__new();
	struct flame_opts o = {.width = 1020, .min_width = 5}; /* 1000 px for 1000: 1 px each */
	char *buf = malloc(200000), *svg;
	size_t n = 0;

	(void)state;
	/* one wide frame, 100 narrow ones of 4 each (4 px), and under "solo" one of 2 */
	n += sprintf(buf + n, "root;wide 598\n");
	for (int i = 0; i < 100; i++)
		n += sprintf(buf + n, "root;narrow%03d 4\n", i);
	n += sprintf(buf + n, "solo;tiny 2\nsolo 0\n");
	stack_set__free(set);
	set = read_text(buf);
	svg = svg_of(set, &o);
	assert_int_equal(frame_value(svg, "all", 0), 1000);
	assert_int_equal(frame_value(svg, "wide", 2), 598);
	assert_int_equal(frame_value(svg, "[100 frames narrower than 5 px]", 2), 400);
	assert_non_null(strstr(svg, "data-m=\"100\""));
	assert_int_equal(frame_value(svg, "narrow000", 2), -1);
	/* solo (2 px) is narrow itself: dropped with its child, and counted */
	assert_int_equal(frame_value(svg, "solo", 1), -1);
	assert_non_null(strstr(svg, "data-dropped=\"2\""));
	free(svg);
	free(buf);
	stack_set__free(set);
}

static void names_are_escaped_and_made_valid_utf8(void **state)
{
	struct stack_set *set = read_text("a<&>\"b;caf\xc3\xa9;bad\xff\xfe 3\n");
	char *svg = svg_of(set, NULL);

	(void)state;
	assert_non_null(strstr(svg, "<title>a&lt;&amp;&gt;&quot;b\n"));
	assert_non_null(strstr(svg, "<title>caf\xc3\xa9\n"));
	assert_non_null(strstr(svg, "<title>bad??\n"));
	assert_null(strstr(svg, "\xff"));
	free(svg);
	stack_set__free(set);
}

static void reverse_merges_by_the_leaf(void **state)
{
	struct stack_set *set = read_text("p;x;leaf 4\nq;leaf 6\nq;other 1\n");
	struct flame_opts o = {.reverse = true, .inverted = true};
	char *svg = svg_of(set, &o);

	(void)state;
	assert_int_equal(frame_value(svg, "leaf", 1), 10);
	assert_int_equal(frame_value(svg, "x", 2), 4);
	assert_int_equal(frame_value(svg, "q", 2), 6);
	assert_int_equal(frame_value(svg, "p", 3), 4);
	assert_non_null(strstr(svg, "<title>other\n1 sample, 9.09%</title>"));
	assert_non_null(strstr(svg, "data-inverted=\"1\""));
	assert_non_null(strstr(svg, "data-reverse=\"1\""));
	free(svg);
	stack_set__free(set);
}

static void diff_holds_before_values_normalised(void **state)
{
	struct stack_set *before = read_text("m;grew 10\nm;shrank 30\nm;gone 10\n");
	struct stack_set *after = read_text("m;grew 40\nm;shrank 20\nm;new 40\n");
	char *buf = NULL, *g;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_int_equal(flame__write_diff_svg(f, before, after, true, NULL), 0);
	fclose(f);
	assert_non_null(strstr(buf, "data-mode=\"diff\""));
	/* before's 50 scaled to after's 100: x2 */
	g = strstr(buf, "<title>grew\n");
	assert_non_null(g);
	assert_non_null(strstr(buf, "data-v=\"40\" data-d=\"2\" data-b=\"20\"><title>grew"));
	assert_non_null(strstr(buf, "data-v=\"20\" data-d=\"2\" data-b=\"60\"><title>shrank"));
	assert_non_null(strstr(buf, "data-v=\"40\" data-d=\"2\" data-b=\"0\"><title>new"));
	assert_non_null(strstr(buf, "data-v=\"100\" data-d=\"0\" data-b=\"100\"><title>all"));
	/* grew is red (blue channel low), shrank blue */
	assert_non_null(strstr(strstr(buf, "<title>grew"), "fill=\"rgb(255,"));
	assert_non_null(strstr(strstr(buf, "<title>shrank"), ",255)\""));
	assert_non_null(strstr(buf, "20 samples of before in stacks after does not have"));
	free(buf);
	stack_set__free(before);
	stack_set__free(after);
}

static void sink_formats_by_name_and_suffix(void **state)
{
	enum sink_format fmt;

	(void)state;
	assert_int_equal(sink__parse_format("svg", &fmt), 0);
	assert_int_equal(fmt, SINK_SVG);
	assert_int_equal(sink__parse_format("pprof", &fmt), 0);
	assert_int_equal(fmt, SINK_PPROF);
	assert_int_equal(sink__parse_format("folded", &fmt), 0);
	assert_int_equal(fmt, SINK_FOLDED);
	assert_int_equal(sink__parse_format("json", &fmt), -EINVAL);
	assert_int_equal(sink__format_of_path("a/b.svg"), SINK_SVG);
	assert_int_equal(sink__format_of_path("x.pb.gz"), SINK_PPROF);
	assert_int_equal(sink__format_of_path("x.pprof"), SINK_PPROF);
	assert_int_equal(sink__format_of_path("x.gz"), SINK_FOLDED);
	assert_int_equal(sink__format_of_path(NULL), SINK_FOLDED);
}

static void titles_say_what_when_how_long_and_rate(void **state)
{
	struct profile_meta m = {
		.target = "pid 42",
		.clock = "wall",
		.event = "cpu-clock",
		.freq = 99,
		.start = 1796332336, /* 2026-12-03 21:12:16 UTC */
		.duration_ns = 5000000000ULL,
		.unit = "us",
	};
	char title[64], sub[256];

	(void)state;
	sink__titles(&m, 1234, title, sizeof(title), sub, sizeof(sub));
	assert_string_equal(title, "Wall-clock flame graph");
	assert_string_equal(sub, "pid 42, cpu-clock at 99 Hz, 2026-12-03 21:12:16 UTC, 5.0 s, 0.00 "
				 "s of thread time");
	m.clock = "off";
	m.event = NULL;
	m.start = 0;
	sink__titles(&m, 7250000, title, sizeof(title), sub, sizeof(sub));
	assert_string_equal(title, "Off-CPU flame graph");
	assert_string_equal(sub, "pid 42, 5.0 s, 7.25 s of thread time");
	m.unit = "samples";
	sink__titles(&m, 1, title, sizeof(title), sub, sizeof(sub));
	assert_string_equal(sub, "pid 42, 5.0 s, 1 sample");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reader_adds_repeated_stacks_and_skips_empty_lines),
		cmocka_unit_test(reader_names_the_line_that_is_wrong),
		cmocka_unit_test(reader_takes_blanks_tabs_and_a_byte_order_mark),
		cmocka_unit_test(deep_stacks_are_drawn_without_recursion),
		cmocka_unit_test(every_frame_has_its_value_and_width),
		cmocka_unit_test(narrow_frames_are_merged_or_dropped),
		cmocka_unit_test(names_are_escaped_and_made_valid_utf8),
		cmocka_unit_test(reverse_merges_by_the_leaf),
		cmocka_unit_test(diff_holds_before_values_normalised),
		cmocka_unit_test(sink_formats_by_name_and_suffix),
		cmocka_unit_test(titles_say_what_when_how_long_and_rate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
