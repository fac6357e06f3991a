/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * proc_stats.h - the live figures of one recorded process, the one place
 * they are kept: cumulative counters since attach, and the figures of the
 * last complete second and of the current one.  Fed each record that
 * enters the process's window (ingest__keep) and rolled once a second by
 * the daemon's clock; `dial9ctl list`, the metrics file and the dump
 * triggers read them.
 *
 * Wake-to-poll latency and the runnable queue depth (tasks woken or spawned
 * and not yet polled, as the reader's queue walk counts them) are observed
 * only under full recording: in the sampled and off modes a short poll
 * leaves no POLL_START record.  A second without full recording says so
 * (proc_second__observed() false); nothing here reports 0 as if it had been
 * measured.
 *
 * Counters change as records arrive, times (mode_ns) only when a second
 * ends: a process whose records stop has figures that stop.
 *
 * Bounded: the tasks waiting for their poll are kept in a fixed table of
 * PROC_STATS_PENDING_MAX; a wake that finds it full is counted
 * (wakes_untracked) and makes the second's queue depth a lower bound
 * (exact = false), as does a ring-buffer loss (the table is then cleared).
 */
#ifndef DIAL9D_PROC_STATS_H
#define DIAL9D_PROC_STATS_H

#include <linux/types.h>
#include <stdbool.h>
#include <stdint.h>

#include "dial9_event.h"

/*
 * The latency histogram: bucket 0 holds latencies up to 1 µs; then each
 * octave (1 µs·2^o, 1 µs·2^(o+1)], o = 0..21, is cut in four equal parts;
 * the last bucket holds what is over 1 µs·2^22 (4.19 s).  A quantile read
 * from it is its bucket's upper bound: at most 25 % above the true value,
 * or 1 µs for one under 1 µs (and never above the exact maximum).
 */
#define PROC_STATS_LAT_OCTAVES 22
#define PROC_STATS_LAT_BUCKETS (1 + 4 * PROC_STATS_LAT_OCTAVES + 1)
#define PROC_STATS_PENDING_BITS 11
#define PROC_STATS_PENDING_SLOTS (1u << PROC_STATS_PENDING_BITS)
#define PROC_STATS_PENDING_MAX 1536   /* tasks waiting for their poll, tracked at once */
#define PROC_STATS_LONG_POLL_NS 1000000ULL /* long polls when --poll-threshold-us is 0 */

/* Recording modes as enum dial9_record_mode; PROC_MODE_UNKNOWN before the
 * first MODE record. */
#define PROC_MODES 3
#define PROC_MODE_UNKNOWN 0xff

struct proc_latency_hist {
	uint64_t buckets[PROC_STATS_LAT_BUCKETS]; /* not cumulative */
	uint64_t count;
	uint64_t sum_ns;
	uint64_t max_ns;
};

/* A long poll or a stall. */
struct proc_long {
	uint64_t ns;        /* how long; 0: none */
	uint64_t task_id;   /* 0: not known */
	uint64_t end_ns;    /* when it ended (the records' clock, CLOCK_MONOTONIC) */
	uint32_t tid;
};

enum proc_long_kind { PROC_LONG_POLL, PROC_LONG_STALL };

/* One second's figures (by the daemon's clock, records as they arrived). */
struct proc_second {
	uint64_t start_ns, end_ns;
	uint64_t polls;           /* recorded (POLL_END) and counted short ones */
	uint64_t polls_counted;   /* of which counted (POLL_SUMMARY) */
	uint64_t wakes;
	uint64_t long_polls;      /* POLL_END ≥ the long-poll threshold, end not inferred */
	uint64_t stalls;
	uint64_t lost_ringbuf, lost_window;
	uint64_t mode_ns[PROC_MODES]; /* time in each recording mode; none under full
				       * (mode_ns[DIAL9_MODE_FULL] == 0): latency and
				       * queue depth not observed */
	bool exact;               /* no waiting task forgotten (table full, ring loss) */
	uint64_t latency_samples; /* wakes answered by a poll */
	uint64_t latency_p50_ns, latency_p99_ns, latency_max_ns; /* 0 when no sample */
	uint32_t queue_depth_max; /* meaningful only when observed */
	struct proc_long longest_poll;  /* of the polls recorded one by one; ns 0: none */
	struct proc_long longest_stall; /* ns 0: none */
};

/* Were latency and queue depth observed in s (some of it fully recorded)? */
static inline bool proc_second__observed(const struct proc_second *s)
{
	return s->mode_ns[DIAL9_MODE_FULL] > 0;
}

/* Since attach. */
struct proc_totals {
	uint64_t polls, polls_counted, wakes, long_polls, stalls, lost_ringbuf;
	uint64_t wakes_untracked;       /* wakes the full table could not hold */
	uint64_t mode_ns[PROC_MODES];   /* time in each mode, up to the last complete second */
	struct proc_latency_hist latency;
};

struct proc_stats_hooks {
	/* a second ended; s is proc_stats__last_second() */
	void (*on_second)(void *ctx, const struct proc_second *s);
	/* a long poll or a stall entered the window (before the second's
	 * longest is updated) */
	void (*on_long)(void *ctx, enum proc_long_kind kind, const struct proc_long *l);
};

struct proc_pending {
	uint64_t task_id; /* 0: free slot */
	uint64_t since_ns;
};

struct proc_stats {
	uint64_t long_poll_ns;
	uint8_t mode;
	uint64_t mode_since_ns;
	struct proc_totals totals;
	struct proc_second cur, last;
	struct proc_latency_hist cur_latency;
	uint64_t lost_window_at;        /* the window's loss count when cur began */
	uint32_t npending;
	struct proc_pending pending[PROC_STATS_PENDING_SLOTS];
	const struct proc_stats_hooks *hooks;
	void *hooks_ctx;
};

/* Start counting at now_ns; polls of at least poll_threshold_ns are long
 * (PROC_STATS_LONG_POLL_NS when it is 0). */
void proc_stats__init(struct proc_stats *s, uint64_t poll_threshold_ns, uint64_t now_ns);
void proc_stats__set_hooks(struct proc_stats *s, const struct proc_stats_hooks *h, void *ctx);

/* A record entering the window (POLL_SUMMARY, MODE and LOST included). */
void proc_stats__on_event(struct proc_stats *s, const struct dial9_event *e);

/* The current second ends at now_ns; lost_window: the window's byte-budget
 * drops so far.  Calls hooks->on_second. */
void proc_stats__end_second(struct proc_stats *s, uint64_t now_ns, uint64_t lost_window);

/* The last complete second (all zeros before the first one ended). */
const struct proc_second *proc_stats__last_second(const struct proc_stats *s);
/* The second in progress up to now_ns, its quantiles so far, into out;
 * lost_window as for proc_stats__end_second. */
void proc_stats__current_second(const struct proc_stats *s, uint64_t now_ns, uint64_t lost_window,
				struct proc_second *out);
/* Since attach. */
const struct proc_totals *proc_stats__totals(const struct proc_stats *s);
/* The mode of the last MODE record (PROC_MODE_UNKNOWN before one). */
static inline uint8_t proc_stats__mode(const struct proc_stats *s)
{
	return s->mode;
}
/* Tasks woken and not yet polled now (meaningful under full recording). */
uint32_t proc_stats__queue_depth(const struct proc_stats *s);

/* The latency histogram's bucket of ns, and a bucket's upper bound in ns
 * (UINT64_MAX for the last). */
unsigned int proc_latency__bucket(uint64_t ns);
uint64_t proc_latency__upper_ns(unsigned int bucket);
/* The q-quantile (0 < q <= 1) of h: its bucket's upper bound, at most
 * h->max_ns; 0 when h holds nothing. */
uint64_t proc_latency__quantile(const struct proc_latency_hist *h, double q);

#endif /* DIAL9D_PROC_STATS_H */
