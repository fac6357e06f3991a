// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * gen_dump.c - write a dump with known, realistic content for the report's
 * browser test and the screenshot in docs/: a key-value server on 4 worker
 * threads over 2 s.  An accept loop spawns connection tasks, I/O and a cache
 * task wake them; at 1.2 s one task blocks worker tid 1003 for 250 ms (the
 * longest poll) while 25 tasks queue up behind it; 1.6-1.8 s is recorded in
 * sampled mode, 1234 events are lost just before 1.9 s and a task panics at
 * 1.95 s.
 *
 *   gen_dump OUT.d9    prints "tasks=N longest_task=ID lanes=4 polls=P"
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "probe_classes.h"

#define US 1000ULL
#define MS 1000000ULL
#define T0 (5000 * MS)
#define END (2000 * MS)
#define NW 4
#define BLOCK_AT (1200 * MS)
#define BLOCK_NS (250 * MS)
#define BLOCK_WORKER 2 /* tid 1003 */
#define SAMPLED_FROM (1600 * MS)
#define SAMPLED_TO (1800 * MS)
#define LOST_FROM (1880 * MS)
#define LOST_AT (1900 * MS)
#define PANIC_AT (1950 * MS)

struct gen {
	struct dial9_dump *d;
	uint64_t cap, seq;
	uint64_t *order; /* insertion order, for a stable sort */
	uint64_t rng;
};

static uint64_t rnd(struct gen *g, uint64_t n)
{
	g->rng = g->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (g->rng >> 33) % (n ? n : 1);
}

static void ev(struct gen *g, uint64_t ts, uint8_t kind, uint64_t task, uint64_t arg,
	       uint32_t tid, uint16_t aux, uint8_t flags)
{
	struct dial9_event *e;

	if (ts >= LOST_FROM && ts < LOST_AT && kind != DIAL9_EV_LOST)
		return; /* these were lost */
	if (g->d->nevents == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 65536;
		g->d->events = realloc(g->d->events, g->cap * sizeof(*g->d->events));
		g->order = realloc(g->order, g->cap * sizeof(*g->order));
		if (!g->d->events || !g->order) {
			fprintf(stderr, "Error: out of memory\n");
			exit(1);
		}
	}
	g->order[g->d->nevents] = g->seq++;
	e = &g->d->events[g->d->nevents++];
	memset(e, 0, sizeof(*e));
	e->ts_ns = T0 + ts;
	e->kind = kind;
	e->task_id = task;
	e->arg = arg;
	e->tid = tid;
	e->aux = aux;
	e->flags = flags;
}

static bool sampled(uint64_t t)
{
	return t >= SAMPLED_FROM && t < SAMPLED_TO;
}

/* One poll; in sampled mode short polls become a POLL_SUMMARY and long ones
 * a POLL_END without its start. */
static void poll(struct gen *g, uint64_t t, uint64_t dur, uint64_t task, uint32_t loc,
		 uint32_t tid, bool done)
{
	if (sampled(t) && dur < 200 * US) {
		ev(g, t + dur, DIAL9_EV_POLL_SUMMARY, task, dur, tid, 1, 0);
		return;
	}
	if (!sampled(t))
		ev(g, t, DIAL9_EV_POLL_START, task, loc, tid, 0, 0);
	ev(g, t + dur, DIAL9_EV_POLL_END, task, dur, tid, 0, done ? DIAL9_POLL_F_COMPLETE : 0);
}

struct item {
	struct dial9_event e;
	uint64_t o;
};

static int cmp_item(const void *pa, const void *pb)
{
	const struct item *a = pa, *b = pb;

	if (a->e.ts_ns != b->e.ts_ns)
		return a->e.ts_ns < b->e.ts_ns ? -1 : 1;
	return a->o < b->o ? -1 : a->o > b->o;
}

struct conn {
	uint64_t id, left;
};

