/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* profile_defs.h: what the on-CPU sampler and its loader share (keys, counters, limits). */
#ifndef VIGIL_PROFILE_DEFS_H
#define VIGIL_PROFILE_DEFS_H

/* Deepest stack kept, per side; perf's default, and the stack map's value size. */
#define PROFILE_MAX_DEPTH 127
#define PROFILE_COMM_LEN  16

/*
 * One aggregation key: a thread name in a process, with its user and kernel
 * stack ids. A stack id below zero is not an id: PROFILE_NO_STACK says the
 * side was not expected (a kernel thread has no user stack, a sample taken
 * in user mode has no kernel stack); any other negative value is the
 * negated errno of the failed stack walk.
 */
#define PROFILE_NO_STACK (-100000)

struct profile_key {
	__u32 tgid;
	__s32 user_stack_id;
	__s32 kern_stack_id;
	char comm[PROFILE_COMM_LEN];
};

/* Counters in a per-CPU array, indexed by these; summed by the loader. */
enum profile_stat {
	PROFILE_STAT_SAMPLES,    /* samples of targeted tasks */
	PROFILE_STAT_IDLE,       /* samples of the idle task, not profiled */
	PROFILE_STAT_COUNTS_FULL, /* samples dropped: the counts map was full */
	PROFILE_STAT_MAX,
};

#endif /* VIGIL_PROFILE_DEFS_H */
