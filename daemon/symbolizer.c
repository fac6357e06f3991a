// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * symbolizer.c - runtime addresses of one process to readable locations:
 * the executable's symbols (demangled) and, when it has them, its DWARF line
 * tables.  Only the main executable's mappings are known; addresses in
 * shared libraries or anonymous memory come back as hex.
 *
 * The process's executable is read through /proc/PID/exe (so a deleted or
 * replaced file still works) and its mappings from /proc/PID/maps, once, at
 * creation.  A stripped executable's symbols and DWARF come from its debug
 * file (symbol_source.h); addresses still map through the executable's
 * segments.  Results are cached per address.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <elfutils/libdw.h>
#include <dwarf.h>

#include "symbol_source.h"
#include "tokio_syms.h"
#include "x86_insn.h"

#define MAX_EXE_MAPS 64
#define MAX_MAPS_LINES 100000
#define CACHE_SLOTS 512
#define NAME_MAX_OUT 1024

struct exe_map {
	uint64_t start, end, offset;
};

struct cache_slot {
	uint64_t addr;
	bool future;
	int ret;
	char *text;
};

struct dial9_symbolizer {
	pid_t pid;
	struct dial9_elf_file *elf; /* symbols: the executable's, or its debug file's */
	struct dial9_elf_file *exe; /* the executable: its segments map addresses */
	struct dial9_symbol_source src; /* its debug file, when one is used */
	Dwarf *dw; /* NULL without debug info */
	struct exe_map maps[MAX_EXE_MAPS];
	size_t nmaps;
	struct cache_slot cache[CACHE_SLOTS];
};

/* Parse one /proc/PID/maps line; keep it when it maps the executable. */
static void consider_map_line(struct dial9_symbolizer *s, const char *line,
			      const char *exe_path, const struct stat *exe_st)
{
	unsigned long long start, end, off, ino;
	unsigned int maj, min;
	char perms[8];
	int path_at = 0;
	const char *path;
	bool same;

	if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end, perms, &off,
		   &maj, &min, &ino, &path_at) < 7 || !path_at || end <= start)
		return;
	path = line + path_at;
	same = exe_st && ino == (unsigned long long)exe_st->st_ino && ino != 0 &&
	       maj == major(exe_st->st_dev) && min == minor(exe_st->st_dev);
	if (!same && exe_path[0]) {
		size_t n = strlen(exe_path);

		same = strncmp(path, exe_path, n) == 0 &&
		       (path[n] == '\0' || path[n] == '\n' || strncmp(path + n, " (deleted)", 10) == 0);
	}
	if (!same || s->nmaps >= MAX_EXE_MAPS)
		return;
	s->maps[s->nmaps++] = (struct exe_map){ .start = start, .end = end, .offset = off };
}

/* exe_path gets the executable's path (from /proc/PID/exe), "" if unknown. */
static int read_maps(struct dial9_symbolizer *s, char *exe_path, size_t exe_len, char *err,
		     size_t errlen)
{
	char path[64];
	struct stat st, *stp = NULL;
	char *line = NULL;
	size_t cap = 0, lines = 0;
	ssize_t n;
	FILE *f;
	int ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)s->pid);
	n = readlink(path, exe_path, exe_len - 1);
	exe_path[n > 0 ? n : 0] = '\0';
	if (n > 10 && strcmp(exe_path + n - 10, " (deleted)") == 0)
		exe_path[n - 10] = '\0';
	if (stat(path, &st) == 0)
		stp = &st;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)s->pid);
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		dial9_syms_err(err, errlen, "cannot open %s: %s", path, strerror(-ret));
		return ret;
	}
	while (lines++ < MAX_MAPS_LINES && getline(&line, &cap, f) > 0)
		consider_map_line(s, line, exe_path, stp);
	free(line);
	fclose(f);
	if (!s->nmaps) {
		dial9_syms_err(err, errlen, "no mapping of the executable in %s", path);
		return -ENOENT;
	}
	return 0;
}

