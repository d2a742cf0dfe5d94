// SPDX-License-Identifier: GPL-2.0
/* alerts.c: alert rules: parsing and canonical text, per-series firing state, their commands. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include "alerts.h"
#include "hist.h"

/* ---- statistics, operators and units ---- */

enum kind {
	KIND_RATE,    /* per second */
	KIND_TIME,    /* ns */
	KIND_PERCENT, /* a fraction */
};

static const struct stat_info {
	const char *name;
	enum kind kind;
	double q; /* the quantile of a percentile */
} stats[] = {
	[ALERT_RATE] = {"rate", KIND_RATE, 0},
	[ALERT_ERRORS] = {"errors", KIND_RATE, 0},
	[ALERT_ERROR_RATE] = {"error_rate", KIND_PERCENT, 0},
	[ALERT_MEAN] = {"mean", KIND_TIME, 0},
	[ALERT_P50] = {"p50", KIND_TIME, 0.50},
	[ALERT_P90] = {"p90", KIND_TIME, 0.90},
	[ALERT_P99] = {"p99", KIND_TIME, 0.99},
	[ALERT_MAX] = {"max", KIND_TIME, 0},
	[ALERT_SHARE] = {"share", KIND_PERCENT, 0},
};

#define NSTATS	   (sizeof(stats) / sizeof(stats[0]))
#define STAT_NAMES "rate, errors, error_rate, mean, p50, p90, p99, max, share"

static const char *const ops[] = {
	[ALERT_GT] = ">",
	[ALERT_GE] = ">=",
	[ALERT_LT] = "<",
	[ALERT_LE] = "<=",
};

#define NOPS	 (sizeof(ops) / sizeof(ops[0]))
#define OP_NAMES ">, >=, <, <="

/*
 * A unit's value in the base unit is number * mul / div. Dividing by div
 * rather than multiplying by its inverse keeps "5%" and "6/min" the
 * doubles nearest to 0.05 and 0.1.
 */
struct unit {
	const char *name;
	double mul, div;
};

/* Largest last: alert_format_value() and describe walk up them. */
static const struct unit time_units[] = {
	{"ns", 1, 1}, {"us", 1e3, 1}, {"ms", 1e6, 1}, {"s", 1e9, 1}, {NULL, 0, 0},
};
static const struct unit percent_units[] = {{"%", 1, 100}, {NULL, 0, 0}};
static const struct unit rate_units[] = {{"/s", 1, 1}, {"/min", 1, 60}, {NULL, 0, 0}};
static const struct unit duration_units[] = {
	{"s", 1, 1}, {"m", 60, 1}, {"h", 3600, 1}, {NULL, 0, 0}};

/* What a number of one kind reads like, for the parser and its messages. */
struct quantity {
	const char *noun; /* "time", in messages */
	const struct unit *units;
	const char *unit_names;	  /* in messages */
	const char *example_unit; /* "a time needs a unit: 50ms"; NULL: a bare number is units[0] */
};

static const struct quantity quantities[] = {
	[KIND_RATE] = {"rate", rate_units, "/s, /min", NULL},
	[KIND_TIME] = {"time", time_units, "ns, us, ms, s", "ms"},
	[KIND_PERCENT] = {"percentage", percent_units, "%", "%"},
};
static const struct quantity duration = {"duration", duration_units, "s, m, h", "s"};

static double to_base(double x, const struct unit *u)
{
	return x * u->mul / u->div;
}

static double from_base(double x, const struct unit *u)
{
	return x * u->div / u->mul;
}

/* ---- parsing ---- */

struct parser {
	const char *p;
	char *err;
	size_t errlen;
};

