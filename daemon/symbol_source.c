// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * symbol_source.c - the executable's own symbols, or its debug file's (see
 * symbol_source.h).  The debug file has the executable's virtual addresses,
 * so callers keep mapping addresses and file offsets with the executable's
 * segments (the debug file's are NOBITS).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf_sniff.h"
#include "symbol_source.h"

/* Rust encodes identifiers as <len><ident> in both manglings: every Tokio
 * symbol holds "5tokio" (the probe finder's cheap filter too). */
static bool has_tokio_syms(const struct dial9_elf_file *f)
{
	for (size_t i = 0; i < f->nsyms; i++)
		if (strstr(f->syms[i].mangled, "5tokio"))
			return true;
	return false;
}

static const char *what_to_do(void)
{
	const char *urls = getenv("DEBUGINFOD_URLS");

	return urls && *urls ? "install its debug package or pass --debug-dir"
			     : "install its debug package, pass --debug-dir, or set DEBUGINFOD_URLS";
}

/* The debug file found before (a probe set's symbols_from), if still good. */
static bool reuse_known(struct dial9_symbol_source *src, struct dial9_elf_file *exe,
			const struct dial9_symbols_opts *o)
{
	if (!o->debug_file || o->debug_method == DIAL9_DEBUGINFO_NONE ||
	    dial9_debuginfo__open_known(exe, o->debug_file, &src->debug, NULL, 0))
		return false;
	snprintf(src->debug_path, sizeof(src->debug_path), "%s", o->debug_file);
	src->method = o->debug_method;
	return true;
}

int dial9_symbol_source__open(struct dial9_symbol_source *src, struct dial9_elf_file *exe,
			      const char *exe_name, const struct dial9_symbols_opts *o,
			      bool want_dwarf, char *err, size_t errlen)
{
	enum dial9_elf_kind kind = DIAL9_ELF_TOKIO;
	char why[1024] = "";
	bool tokio;
	int ret;

	*src = (struct dial9_symbol_source){ .syms = exe };
	tokio = has_tokio_syms(exe);
	if (tokio && !want_dwarf)
		return 0;
	if (!tokio && o->only_rust) {
		kind = dial9_elf_file__sniff(exe);
		if (kind == DIAL9_ELF_OTHER || (kind == DIAL9_ELF_RUST && exe->has_symtab)) {
			snprintf(err, errlen, "no Tokio runtime symbols in %s", exe_name);
			return -ESRCH;
		}
	}
	if (reuse_known(src, exe, o))
		ret = 0;
	else
		ret = dial9_debuginfo__open(exe_name, exe, o->debuginfo, &src->debug, src->debug_path,
					    sizeof(src->debug_path), &src->method, why, sizeof(why));
	if (!ret) {
		if (!tokio && src->debug->has_symtab)
			src->syms = src->debug;
		return 0;
	}
	src->debug_path[0] = '\0';
	src->method = DIAL9_DEBUGINFO_NONE;
	if (tokio) /* only DWARF was missing: the symbols are good */
		return 0;
	if (ret != -ENOENT) {
		snprintf(err, errlen, "%s: %s", exe_name, why);
		return ret;
	}
	if (exe->has_symtab) {
		snprintf(err, errlen, "no Tokio runtime symbols in %s", exe_name);
		return -ESRCH;
	}
	if (kind == DIAL9_ELF_RUST)
		snprintf(err, errlen,
			 "cannot tell whether %s is a Tokio program: it is stripped and no debug file "
			 "was found (%s); %s", exe_name, why, what_to_do());
	else
		snprintf(err, errlen,
			 "no Tokio runtime symbols in %s: it is stripped and no debug file was found "
			 "(%s); %s", exe_name, why, what_to_do());
	return -ENODATA;
}

void dial9_symbol_source__close(struct dial9_symbol_source *src)
{
	if (!src)
		return;
	dial9_elf_file__free(src->debug);
	*src = (struct dial9_symbol_source){ 0 };
}
