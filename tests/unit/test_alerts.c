// SPDX-License-Identifier: GPL-2.0
/* test_alerts.c: alert rules: parsing, canonical text, values, firing and clearing, commands. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "alerts.h"
#include "hist.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct alert_rule parsed(const char *expr)
{
	struct alert_rule r = {.name = "r"};
	char err[256];

	if (alert_rule__parse(expr, &r, err, sizeof(err)))
		fail_msg("'%s': %s", expr, err);
	return r;
}

/* ---- parsing ---- */

static void parse_reads_the_briefs_examples(void **state)
{
	struct alert_rule r;

	(void)state;
	r = parsed("p99(myapp.syscall.fsync) > 50ms for 30s");
	assert_string_equal(r.pattern, "myapp.syscall.fsync");
	assert_int_equal(r.stat, ALERT_P99);
	assert_int_equal(r.op, ALERT_GT);
	assert_true(r.threshold == 50e6);
	assert_true(r.for_s == 30);

	r = parsed("error_rate(*.syscall.openat) > 5%");
	assert_string_equal(r.pattern, "*.syscall.openat");
	assert_int_equal(r.stat, ALERT_ERROR_RATE);
	assert_true(r.threshold == 0.05);
	assert_true(r.for_s == 0);

	r = parsed("share(myapp.cpu.compress) >= 30% for 2m");
	assert_int_equal(r.stat, ALERT_SHARE);
	assert_int_equal(r.op, ALERT_GE);
	assert_true(r.threshold == 0.3);
	assert_true(r.for_s == 120);

	r = parsed("rate(web.fn.handle) < 10/s for 1m");
	assert_int_equal(r.stat, ALERT_RATE);
	assert_int_equal(r.op, ALERT_LT);
	assert_true(r.threshold == 10);
	assert_true(r.for_s == 60);
}

static void parse_takes_every_statistic_unit_and_spacing(void **state)
{
	static const struct {
		const char *expr;
		enum alert_stat stat;
		enum alert_op op;
		double threshold, for_s;
	} cases[] = {
		{"rate(x) <= 10", ALERT_RATE, ALERT_LE, 10, 0},
		{"rate(x) < 10 for 1.5m", ALERT_RATE, ALERT_LT, 10, 90},
		{"errors(x) > 6/min", ALERT_ERRORS, ALERT_GT, 0.1, 0},
		{"errors(x) > 0.5/s for 1h", ALERT_ERRORS, ALERT_GT, 0.5, 3600},
		{"error_rate(x) >= 100%", ALERT_ERROR_RATE, ALERT_GE, 1, 0},
		{"error_rate(x) > 0%", ALERT_ERROR_RATE, ALERT_GT, 0, 0},
		{"mean(x) > 1.5us", ALERT_MEAN, ALERT_GT, 1500, 0},
		{"p50(x) > 2s", ALERT_P50, ALERT_GT, 2e9, 0},
		{"p90(x) >= 100ns", ALERT_P90, ALERT_GE, 100, 0},
		{"max(x) > 1e3ms for 0s", ALERT_MAX, ALERT_GT, 1e9, 0},
		{"share(x) < 0.5%", ALERT_SHARE, ALERT_LT, 0.005, 0},
		/* spaces anywhere between the parts, none needed around the operator */
		{"  p99 ( x )>50 ms  for  30 s  ", ALERT_P99, ALERT_GT, 50e6, 30},
		{"\tp99(x)>=.5ms for30s\n", ALERT_P99, ALERT_GE, 0.5e6, 30},
		{"share(x) >= 30 % for 2 m", ALERT_SHARE, ALERT_GE, 0.3, 120},
		{"rate(x) < 10 /min", ALERT_RATE, ALERT_LT, 10.0 / 60, 0},
		{"rate(x) < 10/s for 1m", ALERT_RATE, ALERT_LT, 10, 60},
		{"share(x) >= 30%for 2m", ALERT_SHARE, ALERT_GE, 0.3, 120},
	};

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		struct alert_rule r = parsed(cases[i].expr);

		assert_string_equal(r.pattern, "x");
		assert_int_equal(r.stat, cases[i].stat);
		assert_int_equal(r.op, cases[i].op);
		if (r.threshold != cases[i].threshold || r.for_s != cases[i].for_s)
			fail_msg("'%s': threshold %.17g for %.17g", cases[i].expr, r.threshold,
				 r.for_s);
	}
}

static void parse_keeps_name_and_command_and_the_longest_pattern(void **state)
{
	struct alert_rule r = {.name = "slow", .command = "true"};
	char expr[256], err[128];

	(void)state;
	assert_int_equal(alert_rule__parse("max(a b.fn.x) > 1s", &r, err, sizeof(err)), 0);
	assert_string_equal(r.name, "slow");
	assert_string_equal(r.command, "true");
	assert_string_equal(r.pattern, "a b.fn.x"); /* a process name may have a space */

	snprintf(expr, sizeof(expr), "max(%0*d) > 1s", ALERT_PATTERN_MAX - 1, 0);
	assert_int_equal(alert_rule__parse(expr, &r, err, sizeof(err)), 0);
	assert_int_equal(strlen(r.pattern), ALERT_PATTERN_MAX - 1);
}

