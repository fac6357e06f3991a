// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* ctl_proto.c - encode and decode dial9ctl requests (see ctl_proto.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "ctl_proto.h"

static const char *const cmd_names[] = {
	[DIAL9_CTL_ATTACH] = "attach", [DIAL9_CTL_DETACH] = "detach", [DIAL9_CTL_DUMP] = "dump",
	[DIAL9_CTL_LIST] = "list",     [DIAL9_CTL_STATUS] = "status",
};

const char *dial9_ctl_cmd_name(enum dial9_ctl_cmd cmd)
{
	if ((unsigned)cmd >= sizeof(cmd_names) / sizeof(cmd_names[0]) || !cmd_names[cmd])
		return NULL;
	return cmd_names[cmd];
}

static int cmd_needs_pid(enum dial9_ctl_cmd cmd)
{
	return cmd == DIAL9_CTL_ATTACH || cmd == DIAL9_CTL_DETACH || cmd == DIAL9_CTL_DUMP;
}

int dial9_ctl_request__format(const struct dial9_ctl_request *req, char *buf, size_t len)
{
	const char *name = dial9_ctl_cmd_name(req->cmd);
	int n;

	if (!name)
		return -EINVAL;
	if (req->pid > 0)
		n = snprintf(buf, len, "%s\npid=%d\n", name, req->pid);
	else
		n = snprintf(buf, len, "%s\n", name);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}

/* A pid as dial9ctl writes it: decimal digits, no sign, space or leading
 * zero, 1..INT32_MAX. */
static int parse_pid(const char *v, size_t vlen, int32_t *pid)
{
	int64_t val = 0;
	size_t i;

	if (vlen == 0 || vlen > 10 || v[0] == '0')
		return -EINVAL;
	for (i = 0; i < vlen; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -EINVAL;
		val = val * 10 + (v[i] - '0');
	}
	if (val > INT32_MAX)
		return -EINVAL;
	*pid = (int32_t)val;
	return 0;
}

int dial9_ctl_request__parse(const char *buf, size_t len, struct dial9_ctl_request *req,
			     char *err, size_t errlen)
{
	const char *p = buf, *end = buf + len, *nl;
	size_t i, n;

	memset(req, 0, sizeof(*req));
	if (len == 0 || len > DIAL9_CTL_MAX_REQUEST) {
		snprintf(err, errlen, "request of %zu bytes (1..%u allowed)", len,
			 DIAL9_CTL_MAX_REQUEST);
		return -EINVAL;
	}
	if (memchr(buf, '\0', len)) {
		snprintf(err, errlen, "request contains a NUL byte");
		return -EINVAL;
	}
	nl = memchr(p, '\n', end - p);
	n = nl ? (size_t)(nl - p) : (size_t)(end - p);
	for (i = 1; i < sizeof(cmd_names) / sizeof(cmd_names[0]); i++)
		if (strlen(cmd_names[i]) == n && !memcmp(p, cmd_names[i], n))
			req->cmd = i;
	if (!req->cmd) {
		snprintf(err, errlen, "unknown command '%.*s'", (int)(n > 32 ? 32 : n), p);
		return -EINVAL;
	}
	p = nl ? nl + 1 : end;
	while (p < end) {
		const char *eq;

		nl = memchr(p, '\n', end - p);
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		eq = memchr(p, '=', n);
		if (!eq) {
			snprintf(err, errlen, "malformed line in request");
			return -EINVAL;
		}
		if (eq - p == 3 && !memcmp(p, "pid", 3)) {
			if (req->pid) {
				snprintf(err, errlen, "pid given twice");
				return -EINVAL;
			}
			if (parse_pid(eq + 1, n - (eq + 1 - p), &req->pid)) {
				snprintf(err, errlen, "bad pid '%.*s'", (int)(n > 40 ? 40 : n), p);
				return -EINVAL;
			}
		} else {
			snprintf(err, errlen, "unknown key '%.*s'", (int)(eq - p > 32 ? 32 : eq - p), p);
			return -EINVAL;
		}
		p = nl ? nl + 1 : end;
	}
	if (cmd_needs_pid(req->cmd) && req->pid <= 0) {
		snprintf(err, errlen, "%s needs a pid", dial9_ctl_cmd_name(req->cmd));
		return -EINVAL;
	}
	return 0;
}
