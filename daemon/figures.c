// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* figures.c - a process's and the daemon's figures at one moment (see figures.h). */
#include <unistd.h>

#include "clock.h"
#include "figures.h"
#include "process.h"
#include "json_writer.h"
#include "procfs.h"

#define F(field) offsetof(struct proc_figures, field)

const struct proc_counter proc_counters[] = {
	{ "events", "dial9_events_total", NULL,
	  "Records the daemon took from the process's ring buffer.", F(events), false },
	{ "polls", "dial9_polls_total", NULL,
	  "Polls seen, recorded one by one or counted as short polls; none are seen while the "
	  "poll probes are off (dial9_recording_seconds_total{mode=\"off\"}).",
	  F(totals.polls), false },
	{ "polls_counted", "dial9_polls_counted_total", NULL,
	  "Of dial9_polls_total, the short polls counted per task instead of recorded.",
	  F(totals.polls_counted), false },
	{ "wakes", "dial9_wakes_total", NULL,
	  "Task wakes recorded; none are seen while the wake probes are off.", F(totals.wakes), false },
	{ "long_polls", "dial9_long_polls_total", NULL,
	  "Polls recorded that lasted at least poll-threshold-us (1 ms when it is 0); polls "
	  "whose end was inferred (an upper bound) are not counted.",
	  F(totals.long_polls), false },
	{ "stalls", "dial9_stalls_total", NULL,
	  "Worker threads away from the scheduler for 10 ms or more (a long poll or a blocking "
	  "call), seen in every mode.",
	  F(totals.stalls), false },
	{ "lost_ringbuf", "dial9_lost_events_total", "cause=\"ringbuf\"",
	  "Events lost: the BPF ring buffer was full (ringbuf), or the window's byte budget "
	  "dropped them inside its span (window).",
	  F(totals.lost_ringbuf), false },
	{ "lost_window", "dial9_lost_events_total", "cause=\"window\"", NULL, F(window.dropped), false },
	{ "wakes_untracked", "dial9_wakes_untracked_total", NULL,
	  "Wakes the daemon's table of runnable tasks could not hold; the queue depth and the "
	  "latency histogram miss them.",
	  F(totals.wakes_untracked), false },
	{ "mode_full_ns", "dial9_recording_seconds_total", "mode=\"full\"",
	  "Time recorded in each mode up to the last complete second; wake-to-poll latency and "
	  "queue depth are measured only under full.",
	  F(totals.mode_ns[DIAL9_MODE_FULL]), true },
	{ "mode_sampled_ns", "dial9_recording_seconds_total", "mode=\"sampled\"", NULL,
	  F(totals.mode_ns[DIAL9_MODE_SAMPLED]), true },
	{ "mode_off_ns", "dial9_recording_seconds_total", "mode=\"off\"", NULL,
	  F(totals.mode_ns[DIAL9_MODE_OFF]), true },
};

const size_t proc_ncounters = sizeof(proc_counters) / sizeof(proc_counters[0]);

unsigned int figures__latency_bucket_shown(unsigned int i, uint64_t *le_ns)
{
	/* 1 µs·4^i: the upper bound of proc_stats's bucket 8i */
	*le_ns = i + 1 < FIGURES_LATENCY_SHOWN ? 1000ULL << (2 * i) : UINT64_MAX;
	return i + 1 < FIGURES_LATENCY_SHOWN ? 8 * i : PROC_STATS_LAT_BUCKETS - 1;
}

uint64_t figures__latency_cumulative(const struct proc_latency_hist *h, unsigned int i)
{
	uint64_t le, n = 0;
	unsigned int last = figures__latency_bucket_shown(i, &le), b;

	for (b = 0; b <= last; b++)
		n += h->buckets[b];
	return n;
}

