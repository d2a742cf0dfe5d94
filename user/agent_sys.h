/* SPDX-License-Identifier: GPL-2.0 */
/*
 * agent_sys.h: the agent's syscall instruments: the syscall collector
 * (bpf/syscalls.bpf.c) keeping rows per process name and syscall for the
 * syscalls the configuration names, read each interval as what changed.
 *
 * The kernel's rows only grow; each read subtracts the previous one, so a
 * call that lands while the map is read is in this interval or the next,
 * never lost and never counted twice.
 */
#ifndef VIGIL_AGENT_SYS_H
#define VIGIL_AGENT_SYS_H

#include <stddef.h>
#include <linux/types.h>
#include "hist_defs.h"

struct agent_config;

/* What one process name's calls of one syscall did in an interval. */
struct agent_sys_row {
	char proc[16];
	int nr;
	__u64 calls, errors, sum_ns;
	__u64 min_ns, max_ns; /* of this interval's calls, to the histogram's precision */
	__u64 hist[HIST_BUCKETS];
};

struct agent_sys;

/*
 * Load and attach for c's syscall sets and targets; targets_fd > 0 is a
 * targets map shared with the agent's other collectors. NULL after printing why.
 */
struct agent_sys *agent_sys__new(const struct agent_config *c, int targets_fd);
void agent_sys__free(struct agent_sys *s);

/* Make tgid a target. 0 or -errno. */
int agent_sys__add_target(struct agent_sys *s, __u32 tgid);

/*
 * Every row, with what changed since the last read: calls 0 when none,
 * so a rule on a rate sees it drop to 0. In *rows, owned by s, valid
 * until the next read.
 */
int agent_sys__read(struct agent_sys *s, const struct agent_sys_row **rows, size_t *n);

struct agent_sys_stats {
	__u64 unmatched; /* exits with no entry seen: 0 here, as only kept entries are looked for */
	__u64 full;	 /* calls with no room in the rows map */
};
void agent_sys__stats(struct agent_sys *s, struct agent_sys_stats *out);

#endif /* VIGIL_AGENT_SYS_H */
