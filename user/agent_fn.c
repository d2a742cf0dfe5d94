// SPDX-License-Identifier: GPL-2.0
/* agent_fn.c: calls and latencies of [probe] sections' functions per process name, as deltas. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "agent_config.h"
#include "agent_fn.h"
#include "agent_fn.skel.h"
#include "agent_fn_defs.h"
#include "hist.h"
#include "probes.h"
#include "uprobe_multi.h"
#include "util.h"

/* A row as last read, to subtract from the next reading. */
struct prev {
	struct agent_fn_key key;
	__u64 calls, sum_ns, cpu_ns;
	__u64 hist[HIST_BUCKETS];
};

struct agent_fn {
	struct agent_fn_bpf *skel;
	struct probe_set ps;
	int *owner;   /* by function: the [probe] section that named it first */
	bool *skip;   /* by function: refused by the kernel, not attached */
	char **names; /* by function: as vigil trace shows it */
	size_t attached;
	struct links ls;
	struct prev *prev;
	size_t nprev;
	struct agent_fn_row *rows;
	size_t nrows, rows_cap;
};

/* "FILE:LINE: probe 'NAME'", what a section's messages start with. */
static void section_who(const struct agent_probe *p, char *buf, size_t len)
{
	snprintf(buf, len, "%s: probe '%s'", p->where, p->name);
}

/* Every section's FILE:GLOB items into f->ps, each function's section in f->owner. */
static int resolve(struct agent_fn *f, const struct agent_config *c)
{
	char who[AGENT_WHERE_MAX + ALERT_NAME_MAX + 16];
	struct probe_where w = {.pids = c->pids, .npids = c->npids, .who = who};
	int *owner;

	for (int i = 0; i < c->nprobes; i++) {
		const struct agent_probe *p = &c->probes[i];
		size_t first = f->ps.n;

		section_who(p, who, sizeof(who));
		for (int j = 0; j < p->nspecs; j++) {
			if (!strncmp(p->specs[j], "usdt:", 5)) {
				vigil_err("%s: %s: USDT probes are for vigil trace", who,
					  p->specs[j]);
				return -EINVAL;
			}
			if (probes__add(&f->ps, p->specs[j], &w))
				return -EINVAL;
		}
		if (f->ps.n > AGENT_FN_MAX_FNS) {
			vigil_err("%s: the [probe] sections match %zu functions; at most %d can be "
				  "timed at once",
				  who, f->ps.n, AGENT_FN_MAX_FNS);
			return -E2BIG;
		}
		owner = realloc(f->owner, (f->ps.n + 1) * sizeof(*owner));
		if (!owner)
			goto nomem;
		f->owner = owner;
		for (size_t k = first; k < f->ps.n; k++)
			f->owner[k] = i;
	}
	f->skip = calloc(f->ps.n + 1, sizeof(*f->skip));
	f->names = calloc(f->ps.n + 1, sizeof(*f->names));
	if (!f->skip || !f->names)
		goto nomem;
	/*
	 * A series is named by the function alone, so that probing another
	 * file does not rename it; only a name that two files share is told
	 * apart by its file ("app:parse", "lib:parse").
	 */
	for (size_t k = 0; k < f->ps.n; k++) {
		const struct probe_fn *p = &f->ps.fns[k];
		bool shared = false;

		for (size_t j = 0; j < f->ps.n && !shared; j++)
			shared = j != k && !strcmp(f->ps.fns[j].name, p->name) &&
				 strcmp(f->ps.fns[j].file, p->file);
		if (shared) {
			const char *base =
				strrchr(p->file, '/') ? strrchr(p->file, '/') + 1 : p->file;

			if (asprintf(&f->names[k], "%s:%s", base, p->name) < 0)
				f->names[k] = NULL;
		} else {
			f->names[k] = strdup(p->name);
		}
		if (!f->names[k])
			goto nomem;
	}
	return 0;
nomem:
	vigil_err("agent: out of memory");
	return -ENOMEM;
}

static int load(struct agent_fn *f, const struct agent_config *c, int targets_fd)
{
	int err;

	f->skel = agent_fn_bpf__open();
	if (!f->skel) {
		err = -errno;
		vigil_err("agent: failed to open the function instruments: %s", strerror(-err));
		return err;
	}
	f->skel->rodata->filter_tgid = c->npids || c->nnames;
	f->skel->rodata->exclude_tgid = getpid();
	bpf_program__set_expected_attach_type(f->skel->progs.agent_fn_entry, ATTACH_UPROBE_MULTI);
	bpf_program__set_expected_attach_type(f->skel->progs.agent_fn_return, ATTACH_UPROBE_MULTI);
	err = targets_fd > 0 ? bpf_map__reuse_fd(f->skel->maps.targets, targets_fd) : 0;
	if (err) {
		vigil_err("agent: cannot share the targets map: %s", strerror(-err));
		return err;
	}
	err = agent_fn_bpf__load(f->skel);
	if (err)
		vigil_err("agent: failed to load the function instruments: %s (-vv shows libbpf's "
			  "log)",
			  strerror(-err));
	return err;
}

