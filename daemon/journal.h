/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * journal.h - each dump written, told to the machine's log: one structured
 * entry through journald's native protocol (fields like systemd-coredump's)
 * when its socket exists, else one plain line on stderr.
 */
#ifndef DIAL9D_JOURNAL_H
#define DIAL9D_JOURNAL_H

#include <stdint.h>

#include "process.h"

/* MESSAGE_ID of every dial9 dump entry: `journalctl MESSAGE_ID=…`. */
#define DIAL9_JOURNAL_MESSAGE_ID "d19a9b4c6e0f4f2a8d7c5b3a1e0f9d8c"

/* A dump of t for why, written to path (NULL: into a client's file). */
void journal__dump(const struct daemon *d, const struct tracked *t,
		   const struct pending_dump *why, const char *path, uint64_t events);

#endif /* DIAL9D_JOURNAL_H */
