// SPDX-License-Identifier: GPL-2.0
/* strtab.c: an open-addressing hash set of strings with pointer-stable storage. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "strtab.h"

#define CHUNK_SIZE (64 * 1024)

struct chunk {
	struct chunk *next;
	size_t used, size;
	char data[];
};

struct strtab {
	const char **slots; /* open addressing, linear probing */
	size_t cap, count;
	struct chunk *chunks;
};

unsigned long long vigil_hash_bytes(const void *p, size_t len, unsigned long long seed)
{
	const unsigned char *b = p;
	unsigned long long h = 1469598103934665603ULL ^ seed;

	for (size_t i = 0; i < len; i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	return h;
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
	const char **slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < t->cap; i++) {
		const char *s = t->slots[i];
		size_t j;

		if (!s)
			continue;
		j = vigil_hash_bytes(s, strlen(s), 0) & (cap - 1);
		while (slots[j])
			j = (j + 1) & (cap - 1);
		slots[j] = s;
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

const char *strtab__intern_len(struct strtab *t, const char *s, size_t len)
{
	size_t i;
	char *p;

	if ((t->count + 1) * 2 > t->cap && grow(t))
		return NULL;
	i = vigil_hash_bytes(s, len, 0) & (t->cap - 1);
	for (; t->slots[i]; i = (i + 1) & (t->cap - 1)) {
		if (!strncmp(t->slots[i], s, len) && t->slots[i][len] == '\0')
			return t->slots[i];
	}
	p = store(t, s, len);
	if (!p)
		return NULL;
	t->slots[i] = p;
	t->count++;
	return p;
}

const char *strtab__intern(struct strtab *t, const char *s)
{
	return strtab__intern_len(t, s, strlen(s));
}
