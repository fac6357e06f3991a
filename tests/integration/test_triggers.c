// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_triggers.c - dumps nobody asked for (root): a task that blocks its
 * worker for 50 ms, with a trigger of 25 ms configured, leaves exactly one
 * dump, naming the trigger, holding the blocking poll and the seconds
 * after it; a second block within the hold-off leaves no second dump; the
 * journal is told; rules a recording mode cannot observe are said so at
 * start.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"
#include "journal.h"

#define MS 1000000LL
#define POST_TRIGGER_S 2

/* Dumps in the dumps directory dir (its per-uid directories), the last one
 * into path. */
static int count_dumps(const char *dir, char *path, size_t len)
{
	char **paths;
	int n = itest_dump_files(dir, false, &paths);

	assert_true(n >= 0);
	if (n)
		snprintf(path, len, "%s", paths[n - 1]);
	itest_free_paths(paths, n);
	return n;
}

/* dial9ctl dumps --json as uid: the entries listed. */
static json_t *catalogue_as(int uid, const struct itest_daemon *d)
{
	const char *args[] = { "--json", "dumps", "--state-dir", d->state_dir, NULL };
	char *out = NULL, *err = NULL;
	json_t *j;

	if (itest_ctl_as(uid, d, &out, &err, args))
		fail_msg("dial9ctl dumps as %d: %s", uid, err ? err : "?");
	j = json_loads(out, 0, NULL);
	if (!j)
		fail_msg("dial9ctl dumps as %d: not JSON: %s", uid, out);
	free(out);
	free(err);
	return j;
}

/* "\nNAME=value\n" in a native-protocol entry (none of these values holds a
 * newline, so none is in the binary form). */
static void assert_field(const char *entry, const char *name, const char *want)
{
	char needle[512];

	snprintf(needle, sizeof(needle), "\n%s=%s\n", name, want);
	if (!strstr(entry, needle))
		fail_msg("no %s=%s in the journal entry:\n%s", name, want, entry);
}

/* The longest stall or recorded poll of task in a summary, in ns. */
static long long longest_of_task(json_t *sum, long long task)
{
	static const char *const lists[] = { "long_stalls", "longest_polls" };
	long long best = 0;
	size_t l, i;

	for (l = 0; l < 2; l++) {
		json_t *a = json_object_get(sum, lists[l]), *row;

		json_array_foreach(a, i, row) {
			if (itest_jint(row, "task_id") == task &&
			    itest_jint(row, "duration_ns") > best)
				best = itest_jint(row, "duration_ns");
		}
	}
	return best;
}

