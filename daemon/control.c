// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * control.c - the control socket: one SOCK_SEQPACKET request per connection,
 * one reply (see ctl_proto.h).  Every request is checked against the peer's
 * credentials; nothing a client sends makes the daemon allocate more than
 * DIAL9_CTL_MAX_REQUEST bytes, and a client that says nothing is dropped.
 * When every slot is taken, a newcomer displaces only an idle connection
 * of the user holding the most slots, never a queued request.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "access.h"
#include "clock.h"
#include "control.h"
#include "ctl_proto.h"
#include "dumper.h"
#include "figures.h"
#include "json_writer.h"
#include "probe_classes.h"
#include "procfs.h"
#include "request_limit.h"
#include "tracked.h"

static int mkdir_parents(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];
	char *p;

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

/* The socket appears at its path already listening: bound under a temporary
 * name beside it, then renamed over any stale one, so that a client never
 * finds it there and refused. */
int control__open(struct daemon *d)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN };
	int fd, err, i;

	for (i = 0; i < DIAL9D_MAX_CLIENTS; i++)
		d->clients[i].src.fd = -1;
	if (snprintf(addr.sun_path, sizeof(addr.sun_path), "%s.new", d->o.socket_path) >=
	    (int)sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	err = mkdir_parents(d->o.socket_path, 0755);
	if (err)
		return err;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(addr.sun_path); /* left by a daemon that died here */
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) || chmod(addr.sun_path, 0666) ||
	    listen(fd, 64) || rename(addr.sun_path, d->o.socket_path)) {
		err = -errno;
		unlink(addr.sun_path);
		close(fd);
		return err;
	}
	d->listen_fd = fd;
	d->src_listen = (struct ep_source){ EP_LISTEN, fd, NULL };
	ev.data.ptr = &d->src_listen;
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev))
		return -errno;
	return 0;
}

static void client_close(struct daemon *d, struct client *c)
{
	if (c->src.fd < 0)
		return;
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, c->src.fd, NULL);
	close(c->src.fd);
	c->src.fd = -1;
}

void control__close(struct daemon *d)
{
	int i;

	for (i = 0; i < DIAL9D_MAX_CLIENTS; i++)
		client_close(d, &d->clients[i]);
	if (d->listen_fd >= 0) {
		close(d->listen_fd);
		unlink(d->o.socket_path);
		d->listen_fd = -1;
	}
}

static void client_serve(struct daemon *d, struct client *c);

/* Has c something for us: a request, or its hang-up?  Then serving it
 * frees its slot without failing anyone. */
static bool client_ready(const struct client *c)
{
	char b;

	return recv(c->src.fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) >= 0 || errno != EAGAIN;
}

/* Slots held by uid, counting a newcomer of newcomer_uid. */
static int slots_of(const struct daemon *d, uid_t uid, uid_t newcomer_uid)
{
	int i, n = uid == newcomer_uid;

	for (i = 0; i < DIAL9D_MAX_CLIENTS; i++)
		n += d->clients[i].src.fd >= 0 && d->clients[i].uid == uid;
	return n;
}

/* A slot for a newcomer of uid.  When all are taken: first serve everyone
 * whose request is queued; if that frees none, close the oldest idle
 * connection of the uid that holds the most slots (the newcomer counted),
 * so that a user flooding the socket only ever displaces themselves. */
static struct client *client_slot(struct daemon *d, uid_t uid)
{
	struct client *c, *victim = NULL;
	int i, n, most = 0;

	for (i = 0; i < DIAL9D_MAX_CLIENTS; i++)
		if (d->clients[i].src.fd < 0)
			return &d->clients[i];
	for (i = 0; i < DIAL9D_MAX_CLIENTS; i++)
		if (d->clients[i].src.fd >= 0 && client_ready(&d->clients[i]))
			client_serve(d, &d->clients[i]);
	for (i = 0; i < DIAL9D_MAX_CLIENTS; i++)
		if (d->clients[i].src.fd < 0)
			return &d->clients[i];
	for (i = 0; i < DIAL9D_MAX_CLIENTS; i++) {
		c = &d->clients[i];
		n = slots_of(d, c->uid, uid);
		if (n > most || (n == most && c->accepted_ns < victim->accepted_ns)) {
			most = n;
			victim = c;
		}
	}
	client_close(d, victim);
	return victim;
}

