// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* test_window.c - the rolling window: time and byte bounds, eviction order,
 * counts, ordering across compressed blocks, dumps of it, memory. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dump.h"
#include "window.h"

#define MS 1000000ull
#define SEC 1000000000ull
#define REC ((uint64_t)sizeof(struct dial9_event))

static struct dial9_event ev(uint64_t ts, uint64_t id)
{
	struct dial9_event e = {
		.ts_ns = ts,
		.task_id = id,
		.arg = id * 3 + 1,
		.tid = (uint32_t)(1000 + id % 7),
		.kind = DIAL9_EV_POLL_START,
		.flags = (uint8_t)(id & 1),
		.aux = (uint16_t)(id % 65536),
	};
	return e;
}

static void push(struct dial9_window *w, uint64_t ts, uint64_t id)
{
	struct dial9_event e = ev(ts, id);

	assert_int_equal(dial9_window__push(w, &e), 0);
}

static void assert_accounting(const struct dial9_window *w)
{
	struct dial9_window_stats st;

	dial9_window__stats(w, &st);
	assert_int_equal(st.pushed, st.count + st.evicted + st.dropped);
}

static void test_new_rejects_bad_args(void **state)
{
	errno = 0;
	assert_null(dial9_window__new(0, 1 << 20));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(dial9_window__new(SEC, 32 * 1024 - 1));
	assert_int_equal(errno, EINVAL);
	dial9_window__free(NULL);
	assert_int_equal(dial9_window__push(NULL, NULL), -EINVAL);
}

static void test_empty_snapshot(void **state)
{
	struct dial9_window *w = dial9_window__new(SEC, 1 << 20);
	struct dial9_window_stats st;
	struct dial9_event *out = (void *)1;
	uint64_t n = 99;

	assert_non_null(w);
	assert_int_equal(dial9_window__snapshot(w, &out, &n), 0);
	assert_int_equal(n, 0);
	assert_null(out);
	dial9_window__stats(w, &st);
	assert_int_equal(st.count, 0);
	assert_int_equal(st.pushed, 0);
	assert_int_equal(st.bytes, 0); /* an idle process costs no event memory */
	assert_int_equal(st.oldest_ns, 0);
	assert_int_equal(st.newest_ns, 0);
	dial9_window__free(w);
}

/* The ring wraps around many times under the time bound; the snapshot is
 * exactly the events inside [newest - span, newest], in order, intact. */
static void test_wrap_around_time_bound(void **state)
{
	struct dial9_window *w = dial9_window__new(1000, 1 << 20);
	struct dial9_window_stats st;
	struct dial9_event *out;
	uint64_t n, total = 100000;

	assert_non_null(w);
	for (uint64_t i = 0; i < total; i++)
		push(w, 5000 + i * 10, i);
	dial9_window__stats(w, &st);
	/* newest ts = 5000 + 999990; held: ts >= newest - 1000 -> 101 events */
	assert_int_equal(st.count, 101);
	assert_int_equal(st.pushed, total);
	assert_int_equal(st.evicted, total - 101);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.newest_ns, 5000 + (total - 1) * 10);
	assert_int_equal(st.oldest_ns, 5000 + (total - 101) * 10);
	assert_int_equal(dial9_window__snapshot(w, &out, &n), 0);
	assert_int_equal(n, 101);
	for (uint64_t i = 0; i < n; i++) {
		struct dial9_event want = ev(5000 + (total - 101 + i) * 10, total - 101 + i);

		assert_memory_equal(&out[i], &want, sizeof(want));
	}
	free(out);
	dial9_window__free(w);
}

static void test_time_bound_edges(void **state)
{
	struct dial9_window *w = dial9_window__new(SEC, 1 << 20);
	struct dial9_window_stats st;
	struct dial9_event *out;
	uint64_t n;

	assert_non_null(w);
	push(w, 10 * SEC, 1);
	push(w, 10 * SEC + 500 * MS, 2);
	push(w, 11 * SEC, 3);
	push(w, 11 * SEC + 500 * MS, 4); /* cutoff 10.5 s: event 1 goes, 2 (== cutoff) stays */
	dial9_window__stats(w, &st);
	assert_int_equal(st.count, 3);
	assert_int_equal(st.evicted, 1);
	assert_int_equal(st.oldest_ns, 10 * SEC + 500 * MS);
	push(w, 13 * SEC, 5); /* cutoff 12 s: only 5 stays */
	dial9_window__stats(w, &st);
	assert_int_equal(st.count, 1);
	assert_int_equal(st.evicted, 4);
	assert_int_equal(st.oldest_ns, 13 * SEC);
	assert_int_equal(st.newest_ns, 13 * SEC);
	/* a late arrival already older than the window is not kept */
	push(w, 11 * SEC, 6);
	dial9_window__stats(w, &st);
	assert_int_equal(st.count, 1);
	assert_int_equal(st.evicted, 5);
	assert_int_equal(st.pushed, 6);
	assert_int_equal(dial9_window__snapshot(w, &out, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].task_id, 5);
	free(out);
	dial9_window__free(w);
}

