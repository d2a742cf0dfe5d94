// SPDX-License-Identifier: GPL-2.0
/* syscalls.bpf.c: times every syscall of the targets, entry to exit, into per-syscall rows. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "syscalls_defs.h"
#include "hist.bpf.h"

const volatile bool filter_tgid = false;  /* only tgids in the targets map */
const volatile bool follow_forks = false; /* children of targets become targets */
const volatile __u32 exclude_tgid = 0;	  /* vigil itself */
const volatile __u8 by = SYSC_BY_SYSCALL;
const volatile bool filter_nr = false; /* only the 64-bit syscalls set in nrs */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u8);
	__uint(max_entries, SYSC_MAX_NR);
} nrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u8);
	__uint(max_entries, 4096);
} targets SEC(".maps");

/*
 * The call in progress, in the thread's own storage: cheaper than a hash
 * map at every syscall, and freed with the thread, also one that dies
 * inside a call (exit_group never returns).
 */
struct sysc_start {
	__u64 ts; /* 0: none */
	__s32 nr;
	__u32 compat;
};

#define TS_COMPAT 0x0002 /* x86: thread_info.status during a 32-bit syscall */

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sysc_start);
} starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct sysc_key);
	__type(value, struct sysc_val);
	__uint(max_entries, 4096); /* 2 KiB each, preallocated */
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct sysc_ekey);
	__type(value, __u64);
	__uint(max_entries, 8192);
} errors SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, SYSC_STAT_MAX);
} counters SEC(".maps");

/* A zero row, to insert a key seen for the first time: 2 KiB, too big for the stack. */
static const struct sysc_val val_zero;

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);

	if (v)
		*v += 1;
}

static __always_inline bool wanted(__u32 tgid)
{
	if (tgid == exclude_tgid)
		return false;
	return !filter_tgid || bpf_map_lookup_elem(&targets, &tgid);
}

SEC("raw_tp/sys_enter")
int sysc_enter(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	struct sysc_start *s;

	/* the array first: most syscalls are not selected, and it is cheaper than the hash */
	if (filter_nr) {
		__u32 nr = ctx->args[1];
		__u8 *on = bpf_map_lookup_elem(&nrs, &nr);

		if (!on || !*on || (bpf_get_current_task_btf()->thread_info.status & TS_COMPAT))
			return 0;
	}
	if (!wanted(tgid))
		return 0;
	s = bpf_task_storage_get(&starts, bpf_get_current_task_btf(), NULL,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!s) {
		count(SYSC_STAT_FULL);
		return 0;
	}
	s->nr = ctx->args[1];
	s->compat = !!(bpf_get_current_task_btf()->thread_info.status & TS_COMPAT);
	s->ts = bpf_ktime_get_ns();
	return 0;
}

SEC("raw_tp/sys_exit")
int sysc_exit(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 id = bpf_get_current_pid_tgid(), now = bpf_ktime_get_ns(), lat;
	__u32 tgid = id >> 32, tid = (__u32)id, bucket;
	long ret = ctx->args[1];
	struct sysc_key key = {};
	struct sysc_ekey ekey = {};
	struct sysc_start *s;
	struct sysc_val *v;
	__u64 one = 1, *e;

	s = bpf_task_storage_get(&starts, bpf_get_current_task_btf(), NULL, 0);
	/*
	 * With syscalls selected, only an entry that was kept has a start:
	 * every other exit returns here, before the targets hash. Calls begun
	 * before attach are then not counted as unmatched.
	 */
	if (filter_nr && (!s || !s->ts))
		return 0;
	if (!wanted(tgid))
		return 0;
	if (!s || !s->ts) {
		count(SYSC_STAT_UNMATCHED);
		return 0;
	}
	lat = now > s->ts ? now - s->ts : 0;
	key.nr = s->nr;
	key.compat = s->compat;
	s->ts = 0;
	if (by != SYSC_BY_SYSCALL)
		key.tgid = tgid;
	if (by == SYSC_BY_THREAD)
		key.tid = tid;
	if (by == SYSC_BY_NAME) {
		key.tgid = 0;
		BPF_CORE_READ_STR_INTO(&key.name, bpf_get_current_task_btf(), group_leader, comm);
	}
	v = bpf_map_lookup_elem(&stats, &key);
	if (!v) {
		bpf_map_update_elem(&stats, &key, &val_zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&stats, &key);
		if (!v) {
			count(SYSC_STAT_FULL);
			return 0;
		}
		bpf_get_current_comm(v->comm, sizeof(v->comm));
	}
	__sync_fetch_and_add(&v->count, 1);
	__sync_fetch_and_add(&v->total_ns, lat);
	/* races between CPUs may keep a value a little off: rare, and close */
	if (lat > v->max_ns)
		v->max_ns = lat;
	if (!v->min_ns || lat < v->min_ns)
		v->min_ns = lat;
	bucket = hist_bucket(lat);
	if (bucket < HIST_BUCKETS)
		__sync_fetch_and_add(&v->hist[bucket], 1);
	if (ret < 0 && ret >= -4095) {
		__sync_fetch_and_add(&v->errors, 1);
		ekey.key = key;
		ekey.err = -ret;
		e = bpf_map_lookup_elem(&errors, &ekey);
		if (e)
			__sync_fetch_and_add(e, 1);
		else if (bpf_map_update_elem(&errors, &ekey, &one, BPF_NOEXIST))
			count(SYSC_STAT_ERR_FULL);
	}
	return 0;
}

/* With follow_forks, a process forked by a target is a target too. */
SEC("raw_tp/sched_process_fork")
int BPF_PROG(sysc_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid), ctgid = BPF_CORE_READ(child, tgid);
	__u8 one = 1;

	if (follow_forks && ptgid != ctgid && bpf_map_lookup_elem(&targets, &ptgid))
		bpf_map_update_elem(&targets, &ctgid, &one, BPF_ANY);
	return 0;
}

/* A followed process that exits leaves room for new ones. */
SEC("raw_tp/sched_process_exit")
int BPF_PROG(sysc_exit_proc, struct task_struct *p)
{
	__u32 tgid = BPF_CORE_READ(p, tgid);

	if (follow_forks && BPF_CORE_READ(p, signal, live.counter) == 0)
		bpf_map_delete_elem(&targets, &tgid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
