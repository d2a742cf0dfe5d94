// SPDX-License-Identifier: GPL-2.0
/* main.c: vigil's entry point: picks the sub-command from a table. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "commands.h"
#include "util.h"

#ifndef VIGIL_VERSION
#define VIGIL_VERSION "0.1"
#endif

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} commands[] = {
	{"profile", cmd_profile, "where the time goes: on-CPU stacks, and off-CPU waits by reason"},
	{"syscalls", cmd_syscalls, "count and time every syscall: calls, errors by errno, latency"},
	{"agent", cmd_agent, "stay on: windows of profiles, counters and timers to statsd, alerts"},
	{"trace", cmd_trace, "time calls of functions and USDT probes: a pstats table, callers"},
	{"flamegraph", cmd_flamegraph, "draw a folded profile as an interactive SVG flame graph"},
	{"diff", cmd_diff,
	 "compare two profiles: a differential flame graph, red grew, blue shrank"},
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: vigil COMMAND [OPTIONS]\n"
		   "An eBPF profiler for live processes and whole machines.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f,
		"\n'vigil COMMAND --help' (or 'vigil help COMMAND') describes a command. vigil "
		"%s\n",
		VIGIL_VERSION);
}

/*
 * With 0, 1 or 2 closed, the first files vigil opens would take their
 * place, and messages would land in a profile. Hold them with /dev/null.
 */
static void reserve_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF &&
		    open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) < 0)
			_exit(EXIT_RUNTIME);
	}
}

int main(int argc, char **argv)
{
	reserve_std_fds();
	/* A closed pipe is a write error, said in one line, not a silent death. */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		vigil_err("no command given (vigil --help lists them)");
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "help") && argc > 2 && strcmp(argv[2], "help")) {
		/* vigil help COMMAND: the command's own help */
		char *args[] = {argv[2], "--help", NULL};

		for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
			if (!strcmp(argv[2], commands[i].name))
				return commands[i].run(2, args);
		}
		vigil_err("unknown command '%s' (vigil --help lists them)", argv[2]);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("vigil %s\n", VIGIL_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	}
	vigil_err("unknown command '%s' (vigil --help lists them)", argv[1]);
	return EXIT_USAGE;
}
