// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* proc_stats.c - a recorded process's live figures (see proc_stats.h). */
#include <string.h>

#include "proc_stats.h"

unsigned int proc_latency__bucket(uint64_t ns)
{
	uint64_t m, t, base;
	unsigned int o;

	if (ns <= 1000)
		return 0;
	m = ns - 1; /* upper bounds are inclusive */
	t = m / 1000;
	o = 63u - (unsigned int)__builtin_clzll(t);
	if (o >= PROC_STATS_LAT_OCTAVES)
		return PROC_STATS_LAT_BUCKETS - 1;
	base = 1000ULL << o;
	return 1 + 4 * o + (unsigned int)((m - base) * 4 / base);
}

uint64_t proc_latency__upper_ns(unsigned int bucket)
{
	unsigned int o, sub;

	if (bucket == 0)
		return 1000;
	if (bucket >= PROC_STATS_LAT_BUCKETS - 1)
		return UINT64_MAX;
	o = (bucket - 1) / 4;
	sub = (bucket - 1) % 4;
	return (250ULL << o) * (5 + sub);
}

uint64_t proc_latency__quantile(const struct proc_latency_hist *h, double q)
{
	uint64_t rank, seen = 0, upper;
	unsigned int i;

	if (!h->count)
		return 0;
	rank = (uint64_t)(q * (double)h->count);
	if ((double)rank < q * (double)h->count)
		rank++; /* ceil: the rank-th smallest sample, 1-based */
	if (rank < 1)
		rank = 1;
	for (i = 0; i < PROC_STATS_LAT_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank)
			break;
	}
	upper = i < PROC_STATS_LAT_BUCKETS ? proc_latency__upper_ns(i) : UINT64_MAX;
	return upper < h->max_ns ? upper : h->max_ns;
}

static void hist_add(struct proc_latency_hist *h, uint64_t ns)
{
	h->buckets[proc_latency__bucket(ns)]++;
	h->count++;
	h->sum_ns += ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
}

static void second_begin(struct proc_stats *s, uint64_t now_ns)
{
	memset(&s->cur, 0, sizeof(s->cur));
	memset(&s->cur_latency, 0, sizeof(s->cur_latency));
	s->cur.start_ns = now_ns;
	s->cur.exact = true;
	s->cur.queue_depth_max = s->mode == DIAL9_MODE_FULL ? s->npending : 0;
}

void proc_stats__init(struct proc_stats *s, uint64_t poll_threshold_ns, uint64_t now_ns)
{
	memset(s, 0, sizeof(*s));
	s->long_poll_ns = poll_threshold_ns ? poll_threshold_ns : PROC_STATS_LONG_POLL_NS;
	s->mode = PROC_MODE_UNKNOWN;
	s->mode_since_ns = now_ns;
	second_begin(s, now_ns);
}

void proc_stats__set_hooks(struct proc_stats *s, const struct proc_stats_hooks *h, void *ctx)
{
	s->hooks = h;
	s->hooks_ctx = ctx;
}

/* --- the tasks waiting for their poll: linear probing, backward-shift delete */

static uint32_t slot_of(uint64_t task_id)
{
	return (uint32_t)((task_id * 0x9E3779B97F4A7C15ULL) >> (64 - PROC_STATS_PENDING_BITS));
}

static struct proc_pending *pending_find(struct proc_stats *s, uint64_t task_id)
{
	uint32_t i = slot_of(task_id);

	while (s->pending[i].task_id) {
		if (s->pending[i].task_id == task_id)
			return &s->pending[i];
		i = (i + 1) & (PROC_STATS_PENDING_SLOTS - 1);
	}
	return NULL;
}

