/* SPDX-License-Identifier: GPL-2.0 */
/*
 * waits.h: why a thread was off CPU, and how its time splits per thread.
 *
 * waits__classify() names the reason for one blocked span from what the
 * off-CPU collector saw at switch-out: the iowait flag, the syscall in
 * progress and the kernel stack. A wait_table sums, per thread, the exact
 * on-CPU time and the time in each class, for the summary.
 */
#ifndef VIGIL_WAITS_H
#define VIGIL_WAITS_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

enum wait_class {
	WAIT_CPU, /* not a wait: on CPU, in the wall clock's profile and the summary */
	WAIT_RUNQUEUE,
	WAIT_DISK,
	WAIT_NET,
	WAIT_LOCK,
	WAIT_SLEEP,
	WAIT_OTHER,
	WAIT_NCLASS,
};

/* "disk", ... as in the summary; "cpu" for WAIT_CPU. */
const char *waits__name(enum wait_class c);
/* The profile's innermost frame: "[wait:disk]", ..., "[cpu]". */
const char *waits__frame(enum wait_class c);

/*
 * The class of a blocked span (not a runnable one: that is always
 * WAIT_RUNQUEUE). flags are PROFILE_F_* of profile_defs.h, sysnr the
 * syscall in progress (with PROFILE_F_SYSCALL), kframes the names of the
 * kernel stack, innermost first, nkframes of them (0 when not walked).
 */
enum wait_class waits__classify(__u8 flags, __s32 sysnr, const char *const *kframes, int nkframes);

struct wait_table;

struct wait_table *wait_table__new(void);
void wait_table__free(struct wait_table *t);
/* Add ns in class c to the thread tid of process tgid; cut: also count it as cut. */
int wait_table__add(struct wait_table *t, __u32 tgid, __u32 tid, const char *comm,
		    enum wait_class c, __u64 ns, bool cut);

struct wait_report {
	const char *title; /* first line of the text form */
	const char *clock; /* "off" or "wall" */
	__u64 duration_ns; /* wall time of the run */
	int top_processes; /* rows in the text form; 0: all */
	int top_threads;   /* threads per process in the text form; 0: all */
};

/* The per-process and per-thread table, as text or JSON. 0 or -errno. */
int wait_table__write_text(FILE *f, struct wait_table *t, const struct wait_report *r);
int wait_table__write_json(FILE *f, struct wait_table *t, const struct wait_report *r);

#endif /* VIGIL_WAITS_H */
