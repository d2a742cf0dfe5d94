// SPDX-License-Identifier: GPL-2.0
/* util.c: messages, number parsing, privilege and BTF checks, CPU lists, atomic output files. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <bpf/libbpf.h>
#include "util.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

int vigil_verbose;

static void vmsg(const char *fmt, va_list ap)
{
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "vigil: %s\n", line);
}

void vigil_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void vigil_info(int level, const char *fmt, ...)
{
	va_list ap;

	if (vigil_verbose < level)
		return;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

int parse_ulong(const char *s, unsigned long min, unsigned long max, const char *what,
		unsigned long *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ') {
		vigil_err("%s: '%s' is not a number", what, s ? s : "");
		return -EINVAL;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end) {
		vigil_err("%s: '%s' is not a number", what, s);
		return -EINVAL;
	}
	if (errno == ERANGE || v < min || v > max) {
		vigil_err("%s: %s is out of range (%lu to %lu)", what, s, min, max);
		return -ERANGE;
	}
	*out = v;
	return 0;
}

int parse_pid_list(const char *s, int *pids, int max)
{
	char *copy = strdup(s), *tok, *next;
	int n = 0, err = 0;

	if (!copy)
		return -ENOMEM;
	/* strsep, not strtok: "1,,2" and "1," have an empty item, which is an error. */
	for (next = copy; (tok = strsep(&next, ",")) != NULL;) {
		unsigned long v;

		if (n == max) {
			vigil_err("-p: more than %d processes", max);
			err = -E2BIG;
			break;
		}
		err = parse_ulong(tok, 1, INT_MAX, "-p", &v);
		if (err)
			break;
		pids[n++] = (int)v;
	}
	free(copy);
	return err ? err : n;
}

int check_privileges(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2] = {};
	bool bpf, perfmon, admin;

	if (geteuid() == 0)
		return 0;
	if (syscall(SYS_capget, &hdr, data)) {
		vigil_err("capget: %s", strerror(errno));
		return -errno;
	}
#define HAS_CAP(c) (data[(c) / 32].effective & (1U << ((c) % 32)))
	admin = HAS_CAP(CAP_SYS_ADMIN);
	bpf = HAS_CAP(CAP_BPF) || admin;
	perfmon = HAS_CAP(CAP_PERFMON) || admin;
#undef HAS_CAP
	if (bpf && perfmon)
		return 0;
	vigil_err("permission denied: needs root, or CAP_BPF and CAP_PERFMON (missing: %s%s%s)",
		  bpf ? "" : "CAP_BPF", !bpf && !perfmon ? ", " : "", perfmon ? "" : "CAP_PERFMON");
	return -EPERM;
}

int check_btf(void)
{
	const char *path = "/sys/kernel/btf/vmlinux";

	if (access(path, R_OK) == 0)
		return 0;
	vigil_err("kernel BTF not found: %s: %s (vigil needs a kernel built with "
		  "CONFIG_DEBUG_INFO_BTF=y)",
		  path, strerror(errno));
	return -ENOENT;
}

int parse_cpu_list(const char *s, bool *mask, int n)
{
	int count = 0;

	memset(mask, 0, n * sizeof(*mask));
	while (*s && *s != '\n') {
		char *end;
		long a = strtol(s, &end, 10), b;

		if (end == s || a < 0)
			return -EINVAL;
		b = a;
		s = end;
		if (*s == '-') {
			b = strtol(s + 1, &end, 10);
			if (end == s + 1 || b < a)
				return -EINVAL;
			s = end;
		}
		for (long c = a; c <= b && c < n; c++) {
			if (!mask[c])
				count++;
			mask[c] = true;
		}
		if (*s == ',')
			s++;
		else if (*s && *s != '\n')
			return -EINVAL;
	}
	return count;
}

