// SPDX-License-Identifier: GPL-2.0
/* profile.c: loads the on-CPU sampler, opens its perf events, drains its double-buffered maps. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "profile.h"
#include "profile_defs.h"
#include "profile.skel.h"
#include "stacks.h"
#include "strtab.h"
#include "symbolizer.h"
#include "util.h"
#include "waits.h"

/* How often a drain that names many stacks stops to read process events. */
#define POLL_DURING_DRAIN_NS (10 * 1000000ULL)

/* A CPU count beyond any machine we expect; CPUs past it are not sampled. */
#define MAX_CPUS 4096

/* One counts entry: a sample count, or an off-CPU span's ns blocked and runnable. */
struct drained {
	struct profile_key key;
	union {
		__u64 count;
		__u64 v[2];
	};
};

struct proc_wait;

struct profile {
	struct profile_bpf *skel;
	bool no_batch; /* the kernel has no BPF_MAP_LOOKUP_AND_DELETE_BATCH: drain by key */
	struct profile_opts opts;
	int *pefds;
	struct bpf_link **links;
	int nevents;
	int ncpus;
	bool cpus[MAX_CPUS]; /* online at start, one perf event each */
	bool hardware;
	__u32 count_entries;
	unsigned int drain_ms;
	__u64 counts_full_seen;	   /* counts_full already turned into placeholders */
	struct profile_stats lost; /* what draining found: lost and truncated stacks */
	struct drained *keys;	   /* drain scratch */
	size_t keys_cap;
	int max_depth;			/* frames the kernel walks per side */
	struct ring_buffer *events;	/* process incarnations (procs.bpf.h) */
	struct vigil_proc_event *batch; /* what one profile__poll() read, for the symbolizer */
	size_t nr_batch, batch_cap;
	int event_err;
	char desc[160];
	/* the off-CPU collector */
	bool offcpu, sampling;
	struct bpf_link *sched_links[3];
	struct wait_table *waits;
	__u64 t_start, t_end; /* CLOCK_MONOTONIC ns: attach, stop */
	bool stopped, finished;
	__u64 spans_full_seen;		/* spans_full ns already turned into placeholders */
	struct proc_wait **start_waits; /* -p: threads blocked at attach (snapshot_waits) */
	size_t nr_start_waits, start_waits_cap;
};

/* Read a small /proc file whole into buf; its length, or -1. */
static ssize_t read_small(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	return n;
}

/* What /proc shows of a thread that waits: its name, state, syscall, kernel stack. */
struct proc_wait {
	__u32 tid;
	char comm[PROFILE_COMM_LEN + 1];
	char state; /* R, S, D, ... */
	long nr;    /* the syscall, with PROFILE_F_SYSCALL in flags */
	__u8 flags;
	int nk;
	const char *kframes[PROFILE_MAX_DEPTH]; /* innermost first, in buf */
	char buf[4096];
};

/* 0, or -1 when the thread is gone. The kernel stack needs root; without it nk is 0. */
static int proc_wait_read(__u32 tgid, __u32 tid, bool kernel, struct proc_wait *w)
{
	char path[96], *line, *save, *open, *close;

	w->tid = tid;
	w->state = '?';
	w->nr = -1;
	w->flags = 0;
	w->nk = 0;
	w->comm[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%u/task/%u/stat", tgid, tid);
	if (read_small(path, w->buf, sizeof(w->buf)) <= 0)
		return -1;
	open = strchr(w->buf, '(');
	close = strrchr(w->buf, ')');
	if (!open || !close || close < open || close[1] != ' ')
		return -1;
	snprintf(w->comm, sizeof(w->comm), "%.*s", (int)(close - open - 1), open + 1);
	w->state = close[2];
	snprintf(path, sizeof(path), "/proc/%u/task/%u/syscall", tgid, tid);
	if (read_small(path, w->buf, sizeof(w->buf)) > 0 && sscanf(w->buf, "%ld", &w->nr) == 1 &&
	    w->nr >= 0)
		w->flags |= PROFILE_F_SYSCALL;
	snprintf(path, sizeof(path), "/proc/%u/task/%u/stack", tgid, tid);
	if (!kernel || read_small(path, w->buf, sizeof(w->buf)) <= 0)
		return 0;
	/* "[<0>] do_nanosleep+0x6d/0x1a0", innermost first */
	for (line = strtok_r(w->buf, "\n", &save); line && w->nk < PROFILE_MAX_DEPTH;
	     line = strtok_r(NULL, "\n", &save)) {
		char *name = strchr(line, ' '), *plus;

		if (!name)
			continue;
		plus = strchr(++name, '+');
		if (plus)
			*plus = '\0';
		w->kframes[w->nk++] = name;
	}
	return 0;
}

/*
 * Before attaching, for -p: what each thread of the targets is waiting in.
 * A wait that began before the profile is seen only when it ends, from the
 * waker's side, where the sleeper's stacks cannot be walked; this tells its
 * class and kernel stack. Only threads blocked now are kept.
 */
static void snapshot_waits(struct profile *p, const int *pids, int npids)
{
	for (int i = 0; i < npids; i++) {
		char path[64];
		struct dirent *de;
		DIR *d;

		if (pids[i] == getpid())
			continue; /* vigil itself: never in its own profile */
		snprintf(path, sizeof(path), "/proc/%d/task", pids[i]);
		d = opendir(path);
		if (!d)
			continue;
		while ((de = readdir(d))) {
			__u32 tid = strtoul(de->d_name, NULL, 10);
			struct proc_wait *w, **grown;

			if (!tid)
				continue;
			if (p->nr_start_waits == p->start_waits_cap) {
				size_t cap = p->start_waits_cap ? p->start_waits_cap * 2 : 16;

				grown = realloc(p->start_waits, cap * sizeof(*grown));
				if (!grown)
					break;
				p->start_waits = grown;
				p->start_waits_cap = cap;
			}
			w = malloc(sizeof(*w));
			if (!w)
				break;
			if (proc_wait_read(pids[i], tid, p->opts.kernel, w) || w->state == 'R') {
				free(w);
				continue;
			}
			p->start_waits[p->nr_start_waits++] = w;
		}
		closedir(d);
	}
}

static const struct proc_wait *start_wait(const struct profile *p, __u32 tid)
{
	for (size_t i = 0; i < p->nr_start_waits; i++)
		if (p->start_waits[i]->tid == tid)
			return p->start_waits[i];
	return NULL;
}

/* The outermost frame: the thread's name, with its TID under --per-thread. */
static void thread_frame(const struct profile *p, const char *comm, __u32 tid, char *buf,
			 size_t len)
{
	if (p->opts.per_thread)
		snprintf(buf, len, "%s/%u", comm[0] ? comm : "[unknown]", tid);
	else
		snprintf(buf, len, "%s", comm[0] ? comm : "[unknown]");
}

/*
 * Read and delete every entry of an idle small map, calling fn with each.
 * A key is deleted only once the next is known, so the walk never restarts.
 */
static int map_drain(int fd, void *key, void *next, size_t key_size, void *value,
		     int (*fn)(struct profile *p, struct stack_set *set, const void *key,
			       const void *value),
		     struct profile *p, struct stack_set *set)
{
	bool have = false;
	int err = 0;

	while (!err && !bpf_map_get_next_key(fd, have ? key : NULL, next)) {
		if (have)
			bpf_map_delete_elem(fd, key);
		memcpy(key, next, key_size);
		have = true;
		if (!bpf_map_lookup_elem(fd, key, value))
			err = fn(p, set, key, value);
	}
	if (have)
		bpf_map_delete_elem(fd, key);
	return err;
}

static __u32 pow2_at_least(__u64 n)
{
	__u32 p = 1;

	while (p < n && p < (1U << 30))
		p <<= 1;
	return p;
}

/*
 * The maps are sized from the rate and the CPU count. Each buffer holds one
 * drain interval: at most freq * ncpus * interval samples, so at most that
 * many distinct stacks, with a quarter more room. The interval shrinks on
 * big machines and high rates, so that a buffer never needs more than
 * PROFILE_MAX_COUNTS entries in each of its two maps (preallocated: 2.5 KiB an entry
 * of both).
 */
#define PROFILE_MAX_COUNTS    16384
#define PROFILE_OFFCPU_COUNTS 4096
static void size_maps(struct profile *p)
{
	__u64 per_second = (__u64)p->opts.freq * p->ncpus;
	__u64 need;

	p->drain_ms = 1000;
	while (p->drain_ms > 100 && per_second * p->drain_ms / 1000 * 5 / 4 > PROFILE_MAX_COUNTS)
		p->drain_ms /= 2;
	need = per_second * p->drain_ms / 1000 * 5 / 4;
	p->count_entries = pow2_at_least(need < 256 ? 256 : need);
	if (p->count_entries > PROFILE_MAX_COUNTS)
		p->count_entries = PROFILE_MAX_COUNTS;
}

/* libbpf's own messages only with -vv; vigil says what failed in one line. */

static int read_sysctl_ulong(const char *path, unsigned long *out)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "%lu", out) == 1;
	fclose(f);
	return ok ? 0 : -EINVAL;
}

