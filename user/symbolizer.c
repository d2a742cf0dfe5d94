// SPDX-License-Identifier: GPL-2.0
/* symbolizer.c: kernel and user addresses to names, with per-file and per-process caches. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "demangle.h"
#include "debuginfo.h"
#include "elf_syms.h"
#include "ksyms.h"
#include "perfmap.h"
#include "strtab.h"
#include "symbolizer.h"
#include "util.h"

#define UNKNOWN_NAME   "[unknown]"
#define DELETED_SUFFIX " (deleted)"
#define VDSO_NAME      "[vdso]"
#define KERNEL_NAME    "[kernel.kallsyms]" /* the kernel's mapping, as perf and pprof name it */
#define KERNEL_NOTES   "/sys/kernel/notes" /* the running kernel's ELF notes: its build id */
#define VDSO_SIZE_MAX  (64 * 1024) /* the vDSO is a page or two; a bigger [vdso] is not read */

#define PROC_BUCKETS   1024 /* per-pid caches; a power of two */
#define FILE_BUCKETS   1024 /* per-file cache keys; a power of two */
#define FILES_IDLE_MAX 64   /* files kept parsed with no mapping pointing at them */

/* A process incarnation not looked up for this many sweeps is dropped; it is re-read if needed. */
#define PROC_IDLE_SWEEPS 30

/*
 * A miss may mean a process's maps are stale (a library loaded since), so
 * it triggers a re-read at once, except within RETRY_NS of a miss that a
 * fresh read did not cure, so garbage addresses from a broken stack walk
 * cost one read per second, not one per frame. (ksyms.c does the same for
 * the kernel's symbols.)
 */
#define RETRY_NS 1000000000ULL

/*
 * A JIT appends to its perf map as it compiles, before the code runs, so a
 * map checked at the start of a drain names what the drain holds. Checked
 * at most once per PERFMAP_RECHECK_NS: a drain names its frames in a burst
 * shorter than that, and drains come further apart.
 */
#define PERFMAP_RECHECK_NS 10000000ULL

/*
 * One parsed file; syms is NULL when the file is not ELF, so the frame
 * shows FILE+0xOFFSET. Files stay cached while a mapping refers to them,
 * and up to FILES_IDLE_MAX more, the least recently released dropped first.
 */
struct file_entry {
	struct file_entry *next, *prev;		  /* every entry, for freeing */
	struct file_entry *idle_next, *idle_prev; /* unreferenced, oldest first */
	struct elf_syms *syms;
	unsigned long refs;   /* mappings that point here */
	const char *build_id; /* interned, in hex; NULL: none */
	__u8 *noted;	      /* a bit per symbol: its origin was kept (note_symbol) */
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
	const char *path;	 /* interned; without " (deleted)"; the name itself if special */
	const char *base;	 /* the path's base name, inside path */
	struct file_entry *file; /* holds a reference */
	enum mapping_kind kind;
	bool exec;
	bool deleted;
	bool resolved;	    /* file was looked for (it may still be NULL) */
	bool offsets_noted; /* it named a frame FILE+0xOFFSET, and note_offsets() kept its file */
};

/*
 * One incarnation of a process (proc_events.h): pid and generation. Its
 * mappings are read when it is first seen and re-read on a miss while it
 * runs; once it has ended (exec or exit) they are only looked up, until
 * the sweep after its last samples are named frees them.
 */
struct proc {
	struct proc *next; /* hash chain */
	__u32 pid, gen;
	/*
	 * A live thread to read the process through, once its main thread
	 * has exited (pthread_exit) and left /proc/PID's maps, root and mem
	 * empty while the others run on; 0: PID itself.
	 */
	__u32 tid;
	__u64 start_ticks;    /* /proc/PID/stat's starttime; 0: unknown */
	struct mapping *maps; /* sorted by start */
	size_t nr_maps;
	unsigned long long quiet_until_ns; /* no miss-driven maps re-read before this */
	unsigned long used_sweep;	   /* the sweep count when last looked up */
	bool maps_known; /* maps read at least once, so a miss means a stray address */
	bool ended;
	unsigned long end_epoch; /* the drain during or before which it ended */
	bool foreign; /* the pid holds another process now: nothing is read for this one */
	bool warned;
	struct perfmap *perfmap; /* /tmp/perf-PID.map, once an address needed it */
	unsigned long long perfmap_checked_ns;
	bool perfmap_warned;
	bool perfmap_refused; /* said with -v that its map is not trusted */
};

/*
 * Where a name came from, kept the first time each file (or the kernel)
 * produces it, for pprof's mappings (symbolizer__origin). A name is text:
 * two files may both have a "main" or an "init", and then it names no one
 * file (ORIGIN_AMBIGUOUS), rather than the first one seen. Kernel names
 * are kept apart, in the kernel bits. Names FILE+0xOFFSET are not kept one
 * by one: the FILE is, in the symbolizer's bases (struct origin too, whose
 * name is the base name, and addr and symbol unused).
 *
 * Naming a frame must not get slower for this, so a symbol's name is kept
 * once per file, the first time the file names a frame after it: a bit per
 * symbol (file_entry's noted, the symbolizer's knoted) says it was.
 */
enum origin_user {
	ORIGIN_NONE,	  /* no user frame of this name seen */
	ORIGIN_ONE,	  /* from one file: the fields below */
	ORIGIN_AMBIGUOUS, /* from two files or more */
};

#define ORIGIN_KERNEL_CORE  1 /* named in the core kernel's text */
#define ORIGIN_KERNEL_OTHER 2 /* in a module's, a BPF program's, init text */

struct origin {
	const char *name; /* interned in the symbolizer's strs: the key; NULL: an empty slot */
	const char *path; /* as the process mapped it (interned) */
	const char *build_id;
	__u64 start, end, pgoff; /* the mapping it was seen in */
	__u64 addr;		 /* the address named, in that process */
	__u64 kaddr;		 /* the kernel address named */
	__u8 user;		 /* enum origin_user */
	__u8 kernel;		 /* ORIGIN_KERNEL_* bits */
};

struct symbolizer {
	struct strtab *strs;
	const char *unknown;
	bool warn;
	struct demangler *demangler; /* NULL: names are shown as the symbol tables have them */

