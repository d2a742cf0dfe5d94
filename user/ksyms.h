/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksyms.h: kernel addresses to function names, from /proc/kallsyms.
 *
 * kallsyms gives no sizes. Core kernel text keeps the rule that a symbol
 * covers up to the next one (up to _etext, or _einittext, for the last).
 * Module and BPF code is named only inside the ranges the kernel gives
 * for it: a BPF program covers exactly its JITed length (from bpf(2)), a
 * module's function ends at the next symbol or at the module's end (from
 * /proc/modules). An address outside them is a miss, as one below every
 * symbol is, not the function before it: it may belong to a program or
 * module loaded since, so a miss reads everything again, at most once a
 * second. Hidden addresses (kernel.kptr_restrict) or an unreadable file
 * make every lookup a miss, said once when warnings are on.
 */
#ifndef VIGIL_KSYMS_H
#define VIGIL_KSYMS_H

#include <stdbool.h>
#include <linux/types.h>

struct ksyms;

/* An empty table, read at the first lookup; warn: print one-line warnings. NULL: ENOMEM. */
struct ksyms *ksyms__new(bool warn);
void ksyms__free(struct ksyms *k);

/*
 * Read path, a file in /proc/kallsyms's format, instead of /proc/kallsyms.
 * Such a file is of another time or machine: bpf(2) and /proc/modules are
 * not asked about it, so its BPF and module symbols end at the next symbol
 * unless ksyms__add_bpf_range() and ksyms__set_modules() say more. Call
 * before the first lookup. 0 or -ENOMEM.
 */
int ksyms__set_kallsyms(struct ksyms *k, const char *path);

/* Read module ranges from path, a file in /proc/modules's format; 0 or -ENOMEM. */
int ksyms__set_modules(struct ksyms *k, const char *path);

/*
 * A JITed BPF function at addr, len bytes long, used instead of what bpf(2)
 * lists; a [bpf] program symbol with no such range is dropped. 0 or -ENOMEM.
 */
int ksyms__add_bpf_range(struct ksyms *k, __u64 addr, __u32 len);

/*
 * The function holding kernel address addr: 0 and *name set (valid until
 * the next lookup, which may read the table again), -ENOENT when no symbol
 * names it, -ENOMEM.
 */
int ksyms__lookup(struct ksyms *k, __u64 addr, const char **name);

/*
 * ksyms__lookup(), and on success the symbol's number in the table held
 * now in *index (index may be NULL): below ksyms__size(), one per symbol.
 * A new read of kallsyms numbers them anew; ksyms__generation() then
 * changes.
 */
int ksyms__lookup_index(struct ksyms *k, __u64 addr, const char **name, size_t *index);
size_t ksyms__size(const struct ksyms *k);
unsigned long ksyms__generation(const struct ksyms *k);

/* Read the kernel's symbols now, if not read yet, rather than at the first lookup. 0 or -ENOMEM. */
int ksyms__load(struct ksyms *k);

/*
 * Where the core kernel's code lies, as the last read of kallsyms says:
 * [_text, _etext) (_stext when there is no _text). Modules, BPF programs
 * and init text lie outside it. 0, or -ENOENT when not read or not known.
 */
int ksyms__core_text(const struct ksyms *k, __u64 *start, __u64 *end);

/* Counters for tests. */
struct ksyms_stats {
	unsigned long reads;	     /* reads of kallsyms (with its ranges), the failed ones too */
	unsigned long reads_skipped; /* misses no new BPF program or module could explain */
};

void ksyms__stats(const struct ksyms *k, struct ksyms_stats *out);

#endif /* VIGIL_KSYMS_H */
