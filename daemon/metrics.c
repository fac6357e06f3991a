// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* metrics.c - the metrics file (see metrics.h): what is exposed, and when. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "exposition.h"
#include "figures.h"
#include "metrics.h"
#include "process.h"

/* A process's figures with who it is. */
struct shown {
	const struct tracked *t;
	struct proc_figures f;
};

static void begin_proc(struct expo_sample *s, FILE *f, const char *name, const struct tracked *t)
{
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", t->pid);
	expo__begin(s, f, name);
	expo__label(s, "pid", pid);
	expo__label(s, "comm", t->comm);
	expo__label(s, "exe", t->exe);
}

/* The counters of figures.c's table, a family per metric name. */
static void expose_counters(FILE *f, const struct shown *p, size_t n)
{
	struct expo_sample s;
	size_t c, first, end, i;

	for (first = 0; first < proc_ncounters; first = end) {
		const struct proc_counter *fam = &proc_counters[first];

		for (end = first; end < proc_ncounters && !strcmp(proc_counters[end].metric, fam->metric);
		     end++)
			;
		expo__family(f, fam->metric, "counter", fam->help);
		for (i = 0; i < n; i++) {
			for (c = first; c < end; c++) {
				uint64_t v = proc_counter__value(&proc_counters[c], &p[i].f);

				begin_proc(&s, f, fam->metric, p[i].t);
				if (proc_counters[c].label)
					expo__label_raw(&s, proc_counters[c].label);
				if (proc_counters[c].ns)
					expo__value_ns(&s, v);
				else
					expo__value_u64(&s, v);
			}
		}
	}
}

/* Since attach; a process never fully recorded has none (not an empty one). */
static void expose_latency(FILE *f, const struct shown *p, size_t n)
{
	static const char name[] = "dial9_wake_to_poll_latency_seconds";
	struct expo_sample s;
	char le[32];
	uint64_t le_ns;
	unsigned int b;
	size_t i;

	expo__family(f, name, "histogram",
		     "Time from a task's wake (or spawn) to the start of its poll, measured only under "
		     "full recording; a process never fully recorded has no series "
		     "(dial9_latency_observed 0).");
	for (i = 0; i < n; i++) {
		const struct proc_latency_hist *h = &p[i].f.totals.latency;

		if (!proc_figures__latency_observed(&p[i].f))
			continue;
		for (b = 0; b < FIGURES_LATENCY_SHOWN; b++) {
			figures__latency_bucket_shown(b, &le_ns);
			if (le_ns == UINT64_MAX)
				snprintf(le, sizeof(le), "+Inf");
			else
				expo__seconds(le, sizeof(le), le_ns);
			begin_proc(&s, f, "dial9_wake_to_poll_latency_seconds_bucket", p[i].t);
			expo__label(&s, "le", le);
			expo__value_u64(&s, figures__latency_cumulative(h, b));
		}
		begin_proc(&s, f, "dial9_wake_to_poll_latency_seconds_sum", p[i].t);
		expo__value_ns(&s, h->sum_ns);
		begin_proc(&s, f, "dial9_wake_to_poll_latency_seconds_count", p[i].t);
		expo__value_u64(&s, h->count);
	}
}

/* The gauges of each process, of its last complete second and now. */
static void expose_gauges(FILE *f, const struct shown *p, size_t n)
{
	struct expo_sample s;
	unsigned int m;
	size_t i;

	expo__family(f, "dial9_latency_observed", "gauge",
		     "1 when the last complete second was (partly) fully recorded, so that its "
		     "wake-to-poll latency and runnable queue depth were measured; 0 when not.");
	for (i = 0; i < n; i++) {
		begin_proc(&s, f, "dial9_latency_observed", p[i].t);
		expo__value_u64(&s, proc_second__observed(&p[i].f.last));
	}
	expo__family(f, "dial9_runnable_queue_depth", "gauge",
		     "The most tasks woken and not yet polled at once in the last complete second; "
		     "absent when it was not observed (dial9_latency_observed 0).");
	for (i = 0; i < n; i++) {
		if (!proc_second__observed(&p[i].f.last))
			continue;
		begin_proc(&s, f, "dial9_runnable_queue_depth", p[i].t);
		expo__value_u64(&s, p[i].f.last.queue_depth_max);
	}
	expo__family(f, "dial9_recording_mode", "gauge",
		     "The recording mode in force: 1 for it, 0 for the others (full: every event; "
		     "sampled: short polls counted; off: poll and wake probes removed by the "
		     "overhead governor).");
	for (i = 0; i < n; i++) {
		for (m = 0; m < PROC_MODES; m++) {
			begin_proc(&s, f, "dial9_recording_mode", p[i].t);
			expo__label(&s, "mode", dial9_mode_name(m));
			expo__value_u64(&s, p[i].f.mode == m);
		}
	}
	expo__family(f, "dial9_estimated_overhead_ratio", "gauge",
		     "The overhead governor's estimate of the recording's cost as a fraction of one "
		     "CPU, averaged over its duty cycle: probe hits/s times hit-cost-ns, an estimate, "
		     "not a measurement.");
	for (i = 0; i < n; i++) {
		begin_proc(&s, f, "dial9_estimated_overhead_ratio", p[i].t);
		expo__value_double(&s, p[i].f.overhead);
	}
	expo__family(f, "dial9_probe_duty_ratio", "gauge",
		     "Fraction of the time the poll and wake probes are on (the overhead governor).");
	for (i = 0; i < n; i++) {
		begin_proc(&s, f, "dial9_probe_duty_ratio", p[i].t);
		expo__value_double(&s, p[i].f.duty);
	}
}

