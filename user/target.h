/* SPDX-License-Identifier: GPL-2.0 */
/* target.h: what a command profiles: processes by PID, or a command it starts and follows. */
#ifndef VIGIL_TARGET_H
#define VIGIL_TARGET_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#define TARGET_MAX_PIDS 1024

struct target {
	int pids[TARGET_MAX_PIDS]; /* tgids; for a command, its pid */
	int npids;
	pid_t child;	     /* the command vigil started, or 0 */
	int gate_fd;	     /* write end of the pipe the child waits on before exec */
	int exec_fd;	     /* read end: errno from a failed exec, EOF on success */
	sigset_t child_mask; /* the signal mask the command starts with */
	int child_status;
	bool child_exited;
};

/*
 * Add the comma-separated pids of list (one -p option; repeated ones add
 * up), each pid once however often it is given. Returns 0, or EXIT_USAGE
 * after printing why.
 */
int target__add_pids(struct target *t, const char *list);

/*
 * Check that every pid names a live process and is a process, not one of
 * its threads. Returns 0, or -ESRCH / -EINVAL after printing which.
 */
int target__check_pids(const int *pids, int npids);

/*
 * Fork argv[0] with argv, stopped before exec until target__release(), so
 * the collector is attached before its first instruction.
 */
int target__spawn(struct target *t, char *const argv[]);
/*
 * The file execvp() would run for name: name itself when it holds a '/',
 * else the first executable NAME in $PATH (or the default path), in buf.
 * NULL when none is found.
 */
const char *target__find_in_path(const char *name, char *buf, size_t len);

/* Let the child exec. Returns 0, or -errno (with a message) if exec failed. */
int target__release(struct target *t, const char *name);

/* True while some target lives: the child not yet reaped, or any pid alive. */
bool target__alive(struct target *t);

/*
 * The child, if still running, is sent SIGTERM (said on stderr, naming it
 * name), and SIGKILL if it has not exited two seconds later; then reaped.
 * Returns the exit status vigil should give for it: its exit code, or
 * 128 + the signal that ended it; 0 when there is no child.
 */
int target__finish(struct target *t, const char *name);

/*
 * Block SIGINT, SIGTERM, SIGHUP and SIGQUIT, returning them in stop, so
 * that they wait for the command's loop: a signal during set-up still ends
 * with complete output, and a closed terminal ends a run as Ctrl-C does.
 * The command gets the mask vigil started with (t->child_mask).
 */
void target__block_stop_signals(struct target *t, sigset_t *stop);

/*
 * What is traced, for titles: "command 'NAME' (pid N)", "pid N",
 * "pid N and K more" or "whole system", on one line whatever NAME holds.
 */
void target__describe(const struct target *t, char *const *command, char *buf, size_t len);

#endif /* VIGIL_TARGET_H */
