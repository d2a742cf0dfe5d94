// SPDX-License-Identifier: GPL-2.0
// The benchmarks' floor: BPF programs that do nothing, so that what attaching one costs (the
// tracepoint's, the uprobe's or the sampling event's own path) can be told from what a tool's
// program does; and, for the sampling case, programs that only walk the stacks, so that the
// walk can be told from what a profiler does with it.
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

char LICENSE[] SEC("license") = "GPL";