void control__on_accept(struct daemon *d)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct ucred cred;
	socklen_t len;
	struct client *c;
	int fd, i;

	/* bounded, so that a flood of connections cannot hold up the loop */
	for (i = 0; i < 2 * DIAL9D_MAX_CLIENTS; i++) {
		fd = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return;
		len = sizeof(cred);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len)) {
			close(fd);
			continue;
		}
		c = client_slot(d, cred.uid);
		c->src = (struct ep_source){ EP_CLIENT, fd, c };
		c->uid = cred.uid;
		c->gid = cred.gid;
		c->pid = cred.pid;
		c->accepted_ns = now_mono_ns();
		ev.data.ptr = &c->src;
		if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd);
			c->src.fd = -1;
		}
	}
}

void control__expire_clients(struct daemon *d, uint64_t now_ns)
{
	struct client *c;
	int i;

	for (i = 0; i < DIAL9D_MAX_CLIENTS; i++) {
		c = &d->clients[i];
		if (c->src.fd < 0 || now_ns - c->accepted_ns <= DIAL9D_CLIENT_TIMEOUT_NS)
			continue;
		if (client_ready(c)) /* a request is never dropped for a late hour */
			client_serve(d, c);
		else
			client_close(d, c);
	}
}

/* A reply under construction: "ok\n" + JSON, or "error N\n" + message. */
struct reply {
	char *buf;
	size_t len;
	FILE *f;
	struct json_writer *w;
};

static int reply_begin(struct reply *r)
{
	memset(r, 0, sizeof(*r));
	r->f = open_memstream(&r->buf, &r->len);
	if (!r->f)
		return -errno;
	fputs("ok\n", r->f);
	r->w = json_writer__new(r->f, JSON_WRITER_PRETTY);
	if (!r->w)
		return -errno;
	return 0;
}

static void reply_free(struct reply *r)
{
	json_writer__free(r->w);
	if (r->f)
		fclose(r->f);
	free(r->buf);
}

