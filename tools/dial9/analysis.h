/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * analysis.h - what happened in a dump: tasks, polls, wakes, queue depth,
 * wake-to-poll latency, the wake graph and per-thread timelines, and which
 * of these the recording can vouch for.
 *
 * Pure functions over a struct dial9_dump: no printing, no exiting.  Every
 * pass is O(n log n) in the number of events.  The analysis points into the
 * dump (events, strings): keep the dump alive while the analysis is used.
 *
 * Semantics (see bpf/dial9_event.h):
 *  - parent of a task: the task whose POLL_START on the SPAWN's tid has no
 *    POLL_END yet at the SPAWN's ts (0 if none).
 *  - waker of a WAKE: the task in arg when aux == DIAL9_WAKER_TASK (and arg
 *    != 0), else the non-task waker kind in aux.
 *  - poll duration: POLL_END.arg; if 0, end.ts - start.ts of the matching
 *    POLL_START on the same tid.  A POLL_END with DIAL9_POLL_F_INFERRED was
 *    placed at the worker's next poll or park: its duration is an upper
 *    bound (duration_is_bound), and so is every sum or maximum it decides
 *    (the *_is_bound flags).
 *  - POLL_SUMMARY polls are "counted" polls: in totals, never in poll lists.
 *  - runnable (queue depth): woken (WAKE) or spawned (SPAWN) and not yet
 *    polled; a task woken twice before its poll counts once.  A TERMINATE or
 *    a POLL_SUMMARY of the task takes it off the queue (no latency sample),
 *    and so does recording mode OFF (poll and wake probes stop).
 *  - wake-to-poll latency: first pending WAKE/SPAWN -> next POLL_START (or
 *    the implied start end.ts - duration of a POLL_END whose start is absent).
 *  - longest wake chain: WAKEs e1..en with waker(e[i+1]) == woken(e[i]) and
 *    ts strictly increasing; self-wakes (waker == woken) are not links.
 */
#ifndef DIAL9_ANALYSIS_H
#define DIAL9_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dump.h"

#define DIAL9_NO_INDEX UINT64_MAX

/* A sorted set of distinct ids with O(log n) lookup. */
struct dial9_idset {
	uint64_t *ids;
	uint64_t count;
};

/* Takes ownership of ids (malloc'd, n entries, any order, duplicates ok):
 * sorts and dedups them in place.  Always succeeds (n may be 0). */
void dial9_idset__init(struct dial9_idset *s, uint64_t *ids, uint64_t n);
void dial9_idset__free(struct dial9_idset *s);
/* Index of id, or DIAL9_NO_INDEX. */
uint64_t dial9_idset__find(const struct dial9_idset *s, uint64_t id);

/* A wake-graph node: a task, or a waker that is not a task. */
struct dial9_node {
	uint64_t task_id; /* kind == DIAL9_WAKER_TASK, else 0 */
	uint16_t kind;    /* enum dial9_waker_kind */
};

/* The waker of a WAKE event (out-of-range kinds become DIAL9_WAKER_UNKNOWN). */
struct dial9_node dial9_wake__waker(const struct dial9_event *e);
/* Order: tasks by id, then non-task kinds; 0 if equal. */
int dial9_node__cmp(const struct dial9_node *a, const struct dial9_node *b);

