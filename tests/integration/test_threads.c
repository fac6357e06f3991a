// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_threads.c - thread names and roles (root, a real target, a real
 * daemon): the threads target's workers are named as Tokio names them and
 * are workers, its blocking-pool thread is the pool's, a current_thread
 * runtime's thread is block_on's, and the threads it names itself carry
 * their names (a rename seen while the thread lives, the first name kept
 * once it is gone); the views and the Perfetto export show them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dump.h"
#include "itest.h"

static struct itest_daemon daemon_;

static int setup(void **state)
{
	return itest_daemon_start_full(&daemon_);
}

static uint32_t fact_tid(const struct itest_target *t, const char *key)
{
	char *v = itest_target_fact(t, key);
	uint32_t tid;

	if (!v)
		fail_msg("%s printed no %s=", t->name, key);
	tid = (uint32_t)strtoul(v, NULL, 10);
	free(v);
	return tid;
}

/* The last "RECORD tid=N" line of the target's output: N. */
static uint32_t record_tid(const struct itest_target *t, const char *record)
{
	char *out = itest_read_file(t->out), *line, *at;
	char needle[64];
	uint32_t tid = 0;

	assert_non_null(out);
	snprintf(needle, sizeof(needle), "%s tid=", record);
	for (line = out; (at = strstr(line, needle)); line = at + 1)
		if (at == out || at[-1] == '\n')
			tid = (uint32_t)strtoul(at + strlen(needle), NULL, 10);
	free(out);
	if (!tid)
		fail_msg("%s printed no \"%s\"", t->name, needle);
	return tid;
}

static struct dial9_dump *read_dump(const char *path)
{
	struct dial9_dump *d = NULL;
	char err[256];

	if (dial9_dump__read(path, &d, err, sizeof(err)))
		fail_msg("%s: %s", path, err);
	assert_int_equal(d->meta.version, DIAL9_FORMAT_VERSION);
	assert_true(d->threads_known);
	return d;
}

static void assert_thread(const struct dial9_dump *d, uint32_t tid, const char *name,
			  uint8_t role)
{
	const struct dial9_dump_thread *th = dial9_dump__thread(d, tid);

	if (!th) {
		for (uint32_t i = 0; i < d->nthreads; i++)
			print_error("table: %u \"%s\" %s\n", d->threads[i].tid, d->threads[i].name,
				    dial9_thread_role_name(d->threads[i].role));
		fail_msg("thread %u (\"%s\") is not in the dump's table", tid, name);
	}
	if (strcmp(th->name, name) || th->role != role)
		fail_msg("thread %u: \"%s\" %s, want \"%s\" %s", tid, th->name,
			 dial9_thread_role_name(th->role), name, dial9_thread_role_name(role));
}

/* The summary's threads[] entry for tid. */
static json_t *summary_thread(json_t *sum, uint32_t tid)
{
	json_t *th;
	size_t i;

	json_array_foreach(json_object_get(sum, "threads"), i, th)
		if (itest_jint(th, "tid") == tid)
			return th;
	fail_msg("summary lists no thread %u", tid);
	return NULL;
}

/* A multi-thread runtime, dumped on request while every thread but the
 * oneshot lives: two workers named tokio-runtime-w, the blocking pool's
 * thread (the same name), the feeder renamed, the oneshot gone but named. */
