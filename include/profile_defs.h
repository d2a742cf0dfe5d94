/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* profile_defs.h: what the on-CPU sampler and its loader share (keys, counters, limits). */
#ifndef VIGIL_PROFILE_DEFS_H
#define VIGIL_PROFILE_DEFS_H

/* Deepest stack kept, per side: perf's default. Deeper stacks are cut. */
#define PROFILE_MAX_DEPTH 127
#define PROFILE_COMM_LEN  16

/*
 * A *_len below zero is not a length: PROFILE_NO_STACK says the side was
 * not expected (a kernel thread has no user stack, a sample taken in user
 * mode has no kernel stack, or -U/-K left it out); any other negative
 * value is the negated errno of the failed stack walk.
 */
#define PROFILE_NO_STACK (-100000)

/*
 * One aggregation key: a thread name in a process and both of its stacks,
 * innermost frame first, zero-filled past their lengths. Keying the counts
 * by the stacks themselves, rather than by ids from a stack-trace map,
 * means two different stacks can never be merged or refused because their
 * hashes collide; the price is a 2 KiB key, hashed once per sample.
 */
struct profile_key {
	__u32 tgid;
	__s32 user_len;
	__s32 kern_len;
	__u32 gen; /* the process's incarnation (proc_events.h); 0 for kernel threads */
	char comm[PROFILE_COMM_LEN];
	__u64 user[PROFILE_MAX_DEPTH];
	__u64 kern[PROFILE_MAX_DEPTH];
};

/* Counters in a per-CPU array, indexed by these; summed by the loader. */
enum profile_stat {
	PROFILE_STAT_SAMPLES,	  /* samples of targeted tasks */
	PROFILE_STAT_IDLE,	  /* samples of the idle task, not profiled */
	PROFILE_STAT_COUNTS_FULL, /* samples dropped: the counts map was full */
	PROFILE_STAT_MAX,
};

#endif /* VIGIL_PROFILE_DEFS_H */
