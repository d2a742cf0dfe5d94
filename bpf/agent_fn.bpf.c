// SPDX-License-Identifier: GPL-2.0
/*
 * agent_fn.bpf.c: the agent's function instruments: calls of probed
 * functions timed from entry to return, into rows by process name and
 * function that only grow (userspace reads the differences).
 *
 * The probes fire in every process that maps a probed file; only the
 * targets' calls are kept. Each thread keeps its open calls on a stack,
 * each with the stack pointer at its entry, where its return address is.
 * A return is matched by that address, not only by its function: a call
 * whose frame is not on the stack is never timed, whatever else is open.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "agent_fn_defs.h"
#include "hist.bpf.h"

const volatile bool filter_tgid = false; /* only tgids in the targets map */
const volatile __u32 exclude_tgid = 0;	 /* vigil itself */

/*
 * Set once every probe is attached, cleared before any is detached: a
 * file's entry and return links come one after the other, and a call
 * entered between them would never return to a probe.
 */
volatile __u32 armed = 0;

/*
 * Threads with calls open, for sched_switch, which runs for every switch
 * of the machine: with none, it returns without looking anything up.
 */
volatile __s32 open_threads = 0;

/*
 * A return fires with the stack pointer just past the return address it
 * used (the kernel's return trampoline shows it so), one slot above the
 * call's stack pointer at entry.
 */
#if defined(__TARGET_ARCH_x86)
#define RET_ADDR_SIZE 8
#else
#define RET_ADDR_SIZE 0 /* the return address is in a register */
#endif

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u8);
	__uint(max_entries, 4096);
} targets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct agent_fn_key);
	__type(value, struct agent_fn_val);
	__uint(max_entries, AGENT_FN_MAX_ROWS);
} rows SEC(".maps");

/*
 * By thread id, made at a thread's first call, removed when it exits:
 * sched_switch must find the thread coming in, which task storage cannot
 * from a raw tracepoint.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct agent_fn_thread);
	__uint(max_entries, AGENT_FN_MAX_THREADS);
} threads SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, AGENT_FN_STAT_MAX);
} counters SEC(".maps");

/* Zeros to insert a new row or thread from: both too big for the BPF stack. */
static const struct agent_fn_val val_zero;
static const struct agent_fn_thread thread_zero;

static __always_inline void count_n(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);

	if (v)
		*v += n;
}

static __always_inline void count(__u32 idx)
{
	count_n(idx, 1);
}

static __always_inline bool wanted(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (!armed || tgid == exclude_tgid)
		return false;
	return !filter_tgid || bpf_map_lookup_elem(&targets, &tgid);
}

/* Every change of a thread's depth, so that open_threads stays true. */
static __always_inline void set_depth(struct agent_fn_thread *t, __u32 d)
{
	if (!t->depth && d)
		__sync_fetch_and_add(&open_threads, 1);
	else if (t->depth && !d)
		__sync_fetch_and_add(&open_threads, -1);
	t->depth = d;
}

/*
 * Whether the call at sp was jumped to from a traced function (a tail
 * call): its return address is then already the kernel's uretprobe
 * trampoline, the first slot of the process's uprobe area, and the caller
 * is not gone though its stack pointer is the same.
 */
static __always_inline bool tail_call(__u64 sp)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct xol_area *xa = BPF_CORE_READ(task, mm, uprobes_state.xol_area);
	__u64 ra = 0;

	if (!xa)
		return false;
	bpf_probe_read_user(&ra, sizeof(ra), (void *)sp);
	return ra == BPF_CORE_READ(xa, vaddr);
}

static __always_inline struct agent_fn_thread *thread_get(__u32 tid)
{
	struct agent_fn_thread *t = bpf_map_lookup_elem(&threads, &tid);

	if (t)
		return t;
	bpf_map_update_elem(&threads, &tid, &thread_zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&threads, &tid);
}

SEC("uprobe")
int agent_fn_entry(struct pt_regs *ctx)
{
	__u32 fn = bpf_get_attach_cookie(ctx), tid = (__u32)bpf_get_current_pid_tgid(), d;
	__u64 sp = PT_REGS_SP(ctx), gone = 0;
	struct agent_fn_thread *t;
	struct agent_fn_frame *fr;
	int chained = -1; /* not known yet */

	if (!wanted())
		return 0;
	count(AGENT_FN_STAT_HITS);
	t = thread_get(tid);
	if (!t) {
		count(AGENT_FN_STAT_THREADS_FULL);
		return 0;
	}
	/*
	 * Open calls entered at or below sp are gone (a longjmp past them):
	 * the kernel drops its return probes of them by the same rule
	 * (arch_uretprobe_is_alive), so their returns will not come.
	 */
	d = t->depth;
	for (int i = 0; i < AGENT_FN_MAX_DEPTH && d > 0 && d <= AGENT_FN_MAX_DEPTH; i++) {
		fr = &t->f[(d - 1) & (AGENT_FN_MAX_DEPTH - 1)];
		if (fr->sp > sp)
			break;
		if (fr->sp == sp) {
			if (chained < 0)
				chained = tail_call(sp);
			if (chained)
				break;
		}
		d--;
		gone++;
	}
	if (gone) {
		count_n(AGENT_FN_STAT_ABANDONED, gone);
		t->over = 0;
	}
	if (d >= AGENT_FN_MAX_DEPTH) {
		/* its return may come (the kernel keeps 64): over tells it apart */
		set_depth(t, AGENT_FN_MAX_DEPTH);
		t->over++;
		count(AGENT_FN_STAT_TOO_DEEP);
		return 0;
	}
	fr = &t->f[d & (AGENT_FN_MAX_DEPTH - 1)];
	fr->fn = fn;
	fr->sp = sp;
	fr->off0 = t->off_ns;
	set_depth(t, d + 1);
	/* last, so that the program's own time is not the call's */
	fr->ts = bpf_ktime_get_ns();
	return 0;
}

