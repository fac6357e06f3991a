/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * incident.h - dumps nobody asked for: panic, fatal signal, OOM kill, exit.
 */
#ifndef DIAL9D_INCIDENT_H
#define DIAL9D_INCIDENT_H

#include "process.h"

/* Write t's pending dump (a panic), if any; called each tick. */
void incident__tick(struct daemon *d, struct tracked *t, uint64_t now_ns);
/* t's pidfd says it is gone: drain, dump why it ended, detach. */
void incident__on_exit(struct daemon *d, struct tracked *t);

#endif /* DIAL9D_INCIDENT_H */
