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
 * bytes of the file system free for the ranks above.  Every dump counts:
 * each uid's directory and the flat layout of older versions (dump_dir.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "dump.h"
#include "dump_dir.h"
#include "retention.h"

#define RETENTION_SCAN_MAX 100000 /* files looked at per pass */

struct dump_file {
	char name[256 + 16]; /* "UID/NAME.dial9", or "NAME.dial9" (legacy), in STATE/dumps */
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
static enum dump_rank rank_of_name(const char *name)
{
	const char *end = name + strlen(name) - strlen(".dial9"), *dot = end;
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

struct scan {
	struct dump_file *files;
	size_t n, cap;
};

static int scan_one(void *ctx, const struct dial9_dump_file *f)
{
	struct scan *sc = ctx;
	struct dump_file *df;

	if (!f->name) /* a directory that cannot be read: nothing to count there */
		return 0;
	if (sc->n >= RETENTION_SCAN_MAX)
		return 1;
	if (sc->n == sc->cap) {
		size_t cap = sc->cap ? sc->cap * 2 : 64;
		struct dump_file *nf = realloc(sc->files, cap * sizeof(*nf));

		if (!nf)
			return -ENOMEM;
		sc->files = nf;
		sc->cap = cap;
	}
	df = &sc->files[sc->n];
	if (snprintf(df->name, sizeof(df->name), "%s%s%s", f->subdir, f->subdir[0] ? "/" : "",
		     f->name) >= (int)sizeof(df->name))
		return 0;
	df->mtime = f->st->st_mtim;
	df->bytes = (uint64_t)f->st->st_size;
	df->blocks = (uint64_t)f->st->st_blocks * 512;
	df->uid = f->st->st_uid;
	df->rank = rank_of_name(f->name);
	df->gone = false;
	sc->n++;
	return 0;
}

/* Every dump file of the state directory, in eviction order. */
static int scan(struct daemon *d, struct dump_file **out, size_t *nout)
{
	struct scan sc = { 0 };
	int ret = dial9_dump_dir__walk(d->o.state_dir, true, false, scan_one, &sc);

	if (ret < 0) {
		free(sc.files);
		return ret;
	}
	qsort(sc.files, sc.n, sizeof(*sc.files), by_eviction_order);
	*out = sc.files;
	*nout = sc.n;
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
	int dfd, ret;

	dial9_dump_dir__path(d->o.state_dir, dir, sizeof(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	ret = dfd < 0 ? -errno : scan(d, &files, &n);
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
	if (fstatvfs(dfd, &vfs) == 0 && vfs.f_frsize) {
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
		if (unlinkat(dfd, files[v].name, 0) == 0) {
			forget(&r, &files[v], owner);
			fprintf(stderr, "dial9d: removed dump %s/%s (retention)\n", dir,
				files[v].name);
		}
	}
out:
	if (dfd >= 0)
		close(dfd);
	free(files);
	return ret;
}

static int remove_temp(void *ctx, const struct dial9_dump_file *f)
{
	if (f->name && f->temp && unlinkat(f->dirfd, f->name, 0) == 0)
		fprintf(stderr, "dial9d: removed %s/%s, left by an interrupted dump\n", f->dir,
			f->name);
	return 0;
}

int retention__clean_temps(struct daemon *d)
{
	return dial9_dump_dir__walk(d->o.state_dir, true, true, remove_temp, NULL);
}
