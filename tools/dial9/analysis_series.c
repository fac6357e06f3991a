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
	free(s->queue_max);
	free(s->lat_n);
	free(s->lat_p50);
	free(s->lat_p99);
	free(s->lat_max);
	free(s);
}

int dial9_series__build(const struct dial9_analysis *a, uint64_t intervals,
			struct dial9_series **out)
{
	const struct dial9_dump *d = a->dump;
	uint64_t span = a->end_ns > a->start_ns ? a->end_ns - a->start_ns : 1, i, j, k, carry = 0;
	struct dial9_series *s;
	struct build b = { .start = a->start_ns };
	int err = -ENOMEM;

	*out = NULL;
	if (!intervals)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	b.s = s;
	s->intervals = intervals;
	s->interval_ns = (span + intervals - 1) / intervals;
	if (!s->interval_ns)
		s->interval_ns = 1;
	s->queue_known = dial9_analysis__knows(a, DIAL9_FIG_QUEUE);
	s->polls_known = dial9_analysis__knows(a, DIAL9_FIG_POLLS);
	s->polls = calloc(intervals, sizeof(*s->polls));
	s->queue_max = calloc(intervals, sizeof(*s->queue_max));
	s->lat_n = calloc(intervals, sizeof(*s->lat_n));
	s->lat_p50 = calloc(intervals, sizeof(*s->lat_p50));
	s->lat_p99 = calloc(intervals, sizeof(*s->lat_p99));
	s->lat_max = calloc(intervals, sizeof(*s->lat_max));
	b.qlast = calloc(intervals, sizeof(*b.qlast));
	b.qseen = calloc(intervals, 1);
	if (!s->polls || !s->queue_max || !s->lat_n || !s->lat_p50 || !s->lat_p99 ||
	    !s->lat_max || !b.qlast || !b.qseen)
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
	for (i = 0; i < d->nevents; i++)
		if (d->events[i].kind == DIAL9_EV_POLL_SUMMARY)
			s->polls[interval_of(s, b.start, d->events[i].ts_ns)] += d->events[i].aux;
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
