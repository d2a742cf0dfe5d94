/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sink.h: one profile (a stack_set) written to a file in the format the user
 * asked for: folded text (folded.h), an interactive SVG flame graph
 * (flame.h) or gzip-compressed pprof (pprof.h). Every command that writes
 * a profile goes through sink__write, so a new format is one new file.
 */
#ifndef VIGIL_SINK_H
#define VIGIL_SINK_H

#include <stdio.h>
#include <time.h>
#include <linux/types.h>

struct stack_set;
struct symbolizer;

enum sink_format {
	SINK_FOLDED,
	SINK_SVG,
	SINK_PPROF,
};

/* What was profiled, for titles (SVG) and sample types and periods (pprof). */
struct profile_meta {
	const char *command; /* "vigil profile", "vigil agent" */
	const char *target;  /* "whole system", "pid 42 (demo_work)", "./a.out" */
	const char *clock;   /* "cpu", "off" or "wall" */
	const char *event;   /* "cpu-clock", "cycles"; NULL when not sampled */
	time_t start;	     /* wall-clock start; 0: unknown */
	__u64 duration_ns;   /* 0: unknown */
	unsigned int freq;   /* samples per second per CPU (cpu clock); 0: none */
	/*
	 * The unit of the set's values: "samples" (counts, one every 1/freq
	 * s of CPU), "us" or "ns" (time). pprof writes time in nanoseconds.
	 */
	const char *unit;
	/* where frames came from (files, build ids) for pprof's mappings; may be NULL */
	const struct symbolizer *sym;
};

/* "folded", "svg" or "pprof" to *out: 0, or -EINVAL for anything else. */
int sink__parse_format(const char *s, enum sink_format *out);

/* The format a path's suffix implies: .svg, .pb.gz or .pprof, else folded. */
enum sink_format sink__format_of_path(const char *path);

const char *sink__format_name(enum sink_format fmt);

/*
 * A flame graph's title ("CPU flame graph", by m->clock) and subtitle
 * (target, event and rate, start, duration, total) for a profile of total.
 */
void sink__titles(const struct profile_meta *m, __u64 total, char *title, size_t tlen, char *sub,
		  size_t slen);

/* Write set to f in fmt. 0, -ENOMEM, -EIO. */
int sink__write(FILE *f, enum sink_format fmt, struct stack_set *set, const struct profile_meta *m);

#endif /* VIGIL_SINK_H */
