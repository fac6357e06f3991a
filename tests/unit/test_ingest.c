// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_ingest.c - the daemon's ingestion of ring records (daemon/ingest.c,
 * linked with the daemon's objects), fed records as several CPUs would
 * interleave them in one ring buffer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest.h"
#include "tracked.h"

/* Where two threads blocked: a return address inside site_in_reader and one
 * inside site_in_locker (the calls are not tail calls, and the two are not
 * folded into one). */
__attribute__((noinline)) static uintptr_t return_address(void)
{
	return (uintptr_t)__builtin_return_address(0);
}

__attribute__((noinline)) static uintptr_t site_in_reader(void)
{
	uintptr_t a = return_address();

	__asm__ volatile("" ::: "memory");
	return a;
}

__attribute__((noinline)) static uintptr_t site_in_locker(void)
{
	uintptr_t a = return_address();

	__asm__ volatile("nop" ::: "memory"); /* not the same code as above */
	return a;
}

static void feed(struct tracked *t, uint32_t tid, uint8_t kind, uint8_t flags, uint16_t aux,
		 uint64_t arg, uint64_t ts)
{
	struct dial9_event e = { .ts_ns = ts, .arg = arg, .tid = tid, .kind = kind,
				 .flags = flags, .aux = aux };

	ingest__on_event(t, &e);
}

/* Thread A's stall-site records, then thread B's, then both STALLs: each
 * stall is named by its own thread's sites. */
static void test_stall_sites_per_thread(void **state)
{
	struct daemon d = { 0 };
	struct tracked *t = tracked__new(&d, getpid());
	struct dial9_event *evs = NULL;
	uint64_t n = 0, i;
	char err[256];
	const char *where[2] = { NULL, NULL };
	uintptr_t site_a = site_in_reader(), site_b = site_in_locker();

	assert_non_null(t);
	t->win = dial9_window__new(60ULL * 1000000000ULL, 1 << 20);
	assert_non_null(t->win);
	t->sym = dial9_symbolizer__new(getpid(), err, sizeof(err));
	if (!t->sym)
		fail_msg("symbolizer of this test: %s", err);

	/* the records of two threads, interleaved as two CPUs wrote them */
	feed(t, 101, DIAL9_EV_STALL, DIAL9_STALL_F_SITE, 0, site_a, 10);
	feed(t, 202, DIAL9_EV_STALL, DIAL9_STALL_F_SITE, 0, site_b, 11);
	feed(t, 101, DIAL9_EV_STALL, 0, 0, 20000000, 12);
	feed(t, 202, DIAL9_EV_STALL, 0, 0, 30000000, 13);

	assert_int_equal(dial9_window__snapshot(t->win, &evs, &n), 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(evs[i].kind, DIAL9_EV_STALL); /* site records are not kept */
		assert_int_not_equal(evs[i].aux, 0);
		where[evs[i].tid == 202] = dial9_strtab__get(&t->strings, evs[i].aux);
	}
	assert_int_equal(n, 2);
	printf("stall of 101 at %s; of 202 at %s\n", where[0], where[1]);
	assert_non_null(strstr(where[0], "site_in_reader"));
	assert_non_null(strstr(where[1], "site_in_locker"));

	free(evs);
	tracked__free(t);
}

/* A thread of this test with a name of its own, living until stopped. */
struct named_thread {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char name[16];
	pid_t tid;
	bool stop;
};

static void *named_thread_main(void *arg)
{
	struct named_thread *n = arg;

	pthread_setname_np(pthread_self(), n->name);
	pthread_mutex_lock(&n->mu);
	n->tid = gettid();
	pthread_cond_broadcast(&n->cv);
	while (!n->stop)
		pthread_cond_wait(&n->cv, &n->mu);
	pthread_mutex_unlock(&n->mu);
	return NULL;
}

static void named_thread_start(struct named_thread *n, const char *name)
{
	memset(n, 0, sizeof(*n));
	pthread_mutex_init(&n->mu, NULL);
	pthread_cond_init(&n->cv, NULL);
	snprintf(n->name, sizeof(n->name), "%s", name);
	assert_int_equal(pthread_create(&n->th, NULL, named_thread_main, n), 0);
	pthread_mutex_lock(&n->mu);
	while (!n->tid)
		pthread_cond_wait(&n->cv, &n->mu);
	pthread_mutex_unlock(&n->mu);
}

static void named_thread_stop(struct named_thread *n)
{
	pthread_mutex_lock(&n->mu);
	n->stop = true;
	pthread_cond_broadcast(&n->cv);
	pthread_mutex_unlock(&n->mu);
	pthread_join(n->th, NULL);
}

static const struct dial9_dump_thread *entry(const struct dial9_dump_thread *th, uint32_t n,
					     pid_t tid)
{
	struct dial9_dump d = { .threads = (struct dial9_dump_thread *)th, .nthreads = n };

	return dial9_dump__thread(&d, (uint32_t)tid);
}

/* Real threads of this process, each seen in the records its role gives:
 * named from /proc when first seen, the strongest role kept, a rename seen
 * at the snapshot while the thread lives, the name kept once it is gone. */
