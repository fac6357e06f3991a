// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_sampler.c - the CPU sampler (root): a poll that spins on the CPU is
 * found while the poll probes are off, with its task, its length and the
 * function it spins in, and the samples are attributed to tasks.
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

#include "itest.h"

#define MS 1000000LL
#define SPIN_MS 30
#define SPINS 8

/* The blocker task's id: the task spawned at spawn_blocker. */
static long long blocker_task(const char *dump)
{
	const char *args[] = { "tasks", "--json", dump, NULL };
	json_t *tasks = itest_dial9_json(args), *t;
	long long id = 0;
	size_t i;

	assert_non_null(tasks);
	json_array_foreach(tasks, i, t) {
		const char *loc = itest_jstr(t, "spawn_location");

		if (loc && strstr(loc, "blocker::spawn_blocker"))
			id = itest_jint(t, "task_id");
	}
	json_decref(tasks);
	return id;
}

static void test_spin_found_with_probes_off(void **state)
{
	/* a budget no process meets: the poll and wake probes are off all the
	 * time but for the first seconds' learning and short measurements */
	const char *extra[] = { "--dump-on-exit", "--hit-cost-ns", "10000000", "--overhead-budget",
				"0.01", NULL };
	char spin[8], dump[512];
	/* spin 30 ms, 8 times, 300 ms apart */
	const char *args[] = { spin, "8", "300", "300", "spin", NULL };
	const char *profile[] = { "profile", "--json", dump, NULL };
	long long task, found = 0, hz, count, with_task, unattributed;
	json_t *sum, *cpu, *runs, *run, *prof;
	struct itest_daemon d;
	struct itest_target t;
	size_t i;

	(void)state;
	snprintf(spin, sizeof(spin), "%d", SPIN_MS);
	assert_int_equal(itest_daemon_start(&d, extra), 0);
	assert_int_equal(itest_target_start(&t, &d, "blocker", args, NULL), 0);
	itest_record_to_exit(&d, &t, NULL, dump, sizeof(dump));
	task = blocker_task(dump);
	assert_true(task > 0);

	sum = itest_dial9_cmd("summary", dump);
	assert_non_null(sum);
	cpu = json_object_get(sum, "cpu_samples");
	assert_non_null(cpu);
	hz = itest_jint(cpu, "hz");
	count = itest_jint(cpu, "count");
	with_task = itest_jint(cpu, "with_task");
	unattributed = itest_jint(cpu, "unattributed");
	printf("cpu samples: %lld at %lld Hz, %lld with a task, %lld before the place was learned\n",
	       count, hz, with_task, unattributed);
	assert_int_equal(hz, 997);
	/* 240 ms of spinning alone */
	assert_true(count >= 60);
	/* learned: nearly every sample once the place is known names a task */
	assert_true(with_task * 100 >= (count - unattributed) * 80);

	runs = json_object_get(cpu, "longest_runs");
	json_array_foreach(runs, i, run) {
		long long dur = itest_jint(run, "duration_ns");
		const char *loc = itest_jstr(run, "location");

		printf("run: task %lld, %lld us, %lld samples, probes %s, in %s\n",
		       itest_jint(run, "task_id"), dur / 1000, itest_jint(run, "samples"),
		       json_is_true(json_object_get(run, "probed")) ? "on" : "off", loc ? loc : "?");
		if (itest_jint(run, "task_id") != task || json_is_true(json_object_get(run, "probed")))
			continue;
		/* never longer than a spin: no two merged into one */
		assert_true(dur <= SPIN_MS * MS * 5 / 4);
		/* a spin preempted, or begun before the sampler knew the task, is cut
		 * short; the others within 25 % (the goal: ±2 ms or ±25 %) */
		if (dur < SPIN_MS * MS * 3 / 4)
			continue;
		assert_non_null(loc);
		assert_true(strstr(loc, "blocker::spin_for") || strstr(loc, "Timespec>::now"));
		found++;
	}
	/* the longest runs list holds 10: most spins, found with the probes off */
	if (found < SPINS * 3 / 4)
		fail_msg("%lld of %d spins found as runs of their task with the probes off", found,
			 SPINS);
	json_decref(sum);

	/* the profile names the task and where it spun */
	prof = itest_dial9_json(profile);
	assert_non_null(prof);
	run = json_array_get(json_object_get(prof, "rows"), 0);
	assert_int_equal(itest_jint(run, "task_id"), task);
	{
		json_t *funcs = json_object_get(run, "functions"), *f;
		bool spin_for = false;

		json_array_foreach(funcs, i, f)
			spin_for |= strstr(itest_jstr(f, "function"), "blocker::spin_for") != NULL;
		assert_true(spin_for);
	}
	json_decref(prof);
	itest_daemon_stop(&d);
}

/* --cpu-sample-hz 0: no sampler, and the dump says so. */
static void test_sampler_off(void **state)
{
	const char *extra[] = { "--dump-on-exit", "--cpu-sample-hz", "0", NULL };
	const char *args[] = { "20", "2", "50", "0", "spin", NULL };
	char dump[512];
	const char *profile[] = { "build/dial9", "profile", dump, NULL };
	struct itest_daemon d;
	struct itest_target t;
	char *out = NULL, *err = NULL;
	json_t *sum;

	(void)state;
	assert_int_equal(itest_daemon_start(&d, extra), 0);
	assert_int_equal(itest_target_start(&t, &d, "blocker", args, NULL), 0);
	itest_record_to_exit(&d, &t, NULL, dump, sizeof(dump));
	sum = itest_dial9_cmd("summary", dump);
	assert_non_null(sum);
	assert_true(json_is_null(json_object_get(sum, "cpu_samples")));
	json_decref(sum);
	itest_run(profile, &out, &err, 10000);
	assert_non_null(err);
	assert_non_null(strstr(err, "the CPU sampler was off: dial9d --cpu-sample-hz"));
	free(out);
	free(err);
	itest_daemon_stop(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spin_found_with_probes_off),
		cmocka_unit_test(test_sampler_off),
	};

	if (!itest_can_run())
		return 1;
	return cmocka_run_group_tests_name("sampler", tests, NULL, itest_teardown);
}
