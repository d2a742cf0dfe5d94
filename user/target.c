// SPDX-License-Identifier: GPL-2.0
/* target.c: validates PIDs, starts a command gated on a pipe, and tells when targets are gone. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "target.h"
#include "util.h"

/* Tgid and state of a task from /proc/PID/status; state 'Z' is a zombie. */
static int read_status(int pid, int *tgid, char *state)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	*tgid = 0;
	*state = '?';
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Tgid:", 5))
			*tgid = atoi(line + 5);
		else if (!strncmp(line, "State:", 6))
			sscanf(line + 6, " %c", state);
	}
	fclose(f);
	return 0;
}

int target__add_pids(struct target *t, const char *list)
{
	int pids[TARGET_MAX_PIDS], n = parse_pid_list(list, pids, TARGET_MAX_PIDS - t->npids);

	if (n < 0)
		return EXIT_USAGE;
	for (int i = 0; i < n; i++) {
		int k = 0;

		while (k < t->npids && t->pids[k] != pids[i])
			k++;
		if (k == t->npids)
			t->pids[t->npids++] = pids[i];
	}
	return 0;
}

int target__check_pids(const int *pids, int npids)
{
	for (int i = 0; i < npids; i++) {
		int tgid;
		char state;

		if (read_status(pids[i], &tgid, &state)) {
			vigil_err("pid %d: no such process", pids[i]);
			return -ESRCH;
		}
		/* a main thread that has exited leaves the process to its other threads */
		if ((state == 'Z' || state == 'X') && !proc_live_thread(pids[i])) {
			vigil_err("pid %d: has exited (a zombie: it runs nothing any more)",
				  pids[i]);
			return -ESRCH;
		}
		if (tgid != pids[i]) {
			vigil_err("pid %d: is a thread of process %d; -p takes process IDs "
				  "(all threads are profiled)",
				  pids[i], tgid);
			return -EINVAL;
		}
	}
	return 0;
}

const char *target__find_in_path(const char *name, char *buf, size_t len)
{
	const char *env = getenv("PATH"), *p;

	if (strchr(name, '/'))
		return name;
	if (!env)
		env = "/usr/local/bin:/bin:/usr/bin";
	for (p = env;; p++) {
		const char *end = strchr(p, ':');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		/* an empty entry is the current folder */
		if (snprintf(buf, len, "%.*s/%s", n ? (int)n : 1, n ? p : ".", name) < (int)len &&
		    access(buf, X_OK) == 0)
			return buf;
		if (!end)
			return NULL;
		p = end;
	}
}

