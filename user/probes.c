// SPDX-License-Identifier: GPL-2.0
/* probes.c: PROBE arguments to functions and USDT probes in files, checked before attaching. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <libgen.h>
#include <sys/stat.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "demangle.h"
#include "probes.h"
#include "strtab.h"
#include "util.h"

/* Where the dynamic loader looks on Debian, after the command's own folder. */
static const char *const lib_dirs[] = {
	"/lib/x86_64-linux-gnu",
	"/usr/lib/x86_64-linux-gnu",
	"/lib64",
	"/usr/lib64",
	"/lib",
	"/usr/lib",
	"/usr/local/lib",
};

/* A file's base name is NAME, or NAME followed by a version: "libc" is libc.so.6. */
static bool short_name_matches(const char *base, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(base, name, n) && (!base[n] || base[n] == '.' || base[n] == '-');
}

static bool is_elf(const char *path)
{
	char magic[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok = fd >= 0 && read(fd, magic, 4) == 4 && !memcmp(magic, "\177ELF", 4);

	if (fd >= 0)
		close(fd);
	return ok;
}

/* Whether path in the mount namespace of the process at dir (/proc/PID) is vigil's path. */
static bool same_file(const char *dir, const char *path)
{
	char theirs[PATH_MAX + 64];
	struct stat a, b;

	snprintf(theirs, sizeof(theirs), "%s/root%s", dir, path);
	return !stat(theirs, &a) && !stat(path, &b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/*
 * The files pid maps, for one whose base name matches name (exact: whose
 * path is name), deleted or not. A deleted one is opened through
 * map_files, so it is the file the process runs, not what replaced it.
 */
static bool find_in_maps(int pid, const char *name, bool exact, char *path, char *file, size_t len)
{
	char dir[48], buf[64], line[PATH_MAX + 128];
	bool found = false, any = false;
	int tid = 0;
	FILE *f;

again:
	if (tid)
		snprintf(dir, sizeof(dir), "/proc/%d/task/%d", pid, tid);
	else
		snprintf(dir, sizeof(dir), "/proc/%d", pid);
	snprintf(buf, sizeof(buf), "%s/maps", dir);
	f = fopen(buf, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *p = strchr(line, '/'), *nl, *del, range[64];
		const char *base;

		any = true;
		if (!p || sscanf(line, "%63s", range) != 1)
			continue;
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		/* a file deleted since it was mapped: still there, through map_files */
		del = strstr(p, " (deleted)");
		if (del && !del[10])
			*del = '\0';
		base = strrchr(p, '/') + 1;
		if (exact ? strcmp(p, name) : !short_name_matches(base, name))
			continue;
		if (del)
			snprintf(path, len, "/proc/%d/map_files/%s", pid, range);
		else if (same_file(dir, p))
			snprintf(path, len, "%s", p); /* valid for every target, not this one's */
		else
			snprintf(path, len, "%s/root%s", dir, p);
		snprintf(file, len, "%s", p);
		found = is_elf(path);
	}
	fclose(f);
	/* empty: the main thread has exited, and another thread stands for the process */
	if (!any && !tid && (tid = proc_live_thread(pid)))
		goto again;
	return found;
}

/* An ELF file in dir whose base name matches name, the shortest such name. */
static bool find_in_dir(const char *dir, const char *name, char *path, size_t len)
{
	char best[NAME_MAX + 1] = "", cand[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return false;
	while ((de = readdir(d))) {
		if (!short_name_matches(de->d_name, name))
			continue;
		if (best[0] && strlen(de->d_name) >= strlen(best))
			continue;
		snprintf(cand, sizeof(cand), "%s/%s", dir, de->d_name);
		if (is_elf(cand))
			snprintf(best, sizeof(best), "%s", de->d_name);
	}
	closedir(d);
	if (!best[0])
		return false;
	snprintf(path, len, "%s/%s", dir, best);
	return true;
}

static bool find_in_dirs(const char *name, const struct probe_where *w, char *path, size_t len)
{
	char dir[PATH_MAX], list[4096];
	const char *env;

	if (w->command) {
		snprintf(dir, sizeof(dir), "%s", w->command);
		if (short_name_matches(basename(dir), name) && is_elf(w->command)) {
			snprintf(path, len, "%s", w->command);
			return true;
		}
		snprintf(dir, sizeof(dir), "%s", w->command);
		if (find_in_dir(dirname(dir), name, path, len))
			return true;
	}
	env = getenv("LD_LIBRARY_PATH");
	snprintf(list, sizeof(list), "%s", env ? env : "");
	for (char *save, *p = strtok_r(list, ":", &save); p; p = strtok_r(NULL, ":", &save))
		if (find_in_dir(p, name, path, len))
			return true;
	for (size_t i = 0; i < sizeof(lib_dirs) / sizeof(lib_dirs[0]); i++)
		if (find_in_dir(lib_dirs[i], name, path, len))
			return true;
	env = getenv("PATH");
	snprintf(list, sizeof(list), "%s", env ? env : "/usr/local/bin:/usr/bin:/bin");
	for (char *save, *p = strtok_r(list, ":", &save); p; p = strtok_r(NULL, ":", &save))
		if (find_in_dir(p, name, path, len))
			return true;
	return false;
}

int probes__resolve_file(const char *name, const struct probe_where *w, char *path, char *file,
			 size_t len)
{
	char real[PATH_MAX];

	if (strchr(name, '/')) {
		if (access(name, F_OK))
			return -errno;
		snprintf(file, len, "%s", realpath(name, real) ? real : name);
		/* what a target maps under that path, also if replaced since */
		for (int i = 0; i < w->npids; i++)
			if (find_in_maps(w->pids[i], file, true, path, real, len))
				return 0;
		snprintf(path, len, "%s", name);
		return 0;
	}
	for (int i = 0; i < w->npids; i++)
		if (find_in_maps(w->pids[i], name, false, path, file, len))
			return 0;
	if (w->npids)
		return -ENOENT;
	if (!find_in_dirs(name, w, path, len))
		return -ENOENT;
	snprintf(file, len, "%s", realpath(path, real) ? real : path);
	return 0;
}

static void where_text(const struct probe_where *w, char *buf, size_t len)
{
	if (w->npids == 1)
		snprintf(buf, len, "mapped by pid %d", w->pids[0]);
	else if (w->npids)
		snprintf(buf, len, "mapped by the %d target processes", w->npids);
	else
		snprintf(buf, len,
			 "found next to the command, in LD_LIBRARY_PATH, the library "
			 "folders or PATH");
}

struct elf_file {
	int fd;
	Elf *elf;
};

static int elf_file__open(struct elf_file *ef, const char *path, const char *shown, const char *who)
{
	ef->elf = NULL;
	ef->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (ef->fd < 0) {
		vigil_err("%s: %s: %s", who, shown, strerror(errno));
		return EXIT_USAGE;
	}
	elf_version(EV_CURRENT);
	ef->elf = elf_begin(ef->fd, ELF_C_READ_MMAP, NULL);
	if (!ef->elf || elf_kind(ef->elf) != ELF_K_ELF) {
		vigil_err("%s: %s is not an ELF file", who, shown);
		if (ef->elf)
			elf_end(ef->elf);
		close(ef->fd);
		return EXIT_USAGE;
	}
	return 0;
}

static void elf_file__close(struct elf_file *ef)
{
	elf_end(ef->elf);
	close(ef->fd);
}

/* A function symbol's address as an offset in the file: through its PT_LOAD segment. */
static bool addr_to_offset(Elf *elf, __u64 addr, __u64 *off)
{
	size_t n;

	if (elf_getphdrnum(elf, &n))
		return false;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
			continue;
		if (addr >= ph.p_vaddr && addr < ph.p_vaddr + ph.p_filesz) {
			*off = addr - ph.p_vaddr + ph.p_offset;
			return true;
		}
	}
	return false;
}

/*
 * Whether the kernel single-steps a probed instruction (one trap more a
 * hit) rather than emulating it: x86 emulates push of a register, nop,
 * call, jmp and conditional jumps, the usual first instructions of code
 * built with frame pointers.
 */
static bool single_stepped(int fd, __u64 off)
{
	unsigned char b[2] = {0, 0};

	if (pread(fd, b, 2, off) != 2)
		return true;
	if ((b[0] >= 0x50 && b[0] <= 0x57) || b[0] == 0x90 || b[0] == 0xe8 || b[0] == 0xe9 ||
	    b[0] == 0xeb || (b[0] >= 0x70 && b[0] <= 0x7f))
		return false;
	if (b[0] == 0x41 && b[1] >= 0x50 && b[1] <= 0x57)
		return false;
	return !(b[0] == 0x0f && b[1] >= 0x80 && b[1] <= 0x8f);
}

/* name without its leading underscores is one of names. */
static bool bare_name_is(const char *name, const char *const *names)
{
	while (*name == '_')
		name++;
	for (; *names; names++)
		if (!strcmp(name, *names))
			return true;
	return false;
}

/*
 * Why a function cannot be traced without harm to its program, or NULL.
 * A return probe replaces the return address on the stack at entry:
 * - code jumped to, not called, has no return address there, and the
 *   probe overwrites what is (argc at _start): the file's entry point, the
 *   loader's trampolines, GCC's .cold fragments;
 * - a function that returns twice (setjmp) finds no probe the second
 *   time, and its program dies of SIGSEGV;
 * - the C++ unwinder reads return addresses to find callers: through its
 *   own functions an exception cannot be thrown at all.
 */
static const char *unsafe_to_probe(const char *raw, __u64 addr, __u64 entry)
{
	static const char *const twice[] = {"setjmp",	  "sigsetjmp",	 "savectx", "vfork",
					    "getcontext", "swapcontext", "qsetjmp", NULL};
	static const char *const unwind[] = {"cxa_throw", "cxa_rethrow", "gxx_personality_v0",
					     NULL};

	if (addr == entry)
		return "is the program's entry point, jumped to, not called";
	if (!strncmp(raw, "_dl_runtime_resolve", 19) || !strncmp(raw, "_dl_runtime_profile", 19) ||
	    !strcmp(raw, "__restore_rt") || !strcmp(raw, "_dl_start_user"))
		return "is a trampoline, jumped to, not called";
	if (strstr(raw, ".cold"))
		return "is a cold part of a function, jumped to, not called";
	if (bare_name_is(raw, twice) || !strncmp(raw, "__sigsetjmp", 11))
		return "returns twice, and the second return would find no probe and crash the "
		       "program";
	if (!strncmp(raw, "_Unwind_", 8) || bare_name_is(raw, unwind))
		return "is part of C++ exception unwinding, which a return probe breaks";
	return NULL;
}

struct match {
	const char *name; /* shown: demangled when mangled */
	__u64 addr;
	int rank; /* of names at one address, the lowest is kept: global, weak, local */
};

static int by_addr_rank(const void *a, const void *b)
{
	const struct match *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank - y->rank;
	if (strlen(x->name) != strlen(y->name))
		return strlen(x->name) < strlen(y->name) ? -1 : 1;
	return strcmp(x->name, y->name);
}

static bool probe_exists(const struct probe_set *s, const char *file, __u64 offset,
			 const char *provider, const char *name)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct probe_fn *p = &s->fns[i];

		if (strcmp(p->file, file))
			continue;
		if (!provider && p->kind == PROBE_UPROBE && p->offset == offset)
			return true;
		if (provider && p->kind == PROBE_USDT && !strcmp(p->provider, provider) &&
		    !strcmp(p->usdt_name, name))
			return true;
	}
	return false;
}

static int push(struct probe_set *s, enum probe_kind kind, const char *path, const char *file,
		const char *name, const char *provider, const char *usdt_name, __u64 offset)
{
	struct probe_fn *p;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct probe_fn *f = realloc(s->fns, cap * sizeof(*f));

		if (!f)
			return -ENOMEM;
		s->fns = f;
		s->cap = cap;
	}
	p = &s->fns[s->n];
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->offset = offset;
	p->path = strdup(path);
	p->file = strdup(file);
	p->name = strdup(name);
	if (provider) {
		p->provider = strdup(provider);
		p->usdt_name = strdup(usdt_name);
	}
	s->n++;
	if (!p->path || !p->file || !p->name || (provider && (!p->provider || !p->usdt_name)))
		return -ENOMEM;
	return 0;
}

