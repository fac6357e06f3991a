// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_proc_stats.c - a recorded process's live figures (daemon/proc_stats.c)
 * from synthetic records: counts, seconds, quantiles, the runnable queue,
 * what overflows and what is not observed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "proc_stats.h"

#define MS 1000000ULL
#define US 1000ULL
#define T0 (1000 * 1000 * MS) /* records' clock: 1000 s */

static struct proc_stats *new_stats(uint64_t threshold_ns, int mode)
{
	struct proc_stats *s = malloc(sizeof(*s));
	struct dial9_event e = { .ts_ns = T0, .kind = DIAL9_EV_MODE, .aux = (uint16_t)mode };

	assert_non_null(s);
	proc_stats__init(s, threshold_ns, T0);
	if (mode >= 0)
		proc_stats__on_event(s, &e);
	return s;
}

static void ev(struct proc_stats *s, uint8_t kind, uint64_t task, uint64_t ts, uint64_t arg,
	       uint16_t aux, uint8_t flags)
{
	struct dial9_event e = { .ts_ns = ts, .task_id = task, .arg = arg, .tid = 77,
				 .kind = kind, .flags = flags, .aux = aux };

	proc_stats__on_event(s, &e);
}

/* --- hooks: what a trigger sees ---------------------------------------- */

struct seen {
	int seconds;
	struct proc_second last;
	int longs;
	enum proc_long_kind kinds[8];
	struct proc_long l[8];
};

static void on_second(void *ctx, const struct proc_second *s)
{
	struct seen *seen = ctx;

	seen->seconds++;
	seen->last = *s;
}

static void on_long(void *ctx, enum proc_long_kind kind, const struct proc_long *l)
{
	struct seen *seen = ctx;

	assert_true(seen->longs < 8);
	seen->kinds[seen->longs] = kind;
	seen->l[seen->longs++] = *l;
}

static const struct proc_stats_hooks hooks = { on_second, on_long };

/* Every kind of record counted where it belongs, totals and the second;
 * long polls and stalls shown to the hook as they come. */
