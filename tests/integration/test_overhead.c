// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_overhead.c - the recorder's cheaper modes, on real targets (root):
 * short polls counted instead of recorded, the overhead governor taking the
 * poll/wake probes away (and what stays on meanwhile), the stall detector
 * that sees a blocking poll while they are away, and the benchmark floor.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

/* A governor that always finds the poll/wake probes over budget. */
#define TINY_BUDGET "--overhead-budget", "1", "--hit-cost-ns", "1000000"




/* Run target NAME (args) under a fresh daemon (extra options) to its end;
 * the exit (or panic) dump's path goes to dump. */
static void run(struct itest_daemon *d, struct itest_target *t, const char *const extra[],
		const char *name, const char *const args[], const char *what, char *dump,
		size_t len)
{
	char pidbuf[16], dir[256], pattern[64];
	const char *attach[] = { "attach", "--pid", pidbuf, NULL };
	int status;

	assert_int_equal(itest_daemon_start(d, extra), 0);
	assert_int_equal(itest_target_start(t, d, name, args, NULL), 0);
	snprintf(pidbuf, sizeof(pidbuf), "%d", t->pid);
	assert_int_equal(itest_ctl(d, NULL, NULL, attach), 0);
	assert_int_equal(itest_target_go(t), 0);
	status = itest_target_wait(t, 60000);
	assert_true(status >= 0 && WIFEXITED(status));
	snprintf(dir, sizeof(dir), "%s/dumps", d->state_dir);
	snprintf(pattern, sizeof(pattern), ".%d.", t->pid);
	if (itest_find_dump(dir, pattern, dump, len, 5000))
		fail_msg("no dump of %s", name);
	assert_non_null(strstr(dump, what));
}

/* Intervals of mode `mode` in a summary's "modes". */
static int mode_spans(json_t *sum, const char *mode, long long *start, long long *end, int max)
{
	json_t *m;
	size_t i;
	int n = 0;

	json_array_foreach(json_object_get(sum, "modes"), i, m) {
		if (strcmp(itest_jstr(m, "mode"), mode))
			continue;
		if (n < max) {
			start[n] = itest_jint(m, "start_ns");
			end[n] = itest_jint(m, "end_ns");
		}
		n++;
	}
	return n;
}

static void test_default_mode_counts_short_polls(void **state)
{
	static const char *const extra[] = { "--dump-on-exit", NULL };
	const char *args[] = { "5", "10", NULL };
	struct itest_daemon d;
	struct itest_target t;
	long long s[4], e[4];
	char dump[512];
	json_t *sum, *graph, *edge;
	size_t i;
	long long task_edges = 0;

	run(&d, &t, extra, "relay", args, ".exit.", dump, sizeof(dump));
	sum = itest_dial9_cmd("summary", dump);
	assert_int_equal(itest_jint(sum, "spawns"), 5);
	assert_int_equal(itest_jint(sum, "lost"), 0);
	/* the relay's polls are microseconds long: counted, not recorded */
	assert_true(itest_jint(sum, "polls_counted") >= 50);
	assert_true(itest_jint(sum, "polls_recorded") < itest_jint(sum, "polls_counted"));
	assert_int_equal(mode_spans(sum, "sampled", s, e, 4), 1);
	/* wakes are still recorded one by one */
	graph = itest_dial9_cmd("wakegraph", dump);
	json_array_foreach(json_object_get(graph, "edges"), i, edge)
		if (!strcmp(itest_jstr(json_object_get(edge, "waker"), "kind"), "task"))
			task_edges += itest_jint(edge, "count");
	assert_true(task_edges >= 40); /* 4 stage-to-stage links x 10 rounds */
	json_decref(sum);
	json_decref(graph);
	itest_daemon_stop(&d);
}

