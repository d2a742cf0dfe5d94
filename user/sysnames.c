// SPDX-License-Identifier: GPL-2.0
/* sysnames.c: syscall names and numbers, both ways. */
#include <stddef.h>
#include <string.h>
#include "sysnames.h"

#define SYSCALL64(nr, name) [nr] = name,
#define SYSCALL32(nr, name)
static const char *const names64[] = {
#include "syscall_names.h"
};
#undef SYSCALL64
#undef SYSCALL32
#define SYSCALL64(nr, name)
#define SYSCALL32(nr, name) [nr] = name,
static const char *const names32[] = {
#include "syscall_names.h"
};
#undef SYSCALL64
#undef SYSCALL32

#define N64 ((int)(sizeof(names64) / sizeof(names64[0])))
#define N32 ((int)(sizeof(names32) / sizeof(names32[0])))

const char *sysnames__name(int nr, bool compat)
{
	if (nr < 0 || nr >= (compat ? N32 : N64))
		return NULL;
	return compat ? names32[nr] : names64[nr];
}

int sysnames__nr(const char *name)
{
	for (int nr = 0; nr < N64; nr++)
		if (names64[nr] && !strcmp(names64[nr], name))
			return nr;
	return -1;
}

int sysnames__count(void)
{
	return N64;
}
