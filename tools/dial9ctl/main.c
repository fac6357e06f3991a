// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * dial9ctl - control dial9d: attach, detach, dump, list, status; and the
 * catalogue of the dumps it wrote (dumps.c), read without it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl_proto.h"
#include "dump_dir.h"
#include "dumps.h"
#include "human.h"
#include "time_arg.h"
#include "json_writer.h"

static const char usage_text[] =
	"Usage: dial9ctl [--socket PATH] [--json] COMMAND [ARGS]\n"
	"Control the dial9d recording daemon.\n"
	"\n"
	"Commands (any unambiguous prefix works):\n"
	"  attach --pid N          start recording process N\n"
	"  detach --pid N          stop recording process N\n"
	"  dump --pid N [-o FILE]  write N's rolling window to a dump; prints its path\n"
	"  list                    recorded processes: events/s, window, memory, losses\n"
	"  status                  daemon status\n"
	"  dumps [--pid N] [--since TIME]\n"
	"                          your dumps in the state directory, oldest first (root:\n"
	"                          everyone's); read from the files, no daemon needed\n"
	"  dumps info ID           everything about one dump (ID, file name or path)\n"
	"  help                    this text\n"
	"\n"
	"Options:\n"
	"  -s, --socket PATH     daemon socket (default " DIAL9_CTL_DEFAULT_SOCKET ")\n"
	"  -p, --pid N           target process; dumps: that process's dumps\n"
	"  -o, --output FILE     dump: write the dump to FILE (created by you, as you)\n"
	"  -S, --since TIME      dumps: taken at or after TIME: YYYY-MM-DD[ HH:MM[:SS]][Z]\n"
	"                        (local time; Z: UTC), @SECONDS, now, today, yesterday, or\n"
	"                        -N UNIT ago (s, min, h, d, w: -1h, -30min, -2d)\n"
	"  -d, --state-dir DIR   dumps: dial9d's state directory (default "
	DIAL9_STATE_DIR_DEFAULT ")\n"
	"  -j, --json            machine-readable output\n"
	"\n"
	"Examples:\n"
	"  dial9ctl attach --pid $(pidof my-server)\n"
	"  dial9ctl dump --pid 4242 -o incident.dial9 && dial9 summary incident.dial9\n"
	"  dial9ctl dumps --since -1h\n"
	"  dial9ctl dumps info 3fa2c1d0\n";

struct ctl {
	const char *socket_path;
	const char *output;
	const char *since;
	const char *state_dir;
	char *const *args; /* after the command */
	int nargs;
	pid_t pid;
	bool json;
};

static bool errors_as_json; /* --json: errors on stdout too, as {"error": ...} */

static void print_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void print_error(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "Error: %s\n", buf);
	if (errors_as_json)
		json_writer__error_line(stdout, buf);
}

static int connect_daemon(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		print_error("socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		print_error("socket: %s", strerror(errno));
		return err;
	}
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		err = -errno;
		if (errno == ENOENT || errno == ECONNREFUSED)
			print_error("dial9d is not running (no daemon at %s)", path);
		else if (errno == EACCES)
			print_error("permission denied connecting to %s", path);
		else
			print_error("cannot connect to %s: %s", path, strerror(errno));
		close(fd);
		return err;
	}
	return fd;
}

/* Send one request (with out_fd attached when >= 0), read the JSON reply.
 * Returns 0 with *reply set, or a negative errno after printing the error. */
