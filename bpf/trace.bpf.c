// SPDX-License-Identifier: GPL-2.0
/*
 * trace.bpf.c: times calls of probed functions, from entry to return, into
 * one row per function and one edge per caller and callee.
 *
 * Each thread keeps its open calls on a stack. A return pops the innermost
 * open call of its own function: calls above it were unwound past (longjmp,
 * an exception) and are counted as abandoned, never timed. A call's CPU
 * time is its wall time less the time its thread spent switched out, which
 * sched_switch adds up while the thread has calls open.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/usdt.bpf.h>
#include "trace_defs.h"
#include "hist.bpf.h"

const volatile bool filter_tgid = false; /* only tgids in the targets map */
const volatile __u32 self_tgid = 0;	 /* vigil: only its calibration calls count */
const volatile __u32 calib_fn = TRACE_ROOT;
const volatile __u32 first_py_fn = 0; /* Python functions are numbered from here */
const volatile __u32 max_fn = 0;      /* rows in the rows map */

__u32 next_py_fn = 0; /* the next Python function's number, less first_py_fn */

/*
 * Set once every probe is attached, cleared before any is detached: a
 * function's entry and return probes come and go one after the other,
 * milliseconds apart, and in between one would fire without the other.
 */
volatile __u32 armed = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u8);
	__uint(max_entries, 4096);
} targets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct trace_row);
	__uint(max_entries, 1); /* set to the number of functions at load */
} rows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct trace_edge_key);
	__type(value, struct trace_edge);
	__uint(max_entries, 16384);
} edges SEC(".maps");

/*
 * By thread id, created at a thread's first call, removed when it exits:
 * sched_switch must find the thread coming in, which task storage cannot.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct trace_thread);
	__uint(max_entries, TRACE_MAX_THREAD);
} threads SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct trace_py_key);
	__type(value, __u32);
	__uint(max_entries, TRACE_MAX_FN);
} py_fns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct trace_py_key);
	__uint(max_entries, 1);
} py_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, TRACE_STAT_MAX);
} counters SEC(".maps");

static const struct trace_thread thread_zero;

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

/* A call of fn in this process is counted: fn is TRACE_ROOT for Python's. */
static __always_inline bool wanted(__u32 fn)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (!armed)
		return false;
	if (tgid == self_tgid)
		return fn == calib_fn;
	return !filter_tgid || bpf_map_lookup_elem(&targets, &tgid);
}

/* What the stack scans of bpf_loop() share: cheaper to verify than an unrolled loop. */
struct scan {
	struct trace_thread *t;
	__u32 fn;
	__u32 depth;
	__u32 found; /* enter: frames of fn; leave: the innermost frame of fn */
	__u64 sp;
	bool chained; /* the call is a tail call out of a traced function */
};

static long count_fn(__u32 i, void *arg)
{
	struct scan *sc = arg;

	if (i >= sc->depth)
		return 1;
	if (sc->t->f[i & (TRACE_MAX_DEPTH - 1)].fn == sc->fn)
		sc->found++;
	return 0;
}

static long find_fn(__u32 i, void *arg)
{
	struct scan *sc = arg;
	__u32 k = sc->depth - 1 - i;

	if (i >= sc->depth)
		return 1;
	if (sc->t->f[k & (TRACE_MAX_DEPTH - 1)].fn == sc->fn) {
		sc->found = k;
		return 1;
	}
	return 0;
}

/* A call counted, never to be timed: its return will not be seen. */
static __always_inline void untimed(__u32 fn, bool prim)
{
	struct trace_row *r = bpf_map_lookup_elem(&rows, &fn);

	if (!r)
		return;
	__sync_fetch_and_add(&r->untimed, 1);
	if (prim)
		__sync_fetch_and_add(&r->untimed_prim, 1);
}

/* Frames [from, depth) of the thread are open calls whose return will not come. */
struct drop {
	struct trace_thread *t;
	__u32 from, depth;
};

static long drop_frame(__u32 i, void *arg)
{
	struct drop *dr = arg;
	__u32 k = dr->from + i;

	if (k >= dr->depth || k >= TRACE_MAX_DEPTH)
		return 1;
	untimed(dr->t->f[k & (TRACE_MAX_DEPTH - 1)].fn, !dr->t->f[k & (TRACE_MAX_DEPTH - 1)].rec);
	return 0;
}

