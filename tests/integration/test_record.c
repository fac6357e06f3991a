// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_record.c - record real Tokio programs through real uprobes and ring
 * buffers (root), and check what dial9 reads back against what the programs
 * are known to have done.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

static struct itest_daemon daemon_;

static int group_setup(void **state)
{
	if (!itest_can_run())
		return -1;
	return itest_daemon_start_full(&daemon_); /* these tests check every poll */
}

static int group_teardown(void **state)
{
	itest_kill_all();
	itest_daemon_stop(&daemon_);
	return 0;
}

/* Start NAME, attach, let it run to the end; return its exit dump's path. */
static void record_to_exit(const char *name, const char *const args[], char *dump, size_t len)
{
	struct itest_target t;

	assert_int_equal(itest_target_start(&t, &daemon_, name, args, NULL), 0);
	itest_record_to_exit(&daemon_, &t, NULL, dump, len);
	assert_true(itest_target_wait_line(&t, "done=1", 1000));
	assert_non_null(strstr(dump, ".exit."));
}




/* Tasks whose spawn location contains `where`, sorted by spawn time. */
static int tasks_spawned_in(json_t *tasks, const char *where, long long *ids, int max)
{
	size_t i;
	json_t *t;
	int n = 0;

	json_array_foreach(tasks, i, t) {
		if (!strstr(itest_jstr(t, "location"), where))
			continue;
		if (n < max)
			ids[n] = itest_jint(t, "task_id");
		n++;
	}
	/* tasks --json is sorted by id; ids grow in spawn order */
	return n;
}

static long long edge_count(json_t *graph, long long from, long long to)
{
	json_t *edges = json_object_get(graph, "edges"), *e;
	size_t i;

	json_array_foreach(edges, i, e) {
		json_t *w = json_object_get(e, "waker");
		json_t *f = json_object_get(w, "task_id"), *t = json_object_get(e, "woken");

		if (!strcmp(itest_jstr(w, "kind"), "task") && json_is_integer(f) && json_is_integer(t) &&
		    json_integer_value(f) == from && json_integer_value(t) == to)
			return itest_jint(e, "count");
	}
	return 0;
}

static void test_spawner_counts_and_ids(void **state)
{
	const char *args[] = { "100", NULL };
	json_t *sum, *tasks, *t;
	char dump[512];
	long long ids[128], prev = 0;
	size_t i;
	int n;

	record_to_exit("spawner", args, dump, sizeof(dump));
	sum = itest_dial9_cmd("summary", dump);
	assert_int_equal(itest_jint(sum, "spawns"), 100);
	assert_int_equal(itest_jint(sum, "lost"), 0);
	assert_true(itest_jint(sum, "polls") >= 100);
	assert_string_equal(itest_jstr(sum, "reason"), "exit");

	tasks = itest_dial9_cmd("tasks", dump);
	n = tasks_spawned_in(tasks, "spawner::", ids, 128);
	assert_int_equal(n, 100);
	/* Tokio ids come from one process-wide counter: 100 consecutive ids */
	for (i = 1; i < 100; i++)
		assert_int_equal(ids[i], ids[i - 1] + 1);
	json_array_foreach(tasks, i, t) {
		if (!strstr(itest_jstr(t, "location"), "spawner::"))
			continue;
		assert_true(itest_jint(t, "polls") >= 1);
		assert_true(itest_jint(t, "task_id") > prev);
		prev = itest_jint(t, "task_id");
	}
	json_decref(sum);
	json_decref(tasks);
}

