// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_debuginfo.c - record stripped Tokio programs (root): the symbols
 * and line tables come from a separate debug file, found under a
 * --debug-dir by build-id, or served by a real debuginfod; without one,
 * attach says what to do and --all says, once per process, why it
 * does not record a Tokio-looking program.
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
#include "tokio_syms.h"

/* T/bin/{blocker,relay}: stripped copies; T/blocker.debug, T/relay.debug
 * their debug files; T/debug: the --debug-dir, holding blocker's only. */
static struct {
	char top[64];
	char blocker[128], relay[128], blocker_debug[128], relay_debug[128], debug_dir[128];
	char blocker_id[65], relay_id[65];
	char placed[512]; /* blocker's debug file under T/debug */
} fx;

static struct itest_daemon daemon_; /* --debug-dir T/debug */

static const char *const full_recording[] = { "--dump-on-exit", "--poll-threshold-us", "0",
					      "--overhead-budget", "0", NULL };

static void read_build_id(const char *path, char out[65])
{
	struct dial9_elf_file *f = NULL;
	char err[256];

	out[0] = '\0';
	if (dial9_elf_file__open(path, &f, err, sizeof(err)) == 0)
		snprintf(out, 65, "%s", f->build_id);
	dial9_elf_file__free(f);
}

static int group_setup(void **state)
{
	const char *extra[8];
	char dir[160];
	size_t i;

	if (!itest_can_run())
		return -1;
	/* the daemons must not ask a real debuginfod server */
	unsetenv("DEBUGINFOD_URLS");
	snprintf(fx.top, sizeof(fx.top), "/tmp/dial9-itest-dbg.XXXXXX");
	if (!mkdtemp(fx.top))
		return -1;
	chmod(fx.top, 0755);
	snprintf(fx.blocker, sizeof(fx.blocker), "%s/bin/blocker", fx.top);
	snprintf(fx.relay, sizeof(fx.relay), "%s/bin/relay", fx.top);
	snprintf(fx.blocker_debug, sizeof(fx.blocker_debug), "%s/blocker.debug", fx.top);
	snprintf(fx.relay_debug, sizeof(fx.relay_debug), "%s/relay.debug", fx.top);
	snprintf(fx.debug_dir, sizeof(fx.debug_dir), "%s/debug", fx.top);
	snprintf(dir, sizeof(dir), "%s/bin", fx.top);
	if (itest_mkdirs(dir) ||
	    itest_split_debug(ITEST_TARGET("blocker"), fx.blocker, fx.blocker_debug, false) ||
	    itest_split_debug(ITEST_TARGET("relay"), fx.relay, fx.relay_debug, false))
		return -1;
	read_build_id(ITEST_TARGET("blocker"), fx.blocker_id);
	read_build_id(ITEST_TARGET("relay"), fx.relay_id);
	if (strlen(fx.blocker_id) < 4 || !fx.relay_id[0])
		return -1;
	snprintf(dir, sizeof(dir), "%s/.build-id/%.2s", fx.debug_dir, fx.blocker_id);
	snprintf(fx.placed, sizeof(fx.placed), "%s/.build-id/%.2s/%.62s.debug", fx.debug_dir,
		 fx.blocker_id, fx.blocker_id + 2);
	if (itest_mkdirs(dir) || itest_copy_file(fx.blocker_debug, fx.placed, 0644))
		return -1;

	for (i = 0; full_recording[i]; i++)
		extra[i] = full_recording[i];
	extra[i++] = "--debug-dir";
	extra[i++] = fx.debug_dir;
	extra[i] = NULL;
	return itest_daemon_start(&daemon_, extra);
}

static int group_teardown(void **state)
{
	itest_kill_all();
	itest_daemon_stop(&daemon_);
	if (daemon_.dir[0])
		itest_rm_rf(daemon_.dir);
	if (fx.top[0])
		itest_rm_rf(fx.top);
	return 0;
}

/* Start the stripped blocker, attach through d; the attach reply must name
 * symbols_from (a substring); run it to its end and return its exit dump. */
static void record_stripped_blocker(const struct itest_daemon *d, const char *symbols_from,
				    char *dump, size_t len)
{
	const char *args[] = { "50", "5", NULL };
	struct itest_target t;
	char *reply = NULL;

	assert_int_equal(itest_target_start_exe(&t, d, fx.blocker, args, NULL), 0);
	itest_record_to_exit(d, &t, &reply, dump, len);
	if (!strstr(reply, "symbols from ") || !strstr(reply, symbols_from))
		fail_msg("attach did not say where the symbols came from (%s): %s", symbols_from,
			 reply);
	free(reply);
}

