// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * dump.c - dial9 dump files: writer and validating reader.
 * The byte layout is specified in docs/FORMAT.md; keep the two in step.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "atomic_file.h"
#include "dump.h"

#define MAGIC "DIAL9DMP"
#define END_MAGIC "DIAL9END"
#define MAGIC_LEN 8
#define HEADER_SIZE 32
#define MAX_HEADER_SIZE 4096
#define TRAILER_SIZE 16
#define SECTION_HDR_SIZE 16
#define EVENTS_HDR_SIZE 16
#define BLOCK_HDR_SIZE 8
#define EVENT_SIZE 32
#define COMM_MAX 16
#define BUILD_ID_MAX 64
/* deflate cannot expand data by more than this factor (RFC 1951 limit ~1032:1) */
#define DEFLATE_MAX_RATIO 1032
#define DEFLATE_SLACK 64

enum dump_section {
	SEC_META = 1,
	SEC_STRINGS = 2,
	SEC_EVENTS = 3,
	SEC_THREADS = 4, /* version 4 on; optional */
};
#define THREAD_ENTRY_MIN 9 /* u32 tid, u8 role, u32 name length */

enum meta_tag {
	TAG_PID = 1,
	TAG_REASON = 2,
	TAG_SIGNAL = 3,
	TAG_REASON_TID = 4,
	TAG_REASON_TASK = 5,
	TAG_COMM = 6,
	TAG_BUILD_ID = 7,
	TAG_EXE = 8,
	TAG_HOSTNAME = 9,
	TAG_CLOCK_BASE = 10,
	TAG_START = 11,
	TAG_END = 12,
	TAG_DUMP_REALTIME = 13,
	TAG_LOST_RINGBUF = 14,
	TAG_LOST_WINDOW = 15,
	TAG_EVICTED = 16,
	TAG_PROBES = 17,
	TAG_TRIGGER_RULE = 18,
	TAG_TRIGGER_METRIC = 19,
	TAG_TRIGGER_VALUE = 20,
	TAG_TRIGGER_THRESHOLD = 21,
	TAG_TRIGGER_NS = 22,
	TAG_CPU_SAMPLE_HZ = 23,
	TAG_MAX,
};


/* --- little-endian helpers ------------------------------------------------ */

static void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
	return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

/* --- shared checks ---------------------------------------------------------- */

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* Kinds known, string references resolvable, sorted by ts.  0 or -EBADMSG. */
static int check_events(const struct dial9_event *ev, uint64_t n, uint32_t nstrings,
			char *err, size_t errlen)
{
	for (uint64_t i = 0; i < n; i++) {
		const struct dial9_event *e = &ev[i];

		if (e->kind >= DIAL9_EV_KIND_MAX)
			return fail(err, errlen, -EBADMSG,
				    "event %llu: unknown kind %u",
				    (unsigned long long)i, e->kind);
		if (dial9_event_kind_has_string(e->kind) && e->arg > nstrings)
			return fail(err, errlen, -EBADMSG,
				    "event %llu (%s): string id %llu not in the table (%u strings)",
				    (unsigned long long)i, dial9_event_kind_name(e->kind),
				    (unsigned long long)e->arg, nstrings);
		if (i && e->ts_ns < ev[i - 1].ts_ns)
			return fail(err, errlen, -EBADMSG,
				    "event %llu: not sorted by time (%llu after %llu)",
				    (unsigned long long)i, (unsigned long long)e->ts_ns,
				    (unsigned long long)ev[i - 1].ts_ns);
	}
	return 0;
}

/* --- in-memory dump ------------------------------------------------------- */

struct dial9_dump *dial9_dump__new(void)
{
	struct dial9_dump *d = calloc(1, sizeof(*d));

	if (!d) {
		errno = ENOMEM;
		return NULL;
	}
	dial9_strtab__init(&d->strings);
	return d;
}

void dial9_dump__free(struct dial9_dump *d)
{
	if (!d)
		return;
	free(d->meta.exe);
	free(d->meta.hostname);
	free(d->meta.trigger_rule);
	dial9_strtab__free(&d->strings);
	free(d->events);
	free(d->threads);
	free(d);
}

uint64_t dial9_dump_meta__wall_ns(const struct dial9_dump_meta *m)
{
	if (m->dump_realtime_ns)
		return m->dump_realtime_ns;
	return m->clock_base_ns ? m->clock_base_ns + m->end_ns : 0;
}

const struct dial9_dump_thread *dial9_dump__thread(const struct dial9_dump *d, uint32_t tid)
{
	uint32_t lo = 0, hi = d ? d->nthreads : 0;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (d->threads[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < (d ? d->nthreads : 0) && d->threads[lo].tid == tid ? &d->threads[lo] : NULL;
}

/* --- writer ----------------------------------------------------------------- */

/* Growable output buffer with a sticky error. */
struct wbuf {
	uint8_t *p;
	size_t len;
	size_t cap;
	int err;
};

static uint8_t *wbuf_reserve(struct wbuf *b, size_t n)
{
	if (b->err)
		return NULL;
	if (n > DIAL9_DUMP_MAX_FILE_SIZE || b->len + n > DIAL9_DUMP_MAX_FILE_SIZE) {
		b->err = -EFBIG;
		return NULL;
	}
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		uint8_t *p;

		while (cap < b->len + n)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->err = -ENOMEM;
			return NULL;
		}
		b->p = p;
		b->cap = cap;
	}
	return b->p + b->len;
}

static void wbuf_u32(struct wbuf *b, uint32_t v)
{
	uint8_t *p = wbuf_reserve(b, 4);

	if (p) {
		put_u32(p, v);
		b->len += 4;
	}
}

static void wbuf_u64(struct wbuf *b, uint64_t v)
{
	uint8_t *p = wbuf_reserve(b, 8);

	if (p) {
		put_u64(p, v);
		b->len += 8;
	}
}

static void wbuf_bytes(struct wbuf *b, const void *s, size_t n)
{
	uint8_t *p = wbuf_reserve(b, n);

	if (p && n) {
		memcpy(p, s, n);
		b->len += n;
	}
}

/* Start a section; returns the offset to pass to section_end. */
static size_t section_begin(struct wbuf *b, uint32_t type)
{
	size_t at = b->len;

	wbuf_u32(b, type);
	wbuf_u32(b, 0);  /* flags */
	wbuf_u64(b, 0);  /* length, patched by section_end */
	return at;
}

static void section_end(struct wbuf *b, size_t at)
{
	if (!b->err)
		put_u64(b->p + at + 8, b->len - at - SECTION_HDR_SIZE);
}

static void meta_u32(struct wbuf *b, uint32_t tag, uint32_t v)
{
	wbuf_u32(b, tag);
	wbuf_u32(b, 4);
	wbuf_u32(b, v);
}

static void meta_u64(struct wbuf *b, uint32_t tag, uint64_t v)
{
	wbuf_u32(b, tag);
	wbuf_u32(b, 8);
	wbuf_u64(b, v);
}

static void meta_str(struct wbuf *b, uint32_t tag, const char *s, size_t len)
{
	wbuf_u32(b, tag);
	wbuf_u32(b, (uint32_t)len);
	wbuf_bytes(b, s, len);
}

