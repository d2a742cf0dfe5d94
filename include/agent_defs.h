/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* agent_defs.h: what the agent's exec watcher and its loader share. */
#ifndef VIGIL_AGENT_DEFS_H
#define VIGIL_AGENT_DEFS_H

#define AGENT_PATTERNS	  16 /* name patterns, '*' and '?' only */
#define AGENT_PATTERN_LEN 64 /* with its NUL */
#define AGENT_TARGETS	  8192

enum agent_watch_stat {
	AGENT_WATCH_EXECS,   /* execs seen */
	AGENT_WATCH_MATCHED, /* of those, by a process whose new name matched */
	AGENT_WATCH_FULL,    /* matched or forked, but the targets map had no room */
	AGENT_WATCH_MAX,
};

#endif /* VIGIL_AGENT_DEFS_H */
