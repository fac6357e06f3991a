// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* test_analysis.c - dumps built in memory with known answers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "probe_classes.h"
#include "testdump.h"

#define MS 1000000ULL
#define T0 (1000 * MS) /* window start */

static struct dial9_dump *new_dump(void)
{
	struct dial9_dump *d = dial9_dump__new();

	assert_non_null(d);
	d->meta.pid = 42;
	d->meta.start_ns = T0;
	d->meta.end_ns = T0 + 30000 * MS;
	return d;
}

static void ev(struct dial9_dump *d, uint64_t ts, uint8_t kind, uint64_t task, uint64_t arg,
	       uint32_t tid, uint16_t aux, uint8_t flags)
{
	testdump_ev(d, T0 + ts, kind, task, arg, tid, aux, flags);
}


static struct dial9_analysis *analyse(const struct dial9_dump *d)
{
	struct dial9_analysis *a = dial9_analysis__new(d);

	assert_non_null(a);
	return a;
}

/* A 40 ms poll is the longest and carries its task's spawn location; a poll
 * with arg 0 gets its duration from its POLL_START. */
static void test_longest_poll(void **state)
{
	struct dial9_dump *d = new_dump();
	uint32_t main_loc = testdump_str(d, "src/main.rs:5:5"), slow = testdump_str(d, "src/slow.rs:10:9");
	uint32_t fut = testdump_str(d, "slow::{{closure}}");
	const struct dial9_poll *top[10];
	struct dial9_analysis *a;
	uint64_t n;

	ev(d, 1 * MS, DIAL9_EV_SPAWN, 1, main_loc, 100, 0, 0);
	ev(d, 2 * MS, DIAL9_EV_SPAWN, 2, slow, 100, 0, 0);
	ev(d, 3 * MS, DIAL9_EV_POLL_START, 1, fut, 101, 0, 0);
	ev(d, 4 * MS, DIAL9_EV_POLL_END, 1, 1 * MS, 101, 0, 0);
	ev(d, 5 * MS, DIAL9_EV_POLL_START, 2, fut, 102, 0, 0);
	ev(d, 6 * MS, DIAL9_EV_POLL_START, 1, fut, 101, 0, 0);
	ev(d, 11 * MS, DIAL9_EV_POLL_END, 1, 0, 101, 0, 0);              /* 5 ms from its start */
	ev(d, 45 * MS, DIAL9_EV_POLL_END, 2, 0, 102, 0, DIAL9_POLL_F_COMPLETE); /* 40 ms */
	ev(d, 50 * MS, DIAL9_EV_POLL_END, 3, 7 * MS, 103, 0, 0);         /* start not seen */
	a = analyse(d);

	assert_int_equal(a->polls_recorded, 4);
	n = dial9_analysis__longest_polls(a, top, 10);
	assert_int_equal(n, 4);
	assert_int_equal(top[0]->task_id, 2);
	assert_int_equal(top[0]->duration_ns, 40 * MS);
	assert_int_equal(top[0]->tid, 102);
	assert_string_equal(dial9_analysis__task_location(a, dial9_analysis__task(a, 2)),
			    "src/slow.rs:10:9");
	assert_int_equal(top[1]->task_id, 3);
	assert_int_equal(top[1]->duration_ns, 7 * MS);
	assert_false(top[1]->start_seen);
	assert_int_equal(top[1]->start_ns, T0 + 43 * MS);
	assert_int_equal(top[2]->duration_ns, 5 * MS);
	assert_int_equal(top[3]->duration_ns, 1 * MS);

	/* Only the top 2 asked for. */
	assert_int_equal(dial9_analysis__longest_polls(a, top, 2), 2);
	assert_int_equal(top[0]->task_id, 2);
	assert_int_equal(top[1]->task_id, 3);

	/* Task 3 has neither a SPAWN nor a POLL_START: no location. */
	assert_null(dial9_analysis__task_location(a, dial9_analysis__task(a, 3)));
	assert_int_equal(dial9_analysis__task(a, 1)->polls, 2);
	assert_int_equal(dial9_analysis__task(a, 1)->poll_ns_total, 6 * MS);
	assert_int_equal(dial9_analysis__task(a, 1)->poll_ns_max, 5 * MS);
	assert_true(dial9_analysis__task(a, 2)->end_seen);
	assert_int_equal(dial9_analysis__task(a, 2)->end_ns, T0 + 45 * MS);
	dial9_analysis__free(a);
	dial9_dump__free(d);
}

