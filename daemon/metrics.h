/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * metrics.h - the metrics file (--metrics-file): every recorded process's
 * figures and the daemon's, in the Prometheus text format, written whole
 * (a temporary file beside it, renamed over it; mode 0644) every
 * --metrics-interval seconds, right after a second of the live statistics
 * ends, for node_exporter's textfile collector.
 */
#ifndef DIAL9D_METRICS_H
#define DIAL9D_METRICS_H

#include <stdint.h>
#include <stdio.h>

struct daemon;

/* The exposition of d's figures into f.  0 or -ENOMEM. */
int metrics__expose(FILE *f, const struct daemon *d, uint64_t now_ns);
/* Write the file now.  0 or negative errno. */
int metrics__write(struct daemon *d, uint64_t now_ns);
/* A second ended (after ingest__end_second): write the file when the
 * interval is up; a failure is logged once until the next success. */
void metrics__second(struct daemon *d, uint64_t now_ns);

#endif /* DIAL9D_METRICS_H */
