// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_evidence.c - no user can make dial9d lose another user's evidence
 * (root, real targets): request dumps evict only their own uid's request
 * dumps and are rate-limited per uid; a full disk still gets the crash
 * dump; an OOM kill is dumped as one, with its cgroup's limit; temp files
 * of an interrupted dump do not outlive a restart; one daemon per state
 * directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dump.h"
#include "itest.h"

#define NOBODY 65534
#define MIB (1ULL << 20)

struct dumps {
	int total, crash, request_root, request_nobody, nobody_owned;
};

/* What the dumps directory holds, by reason and owner. */
static struct dumps count_dumps(const char *state_dir)
{
	struct dumps c = { 0 };
	char dir[512], **paths;
	struct stat st;
	int i, n;

	snprintf(dir, sizeof(dir), "%s/dumps", state_dir);
	assert_int_equal(access(dir, F_OK), 0);
	n = itest_dump_files(dir, false, &paths);
	for (i = 0; i < n; i++) {
		const char *name = strrchr(paths[i], '/') + 1;
		size_t len = strlen(name);

		if (len < 6 || strcmp(name + len - 6, ".dial9"))
			continue;
		assert_int_equal(stat(paths[i], &st), 0);
		c.total++;
		c.nobody_owned += st.st_uid == NOBODY;
		if (strstr(name, ".request.")) {
			c.request_root += st.st_uid == 0;
			c.request_nobody += st.st_uid == NOBODY;
		} else {
			c.crash++;
		}
	}
	itest_free_paths(paths, n);
	return c;
}

static void attach(const struct itest_daemon *d, int uid, pid_t pid)
{
	char pidbuf[16];
	const char *args[] = { "attach", "--pid", pidbuf, NULL };
	char *out = NULL, *err = NULL;

	snprintf(pidbuf, sizeof(pidbuf), "%d", pid);
	if (itest_ctl_as(uid, d, &out, &err, args) != 0)
		fail_msg("attach %d as uid %d: %s", pid, uid, err ? err : "?");
	free(out);
	free(err);
}

/* dial9ctl dump --pid PID as uid: its exit code; its stderr in *err. */
static int request_dump(const struct itest_daemon *d, int uid, pid_t pid, char **err)
{
	char pidbuf[16];
	const char *args[] = { "dump", "--pid", pidbuf, NULL };
	char *out = NULL, *e = NULL;
	int rc;

	snprintf(pidbuf, sizeof(pidbuf), "%d", pid);
	rc = itest_ctl_as(uid, d, &out, &e, args);
	free(out);
	if (err)
		*err = e;
	else
		free(e);
	return rc;
}

static void start_sleeper(struct itest_target *t, const struct itest_daemon *d, int uid)
{
	const char *args[] = { "sleep", "100", NULL };

	assert_int_equal(itest_target_start_as(t, d, "panicker", args, NULL, uid ? uid : -1), 0);
	assert_int_equal(itest_target_go(t), 0);
	assert_true(itest_target_wait_line(t, "sleeping=1", 10000));
}

/* SIGKILL t and wait until its dump is in the state directory. */
static void kill_and_find_dump(const char *state_dir, struct itest_target *t, char *path,
			       size_t len)
{
	char dir[512], pid[32];
	int status;

	itest_target_kill(t, SIGKILL);
	status = itest_target_wait(t, 5000);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	snprintf(dir, sizeof(dir), "%s/dumps", state_dir);
	snprintf(pid, sizeof(pid), ".%d.", t->pid);
	/* the only crash of the test */
	if (itest_find_dump(dir, ".signal.", path, len, 5000))
		fail_msg("no dump of the SIGKILLed process %d in %s", t->pid, dir);
	assert_non_null(strstr(path, pid));
}

/* nobody's 30 request dumps of their own process remove neither root's
 * crash dump nor root's request dump; nobody keeps max-request-dumps. */
