// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* analysis_wakegraph.c - who wakes whom, and the longest wake chain. */
#include <errno.h>
#include <stdlib.h>

#include "analysis.h"

struct dial9_node dial9_wake__waker(const struct dial9_event *e)
{
	struct dial9_node n = { 0, DIAL9_WAKER_UNKNOWN };

	if (e->aux == DIAL9_WAKER_TASK) {
		if (e->arg) {
			n.kind = DIAL9_WAKER_TASK;
			n.task_id = e->arg;
		}
	} else if (e->aux < DIAL9_WAKER_KIND_MAX) {
		n.kind = e->aux;
	}
	return n;
}

int dial9_node__cmp(const struct dial9_node *a, const struct dial9_node *b)
{
	int at = a->kind != DIAL9_WAKER_TASK, bt = b->kind != DIAL9_WAKER_TASK;

	if (at != bt)
		return at - bt;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->task_id != b->task_id)
		return a->task_id < b->task_id ? -1 : 1;
	return 0;
}

struct wake_rec {
	uint64_t to;
	struct dial9_node from;
	uint64_t ts;
};

static int cmp_wake_rec(const void *pa, const void *pb)
{
	const struct wake_rec *a = pa, *b = pb;

	if (a->to != b->to)
		return a->to < b->to ? -1 : 1;
	return dial9_node__cmp(&a->from, &b->from);
}

static int build_edges(struct dial9_wakegraph *g, const struct dial9_dump *d)
{
	struct wake_rec *recs = NULL;
	uint64_t i, n = 0;
	int err = 0;

	for (i = 0; i < d->nevents; i++)
		if (d->events[i].kind == DIAL9_EV_WAKE && d->events[i].task_id)
			n++;
	g->nwakes = n;
	if (!n)
		return 0;
	recs = malloc(n * sizeof(*recs));
	g->edges = malloc(n * sizeof(*g->edges));
	if (!recs || !g->edges) {
		err = -ENOMEM;
		goto cleanup;
	}
	n = 0;
	for (i = 0; i < d->nevents; i++) {
		const struct dial9_event *e = &d->events[i];

		if (e->kind != DIAL9_EV_WAKE || !e->task_id)
			continue;
		recs[n].to = e->task_id;
		recs[n].from = dial9_wake__waker(e);
		recs[n].ts = e->ts_ns;
		n++;
	}
	qsort(recs, n, sizeof(*recs), cmp_wake_rec);
	for (i = 0; i < n; i++) {
		struct dial9_wake_edge *last = g->nedges ? &g->edges[g->nedges - 1] : NULL;

		if (last && last->to == recs[i].to && !dial9_node__cmp(&last->from, &recs[i].from)) {
			last->count++;
			if (recs[i].ts < last->first_ns)
				last->first_ns = recs[i].ts;
			if (recs[i].ts > last->last_ns)
				last->last_ns = recs[i].ts;
			continue;
		}
		last = &g->edges[g->nedges++];
		last->from = recs[i].from;
		last->to = recs[i].to;
		last->count = 1;
		last->first_ns = last->last_ns = recs[i].ts;
	}
cleanup:
	free(recs);
	return err;
}

/*
 * Longest chain by dynamic programming in time order: L(e) = 1 + the best L
 * of a wake that woke e's waker strictly before e.ts.  best[t] holds the
 * longest chain ending with a wake of task t among the wakes processed so
 * far; wakes sharing a timestamp are all evaluated before any of them
 * updates best[], so links need strictly increasing time.
 */
