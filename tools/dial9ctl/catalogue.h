/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * catalogue.h - the dumps in a state directory, like coredumpctl's list:
 * read from the files themselves (no daemon), only the caller's unless
 * the caller is root, each dump's metadata read without its events
 * (dial9_dump__read_info_fd).  A dump that cannot be read is an entry with
 * its error; it never stops the listing.
 */
#ifndef DIAL9CTL_CATALOGUE_H
#define DIAL9CTL_CATALOGUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dump.h"

#define CATALOGUE_ID_LEN 8 /* hex digits */

struct catalogue_entry {
	char id[CATALOGUE_ID_LEN + 1]; /* from the file's name: stable while the dump lives */
	char *path;
	uid_t uid;                     /* the file's owner: the dumped process's user */
	uint64_t size;
	int64_t time_ns;               /* when the dump was taken, ns since the epoch */
	bool time_from_file;           /* unreadable metadata: the file's mtime instead */
	int error;                     /* 0, or why the dump cannot be read (negative errno) */
	char *error_text;              /* its one-line reason */
	struct dial9_dump_info info;   /* when !error */
};

struct catalogue {
	struct catalogue_entry *entries; /* oldest first (catalogue__sort) */
	size_t n, cap;
};

/* The dumps of state_dir the caller may see (all: every uid's, root's
 * view), sorted.  0 or negative errno with a message in err. */
int catalogue__load(struct catalogue *c, const char *state_dir, bool all, char *err,
		    size_t errlen);
void catalogue__free(struct catalogue *c);

/* Add one entry (path copied; info moved in when error is 0), for the
 * loader and for tests.  0 or -ENOMEM. */
int catalogue__add(struct catalogue *c, const char *path, const char *name, uid_t uid,
		   uint64_t size, int64_t mtime_ns, int error, const char *error_text,
		   struct dial9_dump_info *info);

/* Oldest first, as coredumpctl lists; ties by path. */
void catalogue__sort(struct catalogue *c);

/* The ID of the dump file called name: FNV-1a of the name, in hex. */
void catalogue__id(const char *name, char id[CATALOGUE_ID_LEN + 1]);

struct catalogue_filter {
	pid_t pid;         /* 0: any */
	bool since_set;
	int64_t since_ns;  /* taken at or after */
};
/* Does e pass f?  An entry without readable metadata has no pid: it never
 * matches a pid, and its file's time stands in for --since. */
bool catalogue__matches(const struct catalogue_entry *e, const struct catalogue_filter *f);

/* The entry whose ID, file name or path is key; NULL with a message in err
 * when none is, or when the ID is ambiguous. */
const struct catalogue_entry *catalogue__find(const struct catalogue *c, const char *key,
					      char *err, size_t errlen);

/* The name of the dump trigger that fired (format version 4), into buf
 * (DIAL9_TRIGGER_NAME_LEN bytes hold any of dial9d's); "" when none did. */
#define DIAL9_TRIGGER_NAME_LEN 64
const char *catalogue__trigger(const struct catalogue_entry *e, char *buf, size_t len);

#endif /* DIAL9CTL_CATALOGUE_H */
