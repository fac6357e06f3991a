// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_dump.c - libFuzzer harness for the dump reader (dial9_dump__read_opts,
 * so dial9_dump__read_mem_opts too), the analysis and every view of the dial9
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
 * Deflated events rarely survive a mutation, so the analysis and the views
 * would mostly see the seeds' events.  An input starting "DIAL9RAW" holds
 * them raw instead (layout below, made from a dump by dump2raw.py): the
 * harness sorts them, makes kinds and string ids valid, writes the dump with
 * dial9_dump__write_fd (which must accept it) and reads that back.
 *
 * The input is read as a file (a memfd, through /proc/self/fd), so the file
 * reader's checks run too, and first by the catalogue's metadata-only read
 * (dial9_dump__read_info_fd), which must accept whatever the full read
 * accepts, with the same metadata and event count.  The reader runs with a cap of FUZZ_MAX_EVENTS
 * events, so a decompression bomb costs at most that many events of memory
 * and time.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
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

/* "DIAL9RAW", then little-endian: u64 start_ns, u64 end_ns, u64 reason_task,
 * u32 reason_tid, u32 probes, u32 lost_ringbuf, u8 reason, u8 signal,
 * u8 nstrings, u8 threads (0: no thread table; else the table names the
 * first threads % 17 tids of the events, names and roles picked by tid);
 * then 32-byte records as in a block, one after the other (FORMAT.md
 * "Event record"), the first RAW_MAX_EVENTS used. */
#define RAW_MAGIC "DIAL9RAW"
#define RAW_HDR 48
#define RAW_EVENT 32
#define RAW_MAX_EVENTS 256

static FILE *devnull;
static int memfd = -1;   /* raw inputs are written here */
static int filefd = -1;  /* what the reader reads, as a file */
static char filepath[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* the text views print on stdout */
	if (!freopen("/dev/null", "w", stdout))
		abort();
	devnull = fopen("/dev/null", "we");
	memfd = memfd_create("fuzz_dump", MFD_CLOEXEC);
	filefd = memfd_create("fuzz_dump.dial9", MFD_CLOEXEC);
	if (!devnull || memfd < 0 || filefd < 0)
		abort();
	snprintf(filepath, sizeof(filepath), "/proc/self/fd/%d", filefd);
	return 0;
}

static uint64_t get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static int cmp_event(const void *pa, const void *pb)
{
	const struct dial9_event *a = pa, *b = pb;

	if (a->ts_ns != b->ts_ns)
		return a->ts_ns < b->ts_ns ? -1 : 1;
	/* ties by content, so the order does not depend on qsort */
	return memcmp(a, b, sizeof(*a));
}

static int cmp_u32(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

	return a < b ? -1 : a > b;
}

/* A thread table naming up to max of d's tids (ascending, tid 0 none). */
static void name_threads(struct dial9_dump *d, uint32_t max)
{
	static const char *const names[] = {
		"tokio-runtime-w", "tokio-rt-worker", "", "\033[2J\xe2\x82", "0123456789abcdef",
		"<\"t\">&\n",
	};
	uint32_t *tids = calloc(d->nevents + 1, sizeof(*tids));
	uint64_t i;
	uint32_t n = 0;

	if (!tids)
		abort();
	for (i = 0; i < d->nevents; i++)
		tids[i] = d->events[i].tid;
	qsort(tids, d->nevents, sizeof(*tids), cmp_u32);
	d->threads = calloc(max + 1, sizeof(*d->threads));
	if (!d->threads)
		abort();
	for (i = 0; i < d->nevents && n < max; i++) {
		struct dial9_dump_thread *th = &d->threads[n];

		if (!tids[i] || (n && th[-1].tid == tids[i]))
			continue;
		th->tid = tids[i];
		th->role = (uint8_t)(tids[i] % DIAL9_THREAD_ROLE__COUNT);
		snprintf(th->name, sizeof(th->name), "%s", names[tids[i] % 6]);
		n++;
	}
	d->nthreads = n;
	d->threads_known = true;
	free(tids);
}

/* A raw input made into a dump file, into *out (malloc'd).  0, or -1 when
 * the input is not one. */
