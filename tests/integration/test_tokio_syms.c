// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_tokio_syms.c - probe-point finder and symbolizer against the real
 * Tokio test targets (build/targets, made by `make targets`).
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
#include <sys/wait.h>
#include <unistd.h>

#include <elfutils/libdw.h>
#include <gelf.h>
#include <libelf.h>

#include "tokio_syms.h"

#define TARGETS DIAL9_SRC_DIR "/build/targets/"

/* What each target spawns (see tests/targets/NAME/src/main.rs). */
struct target_facts {
	const char *name;
	const char *futures[3]; /* user future types, v0 spelling */
	size_t nfutures;
	int spawn_out_of_line; /* spawn_inner kept out of line (not so in spawner) */
};

static const struct target_facts facts[] = {
	{ "relay", { "relay::stage::{closure#0}" }, 1, 1 },
	{ "blocker", { "blocker::spawn_blocker::{closure#0}", "blocker::spawn_ticker::{closure#0}" }, 2, 1 },
	{ "io_pingpong", { "io_pingpong::spawn_pinger::{closure#0}",
			   "io_pingpong::spawn_ponger::{closure#0}" }, 2, 1 },
	{ "current_thread", { "current_thread::worker::{closure#0}",
			      "current_thread::stage::{closure#0}" }, 2, 1 },
	{ "panicker", { "panicker::spawn_tickers::{closure#0}::{closure#0}",
			"panicker::spawn_panicking_task::{closure#0}" }, 2, 1 },
	{ "spawner", { "spawner::worker::{closure#0}" }, 1, 0 },
};

static void target_path(char *buf, size_t len, const char *name, const char *suffix)
{
	snprintf(buf, len, TARGETS "%s%s", name, suffix);
	if (access(buf, X_OK) != 0)
		fail_msg("%s: missing test target; run `make targets`", buf);
}

static struct dial9_probe_set *find_ok(const char *path)
{
	struct dial9_probe_set *s = NULL;
	char err[512] = "";
	int ret = dial9_probe_set__find(path, &s, err, sizeof(err));

	if (ret)
		fail_msg("dial9_probe_set__find(%s) = %d: %s", path, ret, err);
	assert_non_null(s);
	return s;
}

/* Check every point against the program headers, read here with libelf. */
static void check_offsets(const char *path, const struct dial9_probe_set *s)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *elf;
	size_t phnum;

	assert_true(fd >= 0);
	assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	assert_int_equal(elf_getphdrnum(elf, &phnum), 0);
	for (size_t i = 0; i < s->count; i++) {
		const struct dial9_probe_point *p = &s->points[i];
		int found = 0;

		for (size_t j = 0; j < phnum && !found; j++) {
			GElf_Phdr ph;

			assert_non_null(gelf_getphdr(elf, (int)j, &ph));
			if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
				continue;
			if (p->offset >= ph.p_offset && p->offset < ph.p_offset + ph.p_filesz) {
				assert_int_equal(p->offset - ph.p_offset + ph.p_vaddr, p->vaddr);
				found = 1;
			}
		}
		if (!found)
			fail_msg("%s: %s at offset 0x%" PRIx64 " not in an executable PT_LOAD",
				 path, p->name, p->offset);
	}
	elf_end(elf);
	close(fd);
}

static int has_poll_for(const struct dial9_probe_set *s, const char *future)
{
	char arg[512];

	for (size_t i = 0; i < s->count; i++)
		if (s->points[i].kind == DIAL9_PROBE_RAW_POLL &&
		    dial9_rust_first_generic_arg(s->points[i].name, arg, sizeof(arg)) > 0 &&
		    strcmp(arg, future) == 0)
			return 1;
	return 0;
}

/* Ends in "::h" + 16 hex digits (a legacy hash left in)? */
static int has_hash_suffix(const char *n)
{
	size_t len = strlen(n);

	if (len < 19 || strncmp(n + len - 19, "::h", 3) != 0)
		return 0;
	return strspn(n + len - 16, "0123456789abcdef") == 16;
}