/*
 * bpf_get_stack() walks at most kernel.perf_event_max_stack frames, and
 * our keys hold PROFILE_MAX_DEPTH: a stack that fills the smaller was cut.
 */
static void set_max_depth(struct profile *p)
{
	unsigned long sysctl;

	p->max_depth = PROFILE_MAX_DEPTH;
	if (read_sysctl_ulong("/proc/sys/kernel/perf_event_max_stack", &sysctl)) {
		vigil_info(1,
			   "profile: kernel.perf_event_max_stack unreadable; stacks cut at %d "
			   "frames",
			   p->max_depth);
		return;
	}
	if (sysctl && sysctl < (unsigned long)p->max_depth)
		p->max_depth = sysctl;
	vigil_info(1,
		   "profile: stacks cut at %d frames (kernel.perf_event_max_stack = %lu, "
		   "vigil's limit %d)",
		   p->max_depth, sysctl, PROFILE_MAX_DEPTH);
}

struct profile *profile__new(const struct profile_opts *opts)
{
	struct profile *p;
	unsigned long max_rate;
	int err;

	quiet_libbpf();
	p = calloc(1, sizeof(*p));
	if (!p) {
		errno = ENOMEM;
		return NULL;
	}
	p->opts = *opts;
	p->ncpus = online_cpus(p->cpus, MAX_CPUS);
	if (p->ncpus <= 0) {
		vigil_err("/sys/devices/system/cpu/online: cannot read the online CPUs");
		err = -EINVAL;
		goto fail;
	}
	if (!read_sysctl_ulong("/proc/sys/kernel/perf_event_max_sample_rate", &max_rate) &&
	    opts->freq > max_rate) {
		vigil_err("-F %lu: above the kernel's limit of %lu Hz "
			  "(kernel.perf_event_max_sample_rate)",
			  opts->freq, max_rate);
		err = -ERANGE;
		goto fail;
	}
	size_maps(p);
	set_max_depth(p);

	p->skel = profile_bpf__open();
	if (!p->skel) {
		err = -errno;
		vigil_err("profile: failed to open BPF object: %s", strerror(errno));
		goto fail;
	}
	p->skel->rodata->filter_tgid = opts->npids > 0 || opts->add_targets;
	p->skel->rodata->follow_forks = opts->follow_forks;
	p->skel->rodata->include_idle = opts->idle;
	p->skel->rodata->want_user = opts->user;
	p->skel->rodata->want_kernel = opts->kernel;
	p->offcpu = opts->clock != PROFILE_CLOCK_CPU;
	p->sampling = opts->clock != PROFILE_CLOCK_OFF;
	p->skel->rodata->key_tid = p->offcpu || opts->per_thread;
	/* vigil's own waits would fill an off-CPU profile of the system */
	p->skel->rodata->exclude_tgid = p->offcpu ? (__u32)getpid() : 0;
	p->skel->rodata->min_block_ns = opts->min_block_ns;
	bpf_program__set_autoload(p->skel->progs.profile_sample, p->sampling);
	bpf_program__set_autoload(p->skel->progs.offcpu_switch, p->offcpu);
	bpf_program__set_autoload(p->skel->progs.offcpu_wakeup, p->offcpu);
	bpf_program__set_autoload(p->skel->progs.offcpu_wakeup_new, p->offcpu);
	if (!p->offcpu) {
		bpf_map__set_max_entries(p->skel->maps.threads0, 1);
		bpf_map__set_max_entries(p->skel->maps.threads1, 1);
		bpf_map__set_max_entries(p->skel->maps.offcpu_threads, 1);
		bpf_map__set_max_entries(p->skel->maps.lost0, 1);
		bpf_map__set_max_entries(p->skel->maps.lost1, 1);
	} else {
		p->waits = wait_table__new();
		if (!p->waits) {
			err = -ENOMEM;
			vigil_err("profile: out of memory");
			goto fail;
		}
	}
	if (p->offcpu) {
		/*
		 * Spans are not bounded by a rate as samples are. Entries are
		 * preallocated (allocating them on demand fails in bursts of
		 * new stacks), so the map is kept smaller, and drained sooner
		 * when a drain finds it three quarters full.
		 */
		p->count_entries = PROFILE_OFFCPU_COUNTS;
		p->drain_ms = 1000;
	}
	/* either map of a buffer may get every stack of an interval */
	bpf_map__set_max_entries(p->skel->maps.counts0, p->count_entries);
	bpf_map__set_max_entries(p->skel->maps.counts1, p->count_entries);
	bpf_map__set_max_entries(p->skel->maps.small0, p->count_entries);
	bpf_map__set_max_entries(p->skel->maps.small1, p->count_entries);

