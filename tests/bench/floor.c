// SPDX-License-Identifier: GPL-2.0
// floor: attach the empty programs of floor.bpf.c and wait for SIGINT or SIGTERM; the cost
// floor of the benchmarks (scripts/bench/run.sh).
//
// Usage: floor [-p PID] SPEC...
//   raw_tp:NAME            the empty program on raw tracepoint NAME (sys_enter, sched_switch)
//   uprobe:FILE:FUNC       the empty program at FUNC's entry in FILE (for -p PID only)
//   uretprobe:FILE:FUNC    the same at FUNC's returns
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "floor.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
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
	fprintf(stderr, "floor: bad SPEC (raw_tp:NAME, uprobe:FILE:FUNC, uretprobe:FILE:FUNC)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct bpf_link *links[16];
	struct floor_bpf *skel;
	int pid = -1, n = 0, opt;
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
	skel = floor_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "floor: cannot load its programs: %s\n", strerror(errno));
		return 1;
	}
	for (int i = optind; i < argc; i++) {
		char spec[4096];

		snprintf(spec, sizeof(spec), "%s", argv[i]);
		links[n] = attach(skel, spec, pid);
		if (!links[n]) {
			fprintf(stderr, "floor: cannot attach %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		n++;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, &old);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "floor: %d attached\n", n);
	while (!stop)
		sigsuspend(&old);
	for (int i = 0; i < n; i++)
		bpf_link__destroy(links[i]);
	floor_bpf__destroy(skel);
	return 0;
}
