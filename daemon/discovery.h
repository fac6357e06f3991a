/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * discovery.h - Tokio processes found system-wide (--all): at start and at
 * each exec.
 */
#ifndef DIAL9D_DISCOVERY_H
#define DIAL9D_DISCOVERY_H

#include <sys/types.h>

#include "daemon.h"

void discovery__scan(struct daemon *d);
void discovery__on_exec(void *ctx, pid_t pid);
void discovery__free(void);

#endif /* DIAL9D_DISCOVERY_H */