static int add_functions(struct probe_set *s, const char *who, const char *spec, const char *path,
			 const char *file, const char *glob)
{
	struct strtab *strs = strtab__new();
	struct demangler *dm = strs ? demangler__new(strs) : NULL;
	struct match *m = NULL;
	size_t nm = 0, cap = 0, nifunc = 0, added = 0, nunsafe = 0;
	const char *ifunc_name = NULL, *unsafe_name = NULL, *unsafe_why = NULL, *why;
	char unsafe_list[512] = "";
	bool cxx_eh = false, fibers = false;
	bool have_symtab = false;
	GElf_Ehdr eh;
	struct elf_file ef;
	Elf_Scn *scn = NULL;
	int ret;

	if (!dm) {
		strtab__free(strs);
		vigil_err("%s: out of memory", who);
		return EXIT_RUNTIME;
	}
	ret = elf_file__open(&ef, path, file, who);
	if (ret)
		goto out;
	if (!gelf_getehdr(ef.elf, &eh))
		eh.e_entry = 0;
	while ((scn = elf_nextscn(ef.elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) ||
		    (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
			continue;
		have_symtab |= sh.sh_type == SHT_SYMTAB;
		data = elf_getdata(scn, NULL);
		for (size_t i = 0; data && sh.sh_entsize && i < sh.sh_size / sh.sh_entsize; i++) {
			const char *raw, *shown;
			GElf_Sym sym;
			int type;

			if (!gelf_getsym(data, i, &sym))
				continue;
			raw = elf_strptr(ef.elf, sh.sh_link, sym.st_name);
			if (!raw || !raw[0])
				continue;
			/* C++ code that throws or catches names the personality routine */
			if (!strcmp(raw, "__gxx_personality_v0"))
				cxx_eh = true;
			/* code that switches stacks calls these */
			if (sym.st_shndx == SHN_UNDEF &&
			    (!strcmp(raw, "swapcontext") || !strcmp(raw, "makecontext")))
				fibers = true;
			type = GELF_ST_TYPE(sym.st_info);
			if ((type != STT_FUNC && type != STT_GNU_IFUNC) ||
			    sym.st_shndx == SHN_UNDEF || !sym.st_value)
				continue;
			shown = demangler__name(dm, raw);
			if (!shown)
				shown = raw;
			if (fnmatch(glob, raw, 0) && fnmatch(glob, shown, 0))
				continue;
			if (type == STT_GNU_IFUNC) {
				nifunc++;
				ifunc_name = shown;
				continue;
			}
			why = unsafe_to_probe(raw, sym.st_value, eh.e_entry);
			if (why) {
				/* named in the message: the first three, with their reasons */
				if (nunsafe < 3) {
					size_t l = strlen(unsafe_list);

					snprintf(unsafe_list + l, sizeof(unsafe_list) - l,
						 "%s%s (%s)", nunsafe ? "; " : "", shown, why);
				}
				nunsafe++;
				unsafe_name = shown;
				unsafe_why = why;
				continue;
			}
			if (nm == cap) {
				struct match *n =
					realloc(m, (cap = cap ? cap * 2 : 64) * sizeof(*n));

				if (!n) {
					vigil_err("%s: out of memory", who);
					ret = EXIT_RUNTIME;
					goto out_elf;
				}
				m = n;
			}
			m[nm].name = shown;
			m[nm].addr = sym.st_value;
			m[nm].rank = GELF_ST_BIND(sym.st_info) == STB_GLOBAL ? 0
				     : GELF_ST_BIND(sym.st_info) == STB_WEAK ? 1
									     : 2;
			nm++;
		}
	}
	qsort(m, nm, sizeof(*m), by_addr_rank);
	for (size_t i = 0; i < nm; i++) {
		__u64 off;

		if (i && m[i].addr == m[i - 1].addr)
			continue;
		if (!addr_to_offset(ef.elf, m[i].addr, &off) ||
		    probe_exists(s, file, off, NULL, NULL))
			continue;
		if (push(s, PROBE_UPROBE, path, file, m[i].name, NULL, NULL, off)) {
			vigil_err("%s: out of memory", who);
			ret = EXIT_RUNTIME;
			goto out_elf;
		}
		s->fns[s->n - 1].stepped = single_stepped(ef.fd, off);
		added++;
	}
	if (!nm && nunsafe)
		vigil_err("%s: %s: %s %s, so it cannot be traced", who, spec, unsafe_name,
			  unsafe_why);
	else if (!nm && nifunc)
		vigil_err("%s: %s: '%s' matches only IFUNC resolvers, which pick an "
			  "implementation at load; probe the implementation by its name",
			  who, spec, glob);
	else if (!nm && !have_symtab)
		vigil_err("%s: %s: no function matching '%s' in %s, which is stripped (no "
			  ".symtab): only its exported functions can be probed",
			  who, spec, glob, file);
	else if (!nm)
		vigil_err("%s: %s: no function matching '%s' in %s", who, spec, glob, file);
	if (nm && nifunc == 1 && nm == 1 && !strcmp(ifunc_name, m[0].name))
		vigil_err("%s: %s: '%s' is also an IFUNC, the one programs call: only the old "
			  "symbol of that name is probed; probe the implementation by its name",
			  who, spec, ifunc_name);
	if (nm && nunsafe)
		vigil_err("%s: %s: left out %zu function%s that cannot be traced safely: %s%s", who,
			  spec, nunsafe, nunsafe == 1 ? "" : "s", unsafe_list,
			  nunsafe > 3 ? "; ..." : "");
	if (added && fibers)
		vigil_err("%s: %s: %s switches stacks (makecontext, swapcontext): a traced call "
			  "that runs on a switched stack can crash the program, as the kernel's "
			  "return probes assume one stack per thread",
			  who, spec, file);
	if (added && cxx_eh)
		vigil_err("%s: %s: %s is C++ with exceptions: one thrown through a traced call "
			  "ends the program (std::terminate), as a return probe hides its caller "
			  "from the unwinder",
			  who, spec, file);
	ret = nm ? 0 : EXIT_USAGE;
	vigil_info(1, "%s: %s: %zu functions in %s", who, spec, added, file);
out_elf:
	elf_file__close(&ef);
out:
	free(m);
	demangler__free(dm);
	strtab__free(strs);
	return ret;
}

/*
 * Calls fn for every USDT probe of the file (each site of it), with its
 * provider and name; stops when fn returns non-zero and returns that.
 * Returns -1 when the file has no .note.stapsdt.
 */
static int for_each_usdt(Elf *elf, int (*fn)(const char *prov, const char *name, void *arg),
			 void *arg)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	int ret = -1;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return -1;
	while ((scn = elf_nextscn(elf, scn))) {
		size_t off = 0, name_off, desc_off;
		GElf_Nhdr nh;
		GElf_Shdr sh;
		Elf_Data *data;
		const char *sname;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		sname = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!sname || strcmp(sname, ".note.stapsdt") || !(data = elf_getdata(scn, NULL)))
			continue;
		ret = 0;
		while ((off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
			const char *d = (const char *)data->d_buf + desc_off, *prov, *name;
			size_t addrs = gelf_getclass(elf) == ELFCLASS32 ? 12 : 24;

			if (nh.n_type != 3 || nh.n_namesz != 8 ||
			    memcmp((const char *)data->d_buf + name_off, "stapsdt", 8) ||
			    nh.n_descsz <= addrs + 2)
				continue;
			prov = d + addrs;
			if (!memchr(prov, '\0', nh.n_descsz - addrs))
				continue;
			name = prov + strlen(prov) + 1;
			if (name >= d + nh.n_descsz || !memchr(name, '\0', d + nh.n_descsz - name))
				continue;
			ret = fn(prov, name, arg);
			if (ret)
				return ret;
		}
	}
	return ret;
}

struct usdt_walk {
	struct probe_set *s;
	const char *path, *file, *prov_glob, *name_glob;
	size_t matched, seen;
	char some[256]; /* a few of the probes the file has, for the error */
};

static int usdt_add(const char *prov, const char *name, void *arg)
{
	struct usdt_walk *u = arg;
	char full[256];

	snprintf(full, sizeof(full), "%s:%s", prov, name);
	if (u->seen++ < 4 && !strstr(u->some, full) &&
	    strlen(u->some) + strlen(full) + 3 < sizeof(u->some)) {
		if (u->some[0])
			strcat(u->some, ", ");
		strcat(u->some, full);
	}
	if (fnmatch(u->prov_glob, prov, 0) || fnmatch(u->name_glob, name, 0))
		return 0;
	u->matched++;
	if (probe_exists(u->s, u->file, 0, prov, name))
		return 0;
	return push(u->s, PROBE_USDT, u->path, u->file, full, prov, name, 0) ? -ENOMEM : 0;
}

static int add_usdt(struct probe_set *s, const char *who, const char *spec, const char *path,
		    const char *file, const char *prov, const char *name)
{
	struct usdt_walk u = {
		.s = s, .path = path, .file = file, .prov_glob = prov, .name_glob = name};
	struct elf_file ef;
	int ret = elf_file__open(&ef, path, file, who);

	if (ret)
		return ret;
	ret = for_each_usdt(ef.elf, usdt_add, &u);
	elf_file__close(&ef);
	if (ret == -ENOMEM) {
		vigil_err("%s: out of memory", who);
		return EXIT_RUNTIME;
	}
	if (ret < 0) {
		vigil_err("%s: %s: %s has no USDT probes (no .note.stapsdt)", who, spec, file);
		return EXIT_USAGE;
	}
	if (!u.matched) {
		vigil_err("%s: %s: no USDT probe %s:%s in %s (it has %s%s)", who, spec, prov, name,
			  file, u.some, u.seen > 4 ? ", ..." : "");
		return EXIT_USAGE;
	}
	return 0;
}

int probes__add(struct probe_set *s, const char *spec, const struct probe_where *w)
{
	char buf[PATH_MAX], path[PATH_MAX], file[PATH_MAX], where[128];
	char *fname, *func, *prov = NULL, *name = NULL;
	bool usdt = !strncmp(spec, "usdt:", 5);
	const char *who = w->who ? w->who : "trace";
	int err;

	snprintf(buf, sizeof(buf), "%s", usdt ? spec + 5 : spec);
	fname = buf;
	func = strchr(buf, ':');
	if (usdt) {
		/* FILE:PROVIDER:NAME, FILE may hold ':' */
		name = strrchr(buf, ':');
		if (name && name > buf) {
			*name++ = '\0';
			prov = strrchr(buf, ':');
		}
		if (!name || !prov || !prov[1] || !name[0] || prov == buf) {
			vigil_err("%s: '%s': expected usdt:FILE:PROVIDER:NAME", who, spec);
			return EXIT_USAGE;
		}
		*prov++ = '\0';
	} else {
		if (!func || func == buf || !func[1]) {
			vigil_err("%s: '%s': expected FILE:FUNCTION (a glob), or "
				  "usdt:FILE:PROVIDER:NAME",
				  who, spec);
			return EXIT_USAGE;
		}
		/* a path may hold ':': the first split whose file exists */
		for (char *c = func; c; c = strchr(c + 1, ':')) {
			*c = '\0';
			if (!strchr(buf, '/') || !access(buf, F_OK)) {
				func = c;
				break;
			}
			*c = ':';
		}
		*func++ = '\0';
	}
	err = probes__resolve_file(fname, w, path, file, sizeof(path));
	if (err) {
		where_text(w, where, sizeof(where));
		if (strchr(fname, '/'))
			vigil_err("%s: %s: %s: %s", who, spec, fname, strerror(-err));
		else
			vigil_err("%s: %s: no file '%s', and no program or library of that "
				  "name %s",
				  who, spec, fname, where);
		return EXIT_USAGE;
	}
	return usdt ? add_usdt(s, who, spec, path, file, prov, name)
		    : add_functions(s, who, spec, path, file, func);
}

static int find_python(const char *prov, const char *name, void *arg)
{
	(void)arg;
	return !strcmp(prov, "python") && !strcmp(name, "function__entry");
}

static bool has_python_probes(const char *path)
{
	struct elf_file ef;
	int ret;

	ef.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (ef.fd < 0)
		return false;
	elf_version(EV_CURRENT);
	ef.elf = elf_begin(ef.fd, ELF_C_READ_MMAP, NULL);
	ret = ef.elf && elf_kind(ef.elf) == ELF_K_ELF ? for_each_usdt(ef.elf, find_python, NULL)
						      : -1;
	if (ef.elf)
		elf_end(ef.elf);
	close(ef.fd);
	return ret > 0;
}

int probes__python_file(const struct probe_where *w, char *path, char *file, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n;

	if (w->npids) {
		snprintf(path, len, "/proc/%d/exe", w->pids[0]);
		n = readlink(path, exe, sizeof(exe) - 1);
		if (n <= 0) {
			vigil_err("trace: --python: pid %d: cannot read its executable: %s",
				  w->pids[0], strerror(errno));
			return EXIT_RUNTIME;
		}
		exe[n] = '\0';
		snprintf(file, len, "%s", exe);
		if (has_python_probes(path))
			return 0;
		if (find_in_maps(w->pids[0], "libpython3", false, path, file, len) &&
		    has_python_probes(path))
			return 0;
		vigil_err("trace: --python: pid %d (%s) has no python:function__entry USDT probe: "
			  "not CPython, or built without --with-dtrace",
			  w->pids[0], exe);
		return EXIT_USAGE;
	}
	if (!w->command) {
		vigil_err("trace: --python needs a target: -p PID or -- COMMAND");
		return EXIT_USAGE;
	}
	snprintf(path, len, "%s", w->command);
	snprintf(file, len, "%s", realpath(w->command, exe) ? exe : w->command);
	if (has_python_probes(path))
		return 0;
	vigil_err("trace: --python: %s has no python:function__entry USDT probe: not CPython, "
		  "or built without --with-dtrace",
		  file);
	return EXIT_USAGE;
}

char *probes__shown_name(const struct probe_set *ps, const struct probe_fn *p)
{
	bool mixed = false;
	const char *base;
	char *s = NULL;

	for (size_t i = 1; i < ps->n; i++)
		mixed |= strcmp(ps->fns[i].file, ps->fns[0].file) != 0;
	if (p->kind == PROBE_USDT) {
		if (asprintf(&s, "usdt:%s", p->name) < 0)
			return NULL;
		return s;
	}
	if (!mixed)
		return strdup(p->name);
	base = strrchr(p->file, '/') ? strrchr(p->file, '/') + 1 : p->file;
	if (asprintf(&s, "%s:%s", base, p->name) < 0)
		return NULL;
	return s;
}

void probes__free(struct probe_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->fns[i].path);
		free(s->fns[i].file);
		free(s->fns[i].name);
		free(s->fns[i].provider);
		free(s->fns[i].usdt_name);
	}
	free(s->fns);
	memset(s, 0, sizeof(*s));
}
