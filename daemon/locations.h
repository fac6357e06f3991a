/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * locations.h - the strings a recorded process's events point at, symbolized
 * once per address into its string table (0: none).
 */
#ifndef DIAL9D_LOCATIONS_H
#define DIAL9D_LOCATIONS_H

#include "process.h"

#define LOCATION_MAX 512

/* A runtime address: a future's poll function (future) or a return address. */
uint64_t locations__id(struct tracked *t, uint64_t addr, bool future);
/* Where a CPU sample found a thread (its instruction pointer): the program's
 * own frame there ("function (file:line:col)", from the debug info's inline
 * chain), else the function holding it. */
uint64_t locations__sample(struct tracked *t, uint64_t ip);
/* The panic's core::panic::Location at addr in the process: "file:line:col". */
uint64_t locations__panic(struct tracked *t, uint64_t addr);
/* Where the spawn returning to site was called: "function (file:line:col)". */
uint64_t locations__spawn(struct tracked *t, uint64_t site);
/* A stall-site candidate of thread tid (rank-th from the top of its stack). */
void locations__stall_site(struct tracked *t, uint32_t tid, uint16_t rank, uint64_t addr);
/* The location of tid's stall from its candidates (which it forgets). */
uint16_t locations__stall(struct tracked *t, uint32_t tid);

#endif /* DIAL9D_LOCATIONS_H */
