/* SPDX-License-Identifier: GPL-2.0 */
/*
 * symbolizer.h: kernel and user addresses to function names.
 *
 * One interface for every command that prints a frame. Names are interned:
 * a returned pointer stays valid until symbolizer__free(). Symbol tables are
 * cached per file (by build id, else by device and inode), so many processes
 * of one binary cost one parse. A process's mappings are cached per
 * incarnation (pid and generation, proc_events.h): read when the collector
 * says it was first seen, re-read while it runs when an address falls
 * outside them, kept after an exec or exit until its samples are named,
 * then dropped at the next sweep. C++ and Rust names, of user and kernel
 * symbols alike, are demangled (demangle.h).
 */
#ifndef VIGIL_SYMBOLIZER_H
#define VIGIL_SYMBOLIZER_H

#include <stdbool.h>
#include <linux/types.h>
#include "proc_events.h"

struct symbolizer;

#define SYMBOLIZER_DEBUG_DIRS_MAX 8

struct symbolizer_opts {
	bool warn; /* print one-line warnings (hidden kallsyms, unreadable maps) */
	/* show C++ and Rust names as the symbol tables have them, not demangled (demangle.h) */
	bool no_demangle;
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
 * Read the kernel's symbols now (they take tens of ms), so that the first
 * kernel frame does not stall the loop that reads processes as they
 * appear. 0 or -ENOMEM; a failure to read is said and leaves [unknown].
 */
int symbolizer__load_kernel(struct symbolizer *s);

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
 * In anonymous memory or in no mapping, the name the process's perf map
 * (/tmp/perf-PID.map, written by JITs) gives the address, if any; in
 * [vdso], the vDSO's function, read from the process's own image.
 * Never NULL unless out of memory.
 */
const char *symbolizer__user(struct symbolizer *s, __u32 pid, __u64 addr, bool is_return);

/*
 * Names of a user stack of process pid in incarnation gen, innermost frame
 * first, into names[0..n). The innermost address is a return address too
 * when first_is_return (a sample taken in the kernel). With cut non-NULL,
 * an address past the innermost that lies in no executable mapping, in a
 * process whose mappings are known, ends the stack: the walk went astray
 * there (frame pointers missing), and *cut is set. Returns how many frames
 * were named, or -ENOMEM.
 */
int symbolizer__user_stack(struct symbolizer *s, __u32 pid, __u32 gen, const __u64 *ips, int n,
			   bool first_is_return, const char **names, bool *cut);

/*
 * What a collector learned of incarnations, in the order it learned it:
 * VIGIL_PROC_SEEN reads an incarnation's mappings and files at once, while
 * it runs, unless an EXEC or EXIT later in evs ended it already (its
 * process's /proc shows another program by now, or nothing: a child is
 * then named from its parent's mappings); MAPS reads them again, as they
 * changed; EXEC and EXIT end it. Unknown types are skipped. 0 or -ENOMEM.
 */
int symbolizer__proc_events(struct symbolizer *s, const struct vigil_proc_event *evs, size_t n);

/*
 * A collector calls drain_begin when it switches its buffers, then names
 * the samples of the buffer it took, then calls sweep: that drops the
 * incarnations that ended before drain_begin, and those not looked up
 * for a while. Events told between the two are kept for the next sweep.
 */
void symbolizer__drain_begin(struct symbolizer *s);
void symbolizer__sweep(struct symbolizer *s);

/* Drop what is cached for pid (its mappings); the per-file cache stays. */
void symbolizer__forget_pid(struct symbolizer *s, __u32 pid);

/*
 * Where a frame's name came from, for formats that describe the binaries
 * behind the frames (pprof's mappings). The symbolizer keeps it for every
 * name it produces, the first time each file (or the kernel) produces it.
 */
struct symbolizer_origin {
	const char *path;     /* the file as the process mapped it, "[vdso]", "[kernel.kallsyms]" */
	const char *build_id; /* its build id in lowercase hex; NULL: none known */
	__u64 start, limit;   /* the mapping the name was first seen in: [start, limit) */
	__u64 offset;	      /* the file offset mapped at start */
	__u64 addr;	      /* an address inside the function, in that mapping */
	bool kernel;	      /* the core kernel's code (start, limit: _text, _etext; offset 0) */
	bool symbol;	      /* a function symbol's name; not FILE+0xOFFSET */
};

/*
 * Where the frame name came from: true and *out set (its strings live as
 * long as s), or false when the symbolizer did not produce that name, or
 * produced it from two files or more (a "main" of two programs, one file
 * rebuilt with another build id): a name is matched by its text, so it
 * then names no one file, rather than a wrong one. With kernel, name is a
 * kernel function's, without the "_[k]" profiles show after it; only names
 * of the core kernel's text have an origin (not modules' or BPF programs').
 */
bool symbolizer__origin(const struct symbolizer *s, const char *name, bool kernel,
			struct symbolizer_origin *out);

/* Counters for -v and tests. */
struct symbolizer_stats {
	unsigned long files_parsed; /* ELF files whose symbols were read */
	unsigned long file_cache_hits;
	unsigned long files_evicted;  /* idle files dropped from the cache */
	unsigned long files_cached;   /* now */
	unsigned long maps_reads;     /* /proc/PID/maps reads */
	unsigned long maps_inherited; /* children gone before a read, named from their parent's */
	unsigned long procs_cached;   /* incarnations cached now */
	unsigned long procs_peak;     /* the most cached at once */
	unsigned long kernel_reads;   /* reads of /proc/kallsyms */
	unsigned long kernel_reads_skipped; /* misses no new kernel code could explain */
	unsigned long perfmap_skipped;	    /* malformed lines of /tmp/perf-PID.map files */
};

void symbolizer__stats(const struct symbolizer *s, struct symbolizer_stats *out);

#endif /* VIGIL_SYMBOLIZER_H */
