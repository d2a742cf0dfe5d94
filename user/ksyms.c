// SPDX-License-Identifier: GPL-2.0
/* ksyms.c: kernel addresses to names: kallsyms, bounded by module and BPF program ranges. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include "ksyms.h"
#include "strtab.h"
#include "symtab.h"
#include "util.h"

#define KALLSYMS_PATH "/proc/kallsyms"
#define MODULES_PATH  "/proc/modules"

/* A miss may mean a module or BPF program was loaded since: read again, at most once a second. */
#define RETRY_NS 1000000000ULL

/* Room for kernel text symbols and their names from the start; each doubles past it. */
#define KSYMS_RESERVE	    65536
#define KSYMS_NAMES_RESERVE (1 << 20)

/* The kernel's MODULE_NAME_LEN is 64 less a pointer: 55 characters and a NUL at most. */
#define MODULE_NAME_MAX 64

/* Kallsyms' module tag of BPF programs, trampolines and dispatchers. */
#define BPF_TAG		"bpf"
#define BPF_PROG_PREFIX "bpf_prog_"
/* Pseudo-modules of code the kernel generates: ftrace trampolines, kprobe slots. */
#define BUILTIN_TAG_PREFIX "__builtin__"

/* Of the kernel symbols at one address, the lowest rank names it. */
enum ksym_rank {
	KSYM_GLOBAL,
	KSYM_WEAK,
	KSYM_LOCAL,
	KSYM_BOUND,	  /* a section bound, such as _text */
	KSYM_END_OF_TEXT, /* _etext or _einittext, kept as a marker */
};

/* A loaded module: its code starts at base; end adds the size of all its memory. */
struct kmod {
	char name[MODULE_NAME_MAX];
	__u64 base, end;
};

/* One JITed BPF function: a program, or one of its subprograms. */
struct kbpf {
	__u64 addr;
	__u32 len;
};

/* The exact ranges one read of kallsyms bounds module and BPF symbols by. */
struct kranges {
	struct kmod *mods;
	size_t nr_mods, cap_mods;
	bool mods_known; /* else module symbols end at the next symbol */
	struct kbpf *bpf;
	size_t nr_bpf, cap_bpf;
	bool bpf_known;		     /* else BPF programs end at the next symbol */
	const struct kmod *last_mod; /* the previous line's module: lines come module by module */
	__u64 image_max;	     /* the page size */
	size_t nr_syms;		     /* named text symbols kept, for -v */
	__u64 text_start, text_end;  /* the core kernel's text, _text (or _stext) to _etext */
};

struct ksyms {
	struct symtab *table;
	char *kallsyms_path;  /* NULL: KALLSYMS_PATH */
	char *modules_path;   /* NULL: MODULES_PATH, or none when kallsyms_path is set */
	struct kranges given; /* BPF ranges given by ksyms__add_bpf_range(), instead of bpf(2)'s */
	struct ksyms_stats stats;
	bool loaded, unusable, warn, bpf_warned;
	unsigned long long read_ns;
	__u64 code_sig; /* code_signature() when the table was read */
	bool sig_known;
	__u64 text_start, text_end; /* of the table read; both 0: unknown */
	unsigned long generation;   /* tables read and kept */
};

/* ------------------------------------------------------------------------
 * Exact ranges: modules from /proc/modules, BPF functions from bpf(2)
 * ------------------------------------------------------------------------ */

static void kranges_free(struct kranges *r)
{
	free(r->mods);
	free(r->bpf);
	memset(r, 0, sizeof(*r));
}

/* Room for one more element in an array of *cap elements of size each. */
static int grow(void **v, size_t n, size_t *cap, size_t size)
{
	size_t new_cap = *cap ? *cap * 2 : 64;
	void *bigger;

	if (n < *cap)
		return 0;
	bigger = realloc(*v, new_cap * size);
	if (!bigger)
		return -ENOMEM;
	*v = bigger;
	*cap = new_cap;
	return 0;
}

static int bpf_add(struct kranges *r, __u64 addr, __u32 len)
{
	int err = grow((void **)&r->bpf, r->nr_bpf, &r->cap_bpf, sizeof(*r->bpf));

	if (err)
		return err;
	r->bpf[r->nr_bpf++] = (struct kbpf){.addr = addr, .len = len};
	return 0;
}

