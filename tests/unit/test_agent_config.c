// SPDX-License-Identifier: GPL-2.0
/* test_agent_config.c: vigil agent's settings: defaults, INI files, the command line, errors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <cmocka.h>
#include "agent_config.h"
#include "statsd.h"
#include "sysnames.h"
#include "util.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* A temporary folder for the test's INI files, and what the module last said on stderr. */
struct fixture {
	char dir[64];
	char path[128];	 /* the file write_ini() wrote */
	char said[4096]; /* stderr during the last call */
	struct agent_config *c;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/vigil-agent-config-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->c = agent_config__new();
	if (!f->c)
		return -1;
	*state = f;
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	agent_config__free(f->c);
	nftw(f->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* Write text as the folder's file name; its path in f->path. */
static const char *write_ini(struct fixture *f, const char *name, const char *text)
{
	FILE *out;

	snprintf(f->path, sizeof(f->path), "%s/%s", f->dir, name);
	out = fopen(f->path, "w");
	assert_non_null(out);
	assert_int_equal(fputs(text, out) >= 0, 1);
	assert_int_equal(fclose(out), 0);
	return f->path;
}

/* stderr goes to a file of the folder between capture_begin() and capture_end(). */
static int capture_begin(struct fixture *f)
{
	char path[160];
	int fd, saved;

	snprintf(path, sizeof(path), "%s/stderr", f->dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fd, STDERR_FILENO) >= 0);
	close(fd);
	return saved;
}

static void capture_end(struct fixture *f, int saved)
{
	ssize_t n;

	fflush(stderr);
	n = pread(STDERR_FILENO, f->said, sizeof(f->said) - 1, 0);
	f->said[n > 0 ? n : 0] = '\0';
	dup2(saved, STDERR_FILENO);
	close(saved);
}

/* Load text as a file into f->c; the return, and what was said in f->said. */
static int load_text(struct fixture *f, const char *text)
{
	int saved, rc;

	write_ini(f, "agent.ini", text);
	saved = capture_begin(f);
	rc = agent_config__load(f->c, f->path);
	capture_end(f, saved);
	return rc;
}

static int set(struct fixture *f, const char *section, const char *key, const char *value,
	       const char *where)
{
	int saved = capture_begin(f), rc;

	rc = agent_config__set(f->c, section, key, value, where);
	capture_end(f, saved);
	return rc;
}

static void load_ok(struct fixture *f, const char *text)
{
	int rc = load_text(f, text);

	if (rc || f->said[0])
		fail_msg("load returned %d and said '%s' for:\n%s", rc, f->said, text);
}

static void set_ok(struct fixture *f, const char *section, const char *key, const char *value)
{
	int rc = set(f, section, key, value, "--test");

	if (rc || f->said[0])
		fail_msg("[%s] %s = %s: %d, '%s'", section, key, value, rc, f->said);
}

/* The message must be exactly "vigil: " + the file's path + ":" + at, one line. */
static void assert_said_at_file(struct fixture *f, const char *at)
{
	char want[1024];

	snprintf(want, sizeof(want), "vigil: %s:%s\n", f->path, at);
	assert_string_equal(f->said, want);
}

/* ---- defaults ---- */

static void new_gives_the_defaults(void **state)
{
	struct fixture *f = *state;
	struct agent_config *c = f->c;

	assert_string_equal(c->output, "/var/lib/vigil/profiles");
	assert_int_equal(c->window_s, 60);
	assert_int_equal(c->interval_s, 10);
	assert_int_equal(c->keep_windows, 1440);
	assert_int_equal(c->keep_mb, 256);
	assert_true(c->syslog);
	assert_int_equal(c->npids, 0); /* the whole machine */
	assert_int_equal(c->nnames, 0);
	assert_true(c->profile);
	assert_int_equal(c->clock, PROFILE_CLOCK_CPU);
	assert_int_equal(c->freq, 19);
	assert_int_equal(AGENT_DEFAULT_FREQ, 19);
	assert_true(c->user && c->kernel);
	assert_true(c->statsd);
	assert_string_equal(c->host, "127.0.0.1");
	assert_string_equal(c->port, "8125");
	assert_string_equal(c->prefix, "vigil");
	assert_int_equal(c->max_packet, STATSD_PACKET_DEFAULT);
	assert_int_equal(c->nsys, 0);
	assert_int_equal(c->nprobes, 0);
	assert_int_equal(c->nrules, 0);
	assert_int_equal(agent_config__check(c), 0);
}

/* ---- files ---- */

static void every_key_of_every_section_is_read_back(void **state)
{
	struct fixture *f = *state;
	struct agent_config *c = f->c;

	load_ok(f, "; the agent's settings\n"
		   "# both comment styles\n"
		   "[agent]\n"
		   "output = /srv/profiles\n"
		   "window = 30\n"
		   "keep_windows = 100\n"
		   "keep_mb = 0\n"
		   "interval=5\n"
		   "syslog = no\n"
		   "\n"
		   "[target]\n"
		   "pid = 41, 42\n"
		   "name = nginx*, db?\n"
		   "[profile]\n"
		   "enabled = off\n"
		   "clock = wall\n"
		   "freq = 99\n"
		   "stacks = user\n"
		   "[statsd]\n"
		   "enabled = false\n"
		   "host = stats.example\n"
		   "port = 9125\n"
		   "prefix = web.eu-1\n"
		   "max_packet = 8192\n"
		   "[syscalls io]\n"
		   "syscalls = fsync, openat\n"
		   "[probe zip]\n"
		   "functions = /usr/lib/libz.so.1:deflate*\n"
		   "[rule slow]\n"
		   "when = p99(*.syscall.fsync) > 50ms for 30s\n"
		   "command = logger slow\n");
	assert_string_equal(c->output, "/srv/profiles");
	assert_int_equal(c->window_s, 30);
	assert_int_equal(c->keep_windows, 100);
	assert_int_equal(c->keep_mb, 0);
	assert_int_equal(c->interval_s, 5);
	assert_false(c->syslog);
	assert_int_equal(c->npids, 2);
	assert_int_equal(c->pids[0], 41);
	assert_int_equal(c->pids[1], 42);
	assert_int_equal(c->nnames, 2);
	assert_string_equal(c->names[0], "nginx*");
	assert_string_equal(c->names[1], "db?");
	assert_false(c->profile);
	assert_int_equal(c->clock, PROFILE_CLOCK_WALL);
	assert_int_equal(c->freq, 99);
	assert_true(c->user);
	assert_false(c->kernel);
	assert_false(c->statsd);
	assert_string_equal(c->host, "stats.example");
	assert_string_equal(c->port, "9125");
	assert_string_equal(c->prefix, "web.eu-1");
	assert_int_equal(c->max_packet, 8192);
	assert_int_equal(c->nsys, 1);
	assert_string_equal(c->sys[0].name, "io");
	assert_int_equal(c->nprobes, 1);
	assert_string_equal(c->probes[0].name, "zip");
	assert_int_equal(c->probes[0].nspecs, 1);
	assert_string_equal(c->probes[0].specs[0], "/usr/lib/libz.so.1:deflate*");
	assert_int_equal(c->nrules, 1);
	assert_string_equal(c->rules[0].rule.name, "slow");
	assert_string_equal(c->rules[0].command, "logger slow");
	assert_int_equal(agent_config__check(c), 0);
}

static void every_spelling_of_bools_clocks_and_stacks(void **state)
{
	static const char *const yes[] = {"yes", "true", "on", "1", "YES", "True", "On"};
	static const char *const no[] = {"no", "false", "off", "0", "NO", "False", "oFF"};
	static const struct {
		const char *value;
		bool user, kernel;
	} stacks[] = {{"user", true, false}, {"kernel", false, true}, {"both", true, true}};
	struct fixture *f = *state;
	struct agent_config *c = f->c;

	for (size_t i = 0; i < N(yes); i++) {
		c->syslog = c->profile = c->statsd = false;
		set_ok(f, "agent", "syslog", yes[i]);
		set_ok(f, "profile", "enabled", yes[i]);
		set_ok(f, "statsd", "enabled", yes[i]);
		assert_true(c->syslog && c->profile && c->statsd);
		set_ok(f, "agent", "syslog", no[i]);
		set_ok(f, "profile", "enabled", no[i]);
		set_ok(f, "statsd", "enabled", no[i]);
		assert_false(c->syslog || c->profile || c->statsd);
	}
	set_ok(f, "profile", "clock", "wall");
	assert_int_equal(c->clock, PROFILE_CLOCK_WALL);
	set_ok(f, "profile", "clock", "off");
	assert_int_equal(c->clock, PROFILE_CLOCK_OFF);
	set_ok(f, "profile", "clock", "cpu");
	assert_int_equal(c->clock, PROFILE_CLOCK_CPU);
	for (size_t i = 0; i < N(stacks); i++) {
		set_ok(f, "profile", "stacks", stacks[i].value);
		assert_int_equal(c->user, stacks[i].user);
		assert_int_equal(c->kernel, stacks[i].kernel);
	}
}

static void numbers_take_their_whole_range(void **state)
{
	static const struct {
		const char *section, *key, *min, *max;
	} cases[] = {
		{"agent", "window", "1", "86400"},
		{"agent", "keep_windows", "1", "10000000"},
		{"agent", "keep_mb", "0", "10000000"},
		{"agent", "interval", "1", "3600"},
		{"profile", "freq", "1", "10000"},
		{"statsd", "port", "1", "65535"},
		{"statsd", "max_packet", "512", "65000"},
		{"target", "pid", "1", "2147483647"},
	};
	struct fixture *f = *state;

	for (size_t i = 0; i < N(cases); i++) {
		set_ok(f, cases[i].section, cases[i].key, cases[i].min);
		set_ok(f, cases[i].section, cases[i].key, cases[i].max);
	}
	assert_int_equal(f->c->max_packet, STATSD_PACKET_MAX);
	assert_int_equal(f->c->npids, 2); /* the command line's second pid adds to the first */
	assert_int_equal(f->c->pids[1], 2147483647);
	assert_string_equal(f->c->port, "65535");
}

static void an_empty_prefix_is_allowed(void **state)
{
	struct fixture *f = *state;

	load_ok(f, "[statsd]\nprefix =\n");
	assert_string_equal(f->c->prefix, "");
}

/* ---- lists ---- */

static void lists_are_trimmed_and_each_item_kept_once(void **state)
{
	struct fixture *f = *state;
	struct agent_config *c = f->c;

	load_ok(f, "[target]\n"
		   "pid = 7,8 ,  9,7\n"
		   "name = a*,  b c ,x?\n"
		   "[syscalls io]\n"
		   "syscalls = read,write , fsync,read\n"
		   "[probe codec]\n"
		   "functions = /bin/app:enc*, /lib/libc.so.6:memcpy\n");
	assert_int_equal(c->npids, 3);
	assert_int_equal(c->pids[0], 7);
	assert_int_equal(c->pids[1], 8);
	assert_int_equal(c->pids[2], 9);
	assert_int_equal(c->nnames, 3);
	assert_string_equal(c->names[0], "a*");
	assert_string_equal(c->names[1], "b c"); /* a process name may have a space */
	assert_string_equal(c->names[2], "x?");
	assert_int_equal(c->nsys, 1);
	assert_int_equal(c->sys[0].n, 3);
	assert_int_equal(c->sys[0].nrs[0], sysnames__nr("read"));
	assert_int_equal(c->sys[0].nrs[1], sysnames__nr("write"));
	assert_int_equal(c->sys[0].nrs[2], sysnames__nr("fsync"));
	/* and sysnames knows them by the kernel's numbers */
	assert_int_equal(c->sys[0].nrs[0], SYS_read);
	assert_int_equal(c->sys[0].nrs[1], SYS_write);
	assert_int_equal(c->sys[0].nrs[2], SYS_fsync);
	assert_int_equal(c->nprobes, 1);
	assert_int_equal(c->probes[0].nspecs, 2);
	assert_string_equal(c->probes[0].specs[0], "/bin/app:enc*");
	assert_string_equal(c->probes[0].specs[1], "/lib/libc.so.6:memcpy");
}

/* ---- named sections ---- */

static void named_sections_make_one_instrument_or_rule_each(void **state)
{
	struct fixture *f = *state;
	struct agent_config *c = f->c;
	const struct alert_rule *r;
	char where[160];

	/* headers at lines 1, 3, 5, 7 and 10 */
	load_ok(f, "[syscalls io]\n"
		   "syscalls = fsync, fdatasync\n"
		   "[syscalls net]\n"
		   "syscalls = connect\n"
		   "[probe zip]\n"
		   "functions = /bin/gzip:deflate\n"
		   "[rule slow_fsync]\n"
		   "command = echo $VIGIL_RULE\n"
		   "when = p99(*.syscall.fsync) > 50ms for 30s\n"
		   "[rule busy-zip]\n"
		   "when = share(*.cpu.zip) >= 30%\n");
	assert_int_equal(c->nsys, 2);
	assert_string_equal(c->sys[0].name, "io");
	assert_int_equal(c->sys[0].n, 2);
	assert_int_equal(c->sys[0].nrs[0], SYS_fsync);
	assert_int_equal(c->sys[0].nrs[1], SYS_fdatasync);
	assert_string_equal(c->sys[1].name, "net");
	assert_int_equal(c->sys[1].n, 1);
	assert_int_equal(c->sys[1].nrs[0], SYS_connect);
	assert_int_equal(c->nprobes, 1);
	assert_string_equal(c->probes[0].name, "zip");

	/* each knows its header's line, for messages about the section as a whole */
	snprintf(where, sizeof(where), "%s:1", f->path);
	assert_string_equal(c->sys[0].where, where);
	snprintf(where, sizeof(where), "%s:3", f->path);
	assert_string_equal(c->sys[1].where, where);
	snprintf(where, sizeof(where), "%s:5", f->path);
	assert_string_equal(c->probes[0].where, where);
	snprintf(where, sizeof(where), "%s:7", f->path);
	assert_string_equal(c->rules[0].where, where);

	/* the rule's when went through alert_rule__parse */
	assert_int_equal(c->nrules, 2);
	r = &c->rules[0].rule;
	assert_string_equal(r->name, "slow_fsync");
	assert_string_equal(r->pattern, "*.syscall.fsync");
	assert_int_equal(r->stat, ALERT_P99);
	assert_int_equal(r->op, ALERT_GT);
	assert_true(r->threshold == 50e6);
	assert_true(r->for_s == 30);
	assert_true(c->rules[0].has_when);
	assert_ptr_equal(r->command, c->rules[0].command);
	assert_string_equal(r->command, "echo $VIGIL_RULE");
	r = &c->rules[1].rule;
	assert_string_equal(r->name, "busy-zip");
	assert_int_equal(r->stat, ALERT_SHARE);
	assert_int_equal(r->op, ALERT_GE);
	assert_true(r->threshold == 0.3);
	assert_null(r->command);
	assert_int_equal(agent_config__check(c), 0);
}

static void empty_unnamed_sections_are_no_error(void **state)
{
	struct fixture *f = *state;

	/* every key has a default: a section with all of them commented out is fine */
	load_ok(f, "[agent]\n[target]\n[profile]\n; freq = 99\n[statsd]\n");
	assert_int_equal(f->c->freq, AGENT_DEFAULT_FREQ);
}

static void indented_keys_and_headers_are_read_as_any_other(void **state)
{
	struct fixture *f = *state;
	struct agent_config *c = f->c;

	/* inih alone would take "  window = 5" for more of output's value */
	load_ok(f, "[agent]\n"
		   "  output = /srv/p\n"
		   "\twindow = 5\n"
		   "  [target]\n"
		   "    name = web*\n");
	assert_string_equal(c->output, "/srv/p");
	assert_int_equal(c->window_s, 5);
	assert_int_equal(c->nnames, 1);
	assert_string_equal(c->names[0], "web*");
}

static void section_names_are_kept_whole_up_to_their_limit(void **state)
{
	struct fixture *f = *state;
	char text[512], name[ALERT_NAME_MAX + 1];

	/* inih's own copy of a header ends at 49 characters; two names alike in those */
	memset(name, 'n', ALERT_NAME_MAX - 1);
	name[ALERT_NAME_MAX - 1] = '\0';
	snprintf(text, sizeof(text),
		 "[rule %sa]\nwhen = rate(a) > 1\n[rule %sb]\nwhen = rate(b) > 1\n", name + 1,
		 name + 1);
	load_ok(f, text);
	assert_int_equal(f->c->nrules, 2);
	assert_int_equal(strlen(f->c->rules[0].rule.name), ALERT_NAME_MAX - 1);
	assert_int_equal(f->c->rules[0].rule.name[ALERT_NAME_MAX - 2], 'a');
	assert_int_equal(f->c->rules[1].rule.name[ALERT_NAME_MAX - 2], 'b');
	assert_string_equal(f->c->rules[1].rule.pattern, "b");

	agent_config__free(f->c);
	f->c = agent_config__new();
	snprintf(text, sizeof(text), "[agent]\n[syscalls %sxy]\nsyscalls = read\n", name + 1);
	assert_int_equal(load_text(f, text), EXIT_USAGE);
	snprintf(text, sizeof(text), "2: [syscalls %sxy]: a name of at most %d characters",
		 name + 1, ALERT_NAME_MAX - 1);
	assert_said_at_file(f, text);
}

/* ---- the command line ---- */

static void the_command_line_overrides_a_file_value(void **state)
{
	struct fixture *f = *state;
	struct agent_config *c = f->c;

	load_ok(f, "[agent]\nwindow = 30\n[target]\npid = 5, 6\n[syscalls io]\nsyscalls = read\n"
		   "[rule slow]\nwhen = rate(x) > 1\n");
	set_ok(f, "agent", "window", "120");
	assert_int_equal(c->window_s, 120);
	/* the first time the command line sets a list, it replaces the file's */
	set_ok(f, "target", "pid", "9");
	assert_int_equal(c->npids, 1);
	assert_int_equal(c->pids[0], 9);
	set_ok(f, "syscalls io", "syscalls", "write");
	assert_int_equal(c->nsys, 1);
	assert_int_equal(c->sys[0].n, 1);
	assert_int_equal(c->sys[0].nrs[0], SYS_write);
	set_ok(f, "rule slow", "when", "rate(x) > 2");
	assert_int_equal(c->nrules, 1);
	assert_true(c->rules[0].rule.threshold == 2);
	/* a scalar given twice there: the last one */
	set_ok(f, "agent", "window", "90");
	assert_int_equal(c->window_s, 90);
}

static void the_command_line_repeating_a_list_key_appends(void **state)
{
	struct fixture *f = *state;
	struct agent_config *c = f->c;

	load_ok(f, "[target]\nname = fromfile\n");
	set_ok(f, "target", "pid", "1,2");
	set_ok(f, "target", "pid", "3");
	set_ok(f, "target", "pid", "2"); /* again: still once */
	assert_int_equal(c->npids, 3);
	assert_int_equal(c->pids[0], 1);
	assert_int_equal(c->pids[1], 2);
	assert_int_equal(c->pids[2], 3);

	set_ok(f, "target", "name", "web*");
	set_ok(f, "target", "name", "db");
	assert_int_equal(c->nnames, 2);
	assert_string_equal(c->names[0], "web*");
	assert_string_equal(c->names[1], "db");

	set_ok(f, "syscalls io", "syscalls", "read");
	set_ok(f, "syscalls io", "syscalls", "write,read");
	assert_int_equal(c->nsys, 1);
	assert_int_equal(c->sys[0].n, 2);
	assert_int_equal(c->sys[0].nrs[0], SYS_read);
	assert_int_equal(c->sys[0].nrs[1], SYS_write);
	assert_string_equal(c->sys[0].where, "--test");

	set_ok(f, "probe p", "functions", "/bin/a:f");
	set_ok(f, "probe p", "functions", "/bin/b:g");
	assert_int_equal(c->probes[0].nspecs, 2);
	assert_string_equal(c->probes[0].specs[1], "/bin/b:g");
}

static void a_file_repeating_a_key_is_an_error(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load_text(f, "[agent]\nwindow = 5\nwindow = 6\n"), EXIT_USAGE);
	assert_said_at_file(f, "3: window given twice in [agent]");

