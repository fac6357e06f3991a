// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_capture.c - automatic capture (root, real targets): panics, crash
 * signals, SIGKILL; system-wide discovery; access control; a daemon that
 * survives malformed requests; dump retention; the systemd unit.
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

#define NOBODY 65534




static void dumps_dir(const struct itest_daemon *d, char *buf, size_t len)
{
	snprintf(buf, len, "%s/dumps", d->state_dir);
}

static int count_dumps(const struct itest_daemon *d)
{
	char dir[256], **paths;
	int i, n = 0, all;

	dumps_dir(d, dir, sizeof(dir));
	all = itest_dump_files(dir, false, &paths);
	for (i = 0; i < all; i++)
		n += strstr(strrchr(paths[i], '/'), ".dial9") != NULL;
	itest_free_paths(paths, all);
	return n;
}

/* Start panicker MODE attached to a fresh daemon, let it run; returns the
 * exit status. */
static int run_panicker(struct itest_daemon *d, struct itest_target *t, const char *mode)
{
	const char *args[] = { mode, "300", NULL };
	char pidbuf[16];
	const char *attach[] = { "attach", "--pid", pidbuf, NULL };

	assert_int_equal(itest_daemon_start(d, NULL), 0);
	assert_int_equal(itest_target_start(t, d, "panicker", args, NULL), 0);
	snprintf(pidbuf, sizeof(pidbuf), "%d", t->pid);
	assert_int_equal(itest_ctl(d, NULL, NULL, attach), 0);
	assert_int_equal(itest_target_go(t), 0);
	return itest_target_wait(t, 30000);
}

/* The one dump whose name holds `what`, and its summary. */
static json_t *the_dump(struct itest_daemon *d, struct itest_target *t, const char *what)
{
	char dir[256], path[512], pattern[64];

	dumps_dir(d, dir, sizeof(dir));
	snprintf(pattern, sizeof(pattern), ".%d.", t->pid);
	if (itest_find_dump(dir, pattern, path, sizeof(path), 5000))
		fail_msg("no dump of %d in %s", t->pid, dir);
	assert_non_null(strstr(path, what));
	return itest_dial9_cmd("summary", path);
}

/* What the activity before the incident left in the window: the tickers. */
static void assert_recent_activity(json_t *sum)
{
	assert_true(itest_jint(sum, "spawns") >= 3);
	assert_true(itest_jint(sum, "polls") >= 20); /* 3 tickers every 10 ms for 300 ms */
	assert_int_equal(itest_jint(sum, "lost"), 0);
}

static void test_panic_in_main(void **state)
{
	struct itest_daemon d;
	struct itest_target t;
	json_t *sum, *panic;
	char *line, want[64];
	int status = run_panicker(&d, &t, "main");

	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 101);
	sum = the_dump(&d, &t, ".panic.");
	assert_string_equal(itest_jstr(sum, "reason"), "panic");
	assert_int_equal(itest_jint(sum, "reason_tid"), t.pid); /* main thread */
	assert_int_equal(itest_jint(sum, "reason_task"), 0);    /* not inside a task */
	assert_recent_activity(sum);
	panic = json_array_get(json_object_get(sum, "panics"), 0);
	assert_non_null(panic);
	line = itest_target_fact(&t, "line");
	assert_non_null(line);
	snprintf(want, sizeof(want), "panicker/src/main.rs:%s:", line);
	if (!strstr(itest_jstr(panic, "location"), want))
		fail_msg("panic location '%s', want '%s…'", itest_jstr(panic, "location"), want);
	free(line);
	json_decref(sum);
	itest_daemon_stop(&d);
}

static void test_panic_in_task_process_lives(void **state)
{
	struct itest_daemon d;
	struct itest_target t;
	json_t *sum, *panic;
	int status = run_panicker(&d, &t, "task");

	/* Tokio caught the panic; the program went on and exited 0 */
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_true(itest_target_wait_line(&t, "task_panicked=1", 100));
	sum = the_dump(&d, &t, ".panic.");
	assert_string_equal(itest_jstr(sum, "reason"), "panic");
	assert_true(itest_jint(sum, "reason_task") > 0); /* the panicking task */
	panic = json_array_get(json_object_get(sum, "panics"), 0);
	assert_int_equal(itest_jint(panic, "task_id"), itest_jint(sum, "reason_task"));
	assert_non_null(strstr(itest_jstr(panic, "location"), "panicker/src/main.rs:"));
	assert_recent_activity(sum);
	json_decref(sum);
	itest_daemon_stop(&d);
}

