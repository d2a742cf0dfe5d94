/* SPDX-License-Identifier: GPL-2.0 */
/*
 * offcpu.bpf.h: the off-CPU collector, included by profile.bpf.c so that it
 * shares the sampler's targets, incarnations and double-buffered counts.
 *
 * Every thread of a target cycles through three states, followed on raw
 * tracepoints alone (no tracefs, no kprobes):
 *
 *   running --sched_switch(out)--> blocked --sched_wakeup--> runnable
 *      ^                              (or preempted: runnable at once)  |
 *      +------------------------sched_switch(in)------------------------+
 *
 * At switch-out the thread is still current, so its stacks can be walked
 * then and only then; they go into the thread's entry of offcpu_threads,
 * with what the loader needs to classify the wait. At switch-in the span
 * is known: the blocked part (switch-out to wake-up) and the runnable part
 * (wake-up to switch-in) are added, in ns, to the counts under that key,
 * one entry holding both.
 * Nothing is kept per event: one entry per thread, reused. Spans shorter
 * than min_block_ns are dropped at switch-in, before the key is
 * hashed; their stacks were already walked, as a raw tracepoint cannot walk
 * the stacks of a thread that is not current.
 *
 * The same switches measure each thread's on-CPU time, as the scheduler's
 * runtime of it (threads0/1). What cannot be measured is counted: spans
 * with no room for their stacks keep their time per thread (lost0/1);
 * threads beyond the map, and switches the tracepoint reports unpaired,
 * are counted in stats.
 */
#ifndef VIGIL_OFFCPU_BPF_H
#define VIGIL_OFFCPU_BPF_H

#define TASK_RUNNING 0x0000
#define TASK_DEAD    0x0080

const volatile __u64 min_block_ns = 0;

/* CLOCK_MONOTONIC ns at attach, set by the loader: spans before it are cut there. */
__u64 offcpu_start_ns = 0;

/*
 * Set by the loader once all three programs are attached, and cleared
 * before they are detached, so that they start and stop following
 * switches at one moment: a wake-up seen before the switch program ran
 * would otherwise look like a switch it missed.
 */
bool offcpu_on = false;

/* An all-zero entry, to insert a thread seen for the first time. */
static const struct profile_thread thread_zero;

struct {
	/*
	 * Preallocated, 2 KiB per thread: entries allocated on demand can fail
	 * in a burst of new threads, as the allocator refills its caches only
	 * after the program returns.
	 */
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct profile_thread);
	__uint(max_entries, PROFILE_MAX_THREADS);
} offcpu_threads SEC(".maps");

#define THREADS_MAP(name)                                                                          \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_HASH);                                                   \
		__type(key, struct profile_tkey);                                                  \
		__type(value, struct profile_tval);                                                \
		__uint(max_entries, 16384);                                                        \
	} name SEC(".maps")

THREADS_MAP(threads0);
THREADS_MAP(threads1);

#define LOST_MAP(name)                                                                             \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_HASH);                                                   \
		__type(key, struct profile_lkey);                                                  \
		__type(value, __u64);                                                              \
		__uint(max_entries, 32768);                                                        \
	} name SEC(".maps")

LOST_MAP(lost0);
LOST_MAP(lost1);

static __always_inline void stat_add(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (v)
		*v += n;
}

static __always_inline bool offcpu_wanted(__u32 tid, __u32 tgid)
{
	return tid != 0 && tgid != exclude_tgid && proc_is_target(tgid);
}

static __always_inline struct profile_thread *thread_get(__u32 tid, bool *created)
{
	struct profile_thread *t = bpf_map_lookup_elem(&offcpu_threads, &tid);

	*created = false;
	if (t)
		return t;
	if (bpf_map_update_elem(&offcpu_threads, &tid, &thread_zero, BPF_NOEXIST) &&
	    !bpf_map_lookup_elem(&offcpu_threads, &tid)) {
		stat_inc(PROFILE_STAT_THREADS_FULL);
		return NULL;
	}
	*created = true;
	return bpf_map_lookup_elem(&offcpu_threads, &tid);
}

