// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* itest.c - see itest.h. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <sys/un.h>
#include <sys/time.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "itest.h"

/* Every process started here, so that none outlives the tests whatever
 * assertion fails (a left-over target keeps the kernel's probes busy). */
#define ITEST_MAX_CHILDREN 256
static pid_t children[ITEST_MAX_CHILDREN];
static int nchildren;

static void kill_children(void)
{
	int i;

	for (i = 0; i < nchildren; i++) {
		if (children[i] > 0) {
			kill(children[i], SIGKILL);
			waitpid(children[i], NULL, 0);
		}
	}
	nchildren = 0;
}

static void remember_child(pid_t pid)
{
	static bool registered;

	if (!registered) {
		atexit(kill_children);
		registered = true;
	}
	if (nchildren < ITEST_MAX_CHILDREN)
		children[nchildren++] = pid;
}

/* A reaped pid may be reused: never signal it again. */
static void forget_child(pid_t pid)
{
	int i;

	for (i = 0; i < nchildren; i++)
		if (children[i] == pid)
			children[i] = 0;
}

void itest_kill_all(void)
{
	kill_children();
}

int itest_teardown(void **state)
{
	itest_kill_all();
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long itest_now_ms(void)
{
	return now_ms();
}

bool itest_can_run(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "integration tests need root (real uprobes)\n");
		return false;
	}
	if (access(ITEST_BIN("dial9d"), X_OK) || access(ITEST_BIN("dial9ctl"), X_OK) ||
	    access(ITEST_BIN("dial9"), X_OK)) {
		fprintf(stderr, "build the tools first: make\n");
		return false;
	}
	return true;
}

/* Fork and exec argv with stdout/stderr to files (NULL: /dev/null), extra
 * env strings, and (uid >= 0) as that user with its primary group = uid. */
/* argv[0] with stdin from in, stdout and stderr to out and err (NULL:
 * /dev/null), extra env, as uid (-1: as we are). */
static pid_t spawn_io(const char *const argv[], const char *input, const char *out,
		      const char *err, const char *const env[], int uid)
{
	pid_t pid = fork();

	if (pid > 0)
		remember_child(pid);
	if (pid != 0)
		return pid;
	{
		int in = open(input ? input : "/dev/null", O_RDONLY | O_CLOEXEC);
		int o = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		int e = open(err ? err : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		int i;

		if (in < 0 || o < 0 || e < 0 || dup2(in, 0) < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(126);
		for (i = 0; env && env[i]; i++)
			putenv((char *)env[i]);
		if (uid >= 0 && (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
				 setresuid(uid, uid, uid)))
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
}

static pid_t spawn_as(const char *const argv[], const char *out, const char *err,
		      const char *const env[], int uid)
{
	return spawn_io(argv, NULL, out, err, env, uid);
}

static pid_t spawn_to(const char *const argv[], const char *out, const char *err,
		      const char *const env[])
{
	return spawn_as(argv, out, err, env, -1);
}

static int wait_timeout(pid_t pid, int timeout_ms, int *status)
{
	long long end = now_ms() + timeout_ms;
	pid_t r;

	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid) {
			forget_child(pid);
			return 0;
		}
		if (r < 0)
			return -errno;
		if (now_ms() >= end)
			return -ETIMEDOUT;
		usleep(5000);
	}
}

char *itest_read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, n;
	char chunk[4096];

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		char *nb = realloc(buf, len + n + 1);

		if (!nb) {
			free(buf);
			fclose(f);
			return NULL;
		}
		buf = nb;
		memcpy(buf + len, chunk, n);
		len += n;
	}
	fclose(f);
	if (!buf)
		buf = calloc(1, 1);
	else
		buf[len] = '\0';
	return buf;
}

int itest_copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	ssize_t n;
	int in = open(from, O_RDONLY | O_CLOEXEC), out, err = 0;

	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (out < 0) {
		err = -errno;
		close(in);
		return err;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			err = -EIO;
			break;
		}
	if (n < 0)
		err = -errno;
	close(in);
	if (close(out) && !err)
		err = -errno;
	if (!err && chmod(to, mode))
		err = -errno;
	return err;
}

int itest_daemon_start(struct itest_daemon *d, const char *const extra[])
{
	return itest_daemon_start_env(d, extra, NULL);
}

int itest_daemon_start_env(struct itest_daemon *d, const char *const extra[],
			   const char *const env[])
{
	return itest_daemon_start_bin(d, ITEST_BIN("dial9d"), extra, env);
}