	/* even in the section opened again, and for lists */
	agent_config__free(f->c);
	f->c = agent_config__new();
	assert_int_equal(
		load_text(f, "[target]\npid = 1\n[agent]\nwindow = 5\n[target]\npid = 2\n"),
		EXIT_USAGE);
	assert_said_at_file(f, "6: pid given twice in [target]");

	/* and in a section whose header is spaced otherwise: it is the same section */
	agent_config__free(f->c);
	f->c = agent_config__new();
	assert_int_equal(load_text(f, "[syscalls io]\nsyscalls = read\n[syscalls \t io ]\n"
				      "syscalls = write\n"),
			 EXIT_USAGE);
	assert_said_at_file(f, "4: syscalls given twice in [syscalls io]");

	/* a line continuing a value, as inih would read it, is not one here */
	agent_config__free(f->c);
	f->c = agent_config__new();
	assert_int_equal(load_text(f, "[target]\nname = a,\n  b\n"), EXIT_USAGE);
	assert_said_at_file(f, "3: not 'key = value', a [section] or a comment");
}

static void command_line_errors_name_their_option(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(set(f, "agent", "window", "soon", "--window"), EXIT_USAGE);
	assert_string_equal(f->said, "vigil: --window: window 'soon': not a whole number\n");
	assert_int_equal(set(f, "target", "pid", "0", "--pid"), EXIT_USAGE);
	assert_string_equal(f->said, "vigil: --pid: pid '0': out of range (1-2147483647)\n");
	assert_int_equal(set(f, "rule slow", "when", "p98(x) > 1ms", "--rule"), EXIT_USAGE);
	assert_string_equal(f->said,
			    "vigil: --rule: rule 'slow': unknown statistic 'p98' (rate, errors, "
			    "error_rate, mean, p50, p90, p99, max, share)\n");
	assert_int_equal(set(f, "agent", "windw", "5", "--set"), EXIT_USAGE);
	assert_string_equal(f->said, "vigil: --set: unknown key 'windw' in [agent] (output, "
				     "window, keep_windows, keep_mb, interval, syslog, formats)\n");
}

