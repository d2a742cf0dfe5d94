// SPDX-License-Identifier: GPL-2.0
/* cmd_profile.c: "vigil profile": sample on-CPU stacks of processes, a command, or the system. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "commands.h"
#include "folded.h"
#include "profile.h"
#include "profile_defs.h"
#include "stacks.h"
#include "summary.h"
#include "symbolizer.h"
#include "target.h"
#include "util.h"
#include "waits.h"

#define DEFAULT_FREQ   99
#define MAX_FREQ       10000
#define MAX_DURATION   86400
#define FIRST_DRAIN_NS (100 * 1000000ULL)
#define MAX_MIN_BLOCK  (3600 * 1000000UL) /* an hour, in microseconds */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vigil profile [-p PID[,PID...]] [-F HZ] [-d SECONDS] [-o FILE] [options]\n"
		"                     [-- COMMAND [ARGS...]]\n"
		"Sample on-CPU stacks, or time off-CPU waits, and write them folded, one line\n"
		"per distinct stack:\n"
		"  comm;outermost;...;innermost VALUE   (kernel frames last, suffixed _[k])\n"
		"VALUE is a sample count (--clock cpu) or microseconds (off, wall), and off and\n"
		"wall stacks end in where the time went: [cpu], [wait:runqueue], [wait:disk],\n"
		"[wait:net], [wait:lock], [wait:sleep] or [wait:other].\n"
		"\n"
		"Target (default: every task on every online CPU):\n"
		"  -p, --pid PID[,PID...]  these processes and all their threads, new ones too\n"
		"  -- COMMAND [ARGS...]    start COMMAND and profile it, and what it forks, until\n"
		"                          it exits; vigil exits with its status. If -d ends\n"
		"                          first, COMMAND is sent SIGTERM\n"
		"Options:\n"
		"      --clock CLOCK       cpu: on-CPU samples (default); off: time blocked or\n"
		"                          waiting for a CPU, with the stacks the thread left the\n"
		"                          CPU with; wall: both, samples worth 1/HZ s each\n"
		"      --per-thread        the thread's name and TID (name/TID) come first\n"
		"      --min-block USEC    off and wall: drop off-CPU spans shorter than this\n"
		"  -F, --freq HZ           samples per second per CPU (1-%d, default %d)\n"
		"  -d, --duration SECONDS  stop after this long (1-%d; default: until SIGINT,\n"
		"                          SIGTERM, or every target has exited)\n"
		"  -o, --output FILE       write the profile here (default or '-': stdout); "
		"written\n"
		"                          whole at the end, through a temporary file\n"
		"  -U, --user-only         walk user stacks only\n"
		"  -K, --kernel-only       walk kernel stacks only\n"
		"      --idle              keep samples of idle CPUs (the swapper tasks)\n"
		"      --summary FILE      also write the top threads and functions as text; off\n"
		"                          and wall: time by process and thread, per class\n"
		"                          (without --summary, on stderr)\n"
		"      --format FMT        of the profile: folded (default), svg (a flame graph)\n"
		"                          or pprof; without it, -o's suffix decides: .svg,\n"
		"                          .pb.gz or .pprof, anything else folded\n"
		"      --summary-format FMT  text (default) or json (off and wall)\n"
		"      --debug-dir DIR     look for separate debug files of stripped binaries in\n"
		"                          DIR (repeatable, up to %d) instead of /usr/lib/debug\n"
		"      --no-demangle       show C++ and Rust names as linked (_ZN..., _R...)\n"
		"  -v, --verbose           say what was chosen and attached (-vv: libbpf too)\n"
		"  -h, --help              show this help\n"
		"\n"
		"Examples:\n"
		"  vigil profile -p 4121 -d 10 -o app.folded    a running process for 10 s\n"
		"  vigil profile -F 999 -d 5 > system.folded     the whole machine at 999 Hz\n"
		"  vigil profile -o srv.folded -- ./server -j2   a command, until it exits\n"
		"  vigil profile --clock wall -p 4121 -d 10 -o wall.folded\n"
		"                                               where its time goes, CPU and "
		"waits\n",
		MAX_FREQ, DEFAULT_FREQ, MAX_DURATION, SYMBOLIZER_DEBUG_DIRS_MAX);
}

