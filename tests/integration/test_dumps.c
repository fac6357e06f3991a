// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_dumps.c - dial9ctl dumps (root, real targets, a real daemon):
 * a dump of nobody's process is listed for root and for nobody, root's for
 * root only; nobody cannot list the dumps directory but lists and reads
 * their own; --pid and --since filter; dumps info shows one dump; the
 * catalogue works with the daemon stopped, lists a damaged dump with its
 * error, and the flat layout of older versions is listed, then moved into
 * its owner's directory at the daemon's next start.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "itest.h"

#define NOBODY 65534

static struct itest_daemon daemon_;

static int group_setup(void **state)
{
	if (!itest_can_run())
		return -1;
	return itest_daemon_start(&daemon_, NULL);
}

static void start_sleeper(struct itest_target *t, const struct itest_daemon *d, int uid)
{
	const char *args[] = { "sleep", "100", NULL };
	const char *attach[] = { "attach", "--pid", NULL, NULL };
	char pidbuf[16];

	assert_int_equal(itest_target_start_as(t, d, "panicker", args, NULL, uid ? uid : -1), 0);
	assert_int_equal(itest_target_go(t), 0);
	assert_true(itest_target_wait_line(t, "sleeping=1", 10000));
	snprintf(pidbuf, sizeof(pidbuf), "%d", t->pid);
	attach[2] = pidbuf;
	assert_int_equal(itest_ctl(d, NULL, NULL, attach), 0);
}

/* Root asks for a dump of t: its path. */
static void request_dump(const struct itest_daemon *d, const struct itest_target *t, char *path,
			 size_t len)
{
	const char *args[] = { "dump", "--pid", NULL, NULL };
	char pidbuf[16], *out = NULL;

	snprintf(pidbuf, sizeof(pidbuf), "%d", t->pid);
	args[2] = pidbuf;
	assert_int_equal(itest_ctl(d, &out, NULL, args), 0);
	assert_non_null(out);
	out[strcspn(out, "\n")] = '\0';
	snprintf(path, len, "%s", out);
	free(out);
}

/* dial9ctl dumps --json --state-dir S [more...] as uid: the parsed list. */
static json_t *dumps_as(int uid, const char *state_dir, const char *const more[])
{
	const char *args[12] = { "dumps", "--json", "--state-dir", state_dir };
	char *out = NULL, *err = NULL;
	json_t *l;
	int n = 4, rc;

	while (more && *more)
		args[n++] = *more++;
	args[n] = NULL;
	rc = itest_ctl_as(uid, &daemon_, &out, &err, args);
	if (rc != 0)
		fail_msg("dumps as uid %d: exit %d: %s", uid, rc, err ? err : "");
	l = json_loads(out ? out : "", 0, NULL);
	if (!json_is_array(l))
		fail_msg("dumps as uid %d: not a JSON array: %s", uid, out ? out : "");
	free(out);
	free(err);
	return l;
}

/* The entry of l whose path is path, or NULL. */
static json_t *entry_of(json_t *l, const char *path)
{
	json_t *e;
	size_t i;

	json_array_foreach(l, i, e)
		if (!strcmp(itest_jstr(e, "path"), path))
			return e;
	return NULL;
}

/* Entries of l for pid. */
static size_t count_pid(json_t *l, pid_t pid)
{
	json_t *e;
	size_t i, n = 0;

	json_array_foreach(l, i, e)
		n += json_is_integer(json_object_get(e, "pid")) && itest_jint(e, "pid") == pid;
	return n;
}

