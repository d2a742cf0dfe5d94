/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* syscalls_defs.h: what the syscall collector and its loader share (keys, values, limits). */
#ifndef VIGIL_SYSCALLS_DEFS_H
#define VIGIL_SYSCALLS_DEFS_H

/* How rows are kept apart: by syscall alone, or per process or thread too. */
enum sysc_by {
	SYSC_BY_SYSCALL,
	SYSC_BY_PROCESS,
	SYSC_BY_THREAD,
	SYSC_BY_NAME, /* per process name, the thread group leader's comm: the agent's rows */
};

#include "hist_defs.h"

struct sysc_key {
	__s32 nr;      /* syscall number */
	__u32 tgid;    /* 0 when rows are by syscall */
	__u32 tid;     /* 0 unless rows are by thread */
	__u32 compat;  /* a 32-bit syscall (int $0x80), numbered as i386 numbers them */
	char name[16]; /* the process's name when rows are by name, else zeros */
};

struct sysc_val {
	__u64 count;
	__u64 errors;	/* returned -1..-4095 */
	__u64 total_ns; /* sum of latencies */
	__u64 max_ns;
	__u64 min_ns;  /* 0 until the first call */
	char comm[16]; /* the thread's name at its first call */
	__u64 hist[HIST_BUCKETS];
};

/* Errors per errno, for the error table: the row's key and the errno. */
struct sysc_ekey {
	struct sysc_key key;
	__u32 err; /* errno, positive */
	__u32 pad;
};

/* Syscall numbers the nrs map can select; the agent times only those it names. */
#define SYSC_MAX_NR 1024

enum sysc_stat {
	SYSC_STAT_UNMATCHED, /* exits with no entry seen: calls begun before attach */
	SYSC_STAT_FULL,	     /* calls with no room in the stats map */
	SYSC_STAT_ERR_FULL,  /* errors with no room in the errors map (still counted per row) */
	SYSC_STAT_MAX,
};

#endif /* VIGIL_SYSCALLS_DEFS_H */
