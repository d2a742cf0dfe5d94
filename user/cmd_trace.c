// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_trace.c: "vigil trace": a pstats table of probed functions of live
 * processes: calls, self and total time, CPU against waiting, latency
 * quantiles, and who called whom, all counted in the kernel.
 */
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include "commands.h"
#include "hist.h"
#include "probes.h"
#include "target.h"
#include "trace.skel.h"
#include "trace_defs.h"
#include "uprobe_multi.h"
#include "util.h"

#define MAX_DURATION	     86400
#define PY_MAX_FN	     4096 /* rows kept for Python functions */
#define CALIB_CALLS	     200
#define CALIB_ROUNDS	     7
#define DEFAULT_MAX_OVERHEAD 5.0 /* percent of one CPU */
#define ROOT_NAME	     "<root>"

enum sort_key {
	SORT_CALLS,
	SORT_TOTTIME,
	SORT_CUMTIME,
	SORT_PERCALL,
	SORT_CUMPERCALL,
	SORT_CPU,
	SORT_WAIT,
	SORT_MIN,
	SORT_MAX,
	SORT_P50,
	SORT_P90,
	SORT_P99,
	SORT_NAME,
};

static const char *const sort_names[] = {
	[SORT_CALLS] = "calls",
	[SORT_TOTTIME] = "tottime",
	[SORT_CUMTIME] = "cumtime",
	[SORT_PERCALL] = "percall",
	[SORT_CUMPERCALL] = "cumpercall",
	[SORT_CPU] = "cpu",
	[SORT_WAIT] = "wait",
	[SORT_MIN] = "min",
	[SORT_MAX] = "max",
	[SORT_P50] = "p50",
	[SORT_P90] = "p90",
	[SORT_P99] = "p99",
	[SORT_NAME] = "name",
};

struct trace_args {
	struct target target;
	unsigned long duration_s;
	unsigned long top;
	enum sort_key sort;
	const char *callers, *callees; /* globs */
	bool hist, json, python;
	double max_overhead; /* percent of one CPU */
	const char *output;
	char **probes;
	int nprobes;
	char **command;
};

/* A function's row as read back, with what the table shows of it. */
struct fn_row {
	__u32 id;
	enum probe_kind kind;
	bool python;
	bool stepped; /* its first instruction is single-stepped: a dearer probe */
	char *name;   /* as shown */
	const char *file;
	char *py_file; /* a Python function's .py file: file points here */
	struct trace_row r;
	double p50, p90, p99; /* ns */
};

struct edge_row {
	__u32 caller, callee;
	struct trace_edge e;
};

struct result {
	struct fn_row *fns;
	size_t nfns;
	struct edge_row *edges;
	size_t nedges;
	__u64 stat[TRACE_STAT_MAX];
	__u64 in_progress;
	double elapsed_s, overhead_ns;
	double cost_ns;	     /* a traced call, its first instruction emulated */
	double cost_step_ns; /* one whose first instruction is single-stepped */
	__u64 stepped_hits;  /* calls of functions of the second kind */
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vigil trace [-p PID[,PID...]] [-d SECONDS] [options] PROBE... [-- COMMAND "
		"[ARGS...]]\n"
		"Time every call of the probed functions, in the kernel, and print a table like\n"
		"pstats: calls, self time (tottime), time with callees (cumtime), per call, CPU\n"
		"and waiting time inside the calls, min, p50, p90, p99 and max.\n"
		"\n"
		"PROBE:\n"
		"  FILE:FUNCTION           functions of FILE; FUNCTION is a glob (handle_*) "
		"matched\n"
		"                          against linkage and demangled names; FILE is a path or "
		"a\n"
		"                          short name (libc, app): a file the targets map, else "
		"one\n"
		"                          next to the command, in LD_LIBRARY_PATH, the library\n"
		"                          folders or PATH\n"
		"  usdt:FILE:PROVIDER:NAME a USDT probe (globs allowed): its firings are counted\n"
		"Target (default: every process but vigil):\n"
		"  -p, --pid PID[,PID...]  these processes: probes fire for them only\n"
		"  -- COMMAND [ARGS...]    start COMMAND with the probes in place from its start\n"
		"Options:\n"
		"      --python            the Python functions of a CPython target (its USDT\n"
		"                          probes function__entry and function__return)\n"
		"  -d, --duration SECONDS  stop after this long (1-%d; default: until SIGINT,\n"
		"                          SIGTERM, SIGHUP or SIGQUIT, or every target has "
		"exited;\n"
		"                          a command still running is then sent SIGTERM)\n"
		"  -s, --sort KEY          calls, tottime (default; calls with --python), "
		"cumtime,\n"
		"                          percall, cumpercall, cpu, wait, min, max, p50, p90, "
		"p99\n"
		"                          or name\n"
		"      --top N             the first N rows only\n"
		"      --callers GLOB      who called the functions GLOB matches, with counts and "
		"times\n"
		"      --callees GLOB      what they called\n"
		"      --hist              a latency histogram under each row\n"
		"                          (JSON: the kernel's buckets, four per power of two)\n"
		"      --max-overhead PCT  warn when the probes cost the targets more than PCT%% "
		"of\n"
		"                          one CPU (default %.0f)\n"
		"      --format FMT        text (default) or json\n"
		"  -o, --output FILE       write the table here (default or '-': stdout)\n"
		"  -v, --verbose           say what was attached (-vv: libbpf too)\n"
		"  -h, --help              show this help\n",
		MAX_DURATION, DEFAULT_MAX_OVERHEAD);
}