static int raw_to_dump(const uint8_t *p, size_t len, uint8_t **out, size_t *outlen)
{
	static const char *const names[] = {
		"src/main.rs:5:5", "src/server.rs:40:13", "", "<\"x\">\n&",
		"tokio-1.38.0/src/runtime/blocking/pool.rs:100:1", "\xc3\xa9t\xc3\xa9",
	};
	struct dial9_dump *d;
	uint64_t n, i;
	uint32_t nstr;
	off_t size;
	int err;

	if (len < RAW_HDR || memcmp(p, RAW_MAGIC, 8))
		return -1;
	d = dial9_dump__new();
	if (!d)
		abort();
	d->meta.pid = 4242;
	strcpy(d->meta.comm, "fuzz");
	d->meta.start_ns = get_le(p + 8, 8);
	d->meta.end_ns = get_le(p + 16, 8);
	d->meta.reason_task = get_le(p + 24, 8);
	d->meta.reason_tid = (uint32_t)get_le(p + 32, 4);
	d->meta.probes = (uint32_t)get_le(p + 36, 4);
	d->meta.lost_ringbuf = get_le(p + 40, 4);
	d->meta.reason = p[44];
	d->meta.signal = p[45];
	nstr = p[46] % 16;
	for (i = 0; i < nstr; i++) {
		char s[64];

		snprintf(s, sizeof(s), "%s%s%" PRIu64, names[i % 6], i >= 6 ? "#" : "", i);
		if (!dial9_strtab__add(&d->strings, s))
			abort();
	}
	n = (len - RAW_HDR) / RAW_EVENT;
	if (n > RAW_MAX_EVENTS)
		n = RAW_MAX_EVENTS; /* many more only make each run slower */
	d->events = calloc(n ? n : 1, sizeof(*d->events));
	if (!d->events)
		abort();
	for (i = 0; i < n; i++) {
		const uint8_t *r = p + RAW_HDR + i * RAW_EVENT;
		struct dial9_event *e = &d->events[i];

		e->ts_ns = get_le(r, 8);
		e->task_id = get_le(r + 8, 8);
		e->arg = get_le(r + 16, 8);
		e->tid = (uint32_t)get_le(r + 24, 4);
		e->kind = (uint8_t)(r[28] % DIAL9_EV_KIND_MAX);
		e->flags = r[29];
		e->aux = (uint16_t)get_le(r + 30, 2);
		if (dial9_event_kind_has_string(e->kind) && e->arg > d->strings.count)
			e->arg %= (uint64_t)d->strings.count + 1;
	}
	d->nevents = n;
	qsort(d->events, n, sizeof(*d->events), cmp_event);
	if (p[47])
		name_threads(d, p[47] % 17);
	if (ftruncate(memfd, 0) || lseek(memfd, 0, SEEK_SET))
		abort();
	err = dial9_dump__write_fd(d, memfd);
	if (err)
		abort(); /* the writer must take what the reader would accept */
	dial9_dump__free(d);
	size = lseek(memfd, 0, SEEK_END);
	*out = malloc((size_t)size);
	if (size <= 0 || !*out || pread(memfd, *out, (size_t)size, 0) != size)
		abort();
	*outlen = (size_t)size;
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

static const struct report_limits small_limits = {
	.max_polls = 64, .max_longest = 8, .max_wakes = 64, .max_tasks = 64, .max_lanes = 4,
	.buckets = 16, .intervals = 12, .segments = 4, .graph_edges = 8,
	.long_poll_ns = 1000000,
};

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
		o.interval_ns = span / 7 + 1000000; /* few intervals: the walk costs the same */
		view_metrics(&o, l);
		o.interval_ns = 0;
		view_profile(&o, l);
		o.by_location = true;
		view_profile(&o, l);
		o.by_location = false;
	}
	/* the default limits' fixed-size overviews (2000 buckets a lane) cost
	 * most of a run: small ones, which the data exceeds more often, for all
	 * but one input in 64 */
	report__write_html(devnull, a, "fuzz.dial9",
			   a->dump->nevents % 64 ? &small_limits : &report_default_limits);
	dial9_perfetto__write(a, devnull, NULL);
	fflush(devnull);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dial9_read_opts ropts = { .max_events = FUZZ_MAX_EVENTS };
	struct dial9_dump *d = NULL;
	struct dial9_dump_info info;
	struct loaded l;
	char err[256];
	uint8_t *p;
	int rc, info_rc;

	if (raw_to_dump(data, size, &p, &size)) {
		p = malloc(size ? size : 1);
		if (!p)
			return 0;
		memcpy(p, data, size);
		fix_envelope(p, size);
	}
	/* through the file reader (regular-file and header checks), which
	 * reads it into a buffer of its own and frees that */
	if (ftruncate(filefd, 0) || pwrite(filefd, p, size, 0) != (ssize_t)size)
		abort();
	free(p);
	/* the catalogue's metadata-only read: a failure is one line */
	info_rc = dial9_dump__read_info_fd(filefd, &info, err, sizeof(err));
	if (info_rc && (info.meta.exe || !memchr(err, 0, sizeof(err)) || !err[0] ||
			strchr(err, '\n')))
		abort();
	rc = dial9_dump__read_opts(filepath, &ropts, &d, err, sizeof(err));
	/* what the full read accepts, it accepts, with the same figures */
	if (!rc && (info_rc || info.nevents != d->nevents || info.meta.pid != d->meta.pid ||
		    info.meta.reason != d->meta.reason || info.file_size != size))
		abort();
	dial9_dump_info__clear(&info);
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
