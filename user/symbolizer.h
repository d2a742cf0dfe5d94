/* SPDX-License-Identifier: GPL-2.0 */
/*
 * symbolizer.h: kernel and user addresses to function names.
 *
 * One interface for every command that prints a frame. Names are interned:
 * a returned pointer stays valid until symbolizer__free(). Symbol tables are
 * cached per file (by build id, else by device and inode), so many processes
 * of one binary cost one parse; a process's mappings are cached per pid and
 * re-read when an address falls outside every known mapping.
 */
#ifndef VIGIL_SYMBOLIZER_H
#define VIGIL_SYMBOLIZER_H

#include <stdbool.h>
#include <linux/types.h>

struct symbolizer;

#define SYMBOLIZER_DEBUG_DIRS_MAX 8

struct symbolizer_opts {
	bool warn; /* print one-line warnings (hidden kallsyms, unreadable maps) */
	/* folders of separate debug files (.build-id/, .gnu_debuglink); none: /usr/lib/debug */
	const char *debug_dirs[SYMBOLIZER_DEBUG_DIRS_MAX];
	int nr_debug_dirs;
};

struct symbolizer *symbolizer__new(const struct symbolizer_opts *opts);
void symbolizer__free(struct symbolizer *s);

/*
 * Name of a kernel address: the function from /proc/kallsyms, or
 * "[unknown]". Never NULL unless out of memory.
 */
const char *symbolizer__kernel(struct symbolizer *s, __u64 addr);

/*
 * Read kernel symbols from path, a file in /proc/kallsyms's format, instead
 * of /proc/kallsyms: a copy saved on the profiled machine, or a test's.
 * Call before the first symbolizer__kernel(). Returns 0 or -ENOMEM.
 */
int symbolizer__set_kallsyms(struct symbolizer *s, const char *path);

/*
 * Name of a user address in process pid. is_return says the address is a
 * return address (every frame but the innermost), looked up at addr - 1 so
 * a call at the very end of a function is not blamed on the next one.
 * Returns the symbol's name; "FILE+0xOFFSET" (FILE the mapped file's base
 * name, OFFSET the offset in that file) when the file is known but no
 * symbol covers the address; "[unknown]" when even the file is unknown.
 * Never NULL unless out of memory.
 */
const char *symbolizer__user(struct symbolizer *s, __u32 pid, __u64 addr, bool is_return);

/* Drop what is cached for pid (its mappings); the per-file cache stays. */
void symbolizer__forget_pid(struct symbolizer *s, __u32 pid);

/* Counters for -v and tests. */
struct symbolizer_stats {
	unsigned long files_parsed; /* ELF files whose symbols were read */
	unsigned long file_cache_hits;
	unsigned long maps_reads; /* /proc/PID/maps reads */
};

void symbolizer__stats(const struct symbolizer *s, struct symbolizer_stats *out);

#endif /* VIGIL_SYMBOLIZER_H */