static void test_counts(void **state)
{
	struct proc_stats *s = new_stats(1 * MS, DIAL9_MODE_SAMPLED);
	const struct proc_second *last;
	const struct proc_totals *tot;
	struct seen seen = { 0 };

	proc_stats__set_hooks(s, &hooks, &seen);
	ev(s, DIAL9_EV_WAKE, 5, T0 + 1 * MS, 0, DIAL9_WAKER_IO_DRIVER, 0);
	ev(s, DIAL9_EV_WAKE, 6, T0 + 2 * MS, 0, DIAL9_WAKER_TASK, 0);
	ev(s, DIAL9_EV_POLL_START, 5, T0 + 3 * MS, 0, 0, 0);
	ev(s, DIAL9_EV_POLL_END, 5, T0 + 5 * MS, 2 * MS, 0, 0);                /* long */
	ev(s, DIAL9_EV_POLL_END, 6, T0 + 6 * MS, 1 * MS - 1, 0, 0);            /* just short */
	ev(s, DIAL9_EV_POLL_END, 6, T0 + 9 * MS, 3 * MS, 0, DIAL9_POLL_F_INFERRED); /* a bound */
	ev(s, DIAL9_EV_POLL_END, 7, T0 + 9 * MS, 7 * MS, 0, 0);                /* the longest */
	ev(s, DIAL9_EV_POLL_SUMMARY, 8, T0 + 10 * MS, 300 * US, 40, 0);
	ev(s, DIAL9_EV_STALL, 9, T0 + 40 * MS, 25 * MS, 3, 0);
	ev(s, DIAL9_EV_STALL, 0, T0 + 60 * MS, 12 * MS, 0, 0);
	ev(s, DIAL9_EV_LOST, 0, T0 + 61 * MS, 17, DIAL9_LOST_RINGBUF, 0);
	ev(s, DIAL9_EV_SPAWN, 10, T0 + 62 * MS, 0, 0, 0);   /* not a wake */
	ev(s, DIAL9_EV_PARK, 0, T0 + 63 * MS, 0, 0, 0);     /* nothing */

	/* seen as they came: the two long polls, then the two stalls */
	assert_int_equal(seen.longs, 4);
	assert_int_equal(seen.kinds[0], PROC_LONG_POLL);
	assert_int_equal(seen.l[0].ns, 2 * MS);
	assert_int_equal(seen.l[0].task_id, 5);
	assert_int_equal(seen.l[0].end_ns, T0 + 5 * MS);
	assert_int_equal(seen.l[0].tid, 77);
	assert_int_equal(seen.kinds[1], PROC_LONG_POLL);
	assert_int_equal(seen.l[1].task_id, 7);
	assert_int_equal(seen.kinds[2], PROC_LONG_STALL);
	assert_int_equal(seen.l[2].ns, 25 * MS);
	assert_int_equal(seen.l[2].task_id, 9);
	assert_int_equal(seen.kinds[3], PROC_LONG_STALL);
	assert_int_equal(seen.seconds, 0);

	proc_stats__end_second(s, T0 + 1000 * MS, 4);
	assert_int_equal(seen.seconds, 1);
	last = proc_stats__last_second(s);
	assert_int_equal(seen.last.end_ns, last->end_ns); /* the hook saw this second */
	assert_int_equal(seen.last.polls, last->polls);
	assert_int_equal(last->start_ns, T0);
	assert_int_equal(last->end_ns, T0 + 1000 * MS);
	assert_int_equal(last->polls, 4 + 40);
	assert_int_equal(last->polls_counted, 40);
	assert_int_equal(last->wakes, 2);
	assert_int_equal(last->long_polls, 2);
	assert_int_equal(last->stalls, 2);
	assert_int_equal(last->lost_ringbuf, 17);
	assert_int_equal(last->lost_window, 4);
	assert_int_equal(last->longest_poll.ns, 7 * MS);
	assert_int_equal(last->longest_poll.task_id, 7);
	assert_int_equal(last->longest_poll.end_ns, T0 + 9 * MS);
	assert_int_equal(last->longest_stall.ns, 25 * MS);
	assert_int_equal(last->longest_stall.task_id, 9);
	assert_int_equal(last->mode_ns[DIAL9_MODE_SAMPLED], 1000 * MS);

	tot = proc_stats__totals(s);
	assert_int_equal(tot->polls, 44);
	assert_int_equal(tot->polls_counted, 40);
	assert_int_equal(tot->wakes, 2);
	assert_int_equal(tot->long_polls, 2);
	assert_int_equal(tot->stalls, 2);
	assert_int_equal(tot->lost_ringbuf, 17);
	assert_int_equal(tot->mode_ns[DIAL9_MODE_SAMPLED], 1000 * MS);

	/* the next second starts from nothing; totals go on; window losses
	 * are per second */
	ev(s, DIAL9_EV_POLL_END, 5, T0 + 1100 * MS, 10 * US, 0, 0);
	proc_stats__end_second(s, T0 + 2000 * MS, 10);
	last = proc_stats__last_second(s);
	assert_int_equal(last->polls, 1);
	assert_int_equal(last->long_polls, 0);
	assert_int_equal(last->longest_poll.ns, 0);
	assert_int_equal(last->longest_stall.ns, 0);
	assert_int_equal(last->lost_window, 6);
	assert_int_equal(last->lost_ringbuf, 0);
	assert_int_equal(proc_stats__totals(s)->polls, 45);
	assert_int_equal(proc_stats__totals(s)->mode_ns[DIAL9_MODE_SAMPLED], 2000 * MS);
	free(s);
}

/* With --poll-threshold-us 0 (full recording), long means 1 ms. */
static void test_long_poll_threshold_when_full(void **state)
{
	struct proc_stats *s = new_stats(0, DIAL9_MODE_FULL);

	ev(s, DIAL9_EV_POLL_END, 1, T0 + 1 * MS, PROC_STATS_LONG_POLL_NS - 1, 0, 0);
	ev(s, DIAL9_EV_POLL_END, 1, T0 + 2 * MS, PROC_STATS_LONG_POLL_NS, 0, 0);
	assert_int_equal(proc_stats__totals(s)->polls, 2);
	assert_int_equal(proc_stats__totals(s)->long_polls, 1);
	free(s);
}

