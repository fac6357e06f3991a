// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * retention.c - the dumps directory, like systemd-coredump's: at most
 * max_dumps files and max_dump_bytes bytes, room made BEFORE a dump is
 * written, so that a full directory or a full disk never costs a crash dump.
 *
 * Dumps rank: crash (panic, signal, OOM kill, exit) above triggered above
 * request.  A dump may evict dumps of a lower rank, the oldest first, and
 * then dumps of its own rank: those of the uid holding the most of that rank
 * (the new dump counted for its owner), the oldest first, so that a user
 * crashing processes by the hundred evicts their own dumps before anyone
 * else's.  A request dump may only evict request dumps of its own uid (the
 * owner of the dump file: the owner of the dumped process).  A uid keeps at
 * most max_request_dumps request dumps, and request dumps leave dump_reserve
 * bytes of the file system free for the ranks above.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "dump.h"
#include "retention.h"

#define RETENTION_SCAN_MAX 100000 /* files looked at per pass */
#define DUMP_SUFFIX ".dial9"
#define TEMP_INFIX ".dial9.tmp." /* dial9_dump__write's ".NAME.dial9.tmp.XXXXXX" */

struct dump_file {
	char name[256];
	struct timespec mtime;
	uint64_t bytes;     /* st_size: what the limits count */
	uint64_t blocks;    /* bytes the file system gets back when it goes */
	uid_t uid;
	enum dump_rank rank;
	bool gone;
};

enum dump_rank retention__rank(uint32_t reason)
{
	switch (reason) {
	case DIAL9_REASON_REQUEST:
		return DUMP_RANK_REQUEST;
	case DIAL9_REASON_TRIGGERED:
		return DUMP_RANK_TRIGGERED;
	default: /* panic, signal, OOM, exit; an unknown reason is kept like a crash */
		return DUMP_RANK_CRASH;
	}
}

/* The rank of a dump file from the reason its name ends with. */
static enum dump_rank rank_of_name(const char *name, size_t len)
{
	const char *end = name + len - strlen(DUMP_SUFFIX), *dot = end;
	uint32_t r;

	while (dot > name && dot[-1] != '.')
		dot--;
	for (r = 1; r < DIAL9_REASON__COUNT; r++) {
		const char *rn = dial9_reason_name(r);

		if (strlen(rn) == (size_t)(end - dot) &&
		    !memcmp(rn, dot, (size_t)(end - dot)))
			return retention__rank(r);
	}
	return DUMP_RANK_CRASH;
}

static bool is_dump_name(const char *n, size_t len)
{
	return n[0] != '.' && len > strlen(DUMP_SUFFIX) &&
	       !strcmp(n + len - strlen(DUMP_SUFFIX), DUMP_SUFFIX);
}

/* Eviction order: the lowest rank first, the oldest first within a rank. */
static int by_eviction_order(const void *a, const void *b)
{
	const struct dump_file *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int scan(DIR *dp, struct dump_file **out, size_t *nout)
{
	struct dump_file *files = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int dfd = dirfd(dp);

	while ((de = readdir(dp)) && n < RETENTION_SCAN_MAX) {
		size_t len = strlen(de->d_name);
		struct stat st;

		if (!is_dump_name(de->d_name, len) || len >= sizeof(files->name))
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			struct dump_file *nf = realloc(files, (cap ? cap * 2 : 64) * sizeof(*files));

			if (!nf) {
				free(files);
				return -ENOMEM;
			}
			files = nf;
			cap = cap ? cap * 2 : 64;
		}
		memcpy(files[n].name, de->d_name, len + 1);
		files[n].mtime = st.st_mtim;
		files[n].bytes = (uint64_t)st.st_size;
		files[n].blocks = (uint64_t)st.st_blocks * 512;
		files[n].uid = st.st_uid;
		files[n].rank = rank_of_name(de->d_name, len);
		files[n].gone = false;
		n++;
	}
	qsort(files, n, sizeof(*files), by_eviction_order);
	*out = files;
	*nout = n;
	return 0;
}