void proc_figures__take(const struct tracked *t, struct proc_figures *f)
{
	f->events = t->events;
	f->events_per_sec = t->events_per_sec;
	dial9_window__stats(t->win, &f->window);
	f->totals = *proc_stats__totals(&t->stats);
	f->last = *proc_stats__last_second(&t->stats);
	f->mode = proc_stats__mode(&t->stats);
	f->overhead = t->gov.cost * t->gov.duty;
	f->overhead_on = t->gov.cost;
	f->duty = t->gov.duty;
	f->hits_per_sec = t->gov.hits_per_sec;
	f->dumps = t->dumps;
}

static void write_long(struct json_writer *w, const char *key, const struct proc_long *l)
{
	if (!l->ns) {
		json_writer__kv_null(w, key);
		return;
	}
	json_writer__key(w, key);
	json_writer__begin_object(w);
	json_writer__kv_u64(w, "duration_ns", l->ns);
	json_writer__kv_u64(w, "task_id", l->task_id);
	json_writer__kv_u64(w, "tid", l->tid);
	json_writer__kv_u64(w, "end_ns", l->end_ns);
	json_writer__end_object(w);
}

/* The last complete second: latency and queue depth null when not observed. */
static void write_second(struct json_writer *w, const struct proc_second *s)
{
	unsigned int m;

	json_writer__key(w, "last_second");
	json_writer__begin_object(w);
	json_writer__kv_u64(w, "start_ns", s->start_ns);
	json_writer__kv_u64(w, "end_ns", s->end_ns);
	json_writer__kv_u64(w, "polls", s->polls);
	json_writer__kv_u64(w, "polls_counted", s->polls_counted);
	json_writer__kv_u64(w, "wakes", s->wakes);
	json_writer__kv_u64(w, "long_polls", s->long_polls);
	json_writer__kv_u64(w, "stalls", s->stalls);
	json_writer__kv_u64(w, "lost_ringbuf", s->lost_ringbuf);
	json_writer__kv_u64(w, "lost_window", s->lost_window);
	json_writer__key(w, "mode_ns");
	json_writer__begin_object(w);
	for (m = 0; m < PROC_MODES; m++)
		json_writer__kv_u64(w, dial9_mode_name(m), s->mode_ns[m]);
	json_writer__end_object(w);
	json_writer__kv_bool(w, "observed", proc_second__observed(s));
	if (proc_second__observed(s)) {
		json_writer__kv_bool(w, "exact", s->exact);
		json_writer__key(w, "wake_latency");
		json_writer__begin_object(w);
		json_writer__kv_u64(w, "count", s->latency_samples);
		json_writer__kv_u64(w, "p50_ns", s->latency_p50_ns);
		json_writer__kv_u64(w, "p99_ns", s->latency_p99_ns);
		json_writer__kv_u64(w, "max_ns", s->latency_max_ns);
		json_writer__end_object(w);
		json_writer__kv_u64(w, "queue_depth_max", s->queue_depth_max);
	} else {
		json_writer__kv_null(w, "exact");
		json_writer__kv_null(w, "wake_latency");
		json_writer__kv_null(w, "queue_depth_max");
	}
	write_long(w, "longest_poll", &s->longest_poll);
	write_long(w, "longest_stall", &s->longest_stall);
	json_writer__end_object(w);
}

/* Since attach, in the buckets the metrics file shows (cumulative, as
 * Prometheus's); null when never observed. */
static void write_latency(struct json_writer *w, const struct proc_figures *f)
{
	const struct proc_latency_hist *h = &f->totals.latency;
	unsigned int i;
	uint64_t le;

	if (!proc_figures__latency_observed(f)) {
		json_writer__kv_null(w, "wake_latency");
		return;
	}
	json_writer__key(w, "wake_latency");
	json_writer__begin_object(w);
	json_writer__kv_u64(w, "count", h->count);
	json_writer__kv_u64(w, "sum_ns", h->sum_ns);
	json_writer__kv_u64(w, "max_ns", h->max_ns);
	json_writer__key(w, "buckets");
	json_writer__begin_array(w);
	for (i = 0; i < FIGURES_LATENCY_SHOWN; i++) {
		figures__latency_bucket_shown(i, &le);
		json_writer__begin_object(w);
		if (le == UINT64_MAX)
			json_writer__kv_null(w, "le_ns"); /* +Inf */
		else
			json_writer__kv_u64(w, "le_ns", le);
		json_writer__kv_u64(w, "count", figures__latency_cumulative(h, i));
		json_writer__end_object(w);
	}
	json_writer__end_array(w);
	json_writer__end_object(w);
}

