// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_window_span.c - the compressed window on a real target (root): recorded
 * past its span at a modest rate, it holds exactly the span, in compressed
 * blocks, with nothing lost, and its dump reads back sorted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dump.h"
#include "itest.h"

#define MS 1000000ll
#define SPAN_S 3

/* The one process of `dial9ctl list --json`. */
static json_t *list_one(const struct itest_daemon *d)
{
	const char *list[] = { "list", "--json", NULL };
	char *out = NULL;
	json_t *l, *p;

	assert_int_equal(itest_ctl(d, &out, NULL, list), 0);
	l = json_loads(out, 0, NULL);
	free(out);
	assert_non_null(l);
	assert_int_equal(json_array_size(l), 1);
	p = json_incref(json_array_get(l, 0));
	json_decref(l);
	return p;
}

/*
 * storm at 4000 polls/s (~12k records/s) for 9 s, every poll and wake
 * recorded, a 3 s window in 1 MiB (blocks of 1024 records: a dozen sealed a
 * second).  At 6 s, well past the span: the window spans the 3 s and no
 * more, most of it sealed, nothing dropped or lost; the dump's window is
 * exactly [end - 3 s, end], dense from its first millisecond to its last
 * (no hole where blocks meet), sorted, and the counts add up.
 */
static void test_window_holds_exactly_its_span(void **state)
{
	static const char *const extra[] = { "--poll-threshold-us", "0", "--overhead-budget", "0",
					     "--window", "3", "--max-bytes", "1M", NULL };
	const char *args[] = { "40", "9000", "4000", NULL };
	struct itest_daemon d;
	struct itest_target t;
	char pidbuf[16], path[512], err[256];
	const char *attach[] = { "attach", "--pid", pidbuf, NULL };
	const char *dump[] = { "dump", "--pid", pidbuf, "-o", path, NULL };
	struct dial9_dump *dd = NULL;
	long long span, sealed, held, evicted;
	uint64_t gap = 0, polls = 0;
	json_t *p;

	assert_int_equal(itest_daemon_start(&d, extra), 0);
	assert_int_equal(itest_target_start(&t, &d, "storm", args, NULL), 0);
	snprintf(pidbuf, sizeof(pidbuf), "%d", t.pid);
	snprintf(path, sizeof(path), "%s/window.dial9", d.dir);
	assert_int_equal(itest_ctl(&d, NULL, NULL, attach), 0);
	assert_int_equal(itest_target_go(&t), 0);
	sleep(6);

	p = list_one(&d);
	span = itest_jint(p, "window_span_ns");
	held = itest_jint(p, "window_events");
	sealed = itest_jint(p, "window_sealed_events");
	evicted = itest_jint(p, "evicted");
	print_message("window: %lld records over %.3f s, %lld sealed in %lld bytes, %lld bytes held\n",
		      held, (double)span / 1e9, sealed, itest_jint(p, "window_sealed_bytes"),
		      itest_jint(p, "window_bytes"));
	assert_true(span <= SPAN_S * 1000 * MS);
	assert_true(span >= SPAN_S * 1000 * MS - 50 * MS);
	assert_true(held > SPAN_S * 8000);
	assert_true(sealed > held / 2);
	assert_true(evicted > held / 2);
	assert_int_equal(itest_jint(p, "lost_window"), 0);
	assert_int_equal(itest_jint(p, "lost_ringbuf"), 0);
	assert_true(itest_jint(p, "window_bytes") <= 1 << 20);
	/* every record the daemon took is held, evicted or dropped */
	assert_true(held + evicted >= itest_jint(p, "events"));
	json_decref(p);

	assert_int_equal(itest_ctl(&d, NULL, NULL, dump), 0);
	assert_int_equal(dial9_dump__read(path, &dd, err, sizeof(err)), 0);
	assert_int_equal(dd->meta.end_ns - dd->meta.start_ns, SPAN_S * 1000 * MS);
	assert_int_equal(dd->meta.lost_window, 0);
	assert_int_equal(dd->meta.lost_ringbuf, 0);
	assert_true(dd->meta.evicted > 0);
	assert_true(dd->nevents > SPAN_S * 8000);
	assert_int_equal(dd->events[0].kind, DIAL9_EV_MODE);
	assert_int_equal(dd->events[0].ts_ns, dd->meta.start_ns);
	for (uint64_t i = 1; i < dd->nevents; i++) {
		const struct dial9_event *e = &dd->events[i];

		assert_true(e->ts_ns >= dd->events[i - 1].ts_ns);
		assert_true(e->ts_ns >= dd->meta.start_ns && e->ts_ns <= dd->meta.end_ns);
		if (e->ts_ns - dd->events[i - 1].ts_ns > gap)
			gap = e->ts_ns - dd->events[i - 1].ts_ns;
		polls += e->kind == DIAL9_EV_POLL_START;
	}
	/* the target yields in 10 ms ticks: no stretch without records longer
	 * than a few ticks, the window's first and last included */
	print_message("dump: %llu records, %llu polls, longest gap %.1f ms\n",
		      (unsigned long long)dd->nevents, (unsigned long long)polls, (double)gap / 1e6);
	assert_true(gap < 40 * MS);
	assert_true(dd->events[1].ts_ns - dd->meta.start_ns < 40 * MS);
	assert_true(dd->meta.end_ns - dd->events[dd->nevents - 1].ts_ns < 40 * MS);
	assert_true(polls > SPAN_S * 3000 && polls < SPAN_S * 5000);
	dial9_dump__free(dd);

	itest_target_wait(&t, 30000);
	itest_daemon_stop(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window_holds_exactly_its_span),
	};

	if (!itest_can_run())
		return 1;
	return cmocka_run_group_tests_name("window", tests, NULL, itest_teardown);
}
