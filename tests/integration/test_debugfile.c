// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_debugfile.c - separate debug files: a real test target split into a
 * stripped copy and its debug file (objcopy), the debug file placed where
 * each search method looks, then the probe finder and the symbolizer
 * reading a stripped program through it.  No root needed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "debuginfo.h"
#include "elf_sniff.h"
#include "itest.h"
#include "tokio_syms.h"

#define TARGETS DIAL9_SRC_DIR "/build/targets/"

/* The fixture, built once: T/bin/blocker (stripped, no debuglink),
 * T/link/blocker (stripped, .gnu_debuglink "blocker.debug"), and the debug
 * files T/blocker.debug and T/relay.debug, kept where nothing looks. */
static struct {
	char top[64];
	char bin[128], link[128], debug[128], relay_debug[128], linkdir[128];
	char build_id[65];
} fx;

static void fx_path(char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/%s", fx.top, rel);
}

/* DIR/.build-id/xx/yyyy.debug for the blocker's build-id, into buf. */
static void build_id_path(char *buf, size_t len, const char *dir)
{
	snprintf(buf, len, "%s/.build-id/%.2s/%s.debug", dir, fx.build_id, fx.build_id + 2);
}

/* Copy from to the file path, creating its directory. */
static void place(const char *from, const char *path)
{
	char dir[512];

	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	assert_int_equal(itest_mkdirs(dir), 0);
	assert_int_equal(itest_copy_file(from, path, 0644), 0);
}

static int group_setup(void **state)
{
	char tmp[128], err[256];
	struct dial9_elf_file *f = NULL;

	/* the tests must not ask a real debuginfod server */
	unsetenv("DEBUGINFOD_URLS");
	snprintf(fx.top, sizeof(fx.top), "/tmp/dial9-debuginfo.XXXXXX");
	if (!mkdtemp(fx.top))
		return -1;
	fx_path(fx.bin, sizeof(fx.bin), "bin/blocker");
	fx_path(fx.linkdir, sizeof(fx.linkdir), "link");
	fx_path(fx.link, sizeof(fx.link), "link/blocker");
	fx_path(fx.debug, sizeof(fx.debug), "blocker.debug");
	fx_path(fx.relay_debug, sizeof(fx.relay_debug), "relay.debug");
	fx_path(tmp, sizeof(tmp), "bin");
	if (access(TARGETS "blocker", X_OK) || access(TARGETS "relay", X_OK)) {
		fprintf(stderr, "missing test targets: run `make targets`\n");
		return -1;
	}
	if (itest_mkdirs(tmp) || itest_mkdirs(fx.linkdir) ||
	    itest_split_debug(TARGETS "blocker", fx.bin, fx.debug, false) ||
	    itest_split_debug(TARGETS "blocker", fx.link, fx.debug, true))
		return -1;
	fx_path(tmp, sizeof(tmp), "relay.stripped");
	if (itest_split_debug(TARGETS "relay", tmp, fx.relay_debug, false))
		return -1;
	if (dial9_elf_file__open(TARGETS "blocker", &f, err, sizeof(err)))
		return -1;
	snprintf(fx.build_id, sizeof(fx.build_id), "%s", f->build_id);
	dial9_elf_file__free(f);
	return strlen(fx.build_id) >= 4 ? 0 : -1;
}

static int group_teardown(void **state)
{
	itest_kill_all();
	if (fx.top[0])
		itest_rm_rf(fx.top);
	return 0;
}

/* find() on exe must give want (a path) by method m. */
static void expect_found(const char *exe, const struct dial9_debuginfo_opts *o, const char *want,
			 enum dial9_debuginfo_method m)
{
	enum dial9_debuginfo_method got = DIAL9_DEBUGINFO_NONE;
	char path[DIAL9_DEBUGINFO_PATH_MAX], err[1024] = "";
	int ret = dial9_debuginfo__find(exe, NULL, o, path, sizeof(path), &got, err, sizeof(err));

	if (ret)
		fail_msg("find(%s) = %d: %s (wanted %s)", exe, ret, err, want);
	assert_string_equal(path, want);
	assert_int_equal(got, m);
}

/* find() on exe must fail with -ENOENT, err holding needle. */
static void expect_none(const char *exe, const struct dial9_debuginfo_opts *o, const char *needle)
{
	char path[DIAL9_DEBUGINFO_PATH_MAX] = "", err[1024] = "";
	int ret = dial9_debuginfo__find(exe, NULL, o, path, sizeof(path), NULL, err, sizeof(err));

	if (ret != -ENOENT)
		fail_msg("find(%s) = %d (%s), wanted -ENOENT", exe, ret, path);
	if (!strstr(err, needle))
		fail_msg("find(%s): \"%s\" does not say \"%s\"", exe, err, needle);
	assert_null(strchr(err, '\n'));
}

