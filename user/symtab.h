/* SPDX-License-Identifier: GPL-2.0 */
/*
 * symtab.h: a sorted table of symbols, one per address, searched for the one covering an address.
 *
 * The kernel's symbols (from kallsyms) and an ELF file's function symbols
 * are both kept in one: symbols are added in any order with their names,
 * symtab__finish() sorts them and keeps one per address, and
 * symtab__find() names an address by binary search.
 *
 * A symbol covers its size when it has one. A symbol without a size covers
 * up to the next symbol's start, or up to its own bound when that comes
 * first; without either it covers every address above it. Sizes and
 * bounds are kept to SYMTAB_SIZE_MAX bytes past the symbol's start: a
 * longer size is cut there, and so is a farther bound that no symbol comes
 * before.
 */
#ifndef VIGIL_SYMTAB_H
#define VIGIL_SYMTAB_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

/* The name of a marker: a symbol that ends the one before it and names nothing itself. */
#define SYMTAB_NO_NAME UINT32_MAX

#define SYMTAB_RANK_MAX 7
#define SYMTAB_SIZE_MAX ((1U << 28) - 1) /* 256 MiB */

struct symtab;

/* An empty table; NULL with errno ENOMEM. */
struct symtab *symtab__new(void);
void symtab__free(struct symtab *t);

/*
 * Append len bytes of name and a NUL to the table's names: 0 and *off set
 * to where they start, -ENOMEM, or -E2BIG when they would start past 4 GiB.
 * A string table appended whole as the first name keeps its own offsets.
 */
int symtab__add_name(struct symtab *t, const char *name, size_t len, __u32 *off);

/*
 * Make room for nr_syms symbols and names_size bytes of names in all, so
 * that a table of about known size is not grown in many steps; adds grow
 * past it as needed. 0 or -ENOMEM.
 */
int symtab__reserve(struct symtab *t, size_t nr_syms, size_t names_size);

/*
 * Add a symbol starting at addr, covering size bytes. With size 0, bound
 * (when above addr) is the latest it ends. Of the symbols sharing an
 * address the one kept has the lowest rank, then the shortest name, then
 * the lowest name offset; it covers the longest size any of them has.
 * name is an offset from symtab__add_name() or SYMTAB_NO_NAME. Returns 0,
 * -ENOMEM, or -EINVAL for a rank above SYMTAB_RANK_MAX or an offset past
 * the names.
 */
int symtab__add(struct symtab *t, __u64 addr, __u64 size, __u64 bound, __u8 rank, __u32 name);

/* Sort, keep one symbol per address, end the symbols without a size; call once, after the adds. */
void symtab__finish(struct symtab *t);

/*
 * The symbol covering addr, looked for among the nearest few starting at
 * or below it (functions may overlap): 0 and *name set (it lives as long
 * as t); 1 and *name set when the symbol has neither size nor bound and
 * none follows it, so a newer table might end it; -ENOENT when no symbol
 * covers addr or a marker does.
 */
int symtab__find(const struct symtab *t, __u64 addr, const char **name);

/*
 * symtab__find(), and when a symbol is found (0 or 1), its place in the
 * finished table in *index (index may be NULL): below symtab__size(),
 * one per symbol, so callers can keep a bit per symbol.
 */
int symtab__find_index(const struct symtab *t, __u64 addr, const char **name, size_t *index);

/* The number of symbols of the finished table. */
size_t symtab__size(const struct symtab *t);

#endif /* VIGIL_SYMTAB_H */
