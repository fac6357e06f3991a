// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * incident.c - when a recorded process's window is dumped by itself: a
 * panic (rate-limited), a fatal signal, an OOM kill, an exit.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "dumper.h"
#include "incident.h"
#include "ingest.h"
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

void incident__tick(struct daemon *d, struct tracked *t, uint64_t now_ns)
{
	struct pending_dump why = t->pending;

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
	memset(&t->pending, 0, sizeof(t->pending));
	if (why.reason)
		write_pending(d, t, &why);
	if (d->o.verbose)
		fprintf(stderr, "dial9d: process %d (%s) exited; released\n", t->pid, t->comm);
	tracked__detach(d, t);
}