/* Location falls back to the future location of the first POLL_START. */
static void test_future_location(void **state)
{
	struct dial9_dump *d = new_dump();
	uint32_t fut = testdump_str(d, "app::worker::{{closure}}");
	struct dial9_analysis *a;

	ev(d, 1 * MS, DIAL9_EV_POLL_START, 9, fut, 100, 0, 0);
	ev(d, 2 * MS, DIAL9_EV_POLL_END, 9, 0, 100, 0, 0);
	a = analyse(d);
	assert_false(dial9_analysis__task(a, 9)->spawn_seen);
	assert_string_equal(dial9_analysis__task_location(a, dial9_analysis__task(a, 9)),
			    "app::worker::{{closure}}");
	dial9_analysis__free(a);
	dial9_dump__free(d);
}

/* Parent = task polled on the same tid at the SPAWN, not on another tid. */
static void test_parent(void **state)
{
	struct dial9_dump *d = new_dump();
	uint32_t loc = testdump_str(d, "src/lib.rs:1:1");
	struct dial9_analysis *a;

	ev(d, 1 * MS, DIAL9_EV_POLL_START, 1, 0, 100, 0, 0);
	ev(d, 2 * MS, DIAL9_EV_SPAWN, 2, loc, 100, 0, 0);   /* by 1 */
	ev(d, 3 * MS, DIAL9_EV_SPAWN, 4, loc, 200, 0, 0);   /* other tid: none */
	ev(d, 4 * MS, DIAL9_EV_POLL_START, 2, 0, 200, 0, 0);
	ev(d, 5 * MS, DIAL9_EV_SPAWN, 5, loc, 200, 0, 0);   /* by 2 */
	ev(d, 6 * MS, DIAL9_EV_POLL_END, 2, 0, 200, 0, 0);
	ev(d, 7 * MS, DIAL9_EV_SPAWN, 6, loc, 100, 0, 0);   /* still by 1 */
	ev(d, 8 * MS, DIAL9_EV_POLL_END, 1, 0, 100, 0, 0);
	ev(d, 9 * MS, DIAL9_EV_SPAWN, 3, loc, 100, 0, 0);   /* after 1's poll: none */
	a = analyse(d);

	assert_int_equal(dial9_analysis__task(a, 2)->parent, 1);
	assert_int_equal(dial9_analysis__task(a, 4)->parent, 0);
	assert_int_equal(dial9_analysis__task(a, 5)->parent, 2);
	assert_int_equal(dial9_analysis__task(a, 6)->parent, 1);
	assert_int_equal(dial9_analysis__task(a, 3)->parent, 0);
	assert_true(dial9_analysis__task(a, 3)->spawn_seen);
	assert_int_equal(dial9_analysis__task(a, 3)->spawn_ns, T0 + 9 * MS);
	assert_int_equal(dial9_analysis__task(a, 1)->children, 2);
	assert_int_equal(dial9_analysis__task(a, 2)->children, 1);
	assert_int_equal(a->ntasks, 6);
	dial9_analysis__free(a);
	dial9_dump__free(d);
}

