/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * report.h - the data behind `dial9 report`: one JSON object embedded in the
 * HTML page (layout in docs/REPORT.md).  Times are ns from the window start.
 *
 * Overviews are aggregated here so that the page stays responsive for
 * dumps of millions of events: per-lane buckets of busy time, series per
 * interval, and a capped set of polls for the detail view.
 */
#ifndef DIAL9_REPORT_H
#define DIAL9_REPORT_H

#include <stdint.h>

#include "dial9.h"

struct report_limits {
	uint64_t max_polls;     /* polls embedded one by one */
	uint64_t max_longest;   /* the longest polls always embedded */
	uint64_t max_wakes;     /* wake links embedded */
	uint64_t max_tasks;     /* task table rows */
	uint32_t max_lanes;     /* worker threads drawn */
	uint32_t buckets;       /* overview buckets per lane */
	uint32_t intervals;     /* chart intervals */
	uint32_t segments;      /* detail windows the window is cut into */
	uint32_t graph_edges;   /* wake-graph edges drawn */
	uint64_t long_poll_ns;  /* polls at least this long stand out */
};

extern const struct report_limits report_default_limits;

/* Write the report data as one JSON object.  file: the dump's name, shown in
 * the page.  0 or negative errno (the writer's error, or -ENOMEM). */
int report_data__write(struct json_writer *w, const struct dial9_analysis *a,
		       const char *file, const struct report_limits *lim);

/* The whole HTML page (the template with the data filled in) to out.
 * 0 or negative errno. */
int report__write_html(FILE *out, const struct dial9_analysis *a, const char *file,
		       const struct report_limits *lim);

#endif /* DIAL9_REPORT_H */