struct ref {
	struct dial9_event e;
	uint64_t seq; /* arrival order */
};

static int ref_cmp(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;

	if (x->e.ts_ns != y->e.ts_ns)
		return x->e.ts_ns < y->e.ts_ns ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Push `arrivals` in order; the snapshot must equal a stable sort by ts. */
static void check_sorted_snapshot(struct dial9_event *arrivals, uint64_t n)
{
	struct dial9_window *w = dial9_window__new(3600 * SEC, n * REC + 32 * 1024);
	struct ref *ref = calloc(n, sizeof(*ref));
	struct dial9_window_stats st;
	struct dial9_event *out;
	uint64_t got, min = UINT64_MAX;

	assert_non_null(w);
	assert_non_null(ref);
	for (uint64_t i = 0; i < n; i++) {
		assert_int_equal(dial9_window__push(w, &arrivals[i]), 0);
		ref[i].e = arrivals[i];
		ref[i].seq = i;
		if (arrivals[i].ts_ns < min)
			min = arrivals[i].ts_ns;
	}
	qsort(ref, n, sizeof(*ref), ref_cmp);
	assert_int_equal(dial9_window__snapshot(w, &out, &got), 0);
	assert_int_equal(got, n);
	for (uint64_t i = 0; i < n; i++)
		assert_memory_equal(&out[i], &ref[i].e, sizeof(out[i]));
	dial9_window__stats(w, &st);
	assert_int_equal(st.oldest_ns, min);
	assert_int_equal(st.dropped, 0);
	/* the snapshot leaves the window as it was */
	free(out);
	assert_int_equal(dial9_window__snapshot(w, &out, &got), 0);
	assert_int_equal(got, n);
	free(out);
	free(ref);
	dial9_window__free(w);
}

/* Four "CPUs" each produce ordered events; the daemon drains them in batches
 * of varying size, so arrivals are out of order across CPUs.  Timestamps
 * collide on purpose to check stability. */
static void test_out_of_order_cpus(void **state)
{
	const uint64_t n = 40000;
	struct dial9_event *arr = calloc(n, sizeof(*arr));
	uint64_t next_ts[4] = { 100, 101, 100, 103 }, done = 0;

	assert_non_null(arr);
	srand(9);
	while (done < n) {
		int cpu = rand() % 4;
		uint64_t batch = 1 + (uint64_t)(rand() % 50);

		for (uint64_t k = 0; k < batch && done < n; k++) {
			arr[done] = ev(next_ts[cpu], done);
			arr[done].tid = (uint32_t)cpu;
			next_ts[cpu] += (uint64_t)(rand() % 4) * 2; /* 0 repeats a ts */
			done++;
		}
	}
	check_sorted_snapshot(arr, n);
	free(arr);
}

static void test_small_jitter_and_random_order(void **state)
{
	const uint64_t n = 20000;
	struct dial9_event *arr = calloc(n, sizeof(*arr));

	assert_non_null(arr);
	srand(42);
	for (uint64_t i = 0; i < n; i++) /* nearly sorted: +-3 jitter */
		arr[i] = ev(1000 + i * 2 + (uint64_t)(rand() % 7), i);
	check_sorted_snapshot(arr, n);
	for (uint64_t i = 0; i < n; i++) /* no order at all, many ties */
		arr[i] = ev(1 + (uint64_t)(rand() % 5000), i);
	check_sorted_snapshot(arr, n);
	for (uint64_t i = 0; i < n; i++) /* strictly descending */
		arr[i] = ev(10 * SEC - i, i);
	check_sorted_snapshot(arr, n);
	free(arr);
}

/* expire() slides an idle window and gives its memory back. */
static void test_expire_idle(void **state)
{
	struct dial9_window *w = dial9_window__new(SEC, 1 << 20);
	struct dial9_window_stats st;
	struct dial9_event *out;
	uint64_t n;

	assert_non_null(w);
	for (uint64_t i = 0; i < 100; i++)
		push(w, 5 * SEC + i * 10 * MS, i); /* 5.00 .. 5.99 s */
	dial9_window__expire(w, 6 * SEC + 495 * MS); /* cutoff 5.495 s */
	dial9_window__stats(w, &st);
	assert_int_equal(st.count, 50);
	assert_int_equal(st.evicted, 50);
	assert_int_equal(st.oldest_ns, 5 * SEC + 500 * MS);
	assert_int_equal(dial9_window__snapshot(w, &out, &n), 0);
	assert_int_equal(n, 50);
	assert_int_equal(out[0].task_id, 50);
	free(out);
	/* an expire time older than the newest event changes nothing */
	dial9_window__expire(w, 1 * SEC);
	dial9_window__stats(w, &st);
	assert_int_equal(st.count, 50);
	dial9_window__expire(w, 60 * SEC);
	dial9_window__stats(w, &st);
	assert_int_equal(st.count, 0);
	assert_int_equal(st.evicted, 100);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.bytes, 0);
	assert_int_equal(st.oldest_ns, 0);
	assert_int_equal(st.newest_ns, 0);
	/* an event from before the last expire horizon is not kept */
	push(w, 58 * SEC, 500);
	dial9_window__stats(w, &st);
	assert_int_equal(st.count, 0);
	assert_int_equal(st.evicted, 101);
	push(w, 60 * SEC, 501);
	dial9_window__stats(w, &st);
	assert_int_equal(st.count, 1);
	assert_int_equal(st.newest_ns, 60 * SEC);
	assert_accounting(w);
	dial9_window__free(w);
}