/* ---- errors in files ---- */

static void each_error_names_its_line_and_reason(void **state)
{
	static const struct {
		const char *text, *at;
	} cases[] = {
		{"[agent]\nwindow = 5\nwindw = 3\n",
		 "3: unknown key 'windw' in [agent] (output, window, keep_windows, keep_mb, "
		 "interval, syslog, formats)"},
		{"[rule r]\nwhen = rate(x) > 1\nwhen_ = 1\n",
		 "3: unknown key 'when_' in [rule] (when, command)"},
		{"[agent]\n[profil]\n",
		 "2: unknown section [profil] (agent, target, profile, statsd, syscalls NAME, "
		 "probe NAME, rule NAME)"},
		{"[agent]\nwindow = 5s\n", "2: window '5s': not a whole number"},
		{"[agent]\nwindow = -5\n", "2: window '-5': not a whole number"},
		{"[agent]\nwindow =\n", "2: window '': not a whole number"},
		{"[profile]\nfreq = 0x10\n", "2: freq '0x10': not a whole number"},
		{"[target]\npid = 12, x\n", "2: pid 'x': not a whole number"},
		{"[agent]\nwindow = 0\n", "2: window '0': out of range (1-86400)"},
		{"[agent]\ninterval = 3601\n", "2: interval '3601': out of range (1-3600)"},
		{"[statsd]\nmax_packet = 511\n", "2: max_packet '511': out of range (512-65000)"},
		{"[statsd]\nport = 65536\n", "2: port '65536': out of range (1-65535)"},
		{"[agent]\nkeep_mb = 99999999999999999999999\n",
		 "2: keep_mb '99999999999999999999999': out of range (0-10000000)"},
		{"[agent]\nsyslog = maybe\n", "2: syslog 'maybe': not yes or no"},
		{"[statsd]\nenabled = 2\n", "2: enabled '2': not yes or no"},
		{"[profile]\nclock = real\n", "2: clock 'real': cpu, wall or off"},
		{"[profile]\nstacks = all\n", "2: stacks 'all': both, user or kernel"},
		{"[agent]\noutput =\n", "2: output is empty"},
		{"[statsd]\nprefix = a/b\n",
		 "2: prefix 'a/b': only letters, digits, '_', '-' and '.'"},
		{"[statsd]\nprefix = a..b\n", "2: prefix 'a..b': an empty part between dots"},
		{"[rule]\nwhen = rate(x) > 1\n", "1: [rule] needs a name: [rule NAME]"},
		{"[agent]\n[syscalls]\n", "2: [syscalls] needs a name: [syscalls NAME]"},
		{"[agent main]\n", "1: [agent] takes no name"},
		{"[rule a.b]\nwhen = rate(x) > 1\n",
		 "1: [rule a.b]: a name of letters, digits, '_' and '-'"},
		{"[probe a/b]\n", "1: [probe a/b]: a name of letters, digits, '_' and '-'"},
		{"[agent\n", "1: a section header without ']'"},
		{"window = 5\n[agent]\n", "1: 'window' before any [section]"},
		{"[agent]\nwindow 5\n", "2: not 'key = value', a [section] or a comment"},
		{"[syscalls io]\nsyscalls = fsync, fsyncc\n", "2: unknown syscall 'fsyncc'"},
		{"[syscalls io]\nsyscalls = read,,write\n", "2: unknown syscall ''"},
		{"[target]\nname = web[12]\n", "2: name 'web[12]': only '*' and '?' are wildcards"},
		{"[target]\nname = a,,b\n", "2: name: an empty pattern"},
		{"[probe p]\nfunctions = deflate\n", "2: functions 'deflate': not FILE:GLOB"},
		{"[probe p]\nfunctions = usdt:/bin/x:p\n",
		 "2: functions 'usdt:/bin/x:p': USDT probes are for vigil trace"},
		{"[rule r]\nwhen = p98(x) > 1ms\n",
		 "2: rule 'r': unknown statistic 'p98' (rate, errors, error_rate, mean, p50, p90, "
		 "p99, max, share)"},
		{"[rule r]\nwhen = rate(x) > 1\n[syscalls io]\n[agent]\nwindow = 5\n",
		 "3: [syscalls io] is empty"},
		{"[rule r]\n\n; nothing yet\n", "1: [rule r] is empty"},
	};
	struct fixture *f = *state;

	for (size_t i = 0; i < N(cases); i++) {
		int rc;

		agent_config__free(f->c);
		f->c = agent_config__new();
		assert_non_null(f->c);
		rc = load_text(f, cases[i].text);
		if (rc != EXIT_USAGE)
			fail_msg("%d for:\n%s", rc, cases[i].text);
		assert_said_at_file(f, cases[i].at);
	}
}

