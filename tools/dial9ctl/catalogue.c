// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* catalogue.c - the dumps of a state directory: see catalogue.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalogue.h"
#include "dump_dir.h"

#define CATALOGUE_MAX 1000000 /* entries: more than any max-dumps */

void catalogue__id(const char *name, char id[CATALOGUE_ID_LEN + 1])
{
	uint32_t h = 2166136261u;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 16777619u;
	snprintf(id, CATALOGUE_ID_LEN + 1, "%08x", h);
}

int catalogue__add(struct catalogue *c, const char *path, const char *name, uid_t uid,
		   uint64_t size, int64_t mtime_ns, int error, const char *error_text,
		   struct dial9_dump_info *info)
{
	struct catalogue_entry *e;

	if (c->n >= CATALOGUE_MAX)
		return -E2BIG;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 32;
		struct catalogue_entry *ne = realloc(c->entries, cap * sizeof(*ne));

		if (!ne)
			return -ENOMEM;
		c->entries = ne;
		c->cap = cap;
	}
	e = &c->entries[c->n];
	memset(e, 0, sizeof(*e));
	e->path = strdup(path);
	e->error_text = error ? strdup(error_text ? error_text : strerror(-error)) : NULL;
	if (!e->path || (error && !e->error_text)) {
		free(e->path);
		free(e->error_text);
		return -ENOMEM;
	}
	catalogue__id(name, e->id);
	e->uid = uid;
	e->size = size;
	e->error = error;
	if (!error && info) {
		e->info = *info;
		memset(info, 0, sizeof(*info)); /* moved */
		e->time_ns = (int64_t)dial9_dump_meta__wall_ns(&e->info.meta);
	}
	e->time_from_file = error || !e->time_ns;
	if (e->time_from_file)
		e->time_ns = mtime_ns;
	c->n++;
	return 0;
}

void catalogue__free(struct catalogue *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->entries[i].path);
		free(c->entries[i].error_text);
		dial9_dump_info__clear(&c->entries[i].info);
	}
	free(c->entries);
	memset(c, 0, sizeof(*c));
}

static int by_time(const void *a, const void *b)
{
	const struct catalogue_entry *x = a, *y = b;

	if (x->time_ns != y->time_ns)
		return x->time_ns < y->time_ns ? -1 : 1;
	return strcmp(x->path, y->path);
}

void catalogue__sort(struct catalogue *c)
{
	if (c->n)
		qsort(c->entries, c->n, sizeof(*c->entries), by_time);
}

bool catalogue__matches(const struct catalogue_entry *e, const struct catalogue_filter *f)
{
	if (f->pid && (e->error || e->info.meta.pid != (uint32_t)f->pid))
		return false;
	return !f->since_set || e->time_ns >= f->since_ns;
}

const struct catalogue_entry *catalogue__find(const struct catalogue *c, const char *key,
					      char *err, size_t errlen)
{
	const struct catalogue_entry *found = NULL;

	for (size_t i = 0; i < c->n; i++) {
		const struct catalogue_entry *e = &c->entries[i];
		const char *slash = strrchr(e->path, '/');

		if (strcmp(e->id, key) && strcmp(e->path, key) && strcmp(slash ? slash + 1 : "", key))
			continue;
		if (found && !strcmp(e->id, key)) {
			snprintf(err, errlen, "dump ID %s is ambiguous (%s and %s): give the path",
				 key, found->path, e->path);
			return NULL;
		}
		found = e;
	}
	if (!found)
		snprintf(err, errlen, "no dump %s among yours (dial9ctl dumps lists them)", key);
	return found;
}

const char *catalogue__trigger(const struct catalogue_entry *e, char *buf, size_t len)
{
	const char *rule = e->error ? NULL : e->info.meta.trigger_rule;
	size_t n;

	if (!e->error && e->info.meta.trigger_metric && !rule)
		rule = dial9_trigger_metric_name(e->info.meta.trigger_metric);
	if (!rule) {
		snprintf(buf, len, "%s", "");
		return buf;
	}
	n = strcspn(rule, ":"); /* "NAME: METRIC > VALUE …" */
	snprintf(buf, len, "%.*s", (int)n, rule);
	return buf;
}

/* --- loading -------------------------------------------------------------- */

struct load {
	struct catalogue *c;
	char *err;
	size_t errlen;
};

static int load_one(void *ctx, const struct dial9_dump_file *f)
{
	struct load *l = ctx;
	struct dial9_dump_info info;
	char path[PATH_MAX + 256], why[512];
	int fd, rc;

	if (!f->name) { /* a directory that could not be read */
		uid_t uid = 0;

		dial9_dump_dir__parse_uid(f->subdir, &uid);
		snprintf(why, sizeof(why), "cannot read the directory: %s", strerror(-f->error));
		return catalogue__add(l->c, f->dir, f->subdir, uid, 0, 0, f->error, why, NULL);
	}
	snprintf(path, sizeof(path), "%s/%s", f->dir, f->name);
	fd = openat(f->dirfd, f->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(why, sizeof(why), "cannot open: %s", strerror(errno));
	} else {
		rc = dial9_dump__read_info_fd(fd, &info, why, sizeof(why));
		close(fd);
	}
	rc = catalogue__add(l->c, path, f->name, f->st->st_uid, (uint64_t)f->st->st_size,
			    (int64_t)f->st->st_mtim.tv_sec * 1000000000LL + f->st->st_mtim.tv_nsec,
			    rc, why, rc ? NULL : &info);
	if (rc)
		snprintf(l->err, l->errlen, "%s: %s", path, strerror(-rc));
	return rc;
}

int catalogue__load(struct catalogue *c, const char *state_dir, bool all, char *err,
		    size_t errlen)
{
	struct load l = { c, err, errlen };
	char dir[PATH_MAX];
	int rc;

	memset(c, 0, sizeof(*c));
	err[0] = '\0';
	rc = dial9_dump_dir__walk(state_dir, all, false, load_one, &l);
	if (rc == -ENOENT && all)
		rc = 0; /* no dumps directory yet: no dumps */
	if (rc && !err[0]) {
		if (all)
			dial9_dump_dir__path(state_dir, dir, sizeof(dir));
		else
			dial9_dump_dir__uid_path(state_dir, geteuid(), dir, sizeof(dir));
		snprintf(err, errlen, "cannot read %s: %s%s", dir, strerror(-rc),
			 rc == -EACCES && !all ? " (it is root's only when its file system refuses "
			 "ACLs: see dial9d's log)" : "");
	}
	if (rc) {
		catalogue__free(c);
		return rc;
	}
	catalogue__sort(c);
	return 0;
}
