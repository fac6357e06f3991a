// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* analysis_polls.c - each task's polls in time order (see analysis.h). */
#include <errno.h>
#include <stdlib.h>

#include "analysis.h"

static int cmp_poll_task(const void *pa, const void *pb, void *arg)
{
	const struct dial9_analysis *a = arg;
	const struct dial9_poll *x = &a->polls[*(const uint64_t *)pa];
	const struct dial9_poll *y = &a->polls[*(const uint64_t *)pb];

	if (x->task_id != y->task_id)
		return x->task_id < y->task_id ? -1 : 1;
	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	return x->end_ns < y->end_ns ? -1 : x->end_ns > y->end_ns;
}

int dial9_poll_index__init(struct dial9_poll_index *x, const struct dial9_analysis *a)
{
	uint64_t i;

	x->n = a->npolls;
	x->order = malloc((x->n ? x->n : 1) * sizeof(*x->order));
	if (!x->order)
		return -ENOMEM;
	for (i = 0; i < x->n; i++)
		x->order[i] = i;
	qsort_r(x->order, x->n, sizeof(*x->order), cmp_poll_task, (void *)a);
	return 0;
}

void dial9_poll_index__free(struct dial9_poll_index *x)
{
	if (!x)
		return;
	free(x->order);
	x->order = NULL;
	x->n = 0;
}

/* First position whose poll is (task, start >= ts) or later. */
static uint64_t lower_bound(const struct dial9_poll_index *x, const struct dial9_analysis *a,
			    uint64_t task, uint64_t ts)
{
	uint64_t lo = 0, hi = x->n;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		const struct dial9_poll *p = &a->polls[x->order[mid]];

		if (p->task_id < task || (p->task_id == task && p->start_ns < ts))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint64_t dial9_poll_index__next(const struct dial9_poll_index *x,
				const struct dial9_analysis *a, uint64_t task, uint64_t ts_ns)
{
	uint64_t i = lower_bound(x, a, task, ts_ns);

	if (i < x->n && a->polls[x->order[i]].task_id == task)
		return x->order[i];
	return DIAL9_NO_INDEX;
}

uint64_t dial9_poll_index__at(const struct dial9_poll_index *x, const struct dial9_analysis *a,
			      uint64_t task, uint64_t ts_ns, uint32_t tid)
{
	uint64_t i = lower_bound(x, a, task, ts_ns + 1);
	const struct dial9_poll *p;

	if (!i)
		return DIAL9_NO_INDEX;
	p = &a->polls[x->order[i - 1]];
	if (p->task_id != task || p->end_ns < ts_ns || p->tid != tid)
		return DIAL9_NO_INDEX;
	return x->order[i - 1];
}
