// SPDX-License-Identifier: GPL-2.0
/* main.c: vigil's entry point: picks the sub-command from a table. */
#include <stdio.h>
#include <string.h>
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
	{"profile", cmd_profile, "sample on-CPU stacks into a folded profile"},
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: vigil COMMAND [OPTIONS]\n"
		   "An eBPF profiler for live processes and whole machines.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n'vigil COMMAND --help' describes a command. vigil %s\n", VIGIL_VERSION);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		vigil_err("no command given (vigil --help lists them)");
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
