/* SPDX-License-Identifier: GPL-2.0 */
/*
 * debuginfo.h: the separate debug file of a stripped binary, found the way gdb finds it.
 *
 * A binary without .symtab may have its symbols in another file. Three
 * places are searched, in this order, and the first file that matches is
 * used:
 *
 *   1. DIR/.build-id/NN/REST.debug for each debug folder DIR (NN the build
 *      id's first byte in hex, REST the rest); the file's own build id
 *      must equal the binary's.
 *   2. The name in the binary's .gnu_debuglink, in the binary's folder,
 *      in its .debug/ subfolder, and in DIR/<the binary's folder>/; the
 *      file's CRC32 must equal the one the link holds.
 *   3. debuginfod, by build id, when DEBUGINFOD_URLS is set and not empty;
 *      the file's build id must equal the binary's.
 *
 * Paths are looked up as the binary's process sees them (through its
 * /proc/PID/root), and the debug folders also on the host. A file that
 * does not match is not used, and -v says so. debuginfod is asked at most
 * once per build id, and its fetches are bounded: DEBUGINFOD_TIMEOUT
 * (DEBUGINFO_TIMEOUT_S when unset) is the client's own limit for a server
 * to start sending, DEBUGINFOD_RETRY_LIMIT is 0 unless set, and all
 * fetches of one debuginfo together are cut short at
 * DEBUGINFO_BUDGET_FACTOR times DEBUGINFOD_TIMEOUT. After a fetch that fails other than
 * by the servers saying they have no such file (no answer in time, a
 * refused connection, cut short), debuginfod is not asked again.
 */
#ifndef VIGIL_DEBUGINFO_H
#define VIGIL_DEBUGINFO_H

#include <stddef.h>
#include <linux/types.h>

#define DEBUGINFO_DEFAULT_DIR	"/usr/lib/debug"
#define DEBUGINFO_TIMEOUT_S	5 /* DEBUGINFOD_TIMEOUT when the user set none */
#define DEBUGINFO_BUDGET_FACTOR 4 /* all fetches of a run: this many timeouts at most */

struct debuginfo;

struct debuginfo_opts {
	const char *const *dirs; /* debug folders, absolute or relative to the current one */
	size_t nr_dirs;		 /* 0: DEBUGINFO_DEFAULT_DIR */
};

/*
 * Copy the options. debuginfod is used if DEBUGINFOD_URLS is set and not
 * empty now; its client reads that and the other DEBUGINFOD_ variables
 * again at each fetch. NULL with errno set.
 */
struct debuginfo *debuginfo__new(const struct debuginfo_opts *opts);
void debuginfo__free(struct debuginfo *d);

/* What is known of the binary whose debug file is wanted. */
struct debuginfo_req {
	int fd;		  /* the binary, open; a candidate that is this very file is skipped */
	const char *path; /* the binary as its process names it (/proc/PID/maps); NULL: unknown */
	const char *root; /* that process's root, "/proc/PID/root"; NULL or "": the host's */
	const __u8 *build_id;
	size_t build_id_len;   /* 0: the binary has no build id */
	const char *debuglink; /* the .gnu_debuglink file name; NULL: the binary has none */
	__u32 debuglink_crc;
};

/*
 * Open the debug file of req's binary: a file descriptor (the caller
 * closes it) with the file's path copied to path (size bytes at most) for
 * messages; -ENOENT when none is found or none matches; -ENOMEM.
 */
int debuginfo__open(struct debuginfo *d, const struct debuginfo_req *req, char *path, size_t size);

/* Counters for -v and tests. */
struct debuginfo_stats {
	unsigned long found;		  /* debug files opened for a binary */
	unsigned long rejected;		  /* candidates whose build id or CRC did not match */
	unsigned long debuginfod_queries; /* debuginfod_find_debuginfo() calls */
};

void debuginfo__stats(const struct debuginfo *d, struct debuginfo_stats *out);

#endif /* VIGIL_DEBUGINFO_H */
