// SPDX-License-Identifier: GPL-2.0
/* hist.c: reading the kernel's latency histograms: bounds, quantiles, text and JSON. */
#include "hist.h"

/*
 * 0..3 hold one value each; then four buckets per power of two,
 * [2^m (1 + s/4), 2^m (1 + (s+1)/4)) with m = b/4 + 1 and s = b%4, as
 * hist_bucket() in bpf/hist.bpf.h places them.
 */
void hist__bounds(int b, double *lo, double *hi)
{
	double unit;

	if (b < 4) {
		*lo = b;
		*hi = b + 1;
		return;
	}
	unit = (double)(1ULL << (b / 4 + 1)) / 4;
	*lo = 4 * unit + (b % 4) * unit;
	*hi = *lo + unit;
}

double hist__quantile(const __u64 *hist, __u64 count, __u64 sum_ns, __u64 min_ns, __u64 max_ns,
		      double q)
{
	__u64 want = (__u64)(q * count + 0.5), seen = 0;

	if (!count)
		return 0;
	if (want < 1)
		want = 1;
	for (int b = 0; b < HIST_BUCKETS; b++) {
		double lo, hi;

		seen += hist[b];
		if (seen < want)
			continue;
		if (hist[b] == count)
			return (double)sum_ns / count;
		hist__bounds(b, &lo, &hi);
		lo = (lo + hi) / 2;
		if (lo > (double)max_ns)
			lo = (double)max_ns;
		if (lo < (double)min_ns)
			lo = (double)min_ns;
		return lo;
	}
	return (double)max_ns;
}

void hist__range(const __u64 *hist, __u64 cum_min, __u64 cum_max, __u64 *lo, __u64 *hi)
{
	int first = -1, last = -1;
	double l, h;

	for (int b = 0; b < HIST_BUCKETS; b++)
		if (hist[b]) {
			if (first < 0)
				first = b;
			last = b;
		}
	if (first < 0) {
		*lo = *hi = 0;
		return;
	}
	hist__bounds(first, &l, &h);
	*lo = l > cum_min ? (__u64)l : cum_min;
	hist__bounds(last, &l, &h);
	*hi = h - 1 < cum_max ? (__u64)(h - 1) : cum_max;
}

void hist__write_text(FILE *f, const __u64 *hist)
{
	__u64 pow[HIST_BUCKETS / 4] = {}, most = 0;
	int first = -1, last = -1;

	for (int b = 0; b < HIST_BUCKETS; b++) {
		if (!hist[b])
			continue;
		if (first < 0)
			first = b / 4;
		last = b / 4;
		pow[b / 4] += hist[b];
		if (pow[b / 4] > most)
			most = pow[b / 4];
	}
	for (int p = first; first >= 0 && p <= last; p++) {
		__u64 n = pow[p];
		int bar = most ? (int)(40 * n / most) : 0;

		fprintf(f, "      %10.1f us .. %10.1f us  %10llu  %.*s\n",
			p ? (double)(1ULL << (p + 1)) / 1000 : 0.0,
			(double)(1ULL << (p + 2)) / 1000, (unsigned long long)n, bar,
			"########################################");
	}
}

json_object *hist__json(const __u64 *hist)
{
	json_object *arr = json_object_new_array();

	for (int b = 0; b < HIST_BUCKETS; b++) {
		json_object *e;
		double lo, hi;

		if (!hist[b])
			continue;
		hist__bounds(b, &lo, &hi);
		e = json_object_new_array();
		json_object_array_add(e, json_object_new_int64((int64_t)lo));
		json_object_array_add(e, json_object_new_int64((int64_t)hi));
		json_object_array_add(e, json_object_new_int64(hist[b]));
		json_object_array_add(arr, e);
	}
	return arr;
}