static void write_meta(struct wbuf *b, const struct dial9_dump_meta *m)
{
	size_t at = section_begin(b, SEC_META);

	meta_u32(b, TAG_PID, m->pid);
	meta_u32(b, TAG_REASON, m->reason);
	meta_u32(b, TAG_SIGNAL, m->signal);
	meta_u32(b, TAG_REASON_TID, m->reason_tid);
	meta_u64(b, TAG_REASON_TASK, m->reason_task);
	meta_str(b, TAG_COMM, m->comm, strnlen(m->comm, COMM_MAX));
	meta_str(b, TAG_BUILD_ID, m->build_id, strnlen(m->build_id, BUILD_ID_MAX));
	if (m->exe)
		meta_str(b, TAG_EXE, m->exe, strlen(m->exe));
	if (m->hostname)
		meta_str(b, TAG_HOSTNAME, m->hostname, strlen(m->hostname));
	meta_u64(b, TAG_CLOCK_BASE, m->clock_base_ns);
	meta_u64(b, TAG_START, m->start_ns);
	meta_u64(b, TAG_END, m->end_ns);
	meta_u64(b, TAG_DUMP_REALTIME, m->dump_realtime_ns);
	meta_u64(b, TAG_LOST_RINGBUF, m->lost_ringbuf);
	meta_u64(b, TAG_LOST_WINDOW, m->lost_window);
	meta_u64(b, TAG_EVICTED, m->evicted);
	meta_u32(b, TAG_PROBES, m->probes);
	if (m->cpu_sample_hz)
		meta_u32(b, TAG_CPU_SAMPLE_HZ, m->cpu_sample_hz);
	if (m->trigger_metric) {
		if (m->trigger_rule)
			meta_str(b, TAG_TRIGGER_RULE, m->trigger_rule, strlen(m->trigger_rule));
		meta_u32(b, TAG_TRIGGER_METRIC, m->trigger_metric);
		meta_u64(b, TAG_TRIGGER_VALUE, m->trigger_value);
		meta_u64(b, TAG_TRIGGER_THRESHOLD, m->trigger_threshold);
		meta_u64(b, TAG_TRIGGER_NS, m->trigger_ns);
	}
	section_end(b, at);
}

static void write_strings(struct wbuf *b, const struct dial9_strtab *t)
{
	size_t at = section_begin(b, SEC_STRINGS);

	wbuf_u32(b, t->count);
	for (uint32_t i = 0; i < t->count; i++) {
		size_t len = strlen(t->strings[i]);

		wbuf_u32(b, (uint32_t)len);
		wbuf_bytes(b, t->strings[i], len);
	}
	section_end(b, at);
}

static void write_threads(struct wbuf *b, const struct dial9_dump_thread *th, uint32_t n)
{
	size_t at = section_begin(b, SEC_THREADS);

	wbuf_u32(b, n);
	for (uint32_t i = 0; i < n; i++) {
		size_t len = strnlen(th[i].name, DIAL9_THREAD_NAME_MAX);
		uint8_t role = th[i].role;

		wbuf_u32(b, th[i].tid);
		wbuf_bytes(b, &role, 1);
		wbuf_u32(b, (uint32_t)len);
		wbuf_bytes(b, th[i].name, len);
	}
	section_end(b, at);
}

/* One block: its header, then its data. */
static void write_block(struct wbuf *b, const struct dial9_event_block *blk)
{
	wbuf_u32(b, blk->count);
	wbuf_u32(b, blk->clen);
	wbuf_bytes(b, blk->data, blk->clen);
}

/* ev[0..n) coded straight into the file, DIAL9_DUMP_BLOCK_EVENTS a block. */
static void write_event_blocks(struct wbuf *b, const struct dial9_event *ev, uint64_t n)
{
	for (uint64_t first = 0; first < n && !b->err; first += DIAL9_DUMP_BLOCK_EVENTS) {
		uint32_t count = (uint32_t)(n - first < DIAL9_DUMP_BLOCK_EVENTS ?
					    n - first : DIAL9_DUMP_BLOCK_EVENTS);
		size_t bound = dial9_event_block__bound(count);
		struct dial9_event_block blk;
		uint8_t *hdr = wbuf_reserve(b, BLOCK_HDR_SIZE + bound);
		int err;

		if (!hdr)
			return;
		err = dial9_event_block__encode_into(&ev[first], count, hdr + BLOCK_HDR_SIZE, bound,
						     &blk);
		if (err) {
			b->err = err;
			return;
		}
		put_u32(hdr, count);
		put_u32(hdr + 4, blk.clen);
		b->len += BLOCK_HDR_SIZE + blk.clen;
	}
}

static void write_events(struct wbuf *b, const struct dial9_dump *d)
{
	uint64_t nblocks = d->blocks ? d->nblocks :
			   (d->nevents + DIAL9_DUMP_BLOCK_EVENTS - 1) / DIAL9_DUMP_BLOCK_EVENTS;
	size_t at = section_begin(b, SEC_EVENTS);

	wbuf_u64(b, d->nevents);
	wbuf_u32(b, (uint32_t)nblocks);
	wbuf_u32(b, 0);
	if (d->blocks) {
		for (uint32_t i = 0; i < d->nblocks; i++)
			write_block(b, &d->blocks[i]);
	} else {
		write_event_blocks(b, d->events, d->nevents);
	}
	section_end(b, at);
}

/* Coded blocks: what check_events checks of records, from what each block
 * says of itself (its coder checked the order and kinds inside it). */
static int check_blocks(const struct dial9_dump *d)
{
	uint64_t total = 0;

	if (d->events)
		return -EINVAL;
	for (uint32_t i = 0; i < d->nblocks; i++) {
		const struct dial9_event_block *blk = &d->blocks[i];

		if (!blk->data || blk->count == 0 || blk->count > DIAL9_DUMP_BLOCK_EVENTS ||
		    blk->kinds >> DIAL9_EV_KIND_MAX || blk->max_string_id > d->strings.count)
			return -EINVAL;
		if (i && blk->first_ts < d->blocks[i - 1].last_ts)
			return -EINVAL;
		total += blk->count;
	}
	return total == d->nevents ? 0 : -EINVAL;
}

/* Refuse what the reader would refuse.  0 or negative errno. */
static int check_for_write(const struct dial9_dump *d)
{
	const struct dial9_dump_meta *m = &d->meta;

	if (d->nevents && !d->events && !d->blocks)
		return -EINVAL;
	if (d->nevents > DIAL9_DUMP_MAX_EVENTS || d->strings.count > DIAL9_DUMP_MAX_STRINGS)
		return -EFBIG;
	if (d->strings.count && !d->strings.strings)
		return -EINVAL;
	for (uint32_t i = 0; i < d->strings.count; i++) {
		if (!d->strings.strings[i] ||
		    strnlen(d->strings.strings[i], DIAL9_DUMP_MAX_STRING_LEN + 1) >
			    DIAL9_DUMP_MAX_STRING_LEN)
			return -EINVAL;
	}
	if (d->nthreads > DIAL9_DUMP_MAX_THREADS || (d->nthreads && !d->threads))
		return -EINVAL;
	for (uint32_t i = 0; i < d->nthreads; i++) {
		const struct dial9_dump_thread *th = &d->threads[i];

		if (!th->tid || (i && th->tid <= th[-1].tid) || th->role >= DIAL9_THREAD_ROLE__COUNT)
			return -EINVAL;
	}
	if ((m->exe && strnlen(m->exe, DIAL9_DUMP_MAX_STRING_LEN + 1) > DIAL9_DUMP_MAX_STRING_LEN) ||
	    (m->hostname &&
	     strnlen(m->hostname, DIAL9_DUMP_MAX_STRING_LEN + 1) > DIAL9_DUMP_MAX_STRING_LEN) ||
	    (m->trigger_rule && strnlen(m->trigger_rule, DIAL9_DUMP_MAX_TRIGGER_RULE_LEN + 1) >
					DIAL9_DUMP_MAX_TRIGGER_RULE_LEN))
		return -EINVAL;
	if (d->blocks)
		return check_blocks(d);
	return check_events(d->events, d->nevents, d->strings.count, NULL, 0) ? -EINVAL : 0;
}

