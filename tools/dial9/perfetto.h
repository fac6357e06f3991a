/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * perfetto.h - export an analysed dump as Chrome/Perfetto trace-event JSON
 * (the "JSON Object Format": {"traceEvents": [...]}), which opens in
 * ui.perfetto.dev and chrome://tracing.  Layout in docs/REPORT.md.
 *
 * Timestamps are µs relative to the window start (a->start_ns), printed with
 * ns precision.  One thread track per tid: a complete event ("X", cat "poll")
 * per poll, "idle" slices for parked periods, "stall" slices; flow events
 * ("s"/"f", cat "wake") from the waker's poll to the woken task's next poll;
 * a counter ("C") for runnable-queue depth; instant events ("i") for panics,
 * signals, lost events, recording-mode changes and process exit.
 */
#ifndef DIAL9_PERFETTO_H
#define DIAL9_PERFETTO_H

#include <stdint.h>
#include <stdio.h>

#include "analysis.h"

struct dial9_perfetto_stats {
	uint64_t slices;   /* poll slices */
	uint64_t flows;    /* s/f pairs */
	uint64_t counters; /* queue-depth samples */
	uint64_t instants;
};

/* Write the trace to out.  stats may be NULL.  0 or a negative errno
 * (-ENOMEM, -EIO when the stream reports an error). */
int dial9_perfetto__write(const struct dial9_analysis *a, FILE *out,
			  struct dial9_perfetto_stats *stats);

#endif /* DIAL9_PERFETTO_H */
