// SPDX-License-Identifier: GPL-2.0
/* symbolizer.c: kernel and user addresses to names, with per-file and per-process caches. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "debuginfo.h"
#include "elf_syms.h"
#include "strtab.h"
#include "symbolizer.h"
#include "symtab.h"

#define UNKNOWN_NAME   "[unknown]"
#define KALLSYMS_PATH  "/proc/kallsyms"
#define DELETED_SUFFIX " (deleted)"

#define PROC_BUCKETS 1024 /* per-pid caches; a power of two */
#define FILE_BUCKETS 1024 /* per-file cache keys; a power of two */

/*
 * A miss may mean a cache is stale (a library loaded since, a BPF program
 * or module added), so it triggers a re-read, within limits: kallsyms is
 * read at most once per RETRY_NS; a process's maps at once, except within
 * RETRY_NS of a miss that a fresh read did not cure, so garbage addresses
 * from a broken stack walk cost one read per second, not one per frame.
 */
#define RETRY_NS 1000000000LL

/* Room for kernel text symbols and their names from the start; each doubles past it. */
#define KSYMS_RESERVE	    65536
#define KSYMS_NAMES_RESERVE (1 << 20)

/* Of the kernel symbols at one address, the lowest rank names it. */
enum ksym_rank {
	KSYM_GLOBAL,
	KSYM_WEAK,
	KSYM_LOCAL,
	KSYM_BOUND,	  /* a section bound, such as _text */
	KSYM_END_OF_TEXT, /* _etext, kept as a marker */
};

/* One parsed file; syms is NULL when the file is not ELF, so the frame shows FILE+0xOFFSET. */
struct file_entry {
	struct file_entry *next; /* every entry, for freeing */
	struct elf_syms *syms;
};

/* A name for a file_entry: 'b' and its build id, or 'i' and a struct inode_key. */
struct file_key {
	struct file_key *next; /* hash chain */
	struct file_entry *file;
	size_t len;
	__u8 key[1 + ELF_BUILD_ID_MAX];
};

/* Size and mtime guard against a file rewritten in place under the same inode. */
struct inode_key {
	__u64 dev, ino, size;
	__s64 mtime_sec, mtime_nsec;
};

enum mapping_kind {
	MAPPING_ANON,	 /* no name: [unknown] */
	MAPPING_SPECIAL, /* [vdso], [heap], anon_inode:...: shown as named */
	MAPPING_FILE,
};

struct mapping {
	__u64 start, end, pgoff, inode;
	const char *path; /* interned; without " (deleted)"; the name itself if special */
	const char *base; /* the path's base name, inside path */
	struct file_entry *file;
	enum mapping_kind kind;
	bool deleted;
	bool resolved; /* file was looked for (it may still be NULL) */
};

struct proc {
	struct proc *next; /* hash chain */
	__u32 pid;
	struct mapping *maps; /* sorted by start */
	size_t nr_maps;
	long long quiet_until_ns; /* no miss-driven maps re-read before this */
	bool warned;
};

struct symbolizer {
	struct strtab *strs;
	const char *unknown;
	bool warn;

	struct symtab *kernel;
	char *kallsyms_path; /* NULL: KALLSYMS_PATH */
	bool kernel_loaded, kernel_unusable;
	long long kernel_read_ns;

	struct proc *procs[PROC_BUCKETS];
	struct proc *last_proc;

	struct file_key *file_keys[FILE_BUCKETS];
	struct file_entry *files;
	struct debuginfo *debuginfo; /* separate debug files of stripped ones */

	struct symbolizer_stats stats;
};

static long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ------------------------------------------------------------------------
 * Kernel symbols from /proc/kallsyms
 * ------------------------------------------------------------------------ */

/* Code lives in text symbols; weak ones count, data and absolute ones do not. */
static bool ksym_is_text(char type)
{
	return type == 't' || type == 'T' || type == 'w' || type == 'W';
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && !memcmp(s + len - n, suffix, n);
}

/*
 * Section bounds (_text, __irqentry_text_end, __hot_text_start) share their
 * address with the first function after them; they rank last there, so
 * that function keeps its name.
 */
