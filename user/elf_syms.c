// SPDX-License-Identifier: GPL-2.0
/* elf_syms.c: function symbols and PT_LOAD segments of one ELF file, read with libelf. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gelf.h>
#include "debuginfo.h"
#include "elf_syms.h"
#include "strtab.h"
#include "symtab.h"

struct elf_seg {
	__u64 off, filesz, vaddr;
};

struct elf_syms {
	struct elf_seg *segs;
	size_t nr_segs;
	struct symtab *syms; /* by ELF virtual address; NULL when the file has none */
	bool full; /* from a .symtab (the file's or its debug file's), not .dynsym alone */
};

void elf_syms__free(struct elf_syms *es)
{
	if (!es)
		return;
	symtab__free(es->syms);
	free(es->segs);
	free(es);
}

/* ------------------------------------------------------------------------
 * Loading
 * ------------------------------------------------------------------------ */

static int load_segments(Elf *elf, struct elf_syms *es)
{
	size_t n, i;
	GElf_Phdr ph;

	if (elf_getphdrnum(elf, &n))
		return -EINVAL;
	if (!n)
		return 0;
	es->segs = calloc(n, sizeof(*es->segs));
	if (!es->segs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct elf_seg *seg = &es->segs[es->nr_segs];

		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD || !ph.p_filesz)
			continue;
		seg->off = ph.p_offset;
		seg->filesz = ph.p_filesz;
		seg->vaddr = ph.p_vaddr;
		es->nr_segs++;
	}
	return 0;
}

/* The symbol table to read: .symtab, or .dynsym in a stripped file; NULL when neither. */
static Elf_Scn *find_symtab(Elf *elf, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL, *dynsym = NULL;
	GElf_Shdr dyn_sh;

	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, sh))
			continue;
		if (sh->sh_type == SHT_SYMTAB)
			return scn;
		if (sh->sh_type == SHT_DYNSYM && !dynsym) {
			dynsym = scn;
			dyn_sh = *sh;
		}
	}
	if (dynsym)
		*sh = dyn_sh;
	return dynsym;
}

/* The symbols' string table, copied whole into t so that st_name offsets stay valid there. */
static int copy_strtab(Elf *elf, size_t shndx, struct symtab *t, Elf_Data **strs)
{
	Elf_Scn *scn = elf_getscn(elf, shndx);
	Elf_Data *data = scn ? elf_getdata(scn, NULL) : NULL;
	__u32 off;
	int err;

	if (!data || !data->d_buf)
		return -EINVAL;
	/* the copy ends in a NUL, so a malformed table still ends */
	err = symtab__add_name(t, data->d_buf, data->d_size, &off);
	if (!err)
		*strs = data;
	return err;
}

/* Of the symbols at one address GLOBAL names it before WEAK, WEAK before LOCAL and others. */
static __u8 bind_rank(unsigned char bind)
{
	if (bind == STB_GLOBAL)
		return 0;
	if (bind == STB_WEAK)
		return 1;
	return 2;
}

/* End of the section holding a symbol; bounds a symbol without a size. */
static __u64 section_end(Elf *elf, const GElf_Sym *sym)
{
	GElf_Shdr sh;
	Elf_Scn *scn;

	if (sym->st_shndx >= SHN_LORESERVE)
		return sym->st_value + 1;
	scn = elf_getscn(elf, sym->st_shndx);
	if (!scn || !gelf_getshdr(scn, &sh) || sh.sh_addr + sh.sh_size <= sym->st_value)
		return sym->st_value + 1;
	return sh.sh_addr + sh.sh_size;
}

/* A defined symbol with an address and a name. */
static bool is_named_definition(const GElf_Sym *sym, const Elf_Data *strs)
{
	if (!sym->st_value || sym->st_shndx == SHN_UNDEF || sym->st_shndx >= SHN_LORESERVE)
		return false;
	return sym->st_name && sym->st_name < strs->d_size &&
	       ((const char *)strs->d_buf)[sym->st_name];
}

