// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * dial9d - the dial9 recording daemon.  One epoll loop: the control socket,
 * each recorded process's ring buffer and pidfd, a drain timer and signals.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <stddef.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "options.h"
#include "control.h"
#include "ctl_proto.h"
#include "daemon.h"
#include "discovery.h"
#include "dump_dirs.h"
#include "governor.h"
#include "incident.h"
#include "ingest.h"
#include "metrics.h"
#include "retention.h"
#include "tracked.h"

static void usage(FILE *f)
{
	fputs("Usage: dial9d [OPTIONS]\n"
	      "Record Tokio processes into rolling windows; dump them on a panic, a crash, an\n"
	      "OOM kill or a request.  Sizes take K/M/G suffixes.\n\n", f);
	dial9d_options__usage(f);
	fputs("  -c, --config FILE              configuration (default " DIAL9_CONFIG_DEFAULT_PATH
	      ");\n"
	      "                                 command-line options override it\n"
	      "  -f, --foreground               stay in the foreground (always true; for systemd)\n"
	      "  -h, --help                     this text\n"
	      "      --options-markdown         the option table of README.md and docs/CONFIG.md\n",
	      f);
}

/* The command line over the configuration's settings, from the option
 * table: --NAME [VALUE] or its short form, a flag for a yes/no setting. */
