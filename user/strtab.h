/* SPDX-License-Identifier: GPL-2.0 */
/* strtab.h: interned strings, so equal names share one pointer for the life of the table. */
#ifndef VIGIL_STRTAB_H
#define VIGIL_STRTAB_H

#include <stddef.h>

struct strtab;

struct strtab *strtab__new(void);
void strtab__free(struct strtab *t);

/* The table's copy of the first len bytes of s (NUL added); NULL when out of memory. */
const char *strtab__intern_len(struct strtab *t, const char *s, size_t len);
const char *strtab__intern(struct strtab *t, const char *s);

/* The table's copy of s (of its first len bytes), if it holds one; NULL otherwise. */
const char *strtab__find_len(const struct strtab *t, const char *s, size_t len);
const char *strtab__find(const struct strtab *t, const char *s);

/* Number of distinct strings held. */
size_t strtab__count(const struct strtab *t);

/* A fast 64-bit hash of bytes, also used by the profile's stack table and the caches. */
unsigned long long vigil_hash_bytes(const void *p, size_t len, unsigned long long seed);

#endif /* VIGIL_STRTAB_H */
