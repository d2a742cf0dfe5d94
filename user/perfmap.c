// SPDX-License-Identifier: GPL-2.0
/* perfmap.c: a process's /tmp/perf-PID.map, parsed once and re-read only where it grew. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "perfmap.h"

/*
 * Lines appended since the last merge are kept apart, in a table that is
 * re-sorted on each read; it is merged into the main table once it holds
 * more than FRESH_MIN lines and an eighth of the main table, so appending
 * a line costs a small sort, and a merge (a copy of the main table) comes
 * once per many lines.
 */
#define FRESH_MIN 4096

#define RANGE_LEN_MAX UINT32_MAX /* an entry longer than 4 GiB is cut there */
#define NO_UID	      ((uid_t)-1)

/* Addresses [start, start + len) named by the string at names + name. */
struct range {
	__u64 start;
	__u32 len;
	__u32 name;
};

struct ranges {
	struct range *v;
	size_t nr, cap;
};

struct perfmap {
	char *paths[2]; /* tried in order; the first that opens is read */
	int nr_paths;
	uid_t owner; /* besides root and vigil's user, the user a map may belong to */

	char *names; /* every name read, NUL-ended, by offset */
	size_t names_len, names_cap;
	struct ranges main;	  /* disjoint, sorted by start */
	struct ranges fresh;	  /* lines read since the last merge, in file order */
	struct ranges fresh_flat; /* fresh, disjoint and sorted; wins over main */

	bool have_file; /* dev, ino, off and size say what was read */
	__u64 dev, ino;
	__u64 off;  /* bytes parsed: up to the end of the last whole line */
	__u64 size; /* the file's size at the last read */

	struct perfmap_stats stats;
};

/* ------------------------------------------------------------------------
 * Range tables
 * ------------------------------------------------------------------------ */

static __u64 range_end(const struct range *r)
{
	return r->start + r->len;
}

