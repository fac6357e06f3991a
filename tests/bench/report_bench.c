// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * report_bench.c - how long `dial9 report` and `dial9 export --format
 * perfetto` take on a big synthetic dump, and how big their output is.
 * Prints numbers, never fails on one.
 *
 *   report_bench DIAL9_BINARY WORKDIR [EVENTS]     (default 5000000 events)
 *
 * The dump: 8 worker threads over 30 s, 2000 tasks, each poll preceded by a
 * wake (I/O driver or another task), a long poll now and then.
 */
#include <errno.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "dump.h"
#include "probe_classes.h"

#define MS 1000000ULL
#define T0 (1000 * MS)
#define SPAN (30000 * MS)
#define NW 8
#define NTASKS 2000

extern char **environ;

static uint64_t rng = 7;

static uint64_t rnd(uint64_t n)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (rng >> 33) % n;
}

static int cmp_ts(const void *pa, const void *pb)
{
	const struct dial9_event *a = pa, *b = pb;

	if (a->ts_ns != b->ts_ns)
		return a->ts_ns < b->ts_ns ? -1 : 1;
	return a->kind < b->kind ? -1 : a->kind > b->kind; /* wake before poll */
}

static void put(struct dial9_event *e, uint64_t ts, uint8_t kind, uint64_t task, uint64_t arg,
		uint32_t tid, uint16_t aux)
{
	memset(e, 0, sizeof(*e));
	e->ts_ns = T0 + ts;
	e->kind = kind;
	e->task_id = task;
	e->arg = arg;
	e->tid = tid;
	e->aux = aux;
}

static struct dial9_dump *make_dump(uint64_t nevents)
{
	struct dial9_dump *d = dial9_dump__new();
	uint64_t per_poll_ns = SPAN * NW / (nevents / 3 + 1), n = 0, t[NW] = { 0 }, i;
	uint32_t locs[16];
	char name[64];

	if (!d)
		return NULL;
	d->meta.pid = 777;
	d->meta.probes = DIAL9_CLASSES_ALL;
	snprintf(d->meta.comm, sizeof(d->meta.comm), "bench");
	d->meta.reason = DIAL9_REASON_REQUEST;
	d->meta.start_ns = T0;
	d->meta.end_ns = T0 + SPAN;
	for (i = 0; i < 16; i++) {
		snprintf(name, sizeof(name), "src/service_%" PRIu64 ".rs:%" PRIu64 ":9", i, 10 + i);
		locs[i] = dial9_strtab__add(&d->strings, name);
	}
	d->events = malloc((nevents + NTASKS + 8) * sizeof(*d->events));
	if (!d->events) {
		dial9_dump__free(d);
		return NULL;
	}
	for (i = 1; i <= NTASKS; i++)
		put(&d->events[n++], 0, DIAL9_EV_SPAWN, i, locs[i % 16], 100, 0);
	while (n + 3 <= nevents) {
		uint32_t w = (uint32_t)rnd(NW);
		uint64_t task = 1 + rnd(NTASKS), dur = 5000 + rnd(per_poll_ns / 2), waker = rnd(3);

		if (!rnd(20000))
			dur = (5 + rnd(200)) * MS; /* a blocking poll */
		if (t[w] + 50000 + dur >= SPAN)
			break;
		put(&d->events[n++], t[w] + 1000, DIAL9_EV_WAKE, task, waker ? 1 + rnd(NTASKS) : 0,
		    1001 + w, waker ? DIAL9_WAKER_TASK : DIAL9_WAKER_IO_DRIVER);
		put(&d->events[n++], t[w] + 20000, DIAL9_EV_POLL_START, task, locs[task % 16],
		    1001 + w, 0);
		put(&d->events[n++], t[w] + 20000 + dur, DIAL9_EV_POLL_END, task, dur, 1001 + w, 0);
		t[w] += 20000 + dur + rnd(per_poll_ns / 2);
	}
	d->nevents = n;
	qsort(d->events, n, sizeof(*d->events), cmp_ts);
	return d;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Run argv, return wall seconds or -1. */
static double timed(char *const argv[])
{
	pid_t pid;
	int status;
	double t;

	fflush(stdout);
	t = now();
	if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ))
		return -1;
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	return now() - t;
}

static uint64_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : (uint64_t)st.st_size;
}

int main(int argc, char **argv)
{
	uint64_t nevents = argc > 3 ? strtoull(argv[3], NULL, 10) : 5000000;
	char dump[4096], html[4096], trace[4096];
	struct dial9_dump *d;
	double t;
	int err;

	if (argc < 3) {
		fprintf(stderr, "Usage: report_bench DIAL9_BINARY WORKDIR [EVENTS]\n");
		return 2;
	}
	snprintf(dump, sizeof(dump), "%s/report-bench.d9", argv[2]);
	snprintf(html, sizeof(html), "%s/report-bench.html", argv[2]);
	snprintf(trace, sizeof(trace), "%s/report-bench.json", argv[2]);
	d = make_dump(nevents);
	if (!d) {
		fprintf(stderr, "Error: out of memory\n");
		return 1;
	}
	err = dial9_dump__write(d, dump, 0644);
	if (err) {
		fprintf(stderr, "Error: %s: %s\n", dump, strerror(-err));
		dial9_dump__free(d);
		return 1;
	}
	printf("report bench: dump of %" PRIu64 " events, %.1f MB\n", d->nevents,
	       file_size(dump) / 1e6);
	dial9_dump__free(d);

	t = timed((char *const[]){ argv[1], "report", dump, "-o", html, NULL });
	if (t < 0)
		printf("report bench: dial9 report FAILED\n");
	else
		printf("report bench: dial9 report  %.2f s, %.1f MB html\n", t, file_size(html) / 1e6);
	t = timed((char *const[]){ argv[1], "export", "--format", "perfetto", dump, "-o", trace,
				   NULL });
	if (t < 0)
		printf("report bench: dial9 export FAILED\n");
	else
		printf("report bench: dial9 export --format perfetto  %.2f s, %.1f MB json\n", t,
		       file_size(trace) / 1e6);
	return 0;
}
