// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* procfs.c - what dial9d reads of a process: /proc and its memory. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "procfs.h"

int procfs__pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

bool procfs__pidfd_alive(int pidfd)
{
	return syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0;
}

/* The four ids of a "Uid:" or "Gid:" line of /proc/PID/status. */
static int parse_ids(const char *buf, const char *key, unsigned long ids[4])
{
	const char *line = strstr(buf, key);

	if (!line || sscanf(line + strlen(key), "%lu %lu %lu %lu", &ids[0], &ids[1], &ids[2],
			    &ids[3]) != 4)
		return -EIO;
	return 0;
}

int procfs__read_ids(pid_t pid, struct procfs_ids *p)
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

/* A comm file (up to 16 bytes and a newline) into comm, "" if unreadable. */
static void read_comm_file(const char *path, char comm[17])
{
	ssize_t n;
	int fd;

	comm[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, comm, 16);
	close(fd);
	if (n <= 0)
		return;
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
}

void procfs__read_comm(pid_t pid, char comm[17])
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	read_comm_file(path, comm);
}

void procfs__read_thread_comm(pid_t pid, pid_t tid, char comm[17])
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", pid, tid);
	read_comm_file(path, comm);
}

/* Where the executable's code is mapped: its r-x mapping in /proc/PID/maps
 * (runtime addresses [lo, hi) holding file offsets from *off). */
void procfs__exe_text_range(pid_t pid, const char *exe, uint64_t *lo, uint64_t *hi,
			   uint64_t *off)
{
	char path[64], line[PATH_MAX + 128];
	unsigned long long a, b, o;
	char perms[8];
	int name_at;
	FILE *f;

	*lo = *hi = *off = 0;
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		name_at = 0;
		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %n", &a, &b, perms, &o, &name_at) < 4 ||
		    !name_at || perms[2] != 'x')
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (!strcmp(line + name_at, exe)) {
			*lo = a;
			*hi = b;
			*off = o;
			break;
		}
	}
	fclose(f);
}

int procfs__rss_bytes(pid_t pid, uint64_t *bytes)
{
	unsigned long long size, resident;
	char path[64], buf[256];
	ssize_t n;
	int fd;

	*bytes = 0;
	snprintf(path, sizeof(path), "/proc/%d/statm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu", &size, &resident) != 2)
		return -EIO;
	*bytes = (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
	return 0;
}

bool procfs__read_mem(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };

	return process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)len;
}