/* A snapshot's blocks: each within the format's bounds, in order across
 * blocks, adding up to the events held. */
static void assert_blocks_sorted(const struct dial9_window_snapshot *s, uint64_t count)
{
	uint64_t total = 0;

	for (size_t i = 0; i < s->nblocks; i++) {
		assert_in_range(s->blocks[i].count, 1, DIAL9_EVENT_BLOCK_MAX);
		assert_true(s->blocks[i].first_ts <= s->blocks[i].last_ts);
		if (i)
			assert_true(s->blocks[i - 1].last_ts <= s->blocks[i].first_ts);
		total += s->blocks[i].count;
	}
	assert_int_equal(total, s->nevents);
	assert_int_equal(total, count);
}

/* The window holds exactly want[0..n), in that order. */
static void assert_holds(const struct dial9_window *w, const struct dial9_event *want, uint64_t n)
{
	struct dial9_window_snapshot s;
	struct dial9_event *out;
	uint64_t got;

	assert_int_equal(dial9_window__snapshot_blocks(w, &s), 0);
	assert_blocks_sorted(&s, n);
	dial9_window_snapshot__free(&s);
	assert_int_equal(dial9_window__snapshot(w, &out, &got), 0);
	assert_int_equal(got, n);
	for (uint64_t i = 0; i < n; i++)
		assert_memory_equal(&out[i], &want[i], sizeof(want[i]));
	free(out);
}

/* 1 MiB: blocks of 1024 records; a 1 s span at 50k events/s holds ~49 of
 * them.  At every step the counts are exact, the window's start cutting
 * a block in the middle included, and the blocks before the newest are the
 * window's own (lent to a snapshot, not coded again). */
static void test_time_bound_across_blocks(void **state)
{
	const uint64_t total = 200000, step = 20000; /* 20 µs apart */
	struct dial9_window *w = dial9_window__new(SEC, 1 << 20);
	struct dial9_event *all = calloc(total, sizeof(*all));
	struct dial9_window_stats st;
	uint64_t straddled = 0;

	assert_non_null(w);
	assert_non_null(all);
	assert_int_equal(dial9_window__block_events(1 << 20), 1024);
	for (uint64_t i = 0; i < total; i++) {
		all[i] = ev(SEC + i * step, i);
		assert_int_equal(dial9_window__push(w, &all[i]), 0);
		if (i % 7919 == 7918 || i == total - 1) {
			uint64_t cutoff = i * step; /* newest - span */
			uint64_t first = cutoff > SEC ? (cutoff - SEC + step - 1) / step : 0;
			struct dial9_window_snapshot s;

			dial9_window__stats(w, &st);
			assert_int_equal(st.count, i + 1 - first);
			assert_int_equal(st.evicted, first);
			assert_int_equal(st.dropped, 0);
			assert_int_equal(st.oldest_ns, all[first].ts_ns);
			assert_int_equal(st.newest_ns, all[i].ts_ns);
			if (i > 60000)
				assert_true(st.sealed > 40 * 1024);
			assert_true(st.bytes <= 1 << 20);
			straddled += st.sealed % 1024 != 0;
			assert_int_equal(dial9_window__snapshot_blocks(w, &s), 0);
			assert_blocks_sorted(&s, st.count);
			assert_true(s.nblocks > (i > 60000 ? 40 : 5));
			for (size_t b = 1; b + 1 < s.nblocks; b++)
				assert_false(s.owned[b]);
			dial9_window_snapshot__free(&s);
			if (i == total - 1)
				assert_holds(w, &all[first], i + 1 - first);
		}
	}
	assert_true(straddled > 0); /* the start fell inside a block */
	free(all);
	dial9_window__free(w);
}

