// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_agent.c: "vigil agent": profiling and instruments that stay on.
 *
 * One loop drives everything from one thread, on three clocks:
 *   - every few hundred ms, the profile's kernel buffers are drained (the
 *     kernel switches to its other buffer first, so sampling never stops);
 *   - every interval, the instruments are read as deltas, statsd is sent
 *     what changed, the rules are judged, and the agent's own cost read;
 *   - every window, what the drains gathered is written as one folded
 *     file, named by the window's start, and the oldest files are removed.
 * Samples drained at a window's edge belong to the window that ends, and
 * the next drain's to the next, so the windows add up to every sample.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <json-c/json.h>
#include "agent_config.h"
#include "agent_defs.h"
#include "agent_fn.h"
#include "agent_sys.h"
#include "agent_watch.skel.h"
#include "alerts.h"
#include "commands.h"
#include "folded.h"
#include "hist.h"
#include "profile.h"
#include "sink.h"
#include "stacks.h"
#include "statsd.h"
#include "symbolizer.h"
#include "sysnames.h"
#include "target.h"
#include "util.h"

#define SCAN_NS (1000 * 1000000ULL) /* name patterns: /proc is read this often */
#define MAX_CLI 256

/* A setting from the command line, replayed over the file at every reload. */
struct cli_set {
	char section[ALERT_NAME_MAX + 16];
	char key[32];
	char *value;
	char where[64];
};

struct own_cost {
	__u64 cpu_ns; /* the agent's user and system time */
	__u64 bpf_ns; /* its BPF programs' run time (bpf_stats) */
	__u64 bpf_runs;
	__u64 samples; /* profile samples taken */
	__u64 lost;    /* samples and events lost */
	__u64 mono_ns;
};

struct agent {
	const char *config_path;
	struct cli_set cli[MAX_CLI];
	int ncli;
	struct agent_config *cfg;

	struct agent_watch_bpf
		*watch; /* the targets map every collector shares, and its exec hook */
	struct profile *prof;
	struct symbolizer *sym;
	struct stack_set *window, *iv; /* the window so far; what drains gathered this interval */
	struct agent_sys *sys;
	struct agent_fn *fn;
	struct statsd *sd;
	struct alerts *alerts;
	int stats_fd; /* held while running: the kernel's bpf_stats stay on */

	__u64 window_mono; /* the window's start */
	time_t window_real;
	__u64 next_window, next_interval, next_drain, next_scan, last_interval;
	struct own_cost at_window, at_interval;
	struct own_cost offset; /* what collectors closed by a reload had counted */
	__u64 windows_written, samples_written;
	__u64 samples_taken, lost;	    /* by profiles already closed */
	bool statsd_said;		    /* a failed send was said; the rest are counted */
	__u64 sd_errors_seen, sd_sent_seen; /* the statsd counts at the last window's line */
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vigil agent [--config FILE] [options]\n"
		"Profile and instrument until stopped: every window a folded profile in the\n"
		"output folder, every interval counters and timers to statsd and the alert\n"
		"rules judged. SIGHUP reloads the configuration; SIGTERM or SIGINT writes the\n"
		"current window and exits.\n"
		"\n"
		"  -c, --config FILE       read the settings from FILE (INI; see the README)\n"
		"  -o, --output DIR        agent.output: the windows' folder\n"
		"                          (default /var/lib/vigil/profiles)\n"
		"      --window SECONDS    agent.window: one profile per window (default 60)\n"
		"      --interval SECONDS  agent.interval: statsd and rules (default 10)\n"
		"      --keep-windows N    agent.keep_windows: the newest N windows (1440)\n"
		"      --keep-mb MB        agent.keep_mb: at most MB of them (256; 0: no limit)\n"
		"      --no-syslog         agent.syslog = no: alerts on stderr only\n"
		"      --format LIST       agent.formats: svg, pprof or svg,pprof, written beside\n"
		"                          each window's .folded (a flame graph, pprof)\n"
		"  -p, --pid PID[,PID...]  target.pid: these processes (default: every one)\n"
		"      --name GLOB         target.name: processes whose name or executable\n"
		"                          matches ('*', '?'), from their exec on\n"
		"  -F, --freq HZ           profile.freq: samples per second per CPU (default %d)\n"
		"      --clock CLOCK       profile.clock: cpu (default), wall or off\n"
		"      --no-profile        profile.enabled = no: instruments only\n"
		"  -U, --user-only         profile.stacks = user\n"
		"  -K, --kernel-only       profile.stacks = kernel\n"
		"      --statsd HOST:PORT  statsd.host and port (default 127.0.0.1:8125), or off\n"
		"      --prefix PREFIX     statsd.prefix (default vigil)\n"
		"      --syscalls NAME=LIST  an instrument: [syscalls NAME] syscalls = LIST\n"
		"      --probe NAME=FILE:GLOB[,...]  an instrument: [probe NAME] functions = ...\n"
		"      --rule 'NAME: EXPR' a rule: [rule NAME] when = EXPR\n"
		"      --set SECTION.KEY=VALUE  any setting, such as rule.slow.command=CMD\n"
		"  -v, --verbose           say what was attached (-vv: libbpf too)\n"
		"  -h, --help              show this help\n"
		"\n"
		"Examples:\n"
		"  vigil agent -c /etc/vigil/agent.ini\n"
		"  vigil agent --name 'nginx*' -o /var/lib/vigil --syscalls io=fsync,openat \\\n"
		"              --rule 'slow_fsync: p99(*.syscall.fsync) > 50ms for 30s'\n",
		AGENT_DEFAULT_FREQ);
}

/* ---------------------------------------------------------------- configuration */

static int cli_add(struct agent *ag, const char *section, const char *key, const char *value,
		   const char *where)
{
	struct cli_set *c;

	if (ag->ncli == MAX_CLI) {
		vigil_err("agent: at most %d settings on the command line", MAX_CLI);
		return EXIT_USAGE;
	}
	/* a named rule, probe or syscall set given twice: the second would hide the first */
	for (int i = 0; i < ag->ncli; i++) {
		bool named = !strcmp(where, "--rule") || !strcmp(where, "--probe") ||
			     !strcmp(where, "--syscalls");

		if (named && !strcmp(ag->cli[i].section, section) &&
		    !strcmp(ag->cli[i].where, where)) {
			vigil_err("agent: %s: [%s] given twice", where, section);
			return EXIT_USAGE;
		}
	}
	c = &ag->cli[ag->ncli++];
	snprintf(c->section, sizeof(c->section), "%s", section);
	snprintf(c->key, sizeof(c->key), "%s", key);
	snprintf(c->where, sizeof(c->where), "%s", where);
	c->value = strdup(value);
	return c->value ? 0 : EXIT_USAGE;
}

/* "rule.slow.command=CMD": the section is everything before the last dot of the name. */
static int cli_set_generic(struct agent *ag, const char *arg)
{
	const char *eq = strchr(arg, '='), *dot;
	char name[ALERT_NAME_MAX + 48], section[ALERT_NAME_MAX + 16];
	size_t n;

	if (!eq || eq == arg) {
		vigil_err("agent: --set '%s': not SECTION.KEY=VALUE", arg);
		return EXIT_USAGE;
	}
	n = eq - arg < (long)sizeof(name) - 1 ? (size_t)(eq - arg) : sizeof(name) - 1;
	memcpy(name, arg, n);
	name[n] = '\0';
	dot = strrchr(name, '.');
	if (!dot || dot == name || !dot[1]) {
		vigil_err("agent: --set '%s': not SECTION.KEY=VALUE", arg);
		return EXIT_USAGE;
	}
	n = dot - name < (long)sizeof(section) - 1 ? (size_t)(dot - name) : sizeof(section) - 1;
	memcpy(section, name, n);
	section[n] = '\0';
	/* "rule.slow" is the section [rule slow] */
	{
		char *d = strchr(section, '.');

		if (d)
			*d = ' ';
	}
	return cli_add(ag, section, dot + 1, eq + 1, "--set");
}

