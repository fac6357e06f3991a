// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * window_bench.c - the daemon's window on recorded data (`make bench`):
 *
 *   window_bench DUMP RATE SECONDS MAX_BYTES RUNS DIR
 *
 * The records of DUMP (a real recording) are replayed into a window of
 * SECONDS (dial9d's default span, 30 s) and MAX_BYTES, copies end to end,
 * their timestamps scaled so that they arrive at RATE events/s, for SECONDS
 * + 5 s.  Each run prints: what the window kept (span, records, bytes per
 * record, dropped), the CPU per record of pushing them (ingest into the
 * window, sorting, sealing, compressing), and the time to dump the full
 * window into DIR as dial9d does (snapshot of the blocks, the file's size,
 * the file written from the blocks, fsynced, renamed, directory fsynced).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dump.h"
#include "window.h"

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The full window dumped as dial9d dumps it. */
static int dump_window(const struct dial9_window *w, const struct dial9_strtab *strings,
		       const char *path, uint64_t *size)
{
	struct dial9_window_snapshot s;
	struct dial9_dump d;
	int err;

	err = dial9_window__snapshot_blocks(w, &s);
	if (err)
		return err;
	memset(&d, 0, sizeof(d));
	d.meta.pid = 1;
	d.meta.reason = DIAL9_REASON_REQUEST;
	d.strings = *strings;
	d.blocks = s.blocks;
	d.nblocks = (uint32_t)s.nblocks;
	d.nevents = s.nevents;
	err = dial9_dump__size(&d, size);
	if (!err)
		err = dial9_dump__write(&d, path, 0600);
	dial9_window_snapshot__free(&s);
	return err;
}

static int run(const struct dial9_dump *src, double rate, uint64_t span_s, uint64_t max_bytes,
	       const char *path)
{
	uint64_t n = src->nevents, t0 = src->events[0].ts_ns;
	uint64_t len_ns = src->events[n - 1].ts_ns - t0 + 1;
	/* scale: the source's records per ns to rate */
	double scale = (double)n / (double)len_ns * 1e9 / rate;
	uint64_t total = (uint64_t)(rate * (double)(span_s + 5));
	struct dial9_window *w = dial9_window__new(span_s * 1000000000ull, max_bytes);
	struct dial9_window_stats st;
	double c0, c1, d0, d1;
	uint64_t size = 0;
	int err = 0;

	if (!w)
		return -errno;
	c0 = cpu_now();
	for (uint64_t i = 0; i < total && !err; i++) {
		const struct dial9_event *e = &src->events[i % n];
		struct dial9_event x = *e;
		uint64_t lap = i / n;

		x.ts_ns = 1000000000ull +
			  (uint64_t)((double)(lap * len_ns + (e->ts_ns - t0)) * scale);
		err = dial9_window__push(w, &x);
	}
	c1 = cpu_now();
	if (err) {
		dial9_window__free(w);
		return err;
	}
	dial9_window__stats(w, &st);
	d0 = wall_now();
	err = dump_window(w, &src->strings, path, &size);
	d1 = wall_now();
	unlink(path);
	if (!err)
		printf("window_bench rate=%.0f span_kept_s=%.3f of=%llu records=%llu dropped=%llu "
		       "bytes=%llu bytes_per_record=%.2f sealed_bytes_per_record=%.2f "
		       "push_ns_per_record=%.1f dump_ms=%.1f dump_bytes=%llu\n",
		       rate, (double)(st.newest_ns - st.oldest_ns) / 1e9, (unsigned long long)span_s,
		       (unsigned long long)st.count, (unsigned long long)st.dropped,
		       (unsigned long long)st.bytes, (double)st.bytes / (double)st.count,
		       (double)st.sealed_bytes / (double)st.sealed, (c1 - c0) * 1e9 / (double)total,
		       (d1 - d0) * 1e3, (unsigned long long)size);
	dial9_window__free(w);
	return err;
}

int main(int argc, char **argv)
{
	struct dial9_read_opts opts = { .max_events = DIAL9_DUMP_MAX_EVENTS };
	struct dial9_dump *src = NULL;
	char err[256], path[4096];
	int runs, ret = 0;

	if (argc != 7) {
		fprintf(stderr, "usage: window_bench DUMP RATE SECONDS MAX_BYTES RUNS DIR\n");
		return 2;
	}
	if (dial9_dump__read_opts(argv[1], &opts, &src, err, sizeof(err))) {
		fprintf(stderr, "Error: %s: %s\n", argv[1], err);
		return 1;
	}
	if (src->nevents < 2) {
		fprintf(stderr, "Error: %s: too few events\n", argv[1]);
		dial9_dump__free(src);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/window_bench.dial9", argv[6]);
	runs = atoi(argv[5]);
	for (int r = 0; r < runs && !ret; r++)
		ret = run(src, atof(argv[2]), strtoull(argv[3], NULL, 10),
			  strtoull(argv[4], NULL, 10), path);
	if (ret)
		fprintf(stderr, "Error: window_bench: %s\n", strerror(-ret));
	dial9_dump__free(src);
	return ret ? 1 : 0;
}
