/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* human.h - sizes for people: 1.5M. */
#ifndef DIAL9CTL_HUMAN_H
#define DIAL9CTL_HUMAN_H

#include <stddef.h>

void human_bytes(unsigned long long b, char *buf, size_t len);

#endif /* DIAL9CTL_HUMAN_H */