/* Symbols and DWARF from the executable's debug file when it lacks them;
 * best effort: without one the executable's own stay. */
static void use_debug_file(struct dial9_symbolizer *s, const struct dial9_symbols_opts *o,
			   const char *exe_path)
{
	Dwarf *dw;

	if (dial9_symbol_source__open(&s->src, s->exe, o->exe_name ? o->exe_name : exe_path, o,
				      !s->dw, NULL, 0) || !s->src.debug)
		return;
	s->elf = s->src.syms;
	dw = dwarf_begin_elf(s->src.debug->elf, DWARF_C_READ, NULL);
	if (dw) {
		if (s->dw)
			dwarf_end(s->dw);
		s->dw = dw;
	}
}

struct dial9_symbolizer *dial9_symbolizer__new(pid_t pid, char *err, size_t errlen)
{
	return dial9_symbolizer__new_opts(pid, NULL, err, errlen);
}

struct dial9_symbolizer *dial9_symbolizer__new_opts(pid_t pid, const struct dial9_symbols_opts *o,
						    char *err, size_t errlen)
{
	struct dial9_symbolizer *s = NULL;
	char exe[64], exe_path[4096] = "";
	int ret;

	if (pid <= 0) {
		dial9_syms_err(err, errlen, "invalid pid %d", (int)pid);
		ret = -EINVAL;
		goto cleanup;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		dial9_syms_err(err, errlen, "out of memory");
		ret = -ENOMEM;
		goto cleanup;
	}
	s->pid = pid;
	snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)pid);
	ret = dial9_elf_file__open(exe, &s->exe, err, errlen);
	if (ret)
		goto cleanup;
	s->elf = s->exe;
	ret = read_maps(s, exe_path, sizeof(exe_path), err, errlen);
	if (ret)
		goto cleanup;
	/* Shares the libelf handle; NULL (no debug info) is fine. */
	s->dw = dwarf_begin_elf(s->exe->elf, DWARF_C_READ, NULL);
	if (o)
		use_debug_file(s, o, exe_path);
	return s;

cleanup:
	dial9_symbolizer__free(s);
	errno = -ret;
	return NULL;
}

void dial9_symbolizer__free(struct dial9_symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < CACHE_SLOTS; i++)
		free(s->cache[i].text);
	if (s->dw)
		dwarf_end(s->dw);
	dial9_symbol_source__close(&s->src);
	dial9_elf_file__free(s->exe);
	free(s);
}

/* Runtime address -> ELF virtual address of the executable. */
static int to_vaddr(const struct dial9_symbolizer *s, uint64_t addr, uint64_t *vaddr)
{
	for (size_t i = 0; i < s->nmaps; i++) {
		const struct exe_map *m = &s->maps[i];

		if (addr >= m->start && addr < m->end)
			return dial9_elf_file__offset_to_vaddr(s->exe, addr - m->start + m->offset,
							       vaddr);
	}
	return -ENOENT;
}

/* "/usr/share/cargo/registry/tokio-1.24.2/src/runtime/task/raw.rs" ->
 * "tokio-1.24.2/src/runtime/task/raw.rs": keep from the directory that
 * holds the last "src/".  Other paths are kept whole. */
static const char *short_path(const char *path)
{
	const char *src = NULL, *p = path, *q;

	while ((q = strstr(p, "/src/"))) {
		src = q;
		p = q + 1;
	}
	if (!src)
		return path;
	for (q = src; q > path && q[-1] != '/'; q--)
		;
	return q;
}

static bool line_of(struct dial9_symbolizer *s, uint64_t vaddr, const char **file, int *line,
		    int *col)
{
	Dwarf_Die cu;
	Dwarf_Line *l;

	if (!s->dw || !dwarf_addrdie(s->dw, vaddr, &cu))
		return false;
	l = dwarf_getsrc_die(&cu, vaddr);
	if (!l)
		return false;
	*file = dwarf_linesrc(l, NULL, NULL);
	if (!*file || dwarf_lineno(l, line) != 0 || *line <= 0)
		return false;
	if (dwarf_linecol(l, col) != 0 || *col < 0)
		*col = 0;
	return true;
}

