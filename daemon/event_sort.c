// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * event_sort.c - stable sorting of records by ts_ns, adaptive: runs already
 * in order cost a comparison, and a merge moves only the parts that overlap.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event_sort.h"

#define SORT_RUN 32

static void insertion_sort(struct dial9_event *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct dial9_event x;
		size_t j = i;

		if (a[i - 1].ts_ns <= a[i].ts_ns)
			continue;
		x = a[i];
		while (j > 0 && a[j - 1].ts_ns > x.ts_ns) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = x;
	}
}

/* First index in a[0..n) with ts > v. */
static size_t upper_bound(const struct dial9_event *a, size_t n, uint64_t v)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a[mid].ts_ns > v)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* First index in a[0..n) with ts >= v. */
static size_t lower_bound(const struct dial9_event *a, size_t n, uint64_t v)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a[mid].ts_ns >= v)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

struct sort_tmp {
	struct dial9_event *p;
	size_t cap;
};

static int tmp_reserve(struct sort_tmp *t, size_t n)
{
	struct dial9_event *p;

	if (n <= t->cap)
		return 0;
	p = realloc(t->p, n * sizeof(*p));
	if (!p)
		return -ENOMEM;
	t->p = p;
	t->cap = n;
	return 0;
}

/* Merge sorted a[lo..mid) and a[mid..hi) in place; only the overlapping parts
 * move, through a buffer the size of the smaller of them. */
static int merge_into(struct dial9_event *a, size_t lo, size_t mid, size_t hi, struct sort_tmp *t)
{
	size_t l0, r1, nl, nr;

	if (a[mid - 1].ts_ns <= a[mid].ts_ns)
		return 0;
	l0 = lo + upper_bound(a + lo, mid - lo, a[mid].ts_ns);
	r1 = mid + lower_bound(a + mid, hi - mid, a[mid - 1].ts_ns);
	nl = mid - l0;
	nr = r1 - mid;
	if (tmp_reserve(t, nl < nr ? nl : nr))
		return -ENOMEM;
	if (nl <= nr) {
		size_t i = 0, j = mid, k = l0;

		memcpy(t->p, a + l0, nl * sizeof(*a));
		while (i < nl && j < r1)
			a[k++] = a[j].ts_ns < t->p[i].ts_ns ? a[j++] : t->p[i++];
		while (i < nl)
			a[k++] = t->p[i++];
	} else {
		size_t i = mid, j = nr, k = r1; /* one past the next element */

		memcpy(t->p, a + mid, nr * sizeof(*a));
		while (i > l0 && j > 0)
			a[--k] = t->p[j - 1].ts_ns < a[i - 1].ts_ns ? a[--i] : t->p[--j];
		while (j > 0)
			a[--k] = t->p[--j];
	}
	return 0;
}

int dial9_events__sort(struct dial9_event *a, size_t n)
{
	struct sort_tmp t = { 0 };
	int err = 0;

	for (size_t lo = 0; lo < n; lo += SORT_RUN)
		insertion_sort(a + lo, n - lo < SORT_RUN ? n - lo : SORT_RUN);
	for (size_t width = SORT_RUN; width < n && !err; width *= 2) {
		for (size_t lo = 0; lo + width < n && !err; lo += 2 * width) {
			size_t hi = n - lo > 2 * width ? lo + 2 * width : n;

			err = merge_into(a, lo, lo + width, hi, &t);
		}
	}
	free(t.p);
	return err;
}

int dial9_events__merge(struct dial9_event *a, size_t mid, size_t n)
{
	struct sort_tmp t = { 0 };
	int err;

	if (mid == 0 || mid >= n)
		return 0;
	err = merge_into(a, 0, mid, n, &t);
	free(t.p);
	return err;
}
