// SPDX-License-Identifier: GPL-2.0
/* debuginfo.c: separate debug files by build id, .gnu_debuglink and debuginfod. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <elfutils/debuginfod.h>
#include "debuginfo.h"
#include "elf_syms.h"
#include "util.h"

/* A build id debuginfod was asked for. */
struct asked_id {
	size_t len;
	__u8 id[ELF_BUILD_ID_MAX];
};

struct debuginfo {
	char **dirs;
	size_t nr_dirs;

	bool use_debuginfod; /* DEBUGINFOD_URLS was set and not empty */
	bool gave_up;	/* the client failed, a fetch did, or the time is up: not asked again */
	bool cut_short; /* the running fetch was cancelled at the deadline */
	debuginfod_client *client;
	unsigned long long budget_ns, spent_ns, deadline_ns;
	struct asked_id *asked;
	size_t nr_asked, cap_asked;

	struct debuginfo_stats stats;
};

/* What a message calls the binary. */
static const char *req_name(const struct debuginfo_req *req)
{
	return req->path ? req->path : "(unnamed file)";
}

static void hex_id(const __u8 *id, size_t len, char *buf, size_t size)
{
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < len && 2 * i + 2 < size; i++)
		snprintf(buf + 2 * i, size - 2 * i, "%02x", id[i]);
}

/* ------------------------------------------------------------------------
 * Candidates
 * ------------------------------------------------------------------------ */