/* About the file's size, so that its buffer is allocated once (a guess of
 * 8 bytes a record when the events are not coded yet). */
static size_t size_hint(const struct dial9_dump *d)
{
	size_t n = HEADER_SIZE + TRAILER_SIZE + 4096 + 4 * SECTION_HDR_SIZE + EVENTS_HDR_SIZE;

	n += (d->meta.exe ? strlen(d->meta.exe) : 0) + (d->meta.hostname ? strlen(d->meta.hostname) : 0);
	for (uint32_t i = 0; i < d->strings.count; i++)
		n += 4 + strlen(d->strings.strings[i]);
	if (d->threads_known)
		n += (size_t)d->nthreads * (9 + DIAL9_THREAD_NAME_MAX);
	if (!d->blocks)
		return n + (size_t)d->nevents * 8;
	for (uint32_t i = 0; i < d->nblocks; i++)
		n += BLOCK_HDR_SIZE + d->blocks[i].clen;
	return n;
}

static void write_header(struct wbuf *b)
{
	uint8_t *p = wbuf_reserve(b, HEADER_SIZE);

	if (!p)
		return;
	memset(p, 0, HEADER_SIZE);
	memcpy(p, MAGIC, MAGIC_LEN);
	put_u32(p + 8, DIAL9_FORMAT_VERSION);
	put_u32(p + 12, HEADER_SIZE);
	/* file size at 16 patched when known; flags and reserved stay 0 */
	b->len = HEADER_SIZE;
}

/* The header and every section but the events. */
static void write_sections_before_events(struct wbuf *b, const struct dial9_dump *d)
{
	write_header(b);
	write_meta(b, &d->meta);
	write_strings(b, &d->strings);
	if (d->threads_known)
		write_threads(b, d->threads, d->nthreads);
}

/* The trailer at p, crc being the checksum of the file before it. */
static void put_trailer(uint8_t *p, uLong crc)
{
	memcpy(p, END_MAGIC, MAGIC_LEN);
	put_u32(p + 8, 0);
	put_u32(p + 12, (uint32_t)crc32(crc, p, TRAILER_SIZE - 4));
}

int dial9_dump__encode(const struct dial9_dump *d, uint8_t **out, size_t *outlen)
{
	struct wbuf b = { 0 };
	uint8_t *p;
	int err;

	err = check_for_write(d);
	if (err)
		return err;
	wbuf_reserve(&b, size_hint(d)); /* b.err, if any, is returned below */
	write_sections_before_events(&b, d);
	write_events(&b, d);
	p = wbuf_reserve(&b, TRAILER_SIZE);
	if (!p) {
		free(b.p);
		return b.err;
	}
	b.len += TRAILER_SIZE;
	put_u64(b.p + 16, b.len);
	put_trailer(p, crc32(crc32(0, NULL, 0), b.p, (uInt)(b.len - TRAILER_SIZE)));
	*out = b.p;
	*outlen = b.len;
	return 0;
}

/*
 * A dump of coded blocks, without the blocks: header, metadata, strings and
 * the events section's header, with the file's and the section's sizes
 * filled in (*size: the whole file's).  What follows is each block's header
 * and data, then the trailer.
 */
static int encode_head(const struct dial9_dump *d, struct wbuf *b, uint64_t *size)
{
	uint64_t blocks_len = 0;
	size_t at;

	for (uint32_t i = 0; i < d->nblocks; i++)
		blocks_len += BLOCK_HDR_SIZE + d->blocks[i].clen;
	write_sections_before_events(b, d);
	at = section_begin(b, SEC_EVENTS);
	wbuf_u64(b, d->nevents);
	wbuf_u32(b, d->nblocks);
	wbuf_u32(b, 0);
	if (!b->err && b->len + blocks_len + TRAILER_SIZE > DIAL9_DUMP_MAX_FILE_SIZE)
		b->err = -EFBIG;
	if (b->err)
		return b->err;
	put_u64(b->p + at + 8, EVENTS_HDR_SIZE + blocks_len);
	*size = b->len + blocks_len + TRAILER_SIZE;
	put_u64(b->p + 16, *size);
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len > (1u << 30) ? (1u << 30) : len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Coded blocks go from where they are into the file, the checksum taken
 * from each block's own (crc32_combine): no copy of the events in memory,
 * no pass over them. */
static int write_blocks_fd(const struct dial9_dump *d, int fd)
{
	struct wbuf b = { 0 };
	uint8_t trailer[TRAILER_SIZE];
	uint64_t size;
	uLong crc;
	int err;

	err = check_for_write(d);
	if (!err)
		err = encode_head(d, &b, &size);
	if (!err) {
		crc = crc32(crc32(0, NULL, 0), b.p, (uInt)b.len);
		err = write_all(fd, b.p, b.len);
	}
	for (uint32_t i = 0; !err && i < d->nblocks; i++) {
		const struct dial9_event_block *blk = &d->blocks[i];
		uint8_t hdr[BLOCK_HDR_SIZE];

		put_u32(hdr, blk->count);
		put_u32(hdr + 4, blk->clen);
		crc = crc32(crc, hdr, BLOCK_HDR_SIZE);
		crc = crc32_combine(crc, blk->crc, (z_off_t)blk->clen);
		err = write_all(fd, hdr, BLOCK_HDR_SIZE);
		if (!err)
			err = write_all(fd, blk->data, blk->clen);
	}
	if (!err) {
		put_trailer(trailer, crc);
		err = write_all(fd, trailer, TRAILER_SIZE);
	}
	free(b.p);
	return err;
}

int dial9_dump__size(const struct dial9_dump *d, uint64_t *size)
{
	struct wbuf b = { 0 };
	uint8_t *buf = NULL;
	size_t len = 0;
	int err;

	if (!d || !size)
		return -EINVAL;
	if (!d->blocks) {
		err = dial9_dump__encode(d, &buf, &len);
		free(buf);
		*size = len;
		return err;
	}
	err = check_for_write(d);
	if (!err)
		err = encode_head(d, &b, size);
	free(b.p);
	return err;
}

int dial9_dump__write_fd(const struct dial9_dump *d, int fd)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int err;

	if (!d || fd < 0)
		return -EINVAL;
	if (d->blocks)
		return write_blocks_fd(d, fd);
	err = dial9_dump__encode(d, &buf, &len);
	if (!err)
		err = write_all(fd, buf, len);
	free(buf);
	return err;
}