/* The directory's state, and what a new dump needs of it. */
struct room {
	uint64_t count, bytes;     /* dump files and their bytes */
	uint64_t own_requests;     /* request dumps of the new dump's owner */
	uint64_t fs_free;          /* free bytes of the file system (root's share too) */
	uint64_t need_free;        /* free bytes the new dump needs */
};

static bool fits(const struct daemon *d, const struct room *r, enum dump_rank rank,
		 uint64_t bytes)
{
	if (r->count + 1 > d->o.max_dumps || r->bytes + bytes > d->o.max_dump_bytes)
		return false;
	if (r->fs_free < r->need_free)
		return false;
	return rank != DUMP_RANK_REQUEST || r->own_requests + 1 <= d->o.max_request_dumps;
}

static int by_uid(const void *a, const void *b)
{
	uid_t x = *(const uid_t *)a, y = *(const uid_t *)b;

	return x < y ? -1 : x > y;
}

/* How many times uid is in the sorted uids[0..m). */
static size_t uid_count(const uid_t *uids, size_t m, uid_t uid)
{
	size_t lo = 0, hi = m, n = 0;

	while (lo < hi) { /* the first uids[i] >= uid */
		size_t mid = lo + (hi - lo) / 2;

		if (uids[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo + n < m && uids[lo + n] == uid)
		n++;
	return n;
}

/* The next dump to evict for a new dump of rank and owner, or -1: the
 * oldest of a lower rank; then, of its own rank, the oldest dump of the uid
 * holding the most (the new dump counted for its owner; ties: the owner,
 * else the oldest); a request dump: its owner's oldest request dump only. */
static ssize_t next_victim(const struct dump_file *files, size_t n, enum dump_rank rank,
			   uid_t owner)
{
	size_t i, m = 0, count, best_count = 0;
	ssize_t best = -1;
	uid_t *uids;

	if (rank == DUMP_RANK_REQUEST) {
		for (i = 0; i < n; i++)
			if (!files[i].gone && files[i].rank == rank && files[i].uid == owner)
				return (ssize_t)i;
		return -1;
	}
	for (i = 0; i < n; i++) /* sorted by rank, then age */
		if (!files[i].gone && files[i].rank < rank)
			return (ssize_t)i;
	uids = malloc((n + 1) * sizeof(*uids));
	if (!uids) { /* no memory for fairness: the oldest */
		for (i = 0; i < n; i++)
			if (!files[i].gone && files[i].rank == rank)
				return (ssize_t)i;
		return -1;
	}
	for (i = 0; i < n; i++)
		if (!files[i].gone && files[i].rank == rank)
			uids[m++] = files[i].uid;
	qsort(uids, m, sizeof(*uids), by_uid);
	for (i = 0; i < n; i++) {
		const struct dump_file *f = &files[i];

		if (f->gone || f->rank != rank)
			continue;
		count = uid_count(uids, m, f->uid) + (f->uid == owner);
		if (best < 0 || count > best_count ||
		    (count == best_count && f->uid == owner && files[best].uid != owner)) {
			best = (ssize_t)i;
			best_count = count;
		}
	}
	free(uids);
	return best;
}

static void forget(struct room *r, const struct dump_file *f, uid_t owner)
{
	r->count--;
	r->bytes -= f->bytes;
	r->fs_free += f->blocks;
	if (f->rank == DUMP_RANK_REQUEST && f->uid == owner)
		r->own_requests--;
}

int retention__make_room(struct daemon *d, enum dump_rank rank, uid_t owner, uint64_t bytes,
			 char *err, size_t errlen)
{
	struct dump_file *files = NULL;
	struct room r = { 0 }, trial;
	char dir[PATH_MAX];
	struct statvfs vfs;
	size_t n = 0, i;
	bool feasible;
	ssize_t v;
	DIR *dp;
	int ret;

	snprintf(dir, sizeof(dir), "%s/dumps", d->o.state_dir);
	dp = opendir(dir);
	if (!dp) {
		ret = -errno;
		snprintf(err, errlen, "dumps directory %s: %s", dir, strerror(-ret));
		return ret;
	}
	ret = scan(dp, &files, &n);
	if (ret) {
		snprintf(err, errlen, "dumps directory %s: %s", dir, strerror(-ret));
		goto out;
	}
	for (i = 0; i < n; i++) {
		r.count++;
		r.bytes += files[i].bytes;
		if (files[i].rank == DUMP_RANK_REQUEST && files[i].uid == owner)
			r.own_requests++;
	}
	/* the file rounded up to blocks, and a block for the directory */
	if (fstatvfs(dirfd(dp), &vfs) == 0 && vfs.f_frsize) {
		uint64_t block = vfs.f_frsize, total = (uint64_t)vfs.f_blocks * block;

		r.fs_free = (uint64_t)vfs.f_bfree * block;
		r.need_free = (bytes + block - 1) / block * block + block;
		if (rank == DUMP_RANK_REQUEST) /* a quarter of a small file system at most */
			r.need_free += d->o.dump_reserve < total / 4 ? d->o.dump_reserve : total / 4;
	}

	/* Is it possible at all?  A request refused evicts nothing. */
	trial = r;
	while (!fits(d, &trial, rank, bytes) && (v = next_victim(files, n, rank, owner)) >= 0) {
		files[v].gone = true;
		forget(&trial, &files[v], owner);
	}
	feasible = fits(d, &trial, rank, bytes);
	for (i = 0; i < n; i++)
		files[i].gone = false;
	if (!feasible) {
		if (rank == DUMP_RANK_REQUEST) {
			ret = -ENOSPC;
			if (r.own_requests + 1 > d->o.max_request_dumps)
				snprintf(err, errlen, "uid %u keeps %llu request dumps already "
					 "(max-request-dumps)", (unsigned)owner,
					 (unsigned long long)r.own_requests);
			else
				snprintf(err, errlen, "no room for a request dump in %s: the rest is "
					 "kept for crash dumps (max-dumps, max-dump-bytes, dump-reserve)",
					 dir);
			goto out;
		}
		/* A crash dump is written whatever happens, in what room the
		 * lower ranks make: dumps of its own rank are not given up for
		 * one that would not fit anyway. */
		fprintf(stderr, "dial9d: dumps directory %s is short of room for a %llu-byte dump\n",
			dir, (unsigned long long)bytes);
	}
	while (!fits(d, &r, rank, bytes) && (v = next_victim(files, n, rank, owner)) >= 0 &&
	       (feasible || files[v].rank < rank)) {
		files[v].gone = true;
		if (unlinkat(dirfd(dp), files[v].name, 0) == 0) {
			forget(&r, &files[v], owner);
			fprintf(stderr, "dial9d: removed dump %s/%s (retention)\n", dir,
				files[v].name);
		}
	}
out:
	closedir(dp);
	free(files);
	return ret;
}

/* ".NAME.dial9.tmp.XXXXXX" */
static bool is_temp_name(const char *n)
{
	return n[0] == '.' && strstr(n, TEMP_INFIX) &&
	       strlen(strstr(n, TEMP_INFIX) + strlen(TEMP_INFIX)) == 6;
}

int retention__clean_temps(struct daemon *d)
{
	char dir[PATH_MAX];
	struct dirent *de;
	DIR *dp;

	snprintf(dir, sizeof(dir), "%s/dumps", d->o.state_dir);
	dp = opendir(dir);
	if (!dp)
		return -errno;
	while ((de = readdir(dp))) {
		struct stat st;

		if (!is_temp_name(de->d_name) ||
		    fstatat(dirfd(dp), de->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
			continue;
		if (unlinkat(dirfd(dp), de->d_name, 0) == 0)
			fprintf(stderr, "dial9d: removed %s/%s, left by an interrupted dump\n", dir,
				de->d_name);
	}
	closedir(dp);
	return 0;
}