/* Each bucket's upper bound is in it, the next nanosecond in the next. */
static void test_latency_buckets(void **state)
{
	unsigned int b;

	assert_int_equal(proc_latency__bucket(0), 0);
	assert_int_equal(proc_latency__bucket(1000), 0);
	assert_int_equal(proc_latency__bucket(1001), 1);
	assert_int_equal(proc_latency__upper_ns(1), 1250);
	assert_int_equal(proc_latency__upper_ns(4), 2000);
	assert_int_equal(proc_latency__upper_ns(5), 2500);
	assert_int_equal(proc_latency__upper_ns(PROC_STATS_LAT_BUCKETS - 2), 4194304000ULL);
	for (b = 0; b + 1 < PROC_STATS_LAT_BUCKETS; b++) {
		uint64_t up = proc_latency__upper_ns(b);

		assert_int_equal(proc_latency__bucket(up), b);
		assert_int_equal(proc_latency__bucket(up + 1), b + 1);
		/* a quarter of an octave at most */
		if (b)
			assert_true(up * 4 <= proc_latency__upper_ns(b - 1) * 5);
	}
	assert_int_equal(proc_latency__bucket(UINT64_MAX), PROC_STATS_LAT_BUCKETS - 1);
	assert_true(proc_latency__upper_ns(PROC_STATS_LAT_BUCKETS - 1) == UINT64_MAX);
}

/* Wakes answered by polls: p50 and p99 are upper bounds within 25 %, the
 * max exact, the histogram summed. */
static void test_latency_quantiles(void **state)
{
	struct proc_stats *s = new_stats(0, DIAL9_MODE_FULL);
	const struct proc_second *last;
	const struct proc_totals *tot;
	uint64_t i, ts = T0, sum = 0;

	/* latencies 1..100 µs, then one of 40 ms */
	for (i = 1; i <= 100; i++) {
		ev(s, DIAL9_EV_WAKE, i, ts, 0, DIAL9_WAKER_TASK, 0);
		ev(s, DIAL9_EV_POLL_START, i, ts + i * US, 0, 0, 0);
		sum += i * US;
		ts += 200 * US;
	}
	ev(s, DIAL9_EV_WAKE, 500, ts, 0, DIAL9_WAKER_TIMER, 0);
	ev(s, DIAL9_EV_POLL_START, 500, ts + 40 * MS, 0, 0, 0);
	sum += 40 * MS;
	proc_stats__end_second(s, T0 + 1000 * MS, 0);

	last = proc_stats__last_second(s);
	assert_true(proc_second__observed(last));
	assert_true(last->exact);
	assert_int_equal(last->latency_samples, 101);
	/* the 51st smallest is 51 µs, the 100th 100 µs */
	assert_true(last->latency_p50_ns >= 51 * US && last->latency_p50_ns * 4 <= 51 * US * 5);
	assert_true(last->latency_p99_ns >= 100 * US && last->latency_p99_ns * 4 <= 100 * US * 5);
	assert_int_equal(last->latency_max_ns, 40 * MS);
	assert_int_equal(last->queue_depth_max, 1);

	tot = proc_stats__totals(s);
	assert_int_equal(tot->latency.count, 101);
	assert_int_equal(tot->latency.sum_ns, sum);
	assert_int_equal(tot->latency.max_ns, 40 * MS);
	assert_int_equal(tot->latency.buckets[proc_latency__bucket(40 * MS)], 1);

	/* a single sample: every quantile is it, not its bucket's bound */
	ev(s, DIAL9_EV_WAKE, 600, T0 + 1100 * MS, 0, DIAL9_WAKER_TASK, 0);
	ev(s, DIAL9_EV_POLL_START, 600, T0 + 1100 * MS + 3 * US, 0, 0, 0);
	proc_stats__end_second(s, T0 + 2000 * MS, 0);
	last = proc_stats__last_second(s);
	assert_int_equal(last->latency_samples, 1);
	assert_int_equal(last->latency_p50_ns, 3 * US);
	assert_int_equal(last->latency_p99_ns, 3 * US);
	free(s);
}

/* The runnable queue: a task counts once however often it is woken, until
 * polled, completed or counted as polled; a second starts from what waits. */