static void parse_errors_say_why_and_quote_the_token(void **state)
{
	static const struct {
		const char *expr, *says, *quotes;
	} cases[] = {
		{"", "empty rule", ""},
		{"   ", "empty rule", ""},
		{"p98(x) > 5ms", "unknown statistic", "'p98'"},
		{"P99(x) > 5ms", "unknown statistic", "'P99'"},
		{"(x) > 5ms", "expected a statistic", "'(x)'"},
		{"p99 x) > 5ms", "expected '(' after 'p99'", "'x)'"},
		{"p99(x > 5ms", "missing ')'", "'(x'"},
		{"p99() > 5ms", "empty series pattern", "'p99()'"},
		{"p99(  ) > 5ms", "empty series pattern", "'p99()'"},
		{"p99(x) 5ms", "expected an operator", "'5ms'"},
		{"p99(x) => 5ms", "unknown operator", "'=>'"},
		{"p99(x) == 5ms", "unknown operator", "'=='"},
		{"p99(x)", "missing operator", ""},
		{"p99(x) >", "missing threshold", ""},
		{"p99(x) > 50", "a time needs a unit: 50ms", ""},
		{"p99(x) > 50 for 30s", "a time needs a unit: 50ms", ""},
		{"p99(x) > 2.5", "a time needs a unit: 2.5ms", ""},
		{"p99(x) > 50min", "unknown time unit", "'min'"},
		{"p99(x) > 50%", "unknown time unit", "'%'"},
		{"p99(x) > -5ms", "negative threshold", "'-5ms'"},
		{"p99(x) > +5ms", "expected a number", "'+5ms'"},
		{"p99(x) > inf ms", "expected a number", "'inf'"},
		{"p99(x) > nan", "expected a number", "'nan'"},
		{"p99(x) > 1e999ms", "out of range", "'1e999'"},
		{"p99(x) > 1e300s", "out of range", "'1e300s'"},
		{"p99(x) > 1.5.3ms", "expected a number", "'1.5.3ms'"},
		{"rate(x) > 0x10", "expected a number", "'0x10'"},
		{"rate(x) > nan/s", "expected a number", "'nan/s'"},
		{"rate(x) > 5/h", "unknown rate unit", "'/h'"},
		{"rate(x) > 5 per_s", "unknown rate unit", "'per'"},
		{"errors(x) > 5%", "use error_rate", "'5%'"},
		{"error_rate(x) > 5", "a percentage needs a unit: 5%", ""},
		{"error_rate(x) > 5ms", "unknown percentage unit", "'ms'"},
		{"error_rate(x) > 150%", "more than 100%", "'150%'"},
		{"share(x) > 100.5 %", "more than 100%", "'100.5 %'"},
		{"p99(x) > 50ms extra", "unexpected", "'extra'"},
		{"p99(x) > 50ms fr 30s", "unexpected", "'fr'"},
		{"p99(x) > 50ms forever", "unexpected", "'forever'"},
		{"p99(x) > 50ms for", "missing duration", ""},
		{"p99(x) > 50ms for soon", "expected a number for the duration", "'soon'"},
		{"p99(x) > 50ms for 30", "a duration needs a unit: 30s", ""},
		{"p99(x) > 50ms for 30ms", "unknown duration unit", "'ms'"},
		{"p99(x) > 50ms for 30min", "unknown duration unit", "'min'"},
		{"p99(x) > 50ms for -30s", "negative duration", "'-30s'"},
		{"p99(x) > 50ms for inf s", "expected a number", "'inf'"},
		{"p99(x) > 50ms for 30s 10s", "unexpected", "'10s'"},
		{"p99(x) > 50ms for 30s)", "unexpected", "')'"},
	};
	char expr[256], err[256];

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		struct alert_rule r = {.pattern = "before", .threshold = 7, .for_s = 3};

		strcpy(err, "unset");
		if (alert_rule__parse(cases[i].expr, &r, err, sizeof(err)) != -EINVAL)
			fail_msg("'%s' parsed", cases[i].expr);
		if (!strstr(err, cases[i].says) || !strstr(err, cases[i].quotes))
			fail_msg("'%s': '%s' lacks '%s' or %s", cases[i].expr, err, cases[i].says,
				 cases[i].quotes);
		/* one line, no full stop: the agent wraps it in "FILE:LINE: rule 'x': " */
		assert_null(strchr(err, '\n'));
		assert_int_not_equal(err[strlen(err) - 1], '.');
		/* a failed parse leaves the rule as it was */
		assert_string_equal(r.pattern, "before");
		assert_true(r.threshold == 7 && r.for_s == 3);
	}

	snprintf(expr, sizeof(expr), "max(%0*d) > 1s", ALERT_PATTERN_MAX, 0);
	{
		struct alert_rule r = {};

		assert_int_equal(alert_rule__parse(expr, &r, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "128 characters, more than 127"));
	}
	/* no room for a message is no harm */
	{
		struct alert_rule r = {};

		assert_int_equal(alert_rule__parse("p98(x) > 1s", &r, NULL, 0), -EINVAL);
		assert_int_equal(alert_rule__parse("p98(x) > 1s", &r, err, 8), -EINVAL);
		assert_int_equal(strlen(err), 7);
	}
}

/* ---- canonical text ---- */