/*
 * The functions the kernel refuses to probe, left out, each section told
 * in one line; a section all of whose functions are refused is an error,
 * as in vigil trace.
 */
static int refuse(struct agent_fn *f, const struct agent_config *c)
{
	struct fn_batch proto = {.entry = f->skel->progs.agent_fn_entry,
				 .ret = f->skel->progs.agent_fn_return,
				 .ps = &f->ps,
				 .skip = f->skip};
	char who[AGENT_WHERE_MAX + ALERT_NAME_MAX + 16];
	size_t refused = 0, failed;
	const char *first = NULL;
	int err;

	err = fn_batch__find_all_refused(&proto, &refused, &first, &failed);
	if (err) {
		if (failed < f->ps.n) {
			section_who(&c->probes[f->owner[failed]], who, sizeof(who));
			vigil_err("%s: cannot probe %s: %s", who, f->ps.fns[failed].file,
				  strerror(-err));
		} else {
			vigil_err("agent: out of memory");
		}
		return err;
	}
	for (int i = 0; refused && i < c->nprobes; i++) {
		size_t own = 0, out = 0;

		first = NULL;
		for (size_t k = 0; k < f->ps.n; k++) {
			if (f->owner[k] != i)
				continue;
			own++;
			if (f->skip[k] && !out++)
				first = f->ps.fns[k].name;
		}
		if (!out)
			continue;
		section_who(&c->probes[i], who, sizeof(who));
		if (out == own) {
			vigil_err(
				"%s: the kernel refuses to probe %s%s: uprobes cannot be placed on "
				"its first instruction",
				who, first, out > 1 ? " and every other function matched" : "");
			return -EINVAL;
		}
		vigil_err(
			"%s: %zu of the %zu functions matched could not be probed (uprobes refuse "
			"their first instruction), such as %s: they are left out",
			who, out, own, first);
	}
	return 0;
}

static int attach_tp(struct agent_fn *f, struct bpf_program *prog, const char *what)
{
	struct bpf_link *l = bpf_program__attach(prog);
	int err = l ? links__add(&f->ls, l) : -errno;

	if (err)
		vigil_err("agent: cannot attach raw_tp/%s: %s", what, strerror(-err));
	return err;
}

/* Entry and return links per file, for every process: the BPF side keeps the targets' calls. */
static int attach(struct agent_fn *f, const struct agent_config *c)
{
	struct fn_batch bt = {.entry = f->skel->progs.agent_fn_entry,
			      .ret = f->skel->progs.agent_fn_return,
			      .ls = &f->ls,
			      .pid = -1,
			      .ps = &f->ps,
			      .skip = f->skip};
	char who[AGENT_WHERE_MAX + ALERT_NAME_MAX + 16];
	int err = -ENOMEM;

	if (attach_tp(f, f->skel->progs.agent_fn_switch, "sched_switch") ||
	    attach_tp(f, f->skel->progs.agent_fn_exit, "sched_process_exit") ||
	    attach_tp(f, f->skel->progs.agent_fn_exec, "sched_process_exec"))
		return -EINVAL;
	bt.offsets = calloc(f->ps.n + 1, sizeof(*bt.offsets));
	bt.cookies = calloc(f->ps.n + 1, sizeof(*bt.cookies));
	if (!bt.offsets || !bt.cookies) {
		vigil_err("agent: out of memory");
		goto out;
	}
	err = 0;
	for (size_t i = 0; i < f->ps.n; i++) {
		size_t cnt;

		if (!fn_batch__first_of_file(&f->ps, i))
			continue;
		cnt = fn_batch__fill(&bt, i);
		/* a function refused only now (its file replaced since) is left out all the same */
		err = fn_batch__attach(&bt, 0, cnt);
		if (err) {
			section_who(&c->probes[f->owner[i]], who, sizeof(who));
			vigil_err("%s: cannot attach to %zu functions in %s (every process): %s",
				  who, cnt, f->ps.fns[i].file, strerror(-err));
			goto out;
		}
		vigil_info(1, "agent: %zu function%s in %s: attached (every process)", cnt,
			   cnt == 1 ? "" : "s", f->ps.fns[i].file);
	}
	for (size_t i = 0; i < f->ps.n; i++)
		f->attached += !f->skip[i];
out:
	free(bt.offsets);
	free(bt.cookies);
	return err;
}

struct agent_fn *agent_fn__new(const struct agent_config *c, int targets_fd)
{
	struct agent_fn *f = calloc(1, sizeof(*f));
	int why = EIO;

	if (!f) {
		vigil_err("agent: out of memory");
		return NULL;
	}
	why = EINVAL;
	if (resolve(f, c))
		goto fail;
	if (!f->ps.n)
		return f; /* no [probe] section: nothing to load */
	why = EIO;
	if (load(f, c, targets_fd))
		goto fail;
	why = EINVAL;
	if (refuse(f, c))
		goto fail;
	why = EIO;
	for (int i = 0; i < c->npids; i++)
		if (agent_fn__add_target(f, c->pids[i])) {
			vigil_err("agent: pid %d: cannot add to the function instruments' targets",
				  c->pids[i]);
			goto fail;
		}
	if (attach(f, c))
		goto fail;
	f->skel->bss->armed = 1;
	return f;
fail:
	agent_fn__free(f);
	errno = why;
	return NULL;
}

