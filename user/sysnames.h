/* SPDX-License-Identifier: GPL-2.0 */
/* sysnames.h: syscall names and numbers, from the build machine's asm/unistd_{64,32}.h. */
#ifndef VIGIL_SYSNAMES_H
#define VIGIL_SYSNAMES_H

#include <stdbool.h>

/* The name of syscall nr (compat: as i386 numbers them), or NULL when unknown. */
const char *sysnames__name(int nr, bool compat);

/* The 64-bit number of the syscall called name, or -1. */
int sysnames__nr(const char *name);

/* One more than the highest 64-bit syscall number known. */
int sysnames__count(void);

#endif /* VIGIL_SYSNAMES_H */