static void check_signal(const char *mode, int sig)
{
	struct itest_daemon d;
	struct itest_target t;
	json_t *sum;
	int status = run_panicker(&d, &t, mode);

	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), sig);
	sum = the_dump(&d, &t, ".signal.");
	assert_string_equal(itest_jstr(sum, "reason"), "signal");
	assert_int_equal(itest_jint(sum, "signal"), sig);
	assert_int_equal(itest_jint(sum, "reason_tid"), t.pid); /* the faulting (main) thread */
	assert_recent_activity(sum);
	json_decref(sum);
	itest_daemon_stop(&d);
}

static void test_abort_is_signal_6(void **state)
{
	check_signal("abort", SIGABRT);
}

static void test_null_write_is_signal_11(void **state)
{
	check_signal("segv", SIGSEGV);
}

static void test_kill_9_is_signal_9(void **state)
{
	const char *args[] = { "sleep", NULL };
	char pidbuf[16];
	const char *attach[] = { "attach", "--pid", pidbuf, NULL };
	struct itest_daemon d;
	struct itest_target t;
	json_t *sum;
	int status;

	assert_int_equal(itest_daemon_start(&d, NULL), 0);
	assert_int_equal(itest_target_start(&t, &d, "panicker", args, NULL), 0);
	snprintf(pidbuf, sizeof(pidbuf), "%d", t.pid);
	assert_int_equal(itest_ctl(&d, NULL, NULL, attach), 0);
	assert_int_equal(itest_target_go(&t), 0);
	assert_true(itest_target_wait_line(&t, "sleeping=1", 5000));
	usleep(300000);
	itest_target_kill(&t, SIGKILL);
	status = itest_target_wait(&t, 5000);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	sum = the_dump(&d, &t, ".signal.");
	assert_int_equal(itest_jint(sum, "signal"), 9);
	assert_recent_activity(sum);
	json_decref(sum);
	itest_daemon_stop(&d);
}

static void test_system_wide_discovery(void **state)
{
	static const char *const extra[] = { "--all", "--dump-on-exit", NULL };
	const char *relay_args[] = { "5", "3", NULL };
	const char *list[] = { "list", "--json", NULL };
	const char *sleep_argv[] = { "/bin/sleep", "5", NULL };
	struct itest_daemon d;
	struct itest_target t;
	char *out = NULL, *err = NULL, dir[256], path[512], pattern[64];
	json_t *l, *p, *sum;
	pid_t sleeper;
	size_t i;
	bool saw_target = false, saw_sleeper = false;

	assert_int_equal(itest_daemon_start(&d, extra), 0);
	/* a Tokio program started after the daemon: no attach command */
	assert_int_equal(itest_target_start(&t, &d, "relay", relay_args, NULL), 0);
	sleeper = fork();
	assert_true(sleeper >= 0);
	if (sleeper == 0) {
		execv(sleep_argv[0], (char *const *)sleep_argv);
		_exit(127);
	}
	usleep(500000); /* the exec report and the attach */
	assert_int_equal(itest_ctl(&d, &out, &err, list), 0);
	l = json_loads(out, 0, NULL);
	assert_non_null(l);
	json_array_foreach(l, i, p) {
		saw_target |= itest_jint(p, "pid") == t.pid;
		saw_sleeper |= itest_jint(p, "pid") == sleeper;
	}
	assert_true(saw_target);
	assert_false(saw_sleeper); /* not a Tokio program: left alone */
	json_decref(l);
	free(out);
	free(err);
	kill(sleeper, SIGKILL);
	waitpid(sleeper, NULL, 0);

	assert_int_equal(itest_target_go(&t), 0);
	assert_int_equal(itest_target_wait(&t, 30000), 0);
	dumps_dir(&d, dir, sizeof(dir));
	snprintf(pattern, sizeof(pattern), ".%d.", t.pid);
	assert_int_equal(itest_find_dump(dir, pattern, path, sizeof(path), 5000), 0);
	sum = itest_dial9_cmd("summary", path);
	assert_int_equal(itest_jint(sum, "spawns"), 5);
	json_decref(sum);
	itest_daemon_stop(&d);
}