static __always_inline void drop_frames(struct trace_thread *t, __u32 from, __u32 depth)
{
	struct drop dr = {.t = t, .from = from, .depth = depth};

	bpf_loop(TRACE_MAX_DEPTH, drop_frame, &dr, 0);
}

/*
 * Open native calls that a new call at stack pointer sp cannot be inside:
 * entered at or below sp, so their frames are gone (a longjmp past them,
 * an exception). Dropped from the top down, counted. The kernel drops its
 * return probes of those calls by the same rule (arch_uretprobe_is_alive),
 * so their returns will not come.
 */
static long drop_gone(__u32 i, void *arg)
{
	struct scan *sc = arg;
	struct trace_frame *fr;
	__u32 d = sc->t->depth;

	if (!d || d > TRACE_MAX_DEPTH)
		return 1;
	fr = &sc->t->f[(d - 1) & (TRACE_MAX_DEPTH - 1)];
	if (!fr->sp || fr->sp > sc->sp || (fr->sp == sc->sp && sc->chained))
		return 1;
	untimed(fr->fn, !fr->rec);
	count(TRACE_STAT_ABANDONED);
	sc->t->depth = d - 1;
	return 0;
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
	__u64 ra = 0, tramp;

	if (!xa)
		return false;
	tramp = BPF_CORE_READ(xa, vaddr);
	bpf_probe_read_user(&ra, sizeof(ra), (void *)sp);
	return ra == tramp;
}

/*
 * nested: the returns come in order for every entry, deep or not (Python's
 * probes); sp: the stack pointer of a native call, 0 for Python's.
 */
static __always_inline void enter(__u32 fn, bool nested, __u64 sp)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), d, rec = 0;
	struct trace_thread *t;
	struct trace_frame *fr;

	count(TRACE_STAT_HITS);
	t = bpf_map_lookup_elem(&threads, &tid);
	if (!t) {
		bpf_map_update_elem(&threads, &tid, &thread_zero, BPF_NOEXIST);
		t = bpf_map_lookup_elem(&threads, &tid);
		if (!t) {
			count(TRACE_STAT_THREADS_FULL);
			return;
		}
	}
	if (sp && t->depth) {
		struct scan sc = {.t = t, .sp = sp, .chained = tail_call(sp)};

		bpf_loop(TRACE_MAX_DEPTH, drop_gone, &sc, 0);
	}
	d = t->depth;
	{
		struct scan sc = {.t = t, .fn = fn, .depth = d};

		bpf_loop(TRACE_MAX_DEPTH, count_fn, &sc, 0);
		rec = sc.found;
	}
	/*
	 * The kernel hijacks at most 64 returns of a thread at once
	 * (MAX_URETPROBE_DEPTH): a call deeper than that never returns to a
	 * probe. It is counted, not timed, and not kept.
	 */
	if (d >= TRACE_MAX_DEPTH) {
		count(TRACE_STAT_TOO_DEEP);
		untimed(fn, !rec);
		if (nested) {
			if (t->over < TRACE_MAX_OVER)
				t->over_fn[t->over & (TRACE_MAX_OVER - 1)] = fn;
			t->over++;
		}
		return;
	}
	fr = &t->f[d & (TRACE_MAX_DEPTH - 1)];
	fr->fn = fn;
	fr->rec = rec;
	fr->off0 = t->off_ns;
	fr->child_ns = 0;
	fr->sp = sp;
	t->depth = d + 1;
	/* last, so that the program's own time is not the call's */
	fr->ts = bpf_ktime_get_ns();
}