static void check_relay(const char *name)
{
	const char *args[] = { "5", "10", NULL };
	json_t *tasks, *graph, *sum;
	long long ids[8];
	char dump[512];
	int n, i;

	record_to_exit(name, args, dump, sizeof(dump));
	sum = itest_dial9_cmd("summary", dump);
	assert_int_equal(itest_jint(sum, "lost"), 0);
	assert_int_equal(itest_jint(sum, "spawns"), 5);
	tasks = itest_dial9_cmd("tasks", dump);
	n = tasks_spawned_in(tasks, "relay::spawn_stage", ids, 8);
	assert_int_equal(n, 5);
	graph = itest_dial9_cmd("wakegraph", dump);
	for (i = 0; i + 1 < 5; i++) {
		long long fwd = edge_count(graph, ids[i], ids[i + 1]);

		if (fwd < 10)
			fail_msg("%s: stage %d (task %lld) woke stage %d (task %lld) %lld times, want >= 10",
				 name, i, ids[i], i + 1, ids[i + 1], fwd);
	}
	/* the relay is a chain of at least 4 task-to-task wakes */
	assert_true(itest_jint(json_object_get(graph, "longest_wake_chain"), "length") >= 4);
	json_decref(sum);
	json_decref(tasks);
	json_decref(graph);
}

static void test_relay_wake_edges(void **state)
{
	check_relay("relay");
}

static void test_relay_wake_edges_v0_mangling(void **state)
{
	check_relay("relay-v0");
}

static void test_blocker_long_polls(void **state)
{
	const char *args[] = { "50", "5", NULL };
	json_t *sum, *longest, *tasks, *t;
	char dump[512];
	size_t i;
	int found = 0;

	record_to_exit("blocker", args, dump, sizeof(dump));
	sum = itest_dial9_cmd("summary", dump);
	longest = json_array_get(json_object_get(sum, "long_polls"), 0);
	assert_non_null(longest);
	/* std::thread::sleep(50 ms) inside the poll: the poll lasts at least that */
	assert_true(itest_jint(longest, "duration_ns") >= 50000000LL);
	assert_non_null(strstr(itest_jstr(longest, "location"), "spawn_blocker"));

	tasks = itest_dial9_cmd("tasks", dump);
	json_array_foreach(tasks, i, t) {
		if (!strstr(itest_jstr(t, "location"), "spawn_blocker"))
			continue;
		found++;
		assert_true(itest_jint(t, "poll_ns_max") >= 50000000LL);
		assert_true(itest_jint(t, "poll_ns_total") >= 5 * 50000000LL);
	}
	assert_int_equal(found, 1);
	json_decref(sum);
	json_decref(tasks);
}

static void test_io_driver_wakes(void **state)
{
	const char *args[] = { "200", NULL };
	json_t *graph, *e;
	char dump[512];
	long long io = 0;
	size_t i;

	record_to_exit("io_pingpong", args, dump, sizeof(dump));
	graph = itest_dial9_cmd("wakegraph", dump);
	json_array_foreach(json_object_get(graph, "edges"), i, e)
		if (!strcmp(itest_jstr(json_object_get(e, "waker"), "kind"), "io_driver"))
			io += itest_jint(e, "count");
	/* each of the 200 round trips parks a task on a socket read */
	assert_true(io >= 200);
	json_decref(graph);
}

static void test_current_thread_runtime(void **state)
{
	const char *args[] = { "20", "10", NULL };
	json_t *sum, *tl;
	char dump[512];

	record_to_exit("current_thread", args, dump, sizeof(dump));
	sum = itest_dial9_cmd("summary", dump);
	assert_int_equal(itest_jint(sum, "lost"), 0);
	assert_true(itest_jint(sum, "spawns") >= 20);
	assert_true(itest_jint(sum, "polls") >= 20);
	tl = itest_dial9_cmd("timeline", dump);
	/* everything ran on one thread */
	assert_int_equal(json_array_size(json_object_get(tl, "threads")), 1);
	json_decref(sum);
	json_decref(tl);
}

