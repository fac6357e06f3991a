// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* analysis_queue.c - replay the runnable queue of a dump (see analysis.h). */
#include <errno.h>
#include <stdlib.h>

#include "analysis.h"

struct walk {
	const struct dial9_analysis *a;
	uint64_t *queue;        /* task indices now runnable */
	uint64_t *pos;          /* per task: position in queue or DIAL9_NO_INDEX */
	uint64_t *since;        /* per task: first pending wake */
	uint64_t len;
	dial9_queue_fn fn;
	void *ctx;
};

static int add(struct walk *w, uint64_t ti, uint64_t ts)
{
	struct dial9_queue_step s = { .ts_ns = ts, .task_id = w->a->tasks[ti].task_id,
				      .task_index = ti };

	if (w->pos[ti] != DIAL9_NO_INDEX)
		return 0;
	w->pos[ti] = w->len;
	w->queue[w->len++] = ti;
	w->since[ti] = ts;
	s.depth = w->len;
	return w->fn(w->ctx, &s);
}

/* polled_at: time of the poll that answers the wake, or DIAL9_NO_INDEX. */
static int take(struct walk *w, uint64_t ti, uint64_t ts, uint64_t polled_at)
{
	struct dial9_queue_step s = { .ts_ns = ts, .task_id = w->a->tasks[ti].task_id,
				      .task_index = ti };
	uint64_t p = w->pos[ti], last;

	if (p == DIAL9_NO_INDEX)
		return 0;
	last = w->queue[--w->len];
	w->queue[p] = last;
	w->pos[last] = p;
	w->pos[ti] = DIAL9_NO_INDEX;
	s.depth = w->len;
	if (polled_at != DIAL9_NO_INDEX) {
		s.polled = true;
		s.latency_ns = polled_at > w->since[ti] ? polled_at - w->since[ti] : 0;
	}
	return w->fn(w->ctx, &s);
}

static int clear(struct walk *w, uint64_t ts)
{
	struct dial9_queue_step s = { .ts_ns = ts, .task_index = DIAL9_NO_INDEX };

	if (!w->len)
		return 0;
	while (w->len)
		w->pos[w->queue[--w->len]] = DIAL9_NO_INDEX;
	return w->fn(w->ctx, &s);
}

int dial9_queue__walk(const struct dial9_analysis *a, dial9_queue_fn fn, void *ctx)
{
	const struct dial9_dump *d = a->dump;
	uint64_t n = a->ntasks ? a->ntasks : 1, i, pi = 0, ti;
	struct walk w = { .a = a, .fn = fn, .ctx = ctx };
	uint16_t mode = DIAL9_MODE_FULL;
	int err = 0;

	w.queue = malloc(n * sizeof(*w.queue));
	w.pos = malloc(n * sizeof(*w.pos));
	w.since = calloc(n, sizeof(*w.since));
	if (!w.queue || !w.pos || !w.since) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < a->ntasks; i++)
		w.pos[i] = DIAL9_NO_INDEX;
	for (i = 0; !err && i < d->nevents; i++) {
		const struct dial9_event *e = &d->events[i];
		const struct dial9_poll *p;

		ti = e->task_id ? dial9_idset__find(&a->task_ids, e->task_id) : DIAL9_NO_INDEX;
		if (e->kind == DIAL9_EV_MODE) {
			/* as analysis.c: the queue is known only under full recording */
			mode = e->aux;
			if (mode != DIAL9_MODE_FULL)
				err = clear(&w, e->ts_ns);
			continue;
		}
		if (ti == DIAL9_NO_INDEX)
			continue;
		switch (e->kind) {
		case DIAL9_EV_SPAWN:
		case DIAL9_EV_WAKE:
			if (mode == DIAL9_MODE_FULL)
				err = add(&w, ti, e->ts_ns);
			break;
		case DIAL9_EV_POLL_START:
			err = take(&w, ti, e->ts_ns, e->ts_ns);
			break;
		case DIAL9_EV_POLL_END:
			/* Closed polls are in POLL_END order: find this one. */
			while (pi < a->npolls_closed && a->polls[pi].end_ev < i)
				pi++;
			if (pi >= a->npolls_closed || a->polls[pi].end_ev != i)
				break;
			p = &a->polls[pi];
			if (!p->start_seen && e->arg && w.pos[ti] != DIAL9_NO_INDEX &&
			    w.since[ti] <= p->start_ns)
				err = take(&w, ti, e->ts_ns, p->start_ns);
			break;
		case DIAL9_EV_TERMINATE:
		case DIAL9_EV_POLL_SUMMARY:
			err = take(&w, ti, e->ts_ns, DIAL9_NO_INDEX);
			break;
		default:
			break;
		}
	}
cleanup:
	free(w.queue);
	free(w.pos);
	free(w.since);
	return err;
}