static void test_governor_keeps_spawn_and_panic(void **state)
{
	static const char *const extra[] = { TINY_BUDGET, NULL };
	const char *args[] = { "task", "2500", NULL };
	const char *list[] = { "list", "--json", NULL };
	struct itest_daemon d;
	struct itest_target t;
	char pidbuf[16], dir[256], pattern[64], dump[512], *out = NULL;
	const char *attach[] = { "attach", "--pid", pidbuf, NULL };
	long long s[8], e[8];
	json_t *sum, *l, *panic;
	int n;

	assert_int_equal(itest_daemon_start(&d, extra), 0);
	assert_int_equal(itest_target_start(&t, &d, "panicker", args, NULL), 0);
	snprintf(pidbuf, sizeof(pidbuf), "%d", t.pid);
	assert_int_equal(itest_ctl(&d, NULL, NULL, attach), 0);
	assert_int_equal(itest_target_go(&t), 0);
	sleep(2); /* one second measured over budget, then off */
	assert_int_equal(itest_ctl(&d, &out, NULL, list), 0);
	l = json_loads(out, 0, NULL);
	assert_string_equal(itest_jstr(json_array_get(l, 0), "mode"), "off");
	assert_true(json_real_value(json_object_get(json_array_get(l, 0), "duty")) < 1.0);
	json_decref(l);
	free(out);

	/* the task panics at 2.5 s, spawned while the poll probes are off */
	assert_int_equal(WEXITSTATUS(itest_target_wait(&t, 30000)), 0);
	snprintf(dir, sizeof(dir), "%s/dumps", d.state_dir);
	snprintf(pattern, sizeof(pattern), ".%d.", t.pid);
	assert_int_equal(itest_find_dump(dir, pattern, dump, sizeof(dump), 5000), 0);
	assert_non_null(strstr(dump, ".panic."));
	sum = itest_dial9_cmd("summary", dump);
	n = mode_spans(sum, "off", s, e, 8);
	assert_true(n >= 1);
	assert_int_equal(itest_jint(sum, "spawns"), 4); /* 3 tickers, then the panicking task */
	panic = json_array_get(json_object_get(sum, "panics"), 0);
	assert_non_null(panic);
	assert_true(itest_jint(panic, "ts_ns") >= s[0] && itest_jint(panic, "ts_ns") <= e[0]);
	assert_non_null(strstr(itest_jstr(panic, "location"), "panicker/src/main.rs:"));
	json_decref(sum);
	itest_daemon_stop(&d);
}

static void test_stall_seen_while_polls_off(void **state)
{
	static const char *const extra[] = { "--dump-on-exit", TINY_BUDGET, NULL };
	const char *args[] = { "20", "100", NULL }; /* 100 x (20 ms blocked + 5 ms) */
	struct itest_daemon d;
	struct itest_target t;
	long long s[8], e[8];
	char dump[512];
	json_t *tl, *th, *sl, *sum;
	size_t i, j;
	int n, k, found = 0;

	run(&d, &t, extra, "blocker", args, ".exit.", dump, sizeof(dump));
	sum = itest_dial9_cmd("summary", dump);
	n = mode_spans(sum, "off", s, e, 8);
	assert_true(n >= 1);
	tl = itest_dial9_cmd("timeline", dump);
	json_array_foreach(json_object_get(tl, "threads"), i, th) {
		json_array_foreach(json_object_get(th, "slices"), j, sl) {
			long long st;

			if (strcmp(itest_jstr(sl, "kind"), "stall"))
				continue;
			st = itest_jint(sl, "start_ns");
			for (k = 0; k < n && k < 8; k++) {
				if (st < s[k] || st > e[k])
					continue;
				/* std::thread::sleep(20 ms) inside the poll */
				assert_true(itest_jint(sl, "duration_ns") >= 20000000LL);
				if (!strstr(itest_jstr(sl, "site"), "blocker::spawn_blocker"))
					fail_msg("stall site '%s'", itest_jstr(sl, "site"));
				found++;
			}
		}
	}
	/* the blocks go on for 2.5 s; the probes are off after the first second */
	assert_true(found >= 10);
	json_decref(tl);
	json_decref(sum);
	itest_daemon_stop(&d);
}

static void test_floor_records_no_runtime_events(void **state)
{
	static const char *const extra[] = { "--dump-on-exit", "--floor", NULL };
	const char *args[] = { "5", "10", NULL };
	struct itest_daemon d;
	struct itest_target t;
	char dump[512];
	json_t *sum;

	run(&d, &t, extra, "relay", args, ".exit.", dump, sizeof(dump));
	sum = itest_dial9_cmd("summary", dump);
	/* empty programs behind the same probe points */
	assert_int_equal(itest_jint(sum, "spawns"), 0);
	assert_int_equal(itest_jint(sum, "polls"), 0);
	assert_int_equal(itest_jint(sum, "wakes"), 0);
	assert_true(json_is_object(json_object_get(sum, "exit")));
	json_decref(sum);
	itest_daemon_stop(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_mode_counts_short_polls),
		cmocka_unit_test(test_governor_keeps_spawn_and_panic),
		cmocka_unit_test(test_stall_seen_while_polls_off),
		cmocka_unit_test(test_floor_records_no_runtime_events),
	};

	if (!itest_can_run())
		return 1;
	return cmocka_run_group_tests_name("overhead", tests, NULL, itest_teardown);
}