static bool ksym_is_bound(const char *name, size_t len)
{
	return name[0] == '_' && (ends_with(name, len, "_start") || ends_with(name, len, "_end") ||
				  ends_with(name, len, "text"));
}

static enum ksym_rank ksym_rank(char type, const char *name, size_t len)
{
	if (ksym_is_bound(name, len))
		return KSYM_BOUND;
	if (type == 'T')
		return KSYM_GLOBAL;
	if (type == 'W')
		return KSYM_WEAK;
	return KSYM_LOCAL;
}

/* Kernel symbols have no size: each ends where the next begins. */
static int ksyms_add(struct symtab *t, __u64 addr, char type, const char *name, size_t len)
{
	__u32 off;
	int err;

	if (len == strlen("_etext") && !memcmp(name, "_etext", len)) {
		/* the end of core kernel text: addresses past it are not its last function */
		return symtab__add(t, addr, 0 /* size */, 0 /* bound */, KSYM_END_OF_TEXT,
				   SYMTAB_NO_NAME);
	}
	err = symtab__add_name(t, name, len, &off);
	if (err)
		return err;
	return symtab__add(t, addr, 0 /* size */, 0 /* bound */, ksym_rank(type, name, len), off);
}

/*
 * Parse one kallsyms line, "ADDR TYPE NAME[\t[MODULE]]"; the module is
 * dropped, frames show the function name only. *nonzero is set when the
 * line's address is not zero.
 */
static int ksyms_parse_line(struct symtab *t, const char *line, bool *nonzero)
{
	const char *name;
	char *end;
	__u64 addr;
	char type;

	addr = strtoull(line, &end, 16);
	if (end == line || end[0] != ' ' || !end[1] || end[2] != ' ')
		return 0;
	if (addr)
		*nonzero = true;
	type = end[1];
	name = end + 3;
	if (!ksym_is_text(type))
		return 0;
	return ksyms_add(t, addr, type, name, strcspn(name, " \t\n"));
}

/* Read a kallsyms file into t; *hidden says every address read as zero. */
static int ksyms_read(struct symtab *t, const char *path, bool *hidden)
{
	bool nonzero = false;
	char *line = NULL;
	size_t cap = 0;
	int err = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	err = symtab__reserve(t, KSYMS_RESERVE, KSYMS_NAMES_RESERVE);
	while (!err && getline(&line, &cap, f) > 0)
		err = ksyms_parse_line(t, line, &nonzero);
	if (!err && ferror(f))
		err = -EIO;
	free(line);
	fclose(f);
	if (err)
		return err;
	*hidden = !nonzero;
	symtab__finish(t);
	return 0;
}

/* The first read failed or hid the addresses: say so once; kernel frames are [unknown] from now. */
static void kernel_give_up(struct symbolizer *s, const char *path, int err)
{
	s->kernel_unusable = true;
	if (!s->warn)
		return;
	if (err)
		fprintf(stderr, "vigil: %s: failed to read: %s; kernel frames will be [unknown]\n",
			path, strerror(-err));
	else
		fprintf(stderr,
			"vigil: %s: addresses are hidden (kernel.kptr_restrict); "
			"kernel frames will be [unknown]\n",
			path);
}

/* Load or reload the kernel symbols; a reload that fails keeps the table read before. */
static int kernel_load(struct symbolizer *s)
{
	const char *path = s->kallsyms_path ? s->kallsyms_path : KALLSYMS_PATH;
	struct symtab *fresh;
	bool hidden = false;
	int err;

	s->kernel_read_ns = mono_ns();
	fresh = symtab__new();
	if (!fresh)
		return -ENOMEM;
	err = ksyms_read(fresh, path, &hidden);
	if (!err && !hidden) {
		symtab__free(s->kernel);
		s->kernel = fresh;
		s->kernel_loaded = true;
		return 0;
	}
	symtab__free(fresh);
	if (err == -ENOMEM)
		return err;
	if (!s->kernel_loaded)
		kernel_give_up(s, path, err);
	s->kernel_loaded = true;
	return 0;
}