static int parse_args(int argc, char **argv, struct agent *ag)
{
	enum {
		OPT_WINDOW = 256,
		OPT_INTERVAL,
		OPT_KEEP_WINDOWS,
		OPT_FORMATS,
		OPT_KEEP_MB,
		OPT_NO_SYSLOG,
		OPT_NAME,
		OPT_CLOCK,
		OPT_NO_PROFILE,
		OPT_STATSD,
		OPT_PREFIX,
		OPT_SYSCALLS,
		OPT_PROBE,
		OPT_RULE,
		OPT_SET,
	};
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"output", required_argument, NULL, 'o'},
		{"window", required_argument, NULL, OPT_WINDOW},
		{"interval", required_argument, NULL, OPT_INTERVAL},
		{"keep-windows", required_argument, NULL, OPT_KEEP_WINDOWS},
		{"format", required_argument, NULL, OPT_FORMATS},
		{"keep-mb", required_argument, NULL, OPT_KEEP_MB},
		{"no-syslog", no_argument, NULL, OPT_NO_SYSLOG},
		{"pid", required_argument, NULL, 'p'},
		{"name", required_argument, NULL, OPT_NAME},
		{"freq", required_argument, NULL, 'F'},
		{"clock", required_argument, NULL, OPT_CLOCK},
		{"no-profile", no_argument, NULL, OPT_NO_PROFILE},
		{"user-only", no_argument, NULL, 'U'},
		{"kernel-only", no_argument, NULL, 'K'},
		{"statsd", required_argument, NULL, OPT_STATSD},
		{"prefix", required_argument, NULL, OPT_PREFIX},
		{"syscalls", required_argument, NULL, OPT_SYSCALLS},
		{"probe", required_argument, NULL, OPT_PROBE},
		{"rule", required_argument, NULL, OPT_RULE},
		{"set", required_argument, NULL, OPT_SET},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	int opt, err = 0;

	optind = 1;
	opterr = 0;
	while (!err && (opt = getopt_long(argc, argv, "+:c:o:p:F:UKvh", longopts, NULL)) != -1) {
		const char *colon, *eq;
		char sec[ALERT_NAME_MAX + 16];

		switch (opt) {
		case 'c':
			ag->config_path = optarg;
			break;
		case 'o':
			err = cli_add(ag, "agent", "output", optarg, "-o");
			break;
		case OPT_WINDOW:
			err = cli_add(ag, "agent", "window", optarg, "--window");
			break;
		case OPT_INTERVAL:
			err = cli_add(ag, "agent", "interval", optarg, "--interval");
			break;
		case OPT_KEEP_WINDOWS:
			err = cli_add(ag, "agent", "keep_windows", optarg, "--keep-windows");
			break;
		case OPT_FORMATS:
			err = cli_add(ag, "agent", "formats", optarg, "--format");
			break;
		case OPT_KEEP_MB:
			err = cli_add(ag, "agent", "keep_mb", optarg, "--keep-mb");
			break;
		case OPT_NO_SYSLOG:
			err = cli_add(ag, "agent", "syslog", "no", "--no-syslog");
			break;
		case 'p':
			err = cli_add(ag, "target", "pid", optarg, "-p");
			break;
		case OPT_NAME:
			err = cli_add(ag, "target", "name", optarg, "--name");
			break;
		case 'F':
			err = cli_add(ag, "profile", "freq", optarg, "-F");
			break;
		case OPT_CLOCK:
			err = cli_add(ag, "profile", "clock", optarg, "--clock");
			break;
		case OPT_NO_PROFILE:
			err = cli_add(ag, "profile", "enabled", "no", "--no-profile");
			break;
		case 'U':
			err = cli_add(ag, "profile", "stacks", "user", "-U");
			break;
		case 'K':
			err = cli_add(ag, "profile", "stacks", "kernel", "-K");
			break;
		case OPT_STATSD:
			if (!strcmp(optarg, "off")) {
				err = cli_add(ag, "statsd", "enabled", "no", "--statsd");
				break;
			}
			colon = strrchr(optarg, ':');
			if (!colon || colon == optarg || !colon[1]) {
				vigil_err("agent: --statsd '%s': not HOST:PORT or off", optarg);
				return EXIT_USAGE;
			}
			{
				char host[256];
				size_t n = colon - optarg;

				/* [::1]:8125 */
				if (optarg[0] == '[' && colon[-1] == ']') {
					n -= 2;
					snprintf(host, sizeof(host), "%.*s", (int)n, optarg + 1);
				} else {
					snprintf(host, sizeof(host), "%.*s", (int)n, optarg);
				}
				err = cli_add(ag, "statsd", "host", host, "--statsd") ||
				      cli_add(ag, "statsd", "port", colon + 1, "--statsd") ||
				      cli_add(ag, "statsd", "enabled", "yes", "--statsd");
			}
			break;
		case OPT_PREFIX:
			err = cli_add(ag, "statsd", "prefix", optarg, "--prefix");
			break;
		case OPT_SYSCALLS:
			eq = strchr(optarg, '=');
			if (!eq || eq == optarg) {
				vigil_err("agent: --syscalls '%s': not NAME=LIST", optarg);
				return EXIT_USAGE;
			}
			snprintf(sec, sizeof(sec), "syscalls %.*s", (int)(eq - optarg), optarg);
			err = cli_add(ag, sec, "syscalls", eq + 1, "--syscalls");
			break;
		case OPT_PROBE:
			eq = strchr(optarg, '=');
			if (!eq || eq == optarg) {
				vigil_err("agent: --probe '%s': not NAME=FILE:GLOB[,...]", optarg);
				return EXIT_USAGE;
			}
			snprintf(sec, sizeof(sec), "probe %.*s", (int)(eq - optarg), optarg);
			err = cli_add(ag, sec, "functions", eq + 1, "--probe");
			break;
		case OPT_RULE:
			colon = strchr(optarg, ':');
			if (!colon || colon == optarg) {
				vigil_err("agent: --rule '%s': not 'NAME: EXPR'", optarg);
				return EXIT_USAGE;
			}
			snprintf(sec, sizeof(sec), "rule %.*s", (int)(colon - optarg), optarg);
			err = cli_add(ag, sec, "when", colon + 1, "--rule");
			break;
		case OPT_SET:
			err = cli_set_generic(ag, optarg);
			break;
		case 'v':
			vigil_verbose++;
			break;
		case 'h':
			return -1;
		case ':':
			vigil_err("agent: option '%s' needs a value", argv[optind - 1]);
			return EXIT_USAGE;
		default:
			vigil_err("agent: unknown option '%s' (vigil agent --help)",
				  argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (err)
		return EXIT_USAGE;
	if (optind < argc) {
		vigil_err("agent: unexpected argument '%s' (vigil agent --help)", argv[optind]);
		return EXIT_USAGE;
	}
	return 0;
}

/* Defaults, then the file, then the command line. NULL after printing why. */
static struct agent_config *read_config(struct agent *ag)
{
	struct agent_config *c = agent_config__new();

	if (!c) {
		vigil_err("agent: out of memory");
		return NULL;
	}
	if (ag->config_path && agent_config__load(c, ag->config_path))
		goto fail;
	for (int i = 0; i < ag->ncli; i++)
		if (agent_config__set(c, ag->cli[i].section, ag->cli[i].key, ag->cli[i].value,
				      ag->cli[i].where))
			goto fail;
	if (agent_config__check(c))
		goto fail;
	return c;
fail:
	agent_config__free(c);
	return NULL;
}

/* The output folder exists, or is made, and takes a file. 0 or EXIT_USAGE. */
static int check_output(const struct agent_config *c, const char *where)
{
	char path[PATH_MAX];
	int fd;

	if (mkdir(c->output, 0755) && errno != EEXIST) {
		vigil_err("%s: output '%s': %s", where, c->output, strerror(errno));
		return EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "%s/.vigil-check-XXXXXX", c->output);
	fd = mkstemp(path);
	if (fd < 0) {
		vigil_err("%s: output '%s': cannot write there: %s", where, c->output,
			  strerror(errno));
		return EXIT_USAGE;
	}
	close(fd);
	unlink(path);
	return 0;
}

/* Where the output setting came from, for its message. */
static const char *output_where(const struct agent *ag)
{
	for (int i = ag->ncli - 1; i >= 0; i--)
		if (!strcmp(ag->cli[i].section, "agent") && !strcmp(ag->cli[i].key, "output"))
			return ag->cli[i].where;
	return ag->config_path ? ag->config_path : "agent";
}

/* ---------------------------------------------------------------- messages */

/* One line on stderr, and to syslog when asked. */
static void __attribute__((format(printf, 3, 4)))
say(const struct agent *ag, int prio, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "vigil agent: %s\n", msg);
	if (ag->cfg && ag->cfg->syslog)
		syslog(prio, "%s", msg);
}

/* ---------------------------------------------------------------- collectors */

static bool name_matches(const struct agent_config *c, const char *comm, const char *exe)
{
	for (int i = 0; i < c->nnames; i++)
		if (!fnmatch(c->names[i], comm, 0) || (exe && !fnmatch(c->names[i], exe, 0)))
			return true;
	return false;
}

static void add_target(struct agent *ag, __u32 tgid)
{
	__u8 one = 1;

	if (ag->watch)
		bpf_map__update_elem(ag->watch->maps.targets, &tgid, sizeof(tgid), &one,
				     sizeof(one), BPF_ANY);
}

/*
 * The shared targets map, with the listed pids in it, and the exec hook
 * that adds processes by name as they start. 0 or -1 after printing.
 */
static int start_watch(struct agent *ag)
{
	const struct agent_config *c = ag->cfg;
	int err;

	ag->watch = agent_watch_bpf__open();
	if (!ag->watch) {
		vigil_err("agent: failed to open the exec watcher: %s", strerror(errno));
		return -1;
	}
	ag->watch->rodata->npatterns = c->nnames;
	ag->watch->rodata->follow_forks = c->nnames > 0;
	for (int i = 0; i < c->nnames; i++)
		snprintf((char *)ag->watch->rodata->patterns[i], AGENT_PATTERN_LEN, "%s",
			 c->names[i]);
	/* with no pid and no name every process is a target: nothing to keep */
	bpf_program__set_autoload(ag->watch->progs.agent_exec, c->nnames > 0);
	bpf_program__set_autoload(ag->watch->progs.agent_fork, c->nnames > 0);
	bpf_program__set_autoload(ag->watch->progs.agent_exit, c->npids || c->nnames);
	err = agent_watch_bpf__load(ag->watch);
	if (err) {
		vigil_err("agent: failed to load the exec watcher: %s (-vv shows libbpf's log)",
			  strerror(-err));
		return -1;
	}
	for (int i = 0; i < c->npids; i++)
		add_target(ag, c->pids[i]);
	if (c->npids || c->nnames) {
		err = agent_watch_bpf__attach(ag->watch);
		if (err) {
			vigil_err("agent: failed to attach the exec watcher: %s", strerror(-err));
			return -1;
		}
	}
	return 0;
}

static int targets_fd(const struct agent *ag)
{
	return ag->watch ? bpf_map__fd(ag->watch->maps.targets) : -1;
}

/*
 * Name patterns: every process whose name or executable matches becomes
 * a target; its children follow in the kernel. Adding one twice is free.
 */
static void scan_names(struct agent *ag)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t self = getpid();

	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[64], comm[64] = "", exe[PATH_MAX];
		const char *base = NULL;
		ssize_t n;
		long pid;
		int fd;

		pid = strtol(de->d_name, NULL, 10);
		if (pid <= 0 || pid == self)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, comm, sizeof(comm) - 1);
		close(fd);
		if (n <= 0)
			continue;
		comm[n] = '\0';
		comm[strcspn(comm, "\n")] = '\0';
		snprintf(path, sizeof(path), "/proc/%ld/exe", pid);
		n = readlink(path, exe, sizeof(exe) - 1);
		if (n > 0) {
			exe[n] = '\0';
			base = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe;
		}
		if (name_matches(ag->cfg, comm, base))
			add_target(ag, pid);
	}
	closedir(d);
}