static void describe_writes_canonical_text(void **state)
{
	static const struct {
		const char *expr, *text;
	} cases[] = {
		{"p99(myapp.syscall.fsync) > 50ms for 30s",
		 "p99(myapp.syscall.fsync) > 50 ms for 30 s"},
		{"error_rate(*.syscall.openat) > 5%", "error_rate(*.syscall.openat) > 5%"},
		{"rate(web.fn.handle) < 10/s for 1m", "rate(web.fn.handle) < 10/s for 60 s"},
		{"share(myapp.cpu.compress) >= 30% for 2m",
		 "share(myapp.cpu.compress) >= 30% for 120 s"},
		{" rate( x )<=10", "rate(x) <= 10/s"},
		{"errors(x) > 6/min", "errors(x) > 0.1/s"},
		{"errors(x) > 5/min", "errors(x) > 5/min"},
		{"mean(x) > 1500ns", "mean(x) > 1.5 us"},
		{"max(x) > 2500ms for 1.5h", "max(x) > 2.5 s for 5400 s"},
		{"p90(x) >= 0.5ns", "p90(x) >= 0.5 ns"},
		{"p50(x) > 0s", "p50(x) > 0 ns"},
		{"p99(x) > 1.234567891ms", "p99(x) > 1.234567891 ms"},
		{"share(x) > 12.5%", "share(x) > 12.5%"},
		{"p99(x) > 5000s", "p99(x) > 5000 s"},
	};
	char buf[256];

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		struct alert_rule r = parsed(cases[i].expr);

		assert_string_equal(alert_rule__describe(&r, buf, sizeof(buf)), cases[i].text);
	}
}

/* The canonical text is a rule: it parses back to the very same one. */
static void describe_then_parse_gives_the_same_rule(void **state)
{
	static const char *const exprs[] = {
		"p99(myapp.syscall.fsync) > 50ms for 30s",
		"error_rate(*.syscall.openat) > 5%",
		"share(myapp.cpu.compress) >= 30% for 2m",
		"rate(web.fn.handle) < 10/s for 1m",
		"errors(x) > 7/min for 1.5m",
		"errors(x) > 1/min",
		"rate(x) > 0.3333333/s",
		"mean(x) <= 0.1ms for 0.1s",
		"p50(x) < 999.5ns",
		"p90(x) > 123456789ns",
		"max(x) > 1e-3ns",
		"max(x) > 1e12s for 1e6h",
		"share(x) > 33.333333333333%",
		"error_rate(x) > 0.07%",
		"p99(x) > 3.14159265358979ms for 17.3s",
	};
	char buf[256];

	(void)state;
	for (size_t i = 0; i < N(exprs); i++) {
		struct alert_rule a = parsed(exprs[i]), b;

		alert_rule__describe(&a, buf, sizeof(buf));
		b = parsed(buf);
		if (strcmp(a.pattern, b.pattern) || a.stat != b.stat || a.op != b.op ||
		    a.threshold != b.threshold || a.for_s != b.for_s)
			fail_msg("'%s' -> '%s' is another rule", exprs[i], buf);
	}
}

static void values_are_three_digits_with_a_fitting_unit(void **state)
{
	static const struct {
		enum alert_stat stat;
		double v;
		const char *text;
	} cases[] = {
		{ALERT_P99, 81.2e6, "81.2 ms"},	   {ALERT_P99, 81.24e6, "81.2 ms"},
		{ALERT_MEAN, 0, "0 ns"},	   {ALERT_MEAN, 0.5, "0.5 ns"},
		{ALERT_MEAN, 999, "999 ns"},	   {ALERT_MEAN, 999.7, "1 us"}, /* not "1e+03 ns" */
		{ALERT_MAX, 1500, "1.5 us"},	   {ALERT_MAX, 123456, "123 us"},
		{ALERT_MAX, 2.5e9, "2.5 s"},	   {ALERT_MAX, 5000e9, "5000 s"},
		{ALERT_ERROR_RATE, 0.053, "5.3%"}, {ALERT_ERROR_RATE, 0.12345, "12.3%"},
		{ALERT_SHARE, 1, "100%"},	   {ALERT_SHARE, 0, "0%"},
		{ALERT_RATE, 120, "120/s"},	   {ALERT_RATE, 0.25, "0.25/s"},
		{ALERT_ERRORS, 1234, "1234/s"},
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < N(cases); i++)
		assert_string_equal(alert_format_value(cases[i].stat, cases[i].v, buf, sizeof(buf)),
				    cases[i].text);
}

/* ---- values ---- */

static void counts_give_rates_shares_and_means(void **state)
{
	struct alert_sample s = {
		.series = "web.syscall.openat",
		.seconds = 10,
		.calls = 200,
		.errors = 10,
		.sum_ns = 200 * 30000ULL,
		.min_ns = 1000,
		.max_ns = 900000,
		.samples = 400,
		.hits = 100,
	};
	double v = -1;

	(void)state;
	assert_true(alert_sample__value(&s, ALERT_RATE, &v));
	assert_true(v == 20);
	assert_true(alert_sample__value(&s, ALERT_ERRORS, &v));
	assert_true(v == 1);
	assert_true(alert_sample__value(&s, ALERT_ERROR_RATE, &v));
	assert_true(v == 0.05);
	assert_true(alert_sample__value(&s, ALERT_MEAN, &v));
	assert_true(v == 30000);
	assert_true(alert_sample__value(&s, ALERT_MAX, &v));
	assert_true(v == 900000);
	assert_true(alert_sample__value(&s, ALERT_SHARE, &v));
	assert_true(v == 0.25);
	/* no histogram, no percentile */
	assert_false(alert_sample__value(&s, ALERT_P99, &v));
}