/* Queue depth: distinct tasks woken/spawned and not yet polled. */
static void test_queue_depth(void **state)
{
	struct dial9_dump *d = new_dump();
	struct dial9_analysis *a;

	ev(d, 10, DIAL9_EV_WAKE, 1, 0, 100, DIAL9_WAKER_IO_DRIVER, 0);   /* {1} */
	ev(d, 20, DIAL9_EV_WAKE, 2, 0, 100, DIAL9_WAKER_TIMER, 0);       /* {1,2} */
	ev(d, 25, DIAL9_EV_WAKE, 1, 0, 100, DIAL9_WAKER_TIMER, 0);       /* {1,2}: 1 counts once */
	ev(d, 30, DIAL9_EV_SPAWN, 3, 0, 100, 0, 0);                      /* {1,2,3} */
	ev(d, 40, DIAL9_EV_POLL_START, 1, 0, 101, 0, 0);                 /* {2,3} */
	ev(d, 45, DIAL9_EV_POLL_END, 1, 5, 101, 0, 0);
	ev(d, 50, DIAL9_EV_WAKE, 4, 1, 100, DIAL9_WAKER_TASK, 0);        /* {2,3,4} */
	ev(d, 60, DIAL9_EV_POLL_START, 2, 0, 101, 0, 0);                 /* {3,4} */
	ev(d, 61, DIAL9_EV_POLL_END, 2, 1, 101, 0, 0);
	ev(d, 70, DIAL9_EV_WAKE, 5, 0, 100, DIAL9_WAKER_IO_DRIVER, 0);   /* {3,4,5} */
	ev(d, 80, DIAL9_EV_WAKE, 6, 0, 100, DIAL9_WAKER_IO_DRIVER, 0);   /* {3,4,5,6} */
	ev(d, 85, DIAL9_EV_TERMINATE, 3, 0, 100, 0, 0);                  /* {4,5,6} */
	ev(d, 90, DIAL9_EV_WAKE, 7, 0, 100, DIAL9_WAKER_IO_DRIVER, 0);   /* {4,5,6,7} */
	ev(d, 95, DIAL9_EV_WAKE, 8, 0, 100, DIAL9_WAKER_IO_DRIVER, 0);   /* {4,5,6,7,8} peak */
	ev(d, 96, DIAL9_EV_POLL_START, 4, 0, 101, 0, 0);                 /* {5,6,7,8} */
	ev(d, 97, DIAL9_EV_WAKE, 4, 0, 100, DIAL9_WAKER_IO_DRIVER, 0);   /* {4,5,6,7,8} again */
	a = analyse(d);

	assert_int_equal(a->queue_peak, 5);
	assert_int_equal(a->queue_peak_ns, T0 + 95);
	/* Samples: 1: 40-10, 2: 60-20, 4: 96-50. */
	assert_int_equal(a->lat_count, 3);
	assert_int_equal(a->lat_max_ns, 46);
	assert_int_equal(a->lat_p50_ns, 40);
	assert_int_equal(dial9_analysis__task(a, 1)->lat_max_ns, 30);
	assert_int_equal(dial9_analysis__task(a, 2)->lat_max_ns, 40);
	assert_int_equal(dial9_analysis__task(a, 3)->lat_count, 0);
	dial9_analysis__free(a);
	dial9_dump__free(d);
}

/* Wake-to-poll latency runs from the first pending wake to the next poll. */
static void test_wake_latency(void **state)
{
	struct dial9_dump *d = new_dump();
	const struct dial9_task_info *worst[4];
	struct dial9_analysis *a;
	uint64_t i;

	ev(d, 100, DIAL9_EV_WAKE, 1, 0, 100, DIAL9_WAKER_TIMER, 0);
	ev(d, 150, DIAL9_EV_WAKE, 1, 0, 100, DIAL9_WAKER_TIMER, 0);
	ev(d, 400, DIAL9_EV_POLL_START, 1, 0, 101, 0, 0);     /* 300 since 100 */
	ev(d, 420, DIAL9_EV_POLL_END, 1, 20, 101, 0, 0);
	ev(d, 500, DIAL9_EV_WAKE, 1, 0, 100, DIAL9_WAKER_TIMER, 0);
	ev(d, 510, DIAL9_EV_POLL_START, 1, 0, 101, 0, 0);     /* 10 */
	ev(d, 520, DIAL9_EV_POLL_END, 1, 10, 101, 0, 0);
	/* Task 2: 99 samples of 1 ns and one of 1000 ns: p99 is 1 ns, max 1000. */
	for (i = 0; i < 100; i++) {
		uint64_t lat = i == 50 ? 1000 : 1;

		ev(d, 10000 + i * 2000, DIAL9_EV_WAKE, 2, 0, 100, DIAL9_WAKER_IO_DRIVER, 0);
		ev(d, 10000 + i * 2000 + lat, DIAL9_EV_POLL_START, 2, 0, 101, 0, 0);
		ev(d, 10000 + i * 2000 + lat + 1, DIAL9_EV_POLL_END, 2, 1, 101, 0, 0);
	}
	/* Task 3: the POLL_START was not recorded; the end implies it at 400300 - 100. */
	ev(d, 400000, DIAL9_EV_WAKE, 3, 0, 100, DIAL9_WAKER_IO_DRIVER, 0);
	ev(d, 400300, DIAL9_EV_POLL_END, 3, 100, 101, 0, 0);
	a = analyse(d);

	assert_int_equal(dial9_analysis__task(a, 1)->lat_count, 2);
	assert_int_equal(dial9_analysis__task(a, 1)->lat_max_ns, 300);
	assert_int_equal(dial9_analysis__task(a, 1)->lat_p99_ns, 300);
	assert_int_equal(dial9_analysis__task(a, 1)->lat_total_ns, 310);
	assert_int_equal(dial9_analysis__task(a, 2)->lat_count, 100);
	assert_int_equal(dial9_analysis__task(a, 2)->lat_max_ns, 1000);
	assert_int_equal(dial9_analysis__task(a, 2)->lat_p99_ns, 1);
	assert_int_equal(dial9_analysis__task(a, 3)->lat_count, 1);
	assert_int_equal(dial9_analysis__task(a, 3)->lat_max_ns, 200);

	assert_int_equal(dial9_analysis__worst_latency(a, worst, 4), 3);
	assert_int_equal(worst[0]->task_id, 2);
	assert_int_equal(worst[1]->task_id, 1);
	assert_int_equal(worst[2]->task_id, 3);
	dial9_analysis__free(a);
	dial9_dump__free(d);
}