/* Find, below die, the out-of-line subprogram DIE that starts at vaddr
 * (starts_at) or whose ranges hold vaddr, into *out; depth bounds the
 * recursion on hostile debug info.  (dwarf_getscopes does not look inside
 * the namespaces rustc nests functions in.) */
static bool find_subprogram(Dwarf_Die *die, uint64_t vaddr, bool starts_at, Dwarf_Die *out,
			    int depth)
{
	Dwarf_Die child;
	Dwarf_Addr lo;
	int tag;

	if (depth > 32 || dwarf_child(die, &child) != 0)
		return false;
	do {
		tag = dwarf_tag(&child);
		if (tag == DW_TAG_subprogram) {
			if (starts_at ? dwarf_lowpc(&child, &lo) == 0 && lo == vaddr
				      : dwarf_haspc(&child, vaddr) > 0) {
				*out = child;
				return true;
			}
			continue; /* functions nested in functions: not ours */
		}
		if (tag == DW_TAG_lexical_block || tag == DW_TAG_inlined_subroutine ||
		    tag == DW_TAG_variable || tag == DW_TAG_formal_parameter)
			continue;
		if (find_subprogram(&child, vaddr, starts_at, out, depth + 1))
			return true;
	} while (dwarf_siblingof(&child, &child) == 0);
	return false;
}

/* Name of the function DIE starting at vaddr, as rustc writes it:
 * "poll<relay::stage::{async_fn_env#0}, …>" for generics. */
static const char *dwarf_function_name(struct dial9_symbolizer *s, uint64_t vaddr)
{
	Dwarf_Die cu, fn;

	if (!s->dw || !dwarf_addrdie(s->dw, vaddr, &cu) ||
	    !find_subprogram(&cu, vaddr, true, &fn, 0))
		return NULL;
	return dwarf_diename(&fn);
}

/* The outermost DW_TAG_inlined_subroutine below scope (through lexical
 * blocks) whose ranges hold vaddr, into *out. */
static bool outermost_inline(Dwarf_Die *scope, uint64_t vaddr, Dwarf_Die *out, int depth)
{
	Dwarf_Die child;
	int tag;

	if (depth > 32 || dwarf_child(scope, &child) != 0)
		return false;
	do {
		tag = dwarf_tag(&child);
		if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_lexical_block)
			continue;
		if (dwarf_haspc(&child, vaddr) <= 0)
			continue;
		if (tag == DW_TAG_inlined_subroutine) {
			*out = child;
			return true;
		}
		if (outermost_inline(&child, vaddr, out, depth + 1))
			return true;
	} while (dwarf_siblingof(&child, &child) == 0);
	return false;
}

/* When vaddr lies in code inlined into an out-of-line function, the place
 * in that function's own source that the inlining started from: the
 * DW_AT_call_file/line/column of the outermost inlined_subroutine. */
static bool call_site_of(struct dial9_symbolizer *s, uint64_t vaddr, const char **file,
			 int *line, int *col)
{
	Dwarf_Die cu, fn, inl;
	Dwarf_Attribute attr;
	Dwarf_Files *files;
	Dwarf_Word fidx, lno, cno = 0;
	size_t nfiles;

	if (!s->dw || !dwarf_addrdie(s->dw, vaddr, &cu) ||
	    !find_subprogram(&cu, vaddr, false, &fn, 0) || !outermost_inline(&fn, vaddr, &inl, 0))
		return false;
	if (!dwarf_attr(&inl, DW_AT_call_file, &attr) || dwarf_formudata(&attr, &fidx) != 0 ||
	    !dwarf_attr(&inl, DW_AT_call_line, &attr) || dwarf_formudata(&attr, &lno) != 0 ||
	    lno == 0 || lno > INT32_MAX)
		return false;
	if (!dwarf_attr(&inl, DW_AT_call_column, &attr) || dwarf_formudata(&attr, &cno) != 0 ||
	    cno > INT32_MAX)
		cno = 0;
	if (dwarf_getsrcfiles(&cu, &files, &nfiles) != 0 || fidx >= nfiles)
		return false;
	*file = dwarf_filesrc(files, fidx, NULL, NULL);
	*line = (int)lno;
	*col = (int)cno;
	return *file != NULL;
}

