// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_faults.c - dial9d killed with SIGKILL (root, real targets): in the
 * middle of writing a dump, and while recording.  After the kill every BPF
 * link, program and map the daemon held is gone, the recorded programs run
 * on and finish as they would have; a daemon restarted on the same state
 * directory leaves no stale temp file of the interrupted dump, records the
 * same programs again and still dumps the next crash.
 *
 * The dump is caught in the act, not guessed: the dumps directory is
 * watched while the dump is written and the daemon killed the moment its
 * `.NAME.tmp.XXXXXX` appears (a window of a few hundred thousand events
 * takes long enough to write); if the rename wins the race the attempt is
 * repeated.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

#define MAX_IDS 512
#define ATTEMPTS 8
#define STORM_MS "30000" /* the survivor's run: long enough for the attempts */

/* What a full recording needs for a window that takes a while to write. */
static const char *const daemon_args[] = { "--poll-threshold-us", "0", "--overhead-budget", "0",
					   "--max-bytes", "256M", NULL };

/* BPF objects a process holds, by id (ids are not reused soon). */
struct bpf_ids {
	uint32_t link[MAX_IDS], prog[MAX_IDS], map[MAX_IDS];
	int nlink, nprog, nmap;
};

static void add_id(uint32_t *ids, int *n, uint32_t id)
{
	int i;

	for (i = 0; i < *n; i++)
		if (ids[i] == id)
			return;
	if (*n < MAX_IDS)
		ids[(*n)++] = id;
}

/* The link, program and map ids behind pid's descriptors (/proc fdinfo). */
static void bpf_ids_of(pid_t pid, struct bpf_ids *ids)
{
	char dir[64], path[320], *s, *p;
	struct dirent *de;
	unsigned int id;
	DIR *dp;

	memset(ids, 0, sizeof(*ids));
	snprintf(dir, sizeof(dir), "/proc/%d/fdinfo", pid);
	dp = opendir(dir);
	assert_non_null(dp);
	while ((de = readdir(dp))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		s = itest_read_file(path);
		if (!s)
			continue;
		/* a link's fdinfo names its program too: that one is counted */
		if ((p = strstr(s, "\nlink_id:")) && sscanf(p + 9, "%u", &id) == 1)
			add_id(ids->link, &ids->nlink, id);
		if ((p = strstr(s, "\nprog_id:")) && sscanf(p + 9, "%u", &id) == 1)
			add_id(ids->prog, &ids->nprog, id);
		if ((p = strstr(s, "\nmap_id:")) && sscanf(p + 8, "%u", &id) == 1)
			add_id(ids->map, &ids->nmap, id);
		free(s);
	}
	closedir(dp);
}

static int bpf_left(const struct bpf_ids *ids, char *what, size_t len);

/* ids of the live daemon pid, each one resolvable now: so that their being
 * gone after the kill means something. */
static void bpf_ids_live(pid_t pid, struct bpf_ids *ids)
{
	char what[64];

	bpf_ids_of(pid, ids);
	assert_true(ids->nlink > 0 && ids->nprog > 0 && ids->nmap > 0);
	assert_int_equal(bpf_left(ids, what, sizeof(what)), ids->nlink + ids->nprog + ids->nmap);
}

/* How many of the n ids of one kind the kernel still has; the last in what. */
static int kind_left(const uint32_t *ids, int n, int (*get_fd)(uint32_t), const char *kind,
		     char *what, size_t len)
{
	int i, fd, left = 0;

	for (i = 0; i < n; i++) {
		fd = get_fd(ids[i]);
		if (fd >= 0 || errno != ENOENT) {
			left++;
			snprintf(what, len, "%s %u", kind, ids[i]);
		}
		if (fd >= 0)
			close(fd);
	}
	return left;
}

/* How many of ids the kernel still has. */
static int bpf_left(const struct bpf_ids *ids, char *what, size_t len)
{
	what[0] = '\0';
	return kind_left(ids->link, ids->nlink, bpf_link_get_fd_by_id, "link", what, len) +
	       kind_left(ids->prog, ids->nprog, bpf_prog_get_fd_by_id, "program", what, len) +
	       kind_left(ids->map, ids->nmap, bpf_map_get_fd_by_id, "map", what, len);
}

/* Every BPF object of the dead daemon gone (the kernel frees some of them
 * asynchronously: give it a few seconds). */
static void assert_bpf_released(const struct bpf_ids *ids)
{
	long long end = itest_now_ms() + 10000;
	char what[64];
	int left;

	while ((left = bpf_left(ids, what, sizeof(what))) && itest_now_ms() < end)
		usleep(50000);
	if (left)
		fail_msg("%d of the killed daemon's %d links, %d programs, %d maps are still "
			 "loaded (e.g. %s)", left, ids->nlink, ids->nprog, ids->nmap, what);
}

/* Files in the dumps directory DIR (and its per-uid directories) named
 * like an unfinished dump: ".NAME.tmp.XXXXXX". */
