// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * analysis_cpu.c - the CPU sampler's records: samples per task, and runs of
 * samples of one task on one thread (see struct dial9_cpu_run), the polls
 * that stayed on the CPU, seen whether the poll probes were on or not.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

/* A run ends when the thread is seen doing something else: a sample of
 * another task (or of none), a pass through the scheduler its probes saw
 * (a poll starting or ending, a park, a stall), or no sample for this many
 * periods (with the probes off nothing else says it left: a thread
 * preempted that long in a long poll shows as two runs).  A run of fewer
 * than RUN_MIN_SAMPLES is not reported. */
#define RUN_GAP_PERIODS 10
#define RUN_MIN_SAMPLES 3
#define LOC_SLOTS 4 /* candidates for a run's most frequent location */

struct open_run {
	uint32_t tid;
	struct dial9_cpu_run run;
	uint32_t loc[LOC_SLOTS];
	uint64_t loc_n[LOC_SLOTS];
	uint64_t last_ns;
};

struct runs {
	struct dial9_cpu_run *v;
	uint64_t n, cap;
};

/* Misra-Gries: the location most samples of the run found. */
static void count_loc(struct open_run *o, uint32_t loc)
{
	int i, empty = -1;

	for (i = 0; i < LOC_SLOTS; i++) {
		if (o->loc_n[i] && o->loc[i] == loc) {
			o->loc_n[i]++;
			return;
		}
		if (!o->loc_n[i] && empty < 0)
			empty = i;
	}
	if (empty >= 0) {
		o->loc[empty] = loc;
		o->loc_n[empty] = 1;
		return;
	}
	for (i = 0; i < LOC_SLOTS; i++)
		o->loc_n[i]--;
}

static int close_run(struct runs *r, struct open_run *o, uint64_t period)
{
	uint64_t best = 0;
	int i;

	if (o->run.samples >= RUN_MIN_SAMPLES && o->run.task_id) {
		if (r->n == r->cap) {
			uint64_t cap = r->cap ? r->cap * 2 : 256;
			struct dial9_cpu_run *p = realloc(r->v, cap * sizeof(*p));

			if (!p)
				return -ENOMEM;
			r->v = p;
			r->cap = cap;
		}
		for (i = 0; i < LOC_SLOTS; i++) {
			if (o->loc_n[i] > best) {
				best = o->loc_n[i];
				o->run.loc = o->loc[i];
			}
		}
		o->run.end_ns = o->last_ns + period;
		r->v[r->n++] = o->run;
	}
	memset(&o->run, 0, sizeof(o->run));
	memset(o->loc_n, 0, sizeof(o->loc_n));
	return 0;
}

static bool ends_run(const struct dial9_event *e)
{
	switch (e->kind) {
	case DIAL9_EV_POLL_START:
	case DIAL9_EV_POLL_END:
	case DIAL9_EV_PARK:
	case DIAL9_EV_UNPARK:
	case DIAL9_EV_STALL:
		return true;
	default:
		return false;
	}
}

static int cmp_run(const void *pa, const void *pb)
{
	const struct dial9_cpu_run *a = pa, *b = pb;
	uint64_t da = a->end_ns - a->start_ns, db = b->end_ns - b->start_ns;

	if (da != db)
		return da > db ? -1 : 1;
	return a->start_ns < b->start_ns ? -1 : a->start_ns > b->start_ns;
}

static struct open_run *open_run_of(struct open_run *v, uint64_t n, uint32_t tid)
{
	uint64_t lo = 0, hi = n;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (v[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo].tid == tid ? &v[lo] : NULL;
}

int dial9_analysis__cpu_runs(struct dial9_analysis *a, const struct dial9_idset *tids)
{
	const struct dial9_dump *d = a->dump;
	uint64_t period = d->meta.cpu_sample_hz ? 1000000000ull / d->meta.cpu_sample_hz : 1000000;
	struct open_run *open;
	struct runs r = { 0 };
	uint64_t i;
	int err = 0;

	a->cpu_sample_period_ns = period;
	if (!a->kind_counts[DIAL9_EV_CPU_SAMPLE])
		return 0;
	open = calloc(tids->count ? tids->count : 1, sizeof(*open));
	if (!open)
		return -ENOMEM;
	for (i = 0; i < tids->count; i++)
		open[i].tid = (uint32_t)tids->ids[i];
	for (i = 0; i < d->nevents && !err; i++) {
		const struct dial9_event *e = &d->events[i];
		struct open_run *o;

		if (e->kind != DIAL9_EV_CPU_SAMPLE) {
			if (ends_run(e) && (o = open_run_of(open, tids->count, e->tid)) &&
			    o->run.samples)
				err = close_run(&r, o, period);
			continue;
		}
		a->cpu_samples++;
		a->cpu_samples_task += e->task_id != 0;
		a->cpu_samples_no_id += !!(e->flags & DIAL9_SAMPLE_F_NO_TASK_ID);
		o = open_run_of(open, tids->count, e->tid);
		if (!o)
			continue;
		if (o->run.samples && (e->task_id != o->run.task_id ||
				       e->ts_ns - o->last_ns > RUN_GAP_PERIODS * period))
			err = close_run(&r, o, period);
		if (!o->run.samples) {
			o->run.task_id = e->task_id;
			o->run.tid = e->tid;
			o->run.start_ns = e->ts_ns;
		}
		o->run.samples++;
		o->run.probed |= !!(e->flags & DIAL9_SAMPLE_F_PROBED);
		o->last_ns = e->ts_ns;
		count_loc(o, (uint32_t)e->arg);
	}
	for (i = 0; i < tids->count && !err; i++)
		if (open[i].run.samples)
			err = close_run(&r, &open[i], period);
	free(open);
	if (err) {
		free(r.v);
		return err;
	}
	if (r.n)
		qsort(r.v, r.n, sizeof(*r.v), cmp_run);
	a->cpu_runs = r.v;
	a->ncpu_runs = r.n;
	return 0;
}