int main(int argc, char **argv)
{
	struct gen g = { .rng = 42 };
	struct dial9_dump *d;
	uint32_t l_accept, l_conn, l_cache, l_report, l_handler, l_panic, l_metrics, l_fut;
	uint64_t wt[NW], next_id = 1, accept_id, cache_id, metrics_id, culprit_id = 0, panic_id = 0;
	struct conn live[64];
	uint64_t victims[25], i, n_live = 0, tasks = 0, polls = 0;
	bool blocked = false, panicked = false;
	int err;

	if (argc != 2) {
		fprintf(stderr, "Usage: gen_dump OUT.d9\n");
		return 2;
	}
	d = g.d = dial9_dump__new();
	if (!d)
		return 1;
	d->meta.pid = 4242;
	d->meta.probes = DIAL9_CLASSES_ALL; /* a recording that saw every probe class */
	snprintf(d->meta.comm, sizeof(d->meta.comm), "kvserver");
	d->meta.exe = strdup("/srv/kvserver/bin/kvserver");
	d->meta.hostname = strdup("web-3");
	d->meta.reason = DIAL9_REASON_PANIC;
	d->meta.reason_tid = 1001;
	d->meta.start_ns = T0;
	d->meta.end_ns = T0 + END;
	d->meta.dump_realtime_ns = 1764160000ULL * 1000000000ULL;
	d->meta.lost_ringbuf = 1234;
	/* the workers named as Tokio names them (format version 4) */
	d->threads = calloc(NW, sizeof(*d->threads));
	if (!d->threads)
		return 1;
	for (i = 0; i < NW; i++)
		d->threads[i] = (struct dial9_dump_thread){ 1001 + i, DIAL9_THREAD_WORKER,
							    "tokio-runtime-w" };
	d->nthreads = NW;
	d->threads_known = true;
	l_accept = dial9_strtab__add(&d->strings, "src/main.rs:31:5");
	l_conn = dial9_strtab__add(&d->strings, "src/server.rs:58:13");
	l_cache = dial9_strtab__add(&d->strings, "src/cache.rs:77:9");
	l_report = dial9_strtab__add(&d->strings, "src/report.rs:120:9");
	l_handler = dial9_strtab__add(&d->strings, "src/handler.rs:40:17");
	l_panic = dial9_strtab__add(&d->strings, "src/handler.rs:91:30");
	l_metrics = dial9_strtab__add(&d->strings, "src/metrics.rs:12:5");
	l_fut = dial9_strtab__add(&d->strings, "kvserver::server::handle_conn::{{closure}}");
	if (!l_accept || !l_conn || !l_cache || !l_report || !l_handler || !l_panic ||
	    !l_metrics || !l_fut)
		return 1;

	/* Long-lived tasks, spawned just before the window: their SPAWN is
	 * not in the dump. */
	accept_id = next_id++;
	cache_id = next_id++;
	metrics_id = next_id++;
	tasks += 3;
	for (i = 0; i < NW; i++)
		wt[i] = 10 * US + i * 7 * US;

	for (;;) {
		uint32_t w = 0, tid;
		uint64_t t, dur, task;
		uint32_t loc;

		for (i = 1; i < NW; i++)
			if (wt[i] < wt[w])
				w = (uint32_t)i;
		t = wt[w];
		tid = 1001 + w;
		if (t >= END - 200 * US)
			break;
		if (t + 4 * MS >= LOST_FROM && t < LOST_AT) {
			wt[w] = LOST_AT + 5 * US + w * 3 * US; /* nothing recorded here */
			continue;
		}
		/* the culprit: a report task doing blocking work on a worker */
		if (!blocked && w == BLOCK_WORKER && t >= BLOCK_AT) {
			blocked = true;
			culprit_id = next_id++;
			tasks++;
			ev(&g, t - 300 * US, DIAL9_EV_SPAWN, culprit_id, l_report, tid, 0, 0);
			ev(&g, t - 20 * US, DIAL9_EV_WAKE, culprit_id, 0, tid, DIAL9_WAKER_RUNTIME, 0);
			poll(&g, t, BLOCK_NS, culprit_id, l_report, tid, true);
			polls++;
			/* tasks queued on this worker, woken during the block */
			for (i = 0; i < 25; i++) {
				victims[i] = next_id++;
				tasks++;
				ev(&g, t - 400 * US, DIAL9_EV_SPAWN, victims[i], l_handler, tid, 0, 0);
				ev(&g, t + (i + 1) * 9 * MS, DIAL9_EV_WAKE, victims[i], 0, tid,
				   DIAL9_WAKER_IO_DRIVER, 0);
			}
			t += BLOCK_NS + 3 * US;
			for (i = 0; i < 25; i++) {
				dur = 40 * US + rnd(&g, 80 * US);
				poll(&g, t, dur, victims[i], l_handler, tid, true);
				polls++;
				t += dur + 2 * US;
			}
			wt[w] = t;
			continue;
		}
		/* pick what runs next */
		if (rnd(&g, 100) < 2) {
			task = accept_id;
			loc = l_accept;
		} else if (rnd(&g, 100) < 5) {
			task = cache_id;
			loc = l_cache;
		} else if (rnd(&g, 1000) < 3) {
			task = metrics_id;
			loc = l_metrics;
		} else if (n_live) {
			task = live[rnd(&g, n_live)].id;
			loc = l_fut;
		} else {
			/* nothing runnable: park */
			ev(&g, t, DIAL9_EV_PARK, 0, 0, tid, 0, 0);
			dur = 50 * US + rnd(&g, 300 * US);
			ev(&g, t + dur, DIAL9_EV_UNPARK, 0, 0, tid, 0, 0);
			wt[w] = t + dur + 1 * US;
			continue;
		}
		/* who made it runnable */
		if (task == cache_id || task == metrics_id)
			ev(&g, t - 15 * US - rnd(&g, 40 * US), DIAL9_EV_WAKE, task, 0, tid,
			   DIAL9_WAKER_TIMER, 0);
		else if (task == accept_id || rnd(&g, 3))
			ev(&g, t - 5 * US - rnd(&g, 60 * US), DIAL9_EV_WAKE, task, 0, tid,
			   DIAL9_WAKER_IO_DRIVER, 0);
		dur = 15 * US + rnd(&g, 120 * US);
		if (task == cache_id)
			dur = 300 * US + rnd(&g, 900 * US); /* occasionally long */
		if (task == metrics_id)
			dur = 1500 * US + rnd(&g, 1500 * US);
		if (task == accept_id && n_live < 60 && !(t >= LOST_FROM && t < LOST_AT)) {
			/* accept a connection: spawn its task */
			live[n_live].id = next_id++;
			live[n_live].left = 40 + rnd(&g, 200);
			ev(&g, t + dur / 2, DIAL9_EV_SPAWN, live[n_live].id, l_conn, tid, 0, 0);
			n_live++;
			tasks++;
		}
		if (task == cache_id) {
			/* the cache task wakes connections waiting for it */
			for (i = 0; i < 3 && n_live; i++)
				ev(&g, t + dur / 2 + i * US, DIAL9_EV_WAKE, live[rnd(&g, n_live)].id,
				   cache_id, tid, DIAL9_WAKER_TASK, 0);
		}
		if (loc == l_fut) {
			for (i = 0; i < n_live && live[i].id != task; i++)
				;
			if (!panicked && t >= PANIC_AT) {
				panicked = true;
				panic_id = task;
				d->meta.reason_task = task;
				d->meta.reason_tid = tid;
				ev(&g, t + dur / 2, DIAL9_EV_PANIC, task, l_panic, tid, 0, 0);
				poll(&g, t, dur, task, loc, tid, true);
				ev(&g, t + dur + 1 * US, DIAL9_EV_TERMINATE, task, 0, tid, 0, 0);
				live[i] = live[--n_live];
			} else if (--live[i].left == 0) {
				poll(&g, t, dur, task, loc, tid, true);
				ev(&g, t + dur + 1 * US, DIAL9_EV_TERMINATE, task, 0, tid, 0, 0);
				live[i] = live[--n_live];
			} else {
				poll(&g, t, dur, task, loc, tid, false);
			}
		} else {
			poll(&g, t, dur, task, loc, tid, false);
		}
		polls++;
		wt[w] = t + dur + 2 * US + rnd(&g, 20 * US);
	}
	ev(&g, SAMPLED_FROM, DIAL9_EV_MODE, 0, 0, 1001, DIAL9_MODE_SAMPLED, 0);
	ev(&g, SAMPLED_TO, DIAL9_EV_MODE, 0, 0, 1001, DIAL9_MODE_FULL, 0);
	ev(&g, LOST_AT, DIAL9_EV_LOST, 0, 1234, 0, DIAL9_LOST_RINGBUF, 0);

	/* sort by time, keeping insertion order for equal times */
	{
		struct item *v;

		v = malloc(d->nevents * sizeof(*v));
		if (!v)
			return 1;
		for (i = 0; i < d->nevents; i++) {
			v[i].e = d->events[i];
			v[i].o = g.order[i];
		}
		qsort(v, d->nevents, sizeof(*v), cmp_item);
		for (i = 0; i < d->nevents; i++)
			d->events[i] = v[i].e;
		free(v);
	}
	err = dial9_dump__write(d, argv[1], 0644);
	if (err) {
		fprintf(stderr, "Error: %s: %s\n", argv[1], strerror(-err));
		return 1;
	}
	printf("tasks=%" PRIu64 " longest_task=%" PRIu64 " lanes=%d polls=%" PRIu64
	       " events=%" PRIu64 " panic_task=%" PRIu64 "\n",
	       tasks, culprit_id, NW, polls, d->nevents, panic_id);
	free(g.order);
	dial9_dump__free(d);
	return 0;
}