/* Write d (when not NULL) or else buf to path atomically (atomic_file.h). */
static int write_atomic(const struct dial9_dump *d, const void *buf, size_t len,
			const char *path, unsigned int mode)
{
	struct atomic_file f;
	int err;

	if ((!d && !buf) || !path || !*path)
		return -EINVAL;
	err = atomic_file__open(&f, path, mode);
	if (err)
		return err;
	err = d ? dial9_dump__write_fd(d, f.fd) : write_all(f.fd, buf, len);
	if (err) {
		atomic_file__abort(&f);
		return err;
	}
	return atomic_file__commit(&f);
}

int dial9_dump__write(const struct dial9_dump *d, const char *path, unsigned int mode)
{
	return d ? write_atomic(d, NULL, 0, path, mode) : -EINVAL;
}

int dial9_dump__write_encoded(const void *buf, size_t len, const char *path, unsigned int mode)
{
	return buf ? write_atomic(NULL, buf, len, path, mode) : -EINVAL;
}

/* --- reader ----------------------------------------------------------------- */

struct span {
	const uint8_t *p; /* the payload, when in memory */
	size_t at;        /* its offset in the file */
	size_t len;
	int seen;
};

static const char *section_name(uint32_t type)
{
	switch (type) {
	case SEC_META: return "metadata";
	case SEC_STRINGS: return "string table";
	case SEC_EVENTS: return "events";
	case SEC_THREADS: return "thread table";
	default: return "unknown";
	}
}

/* A string value: bounded, NUL-free.  Returns a malloc'd copy or NULL. */
static int read_str(const uint8_t *p, uint32_t len, uint32_t max, char **out,
		    const char *what, char *err, size_t errlen)
{
	char *s;

	if (len > max)
		return fail(err, errlen, -EBADMSG, "%s: string of %u bytes (limit %u)",
			    what, len, max);
	if (memchr(p, 0, len))
		return fail(err, errlen, -EBADMSG, "%s: string contains a NUL byte", what);
	s = malloc((size_t)len + 1);
	if (!s)
		return fail(err, errlen, -ENOMEM, "out of memory");
	memcpy(s, p, len);
	s[len] = 0;
	*out = s;
	return 0;
}

static int read_meta(const struct span *sec, struct dial9_dump_meta *m, char *err, size_t errlen)
{
	uint32_t seen = 0;
	size_t off = 0;

	while (off < sec->len) {
		const uint8_t *v;
		uint32_t tag, len;
		char *s = NULL;
		int rc;

		if (sec->len - off < 8)
			return fail(err, errlen, -EBADMSG, "metadata: entry header cut short");
		tag = get_u32(sec->p + off);
		len = get_u32(sec->p + off + 4);
		off += 8;
		if (len > sec->len - off)
			return fail(err, errlen, -EBADMSG,
				    "metadata: tag %u length %u exceeds the section", tag, len);
		v = sec->p + off;
		off += len;
		if (tag == 0 || tag >= TAG_MAX)
			continue; /* unknown: from a newer writer, skip */
		if (seen & (1u << tag))
			return fail(err, errlen, -EBADMSG, "metadata: duplicate tag %u", tag);
		seen |= 1u << tag;
		switch (tag) {
		case TAG_PID: case TAG_REASON: case TAG_SIGNAL: case TAG_REASON_TID:
		case TAG_PROBES: case TAG_TRIGGER_METRIC: case TAG_CPU_SAMPLE_HZ:
			if (len != 4)
				return fail(err, errlen, -EBADMSG,
					    "metadata: tag %u has length %u (expected 4)", tag, len);
			break;
		case TAG_REASON_TASK: case TAG_CLOCK_BASE: case TAG_START: case TAG_END:
		case TAG_DUMP_REALTIME: case TAG_LOST_RINGBUF: case TAG_LOST_WINDOW:
		case TAG_EVICTED: case TAG_TRIGGER_VALUE: case TAG_TRIGGER_THRESHOLD:
		case TAG_TRIGGER_NS:
			if (len != 8)
				return fail(err, errlen, -EBADMSG,
					    "metadata: tag %u has length %u (expected 8)", tag, len);
			break;
		}
		switch (tag) {
		case TAG_PID: m->pid = get_u32(v); break;
		case TAG_REASON: m->reason = get_u32(v); break;
		case TAG_SIGNAL: m->signal = get_u32(v); break;
		case TAG_REASON_TID: m->reason_tid = get_u32(v); break;
		case TAG_REASON_TASK: m->reason_task = get_u64(v); break;
		case TAG_CLOCK_BASE: m->clock_base_ns = get_u64(v); break;
		case TAG_START: m->start_ns = get_u64(v); break;
		case TAG_END: m->end_ns = get_u64(v); break;
		case TAG_DUMP_REALTIME: m->dump_realtime_ns = get_u64(v); break;
		case TAG_LOST_RINGBUF: m->lost_ringbuf = get_u64(v); break;
		case TAG_LOST_WINDOW: m->lost_window = get_u64(v); break;
		case TAG_EVICTED: m->evicted = get_u64(v); break;
		case TAG_PROBES:
			m->probes = get_u32(v);
			m->probes_known = true;
			break;
		case TAG_TRIGGER_METRIC: m->trigger_metric = get_u32(v); break;
		case TAG_CPU_SAMPLE_HZ: m->cpu_sample_hz = get_u32(v); break;
		case TAG_TRIGGER_VALUE: m->trigger_value = get_u64(v); break;
		case TAG_TRIGGER_THRESHOLD: m->trigger_threshold = get_u64(v); break;
		case TAG_TRIGGER_NS: m->trigger_ns = get_u64(v); break;
		case TAG_TRIGGER_RULE:
			rc = read_str(v, len, DIAL9_DUMP_MAX_TRIGGER_RULE_LEN, &m->trigger_rule,
				      "metadata trigger rule", err, errlen);
			if (rc)
				return rc;
			break;
		case TAG_COMM:
		case TAG_BUILD_ID:
			rc = read_str(v, len, tag == TAG_COMM ? COMM_MAX : BUILD_ID_MAX, &s,
				      tag == TAG_COMM ? "metadata comm" : "metadata build-id",
				      err, errlen);
			if (rc)
				return rc;
			memcpy(tag == TAG_COMM ? m->comm : m->build_id, s, (size_t)len + 1);
			free(s);
			break;
		case TAG_EXE:
			rc = read_str(v, len, DIAL9_DUMP_MAX_STRING_LEN, &m->exe, "metadata exe",
				      err, errlen);
			if (rc)
				return rc;
			break;
		case TAG_HOSTNAME:
			rc = read_str(v, len, DIAL9_DUMP_MAX_STRING_LEN, &m->hostname,
				      "metadata hostname", err, errlen);
			if (rc)
				return rc;
			break;
		}
	}
	return 0;
}

