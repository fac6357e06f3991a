/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * event_block.h - one block of a dump's events section (docs/FORMAT.md):
 * up to 65536 records sorted by ts_ns, stored as 32 byte planes in one zlib
 * stream.  The dump writer and reader code blocks with it, and dial9d's
 * window keeps its sealed records as such blocks, so that a dump copies them
 * as they are.
 */
#ifndef DIAL9_EVENT_BLOCK_H
#define DIAL9_EVENT_BLOCK_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dial9_event.h"

#define DIAL9_EVENT_BLOCK_MAX 65536u /* events in one block, at most */

/* A coded block and what a writer must know of it without decoding it. */
struct dial9_event_block {
	uint8_t *data;          /* the zlib stream, clen bytes */
	uint32_t clen;
	uint32_t crc;           /* zlib crc32 of data: a file's checksum without reading it */
	uint32_t count;         /* 1..DIAL9_EVENT_BLOCK_MAX */
	uint64_t first_ts;      /* ts_ns of its first and last record */
	uint64_t last_ts;
	uint64_t max_string_id; /* largest arg of a record whose arg is a string id */
	uint32_t kinds;         /* bit k set: it holds a record of kind k */
};

/* Is arg a string id (of the dump's table) for this kind?  (A block knows
 * its largest, so a writer checks it against the table without decoding.) */
bool dial9_event_kind_has_string(uint32_t kind);

/* Bytes that coding count records can take at most. */
size_t dial9_event_block__bound(uint32_t count);

/* Code ev[0..count) (sorted by ts_ns, kinds < DIAL9_EV_KIND_MAX, else
 * -EINVAL) into out (cap >= bound bytes); b describes it, b->data = out.
 * 0 or negative errno. */
int dial9_event_block__encode_into(const struct dial9_event *ev, uint32_t count, uint8_t *out,
				   size_t cap, struct dial9_event_block *b);
/* The same into a malloc'd buffer of exactly b->clen bytes. */
int dial9_event_block__encode(const struct dial9_event *ev, uint32_t count,
			      struct dial9_event_block *b);
/* Free b's data (accepts NULL and an empty block). */
void dial9_event_block__release(struct dial9_event_block *b);

/* All b->count records into out; only their timestamps into ts (the first
 * 8 planes: a quarter of the stream is inflated).  0 or -EBADMSG. */
int dial9_event_block__decode(const struct dial9_event_block *b, struct dial9_event *out);
int dial9_event_block__decode_ts(const struct dial9_event_block *b, uint64_t *ts);

/* The plane layout itself: byte p of record i is raw[p * count + i]. */
void dial9_event_planes__from_events(uint8_t *raw, const struct dial9_event *ev, uint32_t count);
void dial9_event_planes__to_events(struct dial9_event *ev, const uint8_t *raw, uint32_t count);

#endif /* DIAL9_EVENT_BLOCK_H */
