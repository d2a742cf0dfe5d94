/* SPDX-License-Identifier: GPL-2.0 */
/*
 * agent_fn.h: the agent's function instruments: calls and latencies of
 * the functions its [probe] sections name, per process name, read each
 * interval as what changed (bpf/agent_fn.bpf.c).
 *
 * Unlike vigil trace, which attaches to the processes it is given, the
 * agent attaches once per file for every process (uprobe_multi with no
 * pid) and keeps only its targets' calls in the kernel, so a process that
 * starts later, or restarts, is timed from its first call.
 */
#ifndef VIGIL_AGENT_FN_H
#define VIGIL_AGENT_FN_H

#include <stddef.h>
#include <linux/types.h>
#include "hist_defs.h"

struct agent_config;

/* What one process name's calls of one function did in an interval. */
struct agent_fn_row {
	char proc[16];	/* the process's name (its thread group leader's comm) */
	const char *fn; /* the function's name, as vigil trace shows it; owned by the module */
	__u64 calls;	/* calls that returned in the interval */
	__u64 sum_ns;	/* their wall time, entry to return */
	__u64 cpu_ns;	/* of that, on a CPU */
	__u64 min_ns, max_ns; /* of this interval's calls, to the histogram's precision */
	__u64 hist[HIST_BUCKETS];
};

struct agent_fn;

/*
 * Resolve every [probe] section's FILE:GLOB items (probes.h; short names
 * are looked up in the library folders and PATH, or in c's pids' maps),
 * refuse what vigil trace refuses, load and attach. NULL after printing
 * one line naming the section ("FILE:LINE: probe 'x': ..."), with errno
 * EINVAL when the configuration is at fault. targets_fd > 0 is a targets
 * map shared with the agent's other collectors.
 */
struct agent_fn *agent_fn__new(const struct agent_config *c, int targets_fd);
void agent_fn__free(struct agent_fn *f);

/* Make tgid a target (its children follow when c names patterns). 0 or -errno. */
int agent_fn__add_target(struct agent_fn *f, __u32 tgid);

/*
 * Every row, with what changed since the last read: calls 0 when none,
 * so a rule on a rate sees it drop to 0. In *rows, owned by f, valid
 * until the next read.
 */
int agent_fn__read(struct agent_fn *f, const struct agent_fn_row **rows, size_t *n);

struct agent_fn_stats {
	__u64 functions; /* attached */
	/* calls counted without a time: too deep, unwound past, or begun before attach */
	__u64 untimed;
	__u64 full; /* calls with no room in the rows map */
};
void agent_fn__stats(struct agent_fn *f, struct agent_fn_stats *out);

#endif /* VIGIL_AGENT_FN_H */
