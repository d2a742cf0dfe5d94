// SPDX-License-Identifier: GPL-2.0
/* pprof.c: a profile as profile.proto, packed by protobuf-c's generated code, gzipped by zlib. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "profile.pb-c.h"
#include "pprof.h"
#include "sink.h"
#include "stacks.h"
#include "strtab.h"
#include "symbolizer.h"
#include "util.h"

#define KERNEL_SUFFIX "_[k]" /* profile.c's mark of a kernel frame */
#define NS_PER_S      1000000000ULL
#define GZ_CHUNK      (64 * 1024)
#define MAP_KEY_WORDS 5

typedef Perftools__Profiles__Profile Profile;
typedef Perftools__Profiles__ValueType ValueType;
typedef Perftools__Profiles__Sample Sample;
typedef Perftools__Profiles__Mapping Mapping;
typedef Perftools__Profiles__Location Location;
typedef Perftools__Profiles__Line Line;
typedef Perftools__Profiles__Function Function;

/* ------------------------------------------------------------------------
 * A hash map of a few words to a number (0: absent)
 * ------------------------------------------------------------------------ */

struct map_slot {
	__u64 key[MAP_KEY_WORDS];
	__u64 value; /* 0: an empty slot */
};

struct map {
	struct map_slot *slots; /* open addressing, linear probing */
	size_t cap, count;
};

static size_t map_index(const struct map *mp, const __u64 *key)
{
	return vigil_hash_bytes(key, MAP_KEY_WORDS * sizeof(*key), 0) & (mp->cap - 1);
}

/* The slot of key, or the empty one where it would go; the map has slots. */
static struct map_slot *map_probe(const struct map *mp, const __u64 *key)
{
	size_t i = map_index(mp, key);

	while (mp->slots[i].value && memcmp(mp->slots[i].key, key, sizeof(mp->slots[i].key)))
		i = (i + 1) & (mp->cap - 1);
	return &mp->slots[i];
}

static __u64 map_find(const struct map *mp, const __u64 *key)
{
	return mp->cap ? map_probe(mp, key)->value : 0;
}

/* Set key's value (not 0). 0 or -ENOMEM. */
static int map_put(struct map *mp, const __u64 *key, __u64 value)
{
	struct map_slot *sl;

	if ((mp->count + 1) * 2 > mp->cap) {
		struct map old = *mp;

		mp->cap = old.cap ? 2 * old.cap : 1024;
		mp->slots = calloc(mp->cap, sizeof(*mp->slots));
		if (!mp->slots) {
			*mp = old;
			return -ENOMEM;
		}
		for (size_t i = 0; i < old.cap; i++) {
			if (old.slots[i].value)
				*map_probe(mp, old.slots[i].key) = old.slots[i];
		}
		free(old.slots);
	}
	sl = map_probe(mp, key);
	mp->count += !sl->value;
	memcpy(sl->key, key, sizeof(sl->key));
	sl->value = value;
	return 0;
}

static void map_free(struct map *mp)
{
	free(mp->slots);
}

/* The key of a pointer and a number. */
static const __u64 *key2(__u64 *key, const void *p, __u64 n)
{
	memset(key, 0, MAP_KEY_WORDS * sizeof(*key));
	key[0] = (__u64)(uintptr_t)p;
	key[1] = n;
	return key;
}

/* ------------------------------------------------------------------------
 * The profile being built
 * ------------------------------------------------------------------------ */

/* One Function and the one Location that shows it, ids i + 1 for the i-th. */
struct func {
	Function fn;
	Location loc;
	Line line;
	Line *lines[1];
};

struct writer {
	const struct profile_meta *m;

	struct strtab *strs; /* a copy of every string of the table */
	struct map str_ids;  /* the copy's pointer: its index + 1 */
	char **strings;
	size_t nr_strings, cap_strings;

	struct map frames; /* (frame name of the set, root or not): location id */
	struct map funcs;  /* (frame name of the set, mapping id): location id */
	struct func *funcs_v;
	size_t nr_funcs, cap_funcs;

	struct map map_ids; /* (path, build id, start, limit, offset) of an origin: mapping id */
	Mapping *maps_v;
	size_t nr_maps, cap_maps;

	char *buf; /* a kernel frame's name without its suffix */
	size_t buf_cap;
};

