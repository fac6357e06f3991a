// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* test_window.c - the rolling window: time and byte bounds, ordering, memory. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

/* 32 KiB budget = 1024 records; everything is inside the span, so what the
 * budget pushes out is loss (dropped), not eviction. */
static void test_byte_bound_drops(void **state)
{
	struct dial9_window *w = dial9_window__new(3600 * SEC, 32 * 1024);
	struct dial9_window_stats st;
	struct dial9_event *out;
	uint64_t n;

	assert_non_null(w);
	for (uint64_t i = 0; i < 1500; i++)
		push(w, 1000 + i, i);
	dial9_window__stats(w, &st);
	assert_int_equal(st.count, 1024);
	assert_int_equal(st.dropped, 1500 - 1024);
	assert_int_equal(st.evicted, 0);
	assert_true(st.bytes <= 32 * 1024);
	assert_int_equal(st.oldest_ns, 1000 + 476);
	assert_int_equal(dial9_window__snapshot(w, &out, &n), 0);
	assert_int_equal(n, 1024);
	for (uint64_t i = 0; i < n; i++)
		assert_int_equal(out[i].task_id, 476 + i);
	free(out);
	assert_accounting(w);
	dial9_window__free(w);
}

static void test_exactly_full(void **state)
{
	struct dial9_window *w = dial9_window__new(3600 * SEC, 64 * 1024);
	struct dial9_window_stats st;
	uint64_t cap = 64 * 1024 / REC;

	assert_non_null(w);
	for (uint64_t i = 0; i < cap; i++)
		push(w, i, i);
	dial9_window__stats(w, &st);
	assert_int_equal(st.count, cap);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.bytes, 64 * 1024);
	push(w, cap, cap);
	dial9_window__stats(w, &st);
	assert_int_equal(st.count, cap);
	assert_int_equal(st.dropped, 1);
	assert_int_equal(st.oldest_ns, 1);
	assert_int_equal(st.bytes, 64 * 1024);
	dial9_window__free(w);
}

/* Wrap around many times under the byte bound. */
static void test_wrap_around_byte_bound(void **state)
{
	struct dial9_window *w = dial9_window__new(3600 * SEC, 32 * 1024);
	struct dial9_event *out;
	uint64_t n, total = 1024 * 50 + 37;

	assert_non_null(w);
	for (uint64_t i = 0; i < total; i++)
		push(w, i, i);
	assert_int_equal(dial9_window__snapshot(w, &out, &n), 0);
	assert_int_equal(n, 1024);
	for (uint64_t i = 0; i < n; i++) {
		struct dial9_event want = ev(total - 1024 + i, total - 1024 + i);

		assert_memory_equal(&out[i], &want, sizeof(want));
	}
	free(out);
	assert_accounting(w);
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

/* Memory grows in chunks with use, never past the budget, and shrinks when
 * the window drains. */
static void test_bytes_grow_within_budget(void **state)
{
	const uint64_t budget = (1 << 20) + 100; /* not a multiple of 32 */
	struct dial9_window *w = dial9_window__new(3600 * SEC, budget);
	struct dial9_window_stats st;
	uint64_t prev = 0, grew = 0;

	assert_non_null(w);
	push(w, 1, 0);
	dial9_window__stats(w, &st);
	assert_true(st.bytes > 0);
	assert_true(st.bytes <= 16 * 1024);
	for (uint64_t i = 1; i < 3 * budget / REC; i++) {
		push(w, 1 + i, i);
		if ((i & 1023) == 0) {
			dial9_window__stats(w, &st);
			assert_true(st.bytes >= prev);
			assert_true(st.bytes <= budget);
			assert_true(st.bytes >= st.count * REC);
			grew += st.bytes > prev;
			prev = st.bytes;
		}
	}
	dial9_window__stats(w, &st);
	assert_true(grew >= 5); /* several chunk steps, not one big allocation */
	assert_int_equal(st.bytes, budget / REC * REC);
	assert_int_equal(st.count, budget / REC);
	assert_true(st.dropped > 0);
	dial9_window__free(w);

	/* a burst, then the window drains: expire() hands memory back */

	w = dial9_window__new(10, budget);
	assert_non_null(w);
	for (uint64_t i = 0; i < 30000; i++) /* 30000 records at ts 0: all in span */
		push(w, 0, i);
	dial9_window__stats(w, &st);
	prev = st.bytes;
	assert_true(prev >= 30000 * REC);
	push(w, 100, 1);
	for (int k = 0; k < 20; k++)
		dial9_window__expire(w, 100);
	dial9_window__stats(w, &st);
	assert_int_equal(st.count, 1);
	assert_true(st.bytes < prev / 8);
	assert_true(st.bytes >= REC);
	dial9_window__free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_rejects_bad_args),
		cmocka_unit_test(test_empty_snapshot),
		cmocka_unit_test(test_wrap_around_time_bound),
		cmocka_unit_test(test_time_bound_edges),
		cmocka_unit_test(test_byte_bound_drops),
		cmocka_unit_test(test_exactly_full),
		cmocka_unit_test(test_wrap_around_byte_bound),
		cmocka_unit_test(test_out_of_order_cpus),
		cmocka_unit_test(test_small_jitter_and_random_order),
		cmocka_unit_test(test_expire_idle),
		cmocka_unit_test(test_bytes_grow_within_budget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