	if (opts->targets_fd > 0) {
		err = bpf_map__reuse_fd(p->skel->maps.targets, opts->targets_fd);
		if (err) {
			vigil_err("profile: cannot share the targets map: %s", strerror(-err));
			goto fail;
		}
	}
	err = profile_bpf__load(p->skel);
	if (err) {
		vigil_err("profile: failed to load BPF programs: %s (-vv shows libbpf's log)",
			  strerror(-err));
		goto fail;
	}
	for (int i = 0; i < opts->npids; i++) {
		__u32 tgid = opts->pids[i];
		__u8 one = 1;

		err = bpf_map__update_elem(p->skel->maps.targets, &tgid, sizeof(tgid), &one,
					   sizeof(one), BPF_ANY);
		if (err) {
			vigil_err("profile: pid %u: cannot add to targets: %s", tgid,
				  strerror(-err));
			goto fail;
		}
	}
	vigil_info(1,
		   "profile: counts maps: %u small and %u large stacks per buffer, two buffers, "
		   "drained every %u ms",
		   p->count_entries, p->count_entries, p->drain_ms);
	return p;
fail:
	profile__free(p);
	errno = -err;
	return NULL;
}

static int open_event(bool hardware, unsigned long freq, int cpu)
{
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.type = hardware ? PERF_TYPE_HARDWARE : PERF_TYPE_SOFTWARE,
		.config = hardware ? PERF_COUNT_HW_CPU_CYCLES : PERF_COUNT_SW_CPU_CLOCK,
		.freq = 1,
		.sample_freq = freq,
	};

	return syscall(SYS_perf_event_open, &attr, -1 /* every task */, cpu, -1 /* no group */,
		       PERF_FLAG_FD_CLOEXEC);
}

static int on_proc_event(void *ctx, void *data, size_t size)
{
	struct profile *p = ctx;

	if (size < sizeof(struct vigil_proc_event))
		return 0;
	if (p->nr_batch == p->batch_cap) {
		size_t cap = p->batch_cap ? p->batch_cap * 2 : 256;
		struct vigil_proc_event *b = realloc(p->batch, cap * sizeof(*b));

		if (!b) {
			p->event_err = -ENOMEM;
			return -ENOMEM;
		}
		p->batch = b;
		p->batch_cap = cap;
	}
	memcpy(&p->batch[p->nr_batch++], data, sizeof(*p->batch));
	return 0;
}

/*
 * Fork, exec and exit of processes, from the start, so that every sample
 * carries its incarnation; the ring buffer brings the news to profile__poll().
 */
static int attach_procs(struct profile *p)
{
	struct profile_bpf *skel = p->skel;
	struct {
		struct bpf_program *prog;
		struct bpf_link **link;
		const char *name;
	} progs[] = {
		{skel->progs.procs_fork, &skel->links.procs_fork, "sched_process_fork"},
		{skel->progs.procs_exec, &skel->links.procs_exec, "sched_process_exec"},
		{skel->progs.procs_exit, &skel->links.procs_exit, "sched_process_exit"},
	};
	int err;

	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		*progs[i].link = bpf_program__attach(progs[i].prog);
		if (!*progs[i].link) {
			err = -errno;
			vigil_err("profile: cannot attach raw_tp/%s: %s", progs[i].name,
				  strerror(-err));
			return err;
		}
	}
	p->events = ring_buffer__new(bpf_map__fd(skel->maps.proc_events), on_proc_event, p, NULL);
	if (!p->events) {
		err = -errno;
		vigil_err("profile: cannot open the process events ring buffer: %s",
			  strerror(-err));
		return err;
	}
	return 0;
}

int profile__poll(struct profile *p, struct symbolizer *sym)
{
	int n;

	p->nr_batch = 0;
	p->event_err = 0;
	n = ring_buffer__consume(p->events);
	if (p->event_err)
		return p->event_err;
	if (n < 0)
		return n;
	/* all at once, so an incarnation that ended within the batch is not read from /proc */
	return symbolizer__proc_events(sym, p->batch, p->nr_batch);
}

void profile__events_wait(unsigned long long now, unsigned long long *wake)
{
	if (now + PROFILE_EVENTS_EVERY_NS < *wake)
		*wake = now + PROFILE_EVENTS_EVERY_NS;
}

/*
 * One event per online CPU. Hardware cycles where a PMU exists; many VMs
 * have none (ENOENT, EOPNOTSUPP, ENODEV), and then the cpu-clock software
 * event, which ticks on an hrtimer and needs no PMU.
 */
static int attach_sampling(struct profile *p)
{
	int err;

	p->hardware = true;
	for (int cpu = 0; cpu < MAX_CPUS; cpu++) {
		int fd;

		if (!p->cpus[cpu])
			continue;
		fd = open_event(p->hardware, p->opts.freq, cpu);
		if (fd < 0 && p->hardware && p->nevents == 0) {
			vigil_info(1,
				   "profile: hardware cycles event unavailable (%s); "
				   "using the cpu-clock software event",
				   strerror(errno));
			p->hardware = false;
			fd = open_event(p->hardware, p->opts.freq, cpu);
		}
		if (fd < 0) {
			err = -errno;
			vigil_err("profile: cpu %d: perf_event_open failed: %s", cpu,
				  strerror(errno));
			return err;
		}
		p->pefds[p->nevents] = fd;
		p->links[p->nevents] =
			bpf_program__attach_perf_event(p->skel->progs.profile_sample, fd);
		if (!p->links[p->nevents]) {
			err = -errno;
			vigil_err("profile: cpu %d: cannot attach to perf event: %s", cpu,
				  strerror(errno));
			close(fd);
			return err;
		}
		p->nevents++;
	}
	return 0;
}

