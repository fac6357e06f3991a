/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * atomic_file.h - write a file whole or not at all: a fresh temporary file
 * beside the target ("<dir>/.<name>.tmp.XXXXXX", mkostemp: O_EXCL, so never
 * through a planted symlink), fsync, then rename over the target (which
 * replaces a symlink at the target rather than writing through it) and fsync
 * of the directory.
 */
#ifndef DIAL9_ATOMIC_FILE_H
#define DIAL9_ATOMIC_FILE_H

#include <stdio.h>

struct atomic_file {
	int fd;       /* the temporary file, -1 once closed */
	FILE *stream; /* from atomic_file__stream, owns fd */
	char *path;   /* the target */
	char *tmp;    /* the temporary file's name, NULL once renamed or removed */
	char *dir;    /* the target's directory */
};

/* Create the temporary file for path with mode (fchmod, so the umask does
 * not apply).  0 or negative errno (-EISDIR for a path ending in '/'). */
int atomic_file__open(struct atomic_file *f, const char *path, unsigned int mode);

/* A stdio stream on the temporary file (made once); NULL with errno set. */
FILE *atomic_file__stream(struct atomic_file *f);

/* Flush, fsync, rename over the target, fsync the directory, free.
 * 0 or negative errno; on failure the temporary file is removed. */
int atomic_file__commit(struct atomic_file *f);

/* Remove the temporary file and free; the target is untouched.  Safe after
 * atomic_file__open (whether it failed or not), commit or abort, and on
 * struct atomic_file f = ATOMIC_FILE_INIT. */
#define ATOMIC_FILE_INIT { .fd = -1 }
void atomic_file__abort(struct atomic_file *f);

#endif /* DIAL9_ATOMIC_FILE_H */
