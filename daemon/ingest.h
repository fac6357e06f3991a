/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ingest.h - a recorded process's ring buffer into its rolling window.
 */
#ifndef DIAL9D_INGEST_H
#define DIAL9D_INGEST_H

#include "process.h"

/* ev into t's window, seen by its live statistics (proc_stats): the one way
 * records enter a window.  0 or negative errno (the window's). */
int ingest__keep(struct tracked *t, const struct dial9_event *ev);
/* The recorder's callback for each ring record of t (ctx). */
void ingest__on_event(void *ctx, const struct dial9_event *e);
/* Drain t's ring, account losses, expire its window, update its rate. */
void ingest__drain(struct tracked *t, uint64_t now_ns);
/* Move the kernel's short-poll counts into the windows as POLL_SUMMARY. */
void ingest__flush_counts(struct daemon *d);
/* A second of the daemon's clock ended: the counts flushed, then each
 * process's live statistics rolled (proc_stats__end_second). */
void ingest__end_second(struct daemon *d, uint64_t now_ns);

#endif /* DIAL9D_INGEST_H */
