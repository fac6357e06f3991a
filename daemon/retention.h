/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * retention.h - the dumps directory: room made before each dump, by rank.
 */
#ifndef DIAL9D_RETENTION_H
#define DIAL9D_RETENTION_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "daemon.h"

/* Dumps rank crash > triggered > request. */
enum dump_rank { DUMP_RANK_REQUEST, DUMP_RANK_TRIGGERED, DUMP_RANK_CRASH };
enum dump_rank retention__rank(uint32_t reason);
/* Make room for a dump of bytes bytes, rank and owner uid before it is
 * written: evict lower ranks first, the oldest first within a rank; a
 * request dump evicts only its owner's request dumps.  -ENOSPC (message in
 * err) when a request dump does not fit; a crash dump always gets what room
 * there is (0). */
int retention__make_room(struct daemon *d, enum dump_rank rank, uid_t owner, uint64_t bytes,
			 char *err, size_t errlen);
/* Remove temp files left by dumps interrupted by a crash of the daemon. */
int retention__clean_temps(struct daemon *d);

#endif /* DIAL9D_RETENTION_H */