/* The task becomes runnable at ts (its first wake counts). */
static void pending_add(struct proc_stats *s, uint64_t task_id, uint64_t ts)
{
	uint32_t i = slot_of(task_id);

	while (s->pending[i].task_id) {
		if (s->pending[i].task_id == task_id)
			return;
		i = (i + 1) & (PROC_STATS_PENDING_SLOTS - 1);
	}
	if (s->npending >= PROC_STATS_PENDING_MAX) {
		s->totals.wakes_untracked++;
		s->cur.exact = false;
		return;
	}
	s->pending[i] = (struct proc_pending){ task_id, ts };
	if (++s->npending > s->cur.queue_depth_max)
		s->cur.queue_depth_max = s->npending;
}

static void pending_remove(struct proc_stats *s, struct proc_pending *p)
{
	uint32_t mask = PROC_STATS_PENDING_SLOTS - 1, hole = (uint32_t)(p - s->pending), i, home;

	for (i = (hole + 1) & mask; s->pending[i].task_id; i = (i + 1) & mask) {
		home = slot_of(s->pending[i].task_id);
		/* move it into the hole unless its home lies in (hole, i] */
		if (((i - home) & mask) >= ((i - hole) & mask)) {
			s->pending[hole] = s->pending[i];
			hole = i;
		}
	}
	s->pending[hole].task_id = 0;
	s->npending--;
}

static void pending_clear(struct proc_stats *s)
{
	memset(s->pending, 0, sizeof(s->pending));
	s->npending = 0;
}

/* The task is polled at polled_ns (0: it leaves the queue unpolled). */
static void pending_take(struct proc_stats *s, uint64_t task_id, uint64_t polled_ns)
{
	struct proc_pending *p;

	if (!s->npending || !task_id || !(p = pending_find(s, task_id)))
		return;
	if (polled_ns) {
		uint64_t lat = polled_ns > p->since_ns ? polled_ns - p->since_ns : 0;

		hist_add(&s->cur_latency, lat);
		hist_add(&s->totals.latency, lat);
	}
	pending_remove(s, p);
}

/* --- records ------------------------------------------------------------ */

/* The current mode's time in the current second up to ts into sec. */
static void count_mode_until(const struct proc_stats *s, uint64_t ts, struct proc_second *sec)
{
	uint64_t from = s->mode_since_ns > s->cur.start_ns ? s->mode_since_ns : s->cur.start_ns;

	if (s->mode < PROC_MODES && ts > from)
		sec->mode_ns[s->mode] += ts - from;
}

static void set_mode(struct proc_stats *s, uint16_t mode, uint64_t ts)
{
	count_mode_until(s, ts, &s->cur);
	s->mode = mode < PROC_MODES ? (uint8_t)mode : PROC_MODE_UNKNOWN;
	if (ts > s->mode_since_ns)
		s->mode_since_ns = ts;
	/* the queue is known only under full recording */
	if (s->mode != DIAL9_MODE_FULL)
		pending_clear(s);
}

static void on_long(struct proc_stats *s, enum proc_long_kind kind, const struct dial9_event *e,
		    struct proc_long *longest)
{
	struct proc_long l = { .ns = e->arg, .task_id = e->task_id, .end_ns = e->ts_ns,
			       .tid = e->tid };

	if (s->hooks && s->hooks->on_long)
		s->hooks->on_long(s->hooks_ctx, kind, &l);
	if (l.ns > longest->ns)
		*longest = l;
}

static void on_poll_end(struct proc_stats *s, const struct dial9_event *e)
{
	struct proc_pending *p;

	s->totals.polls++;
	s->cur.polls++;
	/* a poll whose start was not seen answers a wake from before it began */
	if (e->arg && s->npending && (p = pending_find(s, e->task_id)) && e->ts_ns >= e->arg &&
	    p->since_ns <= e->ts_ns - e->arg)
		pending_take(s, e->task_id, e->ts_ns - e->arg);
	if ((e->flags & DIAL9_POLL_F_INFERRED) || e->arg < s->long_poll_ns)
		return; /* an inferred end is an upper bound: not vouched for as long */
	s->totals.long_polls++;
	s->cur.long_polls++;
	on_long(s, PROC_LONG_POLL, e, &s->cur.longest_poll);
}

