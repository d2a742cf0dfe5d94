// SPDX-License-Identifier: GPL-2.0
/* cmd_syscalls.c: "vigil syscalls": counts, errors and latency of every syscall of the targets. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include "commands.h"
#include "hist.h"
#include "syscalls.skel.h"
#include "syscalls_defs.h"
#include "sysnames.h"
#include "target.h"
#include "util.h"

#define MAX_DURATION 86400

struct sysc_args {
	struct target target;
	unsigned long duration_s;
	unsigned long top;
	enum sysc_by by;
	bool errors_only, hist, json;
	const char *output;
	char **command;
};

/* One row of the table, read from the stats map, with its errors by errno. */
struct row {
	struct sysc_key key;
	struct sysc_val val;
	struct {
		__u32 err;
		__u64 count;
	} errs[8]; /* the most frequent errnos */
	int nerrs;
};

/* A row's syscall: its name, "NAME (32-bit)" for int $0x80, "syscall_N" when unknown. */
static const char *syscall_name(const struct sysc_key *k, char *buf, size_t len)
{
	const char *name = sysnames__name(k->nr, k->compat);

	if (name && !k->compat)
		return name;
	if (name)
		snprintf(buf, len, "%s (32-bit)", name);
	else
		snprintf(buf, len, "syscall_%d%s", k->nr, k->compat ? " (32-bit)" : "");
	return buf;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vigil syscalls [-p PID[,PID...]] [-d SECONDS] [options] [-- COMMAND "
		"[ARGS...]]\n"
		"Count and time every syscall of the targets, from entry to exit, in the kernel:\n"
		"per syscall the calls, the errors by errno, total, mean, p50, p99 and max time.\n"
		"\n"
		"Target (default: every process but vigil):\n"
		"  -p, --pid PID[,PID...]  these processes and all their threads\n"
		"  -- COMMAND [ARGS...]    start COMMAND and follow it and what it forks\n"
		"Options:\n"
		"  -d, --duration SECONDS  stop after this long (1-%d; default: until SIGINT,\n"
		"                          SIGTERM, or every target has exited)\n"
		"      --by WHAT           rows per syscall (default), process or thread\n"
		"      --errors            only syscalls that failed, with their errnos\n"
		"      --top N             the N rows with the most time (default: all)\n"
		"      --hist              a latency histogram under each row\n"
		"      --format FMT        text (default) or json\n"
		"  -o, --output FILE       write the table here (default or '-': stdout)\n"
		"  -v, --verbose           say what was attached (-vv: libbpf too)\n"
		"  -h, --help              show this help\n",
		MAX_DURATION);
}