int itest_daemon_start_full(struct itest_daemon *d)
{
	static const char *const extra[] = { "--dump-on-exit", "--poll-threshold-us", "0",
					     "--overhead-budget", "0", NULL };

	return itest_daemon_start(d, extra);
}

/* Run bin on d's socket and state dir; wait until it listens. */
static int daemon_launch(struct itest_daemon *d, const char *bin, const char *const extra[],
			 const char *const env[])
{
	const char *argv[32];
	long long end;
	int i = 0, j;

	argv[i++] = bin;
	argv[i++] = "--socket";
	argv[i++] = d->socket;
	argv[i++] = "--state-dir";
	argv[i++] = d->state_dir;
	for (j = 0; extra && extra[j] && i < 30; j++)
		argv[i++] = extra[j];
	argv[i] = NULL;
	d->pid = spawn_to(argv, NULL, d->log, env);
	if (d->pid < 0)
		return -errno;
	for (end = now_ms() + 10000; now_ms() < end; usleep(10000)) {
		int status;

		if (access(d->socket, F_OK) == 0)
			return 0;
		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			forget_child(d->pid);
			char *log = itest_read_file(d->log);

			fprintf(stderr, "dial9d exited at start:\n%s\n", log ? log : "");
			free(log);
			d->pid = 0;
			return -ECHILD;
		}
	}
	return -ETIMEDOUT;
}

int itest_daemon_start_bin(struct itest_daemon *d, const char *bin, const char *const extra[],
			   const char *const env[])
{
	memset(d, 0, sizeof(*d));
	snprintf(d->dir, sizeof(d->dir), "/tmp/dial9-itest.XXXXXX");
	if (!mkdtemp(d->dir))
		return -errno;
	chmod(d->dir, 0755);
	snprintf(d->socket, sizeof(d->socket), "%s/dial9d.sock", d->dir);
	snprintf(d->state_dir, sizeof(d->state_dir), "%s/state", d->dir);
	snprintf(d->log, sizeof(d->log), "%s/dial9d.log", d->dir);
	return daemon_launch(d, bin, extra, env);
}

int itest_daemon_restart(struct itest_daemon *d, const char *const extra[])
{
	char prev[200];
	int status;

	if (d->pid > 0 && waitpid(d->pid, &status, WNOHANG) == 0)
		return -EBUSY; /* still running */
	if (d->pid > 0)
		forget_child(d->pid);
	d->pid = 0;
	/* the dead daemon's socket would look like a live one */
	if (unlink(d->socket) && errno != ENOENT)
		return -errno;
	snprintf(prev, sizeof(prev), "%s.prev", d->log);
	rename(d->log, prev);
	return daemon_launch(d, ITEST_BIN("dial9d"), extra, NULL);
}

void itest_daemon_stop(struct itest_daemon *d)
{
	int status;

	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		if (wait_timeout(d->pid, 10000, &status)) {
			kill(d->pid, SIGKILL);
			waitpid(d->pid, &status, 0);
			forget_child(d->pid);
		}
		d->pid = 0;
	}
	if (getenv("DIAL9_ITEST_SHOW_LOG")) {
		char *log = itest_read_file(d->log);

		fprintf(stderr, "---- dial9d log\n%s----\n", log ? log : "");
		free(log);
	}
}

int itest_target_start(struct itest_target *t, const struct itest_daemon *d, const char *name,
		       const char *const args[], const char *const env[])
{
	return itest_target_start_as(t, d, name, args, env, -1);
}

/* Start the program at bin as target name (see itest_target_start_as);
 * copy: run a copy another user can reach (when uid >= 0). */
static int start_target(struct itest_target *t, const struct itest_daemon *d, const char *name,
			const char *path, const char *const args[], const char *const env[],
			int uid, bool copy)
{
	static int seq;
	const char *argv[32];
	const char *envs[16];
	char bin[256], goenv[256], errpath[200];
	int i = 0, j;

	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	snprintf(t->out, sizeof(t->out), "%s/%s.%d.out", d->dir, name, ++seq);
	snprintf(t->go, sizeof(t->go), "%s/%s.%d.go", d->dir, name, seq);
	snprintf(errpath, sizeof(errpath), "%s/%s.%d.err", d->dir, name, seq);
	snprintf(bin, sizeof(bin), "%s", path);
	snprintf(goenv, sizeof(goenv), "DIAL9_TARGET_GO=%s", t->go);
	argv[i++] = bin;
	for (j = 0; args && args[j] && i < 30; j++)
		argv[i++] = args[j];
	argv[i] = NULL;
	i = 0;
	envs[i++] = goenv;
	for (j = 0; env && env[j] && i < 15; j++)
		envs[i++] = env[j];
	envs[i] = NULL;
	if (access(bin, X_OK)) {
		fprintf(stderr, "missing target %s: run `make targets`\n", bin);
		return -ENOENT;
	}
	/* Another user may not reach the build directory: give them a copy. */
	if (uid >= 0 && copy) {
		char copy[256];
		int err;

		snprintf(copy, sizeof(copy), "%s/%s.bin", d->dir, name);
		err = itest_copy_file(bin, copy, 0755);
		if (err)
			return err;
		snprintf(bin, sizeof(bin), "%s", copy);
	}
	t->pid = spawn_as(argv, t->out, errpath, envs, uid);
	if (t->pid < 0)
		return -errno;
	return itest_target_wait_line(t, "ready pid=", 10000) ? 0 : -ETIMEDOUT;
}

