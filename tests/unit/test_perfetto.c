// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* test_perfetto.c - the Perfetto/Chrome trace export and the queue walk,
 * on dumps built in memory with known polls and wakes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "testdump.h"
#include "perfetto.h"
#include "probe_classes.h"

#define MS 1000000ULL
#define US 1000ULL
#define T0 (1000 * MS)

static struct dial9_dump *new_dump(void)
{
	struct dial9_dump *d = dial9_dump__new();

	assert_non_null(d);
	d->meta.pid = 42;
	snprintf(d->meta.comm, sizeof(d->meta.comm), "server");
	d->meta.reason = DIAL9_REASON_PANIC;
	d->meta.start_ns = T0;
	d->meta.end_ns = T0 + 100 * MS;
	return d;
}

static void ev(struct dial9_dump *d, uint64_t ts, uint8_t kind, uint64_t task, uint64_t arg,
	       uint32_t tid, uint16_t aux, uint8_t flags)
{
	testdump_ev(d, T0 + ts, kind, task, arg, tid, aux, flags);
}


/* Export d and parse the result back. */
static json_t *export(const struct dial9_dump *d, struct dial9_perfetto_stats *st)
{
	struct dial9_analysis *a = dial9_analysis__new(d);
	json_error_t jerr;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	json_t *root;

	assert_non_null(a);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(dial9_perfetto__write(a, f, st), 0);
	assert_int_equal(fclose(f), 0);
	root = json_loadb(buf, len, 0, &jerr);
	if (!root)
		fail_msg("export is not JSON: %s at line %d", jerr.text, jerr.line);
	free(buf);
	dial9_analysis__free(a);
	return root;
}

static json_t *events_of(json_t *root)
{
	json_t *evs = json_object_get(root, "traceEvents");

	assert_true(json_is_array(evs));
	return evs;
}

static const char *s_of(json_t *e, const char *key)
{
	json_t *v = json_object_get(e, key);

	return json_is_string(v) ? json_string_value(v) : "";
}

static double num_of(json_t *e, const char *key)
{
	json_t *v = json_object_get(e, key);

	assert_true(json_is_number(v));
	return json_number_value(v);
}

/* Every event has the fields the trace-event format requires. */
static void check_required(json_t *evs)
{
	size_t i;
	json_t *e;

	json_array_foreach(evs, i, e) {
		const char *ph = s_of(e, "ph");

		assert_true(strlen(ph) == 1);
		assert_true(json_is_integer(json_object_get(e, "pid")));
		assert_true(json_is_integer(json_object_get(e, "tid")));
		assert_true(json_is_string(json_object_get(e, "name")));
		if (strcmp(ph, "M"))
			assert_true(num_of(e, "ts") >= 0);
	}
}

/*
 * Task 1 (tid 101, 3-4 ms) wakes task 2 at 3.5 ms; task 2 runs 5-45 ms on
 * tid 102 (the longest poll) and wakes task 3 at 10 ms; task 3 runs 50-51 ms
 * on tid 101 and panics at 51 ms.
 */
static struct dial9_dump *known_dump(void)
{
	struct dial9_dump *d = new_dump();
	uint32_t l1 = testdump_str(d, "src/main.rs:10:5"), l2 = testdump_str(d, "src/slow.rs:20:9"),
		 l3 = testdump_str(d, "src/net.rs:30:1"), pl = testdump_str(d, "src/net.rs:31:7");

	ev(d, 1 * MS, DIAL9_EV_SPAWN, 1, l1, 100, 0, 0);
	ev(d, 2 * MS, DIAL9_EV_SPAWN, 2, l2, 100, 0, 0);
	ev(d, 2 * MS + 1, DIAL9_EV_SPAWN, 3, l3, 100, 0, 0);
	ev(d, 3 * MS, DIAL9_EV_POLL_START, 1, l1, 101, 0, 0);
	ev(d, 3 * MS + 500 * US, DIAL9_EV_WAKE, 2, 1, 101, DIAL9_WAKER_TASK, 0);
	ev(d, 4 * MS, DIAL9_EV_POLL_END, 1, 1 * MS, 101, 0, DIAL9_POLL_F_COMPLETE);
	ev(d, 5 * MS, DIAL9_EV_POLL_START, 2, l2, 102, 0, 0);
	ev(d, 10 * MS, DIAL9_EV_WAKE, 3, 2, 102, DIAL9_WAKER_TASK, 0);
	ev(d, 45 * MS, DIAL9_EV_POLL_END, 2, 40 * MS, 102, 0, 0);
	ev(d, 50 * MS, DIAL9_EV_POLL_START, 3, l3, 101, 0, 0);
	ev(d, 51 * MS, DIAL9_EV_PANIC, 3, pl, 101, 0, 0);
	ev(d, 51 * MS + 1, DIAL9_EV_POLL_END, 3, 1 * MS + 1, 101, 0, 0);
	return d;
}

