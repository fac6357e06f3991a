/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * governor.h - keep each process's recording cost within its budget by
 * taking the poll/wake probes away part of the time.
 */
#ifndef DIAL9D_GOVERNOR_H
#define DIAL9D_GOVERNOR_H

#include "process.h"

/* Each tick: measure and switch the probes of every process. */
void governor__run(struct daemon *d, uint64_t now_ns);
/* A MODE record of the mode in force now. */
void governor__push_mode(struct tracked *t, uint64_t now_ns);
/* The mode in force: full, sampled or off (dial9_mode_name). */
enum dial9_record_mode governor__mode(const struct tracked *t);

#endif /* DIAL9D_GOVERNOR_H */
