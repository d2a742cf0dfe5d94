// SPDX-License-Identifier: GPL-2.0
/*
 * agent_watch.bpf.c: the agent's targets by name. At every exec the new
 * program's name (comm) and its file's base name are matched against the
 * patterns; a process that matches becomes a target in the targets map,
 * which every collector of the agent shares, before its first instruction
 * runs. A process found only by reading /proc after it started would lose
 * its first calls, and one that lives less than the scan interval all of
 * them.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "agent_defs.h"

const volatile __u32 npatterns = 0;
const volatile bool follow_forks = false; /* children of targets become targets */
const volatile char patterns[AGENT_PATTERNS][AGENT_PATTERN_LEN] = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u8);
	__uint(max_entries, AGENT_TARGETS);
} targets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, AGENT_WATCH_MAX);
} stats SEC(".maps");

#define NAME_LEN 64

/* The names of the process that exec'd: too big for the stack twice over. */
struct names {
	char comm[NAME_LEN];
	char base[NAME_LEN];
	char path[256];
	/*
	 * The matcher's state lives here, not on the stack: the verifier
	 * follows every value a stack counter takes through the loop, and
	 * their product is more states than it allows.
	 */
	struct {
		__u32 k;
		__u32 which;
		int p, i, star_p, star_i;
		bool hit;
	} g;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct names);
	__uint(max_entries, 1);
} scratch SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (v)
		*v += 1;
}

/*
 * Glob matching with '*' and '?', every pattern against both names, as
 * one flat loop (the verifier takes one callback; nested loops it does
 * not): the classic matcher that remembers the last star and, on a
 * mismatch, lets it swallow one more character. A pair is decided within
 * NAME_LEN * AGENT_PATTERN_LEN steps.
 */

/* The next pair: the other name, or the next pattern. 1 when none is left. */
static __always_inline long glob_next(struct names *nm)
{
	typeof(nm->g) *g = &nm->g;

	g->p = g->i = g->star_i = 0;
	g->star_p = -1;
	if (!g->which) {
		g->which = 1;
		return 0;
	}
	g->which = 0;
	g->k++;
	return g->k >= npatterns || g->k >= AGENT_PATTERNS;
}

/* bpf_loop's context must be on the stack: it carries only the pointer. */
struct glob_ctx {
	struct names *nm;
};

static long glob_step(__u64 n, void *ctx)
{
	struct names *nm = ((struct glob_ctx *)ctx)->nm;
	typeof(nm->g) *g = &nm->g;
	const char *s;
	char sc, pc;

	if (g->k >= AGENT_PATTERNS)
		return 1;
	s = g->which ? nm->base : nm->comm;
	sc = s[g->i & (NAME_LEN - 1)];
	pc = patterns[g->k][g->p & (AGENT_PATTERN_LEN - 1)];
	if (!sc) {
		/* the name is used up: only stars may be left */
		if (pc == '*' && g->p < AGENT_PATTERN_LEN - 1) {
			g->p++;
			return 0;
		}
		if (!pc && g->i) {
			g->hit = true;
			return 1;
		}
		return glob_next(nm);
	}
	if (pc == '*') {
		g->star_p = g->p++;
		g->star_i = g->i;
		return 0;
	}
	if (pc && (pc == '?' || pc == sc)) {
		g->p++;
		g->i++;
		if (g->i >= NAME_LEN || g->p >= AGENT_PATTERN_LEN)
			return glob_next(nm);
		return 0;
	}
	if (g->star_p >= 0) {
		g->p = g->star_p + 1;
		g->i = ++g->star_i;
		if (g->i >= NAME_LEN)
			return glob_next(nm);
		return 0;
	}
	return glob_next(nm);
}

/* Where the base name of path[0..n) starts: after its last '/'. */
struct base_ctx {
	const char *path;
	long n;
	int start;
};

static long base_step(__u64 i, void *ctx)
{
	struct base_ctx *b = ctx;

	if ((long)i >= b->n)
		return 1;
	if (b->path[i & 255] == '/')
		b->start = i + 1;
	return 0;
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(agent_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = BPF_CORE_READ(p, tgid), zero = 0;
	struct names *nm;
	const char *file;
	__u8 one = 1;
	long n;

	count(AGENT_WATCH_EXECS);
	nm = bpf_map_lookup_elem(&scratch, &zero);
	if (!nm || !npatterns)
		return 0;
	__builtin_memset(nm->comm, 0, sizeof(nm->comm));
	__builtin_memset(nm->base, 0, sizeof(nm->base));
	bpf_probe_read_kernel_str(nm->comm, 16, p->comm);
	file = BPF_CORE_READ(bprm, filename);
	n = bpf_probe_read_kernel_str(nm->path, sizeof(nm->path), file);
	if (n > 1) {
		struct base_ctx b = {.path = nm->path, .n = n - 1};

		bpf_loop(sizeof(nm->path) - 1, base_step, &b, 0);
		bpf_probe_read_kernel_str(nm->base, NAME_LEN, nm->path + (b.start & 255));
	}
	__builtin_memset(&nm->g, 0, sizeof(nm->g));
	nm->g.star_p = -1;
	{
		struct glob_ctx gc = {.nm = nm};

		bpf_loop(AGENT_PATTERNS * 2 * NAME_LEN * AGENT_PATTERN_LEN, glob_step, &gc, 0);
	}
	if (!nm->g.hit)
		return 0;
	count(AGENT_WATCH_MATCHED);
	if (bpf_map_update_elem(&targets, &tgid, &one, BPF_ANY))
		count(AGENT_WATCH_FULL);
	return 0;
}

/*
 * The shared map's upkeep, done here once for every collector: with
 * follow_forks a target's child is a target, and a process that exits
 * leaves it, so that its pid, reused, is not taken for it.
 */
SEC("raw_tp/sched_process_fork")
int BPF_PROG(agent_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid), ctgid = BPF_CORE_READ(child, tgid);
	__u8 one = 1;

	if (follow_forks && ptgid != ctgid && bpf_map_lookup_elem(&targets, &ptgid) &&
	    bpf_map_update_elem(&targets, &ctgid, &one, BPF_ANY))
		count(AGENT_WATCH_FULL);
	return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(agent_exit, struct task_struct *p)
{
	__u32 tgid = BPF_CORE_READ(p, tgid);

	/* the last thread: signal->live is zero by now */
	if (BPF_CORE_READ(p, signal, live.counter) == 0)
		bpf_map_delete_elem(&targets, &tgid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