static void test_by_build_id(void **state)
{
	struct dial9_debuginfo_opts o = { 0 };
	struct dial9_elf_file *exe = NULL;
	char dir[128], missing[128], want[512], path[DIAL9_DEBUGINFO_PATH_MAX], err[512];
	enum dial9_debuginfo_method m;

	fx_path(dir, sizeof(dir), "dbg-bid");
	fx_path(missing, sizeof(missing), "no-such-dir");
	build_id_path(want, sizeof(want), dir);
	place(fx.debug, want);
	assert_int_equal(dial9_debuginfo_opts__add_dir(&o, missing, NULL, 0), 0);
	assert_int_equal(dial9_debuginfo_opts__add_dir(&o, dir, NULL, 0), 0);
	expect_found(fx.bin, &o, want, DIAL9_DEBUGINFO_BUILD_ID);
	/* the same through an executable already opened */
	assert_int_equal(dial9_elf_file__open(fx.bin, &exe, err, sizeof(err)), 0);
	assert_int_equal(dial9_debuginfo__find(fx.bin, exe, &o, path, sizeof(path), &m, err,
					       sizeof(err)), 0);
	assert_string_equal(path, want);
	assert_string_equal(dial9_debuginfo_method_name(m), "build-id");
	/* and kept open */
	{
		struct dial9_elf_file *dbg = NULL;

		assert_int_equal(dial9_debuginfo__open(fx.bin, exe, &o, &dbg, path, sizeof(path),
						       &m, err, sizeof(err)), 0);
		assert_non_null(dbg);
		assert_string_equal(dbg->build_id, fx.build_id);
		assert_true(dbg->has_symtab);
		assert_false(exe->has_symtab);
		dial9_elf_file__free(dbg);
	}
	/* a known file is taken again when its build-id fits, else refused */
	{
		struct dial9_elf_file *dbg = NULL;

		assert_int_equal(dial9_debuginfo__open_known(exe, want, &dbg, err, sizeof(err)), 0);
		dial9_elf_file__free(dbg);
		assert_int_equal(dial9_debuginfo__open_known(exe, fx.relay_debug, &dbg, err,
							     sizeof(err)), -EINVAL);
		assert_null(dbg);
		assert_non_null(strstr(err, "build-id differs"));
	}
	dial9_elf_file__free(exe);
	itest_rm_rf(dir);
}

static void test_build_id_refused(void **state)
{
	struct dial9_debuginfo_opts o = { 0 };
	char dir[128], at[512];

	fx_path(dir, sizeof(dir), "dbg-wrong");
	assert_int_equal(dial9_debuginfo_opts__add_dir(&o, dir, NULL, 0), 0);
	build_id_path(at, sizeof(at), dir);
	/* another program's debug file under this build-id */
	place(fx.relay_debug, at);
	expect_none(fx.bin, &o, "its build-id differs");
	/* the right build-id, but no symbols and no DWARF: the stripped copy */
	place(fx.bin, at);
	expect_none(fx.bin, &o, "no .symtab and no DWARF");
	/* a directory in its place is no file */
	unlink(at);
	assert_int_equal(itest_mkdirs(at), 0);
	expect_none(fx.bin, &o, "not a regular file");
	itest_rm_rf(dir);
}

static void test_by_debuglink(void **state)
{
	struct dial9_debuginfo_opts o = { 0 };
	char dir[128], at[4][512];

	fx_path(dir, sizeof(dir), "dbg-link");
	assert_int_equal(dial9_debuginfo_opts__add_dir(&o, dir, NULL, 0), 0);
	/* next to it, in its .debug/, in DIR, in DIR/<its directory>/ */
	snprintf(at[0], sizeof(at[0]), "%s/blocker.debug", fx.linkdir);
	snprintf(at[1], sizeof(at[1]), "%s/.debug/blocker.debug", fx.linkdir);
	snprintf(at[2], sizeof(at[2]), "%s/blocker.debug", dir);
	snprintf(at[3], sizeof(at[3]), "%s%s/blocker.debug", dir, fx.linkdir);
	for (int i = 0; i < 4; i++) {
		place(fx.debug, at[i]);
		expect_found(fx.link, &o, at[i], DIAL9_DEBUGINFO_DEBUGLINK);
		assert_int_equal(unlink(at[i]), 0);
	}
	/* no build-id match anywhere, no file: what was looked for */
	expect_none(fx.link, &o, ".gnu_debuglink blocker.debug");
	expect_none(fx.link, &o, fx.build_id);
	itest_rm_rf(dir);
}

