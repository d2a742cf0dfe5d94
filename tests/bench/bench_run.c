// SPDX-License-Identifier: GPL-2.0
// bench_run: run one benchmark workload beside one contender (a profiler or tracer) and say
// what each cost, as key=value words on stdout, for scripts/bench/run.sh.
//
// Usage: bench_run [-S] [-o OUT] [-e ERR] [-s SIG] [-r run|fds|none] [-d MS] [-T SEC]
//                  WORK [ARGS...] [::: TOOL [ARGS...]]
//        bench_run -x [-o OUT] [-e ERR] CMD [ARGS...]
//
// The workload starts first, says "ready" and waits for its go byte (bench.h); then the
// contender starts with each "{PID}" in its arguments replaced by the workload's pid. Once the
// contender is ready (-r), and -d milliseconds more, the workload is let go; when it has
// printed its line and closed its stdout, the contender's counters are read, it is sent SIG
// (INT by default), and the time it takes to exit is its stop time. Only then is the workload
// let exit (the go pipe closed), so that a contender that reads a process's maps at its end
// still finds them.
//
//   -S    hold a BPF_ENABLE_STATS descriptor for the run, so the kernel times BPF programs
//         (the kernel.bpf_stats_enabled sysctl is left alone)
//   -r    ready when: "run" (default) the contender holds BPF programs or perf events, no new
//         one came for 250 ms and one of its programs has run (needs -S); "fds" the same
//         without the run; "none" at once
//   -x    no workload: run CMD alone and report its wall time, CPU time and peak RSS
//
// Reported: work_* for the workload (its own line, work_ns=..., comes first, from itself),
// tool_* for the contender: CPU time between go and the workload's exit (its threads' run
// time, from /proc/PID/task/*/schedstat), its BPF programs' run time and runs over the same
// span (bpf_ns, bpf_runs, from bpf_stats), its maps' memory (map_bytes, memlock), its peak RSS
// (ru_maxrss), its whole CPU time (rusage) and stop_ns (from the last stop signal: one the
// contender missed is sent again, tool_resent); then one "prog" line per program.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <bpf/bpf.h>

#define MAX_IDS 1024

struct prog {
	__u32 id;
	char name[BPF_OBJ_NAME_LEN];
	__u64 run_ns[2], runs[2]; /* at go, at the workload's exit */
	int seen;		  /* bit 0: at go, bit 1: at the end */
};

static struct prog progs[MAX_IDS];
static int nprogs;

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static void die(const char *what)
{
	fprintf(stderr, "bench_run: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void add_id(__u32 *ids, int *n, __u32 id)
{
	for (int i = 0; i < *n; i++)
		if (ids[i] == id)
			return;
	if (*n < MAX_IDS)
		ids[(*n)++] = id;
}

/*
 * The BPF objects pid holds: programs (by their fds and their links' fds), maps (by their
 * fds and the programs' own maps), and how many BPF and perf event descriptors it has.
 */
static int scan_fds(int pid, __u32 *prog_ids, int *np, __u32 *map_ids, int *nm)
{
	char path[320], link[256], line[256];
	struct dirent *de;
	int fds = 0;
	DIR *d;

	*np = *nm = 0;
	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		ssize_t len;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd/%s", pid, de->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (!strstr(link, "anon_inode:bpf-prog") && !strstr(link, "anon_inode:bpf-link") &&
		    !strstr(link, "anon_inode:bpf-map") && !strstr(link, "perf_event"))
			continue;
		if (!strstr(link, "bpf-map"))
			fds++;
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", pid, de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			unsigned int id;

			if (sscanf(line, "prog_id: %u", &id) == 1)
				add_id(prog_ids, np, id);
			else if (sscanf(line, "map_id: %u", &id) == 1)
				add_id(map_ids, nm, id);
		}
		fclose(f);
	}
	closedir(d);
	/* the maps of the programs, also those whose fds the contender closed */
	for (int i = 0, n = *np; i < n; i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info), ids[64];
		int fd = bpf_prog_get_fd_by_id(prog_ids[i]);

		if (fd < 0)
			continue;
		info.nr_map_ids = 64;
		info.map_ids = (__u64)(unsigned long)ids;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len))
			for (__u32 k = 0; k < info.nr_map_ids && k < 64; k++)
				add_id(map_ids, nm, ids[k]);
		close(fd);
	}
	return fds;
}