/* Keep a symbol that names code: a defined function or ifunc with an address and a name. */
static bool is_code_symbol(const GElf_Sym *sym, const Elf_Data *strs)
{
	unsigned char type = GELF_ST_TYPE(sym->st_info);

	return (type == STT_FUNC || type == STT_GNU_IFUNC) && is_named_definition(sym, strs);
}

/*
 * A label: a symbol without a type in code, as hand-written assembly
 * leaves its functions when it says no .type (perf names them too). Not
 * the assembler's local labels (".L", "$x"), and not a label at or past
 * its section's end (etext), which would name what follows.
 */
static bool is_code_label(Elf *elf, const GElf_Sym *sym, const Elf_Data *strs)
{
	const char *name = (const char *)strs->d_buf + sym->st_name;
	Elf_Scn *scn;
	GElf_Shdr sh;

	if (GELF_ST_TYPE(sym->st_info) != STT_NOTYPE || !is_named_definition(sym, strs))
		return false;
	if (name[0] == '.' || name[0] == '$')
		return false;
	scn = elf_getscn(elf, sym->st_shndx);
	if (!scn || !gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_EXECINSTR))
		return false;
	return sym->st_value >= sh.sh_addr && sym->st_value < sh.sh_addr + sh.sh_size;
}

struct range {
	__u64 start, end;
};

static int cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Whether addr lies inside one of the sorted, sized functions (which may nest). */
static bool in_sized_function(const struct range *r, size_t n, __u64 addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* functions rarely overlap: the few starting just below decide */
	for (size_t i = hi, k = 0; i > 0 && k < 8; i--, k++) {
		if (addr >= r[i - 1].start && addr < r[i - 1].end)
			return true;
	}
	return false;
}

/* The sized functions, sorted by start; labels inside them are not functions. */
static int sized_functions(Elf_Data *data, size_t n, const Elf_Data *strs, struct range **out,
			   size_t *nr)
{
	struct range *r = NULL;
	size_t count = 0;
	GElf_Sym sym;

	*out = NULL;
	*nr = 0;
	for (size_t i = 0; i < n; i++) {
		if (!gelf_getsym(data, i, &sym) || !is_code_symbol(&sym, strs) || !sym.st_size)
			continue;
		if (!r) {
			r = malloc(n * sizeof(*r));
			if (!r)
				return -ENOMEM;
		}
		r[count++] = (struct range){sym.st_value, sym.st_value + sym.st_size};
	}
	if (r)
		qsort(r, count, sizeof(*r), cmp_range);
	*out = r;
	*nr = count;
	return 0;
}

/*
 * Add the code symbols to t: functions, and labels outside every sized
 * function, which rank after a function at the same address. One without a
 * size ends at its section's end at the latest.
 */
static int collect_symbols(Elf *elf, Elf_Scn *scn, const Elf_Data *strs, struct symtab *t)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t entsize = gelf_fsize(elf, ELF_T_SYM, 1, EV_CURRENT);
	struct range *funcs;
	size_t n, i, nr_funcs;
	GElf_Sym sym;
	int err;

	if (!data || !entsize)
		return -EINVAL;
	n = data->d_size / entsize;
	err = sized_functions(data, n, strs, &funcs, &nr_funcs);
	if (!err)
		err = symtab__reserve(t, n, 0 /* the names are in already */);
	for (i = 0; i < n && !err; i++) {
		__u8 rank;
		__u64 bound;

		if (!gelf_getsym(data, i, &sym))
			continue;
		rank = bind_rank(GELF_ST_BIND(sym.st_info));
		if (is_code_label(elf, &sym, strs)) {
			if (in_sized_function(funcs, nr_funcs, sym.st_value))
				continue;
			rank += 3; /* a function at the same address names it first */
		} else if (!is_code_symbol(&sym, strs)) {
			continue;
		}
		bound = sym.st_size ? 0 : section_end(elf, &sym);
		err = symtab__add(t, sym.st_value, sym.st_size, bound, rank, sym.st_name);
	}
	free(funcs);
	return err;
}

