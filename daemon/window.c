// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * window.c - the rolling window: a ring of events in arrival order that grows
 * in chunks up to the byte budget, evicts by time against the newest
 * timestamp seen, and sorts only when asked for a snapshot.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "window.h"

#define WINDOW_MIN_BYTES (32u * 1024)
#define WINDOW_FIRST_CHUNK 512 /* records (16 KiB) allocated on the first push */
#define SORT_RUN 32

struct dial9_window {
	uint64_t span_ns;
	size_t max_cap;            /* records the byte budget allows */
	struct dial9_event *ring;  /* alloc records, NULL until the first push */
	size_t alloc;
	size_t head;               /* oldest by arrival */
	size_t count;
	size_t desc;               /* neighbours (arrival order) whose ts goes backwards */
	uint64_t horizon;          /* max(newest ts, last expire time) */
	uint64_t newest;           /* largest ts pushed */
	uint64_t pushed;
	uint64_t evicted;
	uint64_t dropped;
};

struct dial9_window *dial9_window__new(uint64_t span_ns, uint64_t max_bytes)
{
	struct dial9_window *w;

	if (span_ns == 0 || max_bytes < WINDOW_MIN_BYTES) {
		errno = EINVAL;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		errno = ENOMEM;
		return NULL;
	}
	w->span_ns = span_ns;
	w->max_cap = max_bytes / sizeof(struct dial9_event) > SIZE_MAX / sizeof(struct dial9_event) ?
		     SIZE_MAX / sizeof(struct dial9_event) :
		     (size_t)(max_bytes / sizeof(struct dial9_event));
	return w;
}

void dial9_window__free(struct dial9_window *w)
{
	if (!w)
		return;
	free(w->ring);
	free(w);
}

static size_t ring_index(const struct dial9_window *w, size_t i)
{
	size_t idx = w->head + i;

	return idx >= w->alloc ? idx - w->alloc : idx;
}

/* Copy the held events, in arrival order, to dst. */
static void ring_copy_out(const struct dial9_window *w, struct dial9_event *dst)
{
	size_t first = w->alloc - w->head < w->count ? w->alloc - w->head : w->count;

	if (!w->count)
		return;
	memcpy(dst, w->ring + w->head, first * sizeof(*dst));
	memcpy(dst + first, w->ring, (w->count - first) * sizeof(*dst));
}

/* Reallocate to ncap records (>= count), unwrapping the ring.  0 or -ENOMEM. */
static int ring_resize(struct dial9_window *w, size_t ncap)
{
	struct dial9_event *n = NULL;

	if (ncap) {
		n = malloc(ncap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		ring_copy_out(w, n);
	}
	free(w->ring);
	w->ring = n;
	w->alloc = ncap;
	w->head = 0;
	return 0;
}

static void evict_head(struct dial9_window *w, int dropped)
{
	const struct dial9_event *e = &w->ring[w->head];

	if (w->count > 1 && w->ring[ring_index(w, 1)].ts_ns < e->ts_ns)
		w->desc--;
	w->head = ring_index(w, 1);
	w->count--;
	if (dropped)
		w->dropped++;
	else
		w->evicted++;
	if (!w->count)
		w->head = 0;
}

static uint64_t window_cutoff(const struct dial9_window *w)
{
	return w->horizon > w->span_ns ? w->horizon - w->span_ns : 0;
}

static void evict_older(struct dial9_window *w, uint64_t cutoff)
{
	while (w->count && w->ring[w->head].ts_ns < cutoff)
		evict_head(w, 0);
}

int dial9_window__push(struct dial9_window *w, const struct dial9_event *e)
{
	uint64_t cutoff;
	size_t tail;

	if (!w || !e)
		return -EINVAL;
	if (e->ts_ns > w->horizon)
		w->horizon = e->ts_ns;
	cutoff = window_cutoff(w);
	evict_older(w, cutoff);
	if (e->ts_ns < cutoff) {
		/* arrived after it had already left the window */
		w->pushed++;
		w->evicted++;
		return 0;
	}
	if (w->count == w->alloc) {
		if (w->alloc < w->max_cap) {
			size_t ncap = w->alloc ? w->alloc * 2 : WINDOW_FIRST_CHUNK;
			int err;

			if (ncap > w->max_cap)
				ncap = w->max_cap;
			err = ring_resize(w, ncap);
			if (err)
				return err;
		} else {
			evict_head(w, 1); /* byte budget: loss inside the span */
		}
	}
	tail = ring_index(w, w->count);
	if (w->count && e->ts_ns < w->ring[ring_index(w, w->count - 1)].ts_ns)
		w->desc++;
	w->ring[tail] = *e;
	w->count++;
	w->pushed++;
	if (e->ts_ns > w->newest)
		w->newest = e->ts_ns;
	return 0;
}

void dial9_window__expire(struct dial9_window *w, uint64_t now_ns)
{
	if (!w)
		return;
	if (now_ns > w->horizon)
		w->horizon = now_ns;
	evict_older(w, window_cutoff(w));
	/* give memory back once the window has emptied or mostly drained */
	if (!w->count && w->alloc)
		ring_resize(w, 0);
	else if (w->alloc > WINDOW_FIRST_CHUNK && w->count <= w->alloc / 4)
		ring_resize(w, w->alloc / 2 > WINDOW_FIRST_CHUNK ? w->alloc / 2 : WINDOW_FIRST_CHUNK);
}

/* --- sorting a snapshot: stable, adaptive -------------------------------- */

static void insertion_sort(struct dial9_event *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct dial9_event x;
		size_t j = i;

		if (a[i - 1].ts_ns <= a[i].ts_ns)
			continue;
		x = a[i];
		while (j > 0 && a[j - 1].ts_ns > x.ts_ns) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = x;
	}
}