/* Grow *v of *cap elements of size each to hold n + 1. */
static int reserve(void **v, size_t n, size_t *cap, size_t size)
{
	size_t new_cap = *cap ? 2 * *cap : 256;
	void *bigger;

	if (n < *cap)
		return 0;
	while (new_cap <= n)
		new_cap *= 2;
	bigger = realloc(*v, new_cap * size);
	if (!bigger)
		return -ENOMEM;
	*v = bigger;
	*cap = new_cap;
	return 0;
}

/* The index of s in the string table, added if new; -1 when out of memory. */
static long long str_index(struct writer *w, const char *s)
{
	const char *copy;
	__u64 key[MAP_KEY_WORDS], v;

	/* profile.proto's strings must be UTF-8 (protoc refuses the file otherwise) */
	if (utf8_clean(s)) {
		copy = strtab__intern(w->strs, s);
	} else {
		char *clean = utf8_sanitize(s);

		copy = clean ? strtab__intern(w->strs, clean) : NULL;
		free(clean);
	}
	if (!copy)
		return -1;
	v = map_find(&w->str_ids, key2(key, copy, 0));
	if (v)
		return (long long)v - 1;
	if (reserve((void **)&w->strings, w->nr_strings, &w->cap_strings, sizeof(*w->strings)) ||
	    map_put(&w->str_ids, key, w->nr_strings + 1))
		return -1;
	w->strings[w->nr_strings] = (char *)copy; /* protobuf-c's type; packing only reads it */
	return (long long)w->nr_strings++;
}

/* The id of the Mapping of an origin, added if new; 0 when out of memory. */
static __u64 mapping_id(struct writer *w, const struct symbolizer_origin *o)
{
	__u64 key[MAP_KEY_WORDS] = {(__u64)(uintptr_t)o->path, (__u64)(uintptr_t)o->build_id,
				    o->start, o->limit, o->offset};
	__u64 id = map_find(&w->map_ids, key);
	long long file, build_id;
	Mapping *mp;

	if (id)
		return id;
	file = str_index(w, o->path);
	build_id = str_index(w, o->build_id ? o->build_id : "");
	if (file < 0 || build_id < 0 ||
	    reserve((void **)&w->maps_v, w->nr_maps, &w->cap_maps, sizeof(*w->maps_v)) ||
	    map_put(&w->map_ids, key, w->nr_maps + 1))
		return 0;
	mp = &w->maps_v[w->nr_maps++];
	perftools__profiles__mapping__init(mp);
	mp->id = w->nr_maps;
	mp->memory_start = o->start;
	mp->memory_limit = o->limit;
	mp->file_offset = o->offset;
	mp->filename = file;
	mp->build_id = build_id;
	mp->has_functions = true; /* until a frame named FILE+0xOFFSET says otherwise */
	return mp->id;
}

/*
 * Where frame name came from: its Mapping's id and an address in it, or
 * 0 (none known, or no symbolizer). 0 or -ENOMEM.
 */
static int origin_of(struct writer *w, const char *name, __u64 *mapping, __u64 *addr)
{
	size_t len = strlen(name), suffix = strlen(KERNEL_SUFFIX);
	bool kernel = len > suffix && !strcmp(name + len - suffix, KERNEL_SUFFIX);
	struct symbolizer_origin o;

	*mapping = *addr = 0;
	if (!w->m->sym)
		return 0;
	if (kernel) {
		if (reserve((void **)&w->buf, len, &w->buf_cap, 1))
			return -ENOMEM;
		memcpy(w->buf, name, len - suffix);
		w->buf[len - suffix] = '\0';
		name = w->buf;
	}
	if (!symbolizer__origin(w->m->sym, name, kernel, &o))
		return 0;
	*mapping = mapping_id(w, &o);
	if (!*mapping)
		return -ENOMEM;
	if (!o.symbol)
		w->maps_v[*mapping - 1].has_functions = false;
	*addr = o.addr;
	return 0;
}

/*
 * The id of the Location of frame name (interned in the set's table), the
 * root frame (a process or thread: no file's) or not; added with its
 * Function when new. 0 when out of memory.
 */