/* 64 KiB, nothing older than the span: the budget drops the oldest records
 * first, counts each, never holds more bytes than it may, and holds
 * several times more records than 64 KiB of raw ones. */
static void test_byte_budget_drops_oldest_first(void **state)
{
	const uint64_t total = 60000, budget = 64 * 1024;
	struct dial9_window *w = dial9_window__new(3600 * SEC, budget);
	struct dial9_event *all = calloc(total, sizeof(*all));
	struct dial9_window_stats st;

	assert_non_null(w);
	assert_non_null(all);
	for (uint64_t i = 0; i < total; i++) {
		all[i] = ev(1000 + i * 3, i);
		assert_int_equal(dial9_window__push(w, &all[i]), 0);
		if (i % 101 == 0) {
			dial9_window__stats(w, &st);
			assert_true(st.bytes <= budget);
			assert_int_equal(st.pushed, st.count + st.dropped);
		}
	}
	dial9_window__stats(w, &st);
	assert_int_equal(st.evicted, 0);
	assert_int_equal(st.pushed, total);
	assert_int_equal(st.dropped, total - st.count);
	assert_int_equal(dial9_window__dropped(w), st.dropped);
	assert_int_equal(dial9_window__bytes(w), st.bytes);
	/* blocks of 64 records here: 3.6 times as many as raw records */
	assert_true(st.count > 3 * budget / REC);
	assert_true(st.bytes <= budget);
	assert_int_equal(st.oldest_ns, all[total - st.count].ts_ns);
	assert_holds(w, &all[total - st.count], st.count);
	dial9_window__free(w);
	free(all);
}

/* Out of order under the budget: every record held is newer than every
 * record dropped, and the counts add up. */
static void test_byte_budget_with_late_records(void **state)
{
	const uint64_t total = 60000, budget = 64 * 1024;
	struct dial9_window *w = dial9_window__new(3600 * SEC, budget);
	struct dial9_window_stats st;
	struct dial9_event *out, *all = calloc(total, sizeof(*all));
	uint64_t n, newer = 0;

	assert_non_null(w);
	assert_non_null(all);
	srand(5);
	for (uint64_t i = 0; i < total; i++) { /* unique ts; one in 50 up to 3000 records late */
		uint64_t late = rand() % 50 == 0 ? (uint64_t)(rand() % 3000) : 0;

		all[i] = ev(1000000 + (i + 3000 - late) * 65536 + i, i);
		assert_int_equal(dial9_window__push(w, &all[i]), 0);
	}
	dial9_window__stats(w, &st);
	assert_true(st.bytes <= budget);
	assert_true(st.dropped > 0);
	assert_int_equal(st.pushed, st.count + st.dropped + st.evicted);
	assert_int_equal(dial9_window__snapshot(w, &out, &n), 0);
	assert_int_equal(n, st.count);
	for (uint64_t i = 1; i < n; i++)
		assert_true(out[i - 1].ts_ns < out[i].ts_ns);
	assert_int_equal(st.oldest_ns, out[0].ts_ns);
	for (uint64_t i = 0; i < total; i++)
		newer += all[i].ts_ns >= out[0].ts_ns;
	assert_int_equal(newer, n); /* nothing at or after the oldest held is gone */
	free(out);
	free(all);
	dial9_window__free(w);
}

/* Rare records far behind the others (a long poll's start recorded at its
 * end, a record the daemon makes): merged into the sealed blocks they fall
 * among, several blocks back; the snapshot stays a stable sort. */
