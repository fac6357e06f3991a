/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * blocking_pool.h - the blocking pool's own tasks are the runtime's threads,
 * not the program's tasks.
 */
#ifndef DIAL9D_BLOCKING_POOL_H
#define DIAL9D_BLOCKING_POOL_H

#include "process.h"

/* Does the raw::poll call returning to addr run the pool's own tasks? */
bool blocking_pool__is_site(struct tracked *t, uint64_t addr);
/* Is loc (a future's name) one of the pool's task wrappers? */
bool blocking_pool__is_future(const char *loc);
/* ps without the pool's per-task copies and task id allocations (out->points
 * malloc'd).  0 or -ENOMEM. */
int blocking_pool__probe_set(struct tracked *t, const struct dial9_probe_set *ps,
			     uint64_t text_lo, uint64_t text_hi, uint64_t text_off,
			     struct dial9_probe_set *out);
/* false: ev is the pool's (drop it); a wake by a pool task becomes the
 * runtime's.  poll_addr: the POLL_START's future address. */
bool blocking_pool__filter(struct tracked *t, struct dial9_event *ev, uint64_t poll_addr);

#endif /* DIAL9D_BLOCKING_POOL_H */