struct dial9_task_info {
	uint64_t task_id;
	uint32_t spawn_loc;      /* string id: arg of its SPAWN, 0 if none */
	uint32_t future_loc;     /* string id: arg of its first POLL_START, 0 if none */
	uint64_t parent;         /* spawning task, 0 = none or spawn not seen */
	uint64_t spawn_ns;       /* valid if spawn_seen */
	uint64_t end_ns;         /* valid if end_seen */
	uint64_t spawn_ev;       /* index of its SPAWN in dump->events, or DIAL9_NO_INDEX */
	uint32_t spawn_tid;
	bool spawn_seen;
	bool end_seen;           /* TERMINATE, or a POLL_END with DIAL9_POLL_F_COMPLETE */
	bool completed;          /* a POLL_END said the task completed */
	bool panicked;           /* a PANIC named this task */
	uint64_t first_ns, last_ns; /* first / last event naming the task */
	uint64_t polls;          /* recorded polls (POLL_END) */
	uint64_t poll_ns_total;  /* of recorded polls */
	uint64_t poll_ns_max;
	bool poll_ns_total_is_bound; /* includes an upper bound (an inferred poll end) */
	bool poll_ns_max_is_bound;   /* the longest poll's length is an upper bound */
	uint64_t counted_polls;  /* from POLL_SUMMARY records */
	uint64_t counted_poll_ns;
	uint64_t wakes;          /* times it was woken */
	uint64_t wakes_sent;     /* times it woke a task */
	uint64_t children;       /* tasks it spawned */
	struct dial9_node top_waker; /* most frequent waker (valid if wakes) */
	uint64_t top_waker_count;
	uint64_t lat_count;      /* wake-to-poll latency samples */
	uint64_t lat_total_ns;
	uint64_t lat_max_ns;
	uint64_t lat_p99_ns;     /* nearest rank */
	uint64_t cpu_samples;    /* CPU samples that found it polled */
};

/* A run of CPU samples of one task on one thread, none more than a few
 * sampling periods apart (analysis_cpu.c): a poll that stayed on the CPU
 * that long (or polls of it back to back), seen by the sampler whether the
 * poll probes were on or not. */
struct dial9_cpu_run {
	uint64_t task_id;
	uint64_t start_ns, end_ns; /* first sample, last sample + one period */
	uint64_t samples;
	uint32_t tid;
	uint32_t loc;         /* where most of its samples found it (string id) */
	bool probed;          /* the poll probes saw a poll in progress too */
};

/* One recorded poll. */
struct dial9_poll {
	uint64_t task_id;
	uint64_t start_ns;    /* POLL_START ts, or end_ns - duration_ns if unseen */
	uint64_t end_ns;      /* POLL_END ts; window end if still open */
	uint64_t duration_ns;
	uint64_t end_ev;      /* index of the POLL_END, DIAL9_NO_INDEX if open */
	uint32_t tid;
	uint32_t loc;         /* string id: POLL_START arg, else the task's future_loc */
	bool start_seen;
	bool open;            /* no POLL_END before the window ended */
	bool completed;       /* DIAL9_POLL_F_COMPLETE */
	bool duration_is_bound; /* DIAL9_POLL_F_INFERRED: duration_ns is an upper bound */
};

/* A period on one thread: idle (PARK..UNPARK) or a stall. */
struct dial9_span {
	uint64_t start_ns, end_ns;
	uint64_t task_id;     /* stall: the task, if known */
	uint32_t tid;
	uint32_t loc;         /* stall: string id of the code it blocked in, 0 if unknown */
	bool open_start;      /* began before the window (start_ns = window start) */
	bool open_end;        /* still going at window end (end_ns = window end) */
};

struct dial9_mode_span {
	uint64_t start_ns, end_ns;
	uint16_t mode;        /* enum dial9_record_mode */
};

struct dial9_wake_edge {
	struct dial9_node from;
	uint64_t to;          /* woken task */
	uint64_t count;
	uint64_t first_ns, last_ns;
};

struct dial9_wakegraph {
	struct dial9_wake_edge *edges; /* sorted by (to, from) */
	uint64_t nedges;
	uint64_t nwakes;
	/* Longest wake chain: chain_len wakes, chain_len + 1 nodes
	 * (chain_nodes[0] = waker of the first wake, then each woken task). */
	uint64_t chain_len;
	struct dial9_node *chain_nodes;
	uint64_t *chain_ev;   /* chain_len indices into dump->events */
};

