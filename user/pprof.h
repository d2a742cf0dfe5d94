/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pprof.h: the pprof sink: a profile as gzip-compressed profile.proto
 * (proto/profile.proto), which go tool pprof, Pyroscope, Parca, Grafana and
 * speedscope read.
 *
 * Every stack with a value becomes one Sample whose locations are its
 * frames, leaf first, all of them (the process and thread name frame
 * too), so the stacks read back are the folded ones. Each distinct frame
 * name, with the mapping it came from, is one Function (name and
 * system_name: the frame's text) and one Location holding one Line.
 *
 * Sample types by the values' unit: samples (on-CPU) give samples/count
 * and cpu/nanoseconds (a sample being 1/freq s), with period cpu/nanoseconds
 * 1e9/freq; us or ns give off_cpu/nanoseconds (clock "off"),
 * wall/nanoseconds (clock "wall", with period 1e9/freq) or cpu/nanoseconds,
 * in nanoseconds. With a symbolizer,
 * frames it named have the Mapping of their file (path, build id, the
 * range it was mapped at) and an address in it; kernel frames (suffixed
 * "_[k]") map to [kernel.kallsyms]. Names two files produced, names from
 * a folded file (no symbolizer) and the root frames have no mapping.
 */
#ifndef VIGIL_PPROF_H
#define VIGIL_PPROF_H

#include <stdio.h>

struct stack_set;
struct profile_meta;

/* Write set to f as gzip-compressed pprof (m NULL: samples, nothing known). 0, -ENOMEM, -EIO. */
int pprof__write(FILE *f, struct stack_set *set, const struct profile_meta *m);

#endif /* VIGIL_PPROF_H */
