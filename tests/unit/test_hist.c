// SPDX-License-Identifier: GPL-2.0
/* test_hist.c: an interval's lowest and highest latencies, from its share of a histogram. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "hist.h"

static void no_calls_is_zero(void **state)
{
	__u64 hist[HIST_BUCKETS] = {0}, lo = 1, hi = 1;

	(void)state;
	hist__range(hist, 5, 500, &lo, &hi);
	assert_int_equal(lo, 0);
	assert_int_equal(hi, 0);
}

/* The first and last buckets with calls bound the interval: its calls lie within them. */
static void the_range_spans_the_buckets_with_calls(void **state)
{
	__u64 hist[HIST_BUCKETS] = {0}, lo, hi;
	double l1, h1, l2, h2;

	(void)state;
	hist[40] = 3;
	hist[52] = 1;
	hist__bounds(40, &l1, &h1);
	hist__bounds(52, &l2, &h2);
	hist__range(hist, 1, 1ULL << 40, &lo, &hi);
	assert_int_equal(lo, (__u64)l1);
	assert_int_equal(hi, (__u64)h2 - 1);
}

/* Never outside what the row has ever seen: a one-call interval at the row's extremes is exact. */
static void the_range_stays_within_the_rows_extremes(void **state)
{
	__u64 hist[HIST_BUCKETS] = {0}, lo, hi;
	double l, h;

	(void)state;
	hist[44] = 1;
	hist__bounds(44, &l, &h);
	hist__range(hist, (__u64)l + 3, (__u64)l + 3, &lo, &hi);
	assert_int_equal(lo, (__u64)l + 3);
	assert_int_equal(hi, (__u64)l + 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_calls_is_zero),
		cmocka_unit_test(the_range_spans_the_buckets_with_calls),
		cmocka_unit_test(the_range_stays_within_the_rows_extremes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