/* NULL with errno set on failure. */
struct dial9_wakegraph *dial9_wakegraph__new(const struct dial9_dump *d);
void dial9_wakegraph__free(struct dial9_wakegraph *g); /* accepts NULL */
/* Edges into task `to` (slice of g->edges); *n = 0 if none. */
const struct dial9_wake_edge *dial9_wakegraph__edges_to(const struct dial9_wakegraph *g,
							 uint64_t to, uint64_t *n);
/* Edges sorted by count (desc), malloc'd array of pointers into g->edges. */
int dial9_wakegraph__by_count(const struct dial9_wakegraph *g,
			      const struct dial9_wake_edge ***out);

struct dial9_analysis {
	const struct dial9_dump *dump;
	uint64_t start_ns, end_ns;       /* window (meta), widened to cover all events */
	uint64_t kind_counts[DIAL9_EV_KIND_MAX]; /* [0]: kinds this reader does not know */

	struct dial9_task_info *tasks;   /* sorted by task_id */
	uint64_t ntasks;
	struct dial9_idset task_ids;     /* task_ids.ids[i] == tasks[i].task_id */

	struct dial9_poll *polls;        /* closed polls in POLL_END order, then open ones */
	uint64_t npolls, npolls_closed;
	uint64_t polls_recorded, poll_ns_recorded; /* closed recorded polls */
	uint64_t polls_bound;                      /* of them, durations that are upper bounds */
	uint64_t polls_counted, poll_ns_counted;   /* POLL_SUMMARY */

	struct dial9_span *idle;         /* PARK..UNPARK, by start */
	uint64_t nidle;
	struct dial9_thread *threads;    /* every thread of the dump, by tid: its polls,
					  * busy and idle time over the window */
	uint64_t nthreads;
	struct dial9_span *stalls;
	uint64_t nstalls;

	struct dial9_mode_span *modes;   /* from MODE records, in order */
	uint64_t nmodes;
	uint64_t full_ns;                /* of the window recorded in full (before the
					  * first MODE record too): queue depth and
					  * wake-to-poll latency are seen only there */

	uint64_t lost_records;           /* LOST records in the window */
	uint64_t lost_ringbuf;           /* sum of their counts, by cause */
	uint64_t lost_window;
	uint64_t lost_other;
	uint64_t *lost_ev;               /* indices of the LOST records */

	uint64_t *panic_ev, npanics;     /* indices of PANIC records */
	uint64_t *signal_ev, nsignals;   /* indices of SIGNAL records */
	bool exit_seen;
	uint64_t exit_ev;
	bool oom_seen;           /* the OOM killer chose the process (first record) */
	uint64_t oom_ev;

	uint64_t queue_peak;             /* max runnable tasks at once */
	uint64_t queue_peak_ns;          /* first time it was reached */

	uint64_t lat_count;              /* all wake-to-poll latency samples */
	uint64_t lat_p50_ns, lat_p99_ns, lat_max_ns;

	struct dial9_wakegraph *graph;

	/* The CPU sampler (CPU_SAMPLE records, analysis_cpu.c). */
	uint64_t cpu_samples;            /* all */
	uint64_t cpu_samples_task;       /* that found a task polled */
	uint64_t cpu_samples_no_id;      /* taken before the task id's place was learned */
	uint64_t cpu_sample_period_ns;   /* from the dump's rate, else 1 ms */
	struct dial9_cpu_run *cpu_runs;  /* of 3 samples or more, longest first */
	uint64_t ncpu_runs;

	uint32_t probes;                 /* probe classes found (enum dial9_probe_class bits):
					  * the dump's, or all of them for a version-1 dump */
	bool probes_known;               /* the dump recorded them (version 2 on) */
};

/* NULL with errno set on failure (ENOMEM; EINVAL for a NULL dump). */
struct dial9_analysis *dial9_analysis__new(const struct dial9_dump *d);
/* The CPU sampler's totals and runs (analysis_cpu.c), for dial9_analysis__new:
 * tids are the dump's threads.  0 or -ENOMEM. */