/* What the unstripped blocker shows (test_record.c): its spawn site with
 * file:line from DWARF, and polls of at least 50 ms. */
static void check_blocker_dump(const char *dump)
{
	const char *want = "blocker::spawn_blocker (blocker/src/main.rs:";
	json_t *sum = itest_dial9_cmd("summary", dump), *tasks = itest_dial9_cmd("tasks", dump);
	json_t *longest = json_array_get(json_object_get(sum, "long_polls"), 0), *t;
	size_t i;
	int found = 0;

	assert_non_null(longest);
	assert_true(itest_jint(longest, "duration_ns") >= 50000000LL);
	if (strncmp(itest_jstr(longest, "location"), want, strlen(want)))
		fail_msg("longest poll at \"%s\"", itest_jstr(longest, "location"));
	json_array_foreach(tasks, i, t) {
		if (strncmp(itest_jstr(t, "location"), want, strlen(want)))
			continue;
		found++;
		assert_true(itest_jint(t, "poll_ns_max") >= 50000000LL);
		assert_true(itest_jint(t, "poll_ns_total") >= 5 * 50000000LL);
	}
	if (found != 1)
		fail_msg("%d tasks spawned at \"%s…\" in %s", found, want, dump);
	json_decref(sum);
	json_decref(tasks);
}

static void test_stripped_with_debug_dir(void **state)
{
	char dump[512], *log;

	record_stripped_blocker(&daemon_, fx.placed, dump, sizeof(dump));
	check_blocker_dump(dump);
	log = itest_read_file(daemon_.log);
	assert_non_null(log);
	assert_non_null(strstr(log, "symbols from "));
	assert_non_null(strstr(log, "(build-id)"));
	free(log);
}

static void test_no_debug_file_says_what_to_do(void **state)
{
	char pidbuf[16], *out = NULL, *err = NULL;
	const char *attach[] = { "attach", "--pid", pidbuf, NULL };
	const char *needles[] = { "no Tokio runtime symbols in ", fx.relay,
				  "it is stripped and no debug file was found", fx.relay_id,
				  "install its debug package", "--debug-dir", "DEBUGINFOD_URLS" };
	struct itest_target t;

	assert_int_equal(itest_target_start_exe(&t, &daemon_, fx.relay, NULL, NULL), 0);
	snprintf(pidbuf, sizeof(pidbuf), "%d", t.pid);
	assert_int_equal(itest_ctl(&daemon_, &out, &err, attach), 1);
	for (size_t i = 0; i < sizeof(needles) / sizeof(needles[0]); i++)
		if (!strstr(err, needles[i]))
			fail_msg("attach error does not say \"%s\": %s", needles[i], err);
	/* one line */
	assert_non_null(strchr(err, '\n'));
	assert_int_equal(strchr(err, '\n')[1], '\0');
	free(out);
	free(err);
	itest_target_kill(&t, SIGKILL);
	itest_target_wait(&t, 5000);
}

/* Wait until debuginfod on port has indexed one debug file. */
static bool debuginfod_ready(int port, pid_t server, int timeout_ms)
{
	for (int waited = 0; waited < timeout_ms; waited += 100) {
		char *body = NULL;
		int code = itest_http_get(port, "/metrics", &body, 2000);
		bool ready = code == 200 && body &&
			     strstr(body, "found_debuginfo_total{source=\"files\"} 1");

		free(body);
		if (ready)
			return true;
		if (waitpid(server, NULL, WNOHANG) == server)
			return false;
		usleep(100000);
	}
	return false;
}

static void test_through_debuginfod(void **state)
{
	char srv[160], served[192], db[160], cache[160], log[160], portarg[16];
	char urls[64], cache_env[192], dump[512];
	const char *server[] = { "/usr/bin/debuginfod", "-F", "-p", portarg, "-d", db, "-t", "0",
				 "-g", "0", srv, NULL };
	const char *env[] = { urls, cache_env, NULL };
	struct itest_daemon d;
	int port = itest_free_port();
	pid_t pid;

	if (access(server[0], X_OK))
		fail_msg("%s missing: make deps (Debian package debuginfod)", server[0]);
	assert_true(port > 0);
	snprintf(srv, sizeof(srv), "%s/served", fx.top);
	snprintf(served, sizeof(served), "%s/blocker.debug", srv);
	snprintf(db, sizeof(db), "%s/debuginfod.sqlite", fx.top);
	snprintf(cache, sizeof(cache), "%s/debuginfod-cache", fx.top);
	snprintf(log, sizeof(log), "%s/debuginfod.log", fx.top);
	snprintf(portarg, sizeof(portarg), "%d", port);
	snprintf(urls, sizeof(urls), "DEBUGINFOD_URLS=http://127.0.0.1:%d", port);
	snprintf(cache_env, sizeof(cache_env), "DEBUGINFOD_CACHE_PATH=%s", cache);
	assert_int_equal(itest_mkdirs(srv), 0);
	assert_int_equal(itest_copy_file(fx.blocker_debug, served, 0644), 0);

	pid = itest_spawn(server, log, log, NULL);
	assert_true(pid > 0);
	if (!debuginfod_ready(port, pid, 30000)) {
		char *l = itest_read_file(log);

		itest_stop(pid, 5000);
		fail_msg("debuginfod did not index %s: %s", served, l ? l : "");
	}
	/* a daemon with no --debug-dir: only debuginfod has the file */
	assert_int_equal(itest_daemon_start_env(&d, full_recording, env), 0);
	record_stripped_blocker(&d, cache, dump, sizeof(dump));
	check_blocker_dump(dump);
	itest_daemon_stop(&d);
	itest_stop(pid, 10000);
	itest_rm_rf(d.dir);
}