	struct ksyms *kernel;

	struct proc *procs[PROC_BUCKETS];
	struct proc *last_proc;
	unsigned long nr_procs, sweeps;
	unsigned long epoch; /* drains begun */
	long clk_tck;

	struct file_key *file_keys[FILE_BUCKETS];
	struct file_entry *files;
	struct file_entry *idle_head, *idle_tail;
	unsigned long nr_idle;
	struct debuginfo *debuginfo; /* separate debug files of stripped ones */

	struct origin *origins; /* open addressing by name pointer, linear probing */
	size_t origins_cap, nr_origins;
	unsigned int origins_bits; /* origins_cap == 1 << origins_bits */
	struct origin *bases;	   /* the files that named frames FILE+0xOFFSET */
	size_t nr_bases, bases_cap;
	__u64 ktext_start, ktext_end; /* the core kernel's text; ktext_end 0: not known yet */
	const char *kernel_build_id;
	bool kernel_build_id_read;
	__u8 *knoted; /* a bit per kernel symbol of ksyms's table: its origin was kept */
	unsigned long knoted_generation;

	struct symbolizer_stats stats;
};

static bool bit_test(const __u8 *bits, size_t i)
{
	return bits[i / 8] & (1U << i % 8);
}

static void bit_set(__u8 *bits, size_t i)
{
	bits[i / 8] |= 1U << i % 8;
}

/* The interned name to show for a symbol: demangled unless asked not to. */
static const char *symbol_name(struct symbolizer *s, const char *name)
{
	return s->demangler ? demangler__name(s->demangler, name) : strtab__intern(s->strs, name);
}

/* ------------------------------------------------------------------------
 * Kernel symbols (ksyms.c)
 * ------------------------------------------------------------------------ */

int symbolizer__set_kallsyms(struct symbolizer *s, const char *path)
{
	return ksyms__set_kallsyms(s->kernel, path);
}

int symbolizer__load_kernel(struct symbolizer *s)
{
	return ksyms__load(s->kernel);
}

static const char *note_kernel(struct symbolizer *s, const char *name, __u64 addr, size_t index);

const char *symbolizer__kernel(struct symbolizer *s, __u64 addr)
{
	const char *name;
	size_t index;
	int err = ksyms__lookup_index(s->kernel, addr, &name, &index);

	if (err == -ENOMEM)
		return NULL;
	if (err)
		return s->unknown;
	name = symbol_name(s, name);
	/* the origin of a symbol is kept once per table read (see struct origin) */
	if (!name || (s->knoted && s->knoted_generation == ksyms__generation(s->kernel) &&
		      bit_test(s->knoted, index)))
		return name;
	return note_kernel(s, name, addr, index);
}

/* ------------------------------------------------------------------------
 * ELF files, cached by build id or by inode
 * ------------------------------------------------------------------------ */

static struct file_key **file_bucket(struct symbolizer *s, const __u8 *key, size_t len)
{
	return &s->file_keys[vigil_hash_bytes(key, len, 0) & (FILE_BUCKETS - 1)];
}

/* A mapping starts pointing at file: it is no longer idle. */
static struct file_entry *file_get(struct symbolizer *s, struct file_entry *file)
{
	if (file->refs++ == 0 && (file->idle_prev || s->idle_head == file)) {
		if (file->idle_prev)
			file->idle_prev->idle_next = file->idle_next;
		else
			s->idle_head = file->idle_next;
		if (file->idle_next)
			file->idle_next->idle_prev = file->idle_prev;
		else
			s->idle_tail = file->idle_prev;
		file->idle_next = file->idle_prev = NULL;
		s->nr_idle--;
	}
	return file;
}

/* Forget a file: its keys, its place in the list, its symbols. */
static void file_evict(struct symbolizer *s, struct file_entry *file)
{
	for (size_t i = 0; i < FILE_BUCKETS; i++) {
		struct file_key **link = &s->file_keys[i], *k;

		while ((k = *link)) {
			if (k->file == file) {
				*link = k->next;
				free(k);
			} else {
				link = &k->next;
			}
		}
	}
	if (file->prev)
		file->prev->next = file->next;
	else
		s->files = file->next;
	if (file->next)
		file->next->prev = file->prev;
	elf_syms__free(file->syms);
	free(file->noted);
	free(file);
	s->stats.files_evicted++;
}

