// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * analysis_series.c - the window cut into equal intervals: polls, the
 * runnable queue's depth and wake-to-poll latency per interval (see
 * analysis.h), from the one queue walk.
 */
#include <errno.h>
#include <stdlib.h>

#include "analysis.h"

struct lat {
	uint64_t k, ns;
};

struct build {
	struct dial9_series *s;
	uint64_t start;
	uint64_t *qlast;
	uint8_t *qseen;
	struct lat *lat;
	uint64_t nlat, cap;
};

static uint64_t interval_of(const struct dial9_series *s, uint64_t start, uint64_t ts)
{
	uint64_t k = (ts > start ? ts - start : 0) / s->interval_ns;

	return k < s->intervals ? k : s->intervals - 1;
}

static int on_step(void *ctx, const struct dial9_queue_step *st)
{
	struct build *b = ctx;
	struct dial9_series *s = b->s;
	uint64_t k = interval_of(s, b->start, st->ts_ns);

	if (!b->qseen[k] || st->depth > s->queue_max[k])
		s->queue_max[k] = st->depth;
	b->qseen[k] = 1;
	b->qlast[k] = st->depth;
	if (!st->polled)
		return 0;
	if (b->nlat == b->cap) {
		uint64_t cap = b->cap ? b->cap * 2 : 4096;
		struct lat *p = realloc(b->lat, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		b->lat = p;
		b->cap = cap;
	}
	b->lat[b->nlat].k = k;
	b->lat[b->nlat++].ns = st->latency_ns;
	return 0;
}

static int cmp_lat(const void *pa, const void *pb)
{
	const struct lat *a = pa, *b = pb;

	if (a->k != b->k)
		return a->k < b->k ? -1 : 1;
	return a->ns < b->ns ? -1 : a->ns > b->ns;
}

static uint64_t nearest_rank(const struct lat *v, uint64_t n, unsigned int pct)
{
	uint64_t rank = (n * pct + 99) / 100;

	return v[(rank ? rank : 1) - 1].ns;
}

void dial9_series__free(struct dial9_series *s)
{
	if (!s)
		return;
	free(s->polls);
	free(s->wakes);
	free(s->lost);
	free(s->stalls);
	free(s->full_ns);
	free(s->modes);
	free(s->queue_max);
	free(s->lat_n);
	free(s->lat_p50);
	free(s->lat_p99);
	free(s->lat_max);
	free(s);
}

static void add_mode_span(const struct dial9_analysis *a, struct dial9_series *s,
			  const struct dial9_mode_span *m)
{
	uint64_t from = m->start_ns > a->start_ns ? m->start_ns - a->start_ns : 0;
	uint64_t to = m->end_ns > a->start_ns ? m->end_ns - a->start_ns : 0, k;

	for (k = from / s->interval_ns; k < s->intervals && k * s->interval_ns < to; k++) {
		uint64_t lo = k * s->interval_ns, hi = lo + s->interval_ns;

		if (m->mode < 8)
			s->modes[k] |= (uint8_t)(1u << m->mode);
		if (m->mode == DIAL9_MODE_FULL)
			s->full_ns[k] += (to < hi ? to : hi) - (from > lo ? from : lo);
	}
}

/* The modes each interval was recorded in, and its time in full.  Before
 * the first MODE record (all of a dump without one) the recording was
 * full, as the queue walk takes it. */
static void add_modes(const struct dial9_analysis *a, struct dial9_series *s)
{
	struct dial9_mode_span first = { a->start_ns, a->end_ns, DIAL9_MODE_FULL };
	uint64_t i;

	if (a->nmodes)
		first.end_ns = a->modes[0].start_ns;
	if (first.end_ns > first.start_ns)
		add_mode_span(a, s, &first);
	for (i = 0; i < a->nmodes; i++)
		add_mode_span(a, s, &a->modes[i]);
}

/* Events counted per interval: wakes, losses, stalls. */
static void add_counts(const struct dial9_analysis *a, struct dial9_series *s)
{
	const struct dial9_dump *d = a->dump;
	uint64_t i;

	for (i = 0; i < d->nevents; i++) {
		const struct dial9_event *e = &d->events[i];
		uint64_t k = interval_of(s, a->start_ns, e->ts_ns);

		switch (e->kind) {
		case DIAL9_EV_WAKE:
			s->wakes[k]++;
			break;
		case DIAL9_EV_LOST:
			s->lost[k] += e->arg;
			break;
		case DIAL9_EV_STALL:
			s->stalls[k]++;
			break;
		case DIAL9_EV_POLL_SUMMARY:
			s->polls[k] += e->aux;
			break;
		default:
			break;
		}
	}
}

static int build(const struct dial9_analysis *a, uint64_t intervals, uint64_t interval_ns,
		 struct dial9_series **out)
{
	uint64_t i, j, k, carry = 0;
	struct dial9_series *s;
	struct build b = { .start = a->start_ns };
	int err = -ENOMEM;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	b.s = s;
	s->intervals = intervals;
	s->interval_ns = interval_ns;
	s->queue_known = dial9_analysis__knows(a, DIAL9_FIG_QUEUE);
	s->polls_known = dial9_analysis__knows(a, DIAL9_FIG_POLLS);
	s->wakes_known = dial9_analysis__knows(a, DIAL9_FIG_WAKES);
	s->polls = calloc(intervals, sizeof(*s->polls));
	s->wakes = calloc(intervals, sizeof(*s->wakes));
	s->lost = calloc(intervals, sizeof(*s->lost));
	s->stalls = calloc(intervals, sizeof(*s->stalls));
	s->full_ns = calloc(intervals, sizeof(*s->full_ns));
	s->modes = calloc(intervals, sizeof(*s->modes));
	s->queue_max = calloc(intervals, sizeof(*s->queue_max));
	s->lat_n = calloc(intervals, sizeof(*s->lat_n));
	s->lat_p50 = calloc(intervals, sizeof(*s->lat_p50));
	s->lat_p99 = calloc(intervals, sizeof(*s->lat_p99));
	s->lat_max = calloc(intervals, sizeof(*s->lat_max));
	b.qlast = calloc(intervals, sizeof(*b.qlast));
	b.qseen = calloc(intervals, 1);
	if (!s->polls || !s->wakes || !s->lost || !s->stalls || !s->full_ns || !s->modes || !s->queue_max ||
	    !s->lat_n || !s->lat_p50 || !s->lat_p99 || !s->lat_max || !b.qlast || !b.qseen)
		goto cleanup;
	err = s->queue_known ? dial9_queue__walk(a, on_step, &b) : 0;
	if (err)
		goto cleanup;
	for (k = 0; k < intervals; k++) { /* depth carried into intervals */
		if (carry > s->queue_max[k])
			s->queue_max[k] = carry;
		if (b.qseen[k])
			carry = b.qlast[k];
	}
	if (b.nlat)
		qsort(b.lat, b.nlat, sizeof(*b.lat), cmp_lat);
	for (i = 0; i < b.nlat; i = j) {
		for (j = i; j < b.nlat && b.lat[j].k == b.lat[i].k; j++)
			;
		k = b.lat[i].k;
		s->lat_n[k] = j - i;
		s->lat_p50[k] = nearest_rank(&b.lat[i], j - i, 50);
		s->lat_p99[k] = nearest_rank(&b.lat[i], j - i, 99);
		s->lat_max[k] = b.lat[j - 1].ns;
	}
	for (i = 0; i < a->npolls_closed; i++)
		s->polls[interval_of(s, b.start, a->polls[i].end_ns)]++;
	add_counts(a, s);
	add_modes(a, s);
	*out = s;
	s = NULL;
	err = 0;
cleanup:
	free(b.qlast);
	free(b.qseen);
	free(b.lat);
	dial9_series__free(s);
	return err;
}

static uint64_t span_of(const struct dial9_analysis *a)
{
	return a->end_ns > a->start_ns ? a->end_ns - a->start_ns : 1;
}

int dial9_series__build(const struct dial9_analysis *a, uint64_t intervals,
			struct dial9_series **out)
{
	uint64_t every;

	*out = NULL;
	if (!intervals)
		return -EINVAL;
	every = (span_of(a) + intervals - 1) / intervals;
	return build(a, intervals, every ? every : 1, out);
}

int dial9_series__build_every(const struct dial9_analysis *a, uint64_t interval_ns,
			      struct dial9_series **out)
{
	uint64_t n;

	*out = NULL;
	if (!interval_ns)
		return -EINVAL;
	n = (span_of(a) + interval_ns - 1) / interval_ns;
	if (n > 1000000)
		return -E2BIG;
	return build(a, n ? n : 1, interval_ns, out);
}