/*
 * The off-CPU collector on raw tracepoints, which need neither tracefs nor
 * kprobes. The programs do nothing until all three are attached, and the
 * start time is taken then.
 */
static int attach_sched(struct profile *p)
{
	struct profile_bpf *skel = p->skel;
	struct bpf_program *progs[] = {skel->progs.offcpu_wakeup_new, skel->progs.offcpu_wakeup,
				       skel->progs.offcpu_switch};
	static const char *const names[] = {"sched_wakeup_new", "sched_wakeup", "sched_switch"};
	int err;

	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		p->sched_links[i] = bpf_program__attach(progs[i]);
		if (!p->sched_links[i]) {
			err = -errno;
			vigil_err("profile: cannot attach raw_tp/%s: %s", names[i], strerror(-err));
			return err;
		}
	}
	p->t_start = now_ns();
	skel->bss->offcpu_start_ns = p->t_start;
	__atomic_store_n(&skel->bss->offcpu_on, true, __ATOMIC_SEQ_CST);
	return 0;
}

int profile__attach(struct profile *p)
{
	int err;

	p->pefds = calloc(MAX_CPUS, sizeof(*p->pefds));
	p->links = calloc(MAX_CPUS, sizeof(*p->links));
	if (!p->pefds || !p->links)
		return -ENOMEM;

	err = attach_procs(p);
	if (err)
		return err;
	if (p->offcpu) {
		if (p->opts.npids && !p->opts.follow_forks)
			snapshot_waits(p, p->opts.pids, p->opts.npids);
		else if (p->opts.add_targets)
			snapshot_waits(p, p->opts.wait_pids, p->opts.nwait_pids);
		err = attach_sched(p);
		if (err)
			return err;
	}
	if (p->sampling) {
		err = attach_sampling(p);
		if (err)
			return err;
	}
	if (p->offcpu && p->sampling)
		snprintf(p->desc, sizeof(p->desc),
			 "wall clock: %s, %lu Hz, %d CPUs, and "
			 "sched_switch",
			 p->hardware ? "hardware cycles" : "cpu-clock", p->opts.freq, p->nevents);
	else if (p->offcpu)
		snprintf(p->desc, sizeof(p->desc), "off-CPU: sched_switch and sched_wakeup");
	else
		snprintf(p->desc, sizeof(p->desc), "%s, %lu Hz, %d CPUs",
			 p->hardware ? "hardware cycles" : "cpu-clock", p->opts.freq, p->nevents);
	vigil_info(1,
		   "profile: attached to %s; processes tracked on "
		   "raw_tp/sched_process_{fork,exec,exit}%s",
		   p->desc, p->opts.follow_forks ? ", children of the command followed" : "");
	return 0;
}

void profile__stop(struct profile *p)
{
	for (int i = 0; i < p->nevents; i++)
		ioctl(p->pefds[i], PERF_EVENT_IOC_DISABLE, 0);
	/* the end of the run is when switches stop being followed */
	p->t_end = now_ns();
	if (p->offcpu)
		__atomic_store_n(&p->skel->bss->offcpu_on, false, __ATOMIC_SEQ_CST);
	for (int i = 0; i < 3; i++) {
		bpf_link__destroy(p->sched_links[i]);
		p->sched_links[i] = NULL;
	}
	if (!p->t_start)
		p->t_start = p->t_end;
	p->stopped = true;
}

struct wait_table *profile__waits(struct profile *p)
{
	return p->waits;
}

__u64 profile__duration_ns(const struct profile *p)
{
	return p->t_end > p->t_start ? p->t_end - p->t_start : 0;
}

const char *profile__describe(const struct profile *p)
{
	return p->desc;
}

const char *profile__event(const struct profile *p)
{
	return !p->sampling ? NULL : p->hardware ? "cycles" : "cpu-clock";
}

unsigned int profile__drain_interval_ms(const struct profile *p)
{
	return p->drain_ms;
}

static int lost_index(int err)
{
	return err == -EFAULT ? PROFILE_LOST_EFAULT : PROFILE_LOST_OTHER;
}

/* Grow p->keys to hold at least n entries. 0 or -ENOMEM. */
static int reserve_keys(struct profile *p, size_t n)
{
	size_t cap = p->keys_cap ? p->keys_cap : 256;
	struct drained *k;

	if (n <= p->keys_cap)
		return 0;
	while (cap < n)
		cap *= 2;
	k = realloc(p->keys, cap * sizeof(*k));
	if (!k)
		return -ENOMEM;
	p->keys = k;
	p->keys_cap = cap;
	return 0;
}

#define DRAIN_BATCH 256

/*
 * Read and delete every entry of one idle counts map, whose keys are
 * key_size bytes (a small map's are cut after PROFILE_SMALL_FRAMES
 * frames), into p->keys from n on, a few hundred a syscall:
 * BPF_MAP_LOOKUP_AND_DELETE_BATCH walks the buckets, where a walk by key
 * would hash each key three times (next key, lookup, delete). Returns the
 * new count, or -errno; -EOPNOTSUPP on a kernel without batch operations
 * (5.6), with nothing read.
 */
static long drain_counts_batch(struct profile *p, int fd, size_t key_size, long n)
{
	static unsigned char keys[DRAIN_BATCH * sizeof(struct profile_key)];
	static struct profile_value vals[DRAIN_BATCH];
	__u32 token = 0, want = DRAIN_BATCH;
	bool first = true;

	for (;;) {
		__u32 count = want;
		int err = bpf_map_lookup_and_delete_batch(fd, first ? NULL : &token, &token, keys,
							  vals, &count, NULL);

		if (err && errno == ENOSPC && !count && want == DRAIN_BATCH) {
			/* a bucket holds more than a batch: cannot happen at 256, but say so */
			return -ENOSPC;
		}
		if (err && errno != ENOENT)
			return first && (errno == EINVAL || errno == EOPNOTSUPP || errno == ENOTSUP)
				       ? -EOPNOTSUPP
				       : -errno;
		if (reserve_keys(p, n + count))
			return -ENOMEM;
		for (__u32 i = 0; i < count; i++) {
			struct drained *d = &p->keys[n + i];

			/* a short key's frames past PROFILE_SMALL_FRAMES are zero */
			memcpy(&d->key, keys + i * key_size, key_size);
			memset((char *)&d->key + key_size, 0, sizeof(d->key) - key_size);
			memcpy(d->v, vals[i].v, sizeof(d->v));
		}
		n += count;
		first = false;
		if (err) /* ENOENT: that was the last batch */
			return n;
	}
}