static void a_line_too_long_for_the_reader_is_an_error(void **state)
{
	struct fixture *f = *state;
	char text[512];

	/* line 3 is 250 characters: inih's lines are at most 200 bytes with the newline */
	snprintf(text, sizeof(text), "[agent]\nwindow = 5\noutput = /%0*d\n", 250 - 10, 0);
	assert_int_equal(load_text(f, text), EXIT_USAGE);
	assert_said_at_file(f, "3: a line longer than 198 characters");

	/* 198 and a newline still fit */
	agent_config__free(f->c);
	f->c = agent_config__new();
	snprintf(text, sizeof(text), "[agent]\noutput = /%0*d\n", 198 - 10, 0);
	assert_int_equal(strlen(strchr(text, '\n') + 1), 199);
	load_ok(f, text);
	assert_int_equal(strlen(f->c->output), 198 - 9);
}

static void a_rule_without_when_is_reported_at_its_header(void **state)
{
	struct fixture *f = *state;
	int saved, rc;

	load_ok(f, "[agent]\nwindow = 5\n[rule lonely]\ncommand = true\n");
	saved = capture_begin(f);
	rc = agent_config__check(f->c);
	capture_end(f, saved);
	assert_int_equal(rc, EXIT_USAGE);
	assert_said_at_file(f, "3: rule 'lonely' has no 'when'");
}