/* How many lines of text hold both a and b. */
static int lines_with(const char *text, const char *a, const char *b)
{
	const char *line = text;
	int n = 0;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char *copy = strndup(line, len);

		n += copy && strstr(copy, a) && strstr(copy, b);
		free(copy);
		line = end ? end + 1 : NULL;
	}
	return n;
}

static bool wait_log(const struct itest_daemon *d, const char *a, const char *b, int timeout_ms)
{
	for (int waited = 0; waited < timeout_ms; waited += 50) {
		char *log = itest_read_file(d->log);
		bool found = log && lines_with(log, a, b) > 0;

		free(log);
		if (found)
			return true;
		usleep(50000);
	}
	return false;
}

static void test_discovery_reports_once(void **state)
{
	char conf[160], text[256], tag[3][32], *log;
	const char *extra[] = { "--all", "--config", conf, "--debug-dir", fx.debug_dir, NULL };
	struct itest_target relay[2], blocker;
	struct itest_daemon d;
	FILE *f;

	/* only this test's copies: nothing else on the machine is touched */
	snprintf(conf, sizeof(conf), "%s/all.conf", fx.top);
	snprintf(text, sizeof(text), "include-exe = %s/bin/*\n", fx.top);
	f = fopen(conf, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(itest_daemon_start(&d, extra), 0);

	assert_int_equal(itest_target_start_exe(&relay[0], &d, fx.relay, NULL, NULL), 0);
	assert_int_equal(itest_target_start_exe(&relay[1], &d, fx.relay, NULL, NULL), 0);
	assert_int_equal(itest_target_start_exe(&blocker, &d, fx.blocker, NULL, NULL), 0);
	snprintf(tag[0], sizeof(tag[0]), "recording %d ", relay[0].pid);
	snprintf(tag[1], sizeof(tag[1]), "recording %d ", relay[1].pid);
	snprintf(tag[2], sizeof(tag[2]), "recording %d ", blocker.pid);
	/* each stripped relay: "not recording PID (...): no Tokio runtime symbols ..." */
	for (int i = 0; i < 2; i++)
		if (!wait_log(&d, tag[i], "it is stripped and no debug file was found", 10000))
			fail_msg("no report for stripped relay %d", relay[i].pid);
	/* the stripped blocker with its debug file: recorded */
	if (!wait_log(&d, tag[2], "symbols from ", 10000))
		fail_msg("stripped blocker %d not recorded from its debug file", blocker.pid);
	usleep(500000);
	log = itest_read_file(d.log);
	assert_non_null(log);
	for (int i = 0; i < 2; i++) {
		if (lines_with(log, tag[i], "not recording") != 1)
			fail_msg("relay %d reported %d times:\n%s", relay[i].pid,
				 lines_with(log, tag[i], "not recording"), log);
	}
	assert_int_equal(lines_with(log, "not recording", fx.blocker), 0);
	free(log);
	for (int i = 0; i < 2; i++) {
		itest_target_kill(&relay[i], SIGKILL);
		itest_target_wait(&relay[i], 5000);
	}
	itest_target_kill(&blocker, SIGKILL);
	itest_target_wait(&blocker, 5000);
	itest_daemon_stop(&d);
	itest_rm_rf(d.dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stripped_with_debug_dir),
		cmocka_unit_test(test_no_debug_file_says_what_to_do),
		cmocka_unit_test(test_through_debuginfod),
		cmocka_unit_test(test_discovery_reports_once),
	};

	return cmocka_run_group_tests_name("debuginfo", tests, group_setup, group_teardown);
}