/* Whether two paths name one file (or namespace). */
static bool same_file(const char *x, const char *y)
{
	struct stat a, b;

	return !stat(x, &a) && !stat(y, &b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/*
 * Whether root (a /proc/PID/root) shows the host's files, so the host need
 * not be searched again: the same root folder, and the same mount
 * namespace (after unshare -m the root is the same folder, but what is
 * mounted under it may not be).
 */
static bool is_host_root(const char *root)
{
	char ns[PATH_MAX];
	size_t len;

	if (!root || !root[0])
		return true;
	if (!same_file(root, "/"))
		return false;
	len = strlen(root);
	if (len < 5 || strcmp(root + len - 5, "/root"))
		return true; /* not a /proc/PID/root: the folder alone decides */
	snprintf(ns, sizeof(ns), "%.*s/ns/mnt", (int)(len - 5), root);
	return same_file(ns, "/proc/self/ns/mnt");
}

/* Open a candidate; -ENOENT also for the binary itself, which never holds its own debug file. */
static int open_candidate(const struct debuginfo_req *req, const char *path)
{
	struct stat bin, cand;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ENOENT;
	if (fstat(fd, &cand) || !S_ISREG(cand.st_mode) ||
	    (!fstat(req->fd, &bin) && bin.st_dev == cand.st_dev && bin.st_ino == cand.st_ino)) {
		close(fd);
		return -ENOENT;
	}
	return fd;
}

static bool build_id_matches(int fd, const struct debuginfo_req *req)
{
	__u8 id[ELF_BUILD_ID_MAX];
	size_t len = 0;

	return !elf_read_build_id(fd, id, sizeof(id), &len) && len == req->build_id_len &&
	       !memcmp(id, req->build_id, len);
}

/* The CRC32 of a whole file, as .gnu_debuglink holds it (zlib's crc32, as gdb's). */
static int file_crc32(int fd, __u32 *crc)
{
	unsigned char buf[65536];
	uLong c = crc32(0L, Z_NULL, 0);
	off_t off = 0;
	ssize_t n;

	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		c = crc32(c, buf, (uInt)n);
		off += n;
	}
	if (n < 0)
		return -errno;
	*crc = (__u32)c;
	return 0;
}

/* A candidate from a build-id folder or debuginfod: its build id must be the binary's. */
static int try_by_build_id(struct debuginfo *d, const struct debuginfo_req *req, const char *path)
{
	int fd = open_candidate(req, path);

	if (fd < 0)
		return fd;
	if (build_id_matches(fd, req))
		return fd;
	close(fd);
	d->stats.rejected++;
	vigil_info(1, "%s: debug file %s not used: its build id differs", req_name(req), path);
	return -ENOENT;
}

/* A candidate named by .gnu_debuglink: its CRC must be the one the link holds. */
static int try_by_crc(struct debuginfo *d, const struct debuginfo_req *req, const char *path)
{
	int fd = open_candidate(req, path);
	__u32 crc = 0;

	if (fd < 0)
		return fd;
	if (!file_crc32(fd, &crc) && crc == req->debuglink_crc)
		return fd;
	close(fd);
	d->stats.rejected++;
	vigil_info(1, "%s: debug file %s not used: CRC 0x%08x, .gnu_debuglink says 0x%08x",
		   req_name(req), path, crc, req->debuglink_crc);
	return -ENOENT;
}

/* Keep the path found for the caller's messages and say where the symbols come from. */
static int found(struct debuginfo *d, const struct debuginfo_req *req, int fd, const char *how,
		 const char *path, char *out, size_t size)
{
	snprintf(out, size, "%s", path);
	d->stats.found++;
	vigil_info(1, "%s: symbols from %s (%s)", req_name(req), path, how);
	return fd;
}

/* ------------------------------------------------------------------------
 * Local folders
 * ------------------------------------------------------------------------ */

/* DIR/.build-id/NN/REST.debug in each debug folder, as the process sees it, then on the host. */
static int find_by_build_id(struct debuginfo *d, const struct debuginfo_req *req,
			    const char *prefix, bool host_too, char *out, size_t size)
{
	char hex[2 * ELF_BUILD_ID_MAX + 1], path[PATH_MAX];
	const char *prefixes[] = {prefix, ""};
	size_t i, j;
	int fd, n;

	if (req->build_id_len < 2)
		return -ENOENT;
	hex_id(req->build_id, req->build_id_len, hex, sizeof(hex));
	for (i = 0; i < d->nr_dirs; i++) {
		for (j = 0; j < (host_too ? 2 : 1); j++) {
			n = snprintf(path, sizeof(path), "%s%s/.build-id/%.2s/%s.debug",
				     prefixes[j], d->dirs[i], hex, hex + 2);
			if (n < 0 || (size_t)n >= sizeof(path))
				continue;
			fd = try_by_build_id(d, req, path);
			if (fd >= 0)
				return found(d, req, fd, "build id", path, out, size);
		}
	}
	return -ENOENT;
}

/* One .gnu_debuglink candidate: PREFIX DIR BINDIR / NAME. */
static int try_debuglink(struct debuginfo *d, const struct debuginfo_req *req, const char *prefix,
			 const char *dir, const char *bindir, int bindir_len, char *out,
			 size_t size)
{
	char path[PATH_MAX];
	int fd, n;

	n = snprintf(path, sizeof(path), "%s%s%.*s/%s", prefix, dir, bindir_len, bindir,
		     req->debuglink);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENOENT;
	fd = try_by_crc(d, req, path);
	if (fd < 0)
		return fd;
	return found(d, req, fd, ".gnu_debuglink", path, out, size);
}

/*
 * The .gnu_debuglink name where gdb looks for it: next to the binary, in
 * its .debug/ subfolder, and in each debug folder under the binary's
 * folder; each as the process sees it, then on the host (a chrooted
 * process's maps show the host's paths).
 */
static int find_by_debuglink(struct debuginfo *d, const struct debuginfo_req *req,
			     const char *prefix, bool host_too, char *out, size_t size)
{
	const char *slash, *prefixes[] = {prefix, ""};
	size_t i, j, nr_prefixes = host_too ? 2 : 1;
	char sub[PATH_MAX];
	int bindir_len, fd = -ENOENT;

	if (!req->debuglink || !req->debuglink[0] || strchr(req->debuglink, '/') || !req->path)
		return -ENOENT;
	slash = strrchr(req->path, '/');
	if (!slash)
		return -ENOENT;
	bindir_len = (int)(slash - req->path);
	snprintf(sub, sizeof(sub), "%.*s/.debug", bindir_len, req->path);
	for (j = 0; j < nr_prefixes && fd == -ENOENT; j++)
		fd = try_debuglink(d, req, prefixes[j], "", req->path, bindir_len, out, size);
	for (j = 0; j < nr_prefixes && fd == -ENOENT; j++)
		fd = try_debuglink(d, req, prefixes[j], "", sub, (int)strlen(sub), out, size);
	for (i = 0; i < d->nr_dirs && fd == -ENOENT; i++) {
		for (j = 0; j < nr_prefixes && fd == -ENOENT; j++)
			fd = try_debuglink(d, req, prefixes[j], d->dirs[i], req->path, bindir_len,
					   out, size);
	}
	return fd;
}

/* ------------------------------------------------------------------------
 * debuginfod
 * ------------------------------------------------------------------------ */

/* Called by the client while it waits or downloads: non-zero cancels, once the time is up. */
static int debuginfod_progress(debuginfod_client *c, long done, long total)
{
	struct debuginfo *d = debuginfod_get_user_data(c);

	(void)done;
	(void)total;
	if (now_ns() < d->deadline_ns)
		return 0;
	d->cut_short = true;
	return 1;
}

/* Set a DEBUGINFOD_ variable for the client unless the user set it. */
static void default_env(const char *name, long value)
{
	const char *s = getenv(name);
	char buf[24];

	if (s && s[0])
		return;
	snprintf(buf, sizeof(buf), "%ld", value);
	setenv(name, buf, 1);
}

/*
 * DEBUGINFOD_TIMEOUT in seconds, DEBUGINFO_TIMEOUT_S unless the user set
 * one; and no retry unless the user asked for some, so that a server that
 * does not answer costs one timeout.
 */
static long debuginfod_timeout_s(void)
{
	const char *s;
	char *end;
	long t;

	default_env(DEBUGINFOD_TIMEOUT_ENV_VAR, DEBUGINFO_TIMEOUT_S);
	default_env(DEBUGINFOD_RETRY_LIMIT_ENV_VAR, 0);
	s = getenv(DEBUGINFOD_TIMEOUT_ENV_VAR);
	if (!s)
		return DEBUGINFO_TIMEOUT_S;
	t = strtol(s, &end, 10);
	return *end == '\0' && t > 0 ? t : DEBUGINFO_TIMEOUT_S;
}

/* The client, started on first use; false when it cannot start. */
static bool debuginfod_ready(struct debuginfo *d)
{
	long timeout;

	if (d->client)
		return true;
	timeout = debuginfod_timeout_s();
	d->budget_ns = (unsigned long long)timeout * DEBUGINFO_BUDGET_FACTOR * 1000000000ULL;
	d->client = debuginfod_begin();
	if (!d->client) {
		d->gave_up = true;
		vigil_info(1, "debuginfod: the client failed to start; not asked");
		return false;
	}
	debuginfod_set_user_data(d->client, d);
	debuginfod_set_progressfn(d->client, debuginfod_progress);
	vigil_info(1,
		   "debuginfod: asking %s for debug files not found here "
		   "(DEBUGINFOD_TIMEOUT %ld s, %ld s in all)",
		   getenv(DEBUGINFOD_URLS_ENV_VAR) ?: "DEBUGINFOD_URLS", timeout,
		   timeout * DEBUGINFO_BUDGET_FACTOR);
	return true;
}

/* Remember that id was asked for: 1, or 0 when it was already; -ENOMEM. */
static int note_asked(struct debuginfo *d, const __u8 *id, size_t len)
{
	struct asked_id *a;
	size_t i;

	for (i = 0; i < d->nr_asked; i++) {
		if (d->asked[i].len == len && !memcmp(d->asked[i].id, id, len))
			return 0;
	}
	if (d->nr_asked == d->cap_asked) {
		size_t cap = d->cap_asked ? 2 * d->cap_asked : 16;

		a = realloc(d->asked, cap * sizeof(*a));
		if (!a)
			return -ENOMEM;
		d->asked = a;
		d->cap_asked = cap;
	}
	a = &d->asked[d->nr_asked++];
	a->len = len;
	memcpy(a->id, id, len);
	return 1;
}

/*
 * What a failed fetch says of the servers: a miss (-ENOENT, every server
 * answered that it has no such file) leaves them asked for other build
 * ids; anything else (no answer in time, refused, cut short at the
 * deadline) would most likely happen again, so they are not asked again.
 */
static void fetch_failed(struct debuginfo *d, const struct debuginfo_req *req, const char *hex,
			 int err)
{
	if (err == -ENOENT && !d->cut_short) {
		vigil_info(1, "%s: debuginfod has no debug file for build id %s", req_name(req),
			   hex);
		return;
	}
	d->gave_up = true;
	if (d->cut_short)
		vigil_info(1,
			   "debuginfod: build id %s: cut short, %llu s spent in all; not asked "
			   "again in this run",
			   hex, d->budget_ns / 1000000000ULL);
	else
		vigil_info(1, "debuginfod: build id %s: %s; not asked again in this run", hex,
			   strerror(-err));
}

/* Ask debuginfod, once per build id, within the time left. */
static int ask_debuginfod(struct debuginfo *d, const struct debuginfo_req *req, char *out,
			  size_t size)
{
	char hex[2 * ELF_BUILD_ID_MAX + 1], *path = NULL;
	unsigned long long start;
	int fd, err;

	if (!d->use_debuginfod || !req->build_id_len || d->gave_up)
		return -ENOENT;
	err = note_asked(d, req->build_id, req->build_id_len);
	if (err <= 0)
		return err ? err : -ENOENT;
	if (!debuginfod_ready(d))
		return -ENOENT;
	hex_id(req->build_id, req->build_id_len, hex, sizeof(hex));
	start = now_ns();
	d->deadline_ns = start + (d->budget_ns - d->spent_ns);
	d->cut_short = false;
	d->stats.debuginfod_queries++;
	fd = debuginfod_find_debuginfo(d->client, req->build_id, (int)req->build_id_len, &path);
	d->spent_ns += now_ns() - start;
	if (fd < 0)
		fetch_failed(d, req, hex, fd);
	if (d->spent_ns >= d->budget_ns && !d->gave_up) {
		d->gave_up = true;
		vigil_info(1, "debuginfod: %llu s spent in all; not asked again in this run",
			   d->budget_ns / 1000000000ULL);
	}
	if (fd < 0) {
		free(path);
		return fd == -ENOMEM ? -ENOMEM : -ENOENT;
	}
	if (!build_id_matches(fd, req)) {
		d->stats.rejected++;
		vigil_info(1, "%s: debug file %s not used: its build id differs", req_name(req),
			   path ? path : "from debuginfod");
		close(fd);
		free(path);
		return -ENOENT;
	}
	fd = found(d, req, fd, "debuginfod", path ? path : hex, out, size);
	free(path);
	return fd;
}

/* ------------------------------------------------------------------------
 * Public API
 * ------------------------------------------------------------------------ */

int debuginfo__open(struct debuginfo *d, const struct debuginfo_req *req, char *path, size_t size)
{
	char hex[2 * ELF_BUILD_ID_MAX + 1];
	const char *prefix = req->root && req->root[0] ? req->root : "";
	bool host_too = false;
	int fd;

	if (prefix[0] && is_host_root(prefix))
		prefix = ""; /* the same files: search once, and name them as the host does */
	else if (prefix[0])
		host_too = true;
	fd = find_by_build_id(d, req, prefix, host_too, path, size);
	if (fd == -ENOENT)
		fd = find_by_debuglink(d, req, prefix, host_too, path, size);
	if (fd == -ENOENT)
		fd = ask_debuginfod(d, req, path, size);
	if (fd == -ENOENT) {
		hex_id(req->build_id, req->build_id_len, hex, sizeof(hex));
		vigil_info(1, "%s: no separate debug file found (build id %s, .gnu_debuglink %s)",
			   req_name(req), hex[0] ? hex : "none",
			   req->debuglink ? req->debuglink : "none");
	}
	return fd;
}

/* A debug folder as given, made absolute so that it can follow a /proc/PID/root. */
static char *dir_copy(const char *dir)
{
	char *abs;

	if (dir[0] == '/')
		return strdup(dir);
	abs = realpath(dir, NULL);
	return abs ? abs : strdup(dir);
}

struct debuginfo *debuginfo__new(const struct debuginfo_opts *opts)
{
	static const char *const default_dirs[] = {DEBUGINFO_DEFAULT_DIR};
	const char *const *dirs = default_dirs;
	struct debuginfo *d = calloc(1, sizeof(*d));
	const char *urls = getenv(DEBUGINFOD_URLS_ENV_VAR);
	size_t n = 1, i;

	if (!d)
		goto err;
	if (opts && opts->nr_dirs) {
		dirs = opts->dirs;
		n = opts->nr_dirs;
	}
	d->dirs = calloc(n, sizeof(*d->dirs));
	if (!d->dirs)
		goto err;
	for (i = 0; i < n; i++) {
		d->dirs[i] = dir_copy(dirs[i]);
		if (!d->dirs[i])
			goto err;
		d->nr_dirs++;
	}
	d->use_debuginfod = urls && urls[0];
	return d;
err:
	debuginfo__free(d);
	errno = ENOMEM;
	return NULL;
}

void debuginfo__free(struct debuginfo *d)
{
	size_t i;

	if (!d)
		return;
	if (d->client)
		debuginfod_end(d->client);
	for (i = 0; i < d->nr_dirs; i++)
		free(d->dirs[i]);
	free(d->dirs);
	free(d->asked);
	free(d);
}

void debuginfo__stats(const struct debuginfo *d, struct debuginfo_stats *out)
{
	*out = d->stats;
}
