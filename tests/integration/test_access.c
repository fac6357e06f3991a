// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_access.c - who may see a recorded process (root, real targets):
 * the kernel's ptrace rule, not the real uid.  A setuid-root and a setgid
 * copy of a Tokio target run by `nobody` and recorded by root are invisible
 * to nobody (list, dump, detach all refused) and their dumps are not
 * nobody's; a plain process of nobody's stays theirs.
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
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

#define NOBODY 65534

static struct itest_daemon daemon_;
static const char *const copies[] = { "panicker-suid", "panicker-sgid" };

/* No setuid-root program is left lying about, whatever failed. */
static void remove_copies(void)
{
	char bin[256];
	size_t i;

	for (i = 0; i < sizeof(copies) / sizeof(copies[0]); i++) {
		snprintf(bin, sizeof(bin), "%s/%s", daemon_.dir, copies[i]);
		unlink(bin);
	}
}

static int group_setup(void **state)
{
	struct statvfs sv;

	if (!itest_can_run())
		return -1;
	if (itest_daemon_start(&daemon_, NULL))
		return -1;
	if (statvfs(daemon_.dir, &sv) || (sv.f_flag & ST_NOSUID)) {
		fprintf(stderr, "%s is on a nosuid file system: no setuid test\n", daemon_.dir);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	itest_kill_all();
	remove_copies();
	itest_daemon_stop(&daemon_);
	return 0;
}

/* Field `key` ("Uid:" or "Gid:") of /proc/PID/status: the 4 ids. */
static void proc_ids(pid_t pid, const char *key, unsigned long ids[4])
{
	char path[64], *s, *line;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	s = itest_read_file(path);
	assert_non_null(s);
	line = strstr(s, key);
	assert_non_null(line);
	assert_int_equal(sscanf(line + strlen(key), "%lu %lu %lu %lu", &ids[0], &ids[1], &ids[2],
				&ids[3]), 4);
	free(s);
}

/* Is pid in `dial9ctl list --json` as uid?  The owner it shows into
 * *owner when owner is not NULL. */
static bool listed_as(int uid, pid_t pid, long long *owner)
{
	const char *list[] = { "list", "--json", NULL };
	char *out = NULL, *err = NULL;
	bool found = false;
	json_t *l, *p;
	size_t i;

	assert_int_equal(itest_ctl_as(uid, &daemon_, &out, &err, list), 0);
	l = json_loads(out ? out : "", 0, NULL);
	assert_non_null(l);
	for (i = 0; i < json_array_size(l); i++) {
		p = json_array_get(l, i);
		if (itest_jint(p, "pid") != pid)
			continue;
		found = true;
		if (owner)
			*owner = itest_jint(p, "uid");
	}
	json_decref(l);
	free(out);
	free(err);
	return found;
}

static bool listed_for(int uid, pid_t pid)
{
	return listed_as(uid, pid, NULL);
}

/* dial9ctl ARGS as nobody must be refused for permission. */
static void refused_to_nobody(const char *const args[])
{
	char *out = NULL, *err = NULL;
	int rc = itest_ctl_as(NOBODY, &daemon_, &out, &err, args);

	if (rc != 1 || !err || !strstr(err, "permission denied"))
		fail_msg("nobody's %s: exit %d, \"%s\"", args[0], rc, err ? err : "");
	free(out);
	free(err);
}

/* Root dumps pid into the state directory; the file's owner. */
static uid_t dump_owner(pid_t pid)
{
	char pidbuf[16], dir[256], pattern[32], path[512];
	const char *dump[] = { "dump", "--pid", pidbuf, NULL };
	struct stat st;

	snprintf(pidbuf, sizeof(pidbuf), "%d", pid);
	assert_int_equal(itest_ctl(&daemon_, NULL, NULL, dump), 0);
	snprintf(dir, sizeof(dir), "%s/dumps", daemon_.state_dir);
	snprintf(pattern, sizeof(pattern), ".%d.", pid);
	assert_int_equal(itest_find_dump(dir, pattern, path, sizeof(path), 5000), 0);
	assert_int_equal(stat(path, &st), 0);
	return st.st_uid;
}

/* A copy of panicker owned by root with mode, run by nobody, recorded by
 * root: nobody may not see it nor act on it, and its dump is not theirs. */
static void check_privileged_copy(const char *name, mode_t mode, int id_field_changed)
{
	const char *args[] = { "sleep", NULL };
	char bin[256], pidbuf[16], outfile[256];
	const char *attach[] = { "attach", "--pid", pidbuf, NULL };
	const char *dump[] = { "dump", "--pid", pidbuf, NULL };
	const char *dump_o[] = { "dump", "--pid", pidbuf, "-o", outfile, NULL };
	const char *detach[] = { "detach", "--pid", pidbuf, NULL };
	struct itest_target t;
	unsigned long uids[4], gids[4];
	long long owner = -1;
	struct stat st;

	snprintf(bin, sizeof(bin), "%s/%s", daemon_.dir, name);
	assert_int_equal(itest_copy_file(ITEST_TARGET("panicker"), bin, 0755), 0);
	assert_int_equal(chown(bin, 0, 0), 0);
	assert_int_equal(chmod(bin, mode), 0);
	assert_int_equal(itest_target_start_exe_as(&t, &daemon_, bin, args, NULL, NOBODY), 0);
	assert_int_equal(itest_target_go(&t), 0);
	snprintf(pidbuf, sizeof(pidbuf), "%d", t.pid);
	snprintf(outfile, sizeof(outfile), "/tmp/dial9-itest-suid.%d.dial9", t.pid);
	/* really run by nobody with root's effective uid (or group) */
	proc_ids(t.pid, "\nUid:", uids);
	proc_ids(t.pid, "\nGid:", gids);
	assert_int_equal(uids[0], NOBODY);
	assert_int_equal(gids[0], NOBODY);
	assert_int_equal(id_field_changed == 'u' ? uids[1] : gids[1], 0);

	/* refused before root records it */
	refused_to_nobody(attach);
	assert_int_equal(itest_ctl(&daemon_, NULL, NULL, attach), 0);
	assert_true(listed_as(0, t.pid, &owner));
	assert_int_equal(owner, 0); /* whose its dumps are */
	/* recorded by root: still nobody's business */
	if (listed_for(NOBODY, t.pid))
		fail_msg("%s: nobody's list shows the %s process %d", name,
			 id_field_changed == 'u' ? "setuid" : "setgid", t.pid);
	refused_to_nobody(dump);
	refused_to_nobody(dump_o);
	refused_to_nobody(detach);
	/* dial9ctl may have created the -o file: nothing was written into it */
	if (!stat(outfile, &st)) {
		assert_int_equal(st.st_size, 0);
		unlink(outfile);
	}
	assert_true(listed_for(0, t.pid)); /* the detach did not happen */
	/* the dump root writes is not readable by the real user */
	assert_int_equal(dump_owner(t.pid), 0);

	itest_target_kill(&t, SIGKILL);
	itest_target_wait(&t, 5000);
	remove_copies();
}

static void test_setuid_root_target_hidden_from_real_user(void **state)
{
	check_privileged_copy(copies[0], 04755, 'u');
}

static void test_setgid_target_hidden_from_real_user(void **state)
{
	check_privileged_copy(copies[1], 02755, 'g');
}

/* No regression: nobody's plain process, recorded by root, is nobody's. */
static void test_plain_process_stays_its_owners(void **state)
{
	const char *args[] = { "sleep", NULL };
	char pidbuf[16];
	const char *attach[] = { "attach", "--pid", pidbuf, NULL };
	const char *dump[] = { "dump", "--pid", pidbuf, NULL };
	const char *detach[] = { "detach", "--pid", pidbuf, NULL };
	struct itest_target t;
	long long owner = -1;

	assert_int_equal(itest_target_start_as(&t, &daemon_, "panicker", args, NULL, NOBODY), 0);
	assert_int_equal(itest_target_go(&t), 0);
	snprintf(pidbuf, sizeof(pidbuf), "%d", t.pid);
	assert_int_equal(itest_ctl(&daemon_, NULL, NULL, attach), 0);
	assert_true(listed_as(NOBODY, t.pid, &owner));
	assert_int_equal(owner, NOBODY);
	assert_int_equal(dump_owner(t.pid), NOBODY);
	assert_int_equal(itest_ctl_as(NOBODY, &daemon_, NULL, NULL, dump), 0);
	assert_int_equal(itest_ctl_as(NOBODY, &daemon_, NULL, NULL, detach), 0);
	assert_false(listed_for(0, t.pid));
	/* and nobody may attach it again */
	assert_int_equal(itest_ctl_as(NOBODY, &daemon_, NULL, NULL, attach), 0);
	assert_true(listed_for(NOBODY, t.pid));
	itest_target_kill(&t, SIGKILL);
	itest_target_wait(&t, 5000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_setuid_root_target_hidden_from_real_user),
		cmocka_unit_test(test_setgid_target_hidden_from_real_user),
		cmocka_unit_test(test_plain_process_stays_its_owners),
	};

	return cmocka_run_group_tests_name("access", tests, group_setup, group_teardown);
}