static int load_symbols(Elf *elf, struct elf_syms *es)
{
	Elf_Data *strs;
	Elf_Scn *scn;
	GElf_Shdr sh;
	int err;

	scn = find_symtab(elf, &sh);
	if (!scn)
		return 0; /* no symbols: every lookup falls back to FILE+0xOFFSET */
	es->full = sh.sh_type == SHT_SYMTAB;
	es->syms = symtab__new();
	if (!es->syms)
		return -ENOMEM;
	err = copy_strtab(elf, sh.sh_link, es->syms, &strs);
	if (err)
		return err;
	err = collect_symbols(elf, scn, strs, es->syms);
	if (err)
		return err;
	symtab__finish(es->syms);
	return 0;
}

static int elf_build_id(Elf *elf, __u8 *id, size_t size, size_t *len);

/* Whether the file has a .symtab, that is, is not stripped. */
static bool has_symtab(Elf *elf)
{
	GElf_Shdr sh;

	return find_symtab(elf, &sh) && sh.sh_type == SHT_SYMTAB;
}

/*
 * The .gnu_debuglink section: a file name, NUL-padded to 4 bytes, then
 * the CRC32 of the debug file in the file's byte order. 0, or -ENOENT.
 */
static int read_debuglink(Elf *elf, char *name, size_t size, __u32 *crc)
{
	Elf_Scn *scn = NULL;
	const char *sname;
	size_t shstrndx, len;
	Elf_Data *data;
	GElf_Ehdr eh;
	GElf_Shdr sh;
	__u8 *c;

	if (elf_getshdrstrndx(elf, &shstrndx) || !gelf_getehdr(elf, &eh))
		return -ENOENT;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS)
			continue;
		sname = elf_strptr(elf, shstrndx, sh.sh_name);
		if (sname && !strcmp(sname, ".gnu_debuglink"))
			break;
	}
	data = scn ? elf_rawdata(scn, NULL) : NULL;
	if (!data || !data->d_buf)
		return -ENOENT;
	len = strnlen(data->d_buf, data->d_size);
	if (!len || len >= size || ((len + 4) & ~3UL) + 4 > data->d_size)
		return -ENOENT;
	memcpy(name, data->d_buf, len + 1);
	c = (__u8 *)data->d_buf + ((len + 4) & ~3UL);
	if (eh.e_ident[EI_DATA] == ELFDATA2MSB)
		*crc = (__u32)c[0] << 24 | (__u32)c[1] << 16 | (__u32)c[2] << 8 | c[3];
	else
		*crc = (__u32)c[3] << 24 | (__u32)c[2] << 16 | (__u32)c[1] << 8 | c[0];
	return 0;
}

/* Symbols from the separate debug file of a stripped file: 0, -ENOENT when none, -ENOMEM. */
static int load_debug_symbols(Elf *elf, int fd, const struct elf_syms_opts *opts,
			      struct elf_syms *es)
{
	__u8 id[ELF_BUILD_ID_MAX];
	char link[NAME_MAX + 1], found[PATH_MAX];
	struct debuginfo_req req = {
		.fd = fd,
		.path = opts->proc_path,
		.root = opts->root,
		.build_id = id,
	};
	Elf *debug = NULL;
	int dfd, err;

	if (elf_build_id(elf, id, sizeof(id), &req.build_id_len))
		req.build_id_len = 0;
	if (!read_debuglink(elf, link, sizeof(link), &req.debuglink_crc))
		req.debuglink = link;
	dfd = debuginfo__open(opts->debuginfo, &req, found, sizeof(found));
	if (dfd < 0)
		return dfd;
	err = -ENOENT;
	debug = elf_begin(dfd, ELF_C_READ_MMAP, NULL);
	/* the segments stay the stripped file's: a debug file's PT_LOADs have no file size */
	if (debug && elf_kind(debug) == ELF_K_ELF && has_symtab(debug))
		err = load_symbols(debug, es);
	elf_end(debug);
	close(dfd);
	return err;
}

