/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * symbol_source.h - choose the file a Tokio program's symbols (and DWARF)
 * are read from: the executable itself, or its separate debug file when it
 * is stripped (debuginfo.h).  Shared by the probe finder and the symbolizer.
 */
#ifndef DIAL9_SYMBOL_SOURCE_H
#define DIAL9_SYMBOL_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "debuginfo.h"
#include "elf_file.h"

/* Where symbols may come from when the executable has no Tokio symbols of
 * its own (it is stripped): its separate debug file, see debuginfo.h. */
struct dial9_symbols_opts {
	const char *exe_name; /* the executable's real path when the file is opened as
			       * /proc/PID/exe: .gnu_debuglink files lie in its
			       * directory, and messages name it (NULL: the path) */
	const struct dial9_debuginfo_opts *debuginfo; /* --debug-dir; NULL: none */
	const char *debug_file; /* a debug file found before (a probe set's
				 * symbols_from), used again when its build-id fits */
	enum dial9_debuginfo_method debug_method; /* how that one was found */
	bool only_rust; /* look for a debug file only when a program without
			 * symbols looks like Rust (discovery: not every program) */
};

struct dial9_symbol_source {
	struct dial9_elf_file *syms;  /* read the symbols here: the executable or debug */
	struct dial9_elf_file *debug; /* the separate debug file, or NULL (owned) */
	enum dial9_debuginfo_method method; /* how debug was found */
	char debug_path[DIAL9_DEBUGINFO_PATH_MAX];
};

/*
 * Fill src for the executable exe (opened by the caller, who keeps it;
 * exe_name its real path).  A debug file is looked for when exe has no
 * Tokio symbols, and, with want_dwarf, when exe has no DWARF either.
 * Returns 0 (src->syms set; src->debug may be NULL), or, when exe has no
 * Tokio symbols and none were found (src->syms = exe all the same):
 *   -ENODATA  exe is stripped and no debug file was found: err says what
 *             to install or set;
 *   -ESRCH    exe has a symbol table without Tokio in it, or (o->only_rust)
 *             does not look like a Rust program: not a Tokio program;
 * or another negative errno, with a one-line reason in err.
 */
int dial9_symbol_source__open(struct dial9_symbol_source *src, struct dial9_elf_file *exe,
			      const char *exe_name, const struct dial9_symbols_opts *o,
			      bool want_dwarf, char *err, size_t errlen);
/* Free what src holds (not the executable); accepts a zeroed src. */
void dial9_symbol_source__close(struct dial9_symbol_source *src);

#endif /* DIAL9_SYMBOL_SOURCE_H */