int symbolizer__set_kallsyms(struct symbolizer *s, const char *path)
{
	char *copy = strdup(path);

	if (!copy)
		return -ENOMEM;
	free(s->kallsyms_path);
	s->kallsyms_path = copy;
	return 0;
}

const char *symbolizer__kernel(struct symbolizer *s, __u64 addr)
{
	const char *name;
	int err;

	if (!s->kernel_loaded && kernel_load(s))
		return NULL;
	if (s->kernel_unusable)
		return s->unknown;
	/* a miss, or a hit on the last symbol (nothing ends it), may mean the table is stale */
	err = symtab__find(s->kernel, addr, &name);
	if (err && mono_ns() - s->kernel_read_ns >= RETRY_NS) {
		if (kernel_load(s))
			return NULL;
		err = symtab__find(s->kernel, addr, &name);
	}
	if (err < 0)
		return s->unknown;
	return strtab__intern(s->strs, name);
}

/* ------------------------------------------------------------------------
 * ELF files, cached by build id or by inode
 * ------------------------------------------------------------------------ */

static struct file_key **file_bucket(struct symbolizer *s, const __u8 *key, size_t len)
{
	return &s->file_keys[vigil_hash_bytes(key, len, 0) & (FILE_BUCKETS - 1)];
}

static struct file_entry *file_cache_find(struct symbolizer *s, const __u8 *key, size_t len)
{
	struct file_key *k;

	for (k = *file_bucket(s, key, len); k; k = k->next) {
		if (k->len == len && !memcmp(k->key, key, len))
			return k->file;
	}
	return NULL;
}

static int file_cache_add(struct symbolizer *s, const __u8 *key, size_t len,
			  struct file_entry *file)
{
	struct file_key **bucket = file_bucket(s, key, len);
	struct file_key *k = calloc(1, sizeof(*k));

	if (!k)
		return -ENOMEM;
	memcpy(k->key, key, len);
	k->len = len;
	k->file = file;
	k->next = *bucket;
	*bucket = k;
	return 0;
}

/* What a file is cached under: its inode always, its build id when it has one. */
struct file_keys {
	__u8 ino[1 + sizeof(struct inode_key)];
	__u8 build_id[1 + ELF_BUILD_ID_MAX];
	size_t build_id_len; /* 0: none */
};

static int inode_key_of(int fd, __u8 *key)
{
	struct inode_key ik = {};
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	ik.dev = st.st_dev;
	ik.ino = st.st_ino;
	ik.size = st.st_size;
	ik.mtime_sec = st.st_mtim.tv_sec;
	ik.mtime_nsec = st.st_mtim.tv_nsec;
	key[0] = 'i';
	memcpy(key + 1, &ik, sizeof(ik));
	return 0;
}

/*
 * The cached entry of the file open at fd: by inode (no read), else by
 * build id (a copy of a known file, or the same file seen in a container).
 * 0 and *out set; -ENOENT for a new file, with keys filled to add it under.
 */
static int file_cache_lookup(struct symbolizer *s, int fd, struct file_keys *keys,
			     struct file_entry **out)
{
	struct file_entry *file;
	size_t len;
	int err;

	keys->build_id_len = 0;
	err = inode_key_of(fd, keys->ino);
	if (err)
		return err;
	file = file_cache_find(s, keys->ino, sizeof(keys->ino));
	if (!file) {
		keys->build_id[0] = 'b';
		if (elf_read_build_id(fd, keys->build_id + 1, ELF_BUILD_ID_MAX, &len))
			return -ENOENT;
		keys->build_id_len = 1 + len;
		file = file_cache_find(s, keys->build_id, keys->build_id_len);
		if (!file)
			return -ENOENT;
		/* found by inode next time */
		err = file_cache_add(s, keys->ino, sizeof(keys->ino), file);
		if (err)
			return err;
	}
	s->stats.file_cache_hits++;
	*out = file;
	return 0;
}

/* Parse a file not seen before and add it to the cache under its keys. */
static int file_cache_parse(struct symbolizer *s, const char *path, int fd,
			    const struct elf_syms_opts *eo, const struct file_keys *keys,
			    struct file_entry **out)
{
	struct file_entry *file = calloc(1, sizeof(*file));
	int err = 0;

