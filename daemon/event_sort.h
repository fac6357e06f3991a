/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * event_sort.h - stable sorting of records by ts_ns (equal timestamps keep
 * their order), fast on nearly sorted input.
 */
#ifndef DIAL9D_EVENT_SORT_H
#define DIAL9D_EVENT_SORT_H

#include <linux/types.h>
#include <stddef.h>

#include "dial9_event.h"

/* Sort a[0..n).  0 or -ENOMEM (a then holds the same records, in some order). */
int dial9_events__sort(struct dial9_event *a, size_t n);

/* Merge the sorted a[0..mid) and a[mid..n) in place; on equal timestamps the
 * first part's records come first.  0 or -ENOMEM (a unchanged). */
int dial9_events__merge(struct dial9_event *a, size_t mid, size_t n);

#endif /* DIAL9D_EVENT_SORT_H */