static void no_calls_no_samples_or_no_time_give_no_value(void **state)
{
	__u64 hist[HIST_BUCKETS] = {};
	struct alert_sample s = {.series = "x", .seconds = 10, .hist = hist};
	static const enum alert_stat per_call[] = {ALERT_ERROR_RATE, ALERT_MEAN, ALERT_P50,
						   ALERT_P90,	     ALERT_P99,	 ALERT_MAX};
	double v = -1;

	(void)state;
	for (size_t i = 0; i < N(per_call); i++)
		assert_false(alert_sample__value(&s, per_call[i], &v));
	assert_false(alert_sample__value(&s, ALERT_SHARE, &v));
	/* a process with a few samples in the interval has no share yet: 3 of 4 is chance */
	s.samples = ALERT_SHARE_MIN_SAMPLES - 1;
	s.hits = 15;
	assert_false(alert_sample__value(&s, ALERT_SHARE, &v));
	s.samples = ALERT_SHARE_MIN_SAMPLES;
	assert_true(alert_sample__value(&s, ALERT_SHARE, &v));
	assert_true(v == 15.0 / ALERT_SHARE_MIN_SAMPLES);
	s.samples = s.hits = 0;
	/* no calls in a known interval is a rate of 0, which "rate(x) < 10/s" needs */
	assert_true(alert_sample__value(&s, ALERT_RATE, &v));
	assert_true(v == 0);
	assert_true(alert_sample__value(&s, ALERT_ERRORS, &v));
	assert_true(v == 0);
	s.calls = 5;
	s.seconds = 0;
	assert_false(alert_sample__value(&s, ALERT_RATE, &v));
	assert_false(alert_sample__value(&s, ALERT_ERRORS, &v));
	s.seconds = -1;
	assert_false(alert_sample__value(&s, ALERT_RATE, &v));
	assert_true(v == 0); /* untouched since the last value */
}

static int bucket_of(double ns)
{
	for (int b = 0; b < HIST_BUCKETS; b++) {
		double lo, hi;

		hist__bounds(b, &lo, &hi);
		if (ns >= lo && ns < hi)
			return b;
	}
	fail_msg("%g ns in no bucket", ns);
	return -1;
}

static double bucket_middle(int b)
{
	double lo, hi;

	hist__bounds(b, &lo, &hi);
	return (lo + hi) / 2;
}

/* 99 calls of about 1 ms and one of 100 ms: p50 and p99 are the 1 ms bucket, max is 100 ms. */
static void percentiles_come_from_the_histogram(void **state)
{
	__u64 hist[HIST_BUCKETS] = {};
	int ms = bucket_of(1e6), slow = bucket_of(100e6);
	struct alert_sample s = {
		.series = "db.syscall.fsync",
		.seconds = 10,
		.calls = 100,
		.sum_ns = 99 * 1000000ULL + 100000000ULL,
		.min_ns = 950000,
		.max_ns = 100000000,
		.hist = hist,
	};
	double v;

	(void)state;
	hist[ms] = 99;
	hist[slow] = 1;
	assert_true(bucket_middle(ms) > 0.9e6 && bucket_middle(ms) < 1.1e6);

	assert_true(alert_sample__value(&s, ALERT_P50, &v));
	assert_true(v == bucket_middle(ms));
	assert_true(alert_sample__value(&s, ALERT_P90, &v));
	assert_true(v == bucket_middle(ms));
	assert_true(alert_sample__value(&s, ALERT_P99, &v));
	assert_true(v == bucket_middle(ms));
	assert_true(alert_sample__value(&s, ALERT_MAX, &v));
	assert_true(v == 100e6);
	assert_true(alert_sample__value(&s, ALERT_MEAN, &v));
	assert_true(v == 1.99e6);

	/* a second slow call moves p99 into the slow bucket, kept within max_ns */
	hist[ms] = 98;
	hist[slow] = 2;
	assert_true(alert_sample__value(&s, ALERT_P99, &v));
	assert_true(v == (bucket_middle(slow) < 100e6 ? bucket_middle(slow) : 100e6));
	assert_true(v > 90e6 && v <= 100e6);
	assert_true(alert_sample__value(&s, ALERT_P50, &v));
	assert_true(v == bucket_middle(ms));
}

/* ---- evaluation ---- */

struct recorded {
	const struct alert_rule *rule;
	char series[64];
	bool firing, known;
	double value, since, now;
};

struct recorder {
	int n;
	struct recorded ev[16];
};

static void record(void *ctx, const struct alert_event *ev)
{
	struct recorder *rec = ctx;
	struct recorded *e;

	assert_true(rec->n < (int)N(rec->ev));
	e = &rec->ev[rec->n++];
	e->rule = ev->rule;
	snprintf(e->series, sizeof(e->series), "%s", ev->series);
	e->firing = ev->firing;
	e->known = ev->known;
	e->value = ev->value;
	e->since = ev->since;
	e->now = ev->now;
}