static void test_queue_depth(void **state)
{
	struct proc_stats *s = new_stats(0, DIAL9_MODE_FULL);
	struct proc_second cur;

	ev(s, DIAL9_EV_SPAWN, 1, T0 + 1 * US, 0, 0, 0);
	ev(s, DIAL9_EV_WAKE, 2, T0 + 2 * US, 0, DIAL9_WAKER_TASK, 0);
	ev(s, DIAL9_EV_WAKE, 3, T0 + 3 * US, 0, DIAL9_WAKER_TASK, 0);
	ev(s, DIAL9_EV_WAKE, 3, T0 + 4 * US, 0, DIAL9_WAKER_TASK, 0); /* again */
	assert_int_equal(proc_stats__queue_depth(s), 3);
	ev(s, DIAL9_EV_POLL_START, 3, T0 + 10 * US, 0, 0, 0); /* from its first wake */
	ev(s, DIAL9_EV_TERMINATE, 2, T0 + 11 * US, 0, 0, 0);
	assert_int_equal(proc_stats__queue_depth(s), 1);
	proc_stats__current_second(s, T0 + 500 * MS, 0, &cur);
	assert_int_equal(cur.queue_depth_max, 3);
	assert_int_equal(cur.latency_samples, 1);
	assert_int_equal(cur.latency_max_ns, 7 * US);
	assert_int_equal(cur.mode_ns[DIAL9_MODE_FULL], 500 * MS);

	proc_stats__end_second(s, T0 + 1000 * MS, 0);
	assert_int_equal(proc_stats__last_second(s)->queue_depth_max, 3);
	/* task 1 still waits: the new second's depth starts at 1 */
	proc_stats__end_second(s, T0 + 2000 * MS, 0);
	assert_int_equal(proc_stats__last_second(s)->queue_depth_max, 1);
	ev(s, DIAL9_EV_POLL_SUMMARY, 1, T0 + 2100 * MS, 10 * US, 1, 0);
	assert_int_equal(proc_stats__queue_depth(s), 0);
	proc_stats__end_second(s, T0 + 3000 * MS, 0);
	assert_int_equal(proc_stats__last_second(s)->queue_depth_max, 1); /* it waited at 2 s */
	assert_int_equal(proc_stats__last_second(s)->latency_samples, 0); /* counted, not a poll start */
	proc_stats__end_second(s, T0 + 3000 * MS + 1, 0);
	assert_int_equal(proc_stats__last_second(s)->queue_depth_max, 0);
	assert_true(proc_second__observed(proc_stats__last_second(s)));

	/* a poll whose start was not seen answers the wake before it began,
	 * not one during it */
	ev(s, DIAL9_EV_WAKE, 4, T0 + 3100 * MS, 0, DIAL9_WAKER_TASK, 0);
	ev(s, DIAL9_EV_POLL_END, 4, T0 + 3100 * MS + 900 * US, 500 * US, 0, 0);
	ev(s, DIAL9_EV_WAKE, 5, T0 + 3200 * MS, 0, DIAL9_WAKER_TASK, 0);
	ev(s, DIAL9_EV_POLL_END, 5, T0 + 3200 * MS + 100 * US, 500 * US, 0, 0);
	proc_stats__current_second(s, T0 + 3500 * MS, 0, &cur);
	assert_int_equal(cur.latency_samples, 1);
	assert_int_equal(cur.latency_max_ns, 400 * US);
	assert_int_equal(proc_stats__queue_depth(s), 1); /* task 5 */
	free(s);
}

/* More waiting tasks than the table holds: counted, the second marked
 * inexact; every task the table holds is found again (deletions keep the
 * probe chains). */
static void test_pending_overflow(void **state)
{
	struct proc_stats *s = new_stats(0, DIAL9_MODE_FULL);
	const struct proc_second *last;
	uint64_t i, n = PROC_STATS_PENDING_MAX + 10;

	for (i = 1; i <= n; i++)
		ev(s, DIAL9_EV_WAKE, i * 7919, T0 + i, 0, DIAL9_WAKER_TASK, 0);
	assert_int_equal(proc_stats__queue_depth(s), PROC_STATS_PENDING_MAX);
	assert_int_equal(proc_stats__totals(s)->wakes_untracked, 10);
	assert_int_equal(proc_stats__totals(s)->wakes, n);
	/* polled in another order than woken */
	for (i = n; i >= 1; i--)
		ev(s, DIAL9_EV_POLL_START, i * 7919, T0 + 10 * MS + i, 0, 0, 0);
	assert_int_equal(proc_stats__queue_depth(s), 0);
	proc_stats__end_second(s, T0 + 1000 * MS, 0);
	last = proc_stats__last_second(s);
	assert_false(last->exact);
	assert_int_equal(last->queue_depth_max, PROC_STATS_PENDING_MAX);
	assert_int_equal(last->latency_samples, PROC_STATS_PENDING_MAX);
	/* the next second has room again */
	proc_stats__end_second(s, T0 + 2000 * MS, 0);
	assert_true(proc_stats__last_second(s)->exact);
	free(s);
}

