// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_matrix.c - the compatibility matrix (root): the `matrix` test
 * program built against three Tokio releases from Debian (bookworm, trixie,
 * forky) in every build profile (build/matrix/cells, made by
 * tests/targets/build-matrix.sh), recorded through real uprobes, and in
 * every cell the facts the program is known to produce:
 *
 *   spawns     the exact spawn count, every one recorded
 *   locations  every task's spawn location is the user's function that
 *              called tokio::spawn, with the call's file:line:col
 *   polls      the blocking task's polls last the known time (within 5 ms),
 *              and no other task's poll lasts 5 ms
 *   drivers    the I/O reads are woken by the I/O driver, the sleeps by the
 *              timer
 *   relay      every relay edge and nothing else into the stages; the
 *              longest wake chain is the relay
 *   ended      no poll left running, every task terminated
 *   lost       0 events lost
 *   stalls     each blocking stretch is a stall located in the user's code
 *
 * A table of the figures seen in every cell is printed at the end.
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
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

#define FANOUT 20
#define STAGES 4
#define ROUNDS 10
#define BLOCK_MS 40
#define BLOCKS 3
#define PINGS 50
#define SLACK_NS 5000000LL /* 5 ms */
#define MAX_CELLS 32
#define MATRIX_SRC DIAL9_SRC_DIR "/tests/targets/matrix/src/main.rs"

/* What one run showed, for the table. */
struct figures {
	long long spawns, spawns_want;
	int sites_ok, sites;
	double block_min_ms, block_max_ms, other_max_ms;
	long long io_pinger, io_ponger, timer_tasks;
	long long relay_min, relay_max;
	long long chain;
	const char *chain_first;
	long long open, lost;
	int stalls_located, stalls;
	bool done;
};

struct cell {
	char name[64], version[32], suite[32], profile[16], dir[256];
	const char *flavor; /* "multi" or "current" */
	struct figures f;
};

static struct itest_daemon daemon_;
static struct cell cells[MAX_CELLS];
static int ncells;

static int group_setup(void **state)
{
	if (!itest_can_run())
		return -1;
	return itest_daemon_start_full(&daemon_); /* these tests check every poll */
}

static void print_table(void)
{
	printf("\ncompatibility matrix (FANOUT=%d STAGES=%d ROUNDS=%d BLOCK=%dx%dms PINGS=%d)\n",
	       FANOUT, STAGES, ROUNDS, BLOCKS, BLOCK_MS, PINGS);
	printf("%-22s %-8s %7s %9s %17s %8s %9s %7s %9s %7s %5s %4s %7s\n", "cell (tokio-profile)",
	       "flavor", "spawns", "locations", "blocking polls", "others<", "io wakes",
	       "timer", "relay", "chain", "open", "lost", "stalls");
	for (int i = 0; i < ncells; i++) {
		const struct figures *f = &cells[i].f;
		char blk[32], io[32], relay[32];

		if (!f->done) {
			printf("%-22s %-8s (did not run to the end)\n", cells[i].name, cells[i].flavor);
			continue;
		}
		snprintf(blk, sizeof(blk), "%.1f-%.1fms", f->block_min_ms, f->block_max_ms);
		snprintf(io, sizeof(io), "%lld/%lld", f->io_pinger, f->io_ponger);
		snprintf(relay, sizeof(relay), "%lld-%lld", f->relay_min, f->relay_max);
		printf("%-22s %-8s %3lld/%-3lld %4d/%-4d %17s %6.2fms %9s %7lld %9s %2lld:%-4s %5lld %4lld %3d/%-3d\n",
		       cells[i].name, cells[i].flavor, f->spawns, f->spawns_want, f->sites_ok, f->sites,
		       blk, f->other_max_ms, io, f->timer_tasks, relay, f->chain,
		       f->chain_first ? f->chain_first : "?", f->open, f->lost, f->stalls_located,
		       f->stalls);
	}
}

static int group_teardown(void **state)
{
	print_table();
	itest_kill_all();
	itest_daemon_stop(&daemon_);
	return 0;
}