/* POLL_SUMMARY polls count in totals but are not recorded polls. */
static void test_poll_summary(void **state)
{
	struct dial9_dump *d = new_dump();
	const struct dial9_task_info **sorted = NULL;
	const struct dial9_task_info *t;
	const struct dial9_poll *top[8];
	struct dial9_analysis *a;

	ev(d, 1 * MS, DIAL9_EV_MODE, 0, 0, 100, DIAL9_MODE_SAMPLED, 0);
	ev(d, 2 * MS, DIAL9_EV_POLL_START, 1, 0, 101, 0, 0);
	ev(d, 4 * MS, DIAL9_EV_POLL_END, 1, 2 * MS, 101, 0, 0);
	ev(d, 5 * MS, DIAL9_EV_POLL_START, 1, 0, 101, 0, 0);
	ev(d, 6 * MS, DIAL9_EV_POLL_END, 1, 1 * MS, 101, 0, 0);
	ev(d, 7 * MS, DIAL9_EV_POLL_SUMMARY, 1, 5 * MS, 101, 100, 0);
	ev(d, 8 * MS, DIAL9_EV_POLL_SUMMARY, 2, 3 * MS, 101, 500, 0);
	ev(d, 9 * MS, DIAL9_EV_MODE, 0, 0, 100, DIAL9_MODE_FULL, 0);
	a = analyse(d);

	t = dial9_analysis__task(a, 1);
	assert_int_equal(t->polls, 2);
	assert_int_equal(t->poll_ns_total, 3 * MS);
	assert_int_equal(t->counted_polls, 100);
	assert_int_equal(t->counted_poll_ns, 5 * MS);
	assert_int_equal(dial9_analysis__task(a, 2)->counted_polls, 500);
	assert_int_equal(dial9_analysis__task(a, 2)->polls, 0);
	assert_int_equal(a->polls_recorded, 2);
	assert_int_equal(a->polls_counted, 600);
	assert_int_equal(a->poll_ns_counted, 8 * MS);
	assert_int_equal(dial9_analysis__longest_polls(a, top, 8), 2);

	/* Sorting by polls uses recorded + counted: 2 (500) before 1 (102). */
	assert_int_equal(dial9_analysis__sorted_tasks(a, DIAL9_SORT_POLLS, &sorted), 0);
	assert_int_equal(sorted[0]->task_id, 2);
	assert_int_equal(sorted[1]->task_id, 1);
	free(sorted);
	assert_int_equal(dial9_analysis__sorted_tasks(a, DIAL9_SORT_MAX, &sorted), 0);
	assert_int_equal(sorted[0]->task_id, 1);
	free(sorted);

	/* Mode intervals. */
	assert_int_equal(a->nmodes, 2);
	assert_int_equal(a->modes[0].mode, DIAL9_MODE_SAMPLED);
	assert_int_equal(a->modes[0].start_ns, T0 + 1 * MS);
	assert_int_equal(a->modes[0].end_ns, T0 + 9 * MS);
	assert_int_equal(a->modes[1].mode, DIAL9_MODE_FULL);
	assert_int_equal(a->modes[1].end_ns, d->meta.end_ns);
	dial9_analysis__free(a);
	dial9_dump__free(d);
}

