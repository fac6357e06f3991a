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
#include "control.h"
#include "ctl_proto.h"
#include "daemon.h"
#include "discovery.h"
#include "governor.h"
#include "incident.h"
#include "ingest.h"
#include "retention.h"
#include "tracked.h"

static const char usage_text[] =
	"Usage: dial9d [OPTIONS]\n"
	"Record Tokio processes into rolling windows; dump them on request.\n"
	"\n"
	"  -s, --socket PATH      control socket (default " DIAL9_CTL_DEFAULT_SOCKET ")\n"
	"  -d, --state-dir DIR    dumps go to DIR/dumps (default /var/lib/dial9)\n"
	"  -w, --window SECONDS   rolling window per process (default 30)\n"
	"  -m, --max-bytes N      window memory budget per process, K/M/G suffixes (default 64M)\n"
	"  -r, --ring-bytes N     BPF ring buffer per process, power of two (default 4M)\n"
	"      --drain-ms N       ring drain period in ms (default 20)\n"
	"      --max-procs N      processes recorded at once (default 256)\n"
	"      --dump-on-exit     also dump when a recorded process exits normally\n"
	"  -a, --all              discover and record Tokio processes system-wide\n"
	"  -c, --config FILE      configuration (default " DIAL9_CONFIG_DEFAULT_PATH ");\n"
	"                         command-line options override it\n"
	"      --debug-dir DIR    look for stripped programs' debug files in DIR (DIR/.build-id/\n"
	"                         xx/yyyy.debug, .gnu_debuglink names) before /usr/lib/debug;\n"
	"                         repeatable, up to 16; DEBUGINFOD_URLS set: debuginfod too\n"
	"      --poll-threshold-us N  polls shorter than N µs are counted per task, not\n"
	"                         recorded one by one (default 1000; 0 = record every poll)\n"
	"      --overhead-budget PCT  keep each process's estimated recording cost under PCT\n"
	"                         of one CPU by duty-cycling the poll/wake probes (default 1;\n"
	"                         0 = never)\n"
	"      --hit-cost-ns N    the governor's estimate of one probe hit (default 1000)\n"
	"      --floor            benchmarks: attach empty programs at the same points\n"
	"      --max-dumps N      keep at most N dumps (default 100)\n"
	"      --max-dump-bytes N keep at most N bytes of dumps (default 1G)\n"
	"      --max-request-dumps N  keep at most N request dumps per uid (default 10)\n"
	"      --dump-reserve N   free bytes request dumps leave to crash dumps (default 64M,\n"
	"                         at most a quarter of the file system)\n"
	"      --request-dumps-per-min N  dump requests a non-root uid may make per minute\n"
	"                         (default 10; 0 = no limit)\n"
	"  -f, --foreground       stay in the foreground (always true; for systemd)\n"
	"  -v, --verbose          more logging, libbpf debug output\n"
	"  -h, --help             this text\n";

