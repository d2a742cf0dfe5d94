// SPDX-License-Identifier: GPL-2.0
// floor: attach the empty programs of floor.bpf.c and wait for SIGINT or SIGTERM; the cost
// floor of the benchmarks (scripts/bench/run.sh).
//
// Usage: floor [-p PID] SPEC...
//   raw_tp:NAME            the empty program on raw tracepoint NAME (sys_enter, sched_switch)
//   uprobe:FILE:FUNC       the empty program at FUNC's entry in FILE (for -p PID only)
//   uretprobe:FILE:FUNC    the same at FUNC's returns
//   perf:HZ                the empty program on a cpu-clock sampling event of every CPU
//   perf-stacks:HZ         the same with a program that walks the user and kernel stacks
//   timed-syscalls         programs on sys_enter and sys_exit that time the syscalls of -p PID
//                          (the least that records latency and errors: see floor.bpf.c)
//   timed-uprobe:FILE:FUNC the same for FUNC, on its entry and returns
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <bpf/libbpf.h>
#include "floor.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static struct bpf_link *links[256];
static int nlinks;

/* A sampling cpu-clock event at hz on each online CPU, prog attached to each. 0 or -1. */
static int attach_perf(struct bpf_program *prog, unsigned long hz)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.freq = 1,
		.sample_freq = hz,
	};
	int ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	for (int cpu = 0; cpu < ncpu && nlinks < 256; cpu++) {
		int fd = syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);

		if (fd < 0)
			return -1;
		links[nlinks] = bpf_program__attach_perf_event(prog, fd);
		if (!links[nlinks])
			return -1;
		nlinks++;
	}
	return 0;
}

static struct bpf_link *attach(struct floor_bpf *skel, char *spec, int pid)
{
	char *kind = strtok(spec, ":"), *file = strtok(NULL, ":"), *func = strtok(NULL, "");
	LIBBPF_OPTS(bpf_uprobe_opts, uo);

	if (kind && !strcmp(kind, "raw_tp") && file && !func)
		return bpf_program__attach_raw_tracepoint(skel->progs.floor_raw_tp, file);
	if (kind && (!strcmp(kind, "uprobe") || !strcmp(kind, "uretprobe")) && file && func) {
		uo.func_name = func;
		uo.retprobe = !strcmp(kind, "uretprobe");
		return bpf_program__attach_uprobe_opts(skel->progs.floor_uprobe, pid > 0 ? pid : -1,
						       file, 0, &uo);
	}
	if (kind && !strcmp(kind, "timed-syscalls") && !file) {
		links[nlinks++] = bpf_program__attach_raw_tracepoint(
			skel->progs.floor_sys_enter_timed, "sys_enter");
		if (!links[nlinks - 1])
			return NULL;
		return bpf_program__attach_raw_tracepoint(skel->progs.floor_sys_exit_timed,
							  "sys_exit");
	}
	if (kind && !strcmp(kind, "timed-uprobe") && file && func) {
		uo.func_name = func;
		links[nlinks++] = bpf_program__attach_uprobe_opts(skel->progs.floor_uprobe_timed,
								  pid, file, 0, &uo);
		if (!links[nlinks - 1])
			return NULL;
		uo.retprobe = true;
		return bpf_program__attach_uprobe_opts(skel->progs.floor_uretprobe_timed, pid, file,
						       0, &uo);
	}
	fprintf(stderr, "floor: bad SPEC (raw_tp:NAME, uprobe:FILE:FUNC, uretprobe:FILE:FUNC, "
			"perf:HZ, perf-stacks:HZ, timed-syscalls, timed-uprobe:FILE:FUNC)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct floor_bpf *skel;
	int pid = -1, opt;
	sigset_t mask, old;

	while ((opt = getopt(argc, argv, "p:")) != -1) {
		if (opt != 'p')
			return 2;
		pid = atoi(optarg);
	}
	if (optind == argc || argc - optind > 16) {
		fprintf(stderr, "usage: floor [-p PID] SPEC...\n");
		return 2;
	}
	skel = floor_bpf__open();
	if (skel) {
		skel->rodata->target_tgid = pid > 0 ? pid : 0;
		if (floor_bpf__load(skel)) {
			floor_bpf__destroy(skel);
			skel = NULL;
		}
	}
	if (!skel) {
		fprintf(stderr, "floor: cannot load its programs: %s\n", strerror(errno));
		return 1;
	}
	for (int i = optind; i < argc; i++) {
		char spec[4096];
		int err;

		snprintf(spec, sizeof(spec), "%s", argv[i]);
		if (!strncmp(spec, "perf:", 5) || !strncmp(spec, "perf-stacks:", 12)) {
			err = attach_perf(spec[4] == ':' ? skel->progs.floor_perf
							 : skel->progs.floor_perf_stacks,
					  strtoul(strchr(spec, ':') + 1, NULL, 10));
		} else {
			struct bpf_link *l = attach(skel, spec, pid); /* may add links of its own */

			err = l ? 0 : -1;
			if (l)
				links[nlinks++] = l;
		}
		if (err) {
			fprintf(stderr, "floor: cannot attach %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, &old);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "floor: %d attached\n", nlinks);
	while (!stop)
		sigsuspend(&old);
	for (int i = 0; i < nlinks; i++)
		bpf_link__destroy(links[i]);
	floor_bpf__destroy(skel);
	return 0;
}
