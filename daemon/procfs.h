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
/* Is the process behind pidfd still there (not yet reaped)? */
bool procfs__pidfd_alive(int pidfd);
/* /proc/PID/comm into comm ("" if unreadable). */
void procfs__read_comm(pid_t pid, char comm[17]);
/* /proc/PID/task/TID/comm into comm ("" if unreadable: the thread is gone). */
void procfs__read_thread_comm(pid_t pid, pid_t tid, char comm[17]);
/* Where the executable's code is mapped: its r-x mapping in /proc/PID/maps
 * (runtime addresses [lo, hi) holding file offsets from *off); 0s if none. */
void procfs__exe_text_range(pid_t pid, const char *exe, uint64_t *lo, uint64_t *hi,
			    uint64_t *off);
/* A process's credentials: /proc/PID/status's Uid and Gid lines and the
 * owner of /proc/PID (root's when the process is not dumpable). */
struct procfs_ids {
	unsigned long uid[4], gid[4]; /* real, effective, saved, fs */
	uid_t dir_uid;
	gid_t dir_gid;
};
/* 0 or a negative errno (-ENOENT: no such process). */
int procfs__read_ids(pid_t pid, struct procfs_ids *ids);
/* pid's resident memory (/proc/PID/statm) into *bytes: 0 or negative errno
 * (*bytes then 0). */
int procfs__rss_bytes(pid_t pid, uint64_t *bytes);
/* Read len bytes of pid's memory at addr; false unless all of them. */
bool procfs__read_mem(pid_t pid, uint64_t addr, void *buf, size_t len);

#endif /* DIAL9D_PROCFS_H */
