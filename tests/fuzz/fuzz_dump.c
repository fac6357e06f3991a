// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_dump.c - libFuzzer harness for the dump reader
 * (dial9_dump__read_mem_opts), the analysis and every view of the dial9
 * tool: summary, tasks (every sort key), task, wakegraph (text, dot, JSON),
 * timeline (whole window and a slice), the HTML report and the Perfetto
 * export, JSON and text, output to /dev/null.
 *
 * A mutated dump almost never keeps a valid checksum, which would confine
 * the fuzzer to the envelope checks.  So unless bit 0 of the reserved header
 * byte 28 is set (then the input is read as it is), the header's file size
 * and the trailer's CRC are fixed up first (FORMAT.md: header offset 16,
 * trailer's last 4 bytes) and the content checks behind them are reached.
 *
 * The reader runs with a cap of FUZZ_MAX_EVENTS events, so a decompression
 * bomb costs at most that many events of memory and time.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "dial9.h"
#include "dump.h"
#include "report.h"
#include "perfetto.h"

#define FUZZ_MAX_EVENTS (1u << 20)
#define HEADER_SIZE 32
#define TRAILER_SIZE 16

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* the text views print on stdout */
	if (!freopen("/dev/null", "w", stdout))
		abort();
	devnull = fopen("/dev/null", "we");
	if (!devnull)
		abort();
	return 0;
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void fix_envelope(uint8_t *p, size_t len)
{
	uint32_t crc;

	if (len < HEADER_SIZE + TRAILER_SIZE || (p[28] & 1))
		return;
	put_le(p + 16, len, 8);
	crc = (uint32_t)crc32(crc32(0, NULL, 0), p, (uInt)(len - 4));
	put_le(p + len - 4, crc, 4);
}

/* Every view, JSON and text. */
static void run_views(struct loaded *l)
{
	static const enum dial9_task_sort sorts[] = {
		DIAL9_SORT_ID, DIAL9_SORT_POLLS, DIAL9_SORT_TOTAL,
		DIAL9_SORT_MAX, DIAL9_SORT_WAKES, DIAL9_SORT_LATENCY,
	};
	struct options o = { .args = { "fuzz.dial9", "1" }, .nargs = 1 };
	const struct dial9_analysis *a = l->a;
	char id[32];
	uint64_t span = a->end_ns - a->start_ns;
	size_t i;

	for (int text = 0; text < 2; text++) {
		o.json = !text;
		o.pretty = !text;
		if (text)
			dump_sanitize(l->dump); /* as load() does for text */
		view_summary(&o, l);
		for (i = 0; i < sizeof(sorts) / sizeof(sorts[0]); i++) {
			o.sort = sorts[i];
			o.limit = i ? 5 : 0;
			view_tasks(&o, l);
		}
		o.limit = 0;
		o.nargs = 2;
		for (i = 0; i < a->ntasks && i < 3; i++) {
			snprintf(id, sizeof(id), "%" PRIu64, a->tasks[i].task_id);
			o.args[1] = id;
			view_task(&o, l);
		}
		o.nargs = 1;
		view_wakegraph(&o, l);
		if (text) {
			o.dot = true;
			view_wakegraph(&o, l);
			o.dot = false;
			o.limit = 2;
			view_wakegraph(&o, l);
			o.limit = 0;
		}
		view_timeline(&o, l);
		o.has_from = o.has_to = true;
		o.from_ns = span / 3;
		o.to_ns = span / 3 * 2;
		view_timeline(&o, l);
		o.has_from = o.has_to = false;
	}
	report__write_html(devnull, a, "fuzz.dial9");
	dial9_perfetto__write(a, devnull, NULL);
	fflush(devnull);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dial9_read_opts ropts = { .max_events = FUZZ_MAX_EVENTS };
	struct dial9_dump *d = NULL;
	struct loaded l;
	char err[256];
	uint8_t *p;
	int rc;

	p = malloc(size ? size : 1);
	if (!p)
		return 0;
	memcpy(p, data, size);
	fix_envelope(p, size);
	rc = dial9_dump__read_mem_opts(p, size, &ropts, &d, err, sizeof(err));
	free(p); /* the dump must not point into the buffer */
	if (rc) {
		if (d || !memchr(err, 0, sizeof(err)) || !err[0] || strchr(err, '\n'))
			abort(); /* a failure is one line and leaves nothing behind */
		return 0;
	}
	if (loaded__init(&l, d, false, "fuzz.dial9"))
		return 0;
	run_views(&l);
	loaded__free(&l);
	return 0;
}