/* Record the run time and runs of the programs of pid, as slot 0 (at go) or 1 (the end). */
static void read_progs(int pid, int slot)
{
	__u32 pids[MAX_IDS], mids[MAX_IDS];
	int np, nm;

	if (scan_fds(pid, pids, &np, mids, &nm) < 0)
		return;
	for (int i = 0; i < np; i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(pids[i]), k;

		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
			close(fd);
			continue;
		}
		close(fd);
		for (k = 0; k < nprogs && progs[k].id != pids[i]; k++)
			;
		if (k == nprogs) {
			if (nprogs == MAX_IDS)
				continue;
			nprogs++;
			memset(&progs[k], 0, sizeof(progs[k]));
			progs[k].id = pids[i];
			snprintf(progs[k].name, sizeof(progs[k].name), "%s", info.name);
		}
		progs[k].run_ns[slot] = info.run_time_ns;
		progs[k].runs[slot] = info.run_cnt;
		progs[k].seen |= 1 << slot;
	}
}

/* The kernel memory of the maps pid uses: each map's memlock, read through a fd of our own. */
static unsigned long long map_bytes(int pid, int *nmaps)
{
	__u32 pids[MAX_IDS], mids[MAX_IDS];
	unsigned long long sum = 0;
	int np, nm;

	*nmaps = 0;
	if (scan_fds(pid, pids, &np, mids, &nm) < 0)
		return 0;
	for (int i = 0; i < nm; i++) {
		int fd = bpf_map_get_fd_by_id(mids[i]);
		unsigned long long v;
		char path[64], line[256];
		FILE *f;

		if (fd < 0)
			continue;
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f))
			if (sscanf(line, "memlock: %llu", &v) == 1) {
				sum += v;
				(*nmaps)++;
			}
		if (f)
			fclose(f);
		close(fd);
	}
	return sum;
}

/* The run time of pid's live threads, in ns. */
static long long task_cpu_ns(int pid)
{
	char path[320];
	struct dirent *de;
	long long sum = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		long long ns;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/schedstat", pid, de->d_name);
		f = fopen(path, "r");
		if (f && fscanf(f, "%lld", &ns) == 1)
			sum += ns;
		if (f)
			fclose(f);
	}
	closedir(d);
	return sum;
}

static long status_kb(int pid, const char *key)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':')
			kb = atol(line + klen + 1);
	if (f)
		fclose(f);
	return kb;
}

static int open_out(const char *path, int dflt)
{
	int fd;

	if (!path)
		return dup(dflt);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die(path);
	return fd;
}