static void test_block_triggers_one_dump(void **state)
{
	char sock[128], post[16], pid[16], dumps[256], path[512], entry[16384], *log;
	const char *extra[] = { "--trigger", "blocked: poll > 25ms holdoff=60s", "--post-trigger",
				post, "--journal-socket", sock, NULL };
	/* block 50 ms, again 3 s later (after the first dump, inside the
	 * hold-off), then 3 s more of ticking */
	const char *args[] = { "50", "2", "3000", "3000", NULL };
	const char *attach[] = { "attach", "--pid", pid, NULL };
	struct itest_daemon d;
	struct itest_target t;
	long long task, after;
	json_t *sum, *trig, *cat, *entries;
	ssize_t len;
	int fd;

	(void)state;
	snprintf(post, sizeof(post), "%d", POST_TRIGGER_S);
	snprintf(sock, sizeof(sock), "/tmp/dial9-itest-trig.%d.sock", getpid());
	fd = itest_datagram_socket(sock, 15);
	assert_true(fd >= 0);
	assert_int_equal(itest_daemon_start(&d, extra), 0);
	assert_int_equal(itest_target_start(&t, &d, "blocker", args, NULL), 0);
	snprintf(pid, sizeof(pid), "%d", t.pid);
	assert_int_equal(itest_ctl(&d, NULL, NULL, attach), 0);
	assert_int_equal(itest_target_go(&t), 0);
	assert_int_equal(itest_target_wait(&t, 20000), 0);
	assert_true(itest_target_wait_line(&t, "block index=1 ms=50", 0));

	/* the journal heard of it: a warning, naming the rule */
	len = recv(fd, entry, sizeof(entry) - 1, 0);
	if (len <= 0)
		fail_msg("no journal entry for the triggered dump");
	entry[len] = '\0';
	memmove(entry + 1, entry, (size_t)len + 1); /* every field after a newline */
	entry[0] = '\n';
	assert_field(entry, "MESSAGE_ID", DIAL9_JOURNAL_MESSAGE_ID);
	assert_field(entry, "PRIORITY", "4");
	assert_field(entry, "DIAL9_REASON", "triggered");
	assert_field(entry, "DIAL9_TRIGGER", "blocked");
	assert_field(entry, "DIAL9_TRIGGER_METRIC", "poll");
	assert_field(entry, "DIAL9_TRIGGER_THRESHOLD", "25000000");
	assert_field(entry, "DIAL9_PID", pid);

	/* exactly one dump: the second block was within the hold-off */
	snprintf(dumps, sizeof(dumps), "%s/dumps", d.state_dir);
	assert_int_equal(count_dumps(dumps, path, sizeof(path)), 1);
	assert_non_null(strstr(path, ".triggered.dial9"));
	assert_non_null(strstr(entry, path));

	sum = itest_dial9_cmd("summary", path);
	assert_non_null(sum);
	assert_string_equal(itest_jstr(sum, "reason"), "triggered");
	trig = json_object_get(sum, "trigger");
	assert_non_null(trig);
	assert_string_equal(itest_jstr(trig, "metric"), "poll");
	assert_non_null(strstr(itest_jstr(trig, "rule"), "blocked: poll > 25ms"));
	assert_int_equal(itest_jint(trig, "threshold"), 25 * MS);
	/* what fired it is the 50 ms block: its poll or its stall */
	assert_in_range(itest_jint(trig, "value"), 45 * MS, 80 * MS);
	/* the aftermath is in: at least --post-trigger seconds after it */
	after = itest_jint(trig, "after_ns");
	if (after < POST_TRIGGER_S * 1000 * MS)
		fail_msg("the dump holds %lld ns after the trigger, want >= %d s", after,
			 POST_TRIGGER_S);
	assert_true(itest_jint(trig, "fired_ns") >= itest_jint(sum, "start_ns"));
	/* and the blocking poll itself, of the task the trigger names */
	task = itest_jint(sum, "reason_task");
	assert_true(task > 0);
	assert_in_range(longest_of_task(sum, task), 45 * MS, 80 * MS);
	json_decref(sum);

	/* the catalogue lists it, with its trigger, for root; not for others */
	cat = catalogue_as(0, &d);
	printf("root's catalogue: %s\n", json_dumps(cat, JSON_COMPACT));
	entries = json_is_array(cat) ? cat : json_object_get(cat, "dumps");
	assert_int_equal(json_array_size(entries), 1);
	assert_string_equal(itest_jstr(json_array_get(entries, 0), "trigger"), "blocked");
	assert_string_equal(itest_jstr(json_array_get(entries, 0), "reason"), "triggered");
	assert_string_equal(itest_jstr(json_array_get(entries, 0), "path"), path);
	json_decref(cat);
	cat = catalogue_as(65534, &d);
	entries = json_is_array(cat) ? cat : json_object_get(cat, "dumps");
	assert_int_equal(json_array_size(entries), 0);
	json_decref(cat);

	itest_daemon_stop(&d);
	log = itest_read_file(d.log);
	assert_non_null(log);
	/* the rule is seen in every mode: nothing to warn about */
	assert_null(strstr(log, "dial9d: trigger blocked"));
	free(log);
	close(fd);
	unlink(sock);
}

/* A rule the mode cannot fully observe is said so at start, and status
 * shows the rules in force. */
static void test_blind_spots_said_at_start(void **state)
{
	const char *extra[] = { "--trigger", "short: poll > 2ms", "--trigger",
				"wq: latency-p99 > 5ms for 3s", NULL };
	const char *status[] = { "--json", "status", NULL };
	struct itest_daemon d;
	json_t *j, *rules;
	char *out = NULL, *log;

	(void)state;
	assert_int_equal(itest_daemon_start(&d, extra), 0);
	assert_int_equal(itest_ctl(&d, &out, NULL, status), 0);
	j = json_loads(out, 0, NULL);
	assert_non_null(j);
	rules = json_object_get(json_object_get(j, "settings"), "trigger");
	assert_int_equal(json_array_size(rules), 2);
	assert_string_equal(json_string_value(json_array_get(rules, 0)),
			    "short: poll > 2ms holdoff=1min max-per-hour=6");
	assert_string_equal(json_string_value(json_array_get(rules, 1)),
			    "wq: latency-p99 > 5ms for 3s holdoff=1min max-per-hour=6");
	json_decref(j);
	free(out);
	itest_daemon_stop(&d);
	log = itest_read_file(d.log);
	assert_non_null(log);
	if (!strstr(log, "dial9d: trigger short: poll > 2ms holdoff=1min max-per-hour=6: "
			 "a poll shorter than the stall detector's 10 ms is seen only while the "
			 "poll probes are on"))
		fail_msg("no blind spot for 'short' in the log:\n%s", log);
	if (!strstr(log, "dial9d: trigger wq: "))
		fail_msg("no blind spot for 'wq' in the log:\n%s", log);
	free(log);
}

/* A bad rule: one line, and the daemon does not start. */
static void test_bad_rule_refused(void **state)
{
	const char *argv[] = { "build/dial9d", "--trigger", "poll > 25", NULL };
	char *out = NULL, *err = NULL;
	int status;

	(void)state;
	status = itest_run(argv, &out, &err, 5000);

	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 2);
	assert_string_equal(err, "Error: --trigger: '25' needs a unit: 25ms (ns, us, ms, s, min)\n");
	free(out);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_block_triggers_one_dump),
		cmocka_unit_test(test_blind_spots_said_at_start),
		cmocka_unit_test(test_bad_rule_refused),
	};

	if (!itest_can_run())
		return 1;
	return cmocka_run_group_tests_name("triggers", tests, NULL, itest_teardown);
}