int online_cpus(bool *mask, int n)
{
	char buf[4096];
	ssize_t len;
	int fd, err;

	fd = open("/sys/devices/system/cpu/online", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = read(fd, buf, sizeof(buf) - 1);
	err = -errno;
	close(fd);
	if (len <= 0)
		return len < 0 ? err : -EINVAL;
	buf[len] = '\0';
	return parse_cpu_list(buf, mask, n);
}

/* The folder that will hold path: its dirname, or "." for a bare name. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, slash - path);
}

/*
 * An unnamed file in the destination's folder (O_TMPFILE), so that a vigil
 * killed by SIGKILL leaves nothing behind; a named hidden file where the
 * file system cannot do that.
 */
static int open_temp(struct outfile *o)
{
	const char *base = strrchr(o->path, '/') ? strrchr(o->path, '/') + 1 : o->path;
	mode_t mask = umask(0);
	int fd;

	umask(mask);
	fd = open(o->dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666 & ~mask);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return fd;
	if (asprintf(&o->tmp, "%s/.%s.vigil-XXXXXX", o->dir, base) < 0) {
		o->tmp = NULL;
		errno = ENOMEM;
		return -1;
	}
	fd = mkostemp(o->tmp, O_CLOEXEC);
	if (fd < 0) {
		free(o->tmp);
		o->tmp = NULL;
		return -1;
	}
	fchmod(fd, 0666 & ~mask);
	return fd;
}

/* The name must be there and leave room for the temporary name made beside it. */
static int check_name(const struct outfile *o)
{
	const char *base = strrchr(o->path, '/') ? strrchr(o->path, '/') + 1 : o->path;

	if (!*o->path)
		return -ENOENT;
	if (strlen(base) + 32 > NAME_MAX || strlen(o->path) + 32 >= PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * A FIFO is opened for writing at once if a reader is there; otherwise the
 * output is kept in memory and handed over at commit, when a reader comes.
 */
static int open_fifo(struct outfile *o)
{
	int fd = open(o->path, O_WRONLY | O_NONBLOCK | O_CLOEXEC), err;

	if (fd < 0 && errno != ENXIO) {
		err = -errno;
		vigil_err("%s: cannot write: %s", o->path, strerror(errno));
		outfile__abort(o);
		return err;
	}
	if (fd >= 0) {
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
		o->f = fdopen(fd, "w");
	} else {
		o->f = open_memstream(&o->buf, &o->len);
	}
	if (!o->f) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		outfile__abort(o);
		return err;
	}
	o->waiting = fd < 0;
	return 0;
}

/* A stop signal (INT, TERM, HUP, QUIT) has come while vigil blocks them. */
static bool stop_pending(void)
{
	sigset_t set;

	sigpending(&set);
	return sigismember(&set, SIGINT) || sigismember(&set, SIGTERM) ||
	       sigismember(&set, SIGHUP) || sigismember(&set, SIGQUIT);
}

/* Wait for a reader of the FIFO, then write the kept output to it. */
static int hand_to_reader(struct outfile *o)
{
	struct timespec tick = {0, 100 * 1000 * 1000};
	size_t done = 0;
	int fd, err = 0;

	if (fclose(o->f))
		return -errno;
	o->f = NULL;
	vigil_err("%s: waiting for a reader (a signal gives up)", o->path);
	while ((fd = open(o->path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		if (errno != ENXIO)
			return -errno;
		if (stop_pending())
			return -EPIPE;
		nanosleep(&tick, NULL);
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	while (done < o->len) {
		ssize_t n = write(fd, o->buf + done, o->len - done);

		if (n < 0) {
			err = -errno;
			break;
		}
		done += n;
	}
	if (close(fd) && !err)
		err = -errno;
	return err;
}

int outfile__open(struct outfile *o, const char *path)
{
	struct stat st;
	int fd, err;

	memset(o, 0, sizeof(*o));
	if (!path) {
		o->f = stdout;
		return 0;
	}
	o->path = strdup(path);
	o->dir = dir_of(path);
	if (!o->path || !o->dir) {
		outfile__abort(o);
		return -ENOMEM;
	}
	err = check_name(o);
	if (err) {
		vigil_err("%s: cannot write: %s", *path ? path : "''",
			  err == -ENOENT ? "empty file name" : strerror(-err));
		outfile__abort(o);
		return err;
	}
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			vigil_err("%s: cannot write: Is a directory", path);
			outfile__abort(o);
			return -EISDIR;
		}
		o->known = true;
		o->dev = st.st_dev;
		o->ino = st.st_ino;
		o->fifo = S_ISFIFO(st.st_mode);
	}
	/*
	 * Only a regular file is replaced. Anything else that exists (a device,
	 * a FIFO, a symbolic link such as /dev/stdout) is written in place: a
	 * rename would put a regular file where the link or device was.
	 */
	if (lstat(path, &st) == 0) {
		o->direct = !S_ISREG(st.st_mode);
		o->replaces = !o->direct;
		o->mode = st.st_mode & 07777;
		o->uid = st.st_uid;
		o->gid = st.st_gid;
	}
	if (o->fifo)
		return open_fifo(o);
	/* immutable or append-only: a rename at the end would fail, after the whole run */
	if (o->replaces && access(path, W_OK) && errno == EPERM) {
		vigil_err("%s: cannot write: %s", path, strerror(EPERM));
		outfile__abort(o);
		return -EPERM;
	}
	fd = o->direct ? open(path, O_WRONLY | O_CLOEXEC) : open_temp(o);
	if (fd < 0) {
		err = -errno;
		/*
		 * The temporary file goes in the destination's folder; when that
		 * fails for an existing file, say what the file itself allows.
		 */
		if (o->replaces) {
			int probe = open(path, O_WRONLY | O_CLOEXEC);

			if (probe < 0) {
				err = -errno;
			} else {
				close(probe);
				vigil_err("%s: cannot write: no file can be made in %s (%s)", path,
					  o->dir, strerror(-err));
				outfile__abort(o);
				return err;
			}
		}
		vigil_err("%s: cannot write: %s", path, strerror(-err));
		outfile__abort(o);
		return err;
	}
	o->f = fdopen(fd, "w");
	if (!o->f) {
		err = -errno;
		close(fd);
		outfile__abort(o);
		return err;
	}
	return 0;
}

/* Give the unnamed temporary file a name beside the destination, for rename(). */
static int name_temp(struct outfile *o, int fd)
{
	const char *base = strrchr(o->path, '/') ? strrchr(o->path, '/') + 1 : o->path;
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	for (int i = 0; i < 100; i++) {
		if (asprintf(&o->tmp, "%s/.%s.vigil-%d-%d", o->dir, base, (int)getpid(), i) < 0) {
			o->tmp = NULL;
			return -ENOMEM;
		}
		if (linkat(AT_FDCWD, proc, AT_FDCWD, o->tmp, AT_SYMLINK_FOLLOW) == 0)
			return 0;
		free(o->tmp);
		o->tmp = NULL;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

int outfile__commit(struct outfile *o)
{
	struct stat st;
	int err = 0;

	if (!o->path) {
		if (fflush(stdout) || ferror(stdout)) {
			err = errno ? -errno : -EIO;
			vigil_err("stdout: cannot write: %s", strerror(-err));
		}
		return err;
	}
	if (o->waiting) {
		err = ferror(o->f) ? -EIO : hand_to_reader(o);
		goto out;
	}
	if (fflush(o->f) || ferror(o->f))
		err = errno ? -errno : -EIO;
	if (!err && !o->direct && fsync(fileno(o->f)))
		err = -errno;
	/* Written in place: a regular file behind a link keeps only what was written. */
	if (!err && o->direct && fstat(fileno(o->f), &st) == 0 && S_ISREG(st.st_mode) &&
	    ftruncate(fileno(o->f), ftell(o->f)))
		err = -errno;
	/* A file being replaced keeps its owner and mode (chown first: it clears set-id bits). */
	if (!err && o->replaces) {
		if (fchown(fileno(o->f), o->uid, o->gid))
			o->mode &= 0777;
		fchmod(fileno(o->f), o->mode);
	}
	if (!err && !o->direct && !o->tmp)
		err = name_temp(o, fileno(o->f));
	if (fclose(o->f) && !err)
		err = -errno;
	o->f = NULL;
	if (!err && !o->direct && rename(o->tmp, o->path))
		err = -errno;
out:
	if (err) {
		vigil_err("%s: cannot write: %s", o->path, strerror(-err));
		outfile__abort(o);
		return err;
	}
	free(o->tmp);
	o->tmp = NULL;
	outfile__abort(o);
	return 0;
}

void outfile__abort(struct outfile *o)
{
	if (o->f && o->f != stdout)
		fclose(o->f);
	if (o->tmp)
		unlink(o->tmp);
	free(o->buf);
	free(o->tmp);
	free(o->path);
	free(o->dir);
	memset(o, 0, sizeof(*o));
}

/* The destination as an absolute path with its folder resolved; NULL if that fails. */
static char *canonical(const struct outfile *o)
{
	const char *base = strrchr(o->path, '/') ? strrchr(o->path, '/') + 1 : o->path;
	char *dir = realpath(o->dir, NULL), *out = NULL;

	if (dir && asprintf(&out, "%s/%s", strcmp(dir, "/") ? dir : "", base) < 0)
		out = NULL;
	free(dir);
	return out;
}

bool outfile__same(const struct outfile *a, const struct outfile *b)
{
	char *ca, *cb;
	bool same;

	if (!a->path || !b->path)
		return !a->path && !b->path;
	/* Links, symbolic or hard, to one file are one file. */
	if (a->known && b->known)
		return a->dev == b->dev && a->ino == b->ino;
	ca = canonical(a);
	cb = canonical(b);
	same = ca && cb && !strcmp(ca, cb);
	free(ca);
	free(cb);
	return same;
}

unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

unsigned long long percpu_sum(const struct bpf_map *map, unsigned int idx)
{
	int ncpu = libbpf_num_possible_cpus();
	unsigned long long *vals, sum = 0;

	if (ncpu <= 0 || !(vals = calloc(ncpu, sizeof(*vals))))
		return 0;
	if (!bpf_map__lookup_elem(map, &idx, sizeof(idx), vals, ncpu * sizeof(*vals), 0))
		for (int c = 0; c < ncpu; c++)
			sum += vals[c];
	free(vals);
	return sum;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	return vigil_verbose < 2 ? 0 : vfprintf(stderr, fmt, ap);
}

void quiet_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}

int utf8_seq_len(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int len = p[0] < 0x80		  ? 1
		  : (p[0] & 0xe0) == 0xc0 ? 2
		  : (p[0] & 0xf0) == 0xe0 ? 3
		  : (p[0] & 0xf8) == 0xf0 ? 4
					  : 0;

	if (!len || (len > 1 && (p[0] < 0xc2 || p[0] > 0xf4)))
		return 0;
	for (int i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	}
	/* no overlong three-byte forms, no surrogates, nothing past U+10FFFF */
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0) ||
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))
		return 0;
	return len;
}

static bool is_control(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

bool utf8_clean(const char *s)
{
	while (*s) {
		int n = utf8_seq_len(s);

		if (!n || (n == 1 && is_control(*s)))
			return false;
		s += n;
	}
	return true;
}

char *utf8_sanitize(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	if (!out)
		return NULL;
	while (*s) {
		int n = utf8_seq_len(s);

		if (!n || (n == 1 && is_control(*s))) {
			*o++ = '?';
			s++;
		} else {
			memcpy(o, s, n);
			o += n;
			s += n;
		}
	}
	*o = '\0';
	return out;
}

/* The state letter of /proc/PID/task/TID/stat, after the name in parentheses; '?': unreadable. */
static char thread_state(int pid, int tid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return '?';
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] ? p[2] : '?';
}

int proc_live_thread(int pid)
{
	char path[48];
	struct dirent *e;
	int found = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		char *end, state;
		long tid = strtol(e->d_name, &end, 10);

		if (*end || tid <= 0 || tid == pid || tid > INT_MAX)
			continue;
		state = thread_state(pid, (int)tid);
		if (state != '?' && state != 'Z' && state != 'X')
			found = (int)tid;
	}
	closedir(d);
	return found;
}

bool proc_leader_gone(int pid)
{
	char state = thread_state(pid, pid);

	return (state == 'Z' || state == 'X') && proc_live_thread(pid);
}
