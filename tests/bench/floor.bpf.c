// SPDX-License-Identifier: GPL-2.0
// The benchmarks' floor: BPF programs that do nothing, so that what attaching one costs (the
// tracepoint's, the uprobe's or the sampling event's own path) can be told from what a tool's
// program does; and, for the sampling case, programs that only walk the stacks, so that the
// walk can be told from what a profiler does with it; and the least a tool can do to time calls
// and syscalls.
#include <linux/bpf.h>
#include <linux/bpf_perf_event.h>
#include <bpf/bpf_helpers.h>

#define MAX_DEPTH 127

SEC("raw_tp")
int floor_raw_tp(void *ctx)
{
	return 0;
}

SEC("uprobe")
int floor_uprobe(void *ctx)
{
	return 0;
}

SEC("perf_event")
int floor_perf(struct bpf_perf_event_data *ctx)
{
	return 0;
}

struct stacks {
	__u64 user[MAX_DEPTH];
	__u64 kern[MAX_DEPTH];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct stacks);
	__uint(max_entries, 1);
} scratch SEC(".maps");

/* The user stack, and the kernel stack when the sample is in the kernel, as a profiler walks
 * them (bpf_get_stack, frame pointers for the user side), kept nowhere. */
SEC("perf_event")
int floor_perf_stacks(struct bpf_perf_event_data *ctx)
{
	__u32 zero = 0;
	struct stacks *s = bpf_map_lookup_elem(&scratch, &zero);

	if (!s || !(bpf_get_current_pid_tgid() >> 32))
		return 0;
	bpf_get_stack(ctx, s->user, sizeof(s->user), BPF_F_USER_STACK);
	if (ctx->regs.rip >> 63)
		bpf_get_stack(ctx, s->kern, sizeof(s->kern), 0);
	return 0;
}

/*
 * The least a tool can do to record latency and errors: the entry keeps its time in the
 * thread's own storage, the exit adds the call to a per-CPU row of the syscall (or function)
 * with plain adds (no atomics, no hash), a log2 histogram and a count of errors. Only the
 * process target_tgid (set before load) is timed.
 */
struct task_struct;

const volatile __u32 target_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} starts SEC(".maps");

struct row {
	__u64 calls, total_ns, errors, hist[64];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct row);
	__uint(max_entries, 1024);
} rows SEC(".maps");

static __always_inline void timed_enter(void)
{
	__u64 *ts;

	if ((bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return;
	ts = bpf_task_storage_get(&starts, bpf_get_current_task_btf(), NULL,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (ts)
		*ts = bpf_ktime_get_ns();
}

static __always_inline void timed_exit(__u32 nr, long ret)
{
	__u64 *ts, now = bpf_ktime_get_ns(), lat;
	struct row *r;
	__u32 b = 0;

	if ((bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return;
	ts = bpf_task_storage_get(&starts, bpf_get_current_task_btf(), NULL, 0);
	if (!ts || !*ts)
		return;
	lat = now - *ts;
	*ts = 0;
	r = bpf_map_lookup_elem(&rows, &nr);
	if (!r)
		return;
	r->calls++;
	r->total_ns += lat;
	if (ret < 0 && ret >= -4095)
		r->errors++;
	while (lat > 1 && b < 63) {
		lat >>= 1;
		b++;
	}
	r->hist[b & 63]++;
}

SEC("raw_tp")
int floor_sys_enter_timed(struct bpf_raw_tracepoint_args *ctx)
{
	timed_enter();
	return 0;
}

SEC("raw_tp")
int floor_sys_exit_timed(struct bpf_raw_tracepoint_args *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
	long nr = 0;

	bpf_probe_read_kernel(&nr, sizeof(nr), &regs->orig_rax);
	timed_exit(nr & 1023, ctx->args[1]);
	return 0;
}

SEC("uprobe")
int floor_uprobe_timed(void *ctx)
{
	timed_enter();
	return 0;
}

SEC("uretprobe")
int floor_uretprobe_timed(void *ctx)
{
	timed_exit(0, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
