// SPDX-License-Identifier: GPL-2.0
/* waits.c: classifies off-CPU spans and sums time per thread and class for the summary. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "waits.h"
#include "profile_defs.h"

static const char *const names[WAIT_NCLASS] = {
	[WAIT_CPU] = "cpu",	[WAIT_RUNQUEUE] = "runqueue", [WAIT_DISK] = "disk",
	[WAIT_NET] = "net",	[WAIT_LOCK] = "lock",	      [WAIT_SLEEP] = "sleep",
	[WAIT_OTHER] = "other",
};

static const char *const frames[WAIT_NCLASS] = {
	[WAIT_CPU] = "[cpu]",	       [WAIT_RUNQUEUE] = "[wait:runqueue]",
	[WAIT_DISK] = "[wait:disk]",   [WAIT_NET] = "[wait:net]",
	[WAIT_LOCK] = "[wait:lock]",   [WAIT_SLEEP] = "[wait:sleep]",
	[WAIT_OTHER] = "[wait:other]",
};

const char *waits__name(enum wait_class c)
{
	return c < WAIT_NCLASS ? names[c] : "other";
}

const char *waits__frame(enum wait_class c)
{
	return c < WAIT_NCLASS ? frames[c] : frames[WAIT_OTHER];
}

/*
 * Kernel functions that say what a blocked thread waits for, by prefix.
 * The stack is read from the innermost frame outwards and the first match
 * wins, so the wait itself (a rwsem taken inside a filesystem) decides
 * before what led to it. Waits on any of many files (poll, epoll, select),
 * on pipes, children and signals are "other": the stack cannot say what
 * the thread would call slow.
 */
static const struct rule {
	const char *prefix;
	enum wait_class c;
} kernel_rules[] = {
	/* block I/O, and filesystems waiting for it */
	{"io_schedule", WAIT_DISK},
	{"bit_wait_io", WAIT_DISK},
	{"folio_wait", WAIT_DISK},
	{"__folio_lock", WAIT_DISK},
	{"wait_on_page", WAIT_DISK},
	{"__wait_on_buffer", WAIT_DISK},
	{"wait_for_completion_io", WAIT_DISK},
	{"submit_bio_wait", WAIT_DISK},
	{"blk_", WAIT_DISK},
	{"blkdev_", WAIT_DISK},
	{"jbd2_", WAIT_DISK},
	{"iomap_dio", WAIT_DISK},
	{"__iomap_dio", WAIT_DISK},
	{"file_write_and_wait", WAIT_DISK},
	{"filemap_fdatawait", WAIT_DISK},
	{"__filemap_fdatawait", WAIT_DISK},
	/* user locks (futexes) and kernel locks */
	{"futex_", WAIT_LOCK},
	{"__futex_", WAIT_LOCK},
	{"__mutex_lock", WAIT_LOCK},
	{"mutex_lock", WAIT_LOCK},
	{"rwsem_down", WAIT_LOCK},
	{"down_read", WAIT_LOCK},
	{"down_write", WAIT_LOCK},
	{"__down", WAIT_LOCK},
	{"rt_mutex", WAIT_LOCK},
	{"__rt_mutex", WAIT_LOCK},
	{"rtlock_", WAIT_LOCK},
	{"rwbase_", WAIT_LOCK},
	{"percpu_rwsem", WAIT_LOCK},
	{"__percpu_down", WAIT_LOCK},
	{"ww_mutex", WAIT_LOCK},
	{"__ww_mutex", WAIT_LOCK},
	/* timed sleeps */
	{"do_nanosleep", WAIT_SLEEP},
	{"hrtimer_nanosleep", WAIT_SLEEP},
	{"common_nsleep", WAIT_SLEEP},
	{"msleep", WAIT_SLEEP},
	{"usleep_range", WAIT_SLEEP},
	{"__x64_sys_pause", WAIT_SLEEP},
	/* sockets */
	{"sk_wait_", WAIT_NET},
	{"sk_stream_wait", WAIT_NET},
	{"__skb_wait_for_more_packets", WAIT_NET},
	{"__skb_recv", WAIT_NET},
	{"skb_recv", WAIT_NET},
	{"__lock_sock", WAIT_NET},
	{"lock_sock", WAIT_NET},
	{"tcp_", WAIT_NET},
	{"udp", WAIT_NET},
	{"unix_", WAIT_NET},
	{"inet_", WAIT_NET},
	{"inet6_", WAIT_NET},
	{"__inet_", WAIT_NET},
	{"sock_", WAIT_NET},
	{"__sock_", WAIT_NET},
	{"__sys_recv", WAIT_NET},
	{"__sys_send", WAIT_NET},
	{"__sys_accept", WAIT_NET},
	{"__sys_connect", WAIT_NET},
	{"netlink_", WAIT_NET},
	{"packet_", WAIT_NET},
	/* many files at once, pipes, children, signals, terminals, idle workers */
	{"ep_poll", WAIT_OTHER},
	{"do_epoll_wait", WAIT_OTHER},
	{"do_sys_poll", WAIT_OTHER},
	{"do_select", WAIT_OTHER},
	{"core_sys_select", WAIT_OTHER},
	{"pipe_read", WAIT_OTHER},
	{"pipe_write", WAIT_OTHER},
	{"do_wait", WAIT_OTHER},
	{"kernel_wait4", WAIT_OTHER},
	{"do_sigtimedwait", WAIT_OTHER},
	{"sigsuspend", WAIT_OTHER},
	{"n_tty_read", WAIT_OTHER},
	{"worker_thread", WAIT_OTHER},
};

