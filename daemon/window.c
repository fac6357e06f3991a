// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * window.c - the rolling window: new records go into an open block in
 * arrival order; when it holds a block and a reserve more, it is sorted and
 * its oldest block's worth is sealed: coded and compressed in the dump's
 * own block coding (event_block.h), so that a dump copies it as it is.
 *
 * Invariants, after every call:
 *  - sealed blocks are each sorted and follow each other without overlap
 *    (a block's last ts <= the next one's first ts); a record that arrives
 *    older than the newest sealed one (late) waits in the open block and,
 *    when sealed, is merged into the blocks it falls among (they are coded
 *    again), so the order is exact however late a record comes;
 *  - no record held in the open block is older than the window's start, and
 *    of the sealed blocks only the oldest may begin before it: its records
 *    before the start are counted as evicted as soon as they are (their
 *    number comes from its timestamps, a quarter of its stream, when asked),
 *    and left out of every snapshot;
 *  - memory held (compressed bytes, block descriptors, the open block's
 *    allocation) stays within the budget: over it, the oldest sealed block
 *    goes, with the open block's records older than its end, all counted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "event_sort.h"
#include "window.h"

#define WINDOW_MIN_BYTES (32u * 1024)
#define OPEN_FIRST_CHUNK 512 /* records (16 KiB) allocated on the first push */
#define BLOCK_MIN_EVENTS 32
#define REC sizeof(struct dial9_event)

struct dial9_window {
	uint64_t span_ns;
	uint64_t max_bytes;
	uint32_t block_events;    /* records per sealed block */
	uint32_t seal_at;         /* open records that make a seal: a block + a reserve */
	uint32_t open_max;        /* the open block's largest allocation, in records */
	/* sealed: blocks[bhead .. bhead + nblocks), oldest first */
	struct dial9_event_block *blocks;
	size_t bhead, nblocks, bcap;
	uint64_t sealed_events, sealed_bytes;
	/* open: open[ohead .. on) held; [ohead, osorted) sorted, the rest in
	 * arrival order, unsorted_min the smallest ts among the rest */
	struct dial9_event *open;
	size_t ohead, osorted, on, ocap;
	uint64_t unsorted_min;
	uint64_t horizon;          /* max(newest ts, last expire time) */
	uint64_t newest;           /* largest ts pushed */
	uint64_t pushed;
	uint64_t evicted;
	uint64_t dropped;
};

uint32_t dial9_window__block_events(uint64_t max_bytes)
{
	/* a block's records are 1/32 of the budget uncompressed, the open block
	 * at most 1.25 blocks: 4 % of it */
	uint64_t n = max_bytes / 1024;

	if (n < BLOCK_MIN_EVENTS)
		return BLOCK_MIN_EVENTS;
	return n > DIAL9_EVENT_BLOCK_MAX ? DIAL9_EVENT_BLOCK_MAX : (uint32_t)n;
}

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
	w->max_bytes = max_bytes;
	w->block_events = dial9_window__block_events(max_bytes);
	w->seal_at = w->block_events + w->block_events / 8;
	w->open_max = w->seal_at + w->block_events / 8;
	w->unsorted_min = UINT64_MAX;
	return w;
}

static struct dial9_event_block *block_at(const struct dial9_window *w, size_t i)
{
	return &w->blocks[w->bhead + i];
}

void dial9_window__free(struct dial9_window *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->nblocks; i++)
		dial9_event_block__release(block_at(w, i));
	free(w->blocks);
	free(w->open);
	free(w);
}

static uint64_t window_cutoff(const struct dial9_window *w)
{
	return w->horizon > w->span_ns ? w->horizon - w->span_ns : 0;
}

static uint64_t bytes_held(const struct dial9_window *w)
{
	return w->sealed_bytes + w->bcap * sizeof(*w->blocks) + w->ocap * REC;
}

static size_t open_held(const struct dial9_window *w)
{
	return w->on - w->ohead;
}

/* --- the open block ---------------------------------------------------------- */

static int open_sort(struct dial9_window *w)
{
	size_t mid = w->osorted - w->ohead;
	int err;

	if (w->osorted == w->on)
		return 0;
	err = dial9_events__sort(w->open + w->osorted, w->on - w->osorted);
	if (!err)
		err = dial9_events__merge(w->open + w->ohead, mid, open_held(w));
	if (err)
		return err;
	w->osorted = w->on;
	w->unsorted_min = UINT64_MAX;
	return 0;
}