static __u64 location_id(struct writer *w, const char *name, bool root)
{
	__u64 frame_key[MAP_KEY_WORDS], key[MAP_KEY_WORDS], mapping = 0, addr = 0, id;
	long long name_index;
	struct func *fc;

	id = map_find(&w->frames, key2(frame_key, name, root));
	if (id)
		return id;
	if (!root && origin_of(w, name, &mapping, &addr))
		return 0;
	id = map_find(&w->funcs, key2(key, name, mapping));
	if (!id) {
		name_index = str_index(w, name);
		if (name_index < 0 ||
		    reserve((void **)&w->funcs_v, w->nr_funcs, &w->cap_funcs,
			    sizeof(*w->funcs_v)) ||
		    map_put(&w->funcs, key, w->nr_funcs + 1))
			return 0;
		fc = &w->funcs_v[w->nr_funcs++];
		id = w->nr_funcs;
		perftools__profiles__function__init(&fc->fn);
		fc->fn.id = id;
		fc->fn.name = name_index;
		fc->fn.system_name = name_index;
		perftools__profiles__line__init(&fc->line);
		fc->line.function_id = id;
		perftools__profiles__location__init(&fc->loc);
		fc->loc.id = id;
		fc->loc.mapping_id = mapping;
		fc->loc.address = addr;
	}
	return map_put(&w->frames, frame_key, id) ? 0 : id;
}

static void writer_free(struct writer *w)
{
	strtab__free(w->strs);
	map_free(&w->str_ids);
	map_free(&w->frames);
	map_free(&w->funcs);
	map_free(&w->map_ids);
	free(w->strings);
	free(w->funcs_v);
	free(w->maps_v);
	free(w->buf);
}

/* ------------------------------------------------------------------------
 * Sample types
 * ------------------------------------------------------------------------ */

/* What the values are, by the meta's unit and clock. */
struct kinds {
	const char *type[2], *unit[2];
	int n;		   /* sample types: 1 or 2 */
	__u64 mult[2];	   /* a value of the set is worth this much of each type */
	const char *ptype; /* period type; NULL: no period */
	__u64 period;
	const char *dflt; /* the default sample type */
};

static void kinds_of(const struct profile_meta *m, struct kinds *k)
{
	const char *unit = m->unit ? m->unit : "samples";
	const char *clock = m->clock ? m->clock : "cpu";

	memset(k, 0, sizeof(*k));
	k->n = 1;
	k->mult[0] = 1;
	if (!strcmp(unit, "samples")) {
		k->type[0] = "samples", k->unit[0] = "count";
		k->dflt = "samples";
		if (m->freq) {
			/* a sample stands for 1/freq s of CPU, as go's runtime/pprof counts it */
			k->n = 2;
			k->type[1] = "cpu", k->unit[1] = "nanoseconds";
			k->mult[1] = k->period = NS_PER_S / m->freq;
			k->ptype = k->dflt = "cpu";
		}
		return;
	}
	if (strcmp(unit, "us") && strcmp(unit, "ns")) {
		k->type[0] = "value", k->unit[0] = unit; /* not one vigil writes: as it is */
		k->dflt = "value";
		return;
	}
	k->mult[0] = !strcmp(unit, "us") ? 1000 : 1;
	/* time on the CPU clock (a converted profile) is CPU time */
	k->type[0] = !strcmp(clock, "off") ? "off_cpu" : !strcmp(clock, "wall") ? "wall" : "cpu";
	k->unit[0] = "nanoseconds";
	k->dflt = k->type[0];
	if (!strcmp(clock, "wall") && m->freq) {
		k->ptype = "wall";
		k->period = NS_PER_S / m->freq;
	}
}

/* ------------------------------------------------------------------------
 * Packing, through gzip, to the file
 * ------------------------------------------------------------------------ */

/* protobuf-c's output, gathered into in[] and deflated to f chunk by chunk. */
struct gz_buffer {
	ProtobufCBuffer base;
	z_stream z;
	FILE *f;
	int err;
	size_t used;
	unsigned char in[GZ_CHUNK], out[GZ_CHUNK];
};

