/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * window.h - the rolling window: the last span_ns of one process's events,
 * bounded also by a byte budget.  Oldest events are evicted first.
 */
#ifndef DIAL9_WINDOW_H
#define DIAL9_WINDOW_H

#include <linux/types.h>
#include <stddef.h>
#include <stdint.h>

#include "dial9_event.h"

struct dial9_window;

struct dial9_window_stats {
	uint64_t pushed;       /* events accepted */
	uint64_t evicted;      /* evicted because older than span_ns (normal) */
	uint64_t dropped;      /* evicted by the byte budget while inside span_ns */
	uint64_t count;        /* events held now */
	uint64_t bytes;        /* memory held for events now */
	uint64_t oldest_ns;    /* ts of oldest held event, 0 if empty */
	uint64_t newest_ns;    /* largest ts seen, 0 if empty */
};

/* span_ns > 0; max_bytes >= 32 * 1024.  NULL with errno on failure. */
struct dial9_window *dial9_window__new(uint64_t span_ns, uint64_t max_bytes);
void dial9_window__free(struct dial9_window *w); /* accepts NULL */

/* Append one event; evicts what fell out of [newest - span, newest] and, when
 * over the byte budget, the oldest events (counted as dropped).  Events may
 * arrive slightly out of order (several CPUs).  0 or negative errno. */
int dial9_window__push(struct dial9_window *w, const struct dial9_event *e);

/* Evict by time as of now_ns (CLOCK_MONOTONIC) without pushing. */
void dial9_window__expire(struct dial9_window *w, uint64_t now_ns);

/* Copy the held events, sorted by ts_ns (stable), into a malloc'd array.
 * Recording goes on: the window is not changed.  0 or negative errno. */
int dial9_window__snapshot(const struct dial9_window *w, struct dial9_event **out,
			   uint64_t *count);

void dial9_window__stats(const struct dial9_window *w, struct dial9_window_stats *st);

#endif /* DIAL9_WINDOW_H */
