// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* governor.c - keep a process's recording cost within its budget. */
#include <stdio.h>

#include "governor.h"
#include "ingest.h"
#include "recorder.h"

enum dial9_record_mode governor__mode(const struct tracked *t)
{
	if (t->gov.off_until_ns)
		return DIAL9_MODE_OFF;
	return t->d->o.poll_threshold_ns ? DIAL9_MODE_SAMPLED : DIAL9_MODE_FULL;
}

void governor__push_mode(struct tracked *t, uint64_t now_ns)
{
	struct dial9_event ev = { .ts_ns = now_ns, .kind = DIAL9_EV_MODE };

	ev.aux = (uint16_t)governor__mode(t);
	ingest__keep(t, &ev);
}

/*
 * The overhead governor.  While the high-frequency probes are on, the cost
 * is estimated as hits/s x cost per hit; over the budget, they are taken
 * off for as long as makes the average meet it (at most GOVERNOR_MAX_OFF_S,
 * so that no stretch goes long unrecorded), then put back to measure again
 * for GOVERNOR_MEASURE_S.  Spawn, completion, panic, crash capture and the
 * stall detector stay.
 */
#define GOVERNOR_MEASURE_S 0.25
#define GOVERNOR_MAX_OFF_S 10.0
/* The CPU sampler learns where Tokio keeps the task being polled from the
 * poll and wake probes (tls_context.h): they stay on until it has, for at
 * most this long after attach. */
#define GOVERNOR_LEARN_S 1.0

static bool learning_tls(const struct tracked *t, uint64_t now_ns)
{
	return t->tls.result == TLS_LEARNING_PENDING && t->probe_set_has_tls &&
	       (double)(now_ns - t->attached_ns) / 1e9 < GOVERNOR_LEARN_S;
}

static void govern(struct daemon *d, struct tracked *t, uint64_t now_ns)
{
	struct governor *g = &t->gov;
	double secs = (double)(now_ns - g->since_ns) / 1e9, budget = d->o.overhead_budget;

	if (g->off_until_ns) {
		if (now_ns < g->off_until_ns)
			return;
		if (recorder_proc__set_hf(t->rp, true) == 0) {
			g->off_until_ns = 0;
			g->since_ns = now_ns;
			g->hits_at = t->hits;
			governor__push_mode(t, now_ns);
		}
		return;
	}
	if (secs < GOVERNOR_MEASURE_S)
		return;
	g->hits_per_sec = (double)(t->hits - g->hits_at) / secs;
	g->cost = g->hits_per_sec * (double)d->o.hit_cost_ns / 1e9;
	if (budget <= 0 || g->cost <= budget || learning_tls(t, now_ns)) {
		g->duty = 1.0;
		g->since_ns = now_ns;
		g->hits_at = t->hits;
		return;
	}
	/* on for `secs`, off for secs * (cost / budget - 1): on average, budget */
	{
		double off = secs * (g->cost / budget - 1.0);

		if (off > GOVERNOR_MAX_OFF_S)
			off = GOVERNOR_MAX_OFF_S;
		g->duty = secs / (secs + off);
		if (recorder_proc__set_hf(t->rp, false) == 0) {
			g->off_until_ns = now_ns + (uint64_t)(off * 1e9);
			governor__push_mode(t, now_ns);
			if (d->o.verbose)
				fprintf(stderr,
					"dial9d: %d: estimated %.1f%% of a CPU (%.0f hits/s), "
					"poll/wake probes off for %.1fs\n",
					t->pid, g->cost * 100, g->hits_per_sec, off);
		}
	}
}

void governor__run(struct daemon *d, uint64_t now_ns)
{
	struct tracked *t;

	for (t = d->procs; t; t = t->next)
		govern(d, t, now_ns);
}
