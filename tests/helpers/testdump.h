/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* testdump.h - build dumps with known content in unit tests. */
#ifndef DIAL9_TESTDUMP_H
#define DIAL9_TESTDUMP_H

#include <stdint.h>

#include "dump.h"

/* Append one event (the test fails when memory runs out). */
void testdump_ev(struct dial9_dump *d, uint64_t ts, uint8_t kind, uint64_t task, uint64_t arg,
		 uint32_t tid, uint16_t aux, uint8_t flags);
/* Add a string to the dump's table; its id (never 0). */
uint32_t testdump_str(struct dial9_dump *d, const char *s);

#endif /* DIAL9_TESTDUMP_H */
