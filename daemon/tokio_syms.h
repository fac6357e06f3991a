/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tokio_syms.h - find the probe points of a Tokio binary (ELF symbols,
 * demangled), and turn addresses of a running process into locations a
 * person can read.
 */
#ifndef DIAL9_TOKIO_SYMS_H
#define DIAL9_TOKIO_SYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include <sys/types.h>

#include "debuginfo.h" /* enum dial9_debuginfo_method, struct dial9_debuginfo_opts */
#include "demangle.h"
#include "elf_file.h"
#include "symbol_source.h" /* struct dial9_symbols_opts */
#include "dial9_ctl.h" /* enum dial9_probe_kind */

struct dial9_probe_point {
	enum dial9_probe_kind kind;
	uint64_t vaddr;   /* st_value: ELF virtual address */
	uint64_t offset;  /* file offset, what uprobe attach wants */
	uint64_t size;    /* st_size */
	char *name;       /* demangled name, without hash or .llvm suffix (TASK_ID: of
			   * the function the id allocation is inlined into) */
	uint64_t cookie;  /* its uprobe's cookie: kind | DIAL9_COOKIE_REG / _CT extras */
	uint64_t site_offset; /* POLL_RETURN / PARK_RETURN: the file offset of the return
			       * address itself (offset: where the uprobe sits, up to a
			       * few instructions later, see dial9_x86_emulated_probe_at) */
	uint8_t rule_group; /* private to tokio_syms.c */
};

struct dial9_probe_set {
	struct dial9_probe_point *points;
	size_t count;
	size_t per_kind[DIAL9_PROBE_KIND_MAX];
	char build_id[65];   /* hex GNU build-id, "" if none */
	char *symbols_from;  /* the file the symbols came from: the executable or its debug file */
	enum dial9_debuginfo_method symbols_method; /* NONE: the executable's own */
	uint16_t hdr_vtable_off; /* the task layout task ids are read through */
	uint16_t vtable_id_off;  /* (dial9_ctl.h: DIAL9_TOKIO_*_OFF) */
	int64_t tls_context_off; /* Tokio's CONTEXT from the thread pointer, 0: not found */
	uint32_t tls_context_size; /* its bytes (tls_context.h) */
};

/* Scan the ELF file at path for Tokio runtime probe points.  Returns 0, or a
 * negative errno with a one-line reason in err: -ENOENT/-EACCES for the file,
 * -ENOEXEC not an ELF file, -ESRCH "no Tokio runtime symbols in PATH
 * (stripped?)" when there is no raw::poll and no waker function.  The
 * executable's own symbols only (find_opts with o = NULL). */
int dial9_probe_set__find(const char *path, struct dial9_probe_set **out,
			  char *err, size_t errlen);
/* The same, taking the symbols from the executable's debug file when it has
 * none of Tokio's; uprobe offsets still come from the executable's segments.
 * Errors as in dial9_symbol_source__open: also -ENODATA (stripped, no debug
 * file: err says what to install or set), -ESRCH (not a Tokio program). */
int dial9_probe_set__find_opts(const char *path, const struct dial9_symbols_opts *o,
			       struct dial9_probe_set **out, char *err, size_t errlen);
void dial9_probe_set__free(struct dial9_probe_set *s); /* accepts NULL */

const char *dial9_probe_kind_name(enum dial9_probe_kind kind);

/* Is a demangled name the code of the Rust runtime or libraries (std, core,
 * alloc, tokio) rather than the program's own? */
bool dial9_is_runtime_path(const char *name);


/* Symbolizer for one process: maps runtime addresses of the process (PIE load
 * bias from /proc/PID/maps) to "function (file:line)" using the executable's
 * symbols and, when present, its DWARF line info. */
struct dial9_symbolizer;

struct dial9_symbolizer *dial9_symbolizer__new(pid_t pid, char *err, size_t errlen);
/* The same, reading symbols and DWARF from the executable's debug file
 * when the executable has no Tokio symbols or no DWARF (o may be NULL). */
struct dial9_symbolizer *dial9_symbolizer__new_opts(pid_t pid, const struct dial9_symbols_opts *o,
						    char *err, size_t errlen);
void dial9_symbolizer__free(struct dial9_symbolizer *s); /* accepts NULL */

/* Describe a runtime address of the process: "crate::func (src/main.rs:12:5)",
 * "crate::func" without debug info, or "0x55d0…" when nothing is known.
 * Always writes a NUL-terminated string; returns 0, or -ENOENT when the
 * address is in no known mapping (buf still gets the hex form). */
int dial9_symbolizer__describe(struct dial9_symbolizer *s, uint64_t addr,
			       char *buf, size_t len);

/* The name of the function (symbol) holding addr, "0x…" and -ENOENT when
 * none does. */
int dial9_symbolizer__function(struct dial9_symbolizer *s, uint64_t addr, char *buf, size_t len);
/* Does the debug info say addr is in code inlined from a function whose
 * name contains needle (e.g. "spawn_blocking")?  false without debug info. */
bool dial9_symbolizer__inlined_from(struct dial9_symbolizer *s, uint64_t addr, const char *needle);
bool dial9_symbolizer__has_dwarf(const struct dial9_symbolizer *s);
/* The constants the call returning to ret_addr was given in its argument
 * registers (runtime addresses, 0: none; see dial9_x86_call_arg_constants):
 * a #[track_caller] callee's &Location is one.  0 or negative errno. */
int dial9_symbolizer__call_arg_constants(struct dial9_symbolizer *s, uint64_t ret_addr,
					 uint64_t out[6]);
/* The program's own frame at addr, from the debug info's inline chain: the
 * innermost frame whose code there is not the standard library's or a
 * registry crate's (Tokio's) - e.g. the closure that called tokio::spawn,
 * wherever it was inlined: its function into func, where it is into pos
 * ("file:line:col").  -ENOENT without debug info or when every frame is
 * library code. */
int dial9_symbolizer__user_frame(struct dial9_symbolizer *s, uint64_t addr, char *func,
				 size_t flen, char *pos, size_t plen);
/* "function (file:line:col)", or "function (file:line)" when col is 0. */
void dial9_format_location(char *buf, size_t len, const char *function, const char *file,
			   int line, int col);

/* Describe the future behind a raw::poll copy at runtime address addr:
 * the future's type (e.g. "app::main::{closure#0}") recovered from the
 * generic arguments of the symbol (v0) or of a sibling symbol of the same
 * type, else the raw::poll symbol itself.  Same contract as describe(). */
int dial9_symbolizer__describe_future(struct dial9_symbolizer *s, uint64_t addr,
				      char *buf, size_t len);

/* The probe classes (probe_classes.h) a probe set has (bit i: class i). */
uint32_t dial9_probe_classes(const struct dial9_probe_set *ps);

#endif /* DIAL9_TOKIO_SYMS_H */