/* x86-64 syscall numbers, for a wait whose kernel stack was not walked or said nothing. */
static enum wait_class syscall_class(__s32 nr)
{
	switch (nr) {
	case 34:  /* pause */
	case 35:  /* nanosleep */
	case 230: /* clock_nanosleep */
		return WAIT_SLEEP;
	case 202: /* futex */
	case 449: /* futex_waitv */
		return WAIT_LOCK;
	case 42:  /* connect */
	case 43:  /* accept */
	case 44:  /* sendto */
	case 45:  /* recvfrom */
	case 46:  /* sendmsg */
	case 47:  /* recvmsg */
	case 288: /* accept4 */
	case 299: /* recvmmsg */
	case 307: /* sendmmsg */
		return WAIT_NET;
	case 74:  /* fsync */
	case 75:  /* fdatasync */
	case 162: /* sync */
	case 208: /* io_getevents */
	case 277: /* sync_file_range */
	case 306: /* syncfs */
	case 333: /* io_pgetevents */
		return WAIT_DISK;
	default:
		return WAIT_OTHER;
	}
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

enum wait_class waits__classify(__u8 flags, __s32 sysnr, const char *const *kframes, int nkframes)
{
	bool exception = false;

	if (flags & PROFILE_F_IOWAIT)
		return WAIT_DISK;
	for (int i = 0; i < nkframes; i++) {
		const char *f = kframes[i];

		if (!f)
			continue;
		for (size_t r = 0; r < sizeof(kernel_rules) / sizeof(kernel_rules[0]); r++)
			if (starts_with(f, kernel_rules[r].prefix))
				return kernel_rules[r].c;
		/* a page fault's error code sits where a syscall's number would */
		if (starts_with(f, "asm_exc_") || starts_with(f, "exc_"))
			exception = true;
	}
	if ((flags & PROFILE_F_SYSCALL) && !exception)
		return syscall_class(sysnr);
	return WAIT_OTHER;
}

/* ---------------------------------------------------------------- per thread */

/* Names a thread is known by, each with its time: an exec or prctl renames it. */
#define ROW_NAMES 4

struct thread_row {
	__u32 tgid, tid;
	bool used;
	char comm[PROFILE_COMM_LEN + 1]; /* of the names below, the one with the most time */
	char names[ROW_NAMES][PROFILE_COMM_LEN + 1];
	__u64 name_ns[ROW_NAMES];
	__u64 ns[WAIT_NCLASS];
	__u64 cut_ns;
};

struct wait_table {
	struct thread_row *rows;
	size_t cap, used;
};

struct wait_table *wait_table__new(void)
{
	return calloc(1, sizeof(struct wait_table));
}

void wait_table__free(struct wait_table *t)
{
	if (!t)
		return;
	free(t->rows);
	free(t);
}

static size_t slot_of(const struct wait_table *t, __u32 tgid, __u32 tid)
{
	__u64 h = ((__u64)tgid << 32 | tid) * 0x9e3779b97f4a7c15ULL;
	size_t i = h >> 32 & (t->cap - 1);

	while (t->rows[i].used && (t->rows[i].tgid != tgid || t->rows[i].tid != tid))
		i = (i + 1) & (t->cap - 1);
	return i;
}

static int grow(struct wait_table *t)
{
	struct wait_table bigger = {.cap = t->cap ? t->cap * 2 : 64};

	bigger.rows = calloc(bigger.cap, sizeof(*bigger.rows));
	if (!bigger.rows)
		return -ENOMEM;
	for (size_t i = 0; i < t->cap; i++)
		if (t->rows[i].used)
			bigger.rows[slot_of(&bigger, t->rows[i].tgid, t->rows[i].tid)] = t->rows[i];
	free(t->rows);
	t->rows = bigger.rows;
	t->cap = bigger.cap;
	return 0;
}

/* Length of the UTF-8 sequence at s, or 0 when it is not one. */
static int utf8_len(const unsigned char *s)
{
	int n = *s >= 0xf0 && *s < 0xf5 ? 4 : *s >= 0xe0 ? 3 : *s >= 0xc2 && *s < 0xe0 ? 2 : 0;

	for (int i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/*
 * A thread name as the table and JSON can show it: control characters
 * become spaces and bytes that are not UTF-8 become '?', so a row stays
 * one line and the JSON stays valid. Names come from prctl(), unchecked.
 */
static void clean_name(char *dst, const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0;

	while (*s && i < PROFILE_COMM_LEN) {
		int n = *s < 0x80 ? 1 : utf8_len(s);

		if (n > 1 && i + n <= PROFILE_COMM_LEN) {
			memcpy(dst + i, s, n);
			i += n;
			s += n;
			continue;
		}
		dst[i++] = *s < 0x20 || *s == 0x7f ? ' ' : *s < 0x80 ? (char)*s : '?';
		s++;
	}
	dst[i] = '\0';
}

/*
 * The thread is named by the name it had for most of its time, as the
 * profile's heaviest lines show it. A fifth name adds its time to none.
 */
static void add_name(struct thread_row *row, const char *comm, __u64 ns)
{
	char clean[PROFILE_COMM_LEN + 1];
	int i, best = 0;

	clean_name(clean, comm);
	for (i = 0; i < ROW_NAMES && row->names[i][0]; i++)
		if (!strcmp(row->names[i], clean))
			break;
	if (i == ROW_NAMES)
		return;
	if (!row->names[i][0])
		memcpy(row->names[i], clean, sizeof(clean));
	row->name_ns[i] += ns ? ns : 1;
	for (i = 1; i < ROW_NAMES && row->names[i][0]; i++)
		if (row->name_ns[i] > row->name_ns[best])
			best = i;
	memcpy(row->comm, row->names[best], sizeof(row->comm));
}

int wait_table__add(struct wait_table *t, __u32 tgid, __u32 tid, const char *comm,
		    enum wait_class c, __u64 ns, bool cut)
{
	struct thread_row *row;

	if ((t->used + 1) * 2 > t->cap && grow(t))
		return -ENOMEM;
	row = &t->rows[slot_of(t, tgid, tid)];
	if (!row->used) {
		row->used = true;
		row->tgid = tgid;
		row->tid = tid;
		t->used++;
	}
	/* the name the thread had last, as the profile shows its latest spans */
	if (comm && comm[0])
		add_name(row, comm, ns);
	if (c >= WAIT_NCLASS)
		c = WAIT_OTHER;
	row->ns[c] += ns;
	if (cut)
		row->cut_ns += ns;
	return 0;
}

/* ---------------------------------------------------------------- reports */

struct proc_rows {
	__u32 tgid;
	const char *name;
	__u64 ns[WAIT_NCLASS], total, cut_ns;
	struct thread_row **threads;
	size_t n;
};

static __u64 row_total(const struct thread_row *r)
{
	__u64 s = 0;

	for (int c = 0; c < WAIT_NCLASS; c++)
		s += r->ns[c];
	return s;
}

static int by_process_then_total(const void *a, const void *b)
{
	const struct thread_row *x = *(struct thread_row *const *)a;
	const struct thread_row *y = *(struct thread_row *const *)b;
	__u64 tx = row_total(x), ty = row_total(y);

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	if (tx != ty)
		return tx > ty ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

static int by_total(const void *a, const void *b)
{
	const struct proc_rows *x = a, *y = b;

	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	return x->tgid < y->tgid ? -1 : x->tgid > y->tgid;
}

/* Rows grouped per process, processes by total time, threads too. Free both arrays. */
static struct proc_rows *group(struct wait_table *t, struct thread_row ***sorted, size_t *nprocs)
{
	struct thread_row **rows = calloc(t->used ? t->used : 1, sizeof(*rows));
	struct proc_rows *procs = calloc(t->used ? t->used : 1, sizeof(*procs));
	size_t n = 0, np = 0;

	if (!rows || !procs) {
		free(rows);
		free(procs);
		return NULL;
	}
	for (size_t i = 0; i < t->cap; i++)
		if (t->rows[i].used)
			rows[n++] = &t->rows[i];
	qsort(rows, n, sizeof(*rows), by_process_then_total);
	for (size_t i = 0; i < n; i++) {
		struct proc_rows *p;

		if (!np || procs[np - 1].tgid != rows[i]->tgid) {
			p = &procs[np++];
			p->tgid = rows[i]->tgid;
			p->threads = &rows[i];
			p->name = rows[i]->comm;
		}
		p = &procs[np - 1];
		p->n++;
		if (rows[i]->tid == p->tgid && rows[i]->comm[0])
			p->name = rows[i]->comm; /* the main thread names the process */
		for (int c = 0; c < WAIT_NCLASS; c++)
			p->ns[c] += rows[i]->ns[c];
		p->total += row_total(rows[i]);
		p->cut_ns += rows[i]->cut_ns;
	}
	qsort(procs, np, sizeof(*procs), by_total);
	*sorted = rows;
	*nprocs = np;
	return procs;
}

/* Column order of the text table: CPU first, then the waits. */
static const enum wait_class columns[] = {WAIT_CPU,  WAIT_RUNQUEUE, WAIT_DISK, WAIT_NET,
					  WAIT_LOCK, WAIT_SLEEP,    WAIT_OTHER};
#define NCOLUMNS (sizeof(columns) / sizeof(columns[0]))

static void text_cells(FILE *f, const __u64 *ns, __u64 duration)
{
	for (size_t i = 0; i < NCOLUMNS; i++) {
		__u64 v = ns[columns[i]];

		if (!v)
			fprintf(f, " %13s", "-");
		else
			fprintf(f, " %8.3f %3.0f%%", v / 1e9, duration ? 100.0 * v / duration : 0);
	}
	fputc('\n', f);
}

int wait_table__write_text(FILE *f, struct wait_table *t, const struct wait_report *r)
{
	struct thread_row **rows;
	struct proc_rows *procs;
	size_t np, shown;

	procs = group(t, &rows, &np);
	if (!procs)
		return -ENOMEM;
	if (r->title)
		fprintf(f, "%s\n", r->title);
	fprintf(f,
		"Time by thread, in seconds and as a share of the %.3f s run; cpu is the "
		"scheduler's runtime of the thread\n",
		r->duration_ns / 1e9);
	fprintf(f, "%-8s %-8s %-16s", "PID", "TID", "THREAD");
	for (size_t i = 0; i < NCOLUMNS; i++)
		fprintf(f, " %13s", waits__name(columns[i]));
	fputc('\n', f);
	shown = r->top_processes && (size_t)r->top_processes < np ? (size_t)r->top_processes : np;
	for (size_t i = 0; i < shown; i++) {
		const struct proc_rows *p = &procs[i];
		size_t nt = r->top_threads && (size_t)r->top_threads < p->n ? (size_t)r->top_threads
									    : p->n;

		/* a process of one thread is its own row */
		fprintf(f, "%-8u %-8s %-16s", p->tgid, p->n > 1 ? "all" : "", p->name);
		text_cells(f, p->ns, r->duration_ns);
		for (size_t j = 0; p->n > 1 && j < nt; j++) {
			fprintf(f, "%-8s %-8u %-16s", "", p->threads[j]->tid,
				p->threads[j]->comm[0] ? p->threads[j]->comm : "?");
			text_cells(f, p->threads[j]->ns, r->duration_ns);
		}
		if (p->n > 1 && nt < p->n)
			fprintf(f, "%-8s (%zu more threads)\n", "", p->n - nt);
	}
	if (shown < np)
		fprintf(f, "(%zu more processes)\n", np - shown);
	free(procs);
	free(rows);
	return ferror(f) ? -EIO : 0;
}

static json_object *json_us(__u64 ns)
{
	return json_object_new_int64((int64_t)((ns + 500) / 1000));
}

static json_object *json_times(const __u64 *ns, __u64 cut_ns, json_object *o)
{
	json_object *waits = json_object_new_object();

	json_object_object_add(o, "cpu_us", json_us(ns[WAIT_CPU]));
	for (int c = WAIT_RUNQUEUE; c < WAIT_NCLASS; c++)
		json_object_object_add(waits, waits__name(c), json_us(ns[c]));
	json_object_object_add(o, "waits_us", waits);
	json_object_object_add(o, "cut_us", json_us(cut_ns));
	return o;
}

int wait_table__write_json(FILE *f, struct wait_table *t, const struct wait_report *r)
{
	json_object *root = json_object_new_object(), *jprocs = json_object_new_array();
	struct thread_row **rows;
	struct proc_rows *procs;
	size_t np;
	int err = 0;

	procs = group(t, &rows, &np);
	if (!procs || !root || !jprocs) {
		err = -ENOMEM;
		goto out;
	}
	json_object_object_add(root, "clock", json_object_new_string(r->clock));
	json_object_object_add(root, "duration_us", json_us(r->duration_ns));
	for (size_t i = 0; i < np; i++) {
		const struct proc_rows *p = &procs[i];
		json_object *jp = json_object_new_object(), *jthreads = json_object_new_array();

		json_object_object_add(jp, "pid", json_object_new_int64(p->tgid));
		json_object_object_add(jp, "name", json_object_new_string(p->name));
		json_times(p->ns, p->cut_ns, jp);
		for (size_t j = 0; j < p->n; j++) {
			const struct thread_row *tr = p->threads[j];
			json_object *jt = json_object_new_object();

			json_object_object_add(jt, "tid", json_object_new_int64(tr->tid));
			json_object_object_add(jt, "name", json_object_new_string(tr->comm));
			json_object_array_add(jthreads, json_times(tr->ns, tr->cut_ns, jt));
		}
		json_object_object_add(jp, "threads", jthreads);
		json_object_array_add(jprocs, jp);
	}
	json_object_object_add(root, "processes", jprocs);
	jprocs = NULL;
	fprintf(f, "%s\n",
		json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
	if (ferror(f))
		err = -EIO;
out:
	json_object_put(jprocs);
	json_object_put(root);
	free(procs);
	free(rows);
	return err;
}
