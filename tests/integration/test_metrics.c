// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_metrics.c - dial9d --metrics-file on a real target (root): the file
 * appears at start, is rewritten every --metrics-interval, passes `promtool
 * check metrics`, and its counters are `dial9ctl --json list`'s (and its
 * dump counts `status`'s) at the same moment; latency is measured under
 * full recording and absent, never zero, in the default mode.
 *
 * "The same moment": the target is stopped (SIGSTOP) once its load is done,
 * so its counters freeze (nothing is recorded of a stopped process); times
 * (dial9_recording_seconds_total) change only when a second ends, and the
 * file is written right after that.  The file is read, list taken, the
 * file read again: when both reads are the same file (same inode, so no
 * second ended between them), list saw what the file says.  A client's
 * request (a dump) changes figures between seconds: after one, the next
 * file is waited for.  The live counts are also checked against the
 * reader's own analysis of a dump of the same records.
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

#include "exposition.h"
#include "figures.h"
#include "itest.h"

#define PROMTOOL "/usr/bin/promtool"

struct snap {
	char *text;
	ino_t ino;
};

static bool read_snap(const char *path, struct snap *s)
{
	struct stat a, b;

	s->text = NULL;
	if (stat(path, &a))
		return false;
	s->text = itest_read_file(path);
	/* the file read is the one stat'ed (not replaced meanwhile) */
	if (!s->text || stat(path, &b) || a.st_ino != b.st_ino) {
		free(s->text);
		s->text = NULL;
		return false;
	}
	s->ino = a.st_ino;
	return true;
}

/* The value text of the sample name{..pid..labels..} (pid 0: any), into
 * out; false if there is none. */
static bool value_of(const char *text, const char *name, int pid, const char *labels, char *out,
		     size_t len)
{
	char want[64];
	size_t n = strlen(name);
	const char *p;

	snprintf(want, sizeof(want), "pid=\"%d\"", pid);
	for (p = text; *p;) {
		const char *end = strchr(p, '\n');
		char line[8192];

		if (!end)
			break;
		snprintf(line, sizeof(line), "%.*s", (int)(end - p), p);
		p = end + 1;
		if (strncmp(line, name, n) || (line[n] != '{' && line[n] != ' '))
			continue;
		if ((pid && !strstr(line, want)) || (labels && !strstr(line, labels)))
			continue;
		snprintf(out, len, "%s", strrchr(line, ' ') + 1);
		return true;
	}
	return false;
}

static long long int_of(const char *text, const char *name, int pid, const char *labels)
{
	char v[64];

	if (!value_of(text, name, pid, labels, v, sizeof(v)))
		fail_msg("no %s{pid=%d %s} in the metrics file:\n%s", name, pid, labels ? labels : "",
			 text);
	return strtoll(v, NULL, 10);
}

static void promtool_passes(const char *path)
{
	const char *argv[] = { PROMTOOL, "check", "metrics", NULL };
	char *out = NULL, *err = NULL;
	int status = itest_run_input(argv, path, &out, &err, 30000);

	if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		fail_msg("promtool check metrics %s: %s%s", path, out ? out : "", err ? err : "");
	free(out);
	free(err);
}

/* A daemon writing DIR/dial9.prom every second, DIR a fresh directory;
 * full: recording every poll and wake. */
static void start(struct itest_daemon *d, char *path, size_t len, bool full)
{
	char dir[] = "/tmp/dial9-itest-metrics.XXXXXX";
	const char *full_extra[] = { "--metrics-file", path, "--metrics-interval", "1",
				     "--poll-threshold-us", "0", "--overhead-budget", "0", NULL };
	const char *default_extra[] = { "--metrics-file", path, "--metrics-interval", "1", NULL };
	struct snap s;
	struct stat st;

	assert_non_null(mkdtemp(dir));
	snprintf(path, len, "%s/dial9.prom", dir);
	assert_int_equal(itest_daemon_start(d, full ? full_extra : default_extra), 0);
	/* there at once, before anything is recorded */
	assert_true(read_snap(path, &s));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(int_of(s.text, "dial9_processes_recorded", 0, NULL), 0);
	free(s.text);
	promtool_passes(path);
}