static void test_lost_and_modes(void **state)
{
	struct dial9_dump *d = new_dump();
	struct dial9_analysis *a;

	ev(d, 10, DIAL9_EV_LOST, 0, 7, 0, DIAL9_LOST_RINGBUF, 0);
	ev(d, 20, DIAL9_EV_WAKE, 1, 0, 100, DIAL9_WAKER_TIMER, 0);
	ev(d, 30, DIAL9_EV_LOST, 0, 3, 0, DIAL9_LOST_WINDOW, 0);
	ev(d, 40, DIAL9_EV_MODE, 0, 0, 0, DIAL9_MODE_OFF, 0);
	ev(d, 50, DIAL9_EV_LOST, 0, 5, 0, DIAL9_LOST_RINGBUF, 0);
	ev(d, 1000, DIAL9_EV_MODE, 0, 0, 0, DIAL9_MODE_FULL, 0);
	ev(d, 1010, DIAL9_EV_POLL_START, 1, 0, 101, 0, 0);
	ev(d, 1020, DIAL9_EV_POLL_END, 1, 0, 101, 0, 0);
	a = analyse(d);

	assert_int_equal(a->lost_records, 3);
	assert_int_equal(a->lost_ringbuf, 12);
	assert_int_equal(a->lost_window, 3);
	assert_int_equal(d->events[a->lost_ev[1]].arg, 3);
	assert_int_equal(a->kind_counts[DIAL9_EV_LOST], 3);
	assert_int_equal(a->kind_counts[DIAL9_EV_MODE], 2);
	assert_int_equal(a->nmodes, 2);
	assert_int_equal(a->modes[0].mode, DIAL9_MODE_OFF);
	assert_int_equal(a->modes[0].end_ns, T0 + 1000);
	/* Recording was off between the wake and the poll: no latency sample. */
	assert_int_equal(a->lat_count, 0);
	assert_int_equal(a->queue_peak, 1);
	dial9_analysis__free(a);
	dial9_dump__free(d);
}

/* Sampled: short polls are only counted, so the queue and wake-to-poll
 * latency are not known there (a wake answered by a counted poll must not
 * turn into a huge latency at the next recorded poll); they are again once
 * recording is full. */
static void test_sampled_mode_has_no_queue(void **state)
{
	struct dial9_dump *d = new_dump();
	struct dial9_analysis *a;

	ev(d, 0, DIAL9_EV_MODE, 0, 0, 0, DIAL9_MODE_SAMPLED, 0);
	ev(d, 10, DIAL9_EV_WAKE, 1, 0, 100, DIAL9_WAKER_TIMER, 0);
	ev(d, 20, DIAL9_EV_WAKE, 2, 0, 100, DIAL9_WAKER_TIMER, 0);
	ev(d, 5 * MS, DIAL9_EV_POLL_START, 1, 0, 101, 0, 0);     /* a long poll, recorded */
	ev(d, 7 * MS, DIAL9_EV_POLL_END, 1, 2 * MS, 101, 0, 0);
	ev(d, 8 * MS, DIAL9_EV_POLL_SUMMARY, 2, 3000, 0, 1, 0);   /* task 2's short poll */
	ev(d, 9 * MS, DIAL9_EV_MODE, 0, 0, 0, DIAL9_MODE_FULL, 0);
	ev(d, 10 * MS, DIAL9_EV_WAKE, 1, 0, 100, DIAL9_WAKER_TIMER, 0);
	ev(d, 10 * MS + 500, DIAL9_EV_POLL_START, 1, 0, 101, 0, 0);
	ev(d, 10 * MS + 900, DIAL9_EV_POLL_END, 1, 400, 101, 0, 0);
	a = analyse(d);

	assert_int_equal(a->lat_count, 1);      /* only the wake under full recording */
	assert_int_equal(a->lat_max_ns, 500);
	assert_int_equal(a->queue_peak, 1);
	assert_int_equal(a->queue_peak_ns, T0 + 10 * MS);
	assert_int_equal(a->polls_counted, 1);
	assert_int_equal(a->polls_recorded, 2);
	dial9_analysis__free(a);
	dial9_dump__free(d);
}

