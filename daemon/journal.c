// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * journal.c - a dump's journal entry (see journal.h).  The native protocol
 * is one datagram of FIELD=value lines; a value that may hold a newline
 * goes as FIELD\n, its length as a little-endian u64, the bytes and \n.
 * No libsystemd: the protocol is one sendto().
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "journal.h"

#define ENTRY_MAX (16u << 10)

struct entry {
	char buf[ENTRY_MAX];
	size_t len;
	bool full;
};

/* FIELD=value, or the binary form when value holds a newline. */
static void field(struct entry *e, const char *name, const char *value)
{
	size_t n = strlen(name), v = strlen(value);
	uint64_t le = htole64((uint64_t)v);

	if (e->full || e->len + n + v + 10 > sizeof(e->buf)) {
		e->full = true;
		return;
	}
	memcpy(e->buf + e->len, name, n);
	e->len += n;
	if (memchr(value, '\n', v)) {
		e->buf[e->len++] = '\n';
		memcpy(e->buf + e->len, &le, sizeof(le));
		e->len += sizeof(le);
	} else {
		e->buf[e->len++] = '=';
	}
	memcpy(e->buf + e->len, value, v);
	e->len += v;
	e->buf[e->len++] = '\n';
}

static void field_u64(struct entry *e, const char *name, uint64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	field(e, name, num);
}

static int send_entry(const char *socket_path, const struct entry *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, ret = 0;

	if (strlen(socket_path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, socket_path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (sendto(fd, e->buf, e->len, MSG_NOSIGNAL | MSG_DONTWAIT, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Like systemd-coredump: a crash is critical, a trigger a warning, a
 * request news. */
static const char *priority(uint32_t reason)
{
	switch (reason) {
	case DIAL9_REASON_REQUEST:
		return "6";
	case DIAL9_REASON_TRIGGERED:
		return "4";
	default:
		return "2";
	}
}

void journal__dump(const struct daemon *d, const struct tracked *t,
		   const struct pending_dump *why, const char *path, uint64_t events)
{
	const char *reason = dial9_reason_name(why->reason);
	const struct dial9_trigger_rule *rule =
		why->trigger.metric ? &d->o.triggers.rule[why->trigger.rule] : NULL;
	char message[PATH_MAX + 256], value[32] = "", fired[DIAL9_TRIGGER_NAME_MAX + 64] = "";
	static struct entry e;
	int err = -ENOENT;

	if (rule) {
		dial9_trigger_value_text(why->trigger.metric, why->trigger.value, value,
					 sizeof(value));
		snprintf(fired, sizeof(fired), ", trigger %s: %s %s", rule->name,
			 dial9_trigger_metric_name(why->trigger.metric), value);
	}
	snprintf(message, sizeof(message), "dial9d: dumped %d (%s, %s%s) to %s: %llu events",
		 t->pid, t->comm, reason, fired, path ? path : "the client's file",
		 (unsigned long long)events);
	if (d->o.journal_socket && access(d->o.journal_socket, F_OK) == 0) {
		e.len = 0;
		e.full = false;
		field(&e, "MESSAGE", message);
		field(&e, "MESSAGE_ID", DIAL9_JOURNAL_MESSAGE_ID);
		field(&e, "PRIORITY", priority(why->reason));
		field(&e, "SYSLOG_IDENTIFIER", "dial9d");
		field_u64(&e, "DIAL9_PID", (uint64_t)t->pid);
		field_u64(&e, "DIAL9_UID", (uint64_t)t->uid);
		field(&e, "DIAL9_COMM", t->comm);
		field(&e, "DIAL9_EXE", t->exe);
		field(&e, "DIAL9_REASON", reason);
		if (why->signal)
			field_u64(&e, "DIAL9_SIGNAL", why->signal);
		if (rule) {
			field(&e, "DIAL9_TRIGGER", rule->name);
			field(&e, "DIAL9_TRIGGER_METRIC", dial9_trigger_metric_name(rule->metric));
			field_u64(&e, "DIAL9_TRIGGER_VALUE", why->trigger.value);
			field_u64(&e, "DIAL9_TRIGGER_THRESHOLD", why->trigger.threshold);
		}
		if (path)
			field(&e, "DIAL9_DUMP", path);
		field_u64(&e, "DIAL9_EVENTS", events);
		err = e.full ? -EMSGSIZE : send_entry(d->o.journal_socket, &e);
	}
	if (err)
		fprintf(stderr, "%s\n", message);
}