static int parse_args(int argc, char **argv, struct daemon_opts *o)
{
	enum { OPT_DRAIN = 256, OPT_MAX_PROCS, OPT_DUMP_ON_EXIT, OPT_MAX_DUMPS, OPT_MAX_DUMP_BYTES,
	       OPT_THRESHOLD, OPT_BUDGET, OPT_HIT_COST, OPT_FLOOR, OPT_DEBUG_DIR,
	       OPT_MAX_REQUEST_DUMPS, OPT_DUMP_RESERVE, OPT_REQUEST_DUMPS_PER_MIN };
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "state-dir", required_argument, NULL, 'd' },
		{ "window", required_argument, NULL, 'w' },
		{ "max-bytes", required_argument, NULL, 'm' },
		{ "ring-bytes", required_argument, NULL, 'r' },
		{ "drain-ms", required_argument, NULL, OPT_DRAIN },
		{ "max-procs", required_argument, NULL, OPT_MAX_PROCS },
		{ "dump-on-exit", no_argument, NULL, OPT_DUMP_ON_EXIT },
		{ "all", no_argument, NULL, 'a' },
		{ "config", required_argument, NULL, 'c' },
		{ "max-dumps", required_argument, NULL, OPT_MAX_DUMPS },
		{ "poll-threshold-us", required_argument, NULL, OPT_THRESHOLD },
		{ "overhead-budget", required_argument, NULL, OPT_BUDGET },
		{ "hit-cost-ns", required_argument, NULL, OPT_HIT_COST },
		{ "floor", no_argument, NULL, OPT_FLOOR },
		{ "debug-dir", required_argument, NULL, OPT_DEBUG_DIR },
		{ "max-dump-bytes", required_argument, NULL, OPT_MAX_DUMP_BYTES },
		{ "max-request-dumps", required_argument, NULL, OPT_MAX_REQUEST_DUMPS },
		{ "dump-reserve", required_argument, NULL, OPT_DUMP_RESERVE },
		{ "request-dumps-per-min", required_argument, NULL, OPT_REQUEST_DUMPS_PER_MIN },
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	bool debug_dirs_given = false;
	char why[128];
	uint64_t v;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:d:w:m:r:ac:fvh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->socket_path = optarg;
			break;
		case 'd':
			o->state_dir = optarg;
			break;
		case 'w':
			if (dial9_parse_size(optarg, &v) || v == 0 || v > 3600) {
				fprintf(stderr, "Error: --window takes 1..3600 seconds, not '%s'\n", optarg);
				return -EINVAL;
			}
			o->window_ns = v * 1000000000ULL;
			break;
		case 'm':
			if (dial9_parse_size(optarg, &v) || v < (1 << 20) || v > (64ULL << 30)) {
				fprintf(stderr, "Error: --max-bytes takes 1M..64G, not '%s'\n", optarg);
				return -EINVAL;
			}
			o->max_bytes = v;
			break;
		case 'r':
			if (dial9_parse_size(optarg, &v) || v < (64 << 10) || v > (1ULL << 30) || (v & (v - 1))) {
				fprintf(stderr, "Error: --ring-bytes takes a power of two in 64K..1G, not '%s'\n",
					optarg);
				return -EINVAL;
			}
			o->ring_bytes = (uint32_t)v;
			break;
		case OPT_DRAIN:
			if (dial9_parse_size(optarg, &v) || v == 0 || v > 1000) {
				fprintf(stderr, "Error: --drain-ms takes 1..1000, not '%s'\n", optarg);
				return -EINVAL;
			}
			o->drain_ms = (uint32_t)v;
			break;
		case OPT_MAX_PROCS:
			if (dial9_parse_size(optarg, &v) || v == 0 || v > 4096) {
				fprintf(stderr, "Error: --max-procs takes 1..4096, not '%s'\n", optarg);
				return -EINVAL;
			}
			o->max_procs = (uint32_t)v;
			break;
		case OPT_DUMP_ON_EXIT:
			o->dump_on_exit = true;
			break;
		case 'a':
			o->all = true;
			break;
		case 'c':
			break; /* read before the other options: see main() */
		case OPT_THRESHOLD:
			if (dial9_parse_size(optarg, &v) || v > 10000000) {
				fprintf(stderr, "Error: --poll-threshold-us takes 0..10000000, not '%s'\n",
					optarg);
				return -EINVAL;
			}
			o->poll_threshold_ns = v * 1000;
			break;
		case OPT_BUDGET: {
			char *end;
			double pct;

			errno = 0;
			pct = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(pct >= 0 && pct <= 100)) {
				fprintf(stderr, "Error: --overhead-budget takes a percentage 0..100, not '%s'\n",
					optarg);
				return -EINVAL;
			}
			o->overhead_budget = pct / 100.0;
			break;
		}
		case OPT_HIT_COST:
			if (dial9_parse_size(optarg, &v) || v == 0 || v > 10000000) {
				fprintf(stderr, "Error: --hit-cost-ns takes 1..10000000, not '%s'\n", optarg);
				return -EINVAL;
			}
			o->hit_cost_ns = v;
			break;
		case OPT_FLOOR:
			o->floor = true;
			break;
		case OPT_DEBUG_DIR:
			if (!debug_dirs_given) /* the command line's list replaces the file's */
				o->debuginfo.ndirs = 0;
			debug_dirs_given = true;
			if (dial9_debuginfo_opts__add_dir(&o->debuginfo, optarg, why, sizeof(why))) {
				fprintf(stderr, "Error: --debug-dir '%s': %s\n", optarg, why);
				return -EINVAL;
			}
			break;
		case OPT_MAX_DUMPS:
			if (dial9_parse_size(optarg, &v) || v == 0 || v > DIAL9_MAX_DUMPS_MAX) {
				fprintf(stderr, "Error: --max-dumps takes 1..%llu, not '%s'\n",
					DIAL9_MAX_DUMPS_MAX, optarg);
				return -EINVAL;
			}
			o->max_dumps = v;
			break;
		case OPT_MAX_REQUEST_DUMPS:
			if (dial9_parse_size(optarg, &v) || v == 0 || v > DIAL9_MAX_REQUEST_DUMPS_MAX) {
				fprintf(stderr, "Error: --max-request-dumps takes 1..%llu, not '%s'\n",
					DIAL9_MAX_REQUEST_DUMPS_MAX, optarg);
				return -EINVAL;
			}
			o->max_request_dumps = v;
			break;
		case OPT_DUMP_RESERVE:
			if (dial9_parse_size(optarg, &v) || v > DIAL9_DUMP_RESERVE_MAX) {
				fprintf(stderr, "Error: --dump-reserve takes 0..1P bytes, not '%s'\n",
					optarg);
				return -EINVAL;
			}
			o->dump_reserve = v;
			break;
		case OPT_REQUEST_DUMPS_PER_MIN:
			if (dial9_parse_size(optarg, &v) || v > DIAL9_REQUEST_DUMPS_PER_MIN_MAX) {
				fprintf(stderr, "Error: --request-dumps-per-min takes 0..%llu, not '%s'\n",
					DIAL9_REQUEST_DUMPS_PER_MIN_MAX, optarg);
				return -EINVAL;
			}
			o->request_dumps_per_min = (uint32_t)v;
			break;
		case OPT_MAX_DUMP_BYTES:
			if (dial9_parse_size(optarg, &v) || v < (1 << 20)) {
				fprintf(stderr, "Error: --max-dump-bytes takes at least 1M, not '%s'\n",
					optarg);
				return -EINVAL;
			}
			o->max_dump_bytes = v;
			break;
		case 'f':
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			fputs(usage_text, stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "Error: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

/* The configuration file named by --config (or the default one, if it
 * exists) sets defaults that the command line then overrides. */
static int load_config(int argc, char **argv, struct daemon *d, struct dial9_config *cfg)
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
	if (ret) {
		fprintf(stderr, "Error: %s\n", err);
		return ret;
	}
	if (cfg->has_window)
		d->o.window_ns = cfg->window_s * 1000000000ULL;
	if (cfg->has_max_bytes)
		d->o.max_bytes = cfg->max_bytes;
	if (cfg->has_ring_bytes)
		d->o.ring_bytes = (uint32_t)cfg->ring_bytes;
	if (cfg->has_max_procs)
		d->o.max_procs = (uint32_t)cfg->max_procs;
	if (cfg->has_dump_on_exit)
		d->o.dump_on_exit = cfg->dump_on_exit;
	if (cfg->has_max_dumps)
		d->o.max_dumps = cfg->max_dumps;
	if (cfg->has_max_dump_bytes)
		d->o.max_dump_bytes = cfg->max_dump_bytes;
	if (cfg->has_max_request_dumps)
		d->o.max_request_dumps = cfg->max_request_dumps;
	if (cfg->has_dump_reserve)
		d->o.dump_reserve = cfg->dump_reserve;
	if (cfg->has_request_dumps_per_min)
		d->o.request_dumps_per_min = (uint32_t)cfg->request_dumps_per_min;
	if (cfg->has_all)
		d->o.all = cfg->all;
	if (cfg->has_state_dir)
		d->o.state_dir = cfg->state_dir;
	if (cfg->has_socket)
		d->o.socket_path = cfg->socket;
	if (cfg->has_poll_threshold)
		d->o.poll_threshold_ns = cfg->poll_threshold_us * 1000;
	if (cfg->has_overhead_budget)
		d->o.overhead_budget = cfg->overhead_budget_pct / 100.0;
	if (cfg->has_hit_cost)
		d->o.hit_cost_ns = cfg->hit_cost_ns;
	d->rules = cfg->rules;
	d->o.debuginfo = cfg->debuginfo; /* borrowed: cfg lives as long as d */
	return 0;
}