static void a_missing_file_says_so(void **state)
{
	struct fixture *f = *state;
	int saved, rc;
	char want[256];

	snprintf(f->path, sizeof(f->path), "%s/nope.ini", f->dir);
	saved = capture_begin(f);
	rc = agent_config__load(f->c, f->path);
	capture_end(f, saved);
	assert_int_equal(rc, EXIT_USAGE);
	snprintf(want, sizeof(want), "vigil: %s: cannot read: No such file or directory\n",
		 f->path);
	assert_string_equal(f->said, want);
}

/* ---- reloads ---- */

static void same_profile_tells_what_a_reload_changes(void **state)
{
	struct fixture *f = *state;
	struct agent_config *b = agent_config__new();

	assert_non_null(b);
	assert_true(agent_config__same_profile(f->c, b));
	set_ok(f, "agent", "window", "5"); /* not the profile's */
	set_ok(f, "statsd", "prefix", "other");
	assert_true(agent_config__same_profile(f->c, b));
	set_ok(f, "profile", "freq", "99");
	assert_false(agent_config__same_profile(f->c, b));
	b->freq = 99;
	assert_true(agent_config__same_profile(f->c, b));
	set_ok(f, "target", "name", "web*");
	assert_false(agent_config__same_profile(f->c, b));
	agent_config__free(b);
}