void proc_stats__on_event(struct proc_stats *s, const struct dial9_event *e)
{
	switch (e->kind) {
	case DIAL9_EV_SPAWN:
		if (s->mode == DIAL9_MODE_FULL && e->task_id)
			pending_add(s, e->task_id, e->ts_ns);
		break;
	case DIAL9_EV_WAKE:
		s->totals.wakes++;
		s->cur.wakes++;
		if (s->mode == DIAL9_MODE_FULL && e->task_id)
			pending_add(s, e->task_id, e->ts_ns);
		break;
	case DIAL9_EV_POLL_START:
		pending_take(s, e->task_id, e->ts_ns);
		break;
	case DIAL9_EV_POLL_END:
		on_poll_end(s, e);
		break;
	case DIAL9_EV_POLL_SUMMARY:
		s->totals.polls += e->aux;
		s->totals.polls_counted += e->aux;
		s->cur.polls += e->aux;
		s->cur.polls_counted += e->aux;
		pending_take(s, e->task_id, 0);
		break;
	case DIAL9_EV_TERMINATE:
		pending_take(s, e->task_id, 0);
		break;
	case DIAL9_EV_STALL:
		s->totals.stalls++;
		s->cur.stalls++;
		on_long(s, PROC_LONG_STALL, e, &s->cur.longest_stall);
		break;
	case DIAL9_EV_MODE:
		set_mode(s, e->aux, e->ts_ns);
		break;
	case DIAL9_EV_LOST:
		if (e->aux != DIAL9_LOST_RINGBUF)
			break; /* the window's own losses: proc_stats__end_second */
		s->totals.lost_ringbuf += e->arg;
		s->cur.lost_ringbuf += e->arg;
		/* the lost records may have been wakes or polls: forget who waits */
		pending_clear(s);
		s->cur.exact = false;
		break;
	default:
		break;
	}
}

/* --- seconds ------------------------------------------------------------ */

static void second_finish(const struct proc_latency_hist *h, struct proc_second *out)
{
	out->latency_samples = h->count;
	out->latency_p50_ns = proc_latency__quantile(h, 0.50);
	out->latency_p99_ns = proc_latency__quantile(h, 0.99);
	out->latency_max_ns = h->max_ns;
}

void proc_stats__end_second(struct proc_stats *s, uint64_t now_ns, uint64_t lost_window)
{
	unsigned int m;

	count_mode_until(s, now_ns, &s->cur);
	for (m = 0; m < PROC_MODES; m++)
		s->totals.mode_ns[m] += s->cur.mode_ns[m];
	s->cur.end_ns = now_ns;
	s->cur.lost_window = lost_window > s->lost_window_at ? lost_window - s->lost_window_at : 0;
	s->lost_window_at = lost_window;
	second_finish(&s->cur_latency, &s->cur);
	s->last = s->cur;
	second_begin(s, now_ns);
	if (s->hooks && s->hooks->on_second)
		s->hooks->on_second(s->hooks_ctx, &s->last);
}

const struct proc_second *proc_stats__last_second(const struct proc_stats *s)
{
	return &s->last;
}

void proc_stats__current_second(const struct proc_stats *s, uint64_t now_ns, uint64_t lost_window,
				struct proc_second *out)
{
	*out = s->cur;
	count_mode_until(s, now_ns, out);
	out->end_ns = now_ns;
	out->lost_window = lost_window > s->lost_window_at ? lost_window - s->lost_window_at : 0;
	second_finish(&s->cur_latency, out);
}

const struct proc_totals *proc_stats__totals(const struct proc_stats *s)
{
	return &s->totals;
}

uint32_t proc_stats__queue_depth(const struct proc_stats *s)
{
	return s->npending;
}