static void test_targets_probe_points(void **state)
{
	for (size_t t = 0; t < sizeof(facts) / sizeof(facts[0]); t++) {
		const struct target_facts *tf = &facts[t];
		struct dial9_probe_set *legacy, *v0;
		char lpath[512], vpath[512];

		target_path(lpath, sizeof(lpath), tf->name, "");
		target_path(vpath, sizeof(vpath), tf->name, "-v0");
		legacy = find_ok(lpath);
		v0 = find_ok(vpath);

		for (int m = 0; m < 2; m++) {
			const struct dial9_probe_set *s = m ? v0 : legacy;
			const char *path = m ? vpath : lpath;
			size_t counted = 0;

			assert_true(s->per_kind[DIAL9_PROBE_RAW_POLL] >= tf->nfutures);
			assert_int_equal(s->per_kind[DIAL9_PROBE_WAKE_BY_VAL], 1);
			assert_int_equal(s->per_kind[DIAL9_PROBE_WAKE_BY_REF], 1);
			assert_int_equal(s->per_kind[DIAL9_PROBE_PANIC], 1);
			if (tf->spawn_out_of_line)
				assert_true(s->per_kind[DIAL9_PROBE_SPAWN] >= 1);
			assert_int_equal(strlen(s->build_id), 40);
			for (size_t i = 0; i < s->count; i++) {
				const char *n = s->points[i].name;

				/* No hash, no .llvm suffix, and the kind matches the name. */
				assert_null(strstr(n, ".llvm."));
				assert_false(has_hash_suffix(n));
				if (s->points[i].kind == DIAL9_PROBE_RAW_POLL)
					assert_true(strncmp(n, "tokio::runtime::task::raw::poll", 31) == 0 &&
						    (n[31] == '\0' || n[31] == ':'));
				if (s->points[i].kind == DIAL9_PROBE_PANIC)
					assert_non_null(strstr(n, "rust_begin_unwind"));
			}
			for (int k = 0; k < DIAL9_PROBE_KIND_MAX; k++)
				counted += s->per_kind[k];
			assert_int_equal(counted, s->count);
			check_offsets(path, s);
		}
		/* v0: each user future type has its own raw::poll copy. */
		for (size_t f = 0; f < tf->nfutures; f++)
			if (!has_poll_for(v0, tf->futures[f]))
				fail_msg("%s: no raw::poll copy for %s", vpath, tf->futures[f]);
		/* Both manglings find the same kinds.  Copy counts match for the
		 * functions only reached through the task vtable; generic helpers
		 * on the spawn and completion paths are inlined differently when
		 * the symbol names (and so codegen-unit partitioning) differ. */
		for (int k = 0; k < DIAL9_PROBE_KIND_MAX; k++) {
			bool exact = k != DIAL9_PROBE_SPAWN && k != DIAL9_PROBE_COMPLETE;

			if (exact ? legacy->per_kind[k] != v0->per_kind[k]
				  : !legacy->per_kind[k] != !v0->per_kind[k])
				fail_msg("%s: %s: %zu (legacy) vs %zu (v0)", tf->name,
					 dial9_probe_kind_name(k), legacy->per_kind[k], v0->per_kind[k]);
		}
		assert_string_not_equal(legacy->build_id, v0->build_id);
		dial9_probe_set__free(legacy);
		dial9_probe_set__free(v0);
	}
}

static void test_io_and_park_points(void **state)
{
	struct dial9_probe_set *s;
	char path[512];

	target_path(path, sizeof(path), "io_pingpong", "-v0");
	s = find_ok(path);
	assert_int_equal(s->per_kind[DIAL9_PROBE_IO_WAKE], 1);
	assert_true(s->per_kind[DIAL9_PROBE_PARK] >= 1);
	assert_true(s->per_kind[DIAL9_PROBE_RAW_DEALLOC] >= s->per_kind[DIAL9_PROBE_RAW_POLL] / 2);
	dial9_probe_set__free(s);
}