/*
 * The same without batch operations: read every key of one idle counts map
 * into p->keys from n on, then delete them; returns the new count or
 * -errno.
 */
static long drain_counts_by_key(struct profile *p, int fd, long n)
{
	struct profile_key *prev = NULL;
	long from = n;

	for (;;) {
		if ((size_t)n == p->keys_cap) {
			if (reserve_keys(p, n + 1))
				return -ENOMEM;
			prev = n > from ? &p->keys[n - 1].key : NULL;
		}
		memset(&p->keys[n].key, 0, sizeof(p->keys[n].key));
		if (bpf_map_get_next_key(fd, prev, &p->keys[n].key))
			break;
		if (bpf_map_lookup_elem(fd, &p->keys[n].key, p->keys[n].v))
			continue; /* cannot happen: nothing writes this buffer now */
		prev = &p->keys[n].key;
		n++;
	}
	for (long i = from; i < n; i++)
		bpf_map_delete_elem(fd, &p->keys[i].key);
	return n;
}

/*
 * Drain both maps of the idle buffer into p->keys: how many entries, or
 * -errno; *most is the fuller map's count.
 */
static long drain_counts(struct profile *p, __u32 idle, long *most)
{
	const struct bpf_map *maps[2] = {
		idle ? p->skel->maps.small1 : p->skel->maps.small0,
		idle ? p->skel->maps.counts1 : p->skel->maps.counts0,
	};
	long n = 0;

	*most = 0;
	for (int m = 0; m < 2; m++) {
		int fd = bpf_map__fd(maps[m]);
		long was = n;

		n = p->no_batch ? -EOPNOTSUPP
				: drain_counts_batch(p, fd, bpf_map__key_size(maps[m]), n);
		if (n == -EOPNOTSUPP) {
			if (!p->no_batch)
				vigil_info(1,
					   "profile: no batch map operations; draining key by key");
			p->no_batch = true;
			n = drain_counts_by_key(p, fd, was);
		}
		if (n < 0)
			return n;
		if (n - was > *most)
			*most = n - was;
	}
	return n;
}

struct frames {
	const char *v[2 * PROFILE_MAX_DEPTH + 8];
	size_t n;
	size_t kstart, kend; /* where the kernel frames begin and end */
};

static int push(struct frames *fr, struct strtab *names, const char *s)
{
	const char *name = strtab__intern(names, s);

	if (!name)
		return -ENOMEM;
	fr->v[fr->n++] = name;
	return 0;
}

/*
 * How many innermost kernel frames belong to the tracepoint and the BPF
 * program that walked the stack (bpf_trace_run4, __bpf_trace_sched_switch,
 * __traceiter_sched_switch): not where the thread waited.
 */
static int tracing_frames(struct symbolizer *sym, const __u64 *ips, int n)
{
	static const char *const prefixes[] = {"bpf_", "__bpf_", "__traceiter_", "trace_"};
	int i;

	for (i = 0; i < n; i++) {
		const char *name = symbolizer__kernel(sym, i > 0 ? ips[i] - 1 : ips[i]);
		bool tracing = false;

		for (size_t j = 0; name && j < sizeof(prefixes) / sizeof(prefixes[0]); j++)
			tracing |= !strncmp(name, prefixes[j], strlen(prefixes[j]));
		if (!tracing)
			break;
	}
	return i < n ? i : 0;
}

/*
 * One side of a sample, outermost frame first: a placeholder if its walk
 * failed, "[truncated]" above a stack cut at the depth limit or where a
 * user stack walk went astray, then the names. Every frame but the
 * innermost is a return address, named at address - 1; so is the innermost
 * user frame of a sample taken in the kernel, where the user stack ends
 * after the syscall instruction, unless the kernel was entered by an
 * interrupt or a breakpoint (PROFILE_F_USER_EXACT).
 */
static int add_side(struct profile *p, struct frames *fr, struct strtab *names,
		    struct symbolizer *sym, const struct drained *d, bool kernel)
{
	/* the kernel frames follow the user frames walked */
	const __u64 *ips = d->key.frames + (kernel && d->key.user_len > 0 ? d->key.user_len : 0);
	int n = kernel ? d->key.kern_len : d->key.user_len, err;
	bool in_kernel =
		d->key.kern_len != PROFILE_NO_STACK && !(d->key.flags & PROFILE_F_USER_EXACT);
	__u64 *lost = kernel ? p->lost.lost_kern : p->lost.lost_user;
	const char *user[PROFILE_MAX_DEPTH];
	bool cut = false;
	char buf[512];
	int named, skip = 0;

	if (kernel)
		fr->kstart = fr->n;
	if (n == PROFILE_NO_STACK)
		return 0;
	if (n <= 0) {
		if (d->key.kind == PROFILE_KIND_SAMPLE)
			lost[lost_index(n ? n : -EFAULT)] += d->count;
		else
			p->lost.span_stacks_lost++;
		return push(fr, names, kernel ? "[lost kernel stack]" : "[lost user stack]");
	}
	if (n > PROFILE_MAX_DEPTH)
		n = PROFILE_MAX_DEPTH;
	named = n;
	/* an off-CPU stack starts inside the tracepoint that took it */
	if (kernel && d->key.kind != PROFILE_KIND_SAMPLE)
		skip = tracing_frames(sym, ips, n);
	if (!kernel) {
		named = symbolizer__user_stack(sym, d->key.tgid, d->key.gen, ips, n, in_kernel,
					       user, &cut);
		if (named < 0)
			return named;
		if (cut && d->key.kind == PROFILE_KIND_SAMPLE)
			p->lost.cut += d->count;
		else if (cut)
			p->lost.span_stacks_cut++;
	}
	/* a stack cut where its walk went astray is not one that was too deep */
	if (n >= p->max_depth && !cut) {
		if (d->key.kind == PROFILE_KIND_SAMPLE)
			p->lost.truncated += d->count;
		else
			p->lost.span_stacks_cut++;
		cut = true;
	}
	if (cut) {
		err = push(fr, names, kernel ? "[truncated]_[k]" : "[truncated]");
		if (err)
			return err;
	}
	for (int i = named - 1; i >= skip; i--) {
		const char *name;

		if (kernel) {
			name = symbolizer__kernel(sym, i > 0 ? ips[i] - 1 : ips[i]);
			if (name)
				snprintf(buf, sizeof(buf), "%s_[k]", name);
			name = name ? buf : NULL;
		} else {
			name = user[i];
		}
		if (!name)
			return -ENOMEM;
		err = push(fr, names, name);
		if (err)
			return err;
	}
	return 0;
}