/* Symbols of the file itself, else of its debug file, else its .dynsym. */
static int load_all_symbols(Elf *elf, int fd, const struct elf_syms_opts *opts, struct elf_syms *es)
{
	int err;

	if (!opts || !opts->debuginfo || has_symtab(elf))
		return load_symbols(elf, es);
	err = load_debug_symbols(elf, fd, opts, es);
	if (!err || err == -ENOMEM)
		return err;
	/* a debug file that could not be read leaves what it began */
	symtab__free(es->syms);
	es->syms = NULL;
	return load_symbols(elf, es);
}

/*
 * The segments and symbols of an ELF that libelf opened (NULL: it could
 * not); fd and opts, when given, find a separate debug file. NULL with
 * errno set: EINVAL for what is not ELF, ENOMEM.
 */
static struct elf_syms *elf_syms_of(Elf *elf, int fd, const struct elf_syms_opts *opts)
{
	struct elf_syms *es = NULL;
	int err = -EINVAL;

	if (!elf || elf_kind(elf) != ELF_K_ELF)
		goto out;
	err = -ENOMEM;
	es = calloc(1, sizeof(*es));
	if (!es)
		goto out;
	err = load_segments(elf, es);
	if (!err)
		err = fd >= 0 ? load_all_symbols(elf, fd, opts, es) : load_symbols(elf, es);
out:
	if (err) {
		elf_syms__free(es);
		es = NULL;
		errno = -err;
	}
	return es;
}

struct elf_syms *elf_syms__open(const char *path, int fd, const struct elf_syms_opts *opts)
{
	struct elf_syms *es = NULL;
	int own_fd = -1, err = EINVAL;
	Elf *elf;

	if (fd < 0) {
		own_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (own_fd < 0)
			return NULL;
		fd = own_fd;
	}
	if (elf_version(EV_CURRENT) != EV_NONE) {
		elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
		es = elf_syms_of(elf, fd, opts);
		err = errno;
		elf_end(elf);
	}
	if (own_fd >= 0)
		close(own_fd);
	if (!es)
		errno = err;
	return es;
}

struct elf_syms *elf_syms__open_image(void *image, size_t size)
{
	struct elf_syms *es;
	Elf *elf;
	int err;

	if (elf_version(EV_CURRENT) == EV_NONE) {
		errno = EINVAL;
		return NULL;
	}
	elf = elf_memory(image, size);
	es = elf_syms_of(elf, -1 /* no debug files for an image */, NULL);
	err = errno;
	elf_end(elf);
	if (!es)
		errno = err;
	return es;
}

/* ------------------------------------------------------------------------
 * Lookup
 * ------------------------------------------------------------------------ */

bool elf_syms__full(const struct elf_syms *es)
{
	return es && es->full;
}

/* ELF virtual address of a file offset, through the PT_LOAD that holds it. */
static int file_off_to_vaddr(const struct elf_syms *es, __u64 file_off, __u64 *vaddr)
{
	for (size_t i = 0; i < es->nr_segs; i++) {
		const struct elf_seg *seg = &es->segs[i];

		if (file_off >= seg->off && file_off - seg->off < seg->filesz) {
			*vaddr = file_off - seg->off + seg->vaddr;
			return 0;
		}
	}
	return -ENOENT;
}

int elf_syms__lookup(const struct elf_syms *es, __u64 file_off, const char **name)
{
	return elf_syms__lookup_index(es, file_off, name, NULL);
}

int elf_syms__lookup_index(const struct elf_syms *es, __u64 file_off, const char **name,
			   size_t *index)
{
	__u64 addr;

	if (!es->syms || file_off_to_vaddr(es, file_off, &addr))
		return -ENOENT;
	/* each symbol here has a size or its section's end: none is open-ended (1) */
	return symtab__find_index(es->syms, addr, name, index) < 0 ? -ENOENT : 0;
}

size_t elf_syms__size(const struct elf_syms *es)
{
	return es->syms ? symtab__size(es->syms) : 0;
}

/* ------------------------------------------------------------------------
 * Build id
 * ------------------------------------------------------------------------ */