static void test_slices(void **state)
{
	static const struct {
		const char *name;
		uint64_t task, tid;
		double ts, dur;
	} want[] = {
		{ "src/main.rs:10:5", 1, 101, 3000.0, 1000.0 },
		{ "src/slow.rs:20:9", 2, 102, 5000.0, 40000.0 },
		{ "src/net.rs:30:1", 3, 101, 50000.0, 1000.001 },
	};
	struct dial9_dump *d = known_dump();
	struct dial9_perfetto_stats st;
	json_t *root = export(d, &st), *evs = events_of(root), *e;
	size_t i, k, found = 0, nx = 0;

	check_required(evs);
	json_array_foreach(evs, i, e) {
		json_t *args;

		if (strcmp(s_of(e, "ph"), "X") || strcmp(s_of(e, "cat"), "poll"))
			continue;
		nx++;
		args = json_object_get(e, "args");
		for (k = 0; k < 3; k++) {
			if (strcmp(s_of(e, "name"), want[k].name))
				continue;
			found++;
			assert_int_equal(json_integer_value(json_object_get(args, "task_id")),
					 want[k].task);
			assert_string_equal(s_of(args, "location"), want[k].name);
			assert_int_equal(json_integer_value(json_object_get(e, "tid")), want[k].tid);
			assert_true(fabs(num_of(e, "ts") - want[k].ts) < 1e-6);
			assert_true(fabs(num_of(e, "dur") - want[k].dur) < 1e-6);
		}
	}
	assert_int_equal(nx, 3);
	assert_int_equal(found, 3);
	assert_int_equal(st.slices, 3);
	json_decref(root);
	dial9_dump__free(d);
}

static json_t *find_flow(json_t *evs, const char *ph, json_int_t id)
{
	size_t i;
	json_t *e;

	json_array_foreach(evs, i, e)
		if (!strcmp(s_of(e, "ph"), ph) &&
		    json_integer_value(json_object_get(e, "id")) == id)
			return e;
	return NULL;
}

/* Each wake from a task becomes an s/f pair: the start in the waker's poll,
 * the end at the start of the woken task's next poll. */
static void test_flows(void **state)
{
	struct dial9_dump *d = known_dump();
	struct dial9_perfetto_stats st;
	json_t *root = export(d, &st), *evs = events_of(root), *e, *f;
	size_t i, ns = 0, nf = 0, matched = 0;

	json_array_foreach(evs, i, e) {
		if (!strcmp(s_of(e, "ph"), "f"))
			nf++;
		if (strcmp(s_of(e, "ph"), "s"))
			continue;
		ns++;
		f = find_flow(evs, "f", json_integer_value(json_object_get(e, "id")));
		assert_non_null(f);
		assert_string_equal(s_of(f, "bp"), "e");
		assert_true(num_of(f, "ts") >= num_of(e, "ts"));
		if (fabs(num_of(e, "ts") - 3500.0) < 1e-6) { /* task 1 wakes task 2 */
			assert_int_equal(json_integer_value(json_object_get(e, "tid")), 101);
			assert_int_equal(json_integer_value(json_object_get(f, "tid")), 102);
			assert_true(fabs(num_of(f, "ts") - 5000.0) < 1e-6);
			matched++;
		}
		if (fabs(num_of(e, "ts") - 10000.0) < 1e-6) { /* task 2 wakes task 3 */
			assert_int_equal(json_integer_value(json_object_get(e, "tid")), 102);
			assert_int_equal(json_integer_value(json_object_get(f, "tid")), 101);
			assert_true(fabs(num_of(f, "ts") - 50000.0) < 1e-6);
			matched++;
		}
	}
	assert_int_equal(ns, 2);
	assert_int_equal(nf, 2);
	assert_int_equal(matched, 2);
	assert_int_equal(st.flows, 2);
	json_decref(root);
	dial9_dump__free(d);
}

