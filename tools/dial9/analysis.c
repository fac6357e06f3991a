// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * analysis.c - one pass over a dump's events (in time order) that derives
 * tasks, polls, idle periods, modes, lost events, runnable-queue depth and
 * wake-to-poll latencies.  See analysis.h for the semantics.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "probe_classes.h"

#define POLL_STACK_MAX 8 /* nested polls tracked per thread */

struct open_poll {
	uint64_t task_id;
	uint64_t start_ns;
	uint64_t arg;
};

struct thread_state {
	struct open_poll stack[POLL_STACK_MAX];
	uint32_t depth;
	bool seen;           /* an earlier event came from this tid */
	bool parked;
	uint64_t parked_since;
};

struct lat_sample {
	uint64_t task;       /* index in a->tasks */
	uint64_t ns;
};

/* Growable array of fixed-size elements. */
struct vec {
	void *data;
	uint64_t len, cap;
	size_t elem;
};

static void *vec_push(struct vec *v)
{
	if (v->len == v->cap) {
		uint64_t cap = v->cap ? v->cap * 2 : 16;
		void *p = realloc(v->data, cap * v->elem);

		if (!p)
			return NULL;
		v->data = p;
		v->cap = cap;
	}
	return (char *)v->data + v->elem * v->len++;
}

/* Scratch state of the main pass. */
struct pass {
	struct dial9_analysis *a;
	struct dial9_idset tids;
	struct thread_state *threads;
	struct vec polls, idle, stalls, modes, lost, panics, signals, lat;
	uint16_t mode;            /* recording mode in force (MODE records) */
};

