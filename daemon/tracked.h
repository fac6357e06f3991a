/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tracked.h - the table of recorded processes.
 */
#ifndef DIAL9D_TRACKED_H
#define DIAL9D_TRACKED_H

#include "process.h"

/* Where the symbols of the executable at path (the real path exe) are looked for. */
struct dial9_symbols_opts tracked__symbols_opts(const struct daemon *d, const char *exe);
/* ", symbols from PATH (build-id)" into buf when t's symbols came from a
 * debug file, else ""; returns buf. */
const char *tracked__symbols_note(const struct tracked *t, char *buf, size_t len);
/* A process's state with nothing attached yet (its caches empty, no
 * pidfd), and its release: what attach builds on and reap frees. */
struct tracked *tracked__new(struct daemon *d, pid_t pid);
void tracked__free(struct tracked *t); /* accepts NULL */
/* Record pid.  ps: its probe points if already known, else NULL. */
int tracked__attach(struct daemon *d, pid_t pid, const struct dial9_probe_set *ps,
		    struct tracked **out, char *err, size_t errlen);
/* Stop recording t; it stays allocated (released) until tracked__reap. */
void tracked__detach(struct daemon *d, struct tracked *t);
/* Free the processes released since the last call: between epoll batches. */
void tracked__reap(struct daemon *d);
/* Log "recording PID (comm, exe)WHY: N probe points, M uprobes", and the
 * probe classes missing with what that costs. */
void tracked__log_recording(const struct tracked *t, const char *why);

#endif /* DIAL9D_TRACKED_H */