static int start_profile(struct agent *ag)
{
	const struct agent_config *c = ag->cfg;
	struct profile_opts o = {
		.clock = c->clock,
		.freq = c->freq,
		.add_targets = c->npids || c->nnames, /* the exec watcher follows forks */
		.wait_pids = c->pids,
		.nwait_pids = c->npids,
		.user = c->user,
		.kernel = c->kernel,
		.targets_fd = targets_fd(ag),
	};

	if (!c->profile)
		return 0;
	ag->prof = profile__new(&o);
	if (!ag->prof)
		return -1;
	if (c->kernel && symbolizer__load_kernel(ag->sym))
		return -1;
	if (profile__attach(ag->prof))
		return -1;
	ag->next_drain = now_ns() + profile__drain_interval_ms(ag->prof) * 1000000ULL;
	vigil_info(1, "agent: profiling with %s", profile__describe(ag->prof));
	return 0;
}

static int start_instruments(struct agent *ag)
{
	const struct agent_config *c = ag->cfg;
	struct alert_rule rules[AGENT_MAX_RULES];
	char err[256];

	/* functions first: a probe that names nothing is the configuration's fault */
	if (c->nprobes) {
		ag->fn = agent_fn__new(c, targets_fd(ag));
		if (!ag->fn)
			return errno == EINVAL ? EXIT_USAGE : -1;
	}
	if (c->nsys) {
		ag->sys = agent_sys__new(c, targets_fd(ag));
		if (!ag->sys)
			return -1;
	}
	ag->sd_errors_seen = ag->sd_sent_seen = 0;
	ag->statsd_said = false;
	if (c->statsd) {
		ag->sd = statsd__open(c->host, c->port, c->prefix, c->max_packet, err, sizeof(err));
		if (!ag->sd) {
			vigil_err("agent: %s", err);
			return EXIT_USAGE;
		}
	}
	for (int i = 0; i < c->nrules; i++)
		rules[i] = c->rules[i].rule;
	ag->alerts = alerts__new(rules, c->nrules);
	if (!ag->alerts) {
		vigil_err("agent: out of memory");
		return -1;
	}
	return 0;
}

