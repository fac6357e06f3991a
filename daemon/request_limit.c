// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * request_limit.c - request dumps per client uid: a token bucket of
 * request_dumps_per_min tokens, refilled continuously.  A dump costs the
 * daemon a window's encoding and the disk a file; no user may make it do
 * that 100 times a second.  Root is not limited.
 */
#include "request_limit.h"

bool request_limit__allow(struct daemon *d, uid_t uid, uint64_t now_ns)
{
	double per_ns = d->o.request_dumps_per_min / 60e9, burst = d->o.request_dumps_per_min;
	struct request_bucket *b = NULL, *oldest = &d->request_buckets[0];
	int i;

	if (uid == 0 || d->o.request_dumps_per_min == 0)
		return true;
	for (i = 0; i < DIAL9D_REQUEST_BUCKETS && !b; i++) {
		struct request_bucket *c = &d->request_buckets[i];

		if (c->at_ns && c->uid == uid)
			b = c;
		else if (c->at_ns < oldest->at_ns)
			oldest = c;
	}
	if (!b) { /* a uid not seen lately: a full bucket (in the slot idle longest) */
		b = oldest;
		*b = (struct request_bucket){ .uid = uid, .tokens = burst, .at_ns = now_ns };
	}
	b->tokens += (double)(now_ns - b->at_ns) * per_ns;
	if (b->tokens > burst)
		b->tokens = burst;
	b->at_ns = now_ns;
	if (b->tokens < 1.0)
		return false;
	b->tokens -= 1.0;
	return true;
}
