// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* test_wakegraph.c - wake edges, top wakers and the longest wake chain. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "analysis.h"

/* Event capacity of the dump being built (doubles: no quadratic copying). */
static uint64_t cap;

static struct dial9_dump *new_dump(void)
{
	struct dial9_dump *d = dial9_dump__new();

	assert_non_null(d);
	cap = 0;
	d->meta.start_ns = 1000;
	d->meta.end_ns = 1000000000;
	return d;
}

static void reserve(struct dial9_dump *d, uint64_t n)
{
	if (d->nevents + n <= cap && d->events)
		return;
	cap = (d->nevents + n) * 2;
	d->events = realloc(d->events, cap * sizeof(*d->events));
	assert_non_null(d->events);
}

static void wake(struct dial9_dump *d, uint64_t ts, uint64_t woken, uint16_t kind,
		 uint64_t waker)
{
	struct dial9_event *e;

	reserve(d, 1);
	e = &d->events[d->nevents++];
	e->ts_ns = 1000 + ts;
	e->kind = DIAL9_EV_WAKE;
	e->task_id = woken;
	e->arg = waker;
	e->tid = 7;
	e->aux = kind;
	e->flags = 0;
}

static void task_wake(struct dial9_dump *d, uint64_t ts, uint64_t waker, uint64_t woken)
{
	wake(d, ts, woken, DIAL9_WAKER_TASK, waker);
}

static struct dial9_wakegraph *graph(const struct dial9_dump *d)
{
	struct dial9_wakegraph *g = dial9_wakegraph__new(d);

	assert_non_null(g);
	return g;
}

/* A relay A->B->C->D->E->F is a chain of 5 wakes, with noise around it that
 * must not extend it. */
static void test_relay_chain(void **state)
{
	struct dial9_dump *d = new_dump();
	static const uint64_t ids[] = { 11, 12, 13, 14, 15, 16 };
	struct dial9_wakegraph *g;
	uint64_t i;

	wake(d, 5, 30, DIAL9_WAKER_TIMER, 0);  /* unrelated */
	task_wake(d, 10, 11, 12);
	task_wake(d, 15, 30, 31);               /* 30 -> 31: chain of 2 with the timer */
	task_wake(d, 20, 12, 13);
	task_wake(d, 25, 13, 13);               /* self-wake: not a link */
	task_wake(d, 30, 13, 14);
	task_wake(d, 30, 14, 40);               /* same ts as 13->14: not a link */
	task_wake(d, 40, 14, 15);
	task_wake(d, 50, 15, 16);
	task_wake(d, 60, 99, 11);               /* wakes the head later: no link back */
	g = graph(d);

	assert_int_equal(g->chain_len, 5);
	for (i = 0; i < 6; i++) {
		assert_int_equal(g->chain_nodes[i].kind, DIAL9_WAKER_TASK);
		assert_int_equal(g->chain_nodes[i].task_id, ids[i]);
	}
	for (i = 0; i < 5; i++) {
		assert_int_equal(d->events[g->chain_ev[i]].task_id, ids[i + 1]);
		if (i)
			assert_true(d->events[g->chain_ev[i]].ts_ns >
				    d->events[g->chain_ev[i - 1]].ts_ns);
	}
	assert_int_equal(g->nwakes, 10);
	dial9_wakegraph__free(g);
	dial9_dump__free(d);
}

/* The chain may start at a non-task waker; equal timestamps never link. */
static void test_chain_from_io_and_ties(void **state)
{
	struct dial9_dump *d = new_dump();
	struct dial9_wakegraph *g;

	wake(d, 10, 1, DIAL9_WAKER_IO_DRIVER, 0);
	task_wake(d, 20, 1, 2);
	task_wake(d, 30, 2, 3);
	task_wake(d, 40, 5, 6);
	task_wake(d, 40, 6, 7);
	task_wake(d, 40, 7, 8);
	g = graph(d);
	assert_int_equal(g->chain_len, 3);
	assert_int_equal(g->chain_nodes[0].kind, DIAL9_WAKER_IO_DRIVER);
	assert_int_equal(g->chain_nodes[1].task_id, 1);
	assert_int_equal(g->chain_nodes[3].task_id, 3);
	dial9_wakegraph__free(g);
	dial9_dump__free(d);
}

/* A long relay ping-pong: linear time, exact length. */
static void test_long_chain(void **state)
{
	struct dial9_dump *d = new_dump();
	const uint64_t n = 300000;
	struct dial9_wakegraph *g;
	uint64_t i;

	reserve(d, n);
	for (i = 0; i < n; i++)
		task_wake(d, i + 1, 1 + (i % 2), 1 + ((i + 1) % 2)); /* 1->2->1->2... */
	g = graph(d);
	assert_int_equal(g->chain_len, n);
	assert_int_equal(g->chain_nodes[0].task_id, 1);
	assert_int_equal(g->chain_nodes[n].task_id, 1 + (n % 2));
	assert_int_equal(g->nedges, 2);
	assert_int_equal(g->edges[0].count, n / 2);
	dial9_wakegraph__free(g);
	dial9_dump__free(d);
}