/* Start argv with stdout and stderr on out and err (-1: inherited) and stdin on in. */
static int spawn(char **argv, int in, int out, int err, int go)
{
	int pid = fork();

	if (pid < 0)
		die("fork");
	if (pid)
		return pid;
	if (in >= 0)
		dup2(in, 0);
	if (out >= 0)
		dup2(out, 1);
	if (err >= 0)
		dup2(err, 2);
	if (go >= 0) {
		char s[16];

		snprintf(s, sizeof(s), "%d", go);
		setenv("BENCH_GO", s, 1);
	}
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	execvp(argv[0], argv);
	fprintf(stderr, "bench_run: %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static long long tv_ns(struct timeval tv)
{
	return tv.tv_sec * 1000000000LL + tv.tv_usec * 1000LL;
}

static int exit_code(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Wait for pid until deadline (ns, 0: forever); SIGKILL it then. */
static int wait_for(int pid, struct rusage *ru, long long deadline, int *killed)
{
	int st;

	*killed = 0;
	for (;;) {
		int r = wait4(pid, &st, deadline ? WNOHANG : 0, ru);

		if (r == pid)
			return st;
		if (r < 0 && errno != EINTR)
			die("wait4");
		if (deadline && now_ns() > deadline && !*killed) {
			kill(pid, SIGKILL);
			*killed = 1;
			deadline = 0;
		}
		if (deadline)
			sleep_ms(5);
	}
}

/*
 * Wait for the contender to exit after its stop signal. A contender that sits idle a whole
 * second after it (no CPU used, asleep) missed it (bpftrace now and then does: a signal that
 * lands between its check and its wait), so it is sent again, and *t_sig moves to that last
 * signal, counted in *resent; 60 s after the first, SIGKILL.
 */
static int stop_tool(int pid, int sig, struct rusage *ru, long long *t_sig, int *resent,
		     int *killed)
{
	long long deadline = *t_sig + 60 * 1000000000LL, last_check = *t_sig;
	long long last_cpu = task_cpu_ns(pid);
	int st;

	*killed = *resent = 0;
	for (;;) {
		int r = wait4(pid, &st, WNOHANG, ru);
		long long t = now_ns();

		if (r == pid)
			return st;
		if (r < 0 && errno != EINTR)
			die("wait4");
		if (t > deadline && !*killed) {
			kill(pid, SIGKILL);
			*killed = 1;
		}
		if (!*killed && t - last_check >= 1000000000LL) {
			long long cpu = task_cpu_ns(pid);
			char path[64], state = 0;
			FILE *f;

			snprintf(path, sizeof(path), "/proc/%d/stat", pid);
			f = fopen(path, "r");
			if (f && fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
				state = 0;
			if (f)
				fclose(f);
			if (cpu == last_cpu && state == 'S') {
				kill(pid, sig);
				*t_sig = t;
				(*resent)++;
			}
			last_cpu = cpu;
			last_check = t;
		}
		sleep_ms(5);
	}
}

static int run_alone(char **argv, const char *out, const char *err)
{
	int o = out ? open_out(out, 1) : -1, e = err ? open_out(err, 2) : -1, killed;
	long long t0 = now_ns(), t1;
	struct rusage ru;
	int pid = spawn(argv, -1, o, e, -1), st;

	st = wait_for(pid, &ru, 0, &killed);
	t1 = now_ns();
	printf("exec_status=%d exec_wall_ns=%lld exec_cpu_ns=%lld exec_maxrss_kb=%ld\n",
	       exit_code(st), t1 - t0, tv_ns(ru.ru_utime) + tv_ns(ru.ru_stime), ru.ru_maxrss);
	return exit_code(st);
}

static int signal_number(const char *s)
{
	if (!strcmp(s, "INT"))
		return SIGINT;
	if (!strcmp(s, "TERM"))
		return SIGTERM;
	return atoi(s);
}

int main(int argc, char **argv)
{
	const char *out = NULL, *err = NULL, *ready = "run";
	int stats = 0, alone = 0, sig = SIGINT, opt, stats_fd = -1;
	long settle_ms = 200, timeout_s = 30;
	char **work, **tool = NULL;
	int go[2], res[2], wpid, tpid = -1, o, e, killed, resent = 0, st, nulfd;
	char result[4096];
	size_t rlen = 0;
	long long t_ready = 0, t_go, t_end, cpu0 = 0, cpu1 = 0, t_sig, t_exit;
	struct rusage wru, tru;
	unsigned long long mbytes = 0;
	long hwm = -1;
	int nmaps = 0;

	while ((opt = getopt(argc, argv, "+So:e:s:r:d:T:x")) != -1) {
		switch (opt) {
		case 'S':
			stats = 1;
			break;
		case 'o':
			out = optarg;
			break;
		case 'e':
			err = optarg;
			break;
		case 's':
			sig = signal_number(optarg);
			break;
		case 'r':
			ready = optarg;
			break;
		case 'd':
			settle_ms = atol(optarg);
			break;
		case 'T':
			timeout_s = atol(optarg);
			break;
		case 'x':
			alone = 1;
			break;
		default:
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: bench_run [options] WORK [ARGS...] [::: TOOL [ARGS...]]\n");
		return 2;
	}
	work = argv + optind;
	if (alone)
		return run_alone(work, out, err);
	for (int i = optind; i < argc; i++)
		if (!strcmp(argv[i], ":::")) {
			argv[i] = NULL;
			tool = argv + i + 1;
			break;
		}
	if (tool && !tool[0])
		tool = NULL;
	if (stats) {
		stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (stats_fd < 0) {
			errno = -stats_fd;
			die("BPF_ENABLE_STATS");
		}
	}
	signal(SIGINT, SIG_IGN); /* a ^C is for the contender; the workload ends by itself */
	nulfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (pipe2(go, O_CLOEXEC) || pipe2(res, O_CLOEXEC))
		die("pipe");
	{
		int gofd = dup(go[0]); /* without CLOEXEC: the workload's */

		wpid = spawn(work, nulfd, res[1], -1, gofd);
		close(gofd);
	}
	close(go[0]);
	close(res[1]);
	/* the workload's "ready": it runs its own program now, past a wrapper's exec */
	for (char c = 0; c != '\n';) {
		ssize_t n = read(res[0], &c, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "bench_run: %s exited before it was ready\n", work[0]);
			return 1;
		}
	}
	if (tool) {
		char pidstr[16];

		snprintf(pidstr, sizeof(pidstr), "%d", wpid);
		for (int i = 0; tool[i]; i++) {
			char *p;

			while ((p = strstr(tool[i], "{PID}"))) {
				char *s = malloc(strlen(tool[i]) + 16);

				if (!s)
					die("malloc");
				sprintf(s, "%.*s%s%s", (int)(p - tool[i]), tool[i], pidstr, p + 5);
				tool[i] = s;
			}
		}
		o = open_out(out, 1);
		e = open_out(err, 2);
		t_ready = now_ns();
		tpid = spawn(tool, nulfd, o, e, -1);
		close(o);
		close(e);
		/* ready: its BPF programs and perf events are all there, and (run) one has run */
		if (strcmp(ready, "none")) {
			long long deadline = now_ns() + timeout_s * 1000000000LL, stable_since = 0;
			int last = -1;

			for (;;) {
				__u32 pids[MAX_IDS], mids[MAX_IDS];
				int np, nm, n = scan_fds(tpid, pids, &np, mids, &nm);
				long long t = now_ns();

				if (waitpid(tpid, &st, WNOHANG) == tpid) {
					fprintf(stderr,
						"bench_run: %s exited (%d) before it was ready\n",
						tool[0], exit_code(st));
					kill(wpid, SIGKILL);
					return 1;
				}
				if (n != last) {
					last = n;
					stable_since = t;
				}
				if (n > 0 && t - stable_since >= 250000000LL) {
					int ran = 0;

					if (!strcmp(ready, "run")) {
						nprogs = 0;
						read_progs(tpid, 0);
						for (int i = 0; i < nprogs; i++)
							ran |= progs[i].runs[0] > 0;
					}
					if (ran || strcmp(ready, "run"))
						break;
				}
				if (t > deadline) {
					fprintf(stderr, "bench_run: %s not ready in %ld s\n",
						tool[0], timeout_s);
					kill(tpid, SIGKILL);
					kill(wpid, SIGKILL);
					return 1;
				}
				sleep_ms(10);
			}
		}
		t_ready = now_ns() - t_ready;
		sleep_ms(settle_ms);
		nprogs = 0;
		read_progs(tpid, 0);
		cpu0 = task_cpu_ns(tpid);
	}
	t_go = now_ns();
	if (write(go[1], "g", 1) != 1)
		die("go");
	/* the workload's line, until it closes its stdout (done) or exits */
	for (;;) {
		ssize_t n = read(res[0], result + rlen, sizeof(result) - 1 - rlen);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		rlen += n;
		if (rlen == sizeof(result) - 1)
			break;
	}
	result[rlen] = '\0';
	close(res[0]);
	t_end = now_ns();
	fputs(result, stdout);
	if (rlen && result[rlen - 1] != '\n')
		putchar('\n');
	if (!tool) {
		close(go[1]);
		st = wait_for(wpid, &wru, 0, &killed);
		printf("work_status=%d work_wall_ns=%lld work_cpu_ns=%lld\n", exit_code(st),
		       t_end - t_go, tv_ns(wru.ru_utime) + tv_ns(wru.ru_stime));
		return exit_code(st);
	}
	if (waitpid(tpid, &st, WNOHANG) == tpid) {
		fprintf(stderr, "bench_run: %s exited (%d) during the workload\n", tool[0],
			exit_code(st));
		close(go[1]);
		return 1;
	}
	cpu1 = task_cpu_ns(tpid);
	read_progs(tpid, 1);
	mbytes = map_bytes(tpid, &nmaps);
	hwm = status_kb(tpid, "VmHWM");
	t_sig = now_ns();
	kill(tpid, sig);
	st = stop_tool(tpid, sig, &tru, &t_sig, &resent, &killed);
	t_exit = now_ns();
	close(go[1]);
	{
		int wkilled, wst = wait_for(wpid, &wru, now_ns() + 10 * 1000000000LL, &wkilled);

		printf("work_status=%d work_wall_ns=%lld work_cpu_ns=%lld\n", exit_code(wst),
		       t_end - t_go, tv_ns(wru.ru_utime) + tv_ns(wru.ru_stime));
	}
	{
		__u64 bns = 0, bruns = 0;

		for (int i = 0; i < nprogs; i++)
			if (progs[i].seen == 3) {
				bns += progs[i].run_ns[1] - progs[i].run_ns[0];
				bruns += progs[i].runs[1] - progs[i].runs[0];
			}
		printf("tool_status=%d tool_killed=%d tool_resent=%d ready_ms=%.0f window_ns=%lld "
		       "tool_cpu_ns=%lld "
		       "bpf_ns=%llu bpf_runs=%llu progs=%d maps=%d map_bytes=%llu tool_hwm_kb=%ld "
		       "tool_maxrss_kb=%ld tool_cpu_total_ns=%lld stop_ns=%lld\n",
		       exit_code(st), killed, resent, t_ready / 1e6, t_end - t_go, cpu1 - cpu0,
		       (unsigned long long)bns, (unsigned long long)bruns, nprogs, nmaps, mbytes,
		       hwm, tru.ru_maxrss, tv_ns(tru.ru_utime) + tv_ns(tru.ru_stime),
		       t_exit - t_sig);
		for (int i = 0; i < nprogs; i++)
			if (progs[i].seen == 3)
				printf("prog id=%u name=%s run_ns=%llu runs=%llu\n", progs[i].id,
				       progs[i].name[0] ? progs[i].name : "-",
				       (unsigned long long)(progs[i].run_ns[1] -
							    progs[i].run_ns[0]),
				       (unsigned long long)(progs[i].runs[1] - progs[i].runs[0]));
	}
	if (stats_fd >= 0)
		close(stats_fd);
	return killed ? 1 : 0;
}
