// SPDX-License-Identifier: GPL-2.0
/* profile.bpf.c: on-CPU sampler (perf events); off-CPU spans (sched_switch) in offcpu.bpf.h. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "profile_defs.h"

#define PF_KTHREAD 0x00200000

const volatile bool filter_tgid = false;  /* only tgids in the targets map */
const volatile bool follow_forks = false; /* children of targets become targets */
const volatile bool include_idle = false;
const volatile bool want_user = true;
const volatile bool want_kernel = true;
const volatile bool key_tid = false;   /* keep threads apart: a TID in every key */
const volatile __u32 exclude_tgid = 0; /* vigil itself, in the off-CPU and wall clocks */

/*
 * Two buffers, so the loader can drain one completely while samples go to
 * the other: it flips 'active', waits for programs already running to
 * finish, then reads and clears the idle buffer. Nothing is lost at the
 * edge of a drain.
 */
__u32 active = 0;

#define COUNTS_MAP(name, size)                                                                     \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_HASH);                                                   \
		__uint(key_size, size);                                                            \
		__type(value, struct profile_value);                                               \
		__uint(max_entries, 1024); /* resized by the loader */                             \
	} name SEC(".maps")

/* Each buffer is two maps: stacks of PROFILE_SMALL_FRAMES frames or fewer, and the rest. */
COUNTS_MAP(counts0, sizeof(struct profile_key));
COUNTS_MAP(counts1, sizeof(struct profile_key));
COUNTS_MAP(small0, PROFILE_SMALL_KEY_SIZE);
COUNTS_MAP(small1, PROFILE_SMALL_KEY_SIZE);

/* The key is built here: at 2 KiB it does not fit on the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct profile_key);
	__uint(max_entries, 1);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u8);
	__uint(max_entries, 4096);
} targets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, PROFILE_STAT_MAX);
} stats SEC(".maps");

static __always_inline bool proc_is_target(__u32 tgid)
{
	return !filter_tgid || bpf_map_lookup_elem(&targets, &tgid);
}

/* With follow_forks, a process forked by a target is a target too. */
static __always_inline void proc_forked(__u32 ptgid, __u32 ctgid)
{
	__u8 one = 1;

	if (follow_forks && bpf_map_lookup_elem(&targets, &ptgid))
		bpf_map_update_elem(&targets, &ctgid, &one, BPF_ANY);
}

/* A followed process that exits leaves room for new ones; listed pids stay. */
static __always_inline void proc_exited(__u32 tgid)
{
	if (follow_forks)
		bpf_map_delete_elem(&targets, &tgid);
}

#include "procs.bpf.h"

static __always_inline void stat_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (v)
		*v += 1;
}

static __always_inline __u32 frames_of(__s32 len)
{
	return len > 0 ? len : 0;
}

/*
 * Add a and b to the two values under key in the active counts buffer, in
 * the map of small stacks when the key's frames fit it (the frames past
 * them are zero, so the key cut there is the same stack). 0, or -1 when
 * the map is full.
 */
static __always_inline int count_add(const struct profile_key *key, __u64 a, __u64 b)
{
	bool small = frames_of(key->user_len) + frames_of(key->kern_len) <= PROFILE_SMALL_FRAMES;
	void *counts = small ? (active ? (void *)&small1 : (void *)&small0)
			     : (active ? (void *)&counts1 : (void *)&counts0);
	struct profile_value fresh = {.v = {a, b}}, *val = bpf_map_lookup_elem(counts, key);

	if (!val) {
		if (!bpf_map_update_elem(counts, key, &fresh, BPF_NOEXIST))
			return 0;
		/* Another CPU may have inserted it just now. */
		val = bpf_map_lookup_elem(counts, key);
		if (!val)
			return -1;
	}
	if (a)
		__sync_fetch_and_add(&val->v[0], a);
	if (b)
		__sync_fetch_and_add(&val->v[1], b);
	return 0;
}

/*
 * Walk the user stack, when wanted, to the start of key->frames, and the
 * kernel stack, when wanted, right after it; set both lengths (a frame
 * count, PROFILE_NO_STACK, or -errno). bpf_get_stack zero-fills what it
 * does not write of its buffer, also on failure; the rest is zeroed here,
 * so that every frame past the two stacks is zero and equal stacks make
 * equal keys.
 */
static __always_inline void walk(void *ctx, struct profile_key *key, bool user, bool kern)
{
	__u32 at = 0;
	long n;

	/* the kernel stack may end past the first half, or not be walked at all */
	__builtin_memset(&key->frames[PROFILE_MAX_DEPTH], 0,
			 (PROFILE_MAX_FRAMES - PROFILE_MAX_DEPTH) * sizeof(__u64));
	if (user) {
		n = bpf_get_stack(ctx, key->frames, PROFILE_MAX_DEPTH * sizeof(__u64),
				  BPF_F_USER_STACK);
		key->user_len = n < 0 ? (__s32)n : (__s32)(n / sizeof(__u64));
		at = frames_of(key->user_len);
	} else {
		__builtin_memset(key->frames, 0, PROFILE_MAX_DEPTH * sizeof(__u64));
		key->user_len = PROFILE_NO_STACK;
	}
	if (!kern) {
		key->kern_len = PROFILE_NO_STACK;
		return;
	}
	if (at > PROFILE_MAX_DEPTH)
		at = PROFILE_MAX_DEPTH;
	n = bpf_get_stack(ctx, &key->frames[at], PROFILE_MAX_DEPTH * sizeof(__u64), 0);
	key->kern_len = n < 0 ? (__s32)n : (__s32)(n / sizeof(__u64));
}

SEC("perf_event")
int profile_sample(struct bpf_perf_event_data *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id;
	struct profile_key *key;
	bool in_kernel, kthread;
	__u32 zero = 0;

	if (tid == 0 && !include_idle) {
		stat_inc(PROFILE_STAT_IDLE);
		return 0;
	}
	if (filter_tgid && !bpf_map_lookup_elem(&targets, &tgid))
		return 0;
	if (exclude_tgid && tgid == exclude_tgid)
		return 0;
	stat_inc(PROFILE_STAT_SAMPLES);
	key = bpf_map_lookup_elem(&scratch, &zero);
	if (!key)
		return 0;

	/* Kernel addresses have the top bit set on every 64-bit arch we run on. */
	in_kernel = PT_REGS_IP(&ctx->regs) >> 63;
	kthread = tid == 0 || (BPF_CORE_READ(task, flags) & PF_KTHREAD);

	key->tgid = tgid;
	key->tid = key_tid ? tid : 0;
	key->gen = kthread ? 0 : proc_gen(task, tgid);
	key->kind = PROFILE_KIND_SAMPLE;
	key->flags = 0;
	key->state = 0;
	key->sysnr = 0;
	if (in_kernel && !kthread && want_user) {
		/* x86: orig_ax is -1 for an interrupt or an exception with no error code */
		struct pt_regs *uregs = (struct pt_regs *)bpf_task_pt_regs(
			(struct task_struct *)bpf_get_current_task_btf());

		if (uregs && (long)BPF_CORE_READ(uregs, orig_ax) == -1)
			key->flags = PROFILE_F_USER_EXACT;
	}
	walk(ctx, key, want_user && !kthread, want_kernel && in_kernel);
	bpf_get_current_comm(key->comm, sizeof(key->comm));
	if (count_add(key, 1, 0))
		stat_inc(PROFILE_STAT_COUNTS_FULL);
	return 0;
}

#include "offcpu.bpf.h"

char LICENSE[] SEC("license") = "GPL";