static void test_very_late_records_across_blocks(void **state)
{
	const uint64_t n = 60000;
	struct dial9_event *arr = calloc(n, sizeof(*arr));

	assert_non_null(arr);
	srand(77);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t late = rand() % 400 == 0 ? 5000 + (uint64_t)(rand() % 20000) : 0;

		arr[i] = ev(100000 + (i > late ? i - late : 0) * 4, i);
	}
	check_sorted_snapshot(arr, n);
	free(arr);
}

/* A dump of a window whose start cuts a block and whose open block holds
 * late records: it reads back as the window's events, sorted, the blocks
 * the window lent are in the file byte for byte, and writing it from the
 * blocks gives the very bytes of coding it in memory. */
static void test_dump_of_window_across_blocks(void **state)
{
	struct dial9_window *w = dial9_window__new(SEC, 1 << 20);
	struct dial9_window_snapshot s;
	struct dial9_dump d, *back = NULL;
	struct dial9_event *want;
	struct dial9_dump_thread thread = { .tid = 1000, .role = 1, .name = "tokio-rt-worker" };
	uint64_t nwant, lent = 0, newest = 0, size;
	uint8_t *buf, *streamed;
	size_t len;
	int fd;
	char err[256];

	assert_non_null(w);
	for (uint64_t i = 0; i < 120000; i++) {
		struct dial9_event e = ev(5 * SEC + i * 25000, i);

		e.kind = DIAL9_EV_WAKE; /* no string ids: the dump has no strings */
		if (i % 1000 == 999)
			e.ts_ns -= 1500 * 25000; /* late by 1500 records: behind the seal */
		if (e.ts_ns > newest)
			newest = e.ts_ns;
		assert_int_equal(dial9_window__push(w, &e), 0);
	}
	assert_int_equal(dial9_window__snapshot(w, &want, &nwant), 0);
	assert_int_equal(dial9_window__snapshot_blocks(w, &s), 0);
	assert_true(s.owned[0]); /* the start cut it: coded again */
	memset(&d, 0, sizeof(d));
	dial9_strtab__init(&d.strings);
	d.meta.pid = 1;
	d.threads = &thread;
	d.nthreads = 1;
	d.threads_known = true;
	d.blocks = s.blocks;
	d.nblocks = (uint32_t)s.nblocks;
	d.nevents = s.nevents;
	assert_int_equal(dial9_dump__encode(&d, &buf, &len), 0);
	assert_int_equal(dial9_dump__size(&d, &size), 0);
	assert_int_equal(size, len);
	/* written from the blocks where they are: the same bytes, checksum too */
	fd = memfd_create("dump", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(dial9_dump__write_fd(&d, fd), 0);
	streamed = malloc(len + 1);
	assert_non_null(streamed);
	assert_int_equal(pread(fd, streamed, len + 1, 0), (ssize_t)len);
	assert_memory_equal(streamed, buf, len);
	free(streamed);
	close(fd);
	for (size_t i = 0; i < s.nblocks; i++) {
		if (s.owned[i])
			continue;
		assert_non_null(memmem(buf, len, s.blocks[i].data, s.blocks[i].clen));
		lent++;
	}
	assert_true(lent > 30);
	assert_int_equal(dial9_dump__read_mem(buf, len, &back, err, sizeof(err)), 0);
	assert_int_equal(back->nthreads, 1);
	assert_string_equal(back->threads[0].name, "tokio-rt-worker");
	assert_int_equal(back->nevents, nwant);
	assert_memory_equal(back->events, want, nwant * REC);
	for (uint64_t i = 1; i < back->nevents; i++)
		assert_true(back->events[i - 1].ts_ns <= back->events[i].ts_ns);
	assert_true(back->events[0].ts_ns >= newest - SEC);
	assert_true(back->events[0].ts_ns < newest - SEC + 25000);
	dial9_dump__free(back);
	free(buf);
	free(want);
	dial9_window_snapshot__free(&s);
	dial9_window__free(w);
}

static void assert_same_stats(const struct dial9_window *a, const struct dial9_window *b)
{
	struct dial9_window_stats sa, sb;

	dial9_window__stats(a, &sa);
	dial9_window__stats(b, &sb);
	assert_memory_equal(&sa, &sb, sizeof(sa));
}

/* Snapshots taken while recording goes on change nothing: a twin window fed
 * the same records without them ends in the same state, and each snapshot
 * is what the window held then. */
static void test_snapshot_while_recording(void **state)
{
	struct dial9_window *a = dial9_window__new(SEC, 256 * 1024);
	struct dial9_window *b = dial9_window__new(SEC, 256 * 1024);
	struct dial9_event *sa, *sb;
	uint64_t na, nb;

	assert_non_null(a);
	assert_non_null(b);
	srand(3);
	for (uint64_t i = 0; i < 150000; i++) {
		struct dial9_event e = ev(SEC + i * 10000 + (uint64_t)(rand() % 50000), i);

		assert_int_equal(dial9_window__push(a, &e), 0);
		assert_int_equal(dial9_window__push(b, &e), 0);
		if (i % 9973 == 0) {
			struct dial9_window_stats st;

			dial9_window__stats(a, &st);
			assert_int_equal(dial9_window__snapshot(a, &sa, &na), 0);
			assert_int_equal(na, st.count);
			if (na)
				assert_int_equal(sa[0].ts_ns, st.oldest_ns);
			free(sa);
			assert_same_stats(a, b);
		}
	}
	dial9_window__expire(a, 3 * SEC);
	dial9_window__expire(b, 3 * SEC);
	assert_same_stats(a, b);
	assert_int_equal(dial9_window__snapshot(a, &sa, &na), 0);
	assert_int_equal(dial9_window__snapshot(b, &sb, &nb), 0);
	assert_int_equal(na, nb);
	assert_memory_equal(sa, sb, na * REC);
	free(sa);
	free(sb);
	dial9_window__free(a);
	dial9_window__free(b);
}

/* Memory: none while idle, a small chunk at first, never past the budget,
 * all of it back once the window has drained. */
static void test_memory_follows_use(void **state)
{
	const uint64_t budget = (1 << 20) + 100; /* not a multiple of anything */
	struct dial9_window *w = dial9_window__new(SEC, budget);
	struct dial9_window_stats st;
	uint64_t peak = 0;

	assert_non_null(w);
	push(w, 1, 0);
	dial9_window__stats(w, &st);
	assert_true(st.bytes > 0);
	assert_true(st.bytes <= 16 * 1024);
	for (uint64_t i = 1; i < 300000; i++) {
		push(w, 1 + i, i); /* 1 ns apart: all inside the span */
		if ((i & 1023) == 0) {
			dial9_window__stats(w, &st);
			assert_true(st.bytes <= budget);
			if (st.bytes > peak)
				peak = st.bytes;
		}
	}
	dial9_window__stats(w, &st);
	assert_true(st.dropped > 0);
	assert_true(st.sealed_bytes > budget / 2);
	assert_true(st.sealed_bytes < st.bytes);
	assert_int_equal(st.pushed, st.count + st.dropped);
	dial9_window__expire(w, 10 * SEC);
	dial9_window__stats(w, &st);
	assert_int_equal(st.count, 0);
	assert_int_equal(st.bytes, 0);
	assert_int_equal(st.pushed, st.evicted + st.dropped);
	dial9_window__free(w);
}

/* A kind a dump cannot hold is refused before it is counted. */
static void test_unknown_kind_refused(void **state)
{
	struct dial9_window *w = dial9_window__new(SEC, 1 << 20);
	struct dial9_window_stats st;
	struct dial9_event e = ev(SEC, 1);

	assert_non_null(w);
	e.kind = DIAL9_EV_KIND_MAX;
	assert_int_equal(dial9_window__push(w, &e), -EINVAL);
	dial9_window__stats(w, &st);
	assert_int_equal(st.pushed, 0);
	assert_int_equal(st.count, 0);
	dial9_window__free(w);
}
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_rejects_bad_args),
		cmocka_unit_test(test_empty_snapshot),
		cmocka_unit_test(test_wrap_around_time_bound),
		cmocka_unit_test(test_time_bound_edges),
		cmocka_unit_test(test_out_of_order_cpus),
		cmocka_unit_test(test_small_jitter_and_random_order),
		cmocka_unit_test(test_expire_idle),
		cmocka_unit_test(test_time_bound_across_blocks),
		cmocka_unit_test(test_byte_budget_drops_oldest_first),
		cmocka_unit_test(test_byte_budget_with_late_records),
		cmocka_unit_test(test_very_late_records_across_blocks),
		cmocka_unit_test(test_dump_of_window_across_blocks),
		cmocka_unit_test(test_snapshot_while_recording),
		cmocka_unit_test(test_memory_follows_use),
		cmocka_unit_test(test_unknown_kind_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
