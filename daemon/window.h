/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * window.h - the rolling window: the last span_ns of one process's events,
 * bounded also by a byte budget.  Oldest events are evicted first.  Older
 * records are kept compressed, in the dump's own block coding.
 */
#ifndef DIAL9_WINDOW_H
#define DIAL9_WINDOW_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dial9_event.h"
#include "event_block.h"

struct dial9_window;

struct dial9_window_stats {
	uint64_t pushed;       /* events accepted */
	uint64_t evicted;      /* evicted because older than span_ns (normal) */
	uint64_t dropped;      /* evicted by the byte budget while inside span_ns */
	uint64_t count;        /* events held now */
	uint64_t sealed;       /* of which in compressed blocks */
	uint64_t bytes;        /* memory held for events now (the budget's measure) */
	uint64_t sealed_bytes; /* of which compressed blocks */
	uint64_t oldest_ns;    /* ts of oldest held event, 0 if empty */
	uint64_t newest_ns;    /* largest ts seen, 0 if empty */
};

/* span_ns > 0; max_bytes >= 32 * 1024.  NULL with errno on failure. */
struct dial9_window *dial9_window__new(uint64_t span_ns, uint64_t max_bytes);
void dial9_window__free(struct dial9_window *w); /* accepts NULL */

/* Records per compressed block for a byte budget (65536 from 64 MiB on). */
uint32_t dial9_window__block_events(uint64_t max_bytes);

/* Append one event; evicts what fell out of [newest - span, newest] and, when
 * over the byte budget, the oldest events (counted as dropped).  Events may
 * arrive out of order (several CPUs, records made late).  0 or negative
 * errno: -EINVAL for an unknown kind (not kept, not counted); on any other
 * error the event is counted as dropped or, when it was kept, sealing it
 * is tried again at the next push. */
int dial9_window__push(struct dial9_window *w, const struct dial9_event *e);

/* Evict by time as of now_ns (CLOCK_MONOTONIC) without pushing. */
void dial9_window__expire(struct dial9_window *w, uint64_t now_ns);

/* The held events, sorted by ts_ns (stable: equal timestamps in arrival
 * order), as coded blocks of at most DIAL9_EVENT_BLOCK_MAX events.  Blocks
 * that are the window's own are lent (owned[i] false) and stay valid until
 * the window next changes; only the blocks that must be written anew are
 * (the oldest, when the window's start cuts it, and the records not sealed
 * yet).  Recording goes on: the window is not changed. */
struct dial9_window_snapshot {
	struct dial9_event_block *blocks;
	bool *owned;
	size_t nblocks;
	size_t cap;
	uint64_t nevents;
};
int dial9_window__snapshot_blocks(const struct dial9_window *w,
				  struct dial9_window_snapshot *s); /* 0 or negative errno */
void dial9_window_snapshot__free(struct dial9_window_snapshot *s);

/* The same decoded: the held events, sorted by ts_ns (stable), in a
 * malloc'd array.  0 or negative errno. */
int dial9_window__snapshot(const struct dial9_window *w, struct dial9_event **out,
			   uint64_t *count);

/* stats can inflate a quarter of the oldest block (the window's start cuts
 * it: its count is exact); dropped and bytes alone cost nothing. */
void dial9_window__stats(const struct dial9_window *w, struct dial9_window_stats *st);
uint64_t dial9_window__dropped(const struct dial9_window *w);
uint64_t dial9_window__bytes(const struct dial9_window *w);

#endif /* DIAL9_WINDOW_H */