/* A storm of polls and wakes (40 tasks, 20000 polls/s for 2 s), recorded;
 * the target waits after it. */
static void storm(struct itest_daemon *d, struct itest_target *t)
{
	const char *args[] = { "40", "2000", "20000", "120000", NULL };
	char pid[16];
	const char *attach[] = { "attach", "--pid", pid, NULL };

	assert_int_equal(itest_target_start(t, d, "storm", args, NULL), 0);
	snprintf(pid, sizeof(pid), "%d", t->pid);
	assert_int_equal(itest_ctl(d, NULL, NULL, attach), 0);
	assert_int_equal(itest_target_go(t), 0);
}

static long long storm_done(struct itest_target *t)
{
	char *v;
	long long polls;

	assert_true(itest_target_wait_line(t, "polls=", 30000));
	v = itest_target_fact(t, "polls");
	assert_non_null(v);
	polls = atoll(v);
	free(v);
	return polls;
}

/* The lines of pid's counters (but times), to see them stop moving. */
static void counters_of(const char *text, int pid, char *out, size_t len)
{
	size_t c, at = 0;
	char v[64];

	out[0] = '\0';
	for (c = 0; c < proc_ncounters; c++) {
		if (proc_counters[c].ns ||
		    !value_of(text, proc_counters[c].metric, pid, proc_counters[c].label, v, sizeof(v)))
			continue;
		at += (size_t)snprintf(out + at, len - at, "%s=%s ", proc_counters[c].key, v);
		if (at >= len)
			break;
	}
}

/* Wait for two successive files with the same counters of pid. */
static void wait_frozen(const char *path, int pid)
{
	char before[4096] = "", now[4096];
	long long end = itest_now_ms() + 20000;
	ino_t last = 0;
	struct snap s;

	while (itest_now_ms() < end) {
		usleep(100000);
		if (!read_snap(path, &s))
			continue;
		if (s.ino != last) {
			counters_of(s.text, pid, now, sizeof(now));
			if (last && now[0] && !strcmp(now, before)) {
				free(s.text);
				return;
			}
			snprintf(before, sizeof(before), "%s", now);
			last = s.ino;
		}
		free(s.text);
	}
	fail_msg("the counters of %d never stopped moving: %s", pid, before);
}

static json_t *ctl_json(const struct itest_daemon *d, const char *cmd)
{
	const char *args[] = { "--json", cmd, NULL };
	char *out = NULL;
	json_t *j;

	assert_int_equal(itest_ctl(d, &out, NULL, args), 0);
	j = json_loads(out, 0, NULL);
	assert_non_null(j);
	free(out);
	return j;
}

static json_t *listed(json_t *list, int pid)
{
	json_t *p;
	size_t i;

	json_array_foreach(list, i, p)
		if (itest_jint(p, "pid") == pid)
			return p;
	fail_msg("process %d is not in dial9ctl list", pid);
	return NULL;
}

/* The file, list and status at one moment: file, list, status, file again,
 * until both files are the same one. */
static void same_moment(const struct itest_daemon *d, const char *path, struct snap *s,
			json_t **list, json_t **status)
{
	struct snap again;
	int tries;

	for (tries = 0; tries < 20; tries++) {
		assert_true(read_snap(path, s));
		*list = ctl_json(d, "list");
		*status = ctl_json(d, "status");
		assert_true(read_snap(path, &again));
		free(again.text);
		if (again.ino == s->ino)
			return;
		json_decref(*list);
		json_decref(*status);
		free(s->text);
	}
	fail_msg("the metrics file changed under every try");
}

/* Each counter as list says it, the histogram as list says it, the dumps as
 * status says them. */