static __always_inline void account(__u32 caller, __u32 fn, __u32 rec, __u64 dur, __u64 self,
				    __u64 cpu)
{
	struct trace_edge_key ek = {.caller = caller, .callee = fn};
	struct trace_edge *e, ezero = {};
	struct trace_row *r;
	__u32 b;

	r = bpf_map_lookup_elem(&rows, &fn);
	if (!r)
		return;
	__sync_fetch_and_add(&r->calls, 1);
	__sync_fetch_and_add(&r->self_ns, self);
	__sync_fetch_and_add(&r->total_ns, dur);
	if (!rec) {
		__sync_fetch_and_add(&r->prim, 1);
		__sync_fetch_and_add(&r->cum_ns, dur);
		__sync_fetch_and_add(&r->cpu_ns, cpu);
	}
	/* races between CPUs may keep a value a little off: rare, and close */
	if (dur > r->max_ns)
		r->max_ns = dur;
	if (!r->min_ns || dur < r->min_ns)
		r->min_ns = dur;
	if (rec < TRACE_DEPTHS) {
		__sync_fetch_and_add(&r->depth_calls[rec], 1);
		__sync_fetch_and_add(&r->depth_ns[rec], dur);
	}
	b = hist_bucket(dur);
	if (b < HIST_BUCKETS)
		__sync_fetch_and_add(&r->hist[b], 1);

	e = bpf_map_lookup_elem(&edges, &ek);
	if (!e) {
		bpf_map_update_elem(&edges, &ek, &ezero, BPF_NOEXIST);
		e = bpf_map_lookup_elem(&edges, &ek);
		if (!e) {
			count(TRACE_STAT_EDGES_FULL);
			return;
		}
	}
	__sync_fetch_and_add(&e->calls, 1);
	__sync_fetch_and_add(&e->self_ns, self);
	if (!rec)
		__sync_fetch_and_add(&e->cum_ns, dur);
}

/* Returns false when fn has no open call on the thread: nothing is timed then. */
static __always_inline bool leave(__u32 fn)
{
	__u64 now = bpf_ktime_get_ns(), dur, off, self, cpu;
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), d, top = TRACE_MAX_DEPTH, caller;
	struct trace_thread *t;
	struct trace_frame *fr;

	t = bpf_map_lookup_elem(&threads, &tid);
	if (!t || !t->depth)
		return false;
	/*
	 * A Python call beyond the frames kept returns first (counted at its
	 * entry), unless this return is of another function: one whose entry
	 * did not fire, such as a profiler's own callback.
	 */
	if (t->over) {
		__u32 k = t->over - 1;

		if (k >= TRACE_MAX_OVER || t->over_fn[k & (TRACE_MAX_OVER - 1)] == fn) {
			t->over = k;
			return true;
		}
		return false;
	}
	d = t->depth;
	/* the innermost open call of fn */
	{
		struct scan sc = {.t = t, .fn = fn, .depth = d, .found = TRACE_MAX_DEPTH};

		bpf_loop(TRACE_MAX_DEPTH, find_fn, &sc, 0);
		top = sc.found;
	}
	if (top >= TRACE_MAX_DEPTH)
		return false;
	if (d > top + 1) {
		count_n(TRACE_STAT_ABANDONED, d - top - 1);
		drop_frames(t, top + 1, d);
	}
	fr = &t->f[top & (TRACE_MAX_DEPTH - 1)];
	t->depth = top;
	dur = now > fr->ts ? now - fr->ts : 0;
	off = t->off_ns - fr->off0;
	cpu = dur > off ? dur - off : 0;
	self = dur > fr->child_ns ? dur - fr->child_ns : 0;
	caller = TRACE_ROOT;
	if (top > 0) {
		struct trace_frame *up = &t->f[(top - 1) & (TRACE_MAX_DEPTH - 1)];

		caller = up->fn;
		up->child_ns += dur;
	}
	account(caller, fn, fr->rec, dur, self, cpu);
	return true;
}

SEC("uprobe")
int trace_entry(struct pt_regs *ctx)
{
	__u32 cookie = bpf_get_attach_cookie(ctx), fn = cookie & ~TRACE_STEPPED;

	if (!wanted(fn))
		return 0;
	if (cookie & TRACE_STEPPED)
		count(TRACE_STAT_HITS_STEPPED);
	enter(fn, false, PT_REGS_SP(ctx));
	return 0;
}

SEC("uretprobe")
int trace_return(struct pt_regs *ctx)
{
	__u32 fn = bpf_get_attach_cookie(ctx) & ~TRACE_STEPPED;

	if (wanted(fn) && !leave(fn))
		count(TRACE_STAT_UNMATCHED_RET);
	return 0;
}

/* A USDT probe that marks a point, not a call: counted. */
SEC("usdt")
int trace_point(struct pt_regs *ctx)
{
	__u32 fn = bpf_usdt_cookie(ctx);
	struct trace_row *r;

	if (!wanted(fn))
		return 0;
	count(TRACE_STAT_HITS);
	r = bpf_map_lookup_elem(&rows, &fn);
	if (r)
		__sync_fetch_and_add(&r->calls, 1);
	return 0;
}

/*
 * CPython's function__entry and function__return(file, name, line): the
 * function's number by its file and name, numbered when first seen.
 */
