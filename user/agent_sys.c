// SPDX-License-Identifier: GPL-2.0
/* agent_sys.c: syscall counters and latency histograms per process name, as interval deltas. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "agent_config.h"
#include "agent_sys.h"
#include "hist.h"
#include "syscalls.skel.h"
#include "syscalls_defs.h"
#include "util.h"

/* A row as last read, to subtract from the next reading. */
struct prev {
	struct sysc_key key;
	__u64 count, errors, total_ns;
	__u64 hist[HIST_BUCKETS];
};

struct agent_sys {
	struct syscalls_bpf *skel;
	struct prev *prev;
	size_t nprev;
	struct agent_sys_row *rows;
	size_t nrows, rows_cap;
};

static int cmp_key(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct sysc_key));
}

struct agent_sys *agent_sys__new(const struct agent_config *c, int targets_fd)
{
	struct agent_sys *s = calloc(1, sizeof(*s));
	__u8 on = 1;
	int err;

	if (!s) {
		vigil_err("agent: out of memory");
		return NULL;
	}
	s->skel = syscalls_bpf__open();
	if (!s->skel) {
		vigil_err("agent: failed to open the syscall collector: %s", strerror(errno));
		goto fail;
	}
	s->skel->rodata->filter_tgid = c->npids || c->nnames;
	/* with a shared targets map, the agent's exec watcher follows forks for everyone */
	s->skel->rodata->follow_forks = targets_fd <= 0 && c->nnames > 0;
	s->skel->rodata->exclude_tgid = getpid();
	s->skel->rodata->by = SYSC_BY_NAME;
	s->skel->rodata->filter_nr = true;
	/* rows are kept, not read and deleted: no errno table is needed */
	bpf_map__set_max_entries(s->skel->maps.errors, 1);
	err = targets_fd > 0 ? bpf_map__reuse_fd(s->skel->maps.targets, targets_fd) : 0;
	if (err) {
		vigil_err("agent: cannot share the targets map: %s", strerror(-err));
		goto fail;
	}
	err = syscalls_bpf__load(s->skel);
	if (err) {
		vigil_err(
			"agent: failed to load the syscall collector: %s (-vv shows libbpf's log)",
			strerror(-err));
		goto fail;
	}
	for (int i = 0; i < c->nsys; i++)
		for (int j = 0; j < c->sys[i].n; j++) {
			__u32 nr = c->sys[i].nrs[j];

			if (nr < SYSC_MAX_NR)
				bpf_map__update_elem(s->skel->maps.nrs, &nr, sizeof(nr), &on,
						     sizeof(on), BPF_ANY);
		}
	for (int i = 0; i < c->npids; i++)
		if (agent_sys__add_target(s, c->pids[i]))
			goto fail;
	err = syscalls_bpf__attach(s->skel);
	if (err) {
		vigil_err("agent: failed to attach the syscall collector: %s", strerror(-err));
		goto fail;
	}
	return s;
fail:
	agent_sys__free(s);
	return NULL;
}

void agent_sys__free(struct agent_sys *s)
{
	if (!s)
		return;
	syscalls_bpf__destroy(s->skel);
	free(s->prev);
	free(s->rows);
	free(s);
}

int agent_sys__add_target(struct agent_sys *s, __u32 tgid)
{
	__u8 one = 1;

	return bpf_map__update_elem(s->skel->maps.targets, &tgid, sizeof(tgid), &one, sizeof(one),
				    BPF_ANY);
}

int agent_sys__read(struct agent_sys *s, const struct agent_sys_row **rows, size_t *n)
{
	int fd = bpf_map__fd(s->skel->maps.stats), err = 0;
	struct sysc_key key, next, *cur = NULL;
	struct prev *now = NULL;
	size_t nnow = 0, cap = 0;
	struct sysc_val val;

	s->nrows = 0;
	while (!bpf_map_get_next_key(fd, cur, &next)) {
		key = next;
		cur = &key;
		if (bpf_map_lookup_elem(fd, &key, &val))
			continue;
		if (nnow == cap) {
			size_t c2 = cap ? 2 * cap : 64;
			struct prev *p = realloc(now, c2 * sizeof(*p));

			if (!p) {
				err = -ENOMEM;
				goto out;
			}
			now = p;
			cap = c2;
		}
		now[nnow].key = key;
		now[nnow].count = val.count;
		now[nnow].errors = val.errors;
		now[nnow].total_ns = val.total_ns;
		memcpy(now[nnow].hist, val.hist, sizeof(val.hist));
		nnow++;

		const struct prev *old =
			s->nprev ? bsearch(&key, s->prev, s->nprev, sizeof(*s->prev), cmp_key)
				 : NULL;
		struct agent_sys_row *r;

		/* unchanged rows too: a rate of 0 is a value a rule can hold on */
		if (s->nrows == s->rows_cap) {
			size_t c2 = s->rows_cap ? 2 * s->rows_cap : 32;
			struct agent_sys_row *rr = realloc(s->rows, c2 * sizeof(*rr));

			if (!rr) {
				err = -ENOMEM;
				goto out;
			}
			s->rows = rr;
			s->rows_cap = c2;
		}
		r = &s->rows[s->nrows++];
		memcpy(r->proc, key.name, sizeof(r->proc));
		r->proc[sizeof(r->proc) - 1] = '\0';
		r->nr = key.nr;
		r->calls = val.count - (old ? old->count : 0);
		r->errors = val.errors - (old ? old->errors : 0);
		r->sum_ns = val.total_ns - (old ? old->total_ns : 0);
		for (int b = 0; b < HIST_BUCKETS; b++)
			r->hist[b] = val.hist[b] - (old ? old->hist[b] : 0);
		hist__range(r->hist, val.min_ns, val.max_ns, &r->min_ns, &r->max_ns);
	}
	if (nnow)
		qsort(now, nnow, sizeof(*now), cmp_key);
	free(s->prev);
	s->prev = now;
	s->nprev = nnow;
	now = NULL;
out:
	free(now);
	*rows = s->rows;
	*n = s->nrows;
	return err;
}

void agent_sys__stats(struct agent_sys *s, struct agent_sys_stats *out)
{
	out->unmatched = percpu_sum(s->skel->maps.counters, SYSC_STAT_UNMATCHED);
	out->full = percpu_sum(s->skel->maps.counters, SYSC_STAT_FULL);
}
