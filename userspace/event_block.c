// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * event_block.c - a block of the events section: records as byte planes,
 * compressed with zlib level 1 and run-length matches (docs/FORMAT.md).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "event_block.h"

#define EVENT_SIZE 32
#define TS_PLANES 8 /* bytes 0..7 of a record: ts_ns */

/* The record in memory is the file's little-endian record. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "records are little-endian");
_Static_assert(sizeof(struct dial9_event) == EVENT_SIZE, "layout");
_Static_assert(__builtin_offsetof(struct dial9_event, ts_ns) == 0, "layout");
_Static_assert(__builtin_offsetof(struct dial9_event, task_id) == 8, "layout");
_Static_assert(__builtin_offsetof(struct dial9_event, arg) == 16, "layout");
_Static_assert(__builtin_offsetof(struct dial9_event, tid) == 24, "layout");
_Static_assert(__builtin_offsetof(struct dial9_event, kind) == 28, "layout");
_Static_assert(__builtin_offsetof(struct dial9_event, flags) == 29, "layout");
_Static_assert(__builtin_offsetof(struct dial9_event, aux) == 30, "layout");
_Static_assert(DIAL9_EV_KIND_MAX <= 32, "kinds fit the block's 32-bit kind set");

bool dial9_event_kind_has_string(uint32_t kind)
{
	return kind == DIAL9_EV_SPAWN || kind == DIAL9_EV_POLL_START || kind == DIAL9_EV_PANIC ||
	       kind == DIAL9_EV_CPU_SAMPLE;
}

/* Neighbouring records share most high bytes, so the planes compress far
 * better and faster than records side by side.  Records go through a small
 * tile so that each plane is written a cache line at a time. */
#define TILE 64

void dial9_event_planes__from_events(uint8_t *raw, const struct dial9_event *ev, uint32_t count)
{
	uint8_t tile[TILE][EVENT_SIZE];

	for (uint32_t i0 = 0; i0 < count; i0 += TILE) {
		uint32_t n = count - i0 < TILE ? count - i0 : TILE;

		memcpy(tile, &ev[i0], (size_t)n * EVENT_SIZE);
		for (int b = 0; b < EVENT_SIZE; b++) {
			uint8_t *plane = raw + (size_t)b * count + i0;

			for (uint32_t i = 0; i < n; i++)
				plane[i] = tile[i][b];
		}
	}
}

void dial9_event_planes__to_events(struct dial9_event *ev, const uint8_t *raw, uint32_t count)
{
	uint8_t tile[TILE][EVENT_SIZE];

	for (uint32_t i0 = 0; i0 < count; i0 += TILE) {
		uint32_t n = count - i0 < TILE ? count - i0 : TILE;

		for (int b = 0; b < EVENT_SIZE; b++) {
			const uint8_t *plane = raw + (size_t)b * count + i0;

			for (uint32_t i = 0; i < n; i++)
				tile[i][b] = plane[i];
		}
		memcpy(&ev[i0], tile, (size_t)n * EVENT_SIZE);
	}
}

size_t dial9_event_block__bound(uint32_t count)
{
	return compressBound((uLong)count * EVENT_SIZE); /* level 1, default window */
}

/* What a writer checks without decoding; -EINVAL for unsorted records or
 * unknown kinds. */
static int describe(const struct dial9_event *ev, uint32_t count, struct dial9_event_block *b)
{
	memset(b, 0, sizeof(*b));
	if (!ev || count == 0 || count > DIAL9_EVENT_BLOCK_MAX)
		return -EINVAL;
	for (uint32_t i = 0; i < count; i++) {
		if (ev[i].kind >= DIAL9_EV_KIND_MAX || (i && ev[i].ts_ns < ev[i - 1].ts_ns))
			return -EINVAL;
		b->kinds |= 1u << ev[i].kind;
		if (dial9_event_kind_has_string(ev[i].kind) && ev[i].arg > b->max_string_id)
			b->max_string_id = ev[i].arg;
	}
	b->count = count;
	b->first_ts = ev[0].ts_ns;
	b->last_ts = ev[count - 1].ts_ns;
	return 0;
}