static void test_request_dumps_evict_only_their_own(void **state)
{
	static const char *const extra[] = { "--max-dumps", "6", "--max-request-dumps", "3",
					     "--request-dumps-per-min", "0", NULL };
	struct itest_target root_a, root_c, theirs;
	struct itest_daemon d;
	char crash[512];
	struct dumps c;
	int i, ok = 0;

	assert_int_equal(itest_daemon_start(&d, extra), 0);
	start_sleeper(&root_a, &d, 0);
	start_sleeper(&root_c, &d, 0);
	start_sleeper(&theirs, &d, NOBODY);
	attach(&d, 0, root_a.pid);
	attach(&d, 0, root_c.pid);
	attach(&d, NOBODY, theirs.pid);
	usleep(200000);

	assert_int_equal(request_dump(&d, 0, root_a.pid, NULL), 0);
	kill_and_find_dump(d.state_dir, &root_c, crash, sizeof(crash));
	for (i = 0; i < 30; i++)
		ok += request_dump(&d, NOBODY, theirs.pid, NULL) == 0;

	c = count_dumps(d.state_dir);
	printf("nobody: %d of 30 request dumps written; kept: %d crash, %d root request, "
	       "%d nobody request\n", ok, c.crash, c.request_root, c.request_nobody);
	assert_int_equal(ok, 30); /* each evicts nobody's own oldest */
	assert_int_equal(c.crash, 1);
	assert_int_equal(access(crash, F_OK), 0);
	assert_int_equal(c.request_root, 1);
	assert_int_equal(c.request_nobody, 3);
	assert_int_equal(c.nobody_owned, 3);

	itest_target_kill(&root_a, SIGTERM);
	itest_target_kill(&theirs, SIGTERM);
	itest_target_wait(&root_a, 5000);
	itest_target_wait(&theirs, 5000);
	itest_daemon_stop(&d);
}

/* nobody crashing five processes with room for three dumps evicts their
 * own crash dumps, not root's: eviction within a rank takes from the uid
 * holding the most. */
static void test_crash_flood_evicts_the_flooder(void **state)
{
	static const char *const extra[] = { "--max-dumps", "3", NULL };
	struct itest_target root_t, theirs[5];
	struct itest_daemon d;
	char crash[512], pid[32];
	struct dumps c;
	int i;

	assert_int_equal(itest_daemon_start(&d, extra), 0);
	start_sleeper(&root_t, &d, 0);
	attach(&d, 0, root_t.pid);
	usleep(100000);
	kill_and_find_dump(d.state_dir, &root_t, crash, sizeof(crash));
	for (i = 0; i < 5; i++) {
		char dir[512], path[512];
		int status;

		start_sleeper(&theirs[i], &d, NOBODY);
		attach(&d, NOBODY, theirs[i].pid);
		usleep(100000);
		itest_target_kill(&theirs[i], SIGKILL);
		status = itest_target_wait(&theirs[i], 5000);
		assert_true(WIFSIGNALED(status));
		snprintf(dir, sizeof(dir), "%s/dumps", d.state_dir);
		snprintf(pid, sizeof(pid), ".%d.", theirs[i].pid);
		if (itest_find_dump(dir, pid, path, sizeof(path), 5000))
			fail_msg("no dump of nobody's crashed process %d", theirs[i].pid);
	}
	c = count_dumps(d.state_dir);
	printf("crash flood: root's crash dump %s; nobody keeps %d\n",
	       access(crash, F_OK) ? "REMOVED" : "kept", c.nobody_owned);
	assert_int_equal(access(crash, F_OK), 0);
	assert_int_equal(c.total, 3);
	assert_int_equal(c.nobody_owned, 2);
	itest_daemon_stop(&d);
}

/* A uid other than root gets request-dumps-per-min (10) dumps in a burst,
 * then a clear refusal; root is not limited. */
static void test_request_dumps_rate_limited(void **state)
{
	struct itest_target theirs, mine;
	struct itest_daemon d;
	int i, ok = 0, refused = 0, root_ok = 0;

	assert_int_equal(itest_daemon_start(&d, NULL), 0);
	start_sleeper(&theirs, &d, NOBODY);
	start_sleeper(&mine, &d, 0);
	attach(&d, NOBODY, theirs.pid);
	attach(&d, 0, mine.pid);
	usleep(200000);
	for (i = 0; i < 25; i++) {
		char *err = NULL;

		if (request_dump(&d, NOBODY, theirs.pid, &err) == 0)
			ok++;
		else if (err && strstr(err, "too many dump requests") &&
			 strstr(err, "request-dumps-per-min"))
			refused++;
		free(err);
	}
	for (i = 0; i < 25; i++)
		root_ok += request_dump(&d, 0, mine.pid, NULL) == 0;
	printf("nobody: %d written, %d refused of 25; root: %d of 25\n", ok, refused, root_ok);
	/* 25 requests take a few seconds: at most one token refilled */
	assert_true(ok >= 10 && ok <= 11);
	assert_int_equal(ok + refused, 25);
	assert_int_equal(root_ok, 25);

	itest_target_kill(&theirs, SIGTERM);
	itest_target_kill(&mine, SIGTERM);
	itest_target_wait(&theirs, 5000);
	itest_target_wait(&mine, 5000);
	itest_daemon_stop(&d);
}

/* Write zeros into path until the file system is full. */
static void fill_file_system(const char *path)
{
	static char block[64 << 10];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ssize_t n;

	assert_true(fd >= 0);
	do
		n = write(fd, block, sizeof(block));
	while (n > 0);
	while (write(fd, block, 512) > 0) /* the last partial block */
		;
	close(fd);
}