int dial9_analysis__cpu_runs(struct dial9_analysis *a, const struct dial9_idset *tids);
void dial9_analysis__free(struct dial9_analysis *a); /* accepts NULL */

const struct dial9_task_info *dial9_analysis__task(const struct dial9_analysis *a,
						   uint64_t task_id);
/* The string for a string id (an event arg), NULL if none or out of range. */
const char *dial9_analysis__string(const struct dial9_analysis *a, uint64_t id);
/* Thread tid as the dump names it (its thread table, version 4 on): its
 * name, NULL if none; its role's name ("worker", "blocking", "block_on",
 * "other"), NULL if not known. */
const char *dial9_analysis__thread_name(const struct dial9_analysis *a, uint32_t tid);
const char *dial9_analysis__thread_role(const struct dial9_analysis *a, uint32_t tid);
/* Spawn location, else future location, else NULL. */
const char *dial9_analysis__task_location(const struct dial9_analysis *a,
					  const struct dial9_task_info *t);

/*
 * What a recording can vouch for.  A version-2 dump records the probe
 * classes found in the binary; a figure that needs a missing class is
 * unknown, and views show it as unknown ("?", JSON null), never as 0.  A
 * version-1 dump did not record them: every figure counts as known, as its
 * own readers took it.
 */
enum dial9_figure {
	DIAL9_FIG_POLLS = 0, /* polls and poll times (poll) */
	DIAL9_FIG_SPAWNS,    /* spawn counts, times, locations, parents, children (spawn) */
	DIAL9_FIG_WAKES,     /* wake counts, the wake graph and chains (wake) */
	DIAL9_FIG_QUEUE,     /* runnable queue, wake-to-poll latency (wake, poll) */
	DIAL9_FIG_ENDS,      /* terminations (terminate) */
	DIAL9_FIG_IDLE,      /* workers' idle time (park) */
	DIAL9_FIG_PANICS,    /* panics (panic) */
	DIAL9_FIG_WAKERS,    /* which non-task waker woke a task: without io_driver, timer,
			      * park or block_on those wakes show as "runtime" */
	DIAL9_FIG_MAX,
};

/* "polls", "spawns", "wakes", "queue", "ends", "idle", "panics", "wakers". */
const char *dial9_figure_name(enum dial9_figure f);
bool dial9_analysis__knows(const struct dial9_analysis *a, enum dial9_figure f);
/* Whether the count of events of this kind means what it says (a kind no
 * missing class would have produced). */
bool dial9_analysis__knows_kind(const struct dial9_analysis *a, uint32_t kind);
/* Why f is not known, as dial9_probe_classes_missing() for the classes it
 * lacks ("no wake probe: no wake, wake graph or wake-to-poll latency"), ""
 * when it is known; DIAL9_WHY_LEN bytes hold any of them.  Returns the
 * number of classes missing. */
#define DIAL9_WHY_LEN 1024
int dial9_analysis__why_unknown(const struct dial9_analysis *a, enum dial9_figure f,
				char *buf, size_t len);

struct json_writer;
/* key: why f is unknown (as above), or null when it is known. */
int dial9_analysis__write_why_json(struct json_writer *w, const char *key,
				   const struct dial9_analysis *a, enum dial9_figure f);
/* Three keys of the current object: "probes_missing" (as
 * dial9_probe_classes__write_json; null for a version-1 dump), "unknown"
 * ({"wakes": why, …} for each figure withheld) and "lumped_into_runtime"
 * (why DIAL9_FIG_WAKERS is unknown, or null). */
int dial9_analysis__write_known_json(struct json_writer *w, const struct dial9_analysis *a);

/* The up to n longest polls (open ones included), longest first; out has
 * room for n.  Returns how many were stored. */
uint64_t dial9_analysis__longest_polls(const struct dial9_analysis *a,
				       const struct dial9_poll **out, uint64_t n);
