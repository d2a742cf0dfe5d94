/* SPDX-License-Identifier: GPL-2.0 */
/* target.h: what a command profiles: processes by PID, or a command it starts and follows. */
#ifndef VIGIL_TARGET_H
#define VIGIL_TARGET_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#define TARGET_MAX_PIDS 1024

/* target.pidfds[i] when pids[i] has no pidfd: exited, or watched by polling /proc */
#define TARGET_PIDFD_GONE (-1)
#define TARGET_PIDFD_POLL (-2)

struct target {
	int pids[TARGET_MAX_PIDS]; /* tgids; for a command, its pid */
	int npids;
	/*
	 * Per pid, once watched: a pidfd (readable when the process has
	 * exited), TARGET_PIDFD_GONE, or TARGET_PIDFD_POLL where the kernel
	 * has no pidfd_open and /proc (waitpid for the child) is read every
	 * TARGET_POLL_NS instead.
	 */
	int pidfds[TARGET_MAX_PIDS];
	int nlive;    /* pids not yet seen gone */
	bool watched; /* pidfds[] and nlive are set (target__watch, target__spawn) */
	int sigfd;    /* signalfd on the stop signals, when sigfd_open */
	bool sigfd_open;
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

/*
 * Watch the pids (after target__check_pids): a pidfd for each, or polling
 * where the kernel has none; a pid gone since the check counts as exited.
 * target__spawn watches its child itself. Nothing to do without pids.
 */
void target__watch(struct target *t);

/* How often a target without a pidfd is looked at, in ns. */
#define TARGET_POLL_NS (10 * 1000000LL)

enum target_wake {
	TARGET_WAKE_TIMEOUT, /* timeout_ns passed */
	TARGET_WAKE_SIGNAL,  /* one of stop_sigs, dequeued into info */
	TARGET_WAKE_EXITED,  /* every target has exited (the child is reaped) */
	TARGET_WAKE_FD,	     /* extra_fd is readable */
};

/*
 * Sleep until one of stop_sigs (blocked) is pending, timeout_ns passes
 * (< 0: no timeout), every target has exited, or extra_fd (when >= 0)
 * is readable. A signal is taken and left in info. Exit is said only
 * of watched targets (never for a whole-system run), and once said it
 * is said again at once. The child is reaped as it exits, its status
 * kept for target__finish. Returns an enum target_wake.
 */
int target__wait(struct target *t, const sigset_t *stop_sigs, long long timeout_ns, int extra_fd,
		 siginfo_t *info);

/*
 * The child, if still running, is sent SIGTERM (said on stderr, naming it
 * name), and SIGKILL if it has not exited two seconds later; then reaped.
 * Returns the exit status vigil should give for it: its exit code, or
 * 128 + the signal that ended it; 0 when there is no child. Closes the
 * pidfds and the signalfd.
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