static int fail(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;

	if (ps->err && ps->errlen) {
		va_start(ap, fmt);
		vsnprintf(ps->err, ps->errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static void skip_space(struct parser *ps)
{
	while (isspace((unsigned char)*ps->p))
		ps->p++;
}

/* The word at s, up to a space, to quote in a message; long ones are cut. */
static int word_len(const char *s)
{
	int n = 0;

	while (s[n] && !isspace((unsigned char)s[n]) && n < 40)
		n++;
	return n;
}

/* Letters, digits and '_' at s: a statistic's name or a keyword. */
static int name_len(const char *s)
{
	int n = 0;

	while (isalnum((unsigned char)s[n]) || s[n] == '_')
		n++;
	return n;
}

/* A unit after a number: "%", or letters after an optional '/'. */
static int unit_len(const char *s)
{
	int n = 0;

	if (*s == '%')
		return 1;
	if (*s == '/')
		n = 1;
	while (isalpha((unsigned char)s[n]))
		n++;
	return n;
}

static int parse_stat(struct parser *ps, enum alert_stat *out)
{
	const char *s = ps->p;
	int n = name_len(s);

	if (!n)
		return fail(ps, "expected a statistic (%s), found '%.*s'", STAT_NAMES, word_len(s),
			    s);
	for (size_t i = 0; i < NSTATS; i++) {
		if (strlen(stats[i].name) == (size_t)n && !strncmp(s, stats[i].name, n)) {
			*out = i;
			ps->p += n;
			return 0;
		}
	}
	return fail(ps, "unknown statistic '%.*s' (%s)", n, s, STAT_NAMES);
}

/* "(SERIES)", spaces inside trimmed. Series names hold no ')', so the first one ends it. */
static int parse_pattern(struct parser *ps, enum alert_stat stat, char *out)
{
	const char *open, *close, *end;

	skip_space(ps);
	if (*ps->p != '(')
		return fail(ps, "expected '(' after '%s', found '%.*s'", stats[stat].name,
			    word_len(ps->p), ps->p);
	open = ps->p + 1;
	close = strchr(open, ')');
	if (!close)
		return fail(ps, "missing ')' after '%.*s'", word_len(ps->p), ps->p);
	ps->p = close + 1;
	while (open < close && isspace((unsigned char)*open))
		open++;
	end = close;
	while (end > open && isspace((unsigned char)end[-1]))
		end--;
	if (end == open)
		return fail(ps, "empty series pattern in '%s()'", stats[stat].name);
	if (end - open > ALERT_PATTERN_MAX - 1)
		return fail(ps, "series pattern '%.20s...' is %d characters, more than %d", open,
			    (int)(end - open), ALERT_PATTERN_MAX - 1);
	memcpy(out, open, end - open);
	out[end - open] = '\0';
	return 0;
}

static int parse_op(struct parser *ps, enum alert_op *out)
{
	const char *s;
	size_t n;

	skip_space(ps);
	s = ps->p;
	n = strspn(s, "<>=!");
	if (!n && !*s)
		return fail(ps, "missing operator (%s) at the end", OP_NAMES);
	if (!n)
		return fail(ps, "expected an operator (%s), found '%.*s'", OP_NAMES, word_len(s),
			    s);
	for (size_t i = 0; i < NOPS; i++) {
		if (strlen(ops[i]) == n && !strncmp(s, ops[i], n)) {
			*out = i;
			ps->p += n;
			return 0;
		}
	}
	return fail(ps, "unknown operator '%.*s' (%s)", (int)n, s, OP_NAMES);
}

/*
 * A plain decimal number, an exponent allowed. strtod alone would also
 * take a sign, "inf", "nan" and hexadecimal; *len is the number's text.
 */
static int parse_number(struct parser *ps, const char *what, double *out, int *len)
{
	const char *s = ps->p;
	char *end;
	double v;

	if (!*s)
		return fail(ps, "missing %s at the end", what);
	if (*s == '-')
		return fail(ps, "negative %s '%.*s'", what, word_len(s), s);
	if (!isdigit((unsigned char)*s) && *s != '.')
		return fail(ps, "expected a number for the %s, found '%.*s'", what, word_len(s), s);
	errno = 0;
	v = strtod(s, &end);
	if (end == s || memchr(s, 'x', end - s) || memchr(s, 'X', end - s) || *end == '.')
		return fail(ps, "expected a number for the %s, found '%.*s'", what, word_len(s), s);
	if (errno == ERANGE || !isfinite(v))
		return fail(ps, "%s '%.*s' is out of range", what, (int)(end - s), s);
	*out = v;
	*len = end - s;
	ps->p = end;
	return 0;
}

/*
 * NUMBER [UNIT] of quantity q, into its base unit. Spaces may come
 * between the two; a word "for" after a space is the next clause, not a
 * unit.
 */
static int parse_quantity(struct parser *ps, const char *what, const struct quantity *q,
			  double *out, double *number)
{
	const struct unit *u = q->example_unit ? NULL : &q->units[0];
	const char *num = ps->p, *after;
	/* zeroed only for GCC, which cannot see parse_number() set them when it returns 0 */
	int ret, nlen = 0, ulen;
	double v = 0;

	ret = parse_number(ps, what, &v, &nlen);
	if (ret)
		return ret;
	after = ps->p;
	skip_space(ps);
	ulen = unit_len(ps->p);
	if (ulen == 3 && !strncmp(ps->p, "for", 3) && ps->p > after)
		ulen = 0;
	if (!ulen) {
		ps->p = after;
		if (!u)
			return fail(ps, "a %s needs a unit: %.*s%s", q->noun, nlen, num,
				    q->example_unit);
	} else {
		for (u = q->units; u->name; u++)
			if (strlen(u->name) == (size_t)ulen && !strncmp(ps->p, u->name, ulen))
				break;
		if (!u->name)
			return fail(ps, "unknown %s unit '%.*s' (%s)", q->noun, ulen, ps->p,
				    q->unit_names);
		ps->p += ulen;
	}
	*number = v;
	*out = to_base(v, u);
	if (!isfinite(*out))
		return fail(ps, "%s '%.*s' is out of range", what, (int)(ps->p - num), num);
	return 0;
}

static int parse_threshold(struct parser *ps, enum alert_stat stat, double *out)
{
	const struct quantity *q = &quantities[stats[stat].kind];
	const char *s;
	double number;
	int ret;

	skip_space(ps);
	s = ps->p;
	/* The likely mix-up gets its own message. */
	if (stat == ALERT_ERRORS && *s && s[strspn(s, "0123456789. ")] == '%')
		return fail(ps, "errors are counted per second, '%.*s' is a share: use error_rate",
			    word_len(s), s);
	ret = parse_quantity(ps, "threshold", q, out, &number);
	if (ret)
		return ret;
	if (stats[stat].kind == KIND_PERCENT && number > 100)
		return fail(ps, "threshold '%.*s' is more than 100%%", (int)(ps->p - s), s);
	return 0;
}

/* "for DURATION", or nothing. */
static int parse_for(struct parser *ps, double *out)
{
	double number;

	skip_space(ps);
	*out = 0;
	if (!*ps->p)
		return 0;
	if (strncmp(ps->p, "for", 3) || isalpha((unsigned char)ps->p[3]) || ps->p[3] == '_')
		return fail(ps, "unexpected '%.*s' after the threshold", word_len(ps->p), ps->p);
	ps->p += 3;
	skip_space(ps);
	return parse_quantity(ps, "duration", &duration, out, &number);
}

int alert_rule__parse(const char *expr, struct alert_rule *r, char *err, size_t errlen)
{
	struct parser ps = {expr, err, errlen};
	struct alert_rule t = *r;
	int ret;

	if (err && errlen)
		err[0] = '\0';
	skip_space(&ps);
	if (!*ps.p)
		return fail(&ps, "empty rule: expected STAT(SERIES) OP THRESHOLD [for DURATION]");
	ret = parse_stat(&ps, &t.stat);
	if (!ret)
		ret = parse_pattern(&ps, t.stat, t.pattern);
	if (!ret)
		ret = parse_op(&ps, &t.op);
	if (!ret)
		ret = parse_threshold(&ps, t.stat, &t.threshold);
	if (!ret)
		ret = parse_for(&ps, &t.for_s);
	if (ret)
		return ret;
	skip_space(&ps);
	if (*ps.p)
		return fail(&ps, "unexpected '%.*s' after the duration", word_len(ps.p), ps.p);
	*r = t;
	return 0;
}

/* ---- canonical text and values ---- */

/*
 * x, in base units, as a number of unit u: %g's six digits when they read
 * back as x, more when they do not, so that describe's text parses to the
 * same rule. False when not even seventeen do (x was not parsed).
 */
static bool format_exact(char *buf, size_t len, double x, const struct unit *u, int most)
{
	for (int prec = 6; prec <= most; prec++) {
		snprintf(buf, len, "%.*g", prec, from_base(x, u));
		if (to_base(strtod(buf, NULL), u) == x)
			return true;
	}
	return false;
}

/* The largest time unit that x (ns) has at least `one` of: 1, or less for what rounds up to 1. */
static const struct unit *time_unit(double x, double one)
{
	const struct unit *u = &time_units[0];

	while (u[1].name && x >= u[1].mul * one)
		u++;
	return u;
}

/* A threshold as describe writes it: "50 ms", "5%", "10/s", "5/min". */
static char *threshold_text(const struct alert_rule *r, char *buf, size_t len)
{
	const struct unit *u;
	char num[40];

	switch (stats[r->stat].kind) {
	case KIND_TIME:
		u = time_unit(r->threshold, 1);
		if (!format_exact(num, sizeof(num), r->threshold, u, 17)) {
			u = &time_units[0];
			format_exact(num, sizeof(num), r->threshold, u, 17);
		}
		snprintf(buf, len, "%s %s", num, u->name);
		break;
	case KIND_PERCENT:
		u = &percent_units[0];
		format_exact(num, sizeof(num), r->threshold, u, 17);
		snprintf(buf, len, "%s%s", num, u->name);
		break;
	case KIND_RATE:
		/* per minute only when that is the shorter: "5/min", not "0.0833333333333333/s" */
		u = &rate_units[0];
		if (!format_exact(num, sizeof(num), r->threshold, u, 6)) {
			u = &rate_units[1];
			if (!format_exact(num, sizeof(num), r->threshold, u, 6)) {
				u = &rate_units[0];
				format_exact(num, sizeof(num), r->threshold, u, 17);
			}
		}
		snprintf(buf, len, "%s%s", num, u->name);
		break;
	}
	return buf;
}

char *alert_rule__describe(const struct alert_rule *r, char *buf, size_t len)
{
	char thr[64], dur[48] = "";

	threshold_text(r, thr, sizeof(thr));
	if (r->for_s) {
		char num[40];

		format_exact(num, sizeof(num), r->for_s, &duration_units[0], 17);
		snprintf(dur, sizeof(dur), " for %s s", num);
	}
	snprintf(buf, len, "%s(%s) %s %s%s", stats[r->stat].name, r->pattern, ops[r->op], thr, dur);
	return buf;
}

/* x to three significant digits; whole from 1000 up, where %.3g would turn to "1e+03". */
static void format3(char *buf, size_t len, double x, const char *sep, const char *unit)
{
	if (x >= 999.5)
		snprintf(buf, len, "%.0f%s%s", x, sep, unit);
	else
		snprintf(buf, len, "%.3g%s%s", x, sep, unit);
}

char *alert_format_value(enum alert_stat stat, double v, char *buf, size_t len)
{
	const struct unit *u;

	switch (stats[stat].kind) {
	case KIND_TIME:
		/* 999.7 ns is "1 us" rather than "1e+03 ns": step up before rounding does */
		u = time_unit(v, 0.9995);
		format3(buf, len, from_base(v, u), " ", u->name);
		break;
	case KIND_PERCENT:
		format3(buf, len, v * 100, "", "%");
		break;
	case KIND_RATE:
		format3(buf, len, v, "", "/s");
		break;
	}
	return buf;
}

bool alert_sample__value(const struct alert_sample *s, enum alert_stat stat, double *out)
{
	switch (stat) {
	case ALERT_RATE:
	case ALERT_ERRORS:
		if (!(s->seconds > 0))
			return false;
		*out = (double)(stat == ALERT_RATE ? s->calls : s->errors) / s->seconds;
		return true;
	case ALERT_ERROR_RATE:
		if (!s->calls)
			return false;
		*out = (double)s->errors / s->calls;
		return true;
	case ALERT_MEAN:
		if (!s->calls)
			return false;
		*out = (double)s->sum_ns / s->calls;
		return true;
	case ALERT_P50:
	case ALERT_P90:
	case ALERT_P99:
		if (!s->calls || !s->hist)
			return false;
		*out = hist__quantile(s->hist, s->calls, s->sum_ns, s->min_ns, s->max_ns,
				      stats[stat].q);
		return true;
	case ALERT_MAX:
		if (!s->calls)
			return false;
		*out = s->max_ns;
		return true;
	case ALERT_SHARE:
		if (s->samples < ALERT_SHARE_MIN_SAMPLES)
			return false;
		*out = (double)s->hits / s->samples;
		return true;
	}
	return false;
}

/* ---- evaluation ---- */

/*
 * A rule on a series is pending from the first evaluation where its
 * condition holds (began) and fires at the first evaluation, with the
 * condition holding at every one in between, where
 *
 *     now - began >= for_s - FOR_SLACK_S
 *
 * so "for 30s" every 10 s fires at the fourth holding evaluation, as
 * Prometheus's "for" does. It clears at the first evaluation where the
 * condition does not hold or the series is missing; a pending series
 * that stops holding is forgotten, and starts over when it holds again.
 *
 * The slack is for rounding: times are doubles of seconds since boot,
 * and 12345.4 - 12345.1 is 0.2999999999993, which would put a "for 0.3s"
 * off by an interval. A millisecond is far below any interval.
 */
#define FOR_SLACK_S 0.001

/*
 * A series a rule holds for at the latest evaluation, pending or firing.
 * Nothing else is kept, so the table is as large as what holds now.
 */
struct series_state {
	char *series;
	size_t rule;
	double began; /* the first evaluation of this unbroken run of holding ones */
	double fired; /* when it fired, if firing */
	bool firing;
	bool holds;	   /* at the evaluation gen */
	unsigned long gen; /* the latest evaluation that had the series */
};

struct alerts {
	struct alert_rule *rules;
	size_t nrules;
	struct series_state *states;
	size_t nstates, cap;
	unsigned long gen;
};

struct alerts *alerts__new(const struct alert_rule *rules, size_t n)
{
	struct alerts *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->rules = calloc(n ? n : 1, sizeof(*rules));
	if (!a->rules) {
		free(a);
		return NULL;
	}
	if (n)
		memcpy(a->rules, rules, n * sizeof(*rules));
	a->nrules = n;
	return a;
}

void alerts__free(struct alerts *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->nstates; i++)
		free(a->states[i].series);
	free(a->states);
	free(a->rules);
	free(a);
}

static bool compare(enum alert_op op, double v, double threshold)
{
	switch (op) {
	case ALERT_GT:
		return v > threshold;
	case ALERT_GE:
		return v >= threshold;
	case ALERT_LT:
		return v < threshold;
	case ALERT_LE:
		return v <= threshold;
	}
	return false;
}

/* Linear: a few dozen rules times the series that hold, looked up once per interval. */
static struct series_state *find_state(struct alerts *a, size_t rule, const char *series)
{
	for (size_t i = 0; i < a->nstates; i++)
		if (a->states[i].rule == rule && !strcmp(a->states[i].series, series))
			return &a->states[i];
	return NULL;
}

static struct series_state *add_state(struct alerts *a, size_t rule, const char *series)
{
	struct series_state *st;

	if (a->nstates == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 16;

		st = realloc(a->states, cap * sizeof(*st));
		if (!st)
			return NULL;
		a->states = st;
		a->cap = cap;
	}
	st = &a->states[a->nstates];
	memset(st, 0, sizeof(*st));
	st->series = strdup(series);
	if (!st->series)
		return NULL;
	st->rule = rule;
	a->nstates++;
	return st;
}

static void emit(alert_cb cb, void *ctx, const struct alert_rule *r, const char *series,
		 bool firing, bool known, double value, double since, double now)
{
	struct alert_event ev = {
		.rule = r,
		.series = series,
		.firing = firing,
		.known = known,
		.value = known ? value : 0,
		.since = since,
		.now = now,
	};

	if (cb)
		cb(ctx, &ev);
}

/* Rule k on one series present at this evaluation. */
static int judge(struct alerts *a, size_t k, const struct alert_sample *s, double now, alert_cb cb,
		 void *ctx)
{
	const struct alert_rule *r = &a->rules[k];
	struct series_state *st = find_state(a, k, s->series);
	double v = 0;
	bool known = alert_sample__value(s, r->stat, &v);
	bool holds = known && compare(r->op, v, r->threshold);

	if (!st && !holds)
		return 0;
	if (!st) {
		st = add_state(a, k, s->series);
		if (!st)
			return -ENOMEM;
		st->began = now;
	}
	st->gen = a->gen;
	st->holds = holds;
	if (holds && !st->firing && now - st->began >= r->for_s - FOR_SLACK_S) {
		st->firing = true;
		st->fired = now;
		emit(cb, ctx, r, s->series, true, known, v, st->began, now);
	} else if (!holds && st->firing) {
		st->firing = false;
		emit(cb, ctx, r, s->series, false, known, v, st->fired, now);
	}
	return 0;
}

/* Firing series this evaluation did not have clear; all that do not hold now are forgotten. */
static void sweep(struct alerts *a, double now, alert_cb cb, void *ctx)
{
	size_t kept = 0;

	for (size_t i = 0; i < a->nstates; i++) {
		struct series_state *st = &a->states[i];

		if (st->gen == a->gen && st->holds) {
			a->states[kept++] = *st;
			continue;
		}
		if (st->firing)
			emit(cb, ctx, &a->rules[st->rule], st->series, false, false, 0, st->fired,
			     now);
		free(st->series);
	}
	a->nstates = kept;
}

/* Quadratic, but over hundreds of series once per interval, and it needs no table. */
static bool seen_before(const struct alert_sample *samples, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (!strcmp(samples[j].series, samples[i].series))
			return true;
	return false;
}

int alerts__eval(struct alerts *a, double now, const struct alert_sample *samples, size_t n,
		 alert_cb cb, void *ctx)
{
	int ret = 0, firing = 0;

	a->gen++;
	for (size_t i = 0; i < n; i++) {
		if (seen_before(samples, i))
			continue;
		for (size_t k = 0; k < a->nrules; k++) {
			if (fnmatch(a->rules[k].pattern, samples[i].series, 0))
				continue;
			if (judge(a, k, &samples[i], now, cb, ctx))
				ret = -ENOMEM;
		}
	}
	sweep(a, now, cb, ctx);
	for (size_t k = 0; k < a->nrules; k++) {
		for (size_t i = 0; i < a->nstates; i++) {
			if (a->states[i].rule == k && a->states[i].firing) {
				firing++;
				break;
			}
		}
	}
	return ret ? ret : firing;
}

/* ---- commands ---- */

#define MAX_COMMANDS 64

/* Our own children: the agent has others, which only it may wait for. */
static pid_t commands[MAX_COMMANDS];
static int ncommands;

#define ENV_VARS 8

/* Monotonic seconds as Unix seconds, by the clocks' offset at this moment. */
static long long unix_seconds(double mono, double offset)
{
	return (long long)(mono + offset);
}

static double clock_offset(void)
{
	struct timespec rt, mt;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mt);
	return (double)(rt.tv_sec - mt.tv_sec) + (rt.tv_nsec - mt.tv_nsec) / 1e9;
}

static bool is_alert_var(const char *s)
{
	return !strncmp(s, "VIGIL_ALERT=", 12) || !strncmp(s, "VIGIL_ALERT_", 12);
}

static void free_env(char **envp)
{
	if (!envp)
		return;
	for (int i = 0; i < ENV_VARS; i++)
		free(envp[i]);
	free(envp);
}

/*
 * The command's environment: the event's variables first, then ours less
 * any VIGIL_ALERT variables of an outer alert. Built before fork, so that
 * the child of a threaded agent need not allocate.
 */
static char *env_var(const char *name, const char *value)
{
	char *s;

	/* asprintf leaves s undefined when it fails */
	return asprintf(&s, "%s=%s", name, value) < 0 ? NULL : s;
}

static char **event_env(const struct alert_event *ev)
{
	char value[64] = "", threshold[64], rule[320], since[24], now[24];
	double offset = clock_offset();
	size_t n = 0, i = 0;
	char **envp;

	while (environ && environ[n])
		n++;
	envp = calloc(ENV_VARS + n + 1, sizeof(*envp));
	if (!envp)
		return NULL;
	if (ev->known)
		alert_format_value(ev->rule->stat, ev->value, value, sizeof(value));
	threshold_text(ev->rule, threshold, sizeof(threshold));
	alert_rule__describe(ev->rule, rule, sizeof(rule));
	snprintf(since, sizeof(since), "%lld", unix_seconds(ev->since, offset));
	snprintf(now, sizeof(now), "%lld", unix_seconds(ev->now, offset));
	envp[i++] = env_var("VIGIL_ALERT", ev->rule->name);
	envp[i++] = env_var("VIGIL_ALERT_STATE", ev->firing ? "firing" : "cleared");
	envp[i++] = env_var("VIGIL_ALERT_SERIES", ev->series);
	envp[i++] = env_var("VIGIL_ALERT_RULE", rule);
	envp[i++] = env_var("VIGIL_ALERT_VALUE", value);
	envp[i++] = env_var("VIGIL_ALERT_THRESHOLD", threshold);
	envp[i++] = env_var("VIGIL_ALERT_SINCE", since);
	envp[i++] = env_var("VIGIL_ALERT_TIME", now);
	for (int j = 0; j < ENV_VARS; j++) {
		if (!envp[j]) {
			free_env(envp);
			return NULL;
		}
	}
	for (size_t j = 0; j < n; j++)
		if (!is_alert_var(environ[j]))
			envp[i++] = environ[j];
	return envp;
}

/* After fork, only async-signal-safe calls: another thread may have held malloc's lock. */
static void __attribute__((noreturn)) run_child(const char *cmd, char **envp)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigset_t none;
	int fd;

	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || dup2(fd, STDIN_FILENO) < 0)
		_exit(127);
	if (fd != STDIN_FILENO)
		close(fd);
	/*
	 * A blocked mask and ignored signals outlive exec: the agent's
	 * signalfd mask would make the command deaf to SIGTERM, an ignored
	 * SIGPIPE would keep "... | head" running.
	 */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	sigaction(SIGPIPE, &dfl, NULL);
	environ = envp;
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

int alerts__run_command(const struct alert_event *ev)
{
	char **envp;
	pid_t pid;
	int ret;

	if (!ev->rule->command)
		return -EINVAL;
	if (ncommands == MAX_COMMANDS && alerts__reap() == MAX_COMMANDS)
		return -EAGAIN;
	envp = event_env(ev);
	if (!envp)
		return -ENOMEM;
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		goto out;
	}
	if (pid == 0)
		run_child(ev->rule->command, envp);
	commands[ncommands++] = pid;
	ret = pid;
out:
	free_env(envp);
	return ret;
}

int alerts__reap(void)
{
	int kept = 0;

	for (int i = 0; i < ncommands; i++) {
		pid_t r = waitpid(commands[i], NULL, WNOHANG);

		/* gone (ECHILD) counts as reaped: someone waited for all children */
		if (r == 0 || (r < 0 && errno == EINTR))
			commands[kept++] = commands[i];
	}
	ncommands = kept;
	return kept;
}
