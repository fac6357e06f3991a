// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ingest.c - a recorded process's ring buffer into its rolling window: each
 * record enriched (locations, stall sites, the blocking pool's tasks left
 * out), return sites learned, panics, fatal signals, OOM kills and the exit
 * noted for the incident module, losses accounted.  Every record enters the
 * window through ingest__keep, which shows it to the live statistics.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "blocking_pool.h"
#include "clock.h"
#include "ingest.h"
#include "locations.h"
#include "procfs.h"
#include "x86_insn.h"

/*
 * A raw::poll or park call returns to addr, and the BPF side does not know
 * it yet: probe it (DIAL9_PROBE_POLL_RETURN / PARK_RETURN) when a call
 * instruction ends there, so that polls end where they return.  Returns
 * whether it is where the blocking pool polls its own tasks.
 */
static bool learn_ret_site(struct tracked *t, uint64_t addr, uint16_t called, uint64_t task_id)
{
	uint64_t cookie = called == DIAL9_PROBE_RAW_POLL ? DIAL9_PROBE_POLL_RETURN
			  : DIAL9_PROBE_PARK_RETURN | (called == DIAL9_PROBE_PARK_CT ? DIAL9_COOKIE_CT : 0);
	uint8_t code[16 + 64]; /* the call before addr, and what follows */
	bool ok = addr >= t->text_lo + 16 && addr < t->text_hi;
	bool pool = called == DIAL9_PROBE_RAW_POLL && blocking_pool__is_site(t, addr);
	size_t len = ok ? (t->text_hi - addr < 64 ? t->text_hi - addr : 64) + 16 : 0;
	uint64_t at = addr;
	int ret;

	ok = ok && procfs__read_mem(t->pid, addr - 16, code, len) && dial9_x86_call_ends_at(code, 16);
	if (ok) /* a cheaper place to probe, a few instructions on */
		at = dial9_x86_emulated_probe_at(code + 16, len - 16, addr);
	ret = recorder_proc__add_ret_site(t->rp, addr, at - t->text_lo + t->text_off, cookie,
					  ok && !pool, pool);
	/* the poll that reported it (first, or on another thread meanwhile) is
	 * the pool's: not a task's */
	if (pool && task_id)
		addr_cache__put(&t->pool_tasks, task_id, 1);
	if (ret == -EEXIST)
		return pool;
	if (ret == 0 && ok && !pool)
		t->ret_sites_probed++;
	else if (!pool)
		t->ret_sites_refused++;
	if (t->d->o.verbose || (ret && ret != -ENOSPC) || !ok) {
		char func[LOCATION_MAX];

		dial9_symbolizer__function(t->sym, addr - 1, func, sizeof(func));
		fprintf(stderr, "dial9d: %d: %s return site %#llx in %s%s%s\n", t->pid,
			dial9_probe_kind_name(called), (unsigned long long)addr, func,
			pool ? ": the blocking pool's"
			: ok ? (ret ? ": cannot probe: " : ": probed") : ": no call before it, not probed",
			!pool && ok && ret ? strerror(-ret) : "");
	}
	return pool;
}

/* e's thread played role: the thread table learns it (its name on first
 * sight).  Threads last seen before the window may make room. */
static void see_thread(struct tracked *t, const struct dial9_event *e, uint8_t role)
{
	uint64_t window = t->d->o.window_ns, refused = t->threads.refused;

	thread_table__see(&t->threads, t->pid, e->tid, role, e->ts_ns,
			  e->ts_ns > window ? e->ts_ns - window : 0);
	if (!refused && t->threads.refused)
		fprintf(stderr, "dial9d: %d: more than %u threads in the window: new ones are "
			"not named in its dumps\n", t->pid, DIAL9D_MAX_THREADS);
}

/* A task woke another during its poll: which qwords of CONTEXT held its id.
 * Once they agree, the CPU sampler reads the task being polled there. */