static void assert_agree(const char *text, json_t *p, json_t *status, int pid)
{
	json_t *lat = json_object_get(p, "wake_latency"), *b, *n;
	json_t *by = json_object_get(status, "dumps_by_reason");
	char v[64], want[64], le[64], secs[32];
	const char *reason;
	size_t c, i;

	for (c = 0; c < proc_ncounters; c++) {
		const struct proc_counter *pc = &proc_counters[c];
		json_t *j = json_object_get(p, pc->key);

		assert_true(json_is_integer(j));
		if (pc->ns)
			expo__seconds(want, sizeof(want), (uint64_t)json_integer_value(j));
		else
			snprintf(want, sizeof(want), "%lld", (long long)json_integer_value(j));
		if (!value_of(text, pc->metric, pid, pc->label, v, sizeof(v)))
			fail_msg("no %s{%s} for %d", pc->metric, pc->label ? pc->label : "", pid);
		if (strcmp(v, want))
			fail_msg("%s{%s}: %s in the file, %s (%s) in dial9ctl list", pc->metric,
				 pc->label ? pc->label : "", v, want, pc->key);
	}
	if (json_is_object(lat)) {
		json_array_foreach(json_object_get(lat, "buckets"), i, b) {
			json_t *l = json_object_get(b, "le_ns");

			if (json_is_null(l))
				snprintf(secs, sizeof(secs), "+Inf");
			else
				expo__seconds(secs, sizeof(secs), (uint64_t)json_integer_value(l));
			snprintf(le, sizeof(le), "le=\"%s\"", secs);
			assert_int_equal(int_of(text, "dial9_wake_to_poll_latency_seconds_bucket", pid, le),
					 itest_jint(b, "count"));
		}
		assert_int_equal(int_of(text, "dial9_wake_to_poll_latency_seconds_count", pid, NULL),
				 itest_jint(lat, "count"));
		expo__seconds(want, sizeof(want), (uint64_t)itest_jint(lat, "sum_ns"));
		assert_true(value_of(text, "dial9_wake_to_poll_latency_seconds_sum", pid, NULL, v,
				     sizeof(v)));
		assert_string_equal(v, want);
	}
	json_object_foreach(by, reason, n) {
		snprintf(le, sizeof(le), "reason=\"%s\"", reason);
		assert_int_equal(int_of(text, "dial9_dumps_written_total", 0, le),
				 json_integer_value(n));
	}
	assert_int_equal(int_of(text, "dial9_processes_recorded", 0, NULL),
			 itest_jint(status, "processes"));
}

/* A request dump of the stopped target, read back by `dial9 summary`: the
 * reader's own analysis of the records that made the live figures (the
 * window still holds all of them) must find the same counts. */
static void assert_as_dump(const struct itest_daemon *d, json_t *p, int pid)
{
	char pidbuf[16], out[512];
	const char *dump[] = { "dump", "--pid", pidbuf, "-o", out, NULL };
	json_t *sum, *lat;

	snprintf(pidbuf, sizeof(pidbuf), "%d", pid);
	snprintf(out, sizeof(out), "%s/stopped.dial9", d->dir);
	assert_int_equal(itest_ctl(d, NULL, NULL, dump), 0);
	sum = itest_dial9_cmd("summary", out);
	assert_int_equal(itest_jint(sum, "evicted"), 0);
	assert_int_equal(itest_jint(sum, "polls"), itest_jint(p, "polls"));
	assert_int_equal(itest_jint(sum, "polls_counted"), itest_jint(p, "polls_counted"));
	assert_int_equal(itest_jint(sum, "wakes"), itest_jint(p, "wakes"));
	assert_int_equal(itest_jint(sum, "stalls"), itest_jint(p, "stalls"));
	assert_int_equal(itest_jint(sum, "lost_ringbuf"), itest_jint(p, "lost_ringbuf"));
	lat = json_object_get(sum, "wake_latency");
	if (json_is_null(json_object_get(p, "wake_latency"))) {
		/* not observed: the reader found no sample either (its JSON says
		 * count 0 rather than null when the probe classes exist) */
		assert_true(json_is_null(lat) || itest_jint(lat, "count") == 0);
	} else {
		assert_int_equal(itest_jint(lat, "count"),
				 itest_jint(json_object_get(p, "wake_latency"), "count"));
		assert_int_equal(itest_jint(lat, "max_ns"),
				 itest_jint(json_object_get(p, "wake_latency"), "max_ns"));
	}
	json_decref(sum);
	unlink(out);
}

