// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * discovery.c - dial9d --all: find Tokio processes by themselves, those
 * running at start (a /proc scan) and each new one as it execs.  Every
 * executable is examined once (cached by device, inode, size and mtime);
 * the configuration's include/exclude rules choose among the Tokio ones.
 * A stripped executable's symbols come from its debug file; one that looks
 * like a Rust program but has no Tokio symbols anywhere is reported, once
 * per process and at most REPORTS_PER_EXE times per executable.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "discovery.h"
#include "ingest.h"
#include "tracked.h"

#define BINARY_CACHE_MAX 1024
#define REPORTS_PER_EXE 3

struct binary {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	struct dial9_probe_set *ps; /* NULL: not a Tokio binary */
	char *why;                  /* ps NULL for a Tokio-looking binary: the reason (logged) */
	uint32_t reported;          /* processes it was logged for */
};

static void binary_free(struct binary *b)
{
	dial9_probe_set__free(b->ps);
	free(b->why);
}

struct binary_cache {
	struct binary *items;
	uint32_t count;
};

static struct binary_cache cache;

static void cache_clear(void)
{
	uint32_t i;

	for (i = 0; i < cache.count; i++)
		binary_free(&cache.items[i]);
	free(cache.items);
	cache.items = NULL;
	cache.count = 0;
}

void discovery__free(void)
{
	cache_clear();
}

static struct binary *cache_find(const struct stat *st)
{
	uint32_t i;

	for (i = 0; i < cache.count; i++) {
		struct binary *b = &cache.items[i];

		if (b->dev == st->st_dev && b->ino == st->st_ino && b->size == st->st_size &&
		    b->mtime.tv_sec == st->st_mtim.tv_sec && b->mtime.tv_nsec == st->st_mtim.tv_nsec)
			return b;
	}
	return NULL;
}

static struct binary *cache_add(const struct stat *st, struct dial9_probe_set *ps,
				 const char *why)
{
	struct binary *b;

	if (!cache.items) {
		cache.items = calloc(BINARY_CACHE_MAX, sizeof(*cache.items));
		if (!cache.items)
			return NULL;
	}
	if (cache.count >= BINARY_CACHE_MAX) { /* full: start over */
		uint32_t i;

		for (i = 0; i < cache.count; i++)
			binary_free(&cache.items[i]);
		cache.count = 0;
	}
	b = &cache.items[cache.count++];
	*b = (struct binary){ st->st_dev, st->st_ino, st->st_size, st->st_mtim, ps,
			      why ? strdup(why) : NULL, 0 };
	return b;
}

/* A Tokio-looking process that cannot be recorded: say why, once. */
static void report_unrecordable(struct binary *b, pid_t pid, const char *exe)
{
	if (!b->why || b->reported >= REPORTS_PER_EXE)
		return;
	b->reported++;
	fprintf(stderr, "dial9d: not recording %d (%s): %s%s\n", pid, exe, b->why,
		b->reported == REPORTS_PER_EXE ? " [not reported again for this executable]" : "");
}

static void read_small(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n > 0)
		buf[n] = '\0';
}

/* The unified-hierarchy cgroup path ("0::/system.slice/x.service"). */
static void read_cgroup(pid_t pid, char *buf, size_t len)
{
	char path[64], raw[4096], *line;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	read_small(path, raw, sizeof(raw));
	buf[0] = '\0';
	for (line = strtok(raw, "\n"); line; line = strtok(NULL, "\n")) {
		if (!strncmp(line, "0::", 3)) {
			snprintf(buf, len, "%s", line + 3);
			return;
		}
	}
}

static void consider(struct daemon *d, pid_t pid, bool at_exec)
{
	char exe_link[64], exe[PATH_MAX], comm[32], cgroup[1024], path[64], err[1024];
	struct dial9_probe_set *ps;
	struct tracked *t;
	struct binary *b;
	struct stat st;
	ssize_t n;
	int ret;

	if (pid == getpid())
		return;
	snprintf(exe_link, sizeof(exe_link), "/proc/%d/exe", pid);
	n = readlink(exe_link, exe, sizeof(exe) - 1);
	if (n < 0 || stat(exe_link, &st) || !S_ISREG(st.st_mode))
		return; /* a kernel thread, or gone already */
	exe[n] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	read_small(path, comm, sizeof(comm));
	comm[strcspn(comm, "\n")] = '\0';
	read_cgroup(pid, cgroup, sizeof(cgroup));
	if (!dial9_rules__match(&d->rules, exe, comm, cgroup))
		return;

	b = cache_find(&st);
	if (!b) {
		struct dial9_symbols_opts so = tracked__symbols_opts(d, exe);

		so.only_rust = true; /* no debug file search for every program run */
		ps = NULL;
		ret = dial9_probe_set__find_opts(exe_link, &so, &ps, err, sizeof(err));
		if (ret && ret != -ESRCH && ret != -ENOEXEC && ret != -ENODATA && d->o.verbose)
			fprintf(stderr, "dial9d: cannot examine %s: %s\n", exe, err);
		b = cache_add(&st, ret ? NULL : ps, ret == -ENODATA ? err : NULL);
		if (!b) {
			dial9_probe_set__free(ps);
			return;
		}
	}
	if (!b->ps) {
		report_unrecordable(b, pid, exe);
		return;
	}
	ret = tracked__attach(d, pid, b->ps, &t, err, sizeof(err));
	if (ret) {
		if (ret != -EEXIST)
			fprintf(stderr, "dial9d: discovered %d (%s) but cannot record it: %s\n", pid, exe,
				err);
		return;
	}
	tracked__log_recording(t, at_exec ? " from its exec" : "");
}

void discovery__on_exec(void *ctx, pid_t pid)
{
	struct daemon *d = ctx;
	struct tracked *t = tracked__find(d, pid);

	/* A recorded process that exec'd runs another program now. */
	if (t) {
		if (d->o.verbose)
			fprintf(stderr, "dial9d: %d exec'd a new program; its recording ends\n", pid);
		ingest__drain(t, now_mono_ns());
		tracked__detach(d, t);
	}
	if (d->o.all)
		consider(d, pid, true);
}

void discovery__scan(struct daemon *d)
{
	struct dirent *de;
	DIR *dp = opendir("/proc");

	if (!dp)
		return;
	while ((de = readdir(dp))) {
		char *end;
		long pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		consider(d, (pid_t)pid, false);
	}
	closedir(dp);
}