static void test_thread_names_and_roles(void **state)
{
	struct daemon d = { 0 };
	struct tracked *t = tracked__new(&d, getpid());
	struct named_thread pool, ct, wk, other;
	struct dial9_dump_thread *th = NULL;
	uint32_t n = 0;

	assert_non_null(t);
	t->win = dial9_window__new(60ULL * 1000000000ULL, 1 << 20);
	assert_non_null(t->win);
	named_thread_start(&pool, "d9-pool");
	named_thread_start(&ct, "d9-ct");
	named_thread_start(&wk, "tokio-runtime-w");
	named_thread_start(&other, "d9-feeder");

	/* a multi_thread worker is launched by the pool: worker wins */
	feed(t, wk.tid, DIAL9_EV_RING_POOL_TASK, 0, 0, 0, 10);
	feed(t, wk.tid, DIAL9_EV_PARK, 0, 0, 0, 11);
	feed(t, wk.tid, DIAL9_EV_WAKE, 0, DIAL9_WAKER_TASK, 3, 12);
	/* the pool's thread wakes a task from its closure: still the pool's */
	feed(t, pool.tid, DIAL9_EV_RING_POOL_TASK, 0, 0, 0, 13);
	feed(t, pool.tid, DIAL9_EV_WAKE, 0, DIAL9_WAKER_THREAD, 0, 14);
	/* a current_thread runtime's thread: its park says so */
	feed(t, ct.tid, DIAL9_EV_WAKE, 0, DIAL9_WAKER_RUNTIME, 0, 15);
	feed(t, ct.tid, DIAL9_EV_PARK, DIAL9_PARK_F_CURRENT_THREAD, 0, 0, 16);
	feed(t, ct.tid, DIAL9_EV_UNPARK, 0, 0, 0, 17);
	/* a thread of the program's own waking a task */
	feed(t, other.tid, DIAL9_EV_WAKE, 0, DIAL9_WAKER_THREAD, 0, 18);
	/* this thread only got a signal */
	feed(t, gettid(), DIAL9_EV_SIGNAL, 0, 11, 0, 19);

	pthread_setname_np(other.th, "d9-fed");
	named_thread_stop(&pool); /* gone before the dump */
	assert_int_equal(thread_table__snapshot(&t->threads, t->pid, &th, &n), 0);
	assert_int_equal(n, 5);
	assert_string_equal(entry(th, n, wk.tid)->name, "tokio-runtime-w");
	assert_int_equal(entry(th, n, wk.tid)->role, DIAL9_THREAD_WORKER);
	assert_string_equal(entry(th, n, pool.tid)->name, "d9-pool");
	assert_int_equal(entry(th, n, pool.tid)->role, DIAL9_THREAD_BLOCKING);
	assert_string_equal(entry(th, n, ct.tid)->name, "d9-ct");
	assert_int_equal(entry(th, n, ct.tid)->role, DIAL9_THREAD_BLOCK_ON);
	assert_string_equal(entry(th, n, other.tid)->name, "d9-fed");
	assert_int_equal(entry(th, n, other.tid)->role, DIAL9_THREAD_OTHER);
	assert_string_equal(entry(th, n, gettid())->name, "test_ingest");
	assert_int_equal(entry(th, n, gettid())->role, DIAL9_THREAD_UNKNOWN);
	for (uint32_t i = 1; i < n; i++)
		assert_true(th[i - 1].tid < th[i].tid);
	free(th);

	named_thread_stop(&ct);
	named_thread_stop(&wk);
	named_thread_stop(&other);
	tracked__free(t);
}

/* Past DIAL9D_MAX_THREADS a new thread is refused (and counted) until the
 * threads last seen before the window are forgotten, at most once a second. */
static void test_thread_table_bound(void **state)
{
	struct thread_table tt;
	struct dial9_dump_thread *th = NULL;
	uint32_t n = 0, tid;
	const uint64_t s = 1000000000ULL;

	thread_table__init(&tt);
	/* tids of no thread of this process: no names, and no harm */
	for (tid = 1; tid <= DIAL9D_MAX_THREADS; tid++)
		thread_table__see(&tt, getpid(), 4000000 + tid, DIAL9_THREAD_WORKER,
				  tid <= 10 ? 5 * s : 1 * s, 0);
	assert_int_equal(tt.count, DIAL9D_MAX_THREADS);
	thread_table__see(&tt, getpid(), 4000000 + tid, DIAL9_THREAD_OTHER, 2 * s, 0);
	assert_int_equal(tt.count, DIAL9D_MAX_THREADS);
	assert_int_equal(tt.refused, 1);
	/* a thread already known is still seen */
	thread_table__see(&tt, getpid(), 4000001, DIAL9_THREAD_BLOCK_ON, 2 * s, 0);
	assert_int_equal(tt.refused, 1);
	/* a window beginning at 3 s: the threads last seen at 1 s go */
	thread_table__see(&tt, getpid(), 4000000 + tid, DIAL9_THREAD_OTHER, 4 * s, 3 * s);
	assert_int_equal(tt.count, 11);
	assert_int_equal(thread_table__snapshot(&tt, getpid(), &th, &n), 0);
	assert_int_equal(n, 11);
	assert_int_equal(th[0].tid, 4000001);
	assert_int_equal(th[0].role, DIAL9_THREAD_BLOCK_ON);
	assert_string_equal(th[0].name, "");
	assert_int_equal(th[10].tid, 4000000 + tid);
	free(th);
	thread_table__free(&tt);
	thread_table__see(&tt, getpid(), 0, DIAL9_THREAD_WORKER, 1, 0); /* tid 0: no thread */
	assert_int_equal(tt.count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stall_sites_per_thread),
		cmocka_unit_test(test_thread_names_and_roles),
		cmocka_unit_test(test_thread_table_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