/* Wait for the file after the one there now (a second ended since). */
static void wait_next_write(const char *path)
{
	long long end = itest_now_ms() + 10000;
	struct snap s;
	ino_t first;

	assert_true(read_snap(path, &s));
	first = s.ino;
	free(s.text);
	while (itest_now_ms() < end) {
		usleep(50000);
		if (read_snap(path, &s)) {
			free(s.text);
			if (s.ino != first)
				return;
		}
	}
	fail_msg("%s was not written again", path);
}

/* Files written over ~3.5 s while the target is stopped: one a second. */
static void assert_rewritten(const char *path)
{
	long long end = itest_now_ms() + 3500;
	ino_t seen[16];
	int n = 0, i;
	struct snap s;

	while (itest_now_ms() < end) {
		if (read_snap(path, &s)) {
			for (i = 0; i < n && seen[i] != s.ino; i++)
				;
			if (i == n && n < 16)
				seen[n++] = s.ino;
			free(s.text);
		}
		usleep(50000);
	}
	printf("metrics file: %d versions in 3.5 s at --metrics-interval 1\n", n);
	assert_true(n >= 3 && n <= 6);
}

static void finish(struct itest_daemon *d, struct itest_target *t, const char *path)
{
	char dir[256];

	kill(t->pid, SIGCONT);
	itest_target_kill(t, SIGKILL);
	itest_target_wait(t, 5000);
	itest_daemon_stop(d);
	/* a daemon that stopped leaves no figures, nor a temporary file: its
	 * directory is empty again */
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	if (rmdir(dir))
		fail_msg("%s: %s (left behind: the metrics file or a temporary one)", dir,
			 strerror(errno));
}

static void test_full_recording(void **state)
{
	struct itest_daemon d;
	struct itest_target t;
	char path[256], v[64];
	long long polls, depth_max = -1, end;
	json_t *list, *status, *p;
	struct snap s;

	start(&d, path, sizeof(path), true);
	storm(&d, &t);
	/* under load: the queue depth is measured (40 tasks woken by each tick) */
	end = itest_now_ms() + 1500;
	while (itest_now_ms() < end) {
		if (read_snap(path, &s)) {
			if (value_of(s.text, "dial9_runnable_queue_depth", t.pid, NULL, v, sizeof(v)) &&
			    atoll(v) > depth_max)
				depth_max = atoll(v);
			free(s.text);
		}
		usleep(100000);
	}
	polls = storm_done(&t);
	kill(t.pid, SIGSTOP);
	wait_frozen(path, t.pid);
	same_moment(&d, path, &s, &list, &status);
	p = listed(list, t.pid);
	assert_as_dump(&d, p, t.pid);
	json_decref(list);
	json_decref(status);
	free(s.text);

	/* again, with the dump counted: a request changes the figures between
	 * two seconds, so the file after it */
	wait_next_write(path);
	same_moment(&d, path, &s, &list, &status);
	promtool_passes(path);
	p = listed(list, t.pid);
	assert_agree(s.text, p, status, t.pid);
	printf("full: storm polled %lld times; dial9 counted %lld polls, %lld wakes, "
	       "%lld latency samples, queue depth up to %lld, lost %lld + %lld\n",
	       polls, itest_jint(p, "polls"), itest_jint(p, "wakes"),
	       itest_jint(json_object_get(p, "wake_latency"), "count"), depth_max,
	       itest_jint(p, "lost_ringbuf"), itest_jint(p, "lost_window"));
	/* the load was recorded, poll by poll (none counted).  The program's
	 * own count is an upper bound: it counts a tick's poll even when a late
	 * tick is ready at once (Tokio's missed-tick burst). */
	assert_true(itest_jint(p, "polls") >= polls * 9 / 10);
	assert_true(itest_jint(p, "polls") <= polls + 40); /* + each task's last poll */
	assert_int_equal(itest_jint(p, "polls_counted"), 0);
	assert_int_equal(int_of(s.text, "dial9_recording_mode", t.pid, "mode=\"full\""), 1);
	/* latency measured: nearly every poll answered a wake */
	assert_true(itest_jint(json_object_get(p, "wake_latency"), "count") >= polls * 9 / 10);
	assert_int_equal(int_of(s.text, "dial9_latency_observed", t.pid, NULL), 1);
	assert_true(value_of(s.text, "dial9_runnable_queue_depth", t.pid, NULL, v, sizeof(v)));
	assert_true(depth_max >= 2);
	assert_int_equal(int_of(s.text, "dial9_dumps_written_total", 0, "reason=\"request\""), 1);
	assert_int_equal(itest_jint(p, "dumps"), 1);
	free(s.text);
	json_decref(list);
	json_decref(status);

	assert_rewritten(path);
	finish(&d, &t, path);
}