static __always_inline __u32 py_fn(struct pt_regs *ctx)
{
	struct trace_py_key *k;
	__u32 zero = 0, *id, n;
	long file = 0, name = 0;

	k = bpf_map_lookup_elem(&py_scratch, &zero);
	if (!k)
		return TRACE_ROOT;
	bpf_usdt_arg(ctx, 0, &file);
	bpf_usdt_arg(ctx, 1, &name);
	__builtin_memset(k, 0, sizeof(*k));
	bpf_probe_read_user_str(k->file, sizeof(k->file), (void *)file);
	bpf_probe_read_user_str(k->name, sizeof(k->name), (void *)name);
	id = bpf_map_lookup_elem(&py_fns, k);
	if (id)
		return *id;
	n = __sync_fetch_and_add(&next_py_fn, 1) + first_py_fn;
	if (n >= max_fn) {
		count(TRACE_STAT_FUNCTIONS_FULL);
		return TRACE_ROOT;
	}
	if (bpf_map_update_elem(&py_fns, k, &n, BPF_NOEXIST)) {
		/* another CPU numbered it first (n is lost, a gap) */
		id = bpf_map_lookup_elem(&py_fns, k);
		return id ? *id : TRACE_ROOT;
	}
	return n;
}

/*
 * CPython 3.11 fires function__entry only while a tracer or profiler is set
 * (sys.settrace, sys.setprofile) and on generator.throw(); function__return
 * at every return. A return without its entry is a call counted, untimed.
 */
SEC("usdt")
int trace_py_entry(struct pt_regs *ctx)
{
	__u32 fn;

	if (!wanted(TRACE_ROOT))
		return 0;
	fn = py_fn(ctx);
	if (fn != TRACE_ROOT)
		enter(fn, true, 0);
	return 0;
}

SEC("usdt")
int trace_py_return(struct pt_regs *ctx)
{
	__u32 fn;

	if (!wanted(TRACE_ROOT))
		return 0;
	fn = py_fn(ctx);
	if (fn == TRACE_ROOT || leave(fn))
		return 0;
	count(TRACE_STAT_HITS);
	untimed(fn, true);
	return 0;
}
/* The time a thread with open calls spends switched out is not CPU time. */
SEC("raw_tp/sched_switch")
int trace_switch(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *next = (struct task_struct *)ctx->args[2];
	__u32 prev_tid = (__u32)bpf_get_current_pid_tgid(), next_tid = BPF_CORE_READ(next, pid);
	__u64 now = bpf_ktime_get_ns();
	struct trace_thread *t;

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

/* A thread that exits with calls open: they never return. */
SEC("raw_tp/sched_process_exit")
int trace_exit(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct trace_thread *t = bpf_map_lookup_elem(&threads, &tid);

	if (!t)
		return 0;
	if (t->depth || t->over) {
		count_n(TRACE_STAT_THREAD_EXIT, t->depth + t->over);
		drop_frames(t, 0, t->depth);
	}
	bpf_map_delete_elem(&threads, &tid);
	return 0;
}

/*
 * An exec ends the calls open in the thread that execs, and every other
 * thread of the process (they exit). From a thread other than the main
 * one, the process goes on under the main thread's pid in a new task,
 * which probes bound to the old one by pid no longer see: counted, said.
 */
SEC("raw_tp/sched_process_exec")
int BPF_PROG(trace_exec, struct task_struct *p, pid_t old_pid)
{
	__u32 tid = BPF_CORE_READ(p, pid), tgid = BPF_CORE_READ(p, tgid), old = old_pid;
	struct trace_thread *t;

	if (old != tid) {
		if (!filter_tgid || bpf_map_lookup_elem(&targets, &tgid))
			count(TRACE_STAT_EXEC_THREAD);
		t = bpf_map_lookup_elem(&threads, &old);
		if (t) {
			count_n(TRACE_STAT_THREAD_EXIT, t->depth + t->over);
			drop_frames(t, 0, t->depth);
			bpf_map_delete_elem(&threads, &old);
		}
	}
	t = bpf_map_lookup_elem(&threads, &tid);
	if (t && (t->depth || t->over)) {
		count_n(TRACE_STAT_THREAD_EXIT, t->depth + t->over);
		drop_frames(t, 0, t->depth);
		t->depth = 0;
		t->over = 0;
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
