/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * control.h - the control socket.
 */
#ifndef DIAL9D_CONTROL_H
#define DIAL9D_CONTROL_H

#include <stdint.h>

#include "daemon.h"

int control__open(struct daemon *d);
void control__close(struct daemon *d);
void control__on_accept(struct daemon *d);
void control__on_client(struct daemon *d, int fd);
void control__expire_clients(struct daemon *d, uint64_t now_ns);

#endif /* DIAL9D_CONTROL_H */