/* Deflate what in[] holds (to the end with Z_FINISH) and write it out. */
static void gz_flush(struct gz_buffer *g, int flush)
{
	int ret;

	g->z.next_in = g->in;
	g->z.avail_in = g->used;
	do {
		size_t have;

		g->z.next_out = g->out;
		g->z.avail_out = sizeof(g->out);
		ret = deflate(&g->z, flush);
		if (ret == Z_STREAM_ERROR) {
			g->err = -EIO;
			return;
		}
		have = sizeof(g->out) - g->z.avail_out;
		if (have && fwrite(g->out, 1, have, g->f) != have) {
			g->err = -EIO;
			return;
		}
	} while (g->z.avail_out == 0 || (flush == Z_FINISH && ret != Z_STREAM_END));
	g->used = 0;
}

static void gz_append(ProtobufCBuffer *buffer, size_t len, const uint8_t *data)
{
	struct gz_buffer *g = (struct gz_buffer *)buffer;

	while (len && !g->err) {
		size_t n = sizeof(g->in) - g->used < len ? sizeof(g->in) - g->used : len;

		memcpy(g->in + g->used, data, n);
		g->used += n;
		data += n;
		len -= n;
		if (g->used == sizeof(g->in))
			gz_flush(g, Z_NO_FLUSH);
	}
}