/* Move the held records to the front of the allocation. */
static void open_compact(struct dial9_window *w)
{
	size_t held = open_held(w);

	if (!w->ohead)
		return;
	memmove(w->open, w->open + w->ohead, held * REC);
	w->osorted -= w->ohead;
	w->on = held;
	w->ohead = 0;
}

static int open_resize(struct dial9_window *w, size_t ncap)
{
	struct dial9_event *n;

	open_compact(w);
	if (!ncap) {
		free(w->open);
		w->open = NULL;
		w->ocap = 0;
		return 0;
	}
	n = realloc(w->open, ncap * REC);
	if (!n)
		return -ENOMEM;
	w->open = n;
	w->ocap = ncap;
	return 0;
}

/* Drop the open block's records older than ts (the budget's own). */
static int open_drop_older(struct dial9_window *w, uint64_t ts)
{
	int err = open_sort(w);

	if (err)
		return err;
	while (w->ohead < w->on && w->open[w->ohead].ts_ns < ts) {
		w->ohead++;
		w->dropped++;
	}
	return 0;
}

/* --- sealed blocks ------------------------------------------------------------- */

/* Records of b older than cutoff. */
static int count_older(const struct dial9_event_block *b, uint64_t cutoff, uint64_t *n,
		       uint64_t *first_kept)
{
	uint64_t *ts, lo = 0, hi = b->count;
	int err;

	*first_kept = b->first_ts;
	*n = 0;
	if (b->first_ts >= cutoff)
		return 0;
	*n = b->count;
	if (b->last_ts < cutoff)
		return 0;
	ts = malloc((size_t)b->count * sizeof(*ts));
	if (!ts)
		return -ENOMEM;
	err = dial9_event_block__decode_ts(b, ts);
	while (!err && lo < hi) { /* first index with ts >= cutoff */
		uint64_t mid = lo + (hi - lo) / 2;

		if (ts[mid] >= cutoff)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (!err) {
		*n = lo;
		*first_kept = ts[lo];
	}
	free(ts);
	return err;
}

static void blocks_pop_front(struct dial9_window *w)
{
	struct dial9_event_block *b = block_at(w, 0);

	w->sealed_events -= b->count;
	w->sealed_bytes -= b->clen;
	dial9_event_block__release(b);
	w->bhead++;
	if (--w->nblocks == 0) {
		free(w->blocks);
		w->blocks = NULL;
		w->bhead = w->bcap = 0;
	}
}

/* Remove blocks [from, nblocks) (the newest ones). */
static void blocks_truncate(struct dial9_window *w, size_t from)
{
	while (w->nblocks > from) {
		struct dial9_event_block *b = block_at(w, w->nblocks - 1);

		w->sealed_events -= b->count;
		w->sealed_bytes -= b->clen;
		dial9_event_block__release(b);
		w->nblocks--;
	}
}

/* Room for n more descriptors. */
static int blocks_reserve(struct dial9_window *w, size_t n)
{
	struct dial9_event_block *nb;
	size_t ncap;

	if (w->bhead + w->nblocks + n <= w->bcap)
		return 0;
	if (w->bhead) {
		memmove(w->blocks, w->blocks + w->bhead, w->nblocks * sizeof(*w->blocks));
		w->bhead = 0;
	}
	if (w->nblocks + n <= w->bcap)
		return 0;
	ncap = w->bcap ? w->bcap : 16;
	while (ncap < w->nblocks + n)
		ncap *= 2;
	nb = realloc(w->blocks, ncap * sizeof(*nb));
	if (!nb)
		return -ENOMEM;
	w->blocks = nb;
	w->bcap = ncap;
	return 0;
}

static void blocks_append(struct dial9_window *w, const struct dial9_event_block *b)
{
	*block_at(w, w->nblocks++) = *b; /* room reserved by blocks_reserve */
	w->sealed_events += b->count;
	w->sealed_bytes += b->clen;
}

/* The budget: drop the oldest block, its records before the window's start
 * counted as evicted, the rest as dropped, and the open block's records
 * older than its end with them. */
static int drop_oldest_block(struct dial9_window *w)
{
	struct dial9_event_block *b = block_at(w, 0);
	uint64_t older, first, last = b->last_ts;
	int err = count_older(b, window_cutoff(w), &older, &first);

	if (err)
		return err;
	w->evicted += older;
	w->dropped += b->count - older;
	blocks_pop_front(w);
	return open_drop_older(w, last);
}

static int make_room(struct dial9_window *w, uint64_t more)
{
	while (w->nblocks && bytes_held(w) + more > w->max_bytes) {
		int err = drop_oldest_block(w);

		if (err)
			return err;
	}
	return bytes_held(w) + more > w->max_bytes ? -ENOBUFS : 0;
}

/* --- coding runs of records ------------------------------------------------------ */

static int snapshot_reserve(struct dial9_window_snapshot *s, size_t n)
{
	struct dial9_event_block *nb;
	bool *no;
	size_t ncap;

	if (s->nblocks + n <= s->cap)
		return 0;
	ncap = s->cap ? s->cap : 16;
	while (ncap < s->nblocks + n)
		ncap *= 2;
	nb = realloc(s->blocks, ncap * sizeof(*nb));
	if (!nb)
		return -ENOMEM;
	s->blocks = nb;
	no = realloc(s->owned, ncap * sizeof(*no));
	if (!no)
		return -ENOMEM;
	s->owned = no;
	s->cap = ncap;
	return 0;
}

static int snapshot_add(struct dial9_window_snapshot *s, const struct dial9_event_block *b,
			bool owned)
{
	int err = snapshot_reserve(s, 1);

	if (err)
		return err;
	s->blocks[s->nblocks] = *b;
	s->owned[s->nblocks++] = owned;
	s->nevents += b->count;
	return 0;
}

void dial9_window_snapshot__free(struct dial9_window_snapshot *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nblocks; i++)
		if (s->owned[i])
			dial9_event_block__release(&s->blocks[i]);
	free(s->blocks);
	free(s->owned);
	memset(s, 0, sizeof(*s));
}