/*
 * The syscall the current task is in, from its saved user registers, or -1.
 * orig_ax also holds an exception's error code (a page fault that waits for
 * the disk); the loader tells the two apart by the kernel stack.
 */
static __always_inline __s32 current_syscall(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs;
	long nr;

	if (task->flags & PF_KTHREAD)
		return -1;
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	if (!regs)
		return -1;
	nr = BPF_CORE_READ(regs, orig_ax);
	return nr >= 0 && nr < 4096 ? (__s32)nr : -1;
}

/* What a key says of the thread; the stacks and the syscall are the caller's. */
static __always_inline void key_fill(struct profile_key *key, struct task_struct *task, __u32 tgid,
				     __u32 tid)
{
	key->tgid = tgid;
	key->tid = key_tid ? tid : 0;
	key->gen = (BPF_CORE_READ(task, flags) & PF_KTHREAD) ? 0 : proc_gen(task, tgid);
	key->sysnr = -1;
	key->state = 0;
	key->flags = 0;
	key->user_len = key->kern_len = PROFILE_NO_STACK;
	if (BPF_CORE_READ_BITFIELD_PROBED(task, in_iowait))
		key->flags |= PROFILE_F_IOWAIT;
	BPF_CORE_READ_STR_INTO(&key->comm, task, comm);
}

static __always_inline void cpu_add(struct task_struct *task, __u32 tgid, __u32 tid, __u32 gen,
				    __u64 ns)
{
	struct profile_tkey k = {.tgid = tgid, .tid = tid, .gen = gen};
	void *threads = active ? (void *)&threads1 : (void *)&threads0;
	struct profile_tval *v = bpf_map_lookup_elem(threads, &k), fresh = {};

	if (!v) {
		BPF_CORE_READ_STR_INTO(&fresh.comm, task, comm);
		bpf_map_update_elem(threads, &k, &fresh, BPF_NOEXIST);
		v = bpf_map_lookup_elem(threads, &k);
		if (!v) {
			stat_inc(PROFILE_STAT_CPU_FULL);
			return;
		}
	}
	__sync_fetch_and_add(&v->cpu_ns, ns);
}

/*
 * How long prev ran since it was put on the CPU, by its runtime, which the
 * scheduler brought up to date before this tracepoint: it leaves out time
 * the hypervisor took and interrupts, as CLOCK_THREAD_CPUTIME_ID does. A
 * thread running since before the profile has only the wall time since.
 */
static __always_inline __u64 ran_for(struct task_struct *prev, const struct profile_thread *t,
				     __u64 now)
{
	__u64 rt;

	if (!t->t_in)
		return now > offcpu_start_ns ? now - offcpu_start_ns : 0;
	rt = BPF_CORE_READ(prev, se.sum_exec_runtime);
	rt = rt > t->rt_in ? rt - t->rt_in : 0;
	/*
	 * The runtime starts when the scheduler picks the thread, a little
	 * before this program runs and its wait is closed: never more than
	 * the span, so a thread's CPU and waits never overlap.
	 */
	return rt < now - t->t_in ? rt : now - t->t_in;
}