static void test_multi_thread(void **state)
{
	const char *args[] = { "multi", "20", "4000", NULL };
	struct itest_target t;
	char pidbuf[16], *out = NULL, *err = NULL, path[512], trace[600], task[64];
	const char *attach[] = { "attach", "--pid", pidbuf, NULL };
	const char *dump[] = { "dump", "--pid", pidbuf, NULL };
	uint32_t main_tid, blocking, feeder, oneshot, workers = 0, i;
	struct dial9_dump *d;
	json_t *sum;
	char *text;
	int status;

	assert_int_equal(itest_target_start(&t, &daemon_, "threads", args, NULL), 0);
	snprintf(pidbuf, sizeof(pidbuf), "%d", t.pid);
	assert_int_equal(itest_ctl(&daemon_, NULL, NULL, attach), 0);
	assert_int_equal(itest_target_go(&t), 0);
	assert_true(itest_target_wait_line(&t, "done=1", 30000));
	main_tid = record_tid(&t, "main");
	blocking = record_tid(&t, "blocking");
	feeder = record_tid(&t, "feeder");
	oneshot = record_tid(&t, "oneshot");
	snprintf(task, sizeof(task), "/proc/%d/task/%u", t.pid, oneshot);
	assert_int_not_equal(access(task, F_OK), 0); /* gone before the dump */
	if (itest_ctl(&daemon_, &out, &err, dump) != 0)
		fail_msg("dump failed: %s", err ? err : "");
	snprintf(path, sizeof(path), "%.*s", (int)strcspn(out, "\n"), out);
	free(out);
	free(err);

	d = read_dump(path);
	assert_thread(d, blocking, "tokio-runtime-w", DIAL9_THREAD_BLOCKING);
	assert_thread(d, feeder, "d9-fed", DIAL9_THREAD_OTHER);     /* renamed, alive */
	assert_thread(d, oneshot, "d9-oneshot", DIAL9_THREAD_OTHER); /* gone, kept */
	assert_thread(d, main_tid, "threads", DIAL9_THREAD_OTHER);  /* multi_thread block_on */
	for (i = 0; i < d->nthreads; i++) {
		if (d->threads[i].role != DIAL9_THREAD_WORKER)
			continue;
		assert_string_equal(d->threads[i].name, "tokio-runtime-w");
		assert_int_not_equal(d->threads[i].tid, blocking);
		workers++;
	}
	assert_int_equal(workers, 2);

	/* the views say so too */
	sum = itest_dial9_cmd("summary", path);
	assert_string_equal(itest_jstr(summary_thread(sum, feeder), "thread_name"), "d9-fed");
	assert_string_equal(itest_jstr(summary_thread(sum, feeder), "thread_role"), "other");
	assert_string_equal(itest_jstr(summary_thread(sum, blocking), "thread_role"), "blocking");
	json_decref(sum);
	snprintf(trace, sizeof(trace), "%s.trace.json", path);
	{
		const char *exp[] = { ITEST_BIN("dial9"), "export", "--format", "perfetto", path, "-o", trace, NULL };

		assert_int_equal(itest_run(exp, NULL, NULL, 30000), 0);
	}
	text = itest_read_file(trace);
	assert_non_null(text);
	assert_non_null(strstr(text, "\"name\":\"d9-fed (other)\""));
	assert_non_null(strstr(text, "\"name\":\"tokio-runtime-w (worker)\""));
	assert_non_null(strstr(text, "\"name\":\"tokio-runtime-w (blocking)\""));
	free(text);
	unlink(trace);
	dial9_dump__free(d);
	status = itest_target_wait(&t, 30000);
	if (status != 0) {
		text = itest_read_file(t.out);
		fail_msg("threads ended with status %#x after:\n%s", status, text ? text : "");
	}
}

/* A current_thread runtime, dumped at its exit: its thread is block_on's;
 * the feeder, gone by then, keeps the name it had when first seen. */
static void test_current_thread(void **state)
{
	const char *args[] = { "current", "100", "0", NULL };
	struct itest_target t;
	char path[512];
	struct dial9_dump *d;
	json_t *sum;

	assert_int_equal(itest_target_start(&t, &daemon_, "threads", args, NULL), 0);
	itest_record_to_exit(&daemon_, &t, NULL, path, sizeof(path));
	d = read_dump(path);
	assert_thread(d, record_tid(&t, "main"), "threads", DIAL9_THREAD_BLOCK_ON);
	assert_thread(d, record_tid(&t, "blocking"), "tokio-runtime-w", DIAL9_THREAD_BLOCKING);
	assert_thread(d, record_tid(&t, "feeder"), "d9-feeder", DIAL9_THREAD_OTHER);
	assert_int_equal(fact_tid(&t, "received"), 201);
	sum = itest_dial9_cmd("timeline", path);
	assert_string_equal(itest_jstr(json_array_get(json_object_get(sum, "threads"), 0),
				       "thread_role"), "block_on");
	json_decref(sum);
	dial9_dump__free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_multi_thread),
		cmocka_unit_test(test_current_thread),
	};

	if (!itest_can_run())
		return 1;
	return cmocka_run_group_tests_name("threads", tests, setup, itest_teardown);
}
