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
#include <stdbool.h>

#include "access.h"
#include "procfs.h"

/* Is (uid, gid) the one user who may ptrace the process besides root? */
static bool ptrace_owner_is(const struct procfs_ids *p, uid_t uid, gid_t gid)
{
	int i;

	for (i = 0; i < 4; i++)
		if (p->uid[i] != uid || p->gid[i] != gid)
			return false;
	return p->dir_uid == uid && p->dir_gid == gid;
}

int proc__owner(pid_t pid, uid_t *uid)
{
	struct procfs_ids p;
	int err = procfs__read_ids(pid, &p);

	if (err)
		return err;
	*uid = ptrace_owner_is(&p, (uid_t)p.uid[0], (gid_t)p.gid[0]) ? (uid_t)p.uid[0] : 0;
	return 0;
}

int access__check(uid_t uid, gid_t gid, pid_t pid)
{
	struct procfs_ids p;
	int err;

	if (uid == 0)
		return 0;
	err = procfs__read_ids(pid, &p);
	if (err)
		return err;
	return ptrace_owner_is(&p, uid, gid) ? 0 : -EPERM;
}