int itest_target_start_as(struct itest_target *t, const struct itest_daemon *d, const char *name,
			  const char *const args[], const char *const env[], int uid)
{
	char bin[256];

	snprintf(bin, sizeof(bin), "%s%s", ITEST_TARGET(""), name);
	return start_target(t, d, name, bin, args, env, uid, true);
}

int itest_target_start_exe(struct itest_target *t, const struct itest_daemon *d, const char *path,
			   const char *const args[], const char *const env[])
{
	const char *slash = strrchr(path, '/');

	return start_target(t, d, slash ? slash + 1 : path, path, args, env, -1, false);
}

int itest_target_start_exe_as(struct itest_target *t, const struct itest_daemon *d,
			      const char *path, const char *const args[], const char *const env[],
			      int uid)
{
	const char *slash = strrchr(path, '/');

	return start_target(t, d, slash ? slash + 1 : path, path, args, env, uid, false);
}

int itest_target_go(struct itest_target *t)
{
	int fd = open(t->go, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	close(fd);
	return itest_target_wait_line(t, "go=1", 10000) ? 0 : -ETIMEDOUT;
}

void itest_record_to_exit(const struct itest_daemon *d, struct itest_target *t, char **reply,
			  char *dump, size_t len)
{
	char pidbuf[16], pattern[32], dumps[256], *out = NULL, *err = NULL;
	const char *attach[] = { "attach", "--pid", pidbuf, NULL };
	int status;

	snprintf(pidbuf, sizeof(pidbuf), "%d", t->pid);
	if (itest_ctl(d, &out, &err, attach) != 0)
		fail_msg("attach %s failed: %s", t->name, err ? err : "");
	if (reply)
		*reply = out;
	else
		free(out);
	free(err);
	assert_int_equal(itest_target_go(t), 0);
	status = itest_target_wait(t, 60000);
	assert_true(status >= 0 && WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* name the dump: comm is the target name cut to 15 characters */
	snprintf(pattern, sizeof(pattern), ".%d.", t->pid);
	snprintf(dumps, sizeof(dumps), "%s/dumps", d->state_dir);
	if (itest_find_dump(dumps, pattern, dump, len, 10000))
		fail_msg("no exit dump for %s (pid %d) in %s", t->name, t->pid, dumps);
}

int itest_target_wait(struct itest_target *t, int timeout_ms)
{
	if (t->reaped)
		return t->status;
	if (wait_timeout(t->pid, timeout_ms, &t->status)) {
		kill(t->pid, SIGKILL);
		waitpid(t->pid, &t->status, 0);
		forget_child(t->pid);
		t->reaped = true;
		return -1;
	}
	t->reaped = true;
	return t->status;
}

void itest_target_kill(struct itest_target *t, int sig)
{
	if (!t->reaped && t->pid > 0)
		kill(t->pid, sig);
}

bool itest_target_wait_line(struct itest_target *t, const char *needle, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;

	do {
		char *s = itest_read_file(t->out);
		bool found = s && strstr(s, needle);

		free(s);
		if (found)
			return true;
		usleep(10000);
	} while (now_ms() < end);
	return false;
}

int itest_target_facts(const struct itest_target *t, const char *key, char ***values)
{
	char *s = itest_read_file(t->out), *line, *save = NULL;
	size_t klen = strlen(key);
	int n = 0;

	*values = NULL;
	if (!s)
		return 0;
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = line;

		while ((p = strstr(p, key))) {
			if ((p == line || p[-1] == ' ') && p[klen] == '=') {
				char *v = p + klen + 1, **nv;
				size_t vl = strcspn(v, " ");

				nv = realloc(*values, sizeof(char *) * (n + 1));
				if (!nv)
					break;
				*values = nv;
				(*values)[n++] = strndup(v, vl);
				break;
			}
			p += klen;
		}
	}
	free(s);
	return n;
}

char *itest_target_fact(const struct itest_target *t, const char *key)
{
	char **vals, *last = NULL;
	int n = itest_target_facts(t, key, &vals), i;

	for (i = 0; i < n; i++) {
		if (i == n - 1)
			last = vals[i];
		else
			free(vals[i]);
	}
	free(vals);
	return last;
}

int itest_run(const char *const argv[], char **out, char **err, int timeout_ms)
{
	return itest_run_as(-1, argv, out, err, timeout_ms);
}

static int run_io(int uid, const char *const argv[], const char *input, char **out, char **err,
		  int timeout_ms);

int itest_run_as(int uid, const char *const argv[], char **out, char **err, int timeout_ms)
{
	return run_io(uid, argv, NULL, out, err, timeout_ms);
}

int itest_run_input(const char *const argv[], const char *input, char **out, char **err,
		    int timeout_ms)
{
	return run_io(-1, argv, input, out, err, timeout_ms);
}

static int run_io(int uid, const char *const argv[], const char *input, char **out, char **err,
		  int timeout_ms)
{
	char outp[] = "/tmp/dial9-run-out.XXXXXX", errp[] = "/tmp/dial9-run-err.XXXXXX";
	int fo = mkstemp(outp), fe = mkstemp(errp), status = -1;
	pid_t pid;

	if (fo >= 0)
		close(fo);
	if (fe >= 0)
		close(fe);
	if (uid >= 0) { /* the user must be able to write its output files */
		chown(outp, uid, uid);
		chown(errp, uid, uid);
	}
	pid = spawn_io(argv, input, outp, errp, NULL, uid);
	if (pid > 0 && wait_timeout(pid, timeout_ms, &status)) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		forget_child(pid);
		status = -1;
	}
	if (out)
		*out = itest_read_file(outp);
	if (err)
		*err = itest_read_file(errp);
	unlink(outp);
	unlink(errp);
	return status;
}