void agent_fn__free(struct agent_fn *f)
{
	if (!f)
		return;
	if (f->skel)
		f->skel->bss->armed = 0;
	links__destroy(&f->ls);
	agent_fn_bpf__destroy(f->skel);
	for (size_t i = 0; f->names && i < f->ps.n; i++)
		free(f->names[i]);
	free(f->names);
	free(f->skip);
	free(f->owner);
	probes__free(&f->ps);
	free(f->prev);
	free(f->rows);
	free(f);
}

int agent_fn__add_target(struct agent_fn *f, __u32 tgid)
{
	__u8 one = 1;

	if (!f->skel)
		return 0;
	return bpf_map__update_elem(f->skel->maps.targets, &tgid, sizeof(tgid), &one, sizeof(one),
				    BPF_ANY);
}

static int cmp_key(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct agent_fn_key));
}

/* Room for one more element of size sz in *arr, which holds n of cap. 0 or -ENOMEM. */
static int grow(void **arr, size_t *cap, size_t n, size_t sz, size_t first)
{
	size_t c = *cap ? 2 * *cap : first;
	void *p;

	if (n < *cap)
		return 0;
	p = realloc(*arr, c * sz);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = c;
	return 0;
}

/* The row of what changed since old (NULL: the row is new), into f->rows. */
static int add_row(struct agent_fn *f, const struct agent_fn_key *key,
		   const struct agent_fn_val *val, const struct prev *old)
{
	struct agent_fn_row *r;

	if (grow((void **)&f->rows, &f->rows_cap, f->nrows, sizeof(*r), 32))
		return -ENOMEM;
	r = &f->rows[f->nrows++];
	memcpy(r->proc, key->name, sizeof(r->proc));
	r->proc[sizeof(r->proc) - 1] = '\0';
	r->fn = key->fn < f->ps.n ? f->names[key->fn] : "?";
	r->calls = val->calls - (old ? old->calls : 0);
	r->sum_ns = val->sum_ns - (old ? old->sum_ns : 0);
	r->cpu_ns = val->cpu_ns - (old ? old->cpu_ns : 0);
	for (int b = 0; b < HIST_BUCKETS; b++)
		r->hist[b] = val->hist[b] - (old ? old->hist[b] : 0);
	hist__range(r->hist, val->min_ns, val->max_ns, &r->min_ns, &r->max_ns);
	return 0;
}

int agent_fn__read(struct agent_fn *f, const struct agent_fn_row **rows, size_t *n)
{
	struct agent_fn_key key, next, *cur = NULL;
	struct agent_fn_val *val = NULL;
	struct prev *now = NULL;
	size_t nnow = 0, cap = 0;
	int fd, err = 0;

	f->nrows = 0;
	if (!f->skel)
		goto out;
	fd = bpf_map__fd(f->skel->maps.rows);
	val = malloc(sizeof(*val));
	if (!val) {
		err = -ENOMEM;
		goto out;
	}
	while (!bpf_map_get_next_key(fd, cur, &next)) {
		const struct prev *old;

		key = next;
		cur = &key;
		if (bpf_map_lookup_elem(fd, &key, val))
			continue;
		if (grow((void **)&now, &cap, nnow, sizeof(*now), 64)) {
			err = -ENOMEM;
			goto out;
		}
		now[nnow].key = key;
		now[nnow].calls = val->calls;
		now[nnow].sum_ns = val->sum_ns;
		now[nnow].cpu_ns = val->cpu_ns;
		memcpy(now[nnow].hist, val->hist, sizeof(val->hist));
		nnow++;
		old = f->nprev ? bsearch(&key, f->prev, f->nprev, sizeof(*f->prev), cmp_key) : NULL;
		/* unchanged rows too: a rate of 0 is a value a rule can hold on */
		err = add_row(f, &key, val, old);
		if (err)
			goto out;
	}
	if (nnow)
		qsort(now, nnow, sizeof(*now), cmp_key);
	free(f->prev);
	f->prev = now;
	f->nprev = nnow;
	now = NULL;
out:
	free(now);
	free(val);
	*rows = f->rows;
	*n = f->nrows;
	return err;
}

void agent_fn__stats(struct agent_fn *f, struct agent_fn_stats *out)
{
	struct bpf_map *m;

	memset(out, 0, sizeof(*out));
	if (!f->skel)
		return;
	m = f->skel->maps.counters;
	out->functions = f->attached;
	out->untimed =
		percpu_sum(m, AGENT_FN_STAT_TOO_DEEP) + percpu_sum(m, AGENT_FN_STAT_ABANDONED) +
		percpu_sum(m, AGENT_FN_STAT_THREAD_EXIT) + percpu_sum(m, AGENT_FN_STAT_UNMATCHED);
	/* a call of a thread with no room to be followed is lost for want of room too */
	out->full = percpu_sum(m, AGENT_FN_STAT_FULL) + percpu_sum(m, AGENT_FN_STAT_THREADS_FULL);
}