void proc_figures__write_json(const struct proc_figures *f, struct json_writer *w)
{
	size_t i;

	for (i = 0; i < proc_ncounters; i++)
		json_writer__kv_u64(w, proc_counters[i].key, proc_counter__value(&proc_counters[i], f));
	json_writer__kv_double(w, "events_per_sec", f->events_per_sec);
	json_writer__kv_u64(w, "window_events", f->window.count);
	json_writer__kv_u64(w, "window_span_ns",
			    f->window.count ? f->window.newest_ns - f->window.oldest_ns : 0);
	json_writer__kv_u64(w, "window_bytes", f->window.bytes);
	/* of those, compressed blocks and the records in them */
	json_writer__kv_u64(w, "window_sealed_events", f->window.sealed);
	json_writer__kv_u64(w, "window_sealed_bytes", f->window.sealed_bytes);
	json_writer__kv_u64(w, "evicted", f->window.evicted);
	json_writer__kv_u64(w, "dumps", f->dumps);
	json_writer__kv_string(w, "mode", dial9_mode_name(f->mode));
	json_writer__kv_double(w, "hits_per_sec", f->hits_per_sec);
	/* average over the duty cycle */
	json_writer__kv_double(w, "overhead_pct", f->overhead * 100.0);
	json_writer__kv_double(w, "overhead_on_pct", f->overhead_on * 100.0);
	json_writer__kv_double(w, "duty", f->duty);
	write_latency(w, f);
	write_second(w, &f->last);
}

void daemon_figures__take(const struct daemon *d, uint64_t now_ns, struct daemon_figures *f)
{
	const struct tracked *t;
	unsigned int r;

	*f = (struct daemon_figures){ .processes = d->nprocs, .start_real_ns = d->start_real_ns,
				      .uptime_ns = now_ns - d->start_ns,
				      .dumps_written = d->dumps_written };
	for (t = d->procs; t; t = t->next) {
		f->events += t->events;
		f->lost_ringbuf += t->stats.totals.lost_ringbuf;
		f->lost_window += dial9_window__dropped(t->win);
		f->window_bytes += dial9_window__bytes(t->win);
	}
	for (r = 0; r < DIAL9_REASON__COUNT; r++)
		f->dumps[r] = d->dumps_by_reason[r];
	procfs__rss_bytes(getpid(), &f->rss_bytes);
}

void daemon_figures__write_json(const struct daemon_figures *f, struct json_writer *w)
{
	unsigned int r;

	json_writer__kv_u64(w, "uptime_ns", f->uptime_ns);
	json_writer__kv_u64(w, "start_realtime_ns", f->start_real_ns);
	json_writer__kv_u64(w, "processes", f->processes);
	json_writer__kv_u64(w, "events", f->events);
	json_writer__kv_u64(w, "lost_ringbuf", f->lost_ringbuf);
	json_writer__kv_u64(w, "lost_window", f->lost_window);
	json_writer__kv_u64(w, "window_bytes", f->window_bytes);
	json_writer__kv_u64(w, "rss_bytes", f->rss_bytes);
	json_writer__kv_u64(w, "dumps_written", f->dumps_written);
	json_writer__key(w, "dumps_by_reason");
	json_writer__begin_object(w);
	for (r = 1; r < DIAL9_REASON__COUNT; r++)
		json_writer__kv_u64(w, dial9_reason_name(r), f->dumps[r]);
	json_writer__end_object(w);
}
