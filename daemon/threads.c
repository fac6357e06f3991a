// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * threads.c - the threads of a recorded process: each one's name (its
 * comm, read once when its first record arrives) and the part it plays in
 * the runtime, as its records show; the dump's thread table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "procfs.h"
#include "threads.h"

#define FIRST_CAP 16
#define PRUNE_EVERY_NS 1000000000ULL

void thread_table__init(struct thread_table *tt)
{
	memset(tt, 0, sizeof(*tt));
}

void thread_table__free(struct thread_table *tt)
{
	free(tt->v);
	thread_table__init(tt);
}

uint8_t thread_role__of(const struct dial9_event *e, bool pool)
{
	if (pool)
		return DIAL9_THREAD_BLOCKING;
	switch (e->kind) {
	case DIAL9_EV_PARK:
		return e->flags & DIAL9_PARK_F_CURRENT_THREAD ? DIAL9_THREAD_BLOCK_ON
							      : DIAL9_THREAD_WORKER;
	case DIAL9_EV_POLL_START:
	case DIAL9_EV_POLL_END:
		return DIAL9_THREAD_WORKER;
	case DIAL9_EV_WAKE:
		switch (e->aux) {
		case DIAL9_WAKER_BLOCK_ON:
			return DIAL9_THREAD_BLOCK_ON;
		case DIAL9_WAKER_TASK:     /* while it polled a task */
		case DIAL9_WAKER_IO_DRIVER:
		case DIAL9_WAKER_TIMER:
		case DIAL9_WAKER_RUNTIME:
			return DIAL9_THREAD_WORKER;
		case DIAL9_WAKER_THREAD:
			return DIAL9_THREAD_OTHER;
		default:
			return DIAL9_THREAD_UNKNOWN;
		}
	case DIAL9_EV_SPAWN: /* a runtime thread's spawns show its role elsewhere */
		return DIAL9_THREAD_OTHER;
	default:
		return DIAL9_THREAD_UNKNOWN;
	}
}

/* Which of two roles a thread that played both is shown with. */
static int role_rank(uint8_t role)
{
	static const int rank[DIAL9_THREAD_ROLE__COUNT] = {
		[DIAL9_THREAD_UNKNOWN] = 0,
		[DIAL9_THREAD_OTHER] = 1,
		[DIAL9_THREAD_BLOCKING] = 2,
		[DIAL9_THREAD_WORKER] = 3,
		[DIAL9_THREAD_BLOCK_ON] = 4,
	};

	return role < DIAL9_THREAD_ROLE__COUNT ? rank[role] : 0;
}

/* Index of tid, or where it would go (*found false). */
static uint32_t find(const struct thread_table *tt, uint32_t tid, bool *found)
{
	uint32_t lo = 0, hi = tt->count;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (tt->v[mid].th.tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < tt->count && tt->v[lo].th.tid == tid;
	return lo;
}

/* Forget the threads whose last record is older than before. */
static void prune(struct thread_table *tt, uint64_t before)
{
	uint32_t i, k = 0;

	for (i = 0; i < tt->count; i++)
		if (tt->v[i].last_ns >= before)
			tt->v[k++] = tt->v[i];
	tt->count = k;
	tt->last = 0;
}

/* Room for one more; false when the bound is reached. */
static bool make_room(struct thread_table *tt, uint64_t now, uint64_t before)
{
	struct thread_seen *v;
	uint32_t cap;

	if (tt->count == DIAL9D_MAX_THREADS && now - tt->pruned_ns >= PRUNE_EVERY_NS) {
		tt->pruned_ns = now;
		prune(tt, before);
	}
	if (tt->count < tt->cap)
		return true;
	if (tt->cap >= DIAL9D_MAX_THREADS)
		return false;
	cap = tt->cap ? tt->cap * 2 : FIRST_CAP;
	v = realloc(tt->v, (size_t)cap * sizeof(*v));
	if (!v)
		return false;
	tt->v = v;
	tt->cap = cap;
	return true;
}

void thread_table__see(struct thread_table *tt, pid_t pid, uint32_t tid, uint8_t role,
		       uint64_t ts_ns, uint64_t forget_before_ns)
{
	struct thread_seen *s;
	bool found;
	uint32_t i;

	if (!tid)
		return;
	if (tt->last < tt->count && tt->v[tt->last].th.tid == tid) {
		i = tt->last;
	} else {
		i = find(tt, tid, &found);
		if (!found) {
			if (!make_room(tt, ts_ns, forget_before_ns)) {
				tt->refused++;
				return;
			}
			i = find(tt, tid, &found); /* pruning moved it */
			memmove(&tt->v[i + 1], &tt->v[i], (tt->count - i) * sizeof(*tt->v));
			tt->count++;
			s = &tt->v[i];
			memset(s, 0, sizeof(*s));
			s->th.tid = tid;
			procfs__read_thread_comm(pid, (pid_t)tid, s->th.name);
		}
		tt->last = i;
	}
	s = &tt->v[i];
	if (role_rank(role) > role_rank(s->th.role))
		s->th.role = role;
	if (ts_ns > s->last_ns)
		s->last_ns = ts_ns;
}

int thread_table__snapshot(struct thread_table *tt, pid_t pid, struct dial9_dump_thread **out,
			   uint32_t *n)
{
	struct dial9_dump_thread *th = NULL;
	char name[sizeof(th->name)];
	uint32_t i;

	*out = NULL;
	*n = 0;
	if (!tt->count)
		return 0;
	th = calloc(tt->count, sizeof(*th));
	if (!th)
		return -ENOMEM;
	for (i = 0; i < tt->count; i++) {
		procfs__read_thread_comm(pid, (pid_t)tt->v[i].th.tid, name);
		if (name[0]) /* alive: it may have renamed itself */
			memcpy(tt->v[i].th.name, name, sizeof(name));
		th[i] = tt->v[i].th;
	}
	*out = th;
	*n = tt->count;
	return 0;
}