int target__spawn(struct target *t, char *const argv[])
{
	int gate[2], report[2];
	pid_t pid;

	if (pipe2(gate, O_CLOEXEC))
		return -errno;
	if (pipe2(report, O_CLOEXEC)) {
		close(gate[0]);
		close(gate[1]);
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(gate[0]);
		close(gate[1]);
		close(report[0]);
		close(report[1]);
		return err;
	}
	if (pid == 0) {
		char c, found[4096];
		const char *path;
		int err;

		close(gate[1]);
		close(report[0]);
		sigprocmask(SIG_SETMASK, &t->child_mask, NULL);
		signal(SIGPIPE, SIG_DFL); /* vigil ignores it; the command must not inherit that */
		/*
		 * Until the exec this is the command's process, not vigil: named
		 * after the command, its start-up never looks like vigil's own.
		 */
		prctl(PR_SET_NAME, strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0], 0,
		      0, 0);
		/*
		 * Search PATH now, before vigil attaches: the failed execs of a
		 * search are vigil's doing, not the command's first syscalls.
		 */
		path = target__find_in_path(argv[0], found, sizeof(found));
		/* EOF here means vigil gave up: do not run the command. */
		if (read(gate[0], &c, 1) != 1)
			_exit(127);
		if (path)
			execv(path, argv);
		else
			execvp(argv[0], argv); /* not found: let it say why */
		err = errno;
		if (write(report[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(127);
	}
	close(gate[0]);
	close(report[1]);
	t->child = pid;
	t->gate_fd = gate[1];
	t->exec_fd = report[0];
	t->pids[0] = pid;
	t->npids = 1;
	target__watch(t);
	return 0;
}

/* ----------------------------------------------------- telling when targets are gone */

static bool pid_alive(int pid)
{
	int tgid;
	char state;

	return read_status(pid, &tgid, &state) == 0 &&
	       ((state != 'Z' && state != 'X') || proc_live_thread(pid));
}

static bool is_child(const struct target *t, int i)
{
	return t->child && t->pids[i] == t->child;
}

/* pids[i] has exited (and the child is reaped): forget it. */
static void pid_gone(struct target *t, int i)
{
	if (t->pidfds[i] >= 0)
		close(t->pidfds[i]);
	t->pidfds[i] = TARGET_PIDFD_GONE;
	t->nlive--;
}

/*
 * Reap the child if it has exited; true when it has been. ECHILD means
 * someone reaped it already (SIGCHLD ignored): gone, its status unknown.
 */
static bool child_reaped(struct target *t)
{
	pid_t r;

	if (t->child_exited)
		return true;
	r = waitpid(t->child, &t->child_status, WNOHANG);
	if (r == t->child || (r < 0 && errno == ECHILD)) {
		t->child_exited = true;
		return true;
	}
	return false;
}

/* What the kernel cannot watch for us: pids[i] looked at in /proc, or the child by waitpid. */
static bool polled_alive(struct target *t, int i)
{
	return is_child(t, i) ? !child_reaped(t) : pid_alive(t->pids[i]);
}

static int sys_pidfd_open(int pid)
{
#ifdef SYS_pidfd_open
	return syscall(SYS_pidfd_open, pid, 0);
#else
	errno = ENOSYS;
	return -1;
#endif
}

static void watch_one(struct target *t, int i)
{
	int fd = sys_pidfd_open(t->pids[i]);

	t->nlive++;
	if (fd >= 0) {
		t->pidfds[i] = fd; /* close-on-exec, as every pidfd is */
		return;
	}
	if (errno == ESRCH) { /* gone since target__check_pids */
		t->pidfds[i] = TARGET_PIDFD_POLL;
		pid_gone(t, i);
		return;
	}
	/*
	 * ENOSYS, EINVAL, EPERM: a kernel before 5.3, or a sandbox; EMFILE
	 * and the like: out of files. Looking in /proc works everywhere.
	 */
	vigil_info(1, "pid %d: no pidfd (%s): looking at it every %lld ms", t->pids[i],
		   strerror(errno), TARGET_POLL_NS / 1000000);
	t->pidfds[i] = TARGET_PIDFD_POLL;
}

void target__watch(struct target *t)
{
	if (!t->npids)
		return;
	t->nlive = 0;
	for (int i = 0; i < t->npids; i++)
		watch_one(t, i);
	t->watched = true;
}

/* The pidfd of pids[i] is readable: it has exited. */
static void pidfd_ready(struct target *t, int i)
{
	if (is_child(t, i) && !child_reaped(t)) {
		/* exited yet not to be reaped (never seen): waitpid every 10 ms instead */
		close(t->pidfds[i]);
		t->pidfds[i] = TARGET_PIDFD_POLL;
		return;
	}
	pid_gone(t, i);
}

/* ppoll itself failed: watch everything the old way, which needs no poll. */
static void stop_polling_fds(struct target *t)
{
	for (int i = 0; t->watched && i < t->npids; i++) {
		if (t->pidfds[i] >= 0) {
			close(t->pidfds[i]);
			t->pidfds[i] = TARGET_PIDFD_POLL;
		}
	}
	if (t->sigfd_open)
		close(t->sigfd);
	t->sigfd_open = false;
}

int target__wait(struct target *t, const sigset_t *stop_sigs, long long timeout_ns, int extra_fd,
		 siginfo_t *info)
{
	unsigned long long deadline = now_ns() + (timeout_ns > 0 ? timeout_ns : 0);
	static struct pollfd fds[TARGET_MAX_PIDS + 2];
	static int which[TARGET_MAX_PIDS + 2]; /* fds[k] is pids[which[k]]'s, or < 0 */
	const struct timespec zero = {0, 0};
	bool polled = false, fd_ready = false;

	if (!t->sigfd_open) {
		t->sigfd = signalfd(-1, stop_sigs, SFD_CLOEXEC | SFD_NONBLOCK);
		t->sigfd_open = t->sigfd >= 0;
	}
	for (;;) {
		bool polling = !t->sigfd_open; /* without a signalfd, signals wait for a tick */
		long long left = -1;
		struct timespec ts;
		int n = 0, ready;

		/* the signalfd only wakes the poll: the signal is taken here */
		if (sigtimedwait(stop_sigs, info, &zero) > 0)
			return TARGET_WAKE_SIGNAL;
		for (int i = 0; t->watched && i < t->npids; i++) {
			if (t->pidfds[i] != TARGET_PIDFD_POLL)
				continue;
			if (polled_alive(t, i))
				polling = true;
			else
				pid_gone(t, i);
		}
		if (t->watched && !t->nlive)
			return TARGET_WAKE_EXITED;
		if (fd_ready)
			return TARGET_WAKE_FD;
		if (timeout_ns >= 0) {
			unsigned long long now = now_ns();

			/* a zero timeout still looks at the pidfds once */
			if (now >= deadline && polled)
				return TARGET_WAKE_TIMEOUT;
			left = now < deadline ? (long long)(deadline - now) : 0;
		}
		if (polling && (left < 0 || left > TARGET_POLL_NS))
			left = TARGET_POLL_NS;
		if (t->sigfd_open) {
			fds[n] = (struct pollfd){.fd = t->sigfd, .events = POLLIN};
			which[n++] = -1;
		}
		if (extra_fd >= 0) {
			fds[n] = (struct pollfd){.fd = extra_fd, .events = POLLIN};
			which[n++] = -2;
		}
		for (int i = 0; t->watched && i < t->npids; i++) {
			if (t->pidfds[i] < 0)
				continue;
			fds[n] = (struct pollfd){.fd = t->pidfds[i], .events = POLLIN};
			which[n++] = i;
		}
		ts.tv_sec = left / 1000000000LL;
		ts.tv_nsec = left % 1000000000LL;
		ready = ppoll(fds, n, left < 0 ? NULL : &ts, NULL);
		polled = true;
		if (ready < 0 && errno != EINTR) {
			vigil_info(1, "ppoll: %s: looking at the targets every %lld ms",
				   strerror(errno), TARGET_POLL_NS / 1000000);
			stop_polling_fds(t);
			continue;
		}
		for (int k = 0; ready > 0 && k < n; k++) {
			if (!fds[k].revents)
				continue;
			if (which[k] >= 0)
				pidfd_ready(t, which[k]);
			else if (which[k] == -2)
				fd_ready = true;
		}
	}
}

int target__release(struct target *t, const char *name)
{
	int err = 0;
	ssize_t n;

	if (write(t->gate_fd, "g", 1) != 1)
		err = -errno;
	close(t->gate_fd);
	t->gate_fd = -1;
	if (!err) {
		/* The report pipe closes on a successful exec, or carries errno. */
		n = read(t->exec_fd, &err, sizeof(err));
		err = n == sizeof(err) ? -err : 0;
	}
	close(t->exec_fd);
	t->exec_fd = -1;
	if (err) {
		vigil_err("%s: cannot run: %s", name, strerror(-err));
		waitpid(t->child, NULL, 0);
		t->child = 0;
		if (t->watched && t->pidfds[0] != TARGET_PIDFD_GONE)
			pid_gone(t, 0);
	}
	return err;
}

/* Reap the child if it has exited within ms milliseconds. */
static bool reaped_within(struct target *t, int ms)
{
	struct timespec tick = {0, 10 * 1000 * 1000};

	for (int waited = 0;; waited += 10) {
		if (waitpid(t->child, &t->child_status, WNOHANG) == t->child)
			return true;
		if (waited >= ms)
			return false;
		nanosleep(&tick, NULL);
	}
}

/* Close the pidfds and the signalfd. */
static void unwatch(struct target *t)
{
	for (int i = 0; t->watched && i < t->npids; i++)
		if (t->pidfds[i] >= 0)
			close(t->pidfds[i]);
	t->watched = false;
	if (t->sigfd_open)
		close(t->sigfd);
	t->sigfd_open = false;
}

int target__finish(struct target *t, const char *name)
{
	unwatch(t);
	if (!t->child)
		return 0;
	if (!t->child_exited && !reaped_within(t, 0)) {
		vigil_err("%s (pid %d): still running at the end; sending SIGTERM",
			  name ? name : "command", t->child);
		kill(t->child, SIGTERM);
		if (!reaped_within(t, 2000)) {
			vigil_err("%s (pid %d): still running 2 s after SIGTERM; sending SIGKILL",
				  name ? name : "command", t->child);
			kill(t->child, SIGKILL);
			waitpid(t->child, &t->child_status, 0);
		}
	}
	t->child_exited = true;
	if (WIFEXITED(t->child_status))
		return WEXITSTATUS(t->child_status);
	if (WIFSIGNALED(t->child_status))
		return 128 + WTERMSIG(t->child_status);
	return 0;
}

void target__block_stop_signals(struct target *t, sigset_t *stop)
{
	sigemptyset(stop);
	sigaddset(stop, SIGINT);
	sigaddset(stop, SIGTERM);
	sigaddset(stop, SIGHUP);
	sigaddset(stop, SIGQUIT);
	sigprocmask(SIG_BLOCK, stop, &t->child_mask);
}

void target__describe(const struct target *t, char *const *command, char *buf, size_t len)
{
	if (command)
		snprintf(buf, len, "command '%s' (pid %d)", command[0], t->child);
	else if (t->npids > 1)
		snprintf(buf, len, "pid %d and %d more", t->pids[0], t->npids - 1);
	else if (t->npids)
		snprintf(buf, len, "pid %d", t->pids[0]);
	else
		snprintf(buf, len, "whole system");
	/* a command's path can hold anything: keep the title one line */
	for (char *c = buf; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
}