static void send_error(int fd, int err, const char *msg)
{
	char buf[1100];
	int n = snprintf(buf, sizeof(buf), "error %d\n%s", -err, msg);

	if (n > 0)
		send(fd, buf, (size_t)n > sizeof(buf) ? sizeof(buf) : (size_t)n,
		     MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void send_reply(int fd, struct reply *r)
{
	int sz;

	if (json_writer__finish(r->w) || fflush(r->f)) {
		send_error(fd, -EIO, "reply could not be built");
		return;
	}
	if (r->len > DIAL9_CTL_MAX_REPLY) {
		send_error(fd, -EMSGSIZE, "reply too large");
		return;
	}
	sz = (int)r->len + 4096;
	/* A reply is one message: the socket buffer must hold it. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (send(fd, r->buf, r->len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		send_error(fd, -errno, "reply could not be sent");
}

/* A recorded process: who it is, then its figures (the metrics file's too). */
static void write_proc(struct json_writer *w, struct tracked *t, uint64_t now)
{
	struct proc_figures f;

	proc_figures__take(t, &f);
	json_writer__begin_object(w);
	json_writer__kv_i64(w, "pid", t->pid);
	json_writer__kv_string(w, "comm", t->comm);
	json_writer__kv_string(w, "exe", t->exe);
	json_writer__kv_string(w, "build_id", t->build_id);
	json_writer__kv_string(w, "symbols_from", t->symbols_method ? t->symbols_from : t->exe);
	json_writer__kv_string(w, "symbols_method", dial9_debuginfo_method_name(t->symbols_method));
	json_writer__kv_i64(w, "uid", t->uid);
	json_writer__kv_u64(w, "probe_points", t->probes);
	json_writer__kv_u64(w, "uprobes", recorder_proc__uprobes(t->rp));
	/* return sites learned at run time; polls from unprobed ones are bounds */
	json_writer__kv_u64(w, "return_sites_learned", t->ret_sites_probed);
	json_writer__kv_u64(w, "return_sites_unprobed", t->ret_sites_refused);
	dial9_probe_classes__write_json(w, t->probe_classes);
	json_writer__kv_u64(w, "attached_ns", now - t->attached_ns);
	proc_figures__write_json(&f, w);
	json_writer__end_object(w);
}

static int check_target(struct client *c, pid_t pid, char *err, size_t errlen)
{
	int ret = access__check(c->uid, c->gid, pid);

	if (ret == -ENOENT || ret == -ESRCH)
		snprintf(err, errlen, "no such process %d", pid);
	else if (ret == -EPERM || ret == -EACCES)
		snprintf(err, errlen, "permission denied: process %d is not yours", pid);
	else if (ret)
		snprintf(err, errlen, "cannot check process %d: %s", pid, strerror(-ret));
	return ret == -EACCES ? -EPERM : ret;
}

/* May c act on the recorded t?  The ptrace rule checked now, not what was
 * true at attach (a process whose credentials changed since is no longer
 * its old owner's), and on t's own process: if it is still alive after the
 * check, its pid was not reused during it. */
static int check_tracked(struct client *c, struct tracked *t, char *err, size_t errlen)
{
	int ret;

	if (c->uid == 0)
		return 0;
	ret = check_target(c, t->pid, err, errlen);
	if (!ret && !procfs__pidfd_alive(t->pidfd)) {
		snprintf(err, errlen, "no such process %d", t->pid);
		ret = -ESRCH;
	}
	return ret;
}

static void handle_attach(struct daemon *d, struct client *c, pid_t pid, int fd)
{
	struct tracked *t;
	struct reply r;
	char err[1024];
	int ret;

	ret = check_target(c, pid, err, sizeof(err));
	if (!ret)
		ret = tracked__attach(d, pid, NULL, &t, err, sizeof(err));
	/* the process checked is the one attached (now pinned by its pidfd) */
	if (!ret && (ret = check_tracked(c, t, err, sizeof(err))))
		tracked__detach(d, t);
	if (ret) {
		send_error(fd, ret, err);
		return;
	}
	tracked__log_recording(t, "");
	if (reply_begin(&r) == 0) {
		write_proc(r.w, t, now_mono_ns());
		send_reply(fd, &r);
	}
	reply_free(&r);
}

static struct tracked *find_for(struct daemon *d, struct client *c, pid_t pid, int fd)
{
	struct tracked *t = tracked__find(d, pid);
	char err[256];
	int ret;

	/* Do not tell a stranger whether another user's process is recorded. */
	ret = t ? check_tracked(c, t, err, sizeof(err))
		: c->uid ? check_target(c, pid, err, sizeof(err)) : 0;
	if (ret) {
		send_error(fd, -EPERM, err);
		return NULL;
	}
	if (!t) {
		snprintf(err, sizeof(err), "process %d is not being recorded (dial9ctl attach --pid %d)",
			 pid, pid);
		send_error(fd, -ENOENT, err);
	}
	return t;
}

static void handle_detach(struct daemon *d, struct client *c, pid_t pid, int fd)
{
	struct tracked *t = find_for(d, c, pid, fd);
	struct reply r;

	if (!t)
		return;
	tracked__detach(d, t);
	fprintf(stderr, "dial9d: stopped recording %d\n", pid);
	if (reply_begin(&r) == 0) {
		json_writer__begin_object(r.w);
		json_writer__kv_i64(r.w, "pid", pid);
		json_writer__kv_bool(r.w, "detached", true);
		json_writer__end_object(r.w);
		send_reply(fd, &r);
	}
	reply_free(&r);
}

static void handle_dump(struct daemon *d, struct client *c, pid_t pid, int fd, int out_fd)
{
	struct pending_dump why = { .reason = DIAL9_REASON_REQUEST };
	struct tracked *t = find_for(d, c, pid, fd);
	char path[PATH_MAX] = "", err[1024], msg[512];
	uint64_t events = 0;
	struct reply r;
	int ret;

	if (!t)
		return;
	if (!request_limit__allow(d, c->uid, now_mono_ns())) {
		snprintf(err, sizeof(err), "too many dump requests: uid %u may ask for %u a minute "
			 "(request-dumps-per-min)", (unsigned)c->uid, d->o.request_dumps_per_min);
		send_error(fd, -EAGAIN, err);
		return;
	}
	ret = dumper__write(d, t, &why, out_fd, path, sizeof(path), &events, msg, sizeof(msg));
	if (ret) {
		snprintf(err, sizeof(err), "dump of %d failed: %s", pid, msg);
		send_error(fd, ret, err);
		return;
	}
	if (reply_begin(&r) == 0) {
		json_writer__begin_object(r.w);
		json_writer__kv_i64(r.w, "pid", pid);
		if (path[0])
			json_writer__kv_string(r.w, "path", path);
		json_writer__kv_u64(r.w, "events", events);
		json_writer__end_object(r.w);
		send_reply(fd, &r);
	}
	reply_free(&r);
}

static void handle_list(struct daemon *d, struct client *c, int fd)
{
	uint64_t now = now_mono_ns();
	char err[256];
	struct tracked *t;
	struct reply r;

	if (reply_begin(&r) == 0) {
		json_writer__begin_array(r.w);
		for (t = d->procs; t; t = t->next)
			if (!check_tracked(c, t, err, sizeof(err)))
				write_proc(r.w, t, now);
		json_writer__end_array(r.w);
		send_reply(fd, &r);
	}
	reply_free(&r);
}

static void handle_status(struct daemon *d, struct client *c, int fd)
{
	struct daemon_figures f;
	struct reply r;

	daemon_figures__take(d, now_mono_ns(), &f);
	if (reply_begin(&r) == 0) {
		json_writer__begin_object(r.w);
		json_writer__kv_string(r.w, "version", DIAL9D_VERSION);
		json_writer__kv_i64(r.w, "pid", getpid());
		daemon_figures__write_json(&f, r.w);
		/* every option of options.h's table, as written */
		json_writer__key(r.w, "settings");
		dial9d_settings__write_json(&d->o, r.w);
		json_writer__end_object(r.w);
		send_reply(fd, &r);
	}
	reply_free(&r);
}

/* Receive one request and at most one passed file descriptor. */
static ssize_t recv_request(int fd, char *buf, size_t len, int *passed_fd)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 4)];
	struct iovec iov = { buf, len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	ssize_t n;

	*passed_fd = -1;
	n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		int *fds, nfds, i;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		fds = (int *)CMSG_DATA(cm);
		nfds = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (i = 0; i < nfds; i++) {
			if (*passed_fd < 0)
				*passed_fd = fds[i];
			else
				close(fds[i]); /* only one is ever used */
		}
	}
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		return -EMSGSIZE;
	return n;
}