static void learn_tls_task_slot(struct tracked *t, uint32_t eq, uint32_t tagged)
{
	int before = t->tls.result, slot;
	bool is_tagged = false;

	slot = tls_learning__report(&t->tls, eq, tagged, &is_tagged);
	if (slot == before || slot == TLS_LEARNING_PENDING)
		return;
	recorder_proc__set_tls_task_slot(t->rp, slot, is_tagged);
	if (slot < 0)
		fprintf(stderr, "dial9d: %d (%s): where Tokio keeps the task being polled was not "
			"found (%u reports, no qword of its CONTEXT agreed): CPU samples are not "
			"attributed to tasks\n", t->pid, t->comm, t->tls.reports);
	else if (t->d->o.verbose)
		fprintf(stderr, "dial9d: %d: the task being polled is qword %d of Tokio's CONTEXT%s, "
			"learned from %u wakes\n", t->pid, slot, is_tagged ? " (after its tag)" : "",
			t->tls.reports);
}

int ingest__keep(struct tracked *t, const struct dial9_event *ev)
{
	proc_stats__on_event(&t->stats, ev);
	return dial9_window__push(t->win, ev);
}

void ingest__on_event(void *ctx, const struct dial9_event *e)
{
	struct tracked *t = ctx;
	struct dial9_event ev = *e;
	uint64_t poll_addr = 0;

	switch (ev.kind) {
	case DIAL9_EV_RING_RET_SITE:
		see_thread(t, &ev, learn_ret_site(t, ev.arg, ev.aux, ev.task_id) ?
				   DIAL9_THREAD_BLOCKING : DIAL9_THREAD_UNKNOWN);
		return;
	case DIAL9_EV_RING_POOL_TASK:
		if (ev.task_id)
			addr_cache__put(&t->pool_tasks, ev.task_id, 1);
		see_thread(t, &ev, DIAL9_THREAD_BLOCKING);
		return;
	case DIAL9_EV_RING_TLS_LEARN:
		learn_tls_task_slot(t, (uint32_t)ev.arg, ev.aux);
		return;
	case DIAL9_EV_CPU_SAMPLE:
		ev.arg = ev.flags & DIAL9_SAMPLE_F_CALLER ? locations__id(t, ev.arg, false)
							  : locations__sample(t, ev.arg);
		if (ev.task_id && addr_cache__get(&t->pool_tasks, ev.task_id))
			ev.task_id = 0; /* the blocking pool's work, not a task of the program */
		see_thread(t, &ev, DIAL9_THREAD_UNKNOWN);
		if (!ingest__keep(t, &ev))
			t->events++; /* the sampler's, not a probe hit */
		return;
	case DIAL9_EV_SPAWN:
		ev.arg = locations__spawn(t, ev.arg);
		break;
	case DIAL9_EV_POLL_START:
		poll_addr = ev.arg;
		if (!addr_cache__get(&t->locations, poll_addr)) {
			ev.arg = locations__id(t, poll_addr, true);
			if (blocking_pool__is_future(dial9_strtab__get(&t->strings, (uint32_t)ev.arg)))
				addr_cache__put(&t->pool_polls, poll_addr, 1);
		} else {
			ev.arg = addr_cache__get(&t->locations, poll_addr);
		}
		break;
	case DIAL9_EV_STALL:
		if (ev.flags & DIAL9_STALL_F_SITE) {
			locations__stall_site(t, ev.tid, ev.aux, ev.arg);
			return;
		}
		ev.aux = locations__stall(t, ev.tid);
		if (ev.task_id && addr_cache__get(&t->pool_tasks, ev.task_id))
			ev.task_id = 0;
		trigger__on_long(&t->trig, &t->d->o.triggers, t->d->o.post_trigger_ns, ev.arg,
				 ev.ts_ns, ev.tid, ev.task_id);
		break;
	case DIAL9_EV_PANIC:
		ev.arg = locations__panic(t, ev.arg);
		if (!t->pending.reason) {
			t->pending.reason = DIAL9_REASON_PANIC;
			t->pending.signal = 0;
			t->pending.tid = ev.tid;
			t->pending.task = ev.task_id;
		}
		break;
	case DIAL9_EV_SIGNAL:
		if (dial9_fatal_signal(ev.aux)) {
			t->last_fatal_signal = ev.aux;
			t->last_fatal_tid = ev.tid;
		}
		break;
	case DIAL9_EV_OOM:
		ev.arg *= (uint64_t)sysconf(_SC_PAGESIZE); /* pages in the ring, bytes in a dump */
		t->oom_killed = true;
		t->oom_tid = ev.tid;
		break;
	case DIAL9_EV_EXIT:
		t->exited = true;
		t->exit_signaled = ev.flags & DIAL9_EXIT_F_SIGNALED;
		t->exit_code = (uint32_t)ev.arg;
		break;
	default:
		break;
	}
	if (!blocking_pool__filter(t, &ev, poll_addr)) {
		see_thread(t, &ev, thread_role__of(&ev, ev.kind == DIAL9_EV_POLL_START ||
						       ev.kind == DIAL9_EV_POLL_END));
		return;
	}
	see_thread(t, &ev, thread_role__of(&ev, false));
	/* an inferred end is an upper bound: it cannot vouch for a long poll
	 * (a real one is also a stall) */
	if (ev.kind == DIAL9_EV_POLL_END && !(ev.flags & DIAL9_POLL_F_INFERRED))
		trigger__on_long(&t->trig, &t->d->o.triggers, t->d->o.post_trigger_ns, ev.arg,
				 ev.ts_ns, ev.tid, ev.task_id);
	/* each record but an inferred poll end and an unpark stands for one
	 * probe hit */
	if ((ev.kind != DIAL9_EV_POLL_END || !(ev.flags & DIAL9_POLL_F_INFERRED)) &&
	    ev.kind != DIAL9_EV_UNPARK && ev.kind != DIAL9_EV_LOST)
		t->hits++;
	if (!ingest__keep(t, &ev))
		t->events++;
}

