/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * itest.h - helpers for integration tests: a private dial9d, real Tokio
 * target programs, and running the dial9 tools (no shell anywhere).
 */
#ifndef DIAL9_ITEST_H
#define DIAL9_ITEST_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

struct itest_daemon {
	pid_t pid;
	char dir[128];      /* private temp dir */
	char socket[192];
	char state_dir[192];
	char log[192];
};

struct itest_target {
	pid_t pid;
	char name[64];
	char out[192];      /* its stdout */
	char go[192];       /* created to let it start */
	int status;         /* wait status once reaped */
	bool reaped;
};

/* Kill every process the helpers started that is still alive (also done
 * at exit). */
void itest_kill_all(void);
/* The same as a cmocka group teardown. */
int itest_teardown(void **state);

/* CLOCK_MONOTONIC in milliseconds, for tests' deadlines. */
long long itest_now_ms(void);

/* Skip (return non-zero) when not root or BPF is unavailable. */
bool itest_can_run(void);

/* Start dial9d with a private socket and state dir; extra args NULL-terminated. */
int itest_daemon_start(struct itest_daemon *d, const char *const extra[]);
/* The same with extra "K=V" environment strings (NULL-terminated) or NULL. */
int itest_daemon_start_env(struct itest_daemon *d, const char *const extra[],
			   const char *const env[]);
/* dial9d recording every poll and wake (--poll-threshold-us 0
 * --overhead-budget 0), with --dump-on-exit: what tests that check each
 * poll want. */
int itest_daemon_start_full(struct itest_daemon *d);
/* The same with another daemon binary (e.g. one built with sanitizers). */
int itest_daemon_start_bin(struct itest_daemon *d, const char *bin, const char *const extra[],
			   const char *const env[]);
void itest_daemon_stop(struct itest_daemon *d);
/* Start build/dial9d again on d's socket and state dir, after it died (its
 * log moves to LOG.prev); -EBUSY if it still runs. */
int itest_daemon_restart(struct itest_daemon *d, const char *const extra[]);

/* Start build/targets/NAME with args (NULL-terminated), waiting at its go gate
 * until itest_target_go().  env: extra "K=V" strings or NULL. */
int itest_target_start(struct itest_target *t, const struct itest_daemon *d, const char *name,
		       const char *const args[], const char *const env[]);
/* The same, running the target as user uid (its group = uid). */
int itest_target_start_as(struct itest_target *t, const struct itest_daemon *d, const char *name,
			  const char *const args[], const char *const env[], int uid);
/* The same for the program at path (a target built elsewhere, or a copy). */
int itest_target_start_exe(struct itest_target *t, const struct itest_daemon *d, const char *path,
			   const char *const args[], const char *const env[]);
/* The program at path, as it is (not copied), run as user uid (group = uid). */
int itest_target_start_exe_as(struct itest_target *t, const struct itest_daemon *d,
			      const char *path, const char *const args[], const char *const env[],
			      int uid);
int itest_target_go(struct itest_target *t);
/* Attach t (started, waiting at its go gate) through d, let it run to its
 * end (exit status 0) and find its dump (path into dump; the daemon runs
 * with --dump-on-exit).  The attach reply (malloc'd) goes to *reply when
 * reply is not NULL.  Fails the test on error. */
void itest_record_to_exit(const struct itest_daemon *d, struct itest_target *t, char **reply,
			  char *dump, size_t len);
/* Wait up to timeout_ms for the target to exit; kills it after that.
 * Returns the wait status, or -1 on timeout. */
int itest_target_wait(struct itest_target *t, int timeout_ms);
void itest_target_kill(struct itest_target *t, int sig);
/* Wait until the target printed a line containing `needle` (timeout_ms). */
bool itest_target_wait_line(struct itest_target *t, const char *needle, int timeout_ms);
/* Value of the last "key=value" fact the target printed, malloc'd, or NULL. */
char *itest_target_fact(const struct itest_target *t, const char *key);
/* All values of key, in order; returns count (values malloc'd). */
int itest_target_facts(const struct itest_target *t, const char *key, char ***values);