static void test_access_control(void **state)
{
	const char *args[] = { "sleep", NULL };
	char root_pid[16], own_pid[16], outfile[256], *out = NULL, *err = NULL;
	const char *attach_root[] = { "attach", "--pid", root_pid, NULL };
	const char *dump_root[] = { "dump", "--pid", root_pid, NULL };
	const char *attach_own[] = { "attach", "--pid", own_pid, NULL };
	const char *dump_own[] = { "dump", "--pid", own_pid, "-o", outfile, NULL };
	const char *list[] = { "list", "--json", NULL };
	struct itest_daemon d;
	struct itest_target mine, theirs;
	struct stat st;
	json_t *l;

	assert_int_equal(itest_daemon_start(&d, NULL), 0);
	assert_int_equal(itest_target_start(&theirs, &d, "panicker", args, NULL), 0);
	assert_int_equal(itest_target_start_as(&mine, &d, "panicker", args, NULL, NOBODY), 0);
	assert_int_equal(itest_target_go(&theirs), 0);
	assert_int_equal(itest_target_go(&mine), 0);
	snprintf(root_pid, sizeof(root_pid), "%d", theirs.pid);
	snprintf(own_pid, sizeof(own_pid), "%d", mine.pid);
	snprintf(outfile, sizeof(outfile), "/tmp/dial9-itest-nobody.%d.dial9", mine.pid);

	/* another user's process: refused */
	assert_int_equal(itest_ctl_as(NOBODY, &d, &out, &err, attach_root), 1);
	assert_non_null(strstr(err, "permission denied"));
	free(out);
	free(err);
	/* root records it; nobody still may not dump it, nor see it */
	assert_int_equal(itest_ctl(&d, NULL, NULL, attach_root), 0);
	assert_int_equal(itest_ctl_as(NOBODY, &d, &out, &err, dump_root), 1);
	assert_non_null(strstr(err, "permission denied"));
	free(out);
	free(err);

	/* their own process: allowed, and the dump is written as them */
	assert_int_equal(itest_ctl_as(NOBODY, &d, &out, &err, attach_own), 0);
	free(out);
	free(err);
	usleep(300000);
	assert_int_equal(itest_ctl_as(NOBODY, &d, &out, &err, dump_own), 0);
	free(out);
	free(err);
	assert_int_equal(stat(outfile, &st), 0);
	assert_int_equal(st.st_uid, NOBODY);
	assert_int_equal(st.st_mode & 0777, 0600);
	unlink(outfile);

	assert_int_equal(itest_ctl_as(NOBODY, &d, &out, &err, list), 0);
	l = json_loads(out, 0, NULL);
	assert_int_equal(json_array_size(l), 1);
	assert_int_equal(itest_jint(json_array_get(l, 0), "pid"), mine.pid);
	json_decref(l);
	free(out);
	free(err);

	itest_target_kill(&mine, SIGTERM);
	itest_target_kill(&theirs, SIGTERM);
	itest_target_wait(&mine, 5000);
	itest_target_wait(&theirs, 5000);
	itest_daemon_stop(&d);
}