static void test_not_tokio(void **state)
{
	struct dial9_probe_set *s = (void *)1;
	char err[512] = "";

	assert_int_equal(dial9_probe_set__find("/bin/true", &s, err, sizeof(err)), -ESRCH);
	assert_null(s);
	assert_string_equal(err, "no Tokio runtime symbols in /bin/true (stripped?)");
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void test_bad_files(void **state)
{
	struct dial9_probe_set *s = NULL;
	char err[512] = "", path[] = "/tmp/dial9-test-syms-XXXXXX";
	unsigned char junk[4096];
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);

	write_file(path, "#!/bin/sh\necho hi\n", 18);
	assert_int_equal(dial9_probe_set__find(path, &s, err, sizeof(err)), -ENOEXEC);
	assert_null(s);
	assert_non_null(strstr(err, "not an ELF file"));

	/* ELF magic, then junk: any error, no crash, no leak. */
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 131 + 7);
	memcpy(junk, "\177ELF\002\001\001", 7);
	write_file(path, junk, sizeof(junk));
	assert_true(dial9_probe_set__find(path, &s, err, sizeof(err)) < 0);
	assert_null(s);
	write_file(path, junk, 20); /* truncated header */
	assert_true(dial9_probe_set__find(path, &s, err, sizeof(err)) < 0);
	unlink(path);

	assert_int_equal(dial9_probe_set__find("/nonexistent/dial9", &s, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/dial9"));
	dial9_probe_set__free(NULL);
}

static void test_kind_names(void **state)
{
	for (int a = 0; a < DIAL9_PROBE_KIND_MAX; a++) {
		assert_string_not_equal(dial9_probe_kind_name(a), "unknown");
		for (int b = a + 1; b < DIAL9_PROBE_KIND_MAX; b++)
			assert_string_not_equal(dial9_probe_kind_name(a), dial9_probe_kind_name(b));
	}
	assert_string_equal(dial9_probe_kind_name(DIAL9_PROBE_KIND_MAX), "unknown");
}

/* --- symbolizer against a live target ------------------------------------ */

struct child {
	pid_t pid;
	FILE *out;
};

/* Start a target that waits for a go file that never appears, and read its
 * "ready pid=N" line. */
static void child_start(struct child *c, const char *path)
{
	int p[2];
	char line[128];
	int pid = 0;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	c->pid = fork();
	assert_true(c->pid >= 0);
	if (c->pid == 0) {
		dup2(p[1], 1);
		setenv("DIAL9_TARGET_GO", "/nonexistent/dial9-go", 1);
		setenv("DIAL9_TARGET_GO_TIMEOUT_MS", "20000", 1);
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	c->out = fdopen(p[0], "r");
	assert_non_null(c->out);
	assert_non_null(fgets(line, sizeof(line), c->out));
	assert_int_equal(sscanf(line, "ready pid=%d", &pid), 1);
	assert_int_equal(pid, c->pid);
}

static void child_stop(struct child *c)
{
	int status;

	kill(c->pid, SIGKILL);
	waitpid(c->pid, &status, 0);
	fclose(c->out);
}

/* Load bias of the executable in pid: start of its offset-0 mapping minus
 * the lowest PT_LOAD address. */
static uint64_t load_bias(pid_t pid, const struct dial9_elf_file *f)
{
	char path[64], line[1024], exe[1024];
	uint64_t lowest = UINT64_MAX, bias = 0;
	unsigned long long start, off;
	ssize_t n;
	FILE *m;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	for (size_t i = 0; i < f->nsegs; i++)
		if (f->segs[i].vaddr < lowest)
			lowest = f->segs[i].vaddr;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	m = fopen(path, "re");
	assert_non_null(m);
	while (!found && fgets(line, sizeof(line), m)) {
		if (!strstr(line, exe) || sscanf(line, "%llx-%*x %*s %llx", &start, &off) != 2 ||
		    off != 0)
			continue;
		bias = start - (lowest & ~0xfffull);
		found = 1;
	}
	fclose(m);
	assert_true(found);
	return bias;
}

static uint64_t sym_vaddr(struct dial9_elf_file *f, const char *want)
{
	for (size_t i = 0; i < f->nsyms; i++) {
		const char *n = dial9_elf_file__sym_name(&f->syms[i]);

		if (n && strcmp(n, want) == 0)
			return f->syms[i].vaddr;
	}
	fail_msg("symbol %s not found", want);
	return 0;
}

/* Line of the first line holding pat at or after line `from` in a target's
 * main.rs. */
static int source_line_of(const char *target, const char *pat, int from)
{
	char path[512], line[512];
	int n = 0, found = 0;
	FILE *f;

	snprintf(path, sizeof(path), DIAL9_SRC_DIR "/tests/targets/%s/src/main.rs", target);
	f = fopen(path, "re");
	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f)) {
		n++;
		found = n >= from && strstr(line, pat) != NULL;
	}
	fclose(f);
	if (!found)
		fail_msg("\"%s\" not in %s at or after line %d", pat, path, from);
	return n;
}

/* Line of "fn NAME(" in a target's main.rs. */
static int source_line(const char *target, const char *fn)
{
	char pat[128];

	snprintf(pat, sizeof(pat), "fn %s(", fn);
	return source_line_of(target, pat, 1);
}

/* "relay::spawn_stage (relay/src/main.rs:L:C)" with L in [lo, hi], C >= 1? */
static void expect_spawn_stage_line(const char *buf, int lo, int hi)
{
	int line = 0, col = 0, end = 0;

	if (sscanf(buf, "relay::spawn_stage (relay/src/main.rs:%d:%d)%n", &line, &col, &end) != 2 ||
	    buf[end] != '\0' || line < lo || line > hi || col < 1)
		fail_msg("\"%s\": want relay::spawn_stage (relay/src/main.rs:L:C), %d <= L <= %d",
			 buf, lo, hi);
}