static void normalize_env_names(char *s);

/* Source of the standard library (/rustc/<hash>/library/…) or of a crate
 * from a registry (Tokio among them), not the program's own? */
static bool is_library_file(const char *path)
{
	static const char *const marks[] = {
		"/rustc/", "/registry/", "library/std/src/", "library/core/src/",
		"library/alloc/src/", "library/panic_unwind/src/", "library/panic_abort/src/",
	};

	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (strstr(path, marks[i]))
			return true;
	return false;
}

/* The demangled path of a frame's function (its linkage name), malloc'd,
 * or NULL. */
static char *frame_name(Dwarf_Die *frame)
{
	Dwarf_Attribute attr;
	const char *mangled = dwarf_formstring(dwarf_attr_integrate(frame, DW_AT_linkage_name, &attr));

	return mangled ? dial9_rust_demangle(mangled) : NULL;
}

#define MAX_FRAMES 64

/* The frames at vaddr, outermost first: the out-of-line subprogram, then
 * each inlined_subroutine inside the previous one. */
static size_t frames_at(struct dial9_symbolizer *s, uint64_t vaddr, Dwarf_Die *cu,
			Dwarf_Die frames[MAX_FRAMES])
{
	size_t n = 0;

	if (!s->dw || !dwarf_addrdie(s->dw, vaddr, cu) ||
	    !find_subprogram(cu, vaddr, false, &frames[0], 0))
		return 0;
	for (n = 1; n < MAX_FRAMES && outermost_inline(&frames[n - 1], vaddr, &frames[n], 0); n++)
		;
	return n;
}

/* Where frame i's own code is at vaddr: the call site of frame i + 1, or
 * the line table for the innermost frame. */
static bool frame_position(struct dial9_symbolizer *s, Dwarf_Die *cu, Dwarf_Die *frames, size_t n,
			   size_t i, uint64_t vaddr, const char **file, int *line, int *col)
{
	Dwarf_Attribute attr;
	Dwarf_Files *files;
	Dwarf_Word fidx, lno, cno = 0;
	size_t nfiles;

	if (i + 1 == n)
		return line_of(s, vaddr, file, line, col);
	if (!dwarf_attr(&frames[i + 1], DW_AT_call_file, &attr) || dwarf_formudata(&attr, &fidx) ||
	    !dwarf_attr(&frames[i + 1], DW_AT_call_line, &attr) || dwarf_formudata(&attr, &lno) ||
	    !lno || lno > INT32_MAX || dwarf_getsrcfiles(cu, &files, &nfiles) || fidx >= nfiles)
		return false;
	if (!dwarf_attr(&frames[i + 1], DW_AT_call_column, &attr) || dwarf_formudata(&attr, &cno) ||
	    cno > INT32_MAX)
		cno = 0;
	*file = dwarf_filesrc(files, fidx, NULL, NULL);
	*line = (int)lno;
	*col = (int)cno;
	return *file != NULL;
}

