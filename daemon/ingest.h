/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ingest.h - a recorded process's ring buffer into its rolling window.
 */
#ifndef DIAL9D_INGEST_H
#define DIAL9D_INGEST_H

#include "process.h"

/* The recorder's callback for each ring record of t (ctx). */
void ingest__on_event(void *ctx, const struct dial9_event *e);
/* Drain t's ring, account losses, expire its window, update its rate. */
void ingest__drain(struct tracked *t, uint64_t now_ns);
/* Move the kernel's short-poll counts into the windows as POLL_SUMMARY. */
void ingest__flush_counts(struct daemon *d);

#endif /* DIAL9D_INGEST_H */
