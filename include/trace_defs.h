/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* trace_defs.h: what the call tracer and its loader share (rows, edges, limits). */
#ifndef VIGIL_TRACE_DEFS_H
#define VIGIL_TRACE_DEFS_H

#include "hist_defs.h"

/*
 * Functions are numbered: a probed function by the loader, as its probes'
 * cookie; a Python function by the BPF program, the first time it is seen.
 */
#define TRACE_MAX_FN 8192	 /* the rows map is sized to what is probed */
#define TRACE_ROOT   0xffffffffu /* the caller of a call with no traced caller */
#define TRACE_STEPPED                                                                              \
	0x80000000u	     /* in a cookie: the function's first instruction is single-stepped */
#define TRACE_MAX_DEPTH	 64  /* open calls kept per thread, the kernel's own limit */
#define TRACE_DEPTHS	 8   /* recursion levels with their own totals */
#define TRACE_MAX_OVER	 256 /* Python calls beyond the frames kept, by function */
#define TRACE_PY_FILE	 160
#define TRACE_PY_NAME	 64
#define TRACE_MAX_THREAD 16384

/* One function's row. Times are in ns, of calls that returned. */
struct trace_row {
	__u64 calls;	    /* timed: entry and return seen */
	__u64 untimed;	    /* counted, not timed: Python calls seen at their return only, and
			 * calls too deep, unwound past, or open when their thread exited */
	__u64 untimed_prim; /* of those, not recursive (Python's: not known, so counted here) */
	__u64 prim;	    /* calls with no call of the same function open below them */
	__u64 self_ns;	    /* tottime: minus the time in traced callees */
	__u64 cum_ns;	    /* cumtime: of primitive calls, callees included */
	__u64 cpu_ns;	    /* of cum_ns: on the CPU */
	__u64 total_ns;	    /* every call's duration, recursive ones too (for percall) */
	__u64 min_ns;	    /* 0 until the first return */
	__u64 max_ns;
	__u64 depth_calls[TRACE_DEPTHS]; /* by recursion level, 0 the outermost */
	__u64 depth_ns[TRACE_DEPTHS];
	__u64 hist[HIST_BUCKETS]; /* every call's duration */
};

/* Calls of callee made from caller (TRACE_ROOT: from no traced function). */
struct trace_edge_key {
	__u32 caller;
	__u32 callee;
};

struct trace_edge {
	__u64 calls;
	__u64 self_ns;
	__u64 cum_ns; /* of the callee's primitive calls */
};

/* An open call, on its thread's stack. */
struct trace_frame {
	__u32 fn;
	__u32 rec; /* open calls of fn below this one */
	__u64 ts;
	__u64 off0;	/* the thread's off_ns at entry */
	__u64 child_ns; /* time in traced callees */
	__u64 sp;	/* the stack pointer at entry; 0 for Python's calls */
};

/* A thread's open calls, innermost last. */
struct trace_thread {
	__u32 depth;  /* open calls, at most TRACE_MAX_DEPTH */
	__u32 over;   /* Python calls open beyond TRACE_MAX_DEPTH: their returns do come */
	__u64 off_ns; /* time switched out while calls were open */
	__u64 out_ts; /* when it was switched out, 0 while running */
	struct trace_frame f[TRACE_MAX_DEPTH];
	__u32 over_fn[TRACE_MAX_OVER]; /* the functions of those calls, innermost last */
};

/*
 * A Python function, as CPython's function__entry and function__return
 * name it: its file and name. Not its line: the probes give the line being
 * run, which differs between a function's return statements.
 */
struct trace_py_key {
	char file[TRACE_PY_FILE];
	char name[TRACE_PY_NAME];
};

enum trace_stat {
	TRACE_STAT_HITS,	   /* entries and point probes fired */
	TRACE_STAT_UNMATCHED_RET,  /* returns with no open call: begun before attach */
	TRACE_STAT_ABANDONED,	   /* open calls unwound past (longjmp, exceptions) */
	TRACE_STAT_THREAD_EXIT,	   /* open calls of a thread that exited */
	TRACE_STAT_TOO_DEEP,	   /* calls entered with TRACE_MAX_DEPTH calls open */
	TRACE_STAT_THREADS_FULL,   /* calls of threads with no room to be followed */
	TRACE_STAT_FUNCTIONS_FULL, /* Python calls of functions beyond TRACE_MAX_FN */
	TRACE_STAT_EDGES_FULL,	   /* returns whose caller edge had no room */
	TRACE_STAT_HITS_STEPPED,   /* entries of functions whose first instruction is stepped */
	TRACE_STAT_EXEC_THREAD,	   /* targets that exec'd from a thread other than their main one */
	TRACE_STAT_MAX,
};

#endif /* VIGIL_TRACE_DEFS_H */