static int check_output_fd(int out_fd, char *err, size_t errlen)
{
	struct stat st;
	int fl;

	if (fstat(out_fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "the passed output is not a regular file");
		return -EINVAL;
	}
	fl = fcntl(out_fd, F_GETFL);
	if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY) {
		snprintf(err, errlen, "the passed output file is not open for writing");
		return -EBADF;
	}
	return 0;
}

void control__on_client(struct daemon *d, int fd)
{
	int i;

	/* fd < 0: served and closed earlier in this epoll batch */
	for (i = 0; i < DIAL9D_MAX_CLIENTS && fd >= 0; i++)
		if (d->clients[i].src.fd == fd) {
			client_serve(d, &d->clients[i]);
			return;
		}
}

/* Read c's request, answer it, close the connection; nothing queued yet
 * (EAGAIN): leave it open. */
static void client_serve(struct daemon *d, struct client *c)
{
	struct dial9_ctl_request req;
	char buf[DIAL9_CTL_MAX_REQUEST + 1], err[256];
	int fd = c->src.fd, passed = -1, ret;
	ssize_t n;

	n = recv_request(fd, buf, sizeof(buf), &passed);
	if (n == -EAGAIN)
		return;
	if (n < 0) {
		send_error(fd, (int)n, n == -EMSGSIZE ? "request too large" : "bad request");
		goto out;
	}
	if (n == 0)
		goto out;
	ret = dial9_ctl_request__parse(buf, (size_t)n, &req, err, sizeof(err));
	if (ret) {
		send_error(fd, ret, err);
		goto out;
	}
	if (passed >= 0 && req.cmd != DIAL9_CTL_DUMP) {
		send_error(fd, -EINVAL, "only dump takes a file descriptor");
		goto out;
	}
	switch (req.cmd) {
	case DIAL9_CTL_ATTACH:
		handle_attach(d, c, req.pid, fd);
		break;
	case DIAL9_CTL_DETACH:
		handle_detach(d, c, req.pid, fd);
		break;
	case DIAL9_CTL_DUMP:
		if (passed >= 0 && (ret = check_output_fd(passed, err, sizeof(err)))) {
			send_error(fd, ret, err);
			break;
		}
		handle_dump(d, c, req.pid, fd, passed);
		break;
	case DIAL9_CTL_LIST:
		handle_list(d, c, fd);
		break;
	case DIAL9_CTL_STATUS:
		handle_status(d, c, fd);
		break;
	}
out:
	if (passed >= 0)
		close(passed);
	client_close(d, c);
}
