/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * request_limit.h - request dumps per client uid.
 */
#ifndef DIAL9D_REQUEST_LIMIT_H
#define DIAL9D_REQUEST_LIMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "daemon.h"

/* May client uid ask for a request dump now?  Root always
 * may; others request_dumps_per_min, in bursts of at most that many. */
bool request_limit__allow(struct daemon *d, uid_t uid, uint64_t now_ns);

#endif /* DIAL9D_REQUEST_LIMIT_H */
