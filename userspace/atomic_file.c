// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* atomic_file.c - temporary file, fsync, rename: see atomic_file.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"

int atomic_file__open(struct atomic_file *f, const char *path, unsigned int mode)
{
	const char *slash;
	size_t dirlen;
	int err;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	if (!path || !*path)
		return -EINVAL;
	slash = strrchr(path, '/');
	if (slash && !slash[1])
		return -EISDIR;
	dirlen = slash ? (size_t)(slash - path) : 0;
	f->path = strdup(path);
	f->dir = slash ? strndup(path, dirlen ? dirlen : 1) : strdup(".");
	f->tmp = malloc(strlen(path) + sizeof(".tmp.XXXXXX") + 1);
	if (!f->path || !f->dir || !f->tmp) {
		err = -ENOMEM;
		goto fail;
	}
	/* "<dir>/.<name>.tmp.XXXXXX": hidden, same file system as the target */
	if (slash)
		sprintf(f->tmp, "%.*s/.%s.tmp.XXXXXX", (int)dirlen, path, slash + 1);
	else
		sprintf(f->tmp, ".%s.tmp.XXXXXX", path);
	f->fd = mkostemp(f->tmp, O_CLOEXEC);
	if (f->fd < 0) {
		err = -errno;
		free(f->tmp);
		f->tmp = NULL;
		goto fail;
	}
	if (fchmod(f->fd, mode & 07777) < 0) {
		err = -errno;
		goto fail;
	}
	return 0;
fail:
	atomic_file__abort(f);
	return err;
}

FILE *atomic_file__stream(struct atomic_file *f)
{
	if (f->fd < 0) {
		errno = EBADF;
		return NULL;
	}
	if (!f->stream)
		f->stream = fdopen(f->fd, "w");
	return f->stream;
}

/* Close the temporary file (its stream if any): 0 or negative errno. */
static int close_tmp(struct atomic_file *f)
{
	int err = 0;

	if (f->stream) {
		if (fclose(f->stream) != 0)
			err = -(errno ? errno : EIO);
	} else if (f->fd >= 0 && close(f->fd) < 0) {
		err = -errno;
	}
	f->stream = NULL;
	f->fd = -1;
	return err;
}

int atomic_file__commit(struct atomic_file *f)
{
	int dfd = -1, err = 0, cerr;

	if (f->stream && (fflush(f->stream) != 0 || ferror(f->stream)))
		err = -(errno ? errno : EIO);
	if (!err && f->fd >= 0 && fsync(f->fd) < 0)
		err = -errno;
	cerr = close_tmp(f);
	if (cerr && !err)
		err = cerr;
	if (!err && rename(f->tmp, f->path) < 0)
		err = -errno;
	if (err)
		goto cleanup;
	free(f->tmp);
	f->tmp = NULL;
	dfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0)
		err = -errno;
	if (dfd >= 0)
		close(dfd);
cleanup:
	atomic_file__abort(f);
	return err;
}

void atomic_file__abort(struct atomic_file *f)
{
	close_tmp(f);
	if (f->tmp)
		unlink(f->tmp);
	free(f->tmp);
	free(f->dir);
	free(f->path);
	f->tmp = f->dir = f->path = NULL;
}