	if (!file)
		return -ENOMEM;
	file->syms = elf_syms__open(path, fd, eo);
	if (!file->syms && errno == ENOMEM) {
		free(file);
		return -ENOMEM;
	}
	if (file->syms)
		s->stats.files_parsed++;
	file->next = s->files;
	s->files = file;
	if (keys->build_id_len)
		err = file_cache_add(s, keys->build_id, keys->build_id_len, file);
	if (!err)
		err = file_cache_add(s, keys->ino, sizeof(keys->ino), file);
	if (!err)
		*out = file;
	return err;
}

/*
 * Open the file behind a mapping. map_files reaches the very inode that is
 * mapped, also when it was deleted or lives in another mount namespace, but
 * needs privilege; the path through the process's root and then the path
 * as is come next, checked against the mapped inode number so a file
 * replaced since is not read in its place.
 */
static int open_mapped_file(__u32 pid, const struct mapping *m, char *path, size_t size)
{
	struct stat st;
	int fd;

	snprintf(path, size, "/proc/%u/map_files/%llx-%llx", pid, (unsigned long long)m->start,
		 (unsigned long long)m->end);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	if (m->deleted)
		return -ENOENT; /* the path names another file now, or none */
	snprintf(path, size, "/proc/%u/root%s", pid, m->path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(path, size, "%s", m->path);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		return -errno;
	if (m->inode && (fstat(fd, &st) || st.st_ino != m->inode)) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

/*
 * Find the parsed symbols of a mapping's file, parsing a file seen for the
 * first time. A file that cannot be opened or read leaves m->file NULL (its
 * frames show FILE+0xOFFSET); only -ENOMEM is an error.
 */
static int resolve_file(struct symbolizer *s, __u32 pid, struct mapping *m)
{
	char path[PATH_MAX + 64], root[32];
	struct elf_syms_opts eo = {.proc_path = m->path, .root = root, .debuginfo = s->debuginfo};
	struct file_keys keys;
	int fd, err;

	snprintf(root, sizeof(root), "/proc/%u/root", pid);
	fd = open_mapped_file(pid, m, path, sizeof(path));
	if (fd < 0) {
		m->resolved = true;
		return 0;
	}
	err = file_cache_lookup(s, fd, &keys, &m->file);
	if (err == -ENOENT)
		err = file_cache_parse(s, path, fd, &eo, &keys, &m->file);
	close(fd);
	if (err == -ENOMEM)
		return err;
	m->resolved = true;
	return 0;
}

/* ------------------------------------------------------------------------
 * Process mappings from /proc/PID/maps
 * ------------------------------------------------------------------------ */

/* Parse "START-END PERMS PGOFF MAJ:MIN INODE [PATH]"; -EINVAL for a line that is not one. */
static int parse_maps_line(struct symbolizer *s, char *line, struct mapping *m)
{
	unsigned long long start, end, pgoff, inode;
	size_t len, suffix = strlen(DELETED_SUFFIX);
	char *name, *slash;
	int n, pos = 0;

	n = sscanf(line, "%llx-%llx %*s %llx %*x:%*x %llu %n", &start, &end, &pgoff, &inode, &pos);
	if (n != 4 || !pos)
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	m->start = start;
	m->end = end;
	m->pgoff = pgoff;
	m->inode = inode;
	name = line + pos;
	len = strcspn(name, "\n");
	if (!len) {
		m->kind = MAPPING_ANON;
		return 0;
	}
	if (name[0] == '/' && len > suffix &&
	    !memcmp(name + len - suffix, DELETED_SUFFIX, suffix)) {
		m->deleted = true;
		len -= suffix;
	}
	m->path = strtab__intern_len(s->strs, name, len);
	if (!m->path)
		return -ENOMEM;
	m->kind = name[0] == '/' ? MAPPING_FILE : MAPPING_SPECIAL;
	slash = strrchr(m->path, '/');
	m->base = slash && m->kind == MAPPING_FILE ? slash + 1 : m->path;
	return 0;
}

static int cmp_mapping(const void *a, const void *b)
{
	const struct mapping *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

/* The mapping holding addr, or NULL. */
static struct mapping *find_mapping(struct mapping *maps, size_t n, __u64 addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (maps[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!hi || addr >= maps[hi - 1].end)
		return NULL;
	return &maps[hi - 1];
}

/* Keep what is known of mappings that survived a re-read: their files are not looked for again. */
static void carry_over(struct proc *p, struct mapping *maps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct mapping *old = find_mapping(p->maps, p->nr_maps, maps[i].start);

		if (old && old->start == maps[i].start && old->end == maps[i].end &&
		    old->pgoff == maps[i].pgoff && old->inode == maps[i].inode &&
		    old->path == maps[i].path && old->deleted == maps[i].deleted) {
			maps[i].file = old->file;
			maps[i].resolved = old->resolved;
		}
	}
}

/* Room for one more mapping at (*maps)[n]. */
static int maps_reserve(struct mapping **maps, size_t n, size_t *cap)
{
	size_t new_cap = *cap ? *cap * 2 : 64;
	struct mapping *bigger;

	if (n < *cap)
		return 0;
	bigger = realloc(*maps, new_cap * sizeof(*bigger));
	if (!bigger)
		return -ENOMEM;
	*maps = bigger;
	*cap = new_cap;
	return 0;
}

static int read_maps_file(struct symbolizer *s, FILE *f, struct mapping **out, size_t *nr)
{
	struct mapping *maps = NULL;
	size_t n = 0, cap = 0;
	char *line = NULL;
	size_t line_cap = 0;
	int err = 0;

	while (!err && getline(&line, &line_cap, f) > 0) {
		err = maps_reserve(&maps, n, &cap);
		if (err)
			break;
		err = parse_maps_line(s, line, &maps[n]);
		if (!err)
			n++;
		else if (err == -EINVAL)
			err = 0; /* a line this parser does not know is skipped */
	}
	if (!err && ferror(f))
		err = -EIO;
	free(line);
	if (err) {
		free(maps);
		return err;
	}
	qsort(maps, n, sizeof(*maps), cmp_mapping);
	*out = maps;
	*nr = n;
	return 0;
}

/* (Re-)read a process's mappings; on failure the mappings known before stay. */
static int proc_read_maps(struct symbolizer *s, struct proc *p)
{
	struct mapping *maps = NULL;
	char path[64];
	size_t n = 0;
	int err;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/maps", p->pid);
	f = fopen(path, "re");
	if (!f) {
		err = -errno;
		goto out;
	}
	err = read_maps_file(s, f, &maps, &n);
	fclose(f);
	if (err)
		goto out;
	s->stats.maps_reads++;
	carry_over(p, maps, n);
	free(p->maps);
	p->maps = maps;
	p->nr_maps = n;
out:
	if (err == -ENOMEM)
		return err;
	/* a process that is gone is no news to a profiler; other failures are said once */
	if (err && err != -ENOENT && err != -ESRCH && s->warn && !p->warned) {
		fprintf(stderr, "vigil: pid %u: failed to read maps: %s\n", p->pid, strerror(-err));
		p->warned = true;
	}
	return 0;
}

static struct proc **proc_bucket(struct symbolizer *s, __u32 pid)
{
	return &s->procs[pid & (PROC_BUCKETS - 1)];
}

static struct proc *proc_find(struct symbolizer *s, __u32 pid)
{
	struct proc *p;

	if (s->last_proc && s->last_proc->pid == pid)
		return s->last_proc; /* frames of one stack come together */
	for (p = *proc_bucket(s, pid); p; p = p->next) {
		if (p->pid == pid)
			return p;
	}
	return NULL;
}

/* The cache of pid, made and filled on first use; *fresh says its maps were just read. */
static int proc_get(struct symbolizer *s, __u32 pid, struct proc **out, bool *fresh)
{
	struct proc **bucket, *p;
	int err;

	*fresh = false;
	p = proc_find(s, pid);
	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p)
			return -ENOMEM;
		p->pid = pid;
		err = proc_read_maps(s, p);
		if (err) {
			free(p);
			return err;
		}
		bucket = proc_bucket(s, pid);
		p->next = *bucket;
		*bucket = p;
		*fresh = true;
	}
	s->last_proc = p;
	*out = p;
	return 0;
}

static void proc_free(struct proc *p)
{
	free(p->maps);
	free(p);
}

void symbolizer__forget_pid(struct symbolizer *s, __u32 pid)
{
	struct proc **link, *p;

	if (!s)
		return;
	for (link = proc_bucket(s, pid); (p = *link); link = &p->next) {
		if (p->pid != pid)
			continue;
		*link = p->next;
		if (s->last_proc == p)
			s->last_proc = NULL;
		proc_free(p);
		return;
	}
}

/* ------------------------------------------------------------------------
 * Public API
 * ------------------------------------------------------------------------ */

/* Name of addr inside mapping m: its symbol, FILE+0xOFFSET, the special name, or [unknown]. */
static const char *mapping_name(struct symbolizer *s, __u32 pid, struct mapping *m, __u64 addr)
{
	char buf[PATH_MAX + 32];
	const char *name;
	__u64 off;

	if (m->kind == MAPPING_ANON)
		return s->unknown;
	if (m->kind == MAPPING_SPECIAL)
		return m->path;
	if (!m->resolved && resolve_file(s, pid, m))
		return NULL;
	off = addr - m->start + m->pgoff;
	if (m->file && m->file->syms && !elf_syms__lookup(m->file->syms, off, &name))
		return strtab__intern(s->strs, name);
	snprintf(buf, sizeof(buf), "%s+0x%llx", m->base, (unsigned long long)off);
	return strtab__intern(s->strs, buf);
}

const char *symbolizer__user(struct symbolizer *s, __u32 pid, __u64 addr, bool is_return)
{
	struct mapping *m;
	struct proc *p;
	bool fresh;

	/* also the offset of a FILE+0xOFFSET frame: it points into the call instruction */
	if (is_return && addr)
		addr--;
	if (proc_get(s, pid, &p, &fresh))
		return NULL;
	m = find_mapping(p->maps, p->nr_maps, addr);
	if (!m && !fresh && mono_ns() >= p->quiet_until_ns) {
		if (proc_read_maps(s, p))
			return NULL;
		m = find_mapping(p->maps, p->nr_maps, addr);
	}
	if (!m) {
		p->quiet_until_ns = mono_ns() + RETRY_NS;
		return s->unknown;
	}
	return mapping_name(s, pid, m, addr);
}

struct symbolizer *symbolizer__new(const struct symbolizer_opts *opts)
{
	struct symbolizer *s = calloc(1, sizeof(*s));
	struct debuginfo_opts dopts = {};

	if (!s)
		return NULL;
	s->warn = opts && opts->warn;
	if (opts && opts->nr_debug_dirs > 0) {
		dopts.dirs = opts->debug_dirs;
		dopts.nr_dirs = opts->nr_debug_dirs;
	}
	s->debuginfo = debuginfo__new(&dopts);
	s->strs = strtab__new();
	if (!s->debuginfo || !s->strs)
		goto err;
	s->unknown = strtab__intern(s->strs, UNKNOWN_NAME);
	if (!s->unknown)
		goto err;
	return s;
err:
	symbolizer__free(s);
	errno = ENOMEM;
	return NULL;
}

void symbolizer__free(struct symbolizer *s)
{
	struct file_entry *file, *next_file;
	struct file_key *key, *next_key;
	struct proc *p, *next_proc;
	size_t i;

	if (!s)
		return;
	for (i = 0; i < PROC_BUCKETS; i++) {
		for (p = s->procs[i]; p; p = next_proc) {
			next_proc = p->next;
			proc_free(p);
		}
	}
	for (i = 0; i < FILE_BUCKETS; i++) {
		for (key = s->file_keys[i]; key; key = next_key) {
			next_key = key->next;
			free(key);
		}
	}
	for (file = s->files; file; file = next_file) {
		next_file = file->next;
		elf_syms__free(file->syms);
		free(file);
	}
	debuginfo__free(s->debuginfo);
	symtab__free(s->kernel);
	free(s->kallsyms_path);
	strtab__free(s->strs);
	free(s);
}

void symbolizer__stats(const struct symbolizer *s, struct symbolizer_stats *out)
{
	*out = s->stats;
}
