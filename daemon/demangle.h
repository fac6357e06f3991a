/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* demangle.h - Rust symbol names (legacy and v0), through libiberty. */
#ifndef DIAL9_DEMANGLE_H
#define DIAL9_DEMANGLE_H

#include <stddef.h>

/* Demangle a Rust symbol (legacy _ZN…17h<hash>E or v0 _R…), strip the hash
 * and any .llvm.NNN suffix.  Returns a malloc'd string (a copy of sym when it
 * is not a Rust symbol), or NULL with errno set. */
char *dial9_rust_demangle(const char *sym);

/* The first generic argument of a demangled path whose last segment is
 * "name::<A, B>" or "name<A, B>" (DWARF style), copied to buf.  Returns its
 * length, or -ENOENT when there is none, -ENOSPC when buf is too small. */
int dial9_rust_first_generic_arg(const char *name, char *buf, size_t len);

#endif /* DIAL9_DEMANGLE_H */