static int syscalls_parse_args(int argc, char **argv, struct sysc_args *a)
{
	enum {
		OPT_BY = 256,
		OPT_ERRORS,
		OPT_TOP,
		OPT_HIST,
		OPT_FORMAT
	};
	static const struct option longopts[] = {
		{"pid", required_argument, NULL, 'p'},
		{"duration", required_argument, NULL, 'd'},
		{"output", required_argument, NULL, 'o'},
		{"by", required_argument, NULL, OPT_BY},
		{"errors", no_argument, NULL, OPT_ERRORS},
		{"top", required_argument, NULL, OPT_TOP},
		{"hist", no_argument, NULL, OPT_HIST},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+:p:d:o:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (target__add_pids(&a->target, optarg))
				return EXIT_USAGE;
			break;
		case 'd':
			if (parse_ulong(optarg, 1, MAX_DURATION, "-d", &a->duration_s))
				return EXIT_USAGE;
			break;
		case 'o':
			a->output = optarg;
			break;
		case OPT_BY:
			if (!strcmp(optarg, "syscall"))
				a->by = SYSC_BY_SYSCALL;
			else if (!strcmp(optarg, "process"))
				a->by = SYSC_BY_PROCESS;
			else if (!strcmp(optarg, "thread"))
				a->by = SYSC_BY_THREAD;
			else {
				vigil_err(
					"syscalls: --by '%s': expected syscall, process or thread",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_ERRORS:
			a->errors_only = true;
			break;
		case OPT_TOP:
			if (parse_ulong(optarg, 1, 1000000, "--top", &a->top))
				return EXIT_USAGE;
			break;
		case OPT_HIST:
			a->hist = true;
			break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "json"))
				a->json = true;
			else if (strcmp(optarg, "text")) {
				vigil_err("syscalls: --format '%s': expected text or json", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'v':
			vigil_verbose++;
			break;
		case 'h':
			return -1;
		case ':':
			vigil_err("syscalls: option '%s' needs a value", argv[optind - 1]);
			return EXIT_USAGE;
		default:
			vigil_err(
				"syscalls: unknown option '%s' (vigil syscalls --help lists them)",
				argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		a->command = &argv[optind];
	else if (optind > 1 && !strcmp(argv[optind - 1], "--")) {
		vigil_err("syscalls: '--' must be followed by a command");
		return EXIT_USAGE;
	}
	if (a->command && a->target.npids) {
		vigil_err("syscalls: give either -p or a command, not both");
		return EXIT_USAGE;
	}
	if (a->output && !a->output[0]) {
		vigil_err("syscalls: -o: empty file name");
		return EXIT_USAGE;
	}
	if (a->output && !strcmp(a->output, "-"))
		a->output = NULL;
	return 0;
}

static int by_total(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->val.total_ns != y->val.total_ns)
		return x->val.total_ns > y->val.total_ns ? -1 : 1;
	return x->key.nr != y->key.nr ? x->key.nr - y->key.nr
				      : (int)x->key.compat - (int)y->key.compat;
}

static struct row *read_rows(struct syscalls_bpf *skel, size_t *n)
{
	int fd = bpf_map__fd(skel->maps.stats), efd = bpf_map__fd(skel->maps.errors);
	struct sysc_key key, *prev = NULL;
	struct sysc_ekey ekey, *eprev = NULL;
	struct row *rows = NULL;
	size_t cap = 0;

	*n = 0;
	while (!bpf_map_get_next_key(fd, prev, &key)) {
		if (*n == cap) {
			struct row *r = realloc(rows, (cap = cap ? cap * 2 : 64) * sizeof(*r));

			if (!r) {
				free(rows);
				return NULL;
			}
			rows = r;
		}
		memset(&rows[*n], 0, sizeof(rows[*n]));
		rows[*n].key = key;
		if (!bpf_map_lookup_elem(fd, &key, &rows[*n].val))
			(*n)++;
		prev = &key;
	}
	/* errnos: into their rows, the most frequent kept */
	while (!bpf_map_get_next_key(efd, eprev, &ekey)) {
		__u64 cnt;

		eprev = &ekey;
		if (bpf_map_lookup_elem(efd, &ekey, &cnt))
			continue;
		for (size_t i = 0; i < *n; i++) {
			struct row *r = &rows[i];
			int j;

			if (memcmp(&r->key, &ekey.key, sizeof(r->key)))
				continue;
			if (r->nerrs < 8) {
				j = r->nerrs++;
			} else {
				j = 7;
				if (r->errs[j].count >= cnt)
					break;
			}
			r->errs[j].err = ekey.err;
			r->errs[j].count = cnt;
			/* keep them by count, most first */
			for (; j > 0 && r->errs[j].count > r->errs[j - 1].count; j--) {
				__typeof__(r->errs[0]) t = r->errs[j];

				r->errs[j] = r->errs[j - 1];
				r->errs[j - 1] = t;
			}
			break;
		}
	}
	qsort(rows, *n, sizeof(*rows), by_total);
	return rows;
}

static const char *errno_name(__u32 err, char *buf, size_t len)
{
	const char *name = strerrorname_np(err);

	if (name)
		return name;
	snprintf(buf, len, "E%u", err);
	return buf;
}

static void row_label(const struct sysc_args *a, const struct row *r, char *buf, size_t len)
{
	char comm[17];

	memcpy(comm, r->val.comm, 16);
	comm[16] = '\0';
	for (char *c = comm; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	if (a->by == SYSC_BY_PROCESS)
		snprintf(buf, len, "%u %s", r->key.tgid, comm);
	else if (a->by == SYSC_BY_THREAD)
		snprintf(buf, len, "%u/%u %s", r->key.tgid, r->key.tid, comm);
	else
		buf[0] = '\0';
}

static int write_text(FILE *f, const struct sysc_args *a, struct row *rows, size_t n,
		      const char *title)
{
	char label[64], nb[32], eb[32];
	size_t shown = 0;

	fprintf(f, "%s\n", title);
	fprintf(f, "%-*s%-20s %10s %9s %6s %12s %11s %11s %11s %11s  %s\n",
		a->by == SYSC_BY_SYSCALL ? 0 : 24,
		a->by == SYSC_BY_SYSCALL  ? ""
		: a->by == SYSC_BY_THREAD ? "PID/TID"
					  : "PROCESS",
		"SYSCALL", "CALLS", "ERRORS", "ERR%", "TOTAL_MS", "MEAN_US", "P50_US", "P99_US",
		"MAX_US", "ERRNOS");
	for (size_t i = 0; i < n && (!a->top || shown < a->top); i++) {
		const struct row *r = &rows[i];
		const struct sysc_val *v = &r->val;

		if (a->errors_only && !v->errors)
			continue;
		shown++;
		row_label(a, r, label, sizeof(label));
		fprintf(f, "%-*s%-20s %10llu %9llu %6.1f %12.3f %11.1f %11.1f %11.1f %11.1f",
			a->by == SYSC_BY_SYSCALL ? 0 : 24, label,
			syscall_name(&r->key, nb, sizeof(nb)), (unsigned long long)v->count,
			(unsigned long long)v->errors, v->count ? 100.0 * v->errors / v->count : 0,
			v->total_ns / 1e6, v->count ? v->total_ns / 1e3 / v->count : 0,
			hist__quantile(v->hist, v->count, v->total_ns, v->min_ns, v->max_ns, 0.5) /
				1e3,
			hist__quantile(v->hist, v->count, v->total_ns, v->min_ns, v->max_ns, 0.99) /
				1e3,
			v->max_ns / 1e3);
		for (int e = 0; e < r->nerrs; e++)
			fprintf(f, "%s%s:%llu", e ? " " : "  ",
				errno_name(r->errs[e].err, eb, sizeof(eb)),
				(unsigned long long)r->errs[e].count);
		fputc('\n', f);
		if (a->hist)
			hist__write_text(f, v->hist);
	}
	return ferror(f) ? -EIO : 0;
}

static int write_json(FILE *f, const struct sysc_args *a, struct row *rows, size_t n,
		      const char *what, double duration_s, __u64 unmatched, __u64 full)
{
	json_object *root = json_object_new_object(), *arr = json_object_new_array();
	char nb[32], eb[32], comm[17];
	size_t shown = 0;

	json_object_object_add(root, "target", json_object_new_string(what));
	json_object_object_add(root, "duration_s", json_object_new_double(duration_s));
	json_object_object_add(root, "by",
			       json_object_new_string(a->by == SYSC_BY_PROCESS	? "process"
						      : a->by == SYSC_BY_THREAD ? "thread"
										: "syscall"));
	for (size_t i = 0; i < n && (!a->top || shown < a->top); i++) {
		const struct row *r = &rows[i];
		const struct sysc_val *v = &r->val;
		json_object *o, *errs;

		if (a->errors_only && !v->errors)
			continue;
		shown++;
		o = json_object_new_object();
		errs = json_object_new_object();
		json_object_object_add(
			o, "syscall",
			json_object_new_string(syscall_name(&r->key, nb, sizeof(nb))));
		json_object_object_add(o, "nr", json_object_new_int(r->key.nr));
		if (a->by != SYSC_BY_SYSCALL) {
			memcpy(comm, v->comm, 16);
			comm[16] = '\0';
			json_object_object_add(o, "pid", json_object_new_int64(r->key.tgid));
			json_object_object_add(o, "comm", json_object_new_string(comm));
		}
		if (a->by == SYSC_BY_THREAD)
			json_object_object_add(o, "tid", json_object_new_int64(r->key.tid));
		json_object_object_add(o, "calls", json_object_new_int64(v->count));
		json_object_object_add(o, "errors", json_object_new_int64(v->errors));
		json_object_object_add(o, "total_us", json_object_new_double(v->total_ns / 1e3));
		json_object_object_add(
			o, "mean_us",
			json_object_new_double(v->count ? v->total_ns / 1e3 / v->count : 0));
		json_object_object_add(
			o, "p50_us",
			json_object_new_double(hist__quantile(v->hist, v->count, v->total_ns,
							      v->min_ns, v->max_ns, 0.5) /
					       1e3));
		json_object_object_add(
			o, "p99_us",
			json_object_new_double(hist__quantile(v->hist, v->count, v->total_ns,
							      v->min_ns, v->max_ns, 0.99) /
					       1e3));
		json_object_object_add(o, "min_us", json_object_new_double(v->min_ns / 1e3));
		json_object_object_add(o, "max_us", json_object_new_double(v->max_ns / 1e3));
		if (a->hist)
			json_object_object_add(o, "hist", hist__json(v->hist));
		for (int e = 0; e < r->nerrs; e++)
			json_object_object_add(errs, errno_name(r->errs[e].err, eb, sizeof(eb)),
					       json_object_new_int64(r->errs[e].count));
		json_object_object_add(o, "errnos", errs);
		json_object_array_add(arr, o);
	}
	json_object_object_add(root, "rows", arr);
	json_object_object_add(root, "unmatched_exits", json_object_new_int64(unmatched));
	json_object_object_add(root, "calls_lost", json_object_new_int64(full));
	fprintf(f, "%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
	json_object_put(root);
	return ferror(f) ? -EIO : 0;
}

static int attach(struct syscalls_bpf *skel)
{
	if (syscalls_bpf__attach(skel)) {
		vigil_err("syscalls: cannot attach raw_tp/sys_enter and sys_exit: %s",
			  strerror(errno));
		return -1;
	}
	vigil_info(1, "syscalls: attached to raw_tp/sys_enter, raw_tp/sys_exit%s",
		   " and sched_process_fork/exit");
	return 0;
}

/* Until the duration ends, a stop signal comes, or the targets are gone. */
static double run(struct sysc_args *a, const sigset_t *stop_sigs)
{
	unsigned long long start = now_ns(), deadline = 0;

	if (a->duration_s)
		deadline = start + a->duration_s * 1000000000ULL;
	for (;;) {
		unsigned long long now = now_ns();
		siginfo_t info;
		int wake;

		if (deadline && now >= deadline)
			break;
		/* asleep until the deadline, a stop signal or the last exit: nothing else to do */
		wake = target__wait(&a->target, stop_sigs,
				    deadline ? (long long)(deadline - now) : -1, -1, &info);
		if (wake == TARGET_WAKE_SIGNAL || wake == TARGET_WAKE_EXITED)
			break;
	}
	return (now_ns() - start) / 1e9;
}

int cmd_syscalls(int argc, char **argv)
{
	struct sysc_args a = {};
	struct syscalls_bpf *skel = NULL;
	struct outfile out = {};
	struct row *rows = NULL;
	char title[320], what[256];
	sigset_t stop_sigs;
	double elapsed;
	size_t n = 0;
	int ret, err, status = 0;

	target__block_stop_signals(&a.target, &stop_sigs);

	ret = syscalls_parse_args(argc, argv, &a);
	if (ret) {
		if (ret < 0)
			usage(stdout);
		return ret < 0 ? EXIT_OK : ret;
	}
	if (check_privileges() || check_btf())
		return EXIT_RUNTIME;
	if (a.target.npids && target__check_pids(a.target.pids, a.target.npids))
		return EXIT_RUNTIME;
	target__watch(&a.target);
	ret = EXIT_RUNTIME;
	if (outfile__open(&out, a.output))
		goto cleanup;
	if (a.command && target__spawn(&a.target, a.command)) {
		vigil_err("%s: cannot start: %s", a.command[0], strerror(errno));
		goto cleanup;
	}
	quiet_libbpf();
	skel = syscalls_bpf__open();
	if (!skel) {
		vigil_err("syscalls: failed to open BPF object: %s", strerror(errno));
		goto cleanup;
	}
	skel->rodata->filter_tgid = a.target.npids > 0;
	skel->rodata->follow_forks = a.command != NULL;
	skel->rodata->exclude_tgid = getpid();
	skel->rodata->by = a.by;
	err = syscalls_bpf__load(skel);
	if (err) {
		vigil_err("syscalls: failed to load BPF programs: %s (-vv shows libbpf's log)",
			  strerror(-err));
		goto cleanup;
	}
	for (int i = 0; i < a.target.npids; i++) {
		__u32 tgid = a.target.pids[i];
		__u8 one = 1;

		if (bpf_map__update_elem(skel->maps.targets, &tgid, sizeof(tgid), &one, sizeof(one),
					 BPF_ANY)) {
			vigil_err("syscalls: pid %u: cannot add to targets", tgid);
			goto cleanup;
		}
	}
	if (attach(skel))
		goto cleanup;
	if (a.command && target__release(&a.target, a.command[0]))
		goto cleanup;
	elapsed = run(&a, &stop_sigs);
	syscalls_bpf__detach(skel);

	rows = read_rows(skel, &n);
	if (!rows && n) {
		vigil_err("syscalls: out of memory");
		goto cleanup;
	}
	target__describe(&a.target, a.command, what, sizeof(what));
	snprintf(title, sizeof(title), "vigil syscalls: %s, %.1f s", what, elapsed);
	err = a.json ? write_json(out.f, &a, rows, n, what, elapsed,
				  percpu_sum(skel->maps.counters, SYSC_STAT_UNMATCHED),
				  percpu_sum(skel->maps.counters, SYSC_STAT_FULL))
		     : write_text(out.f, &a, rows, n, title);
	/* commit reports a failed write with the file's name, so it comes first */
	if (outfile__commit(&out) || err)
		goto cleanup;
	if (percpu_sum(skel->maps.counters, SYSC_STAT_FULL))
		vigil_err("syscalls: %llu calls had no room in the stats map and are not counted",
			  (unsigned long long)percpu_sum(skel->maps.counters, SYSC_STAT_FULL));
	if (percpu_sum(skel->maps.counters, SYSC_STAT_ERR_FULL))
		vigil_err("syscalls: %llu errors had no room in the errno map (their rows count "
			  "them)",
			  (unsigned long long)percpu_sum(skel->maps.counters, SYSC_STAT_ERR_FULL));
	vigil_info(1,
		   "syscalls: %llu exits with no entry seen (calls begun before the start, and "
		   "new threads' and children's first return from clone), not timed",
		   (unsigned long long)percpu_sum(skel->maps.counters, SYSC_STAT_UNMATCHED));
	ret = EXIT_OK;
cleanup:
	status = target__finish(&a.target, a.command ? a.command[0] : NULL);
	syscalls_bpf__destroy(skel);
	free(rows);
	outfile__abort(&out);
	return ret == EXIT_OK && a.command ? status : ret;
}
