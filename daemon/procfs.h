/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * procfs.h - what dial9d reads of a process: /proc and its memory.
 */
#ifndef DIAL9D_PROCFS_H
#define DIAL9D_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A pidfd of pid (close-on-exec), or -1 with errno. */
int procfs__pidfd_open(pid_t pid);
/* /proc/PID/comm into comm ("" if unreadable). */
void procfs__read_comm(pid_t pid, char comm[17]);
/* Where the executable's code is mapped: its r-x mapping in /proc/PID/maps
 * (runtime addresses [lo, hi) holding file offsets from *off); 0s if none. */
void procfs__exe_text_range(pid_t pid, const char *exe, uint64_t *lo, uint64_t *hi,
			    uint64_t *off);
/* Read len bytes of pid's memory at addr; false unless all of them. */
bool procfs__read_mem(pid_t pid, uint64_t addr, void *buf, size_t len);

#endif /* DIAL9D_PROCFS_H */