/* The return address of spawn_stage's call into its out-of-line
 * tokio::task::spawn::spawn_inner copy (a `call rel32` to that symbol's
 * start), as an ELF vaddr; that call sits in Tokio code inlined into
 * spawn_stage, and (return address - 1) is what a spawn record is
 * described by. */
static uint64_t spawn_call_return(const char *path, struct dial9_elf_file *f, uint64_t fn)
{
	struct dial9_elf_sym *sym = dial9_elf_file__lookup(f, fn);
	unsigned char code[4096];
	uint64_t off, ret = 0;
	int fd, hits = 0;

	assert_non_null(sym);
	assert_true(sym->size > 5 && sym->size <= sizeof(code));
	assert_int_equal(dial9_elf_file__vaddr_to_offset(f, fn, &off), 0);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, code, sym->size, (off_t)off), (ssize_t)sym->size);
	close(fd);
	for (uint64_t i = 0; i + 5 <= sym->size; i++) {
		struct dial9_elf_sym *t;
		const char *tn;
		int32_t rel;

		if (code[i] != 0xe8)
			continue;
		memcpy(&rel, code + i + 1, 4);
		t = dial9_elf_file__lookup(f, fn + i + 5 + (uint64_t)(int64_t)rel);
		tn = t ? dial9_elf_file__sym_name(t) : NULL;
		if (!tn || t->vaddr != fn + i + 5 + (uint64_t)(int64_t)rel ||
		    strncmp(tn, "tokio::task::spawn::spawn_inner", 31) != 0)
			continue;
		ret = fn + i + 5;
		hits++;
	}
	if (hits != 1)
		fail_msg("%s: %d calls to spawn_inner in relay::spawn_stage, want 1", path, hits);
	return ret;
}

/* Does the line table put vaddr in a file other than relay/src/main.rs? */
static int inlined_file_at(Dwarf *dw, uint64_t vaddr)
{
	Dwarf_Die cu;
	Dwarf_Line *l;
	const char *file;
	size_t n;

	if (!dwarf_addrdie(dw, vaddr, &cu) || !(l = dwarf_getsrc_die(&cu, vaddr)))
		return 0;
	file = dwarf_linesrc(l, NULL, NULL);
	if (!file)
		return 0;
	n = strlen(file);
	return n < 17 || strcmp(file + n - 17, "relay/src/main.rs") != 0;
}

/* Addresses in spawn_stage that the line table puts in another file (code
 * inlined from Tokio or std) describe as the spawn_stage line they were
 * inlined at; the spawn call's return address - 1 as the tokio::spawn line. */
static void check_inlined_lines(struct dial9_symbolizer *sym, const char *path,
				struct dial9_elf_file *f, uint64_t bias, uint64_t fn)
{
	struct dial9_elf_sym *fs = dial9_elf_file__lookup(f, fn);
	int fn_line = source_line("relay", "spawn_stage");
	int spawn_line = source_line_of("relay", "tokio::spawn(", fn_line);
	uint64_t call_ret = spawn_call_return(path, f, fn);
	Dwarf_Lines *lines;
	Dwarf_Die cu;
	Dwarf *dw;
	char buf[1024];
	size_t n;
	int fd, inlined = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	dw = dwarf_begin(fd, DWARF_C_READ);
	assert_non_null(dw);

	/* Without the fix this read "(tokio-1.24.2/src/task/spawn.rs:171)". */
	assert_true(inlined_file_at(dw, call_ret - 1));
	assert_int_equal(dial9_symbolizer__describe(sym, bias + call_ret - 1, buf, sizeof(buf)), 0);
	expect_spawn_stage_line(buf, spawn_line, spawn_line);

	/* Every line-table row in spawn_stage whose file is not main.rs. */
	assert_non_null(dwarf_addrdie(dw, fn, &cu));
	assert_int_equal(dwarf_getsrclines(&cu, &lines, &n), 0);
	for (size_t i = 0; i < n; i++) {
		Dwarf_Line *l = dwarf_onesrcline(lines, i);
		Dwarf_Addr a;
		bool end;

		assert_non_null(l);
		assert_int_equal(dwarf_lineaddr(l, &a), 0);
		assert_int_equal(dwarf_lineendsequence(l, &end), 0);
		if (end || a < fn || a >= fn + fs->size || !inlined_file_at(dw, a))
			continue;
		assert_int_equal(dial9_symbolizer__describe(sym, bias + a, buf, sizeof(buf)), 0);
		expect_spawn_stage_line(buf, fn_line, spawn_line);
		inlined++;
	}
	assert_true(inlined >= 1);
	dwarf_end(dw);
	close(fd);
}