static int find_build_id_note(Elf_Data *data, __u8 *id, size_t size, size_t *len)
{
	size_t off = 0, next, name_off, desc_off;
	GElf_Nhdr nh;

	while ((next = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
		const char *note_name = (const char *)data->d_buf + name_off;

		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == sizeof("GNU") &&
		    !memcmp(note_name, "GNU", sizeof("GNU")) && nh.n_descsz) {
			*len = nh.n_descsz < size ? nh.n_descsz : size;
			memcpy(id, (const char *)data->d_buf + desc_off, *len);
			return 0;
		}
		off = next;
	}
	return -ENOENT;
}

/* The build id in the PT_NOTE segments of an ELF opened by libelf (NULL: not ELF). */
static int elf_build_id(Elf *elf, __u8 *id, size_t size, size_t *len)
{
	int err = -ENOENT;
	size_t n, i;
	GElf_Phdr ph;

	if (!elf || elf_kind(elf) != ELF_K_ELF || elf_getphdrnum(elf, &n))
		return -EINVAL;
	for (i = 0; i < n && err; i++) {
		Elf_Data *data;

		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_NOTE || !ph.p_filesz)
			continue;
		data = elf_getdata_rawchunk(elf, ph.p_offset, ph.p_filesz,
					    ph.p_align == 8 ? ELF_T_NHDR8 : ELF_T_NHDR);
		if (data)
			err = find_build_id_note(data, id, size, len);
	}
	return err;
}

int elf_read_build_id(int fd, __u8 *id, size_t size, size_t *len)
{
	Elf *elf;
	int err;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	err = elf_build_id(elf, id, size, len);
	elf_end(elf);
	return err;
}

/* A hash of the .symtab and its names, raw; 0 when the file has no .symtab. */
static __u64 symtab_hash(Elf *elf)
{
	Elf_Data *syms, *names;
	Elf_Scn *scn, *str;
	__u64 h;
	GElf_Shdr sh;

	scn = find_symtab(elf, &sh);
	if (!scn || sh.sh_type != SHT_SYMTAB)
		return 0;
	str = elf_getscn(elf, sh.sh_link);
	syms = elf_rawdata(scn, NULL);
	names = str ? elf_rawdata(str, NULL) : NULL;
	if (!syms || !syms->d_buf || !names || !names->d_buf)
		return 0;
	h = vigil_hash_bytes(syms->d_buf, syms->d_size, 0);
	h = vigil_hash_bytes(names->d_buf, names->d_size, h);
	return h ? h : 1;
}

int elf_read_identity(int fd, __u8 *id, size_t size, size_t *len, __u64 *symtab)
{
	Elf *elf;
	int err;

	*symtab = 0;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	err = elf_build_id(elf, id, size, len);
	if (!err)
		*symtab = symtab_hash(elf);
	elf_end(elf);
	return err;
}

int elf_image_build_id(void *image, size_t size, __u8 *id, size_t id_size, size_t *len)
{
	Elf *elf;
	int err;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	elf = elf_memory(image, size);
	err = elf_build_id(elf, id, id_size, len);
	elf_end(elf);
	return err;
}

int elf_notes_build_id(const void *notes, size_t size, __u8 *id, size_t id_size, size_t *len)
{
	const __u8 *p = notes;
	size_t off = 0;

	/* each note: namesz, descsz, type (4 bytes each), then name and desc, 4-byte aligned */
	while (size - off >= 12) {
		__u32 hdr[3];
		size_t name_off = off + 12, desc_off, next;

		memcpy(hdr, p + off, sizeof(hdr));
		desc_off = name_off + (((size_t)hdr[0] + 3) & ~(size_t)3);
		next = desc_off + (((size_t)hdr[1] + 3) & ~(size_t)3);
		if (desc_off > size || next > size || next <= off)
			break;
		if (hdr[2] == NT_GNU_BUILD_ID && hdr[0] == sizeof("GNU") &&
		    !memcmp(p + name_off, "GNU", sizeof("GNU")) && hdr[1]) {
			*len = hdr[1] < id_size ? hdr[1] : id_size;
			memcpy(id, p + desc_off, *len);
			return 0;
		}
		off = next;
	}
	return -ENOENT;
}
