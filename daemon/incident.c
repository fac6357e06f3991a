// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * incident.c - when a recorded process's window is dumped by itself: a
 * panic (rate-limited), a fatal signal, an OOM kill, an exit, a dump
 * trigger (trigger.h) once its --post-trigger seconds have passed.
 */
#include <linux/types.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "dial9_ctl.h"
#include "dumper.h"
#include "incident.h"
#include "ingest.h"
#include "proc_stats.h"
#include "tracked.h"

static void write_pending(struct daemon *d, struct tracked *t, const struct pending_dump *why)
{
	char path[PATH_MAX], msg[512];
	uint64_t events = 0;
	int err;

	err = dumper__write(d, t, why, -1, path, sizeof(path), &events, msg, sizeof(msg));
	if (err) /* a dump written is told by journal.c */
		fprintf(stderr, "dial9d: dump of %d (%s) failed: %s\n", t->pid,
			dial9_reason_name(why->reason), msg);
}

/* Keep at most panic_dumps_per_min panic dumps per minute per process. */
static bool panic_dump_allowed(struct daemon *d, struct tracked *t, uint64_t now_ns)
{
	uint32_t i, recent = 0, oldest = 0, max = d->o.panic_dumps_per_min;
	const uint32_t slots = sizeof(t->panic_dump_ns) / sizeof(t->panic_dump_ns[0]);

	if (max > slots)
		max = slots;
	for (i = 0; i < slots; i++) {
		if (t->panic_dump_ns[i] && now_ns - t->panic_dump_ns[i] < 60000000000ULL)
			recent++;
		if (t->panic_dump_ns[i] < t->panic_dump_ns[oldest])
			oldest = i;
	}
	if (recent >= max)
		return false;
	t->panic_dump_ns[oldest] = now_ns;
	return true;
}

/* A triggered dump whose aftermath is in. */
static void write_triggered(struct daemon *d, struct tracked *t, uint64_t now_ns)
{
	const struct trigger_fire *f = trigger__due(&t->trig, now_ns);
	struct pending_dump why = { .reason = DIAL9_REASON_TRIGGERED };

	if (!f)
		return;
	why.trigger = *f;
	why.tid = f->tid;
	why.task = f->task;
	trigger__taken(&t->trig);
	write_pending(d, t, &why);
}

void incident__tick(struct daemon *d, struct tracked *t, uint64_t now_ns)
{
	struct pending_dump why = t->pending;

	write_triggered(d, t, now_ns);
	if (!why.reason)
		return;
	memset(&t->pending, 0, sizeof(t->pending));
	if (why.reason == DIAL9_REASON_PANIC && !panic_dump_allowed(d, t, now_ns)) {
		fprintf(stderr, "dial9d: panic in %d (%s): dump skipped (rate limit)\n", t->pid,
			t->comm);
		return;
	}
	write_pending(d, t, &why);
}

void incident__on_exit(struct daemon *d, struct tracked *t)
{
	struct pending_dump why = { 0 };
	uint64_t now = now_mono_ns();

	/* What the process did last is still in its ring: take it all. */
	ingest__drain(t, now);
	if (t->oom_killed && (!t->exited || (t->exit_signaled && t->exit_code == SIGKILL))) {
		why.reason = DIAL9_REASON_OOM;
		why.signal = SIGKILL;
		why.tid = t->oom_tid;
	} else if (t->exited && t->exit_signaled && dial9_fatal_signal(t->exit_code)) {
		why.reason = DIAL9_REASON_SIGNAL;
		why.signal = t->exit_code;
		why.tid = t->last_fatal_signal == t->exit_code ? t->last_fatal_tid : 0;
	} else if (!t->exited && t->last_fatal_signal) {
		/* Exit record lost: the last fatal signal is the best evidence. */
		why.reason = DIAL9_REASON_SIGNAL;
		why.signal = t->last_fatal_signal;
		why.tid = t->last_fatal_tid;
	} else if (t->pending.reason) {
		why = t->pending; /* a panic that ended the process */
	} else if (d->o.dump_on_exit) {
		why.reason = DIAL9_REASON_EXIT;
	}
	if (t->pending.reason == DIAL9_REASON_PANIC && why.reason == DIAL9_REASON_SIGNAL) {
		/* panic=abort: the panic explains the SIGABRT */
		why.task = t->pending.task;
	}
	if (trigger__waiting(&t->trig)) {
		/* a trigger fired and the process ended before its aftermath was
		 * in: the dump of its end carries it, or is the triggered dump */
		if (!why.reason) {
			why.reason = DIAL9_REASON_TRIGGERED;
			why.tid = t->trig.pending.tid;
			why.task = t->trig.pending.task;
		}
		why.trigger = t->trig.pending;
		trigger__taken(&t->trig);
	}
	memset(&t->pending, 0, sizeof(t->pending));
	if (why.reason)
		write_pending(d, t, &why);
	if (d->o.verbose)
		fprintf(stderr, "dial9d: process %d (%s) exited; released\n", t->pid, t->comm);
	tracked__detach(d, t);
}

