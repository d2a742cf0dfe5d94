// SPDX-License-Identifier: GPL-2.0
/* agent_config.c: the agent's settings, from an INI file (inih) and the command line. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ini.h>
#include "agent_config.h"
#include "agent_defs.h"
#include "statsd.h"
#include "sysnames.h"
#include "util.h"

/* A key that has been set: where, and by which source (a file, or the command line). */
struct agent_seen {
	char key[ALERT_NAME_MAX + 32];
	const void *source;
};

static const char CMDLINE[] = "the command line";

/* One line, "vigil: WHERE: reason". Returns EXIT_USAGE. */
static int __attribute__((format(printf, 2, 3))) bad(const char *where, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vigil_err("%s: %s", where, msg);
	return EXIT_USAGE;
}

struct agent_config *agent_config__new(void)
{
	struct agent_config *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->output = strdup("/var/lib/vigil/profiles");
	c->window_s = 60;
	c->keep_windows = 1440;
	c->keep_mb = 256;
	c->interval_s = 10;
	c->syslog = true;
	c->profile = true;
	c->clock = PROFILE_CLOCK_CPU;
	c->freq = AGENT_DEFAULT_FREQ;
	c->user = c->kernel = true;
	c->statsd = true;
	c->host = strdup("127.0.0.1");
	c->port = strdup("8125");
	c->prefix = strdup("vigil");
	c->max_packet = STATSD_PACKET_DEFAULT;
	if (!c->output || !c->host || !c->port || !c->prefix) {
		agent_config__free(c);
		return NULL;
	}
	return c;
}

static void free_names(struct agent_config *c)
{
	for (int i = 0; i < c->nnames; i++)
		free(c->names[i]);
	c->nnames = 0;
}

void agent_config__free(struct agent_config *c)
{
	if (!c)
		return;
	free(c->output);
	free(c->host);
	free(c->port);
	free(c->prefix);
	free_names(c);
	for (int i = 0; i < c->nsys; i++)
		free(c->sys[i].nrs);
	for (int i = 0; i < c->nrules; i++)
		free(c->rules[i].command);
	for (int i = 0; i < c->nprobes; i++)
		for (int j = 0; j < c->probes[i].nspecs; j++)
			free(c->probes[i].specs[j]);
	free(c->seen);
	free(c);
}

/* ---------------------------------------------------------------- values */

static int set_string(char **dst, const char *value, const char *where, const char *key)
{
	char *s;

	if (!value[0])
		return bad(where, "%s is empty", key);
	s = strdup(value);
	if (!s)
		return bad(where, "out of memory");
	free(*dst);
	*dst = s;
	return 0;
}

static int set_ulong(unsigned long *dst, const char *value, unsigned long min, unsigned long max,
		     const char *where, const char *key)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (!isdigit((unsigned char)value[0]))
		return bad(where, "%s '%s': not a whole number", key, value);
	v = strtoull(value, &end, 10);
	if (*end)
		return bad(where, "%s '%s': not a whole number", key, value);
	if (errno || v < min || v > max)
		return bad(where, "%s '%s': out of range (%lu-%lu)", key, value, min, max);
	*dst = v;
	return 0;
}

static int set_bool(bool *dst, const char *value, const char *where, const char *key)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(value, yes[i])) {
			*dst = true;
			return 0;
		}
		if (!strcasecmp(value, no[i])) {
			*dst = false;
			return 0;
		}
	}
	return bad(where, "%s '%s': not yes or no", key, value);
}

/*
 * The next comma-separated item of *s, trimmed, in buf; NULL at the end.
 * An empty item is returned as "" so the caller can refuse it.
 */
