// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* analysis_idset.c - sorted set of distinct 64-bit ids. */
#include <stdlib.h>

#include "analysis.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void dial9_idset__init(struct dial9_idset *s, uint64_t *ids, uint64_t n)
{
	uint64_t i, k = 0;

	if (n)
		qsort(ids, n, sizeof(*ids), cmp_u64);
	for (i = 0; i < n; i++)
		if (k == 0 || ids[k - 1] != ids[i])
			ids[k++] = ids[i];
	s->ids = ids;
	s->count = k;
}

void dial9_idset__free(struct dial9_idset *s)
{
	if (!s)
		return;
	free(s->ids);
	s->ids = NULL;
	s->count = 0;
}

uint64_t dial9_idset__find(const struct dial9_idset *s, uint64_t id)
{
	uint64_t lo = 0, hi = s->count;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (s->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->count && s->ids[lo] == id ? lo : DIAL9_NO_INDEX;
}