static int trace_parse_args(int argc, char **argv, struct trace_args *a)
{
	enum {
		OPT_TOP = 256,
		OPT_CALLERS,
		OPT_CALLEES,
		OPT_HIST,
		OPT_FORMAT,
		OPT_PYTHON,
		OPT_MAX_OVERHEAD,
	};
	static const struct option longopts[] = {
		{"pid", required_argument, NULL, 'p'},
		{"duration", required_argument, NULL, 'd'},
		{"output", required_argument, NULL, 'o'},
		{"sort", required_argument, NULL, 's'},
		{"top", required_argument, NULL, OPT_TOP},
		{"callers", required_argument, NULL, OPT_CALLERS},
		{"callees", required_argument, NULL, OPT_CALLEES},
		{"hist", no_argument, NULL, OPT_HIST},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"python", no_argument, NULL, OPT_PYTHON},
		{"max-overhead", required_argument, NULL, OPT_MAX_OVERHEAD},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	int c, n, end = argc;
	bool sort_given = false;
	char *e;

	/* the command starts after the first "--": options and probes come before it */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			end = i;
			if (i + 1 >= argc) {
				vigil_err("trace: '--' must be followed by a command");
				return EXIT_USAGE;
			}
			a->command = &argv[i + 1];
			break;
		}
	}
	a->sort = SORT_TOTTIME;
	a->max_overhead = DEFAULT_MAX_OVERHEAD;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(end, argv, ":p:d:o:s:vh", longopts, NULL)) != -1) {
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
		case 's':
			for (n = 0; n <= SORT_NAME && strcmp(optarg, sort_names[n]); n++)
				;
			if (n > SORT_NAME) {
				vigil_err("trace: --sort '%s': expected calls, tottime, cumtime, "
					  "percall, cumpercall, cpu, wait, min, max, p50, p90, p99 "
					  "or name",
					  optarg);
				return EXIT_USAGE;
			}
			a->sort = n;
			sort_given = true;
			break;
		case OPT_TOP:
			if (parse_ulong(optarg, 1, 1000000, "--top", &a->top))
				return EXIT_USAGE;
			break;
		case OPT_CALLERS:
			a->callers = optarg;
			break;
		case OPT_CALLEES:
			a->callees = optarg;
			break;
		case OPT_HIST:
			a->hist = true;
			break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "json"))
				a->json = true;
			else if (strcmp(optarg, "text")) {
				vigil_err("trace: --format '%s': expected text or json", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_PYTHON:
			a->python = true;
			break;
		case OPT_MAX_OVERHEAD:
			a->max_overhead = strtod(optarg, &e);
			if (e == optarg || *e || !(a->max_overhead > 0) ||
			    a->max_overhead > 10000) {
				vigil_err(
					"trace: --max-overhead '%s': expected a percentage above 0",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'v':
			vigil_verbose++;
			break;
		case 'h':
			return -1;
		case ':':
			vigil_err("trace: option '%s' needs a value", argv[optind - 1]);
			return EXIT_USAGE;
		default:
			vigil_err("trace: unknown option '%s' (vigil trace --help lists them)",
				  argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	/* Python's calls are mostly untimed (see the README): counts first */
	if (a->python && !sort_given)
		a->sort = SORT_CALLS;
	a->probes = &argv[optind];
	a->nprobes = end - optind;
	if (!a->nprobes && !a->python) {
		vigil_err("trace: no probe given: name FILE:FUNCTION, usdt:FILE:PROVIDER:NAME or "
			  "--python");
		return EXIT_USAGE;
	}
	if (a->command && a->target.npids) {
		vigil_err("trace: give either -p or a command, not both");
		return EXIT_USAGE;
	}
	if (a->output && !a->output[0]) {
		vigil_err("trace: -o: empty file name");
		return EXIT_USAGE;
	}
	if (a->output && !strcmp(a->output, "-"))
		a->output = NULL;
	return 0;
}

/* ---------------------------------------------------------------- attaching */

static int attach_usdt(struct bpf_program *prog, struct links *ls, int pid, const char *path,
		       const char *provider, const char *name, __u32 id)
{
	LIBBPF_OPTS(bpf_usdt_opts, o, .usdt_cookie = id);
	struct bpf_link *l = bpf_program__attach_usdt(prog, pid, path, provider, name, &o);

	if (!l || links__add(ls, l))
		return -errno;
	return 0;
}

/*
 * The function the calibration times; vigil's own, probed for a moment at
 * start. It opens with push %rbp, as code built with frame pointers does,
 * an instruction the kernel emulates: the common case. A function whose
 * first instruction the kernel must single-step costs one trap more.
 */
int vigil_trace_calibrate(int x);
int vigil_trace_calibrate_step(int x);
#ifdef __x86_64__
__asm__(".text\n"
	".globl vigil_trace_calibrate\n"
	".type vigil_trace_calibrate, @function\n"
	"vigil_trace_calibrate:\n"
	"	push %rbp\n"
	"	mov %rsp, %rbp\n"
	"	lea 1(%rdi), %eax\n"
	"	pop %rbp\n"
	"	ret\n"
	".size vigil_trace_calibrate, .-vigil_trace_calibrate\n"
	".globl vigil_trace_calibrate_step\n"
	".type vigil_trace_calibrate_step, @function\n"
	"vigil_trace_calibrate_step:\n"
	"	lea 1(%rdi), %eax\n"
	"	ret\n"
	".size vigil_trace_calibrate_step, .-vigil_trace_calibrate_step\n");
#else
__attribute__((noinline)) int vigil_trace_calibrate(int x)
{
	__asm__ volatile("" : "+r"(x));
	return x + 1;
}

__attribute__((noinline)) int vigil_trace_calibrate_step(int x)
{
	__asm__ volatile("" : "+r"(x));
	return x + 2;
}
#endif

/* Where vigil_trace_calibrate is in vigil's own file, from /proc/self/maps. */
static int own_offset(const void *addr, __u64 *off)
{
	unsigned long start, end, pgoff;
	char line[4096];
	FILE *f = fopen("/proc/self/maps", "re");
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %*s %lx", &start, &end, &pgoff) != 3)
			continue;
		if ((unsigned long)addr >= start && (unsigned long)addr < end) {
			*off = (unsigned long)addr - start + pgoff;
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median ns per call of CALIB_CALLS calls of vigil_trace_calibrate. */
static double time_calls(int (*fn)(int))
{
	double t[CALIB_ROUNDS];
	volatile int sink = 0;

	for (int r = 0; r < CALIB_ROUNDS; r++) {
		unsigned long long t0 = now_ns();

		for (int i = 0; i < CALIB_CALLS; i++)
			sink = fn(sink);
		t[r] = (double)(now_ns() - t0) / CALIB_CALLS;
	}
	qsort(t, CALIB_ROUNDS, sizeof(t[0]), cmp_double);
	return t[CALIB_ROUNDS / 2];
}

/* What a traced call of fn costs, in ns; 0 if it could not be measured. */
static double probe_cost(struct trace_bpf *skel, __u32 calib_fn, int (*fn)(int))
{
	struct links ls = {};
	struct fn_batch b = {.entry = skel->progs.trace_entry,
			     .ret = skel->progs.trace_return,
			     .ls = &ls,
			     .path = "/proc/self/exe",
			     .pid = getpid()};
	__u64 off = 0, cookie = calib_fn;
	double bare, probed;
	int err;

	err = own_offset((const void *)fn, &off);
	b.offsets = &off;
	b.cookies = &cookie;
	if (!err)
		err = fn_batch__attach(&b, 0, 1);
	if (err || b.refused || !ls.nfds) {
		links__destroy(&ls);
		vigil_info(1, "trace: could not time a probed call: %s", strerror(-err));
		return 0;
	}
	skel->bss->armed = 1;
	probed = time_calls(fn);
	skel->bss->armed = 0;
	links__destroy(&ls);
	bare = time_calls(fn);
	return probed > bare ? probed - bare : 0;
}

/*
 * What one traced call costs the thread that makes it, on this machine
 * now: vigil calls functions of its own with the entry and return probes
 * on them, through the same programs, and without. One opens with an
 * instruction the kernel emulates, the other with one it single-steps.
 */
static void calibrate(struct trace_bpf *skel, __u32 calib_fn, double *fast, double *stepped)
{
	*fast = probe_cost(skel, calib_fn, vigil_trace_calibrate);
	*stepped = probe_cost(skel, calib_fn, vigil_trace_calibrate_step);
	if (*stepped < *fast)
		*stepped = *fast;
}

static int zero_counters(struct trace_bpf *skel)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *zero = ncpu > 0 ? calloc(ncpu, sizeof(*zero)) : NULL;

	if (!zero)
		return -ENOMEM;
	for (__u32 i = 0; i < TRACE_STAT_MAX; i++)
		bpf_map__update_elem(skel->maps.counters, &i, sizeof(i), zero, ncpu * sizeof(*zero),
				     BPF_ANY);
	free(zero);
	return 0;
}

/*
 * Before anything is started or attached: the functions the kernel
 * refuses, marked in skip, counted in *refused. Returns 0 or -1 after
 * saying why.
 */
static int find_all_refused(struct trace_bpf *skel, const struct probe_set *ps, bool *skip,
			    size_t *refused, const char **first_refused)
{
	struct fn_batch proto = {.entry = skel->progs.trace_entry,
				 .ret = skel->progs.trace_return,
				 .stepped = TRACE_STEPPED,
				 .ps = ps,
				 .skip = skip};
	size_t failed;
	int err = fn_batch__find_all_refused(&proto, refused, first_refused, &failed);

	if (err && failed < ps->n)
		vigil_err("trace: cannot probe %s: %s", ps->fns[failed].file, strerror(-err));
	else if (err)
		vigil_err("trace: out of memory");
	return err ? -1 : 0;
}

/*
 * A target that exited while vigil attached to it: said once, left out;
 * the run goes on for the others (and ends if none is left).
 */
static bool pid_gone(int pid)
{
	static int said;

	if (pid <= 0 || !(kill(pid, 0) && errno == ESRCH))
		return false;
	if (said != pid)
		vigil_err("trace: pid %d exited while vigil was attaching; left out", pid);
	said = pid;
	return true;
}

/* Every probe, for each of pids (none: every process). */
static int attach_all(struct trace_bpf *skel, struct links *ls, const int *pids, int npids,
		      const struct probe_set *ps, const char *py_path, bool *skip)
{
	int n = npids ? npids : 1;
	__u64 *offsets = NULL, *cookies = NULL;
	struct bpf_link *l;
	int err = 0;

	/*
	 * The kernel limits a probe to a process by its main thread's memory,
	 * which a main thread that has exited no longer has: such a target is
	 * probed in every process, and the BPF side keeps its calls only.
	 */
	for (int k = 0; k < npids; k++) {
		if (proc_leader_gone(pids[k])) {
			vigil_err("trace: pid %d: its main thread has exited, so the probes cannot "
				  "be "
				  "limited to it: they trap in every process that runs the "
				  "functions, "
				  "and only the targets' calls are counted",
				  pids[k]);
			npids = 0;
			n = 1;
			break;
		}
	}
	l = bpf_program__attach(skel->progs.trace_switch);
	if (!l || links__add(ls, l)) {
		vigil_err("trace: cannot attach raw_tp/sched_switch: %s", strerror(errno));
		return -1;
	}
	l = bpf_program__attach(skel->progs.trace_exit);
	if (!l || links__add(ls, l)) {
		vigil_err("trace: cannot attach raw_tp/sched_process_exit: %s", strerror(errno));
		return -1;
	}
	l = bpf_program__attach(skel->progs.trace_exec);
	if (!l || links__add(ls, l)) {
		vigil_err("trace: cannot attach raw_tp/sched_process_exec: %s", strerror(errno));
		return -1;
	}
	/* functions: one pair of links per file and process */
	offsets = calloc(ps->n + 1, sizeof(*offsets));
	cookies = calloc(ps->n + 1, sizeof(*cookies));
	if (!offsets || !cookies)
		goto nomem;
	for (size_t i = 0; i < ps->n; i++) {
		const struct probe_fn *p = &ps->fns[i];
		struct fn_batch bt = {.entry = skel->progs.trace_entry,
				      .ret = skel->progs.trace_return,
				      .ls = ls,
				      .offsets = offsets,
				      .cookies = cookies,
				      .stepped = TRACE_STEPPED,
				      .ps = ps,
				      .skip = skip};
		size_t cnt;

		if (!fn_batch__first_of_file(ps, i))
			continue;
		cnt = fn_batch__fill(&bt, i);
		for (int k = 0; k < n && cnt; k++) {
			bt.pid = npids ? pids[k] : -1;
			err = fn_batch__attach(&bt, 0, cnt);
			if (err && pid_gone(bt.pid))
				continue;
			if (err) {
				vigil_err("trace: cannot attach to %zu functions in %s%s: %s", cnt,
					  p->file, bt.pid > 0 ? "" : " (every process)",
					  strerror(-err));
				goto fail;
			}
		}
		vigil_info(1, "trace: %zu function%s in %s: attached", cnt, cnt == 1 ? "" : "s",
			   p->file);
	}
	for (size_t i = 0; i < ps->n; i++) {
		const struct probe_fn *p = &ps->fns[i];

		for (int k = 0; p->kind == PROBE_USDT && k < n; k++) {
			int pid = npids ? pids[k] : -1;

			err = attach_usdt(skel->progs.trace_point, ls, pid, p->path, p->provider,
					  p->usdt_name, i);
			if (err && pid_gone(pid))
				continue;
			if (err) {
				vigil_err("trace: cannot attach to %s in %s%s: %s", p->name,
					  p->file, pid > 0 ? "" : " (every process)",
					  strerror(-err));
				goto fail;
			}
		}
	}
	for (int k = 0; py_path && k < n; k++) {
		int pid = npids ? pids[k] : -1;

		err = attach_usdt(skel->progs.trace_py_entry, ls, pid, py_path, "python",
				  "function__entry", 0);
		if (!err)
			err = attach_usdt(skel->progs.trace_py_return, ls, pid, py_path, "python",
					  "function__return", 0);
		if (err && pid_gone(pid))
			continue;
		if (err) {
			vigil_err("trace: --python: cannot attach to python:function__entry and "
				  "function__return in %s: %s",
				  py_path, strerror(-err));
			goto fail;
		}
	}
	n = 0;
	for (size_t i = 0; i < ps->n; i++)
		n += !skip[i];
	vigil_info(1, "trace: attached to %d probe%s%s", n, n == 1 ? "" : "s",
		   py_path ? ", and to Python's function__entry and function__return" : "");
	free(offsets);
	free(cookies);
	return 0;
nomem:
	vigil_err("trace: out of memory");
fail:
	free(offsets);
	free(cookies);
	return -1;
}

/* ---------------------------------------------------------------- running */

static bool thread_exec_said;

static void report_thread_exec(void)
{
	if (thread_exec_said)
		return;
	thread_exec_said = true;
	vigil_err("trace: a target exec'd from a thread other than its main one: the kernel "
		  "keeps the probes on its old main thread, so the new program is not traced; "
		  "trace it again by its pid");
}

/* What the probes cost the targets since the last call, as a share of one CPU, in %. */
struct rate {
	unsigned long long when;
	__u64 hits, stepped;
};

static double probe_share(struct trace_bpf *skel, struct rate *r, const struct result *res,
			  unsigned long long now, double *per_s)
{
	__u64 hits = percpu_sum(skel->maps.counters, TRACE_STAT_HITS);
	__u64 stepped = percpu_sum(skel->maps.counters, TRACE_STAT_HITS_STEPPED);
	double dt = (now - r->when) / 1e9, ns;

	ns = (hits - r->hits - (stepped - r->stepped)) * res->cost_ns +
	     (stepped - r->stepped) * res->cost_step_ns;
	*per_s = (hits - r->hits) / dt;
	r->when = now;
	r->hits = hits;
	r->stepped = stepped;
	return ns / 1e9 / dt * 100;
}

/*
 * Until the duration ends, a stop signal comes, or the targets are gone.
 * Once a second, the probes' rate against their cost: a warning, once,
 * when they cost the targets more than the threshold; and one when a
 * target exec'd from a thread, out of the probes' reach.
 */
static double run(struct trace_bpf *skel, struct trace_args *a, const sigset_t *stop_sigs,
		  const struct result *res)
{
	unsigned long long start = now_ns(), deadline = 0;
	bool warned = false;
	struct rate r = {.when = start};

	if (a->duration_s)
		deadline = start + a->duration_s * 1000000000ULL;
	for (;;) {
		unsigned long long now = now_ns(), wake = r.when + 1000000000ULL;
		siginfo_t info;
		int why;

		if (deadline && deadline < wake)
			wake = deadline;
		/* asleep until the next look at the counters, or a signal, or the exits */
		why = target__wait(&a->target, stop_sigs, wake > now ? (long long)(wake - now) : 0,
				   -1, &info);
		if (why == TARGET_WAKE_SIGNAL || why == TARGET_WAKE_EXITED)
			break;
		now = now_ns();
		if (deadline && now >= deadline)
			break;
		if (now - r.when < 1000000000ULL)
			continue;
		if (percpu_sum(skel->maps.counters, TRACE_STAT_EXEC_THREAD))
			report_thread_exec();
		if (!warned && res->cost_ns > 0) {
			double per_s, pct = probe_share(skel, &r, res, now, &per_s);

			if (pct > a->max_overhead) {
				vigil_err("trace: the probes fire %.0f times a second, which costs "
					  "the targets about %.0f%% of a CPU: trace fewer or less "
					  "frequent functions",
					  per_s, pct);
				warned = true;
			}
		}
		r.when = now;
	}
	return (now_ns() - start) / 1e9;
}

/* ---------------------------------------------------------------- reading */

static char *py_name(const struct trace_py_key *k)
{
	char *s = NULL;

	if (asprintf(&s, "%.*s:%.*s", TRACE_PY_FILE, k->file, TRACE_PY_NAME, k->name) < 0)
		return NULL;
	return s;
}

static int add_fn(struct result *res, size_t *cap, __u32 id, enum probe_kind kind, bool python,
		  char *name, const char *file, const struct trace_row *r)
{
	struct fn_row *f;

	if (!name)
		return -ENOMEM;
	if (res->nfns == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		struct fn_row *n = realloc(res->fns, c * sizeof(*n));

		if (!n) {
			free(name);
			return -ENOMEM;
		}
		res->fns = n;
		*cap = c;
	}
	f = &res->fns[res->nfns++];
	memset(f, 0, sizeof(*f));
	f->id = id;
	f->kind = kind;
	f->python = python;
	f->name = name;
	f->file = file;
	f->r = *r;
	f->p50 = hist__quantile(r->hist, r->calls, r->total_ns, r->min_ns, r->max_ns, 0.5);
	f->p90 = hist__quantile(r->hist, r->calls, r->total_ns, r->min_ns, r->max_ns, 0.9);
	f->p99 = hist__quantile(r->hist, r->calls, r->total_ns, r->min_ns, r->max_ns, 0.99);
	return 0;
}

static int read_result(struct trace_bpf *skel, const struct probe_set *ps, const bool *skip,
		       bool python, const char *py_file, struct result *res)
{
	int rfd = bpf_map__fd(skel->maps.rows), efd = bpf_map__fd(skel->maps.edges);
	int pfd = bpf_map__fd(skel->maps.py_fns), tfd = bpf_map__fd(skel->maps.threads);
	struct trace_row *r = malloc(sizeof(*r));
	struct trace_thread *t = malloc(sizeof(*t));
	struct trace_edge_key ek, *eprev = NULL;
	struct trace_py_key pk, *pprev = NULL;
	__u32 tid, *tprev = NULL;
	size_t cap = 0, ecap = 0;
	int err = -ENOMEM;

	if (!r || !t) {
		free(r);
		free(t);
		return -ENOMEM;
	}
	for (__u32 i = 0; i < ps->n; i++) {
		if (skip[i])
			continue;
		memset(r, 0, sizeof(*r));
		bpf_map_lookup_elem(rfd, &i, r);
		if (add_fn(res, &cap, i, ps->fns[i].kind, false,
			   probes__shown_name(ps, &ps->fns[i]), ps->fns[i].file, r))
			goto out;
		res->fns[res->nfns - 1].stepped = ps->fns[i].stepped;
	}
	while (python && !bpf_map_get_next_key(pfd, pprev, &pk)) {
		__u32 id;

		pprev = &pk;
		memset(r, 0, sizeof(*r));
		if (bpf_map_lookup_elem(pfd, &pk, &id) || bpf_map_lookup_elem(rfd, &id, r))
			continue;
		pk.file[TRACE_PY_FILE - 1] = pk.name[TRACE_PY_NAME - 1] = '\0';
		if (add_fn(res, &cap, id, PROBE_UPROBE, true, py_name(&pk), py_file, r))
			goto out;
		res->fns[res->nfns - 1].py_file = strdup(pk.file);
		if (!res->fns[res->nfns - 1].py_file)
			goto out;
		res->fns[res->nfns - 1].file = res->fns[res->nfns - 1].py_file;
	}
	while (!bpf_map_get_next_key(efd, eprev, &ek)) {
		struct edge_row *e;

		eprev = &ek;
		if (res->nedges == ecap) {
			size_t c = ecap ? ecap * 2 : 64;
			struct edge_row *n = realloc(res->edges, c * sizeof(*n));

			if (!n)
				goto out;
			res->edges = n;
			ecap = c;
		}
		/* the calibration's calls are vigil's own */
		if (ek.callee == ps->n || ek.caller == ps->n)
			continue;
		e = &res->edges[res->nedges];
		e->caller = ek.caller;
		e->callee = ek.callee;
		if (!bpf_map_lookup_elem(efd, &ek, &e->e))
			res->nedges++;
	}
	/* calls still open now: their threads are in the middle of them */
	while (!bpf_map_get_next_key(tfd, tprev, &tid)) {
		tprev = &tid;
		if (!bpf_map_lookup_elem(tfd, &tid, t))
			res->in_progress += t->depth + t->over;
	}
	for (__u32 i = 0; i < TRACE_STAT_MAX; i++)
		res->stat[i] = percpu_sum(skel->maps.counters, i);
	err = 0;
out:
	free(r);
	free(t);
	return err;
}

/* Edges by cumulative time, then calls, most first: print_callers' order is by time too. */
static int cmp_edge(const void *a, const void *b)
{
	const struct edge_row *x = a, *y = b;

	if (x->e.cum_ns != y->e.cum_ns)
		return x->e.cum_ns > y->e.cum_ns ? -1 : 1;
	if (x->e.self_ns != y->e.self_ns)
		return x->e.self_ns > y->e.self_ns ? -1 : 1;
	if (x->e.calls != y->e.calls)
		return x->e.calls > y->e.calls ? -1 : 1;
	return x->callee != y->callee ? (x->callee < y->callee ? -1 : 1)
				      : (x->caller < y->caller ? -1 : x->caller > y->caller);
}

static void result__free(struct result *res)
{
	for (size_t i = 0; i < res->nfns; i++) {
		free(res->fns[i].name);
		free(res->fns[i].py_file);
	}
	free(res->fns);
	free(res->edges);
	memset(res, 0, sizeof(*res));
}

/*
 * The probes' cost to the targets: a call traced by entry and return probes
 * costs one calibrated call (more when its first instruction is
 * single-stepped); a USDT point, or a Python return seen alone, half of
 * one (one trap, not two). Entries of calls still open count as whole.
 */
static double estimate_overhead(struct result *res)
{
	double ns = 0;
	__u64 rows = 0;

	for (size_t i = 0; i < res->nfns; i++) {
		const struct fn_row *fn = &res->fns[i];
		const struct trace_row *r = &fn->r;
		double per = fn->stepped ? res->cost_step_ns : res->cost_ns;

		if (fn->kind == PROBE_USDT)
			ns += r->calls * res->cost_ns / 2;
		else if (fn->python)
			ns += r->calls * res->cost_ns + r->untimed * res->cost_ns / 2;
		else
			ns += (r->calls + r->untimed) * per;
		if (fn->stepped)
			res->stepped_hits += r->calls + r->untimed;
		rows += fn->kind == PROBE_USDT ? r->calls : r->calls + r->untimed;
	}
	/* entries of calls open at the end, and of calls whose return came unmatched */
	if (res->stat[TRACE_STAT_HITS] > rows)
		ns += (res->stat[TRACE_STAT_HITS] - rows) * res->cost_ns / 2;
	return ns;
}

/* ---------------------------------------------------------------- the table */

static double key_value(const struct fn_row *f, enum sort_key k)
{
	const struct trace_row *r = &f->r;

	switch (k) {
	case SORT_CALLS:
		return r->calls + r->untimed;
	case SORT_TOTTIME:
		return r->self_ns;
	case SORT_CUMTIME:
		return r->cum_ns;
	case SORT_PERCALL:
		return r->calls ? (double)r->self_ns / r->calls : 0;
	case SORT_CUMPERCALL:
		return r->prim ? (double)r->cum_ns / r->prim : 0;
	case SORT_CPU:
		return r->cpu_ns;
	case SORT_WAIT:
		return r->cum_ns > r->cpu_ns ? r->cum_ns - r->cpu_ns : 0;
	case SORT_MIN:
		return r->min_ns;
	case SORT_MAX:
		return r->max_ns;
	case SORT_P50:
		return f->p50;
	case SORT_P90:
		return f->p90;
	case SORT_P99:
		return f->p99;
	case SORT_NAME:
		break;
	}
	return 0;
}

static enum sort_key sort_by;

/* Largest first, by name for ties and for --sort name; then calls, for USDT rows. */
static int cmp_fn(const void *a, const void *b)
{
	const struct fn_row *x = a, *y = b;
	double vx, vy;

	if (sort_by != SORT_NAME) {
		vx = key_value(x, sort_by);
		vy = key_value(y, sort_by);
		if (vx != vy)
			return vx > vy ? -1 : 1;
		if (x->r.calls + x->r.untimed != y->r.calls + y->r.untimed)
			return x->r.calls + x->r.untimed > y->r.calls + y->r.untimed ? -1 : 1;
	}
	return strcmp(x->name, y->name);
}

static const struct fn_row *fn_by_id(const struct result *res, __u32 id)
{
	for (size_t i = 0; i < res->nfns; i++)
		if (res->fns[i].id == id)
			return &res->fns[i];
	return NULL;
}

static const char *id_name(const struct result *res, __u32 id)
{
	const struct fn_row *f = id == TRACE_ROOT ? NULL : fn_by_id(res, id);

	return f ? f->name : ROOT_NAME;
}

/* pstats' form: "6/1" for six calls of which one was not recursive. */
static void calls_text(const struct fn_row *fn, char *buf, size_t len)
{
	const struct trace_row *r = &fn->r;

	if (fn->kind != PROBE_USDT && r->prim + r->untimed_prim != r->calls + r->untimed)
		snprintf(buf, len, "%llu/%llu", (unsigned long long)(r->calls + r->untimed),
			 (unsigned long long)(r->prim + r->untimed_prim));
	else
		snprintf(buf, len, "%llu", (unsigned long long)(r->calls + r->untimed));
}

static void write_row(FILE *f, const struct fn_row *fn, bool hist)
{
	const struct trace_row *r = &fn->r;
	char calls[48];

	calls_text(fn, calls, sizeof(calls));
	if (fn->kind == PROBE_USDT || !r->calls) {
		fprintf(f, "%13s %11s %11s %11s %11s %10s %10s %9s %9s %9s %9s %9s  %s\n", calls,
			"-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", fn->name);
		return;
	}
	fprintf(f,
		"%13s %11.3f %11.2f %11.3f %11.2f %10.3f %10.3f %9.1f %9.1f %9.1f %9.1f %9.1f  "
		"%s\n",
		calls, r->self_ns / 1e6, r->calls ? r->self_ns / 1e3 / r->calls : 0,
		r->cum_ns / 1e6, r->prim ? r->cum_ns / 1e3 / r->prim : 0, r->cpu_ns / 1e6,
		(r->cum_ns > r->cpu_ns ? r->cum_ns - r->cpu_ns : 0) / 1e6, r->min_ns / 1e3,
		fn->p50 / 1e3, fn->p90 / 1e3, fn->p99 / 1e3, r->max_ns / 1e3, fn->name);
	if (hist && r->calls)
		hist__write_text(f, r->hist);
}

/* A row named by a glob: its whole name, or a Python function's name alone. */
static bool name_matches(const char *glob, const struct fn_row *fn)
{
	const char *colon = strrchr(fn->name, ':');

	return !fnmatch(glob, fn->name, 0) || (fn->python && colon && !fnmatch(glob, colon + 1, 0));
}

/* pstats' print_callers and print_callees: edges into (or out of) the functions glob matches. */
static void write_relations(FILE *f, const struct result *res, const char *glob, bool callers)
{
	size_t shown = 0;

	for (size_t i = 0; i < res->nfns; i++) {
		const struct fn_row *fn = &res->fns[i];

		if (!name_matches(glob, fn))
			continue;
		shown++;
		fprintf(f, "\n%s %s:\n%13s %11s %11s  %s\n", callers ? "Callers of" : "Callees of",
			fn->name, "CALLS", "TOTTIME_MS", "CUMTIME_MS",
			callers ? "CALLER" : "CALLEE");
		for (size_t k = 0; k < res->nedges; k++) {
			const struct edge_row *e = &res->edges[k];

			if ((callers ? e->callee : e->caller) != fn->id)
				continue;
			fprintf(f, "%13llu %11.3f %11.3f  %s\n", (unsigned long long)e->e.calls,
				e->e.self_ns / 1e6, e->e.cum_ns / 1e6,
				id_name(res, callers ? e->caller : e->callee));
		}
	}
	if (!shown)
		fprintf(f, "\nNo traced function matches '%s'.\n", glob);
}

static __u64 total_calls(const struct result *res)
{
	__u64 n = 0;

	for (size_t i = 0; i < res->nfns; i++)
		n += res->fns[i].r.calls + res->fns[i].r.untimed;
	return n;
}

static int write_text(FILE *f, const struct trace_args *a, const struct result *res,
		      const char *what)
{
	size_t shown = 0, idle = 0;
	__u64 untimed = 0, py_untimed = 0, calls = total_calls(res);

	fprintf(f, "vigil trace: %s, %.*f s, %zu function%s, %llu call%s\n", what,
		res->elapsed_s < 1 ? 3 : 1, res->elapsed_s, res->nfns, res->nfns == 1 ? "" : "s",
		(unsigned long long)calls, calls == 1 ? "" : "s");
	fprintf(f, "%13s %11s %11s %11s %11s %10s %10s %9s %9s %9s %9s %9s  %s\n", "CALLS",
		"TOTTIME_MS", "PERCALL_US", "CUMTIME_MS", "PERCALL_US", "CPU_MS", "WAIT_MS",
		"MIN_US", "P50_US", "P90_US", "P99_US", "MAX_US", "FUNCTION");
	for (size_t i = 0; i < res->nfns; i++) {
		if (res->fns[i].python)
			py_untimed += res->fns[i].r.untimed;
		else
			untimed += res->fns[i].r.untimed;
		if (!res->fns[i].r.calls && !res->fns[i].r.untimed) {
			idle++;
			continue;
		}
		if (a->top && shown >= a->top)
			continue;
		write_row(f, &res->fns[i], a->hist);
		shown++;
	}
	if (idle)
		fprintf(f, "(%zu probed function%s not called)\n", idle,
			idle == 1 ? " was" : "s were");
	if (untimed)
		fprintf(f,
			"(%llu call%s counted but not timed: %s return was not seen; stderr says "
			"why)\n",
			(unsigned long long)untimed, untimed == 1 ? " was" : "s were",
			untimed == 1 ? "its" : "their");
	if (py_untimed)
		fprintf(f,
			"(%llu Python call%s seen at the return only, so counted but not timed: "
			"CPython 3.11 fires function__entry only while a tracer or profiler is "
			"set, and not in the profiler's own code)\n",
			(unsigned long long)py_untimed, py_untimed == 1 ? " was" : "s were");
	if (a->callers)
		write_relations(f, res, a->callers, true);
	if (a->callees)
		write_relations(f, res, a->callees, false);
	if (res->cost_ns > 0 && !res->stepped_hits)
		fprintf(f,
			"\nOverhead: about %.3f s added to the targets: %llu probe hits at %.1f us "
			"a call, measured at start\n",
			res->overhead_ns / 1e9, (unsigned long long)res->stat[TRACE_STAT_HITS],
			res->cost_ns / 1e3);
	else if (res->cost_ns > 0)
		fprintf(f,
			"\nOverhead: about %.3f s added to the targets: %llu probe hits at %.1f us "
			"a call, %llu of them at %.1f us (functions whose first instruction the "
			"kernel single-steps), measured at start\n",
			res->overhead_ns / 1e9, (unsigned long long)res->stat[TRACE_STAT_HITS],
			res->cost_ns / 1e3, (unsigned long long)res->stepped_hits,
			res->cost_step_ns / 1e3);
	return ferror(f) ? -EIO : 0;
}

static json_object *jdouble(double v)
{
	return json_object_new_double(v);
}

static int write_json(FILE *f, const struct trace_args *a, const struct result *res,
		      const char *what)
{
	json_object *root = json_object_new_object(), *fns = json_object_new_array();
	json_object *edges = json_object_new_array(), *lost = json_object_new_object();
	size_t shown = 0;

	json_object_object_add(root, "target", json_object_new_string(what));
	json_object_object_add(root, "duration_s", jdouble(res->elapsed_s));
	json_object_object_add(root, "probe_cost_us", jdouble(res->cost_ns / 1e3));
	json_object_object_add(root, "probe_cost_stepped_us", jdouble(res->cost_step_ns / 1e3));
	json_object_object_add(root, "overhead_s", jdouble(res->overhead_ns / 1e9));
	json_object_object_add(root, "probe_hits",
			       json_object_new_int64(res->stat[TRACE_STAT_HITS]));
	{
		__u64 untimed = 0;

		for (size_t i = 0; i < res->nfns; i++)
			untimed += res->fns[i].r.untimed;
		json_object_object_add(root, "untimed_calls", json_object_new_int64(untimed));
	}
	for (size_t i = 0; i < res->nfns && (!a->top || shown < a->top); i++) {
		const struct fn_row *fn = &res->fns[i];
		const struct trace_row *r = &fn->r;
		json_object *o = json_object_new_object(), *depths = json_object_new_array();

		shown++;
		json_object_object_add(o, "name", json_object_new_string(fn->name));
		json_object_object_add(o, "file", json_object_new_string(fn->file));
		json_object_object_add(o, "kind",
				       json_object_new_string(fn->python	       ? "python"
							      : fn->kind == PROBE_USDT ? "usdt"
										       : "uprobe"));
		json_object_object_add(o, "calls", json_object_new_int64(r->calls + r->untimed));
		if (fn->kind == PROBE_UPROBE && !fn->python)
			json_object_object_add(o, "single_stepped",
					       json_object_new_boolean(fn->stepped));
		json_object_object_add(
			o, "timed_calls",
			json_object_new_int64(fn->kind == PROBE_USDT ? 0 : r->calls));
		json_object_object_add(o, "primitive_calls",
				       json_object_new_int64(fn->kind == PROBE_USDT
								     ? r->calls
								     : r->prim + r->untimed_prim));
		json_object_object_add(o, "tottime_us", jdouble(r->self_ns / 1e3));
		json_object_object_add(o, "cumtime_us", jdouble(r->cum_ns / 1e3));
		json_object_object_add(o, "tottime_percall_us",
				       jdouble(r->calls ? r->self_ns / 1e3 / r->calls : 0));
		json_object_object_add(o, "cumtime_percall_us",
				       jdouble(r->prim ? r->cum_ns / 1e3 / r->prim : 0));
		json_object_object_add(o, "cpu_us", jdouble(r->cpu_ns / 1e3));
		json_object_object_add(
			o, "wait_us",
			jdouble((r->cum_ns > r->cpu_ns ? r->cum_ns - r->cpu_ns : 0) / 1e3));
		json_object_object_add(o, "min_us", jdouble(r->min_ns / 1e3));
		json_object_object_add(o, "max_us", jdouble(r->max_ns / 1e3));
		json_object_object_add(o, "p50_us", jdouble(fn->p50 / 1e3));
		json_object_object_add(o, "p90_us", jdouble(fn->p90 / 1e3));
		json_object_object_add(o, "p99_us", jdouble(fn->p99 / 1e3));
		for (int d = 0; d < TRACE_DEPTHS; d++) {
			json_object *e;

			if (!r->depth_calls[d])
				continue;
			e = json_object_new_object();
			json_object_object_add(e, "depth", json_object_new_int(d));
			json_object_object_add(e, "calls",
					       json_object_new_int64(r->depth_calls[d]));
			json_object_object_add(e, "total_us", jdouble(r->depth_ns[d] / 1e3));
			json_object_array_add(depths, e);
		}
		json_object_object_add(o, "depths", depths);
		if (a->hist)
			json_object_object_add(o, "hist", hist__json(r->hist));
		json_object_array_add(fns, o);
	}
	json_object_object_add(root, "functions", fns);
	for (size_t k = 0; k < res->nedges; k++) {
		const struct edge_row *e = &res->edges[k];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "caller",
				       json_object_new_string(id_name(res, e->caller)));
		json_object_object_add(o, "callee",
				       json_object_new_string(id_name(res, e->callee)));
		json_object_object_add(o, "calls", json_object_new_int64(e->e.calls));
		json_object_object_add(o, "tottime_us", jdouble(e->e.self_ns / 1e3));
		json_object_object_add(o, "cumtime_us", jdouble(e->e.cum_ns / 1e3));
		json_object_array_add(edges, o);
	}
	json_object_object_add(root, "calls", edges);
	json_object_object_add(lost, "unmatched_returns",
			       json_object_new_int64(res->stat[TRACE_STAT_UNMATCHED_RET]));
	json_object_object_add(lost, "abandoned_entries",
			       json_object_new_int64(res->stat[TRACE_STAT_ABANDONED]));
	json_object_object_add(lost, "thread_exits_in_call",
			       json_object_new_int64(res->stat[TRACE_STAT_THREAD_EXIT]));
	json_object_object_add(lost, "too_deep",
			       json_object_new_int64(res->stat[TRACE_STAT_TOO_DEEP]));
	json_object_object_add(lost, "in_progress", json_object_new_int64(res->in_progress));
	json_object_object_add(lost, "threads_full",
			       json_object_new_int64(res->stat[TRACE_STAT_THREADS_FULL]));
	json_object_object_add(lost, "functions_full",
			       json_object_new_int64(res->stat[TRACE_STAT_FUNCTIONS_FULL]));
	json_object_object_add(lost, "edges_full",
			       json_object_new_int64(res->stat[TRACE_STAT_EDGES_FULL]));
	json_object_object_add(root, "lost", lost);
	fprintf(f, "%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
	json_object_put(root);
	return ferror(f) ? -EIO : 0;
}

/* Every loss on stderr, in one line, when there is one. */
static void report_losses(const struct result *res)
{
	const __u64 *s = res->stat;

	if (s[TRACE_STAT_UNMATCHED_RET] || s[TRACE_STAT_ABANDONED] || s[TRACE_STAT_THREAD_EXIT] ||
	    s[TRACE_STAT_TOO_DEEP] || res->in_progress)
		vigil_err("trace: not timed: %llu returns with no open call of their function "
			  "(begun as vigil started, or of threads not followed), %llu calls "
			  "unwound past (longjmp, exceptions), %llu open when their thread exited "
			  "or exec'd, %llu open at the end, %llu deeper than %d open calls",
			  (unsigned long long)s[TRACE_STAT_UNMATCHED_RET],
			  (unsigned long long)s[TRACE_STAT_ABANDONED],
			  (unsigned long long)s[TRACE_STAT_THREAD_EXIT],
			  (unsigned long long)res->in_progress,
			  (unsigned long long)s[TRACE_STAT_TOO_DEEP], TRACE_MAX_DEPTH);
	if (s[TRACE_STAT_THREADS_FULL] || s[TRACE_STAT_FUNCTIONS_FULL] || s[TRACE_STAT_EDGES_FULL])
		vigil_err("trace: lost: %llu calls of threads beyond %d followed, %llu calls of "
			  "Python functions beyond %d, %llu caller-callee pairs beyond the map",
			  (unsigned long long)s[TRACE_STAT_THREADS_FULL], TRACE_MAX_THREAD,
			  (unsigned long long)s[TRACE_STAT_FUNCTIONS_FULL], PY_MAX_FN,
			  (unsigned long long)s[TRACE_STAT_EDGES_FULL]);
}

/* At the end too: the run's average cost, and the function called most. */
static void warn_overhead(const struct trace_args *a, const struct result *res)
{
	const struct fn_row *most = NULL;
	double pct;

	if (res->elapsed_s < 1)
		return; /* a run this short says little about a rate */
	pct = res->overhead_ns / 1e9 / res->elapsed_s * 100;
	if (pct <= a->max_overhead)
		return;
	for (size_t i = 0; i < res->nfns; i++)
		if (!most ||
		    res->fns[i].r.calls + res->fns[i].r.untimed > most->r.calls + most->r.untimed)
			most = &res->fns[i];
	vigil_err("trace: the probes cost the targets about %.2f s of CPU in %.1f s (%.0f%% of a "
		  "CPU)%s%s%s",
		  res->overhead_ns / 1e9, res->elapsed_s, pct, most ? "; most calls: " : "",
		  most ? most->name : "", most ? "" : "");
}

/*
 * A --callers or --callees glob that names no probed function: said before
 * the run, not after it. (Python's functions are known only at the end.)
 */
static bool relation_glob_unmatched(const struct probe_set *ps, const char *glob)
{
	bool hit = false;

	for (size_t i = 0; glob && !hit && i < ps->n; i++) {
		char *name = probes__shown_name(ps, &ps->fns[i]);

		hit = name && !fnmatch(glob, name, 0);
		free(name);
	}
	if (glob && !hit)
		vigil_err("trace: '%s' matches none of the probed functions (--callers and "
			  "--callees take the names the table shows)",
			  glob);
	return glob && !hit;
}

/*
 * Each file and process takes two links, each USDT probe one per site and
 * process: with many targets that passes the usual soft limit of 1024.
 */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int cmd_trace(int argc, char **argv)
{
	struct trace_args a = {};
	struct probe_set ps = {};
	struct trace_bpf *skel = NULL;
	struct links ls = {};
	struct outfile out = {};
	struct result res = {};
	char what[256], cmd_path[PATH_MAX], py_path[PATH_MAX], py_file[PATH_MAX];
	struct probe_where w = {};
	sigset_t stop_sigs;
	size_t nfn, refused = 0;
	const char *first_refused = NULL;
	bool *skip = NULL;
	int ret, err, status = 0;

	target__block_stop_signals(&a.target, &stop_sigs);
	ret = trace_parse_args(argc, argv, &a);
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
	w.pids = a.target.pids;
	w.npids = a.target.npids;
	w.command = NULL;
	if (a.command) {
		w.command = target__find_in_path(a.command[0], cmd_path, sizeof(cmd_path));
		if (!w.command) {
			vigil_err("%s: command not found", a.command[0]);
			return EXIT_RUNTIME;
		}
	}
	for (int i = 0; i < a.nprobes; i++) {
		ret = probes__add(&ps, a.probes[i], &w);
		if (ret)
			goto cleanup;
	}
	if (a.python) {
		ret = probes__python_file(&w, py_path, py_file, sizeof(py_path));
		if (ret)
			goto cleanup;
	}
	ret = EXIT_USAGE;
	if (!a.python &&
	    (relation_glob_unmatched(&ps, a.callers) || relation_glob_unmatched(&ps, a.callees)))
		goto cleanup;
	nfn = ps.n;
	if (nfn + 1 + (a.python ? PY_MAX_FN : 0) > TRACE_MAX_FN) {
		vigil_err("trace: the probes match %zu functions; at most %d can be traced at once",
			  nfn, TRACE_MAX_FN - 1 - (a.python ? PY_MAX_FN : 0));
		goto cleanup;
	}
	ret = EXIT_RUNTIME;
	raise_fd_limit();
	if (outfile__open(&out, a.output))
		goto cleanup;
	quiet_libbpf();
	skel = trace_bpf__open();
	if (!skel) {
		vigil_err("trace: failed to open BPF object: %s", strerror(errno));
		goto cleanup;
	}
	skel->rodata->filter_tgid = a.target.npids > 0 || a.command;
	skel->rodata->self_tgid = getpid();
	skel->rodata->calib_fn = nfn;
	skel->rodata->first_py_fn = nfn + 1;
	skel->rodata->max_fn = nfn + 1 + (a.python ? PY_MAX_FN : 0);
	bpf_map__set_max_entries(skel->maps.rows, skel->rodata->max_fn);
	bpf_program__set_expected_attach_type(skel->progs.trace_entry, ATTACH_UPROBE_MULTI);
	bpf_program__set_expected_attach_type(skel->progs.trace_return, ATTACH_UPROBE_MULTI);
	err = trace_bpf__load(skel);
	if (err) {
		vigil_err("trace: failed to load BPF programs: %s (-vv shows libbpf's log)",
			  strerror(-err));
		goto cleanup;
	}
	calibrate(skel, nfn, &res.cost_ns, &res.cost_step_ns);
	if (zero_counters(skel))
		goto cleanup;
	vigil_info(1,
		   "trace: a traced call costs %.1f us here, %.1f us when its first instruction "
		   "is single-stepped (measured)",
		   res.cost_ns / 1e3, res.cost_step_ns / 1e3);
	skip = calloc(ps.n + 1, sizeof(*skip));
	if (!skip) {
		vigil_err("trace: out of memory");
		goto cleanup;
	}
	if (find_all_refused(skel, &ps, skip, &refused, &first_refused))
		goto cleanup;
	if (refused && refused == ps.n && !a.python) {
		vigil_err(
			"trace: the kernel refuses to probe %s%s: uprobes cannot be placed on its "
			"first instruction",
			first_refused, refused > 1 ? " and every other function matched" : "");
		goto cleanup;
	}
	if (refused)
		vigil_err("trace: %zu of the %zu functions matched could not be probed (uprobes "
			  "refuse their first instruction), such as %s: they are left out",
			  refused, ps.n, first_refused);
	/* a command is traced by its pid: the probes are in place for its exec */
	if (a.command && target__spawn(&a.target, a.command)) {
		vigil_err("%s: cannot start: %s", a.command[0], strerror(errno));
		goto cleanup;
	}
	for (int i = 0; i < a.target.npids; i++) {
		__u32 tgid = a.target.pids[i];
		__u8 one = 1;

		if (bpf_map__update_elem(skel->maps.targets, &tgid, sizeof(tgid), &one, sizeof(one),
					 BPF_ANY)) {
			vigil_err("trace: pid %u: cannot add to targets", tgid);
			goto cleanup;
		}
	}
	if (attach_all(skel, &ls, a.target.pids, a.target.npids, &ps, a.python ? py_path : NULL,
		       skip))
		goto cleanup;
	skel->bss->armed = 1;
	if (a.command && target__release(&a.target, a.command[0]))
		goto cleanup;
	res.elapsed_s = run(skel, &a, &stop_sigs, &res);
	skel->bss->armed = 0;
	links__destroy(&ls);

	if (read_result(skel, &ps, skip, a.python, a.python ? py_file : NULL, &res)) {
		vigil_err("trace: out of memory");
		goto cleanup;
	}
	res.overhead_ns = estimate_overhead(&res);
	sort_by = a.sort;
	qsort(res.fns, res.nfns, sizeof(*res.fns), cmp_fn);
	qsort(res.edges, res.nedges, sizeof(*res.edges), cmp_edge);
	target__describe(&a.target, a.command, what, sizeof(what));
	err = a.json ? write_json(out.f, &a, &res, what) : write_text(out.f, &a, &res, what);
	if (outfile__commit(&out) || err)
		goto cleanup;
	report_losses(&res);
	if (res.stat[TRACE_STAT_EXEC_THREAD])
		report_thread_exec();
	warn_overhead(&a, &res);
	ret = EXIT_OK;
cleanup:
	links__destroy(&ls);
	status = target__finish(&a.target, a.command ? a.command[0] : NULL);
	trace_bpf__destroy(skel);
	result__free(&res);
	probes__free(&ps);
	free(skip);
	outfile__abort(&out);
	return ret == EXIT_OK && a.command ? status : ret;
}