/* STATE_DIR/dumps, one daemon per state directory (a second one would
 * remove the first one's dumps in progress as stale), and the temp files of
 * dumps a crash of the daemon interrupted. */
static int setup_state_dir(struct daemon *d)
{
	char path[PATH_MAX];

	if (mkdir(d->o.state_dir, 0755) && errno != EEXIST)
		return -errno;
	if (snprintf(path, sizeof(path), "%s/dumps", d->o.state_dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/dial9d.lock", d->o.state_dir);
	d->state_lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (d->state_lock_fd < 0)
		return -errno;
	if (flock(d->state_lock_fd, LOCK_EX | LOCK_NB))
		return errno == EWOULDBLOCK ? -EBUSY : -errno;
	return retention__clean_temps(d);
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
		ingest__flush_counts(d);
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
		.o = {
			.socket_path = DIAL9_CTL_DEFAULT_SOCKET,
			.state_dir = "/var/lib/dial9",
			.window_ns = 30ULL * 1000000000ULL,
			.max_bytes = 64ULL << 20,
			.ring_bytes = 4u << 20,
			.drain_ms = 20,
			.max_procs = 256,
			.panic_dumps_per_min = 3,
			.max_dumps = 100,
			.max_dump_bytes = 1ULL << 30,
			.max_request_dumps = 10,
			.dump_reserve = 64ULL << 20,
			.request_dumps_per_min = 10,
			.poll_threshold_ns = 1000000,
			.overhead_budget = 0.01,
			.hit_cost_ns = 1000,
		},
		.epfd = -1, .listen_fd = -1, .timer_fd = -1, .signal_fd = -1, .state_lock_fd = -1,
	};
	struct dial9_config cfg;
	struct recorder_opts ro;
	int err;

	dial9_config__init(&cfg);
	if (load_config(argc, argv, &d, &cfg) || parse_args(argc, argv, &d.o)) {
		dial9_config__free(&cfg);
		return 2;
	}
	d.start_ns = now_mono_ns();
	if (d.o.floor) /* nothing is recorded: nothing to govern or count */
		d.o.overhead_budget = 0;
	ro = (struct recorder_opts){ .ring_bytes = d.o.ring_bytes, .discover = d.o.all,
				     .poll_threshold_ns = d.o.poll_threshold_ns, .floor = d.o.floor,
				     .verbose = d.o.verbose, .on_exec = discovery__on_exec,
				     .exec_ctx = &d };

	err = setup_state_dir(&d);
	if (err) {
		fprintf(stderr, "Error: state directory %s: %s\n", d.o.state_dir,
			err == -EBUSY ? "another dial9d is using it" : strerror(-err));
		goto cleanup;
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
	if (d.o.all)
		discovery__scan(&d);
	notify_ready();
	run_loop(&d);
	fprintf(stderr, "dial9d: stopping\n");

cleanup:
	while (d.procs)
		tracked__detach(&d, d.procs);
	tracked__reap(&d);
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
