/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uprobe_multi.h: entry and return probes on the functions of a probe set
 * (probes.h), one uprobe_multi link per file and program (Linux 6.6),
 * made with bpf(2) directly as libbpf 1.1 cannot. A function the kernel
 * refuses to probe is found and left out, also before anything runs.
 * Shared by vigil trace and the agent's function instruments.
 */
#ifndef VIGIL_UPROBE_MULTI_H
#define VIGIL_UPROBE_MULTI_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct bpf_link;
struct bpf_program;
struct probe_set;

/* BPF_TRACE_UPROBE_MULTI: a program's expected attach type, set before load. */
#define ATTACH_UPROBE_MULTI 48

/*
 * What is attached: libbpf's links (USDT probes, tracepoints), and the
 * descriptors of uprobe_multi links, which libbpf 1.1 does not know.
 */
struct links {
	struct bpf_link **l;
	size_t n, cap;
	int *fds;
	size_t nfds, fcap;
};

/* Keep l (destroyed on failure). 0 or -ENOMEM. */
int links__add(struct links *ls, struct bpf_link *l);
/* Keep a link's descriptor (closed on failure). 0 or -ENOMEM. */
int links__add_fd(struct links *ls, int fd);
/* Detach everything, and make ls empty again. */
void links__destroy(struct links *ls);

/*
 * One link for cnt functions of the file at path, each at its offset with
 * its cookie: entry probes, or return probes when ret. pid > 0 fires them
 * in that process only, else in every process. A descriptor or -errno.
 */
int uprobe_multi__link(struct bpf_program *prog, const char *path, const __u64 *offsets,
		       const __u64 *cookies, __u32 cnt, int pid, bool ret);

/*
 * Functions of one file, to attach entry and return programs to. A
 * cookie is the function's index in ps, with the stepped bit when the
 * kernel single-steps its first instruction.
 */
struct fn_batch {
	struct bpf_program *entry, *ret;
	struct links *ls; /* where the links go */
	const char *path;
	__u64 *offsets, *cookies; /* room for ps->n each */
	__u64 stepped;		  /* the cookie bit of single-stepped functions, or 0 */
	int pid;		  /* as uprobe_multi__link() takes it */
	const struct probe_set *ps;
	bool *skip;		   /* by index in ps: refused, set by fn_batch__attach() */
	size_t refused;		   /* functions the kernel would not probe */
	const char *first_refused; /* the first of them, for messages */
};

/* Whether fns[i] of ps is a function, the first of its file: the one its file's links are for. */
bool fn_batch__first_of_file(const struct probe_set *ps, size_t i);

/*
 * The offsets and cookies of the functions of ps in fns[first]'s file,
 * from first on, not skipped; b->path becomes that file. Returns how many.
 */
size_t fn_batch__fill(struct fn_batch *b, size_t first);

/*
 * Entry and return links on functions [lo, hi) of the batch. A function
 * the kernel refuses (an instruction uprobes cannot take) fails a whole
 * link: it is found by halving, left out, counted in b->refused and
 * marked in b->skip. 0 or -errno.
 */
int fn_batch__attach(struct fn_batch *b, size_t lo, size_t hi);

/*
 * Before anything is started or attached: every function of proto->ps
 * that the kernel refuses, marked in proto->skip, counted in *refused,
 * the first named in *first_refused. The programs of proto are attached
 * for a moment in vigil's own process, to a mapping of each file that it
 * never runs, and proto->pid and proto->ls are not used. 0, or -errno
 * with *failed the index of a function of the file that failed (ps->n
 * when out of memory).
 */
int fn_batch__find_all_refused(const struct fn_batch *proto, size_t *refused,
			       const char **first_refused, size_t *failed);

#endif /* VIGIL_UPROBE_MULTI_H */
