// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* dump_dir.c - the dumps directory's layout: see dump_dir.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dump_dir.h"

#define DUMP_SUFFIX ".dial9"
#define TEMP_INFIX ".dial9.tmp." /* atomic_file's ".NAME.tmp.XXXXXX" for NAME.dial9 */

int dial9_dump_dir__path(const char *state_dir, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/dumps", state_dir);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int dial9_dump_dir__uid_path(const char *state_dir, uid_t uid, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/dumps/%u", state_dir, (unsigned)uid);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

bool dial9_dump_dir__parse_uid(const char *name, uid_t *uid)
{
	unsigned long long v = 0;
	const char *p;

	if (!name[0] || (name[0] == '0' && name[1]) || strlen(name) > 10)
		return false;
	for (p = name; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (v >= (uid_t)-1) /* (uid_t)-1 is no uid */
		return false;
	*uid = (uid_t)v;
	return true;
}

bool dial9_dump_dir__is_dump_name(const char *n)
{
	size_t len = strlen(n);

	return n[0] != '.' && len > strlen(DUMP_SUFFIX) &&
	       !strcmp(n + len - strlen(DUMP_SUFFIX), DUMP_SUFFIX);
}

bool dial9_dump_dir__is_temp_name(const char *n)
{
	const char *infix = strstr(n, TEMP_INFIX);

	return n[0] == '.' && infix && strlen(infix + strlen(TEMP_INFIX)) == 6;
}

struct walk {
	bool temps;
	long only_uid; /* -1: every file */
	dial9_dump_dir_visit_fn visit;
	void *ctx;
};

/* The files of one open directory (closed here). */
static int walk_files(const struct walk *w, DIR *dp, const char *dir, const char *subdir)
{
	struct dirent *de;
	int ret = 0;

	while (!ret && (de = readdir(dp))) {
		struct dial9_dump_file f = { dirfd(dp), dir, de->d_name, subdir, NULL, false, 0 };
		struct stat st;

		f.temp = dial9_dump_dir__is_temp_name(de->d_name);
		if (!(f.temp ? w->temps : dial9_dump_dir__is_dump_name(de->d_name)))
			continue;
		if (fstatat(dirfd(dp), de->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
			continue;
		if (w->only_uid >= 0 && st.st_uid != (uid_t)w->only_uid)
			continue;
		f.st = &st;
		ret = w->visit(w->ctx, &f);
	}
	closedir(dp);
	return ret;
}

/* name in the directory at parent, opened as a directory without following
 * a symlink; NULL with errno set. */
static DIR *open_dir_at(int parent, const char *name)
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *dp;

	if (fd < 0)
		return NULL;
	dp = fdopendir(fd);
	if (!dp) {
		int e = errno;

		close(fd);
		errno = e;
	}
	return dp;
}

static int walk_uid_dir(const struct walk *w, int parent, const char *top, const char *subdir)
{
	char dir[PATH_MAX + 16];
	DIR *dp = open_dir_at(parent, subdir);

	snprintf(dir, sizeof(dir), "%s/%s", top, subdir);
	if (!dp) {
		struct dial9_dump_file f = { -1, dir, NULL, subdir, NULL, false, -errno };

		return w->visit(w->ctx, &f);
	}
	return walk_files(w, dp, dir, subdir);
}

/* Root's walk: the legacy files, then each per-uid directory. */
static int walk_all(const struct walk *w, const char *top)
{
	struct dirent *de;
	uid_t uid;
	char **subdirs = NULL;
	size_t n = 0, cap = 0, i;
	DIR *dp = opendir(top);
	int ret = 0, fd;

	if (!dp)
		return -errno;
	/* the per-uid directories' names first: the walk of the flat files
	 * below closes dp */
	while ((de = readdir(dp))) {
		if (!dial9_dump_dir__parse_uid(de->d_name, &uid))
			continue;
		if (n == cap) {
			char **ns = realloc(subdirs, (cap ? cap * 2 : 16) * sizeof(*ns));

			if (!ns) {
				ret = -ENOMEM;
				break;
			}
			subdirs = ns;
			cap = cap ? cap * 2 : 16;
		}
		subdirs[n] = strdup(de->d_name);
		if (!subdirs[n]) {
			ret = -ENOMEM;
			break;
		}
		n++;
	}
	fd = ret ? -1 : dup(dirfd(dp));
	if (!ret && fd < 0)
		ret = -errno;
	if (!ret) {
		rewinddir(dp);
		ret = walk_files(w, dp, top, "");
	} else {
		closedir(dp);
	}
	for (i = 0; i < n; i++) {
		if (!ret)
			ret = walk_uid_dir(w, fd, top, subdirs[i]);
		free(subdirs[i]);
	}
	free(subdirs);
	if (fd >= 0)
		close(fd);
	return ret;
}

/* A user's walk: their directory, and their legacy files while the legacy
 * directory can be listed. */
static int walk_own(const struct walk *w, const char *top)
{
	char subdir[16], dir[PATH_MAX + 16];
	DIR *dp;
	int fd, ret;

	/* O_PATH: passing through a directory the caller may not list (0711) */
	fd = open(top, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	snprintf(subdir, sizeof(subdir), "%ld", w->only_uid);
	snprintf(dir, sizeof(dir), "%s/%s", top, subdir);
	dp = open_dir_at(fd, subdir);
	if (dp)
		ret = walk_files(w, dp, dir, subdir);
	else
		ret = errno == ENOENT ? 0 : -errno;
	if (!ret && (dp = open_dir_at(fd, ".")))
		ret = walk_files(w, dp, top, "");
	close(fd);
	return ret;
}

int dial9_dump_dir__walk(const char *state_dir, bool all, bool temps,
			 dial9_dump_dir_visit_fn visit, void *ctx)
{
	struct walk w = { temps, all ? -1 : (long)geteuid(), visit, ctx };
	char top[PATH_MAX];
	int ret = dial9_dump_dir__path(state_dir, top, sizeof(top));

	if (ret)
		return ret;
	return all ? walk_all(&w, top) : walk_own(&w, top);
}