static int ranges_push(struct ranges *rs, __u64 start, __u32 len, __u32 name)
{
	if (rs->nr == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 256;
		struct range *v = realloc(rs->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		rs->v = v;
		rs->cap = cap;
	}
	rs->v[rs->nr++] = (struct range){.start = start, .len = len, .name = name};
	return 0;
}

/* Append to a sorted table, joining a range that continues the last one under its name. */
static int ranges_emit(struct ranges *rs, __u64 start, __u64 len, __u32 name)
{
	struct range *last = rs->nr ? &rs->v[rs->nr - 1] : NULL;

	if (last && last->name == name && range_end(last) == start &&
	    last->len + len <= RANGE_LEN_MAX) {
		last->len += len;
		return 0;
	}
	return ranges_push(rs, start, len, name);
}

static void ranges_free(struct ranges *rs)
{
	free(rs->v);
	*rs = (struct ranges){};
}

/* The range of a sorted, disjoint table that holds addr, or NULL. */
static const struct range *ranges_find(const struct ranges *rs, __u64 addr)
{
	size_t lo = 0, hi = rs->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (rs->v[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!hi || addr - rs->v[hi - 1].start >= rs->v[hi - 1].len)
		return NULL;
	return &rs->v[hi - 1];
}

/* For the sweep: lines by start, and at one start the later line first. */
static int cmp_line_start(const void *a, const void *b, void *lines)
{
	const struct range *v = lines;
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	if (v[x].start != v[y].start)
		return v[x].start < v[y].start ? -1 : 1;
	return x < y ? 1 : -1;
}

/* A max-heap of line numbers: the latest line on top. */
static void heap_push(__u32 *heap, size_t *n, __u32 line)
{
	size_t i = (*n)++;

	while (i && heap[(i - 1) / 2] < line) {
		heap[i] = heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	heap[i] = line;
}

static void heap_pop(__u32 *heap, size_t *n)
{
	__u32 last = heap[--*n];
	size_t i = 0, child;

	while ((child = 2 * i + 1) < *n) {
		if (child + 1 < *n && heap[child + 1] > heap[child])
			child++;
		if (heap[child] <= last)
			break;
		heap[i] = heap[child];
		i = child;
	}
	heap[i] = last;
}

/* Drop the lines on top of the heap that end at or before pos. */
static void heap_expire(const struct range *v, __u32 *heap, size_t *n, __u64 pos)
{
	while (*n && range_end(&v[heap[0]]) <= pos)
		heap_pop(heap, n);
}

/*
 * Lines in file order to a sorted table of disjoint ranges, each address
 * named by the latest line that covers it: a sweep over the starts with
 * the lines that cover the current address in a heap, the latest on top.
 */
static int flatten(const struct ranges *lines, struct ranges *out)
{
	const struct range *v = lines->v;
	size_t n = lines->nr, i = 0, nheap = 0;
	__u32 *order, *heap;
	__u64 pos = 0;
	int err = 0;

	out->nr = 0;
	if (!n)
		return 0;
	order = malloc(n * sizeof(*order));
	heap = malloc(n * sizeof(*heap));
	if (!order || !heap) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < n; k++)
		order[k] = k;
	qsort_r(order, n, sizeof(*order), cmp_line_start, (void *)v);
	while (!err) {
		__u64 next;

		heap_expire(v, heap, &nheap, pos);
		if (!nheap) {
			if (i == n)
				break;
			pos = v[order[i]].start; /* a gap: on to the next start */
		}
		/* the lines pushed start at pos and are not empty: the top covers pos */
		while (i < n && v[order[i]].start <= pos)
			heap_push(heap, &nheap, order[i++]);
		/* the top line names pos until it ends or a line starts */
		next = range_end(&v[heap[0]]);
		if (i < n && v[order[i]].start < next)
			next = v[order[i]].start;
		err = ranges_emit(out, pos, next - pos, v[heap[0]].name);
		pos = next;
	}
out:
	free(heap);
	free(order);
	return err;
}

/* Two sorted, disjoint tables into one; where they overlap, top wins. */
static int merge(const struct ranges *below, const struct ranges *top, struct ranges *out)
{
	struct range cur = {};
	size_t i = 0, j = 0;
	int err = 0;

	out->nr = 0;
	if (below->nr)
		cur = below->v[0];
	while (!err && (i < below->nr || j < top->nr)) {
		const struct range *t = j < top->nr ? &top->v[j] : NULL;

		if (i < below->nr && (!t || range_end(&cur) <= t->start)) {
			/* cur ends before the next top range */
			err = ranges_emit(out, cur.start, cur.len, cur.name);
			if (++i < below->nr)
				cur = below->v[i];
		} else if (i == below->nr || range_end(t) <= cur.start) {
			err = ranges_emit(out, t->start, t->len, t->name);
			j++;
		} else {
			/* they overlap: keep cur before t, and cur after t for later */
			if (cur.start < t->start)
				err = ranges_emit(out, cur.start, t->start - cur.start, cur.name);
			if (!err && range_end(&cur) > range_end(t)) {
				cur.len = range_end(&cur) - range_end(t);
				cur.start = range_end(t);
				err = ranges_emit(out, t->start, t->len, t->name);
				j++;
			} else if (++i < below->nr) {
				cur = below->v[i];
			}
		}
	}
	return err;
}

/* ------------------------------------------------------------------------
 * Parsing
 * ------------------------------------------------------------------------ */

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A hex number with or without 0x at *p, which is moved past it; false if none or too big. */
static bool parse_hex(const char **p, __u64 *out)
{
	const char *s = *p;
	__u64 v = 0;
	int d;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && hex_digit(s[2]) >= 0)
		s += 2;
	if (hex_digit(*s) < 0)
		return false;
	for (; (d = hex_digit(*s)) >= 0; s++) {
		if (v >> 60)
			return false;
		v = v << 4 | d;
	}
	*p = s;
	*out = v;
	return true;
}

/* Move *p past one or more blanks; false if there is none. */
static bool skip_blanks(const char **p)
{
	const char *s = *p;

	while (*s == ' ' || *s == '\t')
		s++;
	if (s == *p)
		return false;
	*p = s;
	return true;
}

static int add_name(struct perfmap *pm, const char *name, size_t len, __u32 *off)
{
	size_t need = pm->names_len + len + 1;

	if (need > UINT32_MAX)
		return -E2BIG;
	if (need > pm->names_cap) {
		size_t cap = pm->names_cap ? pm->names_cap * 2 : 4096;
		char *names;

		while (cap < need)
			cap *= 2;
		names = realloc(pm->names, cap);
		if (!names)
			return -ENOMEM;
		pm->names = names;
		pm->names_cap = cap;
	}
	memcpy(pm->names + pm->names_len, name, len);
	pm->names[pm->names_len + len] = '\0';
	*off = pm->names_len;
	pm->names_len = need;
	return 0;
}

/*
 * Parse "START SIZE NAME" (line without its newline) into the fresh
 * table. A line of another form is counted and skipped; an entry of size
 * 0 names nothing.
 */
static int parse_line(struct perfmap *pm, const char *line, size_t len)
{
	const char *p = line, *name;
	__u64 start, size;
	__u32 off;
	int err;

	if (len && line[len - 1] == '\r')
		len--;
	if (!parse_hex(&p, &start) || !skip_blanks(&p) || !parse_hex(&p, &size) ||
	    !skip_blanks(&p) || p >= line + len) {
		pm->stats.skipped++;
		return 0;
	}
	name = p;
	pm->stats.lines++;
	if (!size)
		return 0;
	if (size > UINT64_MAX - start)
		size = UINT64_MAX - start;
	if (size > RANGE_LEN_MAX)
		size = RANGE_LEN_MAX;
	err = add_name(pm, name, line + len - name, &off);
	if (err)
		return err;
	return ranges_push(&pm->fresh, start, size, off);
}

/* Parse whole lines from f, at offset pm->off, to its end; a last line without '\n' waits. */
static int parse_lines(struct perfmap *pm, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int err = 0;

	while (!err && (n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] != '\n')
			break; /* being written: read again, whole, next time */
		err = parse_line(pm, line, n - 1);
		if (!err)
			pm->off += n;
	}
	if (!err && ferror(f))
		err = -EIO;
	free(line);
	return err;
}