/* Report ring-buffer losses as LOST records, so the dump shows when. */
static void account_lost(struct tracked *t, uint64_t now_ns)
{
	uint64_t lost = recorder_proc__lost(t->rp);
	struct dial9_event ev = { 0 };

	if (lost <= t->lost_ringbuf)
		return;
	ev.ts_ns = now_ns;
	ev.kind = DIAL9_EV_LOST;
	ev.aux = DIAL9_LOST_RINGBUF;
	ev.arg = lost - t->lost_ringbuf;
	t->lost_ringbuf = lost;
	ingest__keep(t, &ev);
}

static void on_count(void *ctx, pid_t pid, uint64_t task_id, uint64_t count, uint64_t ns)
{
	struct daemon *d = ctx;
	struct tracked *t = tracked__find(d, pid);
	struct dial9_event ev = { .kind = DIAL9_EV_POLL_SUMMARY, .task_id = task_id };

	if (!t || (task_id && addr_cache__get(&t->pool_tasks, task_id)))
		return;
	ev.ts_ns = now_mono_ns();
	t->hits += count;
	while (count) { /* aux holds at most 65535 polls */
		uint64_t n = count > 65535 ? 65535 : count, part = ns / count * n;

		ev.aux = (uint16_t)n;
		ev.arg = count == n ? ns : part;
		ns -= ev.arg;
		count -= n;
		if (!ingest__keep(t, &ev))
			t->events++;
	}
}

void ingest__flush_counts(struct daemon *d)
{
	if (d->o.poll_threshold_ns)
		recorder__drain_poll_counts(d->rec, on_count, d);
}

void ingest__end_second(struct daemon *d, uint64_t now_ns)
{
	struct tracked *t;

	ingest__flush_counts(d); /* the counted polls belong to the second ending */
	for (t = d->procs; t; t = t->next)
		proc_stats__end_second(&t->stats, now_ns, dial9_window__dropped(t->win));
}

void ingest__drain(struct tracked *t, uint64_t now_ns)
{
	recorder_proc__drain(t->rp);
	account_lost(t, now_ns);
	dial9_window__expire(t->win, now_ns);
	if (now_ns - t->rate_ns >= 1000000000ULL) {
		if (t->rate_ns)
			t->events_per_sec = (double)(t->events - t->rate_events) * 1e9 /
					    (double)(now_ns - t->rate_ns);
		t->rate_ns = now_ns;
		t->rate_events = t->events;
	}
}