static int transact(const struct ctl *c, const struct dial9_ctl_request *req, int out_fd,
		    json_t **reply)
{
	char msg[DIAL9_CTL_MAX_REQUEST], cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov;
	struct msghdr mh = { 0 };
	json_error_t jerr;
	char *buf = NULL, *body;
	int fd, n, err = 0;
	ssize_t got;

	n = dial9_ctl_request__format(req, msg, sizeof(msg));
	if (n < 0) {
		print_error("cannot encode request");
		return n;
	}
	fd = connect_daemon(c->socket_path);
	if (fd < 0)
		return fd;
	iov = (struct iovec){ msg, (size_t)n };
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (out_fd >= 0) {
		struct cmsghdr *cm;

		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &out_fd, sizeof(int));
	}
	if (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0) {
		err = -errno;
		print_error("cannot send request: %s", strerror(errno));
		goto cleanup;
	}
	buf = malloc(DIAL9_CTL_MAX_REPLY + 1);
	if (!buf) {
		err = -ENOMEM;
		print_error("out of memory");
		goto cleanup;
	}
	got = recv(fd, buf, DIAL9_CTL_MAX_REPLY, 0);
	if (got <= 0) {
		err = got < 0 ? -errno : -ECONNRESET;
		print_error("no reply from dial9d%s%s", got < 0 ? ": " : "",
			    got < 0 ? strerror(errno) : "");
		goto cleanup;
	}
	buf[got] = '\0';
	body = strchr(buf, '\n');
	if (!body) {
		err = -EPROTO;
		print_error("malformed reply from dial9d");
		goto cleanup;
	}
	*body++ = '\0';
	if (!strncmp(buf, "error", 5)) {
		int code = atoi(buf + 5);

		body[strcspn(body, "\n")] = '\0';
		print_error("%s", body);
		err = code > 0 ? -code : -EIO;
		goto cleanup;
	}
	if (strcmp(buf, "ok")) {
		err = -EPROTO;
		print_error("malformed reply from dial9d");
		goto cleanup;
	}
	*reply = json_loads(body, 0, &jerr);
	if (!*reply) {
		err = -EPROTO;
		print_error("malformed JSON from dial9d: %s", jerr.text);
	}
cleanup:
	free(buf);
	close(fd);
	return err;
}

static void print_json(const json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
}

static const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static unsigned long long jnum(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		return (unsigned long long)json_integer_value(v);
	if (json_is_real(v))
		return (unsigned long long)json_real_value(v);
	return 0;
}

static int need_pid(const struct ctl *c, const char *cmd)
{
	if (c->pid > 0)
		return 0;
	print_error("%s needs --pid N", cmd);
	return -EINVAL;
}

/* What the recording of process p cannot vouch for, one line per missing
 * probe class: "  no park probe: idle time is not recorded; …". */
static void print_missing_probes(const json_t *p, const char *indent)
{
	json_t *m = json_object_get(p, "probes_missing"), *e;
	size_t i;

	json_array_foreach(m, i, e)
		printf("%sno %s probe: %s\n", indent, jstr(e, "class"), jstr(e, "cost"));
}

static int cmd_attach(struct ctl *c)
{
	struct dial9_ctl_request req = { DIAL9_CTL_ATTACH, c->pid };
	json_t *r = NULL;
	int err = need_pid(c, "attach");

	if (!err)
		err = transact(c, &req, -1, &r);
	if (err)
		return err;
	if (c->json) {
		print_json(r);
	} else {
		/* symbols from a debug file: say which (method "executable": its own) */
		const char *method = jstr(r, "symbols_method");
		bool debug = *method && strcmp(method, "executable") != 0;

		printf("recording pid %lld (%s, %s): %llu probe points, %llu uprobes%s%s\n",
		       jnum(r, "pid") ? (long long)jnum(r, "pid") : (long long)c->pid,
		       jstr(r, "comm"), jstr(r, "exe"), jnum(r, "probe_points"), jnum(r, "uprobes"),
		       debug ? ", symbols from " : "", debug ? jstr(r, "symbols_from") : "");
		print_missing_probes(r, "  ");
	}
	json_decref(r);
	return 0;
}

static int cmd_detach(struct ctl *c)
{
	struct dial9_ctl_request req = { DIAL9_CTL_DETACH, c->pid };
	json_t *r = NULL;
	int err = need_pid(c, "detach");

	if (!err)
		err = transact(c, &req, -1, &r);
	if (err)
		return err;
	if (c->json)
		print_json(r);
	else
		printf("stopped recording pid %d\n", c->pid);
	json_decref(r);
	return 0;
}