static void check_symbolizer(const char *suffix)
{
	struct dial9_symbolizer *sym;
	struct dial9_elf_file *f = NULL;
	struct dial9_probe_set *ps;
	struct child c;
	char path[512], err[512] = "", buf[1024], want[64];
	uint64_t bias, vaddr;
	int fn_line, line = 0, futures = 0;
	const char *p;

	target_path(path, sizeof(path), "relay", suffix);
	child_start(&c, path);
	assert_int_equal(dial9_elf_file__open(path, &f, err, sizeof(err)), 0);
	bias = load_bias(c.pid, f);
	vaddr = sym_vaddr(f, "relay::spawn_stage");

	sym = dial9_symbolizer__new(c.pid, err, sizeof(err));
	if (!sym)
		fail_msg("dial9_symbolizer__new: %s", err);

	/* A known function, a few bytes in: name and its own source lines. */
	assert_int_equal(dial9_symbolizer__describe(sym, bias + vaddr + 4, buf, sizeof(buf)), 0);
	assert_true(strncmp(buf, "relay::spawn_stage (", 20) == 0);
	p = strstr(buf, "relay/src/main.rs:");
	if (!p)
		fail_msg("no file:line in \"%s\"", buf);
	assert_int_equal(sscanf(p, "relay/src/main.rs:%d)", &line), 1);
	fn_line = source_line("relay", "spawn_stage");
	if (line < fn_line || line > fn_line + 10)
		fail_msg("\"%s\": line %d, fn spawn_stage starts at %d", buf, line, fn_line);
	/* Cached answer is the same. */
	snprintf(want, sizeof(want), "%.63s", buf);
	assert_int_equal(dial9_symbolizer__describe(sym, bias + vaddr + 4, buf, sizeof(buf)), 0);
	assert_true(strncmp(buf, want, strlen(want)) == 0);
	/* That plain address is not in inlined code: it keeps its line-table line. */
	assert_int_equal(line, fn_line);

	check_inlined_lines(sym, path, f, bias, vaddr);

	/* Every raw::poll copy describes a future; relay's stage is among them,
	 * named the same way for both manglings. */
	ps = find_ok(path);
	for (size_t i = 0; i < ps->count; i++) {
		if (ps->points[i].kind != DIAL9_PROBE_RAW_POLL)
			continue;
		assert_int_equal(dial9_symbolizer__describe_future(sym, bias + ps->points[i].vaddr,
								   buf, sizeof(buf)), 0);
		futures += strcmp(buf, "relay::stage::{closure#0}") == 0;
	}
	assert_true(futures >= 1);
	dial9_probe_set__free(ps);

	/* Outside the executable: hex and -ENOENT. */
	assert_int_equal(dial9_symbolizer__describe(sym, 0x10, buf, sizeof(buf)), -ENOENT);
	assert_string_equal(buf, "0x10");
	assert_int_equal(dial9_symbolizer__describe(sym, UINT64_MAX, buf, sizeof(buf)), -ENOENT);
	/* A tiny buffer still gets a terminated string. */
	assert_int_equal(dial9_symbolizer__describe(sym, bias + vaddr, buf, 5), 0);
	assert_int_equal(strlen(buf), 4);
	assert_int_equal(dial9_symbolizer__describe(sym, bias + vaddr, buf, 0), -EINVAL);

	dial9_symbolizer__free(sym);
	dial9_elf_file__free(f);
	child_stop(&c);
}

static void test_symbolizer_legacy(void **state)
{
	check_symbolizer("");
}

static void test_symbolizer_v0(void **state)
{
	check_symbolizer("-v0");
}

static void test_symbolizer_bad_pid(void **state)
{
	char err[256] = "";

	errno = 0;
	assert_null(dial9_symbolizer__new(-1, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(dial9_symbolizer__new(0x3ffffff0, err, sizeof(err)));
	assert_int_equal(errno, ENOENT);
	assert_true(strlen(err) > 0);
	dial9_symbolizer__free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_targets_probe_points),
		cmocka_unit_test(test_io_and_park_points),
		cmocka_unit_test(test_not_tokio),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_symbolizer_legacy),
		cmocka_unit_test(test_symbolizer_v0),
		cmocka_unit_test(test_symbolizer_bad_pid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
