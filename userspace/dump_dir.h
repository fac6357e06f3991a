/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * dump_dir.h - where dumps live in the state directory, as the daemon
 * writes them and the catalogue reads them:
 *
 *   STATE/dumps/              root, 0711: nobody but root lists it
 *   STATE/dumps/UID/          root, 0700 + ACL user:UID:r-x: UID lists it
 *   STATE/dumps/UID/NAME.dial9   0600, owned by UID (the dumped process's)
 *   STATE/dumps/NAME.dial9    the flat layout of older versions (legacy)
 *
 * NAME is COMM.PID.YYYYMMDDTHHMMSSZ.MSEC.REASON; ".NAME.dial9.tmp.XXXXXX" is a
 * dump being written (userspace/atomic_file.c).
 */
#ifndef DIAL9_DUMP_DIR_H
#define DIAL9_DUMP_DIR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#define DIAL9_STATE_DIR_DEFAULT "/var/lib/dial9"

/* STATE/dumps, and STATE/dumps/UID, into buf: 0 or -ENAMETOOLONG. */
int dial9_dump_dir__path(const char *state_dir, char *buf, size_t len);
int dial9_dump_dir__uid_path(const char *state_dir, uid_t uid, char *buf, size_t len);

/* A per-uid directory's name: canonical decimal ("1000", not "01000"). */
bool dial9_dump_dir__parse_uid(const char *name, uid_t *uid);
bool dial9_dump_dir__is_dump_name(const char *name); /* "NAME.dial9", not hidden */
bool dial9_dump_dir__is_temp_name(const char *name); /* ".NAME.dial9.tmp.XXXXXX" */

/* One file found by the walk.  dirfd and the strings live for the call. */
struct dial9_dump_file {
	int dirfd;            /* the directory holding it */
	const char *dir;      /* its path */
	const char *name;     /* its name in dirfd */
	const char *subdir;   /* "UID" for STATE/dumps/UID, "" for the legacy layout */
	const struct stat *st; /* lstat: a regular file */
	bool temp;            /* a dump being written, not a dump */
	int error;            /* a directory that could not be read (name NULL): -errno */
};

/* Called for each file; non-zero stops the walk and is its result. */
typedef int (*dial9_dump_dir_visit_fn)(void *ctx, const struct dial9_dump_file *f);

/* Every dump (and temp file, when temps) in STATE/dumps: the per-uid
 * directories and the legacy flat files, regular files only, never through
 * a symlink (each directory opened O_NOFOLLOW, each file lstat'd).
 * all: every uid's (what root reads); else only the caller's: STATE/dumps/
 * EUID and the legacy files the caller owns, when the legacy directory can
 * still be listed (it cannot once the daemon made it 0711: that is not an
 * error).  A per-uid directory that cannot be read is one call with name
 * NULL and error set.  0, the visitor's non-zero result, or a negative
 * errno for STATE/dumps itself (all) or the caller's directory (not all;
 * -ENOENT there: no dumps yet, 0). */
int dial9_dump_dir__walk(const char *state_dir, bool all, bool temps,
			 dial9_dump_dir_visit_fn visit, void *ctx);

#endif /* DIAL9_DUMP_DIR_H */