/* Create a temporary file next to path, as the invoking user. */
static int open_temp_beside(const char *path, char *tmp, size_t len)
{
	char copy[PATH_MAX];
	int fd;

	if (snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy))
		return -ENAMETOOLONG;
	if (snprintf(tmp, len, "%s/.dial9-dump.XXXXXX", dirname(copy)) >= (int)len)
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, 0600)) {
		int err = -errno;

		close(fd);
		unlink(tmp);
		return err;
	}
	return fd;
}

static int cmd_dump(struct ctl *c)
{
	struct dial9_ctl_request req = { DIAL9_CTL_DUMP, c->pid };
	char tmp[PATH_MAX];
	json_t *r = NULL;
	int err = need_pid(c, "dump"), fd = -1;

	if (err)
		return err;
	if (c->output) {
		fd = open_temp_beside(c->output, tmp, sizeof(tmp));
		if (fd < 0) {
			print_error("cannot create %s: %s", c->output, strerror(-fd));
			return fd;
		}
	}
	err = transact(c, &req, fd, &r);
	if (!err && fd >= 0) {
		if (fsync(fd) || rename(tmp, c->output)) {
			err = -errno;
			print_error("cannot write %s: %s", c->output, strerror(errno));
		} else {
			json_object_set_new(r, "path", json_string(c->output));
		}
	}
	if (fd >= 0) {
		if (err)
			unlink(tmp);
		close(fd);
	}
	if (err) {
		json_decref(r);
		return err;
	}
	if (c->json)
		print_json(r);
	else
		printf("%s\n", jstr(r, "path"));
	json_decref(r);
	return 0;
}

static int cmd_list(struct ctl *c)
{
	struct dial9_ctl_request req = { DIAL9_CTL_LIST, 0 };
	json_t *r = NULL, *p;
	size_t i;
	int err = transact(c, &req, -1, &r);

	if (err)
		return err;
	if (c->json) {
		print_json(r);
		json_decref(r);
		return 0;
	}
	if (json_array_size(r) == 0) {
		printf("no processes are being recorded\n");
		json_decref(r);
		return 0;
	}
	printf("%-8s %-16s %10s %8s %8s %8s %8s  %s\n", "PID", "COMM", "EVENTS/S", "WINDOW", "MEMORY",
	       "LOST", "DROPPED", "EXE");
	json_array_foreach(r, i, p) {
		char mem[32], span[32];

		human_bytes(jnum(p, "window_bytes"), mem, sizeof(mem));
		snprintf(span, sizeof(span), "%.1fs", (double)jnum(p, "window_span_ns") / 1e9);
		printf("%-8llu %-16s %10.0f %8s %8s %8llu %8llu  %s\n", jnum(p, "pid"), jstr(p, "comm"),
		       json_number_value(json_object_get(p, "events_per_sec")), span, mem,
		       jnum(p, "lost_ringbuf"), jnum(p, "lost_window"), jstr(p, "exe"));
		print_missing_probes(p, "         ");
	}
	json_decref(r);
	return 0;
}

static int cmd_status(struct ctl *c)
{
	struct dial9_ctl_request req = { DIAL9_CTL_STATUS, 0 };
	char mem[32];
	json_t *r = NULL, *set;
	int err = transact(c, &req, -1, &r);

	if (err)
		return err;
	if (c->json) {
		print_json(r);
		json_decref(r);
		return 0;
	}
	set = json_object_get(r, "settings");
	human_bytes(jnum(r, "window_bytes"), mem, sizeof(mem));
	printf("dial9d %s (pid %llu), up %.0fs\n", jstr(r, "version"), jnum(r, "pid"),
	       (double)jnum(r, "uptime_ns") / 1e9);
	printf("  recording:   %llu of at most %llu processes\n", jnum(r, "processes"),
	       jnum(set, "max-procs"));
	printf("  events:      %llu recorded, %llu lost (ring buffer), %llu dropped (window)\n",
	       jnum(r, "events"), jnum(r, "lost_ringbuf"), jnum(r, "lost_window"));
	printf("  windows:     %llus each, %s held\n", jnum(set, "window"), mem);
	printf("  dumps:       %llu written to %s/dumps\n", jnum(r, "dumps_written"),
	       jstr(set, "state-dir"));
	printf("  socket:      %s\n", jstr(set, "socket"));
	json_decref(r);
	return 0;
}

