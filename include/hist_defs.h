/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * hist_defs.h: the latency histograms the collectors keep in the kernel.
 *
 * Four buckets per power of two, each about 19% wide, from 1 ns up to
 * 2^65 ns: hist_bucket() in bpf/hist.bpf.h places a latency, and
 * hist__bounds() in user/hist.h gives a bucket's range back.
 */
#ifndef VIGIL_HIST_DEFS_H
#define VIGIL_HIST_DEFS_H

#define HIST_BUCKETS 256

#endif /* VIGIL_HIST_DEFS_H */
