/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * daemon.h - dial9d's state: its options, the event loop's sources and
 * clients, and the list of recorded processes (struct tracked: process.h).
 * Each module has its own header; see docs/DESIGN.md for the map.
 */
#ifndef DIAL9D_DAEMON_H
#define DIAL9D_DAEMON_H

#include <linux/types.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "dump.h"
#include "options.h"
#include "recorder.h"

#define DIAL9D_VERSION "0.1.0"

/* What an epoll event is about. */
enum ep_kind { EP_LISTEN = 1, EP_CLIENT, EP_TIMER, EP_SIGNAL, EP_PIDFD, EP_RING, EP_EXECS };

struct ep_source {
	enum ep_kind kind;
	int fd;
	void *owner; /* struct tracked * or struct client * */
};

#define DIAL9D_MAX_CLIENTS 32
#define DIAL9D_CLIENT_TIMEOUT_NS 2000000000ULL

struct client {
	struct ep_source src; /* src.fd < 0: slot free */
	uid_t uid;
	gid_t gid;            /* SO_PEERCRED: the peer's effective ids at connect */
	pid_t pid;
	uint64_t accepted_ns;
};

/* Request dumps a client uid may still ask for: a token bucket. */
#define DIAL9D_REQUEST_BUCKETS 64
struct request_bucket {
	uid_t uid;
	double tokens;
	uint64_t at_ns; /* tokens counted then; 0: slot free */
};

struct tracked;

struct daemon {
	struct dial9d_settings o;        /* options.h: the settings in force */
	struct recorder *rec;
	int epfd;
	int listen_fd;
	int timer_fd;
	int signal_fd;
	struct ep_source src_listen, src_timer, src_signal, src_execs;
	struct dial9_rules rules;        /* discovery include/exclude */
	struct client clients[DIAL9D_MAX_CLIENTS];
	struct tracked *procs;
	struct tracked *released;        /* detached, to free after the batch */
	struct request_bucket request_buckets[DIAL9D_REQUEST_BUCKETS];
	int state_lock_fd;               /* flock: one daemon per state directory */
	bool dump_acl_refused;           /* the file system refused a dumps directory's ACL */
	uint32_t nprocs;
	uint64_t start_ns;
	uint64_t start_real_ns;
	uint64_t dumps_written;
	uint64_t dumps_by_reason[DIAL9_REASON__COUNT];
	uint64_t last_second_ns;
	uint32_t metrics_seconds;        /* seconds since the metrics file was written */
	int metrics_err;                 /* its last write's error, 0 */
	volatile int stop;
};

#endif /* DIAL9D_DAEMON_H */
