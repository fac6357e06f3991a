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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stall_sites_per_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