/* Queue depth counter, panic instant, process and thread names. */
static void test_counters_instants_meta(void **state)
{
	struct dial9_dump *d = known_dump();
	json_t *root = export(d, NULL), *evs = events_of(root), *e, *args;
	size_t i, npanic = 0, nthreads = 0, nproc = 0;
	json_int_t peak = -1, last = -1;

	json_array_foreach(evs, i, e) {
		const char *ph = s_of(e, "ph");

		args = json_object_get(e, "args");
		if (!strcmp(ph, "C")) {
			json_int_t v = json_integer_value(json_object_get(args, "runnable"));

			if (v > peak)
				peak = v;
			last = v;
		} else if (!strcmp(ph, "i") && !strcmp(s_of(e, "name"), "panic")) {
			npanic++;
			assert_true(fabs(num_of(e, "ts") - 51000.0) < 1e-6);
			assert_string_equal(s_of(args, "location"), "src/net.rs:31:7");
			assert_int_equal(json_integer_value(json_object_get(args, "task_id")), 3);
		} else if (!strcmp(ph, "M") && !strcmp(s_of(e, "name"), "thread_name")) {
			nthreads++;
		} else if (!strcmp(ph, "M") && !strcmp(s_of(e, "name"), "process_name")) {
			nproc++;
			assert_non_null(strstr(s_of(args, "name"), "server"));
		}
	}
	/* three spawns before any poll: 3 runnable; all polled by the end */
	assert_int_equal(peak, 3);
	assert_int_equal(last, 0);
	assert_int_equal(npanic, 1);
	assert_int_equal(nthreads, 3); /* tids 100, 101, 102 */
	assert_int_equal(nproc, 1);
	json_decref(root);
	dial9_dump__free(d);
}

/* The thread_name of each tid's metadata event: a thread track named as
 * the dump names it; the tid when the dump does not (a version 3 dump, or a
 * thread outside the table), and the dump reason's thread marked. */
static void check_thread_names(struct dial9_dump *d, const char *const want[3])
{
	json_t *root = export(d, NULL), *evs = events_of(root), *e;
	size_t i, seen = 0;

	json_array_foreach(evs, i, e) {
		json_int_t tid = json_integer_value(json_object_get(e, "tid"));

		if (strcmp(s_of(e, "ph"), "M") || strcmp(s_of(e, "name"), "thread_name"))
			continue;
		assert_true(tid >= 100 && tid <= 102);
		assert_string_equal(s_of(json_object_get(e, "args"), "name"), want[tid - 100]);
		seen++;
	}
	assert_int_equal(seen, 3);
	json_decref(root);
}

static void test_thread_names(void **state)
{
	static const char *const bare[] = { "tid 100", "tid 101 (dump reason)", "tid 102" };
	static const char *const named[] = {
		"main-thread (other)", "tokio-runtime-w (worker, dump reason)", "tid 102",
	};
	struct dial9_dump *d = known_dump();

	d->meta.reason_tid = 101;
	check_thread_names(d, bare);
	d->threads = calloc(2, sizeof(*d->threads));
	assert_non_null(d->threads);
	d->threads[0] = (struct dial9_dump_thread){ 100, DIAL9_THREAD_OTHER, "main-thread" };
	d->threads[1] = (struct dial9_dump_thread){ 101, DIAL9_THREAD_WORKER, "tokio-runtime-w" };
	d->nthreads = 2;
	d->threads_known = true;
	check_thread_names(d, named);
	dial9_dump__free(d);
}

/* What the recording cannot vouch for is said in otherData and not drawn:
 * no wake probe, no runnable counter; an inferred poll end is a bound. */
