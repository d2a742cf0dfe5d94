/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksyms.h: kernel addresses to function names, from /proc/kallsyms.
 *
 * The table is read at the first lookup and read again, at most once per
 * second, when an address misses it (a module or BPF program loaded
 * since). Hidden addresses (kernel.kptr_restrict) or an unreadable file
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

/* Read path, a file in /proc/kallsyms's format, instead; call before the first lookup. */
int ksyms__set_kallsyms(struct ksyms *k, const char *path);

/*
 * The function holding kernel address addr: 0 and *name set (valid until
 * the next lookup, which may read the table again), -ENOENT when no symbol
 * names it, -ENOMEM.
 */
int ksyms__lookup(struct ksyms *k, __u64 addr, const char **name);

#endif /* VIGIL_KSYMS_H */