/*
 * Parse /proc/modules: "NAME SIZE REFS DEPS STATE ADDRESS [TAINTS]". The
 * address is where the module's code starts; the size counts all its
 * memory, so the range may reach past its code, never into another
 * module's code.
 */
static int modules_read(struct kranges *r, const char *path)
{
	unsigned long long size, base;
	char *line = NULL;
	size_t cap = 0;
	int err = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (!err && getline(&line, &cap, f) > 0) {
		struct kmod *m;

		err = grow((void **)&r->mods, r->nr_mods, &r->cap_mods, sizeof(*r->mods));
		if (err)
			break;
		m = &r->mods[r->nr_mods];
		if (sscanf(line, "%63s %llu %*s %*s %*s %llx", m->name, &size, &base) != 3 || !base)
			continue; /* a line this parser does not know, or hidden addresses */
		m->base = base;
		m->end = base + size;
		r->nr_mods++;
	}
	if (!err && ferror(f))
		err = -EIO;
	free(line);
	fclose(f);
	return err;
}

/* Add the JITed functions of the program open at fd; one not JITed has none. */
static int bpf_prog_ranges(struct kranges *r, int fd)
{
	struct bpf_prog_info info = {};
	__u32 info_len = sizeof(info), n, i;
	__u64 *addrs = NULL;
	__u32 *lens = NULL;
	int err;

	if (bpf_obj_get_info_by_fd(fd, &info, &info_len))
		return -errno;
	n = info.nr_jited_ksyms;
	if (!n || info.nr_jited_func_lens != n)
		return 0;
	addrs = calloc(n, sizeof(*addrs));
	lens = calloc(n, sizeof(*lens));
	err = -ENOMEM;
	if (!addrs || !lens)
		goto out;
	memset(&info, 0, sizeof(info));
	info.nr_jited_ksyms = n;
	info.jited_ksyms = (__u64)(unsigned long)addrs;
	info.nr_jited_func_lens = n;
	info.jited_func_lens = (__u64)(unsigned long)lens;
	info_len = sizeof(info);
	err = bpf_obj_get_info_by_fd(fd, &info, &info_len) ? -errno : 0;
	/* addresses read as zero where kallsyms hides them too */
	for (i = 0; !err && i < n; i++) {
		if (addrs[i] && lens[i])
			err = bpf_add(r, addrs[i], lens[i]);
	}
out:
	free(lens);
	free(addrs);
	return err;
}

/* Every loaded BPF program's JITed functions (needs CAP_SYS_ADMIN). */
static int bpf_read(struct kranges *r)
{
	__u32 id = 0;
	int err, fd;

	for (;;) {
		if (bpf_prog_get_next_id(id, &id))
			return errno == ENOENT ? 0 : -errno;
		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0) {
			if (errno == ENOENT)
				continue; /* unloaded since */
			return -errno;
		}
		err = bpf_prog_ranges(r, fd);
		close(fd);
		if (err)
			return err;
	}
}

static int cmp_bpf(const void *a, const void *b)
{
	const struct kbpf *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return 0;
}

static const struct kbpf *bpf_find(const struct kranges *r, __u64 addr)
{
	struct kbpf key = {.addr = addr};

	if (!r->nr_bpf)
		return NULL;
	return bsearch(&key, r->bpf, r->nr_bpf, sizeof(*r->bpf), cmp_bpf);
}

static const struct kmod *mod_find(struct kranges *r, const char *name, size_t len)
{
	const struct kmod *m = r->last_mod;

	if (m && strlen(m->name) == len && !memcmp(m->name, name, len))
		return m;
	for (size_t i = 0; i < r->nr_mods; i++) {
		m = &r->mods[i];
		if (strlen(m->name) == len && !memcmp(m->name, name, len)) {
			r->last_mod = m;
			return m;
		}
	}
	return NULL;
}

/* BPF ranges from bpf(2), or as given; failing to list them is said once. */
static int bpf_ranges(struct ksyms *k, struct kranges *r)
{
	int err = 0;

	if (k->given.bpf_known) {
		for (size_t i = 0; i < k->given.nr_bpf && !err; i++)
			err = bpf_add(r, k->given.bpf[i].addr, k->given.bpf[i].len);
	} else if (!k->kallsyms_path) {
		err = bpf_read(r);
	} else {
		return 0; /* a kallsyms file of another time or machine: bpf(2) cannot say */
	}
	if (err == -ENOMEM)
		return err;
	if (err) {
		if (k->warn && !k->bpf_warned)
			fprintf(stderr,
				"vigil: bpf: failed to list programs: %s; BPF frames are named by "
				"the nearest kernel symbol below\n",
				strerror(-err));
		k->bpf_warned = true;
		r->nr_bpf = 0;
		return 0;
	}
	qsort(r->bpf, r->nr_bpf, sizeof(*r->bpf), cmp_bpf);
	r->bpf_known = true;
	return 0;
}