static int run_as(int uid, const char *const argv[], char **out, char **err)
{
	int status = itest_run_as(uid, argv, out, err, 10000);

	return status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void assert_entry(json_t *e, pid_t pid, int uid, const char *path)
{
	struct stat st;

	assert_non_null(e);
	assert_int_equal(itest_jint(e, "pid"), pid);
	assert_int_equal(itest_jint(e, "uid"), uid);
	assert_string_equal(itest_jstr(e, "reason"), "request");
	assert_int_equal(strncmp(itest_jstr(e, "comm"), "panicker", 8), 0);
	assert_true(json_is_null(json_object_get(e, "error")));
	assert_false(json_is_true(json_object_get(e, "time_from_file")));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(itest_jint(e, "size"), st.st_size);
	assert_int_equal(strlen(itest_jstr(e, "id")), 8);
}

static void test_listing_is_per_user(void **state)
{
	char nobody_dump[512], root_dump[512], dumps[256], own[300], since[32], iso[40];
	const char *S = daemon_.state_dir;
	struct itest_target tn, tr;
	struct timespec now;
	struct tm tm;
	struct stat st;
	time_t before;
	json_t *l;
	char *out = NULL, *err = NULL;

	start_sleeper(&tn, &daemon_, NOBODY);
	start_sleeper(&tr, &daemon_, 0);
	before = time(NULL) - 1;
	request_dump(&daemon_, &tn, nobody_dump, sizeof(nobody_dump));
	/* the second dump a whole second later, for --since */
	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(since, sizeof(since), "@%lld", (long long)now.tv_sec + 1);
	usleep((useconds_t)(1000000 - now.tv_nsec / 1000) + 50000);
	request_dump(&daemon_, &tr, root_dump, sizeof(root_dump));

	/* the layout: STATE/dumps root's 0711, STATE/dumps/UID root's */
	snprintf(dumps, sizeof(dumps), "%s/dumps", S);
	assert_int_equal(stat(dumps, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0711);
	assert_int_equal(st.st_uid, 0);
	snprintf(own, sizeof(own), "%s/%d/", dumps, NOBODY);
	assert_int_equal(strncmp(nobody_dump, own, strlen(own)), 0);
	own[strlen(own) - 1] = '\0';
	assert_int_equal(stat(own, &st), 0);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(stat(nobody_dump, &st), 0);
	assert_int_equal(st.st_uid, NOBODY);

	/* root sees both, nobody their own only */
	l = dumps_as(0, S, NULL);
	assert_entry(entry_of(l, nobody_dump), tn.pid, NOBODY, nobody_dump);
	assert_entry(entry_of(l, root_dump), tr.pid, 0, root_dump);
	json_decref(l);
	l = dumps_as(NOBODY, S, NULL);
	assert_entry(entry_of(l, nobody_dump), tn.pid, NOBODY, nobody_dump);
	assert_null(entry_of(l, root_dump));
	assert_int_equal(count_pid(l, tr.pid), 0);
	json_decref(l);

	/* nobody cannot list the dumps directory nor root's, but their own */
	{
		const char *ls_top[] = { "/bin/ls", dumps, NULL };
		const char *ls_root[] = { "/bin/ls", root_dump, NULL };
		const char *ls_own[] = { "/bin/ls", own, NULL };
		char dial9[256];
		const char *sum[] = { itest_bin_for_others(&daemon_, "dial9", dial9, sizeof(dial9)),
				      "summary", nobody_dump, "--json", NULL };

		assert_int_not_equal(run_as(NOBODY, ls_top, NULL, &err), 0);
		assert_non_null(strstr(err, "Permission denied"));
		free(err);
		assert_int_not_equal(run_as(NOBODY, ls_root, NULL, &err), 0);
		assert_non_null(strstr(err, "Permission denied"));
		free(err);
		assert_int_equal(run_as(NOBODY, ls_own, &out, NULL), 0);
		assert_non_null(strstr(out, strrchr(nobody_dump, '/') + 1));
		free(out);
		assert_non_null(sum[0]);
		assert_int_equal(run_as(NOBODY, sum, &out, NULL), 0); /* and reads it */
		assert_non_null(strstr(out, "\"reason\":\"request\""));
		free(out);
	}

	/* --pid */
	{
		char pidbuf[16];
		const char *more[] = { "--pid", pidbuf, NULL };

		snprintf(pidbuf, sizeof(pidbuf), "%d", tr.pid);
		l = dumps_as(0, S, more);
		assert_int_equal(json_array_size(l), 1);
		assert_non_null(entry_of(l, root_dump));
		json_decref(l);
		l = dumps_as(NOBODY, S, more); /* not theirs */
		assert_int_equal(json_array_size(l), 0);
		json_decref(l);
	}
	/* --since: the second dump only; an ISO time before both: both; -1h too */
	{
		const char *after[] = { "--since", since, NULL };
		const char *iso_before[] = { "--since", iso, NULL };
		const char *hour[] = { "--since", "-1h", NULL };

		l = dumps_as(0, S, after);
		assert_non_null(entry_of(l, root_dump));
		assert_null(entry_of(l, nobody_dump));
		json_decref(l);
		gmtime_r(&before, &tm);
		strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
		l = dumps_as(0, S, iso_before);
		assert_non_null(entry_of(l, root_dump));
		assert_non_null(entry_of(l, nobody_dump));
		json_decref(l);
		l = dumps_as(NOBODY, S, hour);
		assert_non_null(entry_of(l, nobody_dump));
		json_decref(l);
	}
	/* a bad TIME: one line, non-zero exit */
	{
		const char *args[] = { "dumps", "--state-dir", S, "--since", "-1fortnight", NULL };

		assert_int_not_equal(itest_ctl(&daemon_, &out, &err, args), 0);
		assert_non_null(strstr(err, "invalid time '-1fortnight'"));
		assert_int_equal(strchr(err, '\n') - err + 1, (long)strlen(err));
		free(out);
		free(err);
	}

	/* dumps info ID: nobody's own dump, for nobody; root's is not theirs */
	{
		char id[16];
		const char *info[] = { "dumps", "--state-dir", S, "info", id, NULL };
		const char *info_json[] = { "dumps", "--state-dir", S, "--json", "info", id, NULL };
		char pidline[32];
		json_t *j;

		l = dumps_as(0, S, NULL);
		snprintf(id, sizeof(id), "%s", itest_jstr(entry_of(l, nobody_dump), "id"));
		assert_int_equal(itest_ctl_as(NOBODY, &daemon_, &out, &err, info), 0);
		snprintf(pidline, sizeof(pidline), "PID: %d\n", tn.pid);
		assert_non_null(strstr(out, pidline));
		assert_non_null(strstr(out, "Checksum: ok"));
		assert_non_null(strstr(out, "Reason: request"));
		assert_non_null(strstr(out, nobody_dump));
		free(out);
		free(err);
		assert_int_equal(itest_ctl_as(NOBODY, &daemon_, &out, &err, info_json), 0);
		j = json_loads(out, 0, NULL);
		assert_non_null(j);
		assert_int_equal(itest_jint(j, "pid"), tn.pid);
		assert_int_equal(itest_jint(j, "uid"), NOBODY);
		assert_string_equal(itest_jstr(j, "checksum"), "ok");
		assert_true(itest_jint(j, "events") > 0);
		assert_true(itest_jint(j, "duration_ns") > 0);
		assert_int_equal(itest_jint(j, "lost"), 0);
		json_decref(j);
		free(out);
		free(err);

		snprintf(id, sizeof(id), "%s", itest_jstr(entry_of(l, root_dump), "id"));
		json_decref(l);
		assert_int_not_equal(itest_ctl_as(NOBODY, &daemon_, &out, &err, info), 0);
		assert_non_null(strstr(err, "no dump"));
		free(out);
		free(err);
	}
	itest_target_kill(&tn, SIGKILL);
	itest_target_kill(&tr, SIGKILL);
	itest_target_wait(&tn, 5000);
	itest_target_wait(&tr, 5000);
}

/* With the daemon stopped: the catalogue still lists, a damaged dump is an
 * entry with its error (dumps info fails on it), a legacy flat dump is
 * root's to see until the next start moves it into its owner's directory. */
static void test_daemon_stopped_damaged_and_legacy(void **state)
{
	char dump[512], damaged[600], legacy[600], moved[600];
	struct itest_daemon d;
	struct itest_target t;
	json_t *l, *e;
	char *out = NULL, *err = NULL;

	assert_int_equal(itest_daemon_start(&d, NULL), 0);
	start_sleeper(&t, &d, 0);
	request_dump(&d, &t, dump, sizeof(dump));
	itest_daemon_stop(&d); /* first: the kill below makes no crash dump */
	itest_target_kill(&t, SIGKILL);
	itest_target_wait(&t, 5000);
	{
		const char *status[] = { "status", NULL };

		assert_int_not_equal(itest_ctl(&d, NULL, NULL, status), 0); /* really down */
	}

	snprintf(damaged, sizeof(damaged), "%s/dumps/0/app.1.20261202T000000Z.000.panic.dial9",
		 d.state_dir);
	assert_int_equal(itest_copy_file(dump, damaged, 0600), 0);
	assert_int_equal(truncate(damaged, 100), 0);
	snprintf(legacy, sizeof(legacy), "%s/dumps/old.77.20261201T000000Z.000.signal.dial9",
		 d.state_dir);
	assert_int_equal(itest_copy_file(dump, legacy, 0600), 0);
	assert_int_equal(chown(legacy, NOBODY, NOBODY), 0);

	l = dumps_as(0, d.state_dir, NULL);
	assert_int_equal(json_array_size(l), 3);
	assert_entry(entry_of(l, dump), t.pid, 0, dump);
	e = entry_of(l, damaged);
	assert_non_null(e);
	assert_non_null(strstr(itest_jstr(e, "error"), "truncated"));
	assert_true(json_is_null(json_object_get(e, "pid")));
	assert_true(json_is_true(json_object_get(e, "time_from_file")));
	e = entry_of(l, legacy);
	assert_non_null(e);
	assert_int_equal(itest_jint(e, "uid"), NOBODY);
	assert_int_equal(itest_jint(e, "pid"), t.pid);
	{
		char id[16];
		const char *info[] = { "dumps", "--state-dir", d.state_dir, "info", id, NULL };

		snprintf(id, sizeof(id), "%s", itest_jstr(entry_of(l, damaged), "id"));
		assert_int_not_equal(itest_ctl(&d, &out, &err, info), 0);
		assert_non_null(strstr(out, "Error: truncated"));
		assert_non_null(strstr(err, damaged));
		free(out);
		free(err);
	}
	json_decref(l);
	/* the text listing shows the damaged one too, and exits 0 */
	{
		const char *args[] = { "dumps", "--state-dir", d.state_dir, NULL };

		assert_int_equal(itest_ctl(&d, &out, &err, args), 0);
		assert_non_null(strstr(out, "damaged"));
		assert_non_null(strstr(out, "error: truncated"));
		free(out);
		free(err);
	}

	/* the next start moves the legacy dump into nobody's directory */
	assert_int_equal(itest_daemon_restart(&d, NULL), 0);
	snprintf(moved, sizeof(moved), "%s/dumps/%d/old.77.20261201T000000Z.000.signal.dial9",
		 d.state_dir, NOBODY);
	assert_int_equal(access(legacy, F_OK), -1);
	assert_int_equal(access(moved, F_OK), 0);
	l = dumps_as(NOBODY, d.state_dir, NULL);
	assert_int_equal(json_array_size(l), 1);
	assert_non_null(entry_of(l, moved));
	json_decref(l);
	itest_daemon_stop(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listing_is_per_user),
		cmocka_unit_test(test_daemon_stopped_damaged_and_legacy),
	};

	return cmocka_run_group_tests(tests, group_setup, itest_teardown);
}