/* prev is current: its on-CPU span ends, its off-CPU span starts here. */
static __always_inline void switched_out(void *ctx, struct task_struct *prev, bool preempt,
					 unsigned int state, __u64 now)
{
	__u32 tid = BPF_CORE_READ(prev, pid), tgid = BPF_CORE_READ(prev, tgid);
	struct profile_thread *t;
	bool kthread, created;

	/* an exiting process is no target any more: its threads' entries go by their own */
	if (state & TASK_DEAD) {
		t = bpf_map_lookup_elem(&offcpu_threads, &tid);
		if (!t)
			return;
		if (!t->t_in && t->t_out)
			stat_inc(PROFILE_STAT_MISSED);
		else
			cpu_add(prev, tgid, tid, t->key.gen, ran_for(prev, t, now));
		bpf_map_delete_elem(&offcpu_threads, &tid);
		return;
	}
	if (!offcpu_wanted(tid, tgid))
		return;
	t = thread_get(tid, &created);
	if (!t)
		return;
	if (created)
		key_fill(&t->key, prev, tgid, tid);
	/*
	 * Off CPU by our account, yet switched out: its switch-in was not
	 * seen (it happens, rarely), so neither span is known. Neither is
	 * counted; the miss is.
	 */
	if (!t->t_in && t->t_out)
		stat_inc(PROFILE_STAT_MISSED);
	else
		cpu_add(prev, tgid, tid, t->key.gen, ran_for(prev, t, now));
	/* a kernel thread, or one past exit_mm(), has no user stack to walk */
	kthread = (BPF_CORE_READ(prev, flags) & PF_KTHREAD) || !BPF_CORE_READ(prev, mm);
	key_fill(&t->key, prev, tgid, tid);
	t->key.state = state;
	t->key.sysnr = current_syscall();
	if (t->key.sysnr >= 0)
		t->key.flags |= PROFILE_F_SYSCALL;
	if (preempt || state == TASK_RUNNING)
		t->key.flags |= PROFILE_F_PREEMPT;
	walk(ctx, &t->key, want_user && !kthread, want_kernel);
	t->t_wake = (t->key.flags & PROFILE_F_PREEMPT) ? now : 0;
	t->t_in = 0;
	t->t_out = now;
}