/* Send raw bytes as one request; returns the reply (malloc'd) or NULL. */
static char *raw_request(const struct itest_daemon *d, const void *buf, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *reply = calloc(1, 65536);
	ssize_t n;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (strlen(d->socket) >= sizeof(sa.sun_path)) {
		free(reply);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	memcpy(sa.sun_path, d->socket, strlen(d->socket) + 1);
	if (fd < 0 || !reply || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    send(fd, buf, len, MSG_NOSIGNAL) < 0) {
		if (fd >= 0)
			close(fd);
		free(reply);
		return NULL;
	}
	n = recv(fd, reply, 65535, 0);
	close(fd);
	if (n <= 0) {
		free(reply);
		return NULL;
	}
	return reply;
}

static void test_malformed_requests(void **state)
{
	static const char *const bad[] = {
		"", "bogus\n", "attach\n", "attach\npid=abc\n", "attach\npid=-5\n",
		"dump\npid=1\nout=/etc/shadow\n", "list\n\x01\x02\x03", "status\npid",
	};
	const char *status[] = { "status", NULL };
	struct itest_daemon d;
	char *big, *reply;
	size_t i;

	assert_int_equal(itest_daemon_start(&d, NULL), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		reply = raw_request(&d, bad[i], strlen(bad[i]) ? strlen(bad[i]) : 1);
		if (!reply || strncmp(reply, "error ", 6))
			fail_msg("request %zu got %s", i, reply ? reply : "no reply");
		assert_null(strchr(strchr(reply, '\n') + 1, '\n')); /* one line */
		free(reply);
	}
	/* oversized: refused, not allocated */
	big = malloc(1 << 20);
	assert_non_null(big);
	memset(big, 'a', 1 << 20);
	reply = raw_request(&d, big, 64 * 1024);
	assert_true(reply == NULL || !strncmp(reply, "error ", 6));
	free(reply);
	free(big);
	/* still up */
	assert_int_equal(itest_ctl(&d, NULL, NULL, status), 0);
	itest_daemon_stop(&d);
}

static void test_retention(void **state)
{
	static const char *const extra[] = { "--max-dumps", "2", NULL };
	const char *args[] = { "sleep", NULL };
	char pidbuf[16];
	const char *attach[] = { "attach", "--pid", pidbuf, NULL };
	const char *dump[] = { "dump", "--pid", pidbuf, NULL };
	struct itest_daemon d;
	struct itest_target t;
	int i;

	assert_int_equal(itest_daemon_start(&d, extra), 0);
	assert_int_equal(itest_target_start(&t, &d, "panicker", args, NULL), 0);
	snprintf(pidbuf, sizeof(pidbuf), "%d", t.pid);
	assert_int_equal(itest_ctl(&d, NULL, NULL, attach), 0);
	assert_int_equal(itest_target_go(&t), 0);
	for (i = 0; i < 5; i++) {
		assert_int_equal(itest_ctl(&d, NULL, NULL, dump), 0);
		usleep(20000);
	}
	assert_int_equal(count_dumps(&d), 2);
	itest_target_kill(&t, SIGTERM);
	itest_target_wait(&t, 5000);
	itest_daemon_stop(&d);
}

static void test_systemd_unit_verifies(void **state)
{
	const char *argv[] = { "/usr/bin/systemd-analyze", "verify", DIAL9_SRC_DIR
			       "/build/dial9d-test.service", NULL };
	char *out = NULL, *err = NULL;
	FILE *in = fopen(DIAL9_SRC_DIR "/daemon/dial9d.service.in", "re");
	FILE *o = fopen(DIAL9_SRC_DIR "/build/dial9d-test.service", "we");
	char line[1024];
	int status;

	if (access(argv[0], X_OK)) {
		fprintf(stderr, "systemd-analyze is not installed\n");
		skip();
	}
	assert_non_null(in);
	assert_non_null(o);
	/* the unit as `make install` writes it, pointing at this build */
	while (fgets(line, sizeof(line), in)) {
		char *at = strstr(line, "@SBINDIR@");

		if (at) {
			*at = '\0';
			fprintf(o, "%s%s%s", line, DIAL9_SRC_DIR "/build", at + 9);
		} else if ((at = strstr(line, "@PREFIX@"))) {
			*at = '\0';
			fprintf(o, "%s%s%s", line, "/usr/local", at + 8);
		} else {
			fputs(line, o);
		}
	}
	fclose(in);
	fclose(o);
	status = itest_run(argv, &out, &err, 30000);
	if (status != 0)
		fail_msg("systemd-analyze verify: %s%s", out ? out : "", err ? err : "");
	free(out);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_panic_in_main),
		cmocka_unit_test(test_panic_in_task_process_lives),
		cmocka_unit_test(test_abort_is_signal_6),
		cmocka_unit_test(test_null_write_is_signal_11),
		cmocka_unit_test(test_kill_9_is_signal_9),
		cmocka_unit_test(test_system_wide_discovery),
		cmocka_unit_test(test_access_control),
		cmocka_unit_test(test_malformed_requests),
		cmocka_unit_test(test_retention),
		cmocka_unit_test(test_systemd_unit_verifies),
	};

	if (!itest_can_run())
		return 1;
	return cmocka_run_group_tests_name("capture", tests, NULL, itest_teardown);
}