/* Ten fsync calls in a 10 s interval, each taking ms milliseconds. */
static struct alert_sample fsyncs(const char *series, double ms)
{
	__u64 ns = (__u64)(ms * 1e6);

	return (struct alert_sample){
		.series = series,
		.seconds = 10,
		.calls = 10,
		.sum_ns = 10 * ns,
		.min_ns = ns,
		.max_ns = ns,
	};
}

static struct alerts *one_rule(const char *expr)
{
	struct alert_rule r = parsed(expr);
	struct alerts *a = alerts__new(&r, 1);

	assert_non_null(a);
	return a;
}

/* One evaluation with one sample; rec is emptied first. */
static int eval1(struct alerts *a, struct recorder *rec, double now, struct alert_sample s)
{
	rec->n = 0;
	return alerts__eval(a, now, &s, 1, record, rec);
}

static void without_for_a_rule_fires_at_the_first_holding_evaluation(void **state)
{
	struct alerts *a = one_rule("max(db.syscall.fsync) > 50ms");
	struct recorder rec = {};

	(void)state;
	assert_int_equal(eval1(a, &rec, 10, fsyncs("db.syscall.fsync", 20)), 0);
	assert_int_equal(rec.n, 0);

	assert_int_equal(eval1(a, &rec, 20, fsyncs("db.syscall.fsync", 80)), 1);
	assert_int_equal(rec.n, 1);
	assert_true(rec.ev[0].firing && rec.ev[0].known);
	assert_string_equal(rec.ev[0].series, "db.syscall.fsync");
	assert_string_equal(rec.ev[0].rule->name, "r");
	assert_true(rec.ev[0].value == 80e6);
	assert_true(rec.ev[0].since == 20 && rec.ev[0].now == 20);

	/* still holding: still firing, nothing new to tell */
	assert_int_equal(eval1(a, &rec, 30, fsyncs("db.syscall.fsync", 90)), 1);
	assert_int_equal(rec.n, 0);

	/* clears at the first evaluation where it does not hold; since is when it fired */
	assert_int_equal(eval1(a, &rec, 40, fsyncs("db.syscall.fsync", 50)), 0);
	assert_int_equal(rec.n, 1);
	assert_false(rec.ev[0].firing);
	assert_true(rec.ev[0].known && rec.ev[0].value == 50e6);
	assert_true(rec.ev[0].since == 20 && rec.ev[0].now == 40);

	assert_int_equal(eval1(a, &rec, 50, fsyncs("db.syscall.fsync", 10)), 0);
	assert_int_equal(rec.n, 0);
	alerts__free(a);
}

/* "for 30s" every 10 s: holding at t, t+10, t+20 is not enough; t+30 fires, since t. */
static void for_30s_fires_at_the_fourth_holding_evaluation(void **state)
{
	struct alerts *a = one_rule("max(db.syscall.fsync) > 50ms for 30s");
	struct recorder rec = {};

	(void)state;
	for (int t = 100; t <= 120; t += 10) {
		assert_int_equal(eval1(a, &rec, t, fsyncs("db.syscall.fsync", 80)), 0);
		assert_int_equal(rec.n, 0);
	}
	assert_int_equal(eval1(a, &rec, 130, fsyncs("db.syscall.fsync", 80)), 1);
	assert_int_equal(rec.n, 1);
	assert_true(rec.ev[0].firing);
	assert_true(rec.ev[0].since == 100 && rec.ev[0].now == 130);
	assert_int_equal(eval1(a, &rec, 140, fsyncs("db.syscall.fsync", 80)), 1);
	assert_int_equal(rec.n, 0);
	alerts__free(a);
}

/* Times as a monotonic clock gives them, with fractions that do not add up exactly. */
static void for_fires_on_time_despite_rounding(void **state)
{
	struct alerts *a = one_rule("max(db.syscall.fsync) > 50ms for 0.3s");
	struct recorder rec = {};
	double t0 = 12345.1;

	(void)state;
	for (int i = 0; i < 3; i++)
		assert_int_equal(eval1(a, &rec, t0 + i * 0.1, fsyncs("db.syscall.fsync", 80)), 0);
	assert_true((t0 + 3 * 0.1) - t0 < 0.3); /* what the slack is for */
	assert_int_equal(eval1(a, &rec, t0 + 3 * 0.1, fsyncs("db.syscall.fsync", 80)), 1);
	alerts__free(a);
}

static void an_interruption_starts_the_wait_again(void **state)
{
	struct alerts *a = one_rule("max(db.syscall.fsync) > 50ms for 30s");
	struct alert_sample idle = fsyncs("db.syscall.fsync", 80);
	struct recorder rec = {};

	(void)state;
	eval1(a, &rec, 10, fsyncs("db.syscall.fsync", 80));
	eval1(a, &rec, 20, fsyncs("db.syscall.fsync", 80));
	eval1(a, &rec, 30, fsyncs("db.syscall.fsync", 80));
	/* one calm interval at 40, and t+30 from 10 passes without firing */
	assert_int_equal(eval1(a, &rec, 40, fsyncs("db.syscall.fsync", 5)), 0);
	assert_int_equal(rec.n, 0);
	for (int t = 50; t <= 70; t += 10) {
		assert_int_equal(eval1(a, &rec, t, fsyncs("db.syscall.fsync", 80)), 0);
		assert_int_equal(rec.n, 0);
	}
	assert_int_equal(eval1(a, &rec, 80, fsyncs("db.syscall.fsync", 80)), 1);
	assert_true(rec.ev[0].firing && rec.ev[0].since == 50);

	/* an interval without calls has no maximum: that does not hold either */
	idle.calls = 0;
	assert_int_equal(eval1(a, &rec, 90, idle), 0);
	assert_int_equal(rec.n, 1);
	assert_false(rec.ev[0].firing);
	assert_false(rec.ev[0].known);
	assert_true(rec.ev[0].since == 80 && rec.ev[0].now == 90);
	alerts__free(a);
}