static int read_strings(const struct span *sec, struct dial9_strtab *t, char *err, size_t errlen)
{
	uint32_t count;
	size_t off = 4;

	if (sec->len < 4)
		return fail(err, errlen, -EBADMSG, "string table: cut short");
	count = get_u32(sec->p);
	/* every string takes at least its 4-byte length */
	if (count > DIAL9_DUMP_MAX_STRINGS || count > (sec->len - 4) / 4)
		return fail(err, errlen, -EBADMSG,
			    "string table: %u strings cannot fit in %zu bytes", count, sec->len);
	if (count) {
		t->strings = calloc(count, sizeof(*t->strings));
		if (!t->strings)
			return fail(err, errlen, -ENOMEM, "out of memory");
		t->cap = count;
	}
	for (uint32_t i = 0; i < count; i++) {
		uint32_t len;
		int rc;

		if (sec->len - off < 4)
			return fail(err, errlen, -EBADMSG, "string table: string %u cut short", i + 1);
		len = get_u32(sec->p + off);
		off += 4;
		if (len > sec->len - off)
			return fail(err, errlen, -EBADMSG,
				    "string table: string %u length %u exceeds the section", i + 1, len);
		rc = read_str(sec->p + off, len, DIAL9_DUMP_MAX_STRING_LEN, &t->strings[i],
			      "string table", err, errlen);
		if (rc)
			return rc;
		t->count = i + 1;
		off += len;
	}
	if (off != sec->len)
		return fail(err, errlen, -EBADMSG, "string table: %zu stray bytes at the end",
			    sec->len - off);
	return 0;
}

/* The events section's header (its first EVENTS_HDR_SIZE bytes at p, of a
 * section of len bytes): the declared events and blocks, checked against the
 * format's limits, the reader's (max_events: -E2BIG) and the section. */
static int check_events_header(const uint8_t *p, size_t len, uint64_t max_events,
			       uint64_t *nevents, uint32_t *nblocks, char *err, size_t errlen)
{
	if (len < EVENTS_HDR_SIZE)
		return fail(err, errlen, -EBADMSG, "events: header cut short");
	*nevents = get_u64(p);
	*nblocks = get_u32(p + 8);
	if (*nevents > DIAL9_DUMP_MAX_EVENTS)
		return fail(err, errlen, -EBADMSG, "events: %llu events declared (limit %llu)",
			    (unsigned long long)*nevents, (unsigned long long)DIAL9_DUMP_MAX_EVENTS);
	if (*nevents > max_events)
		return fail(err, errlen, -E2BIG,
			    "%llu events, more than the reader's limit of %llu events",
			    (unsigned long long)*nevents, (unsigned long long)max_events);
	if (*nblocks > (len - EVENTS_HDR_SIZE) / BLOCK_HDR_SIZE)
		return fail(err, errlen, -EBADMSG, "events: %u blocks cannot fit in %zu bytes",
			    *nblocks, len);
	return 0;
}

/* Block b's header at p (left: the section's bytes from there on): its
 * count and compressed length checked; *off moves past the block and
 * *total adds its events. */
static int check_block_header(const uint8_t *p, uint32_t b, size_t left, size_t *off,
			      uint64_t *total, char *err, size_t errlen)
{
	uint32_t count, clen;

	if (left < BLOCK_HDR_SIZE)
		return fail(err, errlen, -EBADMSG, "events: block %u header cut short", b);
	count = get_u32(p);
	clen = get_u32(p + 4);
	left -= BLOCK_HDR_SIZE;
	if (count == 0 || count > DIAL9_DUMP_BLOCK_EVENTS)
		return fail(err, errlen, -EBADMSG, "events: block %u holds %u events (1..%u)",
			    b, count, DIAL9_DUMP_BLOCK_EVENTS);
	if (clen > left)
		return fail(err, errlen, -EBADMSG,
			    "events: block %u length %u exceeds the section", b, clen);
	if ((uint64_t)count * EVENT_SIZE > (uint64_t)clen * DEFLATE_MAX_RATIO + DEFLATE_SLACK)
		return fail(err, errlen, -EBADMSG,
			    "events: block %u declares %u events in %u compressed bytes",
			    b, count, clen);
	*off += BLOCK_HDR_SIZE + clen;
	*total += count;
	return 0;
}

/* The blocks end where the section does and hold the events declared. */
static int check_block_total(size_t off, size_t len, uint64_t total, uint64_t nevents,
			     char *err, size_t errlen)
{
	if (off != len)
		return fail(err, errlen, -EBADMSG, "events: %zu stray bytes after the blocks",
			    len - off);
	if (total != nevents)
		return fail(err, errlen, -EBADMSG,
			    "events: blocks hold %llu events, header says %llu",
			    (unsigned long long)total, (unsigned long long)nevents);
	return 0;
}

/* The thread table: entries sorted by tid (so no tid twice), tid 0 none,
 * known roles, names as comm is (at most 16 bytes, no NUL). */
static int read_threads(const struct span *sec, struct dial9_dump *d, char *err, size_t errlen)
{
	uint32_t count;
	size_t off = 4;

	if (sec->len < 4)
		return fail(err, errlen, -EBADMSG, "thread table: cut short");
	count = get_u32(sec->p);
	if (count > DIAL9_DUMP_MAX_THREADS || count > (sec->len - 4) / THREAD_ENTRY_MIN)
		return fail(err, errlen, -EBADMSG,
			    "thread table: %u threads cannot fit in %zu bytes (limit %u)", count,
			    sec->len, DIAL9_DUMP_MAX_THREADS);
	if (count) {
		d->threads = calloc(count, sizeof(*d->threads));
		if (!d->threads)
			return fail(err, errlen, -ENOMEM, "out of memory");
	}
	for (uint32_t i = 0; i < count; i++) {
		struct dial9_dump_thread *th = &d->threads[i];
		uint32_t len;

		if (sec->len - off < THREAD_ENTRY_MIN)
			return fail(err, errlen, -EBADMSG, "thread table: entry %u cut short", i);
		th->tid = get_u32(sec->p + off);
		th->role = sec->p[off + 4];
		len = get_u32(sec->p + off + 5);
		off += THREAD_ENTRY_MIN;
		if (!th->tid || (i && th->tid <= th[-1].tid))
			return fail(err, errlen, -EBADMSG,
				    "thread table: entry %u: tid %u %s", i, th->tid,
				    th->tid ? "out of order (tids ascend, each once)" : "is none");
		if (th->role >= DIAL9_THREAD_ROLE__COUNT)
			return fail(err, errlen, -EBADMSG, "thread table: tid %u: unknown role %u",
				    th->tid, th->role);
		if (len > DIAL9_THREAD_NAME_MAX || len > sec->len - off)
			return fail(err, errlen, -EBADMSG,
				    "thread table: tid %u: name of %u bytes (limit %u, %zu left)",
				    th->tid, len, DIAL9_THREAD_NAME_MAX, sec->len - off);
		if (memchr(sec->p + off, 0, len))
			return fail(err, errlen, -EBADMSG,
				    "thread table: tid %u: name contains a NUL byte", th->tid);
		memcpy(th->name, sec->p + off, len);
		off += len;
		d->nthreads = i + 1;
	}
	if (off != sec->len)
		return fail(err, errlen, -EBADMSG, "thread table: %zu stray bytes at the end",
			    sec->len - off);
	d->threads_known = true;
	return 0;
}