/* The up to n longest stalls, longest first (ties: the earlier first). */
uint64_t dial9_analysis__longest_stalls(const struct dial9_analysis *a,
					const struct dial9_span **out, uint64_t n);
/* The up to n tasks with the largest max wake-to-poll latency, worst first. */
uint64_t dial9_analysis__worst_latency(const struct dial9_analysis *a,
				       const struct dial9_task_info **out, uint64_t n);

enum dial9_task_sort {
	DIAL9_SORT_ID = 0,
	DIAL9_SORT_POLLS,  /* recorded + counted polls, desc */
	DIAL9_SORT_TOTAL,  /* total poll time, desc */
	DIAL9_SORT_MAX,    /* longest poll, desc */
	DIAL9_SORT_WAKES,  /* times woken, desc */
	DIAL9_SORT_LATENCY,/* max wake-to-poll latency, desc */
};
/* All tasks sorted by key (ties by id): malloc'd array of a->ntasks pointers. */
int dial9_analysis__sorted_tasks(const struct dial9_analysis *a, enum dial9_task_sort key,
				 const struct dial9_task_info ***out);

/* One task's lifecycle. */
enum dial9_task_role {
	DIAL9_ROLE_SELF = 0, /* the event is about the task (its spawn, poll, wake, ...) */
	DIAL9_ROLE_WAKER,    /* the task woke `other` */
	DIAL9_ROLE_PARENT,   /* the task spawned `other` */
};

struct dial9_task_event {
	const struct dial9_event *ev;
	uint64_t index;       /* into dump->events */
	uint8_t role;         /* enum dial9_task_role */
	struct dial9_node other; /* SPAWN: parent; WAKE: waker; WAKER: woken; PARENT: child */
	uint64_t duration_ns; /* POLL_END: poll duration (0 if unknown) */
	bool duration_is_bound; /* POLL_END: duration_ns is an upper bound */
};

/* The events involving task_id in time order: malloc'd array in *out.
 * 0, -ENOENT if the task is not in the dump, -ENOMEM. */
int dial9_analysis__task_events(const struct dial9_analysis *a, uint64_t task_id,
				struct dial9_task_event **out, uint64_t *n);

/* Per-thread timeline. */
enum dial9_slice_kind {
	DIAL9_SLICE_POLL = 1,
	DIAL9_SLICE_IDLE = 2,
	DIAL9_SLICE_STALL = 3,
};

struct dial9_slice {
	uint64_t start_ns, end_ns;
	uint64_t task_id;     /* poll, stall (0 if unknown) */
	uint32_t tid;
	uint32_t loc;         /* poll: string id */
	uint8_t kind;         /* enum dial9_slice_kind */
	bool open_start, open_end;
	bool duration_is_bound; /* poll: its end (so its length) is an upper bound */
};

struct dial9_thread {
	uint32_t tid;
	uint64_t first, count;   /* its slices: slices[first .. first + count) */
	uint64_t polls;          /* poll slices in range */
	uint64_t busy_ns, idle_ns; /* within the range */
	bool busy_is_bound;      /* busy_ns includes an upper bound */
};

struct dial9_timeline {
	struct dial9_slice *slices; /* by tid, then start_ns */
	uint64_t nslices;
	struct dial9_thread *threads; /* by tid */
	uint64_t nthreads;
	uint64_t from_ns, to_ns;
};

/* Slices overlapping [from_ns, to_ns] (absolute, CLOCK_MONOTONIC).
 * 0 or negative errno; free with dial9_timeline__free. */
int dial9_timeline__build(const struct dial9_analysis *a, uint64_t from_ns, uint64_t to_ns,
			  struct dial9_timeline **out);
void dial9_timeline__free(struct dial9_timeline *t); /* accepts NULL */