static void formats_name_the_extra_files_of_a_window(void **state)
{
	struct fixture *f = *state;

	assert_false(f->c->svg);
	assert_false(f->c->pprof);
	set_ok(f, "agent", "formats", " svg , pprof ");
	assert_true(f->c->svg);
	assert_true(f->c->pprof);
	/* a later value replaces the list; folded is always written and may be named */
	set_ok(f, "agent", "formats", "folded,svg");
	assert_true(f->c->svg);
	assert_false(f->c->pprof);
	assert_int_equal(set(f, "agent", "formats", "svg,png", "--format"), EXIT_USAGE);
	assert_string_equal(f->said,
			    "vigil: --format: formats 'png': expected folded, svg or pprof\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(new_gives_the_defaults),
		T(every_key_of_every_section_is_read_back),
		T(every_spelling_of_bools_clocks_and_stacks),
		T(numbers_take_their_whole_range),
		T(an_empty_prefix_is_allowed),
		T(lists_are_trimmed_and_each_item_kept_once),
		T(named_sections_make_one_instrument_or_rule_each),
		T(empty_unnamed_sections_are_no_error),
		T(indented_keys_and_headers_are_read_as_any_other),
		T(section_names_are_kept_whole_up_to_their_limit),
		T(the_command_line_overrides_a_file_value),
		T(the_command_line_repeating_a_list_key_appends),
		T(a_file_repeating_a_key_is_an_error),
		T(command_line_errors_name_their_option),
		T(each_error_names_its_line_and_reason),
		T(a_line_too_long_for_the_reader_is_an_error),
		T(a_rule_without_when_is_reported_at_its_header),
		T(a_missing_file_says_so),
		T(same_profile_tells_what_a_reload_changes),
		T(formats_name_the_extra_files_of_a_window),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
