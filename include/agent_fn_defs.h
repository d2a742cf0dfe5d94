/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* agent_fn_defs.h: what the agent's function instruments and their loader share (rows, limits). */
#ifndef VIGIL_AGENT_FN_DEFS_H
#define VIGIL_AGENT_FN_DEFS_H

#include "hist_defs.h"

/*
 * Open calls kept per thread. The kernel hijacks up to 64 returns of a
 * thread; an agent that stays on keeps fewer, so a thread costs a little
 * over 0.5 KiB. A call entered with this many open is counted, not timed.
 */
#define AGENT_FN_MAX_DEPTH   16
#define AGENT_FN_MAX_THREADS 8192 /* followed at once: a thread's first traced call makes room */
#define AGENT_FN_MAX_ROWS    4096 /* (process name, function) pairs, about 2 KiB each */
#define AGENT_FN_MAX_FNS     8192 /* functions attached at once; a cookie is a number below */

/* One row: a process name's calls of one function. The thread group leader's comm. */
struct agent_fn_key {
	__u32 fn;  /* the function's number, its probes' cookie */
	__u32 pad; /* zero */
	char name[16];
};

/* Since load; the kernel never deletes a row. Times in ns, of calls that returned. */
struct agent_fn_val {
	__u64 calls;
	__u64 sum_ns; /* entry to return */
	__u64 cpu_ns; /* of sum_ns, not switched out */
	__u64 min_ns; /* 0 until the first return */
	__u64 max_ns;
	__u64 hist[HIST_BUCKETS];
};

/* An open call, on its thread's stack. */
struct agent_fn_frame {
	__u32 fn;
	__u32 pad;
	__u64 sp;   /* the stack pointer at entry: where the return address is */
	__u64 ts;   /* entry time */
	__u64 off0; /* the thread's off_ns at entry */
};

/* A thread's open calls, innermost last. */
struct agent_fn_thread {
	__u32 depth;  /* frames kept, at most AGENT_FN_MAX_DEPTH */
	__u32 over;   /* calls entered beyond them whose returns may still come */
	__u64 off_ns; /* time switched out while calls were open */
	__u64 out_ts; /* when switched out with calls open, 0 while running */
	struct agent_fn_frame f[AGENT_FN_MAX_DEPTH];
};

enum agent_fn_stat {
	AGENT_FN_STAT_HITS,	    /* entries of the targets' calls */
	AGENT_FN_STAT_TOO_DEEP,	    /* calls entered with the stack full: not timed */
	AGENT_FN_STAT_ABANDONED,    /* open calls unwound past (longjmp, exceptions): not timed */
	AGENT_FN_STAT_THREAD_EXIT,  /* open calls of a thread that exited or exec'd: not timed */
	AGENT_FN_STAT_UNMATCHED,    /* returns with no open call: begun before attach, or forked */
	AGENT_FN_STAT_THREADS_FULL, /* calls of threads with no room to be followed */
	AGENT_FN_STAT_FULL,	    /* returns with no room for their row */
	AGENT_FN_STAT_MAX,
};

#endif /* VIGIL_AGENT_FN_DEFS_H */
