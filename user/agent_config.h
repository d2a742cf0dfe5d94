/* SPDX-License-Identifier: GPL-2.0 */
/*
 * agent_config.h: what "vigil agent" runs, from an INI file (parsed by
 * inih) and the command line, which sets the same keys and wins.
 *
 *     [agent]          output, window, keep_windows, keep_mb, interval, syslog, formats
 *     [target]         pid, name
 *     [profile]        enabled, clock, freq, stacks
 *     [statsd]         enabled, host, port, prefix, max_packet
 *     [syscalls NAME]  syscalls             (one instrument per section)
 *     [probe NAME]     functions            (FILE:GLOB, ...: one instrument per section)
 *     [rule NAME]      when, command        (one alert rule per section)
 *
 * Every error names its place, "FILE:LINE" or the option that set it, so
 * the agent can say it in one line and exit 2 before starting anything.
 */
#ifndef VIGIL_AGENT_CONFIG_H
#define VIGIL_AGENT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include "alerts.h"
#include "profile.h"

#define AGENT_MAX_NAMES	   16 /* [target] name patterns */
#define AGENT_MAX_PIDS	   1024
#define AGENT_MAX_SYSSETS  32
#define AGENT_MAX_RULES	   64
#define AGENT_MAX_PROBES   32  /* [probe] sections */
#define AGENT_MAX_SPECS	   16  /* FILE:GLOB items in one of them */
#define AGENT_WHERE_MAX	   300 /* "FILE:LINE" or "--option" */
#define AGENT_DEFAULT_FREQ 19  /* Hz; prime, so samples do not march in step with timers */

struct agent_sysset {
	char name[ALERT_NAME_MAX];
	int *nrs; /* 64-bit syscall numbers, each once */
	int n;
	char where[AGENT_WHERE_MAX];
};

/* Functions to time: FILE:GLOB items, as vigil trace takes them (probes.h). */
struct agent_probe {
	char name[ALERT_NAME_MAX];
	char *specs[AGENT_MAX_SPECS];
	int nspecs;
	char where[AGENT_WHERE_MAX];
};

struct agent_rule {
	struct alert_rule rule; /* rule.command points at command */
	char *command;
	bool has_when;
	char where[AGENT_WHERE_MAX];
};

struct agent_config {
	/* [agent] */
	char *output;		    /* the windows' folder */
	unsigned long window_s;	    /* one folded profile per window */
	unsigned long keep_windows; /* the newest this many windows are kept */
	unsigned long keep_mb;	    /* and at most this many MB of them (0: no limit) */
	unsigned long interval_s;   /* statsd flushes, rule evaluations, own-cost readings */
	bool syslog;		    /* alerts and errors to syslog too */
	bool svg, pprof;	    /* formats: WINDOW.svg, WINDOW.pb.gz beside each .folded */
	/* [target]: no pid and no name means the whole machine */
	int pids[AGENT_MAX_PIDS];
	int npids;
	char *names[AGENT_MAX_NAMES]; /* globs on the process name or its executable's */
	int nnames;
	/* [profile] */
	bool profile;
	enum profile_clock clock; /* cpu or wall */
	unsigned long freq;
	bool user, kernel;
	/* [statsd] */
	bool statsd;
	char *host, *port, *prefix;
	unsigned long max_packet;
	/* instruments and rules */
	struct agent_sysset sys[AGENT_MAX_SYSSETS];
	int nsys;
	struct agent_probe probes[AGENT_MAX_PROBES];
	int nprobes;
	struct agent_rule rules[AGENT_MAX_RULES];
	int nrules;
	/* bookkeeping: keys set, and where, so a key given twice in one file is an error */
	struct agent_seen *seen;
	size_t nseen, seen_cap;
	const char *section_where; /* while a file is read: its current section's header */
};

/* The defaults. NULL when out of memory. */
struct agent_config *agent_config__new(void);
void agent_config__free(struct agent_config *c);

/* Read an INI file. 0, or EXIT_USAGE after printing "FILE:LINE: reason". */
int agent_config__load(struct agent_config *c, const char *path);

/*
 * Set section's key ("rule slow" for a named section) to value; where
 * says who asked, for messages. 0, or EXIT_USAGE after printing
 * "WHERE: reason".
 */
int agent_config__set(struct agent_config *c, const char *section, const char *key,
		      const char *value, const char *where);

/* What the sections together must say (a rule has its "when"). 0 or EXIT_USAGE. */
int agent_config__check(const struct agent_config *c);

/* True when a and b profile the same way: a reload that keeps them keeps the window. */
bool agent_config__same_profile(const struct agent_config *a, const struct agent_config *b);

#endif /* VIGIL_AGENT_CONFIG_H */