/* Run a program (argv[0] is a path), capture stdout and stderr (malloc'd,
 * may be NULL).  Returns the wait status, or -1. */
int itest_run(const char *const argv[], char **out, char **err, int timeout_ms);
int itest_run_as(int uid, const char *const argv[], char **out, char **err, int timeout_ms);
/* The same with stdin from the file input. */
int itest_run_input(const char *const argv[], const char *input, char **out, char **err,
		    int timeout_ms);

/* dial9ctl --socket D ARGS...; returns the exit code (or -1), output in *out. */
int itest_ctl(const struct itest_daemon *d, char **out, char **err, const char *const args[]);
int itest_ctl_as(int uid, const struct itest_daemon *d, char **out, char **err,
		 const char *const args[]);
/* dial9 ARGS... --json parsed; NULL on failure (message printed). */
json_t *itest_dial9_json(const char *const args[]);

/* JSON accessors for assertions: jint fails the test when the key is not an
 * integer; jstr gives "" for a missing string. */
long long itest_jint(const json_t *o, const char *key);
const char *itest_jstr(const json_t *o, const char *key);
/* `dial9 CMD DUMP --json`, parsed; fails the test on error. */
json_t *itest_dial9_cmd(const char *cmd, const char *dump);

/* Start a helper program (argv[0] a path) with stdout/stderr to files (NULL:
 * /dev/null) and extra env; killed by itest_kill_all() if still running.
 * Returns its pid or -1.  itest_stop: SIGTERM, wait up to timeout_ms, then
 * SIGKILL; returns the wait status. */
pid_t itest_spawn(const char *const argv[], const char *out, const char *err,
		  const char *const env[]);
int itest_stop(pid_t pid, int timeout_ms);

/* Files for debug-info tests. */
int itest_copy_file(const char *from, const char *to, mode_t mode);
/* The debug file of bin (objcopy --only-keep-debug) to debug, and a copy
 * stripped of all symbols and DWARF (objcopy --strip-all, adding a
 * .gnu_debuglink naming debug when link) to stripped.  0 or -1. */
int itest_split_debug(const char *bin, const char *stripped, const char *debug, bool link);
/* mkdir -p; 0 or negative errno. */
int itest_mkdirs(const char *path);
/* Remove path and everything below it (no symlinks followed). */
int itest_rm_rf(const char *path);
/* GET path from 127.0.0.1:port (HTTP/1.0); the status code, or -1; the
 * body (malloc'd) in *body when body is not NULL. */
int itest_http_get(int port, const char *path, char **body, int timeout_ms);
/* A TCP port free on this machine just now, or -1. */
int itest_free_port(void);
/* A datagram socket bound at path (replacing a stale one) that receives with
 * a timeout: a stand-in for journald's native socket.  The fd, or -1. */
int itest_datagram_socket(const char *path, int timeout_s);
/* A whole file, malloc'd and NUL-terminated, or NULL. */
char *itest_read_file(const char *path);

/* Path of the newest dump in the dumps directory DIR (STATE/dumps: its
 * per-uid directories and its own files) whose name holds substr, waiting
 * up to timeout_ms; "" and -ENOENT if none. */
int itest_find_dump(const char *dir, const char *substr, char *path, size_t len, int timeout_ms);
/* Every regular file in the dumps directory DIR and its per-uid
 * directories (DIR/UID/), hidden ones (temp files) too when hidden, as
 * malloc'd paths; the count.  itest_free_paths frees them. */
int itest_dump_files(const char *dir, bool hidden, char ***paths);
void itest_free_paths(char **paths, int n);

/* build dir binaries */
#define ITEST_BIN(name) DIAL9_SRC_DIR "/build/" name
/* A copy of build/NAME in d's private directory (buf), which another user
 * can run when the build directory is out of their reach; NULL on failure. */
const char *itest_bin_for_others(const struct itest_daemon *d, const char *name, char *buf,
				 size_t len);
#define ITEST_TARGET(name) DIAL9_SRC_DIR "/build/targets/" name

#endif /* DIAL9_ITEST_H */