/* Fold the fresh lines into the tables: re-sort them, or merge them into main once many. */
static int absorb_fresh(struct perfmap *pm)
{
	struct ranges merged = {};
	int err;

	err = flatten(&pm->fresh, &pm->fresh_flat);
	if (err)
		return err;
	if (pm->fresh.nr <= FRESH_MIN || pm->fresh.nr <= pm->main.nr / 8)
		return 0;
	if (pm->main.nr) {
		err = merge(&pm->main, &pm->fresh_flat, &merged);
		if (err) {
			ranges_free(&merged);
			return err;
		}
		ranges_free(&pm->main);
		pm->main = merged;
		ranges_free(&pm->fresh_flat);
	} else {
		pm->main = pm->fresh_flat;
		pm->fresh_flat = (struct ranges){};
	}
	ranges_free(&pm->fresh);
	return 0;
}

/* Forget everything read, before the file is read from its start. */
static void reset(struct perfmap *pm)
{
	ranges_free(&pm->main);
	ranges_free(&pm->fresh);
	ranges_free(&pm->fresh_flat);
	pm->names_len = 0;
	pm->off = 0;
	pm->have_file = false;
}

/* ------------------------------------------------------------------------
 * The file
 * ------------------------------------------------------------------------ */

/*
 * Anyone can create /tmp/perf-PID.map before process PID does and put
 * names of their choosing in another user's profile, so a map is read only
 * if root, vigil's user or the process's user owns it; and only a regular
 * file, never through a symbolic link in its last component.
 */
static bool trusted(const struct perfmap *pm, const struct stat *st)
{
	if (!S_ISREG(st->st_mode))
		return false;
	return st->st_uid == 0 || st->st_uid == geteuid() ||
	       (pm->owner != NO_UID && st->st_uid == pm->owner);
}

/* Whether the file read before goes on at pm->off: same file, not shorter, a line ended there. */
static bool continues(const struct perfmap *pm, int fd, const struct stat *st)
{
	char c;

	if (!pm->have_file || pm->dev != st->st_dev || pm->ino != st->st_ino)
		return false;
	if ((__u64)st->st_size < pm->off)
		return false;
	return !pm->off || (pread(fd, &c, 1, pm->off - 1) == 1 && c == '\n');
}

