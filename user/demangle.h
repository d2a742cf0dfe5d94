/* SPDX-License-Identifier: GPL-2.0 */
/*
 * demangle.h: C++ and Rust linkage names to the names people read, each demangled once.
 *
 * libiberty does the demangling, with the options perf and gdb use: C++
 * names keep their template arguments and parameter lists
 * ("Box<std::vector<int, std::allocator<int> > >::spin(int)"); Rust names,
 * in the legacy scheme (_ZN...17h<hash>E) or in v0 (_R...), lose their hash
 * and crate disambiguators ("core::fmt::write"). A name that is not mangled,
 * or that libiberty cannot read, is shown as it is; only names that start
 * with _Z or _R are given to libiberty. A C++ name whose last component is
 * 17h and 16 hex digits is read as Rust's, as perf and gdb read it.
 *
 * A demangler caches by name: each distinct name costs one demangling, and
 * looking up a name seen before costs one hash of it, as interning does.
 */
#ifndef VIGIL_DEMANGLE_H
#define VIGIL_DEMANGLE_H

struct strtab;
struct demangler;

/*
 * A demangler whose names are interned in strs, which must outlive it.
 * NULL with errno ENOMEM.
 */
struct demangler *demangler__new(struct strtab *strs);
void demangler__free(struct demangler *d);

/*
 * The name to show for the linkage name raw, interned in the demangler's
 * strtab: demangled, or raw itself when it is not mangled or does not
 * demangle. NULL only when out of memory.
 */
const char *demangler__name(struct demangler *d, const char *raw);

/* Counters for tests: distinct mangled names seen, and the outcome of each. */
struct demangler_stats {
	unsigned long demangled;  /* distinct names libiberty read */
	unsigned long kept_raw;	  /* distinct names that looked mangled but did not demangle */
	unsigned long cache_hits; /* lookups of a mangled name seen before */
};

void demangler__stats(const struct demangler *d, struct demangler_stats *out);

#endif /* VIGIL_DEMANGLE_H */