/* Keep the time of one lost part with its thread, in the lost maps. */
static __always_inline void span_lost(const struct profile_key *key, __u8 kind, __u64 ns)
{
	struct profile_lkey lk = {};
	__u64 *v, zero = 0;
	void *lost;

	if (!ns)
		return;
	stat_inc(PROFILE_STAT_SPANS_FULL);
	lk.tgid = key->tgid;
	lk.tid = key->tid;
	lk.kind = kind;
	lk.flags = key->flags;
	lk.sysnr = key->sysnr;
	__builtin_memcpy(lk.comm, key->comm, sizeof(lk.comm));
	lost = active ? (void *)&lost1 : (void *)&lost0;
	v = bpf_map_lookup_elem(lost, &lk);
	if (!v) {
		bpf_map_update_elem(lost, &lk, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(lost, &lk);
	}
	if (v)
		__sync_fetch_and_add(v, ns);
	else
		stat_add(PROFILE_STAT_SPANS_FULL_NS, ns);
}

/* One span, both its parts under its stacks; with no room, with its thread. */
static __always_inline void span_add(struct profile_key *key, __u64 blocked, __u64 runq)
{
	key->kind = PROFILE_KIND_BLOCKED;
	if (!count_add(key, blocked, runq))
		return;
	span_lost(key, PROFILE_KIND_BLOCKED, blocked);
	span_lost(key, PROFILE_KIND_RUNQ, runq);
}

/* next goes on a CPU: the span it was off CPU for is known now. */
static __always_inline void switched_in(struct task_struct *next, __u64 now)
{
	__u32 tid = BPF_CORE_READ(next, pid), tgid = BPF_CORE_READ(next, tgid);
	struct profile_thread *t;
	__u64 wake;
	bool created;

	if (!offcpu_wanted(tid, tgid))
		return;
	t = thread_get(tid, &created);
	if (!t)
		return;
	/*
	 * First seen now, or only woken so far: off CPU since before the
	 * profile began, blocked until the wake-up if one was seen, runnable
	 * since the start if none was.
	 */
	if (created || (!t->t_out && !t->t_in)) {
		if (created)
			key_fill(&t->key, next, tgid, tid);
		t->key.flags |= PROFILE_F_CUT_START;
		if (!t->t_wake)
			t->key.flags |= PROFILE_F_PREEMPT;
		t->t_out = offcpu_start_ns;
		if (!t->t_wake)
			t->t_wake = offcpu_start_ns;
	}
	/* on CPU by our account: its switch-out was missed, and both spans with it */
	if (!t->t_out && t->t_in) {
		stat_inc(PROFILE_STAT_MISSED);
		t->t_in = now;
		t->rt_in = BPF_CORE_READ(next, se.sum_exec_runtime);
		return;
	}
	if (t->t_out && now > t->t_out) {
		wake = t->t_wake && t->t_wake < now ? t->t_wake : now;
		if (wake < t->t_out)
			wake = t->t_out;
		stat_inc(PROFILE_STAT_SPANS);
		if (now - t->t_out >= min_block_ns)
			span_add(&t->key, wake - t->t_out, now - wake);
		else
			stat_inc(PROFILE_STAT_SHORT);
	}
	t->t_out = t->t_wake = 0;
	t->t_in = now;
	t->rt_in = BPF_CORE_READ(next, se.sum_exec_runtime);
}

/*
 * exec from a thread other than the leader: the kernel gives the thread
 * the leader's TID (the leader is gone by then). Its entry, a thread on
 * its CPU, moves with it, so that it is neither taken for a thread that
 * ran since the start nor left behind as one that never stopped.
 */
static __always_inline void proc_exec_took_tid(__u32 old_tid, __u32 tid)
{
	struct profile_thread *t = bpf_map_lookup_elem(&offcpu_threads, &old_tid);

	if (!offcpu_on || !t)
		return;
	t->key.tid = key_tid ? tid : 0;
	if (bpf_map_update_elem(&offcpu_threads, &tid, t, BPF_ANY))
		stat_inc(PROFILE_STAT_THREADS_FULL);
	bpf_map_delete_elem(&offcpu_threads, &old_tid);
}

SEC("raw_tp/sched_switch")
int offcpu_switch(struct bpf_raw_tracepoint_args *ctx)
{
	/* TP_PROTO(bool preempt, prev, next, unsigned int prev_state), Linux 5.18 on */
	struct task_struct *prev = (struct task_struct *)ctx->args[1];
	struct task_struct *next = (struct task_struct *)ctx->args[2];
	__u64 now = bpf_ktime_get_ns();

	if (!offcpu_on)
		return 0;
	switched_out(ctx, prev, ctx->args[0], ctx->args[3], now);
	switched_in(next, now);
	return 0;
}

/* A blocked thread became runnable; its wait for a CPU starts now. */
static __always_inline void woken(struct task_struct *task)
{
	__u32 tid = BPF_CORE_READ(task, pid), tgid = BPF_CORE_READ(task, tgid);
	__u64 now = bpf_ktime_get_ns();
	struct profile_thread *t;
	bool created;

	if (!offcpu_wanted(tid, tgid))
		return;
	t = thread_get(tid, &created);
	if (!t)
		return;
	/*
	 * First seen at a wake-up: it may have been blocked since before the
	 * start, or running all along (a wake-up also reaches a thread still
	 * on its CPU, one that had not yet gone to sleep). Its next switch
	 * tells which; until then only the time of the wake-up is kept.
	 */
	if (created) {
		key_fill(&t->key, task, tgid, tid);
		t->key.state = 0xffff; /* unknown */
		t->t_wake = now;
		return;
	}
	if (t->t_out && !t->t_wake)
		t->t_wake = now;
}

SEC("raw_tp/sched_wakeup")
int offcpu_wakeup(struct bpf_raw_tracepoint_args *ctx)
{
	if (!offcpu_on)
		return 0;
	woken((struct task_struct *)ctx->args[0]);
	return 0;
}

/* A new thread: followed from its first run, so it is not taken for one blocked before. */
SEC("raw_tp/sched_wakeup_new")
int offcpu_wakeup_new(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = (struct task_struct *)ctx->args[0];
	__u32 tid = BPF_CORE_READ(task, pid), tgid = BPF_CORE_READ(task, tgid);
	struct profile_thread *t;
	bool created;

	if (!offcpu_on || !offcpu_wanted(tid, tgid))
		return 0;
	t = thread_get(tid, &created);
	if (t && created) {
		/* runnable from birth: its wait for a first CPU is a runqueue wait */
		key_fill(&t->key, task, tgid, tid);
		t->key.flags |= PROFILE_F_PREEMPT;
		t->t_out = t->t_wake = bpf_ktime_get_ns();
	}
	return 0;
}

#endif /* VIGIL_OFFCPU_BPF_H */