/* Read the map open at fd, which is closed: from where the last read stopped, or from the start. */
static int read_map(struct perfmap *pm, int fd, const struct stat *st)
{
	FILE *f;
	int err;

	if (!continues(pm, fd, st)) {
		if (pm->have_file)
			pm->stats.reparses++;
		reset(pm);
	}
	pm->have_file = true;
	pm->dev = st->st_dev;
	pm->ino = st->st_ino;
	pm->size = st->st_size;
	f = lseek(fd, pm->off, SEEK_SET) < 0 ? NULL : fdopen(fd, "r");
	if (!f) {
		err = -errno;
		close(fd);
		return err;
	}
	err = parse_lines(pm, f);
	fclose(f);
	if (!err)
		err = absorb_fresh(pm);
	return err;
}

int perfmap__refresh(struct perfmap *pm)
{
	struct stat st;
	int fd = -1;

	int refused = 0;

	for (int i = 0; i < pm->nr_paths && fd < 0; i++) {
		fd = open(pm->paths[i], O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (fd < 0 && errno == ELOOP)
			refused = -ELOOP; /* a symbolic link: anyone may have planted it */
	}
	if (fd < 0)
		return refused; /* no map (yet, or any more): keep what was read */
	if (fstat(fd, &st) || !trusted(pm, &st)) {
		close(fd);
		return -EPERM;
	}
	if (pm->have_file && pm->dev == st.st_dev && pm->ino == st.st_ino &&
	    pm->size == (__u64)st.st_size) {
		close(fd);
		return 0;
	}
	return read_map(pm, fd, &st);
}

int perfmap__find(const struct perfmap *pm, __u64 addr, const char **name)
{
	const struct range *r = ranges_find(&pm->fresh_flat, addr);

	if (!r)
		r = ranges_find(&pm->main, addr);
	if (!r)
		return -ENOENT;
	*name = pm->names + r->name;
	return 0;
}

/* ------------------------------------------------------------------------
 * Life cycle
 * ------------------------------------------------------------------------ */

static struct perfmap *perfmap_alloc(void)
{
	struct perfmap *pm = calloc(1, sizeof(*pm));

	if (!pm) {
		errno = ENOMEM;
		return NULL;
	}
	pm->owner = NO_UID;
	return pm;
}

static int add_path(struct perfmap *pm, const char *path)
{
	pm->paths[pm->nr_paths] = strdup(path);
	if (!pm->paths[pm->nr_paths])
		return -ENOMEM;
	pm->nr_paths++;
	return 0;
}

struct perfmap *perfmap__new(const char *path)
{
	struct perfmap *pm = perfmap_alloc();

	if (pm && add_path(pm, path)) {
		perfmap__free(pm);
		errno = ENOMEM;
		return NULL;
	}
	return pm;
}

/* The process's pid in its own namespace (the last NSpid: field) and its effective uid. */
static void read_status(__u32 pid, __u32 *nspid, uid_t *uid)
{
	char path[64], *line = NULL;
	unsigned int euid;
	size_t cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/status", pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		char *last;

		if (!strncmp(line, "Uid:", 4) && sscanf(line + 4, "%*u %u", &euid) == 1)
			*uid = euid;
		if (strncmp(line, "NSpid:", 6))
			continue;
		last = strrchr(line, '\t');
		if (last)
			*nspid = strtoul(last + 1, NULL, 10);
	}
	free(line);
	fclose(f);
}

struct perfmap *perfmap__new_pid(__u32 pid)
{
	struct perfmap *pm = perfmap_alloc();
	__u32 nspid = pid;
	char path[96];

	if (!pm)
		return NULL;
	read_status(pid, &nspid, &pm->owner);
	snprintf(path, sizeof(path), "/proc/%u/root/tmp/perf-%u.map", pid, nspid);
	if (add_path(pm, path))
		goto err;
	snprintf(path, sizeof(path), "/tmp/perf-%u.map", pid);
	if (add_path(pm, path))
		goto err;
	return pm;
err:
	perfmap__free(pm);
	errno = ENOMEM;
	return NULL;
}

void perfmap__free(struct perfmap *pm)
{
	if (!pm)
		return;
	reset(pm);
	free(pm->names);
	for (int i = 0; i < pm->nr_paths; i++)
		free(pm->paths[i]);
	free(pm);
}

void perfmap__stats(const struct perfmap *pm, struct perfmap_stats *out)
{
	*out = pm->stats;
	out->entries = pm->main.nr + pm->fresh_flat.nr;
	out->size = pm->off;
}