void incident__second(struct daemon *d, struct tracked *t, uint64_t now_ns)
{
	const struct proc_second *ps = proc_stats__last_second(&t->stats);
	struct trigger_second sec = { .end_ns = now_ns };
	bool observed = proc_second__observed(ps);

	if (!t->trig.applies)
		return;
	/* latency and queue depth only for a second (partly) recorded in
	 * full; the queue only when no waiting task was forgotten */
	sec.latency_observed = observed && ps->latency_samples > 0;
	sec.latency_p99_ns = ps->latency_p99_ns;
	sec.queue_observed = observed && ps->exact;
	sec.queue_max = ps->queue_depth_max;
	sec.lost = ps->lost_ringbuf + ps->lost_window;
	sec.cost_ppm = (uint64_t)(t->gov.cost * t->gov.duty * 1e6 + 0.5);
	trigger__on_second(&t->trig, &d->o.triggers, d->o.post_trigger_ns, &sec);
}

/* Why rule cannot see everything it asks for in the settings s; "" if it can. */
static void blind_spot(const struct dial9d_settings *s, const struct dial9_trigger_rule *r,
		       char *buf, size_t len)
{
	bool probes_duty_cycled = s->overhead_budget > 0;

	buf[0] = '\0';
	switch (r->metric) {
	case DIAL9_TRIGGER_POLL:
		if (r->threshold >= DIAL9_STALL_NS)
			return; /* the stall detector sees it in every mode */
		if (s->poll_threshold_ns && r->threshold + 1 < s->poll_threshold_ns)
			snprintf(buf, len,
				 "polls of %llu us or less are counted, not recorded "
				 "(--poll-threshold-us %llu), and a stall is %llu ms or more: "
				 "only those longer polls and stalls can fire it",
				 (unsigned long long)(s->poll_threshold_ns / 1000),
				 (unsigned long long)(s->poll_threshold_ns / 1000),
				 (unsigned long long)(DIAL9_STALL_NS / 1000000));
		else if (probes_duty_cycled)
			snprintf(buf, len,
				 "a poll shorter than the stall detector's %llu ms is seen only "
				 "while the poll probes are on (--overhead-budget takes them away "
				 "part of the time)",
				 (unsigned long long)(DIAL9_STALL_NS / 1000000));
		return;
	case DIAL9_TRIGGER_LATENCY_P99:
	case DIAL9_TRIGGER_QUEUE:
		/* they need every poll and wake recorded (proc_stats.h) */
		if (s->poll_threshold_ns)
			snprintf(buf, len, "%s is measured only when every poll is recorded "
				 "(--poll-threshold-us 0): with --poll-threshold-us %llu the rule "
				 "never fires",
				 r->metric == DIAL9_TRIGGER_QUEUE ? "the runnable queue"
				 : "wake-to-poll latency",
				 (unsigned long long)(s->poll_threshold_ns / 1000));
		else if (probes_duty_cycled)
			snprintf(buf, len, "%s is measured only while the poll and wake probes are "
				 "on (--overhead-budget takes them away part of the time; a second "
				 "without them ends a 'for' streak)",
				 r->metric == DIAL9_TRIGGER_QUEUE ? "the runnable queue"
				 : "wake-to-poll latency");
		return;
	default:
		return;
	}
}

void incident__report_triggers(const struct daemon *d)
{
	const struct dial9_trigger_rules *r = &d->o.triggers;
	char text[2 * DIAL9_TRIGGER_TEXT_MAX], why[512];
	uint32_t i;

	for (i = 0; i < r->count; i++) {
		dial9_trigger_rule__format(&r->rule[i], text, sizeof(text));
		blind_spot(&d->o, &r->rule[i], why, sizeof(why));
		if (why[0])
			fprintf(stderr, "dial9d: trigger %s: %s\n", text, why);
		else if (d->o.verbose)
			fprintf(stderr, "dial9d: trigger %s\n", text);
	}
}