/* A family of one unlabelled gauge; ns: v is in ns, shown in seconds. */
static void daemon_gauge(FILE *f, const char *name, const char *help, uint64_t v, bool ns)
{
	struct expo_sample s;

	expo__family(f, name, "gauge", help);
	expo__begin(&s, f, name);
	if (ns)
		expo__value_ns(&s, v);
	else
		expo__value_u64(&s, v);
}

static void expose_daemon(FILE *f, const struct daemon_figures *df)
{
	struct expo_sample s;
	unsigned int r;

	expo__family(f, "dial9_dumps_written_total", "counter",
		     "Dump files written since the daemon started, by reason.");
	for (r = 1; r < DIAL9_REASON__COUNT; r++) {
		expo__begin(&s, f, "dial9_dumps_written_total");
		expo__label(&s, "reason", dial9_reason_name(r));
		expo__value_u64(&s, df->dumps[r]);
	}
	daemon_gauge(f, "dial9_processes_recorded", "Processes being recorded.", df->processes,
		     false);
	daemon_gauge(f, "dial9_daemon_resident_memory_bytes", "The daemon's resident memory.",
		     df->rss_bytes, false);
	daemon_gauge(f, "dial9_window_memory_bytes",
		     "Memory the recorded processes' rolling windows hold.", df->window_bytes, false);
	daemon_gauge(f, "dial9_daemon_start_time_seconds",
		     "When the daemon started, in seconds since the Unix epoch.", df->start_real_ns,
		     true);
}

int metrics__expose(FILE *f, const struct daemon *d, uint64_t now_ns)
{
	struct daemon_figures df;
	const struct tracked *t;
	struct shown *p;
	size_t n = 0;

	/* bounded by max-procs */
	p = calloc(d->nprocs ? d->nprocs : 1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (t = d->procs; t && n < d->nprocs; t = t->next, n++) {
		p[n].t = t;
		proc_figures__take(t, &p[n].f);
	}
	daemon_figures__take(d, now_ns, &df);
	expose_counters(f, p, n);
	expose_latency(f, p, n);
	expose_gauges(f, p, n);
	expose_daemon(f, &df);
	free(p);
	return 0;
}

int metrics__write(struct daemon *d, uint64_t now_ns)
{
	struct atomic_file af = ATOMIC_FILE_INIT;
	FILE *f;
	int err;

	err = atomic_file__open(&af, d->o.metrics_file, 0644);
	if (err)
		return err;
	f = atomic_file__stream(&af);
	err = f ? metrics__expose(f, d, now_ns) : -errno;
	if (err) {
		atomic_file__abort(&af);
		return err;
	}
	return atomic_file__commit(&af);
}

void metrics__second(struct daemon *d, uint64_t now_ns)
{
	int err;

	if (!d->o.metrics_file || ++d->metrics_seconds < d->o.metrics_interval_s)
		return;
	d->metrics_seconds = 0;
	err = metrics__write(d, now_ns);
	if (err && err != d->metrics_err)
		fprintf(stderr, "dial9d: cannot write the metrics file %s: %s\n", d->o.metrics_file,
			strerror(-err));
	else if (!err && d->metrics_err)
		fprintf(stderr, "dial9d: metrics file %s written again\n", d->o.metrics_file);
	d->metrics_err = err;
}