static int parse_args(int argc, char **argv, struct dial9_config *cfg)
{
	enum { OPT_TABLE = 256 };
	struct option longopts[64 + 5];
	char shorts[3 * 64 + 8] = "c:fh", why[256];
	bool lists_given[64] = { false };
	size_t i, n = 0, sl = strlen(shorts);
	int c;

	if (dial9d_noptions > 64)
		return -E2BIG;
	for (i = 0; i < dial9d_noptions; i++) {
		const struct dial9_option *o = &dial9d_options[i];

		longopts[n++] = (struct option){ o->name, o->arg ? required_argument : no_argument,
						 NULL, OPT_TABLE + (int)i };
		if (o->short_name) {
			shorts[sl++] = o->short_name;
			if (o->arg)
				shorts[sl++] = ':';
		}
	}
	shorts[sl] = '\0';
	longopts[n++] = (struct option){ "config", required_argument, NULL, 'c' };
	longopts[n++] = (struct option){ "foreground", no_argument, NULL, 'f' };
	longopts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[n++] = (struct option){ "options-markdown", no_argument, NULL, 'M' };
	longopts[n] = (struct option){ 0 };

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
		const struct dial9_option *o = NULL;

		if (c >= OPT_TABLE)
			o = &dial9d_options[c - OPT_TABLE];
		for (i = 0; !o && c > 0 && c < 128 && i < dial9d_noptions; i++)
			if (dial9d_options[i].short_name == c)
				o = &dial9d_options[i];
		if (o) {
			if (dial9_option__is_list(o) && !lists_given[o - dial9d_options]) {
				/* the command line's list replaces the file's */
				dial9_option__clear_list(o, &cfg->s);
				lists_given[o - dial9d_options] = true;
			}
			if (dial9_option__set(o, &cfg->s, o->arg ? optarg : "yes", why, sizeof(why))) {
				fprintf(stderr, "Error: --%s: %s\n", o->name, why);
				return -EINVAL;
			}
			continue;
		}
		switch (c) {
		case 'c': /* read before the other options: see load_config() */
		case 'f':
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'M': /* the table of README.md and docs/CONFIG.md */
			dial9d_options__markdown(stdout);
			exit(0);
		default:
			fprintf(stderr, "Error: unknown option or missing value: '%s' (dial9d --help)\n",
				argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "Error: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

/* The defaults, then the configuration file named by --config (or the
 * default one, if it exists); the command line then overrides them. */
static int load_config(int argc, char **argv, struct dial9_config *cfg)
{
	const char *path = NULL;
	char err[512];
	int i, ret;

	for (i = 1; i < argc; i++) {
		if ((!strcmp(argv[i], "--config") || !strcmp(argv[i], "-c")) && i + 1 < argc)
			path = argv[i + 1];
		else if (!strncmp(argv[i], "--config=", 9))
			path = argv[i] + 9;
	}
	ret = dial9_config__load(path ? path : DIAL9_CONFIG_DEFAULT_PATH, cfg, err, sizeof(err));
	if (ret == -ENOENT && !path)
		return 0;
	if (ret)
		fprintf(stderr, "Error: %s\n", err);
	return ret;
}

/* STATE_DIR, one daemon per state directory (a second one would remove the
 * first one's dumps in progress as stale), STATE_DIR/dumps and who may read
 * it (dump_dirs.c), and the temp files of dumps a crash of the daemon
 * interrupted. */
static int setup_state_dir(struct daemon *d)
{
	char path[PATH_MAX];
	int ret;

	if (mkdir(d->o.state_dir, 0755) && errno != EEXIST)
		return -errno;
	if (snprintf(path, sizeof(path), "%s/dial9d.lock", d->o.state_dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	d->state_lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (d->state_lock_fd < 0)
		return -errno;
	if (flock(d->state_lock_fd, LOCK_EX | LOCK_NB))
		return errno == EWOULDBLOCK ? -EBUSY : -errno;
	ret = dump_dirs__setup(d);
	return ret ? ret : retention__clean_temps(d);
}

static int add_fd(struct daemon *d, struct ep_source *src, enum ep_kind kind, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = src };

	*src = (struct ep_source){ kind, fd, NULL };
	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static int setup_loop(struct daemon *d)
{
	struct itimerspec its = { 0 };
	sigset_t mask;

	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->epfd < 0)
		return -errno;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL))
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	d->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (d->signal_fd < 0)
		return -errno;
	d->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (d->timer_fd < 0)
		return -errno;
	its.it_interval.tv_sec = d->o.drain_ms / 1000;
	its.it_interval.tv_nsec = (long)(d->o.drain_ms % 1000) * 1000000L;
	its.it_value = its.it_interval;
	if (timerfd_settime(d->timer_fd, 0, &its, NULL))
		return -errno;
	if (add_fd(d, &d->src_signal, EP_SIGNAL, d->signal_fd) ||
	    add_fd(d, &d->src_timer, EP_TIMER, d->timer_fd))
		return -errno;
	return 0;
}

/* Tell systemd (Type=notify) that the socket is up: sd_notify without
 * libsystemd, as the protocol is one datagram. */
static void notify_ready(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@'))
		return;
	len = strlen(path);
	if (len >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract namespace */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, "READY=1", 7, MSG_NOSIGNAL, (struct sockaddr *)&sa,
	       (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
	close(fd);
}

static void on_tick(struct daemon *d)
{
	uint64_t expirations, now = now_mono_ns();
	struct tracked *t, *next;

	if (read(d->timer_fd, &expirations, sizeof(expirations)) < 0 && errno == EAGAIN)
		return;
	for (t = d->procs; t; t = next) {
		next = t->next;
		ingest__drain(t, now);
		incident__tick(d, t, now);
	}
	governor__run(d, now);
	if (now - d->last_second_ns >= 1000000000ULL) {
		d->last_second_ns = now;
		ingest__end_second(d, now);
		for (t = d->procs; t; t = t->next)
			incident__second(d, t, now);
		metrics__second(d, now);
	}
	control__expire_clients(d, now);
}

static void on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->signal_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM)
			d->stop = 1;
	}
}

static void run_loop(struct daemon *d)
{
	struct epoll_event evs[64];
	int n, i;

	while (!d->stop) {
		n = epoll_wait(d->epfd, evs, 64, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "dial9d: epoll_wait: %s\n", strerror(errno));
			return;
		}
		for (i = 0; i < n; i++) {
			struct ep_source *src = evs[i].data.ptr;

			/* a process detached earlier in this batch */
			if ((src->kind == EP_RING || src->kind == EP_PIDFD) &&
			    ((struct tracked *)src->owner)->released)
				continue;
			switch (src->kind) {
			case EP_LISTEN:
				control__on_accept(d);
				break;
			case EP_CLIENT:
				control__on_client(d, src->fd);
				break;
			case EP_TIMER:
				on_tick(d);
				break;
			case EP_SIGNAL:
				on_signal(d);
				break;
			case EP_RING: {
				struct tracked *t = src->owner;

				ingest__drain(t, now_mono_ns());
				incident__tick(d, t, now_mono_ns());
				break;
			}
			case EP_EXECS:
				recorder__drain_execs(d->rec);
				break;
			case EP_PIDFD:
				incident__on_exit(d, src->owner);
				break;
			}
		}
		tracked__reap(d); /* nothing of this batch names them any more */
	}
}