static void stop_instruments(struct agent *ag)
{
	agent_sys__free(ag->sys);
	ag->sys = NULL;
	agent_fn__free(ag->fn);
	ag->fn = NULL;
	statsd__close(ag->sd);
	ag->sd = NULL;
	alerts__free(ag->alerts);
	ag->alerts = NULL;
}

/* ---------------------------------------------------------------- own cost */

/* The run time of every BPF program this process holds, from /proc/self/fdinfo. */
static void bpf_cost(__u64 *ns, __u64 *runs)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	*ns = *runs = 0;
	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[300], link[64], line[128];
		ssize_t n;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (strcmp(link, "anon_inode:bpf-prog"))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%s", de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			unsigned long long v;

			if (sscanf(line, "run_time_ns: %llu", &v) == 1)
				*ns += v;
			else if (sscanf(line, "run_cnt: %llu", &v) == 1)
				*runs += v;
		}
		fclose(f);
	}
	closedir(d);
}

static __u64 rss_bytes(void)
{
	unsigned long size, resident = 0;
	FILE *f = fopen("/proc/self/statm", "re");

	if (!f)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return (__u64)resident * sysconf(_SC_PAGESIZE);
}

static __u64 lost_of(const struct profile_stats *st)
{
	return st->counts_full + st->lost_user[0] + st->lost_user[1] + st->lost_kern[0] +
	       st->lost_kern[1] + st->events_lost + st->spans_full + st->threads_full + st->missed;
}

static void read_cost(const struct agent *ag, struct own_cost *c)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	c->cpu_ns = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ULL +
		    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ULL;
	bpf_cost(&c->bpf_ns, &c->bpf_runs);
	c->samples = c->lost = 0;
	if (ag->prof) {
		struct profile_stats st;

		profile__stats(ag->prof, &st);
		c->samples = st.samples;
		c->lost = lost_of(&st);
	}
	c->mono_ns = now_ns();
	/* counters of collectors a reload replaced go on from where they were */
	c->bpf_ns += ag->offset.bpf_ns;
	c->bpf_runs += ag->offset.bpf_runs;
	c->samples += ag->offset.samples;
	c->lost += ag->offset.lost;
}

/* ---------------------------------------------------------------- windows */

/* "20261203T180000Z", the window's start in UTC. */
static void window_name(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y%m%dT%H%M%SZ", &tm);
}

