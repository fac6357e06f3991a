/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * incident.h - dumps nobody asked for: panic, fatal signal, OOM kill, exit,
 * and the dump triggers of dial9d.conf (trigger.h) once their aftermath is in.
 */
#ifndef DIAL9D_INCIDENT_H
#define DIAL9D_INCIDENT_H

#include "process.h"

/* Write t's pending dump (a panic), if any; called each tick. */
void incident__tick(struct daemon *d, struct tracked *t, uint64_t now_ns);
/* Each second: feed t's dump triggers the figures of the second that ended. */
void incident__second(struct daemon *d, struct tracked *t, uint64_t now_ns);
/* At start: one line per trigger that the recording mode cannot fully
 * observe (e.g. a poll shorter than the stall detector's while the poll
 * probes may be off). */
void incident__report_triggers(const struct daemon *d);
/* t's pidfd says it is gone: drain, dump why it ended, detach. */
void incident__on_exit(struct daemon *d, struct tracked *t);

#endif /* DIAL9D_INCIDENT_H */