int main(int argc, char **argv)
{
	struct daemon d = {
		.epfd = -1, .listen_fd = -1, .timer_fd = -1, .signal_fd = -1, .state_lock_fd = -1,
	};
	struct dial9_config cfg;
	struct recorder_opts ro;
	bool metrics_written = false;
	int err;

	if (dial9_config__init(&cfg)) {
		fprintf(stderr, "Error: out of memory\n");
		return 1;
	}
	if (load_config(argc, argv, &cfg) || parse_args(argc, argv, &cfg)) {
		dial9_config__free(&cfg);
		return 2;
	}
	d.o = cfg.s;       /* borrowed: cfg lives as long as d */
	d.rules = cfg.rules;
	d.start_ns = now_mono_ns();
	d.start_real_ns = now_real_ns();
	if (d.o.floor) /* nothing is recorded: nothing to govern or count */
		d.o.overhead_budget = 0;
	ro = (struct recorder_opts){ .ring_bytes = d.o.ring_bytes, .discover = d.o.all,
				     .poll_threshold_ns = d.o.poll_threshold_ns, .floor = d.o.floor,
				     .cpu_sample_hz = d.o.cpu_sample_hz,
				     .verbose = d.o.verbose, .on_exec = discovery__on_exec,
				     .exec_ctx = &d };

	err = setup_state_dir(&d);
	if (err) {
		fprintf(stderr, "Error: state directory %s: %s\n", d.o.state_dir,
			err == -EBUSY ? "another dial9d is using it" : strerror(-err));
		goto cleanup;
	}
	if (d.o.metrics_file) { /* the first one now: a bad path fails the start */
		err = metrics__write(&d, now_mono_ns());
		if (err) {
			fprintf(stderr, "Error: metrics file %s: %s%s\n", d.o.metrics_file,
				strerror(-err), err == -ENOENT ? " (its directory must exist)" : "");
			goto cleanup;
		}
		metrics_written = true;
	}
	err = setup_loop(&d);
	if (err) {
		fprintf(stderr, "Error: event loop setup: %s\n", strerror(-err));
		goto cleanup;
	}
	err = recorder__new(&d.rec, &ro);
	if (err) {
		fprintf(stderr, "Error: cannot load BPF programs: %s%s\n", strerror(-err),
			err == -EPERM ? " (dial9d needs root or CAP_BPF+CAP_PERFMON)" : "");
		goto cleanup;
	}
	err = add_fd(&d, &d.src_execs, EP_EXECS, recorder__execs_epoll_fd(d.rec));
	if (err) {
		fprintf(stderr, "Error: event loop setup: %s\n", strerror(-err));
		goto cleanup;
	}
	err = control__open(&d);
	if (err) {
		fprintf(stderr, "Error: control socket %s: %s\n", d.o.socket_path, strerror(-err));
		goto cleanup;
	}
	fprintf(stderr, "dial9d %s: listening on %s, window %llus, dumps in %s/dumps%s\n",
		DIAL9D_VERSION, d.o.socket_path, (unsigned long long)(d.o.window_ns / 1000000000ULL),
		d.o.state_dir, d.o.all ? ", discovering Tokio processes system-wide" : "");
	incident__report_triggers(&d);
	if (d.o.all)
		discovery__scan(&d);
	notify_ready();
	run_loop(&d);
	fprintf(stderr, "dial9d: stopping\n");

cleanup:
	while (d.procs)
		tracked__detach(&d, d.procs);
	tracked__reap(&d);
	/* figures of a daemon that stopped would look current: none instead */
	if (metrics_written)
		unlink(d.o.metrics_file);
	control__close(&d);
	recorder__free(d.rec);
	if (d.timer_fd >= 0)
		close(d.timer_fd);
	if (d.signal_fd >= 0)
		close(d.signal_fd);
	if (d.epfd >= 0)
		close(d.epfd);
	if (d.state_lock_fd >= 0)
		close(d.state_lock_fd);
	discovery__free();
	dial9_config__free(&cfg);
	return err ? 1 : 0;
}
