/* SPDX-License-Identifier: GPL-2.0 */
/*
 * probes.h: what "vigil trace" and the agent's [probe] sections attach to,
 * from the user's PROBE arguments.
 *
 * A PROBE names a file and functions in it, FILE:GLOB, or a USDT probe,
 * usdt:FILE:PROVIDER:NAME. FILE is a path, or a short name (libc, app)
 * looked up among the files the targets map, then next to the command and
 * in the library folders. Functions come from the file's .symtab and
 * .dynsym; USDT probes from its .note.stapsdt. Every problem is found
 * here, before anything is attached, and said in one line.
 */
#ifndef VIGIL_PROBES_H
#define VIGIL_PROBES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

enum probe_kind {
	PROBE_UPROBE, /* a function: entry and return */
	PROBE_USDT,   /* a USDT probe: a point, counted */
};

/* One function, or one USDT probe (with all its sites), to attach to. */
struct probe_fn {
	enum probe_kind kind;
	char *path;	/* the file to attach to, as vigil opens it */
	char *file;	/* the file as its process names it, for output */
	char *name;	/* the function (demangled), or "PROVIDER:NAME" */
	char *provider; /* USDT */
	char *usdt_name;
	__u64 offset; /* a function's entry, as an offset in the file */
	bool stepped; /* its first instruction is one the kernel single-steps, not emulates */
};

struct probe_set {
	struct probe_fn *fns;
	size_t n, cap;
};

/*
 * Where short file names are looked up: the targets' maps, or a command's
 * folders; and who looks, for messages.
 */
struct probe_where {
	const int *pids;
	int npids;
	const char *command; /* the command's executable, NULL when none */
	const char *who;     /* what messages start with: "trace" when NULL */
};

/*
 * Parse spec and add what it names to s: every function whose linkage or
 * demangled name matches the glob (one per address), or every USDT probe
 * that matches. Returns 0, or EXIT_USAGE after printing one line that
 * says why (no such file, not ELF, nothing matches, stripped), "WHO: SPEC:
 * reason" with w->who.
 */
int probes__add(struct probe_set *s, const char *spec, const struct probe_where *w);

/*
 * The file that holds CPython's python:function__entry and function__return
 * probes, for --python: the first target's executable or the libpython it
 * maps, or the command's executable; into path and file as
 * probes__resolve_file() gives them. Returns 0 or EXIT_USAGE after
 * printing why.
 */
int probes__python_file(const struct probe_where *w, char *path, char *file, size_t len);

/*
 * p's name as vigil trace shows it: usdt:PROVIDER:NAME for a USDT probe;
 * a function's name, after its file's base name when s holds functions of
 * several files (libc.so.6:malloc). Allocated; NULL when out of memory.
 */
char *probes__shown_name(const struct probe_set *s, const struct probe_fn *p);

void probes__free(struct probe_set *s);

/*
 * Resolve FILE as probes__add() does, into path (to open) and file (for
 * output), of size len each. Returns 0 or -ENOENT (nothing printed).
 */
int probes__resolve_file(const char *name, const struct probe_where *w, char *path, char *file,
			 size_t len);

#endif /* VIGIL_PROBES_H */