/* Column of "tokio::spawn(" on line `line` of the matrix program's source. */
static int spawn_column(int line)
{
	char buf[1024];
	FILE *f = fopen(MATRIX_SRC, "re");
	int n = 0, col = 0;

	assert_non_null(f);
	while (fgets(buf, sizeof(buf), f))
		if (++n == line) {
			char *p = strstr(buf, "tokio::spawn(");

			col = p ? (int)(p - buf) + 1 : 0;
			break;
		}
	fclose(f);
	return col;
}

/* The value of `key=` in one fact line ("site fn=… file=… line=… count=…"). */
static const char *field(const char *line, const char *key, char *buf, size_t len)
{
	char pat[32];
	const char *p;

	snprintf(pat, sizeof(pat), "%s=", key);
	p = strstr(line, pat);
	if (!p)
		return "";
	p += strlen(pat);
	snprintf(buf, len, "%.*s", (int)strcspn(p, " \n"), p);
	return buf;
}

/* Lines of the target's output that begin with prefix, malloc'd. */
static int fact_lines(const struct itest_target *t, const char *prefix, char ***lines)
{
	FILE *f = fopen(t->out, "re");
	char buf[1024];
	int n = 0;

	*lines = NULL;
	if (!f)
		return 0;
	while (fgets(buf, sizeof(buf), f)) {
		char **nl;

		if (strncmp(buf, prefix, strlen(prefix)))
			continue;
		nl = realloc(*lines, sizeof(char *) * (n + 1));
		assert_non_null(nl);
		*lines = nl;
		(*lines)[n++] = strdup(buf);
	}
	fclose(f);
	return n;
}

