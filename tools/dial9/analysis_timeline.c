// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* analysis_timeline.c - per-thread timelines and one task's lifecycle. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

static int cmp_slice(const void *pa, const void *pb)
{
	const struct dial9_slice *a = pa, *b = pb;

	if (a->tid != b->tid)
		return a->tid < b->tid ? -1 : 1;
	if (a->start_ns != b->start_ns)
		return a->start_ns < b->start_ns ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return a->end_ns < b->end_ns ? -1 : a->end_ns > b->end_ns;
}

static bool overlaps(uint64_t start, uint64_t end, uint64_t from, uint64_t to)
{
	return end >= from && start <= to;
}

/* Length of [start, end] ∩ [from, to]. */
static uint64_t clipped(uint64_t start, uint64_t end, uint64_t from, uint64_t to)
{
	if (start < from)
		start = from;
	if (end > to)
		end = to;
	return end > start ? end - start : 0;
}

static void add_span(struct dial9_timeline *t, const struct dial9_span *s, uint8_t kind)
{
	struct dial9_slice *sl;

	if (!overlaps(s->start_ns, s->end_ns, t->from_ns, t->to_ns))
		return;
	sl = &t->slices[t->nslices++];
	memset(sl, 0, sizeof(*sl));
	sl->start_ns = s->start_ns;
	sl->end_ns = s->end_ns;
	sl->task_id = s->task_id;
	sl->tid = s->tid;
	sl->loc = s->loc;
	sl->kind = kind;
	sl->open_start = s->open_start;
	sl->open_end = s->open_end;
}

int dial9_timeline__build(const struct dial9_analysis *a, uint64_t from_ns, uint64_t to_ns,
			  struct dial9_timeline **out)
{
	struct dial9_timeline *t;
	uint64_t i, cap = a->npolls + a->nidle + a->nstalls;
	int err = 0;

	*out = NULL;
	if (to_ns < from_ns)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->from_ns = from_ns;
	t->to_ns = to_ns;
	t->slices = malloc((cap ? cap : 1) * sizeof(*t->slices));
	if (!t->slices) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < a->npolls; i++) {
		const struct dial9_poll *p = &a->polls[i];
		struct dial9_slice *sl;

		if (!overlaps(p->start_ns, p->end_ns, from_ns, to_ns))
			continue;
		sl = &t->slices[t->nslices++];
		memset(sl, 0, sizeof(*sl));
		sl->start_ns = p->start_ns;
		sl->end_ns = p->end_ns;
		sl->task_id = p->task_id;
		sl->tid = p->tid;
		sl->loc = p->loc;
		sl->kind = DIAL9_SLICE_POLL;
		sl->open_start = !p->start_seen;
		sl->open_end = p->open;
		sl->duration_is_bound = p->duration_is_bound;
	}
	for (i = 0; i < a->nidle; i++)
		add_span(t, &a->idle[i], DIAL9_SLICE_IDLE);
	for (i = 0; i < a->nstalls; i++)
		add_span(t, &a->stalls[i], DIAL9_SLICE_STALL);
	if (t->nslices)
		qsort(t->slices, t->nslices, sizeof(*t->slices), cmp_slice);

	t->threads = calloc(t->nslices ? t->nslices : 1, sizeof(*t->threads));
	if (!t->threads) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < t->nslices; i++) {
		const struct dial9_slice *sl = &t->slices[i];
		struct dial9_thread *th;
		uint64_t len = clipped(sl->start_ns, sl->end_ns, from_ns, to_ns);

		if (!t->nthreads || t->threads[t->nthreads - 1].tid != sl->tid) {
			th = &t->threads[t->nthreads++];
			th->tid = sl->tid;
			th->first = i;
		}
		th = &t->threads[t->nthreads - 1];
		th->count++;
		if (sl->kind == DIAL9_SLICE_POLL) {
			th->polls++;
			th->busy_ns += len;
			th->busy_is_bound |= sl->duration_is_bound;
		} else if (sl->kind == DIAL9_SLICE_IDLE) {
			th->idle_ns += len;
		}
	}
cleanup:
	if (err) {
		dial9_timeline__free(t);
		return err;
	}
	*out = t;
	return 0;
}

void dial9_timeline__free(struct dial9_timeline *t)
{
	if (!t)
		return;
	free(t->slices);
	free(t->threads);
	free(t);
}

/* The closed poll ended by event index idx (polls[0..npolls_closed) are in
 * event order). */
static const struct dial9_poll *poll_by_end(const struct dial9_analysis *a, uint64_t idx)
{
	uint64_t lo = 0, hi = a->npolls_closed;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (a->polls[mid].end_ev < idx)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < a->npolls_closed && a->polls[lo].end_ev == idx ? &a->polls[lo] : NULL;
}

static bool self_event(const struct dial9_event *e, uint64_t id)
{
	return e->task_id == id && dial9_event_kind_names_task(e->kind);
}

/* Fill *te for event idx if it involves task id; false if it does not. */
static bool task_event(const struct dial9_analysis *a, uint64_t id, uint64_t idx,
		       struct dial9_task_event *te)
{
	const struct dial9_event *e = &a->dump->events[idx];
	const struct dial9_task_info *t;
	const struct dial9_poll *p;
	struct dial9_node w;

	memset(te, 0, sizeof(*te));
	te->ev = e;
	te->index = idx;
	if (self_event(e, id)) {
		te->role = DIAL9_ROLE_SELF;
		if (e->kind == DIAL9_EV_WAKE) {
			te->other = dial9_wake__waker(e);
		} else if (e->kind == DIAL9_EV_SPAWN) {
			t = dial9_analysis__task(a, id);
			te->other.kind = DIAL9_WAKER_TASK;
			if (t && t->spawn_ev == idx)
				te->other.task_id = t->parent;
		} else if (e->kind == DIAL9_EV_POLL_END) {
			p = poll_by_end(a, idx);
			te->duration_ns = p ? p->duration_ns : e->arg;
			te->duration_is_bound = e->flags & DIAL9_POLL_F_INFERRED;
		}
		return true;
	}
	if (e->kind == DIAL9_EV_WAKE) {
		w = dial9_wake__waker(e);
		if (w.kind != DIAL9_WAKER_TASK || w.task_id != id || !e->task_id)
			return false;
		te->role = DIAL9_ROLE_WAKER;
		te->other.kind = DIAL9_WAKER_TASK;
		te->other.task_id = e->task_id;
		return true;
	}
	if (e->kind == DIAL9_EV_SPAWN && e->task_id) {
		t = dial9_analysis__task(a, e->task_id);
		if (!t || t->spawn_ev != idx || t->parent != id)
			return false;
		te->role = DIAL9_ROLE_PARENT;
		te->other.kind = DIAL9_WAKER_TASK;
		te->other.task_id = e->task_id;
		return true;
	}
	return false;
}

int dial9_analysis__task_events(const struct dial9_analysis *a, uint64_t task_id,
				struct dial9_task_event **out, uint64_t *n)
{
	struct dial9_task_event te, *v = NULL;
	uint64_t i, count = 0, k = 0;

	*out = NULL;
	*n = 0;
	if (!task_id || !dial9_analysis__task(a, task_id))
		return -ENOENT;
	for (i = 0; i < a->dump->nevents; i++)
		count += task_event(a, task_id, i, &te);
	v = malloc((count ? count : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < a->dump->nevents && k < count; i++)
		k += task_event(a, task_id, i, &v[k]);
	*out = v;
	*n = k;
	return 0;
}
