// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * retention.c - like systemd-coredump: the dumps directory holds at most
 * max_dumps files and max_dump_bytes bytes; the oldest go first.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"

#define RETENTION_SCAN_MAX 100000 /* files looked at per pass */

struct dump_file {
	char name[256];
	struct timespec mtime;
	uint64_t bytes;
};

static int by_age(const void *a, const void *b)
{
	const struct dump_file *x = a, *y = b;

	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
	return strcmp(x->name, y->name);
}

static bool is_dump_name(const char *n)
{
	size_t len = strlen(n);

	return n[0] != '.' && len > 6 && !strcmp(n + len - 6, ".dial9");
}

void retention__enforce(struct daemon *d, const char *keep)
{
	char dir[PATH_MAX];
	const char *keep_name = strrchr(keep, '/') ? strrchr(keep, '/') + 1 : keep;
	struct dump_file *files = NULL;
	size_t n = 0, cap = 0, i;
	uint64_t total = 0;
	struct dirent *de;
	DIR *dp;
	int dfd;

	snprintf(dir, sizeof(dir), "%s/dumps", d->o.state_dir);
	dp = opendir(dir);
	if (!dp)
		return;
	dfd = dirfd(dp);
	while ((de = readdir(dp)) && n < RETENTION_SCAN_MAX) {
		struct stat st;

		if (!is_dump_name(de->d_name) || strlen(de->d_name) >= sizeof(files->name))
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			struct dump_file *nf = realloc(files, (cap ? cap * 2 : 64) * sizeof(*files));

			if (!nf)
				break;
			files = nf;
			cap = cap ? cap * 2 : 64;
		}
		snprintf(files[n].name, sizeof(files[n].name), "%s", de->d_name);
		files[n].mtime = st.st_mtim;
		files[n].bytes = (uint64_t)st.st_size;
		total += files[n].bytes;
		n++;
	}
	qsort(files, n, sizeof(*files), by_age);
	for (i = 0; i < n && (n - i > d->o.max_dumps || total > d->o.max_dump_bytes); i++) {
		if (!strcmp(files[i].name, keep_name))
			continue;
		if (unlinkat(dfd, files[i].name, 0) == 0) {
			total -= files[i].bytes;
			fprintf(stderr, "dial9d: removed old dump %s/%s (retention)\n", dir,
				files[i].name);
		}
	}
	closedir(dp);
	free(files);
}
