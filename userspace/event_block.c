// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * event_block.c - a block of the events section: records as byte planes,
 * compressed with zlib level 1 and run-length matches (docs/FORMAT.md).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

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

/*
 * The zlib stream's checksum (RFC 1950: Adler-32 of the inflated planes).
 * zlib's own is a byte at a time and took a tenth of a seal's time; this
 * one sums 16 bytes a step (x86-64's SSE2), the same value.
 */
#define ADLER_BASE 65521u
#define ADLER_STEPS 347 /* 16-byte steps before the sums must be reduced (5552 / 16) */

static uint32_t planes_adler32(const uint8_t *p, size_t len)
{
	uint32_t a = 1, b = 0;
#ifdef __SSE2__
	const __m128i zero = _mm_setzero_si128();
	const __m128i w_hi = _mm_setr_epi16(16, 15, 14, 13, 12, 11, 10, 9);
	const __m128i w_lo = _mm_setr_epi16(8, 7, 6, 5, 4, 3, 2, 1);

	while (len >= 16) {
		size_t n = len / 16 < ADLER_STEPS ? len / 16 : ADLER_STEPS;
		__m128i s1 = zero, s2 = zero, s1_before = zero;
		uint32_t v1[4], v2[4], vb[4];

		for (size_t i = 0; i < n; i++, p += 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)p);

			/* b gains 16 a per step: a's growth before this step, summed */
			s1_before = _mm_add_epi32(s1_before, s1);
			s1 = _mm_add_epi32(s1, _mm_sad_epu8(v, zero));
			s2 = _mm_add_epi32(s2, _mm_add_epi32(
						       _mm_madd_epi16(_mm_unpacklo_epi8(v, zero), w_hi),
						       _mm_madd_epi16(_mm_unpackhi_epi8(v, zero), w_lo)));
		}
		len -= n * 16;
		_mm_storeu_si128((__m128i *)v1, s1);
		_mm_storeu_si128((__m128i *)v2, s2);
		_mm_storeu_si128((__m128i *)vb, s1_before);
		b = (uint32_t)((b + 16ull * n * a + 16ull * ((uint64_t)vb[0] + vb[2]) +
				(uint64_t)v2[0] + v2[1] + v2[2] + v2[3]) % ADLER_BASE);
		a = (uint32_t)((a + (uint64_t)v1[0] + v1[2]) % ADLER_BASE);
	}
	while (len--) {
		a += *p++;
		b += a;
	}
	return (b % ADLER_BASE) << 16 | (a % ADLER_BASE);
#else
	return (uint32_t)adler32(adler32(0, NULL, 0), p, (uInt)len);
#endif
}

#define ZLIB_HEADER_SIZE 2
#define ZLIB_TRAILER_SIZE 4

size_t dial9_event_block__bound(uint32_t count)
{
	/* zlib's bound for its own stream: header, deflate, trailer */
	return compressBound((uLong)count * EVENT_SIZE);
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
	size_t rawlen = (size_t)count * EVENT_SIZE, clen;
	uint8_t *raw = NULL;
	uint32_t adler;
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
	 * twice as fast as the default strategy at the same size here.  Raw
	 * deflate, framed here as zlib frames it at level 1 (78 01 … Adler-32),
	 * with a faster checksum. */
	if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, -15, 8, Z_RLE) != Z_OK) {
		err = -ENOMEM;
		goto cleanup;
	}
	zs.next_in = raw;
	zs.avail_in = (uInt)rawlen;
	zs.next_out = out + ZLIB_HEADER_SIZE;
	zs.avail_out = (uInt)(cap - ZLIB_HEADER_SIZE - ZLIB_TRAILER_SIZE);
	zrc = deflate(&zs, Z_FINISH);
	deflateEnd(&zs);
	if (zrc != Z_STREAM_END) {
		err = -EIO;
		goto cleanup;
	}
	clen = ZLIB_HEADER_SIZE + zs.total_out + ZLIB_TRAILER_SIZE;
	adler = planes_adler32(raw, rawlen);
	out[0] = 0x78; /* deflate, 32 KiB window */
	out[1] = 0x01; /* fastest; header check: 0x7801 % 31 == 0 */
	for (int i = 0; i < ZLIB_TRAILER_SIZE; i++) /* big-endian */
		out[clen - 1 - i] = (uint8_t)(adler >> (8 * i));
	b->data = out;
	b->clen = (uint32_t)clen;
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
