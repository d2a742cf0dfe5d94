/* SPDX-License-Identifier: GPL-2.0 */
/*
 * elf_syms.h: one ELF file's function symbols and loadable segments, looked up by file offset.
 *
 * The symbolizer knows where a file is mapped; this module knows what the
 * file says. A lookup takes the offset in the file (what /proc/PID/maps
 * gives after subtracting the mapping's start and adding its page offset),
 * translates it to the ELF virtual address through the PT_LOAD segment that
 * holds that offset, and finds the function symbol that covers the address.
 */
#ifndef VIGIL_ELF_SYMS_H
#define VIGIL_ELF_SYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* Longest build id kept; GNU ld writes 20 bytes (sha1), some linkers 16 or 32. */
#define ELF_BUILD_ID_MAX 64

struct elf_syms;

struct debuginfo;

/* Where the separate debug file of a file without .symtab is looked for. */
struct elf_syms_opts {
	const char *proc_path;	     /* the file as its process names it (/proc/PID/maps) */
	const char *root;	     /* that process's root, "/proc/PID/root"; NULL: the host's */
	struct debuginfo *debuginfo; /* the search; NULL: the file's own symbols only */
};

/*
 * Read the function symbols and PT_LOAD segments of an ELF file. The
 * symbols are its .symtab; without one, the .symtab of its separate debug
 * file when opts has a search that finds one (addresses still go through
 * this file's segments); else its .dynsym. fd, when >= 0, is the open file
 * and stays open (it is read, not kept); path is opened otherwise. opts
 * may be NULL. Returns NULL with errno set on failure: EINVAL for a file
 * that is not ELF, ENOMEM, or the open's errno.
 */
struct elf_syms *elf_syms__open(const char *path, int fd, const struct elf_syms_opts *opts);
void elf_syms__free(struct elf_syms *es);

/*
 * elf_syms__open() for an ELF image in memory, such as a process's vDSO
 * read from /proc/PID/mem: size bytes at image, which libelf may write to
 * and which may be freed once this returns. NULL with errno set: EINVAL
 * for an image that is not ELF, or ENOMEM.
 */
struct elf_syms *elf_syms__open_image(void *image, size_t size);

/*
 * Name of the function covering file offset file_off: 0 and *name set (the
 * pointer lives as long as es), -ENOENT when no segment maps the offset or
 * no function symbol covers its address.
 */
int elf_syms__lookup(const struct elf_syms *es, __u64 file_off, const char **name);

/*
 * elf_syms__lookup(), and on success the symbol's number in *index (index
 * may be NULL): below elf_syms__size(), one per symbol of the file.
 */
int elf_syms__lookup_index(const struct elf_syms *es, __u64 file_off, const char **name,
			   size_t *index);
size_t elf_syms__size(const struct elf_syms *es);

/*
 * Whether the symbols came from a .symtab, the file's own or its debug
 * file's, so they name static functions too; not from .dynsym alone.
 */
bool elf_syms__full(const struct elf_syms *es);

/*
 * Build id (the NT_GNU_BUILD_ID note) of the ELF file open at fd: 0 with up
 * to size bytes copied to id and the copied length in *len; -ENOENT when the
 * file has none, -EINVAL when it is not ELF.
 */
int elf_read_build_id(int fd, __u8 *id, size_t size, size_t *len);

/*
 * elf_read_build_id(), and in *symtab a hash of the file's .symtab and its
 * names (0: it has none), which tells apart files that share a build id
 * but not their symbols: GNU ld's build id leaves out .symtab, so builds
 * that differ only in a static function's name have one build id.
 */
int elf_read_identity(int fd, __u8 *id, size_t size, size_t *len, __u64 *symtab);

/* elf_read_build_id() for an ELF image in memory (see elf_syms__open_image()). */
int elf_image_build_id(void *image, size_t size, __u8 *id, size_t id_size, size_t *len);

/*
 * The build id in size bytes of ELF notes in the host's byte order, 4-byte
 * aligned, as /sys/kernel/notes holds the kernel's: 0 with up to id_size
 * bytes copied to id and their number in *len, or -ENOENT.
 */
int elf_notes_build_id(const void *notes, size_t size, __u8 *id, size_t id_size, size_t *len);

#endif /* VIGIL_ELF_SYMS_H */
