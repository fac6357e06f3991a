// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * blocking_pool.c - the blocking pool's own tasks (spawn_blocking work and
 * the runtime's worker launchers) are the runtime's threads, not the
 * program's tasks: which probe points and records are theirs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "blocking_pool.h"
#include "locations.h"

/* Does the raw::poll call returning to addr run the blocking pool's own
 * tasks (tokio::runtime::blocking::pool::Inner::run)?  By the symbol, or the
 * debug info's inline chain; without debug info a call from the standard
 * library's thread entry (where LTO inlines the pool's loop) counts too. */
bool blocking_pool__is_site(struct tracked *t, uint64_t addr)
{
	char func[LOCATION_MAX];

	if (!t->sym || dial9_symbolizer__function(t->sym, addr - 1, func, sizeof(func)))
		return false;
	if (strstr(func, "tokio::runtime::blocking::pool"))
		return true;
	if (dial9_symbolizer__has_dwarf(t->sym))
		return dial9_symbolizer__inlined_from(t->sym, addr - 1, "tokio::runtime::blocking::pool");
	return !strncmp(func, "std::", 5) || !strncmp(func, "core::", 6);
}

/*
 * The blocking pool runs its work, the runtime's worker threads included,
 * as tasks of its own (BlockingTask<F> under BlockingSchedule): one "poll"
 * of a worker's launcher lasts as long as the worker and holds every poll of
 * that worker.  Those are the runtime's threads, not the program's tasks:
 * they are left out, and wakes they appear to make are the runtime's.
 */
bool blocking_pool__is_future(const char *loc)
{
	return loc && (strstr(loc, "BlockingTask<") || strstr(loc, "BlockingSchedule"));
}

/* The probe set without the per-task copies (complete, dealloc) of the
 * blocking pool, when their futures can be named (v0 symbols or debug
 * info), and without the task id allocations that the debug info places in
 * spawn_blocking: those are not probed at all.  Its raw::poll copies become
 * DIAL9_PROBE_POOL_POLL: they only tell which threads are the pool's (a hit
 * per spawn_blocking task).  out->points is malloc'd; names are borrowed. */
int blocking_pool__probe_set(struct tracked *t, const struct dial9_probe_set *ps,
			      uint64_t text_lo, uint64_t text_hi, uint64_t text_off,
			      struct dial9_probe_set *out)
{
	char buf[LOCATION_MAX];
	size_t i;

	*out = *ps;
	out->points = calloc(ps->count + 1, sizeof(*out->points));
	if (!out->points)
		return -ENOMEM;
	out->count = 0;
	for (i = 0; i < ps->count; i++) {
		const struct dial9_probe_point *pt = &ps->points[i];
		uint64_t addr = text_lo + (pt->offset - text_off);

		bool per_task = pt->kind == DIAL9_PROBE_RAW_POLL || pt->kind == DIAL9_PROBE_COMPLETE ||
				pt->kind == DIAL9_PROBE_RAW_DEALLOC;

		bool mapped = t->sym && text_hi && pt->offset >= text_off && addr < text_hi;

		if ((per_task && mapped &&
		     (blocking_pool__is_future(pt->name) ||
		      (dial9_symbolizer__describe_future(t->sym, addr, buf, sizeof(buf)) == 0 &&
		       blocking_pool__is_future(buf)))) ||
		    (pt->kind == DIAL9_PROBE_TASK_ID && mapped &&
		     dial9_symbolizer__inlined_from(t->sym, addr, "spawn_blocking"))) {
			out->per_kind[pt->kind]--;
			if (pt->kind != DIAL9_PROBE_RAW_POLL)
				continue;
			out->per_kind[DIAL9_PROBE_POOL_POLL]++;
			out->points[out->count] = *pt;
			out->points[out->count].kind = DIAL9_PROBE_POOL_POLL;
			out->points[out->count++].cookie = (pt->cookie & ~0xffULL) | DIAL9_PROBE_POOL_POLL;
			continue;
		}
		out->points[out->count++] = *pt;
	}
	return 0;
}

/* false: drop the event */
bool blocking_pool__filter(struct tracked *t, struct dial9_event *ev, uint64_t poll_addr)
{
	switch (ev->kind) {
	case DIAL9_EV_POLL_START:
		if (ev->task_id && addr_cache__get(&t->pool_tasks, ev->task_id))
			return false;
		if (!addr_cache__get(&t->pool_polls, poll_addr))
			return true;
		if (ev->task_id)
			addr_cache__put(&t->pool_tasks, ev->task_id, 1);
		return false;
	case DIAL9_EV_POLL_END:
	case DIAL9_EV_TERMINATE:
		return !(ev->task_id && addr_cache__get(&t->pool_tasks, ev->task_id));
	case DIAL9_EV_WAKE:
		if (ev->task_id && addr_cache__get(&t->pool_tasks, ev->task_id))
			return false;
		if (ev->aux == DIAL9_WAKER_TASK && addr_cache__get(&t->pool_tasks, ev->arg)) {
			ev->aux = DIAL9_WAKER_RUNTIME;
			ev->arg = 0;
		}
		return true;
	default:
		return true;
	}
}