int dial9_symbolizer__user_frame(struct dial9_symbolizer *s, uint64_t addr, char *func,
				 size_t flen, char *pos, size_t plen)
{
	Dwarf_Die cu, frames[MAX_FRAMES];
	Dwarf_Attribute attr;
	const char *comp_dir;
	uint64_t vaddr;
	size_t n;

	if (!func || !flen || !pos || !plen)
		return -EINVAL;
	func[0] = pos[0] = '\0';
	if (!s || to_vaddr(s, addr, &vaddr))
		return -ENOENT;
	n = frames_at(s, vaddr, &cu, frames);
	/* relative paths are the compilation directory's: a crate's own */
	comp_dir = n ? dwarf_formstring(dwarf_attr(&cu, DW_AT_comp_dir, &attr)) : NULL;
	if (!comp_dir)
		comp_dir = "";
	for (size_t i = n; i-- > 0;) {
		const char *file;
		char *name;
		int line, col;

		if (!frame_position(s, &cu, frames, n, i, vaddr, &file, &line, &col) ||
		    is_library_file(file) || (file[0] != '/' && is_library_file(comp_dir)))
			continue;
		name = frame_name(&frames[i]);
		if (!name)
			return -ENOENT;
		normalize_env_names(name);
		snprintf(func, flen, "%s", name);
		if (col > 0)
			snprintf(pos, plen, "%s:%d:%d", short_path(file), line, col);
		else
			snprintf(pos, plen, "%s:%d", short_path(file), line);
		free(name);
		return 0;
	}
	return -ENOENT;
}

/* rustc's debuginfo names closures/async bodies "{closure_env#N}",
 * "{async_fn_env#N}", "{async_block_env#N}"; v0 symbols say "{closure#N}".
 * Rewrite the former to the latter in place so both manglings read alike. */
static void normalize_env_names(char *s)
{
	static const char *const envs[] = { "{closure_env#", "{async_fn_env#", "{async_block_env#" };

	for (size_t k = 0; k < sizeof(envs) / sizeof(envs[0]); k++) {
		char *p;
		size_t el = strlen(envs[k]), cl = strlen("{closure#");

		while ((p = strstr(s, envs[k]))) {
			memcpy(p, "{closure#", cl);
			memmove(p + cl, p + el, strlen(p + el) + 1);
		}
	}
}

/* Remember what buf now holds for addr, and return ret. */
static int finish(struct cache_slot *slot, uint64_t addr, bool future, int ret, const char *buf)
{
	free(slot->text);
	slot->text = strdup(buf);
	slot->addr = addr;
	slot->future = future;
	slot->ret = ret;
	if (!slot->text)
		slot->addr = 0;
	return ret;
}

static int describe(struct dial9_symbolizer *s, uint64_t addr, bool future, char *buf,
		    size_t len)
{
	struct cache_slot *slot;
	struct dial9_elf_sym *sym;
	const char *name, *file;
	char arg[NAME_MAX_OUT];
	uint64_t vaddr;
	int line, col;

	if (!buf || !len)
		return -EINVAL;
	snprintf(buf, len, "0x%" PRIx64, addr);
	if (!s)
		return -EINVAL;
	slot = &s->cache[(addr ^ (addr >> 9) ^ future) % CACHE_SLOTS];
	if (slot->text && slot->addr == addr && slot->future == future) {
		snprintf(buf, len, "%s", slot->text);
		return slot->ret;
	}
	if (to_vaddr(s, addr, &vaddr))
		return finish(slot, addr, future, -ENOENT, buf);
	sym = dial9_elf_file__lookup(s->elf, vaddr);
	name = sym ? dial9_elf_file__sym_name(sym) : NULL;
	if (!name)
		return finish(slot, addr, future, 0, buf);

	if (future) {
		/* v0: the symbol's own generic arguments name the future. */
		if (dial9_rust_first_generic_arg(name, arg, sizeof(arg)) > 0) {
			snprintf(buf, len, "%s", arg);
			return finish(slot, addr, future, 0, buf);
		}
		/* Legacy: the symbol holds only a hash.  The DWARF subprogram of
		 * the same code names the instance ("poll<T, S>").  Without debug
		 * info we fall back to the symbol: tying a legacy raw::poll copy
		 * to a sibling symbol that names its type (drop_in_place<Cell<T,
		 * S>>) would need the task vtable and code analysis, not done. */
		const char *dn = dwarf_function_name(s, sym->vaddr);

		if (dn && dial9_rust_first_generic_arg(dn, arg, sizeof(arg)) > 0) {
			normalize_env_names(arg);
			snprintf(buf, len, "%s", arg);
			return finish(slot, addr, future, 0, buf);
		}
		snprintf(buf, len, "%s", name);
		return finish(slot, addr, future, 0, buf);
	}

	/* The name is the out-of-line function that holds the address; the
	 * line is where that function's own source stands there: the call
	 * site of inlined code (Tokio's spawn inlined into the user's
	 * function reads as the user's tokio::spawn line), else the line
	 * table's line. */
	if (call_site_of(s, vaddr, &file, &line, &col) || line_of(s, vaddr, &file, &line, &col))
		dial9_format_location(buf, len, name, short_path(file), line, col);
	else
		snprintf(buf, len, "%s", name);
	return finish(slot, addr, future, 0, buf);
}