static __always_inline void account(__u32 fn, __u64 dur, __u64 cpu)
{
	struct agent_fn_key key = {.fn = fn};
	struct agent_fn_val *v;
	__u32 b;

	BPF_CORE_READ_STR_INTO(&key.name, bpf_get_current_task_btf(), group_leader, comm);
	v = bpf_map_lookup_elem(&rows, &key);
	if (!v) {
		bpf_map_update_elem(&rows, &key, &val_zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&rows, &key);
		if (!v) {
			count(AGENT_FN_STAT_FULL);
			return;
		}
	}
	__sync_fetch_and_add(&v->calls, 1);
	__sync_fetch_and_add(&v->sum_ns, dur);
	__sync_fetch_and_add(&v->cpu_ns, cpu);
	/* races between CPUs may keep a value a little off: rare, and close */
	if (dur > v->max_ns)
		v->max_ns = dur;
	if (!v->min_ns || dur < v->min_ns)
		v->min_ns = dur;
	b = hist_bucket(dur);
	if (b < HIST_BUCKETS)
		__sync_fetch_and_add(&v->hist[b], 1);
}

/*
 * The return of fn's call entered at stack pointer sp: from the top, the
 * frames below sp are gone (calls inside this one whose returns did not
 * come); at sp, the call itself, under a tail call's frame or not. Above
 * sp, the frames are its callers: the call was not kept.
 */
SEC("uretprobe")
int agent_fn_return(struct pt_regs *ctx)
{
	__u64 now = bpf_ktime_get_ns(), sp = PT_REGS_SP(ctx) - RET_ADDR_SIZE, dur, off;
	__u32 fn = bpf_get_attach_cookie(ctx), tid = (__u32)bpf_get_current_pid_tgid();
	__u32 d, below = 0, match = AGENT_FN_MAX_DEPTH;
	struct agent_fn_thread *t;
	struct agent_fn_frame *fr;

	if (!wanted())
		return 0;
	/* a thread seen first at a return is followed from now on, if there is room */
	t = thread_get(tid);
	if (!t)
		return 0; /* no room: its calls were counted as such at their entry */
	d = t->depth;
	for (int i = 0; i < AGENT_FN_MAX_DEPTH && i < d && d <= AGENT_FN_MAX_DEPTH; i++) {
		fr = &t->f[(d - 1 - i) & (AGENT_FN_MAX_DEPTH - 1)];
		if (fr->sp < sp) {
			below = i + 1;
			continue;
		}
		if (fr->sp > sp)
			break;
		if (fr->fn == fn) {
			match = d - 1 - i;
			break;
		}
	}
	if (match >= AGENT_FN_MAX_DEPTH) {
		if (below) {
			count_n(AGENT_FN_STAT_ABANDONED, below);
			set_depth(t, d - below);
			t->over = 0;
		} else if (t->over) {
			t->over--; /* a call beyond the frames kept, counted at its entry */
			return 0;
		}
		count(AGENT_FN_STAT_UNMATCHED);
		return 0;
	}
	if (d > match + 1)
		count_n(AGENT_FN_STAT_ABANDONED, d - match - 1);
	fr = &t->f[match & (AGENT_FN_MAX_DEPTH - 1)];
	dur = now > fr->ts ? now - fr->ts : 0;
	off = t->off_ns - fr->off0;
	set_depth(t, match);
	t->over = 0;
	account(fn, dur, dur > off ? dur - off : 0);
	return 0;
}

/* The time a thread with open calls spends switched out is not CPU time. */
SEC("raw_tp/sched_switch")
int agent_fn_switch(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *next = (struct task_struct *)ctx->args[2];
	__u32 prev_tid, next_tid;
	struct agent_fn_thread *t;
	__u64 now;

	if (open_threads <= 0)
		return 0;
	prev_tid = (__u32)bpf_get_current_pid_tgid();
	next_tid = BPF_CORE_READ(next, pid);
	now = bpf_ktime_get_ns();
	t = bpf_map_lookup_elem(&threads, &prev_tid);
	if (t && t->depth)
		t->out_ts = now;
	t = bpf_map_lookup_elem(&threads, &next_tid);
	if (t && t->out_ts) {
		t->off_ns += now - t->out_ts;
		t->out_ts = 0;
	}
	return 0;
}

/* The calls open in a thread end with it, or with its program: counted, not timed. */
static __always_inline void forget_calls(__u32 tid, bool remove)
{
	struct agent_fn_thread *t = bpf_map_lookup_elem(&threads, &tid);

	if (!t)
		return;
	if (t->depth)
		count_n(AGENT_FN_STAT_THREAD_EXIT, t->depth);
	set_depth(t, 0);
	t->over = 0;
	if (remove)
		bpf_map_delete_elem(&threads, &tid);
}

/*
 * Every thread's exit: its calls end. The targets map is the agent's
 * exec watcher's to keep (children, processes that exit).
 */
SEC("raw_tp/sched_process_exit")
int BPF_PROG(agent_fn_exit, struct task_struct *p)
{
	forget_calls((__u32)bpf_get_current_pid_tgid(), true);
	return 0;
}

/*
 * An exec ends the calls open in the thread that execs. From a thread
 * other than the main one, the thread goes on under the main thread's id:
 * its old id's entry goes.
 */
SEC("raw_tp/sched_process_exec")
int BPF_PROG(agent_fn_exec, struct task_struct *p, pid_t old_pid)
{
	__u32 tid = BPF_CORE_READ(p, pid), old = old_pid;

	if (old != tid)
		forget_calls(old, true);
	forget_calls(tid, false);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