static uint64_t sub_sat(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

static bool names_task(const struct dial9_event *e)
{
	return e->task_id && dial9_event_kind_names_task(e->kind);
}

static int collect_ids(struct dial9_analysis *a, struct pass *p)
{
	const struct dial9_dump *d = a->dump;
	uint64_t *tasks, *tids, i, nt = 0;

	tasks = malloc((2 * d->nevents + 1) * sizeof(*tasks));
	tids = malloc((d->nevents + 1) * sizeof(*tids));
	if (!tasks || !tids) {
		free(tasks);
		free(tids);
		return -ENOMEM;
	}
	for (i = 0; i < d->nevents; i++) {
		const struct dial9_event *e = &d->events[i];
		struct dial9_node w;

		tids[i] = e->tid;
		if (names_task(e))
			tasks[nt++] = e->task_id;
		if (e->kind == DIAL9_EV_WAKE) {
			w = dial9_wake__waker(e);
			if (w.kind == DIAL9_WAKER_TASK)
				tasks[nt++] = w.task_id;
		}
	}
	dial9_idset__init(&a->task_ids, tasks, nt);
	dial9_idset__init(&p->tids, tids, d->nevents);
	a->ntasks = a->task_ids.count;
	a->tasks = calloc(a->ntasks ? a->ntasks : 1, sizeof(*a->tasks));
	p->threads = calloc(p->tids.count ? p->tids.count : 1, sizeof(*p->threads));
	if (!a->tasks || !p->threads)
		return -ENOMEM;
	for (i = 0; i < a->ntasks; i++) {
		struct dial9_task_info *t = &a->tasks[i];

		t->task_id = a->task_ids.ids[i];
		t->spawn_ev = DIAL9_NO_INDEX;
		t->first_ns = UINT64_MAX;
	}
	return 0;
}

/* --- runnable queue ------------------------------------------------------ */

/* The queue's peak and the wake-to-poll latency samples, from the one walk
 * of the runnable queue (analysis_queue.c) that the views replay too. */
static int on_queue_step(void *ctx, const struct dial9_queue_step *st)
{
	struct pass *p = ctx;
	struct lat_sample *s;

	if (st->depth > p->a->queue_peak) {
		p->a->queue_peak = st->depth;
		p->a->queue_peak_ns = st->ts_ns;
	}
	if (!st->polled)
		return 0;
	s = vec_push(&p->lat);
	if (!s)
		return -ENOMEM;
	s->task = st->task_index;
	s->ns = st->latency_ns;
	return 0;
}

/* --- event handlers ------------------------------------------------------ */

static struct dial9_task_info *task_of(struct pass *p, uint64_t id, uint64_t *ti)
{
	uint64_t i = id ? dial9_idset__find(&p->a->task_ids, id) : DIAL9_NO_INDEX;

	if (ti)
		*ti = i;
	return i == DIAL9_NO_INDEX ? NULL : &p->a->tasks[i];
}

static uint32_t string_id(uint64_t arg)
{
	return arg <= UINT32_MAX ? (uint32_t)arg : 0;
}

static int on_spawn(struct pass *p, struct thread_state *th, const struct dial9_event *e,
		    uint64_t idx)
{
	struct dial9_task_info *t = task_of(p, e->task_id, NULL), *parent;

	if (!t)
		return 0;
	if (!t->spawn_seen) {
		t->spawn_seen = true;
		t->spawn_ns = e->ts_ns;
		t->spawn_loc = string_id(e->arg);
		t->spawn_ev = idx;
		t->spawn_tid = e->tid;
		t->parent = th->depth ? th->stack[th->depth - 1].task_id : 0;
		parent = task_of(p, t->parent, NULL);
		if (parent)
			parent->children++;
	}
	return 0;
}

static int on_poll_start(struct pass *p, struct thread_state *th, const struct dial9_event *e)
{
	struct dial9_task_info *t = task_of(p, e->task_id, NULL);

	if (th->depth == POLL_STACK_MAX) { /* ends were lost: forget the oldest */
		memmove(&th->stack[0], &th->stack[1], (POLL_STACK_MAX - 1) * sizeof(th->stack[0]));
		th->depth--;
	}
	th->stack[th->depth].task_id = e->task_id;
	th->stack[th->depth].start_ns = e->ts_ns;
	th->stack[th->depth].arg = e->arg;
	th->depth++;
	if (!t)
		return 0;
	if (!t->future_loc)
		t->future_loc = string_id(e->arg);
	return 0;
}

static int on_poll_end(struct pass *p, struct thread_state *th, const struct dial9_event *e,
		       uint64_t idx)
{
	struct dial9_analysis *a = p->a;
	struct dial9_poll *poll;
	struct dial9_task_info *t = task_of(p, e->task_id, NULL);
	uint32_t i = th->depth;

	while (i > 0 && th->stack[i - 1].task_id != e->task_id)
		i--;
	poll = vec_push(&p->polls);
	if (!poll)
		return -ENOMEM;
	memset(poll, 0, sizeof(*poll));
	poll->task_id = e->task_id;
	poll->end_ns = e->ts_ns;
	poll->end_ev = idx;
	poll->tid = e->tid;
	poll->completed = e->flags & DIAL9_POLL_F_COMPLETE;
	poll->duration_is_bound = e->flags & DIAL9_POLL_F_INFERRED;
	poll->duration_ns = e->arg;
	if (i > 0) {
		struct open_poll *op = &th->stack[i - 1];

		poll->start_seen = true;
		poll->start_ns = op->start_ns;
		poll->loc = string_id(op->arg);
		if (!poll->duration_ns)
			poll->duration_ns = sub_sat(e->ts_ns, op->start_ns);
		th->depth = i - 1; /* polls above it lost their ends */
	} else {
		poll->start_ns = sub_sat(e->ts_ns, poll->duration_ns);
	}
	a->polls_recorded++;
	a->poll_ns_recorded += poll->duration_ns;
	a->polls_bound += poll->duration_is_bound;
	if (!t)
		return 0;
	if (!poll->loc)
		poll->loc = t->future_loc;
	t->polls++;
	t->poll_ns_total += poll->duration_ns;
	t->poll_ns_total_is_bound |= poll->duration_is_bound;
	/* The longest is a bound only if no exact poll is as long. */
	if (poll->duration_ns > t->poll_ns_max || t->polls == 1) {
		t->poll_ns_max = poll->duration_ns;
		t->poll_ns_max_is_bound = poll->duration_is_bound;
	} else if (poll->duration_ns == t->poll_ns_max && !poll->duration_is_bound) {
		t->poll_ns_max_is_bound = false;
	}
	if (poll->completed && !t->end_seen) {
		t->end_seen = true;
		t->end_ns = e->ts_ns;
	}
	t->completed |= poll->completed;
	return 0;
}

static int on_wake(struct pass *p, const struct dial9_event *e)
{
	struct dial9_node w = dial9_wake__waker(e);
	struct dial9_task_info *waker = NULL, *t;

	if (w.kind == DIAL9_WAKER_TASK)
		waker = task_of(p, w.task_id, NULL);
	if (waker)
		waker->wakes_sent++;
	t = task_of(p, e->task_id, NULL);
	if (t)
		t->wakes++;
	return 0;
}

static int on_park(struct pass *p, struct thread_state *th, const struct dial9_event *e)
{
	if (!th->parked) {
		th->parked = true;
		th->parked_since = e->ts_ns;
	}
	return 0;
}

static int on_unpark(struct pass *p, struct thread_state *th, const struct dial9_event *e)
{
	struct dial9_span *s;

	if (!th->parked && th->seen)
		return 0; /* unpark without park: nothing to close */
	s = vec_push(&p->idle);
	if (!s)
		return -ENOMEM;
	memset(s, 0, sizeof(*s));
	s->tid = e->tid;
	s->end_ns = e->ts_ns;
	if (th->parked) {
		s->start_ns = th->parked_since;
	} else {
		s->start_ns = p->a->start_ns; /* parked since before the window */
		s->open_start = true;
	}
	th->parked = false;
	return 0;
}

static int on_mode(struct pass *p, const struct dial9_event *e)
{
	struct dial9_mode_span *m;
	uint64_t i;

	if (p->modes.len) {
		m = (struct dial9_mode_span *)p->modes.data + p->modes.len - 1;
		m->end_ns = e->ts_ns;
	}
	m = vec_push(&p->modes);
	if (!m)
		return -ENOMEM;
	m->start_ns = e->ts_ns;
	m->end_ns = p->a->end_ns;
	m->mode = e->aux;
	p->mode = e->aux;
	if (e->aux != DIAL9_MODE_FULL) {
		/* Not every poll is seen from here on: the poll stacks are
		 * forgotten (the queue walk forgets what is pending). */
		for (i = 0; i < p->tids.count; i++)
			p->threads[i].depth = 0;
	}
	return 0;
}

static int push_index(struct vec *v, uint64_t idx)
{
	uint64_t *slot = vec_push(v);

	if (!slot)
		return -ENOMEM;
	*slot = idx;
	return 0;
}

static int on_event(struct pass *p, uint64_t idx)
{
	struct dial9_analysis *a = p->a;
	const struct dial9_event *e = &a->dump->events[idx];
	struct thread_state *th = &p->threads[dial9_idset__find(&p->tids, e->tid)];
	struct dial9_task_info *t;
	struct dial9_span *s;
	int err = 0;

	a->kind_counts[e->kind < DIAL9_EV_KIND_MAX ? e->kind : 0]++;
	if (names_task(e)) {
		t = task_of(p, e->task_id, NULL);
		if (t) {
			if (e->ts_ns < t->first_ns)
				t->first_ns = e->ts_ns;
			if (e->ts_ns > t->last_ns)
				t->last_ns = e->ts_ns;
		}
	}
	switch (e->kind) {
	case DIAL9_EV_SPAWN:
		err = on_spawn(p, th, e, idx);
		break;
	case DIAL9_EV_POLL_START:
		err = on_poll_start(p, th, e);
		break;
	case DIAL9_EV_POLL_END:
		err = on_poll_end(p, th, e, idx);
		break;
	case DIAL9_EV_WAKE:
		err = on_wake(p, e);
		break;
	case DIAL9_EV_TERMINATE:
		t = task_of(p, e->task_id, NULL);
		if (t && !t->end_seen) {
			t->end_seen = true;
			t->end_ns = e->ts_ns;
		}
		break;
	case DIAL9_EV_PARK:
		err = on_park(p, th, e);
		break;
	case DIAL9_EV_UNPARK:
		err = on_unpark(p, th, e);
		break;
	case DIAL9_EV_PANIC:
		t = task_of(p, e->task_id, NULL);
		if (t)
			t->panicked = true;
		err = push_index(&p->panics, idx);
		break;
	case DIAL9_EV_SIGNAL:
		err = push_index(&p->signals, idx);
		break;
	case DIAL9_EV_LOST:
		if (e->aux == DIAL9_LOST_RINGBUF)
			a->lost_ringbuf += e->arg;
		else if (e->aux == DIAL9_LOST_WINDOW)
			a->lost_window += e->arg;
		else
			a->lost_other += e->arg;
		err = push_index(&p->lost, idx);
		break;
	case DIAL9_EV_POLL_SUMMARY:
		a->polls_counted += e->aux;
		a->poll_ns_counted += e->arg;
		t = task_of(p, e->task_id, NULL);
		if (t) {
			t->counted_polls += e->aux;
			t->counted_poll_ns += e->arg;
		}
		break;
	case DIAL9_EV_MODE:
		err = on_mode(p, e);
		break;
	case DIAL9_EV_STALL:
		s = vec_push(&p->stalls);
		if (!s)
			return -ENOMEM;
		memset(s, 0, sizeof(*s));
		s->start_ns = sub_sat(e->ts_ns, e->arg);
		s->end_ns = e->ts_ns;
		s->task_id = e->task_id;
		s->tid = e->tid;
		s->loc = e->aux;
		break;
	case DIAL9_EV_EXIT:
		if (!a->exit_seen) {
			a->exit_seen = true;
			a->exit_ev = idx;
		}
		break;
	case DIAL9_EV_OOM:
		if (!a->oom_seen) {
			a->oom_seen = true;
			a->oom_ev = idx;
		}
		break;
	case DIAL9_EV_CPU_SAMPLE:
		if (e->task_id && (t = task_of(p, e->task_id, NULL)))
			t->cpu_samples++;
		break;
	default:
		break;
	}
	th->seen = true;
	return err;
}

/* Polls still running and threads still parked when the window ended. */
static int close_open(struct pass *p)
{
	struct dial9_analysis *a = p->a;
	uint64_t i;
	uint32_t k;

	for (i = 0; i < p->tids.count; i++) {
		struct thread_state *th = &p->threads[i];
		uint32_t tid = (uint32_t)p->tids.ids[i];

		for (k = 0; k < th->depth; k++) {
			struct dial9_poll *poll = vec_push(&p->polls);
			struct dial9_task_info *t;

			if (!poll)
				return -ENOMEM;
			memset(poll, 0, sizeof(*poll));
			poll->task_id = th->stack[k].task_id;
			poll->start_ns = th->stack[k].start_ns;
			poll->end_ns = a->end_ns;
			poll->duration_ns = sub_sat(a->end_ns, poll->start_ns);
			poll->end_ev = DIAL9_NO_INDEX;
			poll->tid = tid;
			poll->loc = string_id(th->stack[k].arg);
			poll->start_seen = true;
			poll->open = true;
			t = task_of(p, poll->task_id, NULL);
			if (t && !poll->loc)
				poll->loc = t->future_loc;
		}
		if (th->parked) {
			struct dial9_span *s = vec_push(&p->idle);

			if (!s)
				return -ENOMEM;
			memset(s, 0, sizeof(*s));
			s->tid = tid;
			s->start_ns = th->parked_since;
			s->end_ns = a->end_ns;
			s->open_end = true;
		}
	}
	return 0;
}

static int cmp_lat(const void *pa, const void *pb)
{
	const struct lat_sample *a = pa, *b = pb;

	if (a->task != b->task)
		return a->task < b->task ? -1 : 1;
	return a->ns < b->ns ? -1 : a->ns > b->ns;
}

static int cmp_u64(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;

	return a < b ? -1 : a > b;
}

/* Nearest-rank percentile of n sorted values. */
static uint64_t percentile(const uint64_t *sorted, uint64_t n, unsigned int pct, size_t stride)
{
	uint64_t rank;

	if (!n)
		return 0;
	rank = (n * pct + 99) / 100;
	if (rank < 1)
		rank = 1;
	return *(const uint64_t *)((const char *)sorted + (rank - 1) * stride);
}

static int finish_latency(struct pass *p)
{
	struct dial9_analysis *a = p->a;
	struct lat_sample *s = p->lat.data;
	uint64_t n = p->lat.len, i, j, *all;

	if (!n)
		return 0;
	qsort(s, n, sizeof(*s), cmp_lat);
	for (i = 0; i < n; i = j) {
		struct dial9_task_info *t = &a->tasks[s[i].task];

		for (j = i; j < n && s[j].task == s[i].task; j++)
			t->lat_total_ns += s[j].ns;
		t->lat_count = j - i;
		t->lat_max_ns = s[j - 1].ns;
		t->lat_p99_ns = percentile(&s[i].ns, j - i, 99, sizeof(*s));
	}
	all = malloc(n * sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		all[i] = s[i].ns;
	qsort(all, n, sizeof(*all), cmp_u64);
	a->lat_count = n;
	a->lat_p50_ns = percentile(all, n, 50, sizeof(*all));
	a->lat_p99_ns = percentile(all, n, 99, sizeof(*all));
	a->lat_max_ns = all[n - 1];
	free(all);
	return 0;
}

static void finish_wakers(struct dial9_analysis *a)
{
	uint64_t i, k, n;

	for (i = 0; i < a->ntasks; i++) {
		struct dial9_task_info *t = &a->tasks[i];
		const struct dial9_wake_edge *e = dial9_wakegraph__edges_to(a->graph, t->task_id, &n);

		for (k = 0; k < n; k++) {
			if (e[k].count > t->top_waker_count) {
				t->top_waker_count = e[k].count;
				t->top_waker = e[k].from;
			}
		}
		if (t->first_ns == UINT64_MAX)
			t->first_ns = 0;
	}
}

static int cmp_span(const void *pa, const void *pb)
{
	const struct dial9_span *a = pa, *b = pb;

	if (a->start_ns != b->start_ns)
		return a->start_ns < b->start_ns ? -1 : 1;
	return a->tid < b->tid ? -1 : a->tid > b->tid;
}

/* Per thread of the dump (by tid): its polls, their time, its idle time. */
static int thread_totals(struct dial9_analysis *a, const struct dial9_idset *tids)
{
	uint64_t i, t;

	a->nthreads = tids->count;
	a->threads = calloc(a->nthreads ? a->nthreads : 1, sizeof(*a->threads));
	if (!a->threads)
		return -ENOMEM;
	for (i = 0; i < a->nthreads; i++)
		a->threads[i].tid = (uint32_t)tids->ids[i];
	for (i = 0; i < a->npolls; i++) {
		t = dial9_idset__find(tids, a->polls[i].tid);
		a->threads[t].polls++;
		a->threads[t].busy_ns += a->polls[i].duration_ns;
		a->threads[t].busy_is_bound |= a->polls[i].duration_is_bound;
	}
	for (i = 0; i < a->nidle; i++) {
		t = dial9_idset__find(tids, a->idle[i].tid);
		a->threads[t].idle_ns += a->idle[i].end_ns - a->idle[i].start_ns;
	}
	return 0;
}

static void pass_free(struct pass *p)
{
	dial9_idset__free(&p->tids);
	free(p->threads);
	free(p->polls.data);
	free(p->idle.data);
	free(p->stalls.data);
	free(p->modes.data);
	free(p->lost.data);
	free(p->panics.data);
	free(p->signals.data);
	free(p->lat.data);
}

struct dial9_analysis *dial9_analysis__new(const struct dial9_dump *d)
{
	struct dial9_analysis *a;
	struct pass p = {
		.polls.elem = sizeof(struct dial9_poll),
		.idle.elem = sizeof(struct dial9_span),
		.stalls.elem = sizeof(struct dial9_span),
		.modes.elem = sizeof(struct dial9_mode_span),
		.lost.elem = sizeof(uint64_t),
		.panics.elem = sizeof(uint64_t),
		.signals.elem = sizeof(uint64_t),
		.lat.elem = sizeof(struct lat_sample),
	};
	uint64_t i;
	int err;

	if (!d || (d->nevents && !d->events)) {
		errno = EINVAL;
		return NULL;
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	p.a = a;
	a->dump = d;
	a->probes_known = d->meta.probes_known;
	a->probes = a->probes_known ? d->meta.probes & DIAL9_CLASSES_ALL : DIAL9_CLASSES_ALL;
	a->start_ns = d->meta.start_ns;
	a->end_ns = d->meta.end_ns;
	if (d->nevents) {
		if (d->events[0].ts_ns < a->start_ns || !a->start_ns)
			a->start_ns = d->events[0].ts_ns;
		if (d->events[d->nevents - 1].ts_ns > a->end_ns)
			a->end_ns = d->events[d->nevents - 1].ts_ns;
	}
	if (a->end_ns < a->start_ns)
		a->end_ns = a->start_ns;

	err = collect_ids(a, &p);
	for (i = 0; !err && i < d->nevents; i++)
		err = on_event(&p, i);
	if (!err)
		err = close_open(&p);
	if (err)
		goto cleanup;
	a->graph = dial9_wakegraph__new(d);
	if (!a->graph) {
		err = -errno;
		goto cleanup;
	}
	finish_wakers(a);

	a->polls = p.polls.data;
	a->npolls = p.polls.len;
	a->npolls_closed = a->polls_recorded;
	p.polls.data = NULL;
	err = dial9_queue__walk(a, on_queue_step, &p);
	if (!err)
		err = finish_latency(&p);
	if (err)
		goto cleanup;
	a->idle = p.idle.data;
	a->nidle = p.idle.len;
	p.idle.data = NULL;
	if (a->nidle)
		qsort(a->idle, a->nidle, sizeof(*a->idle), cmp_span);
	a->stalls = p.stalls.data;
	a->nstalls = p.stalls.len;
	p.stalls.data = NULL;
	a->modes = p.modes.data;
	a->nmodes = p.modes.len;
	p.modes.data = NULL;
	a->full_ns = (a->nmodes ? a->modes[0].start_ns : a->end_ns) - a->start_ns;
	for (i = 0; i < a->nmodes; i++)
		if (a->modes[i].mode == DIAL9_MODE_FULL)
			a->full_ns += a->modes[i].end_ns - a->modes[i].start_ns;
	a->lost_ev = p.lost.data;
	a->lost_records = p.lost.len;
	p.lost.data = NULL;
	a->panic_ev = p.panics.data;
	a->npanics = p.panics.len;
	p.panics.data = NULL;
	a->signal_ev = p.signals.data;
	a->nsignals = p.signals.len;
	p.signals.data = NULL;
	err = thread_totals(a, &p.tids);
	if (!err)
		err = dial9_analysis__cpu_runs(a, &p.tids);
cleanup:
	pass_free(&p);
	if (err) {
		dial9_analysis__free(a);
		errno = -err;
		return NULL;
	}
	return a;
}

void dial9_analysis__free(struct dial9_analysis *a)
{
	if (!a)
		return;
	free(a->tasks);
	dial9_idset__free(&a->task_ids);
	free(a->polls);
	free(a->idle);
	free(a->stalls);
	free(a->modes);
	free(a->lost_ev);
	free(a->panic_ev);
	free(a->signal_ev);
	free(a->threads);
	free(a->cpu_runs);
	dial9_wakegraph__free(a->graph);
	free(a);
}

/* --- queries ------------------------------------------------------------- */

const struct dial9_task_info *dial9_analysis__task(const struct dial9_analysis *a,
						   uint64_t task_id)
{
	uint64_t i = dial9_idset__find(&a->task_ids, task_id);

	return i == DIAL9_NO_INDEX ? NULL : &a->tasks[i];
}

const char *dial9_analysis__string(const struct dial9_analysis *a, uint64_t id)
{
	if (!id || id > UINT32_MAX)
		return NULL;
	return dial9_strtab__get(&a->dump->strings, (uint32_t)id);
}

const char *dial9_analysis__task_location(const struct dial9_analysis *a,
					  const struct dial9_task_info *t)
{
	const char *s = dial9_analysis__string(a, t->spawn_loc);

	return s ? s : dial9_analysis__string(a, t->future_loc);
}

static int cmp_poll_dur(const void *pa, const void *pb)
{
	const struct dial9_poll *a = *(const struct dial9_poll *const *)pa;
	const struct dial9_poll *b = *(const struct dial9_poll *const *)pb;

	if (a->duration_ns != b->duration_ns)
		return a->duration_ns > b->duration_ns ? -1 : 1;
	if (a->start_ns != b->start_ns)
		return a->start_ns < b->start_ns ? -1 : 1;
	return a < b ? -1 : a > b;
}

/* Keep the n best of items in out (sorted), by insertion: O(N * n) with a
 * fast path for items that do not make the cut. */
static uint64_t top_n(const void **out, uint64_t n, const void *item, uint64_t have,
		      int (*cmp)(const void *, const void *))
{
	uint64_t i;

	if (have == n && cmp(&item, &out[n - 1]) >= 0)
		return have;
	if (have < n)
		have++;
	for (i = have - 1; i > 0 && cmp(&item, &out[i - 1]) < 0; i--)
		out[i] = out[i - 1];
	out[i] = item;
	return have;
}

uint64_t dial9_analysis__longest_polls(const struct dial9_analysis *a,
				       const struct dial9_poll **out, uint64_t n)
{
	uint64_t i, have = 0;

	if (!n)
		return 0;
	for (i = 0; i < a->npolls; i++)
		have = top_n((const void **)out, n, &a->polls[i], have, cmp_poll_dur);
	return have;
}

static int cmp_span_dur(const void *pa, const void *pb)
{
	const struct dial9_span *a = *(const struct dial9_span *const *)pa;
	const struct dial9_span *b = *(const struct dial9_span *const *)pb;
	uint64_t da = a->end_ns - a->start_ns, db = b->end_ns - b->start_ns;

	if (da != db)
		return da > db ? -1 : 1;
	if (a->start_ns != b->start_ns)
		return a->start_ns < b->start_ns ? -1 : 1;
	return a < b ? -1 : a > b;
}

uint64_t dial9_analysis__longest_stalls(const struct dial9_analysis *a,
					const struct dial9_span **out, uint64_t n)
{
	uint64_t i, have = 0;

	if (!n)
		return 0;
	for (i = 0; i < a->nstalls; i++)
		have = top_n((const void **)out, n, &a->stalls[i], have, cmp_span_dur);
	return have;
}

static int cmp_task_lat(const void *pa, const void *pb)
{
	const struct dial9_task_info *a = *(const struct dial9_task_info *const *)pa;
	const struct dial9_task_info *b = *(const struct dial9_task_info *const *)pb;

	if (a->lat_max_ns != b->lat_max_ns)
		return a->lat_max_ns > b->lat_max_ns ? -1 : 1;
	if (a->lat_p99_ns != b->lat_p99_ns)
		return a->lat_p99_ns > b->lat_p99_ns ? -1 : 1;
	return a->task_id < b->task_id ? -1 : a->task_id > b->task_id;
}

uint64_t dial9_analysis__worst_latency(const struct dial9_analysis *a,
				       const struct dial9_task_info **out, uint64_t n)
{
	uint64_t i, have = 0;

	if (!n)
		return 0;
	for (i = 0; i < a->ntasks; i++)
		if (a->tasks[i].lat_count)
			have = top_n((const void **)out, n, &a->tasks[i], have, cmp_task_lat);
	return have;
}

static uint64_t task_key(const struct dial9_task_info *t, enum dial9_task_sort key)
{
	switch (key) {
	case DIAL9_SORT_POLLS:
		return t->polls + t->counted_polls;
	case DIAL9_SORT_TOTAL:
		return t->poll_ns_total + t->counted_poll_ns;
	case DIAL9_SORT_MAX:
		return t->poll_ns_max;
	case DIAL9_SORT_WAKES:
		return t->wakes;
	case DIAL9_SORT_LATENCY:
		return t->lat_max_ns;
	default:
		return 0;
	}
}

static int cmp_task_key(const void *pa, const void *pb, void *arg)
{
	const struct dial9_task_info *a = *(const struct dial9_task_info *const *)pa;
	const struct dial9_task_info *b = *(const struct dial9_task_info *const *)pb;
	enum dial9_task_sort key = *(const enum dial9_task_sort *)arg;
	uint64_t ka = task_key(a, key), kb = task_key(b, key);

	if (ka != kb)
		return ka > kb ? -1 : 1;
	return a->task_id < b->task_id ? -1 : a->task_id > b->task_id;
}

int dial9_analysis__sorted_tasks(const struct dial9_analysis *a, enum dial9_task_sort key,
				 const struct dial9_task_info ***out)
{
	const struct dial9_task_info **v;
	uint64_t i;

	v = malloc((a->ntasks ? a->ntasks : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < a->ntasks; i++)
		v[i] = &a->tasks[i];
	if (a->ntasks && key != DIAL9_SORT_ID)
		qsort_r(v, a->ntasks, sizeof(*v), cmp_task_key, &key);
	*out = v;
	return 0;
}

const char *dial9_analysis__thread_name(const struct dial9_analysis *a, uint32_t tid)
{
	const struct dial9_dump_thread *th = tid ? dial9_dump__thread(a->dump, tid) : NULL;

	return th && th->name[0] ? th->name : NULL;
}

const char *dial9_analysis__thread_role(const struct dial9_analysis *a, uint32_t tid)
{
	const struct dial9_dump_thread *th = tid ? dial9_dump__thread(a->dump, tid) : NULL;

	return th && th->role != DIAL9_THREAD_UNKNOWN ? dial9_thread_role_name(th->role) : NULL;
}