static const char *next_item(const char **s, char *buf, size_t len)
{
	const char *p = *s, *e;
	size_t n;

	if (!*p)
		return NULL;
	e = strchr(p, ',');
	if (!e)
		e = p + strlen(p);
	*s = *e ? e + 1 : e;
	while (p < e && isspace((unsigned char)*p))
		p++;
	while (e > p && isspace((unsigned char)e[-1]))
		e--;
	n = (size_t)(e - p) < len - 1 ? (size_t)(e - p) : len - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

/* formats = svg, pprof: what is written beside each window's .folded ("folded" allowed too). */
static int set_formats(struct agent_config *c, const char *value, const char *where)
{
	const char *s = value, *item;
	char buf[32];

	c->svg = c->pprof = false;
	while ((item = next_item(&s, buf, sizeof(buf)))) {
		if (!strcmp(item, "svg"))
			c->svg = true;
		else if (!strcmp(item, "pprof"))
			c->pprof = true;
		else if (strcmp(item, "folded"))
			return bad(where, "formats '%s': expected folded, svg or pprof", item);
	}
	return 0;
}

static int set_pids(struct agent_config *c, const char *value, const char *where, bool append)
{
	char item[64];
	const char *it;
	int n = append ? c->npids : 0;

	for (const char *s = value; (it = next_item(&s, item, sizeof(item)));) {
		unsigned long pid;
		bool dup = false;

		if (set_ulong(&pid, it, 1, INT_MAX, where, "pid"))
			return EXIT_USAGE;
		for (int i = 0; i < n; i++)
			dup |= c->pids[i] == (int)pid;
		if (dup)
			continue;
		if (n == AGENT_MAX_PIDS)
			return bad(where, "pid: at most %d", AGENT_MAX_PIDS);
		c->pids[n++] = pid;
	}
	if (!n)
		return bad(where, "pid is empty");
	c->npids = n;
	return 0;
}

static int set_names(struct agent_config *c, const char *value, const char *where, bool append)
{
	char item[256];
	const char *it;

	if (!append)
		free_names(c);
	for (const char *s = value; (it = next_item(&s, item, sizeof(item)));) {
		if (!it[0])
			return bad(where, "name: an empty pattern");
		/* the kernel matches them at exec: '*' and '?', nothing more */
		if (strpbrk(it, "[]\\"))
			return bad(where, "name '%s': only '*' and '?' are wildcards", it);
		if (strlen(it) >= AGENT_PATTERN_LEN)
			return bad(where, "name '%s': at most %d characters", it,
				   AGENT_PATTERN_LEN - 1);
		if (c->nnames == AGENT_MAX_NAMES)
			return bad(where, "name: at most %d patterns", AGENT_MAX_NAMES);
		c->names[c->nnames] = strdup(it);
		if (!c->names[c->nnames])
			return bad(where, "out of memory");
		c->nnames++;
	}
	if (!c->nnames)
		return bad(where, "name is empty");
	return 0;
}

static int set_syscalls(struct agent_sysset *set, const char *value, const char *where, bool append)
{
	char item[64];
	const char *it;
	int *nrs = malloc(sizeof(*nrs) * sysnames__count()), n = 0;

	if (!nrs)
		return bad(where, "out of memory");
	if (append)
		for (int i = 0; i < set->n; i++)
			nrs[n++] = set->nrs[i];
	for (const char *s = value; (it = next_item(&s, item, sizeof(item)));) {
		int nr = sysnames__nr(it);
		bool dup = false;

		if (nr < 0) {
			free(nrs);
			return bad(where, "unknown syscall '%s'", it);
		}
		for (int i = 0; i < n; i++)
			dup |= nrs[i] == nr;
		if (!dup)
			nrs[n++] = nr;
	}
	if (!n) {
		free(nrs);
		return bad(where, "syscalls is empty");
	}
	free(set->nrs);
	set->nrs = nrs;
	set->n = n;
	return 0;
}

static int set_prefix(struct agent_config *c, const char *value, const char *where)
{
	size_t n = strlen(value);

	for (size_t i = 0; i < n; i++) {
		char ch = value[i];

		if (!isalnum((unsigned char)ch) && ch != '_' && ch != '-' && ch != '.')
			return bad(where, "prefix '%s': only letters, digits, '_', '-' and '.'",
				   value);
	}
	if (n && (value[0] == '.' || value[n - 1] == '.' || strstr(value, "..")))
		return bad(where, "prefix '%s': an empty part between dots", value);
	free(c->prefix);
	c->prefix = strdup(value);
	return c->prefix ? 0 : bad(where, "out of memory");
}

/* ---------------------------------------------------------------- sections */

enum section_kind {
	SEC_AGENT,
	SEC_TARGET,
	SEC_PROFILE,
	SEC_STATSD,
	SEC_SYSCALLS,
	SEC_PROBE,
	SEC_RULE,
	SEC_NONE,
};

static const char *const section_names[] = {"agent",	"target", "profile", "statsd",
					    "syscalls", "probe",  "rule"};

static const char *const section_keys[] = {
	"output, window, keep_windows, keep_mb, interval, syslog, formats",
	"pid, name",
	"enabled, clock, freq, stacks",
	"enabled, host, port, prefix, max_packet",
	"syscalls",
	"functions",
	"when, command",
};

/*
 * Split "rule slow" into its kind and name. Sections of instruments and
 * rules need a name; the others take none. 0, or EXIT_USAGE after printing.
 */
static int parse_section(const char *section, enum section_kind *kind, char *name,
			 const char *where)
{
	const char *sp = section + strcspn(section, " \t");
	size_t klen = sp - section, nlen;

	*kind = SEC_NONE;
	for (int k = 0; k < SEC_NONE; k++)
		if (strlen(section_names[k]) == klen && !strncmp(section, section_names[k], klen))
			*kind = k;
	if (*kind == SEC_NONE)
		return bad(where,
			   "unknown section [%s] (agent, target, profile, statsd, "
			   "syscalls NAME, probe NAME, rule NAME)",
			   section);
	while (isspace((unsigned char)*sp))
		sp++;
	nlen = strlen(sp);
	while (nlen && isspace((unsigned char)sp[nlen - 1]))
		nlen--;
	if (*kind < SEC_SYSCALLS) {
		if (nlen)
			return bad(where, "[%s] takes no name", section_names[*kind]);
		name[0] = '\0';
		return 0;
	}
	if (!nlen)
		return bad(where, "[%s] needs a name: [%s NAME]", section_names[*kind],
			   section_names[*kind]);
	if (nlen >= ALERT_NAME_MAX)
		return bad(where, "[%s]: a name of at most %d characters", section,
			   ALERT_NAME_MAX - 1);
	for (size_t i = 0; i < nlen; i++)
		if (!isalnum((unsigned char)sp[i]) && sp[i] != '_' && sp[i] != '-')
			return bad(where, "[%s]: a name of letters, digits, '_' and '-'", section);
	memcpy(name, sp, nlen);
	name[nlen] = '\0';
	return 0;
}

static struct agent_sysset *find_sysset(struct agent_config *c, const char *name, const char *where)
{
	for (int i = 0; i < c->nsys; i++)
		if (!strcmp(c->sys[i].name, name))
			return &c->sys[i];
	if (c->nsys == AGENT_MAX_SYSSETS) {
		bad(where, "at most %d [syscalls] sections", AGENT_MAX_SYSSETS);
		return NULL;
	}
	snprintf(c->sys[c->nsys].name, sizeof(c->sys[0].name), "%s", name);
	snprintf(c->sys[c->nsys].where, sizeof(c->sys[0].where), "%s",
		 c->section_where ? c->section_where : where);
	return &c->sys[c->nsys++];
}

static struct agent_probe *find_probe(struct agent_config *c, const char *name, const char *where)
{
	for (int i = 0; i < c->nprobes; i++)
		if (!strcmp(c->probes[i].name, name))
			return &c->probes[i];
	if (c->nprobes == AGENT_MAX_PROBES) {
		bad(where, "at most %d [probe] sections", AGENT_MAX_PROBES);
		return NULL;
	}
	snprintf(c->probes[c->nprobes].name, sizeof(c->probes[0].name), "%s", name);
	snprintf(c->probes[c->nprobes].where, sizeof(c->probes[0].where), "%s",
		 c->section_where ? c->section_where : where);
	return &c->probes[c->nprobes++];
}

/* FILE:GLOB items; whether they name anything is checked when they are attached. */
static int set_functions(struct agent_probe *p, const char *value, const char *where, bool append)
{
	char item[512];
	const char *it;

	if (!append) {
		for (int i = 0; i < p->nspecs; i++)
			free(p->specs[i]);
		p->nspecs = 0;
	}
	for (const char *s = value; (it = next_item(&s, item, sizeof(item)));) {
		const char *colon = strrchr(it, ':');

		if (!colon || colon == it || !colon[1])
			return bad(where, "functions '%s': not FILE:GLOB", it);
		if (!strncmp(it, "usdt:", 5))
			return bad(where, "functions '%s': USDT probes are for vigil trace", it);
		if (p->nspecs == AGENT_MAX_SPECS)
			return bad(where, "functions: at most %d in one [probe]", AGENT_MAX_SPECS);
		p->specs[p->nspecs] = strdup(it);
		if (!p->specs[p->nspecs])
			return bad(where, "out of memory");
		p->nspecs++;
	}
	if (!p->nspecs)
		return bad(where, "functions is empty");
	return 0;
}

static struct agent_rule *find_rule(struct agent_config *c, const char *name, const char *where)
{
	for (int i = 0; i < c->nrules; i++)
		if (!strcmp(c->rules[i].rule.name, name))
			return &c->rules[i];
	if (c->nrules == AGENT_MAX_RULES) {
		bad(where, "at most %d [rule] sections", AGENT_MAX_RULES);
		return NULL;
	}
	snprintf(c->rules[c->nrules].rule.name, ALERT_NAME_MAX, "%s", name);
	snprintf(c->rules[c->nrules].where, sizeof(c->rules[0].where), "%s",
		 c->section_where ? c->section_where : where);
	return &c->rules[c->nrules++];
}

/*
 * Remember that section.key was set by source. A key set twice by one file
 * is a mistake; the command line may repeat a list to add to it. Returns
 * 1 when the key was set before by this source, 0 when not, or EXIT_USAGE.
 */
static int seen(struct agent_config *c, const char *section, const char *key, const void *source,
		const char *where)
{
	char k[sizeof(c->seen[0].key)];

	snprintf(k, sizeof(k), "%s\n%s", section, key);
	for (size_t i = 0; i < c->nseen; i++) {
		if (strcmp(c->seen[i].key, k))
			continue;
		if (c->seen[i].source != source) {
			c->seen[i].source = source;
			return 0;
		}
		if (source != CMDLINE)
			return bad(where, "%s given twice in [%s]", key, section);
		return 1;
	}
	if (c->nseen == c->seen_cap) {
		size_t cap = c->seen_cap ? 2 * c->seen_cap : 32;
		struct agent_seen *n = realloc(c->seen, cap * sizeof(*n));

		if (!n)
			return bad(where, "out of memory");
		c->seen = n;
		c->seen_cap = cap;
	}
	snprintf(c->seen[c->nseen].key, sizeof(k), "%s", k);
	c->seen[c->nseen++].source = source;
	return 0;
}

static int unknown_key(enum section_kind kind, const char *key, const char *where)
{
	return bad(where, "unknown key '%s' in [%s] (%s)", key, section_names[kind],
		   section_keys[kind]);
}

static int set_from(struct agent_config *c, const char *section, const char *key, const char *value,
		    const char *where, const void *source)
{
	char name[ALERT_NAME_MAX], canon[ALERT_NAME_MAX + 16];
	enum section_kind kind;
	bool again;
	int rc;

	if (parse_section(section, &kind, name, where))
		return EXIT_USAGE;
	/* [rule  slow] is [rule slow]: one key of theirs is set once */
	snprintf(canon, sizeof(canon), "%s%s%s", section_names[kind], name[0] ? " " : "", name);
	rc = seen(c, canon, key, source, where);
	if (rc == EXIT_USAGE)
		return rc;
	again = rc == 1;

	switch (kind) {
	case SEC_AGENT:
		if (!strcmp(key, "output"))
			return set_string(&c->output, value, where, key);
		if (!strcmp(key, "window"))
			return set_ulong(&c->window_s, value, 1, 86400, where, key);
		if (!strcmp(key, "keep_windows"))
			return set_ulong(&c->keep_windows, value, 1, 10000000, where, key);
		if (!strcmp(key, "keep_mb"))
			return set_ulong(&c->keep_mb, value, 0, 10000000, where, key);
		if (!strcmp(key, "interval"))
			return set_ulong(&c->interval_s, value, 1, 3600, where, key);
		if (!strcmp(key, "syslog"))
			return set_bool(&c->syslog, value, where, key);
		if (!strcmp(key, "formats"))
			return set_formats(c, value, where);
		break;
	case SEC_TARGET:
		if (!strcmp(key, "pid"))
			return set_pids(c, value, where, again);
		if (!strcmp(key, "name"))
			return set_names(c, value, where, again);
		break;
	case SEC_PROFILE:
		if (!strcmp(key, "enabled"))
			return set_bool(&c->profile, value, where, key);
		if (!strcmp(key, "freq"))
			return set_ulong(&c->freq, value, 1, 10000, where, key);
		if (!strcmp(key, "clock")) {
			if (!strcmp(value, "cpu"))
				c->clock = PROFILE_CLOCK_CPU;
			else if (!strcmp(value, "wall"))
				c->clock = PROFILE_CLOCK_WALL;
			else if (!strcmp(value, "off"))
				c->clock = PROFILE_CLOCK_OFF;
			else
				return bad(where, "clock '%s': cpu, wall or off", value);
			return 0;
		}
		if (!strcmp(key, "stacks")) {
			if (!strcmp(value, "both"))
				c->user = c->kernel = true;
			else if (!strcmp(value, "user"))
				c->user = true, c->kernel = false;
			else if (!strcmp(value, "kernel"))
				c->user = false, c->kernel = true;
			else
				return bad(where, "stacks '%s': both, user or kernel", value);
			return 0;
		}
		break;
	case SEC_STATSD:
		if (!strcmp(key, "enabled"))
			return set_bool(&c->statsd, value, where, key);
		if (!strcmp(key, "host"))
			return set_string(&c->host, value, where, key);
		if (!strcmp(key, "port")) {
			unsigned long port;

			if (set_ulong(&port, value, 1, 65535, where, key))
				return EXIT_USAGE;
			return set_string(&c->port, value, where, key);
		}
		if (!strcmp(key, "prefix"))
			return set_prefix(c, value, where);
		if (!strcmp(key, "max_packet"))
			return set_ulong(&c->max_packet, value, STATSD_PACKET_MIN,
					 STATSD_PACKET_MAX, where, key);
		break;
	case SEC_SYSCALLS:
		if (!strcmp(key, "syscalls")) {
			struct agent_sysset *s = find_sysset(c, name, where);

			return s ? set_syscalls(s, value, where, again) : EXIT_USAGE;
		}
		break;
	case SEC_PROBE:
		if (!strcmp(key, "functions")) {
			struct agent_probe *p = find_probe(c, name, where);

			return p ? set_functions(p, value, where, again) : EXIT_USAGE;
		}
		break;
	case SEC_RULE: {
		struct agent_rule *r;
		char err[256];

		if (strcmp(key, "when") && strcmp(key, "command"))
			break;
		r = find_rule(c, name, where);
		if (!r)
			return EXIT_USAGE;
		if (!strcmp(key, "command")) {
			if (set_string(&r->command, value, where, key))
				return EXIT_USAGE;
			r->rule.command = r->command;
			return 0;
		}
		if (alert_rule__parse(value, &r->rule, err, sizeof(err)))
			return bad(where, "rule '%s': %s", name, err);
		r->has_when = true;
		return 0;
	}
	case SEC_NONE:
		break;
	}
	return unknown_key(kind, key, where);
}

int agent_config__set(struct agent_config *c, const char *section, const char *key,
		      const char *value, const char *where)
{
	return set_from(c, section, key, value, where, CMDLINE);
}

/* ---------------------------------------------------------------- files */

/* What parsing one file needs: inih calls back with no line numbers, so the reader counts. */
struct load_state {
	struct agent_config *c;
	const char *path;
	FILE *f;
	int line;
	bool failed;
	char where[AGENT_WHERE_MAX];
	char section_where[AGENT_WHERE_MAX]; /* the last [section] header's */
	char section[ALERT_NAME_MAX + 16];   /* its text: inih's copy ends at 49 characters */
	/* named sections opened, to tell an empty one */
	struct {
		char section[ALERT_NAME_MAX + 16];
		int line;
		bool used;
	} opened[AGENT_MAX_SYSSETS + AGENT_MAX_PROBES + AGENT_MAX_RULES + 8];
	int nopened;
	int current; /* the index in opened of the section being read, or -1 */
};

static char *reader(char *str, int num, void *stream)
{
	struct load_state *st = stream;
	const char *p;
	size_t n;

	if (st->failed || !fgets(str, num, st->f))
		return NULL;
	st->line++;
	snprintf(st->where, sizeof(st->where), "%s:%d", st->path, st->line);
	n = strlen(str);
	if (n == (size_t)num - 1 && str[n - 1] != '\n' && !feof(st->f)) {
		bad(st->where, "a line longer than %d characters", num - 2);
		st->failed = true;
		return NULL;
	}
	/*
	 * Lines lose their indent: inih would take an indented key for a line
	 * continuing the value before it, and say that key was "given twice".
	 */
	for (p = str; isspace((unsigned char)*p); p++)
		;
	memmove(str, p, strlen(p) + 1);
	p = str;
	if (*p == '[') {
		char section[ALERT_NAME_MAX + 16], name[ALERT_NAME_MAX];
		const char *e = strchr(p, ']');
		enum section_kind kind;
		size_t len;

		if (!e) {
			bad(st->where, "a section header without ']'");
			st->failed = true;
			return NULL;
		}
		len = e - p - 1 < (long)sizeof(section) - 1 ? (size_t)(e - p - 1)
							    : sizeof(section) - 1;
		memcpy(section, p + 1, len);
		section[len] = '\0';
		if (parse_section(section, &kind, name, st->where)) {
			st->failed = true;
			return NULL;
		}
		snprintf(st->section_where, sizeof(st->section_where), "%s", st->where);
		snprintf(st->section, sizeof(st->section), "%s", section);
		/* [agent] and the like may be empty: their keys all have defaults */
		st->current = -1;
		if (kind >= SEC_SYSCALLS &&
		    st->nopened < (int)(sizeof(st->opened) / sizeof(st->opened[0]))) {
			snprintf(st->opened[st->nopened].section, sizeof(section), "%s", section);
			st->opened[st->nopened].line = st->line;
			st->opened[st->nopened].used = false;
			st->current = st->nopened++;
		}
	}
	return str;
}

static int handler(void *user, const char *section, const char *key, const char *value)
{
	struct load_state *st = user;

	(void)section; /* st->section, whole */
	if (st->failed)
		return 1;
	if (!st->section[0]) {
		bad(st->where, "'%s' before any [section]", key);
		st->failed = true;
		return 0;
	}
	if (st->current >= 0)
		st->opened[st->current].used = true;
	st->c->section_where = st->section_where;
	if (set_from(st->c, st->section, key, value, st->where, st->path)) {
		st->failed = true;
		st->c->section_where = NULL;
		return 0;
	}
	st->c->section_where = NULL;
	return 1;
}

int agent_config__load(struct agent_config *c, const char *path)
{
	struct load_state *st = calloc(1, sizeof(*st));
	int rc;

	if (!st)
		return bad(path, "out of memory");
	st->c = c;
	st->path = path;
	st->current = -1;
	st->f = fopen(path, "re");
	if (!st->f) {
		rc = bad(path, "cannot read: %s", strerror(errno));
		free(st);
		return rc;
	}
	rc = ini_parse_stream(reader, st, handler, st);
	if (!st->failed && rc > 0) {
		snprintf(st->where, sizeof(st->where), "%s:%d", path, rc);
		bad(st->where, "not 'key = value', a [section] or a comment");
		st->failed = true;
	} else if (!st->failed && ferror(st->f)) {
		bad(path, "read error: %s", strerror(errno));
		st->failed = true;
	}
	for (int i = 0; !st->failed && i < st->nopened; i++) {
		if (st->opened[i].used)
			continue;
		snprintf(st->where, sizeof(st->where), "%s:%d", path, st->opened[i].line);
		bad(st->where, "[%s] is empty", st->opened[i].section);
		st->failed = true;
	}
	fclose(st->f);
	rc = st->failed ? EXIT_USAGE : 0;
	free(st);
	return rc;
}

/* Whether some [syscalls] section times the syscall called name. */
static bool syscall_timed(const struct agent_config *c, const char *name)
{
	int nr = sysnames__nr(name);

	for (int i = 0; i < c->nsys; i++)
		for (int j = 0; j < c->sys[i].n; j++)
			if (c->sys[i].nrs[j] == nr)
				return true;
	return false;
}

/*
 * A rule that can never hold is a mistake to say now, not an alert that
 * never comes: its series must be of a kind the configuration measures,
 * and its statistic one that kind has.
 */
static int check_rule(const struct agent_config *c, const struct agent_rule *r)
{
	const struct alert_rule *a = &r->rule;
	const char *sys = strstr(a->pattern, ".syscall."), *fn = strstr(a->pattern, ".fn.");
	const char *cpu = strstr(a->pattern, ".cpu.");
	bool share = a->stat == ALERT_SHARE;

	if (!sys && !fn && !cpu) {
		if (strpbrk(a->pattern, "*?["))
			return 0; /* a glob that may stand for any kind */
		return bad(r->where,
			   "rule '%s': series '%s' is none of PROCESS.syscall.NAME, "
			   "PROCESS.fn.FUNCTION, PROCESS.cpu.FUNCTION",
			   a->name, a->pattern);
	}
	if (cpu && !sys && !fn) {
		if (!share)
			return bad(r->where,
				   "rule '%s': PROCESS.cpu.FUNCTION series have only share",
				   a->name);
		if (!c->profile || c->clock == PROFILE_CLOCK_OFF)
			return bad(r->where,
				   "rule '%s': share needs the on-CPU profile ([profile])",
				   a->name);
		return 0;
	}
	if (share)
		return bad(r->where, "rule '%s': share is of PROCESS.cpu.FUNCTION series", a->name);
	if (sys && !fn && !cpu) {
		const char *name = sys + strlen(".syscall.");

		if (!c->nsys)
			return bad(r->where, "rule '%s': no [syscalls] section times a syscall",
				   a->name);
		if (!strpbrk(name, "*?[") && !syscall_timed(c, name))
			return bad(r->where, "rule '%s': no [syscalls] section times '%s'", a->name,
				   name);
		return 0;
	}
	if (fn && !sys && !cpu) {
		if (!c->nprobes)
			return bad(r->where, "rule '%s': no [probe] section times a function",
				   a->name);
		if (a->stat == ALERT_ERRORS || a->stat == ALERT_ERROR_RATE)
			return bad(r->where, "rule '%s': functions have no errors to count",
				   a->name);
	}
	return 0;
}

int agent_config__check(const struct agent_config *c)
{
	for (int i = 0; i < c->nrules; i++) {
		if (!c->rules[i].has_when)
			return bad(c->rules[i].where, "rule '%s' has no 'when'",
				   c->rules[i].rule.name);
		if (check_rule(c, &c->rules[i]))
			return EXIT_USAGE;
	}
	return 0;
}

bool agent_config__same_profile(const struct agent_config *a, const struct agent_config *b)
{
	if (a->profile != b->profile || a->clock != b->clock || a->freq != b->freq ||
	    a->user != b->user || a->kernel != b->kernel || a->npids != b->npids ||
	    a->nnames != b->nnames)
		return false;
	for (int i = 0; i < a->npids; i++)
		if (a->pids[i] != b->pids[i])
			return false;
	for (int i = 0; i < a->nnames; i++)
		if (strcmp(a->names[i], b->names[i]))
			return false;
	return true;
}
