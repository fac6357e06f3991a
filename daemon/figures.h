/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * figures.h - what the daemon reports of a recorded process and of itself,
 * taken at one moment by one function each, with the one table of their
 * counters' names: `dial9ctl list` and `status` (JSON) and the metrics file
 * (metrics.c) are written from these, so they cannot disagree.
 */
#ifndef DIAL9D_FIGURES_H
#define DIAL9D_FIGURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dump.h"
#include "proc_stats.h"
#include "window.h"

struct daemon;
struct json_writer;
struct tracked;

/* One recorded process's figures. */
struct proc_figures {
	uint64_t events;            /* records taken from its ring */
	double events_per_sec;
	struct dial9_window_stats window;
	struct proc_totals totals;  /* since attach (proc_stats) */
	struct proc_second last;    /* the last complete second */
	uint8_t mode;               /* enum dial9_record_mode in force (its last MODE record) */
	double overhead;            /* the governor's estimate, fraction of a CPU, averaged */
	double overhead_on;         /* ... while the poll/wake probes are on */
	double duty;                /* fraction of the time they are on */
	double hits_per_sec;
	uint64_t dumps;
};

/* A counter of a process: its JSON key in `dial9ctl list`, its metric
 * family and label in the metrics file. */
struct proc_counter {
	const char *key;     /* "polls" */
	const char *metric;  /* "dial9_polls_total" */
	const char *label;   /* "cause=\"ringbuf\"" or NULL */
	const char *help;    /* the family's HELP (the first entry of a family) */
	size_t offset;       /* of a uint64_t in struct proc_figures */
	bool ns;             /* the field is in ns, the metric in seconds */
};

extern const struct proc_counter proc_counters[];
extern const size_t proc_ncounters;

static inline uint64_t proc_counter__value(const struct proc_counter *c,
					   const struct proc_figures *f)
{
	return *(const uint64_t *)((const char *)f + c->offset);
}

/* The latency buckets shown (every other octave of proc_stats's, so their
 * counts are exact), as upper bounds in ns; the last is +Inf. */
#define FIGURES_LATENCY_SHOWN 13
unsigned int figures__latency_bucket_shown(unsigned int i, uint64_t *le_ns);
/* Samples of h at or below the shown bucket i's bound. */
uint64_t figures__latency_cumulative(const struct proc_latency_hist *h, unsigned int i);
/* Was the process ever fully recorded, so that its latency histogram is a
 * measurement (an empty one included)? */
static inline bool proc_figures__latency_observed(const struct proc_figures *f)
{
	return f->totals.mode_ns[DIAL9_MODE_FULL] > 0 || f->totals.latency.count > 0;
}

void proc_figures__take(const struct tracked *t, struct proc_figures *f);
/* Its keys into the JSON object being written. */
void proc_figures__write_json(const struct proc_figures *f, struct json_writer *w);

/* The daemon's own figures. */
struct daemon_figures {
	uint64_t processes;
	uint64_t events, lost_ringbuf, lost_window; /* summed over the processes recorded now */
	uint64_t window_bytes;      /* memory their windows hold */
	uint64_t rss_bytes;         /* the daemon's resident memory (0: unknown) */
	uint64_t start_real_ns;     /* when it started, CLOCK_REALTIME */
	uint64_t uptime_ns;
	uint64_t dumps_written;
	uint64_t dumps[DIAL9_REASON__COUNT]; /* by enum dial9_reason */
};

void daemon_figures__take(const struct daemon *d, uint64_t now_ns, struct daemon_figures *f);
/* Its keys into the JSON object being written (`dial9ctl status`). */
void daemon_figures__write_json(const struct daemon_figures *f, struct json_writer *w);

#endif /* DIAL9D_FIGURES_H */