static void a_series_gone_from_the_samples_clears(void **state)
{
	struct alerts *a = one_rule("max(db.syscall.fsync) > 50ms for 10s");
	struct recorder rec = {};

	(void)state;
	eval1(a, &rec, 10, fsyncs("db.syscall.fsync", 80));
	assert_int_equal(eval1(a, &rec, 20, fsyncs("db.syscall.fsync", 80)), 1);
	rec.n = 0;
	assert_int_equal(alerts__eval(a, 30, NULL, 0, record, &rec), 0);
	assert_int_equal(rec.n, 1);
	assert_false(rec.ev[0].firing);
	assert_false(rec.ev[0].known);
	assert_string_equal(rec.ev[0].series, "db.syscall.fsync");
	assert_true(rec.ev[0].since == 20 && rec.ev[0].now == 30);

	/* a pending series that goes away starts over when it comes back */
	eval1(a, &rec, 40, fsyncs("db.syscall.fsync", 80));
	assert_int_equal(alerts__eval(a, 50, NULL, 0, record, &rec), 0);
	assert_int_equal(eval1(a, &rec, 60, fsyncs("db.syscall.fsync", 80)), 0);
	assert_int_equal(rec.n, 0);
	assert_int_equal(eval1(a, &rec, 70, fsyncs("db.syscall.fsync", 80)), 1);
	assert_true(rec.ev[0].since == 60);
	alerts__free(a);
}

/* One rule, two processes: each series waits, fires and clears on its own. */
static void series_of_one_rule_fire_independently(void **state)
{
	struct alerts *a = one_rule("max(*.syscall.fsync) > 50ms for 10s");
	struct recorder rec = {};
	struct alert_sample s[3];

	(void)state;
	s[0] = fsyncs("db.syscall.fsync", 80);
	s[1] = fsyncs("web.syscall.fsync", 5);
	s[2] = fsyncs("db.syscall.fsyncdata", 80); /* not matched */
	assert_int_equal(alerts__eval(a, 10, s, 3, record, &rec), 0);
	s[1] = fsyncs("web.syscall.fsync", 80);
	assert_int_equal(alerts__eval(a, 20, s, 3, record, &rec), 1);
	assert_int_equal(rec.n, 1);
	assert_string_equal(rec.ev[0].series, "db.syscall.fsync");
	assert_true(rec.ev[0].since == 10);
	assert_int_equal(alerts__eval(a, 30, s, 3, record, &rec), 1); /* one rule, two series */
	assert_int_equal(rec.n, 2);
	assert_string_equal(rec.ev[1].series, "web.syscall.fsync");
	assert_true(rec.ev[1].firing && rec.ev[1].since == 20);

	s[0] = fsyncs("db.syscall.fsync", 5);
	rec.n = 0;
	assert_int_equal(alerts__eval(a, 40, s, 3, record, &rec), 1);
	assert_int_equal(rec.n, 1);
	assert_string_equal(rec.ev[0].series, "db.syscall.fsync");
	assert_false(rec.ev[0].firing);
	rec.n = 0;
	assert_int_equal(alerts__eval(a, 50, s, 1, record, &rec), 0); /* web is gone */
	assert_int_equal(rec.n, 1);
	assert_string_equal(rec.ev[0].series, "web.syscall.fsync");
	assert_false(rec.ev[0].firing || rec.ev[0].known);
	alerts__free(a);
}

/* The count is of rules firing for some series, whatever the statistic. */
static void eval_counts_firing_rules(void **state)
{
	struct alert_rule rules[4];
	struct recorder rec = {};
	struct alert_sample s[2];
	struct alerts *a;

	(void)state;
	rules[0] = parsed("error_rate(*.syscall.openat) > 5%");
	rules[1] = parsed("rate(*.syscall.openat) < 10/s");
	rules[2] = parsed("share(app.cpu.compress) >= 30%");
	rules[3] = parsed("errors(*.syscall.openat) > 100/s");
	a = alerts__new(rules, N(rules));
	assert_non_null(a);
	s[0] = (struct alert_sample){.series = "app.syscall.openat",
				     .seconds = 10,
				     .calls = 50,
				     .errors = 5}; /* 10%, 5/s, 0.5 errors/s */
	s[1] = (struct alert_sample){.series = "app.cpu.compress", .samples = 99, .hits = 30};
	assert_int_equal(alerts__eval(a, 10, s, 2, record, &rec), 3);
	assert_int_equal(rec.n, 3);
	/* the events point at the alerts' own copies of the rules */
	assert_int_equal(rec.ev[0].rule->stat, ALERT_ERROR_RATE);
	assert_int_equal(rec.ev[1].rule->stat, ALERT_RATE);
	assert_int_equal(rec.ev[2].rule->stat, ALERT_SHARE);
	assert_string_equal(rec.ev[2].series, "app.cpu.compress");
	assert_true(rec.ev[2].value == 30.0 / 99);

	s[1].hits = 29;
	rec.n = 0;
	assert_int_equal(alerts__eval(a, 20, s, 2, record, &rec), 2);
	assert_int_equal(rec.n, 1);
	assert_false(rec.ev[0].firing);
	assert_int_equal(alerts__eval(a, 30, s, 2, NULL, NULL), 2); /* no callback is fine */
	alerts__free(a);
}