/*
 * Sealed blocks [first, last) of w merged with the sorted records ev[0..n)
 * (the blocks' records first among equal timestamps: they arrived earlier),
 * those older than cutoff left out (*left_out of them), coded anew into out,
 * chunk records a block.
 */
static int code_run(const struct dial9_window *w, size_t first, size_t last, uint64_t cutoff,
		    const struct dial9_event *ev, size_t n, uint32_t chunk,
		    struct dial9_window_snapshot *out, uint64_t *left_out)
{
	struct dial9_event *all;
	size_t m = 0, skip = 0;
	int err = 0;

	*left_out = 0;
	for (size_t i = first; i < last; i++)
		m += block_at(w, i)->count;
	if (m + n == 0)
		return 0;
	all = malloc((m + n) * REC);
	if (!all)
		return -ENOMEM;
	m = 0;
	for (size_t i = first; i < last && !err; i++) {
		err = dial9_event_block__decode(block_at(w, i), all + m);
		m += block_at(w, i)->count;
	}
	if (n)
		memcpy(all + m, ev, n * REC);
	if (!err)
		err = dial9_events__merge(all, m, m + n);
	while (!err && skip < m + n && all[skip].ts_ns < cutoff)
		skip++;
	for (size_t at = skip; !err && at < m + n; at += chunk) {
		uint32_t k = m + n - at < chunk ? (uint32_t)(m + n - at) : chunk;
		struct dial9_event_block b;

		err = dial9_event_block__encode(all + at, k, &b);
		if (!err) {
			err = snapshot_add(out, &b, true);
			if (err)
				dial9_event_block__release(&b);
		}
	}
	free(all);
	*left_out = skip;
	return err;
}

/* Index of the first sealed block whose last record is later than ts. */
static size_t first_block_after(const struct dial9_window *w, uint64_t ts)
{
	size_t k = w->nblocks;

	while (k > 0 && block_at(w, k - 1)->last_ts > ts)
		k--;
	return k;
}

/* Seal the open block's oldest block_events records: a block of their own,
 * or, when late records are among them, merged into the blocks they fall
 * among.  On failure the window is as it was. */