static int add_placeholder_for_full(struct profile *p, struct stack_set *set)
{
	struct profile_stats now;
	const char *frames[2];
	__u64 delta;

	profile__stats(p, &now);
	delta = now.counts_full - p->counts_full_seen;
	if (!delta)
		return 0;
	p->counts_full_seen = now.counts_full;
	frames[0] = strtab__intern(stack_set__strtab(set), "[lost sample: counts map full]");
	frames[1] = strtab__intern(stack_set__strtab(set), waits__frame(WAIT_CPU));
	if (!frames[0] || !frames[1])
		return -ENOMEM;
	/* in the wall clock, samples are time too, and end in their class */
	if (p->offcpu)
		return stack_set__add(set, frames, 2, delta * (1000000000ULL / p->opts.freq));
	return stack_set__add(set, frames, 1, delta);
}

/*
 * Spans that found no room for their stacks, kept per thread in the lost
 * maps: the thread's name, a placeholder, and the class its flags and
 * syscall give.
 */
static int add_lost(struct profile *p, struct stack_set *set, const void *k, const void *v)
{
	const struct profile_lkey *key = k;
	struct strtab *names = stack_set__strtab(set);
	char comm[PROFILE_COMM_LEN + 1], first[PROFILE_COMM_LEN + 16];
	__u64 ns = *(const __u64 *)v;
	const char *frames[3];
	enum wait_class c;
	int err;

	memcpy(comm, key->comm, PROFILE_COMM_LEN);
	comm[PROFILE_COMM_LEN] = '\0';
	thread_frame(p, comm, key->tid, first, sizeof(first));
	c = key->kind == PROFILE_KIND_RUNQ ? WAIT_RUNQUEUE
					   : waits__classify(key->flags, key->sysnr, NULL, 0);
	frames[0] = strtab__intern(names, first);
	frames[1] = strtab__intern(names, "[lost span: counts map full]");
	frames[2] = strtab__intern(names, waits__frame(c));
	if (!frames[0] || !frames[1] || !frames[2])
		return -ENOMEM;
	err = stack_set__add(set, frames, 3, ns);
	return err ? err
		   : wait_table__add(p->waits, key->tgid, key->tid, comm, c, ns,
				     key->flags & PROFILE_F_CUT_START);
}

static int drain_lost(struct profile *p, struct stack_set *set, int fd)
{
	struct profile_lkey key, next;
	__u64 ns;

	return map_drain(fd, &key, &next, sizeof(key), &ns, add_lost, p, set);
}

/*
 * The class of an off-CPU key: runnable spans wait for a CPU; blocked ones
 * are classified from the flags, the syscall and the kernel frames, read
 * here from the innermost outwards.
 */
static enum wait_class key_class(__u8 flags, __s32 sysnr, const struct frames *fr)
{
	const char *kframes[PROFILE_MAX_DEPTH];
	int n = 0;

	for (size_t i = fr->kend; i > fr->kstart && n < PROFILE_MAX_DEPTH; i--)
		kframes[n++] = fr->v[i - 1];
	return waits__classify(flags, sysnr, kframes, n);
}

/*
 * Add one key's value to the set: the thread's name (with its TID if
 * asked), both stacks, and for off-CPU and wall profiles a last frame
 * that says where the time went. marker, when not NULL, goes before that
 * frame: how the span was cut.
 */
static int add_key(struct profile *p, struct stack_set *set, struct symbolizer *sym,
		   const struct drained *d, const char *marker)
{
	struct strtab *names = stack_set__strtab(set);
	char comm[PROFILE_COMM_LEN + 1], first[PROFILE_COMM_LEN + 16];
	struct frames fr = {.n = 0};
	enum wait_class c = WAIT_CPU;
	const struct proc_wait *w;
	__u8 flags = d->key.flags;
	__s32 sysnr = d->key.sysnr;
	__u64 value = d->count;
	int err;

	memcpy(comm, d->key.comm, PROFILE_COMM_LEN);
	comm[PROFILE_COMM_LEN] = '\0';
	thread_frame(p, comm, d->key.tid, first, sizeof(first));
	err = push(&fr, names, first);
	if (!err)
		err = add_side(p, &fr, names, sym, d, false /* user */);
	if (!err)
		err = add_side(p, &fr, names, sym, d, true /* kernel */);
	if (err)
		return err;
	if (d->key.kind == PROFILE_KIND_SAMPLE) {
		/*
		 * Only the thread's name: -K and a sample in user mode, or -U and
		 * a kernel thread. Say which side the time was on.
		 */
		if (fr.n == 1)
			err = push(&fr, names, p->opts.user ? "[kernel]" : "[user]");
		if (!err && p->offcpu) {
			err = push(&fr, names, waits__frame(WAIT_CPU));
			value = d->count * (1000000000ULL / p->opts.freq);
		}
	} else {
		/*
		 * A command's process blocked since before the start is vigil's
		 * child waiting to exec it: not the command's time.
		 */
		if ((d->key.flags & PROFILE_F_CUT_START) && p->opts.follow_forks)
			return 0;
		/* blocked since before the start: what the snapshot saw it wait in */
		w = (d->key.flags & PROFILE_F_CUT_START) && d->key.kern_len == PROFILE_NO_STACK
			    ? start_wait(p, d->key.tid)
			    : NULL;
		for (int i = w ? w->nk - 1 : -1; !err && i >= 0; i--) {
			char k[256];

			snprintf(k, sizeof(k), "%s_[k]", w->kframes[i]);
			err = push(&fr, names, k);
		}
		if (w) {
			flags |= w->flags;
			sysnr = w->nr;
		}
		fr.kend = fr.n;
		if (d->key.flags & PROFILE_F_CUT_START)
			err = push(&fr, names, "[cut at start]");
		if (!err && marker)
			err = push(&fr, names, marker);
		/* the blocked part in its class, the runnable part waiting for a CPU */
		for (int part = 0; part < 2 && !err; part++) {
			bool cut = marker || (d->key.flags & PROFILE_F_CUT_START);

			if (!d->v[part])
				continue;
			c = part ? WAIT_RUNQUEUE : key_class(flags, sysnr, &fr);
			err = push(&fr, names, waits__frame(c));
			if (!err)
				err = wait_table__add(p->waits, d->key.tgid, d->key.tid, comm, c,
						      d->v[part], cut);
			if (!err)
				err = stack_set__add(set, fr.v, fr.n, d->v[part]);
			fr.n--;
		}
		return err;
	}
	return err ? err : stack_set__add(set, fr.v, fr.n, value);
}

