/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* profile_defs.h: what the sampler, the off-CPU collector and their loader share. */
#ifndef VIGIL_PROFILE_DEFS_H
#define VIGIL_PROFILE_DEFS_H

/* Deepest stack kept, per side: perf's default. Deeper stacks are cut. */
#define PROFILE_MAX_DEPTH 127
#define PROFILE_COMM_LEN  16

/* Threads the off-CPU collector follows at once; switches of more are counted, not measured. */
#define PROFILE_MAX_THREADS 8192

/*
 * A *_len below zero is not a length: PROFILE_NO_STACK says the side was
 * not expected (a kernel thread has no user stack, a sample taken in user
 * mode has no kernel stack, or -U/-K left it out); any other negative
 * value is the negated errno of the failed stack walk.
 */
#define PROFILE_NO_STACK (-100000)

/* What a key's value measures. */
enum profile_kind {
	PROFILE_KIND_SAMPLE,  /* on-CPU samples: a count in v[0] */
	PROFILE_KIND_BLOCKED, /* off CPU: v[0] ns blocked (switch-out to wake-up), v[1] ns
			       * runnable (wake-up or preemption to switch-in) */
	PROFILE_KIND_RUNQ,    /* in a lost-span key only: runnable ns */
};

/*
 * A counts value. Both parts of an off-CPU span share the stacks, so they
 * share one entry too: the 2 KiB key is hashed once per span.
 */
struct profile_value {
	__u64 v[2];
};

/* profile_key.flags: what the thread was doing when it left the CPU. */
#define PROFILE_F_IOWAIT    0x01 /* task->in_iowait: io_schedule() and friends */
#define PROFILE_F_PREEMPT   0x02 /* preempted, or runnable when switched out */
#define PROFILE_F_SYSCALL   0x04 /* in a syscall; sysnr says which */
#define PROFILE_F_CUT_START 0x08 /* blocked since before the profile began; no stacks */
/*
 * A sample in the kernel entered from user mode by an interrupt or by an
 * exception without an error code (a breakpoint: a uprobe's trap), not a
 * syscall: the user stack's innermost address is the instruction itself,
 * not one after a call, and is named as it is.
 */
#define PROFILE_F_USER_EXACT 0x10

/*
 * One aggregation key: a thread name in a process and both of its stacks,
 * innermost frame first: user_len user frames, then kern_len kernel
 * frames right after them, then zeros. Keying the counts by the stacks
 * themselves, rather than by ids from a stack-trace map, means two
 * different stacks can never be merged or refused because their hashes
 * collide. The map hashes and compares the whole key, so the counts live
 * in two maps: stacks of at most PROFILE_SMALL_FRAMES frames in all (most
 * of them) under a key cut after those frames, 432 bytes, and the rest
 * under the whole 2 KiB. Off-CPU keys also carry what the loader needs to
 * classify the wait (task state, flags, syscall); on-CPU samples leave
 * them zero.
 */
#define PROFILE_MAX_FRAMES   (2 * PROFILE_MAX_DEPTH)
#define PROFILE_SMALL_FRAMES 48
struct profile_key {
	__u32 tgid;
	__u32 tid; /* 0 unless threads are kept apart (key_tid) */
	__s32 user_len;
	__s32 kern_len;
	__u32 gen;   /* the process's incarnation (proc_events.h); 0 for kernel threads */
	__u8 kind;   /* enum profile_kind */
	__u8 flags;  /* PROFILE_F_* */
	__u16 state; /* task state at switch-out (TASK_INTERRUPTIBLE, ...) */
	__s32 sysnr; /* syscall in progress at switch-out, with PROFILE_F_SYSCALL */
	char comm[PROFILE_COMM_LEN];
	__u64 frames[PROFILE_MAX_FRAMES];
};

/* The size of the key in the counts map of small stacks: the same fields, fewer frames. */
#define PROFILE_SMALL_KEY_SIZE                                                                     \
	(__builtin_offsetof(struct profile_key, frames) + PROFILE_SMALL_FRAMES * sizeof(__u64))

/*
 * One thread the off-CPU collector follows, keyed by TID: where it is in
 * its cycle of running, blocked and runnable, and the key of the span it is
 * in, stacks taken when it left the CPU. Times are CLOCK_MONOTONIC ns.
 */
struct profile_thread {
	__u64 t_out;  /* left the CPU; 0 while on it */
	__u64 t_wake; /* runnable since (woken or preempted); 0 while blocked */
	__u64 t_in;   /* last put on a CPU; 0: running since before the profile */
	__u64 rt_in;  /* the thread's runtime (se.sum_exec_runtime) at t_in */
	struct profile_key key;
};

/*
 * Where an off-CPU span goes when the counts map has no room for its
 * stacks: the thread and what classifies it without a kernel stack, so
 * the time stays with its thread and, as near as can be, its class.
 */
struct profile_lkey {
	__u32 tgid;
	__u32 tid;
	__u8 kind;
	__u8 flags;
	__u16 pad;
	__s32 sysnr;
	char comm[PROFILE_COMM_LEN];
};

/*
 * On-CPU time per thread, as the scheduler accounts it (what
 * CLOCK_THREAD_CPUTIME_ID reads), from its runtime at each switch.
 */
struct profile_tkey {
	__u32 tgid;
	__u32 tid;
	__u32 gen;
	__u32 pad;
};

struct profile_tval {
	__u64 cpu_ns;
	char comm[PROFILE_COMM_LEN];
};

/* Counters in a per-CPU array, indexed by these; summed by the loader. */
enum profile_stat {
	PROFILE_STAT_SAMPLES,	  /* samples of targeted tasks */
	PROFILE_STAT_IDLE,	  /* samples of the idle task, not profiled */
	PROFILE_STAT_COUNTS_FULL, /* samples dropped: the counts map was full */
	PROFILE_STAT_SPANS,	  /* off-CPU spans measured */
	PROFILE_STAT_SHORT,	  /* spans shorter than min_block_ns, dropped as asked */
	PROFILE_STAT_SPANS_FULL,  /* span parts dropped: the counts map was full (ns in _NS) */
	PROFILE_STAT_SPANS_FULL_NS,
	PROFILE_STAT_THREADS_FULL, /* switches of threads with no room to follow them */
	PROFILE_STAT_CPU_FULL,	   /* on-CPU spans with no room in the threads map */
	PROFILE_STAT_MISSED,	   /* switches not seen: the spans around them are not known */
	PROFILE_STAT_MAX,
};

#endif /* VIGIL_PROFILE_DEFS_H */