/* A series given twice in one evaluation is judged by its first sample. */
static void a_repeated_series_counts_once(void **state)
{
	struct alerts *a = one_rule("max(db.syscall.fsync) > 50ms");
	struct recorder rec = {};
	struct alert_sample s[2] = {fsyncs("db.syscall.fsync", 80), fsyncs("db.syscall.fsync", 5)};

	(void)state;
	assert_int_equal(alerts__eval(a, 10, s, 2, record, &rec), 1);
	assert_int_equal(rec.n, 1);
	assert_true(rec.ev[0].firing);
	alerts__free(a);
}

/* Nothing is kept for series that neither hold nor fire, so memory follows what is measured. */
static void series_that_stop_holding_are_forgotten(void **state)
{
	struct alerts *a = one_rule("max(*.syscall.fsync) > 50ms for 1h");
	struct alert_sample s[200];
	char names[N(s)][32];
	size_t first = 0;

	(void)state;
	for (int round = 0; round < 50; round++) {
		/* 200 new pending series each time; the last round's are gone */
		for (size_t i = 0; i < N(s); i++) {
			snprintf(names[i], sizeof(names[i]), "p%02d_%03zu.syscall.fsync", round, i);
			s[i] = fsyncs(names[i], 80);
		}
		assert_int_equal(alerts__eval(a, round * 10, s, N(s), NULL, NULL), 0);
		/*
		 * The same bytes in use after every round once the table has
		 * grown to two rounds' worth (both are there during one).
		 */
		if (round == 5)
			first = mallinfo2().uordblks;
		else if (round > 5)
			assert_int_equal(mallinfo2().uordblks, first);
	}
	alerts__free(a);
}

/* ---- commands ---- */

/* name's value in the KEY=VALUE lines of buf, or NULL; fails on a repeated name. */
static const char *env_value(const char *buf, const char *name, char *out, size_t len)
{
	const char *line = buf, *found = NULL;
	size_t n = strlen(name);

	for (; *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : line + strlen(line)) {
		if (!strncmp(line, name, n) && line[n] == '=') {
			assert_null(found);
			found = line + n + 1;
		}
	}
	if (!found)
		return NULL;
	snprintf(out, len, "%.*s", (int)strcspn(found, "\n"), found);
	return out;
}

static void read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