/* Sampled, off or not yet known: wakes and poll starts leave no latency and
 * no queue, and the second says it was not observed. */
static void test_unobserved(void **state)
{
	static const int modes[] = { DIAL9_MODE_SAMPLED, DIAL9_MODE_OFF, -1 };
	unsigned int m;

	for (m = 0; m < 3; m++) {
		struct proc_stats *s = new_stats(1 * MS, modes[m]);
		const struct proc_second *last;

		ev(s, DIAL9_EV_WAKE, 1, T0 + 1 * MS, 0, DIAL9_WAKER_TASK, 0);
		ev(s, DIAL9_EV_POLL_START, 1, T0 + 3 * MS, 0, 0, 0);
		ev(s, DIAL9_EV_POLL_END, 1, T0 + 5 * MS, 2 * MS, 0, 0);
		proc_stats__end_second(s, T0 + 1000 * MS, 0);
		last = proc_stats__last_second(s);
		assert_false(proc_second__observed(last));
		assert_int_equal(last->latency_samples, 0);
		assert_int_equal(last->queue_depth_max, 0);
		assert_int_equal(last->mode_ns[DIAL9_MODE_FULL], 0);
		assert_int_equal(proc_stats__totals(s)->latency.count, 0);
		assert_int_equal(last->wakes, 1); /* still counted */
		if (modes[m] >= 0)
			assert_int_equal(last->mode_ns[modes[m]], 1000 * MS);
		else
			assert_int_equal(last->mode_ns[0] + last->mode_ns[1] + last->mode_ns[2], 0);
		free(s);
	}
}

/* A stretch of full recording observes that part of the second; leaving
 * full recording, or a ring-buffer loss, forgets who waits. */
static void test_mode_changes_and_loss(void **state)
{
	struct proc_stats *s = new_stats(0, DIAL9_MODE_OFF);
	const struct proc_second *last;

	ev(s, DIAL9_EV_MODE, 0, T0 + 600 * MS, 0, DIAL9_MODE_FULL, 0);
	ev(s, DIAL9_EV_WAKE, 1, T0 + 700 * MS, 0, DIAL9_WAKER_TASK, 0);
	ev(s, DIAL9_EV_MODE, 0, T0 + 800 * MS, 0, DIAL9_MODE_OFF, 0);
	ev(s, DIAL9_EV_MODE, 0, T0 + 900 * MS, 0, DIAL9_MODE_FULL, 0);
	ev(s, DIAL9_EV_POLL_START, 1, T0 + 950 * MS, 0, 0, 0); /* its wake was forgotten */
	proc_stats__end_second(s, T0 + 1000 * MS, 0);
	last = proc_stats__last_second(s);
	assert_true(proc_second__observed(last));
	assert_int_equal(last->mode_ns[DIAL9_MODE_FULL], 300 * MS);
	assert_int_equal(last->mode_ns[DIAL9_MODE_OFF], 700 * MS);
	assert_int_equal(last->latency_samples, 0);
	assert_int_equal(last->queue_depth_max, 1);
	assert_true(last->exact);

	ev(s, DIAL9_EV_WAKE, 2, T0 + 1100 * MS, 0, DIAL9_WAKER_TASK, 0);
	ev(s, DIAL9_EV_LOST, 0, T0 + 1200 * MS, 3, DIAL9_LOST_RINGBUF, 0);
	assert_int_equal(proc_stats__queue_depth(s), 0);
	ev(s, DIAL9_EV_POLL_START, 2, T0 + 1300 * MS, 0, 0, 0);
	proc_stats__end_second(s, T0 + 2000 * MS, 0);
	last = proc_stats__last_second(s);
	assert_false(last->exact);
	assert_int_equal(last->latency_samples, 0);
	assert_int_equal(last->lost_ringbuf, 3);
	assert_int_equal(proc_stats__totals(s)->mode_ns[DIAL9_MODE_FULL], 1300 * MS);
	assert_int_equal(proc_stats__totals(s)->mode_ns[DIAL9_MODE_OFF], 700 * MS);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_long_poll_threshold_when_full),
		cmocka_unit_test(test_latency_buckets),
		cmocka_unit_test(test_latency_quantiles),
		cmocka_unit_test(test_queue_depth),
		cmocka_unit_test(test_pending_overflow),
		cmocka_unit_test(test_unobserved),
		cmocka_unit_test(test_mode_changes_and_loss),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
