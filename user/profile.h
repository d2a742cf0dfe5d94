/* SPDX-License-Identifier: GPL-2.0 */
/*
 * profile.h: the on-CPU sampling collector (bpf/profile.bpf.c and its loader).
 *
 * It opens one sampling perf event per online CPU, counts stacks in the
 * kernel, and drains them into a stack set: comm, then user frames
 * outermost first, then kernel frames suffixed "_[k]". It knows nothing of
 * output formats.
 *
 * With the off-CPU or wall clock it also follows context switches
 * (bpf/offcpu.bpf.h): the set's values are then nanoseconds, every stack
 * ends in its class ("[wait:disk]", ..., "[cpu]"), and a wait_table sums
 * each thread's CPU and wait time for the summary.
 */
#ifndef VIGIL_PROFILE_H_USER
#define VIGIL_PROFILE_H_USER

#include <stdbool.h>
#include <linux/types.h>

struct stack_set;
struct symbolizer;
struct profile;
struct wait_table;

/* What a profile measures: on-CPU samples, off-CPU time, or both (wall clock). */
enum profile_clock {
	PROFILE_CLOCK_CPU,
	PROFILE_CLOCK_OFF,
	PROFILE_CLOCK_WALL,
};

struct profile_opts {
	enum profile_clock clock;
	bool per_thread;	  /* "comm/TID" as the outermost frame */
	__u64 min_block_ns;	  /* off-CPU spans shorter than this are dropped */
	unsigned long freq;	  /* samples per second per CPU */
	unsigned long duration_s; /* 0: until stopped */
	const int *pids;	  /* tgids to sample; NULL or npids 0: every task */
	int npids;
	bool follow_forks; /* processes forked by a target become targets */
	bool add_targets;  /* the targets map is filled by the caller, through targets_fd */
	/*
	 * With add_targets, off-CPU: processes whose threads' waits at attach
	 * are read from /proc (as for pids), read by profile__attach only.
	 */
	const int *wait_pids;
	int nwait_pids;
	int targets_fd;	   /* > 0: a targets map shared with other collectors, used as is */
	bool user, kernel; /* which stacks to walk */
	bool idle;	   /* keep samples of the idle task */
};

struct profile_stats {
	__u64 samples;	    /* samples of targeted tasks, all in the profile */
	__u64 idle;	    /* idle samples (excluded unless opts.idle) */
	__u64 counts_full;  /* samples whose stacks had no room; placeholders */
	__u64 lost_user[2]; /* user stack walks failed: EFAULT, other errors */
	__u64 lost_kern[2]; /* the same for kernel stacks */
	__u64 truncated;    /* samples whose stacks filled max_depth frames: cut */
	__u64 cut;	    /* samples whose user stack walk went astray: cut there */
	__u64 events_lost;  /* process events the ring buffer had no room for */
	int max_depth;	    /* frames walked per side: kernel.perf_event_max_stack, at most 127 */
	/* the off-CPU collector */
	__u64 spans;	    /* off-CPU spans measured */
	__u64 short_spans;  /* of those, shorter than min_block_ns: dropped as asked */
	__u64 spans_full;   /* span parts with no room in the counts map: placeholders */
	__u64 threads_full; /* switches of threads with no room to follow them: not measured */
	__u64 cpu_full;	    /* on-CPU spans with no room in the threads map: not in the summary */
	__u64 missed;	    /* context switches the tracepoint did not report: spans unknown */
	__u64 span_stacks_lost; /* distinct off-CPU stacks with a failed walk: [lost ...] */
	__u64 span_stacks_cut;	/* distinct off-CPU stacks cut: [truncated] */
};

/* Indexes of lost_user[] and lost_kern[]. */
enum {
	PROFILE_LOST_EFAULT,
	PROFILE_LOST_OTHER
};

/* Open and load; returns NULL and sets errno after printing why. */
struct profile *profile__new(const struct profile_opts *opts);
/* Open the perf events and attach. Returns 0 or -errno after printing. */
int profile__attach(struct profile *p);
/*
 * Move everything counted so far into set, naming frames with sym.
 * Switches the kernel side to its other buffer first, so sampling goes on.
 */
int profile__drain(struct profile *p, struct stack_set *set, struct symbolizer *sym);
/*
 * Read what the kernel side has said of process incarnations (first seen,
 * exec, exit) and tell sym, so a process's mappings are read while it
 * runs. Call often (every few ms) between drains. 0 or -errno.
 */
int profile__poll(struct profile *p, struct symbolizer *sym);
/*
 * For a loop that sleeps until its next work (*wake, CLOCK_MONOTONIC ns):
 * process events are read every PROFILE_EVENTS_EVERY_NS, so *wake is
 * brought forward to then. Not on the ring buffer's wake-up: read the
 * moment they come, the first event of a program just exec'd now and then
 * had its mappings read before they were whole (a test's short program
 * had three quarters of its samples unnamed, 1 run in 15 under load);
 * 10 ms later they always were.
 */
#define PROFILE_EVENTS_EVERY_NS (10 * 1000000ULL)
void profile__events_wait(unsigned long long now, unsigned long long *wake);
/*
 * Stop sampling (the events stay open) and following switches, so a last
 * drain leaves nothing behind. That drain also adds the spans still
 * running, cut at the end, and the time of threads still on a CPU.
 */
void profile__stop(struct profile *p);
/* Per-thread CPU and waits (off-CPU and wall clocks), filled by drains; NULL otherwise. */
struct wait_table *profile__waits(struct profile *p);
/* The run's wall time, attach to stop, in ns (after profile__stop). */
__u64 profile__duration_ns(const struct profile *p);
/* How often the loop should drain, from the rate and CPU count: 100 to 1000 ms. */
unsigned int profile__drain_interval_ms(const struct profile *p);
void profile__stats(struct profile *p, struct profile_stats *out);
/* How the sampler was set up, for -v and the summary: "cpu-clock, 99 Hz, 2 CPUs". */
const char *profile__describe(const struct profile *p);
/* The sampling event, "cycles" or "cpu-clock"; NULL when nothing is sampled (--clock off). */
const char *profile__event(const struct profile *p);
void profile__free(struct profile *p);

#endif /* VIGIL_PROFILE_H_USER */