static void wait_for_commands(void)
{
	for (int i = 0; i < 1000 && alerts__reap() > 0; i++)
		usleep(10000);
	assert_int_equal(alerts__reap(), 0);
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void assert_about(const char *text, long long want)
{
	long long got = atoll(text);

	if (got < want - 1 || got > want + 1)
		fail_msg("%s is not %lld", text, want);
}

static void command_sees_the_event_in_its_environment(void **state)
{
	char dir[] = "/tmp/test_alerts.XXXXXX", cmd[256], envf[64], inf[64];
	char buf[4096], v[256];
	struct alert_rule r;
	struct alert_event ev;
	int pid;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(envf, sizeof(envf), "%s/env", dir);
	snprintf(inf, sizeof(inf), "%s/stdin", dir);
	snprintf(cmd, sizeof(cmd), "env | grep ^VIGIL_ALERT > %s; readlink /proc/$$/fd/0 > %s",
		 envf, inf);
	r = parsed("p99(myapp.syscall.fsync) > 50ms for 30s");
	snprintf(r.name, sizeof(r.name), "slow-fsync");
	r.command = cmd;
	/* an outer alert's variables do not leak into this one's */
	setenv("VIGIL_ALERT_STATE", "stale", 1);
	setenv("VIGIL_ALERT_OTHER", "stale", 1);

	ev = (struct alert_event){.rule = &r,
				  .series = "myapp.syscall.fsync",
				  .firing = true,
				  .known = true,
				  .value = 81.2e6,
				  .now = mono_now()};
	ev.since = ev.now - 40;
	pid = alerts__run_command(&ev);
	assert_true(pid > 0);
	wait_for_commands();

	read_file(envf, buf, sizeof(buf));
	assert_string_equal(env_value(buf, "VIGIL_ALERT", v, sizeof(v)), "slow-fsync");
	assert_string_equal(env_value(buf, "VIGIL_ALERT_STATE", v, sizeof(v)), "firing");
	assert_string_equal(env_value(buf, "VIGIL_ALERT_SERIES", v, sizeof(v)),
			    "myapp.syscall.fsync");
	assert_string_equal(env_value(buf, "VIGIL_ALERT_RULE", v, sizeof(v)),
			    "p99(myapp.syscall.fsync) > 50 ms for 30 s");
	assert_string_equal(env_value(buf, "VIGIL_ALERT_VALUE", v, sizeof(v)), "81.2 ms");
	assert_string_equal(env_value(buf, "VIGIL_ALERT_THRESHOLD", v, sizeof(v)), "50 ms");
	assert_about(env_value(buf, "VIGIL_ALERT_SINCE", v, sizeof(v)), time(NULL) - 40);
	assert_about(env_value(buf, "VIGIL_ALERT_TIME", v, sizeof(v)), time(NULL));
	assert_null(env_value(buf, "VIGIL_ALERT_OTHER", v, sizeof(v)));
	read_file(inf, buf, sizeof(buf));
	assert_string_equal(buf, "/dev/null\n");

	/* cleared, value unknown: an empty VIGIL_ALERT_VALUE */
	ev.firing = false;
	ev.known = false;
	ev.since = ev.now - 5;
	assert_true(alerts__run_command(&ev) > 0);
	wait_for_commands();
	read_file(envf, buf, sizeof(buf));
	assert_string_equal(env_value(buf, "VIGIL_ALERT_STATE", v, sizeof(v)), "cleared");
	assert_string_equal(env_value(buf, "VIGIL_ALERT_VALUE", v, sizeof(v)), "");
	assert_about(env_value(buf, "VIGIL_ALERT_SINCE", v, sizeof(v)), time(NULL) - 5);

	unsetenv("VIGIL_ALERT_STATE");
	unsetenv("VIGIL_ALERT_OTHER");
	unlink(envf);
	unlink(inf);
	assert_int_equal(rmdir(dir), 0);
}

static void a_rule_without_command_runs_nothing(void **state)
{
	struct alert_rule r = parsed("rate(x) > 1/s");
	struct alert_event ev = {.rule = &r, .series = "x", .firing = true};

	(void)state;
	assert_int_equal(alerts__run_command(&ev), -EINVAL);
	assert_int_equal(alerts__reap(), 0);
}

/* The agent has children of its own; reaping ours must not take theirs. */
static void reap_leaves_other_children_alone(void **state)
{
	struct alert_rule r = parsed("rate(x) > 1/s");
	struct alert_event ev = {.rule = &r, .series = "x", .firing = true};
	siginfo_t info = {};
	pid_t other;
	int status;

	(void)state;
	other = fork();
	assert_true(other >= 0);
	if (!other)
		_exit(7);
	/* wait until it has exited, without reaping it */
	assert_int_equal(waitid(P_PID, other, &info, WEXITED | WNOWAIT), 0);
	r.command = "exit 0";
	assert_true(alerts__run_command(&ev) > 0);
	wait_for_commands();
	assert_int_equal(waitpid(other, &status, WNOHANG), other);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 7);
}

/* At most 64 commands at once: commands that hang cannot pile up processes. */
static void commands_are_bounded(void **state)
{
	struct alert_rule r = parsed("rate(x) > 1/s");
	struct alert_event ev = {.rule = &r, .series = "x", .firing = true};
	sigset_t term, old;
	int pids[64];

	(void)state;
	/* as the agent does, to read SIGTERM from a signalfd */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &old);
	r.command = "exec sleep 60";
	for (int i = 0; i < 64; i++) {
		pids[i] = alerts__run_command(&ev);
		assert_true(pids[i] > 0);
	}
	assert_int_equal(alerts__run_command(&ev), -EAGAIN);
	assert_int_equal(alerts__reap(), 64);
	/* the agent's blocked signals are not the command's: SIGTERM ends it */
	for (int i = 0; i < 64; i++)
		assert_int_equal(kill(pids[i], SIGTERM), 0);
	wait_for_commands();
	sigprocmask(SIG_SETMASK, &old, NULL);
	r.command = "exit 0";
	assert_true(alerts__run_command(&ev) > 0);
	wait_for_commands();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_reads_the_briefs_examples),
		cmocka_unit_test(parse_takes_every_statistic_unit_and_spacing),
		cmocka_unit_test(parse_keeps_name_and_command_and_the_longest_pattern),
		cmocka_unit_test(parse_errors_say_why_and_quote_the_token),
		cmocka_unit_test(describe_writes_canonical_text),
		cmocka_unit_test(describe_then_parse_gives_the_same_rule),
		cmocka_unit_test(values_are_three_digits_with_a_fitting_unit),
		cmocka_unit_test(counts_give_rates_shares_and_means),
		cmocka_unit_test(no_calls_no_samples_or_no_time_give_no_value),
		cmocka_unit_test(percentiles_come_from_the_histogram),
		cmocka_unit_test(without_for_a_rule_fires_at_the_first_holding_evaluation),
		cmocka_unit_test(for_30s_fires_at_the_fourth_holding_evaluation),
		cmocka_unit_test(for_fires_on_time_despite_rounding),
		cmocka_unit_test(an_interruption_starts_the_wait_again),
		cmocka_unit_test(a_series_gone_from_the_samples_clears),
		cmocka_unit_test(series_of_one_rule_fire_independently),
		cmocka_unit_test(eval_counts_firing_rules),
		cmocka_unit_test(a_repeated_series_counts_once),
		cmocka_unit_test(series_that_stop_holding_are_forgotten),
		cmocka_unit_test(command_sees_the_event_in_its_environment),
		cmocka_unit_test(a_rule_without_command_runs_nothing),
		cmocka_unit_test(reap_leaves_other_children_alone),
		cmocka_unit_test(commands_are_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