/* --debug-dir DIR: a folder, kept in the symbolizer's options. 0 or EXIT_USAGE. */
static int add_debug_dir(struct symbolizer_opts *so, const char *dir)
{
	struct stat st;

	if (so->nr_debug_dirs == SYMBOLIZER_DEBUG_DIRS_MAX) {
		vigil_err("profile: --debug-dir: at most %d folders", SYMBOLIZER_DEBUG_DIRS_MAX);
		return EXIT_USAGE;
	}
	if (stat(dir, &st)) {
		vigil_err("profile: --debug-dir '%s': %s", dir, strerror(errno));
		return EXIT_USAGE;
	}
	if (!S_ISDIR(st.st_mode)) {
		vigil_err("profile: --debug-dir '%s': not a folder", dir);
		return EXIT_USAGE;
	}
	so->debug_dirs[so->nr_debug_dirs++] = dir;
	return 0;
}

int profile_parse_args(int argc, char **argv, struct profile_args *a)
{
	enum {
		OPT_IDLE = 256,
		OPT_SUMMARY,
		OPT_NO_DEMANGLE,
		OPT_DEBUG_DIR,
		OPT_CLOCK,
		OPT_PER_THREAD,
		OPT_MIN_BLOCK,
		OPT_FORMAT,
		OPT_SUMMARY_FORMAT,
	};
	static const struct option longopts[] = {
		{"pid", required_argument, NULL, 'p'},
		{"freq", required_argument, NULL, 'F'},
		{"duration", required_argument, NULL, 'd'},
		{"output", required_argument, NULL, 'o'},
		{"user-only", no_argument, NULL, 'U'},
		{"kernel-only", no_argument, NULL, 'K'},
		{"idle", no_argument, NULL, OPT_IDLE},
		{"summary", required_argument, NULL, OPT_SUMMARY},
		{"no-demangle", no_argument, NULL, OPT_NO_DEMANGLE},
		{"debug-dir", required_argument, NULL, OPT_DEBUG_DIR},
		{"clock", required_argument, NULL, OPT_CLOCK},
		{"per-thread", no_argument, NULL, OPT_PER_THREAD},
		{"min-block", required_argument, NULL, OPT_MIN_BLOCK},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"summary-format", required_argument, NULL, OPT_SUMMARY_FORMAT},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	unsigned long min_block = 0;
	bool min_block_given = false, format_given = false;
	int c;

	a->opts.freq = DEFAULT_FREQ;
	a->opts.user = a->opts.kernel = true;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+:p:F:d:o:UKvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': /* repeated -p add up */
			if (target__add_pids(&a->target, optarg))
				return EXIT_USAGE;
			break;
		case 'F':
			if (parse_ulong(optarg, 1, MAX_FREQ, "-F", &a->opts.freq))
				return EXIT_USAGE;
			a->freq_given = true;
			break;
		case 'd':
			if (parse_ulong(optarg, 1, MAX_DURATION, "-d", &a->opts.duration_s))
				return EXIT_USAGE;
			break;
		case 'o':
			a->output = optarg;
			break;
		case 'U':
			a->opts.kernel = false;
			break;
		case 'K':
			a->opts.user = false;
			break;
		case OPT_IDLE:
			a->opts.idle = true;
			break;
		case OPT_SUMMARY:
			a->summary = optarg;
			break;
		case OPT_NO_DEMANGLE:
			a->no_demangle = true;
			break;
		case OPT_DEBUG_DIR:
			if (add_debug_dir(&a->sym, optarg))
				return EXIT_USAGE;
			break;
		case OPT_CLOCK:
			if (!strcmp(optarg, "cpu"))
				a->opts.clock = PROFILE_CLOCK_CPU;
			else if (!strcmp(optarg, "off"))
				a->opts.clock = PROFILE_CLOCK_OFF;
			else if (!strcmp(optarg, "wall"))
				a->opts.clock = PROFILE_CLOCK_WALL;
			else {
				vigil_err("profile: --clock '%s': expected cpu, off or wall",
					  optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_PER_THREAD:
			a->opts.per_thread = true;
			break;
		case OPT_MIN_BLOCK:
			if (parse_ulong(optarg, 0, MAX_MIN_BLOCK, "--min-block", &min_block))
				return EXIT_USAGE;
			min_block_given = true;
			break;
		case OPT_FORMAT:
			if (!sink__parse_format(optarg, &a->format)) {
				format_given = true;
				break;
			}
			if (!strcmp(optarg, "json") || !strcmp(optarg, "text"))
				vigil_err(
					"profile: --format '%s': --format is the profile's "
					"(folded, svg or pprof); the summary's is --summary-format",
					optarg);
			else
				vigil_err("profile: --format '%s': expected folded, svg or pprof",
					  optarg);
			return EXIT_USAGE;
		case OPT_SUMMARY_FORMAT:
			if (!strcmp(optarg, "json"))
				a->json = true;
			else if (strcmp(optarg, "text")) {
				vigil_err("profile: --summary-format '%s': expected text or json",
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
			vigil_err("profile: option '%s' needs a value", argv[optind - 1]);
			return EXIT_USAGE;
		default:
			vigil_err("profile: unknown option '%s' (vigil profile --help lists them)",
				  argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (!a->opts.user && !a->opts.kernel) {
		vigil_err("profile: -U and -K exclude each other");
		return EXIT_USAGE;
	}
	if (a->opts.clock == PROFILE_CLOCK_CPU && min_block_given) {
		vigil_err("profile: --min-block needs --clock off or wall");
		return EXIT_USAGE;
	}
	if (a->opts.clock == PROFILE_CLOCK_OFF && a->freq_given) {
		vigil_err("profile: -F sets the sampling rate, which --clock off does not use");
		return EXIT_USAGE;
	}
	if (a->opts.clock != PROFILE_CLOCK_CPU && a->opts.idle) {
		vigil_err("profile: --idle: idle CPUs are not threads that wait; it needs "
			  "--clock cpu");
		return EXIT_USAGE;
	}
	if (a->opts.clock == PROFILE_CLOCK_CPU && a->json) {
		vigil_err("profile: --summary-format json: the JSON summary is of --clock off or "
			  "wall");
		return EXIT_USAGE;
	}
	a->opts.min_block_ns = min_block * 1000ULL;
	/* getopt stops at "--" or at the first operand; either way a command follows. */
	if (optind < argc)
		a->command = &argv[optind];
	else if (optind > 1 && !strcmp(argv[optind - 1], "--")) {
		vigil_err("profile: '--' must be followed by a command");
		return EXIT_USAGE;
	}
	if (a->command && a->target.npids) {
		vigil_err("profile: give either -p or a command, not both");
		return EXIT_USAGE;
	}
	if ((a->output && !a->output[0]) || (a->summary && !a->summary[0])) {
		vigil_err("profile: %s: empty file name",
			  a->output && !a->output[0] ? "-o" : "--summary");
		return EXIT_USAGE;
	}
	if (a->output && !strcmp(a->output, "-"))
		a->output = NULL; /* stdout */
	if (!format_given)
		a->format = sink__format_of_path(a->output);
	if (a->format == SINK_PPROF && !a->output && isatty(STDOUT_FILENO)) {
		vigil_err("profile: pprof is gzipped binary: give -o FILE, or redirect stdout");
		return EXIT_USAGE;
	}
	if (a->summary && !strcmp(a->summary, "-")) {
		if (!a->output) {
			vigil_err("profile: -o and --summary are both stdout; give one a file");
			return EXIT_USAGE;
		}
		a->summary_stdout = true;
	}
	if (a->output && a->summary && !strcmp(a->output, a->summary)) {
		vigil_err("profile: -o and --summary name the same file");
		return EXIT_USAGE;
	}
	return 0;
}

/*
 * Sample until the duration ends, a signal arrives, or the targets are
 * gone, draining the kernel's buffers as often as the collector asks.
 */
static int run(struct profile_args *a, struct profile *p, struct stack_set *set,
	       struct symbolizer *sym, const sigset_t *stop_sigs, double *elapsed_s)
{
	unsigned long long start = now_ns(), deadline = 0, next_drain;
	unsigned long long interval = profile__drain_interval_ms(p) * 1000000ULL;
	int err;

	if (a->opts.duration_s)
		deadline = start + a->opts.duration_s * 1000000000ULL;
	/*
	 * The first drain comes early, so that the mappings of a short-lived
	 * target are read while it still runs; the symbolizer keeps them.
	 */
	next_drain = start + (interval < FIRST_DRAIN_NS ? interval : FIRST_DRAIN_NS);
	for (;;) {
		unsigned long long now = now_ns(), wake = next_drain;
		siginfo_t info;
		int why;

		if (deadline && deadline < wake)
			wake = deadline;
		/*
		 * Asleep until the next drain, or a stop signal, or the last
		 * target's exit; but process events are read every 10 ms, so
		 * that a process first seen has its mappings read while it runs.
		 */
		profile__events_wait(now, &wake);
		why = target__wait(&a->target, stop_sigs, wake > now ? (long long)(wake - now) : 0,
				   -1, &info);
		if (why == TARGET_WAKE_SIGNAL) {
			vigil_info(1, "profile: %s: stopping", strsignal(info.si_signo));
			break;
		}
		err = profile__poll(p, sym);
		if (err)
			return err;
		now = now_ns();
		if (deadline && now >= deadline)
			break;
		if (why == TARGET_WAKE_EXITED) {
			vigil_info(1, "profile: every target has exited");
			break;
		}
		if (now >= next_drain) {
			err = profile__drain(p, set, sym);
			if (err)
				return err;
			next_drain = now + profile__drain_interval_ms(p) * 1000000ULL;
		}
	}
	*elapsed_s = (now_ns() - start) / 1e9;
	profile__stop(p);
	return profile__drain(p, set, sym);
}

static const char *lost_names[] = {"EFAULT", "other"};

static void print_lost(const char *side, const __u64 lost[2], char *buf, size_t len)
{
	size_t off = strlen(buf);
	bool any = false;

	for (int i = 0; i < 2; i++) {
		if (!lost[i])
			continue;
		off += snprintf(buf + off, len - off, "%s%s%llu %s", any ? ", " : side,
				any ? "" : " ", (unsigned long long)lost[i], lost_names[i]);
		if (off >= len)
			return;
		any = true;
	}
	if (any)
		off += snprintf(buf + off, len - off, "; ");
}

/* What the off-CPU collector measured, dropped as asked, and lost. */
static void report_offcpu(const struct profile_args *a, struct profile *p,
			  const struct profile_stats *st, double elapsed)
{
	if (a->opts.clock == PROFILE_CLOCK_WALL)
		vigil_err("profile: %llu samples taken (%s, %.1f s)",
			  (unsigned long long)st->samples, profile__describe(p), elapsed);
	vigil_err("off-CPU: %llu spans, %llu below --min-block dropped, %llu lost, %llu switches "
		  "unseen",
		  (unsigned long long)st->spans, (unsigned long long)st->short_spans,
		  (unsigned long long)(st->spans_full + st->threads_full),
		  (unsigned long long)st->missed);
	if (st->missed)
		vigil_err("off-CPU: context switches not reported by the tracepoint: %llu; the on- "
			  "and off-CPU spans on either side of each are left out",
			  (unsigned long long)st->missed);
	if (st->span_stacks_cut)
		vigil_err(
			"off-CPU: %llu distinct stacks were cut and marked [truncated]: too deep, "
			"or a user stack that left executable code (no frame pointers?)",
			(unsigned long long)st->span_stacks_cut);
	if (!st->spans && !st->missed)
		vigil_err("off-CPU: no context switch of the targets was seen");
	if (st->span_stacks_lost)
		vigil_err("off-CPU: %llu distinct stacks could not be walked; kept as [lost ...] "
			  "frames",
			  (unsigned long long)st->span_stacks_lost);
	if (st->spans_full)
		vigil_err("off-CPU: %llu span parts had no room in the counts map; their time is "
			  "in [lost span: counts map full]",
			  (unsigned long long)st->spans_full);
	if (st->threads_full)
		vigil_err("off-CPU: %llu context switches of threads beyond the %d followed were "
			  "not measured",
			  (unsigned long long)st->threads_full, PROFILE_MAX_THREADS);
	if (st->cpu_full)
		vigil_err("off-CPU: %llu on-CPU spans had no room in the threads map; the "
			  "summary's cpu is short by them",
			  (unsigned long long)st->cpu_full);
}

static void report(const struct profile_args *a, struct profile *p, struct stack_set *set,
		   double elapsed)
{
	struct profile_stats st;
	char lost[512] = "";

	profile__stats(p, &st);
	if (a->opts.clock == PROFILE_CLOCK_CPU)
		vigil_err("profile: %llu samples taken, %llu in the profile (%s, %.1f s)",
			  (unsigned long long)st.samples, (unsigned long long)stack_set__total(set),
			  profile__describe(p), elapsed);
	else
		report_offcpu(a, p, &st, elapsed);
	print_lost("user stacks", st.lost_user, lost, sizeof(lost));
	print_lost("kernel stacks", st.lost_kern, lost, sizeof(lost));
	if (st.counts_full)
		snprintf(lost + strlen(lost), sizeof(lost) - strlen(lost),
			 "samples %llu (counts map full); ", (unsigned long long)st.counts_full);
	if (lost[0]) {
		lost[strlen(lost) - 2] = '\0';
		vigil_err("profile: lost, kept as [lost ...] frames: %s", lost);
	} else {
		vigil_err("profile: no stack lost");
	}
	if (st.truncated)
		vigil_err("profile: stacks deeper than %d frames were cut and marked [truncated] "
			  "(samples: %llu)",
			  st.max_depth, (unsigned long long)st.truncated);
	if (st.cut)
		vigil_err(
			"profile: user stacks that left executable code (no frame pointers?) were "
			"cut there and marked [truncated] (samples: %llu)",
			(unsigned long long)st.cut);
	if (st.events_lost)
		vigil_err("profile: %llu process events lost (ring buffer full); processes they "
			  "announced were named from /proc when drained",
			  (unsigned long long)st.events_lost);
	if (!a->command && !a->target.npids && !a->opts.idle)
		vigil_info(1, "profile: %llu samples of idle CPUs not profiled (--idle keeps them)",
			   (unsigned long long)st.idle);
}

/* Peak resident memory of vigil itself, in KiB, or 0. */
static unsigned long peak_rss_kib(void)
{
	unsigned long kib = 0;
	char line[128];
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %lu kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/*
 * Perf map lines that could not be parsed (the JIT code they named shows as
 * [unknown]); with -v, what naming cost: files parsed and cached,
 * processes read, memory.
 */
static void report_symbols(struct symbolizer *sym)
{
	struct symbolizer_stats st;

	symbolizer__stats(sym, &st);
	if (st.perfmap_skipped)
		vigil_err("profile: perf maps: malformed lines skipped: %lu", st.perfmap_skipped);
	vigil_info(1,
		   "profile: symbols: %lu files parsed, %lu cache hits, %lu evicted, %lu cached; "
		   "%lu maps reads, %lu inherited from a parent; processes cached: %lu now, "
		   "%lu at most",
		   st.files_parsed, st.file_cache_hits, st.files_evicted, st.files_cached,
		   st.maps_reads, st.maps_inherited, st.procs_cached, st.procs_peak);
	vigil_info(1,
		   "profile: kernel symbols read %lu times; %lu misses needed no read (no new "
		   "BPF program or module)",
		   st.kernel_reads, st.kernel_reads_skipped);
	vigil_info(1, "profile: peak memory (VmHWM) %lu KiB", peak_rss_kib());
}

/* The summary's line on what the profile holds in place of real frames. */
static void summary_notes(const struct profile_args *a, struct profile *p, char *buf, size_t len)
{
	struct profile_stats st;
	__u64 lost = 0;

	profile__stats(p, &st);
	for (int i = 0; i < 2; i++)
		lost += st.lost_user[i] + st.lost_kern[i];
	if (a->opts.clock == PROFILE_CLOCK_OFF) {
		snprintf(buf, len,
			 "lost or cut: %llu off-CPU stacks lost, %llu span parts with no room for "
			 "their stacks, %llu stacks cut, %llu switches unseen",
			 (unsigned long long)st.span_stacks_lost, (unsigned long long)st.spans_full,
			 (unsigned long long)st.span_stacks_cut, (unsigned long long)st.missed);
		return;
	}
	snprintf(buf, len,
		 "lost or cut: %llu samples with a stack lost, %llu with no room in the counts "
		 "map, %llu cut at %d frames, %llu cut where a user stack left executable code",
		 (unsigned long long)lost, (unsigned long long)st.counts_full,
		 (unsigned long long)st.truncated, st.max_depth, (unsigned long long)st.cut);
}

static const char *clock_name(enum profile_clock c)
{
	return c == PROFILE_CLOCK_OFF ? "off" : c == PROFILE_CLOCK_WALL ? "wall" : "cpu";
}

/* Time by process and thread, per class: to f, as text or JSON. */
static int write_waits(struct profile_args *a, FILE *f, struct profile *p, const char *title)
{
	struct wait_report r = {
		.title = title,
		.clock = clock_name(a->opts.clock),
		.duration_ns = profile__duration_ns(p),
	};

	if (a->json)
		return wait_table__write_json(f, profile__waits(p), &r);
	/* on stderr, a screenful; a file holds every row */
	if (f == stderr) {
		r.top_processes = 10;
		r.top_threads = 10;
	}
	return wait_table__write_text(f, profile__waits(p), &r);
}

static int write_outputs(struct profile_args *a, struct outfile *out, struct outfile *sum,
			 struct stack_set *set, struct profile *p, const struct symbolizer *sym,
			 double elapsed)
{
	char what[256], title[512], notes[512];
	struct summary_opts so = {.unit = "samples", .top_threads = 5, .top = 15};
	struct profile_meta m = {
		.command = "vigil profile",
		.clock = clock_name(a->opts.clock),
		.unit = "samples",
		.sym = sym,
	};
	bool offcpu = a->opts.clock != PROFILE_CLOCK_CPU;
	int err = 0;

	target__describe(&a->target, a->command, what, sizeof(what));
	m.target = what;
	m.event = profile__event(p);
	m.freq = m.event ? a->opts.freq : 0;
	m.duration_ns = (__u64)(elapsed * 1e9);
	m.start = time(NULL) - (time_t)(elapsed + 0.5);
	/* off-CPU time is summed in ns, written in us; pprof keeps the ns */
	if (offcpu && a->format == SINK_PPROF) {
		m.unit = "ns";
		err = sink__write(out->f, a->format, set, &m);
	}
	if (offcpu) {
		stack_set__scale(set, 1000);
		so.unit = "us";
		so.class_last = true;
		m.unit = "us";
	}
	/* A write error shows in the stream; commit reports it with the file's name. */
	if (!offcpu || a->format != SINK_PPROF)
		err = sink__write(out->f, a->format, set, &m);
	if (err == -ERANGE) {
		vigil_err("profile: the values are too large for pprof's signed 64-bit numbers");
		return err;
	}
	if (err && err != -EIO) {
		vigil_err("profile: cannot write the %s profile: %s", sink__format_name(a->format),
			  strerror(-err));
		return err;
	}
	err = outfile__commit(out);
	if (err)
		return err;
	snprintf(title, sizeof(title), "vigil profile: %s, %s%s, %.1f s", what,
		 a->opts.clock == PROFILE_CLOCK_CPU ? "on-CPU, " : "", profile__describe(p),
		 elapsed);
	if (!a->summary)
		return offcpu && write_waits(a, stderr, p, NULL) == -ENOMEM ? -ENOMEM : 0;
	if (!a->json) {
		so.title = title;
		summary_notes(a, p, notes, sizeof(notes));
		so.notes = notes;
		err = summary__write(sum->f, set, &so);
		if (!err && offcpu) {
			fputc('\n', sum->f);
			err = write_waits(a, sum->f, p, NULL);
		}
	} else if (offcpu) {
		err = write_waits(a, sum->f, p, NULL);
	} else {
		err = summary__write(sum->f, set, &so);
	}
	if (err == -ENOMEM) {
		vigil_err("profile: out of memory");
		return err;
	}
	return outfile__commit(sum);
}

int cmd_profile(int argc, char **argv)
{
	struct profile_args a = {};
	struct outfile out = {}, sum = {};
	struct stack_set *set = NULL;
	struct symbolizer *sym = NULL;
	struct profile *p = NULL;
	sigset_t stop_sigs;
	double elapsed = 0;
	int ret, err, status = 0;

	target__block_stop_signals(&a.target, &stop_sigs);

	ret = profile_parse_args(argc, argv, &a);
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
	if (outfile__open(&out, a.output) ||
	    (a.summary && outfile__open(&sum, a.summary_stdout ? NULL : a.summary)))
		goto cleanup;
	if (a.summary && outfile__same(&out, &sum)) {
		vigil_err("profile: -o and --summary name the same file");
		ret = EXIT_USAGE;
		goto cleanup;
	}
	set = stack_set__new();
	a.sym.warn = true;
	a.sym.no_demangle = a.no_demangle;
	sym = symbolizer__new(&a.sym);
	if (!set || !sym) {
		vigil_err("profile: out of memory");
		goto cleanup;
	}
	err = a.command ? target__spawn(&a.target, a.command) : 0;
	if (err) {
		vigil_err("%s: cannot start: %s", a.command[0], strerror(-err));
		goto cleanup;
	}
	a.opts.pids = a.target.pids;
	a.opts.npids = a.target.npids;
	a.opts.follow_forks = a.command != NULL;
	p = profile__new(&a.opts);
	if (!p)
		goto cleanup;
	/*
	 * Kernel symbols before attaching, so that the first drain does not
	 * stall the loop for them; after loading, so that they hold vigil's
	 * own programs and a change in the set of programs means new code.
	 */
	if (a.opts.kernel && symbolizer__load_kernel(sym)) {
		vigil_err("profile: out of memory");
		goto cleanup;
	}
	if (profile__attach(p))
		goto cleanup;

	if (a.command && target__release(&a.target, a.command[0]))
		goto cleanup;
	err = run(&a, p, set, sym, &stop_sigs, &elapsed);
	if (err) {
		vigil_err("profile: failed to drain the kernel's counts: %s", strerror(-err));
		goto cleanup;
	}
	report(&a, p, set, elapsed);
	report_symbols(sym);
	if (write_outputs(&a, &out, &sum, set, p, sym, elapsed))
		goto cleanup;
	ret = EXIT_OK;
cleanup:
	status = target__finish(&a.target, a.command ? a.command[0] : NULL);
	profile__free(p);
	symbolizer__free(sym);
	stack_set__free(set);
	outfile__abort(&sum);
	outfile__abort(&out);
	return ret == EXIT_OK && a.command ? status : ret;
}