static void test_debuglink_bad_crc(void **state)
{
	char at[512];
	int fd;

	/* the right build-id, but not the file the link's CRC names */
	snprintf(at, sizeof(at), "%s/blocker.debug", fx.linkdir);
	place(fx.debug, at);
	fd = open(at, O_WRONLY | O_APPEND | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	expect_none(fx.link, NULL, "CRC32 differs");
	/* another program's debug file under the name */
	place(fx.relay_debug, at);
	expect_none(fx.link, NULL, "CRC32 differs");
	unlink(at);
}

static void test_none_found(void **state)
{
	char path[64] = "x", err[1024] = "";

	expect_none(fx.bin, NULL, fx.build_id);
	expect_none(fx.bin, NULL, "no .gnu_debuglink");
	expect_none(fx.bin, NULL, "under /usr/lib/debug");
	/* the executable itself is missing: its own error */
	assert_int_equal(dial9_debuginfo__find("/nonexistent/app", NULL, NULL, path, sizeof(path),
					       NULL, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "cannot open"));
}

static void test_add_dir_limits(void **state)
{
	struct dial9_debuginfo_opts o = { 0 };
	char why[128], *longdir;

	assert_int_equal(dial9_debuginfo_opts__add_dir(&o, "relative/dir", why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "absolute"));
	longdir = malloc(DIAL9_DEBUGINFO_DIR_MAX + 2);
	assert_non_null(longdir);
	memset(longdir, 'a', DIAL9_DEBUGINFO_DIR_MAX + 1);
	longdir[0] = '/';
	longdir[DIAL9_DEBUGINFO_DIR_MAX + 1] = '\0';
	assert_int_equal(dial9_debuginfo_opts__add_dir(&o, longdir, why, sizeof(why)), -EINVAL);
	free(longdir);
	for (int i = 0; i < DIAL9_DEBUGINFO_MAX_DIRS; i++)
		assert_int_equal(dial9_debuginfo_opts__add_dir(&o, "/d", why, sizeof(why)), 0);
	assert_int_equal(dial9_debuginfo_opts__add_dir(&o, "/d", why, sizeof(why)), -E2BIG);
	assert_int_equal(o.ndirs, DIAL9_DEBUGINFO_MAX_DIRS);
}

/* The stripped copy with its debug file gives the unstripped binary's probe
 * points: same kinds, names, addresses and file offsets. */
static void check_same_points(const struct dial9_probe_set *a, const struct dial9_probe_set *b)
{
	assert_int_equal(a->count, b->count);
	assert_true(a->count > 0);
	for (int k = 0; k < DIAL9_PROBE_KIND_MAX; k++)
		assert_int_equal(a->per_kind[k], b->per_kind[k]);
	for (size_t i = 0; i < a->count; i++) {
		assert_int_equal(a->points[i].kind, b->points[i].kind);
		assert_int_equal(a->points[i].vaddr, b->points[i].vaddr);
		assert_int_equal(a->points[i].offset, b->points[i].offset);
		assert_string_equal(a->points[i].name, b->points[i].name);
	}
	assert_string_equal(a->build_id, b->build_id);
}

/* find_opts on the stripped exe: the same points as plain, read from the
 * debug file want found by method m. */
static void check_split(const char *exe, const struct dial9_symbols_opts *so,
			const struct dial9_probe_set *plain, const char *want,
			enum dial9_debuginfo_method m)
{
	struct dial9_probe_set *split = NULL;
	char err[1024] = "";

	if (dial9_probe_set__find_opts(exe, so, &split, err, sizeof(err)))
		fail_msg("find_opts(%s): %s", exe, err);
	check_same_points(plain, split);
	assert_int_equal(split->symbols_method, m);
	assert_string_equal(split->symbols_from, want);
	dial9_probe_set__free(split);
}

static void test_probe_set_from_debug_file(void **state)
{
	struct dial9_debuginfo_opts o = { 0 };
	struct dial9_symbols_opts so = { .debuginfo = &o };
	struct dial9_probe_set *plain = NULL;
	char dir[128], at[512], linked[512], err[1024] = "";

	assert_int_equal(dial9_probe_set__find(TARGETS "blocker", &plain, err, sizeof(err)), 0);
	assert_int_equal(plain->symbols_method, DIAL9_DEBUGINFO_NONE);
	assert_string_equal(plain->symbols_from, TARGETS "blocker");

	/* by build-id under a --debug-dir */
	fx_path(dir, sizeof(dir), "dbg-probes");
	assert_int_equal(dial9_debuginfo_opts__add_dir(&o, dir, NULL, 0), 0);
	build_id_path(at, sizeof(at), dir);
	place(fx.debug, at);
	check_split(fx.bin, &so, plain, at, DIAL9_DEBUGINFO_BUILD_ID);

	/* by .gnu_debuglink, the file named as if opened through /proc/PID/exe */
	snprintf(linked, sizeof(linked), "%s/blocker.debug", fx.linkdir);
	place(fx.debug, linked);
	itest_rm_rf(dir);
	so.exe_name = fx.link;
	check_split(fx.link, &so, plain, linked, DIAL9_DEBUGINFO_DEBUGLINK);
	unlink(linked);
	dial9_probe_set__free(plain);
}

static void test_probe_set_stripped_messages(void **state)
{
	struct dial9_symbols_opts so = { 0 };
	struct dial9_probe_set *s = NULL;
	char err[1024] = "";

	/* the old entry point does not look for debug files */
	assert_int_equal(dial9_probe_set__find(fx.bin, &s, err, sizeof(err)), -ESRCH);
	assert_non_null(strstr(err, "(stripped?)"));

	/* with options: one line saying what to do */
	assert_int_equal(dial9_probe_set__find_opts(fx.bin, &so, &s, err, sizeof(err)), -ENODATA);
	assert_null(s);
	if (!strstr(err, "no Tokio runtime symbols in ") || !strstr(err, fx.bin) ||
	    !strstr(err, "it is stripped and no debug file was found") ||
	    !strstr(err, fx.build_id) || !strstr(err, "install its debug package") ||
	    !strstr(err, "--debug-dir") || !strstr(err, "DEBUGINFOD_URLS") || strchr(err, '\n'))
		fail_msg("unhelpful message: %s", err);

	/* discovery asks only about programs that look like Rust */
	so.only_rust = true;
	assert_int_equal(dial9_probe_set__find_opts("/bin/true", &so, &s, err, sizeof(err)), -ESRCH);
	assert_non_null(strstr(err, "no Tokio runtime symbols in /bin/true"));
	assert_int_equal(dial9_probe_set__find_opts(fx.bin, &so, &s, err, sizeof(err)), -ENODATA);
	/* an unstripped program without Tokio: not Tokio, whatever the options */
	assert_int_equal(dial9_probe_set__find_opts(DIAL9_SRC_DIR "/build/dial9", &so, &s, err,
						    sizeof(err)), -ESRCH);
}

/* A stripped C program with Rust's marks added as read-only data: Rust,
 * but no sign of Tokio.  Discovery cannot tell, and says so. */
static void make_rusty(char *path, size_t len)
{
	char data[128], opt[192], flags[128];
	const char *argv[] = { "/usr/bin/objcopy", opt, flags, "/bin/true", path, NULL };
	FILE *f;

	fx_path(path, len, "bin/rusty");
	fx_path(data, sizeof(data), "rusty.rodata");
	f = fopen(data, "we");
	assert_non_null(f);
	fputs("note: run with `RUST_BACKTRACE=1` environment variable", f);
	fclose(f);
	snprintf(opt, sizeof(opt), "--add-section=.rodata.rusty=%s", data);
	snprintf(flags, sizeof(flags), "--set-section-flags=.rodata.rusty=alloc,readonly,data");
	assert_int_equal(itest_run(argv, NULL, NULL, 30000), 0);
}

static void test_cannot_tell(void **state)
{
	struct dial9_symbols_opts so = { .only_rust = true };
	struct dial9_probe_set *s = NULL;
	struct dial9_elf_file *f = NULL;
	char path[128], err[1024] = "";

	make_rusty(path, sizeof(path));
	assert_int_equal(dial9_elf_file__open(path, &f, err, sizeof(err)), 0);
	assert_int_equal(dial9_elf_file__sniff(f), DIAL9_ELF_RUST);
	dial9_elf_file__free(f);
	assert_int_equal(dial9_probe_set__find_opts(path, &so, &s, err, sizeof(err)), -ENODATA);
	if (!strstr(err, "cannot tell whether ") || !strstr(err, "is a Tokio program") ||
	    !strstr(err, "it is stripped and no debug file was found"))
		fail_msg("unexpected: %s", err);
}

static void test_sniff(void **state)
{
	struct dial9_elf_file *f = NULL;
	char err[256];

	assert_int_equal(dial9_elf_file__open(fx.bin, &f, err, sizeof(err)), 0);
	assert_int_equal(dial9_elf_file__sniff(f), DIAL9_ELF_TOKIO);
	dial9_elf_file__free(f);
	assert_int_equal(dial9_elf_file__open("/bin/true", &f, err, sizeof(err)), 0);
	assert_int_equal(dial9_elf_file__sniff(f), DIAL9_ELF_OTHER);
	dial9_elf_file__free(f);
}

/* Runtime address, in process pid, of file offset off of its executable. */
static uint64_t runtime_addr(pid_t pid, uint64_t off)
{
	char path[64], line[1024];
	unsigned long long start, end, moff, ino;
	uint64_t addr = 0;
	FILE *m;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	m = fopen(path, "re");
	assert_non_null(m);
	while (!addr && fgets(line, sizeof(line), m)) {
		if (!strstr(line, "/bin/blocker") ||
		    sscanf(line, "%llx-%llx %*s %llx %*x:%*x %llu", &start, &end, &moff, &ino) != 4)
			continue;
		if (off >= moff && off - moff < end - start)
			addr = start + (off - moff);
	}
	fclose(m);
	assert_true(addr != 0);
	return addr;
}

/* The symbolizer of a running stripped program reads names and lines from
 * its debug file; without the file it knows nothing there. */
static void test_symbolizer_stripped(void **state)
{
	struct dial9_debuginfo_opts o = { 0 };
	struct dial9_symbols_opts so = { .debuginfo = &o };
	struct itest_daemon fake = { 0 };
	struct dial9_elf_file *exe = NULL, *dbg = NULL;
	struct dial9_symbolizer *sym, *bare;
	struct itest_target t;
	char dir[128], at[512], err[512] = "", buf[1024];
	uint64_t vaddr = 0, off, addr;

	fx_path(dir, sizeof(dir), "dbg-sym");
	assert_int_equal(dial9_debuginfo_opts__add_dir(&o, dir, NULL, 0), 0);
	build_id_path(at, sizeof(at), dir);
	place(fx.debug, at);
	assert_int_equal(dial9_elf_file__open(fx.bin, &exe, err, sizeof(err)), 0);
	assert_int_equal(dial9_elf_file__open(fx.debug, &dbg, err, sizeof(err)), 0);
	for (size_t i = 0; i < dbg->nsyms && !vaddr; i++)
		if (!strcmp(dial9_elf_file__sym_name(&dbg->syms[i]), "blocker::spawn_blocker"))
			vaddr = dbg->syms[i].vaddr;
	assert_true(vaddr != 0);
	assert_int_equal(dial9_elf_file__vaddr_to_offset(exe, vaddr + 4, &off), 0);

	/* it waits at its go gate: mapped, nothing run */
	snprintf(fake.dir, sizeof(fake.dir), "%s", fx.top);
	assert_int_equal(itest_target_start_exe(&t, &fake, fx.bin, NULL, NULL), 0);
	addr = runtime_addr(t.pid, off);
	sym = dial9_symbolizer__new_opts(t.pid, &so, err, sizeof(err));
	bare = dial9_symbolizer__new(t.pid, err, sizeof(err));
	assert_non_null(sym);
	assert_non_null(bare);
	assert_int_equal(dial9_symbolizer__describe(sym, addr, buf, sizeof(buf)), 0);
	if (strncmp(buf, "blocker::spawn_blocker (blocker/src/main.rs:", 44) != 0)
		fail_msg("described as \"%s\"", buf);
	assert_int_equal(dial9_symbolizer__describe(bare, addr, buf, sizeof(buf)), 0);
	assert_null(strstr(buf, "spawn_blocker"));
	dial9_symbolizer__free(sym);
	dial9_symbolizer__free(bare);
	itest_target_kill(&t, SIGKILL);
	itest_target_wait(&t, 5000);
	dial9_elf_file__free(exe);
	dial9_elf_file__free(dbg);
	itest_rm_rf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_by_build_id),
		cmocka_unit_test(test_build_id_refused),
		cmocka_unit_test(test_by_debuglink),
		cmocka_unit_test(test_debuglink_bad_crc),
		cmocka_unit_test(test_none_found),
		cmocka_unit_test(test_add_dir_limits),
		cmocka_unit_test(test_probe_set_from_debug_file),
		cmocka_unit_test(test_probe_set_stripped_messages),
		cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_cannot_tell),
		cmocka_unit_test(test_symbolizer_stripped),
	};

	return cmocka_run_group_tests_name("debugfile", tests, group_setup, group_teardown);
}