static int read_events(const struct span *sec, uint64_t max_events, struct dial9_dump *d,
		       char *err, size_t errlen)
{
	struct dial9_event *ev = NULL;
	uint64_t nevents, total = 0, have = 0, cap = 0;
	uint32_t nblocks;
	uint8_t *raw = NULL;
	z_stream zs;
	int zinit = 0, rc = 0;
	size_t off;

	rc = check_events_header(sec->p, sec->len, max_events, &nevents, &nblocks, err, errlen);
	if (rc)
		return rc;
	/* Pass 1: block headers only, so nothing is allocated for declared sizes
	 * that the file cannot back. */
	off = EVENTS_HDR_SIZE;
	for (uint32_t b = 0; b < nblocks; b++) {
		rc = check_block_header(sec->p + off, b, sec->len - off, &off, &total, err, errlen);
		if (rc)
			return rc;
	}
	rc = check_block_total(off, sec->len, total, nevents, err, errlen);
	if (rc || nevents == 0)
		return rc;

	/* Pass 2: decompress.  The array grows as blocks decode, so what is
	 * allocated is backed by data that really inflated. */
	raw = malloc((size_t)DIAL9_DUMP_BLOCK_EVENTS * EVENT_SIZE);
	memset(&zs, 0, sizeof(zs));
	if (!raw || inflateInit(&zs) != Z_OK) {
		rc = fail(err, errlen, -ENOMEM, "out of memory");
		goto cleanup;
	}
	zinit = 1;
	off = EVENTS_HDR_SIZE;
	for (uint32_t b = 0; b < nblocks; b++) {
		uint32_t count = get_u32(sec->p + off);
		uint32_t clen = get_u32(sec->p + off + 4);
		size_t rawlen = (size_t)count * EVENT_SIZE;
		int zrc;

		off += BLOCK_HDR_SIZE;
		if (inflateReset(&zs) != Z_OK) {
			rc = fail(err, errlen, -EBADMSG, "events: zlib reset failed");
			goto cleanup;
		}
		zs.next_in = (Bytef *)(uintptr_t)(sec->p + off);
		zs.avail_in = clen;
		zs.next_out = raw;
		zs.avail_out = (uInt)rawlen;
		zrc = inflate(&zs, Z_FINISH);
		if (zrc == Z_MEM_ERROR) {
			rc = fail(err, errlen, -ENOMEM, "out of memory");
			goto cleanup;
		}
		if (zrc != Z_STREAM_END || zs.avail_out || zs.avail_in) {
			rc = fail(err, errlen, -EBADMSG,
				  "events: block %u: compressed data corrupt or of wrong size", b);
			goto cleanup;
		}
		off += clen;
		if (have + count > cap) {
			/* at most twice what has inflated so far */
			uint64_t ncap = cap ? cap * 2 : count;
			struct dial9_event *n;

			while (ncap < have + count)
				ncap *= 2;
			if (ncap > nevents)
				ncap = nevents;
			n = realloc(ev, (size_t)ncap * sizeof(*ev));
			if (!n) {
				rc = fail(err, errlen, -ENOMEM, "out of memory");
				goto cleanup;
			}
			ev = n;
			cap = ncap;
		}
		dial9_event_planes__to_events(&ev[have], raw, count);
		have += count;
	}
	d->events = ev;
	d->nevents = have;
	ev = NULL;
cleanup:
	if (zinit)
		inflateEnd(&zs);
	free(raw);
	free(ev);
	return rc;
}

/* Magic, version and declared size of a file of len bytes, from its first
 * bytes p (at least min(len, HEADER_SIZE) of them): what can be refused
 * before the rest of a file is read. */
static int check_header(const uint8_t *p, size_t len, char *err, size_t errlen)
{
	uint32_t version;
	uint64_t fsize;

	if (len == 0)
		return fail(err, errlen, -EBADMSG, "empty file");
	if (memcmp(p, MAGIC, len < MAGIC_LEN ? len : MAGIC_LEN) != 0)
		return fail(err, errlen, -EINVAL, "bad magic: not a dial9 dump");
	if (len < 12)
		return fail(err, errlen, -EBADMSG,
			    "truncated: file is %zu bytes, shorter than the %d-byte header",
			    len, HEADER_SIZE);
	version = get_u32(p + 8);
	if (version < DIAL9_FORMAT_VERSION_MIN || version > DIAL9_FORMAT_VERSION)
		return fail(err, errlen, -EPROTO,
			    "unsupported format version %u (this reader supports %d to %d)",
			    version, DIAL9_FORMAT_VERSION_MIN, DIAL9_FORMAT_VERSION);
	if (len < HEADER_SIZE)
		return fail(err, errlen, -EBADMSG,
			    "truncated: file is %zu bytes, shorter than the %d-byte header",
			    len, HEADER_SIZE);
	fsize = get_u64(p + 16);
	if (fsize > len)
		return fail(err, errlen, -EBADMSG, "truncated: file is %zu bytes, header says %llu",
			    len, (unsigned long long)fsize);
	if (fsize < len)
		return fail(err, errlen, -EBADMSG,
			    "trailing data: file is %zu bytes, header says %llu",
			    len, (unsigned long long)fsize);
	return 0;
}

/* The header's own size (p: a header check_header passed, of a file of len
 * bytes): where the sections start. */
static int check_header_size(const uint8_t *p, size_t len, uint32_t *hsize, char *err,
			     size_t errlen)
{
	*hsize = get_u32(p + 12);
	if (*hsize < HEADER_SIZE || *hsize > MAX_HEADER_SIZE || *hsize > len - TRAILER_SIZE ||
	    len < HEADER_SIZE + TRAILER_SIZE)
		return fail(err, errlen, -EBADMSG, "corrupt header: header size %u", *hsize);
	return 0;
}

/* Header, size and checksum.  Sets *body_end to where the sections end. */
static int check_envelope(const uint8_t *p, size_t len, size_t *body_start, size_t *body_end,
			  char *err, size_t errlen)
{
	uint32_t hsize, crc;
	int rc;

	rc = check_header(p, len, err, errlen);
	if (!rc)
		rc = check_header_size(p, len, &hsize, err, errlen);
	if (rc)
		return rc;
	crc = (uint32_t)crc32(crc32(0, NULL, 0), p, (uInt)(len - 4));
	if (crc != get_u32(p + len - 4))
		return fail(err, errlen, -EBADMSG, "checksum mismatch (file corrupt)");
	if (memcmp(p + len - TRAILER_SIZE, END_MAGIC, MAGIC_LEN) != 0)
		return fail(err, errlen, -EBADMSG, "corrupt trailer: end marker missing");
	*body_start = hsize;
	*body_end = len - TRAILER_SIZE;
	return 0;
}

/* The section header hdr at *off of a body ending at end (read only when
 * the body holds one there): its length checked against the body and a
 * known type against the sections seen, noted in secs; *off moves past the
 * section.  Unknown types (a newer writer's) are skipped. */
/* The section whose header is at hdr (at *off in the file) into secs
 * (room for SEC_THREADS + 1), past it; the thread table from version 4 on
 * only, unknown types skipped. */
