/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ctl_proto.h - the dial9ctl <-> dial9d protocol over a SOCK_SEQPACKET Unix
 * socket.  One request message, one reply message, then the daemon closes.
 *
 * Request: text lines, "COMMAND\n" then "key=value\n" pairs (keys: pid).
 *          dump may carry one file descriptor (SCM_RIGHTS) to write into.
 * Reply:   "ok\n" followed by a JSON document, or "error N\n" followed by a
 *          one-line message (N is a positive errno value).
 */
#ifndef DIAL9_CTL_PROTO_H
#define DIAL9_CTL_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define DIAL9_CTL_DEFAULT_SOCKET "/run/dial9/dial9d.sock"
#define DIAL9_CTL_MAX_REQUEST 1024
#define DIAL9_CTL_MAX_REPLY (8u << 20)

enum dial9_ctl_cmd {
	DIAL9_CTL_ATTACH = 1,
	DIAL9_CTL_DETACH,
	DIAL9_CTL_DUMP,
	DIAL9_CTL_LIST,
	DIAL9_CTL_STATUS,
};

struct dial9_ctl_request {
	enum dial9_ctl_cmd cmd;
	int32_t pid; /* 0 when absent */
};

/* Encode into buf (len bytes); returns the message length or negative errno. */
int dial9_ctl_request__format(const struct dial9_ctl_request *req, char *buf, size_t len);

/* Decode one request; 0, or -EINVAL with a one-line reason in err. */
int dial9_ctl_request__parse(const char *buf, size_t len, struct dial9_ctl_request *req,
			     char *err, size_t errlen);

const char *dial9_ctl_cmd_name(enum dial9_ctl_cmd cmd);

#endif /* DIAL9_CTL_PROTO_H */
