// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * access.c - who may see and record what: root may do anything; another
 * user only processes they could ptrace (same real, effective, saved and fs
 * uid, and dumpable: a non-dumpable process's /proc entry belongs to root).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access.h"

static int read_uids(pid_t pid, uid_t uids[4])
{
	char path[64], buf[4096], *line;
	unsigned long u[4];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	line = strstr(buf, "\nUid:");
	if (!line || sscanf(line + 5, "%lu %lu %lu %lu", &u[0], &u[1], &u[2], &u[3]) != 4)
		return -EIO;
	for (n = 0; n < 4; n++)
		uids[n] = (uid_t)u[n];
	return 0;
}

int proc__owner(pid_t pid, uid_t *uid)
{
	uid_t uids[4];
	int err = read_uids(pid, uids);

	if (!err)
		*uid = uids[0];
	return err;
}

int access__check(uid_t client, pid_t pid)
{
	char path[64];
	struct stat st;
	uid_t uids[4];
	int err, i;

	if (client == 0)
		return 0;
	err = read_uids(pid, uids);
	if (err)
		return err;
	for (i = 0; i < 4; i++)
		if (uids[i] != client)
			return -EPERM;
	snprintf(path, sizeof(path), "/proc/%d", pid);
	if (stat(path, &st))
		return -errno;
	return st.st_uid == client ? 0 : -EPERM;
}