/* A poll still running at window end is an open poll to the window end; a
 * parked thread an open idle period. */
static void test_open_poll_and_timeline(void **state)
{
	struct dial9_dump *d = new_dump();
	const struct dial9_poll *top[2];
	struct dial9_timeline *tl = NULL;
	struct dial9_analysis *a;

	d->meta.end_ns = T0 + 100 * MS;
	ev(d, 1 * MS, DIAL9_EV_UNPARK, 0, 0, 101, 0, 0);        /* parked before window */
	ev(d, 2 * MS, DIAL9_EV_POLL_START, 1, 0, 101, 0, 0);
	ev(d, 3 * MS, DIAL9_EV_POLL_END, 1, 0, 101, 0, 0);
	ev(d, 4 * MS, DIAL9_EV_PARK, 0, 0, 101, 0, 0);
	ev(d, 10 * MS, DIAL9_EV_POLL_START, 2, 0, 102, 0, 0);  /* never ends */
	ev(d, 20 * MS, DIAL9_EV_STALL, 2, 5 * MS, 102, 0, 0);
	a = analyse(d);

	assert_int_equal(dial9_analysis__longest_polls(a, top, 2), 2);
	assert_int_equal(top[0]->task_id, 2);
	assert_true(top[0]->open);
	assert_int_equal(top[0]->duration_ns, 90 * MS);
	assert_int_equal(dial9_analysis__task(a, 2)->polls, 0);
	assert_int_equal(a->nidle, 2);
	assert_true(a->idle[0].open_start);
	assert_int_equal(a->idle[0].start_ns, T0);
	assert_true(a->idle[1].open_end);
	assert_int_equal(a->idle[1].end_ns, T0 + 100 * MS);

	assert_int_equal(dial9_timeline__build(a, a->start_ns, a->end_ns, &tl), 0);
	assert_int_equal(tl->nthreads, 2);
	assert_int_equal(tl->threads[0].tid, 101);
	assert_int_equal(tl->threads[0].count, 3);   /* idle, poll, idle */
	assert_int_equal(tl->threads[0].busy_ns, 1 * MS);
	assert_int_equal(tl->threads[0].idle_ns, 1 * MS + 96 * MS);
	assert_int_equal(tl->slices[tl->threads[0].first + 1].kind, DIAL9_SLICE_POLL);
	assert_int_equal(tl->threads[1].tid, 102);
	assert_int_equal(tl->threads[1].count, 2);   /* poll, stall */
	assert_int_equal(tl->slices[tl->threads[1].first + 1].kind, DIAL9_SLICE_STALL);
	assert_int_equal(tl->slices[tl->threads[1].first + 1].start_ns, T0 + 15 * MS);
	dial9_timeline__free(tl);

	/* A range: only what overlaps [5 ms, 8 ms]: the idle period on 101. */
	assert_int_equal(dial9_timeline__build(a, T0 + 5 * MS, T0 + 8 * MS, &tl), 0);
	assert_int_equal(tl->nslices, 1);
	assert_int_equal(tl->slices[0].kind, DIAL9_SLICE_IDLE);
	assert_int_equal(tl->threads[0].idle_ns, 3 * MS);
	dial9_timeline__free(tl);
	dial9_analysis__free(a);
	dial9_dump__free(d);
}