int dial9_event_block__encode_into(const struct dial9_event *ev, uint32_t count, uint8_t *out,
				   size_t cap, struct dial9_event_block *b)
{
	size_t rawlen = (size_t)count * EVENT_SIZE;
	uint8_t *raw = NULL;
	z_stream zs;
	int err, zrc;

	err = describe(ev, count, b);
	if (err)
		return err;
	if (!out || cap < dial9_event_block__bound(count))
		return -EINVAL;
	raw = malloc(rawlen);
	if (!raw)
		return -ENOMEM;
	dial9_event_planes__from_events(raw, ev, count);
	memset(&zs, 0, sizeof(zs));
	/* Run-length matches only: byte planes are mostly runs, and this is about
	 * twice as fast as the default strategy at the same size here. */
	if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 15, 8, Z_RLE) != Z_OK) {
		err = -ENOMEM;
		goto cleanup;
	}
	zs.next_in = raw;
	zs.avail_in = (uInt)rawlen;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	zrc = deflate(&zs, Z_FINISH);
	deflateEnd(&zs);
	if (zrc != Z_STREAM_END) {
		err = -EIO;
		goto cleanup;
	}
	b->data = out;
	b->clen = (uint32_t)zs.total_out;
	b->crc = (uint32_t)crc32(crc32(0, NULL, 0), out, b->clen);
cleanup:
	free(raw);
	return err;
}

int dial9_event_block__encode(const struct dial9_event *ev, uint32_t count,
			      struct dial9_event_block *b)
{
	size_t cap = dial9_event_block__bound(count);
	uint8_t *out = malloc(cap), *fit;
	int err;

	if (!out)
		return -ENOMEM;
	err = dial9_event_block__encode_into(ev, count, out, cap, b);
	if (err) {
		free(out);
		memset(b, 0, sizeof(*b));
		return err;
	}
	fit = realloc(out, b->clen); /* shrinking: keeps out on failure */
	b->data = fit ? fit : out;
	return 0;
}

void dial9_event_block__release(struct dial9_event_block *b)
{
	if (!b)
		return;
	free(b->data);
	b->data = NULL;
	b->clen = 0;
}

/* Inflate the first len bytes of b's planes into raw; whole: the stream
 * must end exactly there.  0 or -EBADMSG. */
static int inflate_planes(const struct dial9_event_block *b, uint8_t *raw, size_t len, bool whole)
{
	z_stream zs;
	int zrc;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK)
		return -ENOMEM;
	zs.next_in = b->data;
	zs.avail_in = b->clen;
	zs.next_out = raw;
	zs.avail_out = (uInt)len;
	zrc = inflate(&zs, whole ? Z_FINISH : Z_SYNC_FLUSH);
	inflateEnd(&zs);
	if (zs.avail_out)
		return -EBADMSG;
	if (whole ? zrc != Z_STREAM_END || zs.avail_in : zrc != Z_OK && zrc != Z_STREAM_END)
		return -EBADMSG;
	return 0;
}

int dial9_event_block__decode(const struct dial9_event_block *b, struct dial9_event *out)
{
	uint8_t *raw = malloc((size_t)b->count * EVENT_SIZE);
	int err;

	if (!raw)
		return -ENOMEM;
	err = inflate_planes(b, raw, (size_t)b->count * EVENT_SIZE, true);
	if (!err)
		dial9_event_planes__to_events(out, raw, b->count);
	free(raw);
	return err;
}

int dial9_event_block__decode_ts(const struct dial9_event_block *b, uint64_t *ts)
{
	uint8_t *raw = malloc((size_t)b->count * TS_PLANES);
	int err;

	if (!raw)
		return -ENOMEM;
	err = inflate_planes(b, raw, (size_t)b->count * TS_PLANES, false);
	for (uint32_t i = 0; !err && i < b->count; i++) {
		uint64_t v = 0;

		for (int p = TS_PLANES - 1; p >= 0; p--)
			v = v << 8 | raw[(size_t)p * b->count + i];
		ts[i] = v;
	}
	free(raw);
	return err;
}
