// SPDX-License-Identifier: GPL-2.0
/* strtab.c: an open-addressing hash set of strings with pointer-stable storage. */
#include <errno.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <linux/types.h>
#include "strtab.h"

#define CHUNK_SIZE (64 * 1024)

struct chunk {
	struct chunk *next;
	size_t used, size;
	char data[];
};

/* A slot keeps its string's hash and length, so probes and growth never touch other strings. */
struct slot {
	const char *s; /* NULL: empty */
	__u32 hash;    /* the low 32 bits of the string's hash */
	__u32 len;
};

struct strtab {
	struct slot *slots; /* open addressing, linear probing */
	size_t cap, count;
	struct chunk *chunks;
};

static inline unsigned long long mix(unsigned long long h)
{
	h ^= h >> 32;
	h *= 0xd6e8feb86659fd93ULL;
	h ^= h >> 32;
	return h;
}

/*
 * Eight bytes at a time, each multiplied in; a final mix spreads every
 * input bit over the low bits that index the tables. Not cryptographic:
 * the inputs are names and addresses vigil reads, not chosen by a peer.
 */
unsigned long long vigil_hash_bytes(const void *p, size_t len, unsigned long long seed)
{
	const unsigned char *b = p;
	unsigned long long h = 0x9e3779b97f4a7c15ULL ^ seed ^ (len * 0xff51afd7ed558ccdULL);
	unsigned long long w;

	for (; len >= 8; b += 8, len -= 8) {
		memcpy(&w, b, 8);
		h = (h ^ w) * 0x9fb21c651e98df25ULL;
		h ^= h >> 29;
	}
	if (len) {
		w = 0;
		memcpy(&w, b, len);
		h = (h ^ w) * 0x9fb21c651e98df25ULL;
	}
	return mix(h);
}

struct strtab *strtab__new(void)
{
	struct strtab *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->cap = 1024;
	t->slots = calloc(t->cap, sizeof(*t->slots));
	if (!t->slots) {
		free(t);
		return NULL;
	}
	return t;
}

void strtab__free(struct strtab *t)
{
	struct chunk *c, *next;

	if (!t)
		return;
	for (c = t->chunks; c; c = next) {
		next = c->next;
		free(c);
	}
	free(t->slots);
	free(t);
}

size_t strtab__count(const struct strtab *t)
{
	return t->count;
}

static int grow(struct strtab *t)
{
	size_t cap = t->cap * 2;
	struct slot *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < t->cap; i++) {
		size_t j;

		if (!t->slots[i].s)
			continue;
		j = t->slots[i].hash & (cap - 1);
		while (slots[j].s)
			j = (j + 1) & (cap - 1);
		slots[j] = t->slots[i];
	}
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
	return 0;
}

static char *store(struct strtab *t, const char *s, size_t len)
{
	struct chunk *c = t->chunks;
	char *p;

	if (!c || c->size - c->used < len + 1) {
		size_t size = len + 1 > CHUNK_SIZE ? len + 1 : CHUNK_SIZE;

		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->size = size;
		c->used = 0;
		c->next = t->chunks;
		t->chunks = c;
	}
	p = c->data + c->used;
	memcpy(p, s, len);
	p[len] = '\0';
	c->used += len + 1;
	return p;
}

const char *strtab__find_len(const struct strtab *t, const char *s, size_t len)
{
	__u32 hash;
	size_t i;

	if (len > UINT32_MAX)
		return NULL;
	hash = (__u32)vigil_hash_bytes(s, len, 0);
	for (i = hash & (t->cap - 1); t->slots[i].s; i = (i + 1) & (t->cap - 1)) {
		const struct slot *sl = &t->slots[i];

		if (sl->hash == hash && sl->len == len && !memcmp(sl->s, s, len))
			return sl->s;
	}
	return NULL;
}

const char *strtab__find(const struct strtab *t, const char *s)
{
	return strtab__find_len(t, s, strlen(s));
}

const char *strtab__intern_len(struct strtab *t, const char *s, size_t len)
{
	__u32 hash;
	size_t i;
	char *p;

	if (len > UINT32_MAX)
		return NULL;
	if ((t->count + 1) * 2 > t->cap && grow(t))
		return NULL;
	hash = (__u32)vigil_hash_bytes(s, len, 0);
	/* the table's capacity stays below 2^32 slots, so the low 32 bits index it */
	i = hash & (t->cap - 1);
	for (; t->slots[i].s; i = (i + 1) & (t->cap - 1)) {
		const struct slot *sl = &t->slots[i];

		if (sl->hash == hash && sl->len == len && !memcmp(sl->s, s, len))
			return sl->s;
	}
	p = store(t, s, len);
	if (!p)
		return NULL;
	t->slots[i] = (struct slot){.s = p, .hash = hash, .len = (__u32)len};
	t->count++;
	return p;
}

const char *strtab__intern(struct strtab *t, const char *s)
{
	return strtab__intern_len(t, s, strlen(s));
}