static void test_task_events(void **state)
{
	struct dial9_dump *d = new_dump();
	struct dial9_task_event *te = NULL;
	struct dial9_analysis *a;
	uint64_t n = 0;

	ev(d, 1, DIAL9_EV_POLL_START, 1, 0, 100, 0, 0);
	ev(d, 2, DIAL9_EV_SPAWN, 2, 0, 100, 0, 0);
	ev(d, 3, DIAL9_EV_POLL_END, 1, 0, 100, 0, 0);
	ev(d, 4, DIAL9_EV_POLL_START, 2, 0, 101, 0, 0);
	ev(d, 5, DIAL9_EV_WAKE, 3, 2, 101, DIAL9_WAKER_TASK, 0);
	ev(d, 7, DIAL9_EV_POLL_END, 2, 0, 101, 0, DIAL9_POLL_F_COMPLETE);
	ev(d, 8, DIAL9_EV_TERMINATE, 2, 0, 101, 0, 0);
	ev(d, 9, DIAL9_EV_WAKE, 1, 0, 100, DIAL9_WAKER_TIMER, 0);
	a = analyse(d);

	assert_int_equal(dial9_analysis__task_events(a, 2, &te, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(te[0].ev->kind, DIAL9_EV_SPAWN);
	assert_int_equal(te[0].other.task_id, 1);
	assert_int_equal(te[1].ev->kind, DIAL9_EV_POLL_START);
	assert_int_equal(te[2].role, DIAL9_ROLE_WAKER);
	assert_int_equal(te[2].other.task_id, 3);
	assert_int_equal(te[3].duration_ns, 3);
	assert_int_equal(te[4].ev->kind, DIAL9_EV_TERMINATE);
	free(te);

	assert_int_equal(dial9_analysis__task_events(a, 1, &te, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(te[1].role, DIAL9_ROLE_PARENT);
	assert_int_equal(te[1].other.task_id, 2);
	assert_int_equal(te[3].other.kind, DIAL9_WAKER_TIMER);
	free(te);

	assert_int_equal(dial9_analysis__task_events(a, 77, &te, &n), -ENOENT);
	dial9_analysis__free(a);
	dial9_dump__free(d);
}

/* A POLL_END with DIAL9_POLL_F_INFERRED is an upper bound, and so are the
 * aggregates it decides; an exact poll as long as the bound decides the
 * maximum instead. */
static void test_inferred_ends_are_bounds(void **state)
{
	struct dial9_dump *d = new_dump();
	struct dial9_task_event *te = NULL;
	const struct dial9_task_info *t;
	struct dial9_timeline *tl = NULL;
	const struct dial9_poll *top[4];
	struct dial9_analysis *a;
	uint64_t n = 0, i;

	ev(d, 1 * MS, DIAL9_EV_POLL_START, 1, 0, 100, 0, 0);
	ev(d, 2 * MS, DIAL9_EV_POLL_END, 1, 1 * MS, 100, 0, 0);
	ev(d, 3 * MS, DIAL9_EV_POLL_START, 1, 0, 100, 0, 0);
	ev(d, 15 * MS, DIAL9_EV_POLL_END, 1, 0, 100, 0, DIAL9_POLL_F_INFERRED); /* ≤12 ms */
	ev(d, 20 * MS, DIAL9_EV_POLL_START, 2, 0, 101, 0, 0);
	ev(d, 24 * MS, DIAL9_EV_POLL_END, 2, 4 * MS, 101, 0, DIAL9_POLL_F_INFERRED);
	ev(d, 30 * MS, DIAL9_EV_POLL_START, 2, 0, 101, 0, 0);
	ev(d, 34 * MS, DIAL9_EV_POLL_END, 2, 4 * MS, 101, 0, 0); /* exact, as long */
	a = analyse(d);

	assert_int_equal(a->polls_recorded, 4);
	assert_int_equal(a->polls_bound, 2);
	assert_int_equal(dial9_analysis__longest_polls(a, top, 4), 4);
	assert_int_equal(top[0]->duration_ns, 12 * MS);
	assert_true(top[0]->duration_is_bound);
	assert_false(top[3]->duration_is_bound);

	t = dial9_analysis__task(a, 1);
	assert_int_equal(t->poll_ns_max, 12 * MS);
	assert_true(t->poll_ns_max_is_bound);
	assert_true(t->poll_ns_total_is_bound);
	t = dial9_analysis__task(a, 2);
	assert_int_equal(t->poll_ns_max, 4 * MS);
	assert_false(t->poll_ns_max_is_bound); /* the exact 4 ms poll */
	assert_true(t->poll_ns_total_is_bound);

	assert_int_equal(dial9_analysis__task_events(a, 1, &te, &n), 0);
	assert_int_equal(n, 4);
	assert_false(te[1].duration_is_bound);
	assert_true(te[3].duration_is_bound);
	assert_int_equal(te[3].duration_ns, 12 * MS);
	free(te);

	assert_int_equal(dial9_timeline__build(a, a->start_ns, a->end_ns, &tl), 0);
	assert_int_equal(tl->nthreads, 2);
	assert_true(tl->threads[0].busy_is_bound);
	for (i = 0; i < tl->nslices; i++)
		assert_int_equal(tl->slices[i].duration_is_bound,
				 tl->slices[i].end_ns == T0 + 15 * MS ||
				 tl->slices[i].end_ns == T0 + 24 * MS);
	dial9_timeline__free(tl);
	dial9_analysis__free(a);
	dial9_dump__free(d);
}

/* Which figures a recording vouches for: all of them without a record of
 * the probe classes (a version-1 dump), else only those whose classes were
 * found; the reasons are the probe classes' own texts. */
static void test_known_figures(void **state)
{
	struct dial9_dump *d = new_dump();
	struct dial9_analysis *a = analyse(d);
	char why[1024];
	int f;

	assert_false(a->probes_known);
	for (f = 0; f < DIAL9_FIG_MAX; f++) {
		assert_true(dial9_analysis__knows(a, f));
		assert_int_equal(dial9_analysis__why_unknown(a, f, why, sizeof(why)), 0);
		assert_string_equal(why, "");
	}
	dial9_analysis__free(a);

	d->meta.probes_known = true;
	d->meta.probes = DIAL9_CLASSES_ALL & ~(1u << DIAL9_CLASS_WAKE | 1u << DIAL9_CLASS_TIMER);
	a = analyse(d);
	assert_true(dial9_analysis__knows(a, DIAL9_FIG_POLLS));
	assert_true(dial9_analysis__knows(a, DIAL9_FIG_SPAWNS));
	assert_false(dial9_analysis__knows(a, DIAL9_FIG_WAKES));
	assert_false(dial9_analysis__knows(a, DIAL9_FIG_QUEUE));
	assert_false(dial9_analysis__knows(a, DIAL9_FIG_WAKERS));
	assert_false(dial9_analysis__knows_kind(a, DIAL9_EV_WAKE));
	assert_true(dial9_analysis__knows_kind(a, DIAL9_EV_SPAWN));
	assert_true(dial9_analysis__knows_kind(a, DIAL9_EV_STALL));
	assert_int_equal(dial9_analysis__why_unknown(a, DIAL9_FIG_QUEUE, why, sizeof(why)), 1);
	assert_string_equal(why, "no wake probe: no wake, wake graph or wake-to-poll latency");
	assert_int_equal(dial9_analysis__why_unknown(a, DIAL9_FIG_WAKERS, why, sizeof(why)), 1);
	assert_string_equal(why, "no timer probe: timer wakes show as runtime wakes");
	assert_string_equal(dial9_figure_name(DIAL9_FIG_QUEUE), "queue");
	dial9_analysis__free(a);

	d->meta.probes = 0;
	a = analyse(d);
	for (f = 0; f < DIAL9_FIG_MAX; f++)
		assert_false(dial9_analysis__knows(a, f));
	assert_int_equal(dial9_analysis__why_unknown(a, DIAL9_FIG_QUEUE, why, sizeof(why)), 2);
	dial9_analysis__free(a);
	dial9_dump__free(d);
}

static void test_empty(void **state)
{
	struct dial9_dump *d = new_dump();
	const struct dial9_poll *top[1];
	struct dial9_timeline *tl = NULL;
	struct dial9_analysis *a = analyse(d);

	assert_int_equal(a->ntasks, 0);
	assert_int_equal(a->queue_peak, 0);
	assert_int_equal(dial9_analysis__longest_polls(a, top, 1), 0);
	assert_int_equal(a->graph->chain_len, 0);
	assert_int_equal(dial9_timeline__build(a, a->start_ns, a->end_ns, &tl), 0);
	assert_int_equal(tl->nthreads, 0);
	dial9_timeline__free(tl);
	dial9_analysis__free(a);
	dial9_dump__free(d);
	assert_null(dial9_analysis__new(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_longest_poll),
		cmocka_unit_test(test_future_location),
		cmocka_unit_test(test_parent),
		cmocka_unit_test(test_queue_depth),
		cmocka_unit_test(test_wake_latency),
		cmocka_unit_test(test_poll_summary),
		cmocka_unit_test(test_lost_and_modes),
		cmocka_unit_test(test_sampled_mode_has_no_queue),
		cmocka_unit_test(test_open_poll_and_timeline),
		cmocka_unit_test(test_task_events),
		cmocka_unit_test(test_inferred_ends_are_bounds),
		cmocka_unit_test(test_known_figures),
		cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