static int seal(struct dial9_window *w)
{
	struct dial9_window_snapshot run = { 0 };
	const struct dial9_event *ev;
	size_t k;
	uint64_t left_out;
	int err;

	err = open_sort(w);
	if (err)
		return err;
	ev = w->open + w->ohead;
	k = first_block_after(w, ev[0].ts_ns);
	err = code_run(w, k, w->nblocks, window_cutoff(w), ev, w->block_events, w->block_events,
		       &run, &left_out);
	if (!err && k + run.nblocks > w->nblocks)
		err = blocks_reserve(w, k + run.nblocks - w->nblocks);
	if (err) {
		dial9_window_snapshot__free(&run);
		return err;
	}
	blocks_truncate(w, k);
	for (size_t i = 0; i < run.nblocks; i++)
		blocks_append(w, &run.blocks[i]);
	free(run.blocks);
	free(run.owned);
	w->evicted += left_out; /* the oldest block's records before the start */
	w->ohead += w->block_events;
	return make_room(w, 0);
}

/* --- pushing and evicting ---------------------------------------------------------- */

static int evict_by_time(struct dial9_window *w)
{
	uint64_t cutoff = window_cutoff(w);
	int err;

	while (w->nblocks && block_at(w, 0)->last_ts < cutoff) {
		w->evicted += block_at(w, 0)->count;
		blocks_pop_front(w);
	}
	if (w->unsorted_min < cutoff) {
		err = open_sort(w);
		if (err)
			return err;
	}
	while (w->ohead < w->osorted && w->open[w->ohead].ts_ns < cutoff) {
		w->ohead++;
		w->evicted++;
	}
	if (w->ohead == w->on)
		w->ohead = w->osorted = w->on = 0;
	return 0;
}

/* Room for one more open record. */
static int open_reserve(struct dial9_window *w)
{
	size_t ncap;
	int err;

	if (w->on < w->ocap)
		return 0;
	if (w->ohead && (w->ohead >= w->ocap / 4 || w->ocap >= w->open_max)) {
		open_compact(w);
		return 0;
	}
	if (w->ocap >= w->open_max)
		return -ENOBUFS;
	ncap = w->ocap ? w->ocap * 2 : OPEN_FIRST_CHUNK;
	if (ncap > w->open_max)
		ncap = w->open_max;
	err = make_room(w, (ncap - w->ocap) * REC);
	return err ? err : open_resize(w, ncap);
}

int dial9_window__push(struct dial9_window *w, const struct dial9_event *e)
{
	uint64_t cutoff;
	int err;

	if (!w || !e || e->kind >= DIAL9_EV_KIND_MAX)
		return -EINVAL;
	w->pushed++;
	if (e->ts_ns > w->horizon)
		w->horizon = e->ts_ns;
	cutoff = window_cutoff(w);
	err = evict_by_time(w);
	if (!err && e->ts_ns < cutoff) {
		/* arrived after it had already left the window */
		w->evicted++;
		return 0;
	}
	if (!err)
		err = open_reserve(w);
	if (err) {
		w->dropped++;
		return err;
	}
	if (w->osorted == w->on && (w->ohead == w->on || w->open[w->on - 1].ts_ns <= e->ts_ns))
		w->osorted++; /* in order: the sorted part grows */
	else if (e->ts_ns < w->unsorted_min)
		w->unsorted_min = e->ts_ns;
	w->open[w->on++] = *e;
	if (e->ts_ns > w->newest)
		w->newest = e->ts_ns;
	return open_held(w) >= w->seal_at ? seal(w) : 0;
}

void dial9_window__expire(struct dial9_window *w, uint64_t now_ns)
{
	size_t held;

	if (!w)
		return;
	if (now_ns > w->horizon)
		w->horizon = now_ns;
	evict_by_time(w); /* on failure, again at the next push or expire */
	/* give memory back once the open block has emptied, or mostly drained
	 * with nothing sealed (after a seal it holds only the reserve) */
	held = open_held(w);
	if (!held && w->ocap)
		open_resize(w, 0);
	else if (!w->nblocks && w->ocap > OPEN_FIRST_CHUNK && held <= w->ocap / 4)
		open_resize(w, w->ocap / 2 > OPEN_FIRST_CHUNK ? w->ocap / 2 : OPEN_FIRST_CHUNK);
}

