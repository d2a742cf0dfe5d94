/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* proc_events.h: process incarnations, as the BPF side numbers them and tells the symbolizer. */
#ifndef VIGIL_PROC_EVENTS_H
#define VIGIL_PROC_EVENTS_H

/*
 * An incarnation is one program run by one process: from its first sample
 * (or its exec) to its next exec or its exit. The BPF side numbers them
 * with a generation, kept with every sample, so that samples taken before
 * an exec are named from the old program and samples after it from the
 * new one, and a reused PID never inherits the names of the process that
 * held it before. Generation 0 means "not numbered": name from the
 * process as /proc shows it.
 */
enum vigil_proc_event_type {
	VIGIL_PROC_SEEN = 1, /* first sample of an incarnation: read its mappings now */
	VIGIL_PROC_EXEC,     /* gen ended by an exec */
	VIGIL_PROC_EXIT,     /* gen ended: the whole process exited */
	VIGIL_PROC_MAPS,     /* gen's mappings changed since it was last told: read them again */
};

struct vigil_proc_event {
	__u32 type;
	__u32 tgid;
	__u32 gen;
	/*
	 * VIGIL_PROC_SEEN of a process forked and not exec'd since: the
	 * incarnation it was forked from, whose mappings it inherited (0: none).
	 */
	__u32 parent_tgid;
	__u32 parent_gen;
	__u32 pad;
	__u64 start_boottime; /* the process's start, ns since boot (CLOCK_BOOTTIME) */
};

#endif /* VIGIL_PROC_EVENTS_H */
