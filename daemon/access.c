// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * access.c - who may see and record what: the kernel's ptrace rule, as far
 * as /proc shows it.  Root may do anything; another user only a process
 * they could ptrace: the client's uid is the process's real, effective,
 * saved and fs uid, the client's gid its real, effective, saved and fs gid,
 * and the process is dumpable (its /proc entry belongs to that user; a
 * non-dumpable one's belongs to root).  A setuid or setgid program run by
 * a user is therefore not theirs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access.h"

/* Ids of a process: from /proc/PID/status and the owner of /proc/PID. */
struct proc_ids {
	unsigned long uid[4], gid[4]; /* real, effective, saved, fs */
	uid_t dir_uid;
	gid_t dir_gid;
};

static int parse_ids(const char *buf, const char *key, unsigned long ids[4])
{
	const char *line = strstr(buf, key);

	if (!line || sscanf(line + strlen(key), "%lu %lu %lu %lu", &ids[0], &ids[1], &ids[2],
			    &ids[3]) != 4)
		return -EIO;
	return 0;
}

static int read_ids(pid_t pid, struct proc_ids *p)
{
	char path[64], buf[4096];
	struct stat st;
	ssize_t n;
	int fd, sfd, err;

	snprintf(path, sizeof(path), "/proc/%d", pid);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		goto cleanup;
	}
	p->dir_uid = st.st_uid;
	p->dir_gid = st.st_gid;
	/* status of the same process: through the directory just checked */
	sfd = openat(fd, "status", O_RDONLY | O_CLOEXEC);
	if (sfd < 0) {
		err = -errno;
		goto cleanup;
	}
	n = read(sfd, buf, sizeof(buf) - 1);
	close(sfd);
	err = n < 0 ? -errno : n == 0 ? -EIO : 0;
	if (err)
		goto cleanup;
	buf[n] = '\0';
	err = parse_ids(buf, "\nUid:", p->uid);
	if (!err)
		err = parse_ids(buf, "\nGid:", p->gid);
cleanup:
	close(fd);
	return err;
}

/* Is (uid, gid) the one user who may ptrace the process besides root? */
static bool ptrace_owner_is(const struct proc_ids *p, uid_t uid, gid_t gid)
{
	int i;

	for (i = 0; i < 4; i++)
		if (p->uid[i] != uid || p->gid[i] != gid)
			return false;
	return p->dir_uid == uid && p->dir_gid == gid;
}

int proc__owner(pid_t pid, uid_t *uid)
{
	struct proc_ids p;
	int err = read_ids(pid, &p);

	if (err)
		return err;
	*uid = ptrace_owner_is(&p, (uid_t)p.uid[0], (gid_t)p.gid[0]) ? (uid_t)p.uid[0] : 0;
	return 0;
}

int access__check(uid_t uid, gid_t gid, pid_t pid)
{
	struct proc_ids p;
	int err;

	if (uid == 0)
		return 0;
	err = read_ids(pid, &p);
	if (err)
		return err;
	return ptrace_owner_is(&p, uid, gid) ? 0 : -EPERM;
}
