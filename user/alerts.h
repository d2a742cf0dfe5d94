/* SPDX-License-Identifier: GPL-2.0 */
/*
 * alerts.h: the agent's alert rules: parsed from one line of text, judged
 * once per interval against what the collectors measured in it, and told
 * to the caller when a rule starts or stops holding.
 *
 * A rule reads
 *
 *     STAT(SERIES) OP THRESHOLD [for DURATION]
 *
 * for example "p99(myapp.syscall.fsync) > 50ms for 30s" or
 * "error_rate(*.syscall.openat) > 5%". SERIES is a glob (fnmatch, '*'
 * crosses dots) over the names of the series the agent measures, such as
 * "myapp.syscall.fsync", "myapp.fn.compress" or "myapp.cpu.compress"; each
 * series it matches has its own state, so one rule can fire for two
 * processes at once. When the condition begins to hold at the evaluation
 * at time T and holds at every evaluation after it, the rule fires at the
 * first one where now - T >= DURATION (less a millisecond, so that
 * rounding of the times cannot put it off by an interval). So "for 0"
 * fires at the first holding evaluation, and "for 30s" with evaluations
 * every 10 s fires at the fourth holding one (T, T+10, T+20, T+30), like
 * Prometheus's "for". The rule clears at the first evaluation where the
 * condition does not hold. A statistic that has no value in an interval
 * (a percentile of no calls, a series not seen) does not hold.
 *
 * THRESHOLD has a unit: ns, us, ms or s for times, "%" for error_rate and
 * share, "/s" (the default) or "/min" for rate and errors. DURATION is a
 * number of s, m or h.
 */
#ifndef VIGIL_ALERTS_H
#define VIGIL_ALERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

enum alert_stat {
	ALERT_RATE,	  /* calls per second */
	ALERT_ERRORS,	  /* errors per second */
	ALERT_ERROR_RATE, /* errors / calls, a fraction; "%" in text */
	ALERT_MEAN,	  /* latencies, ns; units ns, us, ms, s in text, one required */
	ALERT_P50,
	ALERT_P90,
	ALERT_P99,
	ALERT_MAX,
	ALERT_SHARE, /* share of the process's CPU samples with the function on the stack */
};

enum alert_op {
	ALERT_GT,
	ALERT_GE,
	ALERT_LT,
	ALERT_LE,
};

#define ALERT_NAME_MAX	  64
#define ALERT_PATTERN_MAX 128

struct alert_rule {
	char name[ALERT_NAME_MAX];	 /* from the configuration: [rule NAME] */
	char pattern[ALERT_PATTERN_MAX]; /* SERIES */
	enum alert_stat stat;
	enum alert_op op;
	double threshold;    /* in the stat's base unit: ns, a fraction, or per second */
	double for_s;	     /* DURATION in seconds; 0: fire at the first evaluation */
	const char *command; /* run at each change, or NULL; not owned */
};

/*
 * Parse expr into r's pattern, stat, op, threshold and for_s (name and
 * command are left alone, and all of r on failure). SERIES ends at the
 * first ')'. Returns 0, or -EINVAL with a short reason in
 * err, such as "unknown statistic 'p98' (rate, errors, error_rate, mean,
 * p50, p90, p99, max, share)" or "a time needs a unit: 50ms".
 */
int alert_rule__parse(const char *expr, struct alert_rule *r, char *err, size_t errlen);

/* r as canonical text, "p99(myapp.syscall.fsync) > 50 ms for 30 s", into buf. */
char *alert_rule__describe(const struct alert_rule *r, char *buf, size_t len);

/* A statistic's value as text with its unit: "81.2 ms", "5.3%", "120/s". */
char *alert_format_value(enum alert_stat stat, double v, char *buf, size_t len);

/* What one series did in one interval. */
struct alert_sample {
	const char *series; /* "myapp.syscall.fsync" */
	double seconds;	    /* the interval's length */
	__u64 calls;
	__u64 errors;
	__u64 sum_ns;
	__u64 min_ns, max_ns;
	const __u64 *hist; /* HIST_BUCKETS latencies (hist_defs.h), or NULL */
	__u64 samples;	   /* share: the process's CPU samples in the interval */
	__u64 hits;	   /* share: of those, with the function on the stack */
};

/*
 * A share is judged only from an interval where the process has at least
 * this many CPU samples: a process that ran for a few milliseconds of the
 * interval (starting, exiting, mostly idle) gives a share of 3 in 4 by
 * chance, and would fire a rule it does not meet.
 */
#define ALERT_SHARE_MIN_SAMPLES 20

/* The value of stat in s; false when it has none (no calls, too few samples). */
bool alert_sample__value(const struct alert_sample *s, enum alert_stat stat, double *out);

/* A rule that started (firing) or stopped (cleared) holding for a series. */
struct alert_event {
	const struct alert_rule *rule;
	const char *series;
	bool firing;
	bool known; /* value is the stat's value at this evaluation */
	double value;
	double since; /* when the condition began to hold (firing) or the rule fired (cleared) */
	double now;
};

/* ev and ev->series are valid during the call only, ev->rule until alerts__free(). */
typedef void (*alert_cb)(void *ctx, const struct alert_event *ev);

struct alerts;

/* Rules are copied. NULL when out of memory. */
struct alerts *alerts__new(const struct alert_rule *rules, size_t n);
void alerts__free(struct alerts *a);

/*
 * One evaluation at time now (seconds, CLOCK_MONOTONIC) over the samples
 * of the interval that ends now: calls cb (which may be NULL) for every
 * change of state. A firing series missing from samples clears. A series
 * given twice in samples is judged by its first. Returns how many rules
 * are firing for some series afterwards, or -ENOMEM when a series that
 * began to hold could not be tracked (it is judged again next time).
 */
int alerts__eval(struct alerts *a, double now, const struct alert_sample *samples, size_t n,
		 alert_cb cb, void *ctx);

/*
 * Run ev's rule's command with /bin/sh -c, in the background, with the
 * event in its environment: VIGIL_ALERT (the rule's name),
 * VIGIL_ALERT_STATE (firing or cleared), VIGIL_ALERT_SERIES,
 * VIGIL_ALERT_RULE (the canonical text), VIGIL_ALERT_VALUE (with its
 * unit, empty when not known), VIGIL_ALERT_THRESHOLD (with its unit),
 * VIGIL_ALERT_SINCE and VIGIL_ALERT_TIME (Unix seconds). stdin is
 * /dev/null. Returns the child's PID or -errno: -EINVAL without a
 * command, -EAGAIN while 64 earlier commands still run. Reap with
 * alerts__reap(); both are for one thread only.
 */
int alerts__run_command(const struct alert_event *ev);

/* Reap finished commands without blocking; returns how many are still running. */
int alerts__reap(void);

#endif /* VIGIL_ALERTS_H */