static void test_dump_on_request_list_detach(void **state)
{
	const char *args[] = { "sleep", NULL };
	struct itest_target t;
	char pidbuf[16], outfile[256], *out = NULL, *err = NULL, path[512];
	const char *attach[] = { "attach", "--pid", pidbuf, NULL };
	const char *dump[] = { "dump", "--pid", pidbuf, NULL };
	const char *dump_o[] = { "dump", "--pid", pidbuf, "-o", outfile, NULL };
	const char *list[] = { "list", "--json", NULL };
	const char *detach[] = { "detach", "--pid", pidbuf, NULL };
	json_t *sum, *l;
	json_error_t jerr;
	struct stat st;

	assert_int_equal(itest_target_start(&t, &daemon_, "panicker", args, NULL), 0);
	snprintf(pidbuf, sizeof(pidbuf), "%d", t.pid);
	snprintf(outfile, sizeof(outfile), "%s/requested.dial9", daemon_.dir);
	assert_int_equal(itest_ctl(&daemon_, NULL, NULL, attach), 0);
	assert_int_equal(itest_target_go(&t), 0);
	sleep(1);

	assert_int_equal(itest_ctl(&daemon_, &out, &err, list), 0);
	l = json_loads(out, 0, &jerr);
	assert_non_null(l);
	assert_int_equal(itest_jint(json_array_get(l, 0), "pid"), t.pid);
	assert_true(itest_jint(json_array_get(l, 0), "events") > 0);
	json_decref(l);
	free(out);
	free(err);

	/* dump into the state dir: prints the path */
	assert_int_equal(itest_ctl(&daemon_, &out, &err, dump), 0);
	snprintf(path, sizeof(path), "%s", out);
	path[strcspn(path, "\n")] = '\0';
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	sum = itest_dial9_cmd("summary", path);
	assert_string_equal(itest_jstr(sum, "reason"), "request");
	assert_int_equal(itest_jint(sum, "pid"), t.pid);
	assert_true(itest_jint(sum, "events") > 0);
	json_decref(sum);
	free(out);
	free(err);

	/* dump to a file of the caller's choosing */
	assert_int_equal(itest_ctl(&daemon_, &out, &err, dump_o), 0);
	assert_int_equal(stat(outfile, &st), 0);
	sum = itest_dial9_cmd("summary", outfile);
	assert_string_equal(itest_jstr(sum, "reason"), "request");
	json_decref(sum);
	free(out);
	free(err);

	assert_int_equal(itest_ctl(&daemon_, &out, &err, detach), 0);
	free(out);
	free(err);
	/* detached: a second dump is refused */
	assert_int_equal(itest_ctl(&daemon_, &out, &err, dump), 1);
	assert_non_null(strstr(err, "not being recorded"));
	free(out);
	free(err);
	itest_target_kill(&t, SIGTERM);
	itest_target_wait(&t, 5000);
}

static void test_ctl_errors(void **state)
{
	const char *nonexist[] = { "attach", "--pid", "999999999", NULL };
	const char *sleep_args[] = { "/bin/sleep", "30", NULL };
	char pidbuf[16], *out = NULL, *err = NULL;
	const char *notokio[] = { "attach", "--pid", pidbuf, NULL };
	const char *nodaemon[] = { ITEST_BIN("dial9ctl"), "--socket", "/nonexistent/dial9.sock",
				   "status", NULL };
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		execv(sleep_args[0], (char *const *)sleep_args);
		_exit(127);
	}
	usleep(100000);
	snprintf(pidbuf, sizeof(pidbuf), "%d", pid);
	assert_int_equal(itest_ctl(&daemon_, &out, &err, notokio), 1);
	assert_non_null(strstr(err, "no Tokio runtime symbols"));
	/* /bin/sleep is stripped: the message says what would help */
	assert_non_null(strstr(err, "no debug file was found"));
	free(out);
	free(err);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);

	assert_int_equal(itest_ctl(&daemon_, &out, &err, nonexist), 1);
	assert_non_null(strstr(err, "Error: "));
	free(out);
	free(err);

	assert_int_equal(WEXITSTATUS(itest_run(nodaemon, &out, &err, 5000)), 1);
	assert_non_null(strstr(err, "not running"));
	free(out);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spawner_counts_and_ids),
		cmocka_unit_test(test_relay_wake_edges),
		cmocka_unit_test(test_relay_wake_edges_v0_mangling),
		cmocka_unit_test(test_blocker_long_polls),
		cmocka_unit_test(test_io_driver_wakes),
		cmocka_unit_test(test_current_thread_runtime),
		cmocka_unit_test(test_dump_on_request_list_detach),
		cmocka_unit_test(test_ctl_errors),
	};

	return cmocka_run_group_tests_name("record", tests, group_setup, group_teardown);
}
