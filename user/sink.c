// SPDX-License-Identifier: GPL-2.0
/* sink.c: a profile to its file in the format asked for (sink.h). */
#include <errno.h>
#include <string.h>
#include "flame.h"
#include "folded.h"
#include "pprof.h"
#include "sink.h"
#include "stacks.h"

static const char *const names[] = {
	[SINK_FOLDED] = "folded",
	[SINK_SVG] = "svg",
	[SINK_PPROF] = "pprof",
};

int sink__parse_format(const char *s, enum sink_format *out)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i])) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *sink__format_name(enum sink_format fmt)
{
	return fmt < sizeof(names) / sizeof(names[0]) ? names[fmt] : "?";
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

enum sink_format sink__format_of_path(const char *path)
{
	if (!path)
		return SINK_FOLDED;
	if (ends_with(path, ".svg") || ends_with(path, ".SVG"))
		return SINK_SVG;
	if (ends_with(path, ".pb.gz") || ends_with(path, ".pprof") || ends_with(path, ".PB.GZ") ||
	    ends_with(path, ".PPROF"))
		return SINK_PPROF;
	return SINK_FOLDED;
}

void sink__titles(const struct profile_meta *m, __u64 total, char *title, size_t tlen, char *sub,
		  size_t slen)
{
	const char *clock = m && m->clock ? m->clock : "";
	size_t n = 0;

	snprintf(title, tlen, "%s",
		 !strcmp(clock, "off")	  ? "Off-CPU flame graph"
		 : !strcmp(clock, "wall") ? "Wall-clock flame graph"
		 : !strcmp(clock, "cpu")  ? "CPU flame graph"
					  : "Flame graph");
	sub[0] = '\0';
	if (!m)
		return;
#define ADD(...)                                                                                   \
	do {                                                                                       \
		if (n < slen)                                                                      \
			n += snprintf(sub + n, slen - n, __VA_ARGS__);                             \
	} while (0)
	if (m->target)
		ADD("%s", m->target);
	if (m->event && m->freq)
		ADD("%s%s at %u Hz", n ? ", " : "", m->event, m->freq);
	if (m->start) {
		struct tm tm;
		char when[32];

		gmtime_r(&m->start, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
		ADD("%s%s", n ? ", " : "", when);
	}
	if (m->duration_ns)
		ADD("%s%.1f s", n ? ", " : "", m->duration_ns / 1e9);
	if (m->unit && (!strcmp(m->unit, "us") || !strcmp(m->unit, "ns")))
		ADD("%s%.2f s of thread time", n ? ", " : "",
		    total / (!strcmp(m->unit, "us") ? 1e6 : 1e9));
	else
		ADD("%s%llu sample%s", n ? ", " : "", (unsigned long long)total,
		    total == 1 ? "" : "s");
#undef ADD
}

int sink__write(FILE *f, enum sink_format fmt, struct stack_set *set, const struct profile_meta *m)
{
	char title[128], sub[512];
	struct flame_opts fo = {.title = title, .subtitle = sub};

	switch (fmt) {
	case SINK_FOLDED:
		return folded__write(f, set);
	case SINK_SVG:
		sink__titles(m, stack_set__total(set), title, sizeof(title), sub, sizeof(sub));
		fo.unit = m && m->unit ? m->unit : "samples";
		return flame__write_svg(f, set, &fo);
	case SINK_PPROF:
		return pprof__write(f, set, m);
	}
	return -EINVAL;
}
