// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* human.c - sizes for people: see human.h. */
#include <stdio.h>

#include "human.h"

void human_bytes(unsigned long long b, char *buf, size_t len)
{
	if (b >= (1ULL << 30))
		snprintf(buf, len, "%.1fG", (double)b / (1ULL << 30));
	else if (b >= (1ULL << 20))
		snprintf(buf, len, "%.1fM", (double)b / (1ULL << 20));
	else if (b >= (1ULL << 10))
		snprintf(buf, len, "%.1fK", (double)b / (1ULL << 10));
	else
		snprintf(buf, len, "%lluB", b);
}