static int take_section(struct span *secs, const uint8_t *hdr, uint32_t version, size_t *off,
			size_t end, char *err, size_t errlen)
{
	uint32_t type;
	uint64_t slen;

	if (end - *off < SECTION_HDR_SIZE)
		return fail(err, errlen, -EBADMSG, "section header at offset %zu cut short", *off);
	type = get_u32(hdr);
	slen = get_u64(hdr + 8);
	*off += SECTION_HDR_SIZE;
	if (slen > end - *off)
		return fail(err, errlen, -EBADMSG,
			    "section %u at offset %zu: length %llu exceeds the file",
			    type, *off - SECTION_HDR_SIZE, (unsigned long long)slen);
	if ((type >= SEC_META && type <= SEC_EVENTS) || (type == SEC_THREADS && version >= 4)) {
		if (secs[type].seen)
			return fail(err, errlen, -EBADMSG, "duplicate %s section",
				    section_name(type));
		secs[type].at = *off;
		secs[type].len = (size_t)slen;
		secs[type].seen = 1;
	}
	*off += (size_t)slen;
	return 0;
}

static int check_sections_present(const struct span *secs, char *err, size_t errlen)
{
	for (uint32_t t = SEC_META; t <= SEC_EVENTS; t++) {
		if (!secs[t].seen)
			return fail(err, errlen, -EBADMSG, "missing %s section", section_name(t));
	}
	return 0;
}

static uint64_t max_events_of(const struct dial9_read_opts *opts)
{
	if (!opts || !opts->max_events)
		return DIAL9_DUMP_DEFAULT_MAX_EVENTS;
	return opts->max_events < DIAL9_DUMP_MAX_EVENTS ? opts->max_events : DIAL9_DUMP_MAX_EVENTS;
}

int dial9_dump__read_mem(const void *buf, size_t len, struct dial9_dump **out,
			 char *err, size_t errlen)
{
	return dial9_dump__read_mem_opts(buf, len, NULL, out, err, errlen);
}

int dial9_dump__read_mem_opts(const void *buf, size_t len, const struct dial9_read_opts *opts,
			      struct dial9_dump **out, char *err, size_t errlen)
{
	const uint8_t *p = buf;
	struct span secs[SEC_THREADS + 1] = { { 0 } };
	struct dial9_dump *d = NULL;
	size_t off = 0, end = 0;
	uint32_t version;
	int rc;

	if (err && errlen)
		err[0] = 0;
	if (!out || (!buf && len))
		return fail(err, errlen, -EINVAL, "invalid argument");
	*out = NULL;
	if (len > DIAL9_DUMP_MAX_FILE_SIZE)
		return fail(err, errlen, -EFBIG, "file too large: %zu bytes (limit %llu)", len,
			    (unsigned long long)DIAL9_DUMP_MAX_FILE_SIZE);
	rc = check_envelope(p, len, &off, &end, err, errlen);
	if (rc)
		return rc;
	version = get_u32(p + 8);

	while (off < end) {
		rc = take_section(secs, p + off, version, &off, end, err, errlen);
		if (rc)
			return rc;
	}
	rc = check_sections_present(secs, err, errlen);
	if (rc)
		return rc;
	for (uint32_t t = SEC_META; t <= SEC_THREADS; t++)
		secs[t].p = p + secs[t].at;

	d = dial9_dump__new();
	if (!d)
		return fail(err, errlen, -ENOMEM, "out of memory");
	rc = read_meta(&secs[SEC_META], &d->meta, err, errlen);
	d->meta.version = version;
	if (!rc)
		rc = read_strings(&secs[SEC_STRINGS], &d->strings, err, errlen);
	if (!rc && secs[SEC_THREADS].seen)
		rc = read_threads(&secs[SEC_THREADS], d, err, errlen);
	if (!rc)
		rc = read_events(&secs[SEC_EVENTS], max_events_of(opts), d, err, errlen);
	if (!rc)
		rc = check_events(d->events, d->nevents, d->strings.count, err, errlen);
	if (rc) {
		dial9_dump__free(d);
		return rc;
	}
	*out = d;
	return 0;
}

static const char *file_type_name(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFIFO: return "a FIFO";
	case S_IFCHR: return "a character device";
	case S_IFBLK: return "a block device";
	case S_IFSOCK: return "a socket";
	default: return "not a regular file";
	}
}

/* fd is a regular file a dump may be (a FIFO or a device could block or
 * never end): its size. */
static int check_file(int fd, size_t *size, char *err, size_t errlen)
{
	struct stat st;
	int rc;

	if (fstat(fd, &st) < 0) {
		rc = -errno;
		return fail(err, errlen, rc, "cannot stat: %s", strerror(-rc));
	}
	if (S_ISDIR(st.st_mode))
		return fail(err, errlen, -EISDIR, "is a directory");
	if (!S_ISREG(st.st_mode))
		return fail(err, errlen, -EINVAL, "not a regular file (%s)",
			    file_type_name(st.st_mode));
	if ((uint64_t)st.st_size > DIAL9_DUMP_MAX_FILE_SIZE)
		return fail(err, errlen, -EFBIG, "file too large: %lld bytes (limit %llu)",
			    (long long)st.st_size, (unsigned long long)DIAL9_DUMP_MAX_FILE_SIZE);
	*size = (size_t)st.st_size;
	return 0;
}

/* Up to len bytes from fd into buf until end of file; the count read, or a
 * negative errno. */
static ssize_t read_full(int fd, uint8_t *buf, size_t len)
{
	size_t have = 0;

	while (have < len) {
		ssize_t n = read(fd, buf + have, len - have);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		have += (size_t)n;
	}
	return (ssize_t)have;
}

int dial9_dump__read(const char *path, struct dial9_dump **out, char *err, size_t errlen)
{
	return dial9_dump__read_opts(path, NULL, out, err, errlen);
}

/* Only a regular file is read (a FIFO or a device could block or never end),
 * and only after its header agrees with its size, so that nothing is
 * allocated for a file that is not a dump of the size it says. */
int dial9_dump__read_opts(const char *path, const struct dial9_read_opts *opts,
			  struct dial9_dump **out, char *err, size_t errlen)
{
	uint8_t head[HEADER_SIZE], *buf = NULL;
	size_t size, have;
	ssize_t n;
	int fd, rc;

	if (err && errlen)
		err[0] = 0;
	if (!path || !out)
		return fail(err, errlen, -EINVAL, "invalid argument");
	*out = NULL;
	/* O_NONBLOCK: opening a FIFO without a writer must not wait for one */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		rc = -errno;
		return fail(err, errlen, rc, "cannot open: %s", strerror(-rc));
	}
	rc = check_file(fd, &size, err, errlen);
	if (rc)
		goto cleanup;
	n = read_full(fd, head, size < HEADER_SIZE ? size : HEADER_SIZE);
	if (n < 0) {
		rc = fail(err, errlen, (int)n, "read failed: %s", strerror((int)-n));
		goto cleanup;
	}
	have = (size_t)n;
	if (have < HEADER_SIZE)
		size = have; /* all there is (it may have shrunk since fstat) */
	/* the header against the size, before anything is allocated for it */
	rc = check_header(head, size, err, errlen);
	if (rc)
		goto cleanup;
	/* one byte more than the size tells a file that grew since fstat */
	buf = malloc(size + 1);
	if (!buf) {
		rc = fail(err, errlen, -ENOMEM, "out of memory");
		goto cleanup;
	}
	memcpy(buf, head, have);
	n = read_full(fd, buf + have, size + 1 - have);
	if (n < 0) {
		rc = fail(err, errlen, (int)n, "read failed: %s", strerror((int)-n));
		goto cleanup;
	}
	rc = dial9_dump__read_mem_opts(buf, have + (size_t)n, opts, out, err, errlen);