/* First index in a[0..n) with ts > v. */
static size_t upper_bound(const struct dial9_event *a, size_t n, uint64_t v)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a[mid].ts_ns > v)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* First index in a[0..n) with ts >= v. */
static size_t lower_bound(const struct dial9_event *a, size_t n, uint64_t v)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a[mid].ts_ns >= v)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

struct sort_tmp {
	struct dial9_event *p;
	size_t cap;
};

static int tmp_reserve(struct sort_tmp *t, size_t n)
{
	struct dial9_event *p;

	if (n <= t->cap)
		return 0;
	p = realloc(t->p, n * sizeof(*p));
	if (!p)
		return -ENOMEM;
	t->p = p;
	t->cap = n;
	return 0;
}

/* Merge sorted a[lo..mid) and a[mid..hi) in place; only the overlapping parts
 * move, through a buffer the size of the smaller of them. */
static int merge(struct dial9_event *a, size_t lo, size_t mid, size_t hi, struct sort_tmp *t)
{
	size_t l0, r1, nl, nr;

	if (a[mid - 1].ts_ns <= a[mid].ts_ns)
		return 0;
	l0 = lo + upper_bound(a + lo, mid - lo, a[mid].ts_ns);
	r1 = mid + lower_bound(a + mid, hi - mid, a[mid - 1].ts_ns);
	nl = mid - l0;
	nr = r1 - mid;
	if (tmp_reserve(t, nl < nr ? nl : nr))
		return -ENOMEM;
	if (nl <= nr) {
		size_t i = 0, j = mid, k = l0;

		memcpy(t->p, a + l0, nl * sizeof(*a));
		while (i < nl && j < r1)
			a[k++] = a[j].ts_ns < t->p[i].ts_ns ? a[j++] : t->p[i++];
		while (i < nl)
			a[k++] = t->p[i++];
	} else {
		size_t i = mid, j = nr, k = r1; /* one past the next element */

		memcpy(t->p, a + mid, nr * sizeof(*a));
		while (i > l0 && j > 0)
			a[--k] = t->p[j - 1].ts_ns < a[i - 1].ts_ns ? a[--i] : t->p[--j];
		while (j > 0)
			a[--k] = t->p[--j];
	}
	return 0;
}

static int sort_events(struct dial9_event *a, size_t n)
{
	struct sort_tmp t = { 0 };
	int err = 0;

	for (size_t lo = 0; lo < n; lo += SORT_RUN)
		insertion_sort(a + lo, n - lo < SORT_RUN ? n - lo : SORT_RUN);
	for (size_t width = SORT_RUN; width < n && !err; width *= 2) {
		for (size_t lo = 0; lo + width < n && !err; lo += 2 * width) {
			size_t hi = n - lo > 2 * width ? lo + 2 * width : n;

			err = merge(a, lo, lo + width, hi, &t);
		}
	}
	free(t.p);
	return err;
}

int dial9_window__snapshot(const struct dial9_window *w, struct dial9_event **out,
			   uint64_t *count)
{
	struct dial9_event *a;
	int err;

	if (!w || !out || !count)
		return -EINVAL;
	*out = NULL;
	*count = 0;
	if (!w->count)
		return 0;
	a = malloc(w->count * sizeof(*a));
	if (!a)
		return -ENOMEM;
	ring_copy_out(w, a);
	if (w->desc) {
		err = sort_events(a, w->count);
		if (err) {
			free(a);
			return err;
		}
	}
	*out = a;
	*count = w->count;
	return 0;
}

void dial9_window__stats(const struct dial9_window *w, struct dial9_window_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!w)
		return;
	st->pushed = w->pushed;
	st->evicted = w->evicted;
	st->dropped = w->dropped;
	st->count = w->count;
	st->bytes = (uint64_t)w->alloc * sizeof(struct dial9_event);
	if (!w->count)
		return;
	st->newest_ns = w->newest;
	st->oldest_ns = w->ring[w->head].ts_ns;
	if (w->desc) { /* out-of-order arrivals held: the oldest may not be first */
		for (size_t i = 1; i < w->count; i++) {
			uint64_t ts = w->ring[ring_index(w, i)].ts_ns;

			if (ts < st->oldest_ns)
				st->oldest_ns = ts;
		}
	}
}
