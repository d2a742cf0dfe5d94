/* SPDX-License-Identifier: GPL-2.0 */
/* hist.bpf.h: a latency's bucket in the log-linear histograms of hist_defs.h. */
#ifndef VIGIL_HIST_BPF_H
#define VIGIL_HIST_BPF_H

#include "hist_defs.h"

/* Four buckets per power of two: the top bit and the two bits below it. */
static __always_inline __u32 hist_bucket(__u64 ns)
{
	__u32 msb = 0;
	__u64 v = ns;

	if (ns < 4)
		return ns;
	if (v >> 32) {
		msb += 32;
		v >>= 32;
	}
	if (v >> 16) {
		msb += 16;
		v >>= 16;
	}
	if (v >> 8) {
		msb += 8;
		v >>= 8;
	}
	if (v >> 4) {
		msb += 4;
		v >>= 4;
	}
	if (v >> 2) {
		msb += 2;
		v >>= 2;
	}
	if (v >> 1)
		msb += 1;
	/* msb >= 2 here: buckets 4.. for [4,8), 8.. for [8,16), ... */
	msb = msb * 4 + ((ns >> (msb - 2)) & 3) - 4;
	return msb < HIST_BUCKETS ? msb : HIST_BUCKETS - 1;
}

#endif /* VIGIL_HIST_BPF_H */