/*
 * The runnable queue over time, step by step (analysis_queue.c): the one
 * walk that the totals above (queue_peak, lat_*) and the views' time series
 * come from.  A task is runnable from its first pending WAKE/SPAWN until its
 * next POLL_START (or the implied start of a POLL_END whose start is absent);
 * TERMINATE, POLL_SUMMARY and recording mode other than full take tasks off
 * without a latency sample.
 */
struct dial9_queue_step {
	uint64_t ts_ns;      /* event time (absolute, CLOCK_MONOTONIC) */
	uint64_t depth;      /* runnable tasks after this step */
	uint64_t task_id;    /* task that entered or left (0 for a mode OFF clear) */
	uint64_t task_index; /* its index in dial9_analysis.tasks (DIAL9_NO_INDEX: clear) */
	uint64_t latency_ns; /* valid if polled */
	bool polled;         /* left the queue because it was polled */
};

/* Called once per change of the queue, in time order; a non-zero return
 * stops the walk and is returned by dial9_queue__walk. */
typedef int (*dial9_queue_fn)(void *ctx, const struct dial9_queue_step *s);

/* 0, -ENOMEM, or what fn returned. */
int dial9_queue__walk(const struct dial9_analysis *a, dial9_queue_fn fn, void *ctx);

/* Each task's polls sorted by start (analysis_polls.c), for "the poll of a
 * task at t" and "its next poll after t": order holds indices into a->polls
 * sorted by (task_id, start_ns). */
struct dial9_poll_index {
	uint64_t *order;
	uint64_t n;
};

int dial9_poll_index__init(struct dial9_poll_index *x, const struct dial9_analysis *a);
void dial9_poll_index__free(struct dial9_poll_index *x);
/* The first poll of task starting at or after ts_ns, DIAL9_NO_INDEX if none. */
uint64_t dial9_poll_index__next(const struct dial9_poll_index *x,
				const struct dial9_analysis *a, uint64_t task, uint64_t ts_ns);
/* The poll of task running at ts_ns on tid, DIAL9_NO_INDEX if none. */
uint64_t dial9_poll_index__at(const struct dial9_poll_index *x, const struct dial9_analysis *a,
			      uint64_t task, uint64_t ts_ns, uint32_t tid);

/* The window [start_ns, end_ns] cut into equal intervals
 * (analysis_series.c): per interval the polls that ended (counted ones
 * included), wakes, events lost, stalls that ended, the time recorded in
 * full (full_ns), the runnable queue's deepest, and the wake-to-poll
 * latency samples' count, p50, p99 (nearest rank) and max.  The queue and
 * latency figures only when the probes found can vouch for them
 * (queue_known), and then only for the stretches recorded in full: an
 * interval with full_ns < interval_ns has them for part of it, one with
 * full_ns 0 not at all (off or sampled recording sees no wake-to-poll
 * latency). */
struct dial9_series {
	uint64_t intervals, interval_ns;
	bool queue_known, polls_known, wakes_known;
	uint64_t *polls, *wakes, *lost, *stalls;
	uint64_t *full_ns;
	uint8_t *modes;      /* bit m: some of the interval was recorded in mode m */
	uint64_t *queue_max;
	uint64_t *lat_n, *lat_p50, *lat_p99, *lat_max;
};

/* Fewer latency samples than this in an interval: its p99 is shown as
 * resting on too few (dial9 metrics, the report). */
#define DIAL9_SERIES_FEW_SAMPLES 10

/* 0, -EINVAL (no intervals) or -ENOMEM; free with dial9_series__free. */
int dial9_series__build(const struct dial9_analysis *a, uint64_t intervals,
			struct dial9_series **out);
/* The same in intervals of interval_ns (the last one may be cut short);
 * -E2BIG past 1,000,000 intervals. */
int dial9_series__build_every(const struct dial9_analysis *a, uint64_t interval_ns,
			      struct dial9_series **out);
void dial9_series__free(struct dial9_series *s); /* accepts NULL */

#endif /* DIAL9_ANALYSIS_H */