static void test_default_mode(void **state)
{
	struct itest_daemon d;
	struct itest_target t;
	char path[256], v[64];
	long long polls;
	json_t *list, *status, *p, *last;
	struct snap s;

	start(&d, path, sizeof(path), false);
	storm(&d, &t);
	polls = storm_done(&t);
	kill(t.pid, SIGSTOP);
	wait_frozen(path, t.pid);

	same_moment(&d, path, &s, &list, &status);
	promtool_passes(path);
	p = listed(list, t.pid);
	assert_agree(s.text, p, status, t.pid);
	assert_as_dump(&d, p, t.pid);
	printf("default: storm polled %lld times; dial9 saw %lld polls (%lld counted), mode %s\n",
	       polls, itest_jint(p, "polls"), itest_jint(p, "polls_counted"), itest_jstr(p, "mode"));
	/* short polls counted; the poll probes may have been off part of the time */
	assert_true(itest_jint(p, "polls_counted") > 0);
	assert_true(itest_jint(p, "polls") <= polls + 1000);
	assert_int_equal(int_of(s.text, "dial9_recording_mode", t.pid, "mode=\"full\""), 0);
	/* latency and queue depth: not observed, so not there, never 0 */
	assert_int_equal(int_of(s.text, "dial9_latency_observed", t.pid, NULL), 0);
	assert_false(value_of(s.text, "dial9_runnable_queue_depth", t.pid, NULL, v, sizeof(v)));
	assert_false(value_of(s.text, "dial9_wake_to_poll_latency_seconds_count", t.pid, NULL, v,
			      sizeof(v)));
	assert_false(value_of(s.text, "dial9_wake_to_poll_latency_seconds_bucket", t.pid, NULL, v,
			      sizeof(v)));
	assert_true(json_is_null(json_object_get(p, "wake_latency")));
	last = json_object_get(p, "last_second");
	assert_false(json_is_true(json_object_get(last, "observed")));
	assert_true(json_is_null(json_object_get(last, "wake_latency")));
	assert_true(json_is_null(json_object_get(last, "queue_depth_max")));
	assert_int_equal(itest_jint(p, "mode_full_ns"), 0);
	free(s.text);
	json_decref(list);
	json_decref(status);
	finish(&d, &t, path);
}

/* A path that cannot be written stops the start with one line. */
static void test_bad_path(void **state)
{
	char dir[] = "/tmp/dial9-itest-metrics-bad.XXXXXX", sock[128], state_dir[128];
	const char *cases[][2] = {
		{ "relative.prom", "--metrics-file: needs an absolute path" },
		{ "/nonexistent-dial9/dial9.prom", "(its directory must exist)" },
	};
	size_t i;

	assert_non_null(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/sock", dir);
	snprintf(state_dir, sizeof(state_dir), "%s/state", dir);
	for (i = 0; i < 2; i++) {
		const char *argv[] = { ITEST_BIN("dial9d"), "-s", sock, "-d", state_dir,
				       "--metrics-file", cases[i][0], NULL };
		char *out = NULL, *err = NULL;
		int status = itest_run(argv, &out, &err, 10000);

		assert_true(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) != 0);
		assert_non_null(err);
		if (!strstr(err, cases[i][1]) || strchr(err, '\n') != err + strlen(err) - 1)
			fail_msg("dial9d --metrics-file %s said: %s", cases[i][0], err);
		free(out);
		free(err);
	}
	itest_rm_rf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_path),
		cmocka_unit_test(test_full_recording),
		cmocka_unit_test(test_default_mode),
	};

	if (!itest_can_run())
		return 1;
	return cmocka_run_group_tests_name("metrics", tests, NULL, itest_teardown);
}