static int build_chain(struct dial9_wakegraph *g, const struct dial9_dump *d)
{
	struct dial9_idset tasks = { 0 };
	uint64_t *ids = NULL, *wake_ev = NULL, *pred = NULL, *len = NULL;
	uint64_t *best_len = NULL, *best_k = NULL;
	uint64_t i, k, n = 0, nw = 0, top_k = DIAL9_NO_INDEX, top_len = 0;
	int err = 0;

	if (!g->nwakes)
		return 0;
	ids = malloc(g->nwakes * sizeof(*ids));
	wake_ev = malloc(g->nwakes * sizeof(*wake_ev));
	pred = malloc(g->nwakes * sizeof(*pred));
	len = malloc(g->nwakes * sizeof(*len));
	if (!ids || !wake_ev || !pred || !len) {
		free(ids);
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < d->nevents; i++) {
		const struct dial9_event *e = &d->events[i];
		struct dial9_node w;

		if (e->kind != DIAL9_EV_WAKE || !e->task_id)
			continue;
		w = dial9_wake__waker(e);
		if (w.kind == DIAL9_WAKER_TASK && w.task_id == e->task_id)
			continue; /* self-wake: not a link */
		ids[n++] = e->task_id;
		wake_ev[nw++] = i;
	}
	dial9_idset__init(&tasks, ids, n);
	best_len = calloc(tasks.count ? tasks.count : 1, sizeof(*best_len));
	best_k = malloc((tasks.count ? tasks.count : 1) * sizeof(*best_k));
	if (!best_len || !best_k) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (k = 0; k < nw;) {
		uint64_t ts = d->events[wake_ev[k]].ts_ns, g_end = k;

		while (g_end < nw && d->events[wake_ev[g_end]].ts_ns == ts)
			g_end++;
		for (i = k; i < g_end; i++) {
			const struct dial9_event *e = &d->events[wake_ev[i]];
			struct dial9_node w = dial9_wake__waker(e);
			uint64_t wi = w.kind == DIAL9_WAKER_TASK ?
				dial9_idset__find(&tasks, w.task_id) : DIAL9_NO_INDEX;

			if (wi != DIAL9_NO_INDEX && best_len[wi]) {
				len[i] = best_len[wi] + 1;
				pred[i] = best_k[wi];
			} else {
				len[i] = 1;
				pred[i] = DIAL9_NO_INDEX;
			}
			if (len[i] > top_len) {
				top_len = len[i];
				top_k = i;
			}
		}
		for (i = k; i < g_end; i++) {
			uint64_t ti = dial9_idset__find(&tasks, d->events[wake_ev[i]].task_id);

			if (len[i] > best_len[ti]) {
				best_len[ti] = len[i];
				best_k[ti] = i;
			}
		}
		k = g_end;
	}
	if (!top_len)
		goto cleanup;
	g->chain_nodes = calloc(top_len + 1, sizeof(*g->chain_nodes));
	g->chain_ev = calloc(top_len, sizeof(*g->chain_ev));
	if (!g->chain_nodes || !g->chain_ev) {
		err = -ENOMEM;
		goto cleanup;
	}
	g->chain_len = top_len;
	/* pred[] always points to an earlier wake, so this walk ends. */
	for (i = top_len, k = top_k; i > 0 && k != DIAL9_NO_INDEX; i--, k = pred[k]) {
		const struct dial9_event *e = &d->events[wake_ev[k]];

		g->chain_ev[i - 1] = wake_ev[k];
		g->chain_nodes[i].kind = DIAL9_WAKER_TASK;
		g->chain_nodes[i].task_id = e->task_id;
		if (i == 1)
			g->chain_nodes[0] = dial9_wake__waker(e);
	}
cleanup:
	dial9_idset__free(&tasks);
	free(wake_ev);
	free(pred);
	free(len);
	free(best_len);
	free(best_k);
	return err;
}

struct dial9_wakegraph *dial9_wakegraph__new(const struct dial9_dump *d)
{
	struct dial9_wakegraph *g;
	int err;

	if (!d || (d->nevents && !d->events)) {
		errno = EINVAL;
		return NULL;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	err = build_edges(g, d);
	if (!err)
		err = build_chain(g, d);
	if (err) {
		dial9_wakegraph__free(g);
		errno = -err;
		return NULL;
	}
	return g;
}

void dial9_wakegraph__free(struct dial9_wakegraph *g)
{
	if (!g)
		return;
	free(g->edges);
	free(g->chain_nodes);
	free(g->chain_ev);
	free(g);
}

const struct dial9_wake_edge *dial9_wakegraph__edges_to(const struct dial9_wakegraph *g,
							 uint64_t to, uint64_t *n)
{
	uint64_t lo = 0, hi = g->nedges, end;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (g->edges[mid].to < to)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < g->nedges && g->edges[end].to == to; end++)
		;
	*n = end - lo;
	return end > lo ? &g->edges[lo] : NULL;
}

static int cmp_edge_count(const void *pa, const void *pb)
{
	const struct dial9_wake_edge *a = *(const struct dial9_wake_edge *const *)pa;
	const struct dial9_wake_edge *b = *(const struct dial9_wake_edge *const *)pb;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	if (a->to != b->to)
		return a->to < b->to ? -1 : 1;
	return dial9_node__cmp(&a->from, &b->from);
}

int dial9_wakegraph__by_count(const struct dial9_wakegraph *g,
			      const struct dial9_wake_edge ***out)
{
	const struct dial9_wake_edge **v;
	uint64_t i;

	v = malloc((g->nedges ? g->nedges : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < g->nedges; i++)
		v[i] = &g->edges[i];
	if (g->nedges)
		qsort(v, g->nedges, sizeof(*v), cmp_edge_count);
	*out = v;
	return 0;
}