/* The state directory on a 1 MiB tmpfs: request dumps stop short of the
 * reserve, and once something else fills the disk a SIGKILL dump still gets
 * written, in the room of request dumps. */
static void test_full_disk_keeps_crash_dump(void **state)
{
	char mnt[256], state_dir[300], junk[300], crash[512], *err = NULL;
	const char *extra[] = { "-d", state_dir, "--request-dumps-per-min", "0", NULL };
	struct itest_target t;
	struct itest_daemon d;
	struct dumps c;
	json_t *sum;
	int i, ok = 0;

	snprintf(mnt, sizeof(mnt), "/tmp/dial9-itest-tmpfs.%d", getpid());
	assert_int_equal(itest_mkdirs(mnt), 0);
	if (mount("tmpfs", mnt, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755"))
		fail_msg("mount tmpfs on %s: %s", mnt, strerror(errno));
	snprintf(state_dir, sizeof(state_dir), "%s/state", mnt);
	snprintf(junk, sizeof(junk), "%s/junk", mnt);

	assert_int_equal(itest_daemon_start(&d, extra), 0);
	start_sleeper(&t, &d, 0);
	attach(&d, 0, t.pid);
	usleep(300000);
	for (i = 0; i < 3; i++)
		ok += request_dump(&d, 0, t.pid, NULL) == 0;
	assert_int_equal(ok, 3);

	/* the disk fills up: a request dump is refused, not written half */
	fill_file_system(junk);
	assert_int_not_equal(request_dump(&d, 0, t.pid, &err), 0);
	assert_non_null(err);
	assert_non_null(strstr(err, "no room for a request dump"));
	free(err);

	kill_and_find_dump(state_dir, &t, crash, sizeof(crash));
	sum = itest_dial9_cmd("summary", crash);
	assert_string_equal(itest_jstr(sum, "reason"), "signal");
	assert_int_equal(itest_jint(sum, "signal"), 9);
	assert_true(itest_jint(sum, "polls") > 0);
	json_decref(sum);
	c = count_dumps(state_dir);
	printf("full disk: crash dump written; %d request dumps made room for it\n",
	       3 - c.request_root);
	assert_int_equal(c.crash, 1);
	assert_true(c.request_root < 3);

	itest_daemon_stop(&d);
	assert_int_equal(umount2(mnt, MNT_DETACH), 0);
	rmdir(mnt);
}

/* The memory cgroup v1 or v2 directory this process is in, or "". */
static void own_memcg(char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[1024];

	buf[0] = '\0';
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *path = strchr(line, ':'), *nl;

		line[strcspn(line, "\n")] = '\0';
		if (!path || !(path = strchr(path + 1, ':')))
			continue;
		nl = path++;
		*nl = '\0';
		if (strstr(line, ":memory") && !access("/sys/fs/cgroup/memory", F_OK)) {
			snprintf(buf, len, "/sys/fs/cgroup/memory%s", path);
			break;
		}
		if (!strcmp(line, "0:") && !access("/sys/fs/cgroup/cgroup.controllers", F_OK))
			snprintf(buf, len, "/sys/fs/cgroup%s", path);
	}
	fclose(f);
}

static int write_text(const char *dir, const char *file, const char *text)
{
	char path[1024];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* A recorded process that the OOM killer ends in a memory cgroup of 64 MiB:
 * the dump says "oom", names the limit and the kernel as the SIGKILL's
 * sender. */
static void test_oom_kill_reported(void **state)
{
	const char *args[] = { "hog", "100", NULL };
	char parent[512], cg[600], pidbuf[16], dir[512], pattern[32], path[512];
	const struct dial9_event *sig = NULL;
	struct dial9_dump *dump = NULL;
	struct itest_target t;
	struct itest_daemon d;
	bool v1;
	json_t *sum, *oom;
	uint64_t i;
	int status;

	own_memcg(parent, sizeof(parent));
	if (!parent[0]) {
		fprintf(stderr, "no memory cgroup here\n");
		skip();
	}
	v1 = strstr(parent, "/sys/fs/cgroup/memory") == parent;
	snprintf(cg, sizeof(cg), "%s/dial9-itest-oom.%d", parent, getpid());
	assert_int_equal(mkdir(cg, 0755), 0);
	assert_int_equal(write_text(cg, v1 ? "memory.limit_in_bytes" : "memory.max", "67108864"), 0);
	if (!v1)
		write_text(cg, "memory.swap.max", "0");

	assert_int_equal(itest_daemon_start(&d, NULL), 0);
	assert_int_equal(itest_target_start(&t, &d, "panicker", args, NULL), 0);
	snprintf(pidbuf, sizeof(pidbuf), "%d", t.pid);
	assert_int_equal(write_text(cg, "cgroup.procs", pidbuf), 0);
	attach(&d, 0, t.pid);
	assert_int_equal(itest_target_go(&t), 0);
	status = itest_target_wait(&t, 30000);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_true(itest_target_wait_line(&t, "hogging=1", 1000));

	snprintf(dir, sizeof(dir), "%s/dumps", d.state_dir);
	snprintf(pattern, sizeof(pattern), ".%d.", t.pid);
	if (itest_find_dump(dir, pattern, path, sizeof(path), 5000))
		fail_msg("no dump of the OOM-killed process in %s", dir);
	assert_non_null(strstr(path, ".oom."));
	sum = itest_dial9_cmd("summary", path);
	assert_string_equal(itest_jstr(sum, "reason"), "oom");
	assert_int_equal(itest_jint(sum, "signal"), 9);
	oom = json_object_get(sum, "oom_kill");
	assert_non_null(oom);
	assert_int_equal(itest_jint(oom, "memory_limit_bytes"), 64 * MIB);
	assert_true(itest_jint(sum, "spawns") >= 4); /* the tickers and the hog */
	json_decref(sum);

	/* the SIGKILL came from the kernel, not from the victim */
	assert_int_equal(dial9_dump__read(path, &dump, NULL, 0), 0);
	for (i = 0; i < dump->nevents; i++)
		if (dump->events[i].kind == DIAL9_EV_SIGNAL && dump->events[i].aux == SIGKILL)
			sig = &dump->events[i];
	assert_non_null(sig);
	assert_int_equal(sig->arg, 0);
	dial9_dump__free(dump);

	itest_daemon_stop(&d);
	assert_int_equal(rmdir(cg), 0);
}

/* Temp files of a dump interrupted by a crash of the daemon go at start;
 * other files stay; a second daemon on the same state directory refuses. */
static void test_restart_cleans_temps_and_locks(void **state)
{
	char dumps[300], stale[400], stale_uid[400], other[400], log[300];
	const char *extra[] = { "-d", NULL, NULL };
	struct itest_daemon d, second;
	char *text;
	int fd;

	assert_int_equal(itest_daemon_start(&d, NULL), 0);
	snprintf(dumps, sizeof(dumps), "%s/dumps", d.state_dir);
	itest_daemon_stop(&d);

	snprintf(stale, sizeof(stale), "%s/.app.42.20261202T000000Z.000.signal.dial9.tmp.Ab12Cd",
		 dumps);
	snprintf(other, sizeof(other), "%s/.notes", dumps);
	fd = open(stale, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0 && write(fd, "half a dump", 11) == 11);
	close(fd);
	/* and one in a uid's directory (dump_dir.h) */
	snprintf(stale_uid, sizeof(stale_uid), "%s/0", dumps);
	assert_int_equal(mkdir(stale_uid, 0700), 0);
	snprintf(stale_uid, sizeof(stale_uid),
		 "%s/0/.app.43.20261202T000000Z.000.signal.dial9.tmp.Ef34Gh", dumps);
	fd = open(stale_uid, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	fd = open(other, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);

	extra[1] = d.state_dir;
	assert_int_equal(itest_daemon_start(&second, extra), 0);
	assert_int_equal(access(stale, F_OK), -1);
	assert_int_equal(access(stale_uid, F_OK), -1);
	assert_int_equal(access(other, F_OK), 0);

	/* another daemon on the same state directory would remove the first
	 * one's dumps in progress: it refuses to start */
	{
		const char *argv[] = { ITEST_BIN("dial9d"), "-s", log, "-d", d.state_dir, NULL };
		char *out = NULL, *err = NULL;
		int status;

		snprintf(log, sizeof(log), "%s/other.sock", second.dir);
		status = itest_run(argv, &out, &err, 10000);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) != 0);
		assert_non_null(err);
		assert_non_null(strstr(err, "another dial9d is using it"));
		free(out);
		free(err);
	}
	text = itest_read_file(second.log);
	assert_non_null(text);
	assert_non_null(strstr(text, "left by an interrupted dump"));
	free(text);
	itest_daemon_stop(&second);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_dumps_evict_only_their_own),
		cmocka_unit_test(test_crash_flood_evicts_the_flooder),
		cmocka_unit_test(test_request_dumps_rate_limited),
		cmocka_unit_test(test_full_disk_keeps_crash_dump),
		cmocka_unit_test(test_oom_kill_reported),
		cmocka_unit_test(test_restart_cleans_temps_and_locks),
	};

	if (!itest_can_run())
		return 1;
	return cmocka_run_group_tests_name("evidence", tests, NULL, itest_teardown);
}