/* A mapping stops pointing at file; past FILES_IDLE_MAX idle files the oldest goes. */
static void file_put(struct symbolizer *s, struct file_entry *file)
{
	if (!file || --file->refs)
		return;
	file->idle_prev = s->idle_tail;
	if (s->idle_tail)
		s->idle_tail->idle_next = file;
	else
		s->idle_head = file;
	s->idle_tail = file;
	if (++s->nr_idle <= FILES_IDLE_MAX)
		return;
	file = s->idle_head;
	s->idle_head = file->idle_next;
	if (s->idle_head)
		s->idle_head->idle_prev = NULL;
	else
		s->idle_tail = NULL;
	s->nr_idle--;
	file_evict(s, file);
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
	/* 'B', the build id and the .symtab's hash: a copy with these very symbols */
	__u8 full[1 + ELF_BUILD_ID_MAX + sizeof(__u64)];
	size_t full_len; /* 0: no .symtab */
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
 * build id (a copy of a known file, or the same file seen in a
 * container). A file with a .symtab is found only as a copy with the same
 * symbols; a stripped one takes any file of its build id with full
 * symbols. 0 and *out set; -ENOENT for a new file, with keys filled to add
 * it under.
 */
static int file_cache_lookup(struct symbolizer *s, int fd, struct file_keys *keys,
			     struct file_entry **out)
{
	struct file_entry *file;
	__u64 symtab;
	size_t len;
	int err;

	keys->build_id_len = keys->full_len = 0;
	err = inode_key_of(fd, keys->ino);
	if (err)
		return err;
	file = file_cache_find(s, keys->ino, sizeof(keys->ino));
	if (!file) {
		keys->build_id[0] = 'b';
		if (elf_read_identity(fd, keys->build_id + 1, ELF_BUILD_ID_MAX, &len, &symtab))
			return -ENOENT;
		keys->build_id_len = 1 + len;
		if (symtab) {
			keys->full[0] = 'B';
			memcpy(keys->full + 1, keys->build_id + 1, len);
			memcpy(keys->full + 1 + len, &symtab, sizeof(symtab));
			keys->full_len = 1 + len + sizeof(symtab);
			file = file_cache_find(s, keys->full, keys->full_len);
		} else {
			file = file_cache_find(s, keys->build_id, keys->build_id_len);
		}
		if (!file)
			return -ENOENT;
		/* found by inode next time */
		err = file_cache_add(s, keys->ino, sizeof(keys->ino), file);
		if (err)
			return err;
	}
	s->stats.file_cache_hits++;
	*out = file_get(s, file);
	return 0;
}

/* A build id in hex, interned; NULL when out of memory. */
static const char *build_id_hex(struct symbolizer *s, const __u8 *id, size_t len)
{
	char hex[2 * ELF_BUILD_ID_MAX + 1];

	for (size_t i = 0; i < len && i < ELF_BUILD_ID_MAX; i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
	hex[2 * (len < ELF_BUILD_ID_MAX ? len : ELF_BUILD_ID_MAX)] = '\0';
	return strtab__intern(s->strs, hex);
}

/*
 * A new entry in the list of files, holding syms (NULL: not ELF) of the
 * build id id (len 0: none); NULL, syms freed, on ENOMEM.
 */
static struct file_entry *file_new(struct symbolizer *s, struct elf_syms *syms, const __u8 *id,
				   size_t len)
{
	struct file_entry *file = calloc(1, sizeof(*file));

	if (file && len) {
		file->build_id = build_id_hex(s, id, len);
		if (!file->build_id) {
			free(file);
			file = NULL;
		}
	}
	if (!file) {
		elf_syms__free(syms);
		return NULL;
	}
	file->syms = syms;
	if (syms)
		s->stats.files_parsed++;
	file->next = s->files;
	if (s->files)
		s->files->prev = file;
	s->files = file;
	return file;
}

/* Parse a file not seen before and add it to the cache under its keys. */
static int file_cache_parse(struct symbolizer *s, const char *path, int fd,
			    const struct elf_syms_opts *eo, const struct file_keys *keys,
			    struct file_entry **out)
{
	struct elf_syms *syms = elf_syms__open(path, fd, eo);
	struct file_entry *file;
	int err = 0;

	if (!syms && errno == ENOMEM)
		return -ENOMEM;
	file = file_new(s, syms, keys->build_id + 1,
			keys->build_id_len ? keys->build_id_len - 1 : 0);
	if (!file)
		return -ENOMEM;
	/*
	 * Only full symbols serve stripped files by build id: an unstripped
	 * file must not be named from a stripped copy's .dynsym, and takes
	 * only a copy with its very symbols (the 'B' key).
	 */
	if (keys->build_id_len && elf_syms__full(file->syms))
		err = file_cache_add(s, keys->build_id, keys->build_id_len, file);
	if (!err && keys->full_len)
		err = file_cache_add(s, keys->full, keys->full_len, file);
	if (!err)
		err = file_cache_add(s, keys->ino, sizeof(keys->ino), file);
	if (!err)
		*out = file_get(s, file);
	return err;
}

/* "/proc/PID/WHAT", or through the live thread that stands for the process. */
static void proc_path(const struct proc *p, const char *what, char *buf, size_t size)
{
	if (p->tid)
		snprintf(buf, size, "/proc/%u/task/%u/%s", p->pid, p->tid, what);
	else
		snprintf(buf, size, "/proc/%u/%s", p->pid, what);
}

/*
 * Open the file behind a mapping. map_files reaches the very inode that is
 * mapped, also when it was deleted or lives in another mount namespace, but
 * needs privilege; the path through the process's root and then the path
 * as is come next, checked against the mapped inode number so a file
 * replaced since is not read in its place.
 */
static int open_mapped_file(const struct proc *p, const struct mapping *m, char *path, size_t size)
{
	char root[48];
	struct stat st;
	int fd;

	/* a thread's folder has no map_files: through it, a deleted file is not reached */
	snprintf(path, size, "/proc/%u/map_files/%llx-%llx", p->pid, (unsigned long long)m->start,
		 (unsigned long long)m->end);
	fd = p->tid ? -1 : open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	if (m->deleted)
		return -ENOENT; /* the path names another file now, or none */
	proc_path(p, "root", root, sizeof(root));
	snprintf(path, size, "%s%s", root, m->path);
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
static int resolve_file(struct symbolizer *s, const struct proc *p, struct mapping *m)
{
	char path[PATH_MAX + 64], root[48];
	struct elf_syms_opts eo = {.proc_path = m->path, .root = root, .debuginfo = s->debuginfo};
	struct file_keys keys;
	int fd, err;

	proc_path(p, "root", root, sizeof(root));
	fd = open_mapped_file(p, m, path, sizeof(path));
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
 * Where names came from: files, build ids, mappings (for pprof)
 * ------------------------------------------------------------------------ */

static size_t origin_index(const struct symbolizer *s, const char *name)
{
	return (size_t)(((__u64)(uintptr_t)name * 0x9e3779b97f4a7c15ULL) >> (64 - s->origins_bits));
}

static struct origin *origin_find(const struct symbolizer *s, const char *name)
{
	struct origin *o;

	if (!s->origins_cap)
		return NULL;
	for (size_t i = origin_index(s, name); (o = &s->origins[i])->name;
	     i = (i + 1) & (s->origins_cap - 1)) {
		if (o->name == name)
			return o;
	}
	return NULL;
}

static int origins_grow(struct symbolizer *s)
{
	struct origin *old = s->origins;
	size_t old_cap = s->origins_cap;
	unsigned int bits = old_cap ? s->origins_bits + 1 : 10;

	s->origins = calloc((size_t)1 << bits, sizeof(*s->origins));
	if (!s->origins) {
		s->origins = old;
		return -ENOMEM;
	}
	s->origins_bits = bits;
	s->origins_cap = (size_t)1 << bits;
	for (size_t i = 0; i < old_cap; i++) {
		size_t j;

		if (!old[i].name)
			continue;
		for (j = origin_index(s, old[i].name); s->origins[j].name;)
			j = (j + 1) & (s->origins_cap - 1);
		s->origins[j] = old[i];
	}
	free(old);
	return 0;
}

/* The entry of name (interned in s->strs), added empty if new; NULL when out of memory. */
static struct origin *origin_get(struct symbolizer *s, const char *name)
{
	struct origin *o = origin_find(s, name);
	size_t i;

	if (o)
		return o;
	if ((s->nr_origins + 1) * 2 > s->origins_cap && origins_grow(s))
		return NULL;
	for (i = origin_index(s, name); s->origins[i].name; i = (i + 1) & (s->origins_cap - 1))
		;
	o = &s->origins[i];
	o->name = name;
	s->nr_origins++;
	return o;
}

/* Is mapping m's file the one o was seen in? The same build id, or no build ids and one path. */
static bool origin_same_file(const struct origin *o, const struct mapping *m)
{
	const char *build_id = m->file ? m->file->build_id : NULL;

	if (o->build_id || build_id)
		return o->build_id == build_id; /* both interned */
	return o->path == m->path;
}

/* Keep in o that name was seen at addr in mapping m, or that it names no one file now. */
static void origin_see(struct origin *o, const struct mapping *m, __u64 addr)
{
	if (o->user == ORIGIN_ONE && !origin_same_file(o, m))
		o->user = ORIGIN_AMBIGUOUS;
	if (o->user != ORIGIN_NONE)
		return;
	o->user = ORIGIN_ONE;
	o->path = m->path;
	o->build_id = m->file ? m->file->build_id : NULL;
	o->start = m->start;
	o->end = m->end;
	o->pgoff = m->pgoff;
	o->addr = addr;
}

/*
 * The name to show for symbol raw, number index of m's file, named at
 * addr; the first time the file names a frame after it, where it came
 * from is kept. NULL when out of memory.
 */
static const char *symbol_of(struct symbolizer *s, const char *raw, struct mapping *m, __u64 addr,
			     size_t index)
{
	const char *name = symbol_name(s, raw);
	struct file_entry *file = m->file;
	struct origin *o;

	if (!name || (file->noted && bit_test(file->noted, index)))
		return name;
	if (!file->noted) {
		file->noted = calloc(elf_syms__size(file->syms) / 8 + 1, 1);
		if (!file->noted)
			return NULL;
	}
	bit_set(file->noted, index);
	o = origin_get(s, name);
	if (!o)
		return NULL;
	origin_see(o, m, addr);
	return name;
}

/* Mapping m names a frame FILE+0xOFFSET, FILE being base: keep the file among the bases. */
static int note_offsets(struct symbolizer *s, struct mapping *m, const char *base)
{
	const char *key = strtab__intern(s->strs, base);
	struct origin *o = NULL;

	if (!key)
		return -ENOMEM;
	for (size_t i = 0; i < s->nr_bases && !o; i++) {
		if (s->bases[i].name == key)
			o = &s->bases[i];
	}
	if (!o) {
		if (s->nr_bases == s->bases_cap) {
			size_t cap = s->bases_cap ? 2 * s->bases_cap : 16;
			struct origin *bigger = realloc(s->bases, cap * sizeof(*bigger));

			if (!bigger)
				return -ENOMEM;
			s->bases = bigger;
			s->bases_cap = cap;
		}
		o = &s->bases[s->nr_bases++];
		*o = (struct origin){.name = key};
	}
	origin_see(o, m, 0);
	m->offsets_noted = true;
	return 0;
}

/* The running kernel's build id, from its notes, read once; NULL: none, or not readable. */
static int read_kernel_build_id(struct symbolizer *s)
{
	__u8 notes[4096], id[ELF_BUILD_ID_MAX];
	size_t len;
	ssize_t n = -1;
	int fd;

	s->kernel_build_id_read = true;
	fd = open(KERNEL_NOTES, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, notes, sizeof(notes));
		close(fd);
	}
	if (n <= 0 || elf_notes_build_id(notes, n, id, sizeof(id), &len))
		return 0;
	s->kernel_build_id = build_id_hex(s, id, len);
	return s->kernel_build_id ? 0 : -ENOMEM;
}

/*
 * Kernel symbol number index, named name at addr, has not been seen since
 * kallsyms was last read: keep whether it lies in the core kernel's text.
 */
static const char *note_kernel(struct symbolizer *s, const char *name, __u64 addr, size_t index)
{
	unsigned long generation = ksyms__generation(s->kernel);
	struct origin *o;
	__u8 where;

	if (!s->knoted || s->knoted_generation != generation) {
		free(s->knoted);
		s->knoted = calloc(ksyms__size(s->kernel) / 8 + 1, 1);
		if (!s->knoted)
			return NULL;
		s->knoted_generation = generation;
	}
	bit_set(s->knoted, index);
	if (!s->ktext_end)
		ksyms__core_text(s->kernel, &s->ktext_start, &s->ktext_end);
	where = addr >= s->ktext_start && addr < s->ktext_end ? ORIGIN_KERNEL_CORE
							      : ORIGIN_KERNEL_OTHER;
	o = origin_get(s, name);
	if (!o)
		return NULL;
	if (where == ORIGIN_KERNEL_CORE && !o->kernel)
		o->kaddr = addr;
	o->kernel |= where;
	if (where == ORIGIN_KERNEL_CORE && !s->kernel_build_id_read && read_kernel_build_id(s))
		return NULL;
	return name;
}

/* The mapping of a user origin, as symbolizer__origin gives it; no address yet. */
static void user_origin(const struct origin *o, struct symbolizer_origin *out)
{
	*out = (struct symbolizer_origin){
		.path = o->path,
		.build_id = o->build_id,
		.start = o->start,
		.limit = o->end,
		.offset = o->pgoff,
	};
}

/* The origin of a name FILE+0xOFFSET from the file kept among the bases. */
static bool offset_origin(const struct symbolizer *s, const char *name,
			  struct symbolizer_origin *out)
{
	const char *plus = NULL, *key;
	unsigned long long off;
	const struct origin *o = NULL;
	char *end;

	for (const char *p = strstr(name, "+0x"); p; p = strstr(p + 1, "+0x"))
		plus = p;
	if (!plus || !isxdigit((unsigned char)plus[3]))
		return false;
	errno = 0;
	off = strtoull(plus + 3, &end, 16);
	if (*end || errno)
		return false;
	key = strtab__find_len(s->strs, name, plus - name);
	for (size_t i = 0; key && i < s->nr_bases && !o; i++) {
		if (s->bases[i].name == key)
			o = &s->bases[i];
	}
	if (!o || o->user != ORIGIN_ONE)
		return false;
	user_origin(o, out);
	/* the address of the offset, when it lies in the mapping kept */
	if (off >= o->pgoff && off - o->pgoff < o->end - o->start)
		out->addr = o->start + (off - o->pgoff);
	return true;
}

bool symbolizer__origin(const struct symbolizer *s, const char *name, bool kernel,
			struct symbolizer_origin *out)
{
	const char *key = strtab__find(s->strs, name);
	const struct origin *o = key ? origin_find(s, key) : NULL;

	if (kernel) {
		if (!o || o->kernel != ORIGIN_KERNEL_CORE)
			return false;
		*out = (struct symbolizer_origin){
			.path = KERNEL_NAME,
			.build_id = s->kernel_build_id,
			.start = s->ktext_start,
			.limit = s->ktext_end,
			.addr = o->kaddr,
			.kernel = true,
			.symbol = true,
		};
		return true;
	}
	if (!o || o->user == ORIGIN_NONE)
		return offset_origin(s, name, out);
	if (o->user != ORIGIN_ONE)
		return false;
	user_origin(o, out);
	out->addr = o->addr;
	out->symbol = true;
	return true;
}

/* ------------------------------------------------------------------------
 * The vDSO, from the process's memory
 * ------------------------------------------------------------------------ */

static bool is_vdso(const struct mapping *m)
{
	return m->kind == MAPPING_SPECIAL && !strcmp(m->path, VDSO_NAME);
}

/*
 * The vDSO's symbols, from its image in the process's memory (root may
 * read /proc/PID/mem), cached by build id (else by a hash of the image), so
 * that every process of one kernel shares one parse. An image that cannot
 * be read leaves m->file NULL; only -ENOMEM is an error.
 */
static int resolve_vdso(struct symbolizer *s, const struct proc *p, struct mapping *m)
{
	size_t size = m->end - m->start, len;
	__u8 key[1 + ELF_BUILD_ID_MAX];
	struct file_entry *file;
	struct elf_syms *syms;
	unsigned long long h;
	char path[64];
	void *image;
	ssize_t n = -1;
	int fd, err = 0;

	m->resolved = true;
	if (!size || size > VDSO_SIZE_MAX)
		return 0;
	image = malloc(size);
	if (!image)
		return -ENOMEM;
	proc_path(p, "mem", path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = pread(fd, image, size, m->start);
		close(fd);
	}
	if (n != (ssize_t)size)
		goto out;
	key[0] = 'b';
	if (elf_image_build_id(image, size, key + 1, ELF_BUILD_ID_MAX, &len)) {
		h = vigil_hash_bytes(image, size, 0);
		key[0] = 'h';
		memcpy(key + 1, &h, sizeof(h));
		len = sizeof(h);
	}
	m->file = file_cache_find(s, key, 1 + len);
	if (m->file) {
		file_get(s, m->file);
		s->stats.file_cache_hits++;
		goto out;
	}
	syms = elf_syms__open_image(image, size);
	if (!syms && errno == ENOMEM) {
		err = -ENOMEM;
		goto out;
	}
	file = file_new(s, syms, key + 1, key[0] == 'b' ? len : 0);
	err = file ? file_cache_add(s, key, 1 + len, file) : -ENOMEM;
	if (!err)
		m->file = file_get(s, file);
out:
	free(image);
	return err;
}

/* A special mapping's name; in [vdso], the vDSO's function, or [vdso]+0xOFFSET. */
static const char *special_name(struct symbolizer *s, const struct proc *p, struct mapping *m,
				__u64 addr)
{
	char buf[64];
	const char *name;
	size_t index;
	__u64 off = addr - m->start; /* the vDSO is mapped whole, from its start */

	if (!is_vdso(m))
		return m->path;
	if (!m->resolved && resolve_vdso(s, p, m))
		return NULL;
	if (!m->file || !m->file->syms)
		return m->path;
	if (!elf_syms__lookup_index(m->file->syms, off, &name, &index))
		return symbol_of(s, name, m, addr, index);
	if (!m->offsets_noted && note_offsets(s, m, m->path))
		return NULL;
	snprintf(buf, sizeof(buf), "%s+0x%llx", m->path, (unsigned long long)off);
	return strtab__intern(s->strs, buf);
}

/* ------------------------------------------------------------------------
 * Process mappings from /proc/PID/maps
 * ------------------------------------------------------------------------ */

/* Parse "START-END PERMS PGOFF MAJ:MIN INODE [PATH]"; -EINVAL for a line that is not one. */
static int parse_maps_line(struct symbolizer *s, char *line, struct mapping *m)
{
	unsigned long long start, end, pgoff, inode;
	size_t len, suffix = strlen(DELETED_SUFFIX);
	char perms[8], *name, *slash;
	int n, pos = 0;

	n = sscanf(line, "%llx-%llx %7s %llx %*x:%*x %llu %n", &start, &end, perms, &pgoff, &inode,
		   &pos);
	if (n != 5 || !pos)
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	m->start = start;
	m->end = end;
	m->pgoff = pgoff;
	m->inode = inode;
	m->exec = strlen(perms) >= 3 && perms[2] == 'x';
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
static void carry_over(struct symbolizer *s, struct proc *p, struct mapping *maps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct mapping *old = find_mapping(p->maps, p->nr_maps, maps[i].start);

		if (old && old->start == maps[i].start && old->end == maps[i].end &&
		    old->pgoff == maps[i].pgoff && old->inode == maps[i].inode &&
		    old->path == maps[i].path && old->deleted == maps[i].deleted) {
			maps[i].file = old->file ? file_get(s, old->file) : NULL;
			maps[i].resolved = old->resolved;
		}
	}
}

static void free_maps(struct symbolizer *s, struct mapping *maps, size_t n)
{
	for (size_t i = 0; i < n; i++)
		file_put(s, maps[i].file);
	free(maps);
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

/* starttime of /proc/PID/stat, in clock ticks since boot: 0 and *ticks, or -errno. */
static int read_start_ticks(__u32 pid, __u64 *ticks)
{
	char path[64], buf[1024], *p;
	unsigned long long v;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EINVAL;
	buf[n] = '\0';
	/* the name in parentheses may hold anything; the fields start after the last ')' */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1,
			 " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
			 "%*d %*d %*d %*d %llu",
			 &v) != 1)
		return -EINVAL;
	*ticks = v;
	return 0;
}

/* The incarnation's process no longer holds its pid: it exited and the pid went to another. */
static bool proc_is_foreign(struct proc *p)
{
	__u64 now;

	if (p->foreign || !p->start_ticks)
		return p->foreign;
	if (!read_start_ticks(p->pid, &now) && now != p->start_ticks)
		p->foreign = true;
	return p->foreign;
}

/* The mappings in the process's maps, read through p->tid when it is set (proc_path). */
static int read_maps_of(struct symbolizer *s, const struct proc *p, struct mapping **maps,
			size_t *n)
{
	char path[64];
	int err;
	FILE *f;

	proc_path(p, "maps", path, sizeof(path));
	f = fopen(path, "re");
	if (!f)
		return -errno;
	err = read_maps_file(s, f, maps, n);
	fclose(f);
	return err;
}

/* (Re-)read a process's mappings; on failure the mappings known before stay. */
static int proc_read_maps(struct symbolizer *s, struct proc *p)
{
	struct mapping *maps = NULL;
	size_t n = 0;
	int err;

	err = read_maps_of(s, p, &maps, &n);
	if ((!err && !n) || (p->tid && err == -ENOENT)) {
		/* the main thread has exited (or the thread read through since): is one left? */
		free(maps);
		maps = NULL;
		n = 0;
		p->tid = proc_live_thread(p->pid);
		err = p->tid ? read_maps_of(s, p, &maps, &n) : 0;
	}
	if (err)
		goto out;
	if (!n) {
		free(maps); /* a zombie: its memory is gone already */
		err = -ESRCH;
		goto out;
	}
	/* read, then checked: the maps are this incarnation's only if the pid still is */
	if (proc_is_foreign(p)) {
		free(maps);
		goto out;
	}
	s->stats.maps_reads++;
	carry_over(s, p, maps, n);
	free_maps(s, p->maps, p->nr_maps);
	p->maps = maps;
	p->nr_maps = n;
	p->maps_known = true;
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

/*
 * Find the files of every executable mapping now, while the process runs:
 * it may exit, or delete or replace its files, before its samples are named.
 */
static int proc_resolve_all(struct symbolizer *s, struct proc *p)
{
	for (size_t i = 0; i < p->nr_maps; i++) {
		struct mapping *m = &p->maps[i];

		if (m->exec && m->kind == MAPPING_FILE && !m->resolved && resolve_file(s, p, m))
			return -ENOMEM;
		if (is_vdso(m) && !m->resolved && resolve_vdso(s, p, m))
			return -ENOMEM;
	}
	return 0;
}

static struct proc **proc_bucket(struct symbolizer *s, __u32 pid, __u32 gen)
{
	return &s->procs[(pid ^ gen * 0x9e3779b1U) & (PROC_BUCKETS - 1)];
}

static struct proc *proc_find(struct symbolizer *s, __u32 pid, __u32 gen)
{
	struct proc *p;

	if (s->last_proc && s->last_proc->pid == pid && s->last_proc->gen == gen)
		return s->last_proc; /* frames of one stack come together */
	for (p = *proc_bucket(s, pid, gen); p; p = p->next) {
		if (p->pid == pid && p->gen == gen)
			return p;
	}
	return NULL;
}

/* A new, empty incarnation in the cache. */
static struct proc *proc_add(struct symbolizer *s, __u32 pid, __u32 gen)
{
	struct proc **bucket, *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->pid = pid;
	p->gen = gen;
	p->used_sweep = s->sweeps;
	bucket = proc_bucket(s, pid, gen);
	p->next = *bucket;
	*bucket = p;
	if (++s->nr_procs > s->stats.procs_peak)
		s->stats.procs_peak = s->nr_procs;
	return p;
}

/*
 * The cache of an incarnation, made and filled on first use (its first
 * sample came before the event that announces it, or there is none);
 * *fresh says its maps were just read.
 */
static int proc_get(struct symbolizer *s, __u32 pid, __u32 gen, struct proc **out, bool *fresh)
{
	struct proc *p;
	int err;

	*fresh = false;
	p = proc_find(s, pid, gen);
	if (!p) {
		p = proc_add(s, pid, gen);
		if (!p)
			return -ENOMEM;
		err = proc_read_maps(s, p);
		if (err)
			return err;
		*fresh = true;
	}
	p->used_sweep = s->sweeps;
	s->last_proc = p;
	*out = p;
	return 0;
}

static void proc_free(struct symbolizer *s, struct proc *p)
{
	perfmap__free(p->perfmap);
	free_maps(s, p->maps, p->nr_maps);
	free(p);
	s->nr_procs--;
}

/* Unlink and free every cached incarnation for which drop() says so. */
static void procs_drop_if(struct symbolizer *s,
			  bool (*drop)(struct symbolizer *, struct proc *, const void *),
			  const void *arg)
{
	for (size_t i = 0; i < PROC_BUCKETS; i++) {
		struct proc **link = &s->procs[i], *p;

		while ((p = *link)) {
			if (!drop(s, p, arg)) {
				link = &p->next;
				continue;
			}
			*link = p->next;
			if (s->last_proc == p)
				s->last_proc = NULL;
			proc_free(s, p);
		}
	}
}

static bool same_pid(struct symbolizer *s, struct proc *p, const void *arg)
{
	(void)s;
	return p->pid == *(const __u32 *)arg;
}

void symbolizer__forget_pid(struct symbolizer *s, __u32 pid)
{
	if (s)
		procs_drop_if(s, same_pid, &pid);
}

/*
 * A child that exited before its mappings were read had its parent's, as
 * they were at the fork: take the parent's as vigil knows them.
 */
static int proc_inherit(struct symbolizer *s, struct proc *p, __u32 ptgid, __u32 pgen)
{
	struct proc *parent;
	bool fresh;

	if (!ptgid || proc_get(s, ptgid, pgen, &parent, &fresh))
		return ptgid ? -ENOMEM : 0;
	if (!parent->maps_known)
		return 0;
	p->maps = malloc(parent->nr_maps * sizeof(*p->maps));
	if (!p->maps)
		return -ENOMEM;
	memcpy(p->maps, parent->maps, parent->nr_maps * sizeof(*p->maps));
	p->nr_maps = parent->nr_maps;
	for (size_t i = 0; i < p->nr_maps; i++) {
		if (p->maps[i].file)
			file_get(s, p->maps[i].file);
	}
	p->maps_known = true;
	s->stats.maps_inherited++;
	return 0;
}

/* An incarnation ends: its samples until now are named from what it holds. */
static void proc_end(struct symbolizer *s, struct proc *p)
{
	if (!p->ended)
		p->end_epoch = s->epoch;
	p->ended = true;
}

/*
 * An incarnation announced by its first sample: read its mappings now,
 * unless it has ended already (gone). Its files are opened after every
 * announcement of the batch has been read, as parsing them takes longer.
 */
static int proc_seen(struct symbolizer *s, const struct vigil_proc_event *ev, bool gone)
{
	__u64 ns_per_tick = 1000000000ULL / (__u64)s->clk_tck;
	struct proc *p = proc_find(s, ev->tgid, ev->gen);

	if (!p) {
		p = proc_add(s, ev->tgid, ev->gen);
		if (!p)
			return -ENOMEM;
		p->start_ticks = ev->start_boottime / ns_per_tick;
		if (gone)
			proc_end(s, p);
		else if (proc_read_maps(s, p))
			return -ENOMEM;
	}
	if (!p->maps_known && proc_inherit(s, p, ev->parent_tgid, ev->parent_gen))
		return -ENOMEM;
	return 0;
}

/* Does an event after evs[i] end the incarnation evs[i] announces? */
static bool ended_later(const struct vigil_proc_event *evs, size_t n, size_t i)
{
	for (size_t j = i + 1; j < n; j++) {
		if (evs[j].tgid == evs[i].tgid && evs[j].gen == evs[i].gen &&
		    (evs[j].type == VIGIL_PROC_EXEC || evs[j].type == VIGIL_PROC_EXIT))
			return true;
	}
	return false;
}

int symbolizer__proc_events(struct symbolizer *s, const struct vigil_proc_event *evs, size_t n)
{
	struct proc *p;
	int err;

	for (size_t i = 0; i < n; i++) {
		const struct vigil_proc_event *ev = &evs[i];

		switch (ev->type) {
		case VIGIL_PROC_SEEN:
			err = proc_seen(s, ev, ended_later(evs, n, i));
			if (err)
				return err;
			break;
		case VIGIL_PROC_MAPS:
			p = proc_find(s, ev->tgid, ev->gen);
			if (!p)
				err = proc_seen(s, ev, ended_later(evs, n, i));
			else if (!p->ended && !ended_later(evs, n, i))
				err = proc_read_maps(s, p);
			else
				err = 0;
			if (err)
				return err;
			break;
		case VIGIL_PROC_EXEC:
		case VIGIL_PROC_EXIT:
			p = proc_find(s, ev->tgid, ev->gen);
			if (p)
				proc_end(s, p);
			break;
		default:
			break;
		}
	}
	/* then the files of those that run, while their map_files are there */
	for (size_t i = 0; i < n; i++) {
		if (evs[i].type != VIGIL_PROC_SEEN && evs[i].type != VIGIL_PROC_MAPS)
			continue;
		p = proc_find(s, evs[i].tgid, evs[i].gen);
		if (p && !p->ended && proc_resolve_all(s, p))
			return -ENOMEM;
	}
	return 0;
}

/*
 * Dropped at a sweep: incarnations that ended before the drain began
 * (every sample of theirs was in the buffer just drained), and ones not
 * looked up for PROC_IDLE_SWEEPS sweeps (a lost exit event, or a process
 * that stopped running; read again if it runs again).
 */
static bool proc_done(struct symbolizer *s, struct proc *p, const void *arg)
{
	(void)arg;
	return (p->ended && p->end_epoch < s->epoch) ||
	       s->sweeps - p->used_sweep > PROC_IDLE_SWEEPS;
}

void symbolizer__drain_begin(struct symbolizer *s)
{
	s->epoch++;
}

void symbolizer__sweep(struct symbolizer *s)
{
	s->sweeps++;
	procs_drop_if(s, proc_done, NULL);
}

/* ------------------------------------------------------------------------
 * JIT code from /tmp/perf-PID.map
 * ------------------------------------------------------------------------ */

/* Bring p's perf map up to date, counting and saying (once per process) what it skipped. */
static int perfmap_refresh(struct symbolizer *s, struct proc *p)
{
	struct perfmap_stats before, after;
	int err;

	perfmap__stats(p->perfmap, &before);
	err = perfmap__refresh(p->perfmap);
	perfmap__stats(p->perfmap, &after);
	s->stats.perfmap_skipped += after.skipped - before.skipped;
	if (after.skipped > before.skipped && s->warn && !p->perfmap_warned) {
		fprintf(stderr, "vigil: pid %u: perf map: malformed lines skipped: %lu\n", p->pid,
			after.skipped);
		p->perfmap_warned = true;
	}
	if ((err == -ELOOP || err == -EPERM) && !p->perfmap_refused) {
		vigil_info(1, "pid %u: perf map ignored: %s", p->pid,
			   err == -ELOOP ? "a symbolic link"
					 : "not a regular file of root, vigil's user or the "
					   "process's user");
		p->perfmap_refused = true;
	}
	return err == -ENOMEM ? err : 0; /* else the map stays as it was */
}

/* Name of addr in anonymous memory or in no mapping: its perf map entry, else fallback. */
static const char *jit_name(struct symbolizer *s, struct proc *p, __u64 addr, const char *fallback)
{
	unsigned long long now = now_ns();
	const char *name;

	if (!p->perfmap) {
		p->perfmap = perfmap__new_pid(p->pid);
		if (!p->perfmap)
			return NULL;
		p->perfmap_checked_ns = now - PERFMAP_RECHECK_NS;
	}
	if (now - p->perfmap_checked_ns >= PERFMAP_RECHECK_NS) {
		p->perfmap_checked_ns = now;
		if (perfmap_refresh(s, p))
			return NULL;
	}
	if (perfmap__find(p->perfmap, addr, &name))
		return fallback;
	return strtab__intern(s->strs, name);
}

/* ------------------------------------------------------------------------
 * Public API
 * ------------------------------------------------------------------------ */

/* Name of addr inside mapping m: its symbol, FILE+0xOFFSET, the special name, or [unknown]. */
static const char *mapping_name(struct symbolizer *s, const struct proc *p, struct mapping *m,
				__u64 addr)
{
	char buf[PATH_MAX + 32];
	const char *name;
	size_t index;
	__u64 off;

	if (m->kind == MAPPING_ANON)
		return s->unknown;
	if (m->kind == MAPPING_SPECIAL)
		return special_name(s, p, m, addr);
	if (!m->resolved && resolve_file(s, p, m))
		return NULL;
	off = addr - m->start + m->pgoff;
	if (m->file && m->file->syms && !elf_syms__lookup_index(m->file->syms, off, &name, &index))
		return symbol_of(s, name, m, addr, index);
	if (!m->offsets_noted && note_offsets(s, m, m->base))
		return NULL;
	snprintf(buf, sizeof(buf), "%s+0x%llx", m->base, (unsigned long long)off);
	return strtab__intern(s->strs, buf);
}

/*
 * The mapping of addr in p, re-reading the maps once on a miss while the
 * incarnation runs (a library loaded since), at most once per RETRY_NS
 * after a re-read that did not help. NULL when no mapping holds it.
 */
static struct mapping *proc_mapping(struct symbolizer *s, struct proc *p, __u64 addr, bool fresh,
				    int *err)
{
	struct mapping *m = find_mapping(p->maps, p->nr_maps, addr);

	*err = 0;
	if (m || fresh || p->ended || p->foreign || now_ns() < p->quiet_until_ns)
		return m;
	*err = proc_read_maps(s, p);
	if (*err)
		return NULL;
	m = find_mapping(p->maps, p->nr_maps, addr);
	if (!m)
		p->quiet_until_ns = now_ns() + RETRY_NS;
	return m;
}

const char *symbolizer__user(struct symbolizer *s, __u32 pid, __u64 addr, bool is_return)
{
	const char *name;
	int n;

	n = symbolizer__user_stack(s, pid, 0 /* gen */, &addr, 1, is_return, &name, NULL);
	return n < 0 ? NULL : name;
}

int symbolizer__user_stack(struct symbolizer *s, __u32 pid, __u32 gen, const __u64 *ips, int n,
			   bool first_is_return, const char **names, bool *cut)
{
	struct mapping *m;
	struct proc *p;
	bool fresh;
	int err, i;

	if (cut)
		*cut = false;
	if (proc_get(s, pid, gen, &p, &fresh))
		return -ENOMEM;
	/*
	 * Nothing known of the process (it was gone before it could be read):
	 * one frame says so, rather than a column of [unknown] that only
	 * splits its samples by addresses no one can read.
	 */
	if (!p->maps_known && n > 1)
		n = 1;
	for (i = 0; i < n; i++) {
		/* a return address points past its call: look up the call itself */
		__u64 addr = ips[i];

		if ((i > 0 || first_is_return) && addr)
			addr--;
		m = proc_mapping(s, p, addr, fresh, &err);
		if (err)
			return err;
		/*
		 * Outside every executable mapping of a process whose mappings
		 * are known, an address is where the walk went astray (code
		 * built without frame pointers): the stack ends there.
		 */
		if (i > 0 && cut && p->maps_known && (!m || !m->exec)) {
			*cut = true;
			return i;
		}
		if (m && m->kind != MAPPING_ANON)
			names[i] = mapping_name(s, p, m, addr);
		else
			names[i] = jit_name(s, p, addr, s->unknown); /* JIT code, or [unknown] */
		if (!names[i])
			return -ENOMEM;
	}
	return n;
}

struct symbolizer *symbolizer__new(const struct symbolizer_opts *opts)
{
	struct symbolizer *s = calloc(1, sizeof(*s));
	struct debuginfo_opts dopts = {};

	if (!s)
		return NULL;
	s->warn = opts && opts->warn;
	s->clk_tck = sysconf(_SC_CLK_TCK);
	if (s->clk_tck <= 0)
		s->clk_tck = 100;
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
	if (!(opts && opts->no_demangle)) {
		s->demangler = demangler__new(s->strs);
		if (!s->demangler)
			goto err;
	}
	s->kernel = ksyms__new(s->warn);
	if (!s->kernel)
		goto err;
	return s;
err:
	symbolizer__free(s);
	errno = ENOMEM;
	return NULL;
}

static bool any_proc(struct symbolizer *s, struct proc *p, const void *arg)
{
	(void)s, (void)p, (void)arg;
	return true;
}

void symbolizer__free(struct symbolizer *s)
{
	struct file_entry *file, *next_file;
	struct file_key *key, *next_key;
	size_t i;

	if (!s)
		return;
	procs_drop_if(s, any_proc, NULL);
	for (i = 0; i < FILE_BUCKETS; i++) {
		for (key = s->file_keys[i]; key; key = next_key) {
			next_key = key->next;
			free(key);
		}
	}
	for (file = s->files; file; file = next_file) {
		next_file = file->next;
		elf_syms__free(file->syms);
		free(file->noted);
		free(file);
	}
	free(s->origins);
	free(s->bases);
	free(s->knoted);
	demangler__free(s->demangler);
	debuginfo__free(s->debuginfo);
	ksyms__free(s->kernel);
	strtab__free(s->strs);
	free(s);
}

void symbolizer__stats(const struct symbolizer *s, struct symbolizer_stats *out)
{
	struct ksyms_stats ks;

	*out = s->stats;
	ksyms__stats(s->kernel, &ks);
	out->kernel_reads = ks.reads;
	out->kernel_reads_skipped = ks.reads_skipped;
	out->procs_cached = s->nr_procs;
	out->files_cached = 0;
	for (const struct file_entry *f = s->files; f; f = f->next)
		out->files_cached++;
}
