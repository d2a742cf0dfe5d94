// SPDX-License-Identifier: GPL-2.0
// The benchmarks' floor: BPF programs that do nothing, so that what attaching one costs (the
// tracepoint's or the uprobe's own path) can be told from what a tool's program does.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

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

char LICENSE[] SEC("license") = "GPL";