void dial9_format_location(char *buf, size_t len, const char *function, const char *file,
			   int line, int col)
{
	if (col > 0)
		snprintf(buf, len, "%s (%s:%d:%d)", function, file, line, col);
	else
		snprintf(buf, len, "%s (%s:%d)", function, file, line);
}

int dial9_symbolizer__function(struct dial9_symbolizer *s, uint64_t addr, char *buf, size_t len)
{
	struct dial9_elf_sym *sym;
	const char *name;
	uint64_t vaddr;

	if (!buf || !len)
		return -EINVAL;
	snprintf(buf, len, "0x%" PRIx64, addr);
	if (!s || to_vaddr(s, addr, &vaddr))
		return -ENOENT;
	sym = dial9_elf_file__lookup(s->elf, vaddr);
	name = sym ? dial9_elf_file__sym_name(sym) : NULL;
	if (!name)
		return -ENOENT;
	snprintf(buf, len, "%s", name);
	return 0;
}

bool dial9_symbolizer__inlined_from(struct dial9_symbolizer *s, uint64_t addr, const char *needle)
{
	Dwarf_Die cu, frames[MAX_FRAMES];
	uint64_t vaddr;
	bool found = false;
	size_t n;

	if (!s || !s->dw || to_vaddr(s, addr, &vaddr))
		return false;
	n = frames_at(s, vaddr, &cu, frames);
	for (size_t i = 1; i < n && !found; i++) {
		char *name = frame_name(&frames[i]);

		found = name && strstr(name, needle);
		free(name);
	}
	return found;
}

#define MAX_CALLER_CODE (1u << 22)

int dial9_symbolizer__call_arg_constants(struct dial9_symbolizer *s, uint64_t ret_addr,
					 uint64_t out[6])
{
	struct dial9_elf_sym *sym;
	uint64_t ret_vaddr, offset;
	uint8_t *code;
	int ret;

	memset(out, 0, 6 * sizeof(*out));
	if (!s || to_vaddr(s, ret_addr, &ret_vaddr))
		return -ENOENT;
	sym = dial9_elf_file__lookup(s->elf, ret_vaddr - 1);
	/* the symbol from the symbol file, the code from the executable */
	if (!sym || !sym->size || sym->size > MAX_CALLER_CODE ||
	    dial9_elf_file__vaddr_to_offset(s->exe, sym->vaddr, &offset))
		return -ENOENT;
	code = malloc(sym->size);
	if (!code)
		return -ENOMEM;
	if (pread(s->exe->fd, code, sym->size, (off_t)offset) != (ssize_t)sym->size) {
		free(code);
		return -EIO;
	}
	ret = dial9_x86_call_arg_constants(code, sym->size, sym->vaddr, ret_vaddr, out);
	free(code);
	for (int i = 0; i < 6 && !ret; i++)
		if (out[i])
			out[i] = out[i] - ret_vaddr + ret_addr; /* one load bias for the image */
	return ret;
}

bool dial9_symbolizer__has_dwarf(const struct dial9_symbolizer *s)
{
	return s && s->dw;
}

int dial9_symbolizer__describe(struct dial9_symbolizer *s, uint64_t addr, char *buf, size_t len)
{
	return describe(s, addr, false, buf, len);
}

int dial9_symbolizer__describe_future(struct dial9_symbolizer *s, uint64_t addr, char *buf,
				      size_t len)
{
	return describe(s, addr, true, buf, len);
}