static void free_lines(char **lines, int n)
{
	for (int i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

static json_t *tasks_at(json_t *tasks, const char *fn)
{
	json_t *out = json_array(), *t;
	char want[96];
	size_t i;

	snprintf(want, sizeof(want), "matrix::%s (", fn);
	json_array_foreach(tasks, i, t)
		if (!strncmp(itest_jstr(t, "spawn_location"), want, strlen(want)))
			json_array_append(out, t);
	return out;
}

/* Wakes of task `to` by waker kind (and waking task, for kind "task"). */
static long long wakes_into(json_t *graph, long long to, const char *kind, long long from)
{
	json_t *e;
	size_t i;
	long long n = 0;

	json_array_foreach(json_object_get(graph, "edges"), i, e) {
		json_t *w = json_object_get(e, "waker");

		if (itest_jint(e, "woken") != to)
			continue;
		if (kind && strcmp(itest_jstr(w, "kind"), kind))
			continue;
		if (kind && !strcmp(kind, "task") && json_integer_value(json_object_get(w, "task_id")) != from)
			continue;
		n += itest_jint(e, "count");
	}
	return n;
}

static void check_cell(struct cell *c)
{
	char bin[300], dump[512];
	const char *args[] = { c->flavor, "20", "4", "10", "40", "3", "50", NULL };
	const char *main_kind = strcmp(c->flavor, "current") ? "thread" : "block_on";
	struct figures *f = &c->f;
	json_t *sum, *tasks, *graph, *t, *chain, *stages, *blocker;
	struct itest_target tg;
	char **sites = NULL, *spawned;
	long long stage_ids[STAGES];
	int nsites;
	size_t i;

	printf("cell %s: tokio %s (Debian %s), profile %s, %s-thread runtime\n", c->name, c->version,
	       c->suite, c->profile, c->flavor);
	snprintf(bin, sizeof(bin), "%s/matrix", c->dir);
	assert_int_equal(itest_target_start_exe(&tg, &daemon_, bin, args, NULL), 0);
	itest_record_to_exit(&daemon_, &tg, NULL, dump, sizeof(dump));
	assert_true(itest_target_wait_line(&tg, "done=1", 1000));

	sum = itest_dial9_cmd("summary", dump);
	tasks = itest_dial9_cmd("tasks", dump);
	graph = itest_dial9_cmd("wakegraph", dump);

	/* spawns: the exact count */
	spawned = itest_target_fact(&tg, "spawned");
	assert_non_null(spawned);
	f->spawns_want = atoll(spawned);
	free(spawned);
	f->spawns = itest_jint(sum, "spawns");
	f->lost = itest_jint(sum, "lost");
	f->open = itest_jint(sum, "polls_open");

	/* locations: every task is at one of the program's spawn sites */
	nsites = fact_lines(&tg, "site ", &sites);
	for (int s = 0; s < nsites; s++) {
		char fn[64], file[128], line[16], count[16], want[256];
		long long at = 0, exact = 0;
		json_t *here;

		field(sites[s], "fn", fn, sizeof(fn));
		field(sites[s], "file", file, sizeof(file));
		field(sites[s], "line", line, sizeof(line));
		field(sites[s], "count", count, sizeof(count));
		snprintf(want, sizeof(want), "%s (%s:%s:%d)", fn, file, line, spawn_column(atoi(line)));
		here = tasks_at(tasks, fn + strlen("matrix::"));
		json_array_foreach(here, i, t) {
			at++;
			exact += !strcmp(itest_jstr(t, "spawn_location"), want);
		}
		f->sites++;
		f->sites_ok += at == atoll(count) && exact == at;
		if (exact != atoll(count))
			printf("  site %s: %lld of %s tasks at \"%s\" (first seen: \"%s\")\n", fn, exact,
			       count, want, at ? itest_jstr(json_array_get(here, 0), "spawn_location") : "");
		json_decref(here);
	}
	free_lines(sites, nsites);

	/* polls: the blocker's last BLOCK_MS, nobody else's 5 ms */
	blocker = tasks_at(tasks, "spawn_blocker");
	f->block_min_ms = 1e9;
	json_array_foreach(tasks, i, t) {
		bool is_blocker = json_integer_value(json_object_get(t, "task_id")) ==
				  json_integer_value(json_object_get(json_array_get(blocker, 0), "task_id"));
		double max_ms = (double)itest_jint(t, "poll_ns_max") / 1e6;

		if (!is_blocker && max_ms > f->other_max_ms)
			f->other_max_ms = max_ms;
	}
	if (json_array_size(blocker) == 1) {
		char id[32];
		const char *targs[] = { "task", dump, id, NULL };
		json_t *life, *e;
		int long_polls = 0;

		snprintf(id, sizeof(id), "%lld", itest_jint(json_array_get(blocker, 0), "task_id"));
		life = itest_dial9_json(targs);
		assert_non_null(life);
		json_array_foreach(json_object_get(life, "events"), i, e) {
			double ms;

			if (strcmp(itest_jstr(e, "kind"), "poll_end"))
				continue;
			ms = (double)itest_jint(e, "duration_ns") / 1e6;
			if (ms * 1e6 < SLACK_NS)
				continue;
			long_polls++;
			if (ms < f->block_min_ms)
				f->block_min_ms = ms;
			if (ms > f->block_max_ms)
				f->block_max_ms = ms;
		}
		json_decref(life);
		if (long_polls != BLOCKS)
			f->block_min_ms = 0; /* shows as wrong in the table */
	}
	json_decref(blocker);

	/* drivers: reads woken by the I/O driver, sleeps by the timer */
	{
		json_t *pinger = tasks_at(tasks, "spawn_pinger"), *ponger = tasks_at(tasks, "spawn_ponger");
		json_t *fan = tasks_at(tasks, "spawn_fanout");
		long long ip = itest_jint(json_array_get(pinger, 0), "task_id");
		long long io = itest_jint(json_array_get(ponger, 0), "task_id");

		f->io_pinger = wakes_into(graph, ip, "io_driver", 0);
		f->io_ponger = wakes_into(graph, io, "io_driver", 0);
		/* every wake of the two is the I/O driver's */
		if (wakes_into(graph, ip, NULL, 0) != f->io_pinger ||
		    wakes_into(graph, io, NULL, 0) != f->io_ponger)
			f->io_pinger = -1;
		json_array_foreach(fan, i, t)
			f->timer_tasks += wakes_into(graph, itest_jint(t, "task_id"), "timer", 0) >= 1;
		json_decref(pinger);
		json_decref(ponger);
		json_decref(fan);
	}

	/* relay: stage i wakes stage i + 1, main wakes stage 0, nothing else */
	stages = tasks_at(tasks, "spawn_stage");
	assert_int_equal(json_array_size(stages), STAGES);
	json_array_foreach(stages, i, t)
		stage_ids[i] = itest_jint(t, "task_id"); /* sorted by id: spawn order */
	f->relay_min = 1LL << 40;
	for (int s = 0; s < STAGES; s++) {
		long long n = s ? wakes_into(graph, stage_ids[s], "task", stage_ids[s - 1])
				: wakes_into(graph, stage_ids[0], main_kind, 0);

		if (n != wakes_into(graph, stage_ids[s], NULL, 0))
			n = -1; /* another waker crept in */
		if (n < f->relay_min)
			f->relay_min = n;
		if (n > f->relay_max)
			f->relay_max = n;
	}
	chain = json_object_get(sum, "longest_wake_chain");
	f->chain = itest_jint(chain, "length");
	f->chain_first = strcmp(itest_jstr(chain, "first_waker"), main_kind) ? "other" : main_kind;
	for (int s = 0; s < STAGES; s++)
		if (json_integer_value(json_array_get(json_object_get(chain, "tasks"), s)) != stage_ids[s])
			f->chain_first = "other";
	json_decref(stages);

	/* stalls: each blocking stretch located in the user's code */
	json_array_foreach(json_object_get(sum, "long_stalls"), i, t) {
		f->stalls++;
		f->stalls_located += strstr(itest_jstr(t, "site"), "matrix::spawn_blocker") != NULL;
	}
	f->done = true;

	json_decref(sum);
	json_decref(tasks);
	json_decref(graph);

	assert_int_equal(f->spawns, f->spawns_want);
	assert_int_equal(f->spawns, FANOUT + STAGES + 4);
	assert_int_equal(f->sites_ok, f->sites);
	assert_int_equal(f->sites, 6);
	assert_true(f->block_min_ms >= BLOCK_MS && f->block_max_ms <= BLOCK_MS + SLACK_NS / 1e6);
	assert_true(f->other_max_ms < SLACK_NS / 1e6);
	/* every wake of the two is the I/O driver's; each round trip parks a read */
	assert_true(f->io_pinger > 0 && f->io_ponger > 0 && f->io_pinger + f->io_ponger >= PINGS);
	assert_int_equal(f->timer_tasks, FANOUT);
	/* ROUNDS tokens, and one more wake when the channel closes */
	assert_true(f->relay_min >= ROUNDS && f->relay_max <= ROUNDS + 1);
	assert_int_equal(f->chain, STAGES);
	assert_string_equal(f->chain_first, main_kind);
	assert_int_equal(f->open, 0);
	assert_int_equal(f->lost, 0);
	assert_true(f->stalls >= BLOCKS && f->stalls_located == f->stalls);
}

static void test_cell(void **state)
{
	check_cell(*state);
}

/* The dump in dir whose name starts with prefix and holds reason (waits up
 * to 10 s). */
static int find_dump_of(const char *dir, const char *prefix, const char *reason, char *path,
			size_t len)
{
	for (int tries = 0; tries < 100; tries++) {
		char **paths;
		int n = itest_dump_files(dir, false, &paths), i;

		for (i = 0; i < n; i++) {
			const char *name = strrchr(paths[i], '/') + 1;

			if (!strncmp(name, prefix, strlen(prefix)) && strstr(name, reason)) {
				snprintf(path, len, "%s", paths[i]);
				break;
			}
		}
		itest_free_paths(paths, n);
		if (i < n)
			return 0;
		usleep(100000);
	}
	return -ENOENT;
}

/* panic = "abort": a panic in main is a SIGABRT whose dump names the panic's
 * location (read from the dying process). */
static void test_abort_panic(void **state)
{
	const struct cell *c = *state;
	char bin[300], pidbuf[16], dump[512], pattern[64], dir[256], want[96], *out = NULL, *err = NULL;
	const char *args[] = { "main", "300", NULL };
	const char *attach[] = { "attach", "--pid", pidbuf, NULL };
	struct itest_target tg;
	json_t *sum, *panic;
	char *line;
	int status;

	snprintf(bin, sizeof(bin), "%s/panicker", c->dir);
	assert_int_equal(itest_target_start_exe(&tg, &daemon_, bin, args, NULL), 0);
	snprintf(pidbuf, sizeof(pidbuf), "%d", tg.pid);
	assert_int_equal(itest_ctl(&daemon_, &out, &err, attach), 0);
	free(out);
	free(err);
	assert_int_equal(itest_target_go(&tg), 0);
	status = itest_target_wait(&tg, 30000);
	assert_true(status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	/* a panic dump may come first; the death's own dump follows */
	snprintf(pattern, sizeof(pattern), "panicker.%d.", tg.pid);
	snprintf(dir, sizeof(dir), "%s/dumps", daemon_.state_dir);
	if (find_dump_of(dir, pattern, ".signal.", dump, sizeof(dump)))
		fail_msg("%s: no signal dump of the aborting panicker", c->name);
	sum = itest_dial9_cmd("summary", dump);
	assert_string_equal(itest_jstr(sum, "reason"), "signal");
	assert_int_equal(itest_jint(sum, "signal"), SIGABRT);
	panic = json_array_get(json_object_get(sum, "panics"), 0);
	line = itest_target_fact(&tg, "line");
	assert_non_null(line);
	snprintf(want, sizeof(want), "panicker/src/main.rs:%s:", line);
	assert_non_null(strstr(itest_jstr(panic, "location"), want));
	printf("cell %s: panic=abort panic dump: signal %lld, panic at %s\n", c->name,
	       itest_jint(sum, "signal"), itest_jstr(panic, "location"));
	free(line);
	json_decref(sum);
}

/* build/matrix/cells: "CELL VERSION SUITE PROFILE DIR" per line.  Each cell
 * runs multi-thread; the legacy ones run current_thread too. */
static int read_cells(void)
{
	FILE *f = fopen(DIAL9_SRC_DIR "/build/matrix/cells", "re");
	struct cell c;

	if (!f) {
		fprintf(stderr, "no build/matrix/cells: run `make matrix`\n");
		return -ENOENT;
	}
	while (ncells + 2 <= MAX_CELLS &&
	       fscanf(f, "%63s %31s %31s %15s %255s", c.name, c.version, c.suite, c.profile,
		      c.dir) == 5) {
		memset(&c.f, 0, sizeof(c.f));
		c.flavor = "multi";
		cells[ncells++] = c;
		if (!strcmp(c.profile, "legacy")) {
			c.flavor = "current";
			cells[ncells++] = c;
		}
	}
	fclose(f);
	return ncells ? 0 : -ENOENT;
}

int main(void)
{
	struct CMUnitTest tests[2 * MAX_CELLS];
	static char names[2 * MAX_CELLS][sizeof(cells[0].name) + 16];
	size_t n = 0;

	if (read_cells())
		return 1;
	for (int i = 0; i < ncells; i++) {
		snprintf(names[n], sizeof(names[n]), "%.63s/%.8s", cells[i].name, cells[i].flavor);
		tests[n] = (struct CMUnitTest){ names[n], test_cell, NULL, NULL, &cells[i] };
		n++;
		if (!strcmp(cells[i].profile, "abort") && !strcmp(cells[i].flavor, "multi")) {
			snprintf(names[n], sizeof(names[n]), "%.63s/panic", cells[i].name);
			tests[n] = (struct CMUnitTest){ names[n], test_abort_panic, NULL, NULL, &cells[i] };
			n++;
		}
	}
	return _cmocka_run_group_tests("matrix", tests, n, group_setup, group_teardown);
}