static int stale_temps(const char *dir, char *name, size_t len)
{
	char **paths;
	int i, n = 0, all = itest_dump_files(dir, true, &paths);

	if (name)
		name[0] = '\0';
	for (i = 0; i < all; i++) {
		const char *base = strrchr(paths[i], '/') + 1;

		if (base[0] == '.' && strstr(base, ".tmp.")) {
			if (name && !n)
				snprintf(name, len, "%s", paths[i]);
			n++;
		}
	}
	itest_free_paths(paths, all);
	return n;
}

static void dumps_dir(const struct itest_daemon *d, char *buf, size_t len)
{
	snprintf(buf, len, "%s/dumps", d->state_dir);
}

static void kill_daemon(struct itest_daemon *d)
{
	int status;

	assert_int_equal(kill(d->pid, SIGKILL), 0);
	assert_int_equal(waitpid(d->pid, &status, 0), d->pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

static void attach(const struct itest_daemon *d, const struct itest_target *t)
{
	char pidbuf[16], *err = NULL;
	const char *args[] = { "attach", "--pid", pidbuf, NULL };

	snprintf(pidbuf, sizeof(pidbuf), "%d", t->pid);
	if (itest_ctl(d, NULL, &err, args) != 0)
		fail_msg("attach %s (%d): %s", t->name, t->pid, err ? err : "");
	free(err);
}

/* Alive, not a zombie, not stopped: the kill did not take it along. */
static bool target_running(struct itest_target *t)
{
	char path[64], *s, *p;
	bool ok;

	if (t->reaped || waitpid(t->pid, &t->status, WNOHANG) == t->pid) {
		t->reaped = true;
		return false;
	}
	snprintf(path, sizeof(path), "/proc/%d/stat", t->pid);
	s = itest_read_file(path);
	p = s ? strrchr(s, ')') : NULL;
	ok = p && (p[2] == 'R' || p[2] == 'S' || p[2] == 'D');
	free(s);
	return ok;
}

/* The storm target ran all its MS and reported its polls: unharmed. */
static void assert_storm_finished(struct itest_target *t)
{
	char *polls;
	int status = itest_target_wait(t, 60000);

	assert_true(status >= 0 && WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_true(itest_target_wait_line(t, "done=1", 1000));
	polls = itest_target_fact(t, "polls");
	assert_non_null(polls);
	assert_true(atoll(polls) > 0);
	free(polls);
}

/* Let the restarted daemon prove it still dumps a crash: t dies of sig
 * (sent by the test when send, else by itself) and its dump says so. */
static void assert_crash_dumped(const struct itest_daemon *d, struct itest_target *t, int sig,
				bool send)
{
	char dir[256], pattern[32], path[512];
	int status;
	json_t *sum;

	if (send)
		itest_target_kill(t, sig);
	status = itest_target_wait(t, 30000);
	assert_true(status >= 0 && WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), sig);
	dumps_dir(d, dir, sizeof(dir));
	snprintf(pattern, sizeof(pattern), ".%d.", t->pid);
	if (itest_find_dump(dir, pattern, path, sizeof(path), 10000))
		fail_msg("no dump of the crash of %s (%d) after the restart", t->name, t->pid);
	assert_non_null(strstr(path, ".signal."));
	sum = itest_dial9_cmd("summary", path);
	assert_string_equal(itest_jstr(sum, "reason"), "signal");
	assert_int_equal(itest_jint(sum, "signal"), sig);
	assert_true(itest_jint(sum, "polls") > 0);
	json_decref(sum);
}

/* After the restart: no stale temp file (the start-up cleans them). */
static int stale_after_restart(const struct itest_daemon *d, char *name, size_t len)
{
	char dir[256];
	long long end = itest_now_ms() + 2000;
	int n;

	dumps_dir(d, dir, sizeof(dir));
	while ((n = stale_temps(dir, name, len)) && itest_now_ms() < end)
		usleep(50000);
	return n;
}

/* The end of a test, after the restart: the next crash (of crash, by sig,
 * sent by the test when send) is dumped, storm finished unharmed, and no
 * stale temp file was found at the restart (nleft, left: reported last, so
 * that the rest is checked whatever the start-up does). */
static void assert_recovered(struct itest_daemon *d, struct itest_target *crash, int sig,
			     bool send, struct itest_target *storm, int nleft, const char *left)
{
	assert_crash_dumped(d, crash, sig, send);
	assert_storm_finished(storm);
	if (nleft)
		fail_msg("%d stale temp file(s) in the dumps directory after the restart (%s)",
			 nleft, left);
	itest_daemon_stop(d);
}

/* Request a dump of t and kill the daemon while the dump's temp file is in
 * the directory.  Returns true when a stale temp file was left behind. */
static bool kill_during_dump(struct itest_daemon *d, const struct itest_target *t,
			     struct bpf_ids *ids, char *stale, size_t len)
{
	char pidbuf[16], dir[256], log[256];
	const char *argv[] = { ITEST_BIN("dial9ctl"), "--socket", d->socket, "dump", "--pid", pidbuf,
			       NULL };
	long long end;
	siginfo_t si;
	pid_t ctl;
	bool seen = false, over = false;

	snprintf(pidbuf, sizeof(pidbuf), "%d", t->pid);
	dumps_dir(d, dir, sizeof(dir));
	snprintf(log, sizeof(log), "%s/ctl-dump.err", d->dir);
	bpf_ids_live(d->pid, ids);
	ctl = itest_spawn(argv, NULL, log, NULL);
	assert_true(ctl > 0);
	/* until the temp file shows, or the request is over (not reaped here) */
	for (end = itest_now_ms() + 5000; itest_now_ms() < end && !seen && !over;) {
		seen = stale_temps(dir, NULL, 0) > 0;
		memset(&si, 0, sizeof(si));
		over = !seen && !waitid(P_PID, (id_t)ctl, &si, WEXITED | WNOHANG | WNOWAIT) &&
		       si.si_pid == ctl;
	}
	kill_daemon(d);
	itest_stop(ctl, 5000);
	if (!seen) { /* what became of the request */
		char *err = itest_read_file(log);

		fprintf(stderr, "no temp file seen (%s); dial9ctl said: %s\n",
			over ? "the dump was over first" : "in 5 s", err ? err : "");
		free(err);
	}
	return seen && stale_temps(dir, stale, len) > 0;
}

static void test_kill_during_dump(void **state)
{
	const char *storm_args[] = { "8", STORM_MS, NULL };
	const char *crash_args[] = { "abort", "300", NULL };
	struct itest_daemon d;
	struct itest_target storm, crash;
	struct bpf_ids ids;
	char stale[256], left[256];
	int attempt, nleft;
	bool caught = false;
	long long started;

	assert_int_equal(itest_daemon_start(&d, daemon_args), 0);
	assert_int_equal(itest_target_start(&storm, &d, "storm", storm_args, NULL), 0);
	attach(&d, &storm);
	assert_int_equal(itest_target_go(&storm), 0);
	started = itest_now_ms();
	/* attempts while the storm has well over a restart and a crash to go */
	for (attempt = 0; attempt < ATTEMPTS && !caught &&
			  itest_now_ms() < started + atoi(STORM_MS) - 15000;
	     attempt++) {
		if (attempt) { /* the rename won: again, on the same state dir */
			assert_int_equal(itest_daemon_restart(&d, daemon_args), 0);
			attach(&d, &storm);
		}
		usleep(1500000); /* a window that takes a while to write */
		caught = kill_during_dump(&d, &storm, &ids, stale, sizeof(stale));
		assert_bpf_released(&ids);
		assert_true(target_running(&storm));
	}
	fprintf(stderr, "killed dial9d during a dump after %d attempt(s): %s left behind\n",
		attempt, caught ? stale : "nothing");
	if (!caught)
		fail_msg("never caught a dump in the act in %d attempt(s)", attempt);

	assert_int_equal(itest_daemon_restart(&d, daemon_args), 0);
	nleft = stale_after_restart(&d, left, sizeof(left));
	/* the restarted daemon records the survivor again, and the next crash */
	attach(&d, &storm);
	assert_int_equal(itest_target_start(&crash, &d, "panicker", crash_args, NULL), 0);
	attach(&d, &crash);
	assert_int_equal(itest_target_go(&crash), 0);
	assert_recovered(&d, &crash, SIGABRT, false, &storm, nleft, left);
}

static void test_kill_while_recording(void **state)
{
	const char *storm_args[] = { "4", "6000", NULL };
	const char *sleep_args[] = { "sleep", NULL };
	struct itest_daemon d;
	struct itest_target storm, sleeper;
	struct bpf_ids ids;
	char left[256];
	int nleft;

	assert_int_equal(itest_daemon_start(&d, daemon_args), 0);
	assert_int_equal(itest_target_start(&storm, &d, "storm", storm_args, NULL), 0);
	assert_int_equal(itest_target_start(&sleeper, &d, "panicker", sleep_args, NULL), 0);
	attach(&d, &storm);
	attach(&d, &sleeper);
	assert_int_equal(itest_target_go(&storm), 0);
	assert_int_equal(itest_target_go(&sleeper), 0);
	usleep(1000000); /* probes hit all the time */
	bpf_ids_live(d.pid, &ids);
	kill_daemon(&d);
	assert_bpf_released(&ids);
	assert_true(target_running(&storm));
	assert_true(target_running(&sleeper));

	assert_int_equal(itest_daemon_restart(&d, daemon_args), 0);
	nleft = stale_after_restart(&d, left, sizeof(left));
	attach(&d, &sleeper);
	usleep(300000);
	assert_recovered(&d, &sleeper, SIGKILL, true, &storm, nleft, left);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill_during_dump),
		cmocka_unit_test(test_kill_while_recording),
	};

	if (!itest_can_run())
		return 1;
	return cmocka_run_group_tests_name("faults", tests, NULL, itest_teardown);
}
