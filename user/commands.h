/* SPDX-License-Identifier: GPL-2.0 */
/* commands.h: the sub-commands main() dispatches to; each returns vigil's exit status. */
#ifndef VIGIL_COMMANDS_H
#define VIGIL_COMMANDS_H

#include "profile.h"
#include "sink.h"
#include "symbolizer.h"
#include "target.h"

int cmd_profile(int argc, char **argv);
int cmd_syscalls(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_agent(int argc, char **argv);
int cmd_flamegraph(int argc, char **argv);
int cmd_diff(int argc, char **argv);

/* What "vigil profile" was asked to do. */
struct profile_args {
	struct profile_opts opts;
	struct target target;
	const char *output;
	const char *summary;
	bool summary_stdout; /* --summary - */
	char **command;
	bool no_demangle;	    /* --no-demangle: C++ and Rust names as linked */
	struct symbolizer_opts sym; /* --debug-dir */
	bool json;		    /* --summary-format json: the summary as JSON */
	enum sink_format format;    /* --format, or what -o's suffix implies */
	bool freq_given;	    /* -F, which --clock off does not use */
};

/*
 * Parse the arguments of "vigil profile" (argv[0] is "profile") into a,
 * which must be zeroed. Returns 0; -1 for --help; EXIT_USAGE after printing
 * a one-line reason.
 */
int profile_parse_args(int argc, char **argv, struct profile_args *a);

#endif /* VIGIL_COMMANDS_H */
