/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * dumper.h - a process's rolling window into a dump file.
 */
#ifndef DIAL9D_DUMPER_H
#define DIAL9D_DUMPER_H

#include "process.h"

/* Write the window of t.  fd >= 0: into that file; else into the state
 * directory (room made by retention.c), path returned in path_out.  0 or
 * negative errno, with a message in err when err is not NULL. */
int dumper__write(struct daemon *d, struct tracked *t, const struct pending_dump *why, int fd,
		  char *path_out, size_t path_len, uint64_t *events_out, char *err,
		  size_t errlen);

#endif /* DIAL9D_DUMPER_H */
