/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * access.h - who may see and act on which process (the ptrace rule).
 */
#ifndef DIAL9D_ACCESS_H
#define DIAL9D_ACCESS_H

#include <sys/types.h>

/* May the client (uid, gid: its SO_PEERCRED) see / act on process pid?
 * 0, -EPERM, or another negative errno. */
int access__check(uid_t uid, gid_t gid, pid_t pid);
/* The user who may ptrace pid besides root (root when its ids differ or it
 * is not dumpable): its dumps are chowned to it. */
int proc__owner(pid_t pid, uid_t *uid);

#endif /* DIAL9D_ACCESS_H */