static void test_known_and_bounds(void **state)
{
	struct dial9_dump *d = known_dump();
	json_t *root, *other, *e;
	size_t i, ncounters = 0, nbound = 0;

	d->events[11].flags |= DIAL9_POLL_F_INFERRED; /* task 3's poll end */
	root = export(d, NULL);
	other = json_object_get(root, "otherData");
	assert_true(json_is_null(json_object_get(other, "probes_missing"))); /* not recorded */
	assert_int_equal(json_object_size(json_object_get(other, "unknown")), 0);
	assert_int_equal(json_integer_value(json_object_get(other, "polls_bound")), 1);
	json_array_foreach(events_of(root), i, e) {
		json_t *args = json_object_get(e, "args");

		ncounters += !strcmp(s_of(e, "ph"), "C");
		if (!strcmp(s_of(e, "ph"), "X") && !strcmp(s_of(e, "cat"), "poll")) {
			assert_true(json_is_boolean(json_object_get(args, "duration_is_bound")));
			if (!json_is_true(json_object_get(args, "duration_is_bound")))
				continue;
			nbound++;
			assert_int_equal(json_integer_value(json_object_get(args, "task_id")), 3);
		}
	}
	assert_true(ncounters > 0);
	assert_int_equal(nbound, 1);
	json_decref(root);

	d->meta.probes_known = true;
	d->meta.probes = DIAL9_CLASSES_ALL & ~(1u << DIAL9_CLASS_WAKE);
	root = export(d, NULL);
	other = json_object_get(root, "otherData");
	assert_int_equal(json_array_size(json_object_get(other, "probes_missing")), 1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(other, "unknown"),
							      "queue")),
			    "no wake probe: no wake, wake graph or wake-to-poll latency");
	ncounters = 0;
	json_array_foreach(events_of(root), i, e)
		ncounters += !strcmp(s_of(e, "ph"), "C");
	assert_int_equal(ncounters, 0);
	json_decref(root);
	dial9_dump__free(d);
}

/* Hostile location strings (quotes, control bytes, broken UTF-8) still give
 * valid JSON, and the name survives the round trip where it is valid. */
static void test_hostile_strings(void **state)
{
	struct dial9_dump *d = new_dump();
	uint32_t l = testdump_str(d, "a\"b\\c\n</script>"), bad = testdump_str(d, "x\xff\xfey");
	json_t *root, *evs, *e;
	size_t i, seen = 0;

	ev(d, 1 * MS, DIAL9_EV_POLL_START, 7, l, 101, 0, 0);
	ev(d, 2 * MS, DIAL9_EV_POLL_END, 7, 0, 101, 0, 0);
	ev(d, 3 * MS, DIAL9_EV_POLL_START, 8, bad, 101, 0, 0);
	ev(d, 4 * MS, DIAL9_EV_POLL_END, 8, 0, 101, 0, 0);
	root = export(d, NULL);
	evs = events_of(root);
	json_array_foreach(evs, i, e) {
		if (strcmp(s_of(e, "ph"), "X"))
			continue;
		if (!strcmp(s_of(e, "name"), "a\"b\\c\n</script>"))
			seen++;
		if (!strcmp(s_of(e, "name"), "x\xef\xbf\xbd\xef\xbf\xbdy"))
			seen++;
	}
	assert_int_equal(seen, 2);
	json_decref(root);
	dial9_dump__free(d);
}

struct qstats {
	uint64_t peak, samples, last_ts, steps;
	bool ordered;
};

static int on_step(void *ctx, const struct dial9_queue_step *s)
{
	struct qstats *q = ctx;

	if (s->depth > q->peak)
		q->peak = s->depth;
	if (s->polled)
		q->samples++;
	if (s->ts_ns < q->last_ts)
		q->ordered = false;
	q->last_ts = s->ts_ns;
	q->steps++;
	return 0;
}

/* The walk agrees with the analysis totals on a pseudo-random dump with
 * sampled-mode polls (ends without starts), terminations and a mode OFF. */
