/* SPDX-License-Identifier: GPL-2.0 */
/* util.h: what every command shares: messages, checked numbers, privileges, CPUs, output files. */
#ifndef VIGIL_UTIL_H
#define VIGIL_UTIL_H

#include <stdbool.h>
#include <stdio.h>

/* Exit statuses shared by every command. */
enum {
	EXIT_OK = 0,
	EXIT_RUNTIME = 1,
	EXIT_USAGE = 2,
};

extern int vigil_verbose; /* 0 quiet, 1 -v, 2 -vv (libbpf too) */

/* One line on stderr, prefixed "vigil: ". */
void vigil_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like vigil_err, only with -v (level 1) or -vv (level 2). */
void vigil_info(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Parse s as a whole decimal number in [min, max]. On failure print
 * "vigil: WHAT: ..." and return -EINVAL (or -ERANGE).
 */
int parse_ulong(const char *s, unsigned long min, unsigned long max, const char *what,
		unsigned long *out);

/*
 * Parse a comma-separated PID list into pids (at most max). Returns the
 * number parsed, or a negative errno after printing why.
 */
int parse_pid_list(const char *s, int *pids, int max);

/*
 * A thread of process pid that still runs when its main thread has exited
 * (pthread_exit), which leaves /proc/PID's maps, root and mem empty while
 * the others run on: its TID, or 0 when there is none. /proc/PID/task/TID
 * then stands for the process.
 */
int proc_live_thread(int pid);

/* Whether pid's main thread has exited while another thread of it runs on. */
bool proc_leader_gone(int pid);

/*
 * Root, or CAP_BPF and CAP_PERFMON in the effective set. Returns 0, or
 * -EPERM after printing which capability is missing.
 */
int check_privileges(void);

/* The kernel's BTF, which CO-RE needs. Returns 0 or -ENOENT after printing. */
int check_btf(void);

/*
 * Parse a CPU list such as "0-3,5" (the format of
 * /sys/devices/system/cpu/online) into mask[0..n). Returns the number of
 * CPUs set, or -EINVAL.
 */
int parse_cpu_list(const char *s, bool *mask, int n);
/* Online CPUs from sysfs into mask[0..n). Returns how many are online or -errno. */
int online_cpus(bool *mask, int n);

/*
 * An output written once and completely: data goes to a temporary file in
 * the destination's folder (unnamed where the file system allows, so a
 * killed vigil leaves nothing), renamed over the destination on commit.
 * The temporary file is created at open, so an unwritable path fails
 * before any work is done. A NULL path means stdout; a path that names
 * anything but a regular file (a device, a FIFO, a symbolic link) is
 * written in place.
 */
struct outfile {
	char *path;
	char *dir;
	char *tmp; /* the temporary file's name, once it has one */
	FILE *f;
	bool direct;   /* not a regular file: written in place */
	bool replaces; /* a regular file is there: keep its mode and owner */
	unsigned int mode, uid, gid;
	bool known; /* the destination exists: dev and ino say which file */
	unsigned long long dev, ino;
	bool fifo;
	bool waiting; /* a FIFO without a reader yet: output kept in buf */
	char *buf;
	size_t len;
};

int outfile__open(struct outfile *o, const char *path);
/* Flush, close and rename into place. Returns 0 or -errno after printing. */
int outfile__commit(struct outfile *o);
/* Whether two opened outputs name the same destination (both stdout counts). */
bool outfile__same(const struct outfile *a, const struct outfile *b);
/* Remove the temporary file; safe after commit and on a zeroed struct. */
void outfile__abort(struct outfile *o);

/* The length (1 to 4) of the valid UTF-8 sequence at s, or 0 where the bytes there are not one. */
int utf8_seq_len(const char *s);

/* Whether s is valid UTF-8 with no control character but tab. */
bool utf8_clean(const char *s);

/*
 * s, made valid UTF-8 with no control character: each byte that is not
 * part of a valid sequence, and each control character, becomes '?'. A
 * new string the caller frees; NULL when out of memory.
 */
char *utf8_sanitize(const char *s);

/* Monotonic time in nanoseconds. */
unsigned long long now_ns(void);

struct bpf_map;

/* The sum over CPUs of entry idx of a per-CPU array of __u64; 0 when it cannot be read. */
unsigned long long percpu_sum(const struct bpf_map *map, unsigned int idx);

/* Send libbpf's messages to stderr with -vv, drop them otherwise. */
void quiet_libbpf(void);

#endif /* VIGIL_UTIL_H */