/* Pack p into f, gzipped. 0, -ENOMEM or -EIO. */
static int write_gzipped(FILE *f, const Profile *p)
{
	struct gz_buffer *g = calloc(1, sizeof(*g));
	int err;

	if (!g)
		return -ENOMEM;
	g->base.append = gz_append;
	g->f = f;
	/* windowBits 15 + 16: a gzip header and trailer around the deflate stream */
	if (deflateInit2(&g->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		free(g);
		return -ENOMEM;
	}
	protobuf_c_message_pack_to_buffer(&p->base, &g->base);
	if (!g->err)
		gz_flush(g, Z_FINISH);
	err = g->err;
	deflateEnd(&g->z);
	free(g);
	if (!err && (fflush(f) || ferror(f)))
		err = -EIO;
	return err;
}

/* ------------------------------------------------------------------------
 * The profile
 * ------------------------------------------------------------------------ */

/* "vigil profile: pid 42 (demo_work), clock cpu, cpu-clock at 99 Hz" */
static void describe(const struct profile_meta *m, char *buf, size_t size)
{
	size_t n;

	n = snprintf(buf, size, "%s: %s", m->command ? m->command : "vigil",
		     m->target ? m->target : "unknown target");
	if (m->clock && n < size)
		n += snprintf(buf + n, size - n, ", clock %s", m->clock);
	if (m->event && n < size)
		n += snprintf(buf + n, size - n, ", %s", m->event);
	if (m->freq && n < size)
		snprintf(buf + n, size - n, " at %u Hz", m->freq);
}

/* The samples' arrays, one allocation each. */
struct samples {
	Sample *v;
	Sample **ptrs;
	uint64_t *locs;
	int64_t *values;
	size_t n;
};

static int add_samples(struct writer *w, struct stack **sorted, size_t count, const struct kinds *k,
		       struct samples *out)
{
	size_t frames = 0, nl = 0;

	for (size_t i = 0; i < count; i++) {
		if (sorted[i]->value) {
			frames += sorted[i]->depth;
			out->n++;
		}
	}
	out->v = calloc(out->n ? out->n : 1, sizeof(*out->v));
	out->ptrs = calloc(out->n ? out->n : 1, sizeof(*out->ptrs));
	out->locs = calloc(frames ? frames : 1, sizeof(*out->locs));
	out->values = calloc(out->n ? out->n * k->n : 1, sizeof(*out->values));
	if (!out->v || !out->ptrs || !out->locs || !out->values)
		return -ENOMEM;
	out->n = 0;
	for (size_t i = 0; i < count; i++) {
		const struct stack *st = sorted[i];
		Sample *s;

		if (!st->value)
			continue; /* rounded to nothing (stack_set__scale) */
		s = &out->v[out->n];
		perftools__profiles__sample__init(s);
		s->location_id = out->locs + nl;
		s->n_location_id = st->depth;
		/* pprof lists a sample's locations leaf first */
		for (size_t j = 0; j < st->depth; j++) {
			__u64 id = location_id(w, st->frames[j], j == 0);

			if (!id)
				return -ENOMEM;
			s->location_id[st->depth - 1 - j] = id;
		}
		nl += st->depth;
		s->value = out->values + out->n * k->n;
		s->n_value = k->n;
		for (int t = 0; t < k->n; t++) {
			__u64 v;

			/* pprof's values are signed 64-bit numbers */
			if (__builtin_mul_overflow(st->value, (__u64)k->mult[t], &v) ||
			    v > INT64_MAX)
				return -ERANGE;
			s->value[t] = (int64_t)v;
		}
		out->ptrs[out->n++] = s;
	}
	return 0;
}

static void samples_free(struct samples *s)
{
	free(s->v);
	free(s->ptrs);
	free(s->locs);
	free(s->values);
}

/* The string indexes of a value type; -ENOMEM. */
static int value_type(struct writer *w, ValueType *vt, const char *type, const char *unit)
{
	long long t = str_index(w, type), u = str_index(w, unit);

	perftools__profiles__value_type__init(vt);
	if (t < 0 || u < 0)
		return -ENOMEM;
	vt->type = t;
	vt->unit = u;
	return 0;
}

int pprof__write(FILE *f, struct stack_set *set, const struct profile_meta *m)
{
	static const struct profile_meta unknown = {.unit = "samples"};
	struct stack **sorted = stack_set__sorted(set);
	ValueType types[2], ptype, *type_ptrs[2];
	Function **fn_ptrs = NULL;
	Location **loc_ptrs = NULL;
	Mapping **map_ptrs = NULL;
	struct samples samples = {};
	struct writer w = {};
	char comment_text[1024];
	long long comment, dflt;
	int64_t comments[1];
	struct kinds k;
	Profile p;
	int err = -ENOMEM;

	if (!m)
		m = &unknown;
	w.m = m;
	perftools__profiles__profile__init(&p);
	w.strs = strtab__new();
	if (!sorted || !w.strs || str_index(&w, "") != 0)
		goto out;
	kinds_of(m, &k);
	for (int t = 0; t < k.n; t++) {
		if (value_type(&w, &types[t], k.type[t], k.unit[t]))
			goto out;
		type_ptrs[t] = &types[t];
	}
	if (k.ptype && value_type(&w, &ptype, k.ptype, "nanoseconds"))
		goto out;
	describe(m, comment_text, sizeof(comment_text));
	comment = str_index(&w, comment_text);
	dflt = str_index(&w, k.dflt);
	if (comment < 0 || dflt < 0)
		goto out;
	err = add_samples(&w, sorted, stack_set__count(set), &k, &samples);
	if (err)
		goto out;
	err = -ENOMEM;

	/* the arrays are final now: point at their elements */
	fn_ptrs = calloc(w.nr_funcs + 1, sizeof(*fn_ptrs));
	loc_ptrs = calloc(w.nr_funcs + 1, sizeof(*loc_ptrs));
	map_ptrs = calloc(w.nr_maps + 1, sizeof(*map_ptrs));
	if (!fn_ptrs || !loc_ptrs || !map_ptrs)
		goto out;
	for (size_t i = 0; i < w.nr_funcs; i++) {
		struct func *fc = &w.funcs_v[i];

		fn_ptrs[i] = &fc->fn;
		loc_ptrs[i] = &fc->loc;
		fc->lines[0] = &fc->line;
		fc->loc.line = fc->lines;
		fc->loc.n_line = 1;
	}
	for (size_t i = 0; i < w.nr_maps; i++)
		map_ptrs[i] = &w.maps_v[i];

	p.sample_type = type_ptrs;
	p.n_sample_type = k.n;
	p.sample = samples.ptrs;
	p.n_sample = samples.n;
	p.mapping = map_ptrs;
	p.n_mapping = w.nr_maps;
	p.location = loc_ptrs;
	p.n_location = w.nr_funcs;
	p.function = fn_ptrs;
	p.n_function = w.nr_funcs;
	p.string_table = w.strings;
	p.n_string_table = w.nr_strings;
	if (m->start > 0)
		p.time_nanos = (int64_t)m->start * (int64_t)NS_PER_S;
	p.duration_nanos = (int64_t)m->duration_ns;
	if (k.ptype) {
		p.period_type = &ptype;
		p.period = (int64_t)k.period;
	}
	comments[0] = comment;
	p.comment = comments;
	p.n_comment = 1;
	p.default_sample_type = dflt;
	err = write_gzipped(f, &p);
out:
	free(fn_ptrs);
	free(loc_ptrs);
	free(map_ptrs);
	samples_free(&samples);
	writer_free(&w);
	return err;
}