static void test_queue_walk_matches_analysis(void **state)
{
	struct dial9_dump *d = new_dump();
	struct qstats q = { .ordered = true };
	struct dial9_analysis *a;
	uint64_t i, ts = 0, seed = 12345;

	for (i = 0; i < 5000; i++) {
		uint64_t task = 1 + (seed >> 33) % 40, r;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		r = (seed >> 33) % 10;
		ts += 1 + (seed >> 40) % 50000;
		if (r < 3)
			ev(d, ts, DIAL9_EV_WAKE, task, 0, 100, DIAL9_WAKER_IO_DRIVER, 0);
		else if (r < 5)
			ev(d, ts, DIAL9_EV_POLL_START, task, 0, 101, 0, 0);
		else if (r < 7)
			ev(d, ts, DIAL9_EV_POLL_END, task, 0, 101, 0, 0);
		else if (r < 8)
			ev(d, ts, DIAL9_EV_POLL_END, task, 10000, 102, 0, 0); /* start unseen */
		else if (r < 9)
			ev(d, ts, DIAL9_EV_SPAWN, task, 0, 100, 0, 0);
		else if ((seed >> 20) % 50 == 0)
			ev(d, ts, DIAL9_EV_MODE, 0, 0, 100, (seed >> 30) % 3, 0);
		else
			ev(d, ts, DIAL9_EV_TERMINATE, task, 0, 100, 0, 0);
	}
	d->meta.end_ns = T0 + ts + 1;
	a = dial9_analysis__new(d);
	assert_non_null(a);
	assert_int_equal(dial9_queue__walk(a, on_step, &q), 0);
	assert_true(a->queue_peak > 1);
	assert_int_equal(q.peak, a->queue_peak);
	assert_int_equal(q.samples, a->lat_count);
	assert_true(q.ordered);
	dial9_analysis__free(a);
	dial9_dump__free(d);
}

static int stop_at_three(void *ctx, const struct dial9_queue_step *s)
{
	return ++*(int *)ctx == 3 ? -ECANCELED : 0;
}

static void test_queue_walk_stops(void **state)
{
	struct dial9_dump *d = known_dump();
	struct dial9_analysis *a = dial9_analysis__new(d);
	int calls = 0;

	assert_non_null(a);
	assert_int_equal(dial9_queue__walk(a, stop_at_three, &calls), -ECANCELED);
	assert_int_equal(calls, 3);
	dial9_analysis__free(a);
	dial9_dump__free(d);
}

static void test_poll_index(void **state)
{
	struct dial9_dump *d = known_dump();
	struct dial9_analysis *a = dial9_analysis__new(d);
	struct dial9_poll_index ix;
	uint64_t p;

	assert_non_null(a);
	assert_int_equal(dial9_poll_index__init(&ix, a), 0);
	p = dial9_poll_index__next(&ix, a, 3, T0 + 10 * MS);
	assert_int_not_equal(p, DIAL9_NO_INDEX);
	assert_int_equal(a->polls[p].start_ns, T0 + 50 * MS);
	assert_int_equal(dial9_poll_index__next(&ix, a, 3, T0 + 50 * MS + 1), DIAL9_NO_INDEX);
	p = dial9_poll_index__at(&ix, a, 2, T0 + 10 * MS, 102);
	assert_int_not_equal(p, DIAL9_NO_INDEX);
	assert_int_equal(a->polls[p].task_id, 2);
	assert_int_equal(dial9_poll_index__at(&ix, a, 2, T0 + 10 * MS, 101), DIAL9_NO_INDEX);
	assert_int_equal(dial9_poll_index__at(&ix, a, 2, T0 + 46 * MS, 102), DIAL9_NO_INDEX);
	assert_int_equal(dial9_poll_index__next(&ix, a, 99, 0), DIAL9_NO_INDEX);
	dial9_poll_index__free(&ix);
	dial9_poll_index__free(NULL);
	dial9_analysis__free(a);
	dial9_dump__free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slices),
		cmocka_unit_test(test_flows),
		cmocka_unit_test(test_counters_instants_meta),
		cmocka_unit_test(test_thread_names),
		cmocka_unit_test(test_known_and_bounds),
		cmocka_unit_test(test_hostile_strings),
		cmocka_unit_test(test_queue_walk_matches_analysis),
		cmocka_unit_test(test_queue_walk_stops),
		cmocka_unit_test(test_poll_index),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
