/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * debuginfo.h - find the separate debug file of a stripped executable: by
 * GNU build-id under the debug directories, by its .gnu_debuglink, or from
 * a debuginfod server (DEBUGINFOD_URLS).
 */
#ifndef DIAL9_DEBUGINFO_H
#define DIAL9_DEBUGINFO_H

#include <stddef.h>

struct dial9_elf_file; /* elf_file.h */

#define DIAL9_DEBUGINFO_MAX_DIRS 16       /* --debug-dir directories */
#define DIAL9_DEBUGINFO_DIR_MAX 1024      /* bytes in one directory's path */
#define DIAL9_DEBUGINFO_PATH_MAX 4096     /* bytes in a candidate's path, with NUL */
#define DIAL9_DEBUGINFO_SYSTEM_DIR "/usr/lib/debug"

/* How a debug file was found.  NONE: the symbols are the executable's own. */
enum dial9_debuginfo_method {
	DIAL9_DEBUGINFO_NONE = 0,
	DIAL9_DEBUGINFO_BUILD_ID,   /* DIR/.build-id/xx/yyyy.debug */
	DIAL9_DEBUGINFO_DEBUGLINK,  /* .gnu_debuglink name, CRC checked */
	DIAL9_DEBUGINFO_DEBUGINFOD, /* a debuginfod server's answer, in its cache */
};

/* Where to look besides DIAL9_DEBUGINFO_SYSTEM_DIR.  The strings are the
 * caller's (kept alive by it). */
struct dial9_debuginfo_opts {
	const char *dirs[DIAL9_DEBUGINFO_MAX_DIRS]; /* searched first, in order */
	size_t ndirs;
};

/* Append dir to o.  0, or -EINVAL (not an absolute path, or longer than
 * DIAL9_DEBUGINFO_DIR_MAX) / -E2BIG (more than DIAL9_DEBUGINFO_MAX_DIRS),
 * with the reason in why. */
int dial9_debuginfo_opts__add_dir(struct dial9_debuginfo_opts *o, const char *dir, char *why,
				  size_t whylen);

/*
 * Find the debug file of the executable at exe_path (its directory is where
 * .gnu_debuglink files lie).  exe: that executable already opened (for
 * example through /proc/PID/exe), or NULL to open exe_path.  o may be NULL.
 * In this order: build-id under each o->dirs then /usr/lib/debug;
 * .gnu_debuglink next to the executable, in its .debug/, in
 * /usr/lib/debug/EXEDIR/, in each DIR and DIR/EXEDIR/; debuginfod when
 * DEBUGINFOD_URLS is set and not empty.  A candidate is accepted when its
 * build-id equals the executable's (if it has one), its CRC32 matches the
 * debuglink's (debuglink candidates) and it has a .symtab or DWARF.
 *
 * Returns 0 with the path in path (pathlen bytes) and the method in
 * *method; -ENOENT when none was found, with what was looked for in err
 * ("build-id 33ab… under /usr/lib/debug and 2 --debug-dir directories,
 * .gnu_debuglink app.debug; refused /x/app.debug: CRC differs"); other
 * negative errno (the executable cannot be read, out of memory).
 */
int dial9_debuginfo__find(const char *exe_path, const struct dial9_elf_file *exe,
			  const struct dial9_debuginfo_opts *o, char *path, size_t pathlen,
			  enum dial9_debuginfo_method *method, char *err, size_t errlen);

/* The same, keeping the accepted debug file open: *out (free it with
 * dial9_elf_file__free). */
int dial9_debuginfo__open(const char *exe_path, const struct dial9_elf_file *exe,
			  const struct dial9_debuginfo_opts *o, struct dial9_elf_file **out,
			  char *path, size_t pathlen, enum dial9_debuginfo_method *method,
			  char *err, size_t errlen);

/* Open path as exe's debug file when exe has a build-id and path's equals
 * it (a file found before).  0, -ENOENT (cannot be opened), -EINVAL (not
 * exe's debug file, or exe has no build-id), with the reason in err. */
int dial9_debuginfo__open_known(const struct dial9_elf_file *exe, const char *path,
				struct dial9_elf_file **out, char *err, size_t errlen);

/* "build-id", ".gnu_debuglink", "debuginfod", or "executable" for NONE. */
const char *dial9_debuginfo_method_name(enum dial9_debuginfo_method m);

#endif /* DIAL9_DEBUGINFO_H */