/* Edges count by (waker, woken); the top waker of a task is its most
 * frequent one; a task waker with arg 0 is unknown. */
static void test_edges_and_top_waker(void **state)
{
	struct dial9_dump *d = new_dump();
	const struct dial9_wake_edge *e, **by = NULL;
	const struct dial9_task_info *t;
	struct dial9_analysis *a;
	uint64_t n;

	wake(d, 1, 20, DIAL9_WAKER_TIMER, 0);
	wake(d, 2, 20, DIAL9_WAKER_IO_DRIVER, 0);
	task_wake(d, 3, 11, 20);
	wake(d, 4, 20, DIAL9_WAKER_TIMER, 0);
	task_wake(d, 5, 11, 20);
	wake(d, 6, 20, DIAL9_WAKER_TIMER, 0);
	wake(d, 7, 21, DIAL9_WAKER_TASK, 0);  /* "task" but no id */
	wake(d, 8, 21, 77, 0);                /* kind out of range */
	task_wake(d, 9, 11, 21);
	a = dial9_analysis__new(d);
	assert_non_null(a);

	e = dial9_wakegraph__edges_to(a->graph, 20, &n);
	assert_int_equal(n, 3);
	assert_int_equal(e[0].from.kind, DIAL9_WAKER_TASK);  /* tasks sort first */
	assert_int_equal(e[0].from.task_id, 11);
	assert_int_equal(e[0].count, 2);
	assert_int_equal(e[0].first_ns, 1003);
	assert_int_equal(e[0].last_ns, 1005);
	t = dial9_analysis__task(a, 20);
	assert_int_equal(t->wakes, 6);
	assert_int_equal(t->top_waker.kind, DIAL9_WAKER_TIMER);
	assert_int_equal(t->top_waker_count, 3);
	assert_int_equal(dial9_analysis__task(a, 11)->wakes_sent, 3);

	e = dial9_wakegraph__edges_to(a->graph, 21, &n);
	assert_int_equal(n, 2);
	assert_int_equal(e[1].from.kind, DIAL9_WAKER_UNKNOWN);
	assert_int_equal(e[1].count, 2);
	assert_null(dial9_wakegraph__edges_to(a->graph, 11, &n));
	assert_int_equal(n, 0);

	assert_int_equal(dial9_wakegraph__by_count(a->graph, &by), 0);
	assert_int_equal(by[0]->count, 3);
	assert_int_equal(by[0]->from.kind, DIAL9_WAKER_TIMER);
	assert_int_equal(by[a->graph->nedges - 1]->count, 1);
	free(by);
	dial9_analysis__free(a);
	dial9_dump__free(d);
}

/* The future of a current_thread runtime's block_on is a waker of its own
 * kind, named "block_on"; it can start a chain. */
static void test_block_on_waker(void **state)
{
	struct dial9_dump *d = dial9_dump__new();
	const struct dial9_wake_edge *e;
	struct dial9_wakegraph *g;
	uint64_t n;

	assert_non_null(d);
	cap = 0;
	wake(d, 1, 30, DIAL9_WAKER_BLOCK_ON, 0);
	wake(d, 2, 30, DIAL9_WAKER_BLOCK_ON, 0);
	task_wake(d, 3, 30, 31);
	wake(d, 4, 31, DIAL9_WAKER_KIND_MAX, 0); /* first unused kind */
	g = graph(d);

	e = dial9_wakegraph__edges_to(g, 30, &n);
	assert_int_equal(n, 1);
	assert_int_equal(e[0].from.kind, DIAL9_WAKER_BLOCK_ON);
	assert_int_equal(e[0].count, 2);
	assert_string_equal(dial9_waker_kind_name(e[0].from.kind), "block_on");
	e = dial9_wakegraph__edges_to(g, 31, &n);
	assert_int_equal(n, 2);
	assert_int_equal(e[1].from.kind, DIAL9_WAKER_UNKNOWN);
	assert_int_equal(g->chain_len, 2);
	assert_int_equal(g->chain_nodes[0].kind, DIAL9_WAKER_BLOCK_ON);
	dial9_wakegraph__free(g);
	dial9_dump__free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relay_chain),
		cmocka_unit_test(test_chain_from_io_and_ties),
		cmocka_unit_test(test_long_chain),
		cmocka_unit_test(test_edges_and_top_waker),
		cmocka_unit_test(test_block_on_waker),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
