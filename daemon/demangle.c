// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * demangle.c - Rust symbol names (legacy _ZN…17h<hash>E and v0 _R…) to
 * readable paths, via libiberty's Rust demangler.
 *
 * libiberty drops the legacy hash and crate disambiguators unless asked for
 * DMGL_VERBOSE; we still strip a trailing ::h<16 hex> and any .llvm.NNN (or
 * other '.'-suffix a compiler pass appended) ourselves, so the result does
 * not depend on the libiberty version.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libiberty/demangle.h>

#include "demangle.h"

/* Longest symbol we try to demangle; longer ones are returned as they are
 * (libiberty's recursion is bounded, but the output size is not). */
#define DEMANGLE_MAX_IN 16384

static bool looks_rust(const char *sym)
{
	return strncmp(sym, "_ZN", 3) == 0 || strncmp(sym, "_R", 2) == 0 ||
	       strncmp(sym, "__ZN", 4) == 0 || strncmp(sym, "__R", 3) == 0;
}

/* Remove a trailing "::h" + 16 hex digits (legacy hash) in place. */
static void strip_hash(char *s)
{
	size_t n = strlen(s);

	if (n < 19 || memcmp(s + n - 19, "::h", 3) != 0)
		return;
	for (size_t i = n - 16; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return;
	s[n - 19] = '\0';
}

/* Remove a ".llvm.NNN" suffix left in a demangled name, in place. */
static void strip_llvm(char *s)
{
	char *p = strstr(s, ".llvm.");

	if (p)
		*p = '\0';
}

static char *demangle_one(const char *sym)
{
	return rust_demangle(sym, DMGL_PARAMS | DMGL_ANSI);
}

char *dial9_rust_demangle(const char *sym)
{
	char *out = NULL, *cut = NULL;
	const char *dot;

	if (!sym) {
		errno = EINVAL;
		return NULL;
	}
	if (!looks_rust(sym) || strlen(sym) > DEMANGLE_MAX_IN)
		goto passthrough;

	out = demangle_one(sym);
	dot = strchr(sym, '.');
	if (!out && dot) {
		/* "_ZN…E.llvm.123", "_R….cold": demangle what precedes the suffix. */
		cut = strndup(sym, (size_t)(dot - sym));
		if (!cut)
			return NULL;
		out = demangle_one(cut);
		free(cut);
	}
	if (!out)
		goto passthrough;
	strip_llvm(out);
	strip_hash(out);
	return out;

passthrough:
	out = strdup(sym);
	return out; /* strdup sets errno */
}

int dial9_rust_first_generic_arg(const char *name, char *buf, size_t len)
{
	const char *open = NULL, *p, *start;
	int depth = 0;
	size_t n;

	if (!name || !buf || !len)
		return -EINVAL;
	/* The generic list of the last path segment: the '<' that opens a
	 * bracket group reaching the end of the name. */
	for (p = name; *p; p++) {
		if (*p == '>' && p > name && p[-1] == '-')
			continue; /* "fn() -> T" */
		if (*p == '<') {
			if (depth++ == 0)
				open = p;
		} else if (*p == '>' && depth > 0) {
			depth--;
		}
	}
	n = strlen(name);
	if (!open || depth != 0 || n < 2 || name[n - 1] != '>' || open == name)
		return -ENOENT;
	/* "<A as B>::f" or "<T>::f" start with '<': not a generic list. */
	start = open + 1;
	depth = 0;
	for (p = start; *p; p++) {
		if (*p == '>' && p[-1] == '-')
			continue;
		if (*p == '<' || *p == '(' || *p == '[')
			depth++;
		else if ((*p == '>' || *p == ')' || *p == ']') && depth > 0)
			depth--;
		else if ((*p == ',' || *p == '>') && depth == 0)
			break;
	}
	if (!*p || p == start)
		return -ENOENT;
	n = (size_t)(p - start);
	if (n >= len)
		return -ENOSPC;
	memcpy(buf, start, n);
	buf[n] = '\0';
	return (int)n;
}