cleanup:
	close(fd);
	free(buf);
	return rc;
}

/* --- metadata only ------------------------------------------------------------ */

/* A metadata section longer than this is refused by the metadata-only
 * reader: a writer's is under 140 KiB (two strings of 65535 bytes at most). */
#define INFO_MAX_META (1u << 20)

/* len bytes at off of fd, all of them, or -EBADMSG for a file that ends
 * before (it shrank since it was measured). */
static int pread_exact(int fd, void *buf, size_t len, size_t off, char *err, size_t errlen)
{
	size_t have = 0;

	while (have < len) {
		ssize_t n = pread(fd, (uint8_t *)buf + have, len - have, (off_t)(off + have));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail(err, errlen, -errno, "read failed: %s", strerror(errno));
		if (n == 0)
			return fail(err, errlen, -EBADMSG, "truncated: the file ended while read");
		have += (size_t)n;
	}
	return 0;
}

/* Block headers the metadata-only read walks, one pread each: a writer
 * makes at most DIAL9_DUMP_MAX_EVENTS / DIAL9_DUMP_BLOCK_EVENTS (1024); a
 * file of more (legal, but no writer's) keeps its declared count unchecked,
 * so that a hostile file costs a listing at most this many reads. */
#define INFO_MAX_BLOCKS 4096u

/* The events section of fd (at sec): its declared events, and every block
 * header checked as read_events' first pass does, nothing inflated. */
static int info_events(int fd, const struct span *sec, struct dial9_dump_info *out, char *err,
		       size_t errlen)
{
	uint64_t *nevents = &out->nevents;
	uint8_t hdr[EVENTS_HDR_SIZE > BLOCK_HDR_SIZE ? EVENTS_HDR_SIZE : BLOCK_HDR_SIZE] = { 0 };
	uint64_t total = 0;
	uint32_t nblocks;
	size_t off;
	int rc;

	if (sec->len >= EVENTS_HDR_SIZE) {
		rc = pread_exact(fd, hdr, EVENTS_HDR_SIZE, sec->at, err, errlen);
		if (rc)
			return rc;
	}
	rc = check_events_header(hdr, sec->len, DIAL9_DUMP_MAX_EVENTS, nevents, &nblocks, err,
				 errlen);
	if (rc || nblocks > INFO_MAX_BLOCKS)
		return rc;
	off = EVENTS_HDR_SIZE;
	for (uint32_t b = 0; b < nblocks; b++) {
		if (sec->len - off >= BLOCK_HDR_SIZE) {
			rc = pread_exact(fd, hdr, BLOCK_HDR_SIZE, sec->at + off, err, errlen);
			if (rc)
				return rc;
		}
		rc = check_block_header(hdr, b, sec->len - off, &off, &total, err, errlen);
		if (rc)
			return rc;
	}
	rc = check_block_total(off, sec->len, total, *nevents, err, errlen);
	out->nevents_checked = !rc;
	return rc;
}

int dial9_dump__read_info_fd(int fd, struct dial9_dump_info *out, char *err, size_t errlen)
{
	uint8_t head[HEADER_SIZE] = { 0 }, trailer[TRAILER_SIZE], sec_hdr[SECTION_HDR_SIZE];
	struct span secs[SEC_THREADS + 1] = { { 0 } };
	uint8_t *meta = NULL;
	size_t size, off, end;
	uint32_t hsize;
	int rc;

	if (err && errlen)
		err[0] = 0;
	if (!out)
		return fail(err, errlen, -EINVAL, "invalid argument");
	memset(out, 0, sizeof(*out));
	rc = check_file(fd, &size, err, errlen);
	if (!rc && size)
		rc = pread_exact(fd, head, size < HEADER_SIZE ? size : HEADER_SIZE, 0, err, errlen);
	if (!rc)
		rc = check_header(head, size, err, errlen);
	if (!rc)
		rc = check_header_size(head, size, &hsize, err, errlen);
	if (!rc)
		rc = pread_exact(fd, trailer, TRAILER_SIZE, size - TRAILER_SIZE, err, errlen);
	if (rc)
		return rc;
	if (memcmp(trailer, END_MAGIC, MAGIC_LEN) != 0)
		return fail(err, errlen, -EBADMSG, "corrupt trailer: end marker missing");
	end = size - TRAILER_SIZE;
	for (off = hsize; off < end;) {
		if (end - off >= SECTION_HDR_SIZE) {
			rc = pread_exact(fd, sec_hdr, SECTION_HDR_SIZE, off, err, errlen);
			if (rc)
				return rc;
		}
		rc = take_section(secs, sec_hdr, get_u32(head + 8), &off, end, err, errlen);
		if (rc)
			return rc;
	}
	rc = check_sections_present(secs, err, errlen);
	if (rc)
		return rc;
	if (secs[SEC_META].len > INFO_MAX_META)
		return fail(err, errlen, -EBADMSG,
			    "metadata: %zu bytes, more than a writer makes (%u)",
			    secs[SEC_META].len, INFO_MAX_META);
	meta = malloc(secs[SEC_META].len ? secs[SEC_META].len : 1);
	if (!meta)
		return fail(err, errlen, -ENOMEM, "out of memory");
	rc = pread_exact(fd, meta, secs[SEC_META].len, secs[SEC_META].at, err, errlen);
	secs[SEC_META].p = meta;
	if (!rc)
		rc = read_meta(&secs[SEC_META], &out->meta, err, errlen);
	if (!rc)
		rc = info_events(fd, &secs[SEC_EVENTS], out, err, errlen);
	free(meta);
	out->meta.version = get_u32(head + 8);
	out->file_size = size;
	if (rc)
		dial9_dump_info__clear(out);
	return rc;
}

void dial9_dump_info__clear(struct dial9_dump_info *info)
{
	if (!info)
		return;
	free(info->meta.exe);
	free(info->meta.hostname);
	free(info->meta.trigger_rule);
	memset(info, 0, sizeof(*info));
}

int dial9_dump__verify_fd(int fd, char *err, size_t errlen)
{
	size_t size, off = 0, chunk = 1u << 20;
	uint8_t *buf = NULL, tail[4];
	uLong crc = crc32(0, NULL, 0);
	int rc;

	if (err && errlen)
		err[0] = 0;
	rc = check_file(fd, &size, err, errlen);
	if (rc)
		return rc;
	if (size < HEADER_SIZE + TRAILER_SIZE)
		return fail(err, errlen, -EBADMSG, "truncated: file is %zu bytes", size);
	buf = malloc(chunk);
	if (!buf)
		return fail(err, errlen, -ENOMEM, "out of memory");
	while (!rc && off < size - 4) {
		size_t n = size - 4 - off < chunk ? size - 4 - off : chunk;

		rc = pread_exact(fd, buf, n, off, err, errlen);
		crc = crc32(crc, buf, (uInt)n);
		off += n;
	}
	if (!rc)
		rc = pread_exact(fd, tail, sizeof(tail), size - 4, err, errlen);
	if (!rc && (uint32_t)crc != get_u32(tail))
		rc = fail(err, errlen, -EBADMSG, "checksum mismatch (file corrupt)");
	free(buf);
	return rc;
}