/* --- reading ------------------------------------------------------------------------- */

/* The open block's held records, sorted, in a malloc'd copy (*n of them). */
static int open_sorted_copy(const struct dial9_window *w, struct dial9_event **out, size_t *n)
{
	size_t held = open_held(w), mid = w->osorted - w->ohead;
	struct dial9_event *c;
	int err;

	*out = NULL;
	*n = 0;
	if (!held)
		return 0;
	c = malloc(held * REC);
	if (!c)
		return -ENOMEM;
	memcpy(c, w->open + w->ohead, held * REC);
	err = dial9_events__sort(c + mid, held - mid);
	if (!err)
		err = dial9_events__merge(c, mid, held);
	if (err) {
		free(c);
		return err;
	}
	*out = c;
	*n = held;
	return 0;
}

int dial9_window__snapshot_blocks(const struct dial9_window *w, struct dial9_window_snapshot *s)
{
	uint64_t cutoff, left_out;
	struct dial9_event *open = NULL;
	size_t nopen, k, lent_from = 0;
	int err;

	if (!w || !s)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	cutoff = window_cutoff(w);
	err = open_sorted_copy(w, &open, &nopen);
	if (err)
		return err;
	/* blocks [k, nblocks) are merged with the open records (late ones among
	 * them); before k, only the oldest is coded again when the start cuts it */
	k = nopen ? first_block_after(w, open[0].ts_ns) : w->nblocks;
	if (k && block_at(w, 0)->first_ts < cutoff) {
		err = code_run(w, 0, 1, cutoff, NULL, 0, DIAL9_EVENT_BLOCK_MAX, s, &left_out);
		lent_from = 1;
	}
	for (size_t i = lent_from; !err && i < k; i++)
		err = snapshot_add(s, block_at(w, i), false);
	if (!err)
		err = code_run(w, k, w->nblocks, cutoff, open, nopen, DIAL9_EVENT_BLOCK_MAX, s,
			       &left_out);
	free(open);
	if (err)
		dial9_window_snapshot__free(s);
	return err;
}

int dial9_window__snapshot(const struct dial9_window *w, struct dial9_event **out,
			   uint64_t *count)
{
	struct dial9_window_snapshot s;
	struct dial9_event *a = NULL;
	uint64_t at = 0;
	int err;

	if (!w || !out || !count)
		return -EINVAL;
	*out = NULL;
	*count = 0;
	err = dial9_window__snapshot_blocks(w, &s);
	if (err)
		return err;
	if (s.nevents) {
		a = malloc(s.nevents * REC);
		err = a ? 0 : -ENOMEM;
	}
	for (size_t i = 0; !err && i < s.nblocks; i++) {
		err = dial9_event_block__decode(&s.blocks[i], a + at);
		at += s.blocks[i].count;
	}
	if (err) {
		free(a);
	} else {
		*out = a;
		*count = s.nevents;
	}
	dial9_window_snapshot__free(&s);
	return err;
}

void dial9_window__stats(const struct dial9_window *w, struct dial9_window_stats *st)
{
	uint64_t older = 0, oldest = UINT64_MAX;

	memset(st, 0, sizeof(*st));
	if (!w)
		return;
	if (w->nblocks) /* on failure (no memory) the oldest block counts whole */
		count_older(block_at(w, 0), window_cutoff(w), &older, &oldest);
	if (w->ohead < w->osorted && w->open[w->ohead].ts_ns < oldest)
		oldest = w->open[w->ohead].ts_ns;
	if (w->unsorted_min < oldest)
		oldest = w->unsorted_min;
	st->pushed = w->pushed;
	st->evicted = w->evicted + older;
	st->dropped = w->dropped;
	st->sealed = w->sealed_events - older;
	st->count = st->sealed + open_held(w);
	st->bytes = bytes_held(w);
	st->sealed_bytes = w->sealed_bytes;
	if (!st->count)
		return;
	st->newest_ns = w->newest;
	st->oldest_ns = oldest;
}

uint64_t dial9_window__dropped(const struct dial9_window *w)
{
	return w ? w->dropped : 0;
}

uint64_t dial9_window__bytes(const struct dial9_window *w)
{
	return w ? bytes_held(w) : 0;
}
