/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * dump_dirs.h - who may see the dumps directory (layout: dump_dir.h):
 * STATE/dumps root's 0711, each STATE/dumps/UID root's 0700 with a POSIX
 * ACL entry user:UID:r-x, so that a user lists and reads their own dumps
 * without the daemon and nobody else's.  No directory under the state
 * directory is ever a user's (they could plant symlinks and files there).
 */
#ifndef DIAL9D_DUMP_DIRS_H
#define DIAL9D_DUMP_DIRS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "daemon.h"

/* At start, with the state directory's lock held: STATE/dumps made (or
 * made again) root's 0711, and the dumps of older versions' flat layout
 * moved into their owners' directories.  0 or negative errno. */
int dump_dirs__setup(struct daemon *d);

/* STATE/dumps/UID made, or checked, root's with UID's ACL; its path into
 * path.  A file system that refuses the ACL leaves it root's 0700 (UID
 * then needs root to read its dumps), said once on stderr.  0 or negative
 * errno with a message in err. */
int dump_dirs__for_uid(struct daemon *d, uid_t uid, char *path, size_t len, char *err,
		       size_t errlen);

/* The value of system.posix_acl_access giving the owner rwx, uid r-x and
 * nobody else anything (linux/posix_acl_xattr.h: a version-2 header, then
 * {u16 tag, u16 perm, u32 id} entries in tag order, little-endian).  The
 * bytes written (at most len), 0 when len is too small. */
size_t dump_dirs__acl(uid_t uid, uint8_t *buf, size_t len);

#endif /* DIAL9D_DUMP_DIRS_H */
