/* SPDX-License-Identifier: GPL-2.0 */
/*
 * perfmap.h: names of JIT code from a process's /tmp/perf-PID.map, re-read as the JIT appends.
 *
 * The format is perf's: one symbol a line, "START SIZE NAME", START and
 * SIZE in hex with or without a 0x prefix (V8, LuaJIT, Python 3.12 and
 * perf-map-agent write none, .NET writes %p), NAME the rest of the line,
 * spaces and all. Lines that are not of this form are skipped and counted.
 *
 * JITs reuse memory, so a later line wins over an earlier one for the
 * addresses both cover, as in perf. A table of a million lines is parsed
 * once: a refresh reads only what was appended since (into a small second
 * table, merged into the main one as it grows), and parses the file from
 * scratch only when it shrank or was replaced. A map file that disappears
 * (a JIT deletes its map at exit) leaves what was read from it. Only a
 * regular file that root, vigil's user or the process's user owns is read.
 */
#ifndef VIGIL_PERFMAP_H
#define VIGIL_PERFMAP_H

#include <linux/types.h>

struct perfmap;

/*
 * The map at path, not read yet. NULL with errno ENOMEM.
 */
struct perfmap *perfmap__new(const char *path);

/*
 * The map of process pid as the process sees it: /tmp/perf-NSPID.map in
 * its root (/proc/PID/root), NSPID its pid in its own pid namespace (the
 * last field of NSpid: in /proc/PID/status), else the host's
 * /tmp/perf-PID.map. Not read yet. NULL with errno ENOMEM.
 */
struct perfmap *perfmap__new_pid(__u32 pid);

void perfmap__free(struct perfmap *pm);

/*
 * Bring the table up to date with the file: read what was appended, or the
 * whole file when it shrank or is another file now. 0 (also when there is
 * no file: the table stays as it was), -ENOMEM, -ELOOP for a map that is a
 * symbolic link and -EPERM for one that is not a regular file of root,
 * vigil's user or the process's user (both ignored), or the read's -errno.
 */
int perfmap__refresh(struct perfmap *pm);

/*
 * Name of the latest entry covering addr: 0 and *name set (valid until the
 * next perfmap__refresh() or perfmap__free()), or -ENOENT.
 */
int perfmap__find(const struct perfmap *pm, __u64 addr, const char **name);

struct perfmap_stats {
	unsigned long lines;	 /* entries parsed, over every read */
	unsigned long skipped;	 /* malformed lines skipped */
	unsigned long reparses;	 /* whole-file reads after the first */
	unsigned long entries;	 /* address ranges held now, after overrides */
	unsigned long long size; /* bytes of the file parsed */
};

void perfmap__stats(const struct perfmap *pm, struct perfmap_stats *out);

#endif /* VIGIL_PERFMAP_H */