int itest_ctl(const struct itest_daemon *d, char **out, char **err, const char *const args[])
{
	return itest_ctl_as(-1, d, out, err, args);
}

const char *itest_bin_for_others(const struct itest_daemon *d, const char *name, char *buf,
				 size_t len)
{
	char bin[256];

	snprintf(bin, sizeof(bin), "%s/build/%s", DIAL9_SRC_DIR, name);
	snprintf(buf, len, "%s/%s", d->dir, name);
	if (access(buf, X_OK) && itest_copy_file(bin, buf, 0755))
		return NULL;
	return buf;
}

int itest_ctl_as(int uid, const struct itest_daemon *d, char **out, char **err,
		 const char *const args[])
{
	const char *argv[32];
	char copy[256];
	int i = 0, j, status;

	argv[i++] = ITEST_BIN("dial9ctl");
	if (uid >= 0) { /* another user may not reach the build directory */
		argv[0] = itest_bin_for_others(d, "dial9ctl", copy, sizeof(copy));
		if (!argv[0])
			return -1;
	}
	argv[i++] = "--socket";
	argv[i++] = d->socket;
	for (j = 0; args[j] && i < 31; j++)
		argv[i++] = args[j];
	argv[i] = NULL;
	status = itest_run_as(uid, argv, out, err, 30000);
	if (status < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

json_t *itest_dial9_json(const char *const args[])
{
	const char *argv[32];
	char *out = NULL, *err = NULL;
	json_error_t jerr;
	json_t *j = NULL;
	int i = 0, k, status;

	argv[i++] = ITEST_BIN("dial9");
	for (k = 0; args[k] && i < 30; k++)
		argv[i++] = args[k];
	argv[i++] = "--json";
	argv[i] = NULL;
	status = itest_run(argv, &out, &err, 60000);
	if (status != 0)
		fprintf(stderr, "dial9 %s failed (status %d): %s\n", args[0], status, err ? err : "");
	else if (!(j = json_loads(out ? out : "", 0, &jerr)))
		fprintf(stderr, "dial9 %s: bad JSON: %s\n", args[0], jerr.text);
	free(out);
	free(err);
	return j;
}

long long itest_jint(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		fail_msg("JSON key '%s' missing or not an integer", key);
	return json_integer_value(v);
}

const char *itest_jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

json_t *itest_dial9_cmd(const char *cmd, const char *dump)
{
	const char *args[] = { cmd, dump, NULL };
	json_t *j = itest_dial9_json(args);

	if (!j)
		fail_msg("dial9 %s %s failed", cmd, dump);
	return j;
}

static int add_path(char ***paths, int n, const char *dir, const char *name)
{
	char **np = realloc(*paths, sizeof(char *) * (size_t)(n + 1));
	char p[1024];

	if (!np)
		return n;
	*paths = np;
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	np[n] = strdup(p);
	return np[n] ? n + 1 : n;
}

/* The regular files of dir (hidden ones when hidden) appended to paths;
 * the per-uid subdirectories too when subdirs. */
static int collect(const char *dir, bool hidden, bool subdirs, char ***paths, int n)
{
	DIR *dp = opendir(dir);
	struct dirent *de;

	if (!dp)
		return n;
	while ((de = readdir(dp))) {
		char p[1024];
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (lstat(p, &st))
			continue;
		if (S_ISDIR(st.st_mode) && subdirs && strspn(de->d_name, "0123456789") ==
		    strlen(de->d_name))
			n = collect(p, hidden, false, paths, n);
		else if (S_ISREG(st.st_mode) && (hidden || de->d_name[0] != '.'))
			n = add_path(paths, n, dir, de->d_name);
	}
	closedir(dp);
	return n;
}

int itest_dump_files(const char *dir, bool hidden, char ***paths)
{
	*paths = NULL;
	return collect(dir, hidden, true, paths, 0);
}

void itest_free_paths(char **paths, int n)
{
	for (int i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

int itest_find_dump(const char *dir, const char *substr, char *path, size_t len, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;

	path[0] = '\0';
	do {
		time_t best = 0;
		char **paths;
		int n = itest_dump_files(dir, false, &paths);

		for (int i = 0; i < n; i++) {
			struct stat st;

			if (!strstr(strrchr(paths[i], '/') + 1, substr))
				continue;
			if (!stat(paths[i], &st) && st.st_mtime >= best) {
				best = st.st_mtime;
				snprintf(path, len, "%s", paths[i]);
			}
		}
		itest_free_paths(paths, n);
		if (path[0])
			return 0;
		usleep(20000);
	} while (now_ms() < end);
	return -ENOENT;
}

pid_t itest_spawn(const char *const argv[], const char *out, const char *err,
		  const char *const env[])
{
	return spawn_to(argv, out, err, env);
}

int itest_stop(pid_t pid, int timeout_ms)
{
	int status = -1;

	if (pid <= 0)
		return -1;
	kill(pid, SIGTERM);
	if (wait_timeout(pid, timeout_ms, &status)) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		forget_child(pid);
	}
	return status;
}

int itest_split_debug(const char *bin, const char *stripped, const char *debug, bool link)
{
	char linkopt[512];
	const char *keep[] = { "/usr/bin/objcopy", "--only-keep-debug", bin, debug, NULL };
	const char *strip[] = { "/usr/bin/objcopy", "--strip-all", link ? linkopt : bin,
				link ? bin : stripped, link ? stripped : NULL, NULL };
	char *err = NULL;
	int status;

	snprintf(linkopt, sizeof(linkopt), "--add-gnu-debuglink=%s", debug);
	status = itest_run(keep, NULL, &err, 60000);
	if (status == 0) {
		free(err);
		err = NULL;
		status = itest_run(strip, NULL, &err, 60000);
	}
	if (status != 0)
		fprintf(stderr, "objcopy %s failed (status %d): %s\n", bin, status, err ? err : "");
	free(err);
	return status == 0 ? 0 : -1;
}

int itest_mkdirs(const char *path)
{
	char buf[1024];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(buf, 0755) && errno != EEXIST ? -errno : 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path) ? -errno : 0;
}

int itest_rm_rf(const char *path)
{
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int itest_http_get(int port, const char *path, char **body, int timeout_ms)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	char req[512], *buf = NULL, *p;
	size_t len = 0, cap = 0;
	int fd, code = -1;
	ssize_t n;

	if (body)
		*body = NULL;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    send(fd, req, strlen(req), MSG_NOSIGNAL) < 0)
		goto cleanup;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 65536);

			if (!nb)
				goto cleanup;
			buf = nb;
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	if (!buf)
		goto cleanup;
	buf[len] = '\0';
	if (sscanf(buf, "HTTP/%*d.%*d %d", &code) != 1)
		code = -1;
	p = strstr(buf, "\r\n\r\n");
	if (body && p)
		*body = strdup(p + 4);
cleanup:
	free(buf);
	close(fd);
	return code;
}

int itest_datagram_socket(const char *path, int timeout_s)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = timeout_s };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		close(fd);
		return -1;
	}
	return fd;
}

int itest_free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

	if (fd < 0)
		return -1;
	if (!bind(fd, (struct sockaddr *)&sa, sizeof(sa)) &&
	    !getsockname(fd, (struct sockaddr *)&sa, &len))
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}