/* "20261203T180000Z.folded", or "...Z-2.folded" for a second window begun in that second. */
static bool is_window_file(const char *name)
{
	static const char shape[] = "ddddddddTddddddZ";
	size_t n = strlen(name);

	for (size_t i = 0; i < sizeof(shape) - 1; i++) {
		char c = name[i];

		if (!c || (shape[i] == 'd' ? c < '0' || c > '9' : c != shape[i]))
			return false;
	}
	return n > 7 && !strcmp(name + n - 7, ".folded");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files written beside a window's .folded, removed with it. */
static const char *const siblings[] = {".json", ".svg", ".pb.gz"};

/* DIR/NAME with NAME's ".folded" replaced by suffix. */
static void window_sibling(char *buf, size_t len, const char *dir, const char *name,
			   const char *suffix)
{
	snprintf(buf, len, "%s/%.*s%s", dir, (int)(strlen(name) - strlen(".folded")), name, suffix);
}

/* What the agent profiles, for a flame graph's subtitle. */
static void describe_targets(const struct agent_config *c, char *buf, size_t len)
{
	size_t n = 0;

	if (!c->npids && !c->nnames) {
		snprintf(buf, len, "whole system");
		return;
	}
	buf[0] = '\0';
	for (int i = 0; i < c->npids && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%d", i ? "," : "pid ", c->pids[i]);
	for (int i = 0; i < c->nnames && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%s",
			      i	  ? ","
			      : n ? "; named "
				  : "named ",
			      c->names[i]);
}

/* Keep the newest keep_windows windows and at most keep_mb MB of them; the newest always. */
static void retain(struct agent *ag)
{
	const struct agent_config *c = ag->cfg;
	DIR *d = opendir(c->output);
	char **names = NULL, path[PATH_MAX];
	size_t n = 0, cap = 0;
	__u64 *sizes = NULL, total = 0, limit = (__u64)c->keep_mb << 20;
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!is_window_file(de->d_name))
			continue;
		if (n == cap) {
			size_t c2 = cap ? 2 * cap : 64;
			char **nn = realloc(names, c2 * sizeof(*nn));

			if (!nn)
				break;
			names = nn;
			cap = c2;
		}
		names[n] = strdup(de->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	sizes = calloc(n ? n : 1, sizeof(*sizes));
	for (size_t i = 0; sizes && i < n; i++) {
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", c->output, names[i]);
		if (!stat(path, &st))
			sizes[i] = st.st_size;
		for (size_t k = 0; k < sizeof(siblings) / sizeof(siblings[0]); k++) {
			window_sibling(path, sizeof(path), c->output, names[i], siblings[k]);
			if (!stat(path, &st))
				sizes[i] += st.st_size;
		}
		total += sizes[i];
	}
	/* names sort by time: the oldest first */
	for (size_t i = 0; sizes && i + 1 < n; i++) {
		size_t left = n - i;

		if (left <= c->keep_windows && (!limit || total <= limit))
			break;
		snprintf(path, sizeof(path), "%s/%s", c->output, names[i]);
		if (!unlink(path))
			total -= sizes[i];
		/* its description and its other formats go with it */
		for (size_t k = 0; k < sizeof(siblings) / sizeof(siblings[0]); k++) {
			window_sibling(path, sizeof(path), c->output, names[i], siblings[k]);
			unlink(path);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(sizes);
}

/* Write the window [window_real, now) and start the next. 0, or -errno after saying why. */
static int write_window(struct agent *ag)
{
	const struct agent_config *c = ag->cfg;
	char base[32], path[PATH_MAX], jpath[PATH_MAX], xpath[PATH_MAX], what[256];
	struct outfile x = {};
	const char *failed = path;

	struct profile_meta meta = {
		.command = "vigil agent",
		.target = what,
		.clock = c->clock == PROFILE_CLOCK_CPU	  ? "cpu"
			 : c->clock == PROFILE_CLOCK_WALL ? "wall"
							  : "off",
		.unit = c->clock == PROFILE_CLOCK_CPU ? "samples" : "us",
	};
	struct outfile out = {}, js = {};
	struct own_cost now;
	__u64 secs_ns, total = 0, lost;
	double secs, cpu_pct, bpf_pct;
	time_t end = time(NULL);
	char sdnote[96];
	json_object *j;
	int err = 0;

	read_cost(ag, &now);
	if (!c->profile)
		goto cost;
	if (c->clock != PROFILE_CLOCK_CPU)
		stack_set__scale(ag->window, 1000); /* ns to microseconds */
	total = stack_set__total(ag->window);
	/* a folder removed while the agent runs is made again */
	if (mkdir(c->output, 0755) && errno != EEXIST)
		say(ag, LOG_ERR, "output '%s': %s", c->output, strerror(errno));
	window_name(ag->window_real, base, sizeof(base));
	snprintf(path, sizeof(path), "%s/%s.folded", c->output, base);
	for (int i = 1; !access(path, F_OK) && i < 100; i++)
		snprintf(path, sizeof(path), "%s/%s-%d.folded", c->output, base, i);
	snprintf(jpath, sizeof(jpath), "%.*s.json", (int)(strlen(path) - strlen(".folded")), path);

	lost = now.lost - ag->at_window.lost;
	j = json_object_new_object();
	{
		char t[32];
		struct tm tm;

		gmtime_r(&ag->window_real, &tm);
		strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", &tm);
		json_object_object_add(j, "start", json_object_new_string(t));
		gmtime_r(&end, &tm);
		strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", &tm);
		json_object_object_add(j, "end", json_object_new_string(t));
	}
	{
		char secs[32];
		double d = (now.mono_ns - ag->window_mono) / 1e9;

		/* milliseconds are all a window's length means; json-c would print 17 digits */
		snprintf(secs, sizeof(secs), "%.3f", d);
		json_object_object_add(j, "seconds", json_object_new_double_s(d, secs));
	}
	json_object_object_add(j, "clock",
			       json_object_new_string(c->clock == PROFILE_CLOCK_CPU    ? "cpu"
						      : c->clock == PROFILE_CLOCK_WALL ? "wall"
										       : "off"));
	json_object_object_add(
		j, "unit",
		json_object_new_string(c->clock == PROFILE_CLOCK_CPU ? "samples" : "microseconds"));
	json_object_object_add(j, "freq", json_object_new_int64(c->freq));
	json_object_object_add(j, "total", json_object_new_int64(total));
	json_object_object_add(j, "stacks", json_object_new_int64(stack_set__count(ag->window)));
	json_object_object_add(j, "lost", json_object_new_int64(lost));
	json_object_object_add(j, "sampler", json_object_new_string(profile__describe(ag->prof)));

	meta.event = profile__event(ag->prof);
	meta.freq = meta.event ? c->freq : 0;
	meta.start = ag->window_real;
	meta.duration_ns = now.mono_ns - ag->window_mono;
	meta.sym = ag->sym;
	describe_targets(c, what, sizeof(what));
	/* the profile first: a window's description says its profile is whole */
	err = outfile__open(&out, path);
	if (!err) {
		err = folded__write(out.f, ag->window);
		/* a write error shows in the stream: commit says which, with the file's name */
		if (!err || err == -EIO)
			err = outfile__commit(&out);
	}
	/*
	 * Then the other formats asked for: a window is its profile and its
	 * description, so one that fails is said and the window still kept.
	 */
	for (int k = 0; !err && k < 2; k++) {
		enum sink_format fmt = k ? SINK_PPROF : SINK_SVG;
		int xerr;

		if (!(k ? c->pprof : c->svg))
			continue;
		snprintf(xpath, sizeof(xpath), "%.*s%s", (int)(strlen(path) - strlen(".folded")),
			 path, k ? ".pb.gz" : ".svg");
		xerr = outfile__open(&x, xpath);
		if (!xerr) {
			xerr = sink__write(x.f, fmt, ag->window, &meta);
			if (!xerr || xerr == -EIO)
				xerr = outfile__commit(&x);
		}
		outfile__abort(&x);
		if (xerr)
			say(ag, LOG_ERR, "window %s: no %s: cannot write %s: %s", base,
			    sink__format_name(fmt), xpath, strerror(-xerr));
	}
	if (!err) {
		failed = jpath;
		err = outfile__open(&js, jpath);
	}
	if (!err) {
		fprintf(js.f, "%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
		err = outfile__commit(&js);
	}
	json_object_put(j);
	outfile__abort(&js);
	outfile__abort(&out);
	if (err) {
		say(ag, LOG_ERR, "window %s: cannot write %s: %s", base, failed, strerror(-err));
	} else {
		ag->windows_written++;
		ag->samples_written += total;
		retain(ag);
	}
	stack_set__free(ag->window);
	ag->window = stack_set__new();
	if (!ag->window)
		return -ENOMEM;
cost:
	/*
	 * Give the heap's free pages back: a window's profile and the caches
	 * of processes gone are freed in bulk, and the RSS logged below should
	 * be what the agent holds, not the high-water mark of its heap.
	 */
	malloc_trim(0);
	secs_ns = now.mono_ns - ag->at_window.mono_ns;
	secs = secs_ns ? secs_ns / 1e9 : 1;
	cpu_pct = 100.0 * (now.cpu_ns - ag->at_window.cpu_ns) / (secs * 1e9);
	bpf_pct = 100.0 * (now.bpf_ns - ag->at_window.bpf_ns) / (secs * 1e9);
	sdnote[0] = '\0';
	if (ag->sd) {
		struct statsd_stats st;

		statsd__stats(ag->sd, &st);
		if (st.send_errors > ag->sd_errors_seen)
			snprintf(sdnote, sizeof(sdnote), "; statsd: %llu of %llu sends failed",
				 st.send_errors - ag->sd_errors_seen,
				 st.send_errors + st.packets - ag->sd_errors_seen -
					 ag->sd_sent_seen);
		ag->sd_errors_seen = st.send_errors;
		ag->sd_sent_seen = st.packets;
	}
	say(ag, LOG_INFO,
	    "window %s: %llu %s in %.1f s, %llu lost; own cost: CPU %.3f%% (%.0f ms), RSS %.1f MB, "
	    "BPF %.3f%% of a CPU (%.0f ms, %llu runs)%s",
	    c->profile ? base : "-", c->profile ? (unsigned long long)total : 0ULL,
	    c->clock == PROFILE_CLOCK_CPU ? "samples" : "us", secs,
	    (unsigned long long)(now.lost - ag->at_window.lost), cpu_pct,
	    (now.cpu_ns - ag->at_window.cpu_ns) / 1e6, rss_bytes() / 1048576.0, bpf_pct,
	    (now.bpf_ns - ag->at_window.bpf_ns) / 1e6,
	    (unsigned long long)(now.bpf_runs - ag->at_window.bpf_runs), sdnote);
	ag->at_window = now;
	ag->window_mono = now.mono_ns;
	ag->window_real = end;
	return err ? err : 0;
}

/* ---------------------------------------------------------------- intervals */

/* share rules: CPU samples per process, and with a matching function on the stack. */
struct share {
	char series[256];
	char proc[64];
	__u64 hits;
};

static bool any_share_rule(const struct agent_config *c)
{
	for (int i = 0; i < c->nrules; i++)
		if (c->rules[i].rule.stat == ALERT_SHARE)
			return true;
	return false;
}

/* Series "PROC.cpu.FUNCTION" for every frame that a share rule names, from this interval. */
static size_t shares_of(const struct agent_config *c, struct stack_set *iv, struct share **out,
			struct alert_sample **procs_out, size_t *nprocs_out)
{
	struct stack **st = stack_set__sorted(iv);
	struct share *sh = NULL;
	struct alert_sample *procs = NULL;
	size_t n = 0, cap = 0, np = 0;

	for (size_t i = 0; st && i < stack_set__count(iv); i++) {
		const struct stack *s = st[i];
		size_t p;

		if (!s->depth)
			continue;
		for (p = 0; p < np; p++)
			if (!strcmp(procs[p].series, s->frames[0]))
				break;
		if (p == np) {
			struct alert_sample *pp = realloc(procs, (np + 1) * sizeof(*pp));

			if (!pp)
				break;
			procs = pp;
			memset(&procs[np], 0, sizeof(procs[np]));
			procs[np++].series = s->frames[0];
		}
		procs[p].samples += s->value;
		for (size_t d = 1; d < s->depth; d++) {
			char series[256];
			bool named = false, dup = false;
			size_t k;

			snprintf(series, sizeof(series), "%s.cpu.%s", s->frames[0], s->frames[d]);
			for (int r = 0; r < c->nrules && !named; r++)
				named = c->rules[r].rule.stat == ALERT_SHARE &&
					!fnmatch(c->rules[r].rule.pattern, series, 0);
			if (!named)
				continue;
			/* a recursive function counts once per sample */
			for (size_t e = 1; e < d && !dup; e++)
				dup = s->frames[e] == s->frames[d];
			if (dup)
				continue;
			for (k = 0; k < n; k++)
				if (!strcmp(sh[k].series, series))
					break;
			if (k == n) {
				if (n == cap) {
					size_t c2 = cap ? 2 * cap : 16;
					struct share *nn = realloc(sh, c2 * sizeof(*nn));

					if (!nn)
						break;
					sh = nn;
					cap = c2;
				}
				snprintf(sh[n].series, sizeof(sh[n].series), "%s", series);
				snprintf(sh[n].proc, sizeof(sh[n].proc), "%s", s->frames[0]);
				sh[n++].hits = 0;
			}
			sh[k].hits += s->value;
		}
	}
	*out = sh;
	*procs_out = procs;
	*nprocs_out = np;
	return n;
}

static void alert_changed(void *ctx, const struct alert_event *ev)
{
	struct agent *ag = ctx;
	char rule[256], value[64], is[80] = "has no value", name[ALERT_NAME_MAX + 32];
	double dur = ev->now - ev->since;

	alert_rule__describe(ev->rule, rule, sizeof(rule));
	if (ev->known) {
		alert_format_value(ev->rule->stat, ev->value, value, sizeof(value));
		snprintf(is, sizeof(is), "is %s", value);
	}
	if (ev->firing)
		say(ag, LOG_WARNING, "alert %s firing: %s %s (%s; held %.0f s)", ev->rule->name,
		    ev->series, is, rule, dur);
	else
		say(ag, LOG_NOTICE, "alert %s cleared: %s %s (%s; fired %.0f s ago)",
		    ev->rule->name, ev->series, is, rule, dur);
	if (ag->sd) {
		char clean[ALERT_NAME_MAX];

		statsd__clean_name(ev->rule->name, clean, sizeof(clean));
		snprintf(name, sizeof(name), "alerts.%s.%s", clean,
			 ev->firing ? "fired" : "cleared");
		statsd__counter(ag->sd, name, 1);
	}
	if (ev->rule->command) {
		int pid = alerts__run_command(ev);

		if (pid < 0)
			say(ag, LOG_ERR, "alert %s: cannot run its command: %s", ev->rule->name,
			    strerror(-pid));
	}
}

/* "PREFIX.PROC.syscall.NAME.": statsd names of a syscall row. */
static void sys_series(const struct agent_sys_row *r, char *series, size_t len)
{
	const char *name = sysnames__name(r->nr, false);
	char n[32];

	if (!name) {
		snprintf(n, sizeof(n), "syscall_%d", r->nr);
		name = n;
	}
	snprintf(series, len, "%s.syscall.%s", r->proc, name);
}

static void send_timer(struct statsd *sd, const char *base, __u64 calls, __u64 sum_ns, __u64 min_ns,
		       __u64 max_ns, const __u64 *hist)
{
	static const struct {
		const char *name;
		double q;
	} qs[] = {{"p50", 0.50}, {"p90", 0.90}, {"p99", 0.99}};
	char name[400];

	/* one line stands for the interval's calls: statsd counts them, the mean is right */
	snprintf(name, sizeof(name), "%s.latency", base);
	statsd__timer(sd, name, sum_ns / 1e6 / calls, 1.0 / calls);
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		snprintf(name, sizeof(name), "%s.latency.%s", base, qs[i].name);
		statsd__gauge(sd, name,
			      hist__quantile(hist, calls, sum_ns, min_ns, max_ns, qs[i].q) / 1e6);
	}
	snprintf(name, sizeof(name), "%s.latency.max", base);
	statsd__gauge(sd, name, max_ns / 1e6);
	snprintf(name, sizeof(name), "%s.latency.sum", base);
	statsd__gauge(sd, name, sum_ns / 1e6);
}

/*
 * One interval: instruments read, statsd sent, rules judged at tick_ns,
 * when the interval was due (the loop wakes a little after it, by a
 * varying amount, and a rule's duration must not gain an interval by it).
 */
static void interval_tick(struct agent *ag, __u64 tick_ns)
{
	const struct agent_config *c = ag->cfg;
	struct alert_sample *samples = NULL, *procs = NULL;
	size_t ns = 0, nprocs = 0, nsh = 0, nrows = 0, nfn = 0;
	const struct agent_sys_row *rows = NULL;
	const struct agent_fn_row *fns = NULL;
	char(*names)[256] = NULL;
	struct share *sh = NULL;
	struct own_cost now;
	double secs;

	read_cost(ag, &now);
	secs = (now.mono_ns - ag->at_interval.mono_ns) / 1e9;
	if (secs <= 0)
		secs = 1e-9;
	if (ag->sys && agent_sys__read(ag->sys, &rows, &nrows))
		say(ag, LOG_ERR, "cannot read the syscall counts: out of memory");
	if (ag->fn && agent_fn__read(ag->fn, &fns, &nfn))
		say(ag, LOG_ERR, "cannot read the function counts: out of memory");
	if (ag->prof && any_share_rule(c))
		nsh = shares_of(c, ag->iv, &sh, &procs, &nprocs);

	samples = calloc(nrows + nfn + nsh + 1, sizeof(*samples));
	names = calloc(nrows + nfn + 1, sizeof(*names));
	for (size_t i = 0; samples && names && i < nrows; i++) {
		const struct agent_sys_row *r = &rows[i];
		struct alert_sample *s = &samples[ns++];

		sys_series(r, names[i], sizeof(names[i]));
		s->series = names[i];
		s->seconds = secs;
		s->calls = r->calls;
		s->errors = r->errors;
		s->sum_ns = r->sum_ns;
		s->min_ns = r->min_ns;
		s->max_ns = r->max_ns;
		s->hist = r->hist;
		if (ag->sd && r->calls) {
			char base[300], name[340], proc[32];
			const char *sys = names[i] + strlen(r->proc) + strlen(".syscall.");

			/* the process's name is one part, dots and all ("python3.11") */
			statsd__clean_name(r->proc[0] ? r->proc : "_", proc, sizeof(proc));
			snprintf(base, sizeof(base), "%s.syscall.%s", proc, sys);
			snprintf(name, sizeof(name), "%s.calls", base);
			statsd__counter(ag->sd, name, r->calls);
			snprintf(name, sizeof(name), "%s.errors", base);
			statsd__counter(ag->sd, name, r->errors);
			send_timer(ag->sd, base, r->calls, r->sum_ns, r->min_ns, r->max_ns,
				   r->hist);
		}
	}
	for (size_t i = 0; samples && names && i < nfn; i++) {
		const struct agent_fn_row *r = &fns[i];
		struct alert_sample *s = &samples[ns++];
		char *series = names[nrows + i];

		snprintf(series, sizeof(names[0]), "%s.fn.%s", r->proc, r->fn);
		s->series = series;
		s->seconds = secs;
		s->calls = r->calls;
		s->sum_ns = r->sum_ns;
		s->min_ns = r->min_ns;
		s->max_ns = r->max_ns;
		s->hist = r->hist;
		if (ag->sd && r->calls) {
			char proc[32], fn[256], base[320], name[360];

			/* the function's name is one part, whatever it holds ("ns::f") */
			statsd__clean_name(r->proc, proc, sizeof(proc));
			statsd__clean_name(r->fn, fn, sizeof(fn));
			snprintf(base, sizeof(base), "%s.fn.%s", proc, fn);
			snprintf(name, sizeof(name), "%s.calls", base);
			statsd__counter(ag->sd, name, r->calls);
			send_timer(ag->sd, base, r->calls, r->sum_ns, r->min_ns, r->max_ns,
				   r->hist);
			snprintf(name, sizeof(name), "%s.cpu.sum", base);
			statsd__gauge(ag->sd, name, r->cpu_ns / 1e6);
		}
	}
	for (size_t i = 0; samples && i < nsh; i++) {
		struct alert_sample *s = &samples[ns++];

		s->series = sh[i].series;
		s->seconds = secs;
		s->hits = sh[i].hits;
		for (size_t p = 0; p < nprocs; p++)
			if (!strcmp(procs[p].series, sh[i].proc))
				s->samples = procs[p].samples;
	}
	if (ag->alerts && samples)
		alerts__eval(ag->alerts, tick_ns / 1e9, samples, ns, alert_changed, ag);

	if (ag->sd) {
		statsd__counter(ag->sd, "agent.samples", now.samples - ag->at_interval.samples);
		statsd__counter(ag->sd, "agent.lost", now.lost - ag->at_interval.lost);
		statsd__gauge(ag->sd, "agent.cpu_pct",
			      100.0 * (now.cpu_ns - ag->at_interval.cpu_ns) / (secs * 1e9));
		statsd__gauge(ag->sd, "agent.bpf_pct",
			      100.0 * (now.bpf_ns - ag->at_interval.bpf_ns) / (secs * 1e9));
		statsd__counter(ag->sd, "agent.bpf_runs", now.bpf_runs - ag->at_interval.bpf_runs);
		statsd__gauge(ag->sd, "agent.rss_mb", rss_bytes() / 1048576.0);
		if (ag->sys) {
			struct agent_sys_stats st;

			agent_sys__stats(ag->sys, &st);
			statsd__gauge(ag->sd, "agent.syscalls_lost", st.full);
		}
		if (ag->fn) {
			struct agent_fn_stats st;

			agent_fn__stats(ag->fn, &st);
			statsd__gauge(ag->sd, "agent.calls_untimed", st.untimed);
			statsd__gauge(ag->sd, "agent.calls_lost", st.full);
		}
		/*
		 * Nobody listening shows as every other send failing (the ICMP
		 * error comes back on the next one), so there is no telling an
		 * outage's end: the first failure is said, the rest are counted
		 * on each window's line.
		 */
		if (statsd__flush(ag->sd) && !ag->statsd_said) {
			struct statsd_stats st;

			statsd__stats(ag->sd, &st);
			say(ag, LOG_WARNING,
			    "statsd %s:%s: %s; failed sends are counted on each window's line",
			    c->host, c->port, strerror(st.last_errno));
			ag->statsd_said = true;
		}
	}
	if (ag->iv) {
		stack_set__merge(ag->window, ag->iv);
		stack_set__free(ag->iv);
		ag->iv = stack_set__new();
	}
	free(samples);
	free(names);
	free(sh);
	free(procs);
	ag->at_interval = now;
}

/* ---------------------------------------------------------------- the loop */

static int drain(struct agent *ag)
{
	int err;

	if (!ag->prof)
		return 0;
	err = profile__drain(ag->prof, ag->iv, ag->sym);
	if (err)
		say(ag, LOG_ERR, "cannot drain the profile: %s", strerror(-err));
	ag->next_drain = now_ns() + profile__drain_interval_ms(ag->prof) * 1000000ULL;
	return err;
}

/* The current window to disk and the profile's collector closed, all drained. */
static void close_profile(struct agent *ag)
{
	if (!ag->prof)
		return;
	profile__stop(ag->prof);
	drain(ag);
	stack_set__merge(ag->window, ag->iv);
	stack_set__free(ag->iv);
	ag->iv = stack_set__new();
	write_window(ag);
	{
		struct profile_stats st;

		profile__stats(ag->prof, &st);
		ag->samples_taken += st.samples;
		ag->lost += lost_of(&st);
	}
	profile__free(ag->prof);
	ag->prof = NULL;
}

static __u64 first_window_end(const struct agent_config *c, __u64 mono)
{
	struct timespec ts;
	__u64 real, w = c->window_s * 1000000000ULL;

	/* windows end on multiples of their length in UTC: 18:01:00, 18:02:00, ... */
	clock_gettime(CLOCK_REALTIME, &ts);
	real = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	return mono + (w - real % w);
}

/* SIGHUP: a new configuration, or the old one kept if the new one is wrong. */
static void reload(struct agent *ag)
{
	struct agent_config *nc, *old = ag->cfg;
	struct own_cost before;
	bool same;

	say(ag, LOG_NOTICE, "SIGHUP: reloading %s",
	    ag->config_path ? ag->config_path : "the settings");
	nc = read_config(ag);
	if (!nc || check_output(nc, output_where(ag))) {
		say(ag, LOG_ERR, "reload failed; the configuration in use is kept");
		agent_config__free(nc);
		return;
	}
	same = agent_config__same_profile(old, nc) && !strcmp(old->output, nc->output);
	/* what the instruments counted so far is sent under the old settings */
	interval_tick(ag, now_ns());
	/* read while the old programs are there: their run time is the window's too */
	read_cost(ag, &before);
	stop_instruments(ag);
	if (!same) {
		close_profile(ag);
		agent_watch_bpf__destroy(ag->watch);
		ag->watch = NULL;
	}
	ag->cfg = nc;
	if (!same && (start_watch(ag) || start_profile(ag)))
		say(ag, LOG_ERR, "reload: cannot start the profile");
	if (start_instruments(ag))
		say(ag, LOG_ERR, "reload: cannot start the instruments");
	if (nc->nnames)
		scan_names(ag);
	{
		struct own_cost after;

		/* the new collectors count from 0: carry the old ones' counts over */
		read_cost(ag, &after);
		ag->offset.bpf_ns += before.bpf_ns - after.bpf_ns;
		ag->offset.bpf_runs += before.bpf_runs - after.bpf_runs;
		ag->offset.samples += before.samples - after.samples;
		ag->offset.lost += before.lost - after.lost;
	}
	agent_config__free(old);
	if (!same) {
		__u64 now = now_ns();

		ag->next_window = first_window_end(nc, now);
	}
	ag->next_interval = now_ns() + nc->interval_s * 1000000000ULL;
	say(ag, LOG_NOTICE, "reloaded: %s", same ? "the window goes on" : "a new window begins");
}

/* The soonest of the agent's timed work: a drain, a scan of names, an interval, a window. */
static __u64 next_work(const struct agent *ag)
{
	__u64 t = ag->next_interval < ag->next_window ? ag->next_interval : ag->next_window;

	if (ag->prof && ag->next_drain < t)
		t = ag->next_drain;
	if (ag->cfg->nnames && ag->next_scan < t)
		t = ag->next_scan;
	return t;
}

static int run_loop(struct agent *ag, const sigset_t *sigs, struct target *none)
{
	for (;;) {
		unsigned long long now = now_ns(), wake = next_work(ag);
		int why, sig = 0;
		siginfo_t info;

		/* asleep until the next timed work or a signal; process events every 10 ms */
		if (ag->prof)
			profile__events_wait(now, &wake);
		why = target__wait(none, sigs, wake > now ? (long long)(wake - now) : 0, -1, &info);
		if (why == TARGET_WAKE_SIGNAL)
			sig = info.si_signo;
		if (sig == SIGTERM || sig == SIGINT || sig == SIGQUIT) {
			say(ag, LOG_NOTICE, "%s: writing the current window and exiting",
			    strsignal(sig));
			return 0;
		}
		if (sig == SIGHUP)
			reload(ag);
		alerts__reap();
		now = now_ns();
		if (ag->prof) {
			int err = profile__poll(ag->prof, ag->sym);

			if (err)
				say(ag, LOG_ERR, "process events: %s", strerror(-err));
		}
		if (ag->cfg->nnames && now >= ag->next_scan) {
			scan_names(ag);
			ag->next_scan = now + SCAN_NS;
		}
		if (ag->prof && now >= ag->next_drain && drain(ag))
			return -1;
		if (now >= ag->next_interval) {
			drain(ag);
			interval_tick(ag, ag->next_interval);
			ag->next_interval += ag->cfg->interval_s * 1000000000ULL;
			if (ag->next_interval <= now)
				ag->next_interval = now + ag->cfg->interval_s * 1000000000ULL;
		}
		if (now >= ag->next_window) {
			drain(ag);
			stack_set__merge(ag->window, ag->iv);
			stack_set__free(ag->iv);
			ag->iv = stack_set__new();
			if (!ag->iv || write_window(ag) == -ENOMEM)
				return -1;
			ag->next_window += ag->cfg->window_s * 1000000000ULL;
			if (ag->next_window <= now)
				ag->next_window = first_window_end(ag->cfg, now);
		}
	}
}

static int run(struct agent *ag, const sigset_t *sigs)
{
	struct target none = {0}; /* no pids: target__wait waits for signals, events and time */
	int err = run_loop(ag, sigs, &none);

	target__finish(&none, NULL);
	return err;
}

int cmd_agent(int argc, char **argv)
{
	struct agent *ag = calloc(1, sizeof(*ag));
	struct symbolizer_opts so = {.warn = true};
	sigset_t sigs;
	int ret, err;
	__u64 now;

	if (!ag) {
		vigil_err("agent: out of memory");
		return EXIT_RUNTIME;
	}
	ag->stats_fd = -1;
	ret = parse_args(argc, argv, ag);
	if (ret) {
		if (ret < 0)
			usage(stdout);
		ret = ret < 0 ? EXIT_OK : ret;
		goto out;
	}
	ret = EXIT_USAGE;
	ag->cfg = read_config(ag);
	if (!ag->cfg || check_output(ag->cfg, output_where(ag)))
		goto out;
	/* the statsd host is checked before anything is attached */
	if (ag->cfg->statsd) {
		char e[256];
		struct statsd *sd = statsd__open(ag->cfg->host, ag->cfg->port, ag->cfg->prefix,
						 ag->cfg->max_packet, e, sizeof(e));

		if (!sd) {
			vigil_err("%s: %s", ag->config_path ? ag->config_path : "agent", e);
			goto out;
		}
		statsd__close(sd);
	}
	ret = EXIT_RUNTIME;
	if (check_privileges() || check_btf())
		goto out;
	if (ag->cfg->npids && target__check_pids(ag->cfg->pids, ag->cfg->npids))
		goto out;

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGQUIT);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	if (ag->cfg->syslog)
		openlog("vigil-agent", LOG_PID, LOG_DAEMON);

	/* the BPF programs' run time is counted while this is held; closing it restores */
	ag->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (ag->stats_fd < 0)
		vigil_info(1, "agent: bpf_stats cannot be enabled: %s", strerror(errno));

	ag->sym = symbolizer__new(&so);
	ag->window = stack_set__new();
	ag->iv = stack_set__new();
	if (!ag->sym || !ag->window || !ag->iv) {
		vigil_err("agent: out of memory");
		goto out;
	}
	if (start_watch(ag))
		goto out;
	err = start_instruments(ag);
	if (err) {
		ret = err == EXIT_USAGE ? EXIT_USAGE : EXIT_RUNTIME;
		goto out;
	}
	if (start_profile(ag))
		goto out;
	if (ag->cfg->nnames)
		scan_names(ag);
	now = now_ns();
	read_cost(ag, &ag->at_window);
	ag->at_interval = ag->at_window;
	ag->window_mono = now;
	ag->window_real = time(NULL);
	ag->next_window = first_window_end(ag->cfg, now);
	ag->next_interval = now + ag->cfg->interval_s * 1000000000ULL;
	ag->next_scan = now + SCAN_NS;
	say(ag, LOG_NOTICE,
	    "started: %s%s%s, windows of %lu s in %s, %d syscall sets, %d probe sets, %d rules%s",
	    ag->prof ? profile__describe(ag->prof) : "no profile",
	    ag->cfg->npids    ? " of listed pids"
	    : ag->cfg->nnames ? " of processes by name"
			      : "",
	    ag->cfg->npids || ag->cfg->nnames ? "" : " of every process", ag->cfg->window_s,
	    ag->cfg->output, ag->cfg->nsys, ag->cfg->nprobes, ag->cfg->nrules,
	    ag->cfg->statsd ? ", statsd on" : "");

	err = run(ag, &sigs);
	interval_tick(ag, now_ns());
	close_profile(ag);
	if (!ag->cfg->profile)
		write_window(ag);
	/* off-CPU and wall windows hold time, which no count of samples can check */
	if (ag->cfg->clock == PROFILE_CLOCK_CPU)
		say(ag, LOG_NOTICE,
		    "stopped: %llu windows written, %llu samples in them, %llu samples taken, "
		    "%llu lost",
		    (unsigned long long)ag->windows_written,
		    (unsigned long long)ag->samples_written, (unsigned long long)ag->samples_taken,
		    (unsigned long long)ag->lost);
	else
		say(ag, LOG_NOTICE, "stopped: %llu windows written, %llu us in them, %llu lost",
		    (unsigned long long)ag->windows_written,
		    (unsigned long long)ag->samples_written, (unsigned long long)ag->lost);
	ret = err ? EXIT_RUNTIME : EXIT_OK;
out:
	if (ag->cfg) {
		stop_instruments(ag);
		profile__free(ag->prof);
	}
	agent_watch_bpf__destroy(ag->watch);
	/* alert commands get two seconds to finish; the rest are left to run on their own */
	for (int i = 0; alerts__reap() > 0; i++) {
		if (i == 200) {
			vigil_err("agent: %d alert commands still running, left to finish on their "
				  "own",
				  alerts__reap());
			break;
		}
		usleep(10000);
	}
	if (ag->stats_fd >= 0)
		close(ag->stats_fd);
	symbolizer__free(ag->sym);
	stack_set__free(ag->window);
	stack_set__free(ag->iv);
	agent_config__free(ag->cfg);
	for (int i = 0; i < ag->ncli; i++)
		free(ag->cli[i].value);
	free(ag);
	return ret;
}
