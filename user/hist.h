/* SPDX-License-Identifier: GPL-2.0 */
/* hist.h: reading the kernel's latency histograms (hist_defs.h): bounds, quantiles, output. */
#ifndef VIGIL_HIST_H
#define VIGIL_HIST_H

#include <stdio.h>
#include <linux/types.h>
#include <json-c/json.h>
#include "hist_defs.h"

/* The latencies bucket b holds, [lo, hi) in ns. */
void hist__bounds(int b, double *lo, double *hi);

/*
 * The latency at quantile q (0..1) of count calls that took sum_ns in
 * all, in ns: the middle of the bucket that holds it, kept within
 * [min_ns, max_ns]; or the mean, when that bucket holds every call, so
 * it is exact when every call took about the same time.
 */
double hist__quantile(const __u64 *hist, __u64 count, __u64 sum_ns, __u64 min_ns, __u64 max_ns,
		      double q);

/*
 * The lowest and highest latencies of the calls in hist, an interval's
 * share of a row whose all-time minimum and maximum are cum_min and
 * cum_max: the first and last buckets with calls, kept within those. 0
 * and 0 for no calls.
 */
void hist__range(const __u64 *hist, __u64 cum_min, __u64 cum_max, __u64 *lo, __u64 *hi);

/* One line per power of two that has calls, with a bar, indented by six. */
void hist__write_text(FILE *f, const __u64 *hist);

/* [[from_ns, to_ns, calls], ...] for the buckets that have calls. */
json_object *hist__json(const __u64 *hist);

#endif /* VIGIL_HIST_H */
