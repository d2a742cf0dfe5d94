// SPDX-License-Identifier: GPL-2.0
/* test_target.c: target__wait sleeps until a stop signal, the timeout or the last exit. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "target.h"
#include "util.h"

static sigset_t stop;

static int block_usr1(void **state)
{
	(void)state;
	sigemptyset(&stop);
	sigaddset(&stop, SIGUSR1);
	return sigprocmask(SIG_BLOCK, &stop, NULL);
}

/* A child that sleeps ms milliseconds and exits; the test reaps it. */
static pid_t sleeper(int ms)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

		nanosleep(&ts, NULL);
		_exit(0);
	}
	return pid;
}

static void add_pid(struct target *t, pid_t pid)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", pid);
	assert_int_equal(target__add_pids(t, buf), 0);
}

static long voluntary_switches(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_nvcsw;
}

/* -p A -p B ends when both have: not at the first exit, and without polling. */
static void test_ends_when_the_last_pid_exits(void **state)
{
	pid_t a = sleeper(50), b = sleeper(300);
	struct target t = {};
	unsigned long long start;
	siginfo_t info;
	long woke;

	(void)state;
	add_pid(&t, a);
	add_pid(&t, b);
	target__watch(&t);
	woke = voluntary_switches();
	start = now_ns();
	assert_int_equal(target__wait(&t, &stop, -1, -1, &info), TARGET_WAKE_EXITED);
	woke = voluntary_switches() - woke;
	assert_true(now_ns() - start >= 250 * 1000000ULL);
	/* b is a zombie by now, a exited long before */
	assert_int_equal(waitpid(b, NULL, WNOHANG), b);
	assert_int_equal(waitpid(a, NULL, WNOHANG), a);
	/* one wake per exit, not one per 10 ms (30 when polling) */
	assert_true(woke <= 5);
	/* once said, said again at once */
	assert_int_equal(target__wait(&t, &stop, -1, -1, &info), TARGET_WAKE_EXITED);
	assert_int_equal(target__finish(&t, NULL), 0);
}

static void test_timeout_then_exit(void **state)
{
	pid_t pid = sleeper(10000);
	struct target t = {};
	unsigned long long start;
	siginfo_t info;

	(void)state;
	add_pid(&t, pid);
	target__watch(&t);
	start = now_ns();
	assert_int_equal(target__wait(&t, &stop, 50 * 1000000LL, -1, &info), TARGET_WAKE_TIMEOUT);
	assert_true(now_ns() - start >= 50 * 1000000ULL);
	assert_int_equal(target__wait(&t, &stop, 0, -1, &info), TARGET_WAKE_TIMEOUT);
	kill(pid, SIGKILL);
	assert_int_equal(target__wait(&t, &stop, 5000 * 1000000LL, -1, &info), TARGET_WAKE_EXITED);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	target__finish(&t, NULL);
}

static void test_stop_signal(void **state)
{
	pid_t pid = sleeper(10000);
	struct target t = {};
	siginfo_t info;

	(void)state;
	add_pid(&t, pid);
	target__watch(&t);
	kill(getpid(), SIGUSR1);
	assert_int_equal(target__wait(&t, &stop, -1, -1, &info), TARGET_WAKE_SIGNAL);
	assert_int_equal(info.si_signo, SIGUSR1);
	/* taken: not said twice */
	assert_int_equal(target__wait(&t, &stop, 0, -1, &info), TARGET_WAKE_TIMEOUT);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	target__finish(&t, NULL);
}

/* A pid gone before its pidfd is opened has exited. */
static void test_pid_gone_before_watch(void **state)
{
	pid_t pid = sleeper(0);
	struct target t = {};
	siginfo_t info;

	(void)state;
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	add_pid(&t, pid);
	target__watch(&t);
	assert_int_equal(target__wait(&t, &stop, -1, -1, &info), TARGET_WAKE_EXITED);
	target__finish(&t, NULL);
}

/* The whole system never exits; an extra fd wakes the wait. */
static void test_no_target_and_extra_fd(void **state)
{
	struct target t = {};
	siginfo_t info;
	int p[2];

	(void)state;
	target__watch(&t);
	assert_int_equal(target__wait(&t, &stop, 20 * 1000000LL, -1, &info), TARGET_WAKE_TIMEOUT);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(target__wait(&t, &stop, -1, p[0], &info), TARGET_WAKE_FD);
	close(p[0]);
	close(p[1]);
	target__finish(&t, NULL);
}

/* The command is reaped as it exits, and its status kept for target__finish. */
static void test_command_status(void **state)
{
	char *argv[] = {"sh", "-c", "sleep 0.1; exit 7", NULL};
	struct target t = {};
	siginfo_t info;

	(void)state;
	assert_int_equal(target__spawn(&t, argv), 0);
	assert_int_equal(target__release(&t, "sh"), 0);
	assert_int_equal(target__wait(&t, &stop, 0, -1, &info), TARGET_WAKE_TIMEOUT);
	assert_int_equal(target__wait(&t, &stop, -1, -1, &info), TARGET_WAKE_EXITED);
	assert_true(t.child_exited);
	assert_int_equal(target__finish(&t, "sh"), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ends_when_the_last_pid_exits),
		cmocka_unit_test(test_timeout_then_exit),
		cmocka_unit_test(test_stop_signal),
		cmocka_unit_test(test_pid_gone_before_watch),
		cmocka_unit_test(test_no_target_and_extra_fd),
		cmocka_unit_test(test_command_status),
	};

	return cmocka_run_group_tests(tests, block_usr1, NULL);
}
