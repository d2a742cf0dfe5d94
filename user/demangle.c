// SPDX-License-Identifier: GPL-2.0
/* demangle.c: libiberty's C++ and Rust demanglers behind a cache of interned names. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <libiberty/demangle.h>
#include "demangle.h"
#include "strtab.h"

/* As perf and gdb show C++ names: parameter lists, const and volatile, template arguments. */
#define DEMANGLE_OPTS (DMGL_PARAMS | DMGL_ANSI)

#define CACHE_MIN 256 /* slots at first; a power of two */

/* One mangled name seen before; raw and out are interned. */
struct dm_entry {
	const char *raw; /* NULL: an empty slot */
	const char *out;
	unsigned long long hash;
};

struct demangler {
	struct strtab *strs;

	struct dm_entry *slots; /* open addressing, linear probing */
	size_t cap, count;

	char *buf; /* libiberty's output, gathered piece by piece */
	size_t len, buf_cap;
	bool oom;

	struct demangler_stats stats;
};

/* A C++ (_Z) or Rust (_Z legacy, _R v0) name; anything else never reaches libiberty. */
static bool looks_mangled(const char *raw)
{
	return raw[0] == '_' && (raw[1] == 'Z' || raw[1] == 'R');
}

struct demangler *demangler__new(struct strtab *strs)
{
	struct demangler *d = calloc(1, sizeof(*d));

	if (!d)
		goto err;
	d->strs = strs;
	d->cap = CACHE_MIN;
	d->slots = calloc(d->cap, sizeof(*d->slots));
	if (!d->slots)
		goto err;
	return d;
err:
	demangler__free(d);
	errno = ENOMEM;
	return NULL;
}

void demangler__free(struct demangler *d)
{
	if (!d)
		return;
	free(d->buf);
	free(d->slots);
	free(d);
}

void demangler__stats(const struct demangler *d, struct demangler_stats *out)
{
	*out = d->stats;
}

/* ------------------------------------------------------------------------
 * libiberty
 * ------------------------------------------------------------------------ */

/* libiberty's callback: append a piece of the demangled name to d->buf, kept NUL-terminated. */
static void buf_append(const char *piece, size_t len, void *opaque)
{
	struct demangler *d = opaque;
	size_t cap = d->buf_cap ? d->buf_cap : 256;
	char *bigger;

	if (d->oom)
		return;
	while (cap < d->len + len + 1)
		cap *= 2;
	if (cap != d->buf_cap) {
		bigger = realloc(d->buf, cap);
		if (!bigger) {
			d->oom = true;
			return;
		}
		d->buf = bigger;
		d->buf_cap = cap;
	}
	memcpy(d->buf + d->len, piece, len);
	d->len += len;
	d->buf[d->len] = '\0';
}

/*
 * Demangle raw into d->buf: 0, -EINVAL when neither demangler reads it, or
 * -ENOMEM. Rust goes first because its legacy names are also valid C++
 * names (core::fmt::write::h0123456789abcdef to a C++ demangler); libiberty
 * takes a _ZN name for Rust only when it ends in a 17h<16 hex digits>E hash.
 * The callbacks write into one buffer, so nothing is allocated per name.
 */
static int demangle_into(struct demangler *d, const char *raw)
{
	int ok;

	d->len = 0;
	d->oom = false;
	ok = rust_demangle_callback(raw, DEMANGLE_OPTS, buf_append, d);
	if (!ok && !d->oom && raw[1] == 'Z') {
		d->len = 0; /* a failed attempt may have written part of a name */
		ok = cplus_demangle_v3_callback(raw, DEMANGLE_OPTS, buf_append, d);
	}
	if (d->oom)
		return -ENOMEM;
	if (!ok || !d->len)
		return -EINVAL;
	return 0;
}

/* ------------------------------------------------------------------------
 * The cache: mangled name -> interned name to show
 * ------------------------------------------------------------------------ */

static int cache_grow(struct demangler *d)
{
	size_t cap = d->cap * 2;
	struct dm_entry *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < d->cap; i++) {
		size_t j;

		if (!d->slots[i].raw)
			continue;
		j = d->slots[i].hash & (cap - 1);
		while (slots[j].raw)
			j = (j + 1) & (cap - 1);
		slots[j] = d->slots[i];
	}
	free(d->slots);
	d->slots = slots;
	d->cap = cap;
	return 0;
}

/* The slot holding raw, or the empty slot where it goes. */
static struct dm_entry *cache_slot(struct demangler *d, const char *raw, unsigned long long hash)
{
	size_t i = hash & (d->cap - 1);

	for (; d->slots[i].raw; i = (i + 1) & (d->cap - 1)) {
		if (d->slots[i].hash == hash && !strcmp(d->slots[i].raw, raw))
			break;
	}
	return &d->slots[i];
}

/* Demangle a name not seen before and fill its empty slot e. */
static const char *cache_fill(struct demangler *d, struct dm_entry *e, const char *raw,
			      unsigned long long hash)
{
	const char *key, *out;
	int err;

	key = strtab__intern(d->strs, raw);
	if (!key)
		return NULL;
	err = demangle_into(d, raw);
	if (err == -ENOMEM)
		return NULL;
	out = err ? key : strtab__intern_len(d->strs, d->buf, d->len);
	if (!out)
		return NULL;
	if (err)
		d->stats.kept_raw++;
	else
		d->stats.demangled++;
	e->raw = key;
	e->out = out;
	e->hash = hash;
	d->count++;
	return out;
}

const char *demangler__name(struct demangler *d, const char *raw)
{
	unsigned long long hash;
	struct dm_entry *e;

	if (!looks_mangled(raw))
		return strtab__intern(d->strs, raw);
	if ((d->count + 1) * 2 > d->cap && cache_grow(d))
		return NULL;
	hash = vigil_hash_bytes(raw, strlen(raw), 0);
	e = cache_slot(d, raw, hash);
	if (e->raw) {
		d->stats.cache_hits++;
		return e->out;
	}
	return cache_fill(d, e, raw, hash);
}