/* The ranges a read of kallsyms needs, read before it: what loads later is a miss. */
static int kranges_read(struct ksyms *k, struct kranges *r)
{
	const char *modules = k->modules_path;
	long page = sysconf(_SC_PAGESIZE);
	int err;

	r->image_max = page > 0 ? page : 4096;
	if (!modules && !k->kallsyms_path)
		modules = MODULES_PATH;
	if (modules) {
		err = modules_read(r, modules);
		if (err == -ENOMEM)
			return err;
		/* no /proc/modules (a kernel without modules): module symbols end at the next */
		r->mods_known = !err;
	}
	return bpf_ranges(k, r);
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

static bool starts_with(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && !memcmp(s, prefix, n);
}

static bool is(const char *s, size_t len, const char *word)
{
	return len == strlen(word) && !memcmp(s, word, len);
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

/* One kallsyms line's symbol; tag is its module, "bpf" for BPF code, or empty in the core. */
struct ksym_line {
	__u64 addr;
	char type;
	const char *name, *tag;
	size_t len, tag_len;
};

/*
 * How far a module or BPF symbol reaches: 0 with *size (exact) or *bound
 * (the latest it ends) set, or -ENOENT to drop it, its program or module
 * being gone or not its own. A BPF program covers its JITed length; a
 * module's function ends at the next symbol, or at the module's end. A
 * trampoline or dispatcher ([bpf], not a program) and the kernel's own
 * generated code ([__builtin__*]) end at the next symbol, or a page on,
 * the most such an image takes. Without ranges to go by (no /proc/modules,
 * bpf(2) refused), a symbol ends at the next one.
 */
static int tagged_extent(struct kranges *r, const struct ksym_line *l, __u64 *size, __u64 *bound)
{
	const struct kmod *m;
	const struct kbpf *b;

	if (is(l->tag, l->tag_len, BPF_TAG) && starts_with(l->name, l->len, BPF_PROG_PREFIX)) {
		if (!r->bpf_known)
			return 0;
		b = bpf_find(r, l->addr);
		if (!b)
			return -ENOENT;
		*size = b->len;
		return 0;
	}
	if (is(l->tag, l->tag_len, BPF_TAG) ||
	    starts_with(l->tag, l->tag_len, BUILTIN_TAG_PREFIX)) {
		*bound = l->addr + r->image_max;
		return 0;
	}
	if (!r->mods_known)
		return 0;
	m = mod_find(r, l->tag, l->tag_len);
	if (!m || l->addr < m->base || l->addr >= m->end)
		return -ENOENT;
	*bound = m->end;
	return 0;
}

/*
 * Add one text symbol. Core kernel symbols have no size: each ends where
 * the next begins, and _etext and _einittext end the last of core and of
 * init text, so that an address past them is not named after it.
 */
static int ksyms_add(struct symtab *t, struct kranges *r, const struct ksym_line *l)
{
	__u64 size = 0, bound = 0;
	__u32 off;
	int err;

	if (!l->tag_len && is(l->name, l->len, "_text"))
		r->text_start = l->addr;
	else if (!l->tag_len && is(l->name, l->len, "_stext") && !r->text_start)
		r->text_start = l->addr;
	else if (!l->tag_len && is(l->name, l->len, "_etext"))
		r->text_end = l->addr;
	if (!l->tag_len && (is(l->name, l->len, "_etext") || is(l->name, l->len, "_einittext")))
		return symtab__add(t, l->addr, 0 /* size */, 0 /* bound */, KSYM_END_OF_TEXT,
				   SYMTAB_NO_NAME);
	if (l->tag_len && tagged_extent(r, l, &size, &bound))
		return 0;
	err = symtab__add_name(t, l->name, l->len, &off);
	if (!err)
		err = symtab__add(t, l->addr, size, bound, ksym_rank(l->type, l->name, l->len),
				  off);
	r->nr_syms += !err;
	return err;
}

/*
 * Parse one kallsyms line, "ADDR TYPE NAME[\t[MODULE]]"; frames show the
 * function name only, the module bounds it. *nonzero is set when the
 * line's address is not zero.
 */
static int ksyms_parse_line(struct symtab *t, struct kranges *r, const char *line, bool *nonzero)
{
	struct ksym_line l = {.tag = ""};
	const char *rest;
	char *end;

	l.addr = strtoull(line, &end, 16);
	if (end == line || end[0] != ' ' || !end[1] || end[2] != ' ')
		return 0;
	if (l.addr)
		*nonzero = true;
	l.type = end[1];
	l.name = end + 3;
	if (!ksym_is_text(l.type))
		return 0;
	l.len = strcspn(l.name, " \t\n");
	rest = l.name + l.len;
	rest += strspn(rest, " \t");
	if (rest[0] == '[') {
		l.tag = rest + 1;
		l.tag_len = strcspn(l.tag, "]\n");
	}
	return ksyms_add(t, r, &l);
}

/* Read a kallsyms file into t, bounded by r; *hidden says every address read as zero. */
static int ksyms_read(struct symtab *t, struct kranges *r, const char *path, bool *hidden)
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
		err = ksyms_parse_line(t, r, line, &nonzero);
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

/* ------------------------------------------------------------------------
 * Loading and lookup
 * ------------------------------------------------------------------------ */

/* The first read failed or hid the addresses: say so once; kernel frames are [unknown] from now. */
static void kernel_give_up(struct ksyms *k, const char *path, int err)
{
	k->unusable = true;
	if (!k->warn)
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

/* With -v, at the first read: how many symbols, and what bounded them. */
static void kernel_say(const char *path, const struct kranges *r)
{
	char bpf[64] = "BPF programs end at the next symbol", mods[64] = "";

	if (r->bpf_known)
		snprintf(bpf, sizeof(bpf), "%zu BPF functions of known length", r->nr_bpf);
	if (r->mods_known)
		snprintf(mods, sizeof(mods), ", %zu modules of known range", r->nr_mods);
	vigil_info(1, "kernel symbols: %zu from %s, %s%s", r->nr_syms, path, bpf, mods);
}

/* Read the ranges, then kallsyms bounded by them; text: the core text's [start, end). */
static int kernel_read(struct ksyms *k, const char *path, struct symtab *t, bool *hidden,
		       __u64 text[2])
{
	struct kranges r = {};
	int err;

	err = kranges_read(k, &r);
	if (!err)
		err = ksyms_read(t, &r, path, hidden);
	if (!err && !*hidden && !k->loaded)
		kernel_say(path, &r);
	text[0] = r.text_start;
	text[1] = r.text_end;
	kranges_free(&r);
	return err;
}

/* Fold a file's bytes into h: 0, or -errno. */
static int hash_file(const char *path, __u64 *h)
{
	char buf[8192];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		*h = vigil_hash_bytes(buf, n, *h);
	close(fd);
	return n < 0 ? -EIO : 0;
}

/*
 * What adds kernel code after boot, in one number: the ids of the loaded
 * BPF programs and the text of /proc/modules (for a kallsyms file of the
 * tests', its size and time). Both take well under a millisecond to read,
 * against about a hundred for kallsyms, so a miss that no new code can
 * explain costs no re-read. -EPERM without the right to list programs.
 */
static int code_signature(const struct ksyms *k, __u64 *sig)
{
	__u64 h = 0x5bd1e995;
	__u32 id = 0;
	struct stat st;

	if (k->kallsyms_path) {
		if (stat(k->kallsyms_path, &st))
			return -errno;
		h = vigil_hash_bytes(&st.st_size, sizeof(st.st_size), h);
		h = vigil_hash_bytes(&st.st_mtim, sizeof(st.st_mtim), h);
		if (k->modules_path && !stat(k->modules_path, &st))
			h = vigil_hash_bytes(&st.st_mtim, sizeof(st.st_mtim), h);
		*sig = h;
		return 0;
	}
	while (!bpf_prog_get_next_id(id, &id))
		h = vigil_hash_bytes(&id, sizeof(id), h);
	if (errno != ENOENT)
		return -EPERM; /* the list is not ours to read: every miss re-reads */
	if (hash_file(k->modules_path ? k->modules_path : MODULES_PATH, &h))
		return -ENOENT;
	*sig = h;
	return 0;
}

/* Load or reload the kernel symbols; a reload that fails keeps the table read before. */
static int kernel_load(struct ksyms *k)
{
	const char *path = k->kallsyms_path ? k->kallsyms_path : KALLSYMS_PATH;
	struct symtab *fresh;
	bool hidden = false;
	__u64 text[2];
	int err;

	/* before the read: code loaded during it makes the next miss read again */
	k->sig_known = !code_signature(k, &k->code_sig);
	k->read_ns = now_ns();
	k->stats.reads++;
	fresh = symtab__new();
	if (!fresh)
		return -ENOMEM;
	err = kernel_read(k, path, fresh, &hidden, text);
	if (!err && !hidden) {
		symtab__free(k->table);
		k->table = fresh;
		k->loaded = true;
		k->generation++;
		/* a range that does not make sense is none */
		k->text_start = text[0] < text[1] ? text[0] : 0;
		k->text_end = text[0] < text[1] ? text[1] : 0;
		return 0;
	}
	symtab__free(fresh);
	if (err == -ENOMEM)
		return err;
	if (!k->loaded)
		kernel_give_up(k, path, err);
	k->loaded = true;
	return 0;
}

struct ksyms *ksyms__new(bool warn)
{
	struct ksyms *k = calloc(1, sizeof(*k));

	if (!k) {
		errno = ENOMEM;
		return NULL;
	}
	k->warn = warn;
	return k;
}

void ksyms__free(struct ksyms *k)
{
	if (!k)
		return;
	symtab__free(k->table);
	kranges_free(&k->given);
	free(k->modules_path);
	free(k->kallsyms_path);
	free(k);
}

static int set_path(char **where, const char *path)
{
	char *copy = NULL;

	if (path) {
		copy = strdup(path);
		if (!copy)
			return -ENOMEM;
	}
	free(*where);
	*where = copy;
	return 0;
}

int ksyms__set_kallsyms(struct ksyms *k, const char *path)
{
	return set_path(&k->kallsyms_path, path);
}

int ksyms__set_modules(struct ksyms *k, const char *path)
{
	return set_path(&k->modules_path, path);
}

int ksyms__add_bpf_range(struct ksyms *k, __u64 addr, __u32 len)
{
	k->given.bpf_known = true;
	return bpf_add(&k->given, addr, len);
}

/*
 * Whether a miss may be new code: BPF programs or modules loaded since the
 * last read. If not, the miss stays a miss until RETRY_NS has passed again.
 */
static bool code_changed(struct ksyms *k)
{
	__u64 sig;

	if (!k->sig_known || code_signature(k, &sig) || sig != k->code_sig)
		return true;
	k->read_ns = now_ns();
	k->stats.reads_skipped++;
	return false;
}

int ksyms__load(struct ksyms *k)
{
	return k->loaded ? 0 : kernel_load(k);
}

int ksyms__lookup(struct ksyms *k, __u64 addr, const char **name)
{
	return ksyms__lookup_index(k, addr, name, NULL);
}

size_t ksyms__size(const struct ksyms *k)
{
	return k->table && !k->unusable ? symtab__size(k->table) : 0;
}

unsigned long ksyms__generation(const struct ksyms *k)
{
	return k->generation;
}

int ksyms__lookup_index(struct ksyms *k, __u64 addr, const char **name, size_t *index)
{
	int err;

	if (!k->loaded) {
		err = kernel_load(k);
		if (err)
			return err;
	}
	if (k->unusable)
		return -ENOENT;
	/* a miss, or a hit on the last symbol (nothing ends it), may mean the table is stale */
	err = symtab__find_index(k->table, addr, name, index);
	if (err && now_ns() - k->read_ns >= RETRY_NS && code_changed(k)) {
		err = kernel_load(k);
		if (err)
			return err;
		err = symtab__find_index(k->table, addr, name, index);
	}
	return err < 0 ? -ENOENT : 0;
}

int ksyms__core_text(const struct ksyms *k, __u64 *start, __u64 *end)
{
	if (!k->text_end)
		return -ENOENT;
	*start = k->text_start;
	*end = k->text_end;
	return 0;
}

void ksyms__stats(const struct ksyms *k, struct ksyms_stats *out)
{
	*out = k->stats;
}
