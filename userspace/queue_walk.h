/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * queue_walk.h - the runnable queue of a dump over time, step by step.
 *
 * The same semantics as the totals in analysis.h (queue_peak, lat_*): a task
 * is runnable from its first pending WAKE/SPAWN until its next POLL_START (or
 * the implied start of a POLL_END whose start is absent); TERMINATE,
 * POLL_SUMMARY and recording mode OFF take tasks off without a latency
 * sample.  Used by the HTML report and the Perfetto export for their
 * time series.
 */
#ifndef DIAL9_QUEUE_WALK_H
#define DIAL9_QUEUE_WALK_H

#include <stdbool.h>
#include <stdint.h>

#include "analysis.h"

struct dial9_queue_step {
	uint64_t ts_ns;      /* event time (absolute, CLOCK_MONOTONIC) */
	uint64_t depth;      /* runnable tasks after this step */
	uint64_t task_id;    /* task that entered or left (0 for a mode OFF clear) */
	uint64_t latency_ns; /* valid if polled */
	bool polled;         /* left the queue because it was polled */
};

/* Called once per change of the queue, in time order; a non-zero return
 * stops the walk and is returned by dial9_queue__walk. */
typedef int (*dial9_queue_fn)(void *ctx, const struct dial9_queue_step *s);

/* 0, -ENOMEM, or what fn returned. */
int dial9_queue__walk(const struct dial9_analysis *a, dial9_queue_fn fn, void *ctx);

#endif /* DIAL9_QUEUE_WALK_H */
