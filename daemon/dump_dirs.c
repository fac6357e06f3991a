// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* dump_dirs.c - the dumps directory's owners and modes: see dump_dirs.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "dump_dir.h"
#include "dump_dirs.h"

#define ACL_XATTR "system.posix_acl_access"
#define ACL_XATTR_VERSION 2
#define ACL_UNDEFINED_ID 0xffffffffu
enum acl_tag { ACL_USER_OBJ = 0x01, ACL_USER = 0x02, ACL_GROUP_OBJ = 0x04, ACL_MASK = 0x10,
	       ACL_OTHER = 0x20 };
enum acl_perm { ACL_X = 1, ACL_W = 2, ACL_R = 4 };

#define TOP_MODE 0711 /* root lists it; others may only pass through */
#define UID_DIR_MODE 0700

static void put_le(uint8_t *p, uint32_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

size_t dump_dirs__acl(uid_t uid, uint8_t *buf, size_t len)
{
	static const struct { uint16_t tag, perm; bool named; } entries[] = {
		{ ACL_USER_OBJ, ACL_R | ACL_W | ACL_X, false },
		{ ACL_USER, ACL_R | ACL_X, true },
		{ ACL_GROUP_OBJ, 0, false },
		{ ACL_MASK, ACL_R | ACL_X, false },
		{ ACL_OTHER, 0, false },
	};
	size_t n = sizeof(entries) / sizeof(entries[0]), i, need = 4 + n * 8;

	if (len < need)
		return 0;
	put_le(buf, ACL_XATTR_VERSION, 4);
	for (i = 0; i < n; i++) {
		uint8_t *e = buf + 4 + i * 8;

		put_le(e, entries[i].tag, 2);
		put_le(e + 2, entries[i].perm, 2);
		put_le(e + 4, entries[i].named ? (uint32_t)uid : ACL_UNDEFINED_ID, 4);
	}
	return need;
}

/* fd, a directory: root's, whoever made it, with mode (0: as it is; an ACL
 * set next sets it). */
static int own_by_root(int fd, mode_t mode)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if ((st.st_uid || st.st_gid) && fchown(fd, 0, 0))
		return -errno;
	if (mode && (st.st_mode & 07777) != mode && fchmod(fd, mode))
		return -errno;
	return 0;
}

/* UID's read access to its directory fd: the ACL, else (said once) none. */
static void give_access(struct daemon *d, int fd, uid_t uid, const char *path)
{
	uint8_t acl[64];
	size_t len = dump_dirs__acl(uid, acl, sizeof(acl));

	if (fsetxattr(fd, ACL_XATTR, acl, len, 0) == 0)
		return;
	if (!d->dump_acl_refused)
		fprintf(stderr, "dial9d: %s: the file system refuses POSIX ACLs (%s): each user's "
			"dumps directory stays root's 0700, readable by root only\n", path,
			strerror(errno));
	d->dump_acl_refused = true;
	fchmod(fd, UID_DIR_MODE); /* whatever the failed call left */
}

int dump_dirs__for_uid(struct daemon *d, uid_t uid, char *path, size_t len, char *err,
		       size_t errlen)
{
	char top[PATH_MAX], name[16];
	int topfd = -1, fd = -1, ret;

	ret = dial9_dump_dir__path(d->o.state_dir, top, sizeof(top));
	if (!ret)
		ret = dial9_dump_dir__uid_path(d->o.state_dir, uid, path, len);
	if (ret) {
		snprintf(err, errlen, "state directory %s: %s", d->o.state_dir, strerror(-ret));
		return ret;
	}
	snprintf(name, sizeof(name), "%u", (unsigned)uid);
	topfd = open(top, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (topfd < 0 || (mkdirat(topfd, name, UID_DIR_MODE) && errno != EEXIST)) {
		ret = -errno;
		goto out;
	}
	fd = openat(topfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	/* the ACL sets the mode with it (0750: the group bits are its mask) */
	ret = own_by_root(fd, uid == 0 || d->dump_acl_refused ? UID_DIR_MODE : 0);
	if (!ret && uid != 0 && !d->dump_acl_refused)
		give_access(d, fd, uid, path);
out:
	if (ret)
		snprintf(err, errlen, "dumps directory %s: %s", path, strerror(-ret));
	if (fd >= 0)
		close(fd);
	if (topfd >= 0)
		close(topfd);
	return ret;
}

/* A legacy flat dump into its owner's directory. */
static int move_legacy(void *ctx, const struct dial9_dump_file *f)
{
	struct daemon *d = ctx;
	char dir[PATH_MAX], err[PATH_MAX + 64];
	int fd;

	if (f->subdir[0] || f->temp)
		return 0;
	if (dump_dirs__for_uid(d, f->st->st_uid, dir, sizeof(dir), err, sizeof(err))) {
		fprintf(stderr, "dial9d: %s: left in place\n", err);
		return 0;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || renameat2(f->dirfd, f->name, fd, f->name, RENAME_NOREPLACE))
		fprintf(stderr, "dial9d: cannot move %s/%s into %s: %s (left in place)\n", f->dir,
			f->name, dir, strerror(errno));
	if (fd >= 0)
		close(fd);
	return 0;
}

int dump_dirs__setup(struct daemon *d)
{
	char top[PATH_MAX];
	int fd, ret;

	ret = dial9_dump_dir__path(d->o.state_dir, top, sizeof(top));
	if (ret)
		return ret;
	if (mkdir(top, TOP_MODE) && errno != EEXIST)
		return -errno;
	fd = open(top, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = own_by_root(fd, TOP_MODE);
	close(fd);
	if (ret)
		return ret;
	return dial9_dump_dir__walk(d->o.state_dir, true, false, move_legacy, d);
}