static int add_thread_cpu(struct profile *p, struct stack_set *set, const void *k, const void *v)
{
	const struct profile_tkey *key = k;
	const struct profile_tval *val = v;
	char comm[PROFILE_COMM_LEN + 1];

	(void)set;
	memcpy(comm, val->comm, PROFILE_COMM_LEN);
	comm[PROFILE_COMM_LEN] = '\0';
	return wait_table__add(p->waits, key->tgid, key->tid, comm, WAIT_CPU, val->cpu_ns, false);
}

/* On-CPU time per thread from the idle threads map, into the wait table. */
static int drain_threads(struct profile *p, int fd)
{
	struct profile_tkey key, next;
	struct profile_tval val;

	return map_drain(fd, &key, &next, sizeof(key), &val, add_thread_cpu, p, NULL);
}

static int add_unseen_threads(struct profile *p, struct stack_set *set);

/*
 * How long a thread on a CPU at the end ran since it was put there: by
 * its runtime now (schedstat's first field), as the BPF side measures it
 * at switches; by the wall clock if it ran all along; not at all if it is
 * gone.
 */
static __u64 ran_until_end(struct profile *p, const struct profile_thread *t, __u32 tid)
{
	__u64 since = t->t_in > p->t_start ? t->t_in : p->t_start;
	unsigned long long rt;
	char path[64], buf[128];

	if (since >= p->t_end)
		return 0;
	snprintf(path, sizeof(path), "/proc/%u/task/%u/schedstat", t->key.tgid, tid);
	if (read_small(path, buf, sizeof(buf)) <= 0 || sscanf(buf, "%llu", &rt) != 1)
		return 0; /* gone, without the switch that would have said so */
	if (!t->t_in)
		return p->t_end - since;
	rt = rt > t->rt_in ? rt - t->rt_in : 0;
	return rt < p->t_end - since ? rt : p->t_end - since;
}

/*
 * After the last drain: spans still running when the run ended, cut
 * there, and the CPU time of threads still on a CPU. Spans that began
 * after the end, between stop and the programs' detach, are not counted.
 */
static int finish_offcpu(struct profile *p, struct stack_set *set, struct symbolizer *sym)
{
	int fd = bpf_map__fd(p->skel->maps.offcpu_threads);
	struct drained *d = calloc(1, sizeof(*d));
	struct profile_thread *t = calloc(1, sizeof(*t));
	__u32 tid, *prev = NULL;
	int err = 0;

	if (!d || !t) {
		err = -ENOMEM;
		goto out;
	}
	while (!err && !bpf_map_get_next_key(fd, prev, &tid)) {
		__u64 end = p->t_end, wake;

		prev = &tid;
		if (bpf_map_lookup_elem(fd, &tid, t))
			continue;
		if (!t->t_out) {
			err = wait_table__add(p->waits, t->key.tgid, tid, t->key.comm, WAIT_CPU,
					      ran_until_end(p, t, tid), false);
			continue;
		}
		if (t->t_out >= end || end - t->t_out < p->opts.min_block_ns)
			continue;
		wake = t->t_wake && t->t_wake < end ? t->t_wake : end;
		if (wake < t->t_out)
			wake = t->t_out;
		d->key = t->key;
		d->key.tid = tid;
		d->key.kind = PROFILE_KIND_BLOCKED;
		d->v[0] = wake - t->t_out;
		d->v[1] = end - wake;
		err = add_key(p, set, sym, d, "[cut at end]");
	}
	if (!err && p->opts.npids && !p->opts.follow_forks)
		err = add_unseen_threads(p, set);
out:
	free(d);
	free(t);
	return err;
}

/*
 * A thread of a -p target that no switch was seen of was either off CPU
 * for the whole run or on one: its state now says which. A blocked one is
 * added as a span cut at both ends, classified from what /proc shows of
 * it (the syscall, the kernel stack); its user stack cannot be walked
 * from here, so the profile shows its kernel frames only.
 */
static int add_unseen_thread(struct profile *p, struct stack_set *set, __u32 tgid, __u32 tid)
{
	struct strtab *names = stack_set__strtab(set);
	char first[PROFILE_COMM_LEN + 16], k[256];
	struct frames fr = {.n = 0};
	__u64 ns = p->t_end - p->t_start;
	struct proc_wait w;
	enum wait_class c;
	int err;

	/* gone, or exited and not yet reaped: its switches were all seen */
	if (proc_wait_read(tgid, tid, p->opts.kernel, &w) || strchr("ZXx", w.state))
		return 0;
	if (w.state == 'R')
		return wait_table__add(p->waits, tgid, tid, w.comm, WAIT_CPU, ns, true);
	thread_frame(p, w.comm, tid, first, sizeof(first));
	err = push(&fr, names, first);
	for (int i = w.nk - 1; !err && i >= 0; i--) {
		snprintf(k, sizeof(k), "%s_[k]", w.kframes[i]);
		err = push(&fr, names, k);
	}
	c = waits__classify(w.flags, (__s32)w.nr, w.kframes, w.nk);
	if (!err)
		err = push(&fr, names, "[cut at start]");
	if (!err)
		err = push(&fr, names, "[cut at end]");
	if (!err)
		err = push(&fr, names, waits__frame(c));
	if (!err)
		err = wait_table__add(p->waits, tgid, tid, w.comm, c, ns, true);
	return err ? err : stack_set__add(set, fr.v, fr.n, ns);
}