static int cmd_dumps(struct ctl *c)
{
	struct dumps_args a = { c->state_dir, c->json, { c->pid, false, 0 } };
	char err[1024] = "";
	struct timespec now;
	int rc;

	if (c->since) {
		clock_gettime(CLOCK_REALTIME, &now);
		rc = time_arg__parse(c->since, (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec,
				     &a.filter.since_ns, err, sizeof(err));
		if (rc) {
			print_error("%s", err);
			return rc;
		}
		a.filter.since_set = true;
	}
	if (c->nargs == 0) {
		rc = dumps__list(&a, err, sizeof(err));
	} else if (c->nargs == 2 && !strcmp(c->args[0], "info")) {
		rc = dumps__info(&a, c->args[1], err, sizeof(err));
	} else {
		print_error("dumps takes no argument or 'info ID' (got '%s')", c->args[0]);
		return -EINVAL;
	}
	if (rc && err[0])
		print_error("%s", err);
	return rc;
}

static int cmd_help(struct ctl *c)
{
	fputs(usage_text, stdout);
	return 0;
}

static const struct command {
	const char *name;
	int (*fn)(struct ctl *c);
} commands[] = {
	{ "attach", cmd_attach }, { "detach", cmd_detach }, { "dump", cmd_dump },
	{ "list", cmd_list },     { "status", cmd_status }, { "dumps", cmd_dumps },
	{ "help", cmd_help },
};

static const struct command *find_command(const char *name)
{
	const struct command *found = NULL;
	size_t i, len = strlen(name);

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(commands[i].name, name))
			return &commands[i];
		if (!strncmp(commands[i].name, name, len)) {
			if (found) {
				print_error("ambiguous command '%s'", name);
				return NULL;
			}
			found = &commands[i];
		}
	}
	if (!found)
		print_error("unknown command '%s' (try 'dial9ctl help')", name);
	return found;
}

static int parse_pid(const char *s, pid_t *pid)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v <= 0 || v > INT32_MAX) {
		print_error("invalid pid '%s'", s);
		return -EINVAL;
	}
	*pid = (pid_t)v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' }, { "pid", required_argument, NULL, 'p' },
		{ "output", required_argument, NULL, 'o' }, { "json", no_argument, NULL, 'j' },
		{ "since", required_argument, NULL, 'S' },  { "state-dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },         {},
	};
	struct ctl c = { .socket_path = DIAL9_CTL_DEFAULT_SOCKET };
	const struct command *cmd;
	const char *env = getenv("DIAL9_SOCKET");
	int opt;

	if (env && *env)
		c.socket_path = env;
	/* Options may come before or after the command (GNU getopt permutes). */
	while ((opt = getopt_long(argc, argv, "s:p:o:S:d:jh", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			c.socket_path = optarg;
			break;
		case 'p':
			if (parse_pid(optarg, &c.pid))
				return 2;
			break;
		case 'o':
			c.output = optarg;
			break;
		case 'S':
			c.since = optarg;
			break;
		case 'd':
			c.state_dir = optarg;
			break;
		case 'j':
			c.json = true;
			errors_as_json = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		fputs(usage_text, stderr);
		return 2;
	}
	cmd = find_command(argv[optind]);
	if (!cmd)
		return 2;
	c.args = argv + optind + 1;
	c.nargs = argc - optind - 1;
	if (cmd->fn == cmd_dumps) {
		if (c.nargs > 2)
			goto unexpected;
	} else if (c.nargs) {
		/* "dial9ctl attach 1234" is accepted as a shorthand for --pid */
		if (c.nargs > 1 || c.pid || parse_pid(c.args[0], &c.pid))
			goto unexpected;
	}
	return cmd->fn(&c) ? 1 : 0;
unexpected:
	print_error("unexpected argument '%s'", c.args[c.nargs - 1]);
	return 2;
}
