/* SPDX-License-Identifier: GPL-2.0 */
/*
 * procs.bpf.h: process incarnations for every collector that records user
 * stacks. Include once per BPF object; it brings the maps, the exec and
 * exit programs, and proc_gen(), which a collector calls per sample.
 *
 * Userspace needs the mappings of a process to name its addresses, and
 * reads them from /proc when told (VIGIL_PROC_SEEN), while the process
 * still runs; an exec or an exit ends the incarnation, and what was read
 * for it is kept until its last samples are named.
 */
#ifndef VIGIL_PROCS_BPF_H
#define VIGIL_PROCS_BPF_H

#include "proc_events.h"

struct proc_gen {
	__u32 gen;
	__u32 announced;	       /* VIGIL_PROC_SEEN sent */
	__u32 parent_tgid, parent_gen; /* forked from, and not exec'd since */
	__u64 start_boottime;	       /* when made: checked by fork, reported to userspace */
	__u64 maps_told_ns;	       /* when VIGIL_PROC_MAPS was last sent */
	__s32 map_count;	       /* the mm's mappings when last told */
	__u32 pad;
};

/* At most one VIGIL_PROC_MAPS per incarnation in this long: mmap-heavy code costs little. */
#define PROC_MAPS_EVERY_NS (10 * 1000000ULL)

/* LRU, so that a lost exit event costs one slot for a while, not forever. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, __u32); /* tgid */
	__type(value, struct proc_gen);
	__uint(max_entries, 16384);
} procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} proc_events SEC(".maps");

__u32 next_gen = 0;
__u64 proc_events_lost = 0; /* events the ring buffer had no room for */

/*
 * Defined by the collector: is tgid profiled; a process forked by a
 * target (before the check of the child); what to forget when one exits.
 */
static __always_inline bool proc_is_target(__u32 tgid);
static __always_inline void proc_forked(__u32 parent_tgid, __u32 child_tgid);
static __always_inline void proc_exited(__u32 tgid);
/* A thread other than the leader exec'd: it carries on under the leader's TID. */
static __always_inline void proc_exec_took_tid(__u32 old_tid, __u32 tid);

static __always_inline void proc_emit(__u32 type, __u32 tgid, const struct proc_gen *pg)
{
	struct vigil_proc_event ev = {
		.type = type,
		.tgid = tgid,
		.gen = pg->gen,
		.start_boottime = pg->start_boottime,
	};

	if (type == VIGIL_PROC_SEEN) {
		ev.parent_tgid = pg->parent_tgid;
		ev.parent_gen = pg->parent_gen;
	}

	if (bpf_ringbuf_output(&proc_events, &ev, sizeof(ev), 0))
		__sync_fetch_and_add(&proc_events_lost, 1);
}

static __always_inline __u64 proc_start_of(struct task_struct *task)
{
	return BPF_CORE_READ(task, group_leader, start_boottime);
}

/* The incarnation of tgid, a new one numbered and stored if needed; NULL when the map refused. */
static __always_inline struct proc_gen *proc_lookup(__u32 tgid, __u64 start)
{
	struct proc_gen *pg = bpf_map_lookup_elem(&procs, &tgid), fresh = {};

	if (pg && pg->start_boottime == start)
		return pg;
	fresh.gen = __sync_add_and_fetch(&next_gen, 1);
	fresh.start_boottime = start;
	if (bpf_map_update_elem(&procs, &tgid, &fresh, BPF_ANY))
		return NULL;
	return bpf_map_lookup_elem(&procs, &tgid);
}

/*
 * The generation of the current process; the first sample of an
 * incarnation tells userspace to read its mappings. 0: not numbered.
 */
static __always_inline __u32 proc_gen(struct task_struct *task, __u32 tgid)
{
	/*
	 * An entry found is this process's: an exit always deletes its
	 * process's entry, so a reused PID finds none. The start time is
	 * read only to make one (two reads fewer per sample).
	 */
	struct proc_gen *pg = bpf_map_lookup_elem(&procs, &tgid);

	__s32 maps;
	__u64 now;

	if (!pg)
		pg = proc_lookup(tgid, proc_start_of(task));
	if (!pg)
		return 0;
	maps = BPF_CORE_READ(task, mm, map_count);
	if (!pg->announced && !__sync_lock_test_and_set(&pg->announced, 1)) {
		pg->map_count = maps;
		pg->maps_told_ns = bpf_ktime_get_ns();
		proc_emit(VIGIL_PROC_SEEN, tgid, pg);
		return pg->gen;
	}
	/*
	 * Its mappings changed since userspace read them (a library loaded,
	 * say): say so while the process runs, so that they are read again
	 * before it can exit with code in them no one read.
	 */
	if (maps != pg->map_count) {
		now = bpf_ktime_get_ns();
		if (now - pg->maps_told_ns >= PROC_MAPS_EVERY_NS) {
			pg->map_count = maps;
			pg->maps_told_ns = now;
			proc_emit(VIGIL_PROC_MAPS, tgid, pg);
		}
	}
	return pg->gen;
}

/*
 * A new process starts as a copy of its parent: numbered now, with a link
 * to the parent's incarnation, so that a child that exits before its
 * mappings are read is named from the mappings it inherited.
 */
SEC("raw_tp/sched_process_fork")
int BPF_PROG(procs_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	__u32 ctgid = BPF_CORE_READ(child, tgid);
	struct proc_gen *ppg, *cpg;

	if (ptgid == ctgid)
		return 0; /* a thread */
	proc_forked(ptgid, ctgid);
	if (!proc_is_target(ctgid))
		return 0;
	ppg = proc_lookup(ptgid, proc_start_of(parent));
	/* the child is not running yet: its group_leader is itself */
	cpg = proc_lookup(ctgid, BPF_CORE_READ(child, start_boottime));
	if (!ppg || !cpg)
		return 0;
	cpg->parent_tgid = ptgid;
	cpg->parent_gen = ppg->gen;
	return 0;
}

/* An exec ends the incarnation; the new program's first sample starts the next. */
SEC("raw_tp/sched_process_exec")
int BPF_PROG(procs_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = BPF_CORE_READ(p, tgid);
	struct proc_gen *pg;

	if (!proc_is_target(tgid))
		return 0;
	if ((__u32)old_pid != tgid)
		proc_exec_took_tid(old_pid, tgid);
	pg = bpf_map_lookup_elem(&procs, &tgid);
	if (!pg)
		return 0; /* never sampled: nothing to end */
	proc_emit(VIGIL_PROC_EXEC, tgid, pg);
	bpf_map_delete_elem(&procs, &tgid);
	return 0;
}

/* The last thread of a process exits: the incarnation ends, its PID may be reused. */
/*
 * The last thread has dropped signal->live to zero before this tracepoint;
 * reading it, rather than the group_dead argument of newer kernels, works
 * on every kernel with the tracepoint.
 */
SEC("raw_tp/sched_process_exit")
int BPF_PROG(procs_exit, struct task_struct *p)
{
	__u32 tgid = BPF_CORE_READ(p, tgid);
	struct proc_gen *pg;

	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;
	proc_exited(tgid);
	pg = bpf_map_lookup_elem(&procs, &tgid);
	if (!pg)
		return 0;
	proc_emit(VIGIL_PROC_EXIT, tgid, pg);
	bpf_map_delete_elem(&procs, &tgid);
	return 0;
}

#endif /* VIGIL_PROCS_BPF_H */