/* Threads of the -p targets that the run saw no switch of. */
static int add_unseen_threads(struct profile *p, struct stack_set *set)
{
	int fd = bpf_map__fd(p->skel->maps.offcpu_threads), err = 0;
	struct profile_thread *t = malloc(sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (int i = 0; !err && i < p->opts.npids; i++) {
		char path[64];
		struct dirent *de;
		DIR *d;

		snprintf(path, sizeof(path), "/proc/%d/task", p->opts.pids[i]);
		d = opendir(path);
		if (!d)
			continue;
		while (!err && (de = readdir(d))) {
			__u32 tid = strtoul(de->d_name, NULL, 10);

			if (!tid || !bpf_map_lookup_elem(fd, &tid, t))
				continue;
			if (p->opts.pids[i] == getpid())
				break; /* vigil itself, as -p of its own pid */
			err = add_unseen_thread(p, set, p->opts.pids[i], tid);
		}
		closedir(d);
	}
	free(t);
	return err;
}

static int add_placeholder_for_full_spans(struct profile *p, struct stack_set *set)
{
	__u32 idx = PROFILE_STAT_SPANS_FULL_NS;
	int ncpu = libbpf_num_possible_cpus();
	__u64 *vals, sum = 0;
	const char *frames[2];

	if (ncpu <= 0)
		return 0;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	if (!bpf_map__lookup_elem(p->skel->maps.stats, &idx, sizeof(idx), vals,
				  ncpu * sizeof(*vals), 0))
		for (int c = 0; c < ncpu; c++)
			sum += vals[c];
	free(vals);
	if (sum <= p->spans_full_seen)
		return 0;
	frames[0] = strtab__intern(stack_set__strtab(set), "[lost span: counts map full]");
	frames[1] = strtab__intern(stack_set__strtab(set), waits__frame(WAIT_OTHER));
	if (!frames[0] || !frames[1])
		return -ENOMEM;
	sum -= p->spans_full_seen;
	p->spans_full_seen += sum;
	return stack_set__add(set, frames, 2, sum);
}

int profile__drain(struct profile *p, struct stack_set *set, struct symbolizer *sym)
{
	struct timespec grace = {0, 2 * 1000 * 1000};
	__u32 idle = p->skel->bss->active;
	unsigned long long last_poll;
	int err = 0;
	long n, most;

	/* news of incarnations first: those that ended now are dropped by the sweep below */
	err = profile__poll(p, sym);
	if (err)
		return err;
	/*
	 * Flip, then wait out the programs that read the old index: they run
	 * in interrupt context with preemption off, for microseconds, so two
	 * milliseconds is ample.
	 */
	__atomic_store_n(&p->skel->bss->active, !idle, __ATOMIC_SEQ_CST);
	symbolizer__drain_begin(sym);
	nanosleep(&grace, NULL);

	n = drain_counts(p, idle, &most);
	if (n < 0)
		return n;
	if (p->offcpu && (__u64)most * 4 > (__u64)p->count_entries * 3 && p->drain_ms > 100) {
		p->drain_ms /= 2;
		vigil_info(1, "profile: counts map %ld of %u full; draining every %u ms", most,
			   p->count_entries, p->drain_ms);
	}
	last_poll = now_ns();
	for (long i = 0; i < n && !err; i++) {
		err = add_key(p, set, sym, &p->keys[i], NULL);
		/* a long drain still reads new processes while they run */
		if (!err && (i & 63) == 63 && now_ns() - last_poll >= POLL_DURING_DRAIN_NS) {
			err = profile__poll(p, sym);
			last_poll = now_ns();
		}
	}
	if (!err)
		err = add_placeholder_for_full(p, set);
	if (!err && p->offcpu) {
		err = drain_threads(
			p, bpf_map__fd(idle ? p->skel->maps.threads1 : p->skel->maps.threads0));
		if (!err)
			err = drain_lost(
				p, set,
				bpf_map__fd(idle ? p->skel->maps.lost1 : p->skel->maps.lost0));
		if (!err)
			err = add_placeholder_for_full_spans(p, set);
		if (!err && p->stopped && !p->finished) {
			p->finished = true;
			err = finish_offcpu(p, set, sym);
		}
	}
	if (!err)
		symbolizer__sweep(sym);
	return err;
}

void profile__stats(struct profile *p, struct profile_stats *out)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *vals;

	*out = p->lost;
	out->samples = out->idle = out->counts_full = 0;
	out->spans = out->short_spans = out->spans_full = out->threads_full = out->cpu_full =
		out->missed = 0;
	out->max_depth = p->max_depth;
	out->events_lost = p->skel->bss->proc_events_lost;
	if (ncpu <= 0)
		return;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return;
	for (__u32 idx = 0; idx < PROFILE_STAT_MAX; idx++) {
		__u64 sum = 0;

		if (bpf_map__lookup_elem(p->skel->maps.stats, &idx, sizeof(idx), vals,
					 ncpu * sizeof(*vals), 0))
			continue;
		for (int c = 0; c < ncpu; c++)
			sum += vals[c];
		if (idx == PROFILE_STAT_SAMPLES)
			out->samples = sum;
		else if (idx == PROFILE_STAT_IDLE)
			out->idle = sum;
		else if (idx == PROFILE_STAT_COUNTS_FULL)
			out->counts_full = sum;
		else if (idx == PROFILE_STAT_SPANS)
			out->spans = sum;
		else if (idx == PROFILE_STAT_SHORT)
			out->short_spans = sum;
		else if (idx == PROFILE_STAT_SPANS_FULL)
			out->spans_full = sum;
		else if (idx == PROFILE_STAT_THREADS_FULL)
			out->threads_full = sum;
		else if (idx == PROFILE_STAT_CPU_FULL)
			out->cpu_full = sum;
		else if (idx == PROFILE_STAT_MISSED)
			out->missed = sum;
	}
	free(vals);
}

void profile__free(struct profile *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->nevents; i++) {
		bpf_link__destroy(p->links[i]);
		close(p->pefds[i]);
	}
	free(p->links);
	free(p->pefds);
	for (int i = 0; i < 3; i++)
		bpf_link__destroy(p->sched_links[i]);
	wait_table__free(p->waits);
	for (size_t i = 0; i < p->nr_start_waits; i++)
		free(p->start_waits[i]);
	free(p->start_waits);
	ring_buffer__free(p->events);
	free(p->batch);
	profile_bpf__destroy(p->skel);
	free(p->keys);
	free(p);
}
