// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_dump_corrupt.c - the reader against damaged and hostile files.
 * Hostile files are built here byte by byte from docs/FORMAT.md, with a valid
 * checksum, so they reach the deeper checks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "dump.h"

/* --- a tiny independent writer for the documented layout ------------------- */

struct fb {
	uint8_t *p;
	size_t len;
	size_t cap;
};

static void fb_put(struct fb *b, const void *d, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	if (n)
		memcpy(b->p + b->len, d, n);
	b->len += n;
}

static void le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void fb_u32(struct fb *b, uint32_t v)
{
	uint8_t t[4];

	le(t, v, 4);
	fb_put(b, t, 4);
}

static void fb_u64(struct fb *b, uint64_t v)
{
	uint8_t t[8];

	le(t, v, 8);
	fb_put(b, t, 8);
}

static void fb_header(struct fb *b, uint32_t version)
{
	fb_put(b, "DIAL9DMP", 8);
	fb_u32(b, version);
	fb_u32(b, 32);
	fb_u64(b, 0); /* file size, set by fb_finish */
	fb_u32(b, 0);
	fb_u32(b, 0);
}

static size_t fb_section(struct fb *b, uint32_t type)
{
	size_t at = b->len;

	fb_u32(b, type);
	fb_u32(b, 0);
	fb_u64(b, 0);
	return at;
}

static void fb_section_end(struct fb *b, size_t at)
{
	le(b->p + at + 8, b->len - at - 16, 8);
}

static void fix_crc(uint8_t *p, size_t len)
{
	le(p + len - 4, crc32(crc32(0, NULL, 0), p, (uInt)(len - 4)), 4);
}

static void fb_finish(struct fb *b)
{
	fb_put(b, "DIAL9END", 8);
	fb_u32(b, 0);
	fb_u32(b, 0);
	le(b->p + 16, b->len, 8);
	fix_crc(b->p, b->len);
}

static void fb_meta_pid(struct fb *b, uint32_t pid)
{
	size_t at = fb_section(b, 1);

	fb_u32(b, 1); /* pid */
	fb_u32(b, 4);
	fb_u32(b, pid);
	fb_section_end(b, at);
}

static void fb_strings(struct fb *b, uint32_t n, const char *const *s)
{
	size_t at = fb_section(b, 2);

	fb_u32(b, n);
	for (uint32_t i = 0; i < n; i++) {
		fb_u32(b, (uint32_t)strlen(s[i]));
		fb_put(b, s[i], strlen(s[i]));
	}
	fb_section_end(b, at);
}

/* The events section's header and a block (FORMAT.md "Events section"). */
static void fb_events_head(struct fb *b, uint64_t nevents, uint32_t nblocks)
{
	fb_u64(b, nevents);
	fb_u32(b, nblocks);
	fb_u32(b, 0);
}

static void fb_block(struct fb *b, uint32_t count, const void *z, size_t zlen)
{
	fb_u32(b, count);
	fb_u32(b, (uint32_t)zlen);
	fb_put(b, z, zlen);
}

/* One block: records split into byte planes, then zlib. */
static void fb_events(struct fb *b, const struct dial9_event *ev, uint32_t n)
{
	size_t at = fb_section(b, 3);
	uint8_t *raw = malloc((size_t)n * 32 + 1), *z;
	uLongf zlen = compressBound((uLong)n * 32);

	z = malloc(zlen);
	assert_non_null(raw);
	assert_non_null(z);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t r[32];

		le(r, ev[i].ts_ns, 8);
		le(r + 8, ev[i].task_id, 8);
		le(r + 16, ev[i].arg, 8);
		le(r + 24, ev[i].tid, 4);
		r[28] = ev[i].kind;
		r[29] = ev[i].flags;
		le(r + 30, ev[i].aux, 2);
		for (int k = 0; k < 32; k++)
			raw[(size_t)k * n + i] = r[k];
	}
	fb_events_head(b, n, n ? 1 : 0);
	if (n) {
		assert_int_equal(compress2(z, &zlen, raw, (uLong)n * 32, 6), Z_OK);
		fb_block(b, n, z, zlen);
	}
	fb_section_end(b, at);
	free(raw);
	free(z);
}

static const char *const two_strings[] = { "src/a.rs:1:1", "src/b.rs:2:2" };

static void three_events(struct dial9_event ev[3])
{
	memset(ev, 0, 3 * sizeof(*ev));
	ev[0] = (struct dial9_event){ .ts_ns = 100, .task_id = 1, .arg = 1, .kind = DIAL9_EV_SPAWN };
	ev[1] = (struct dial9_event){ .ts_ns = 200, .task_id = 1, .arg = 2, .kind = DIAL9_EV_POLL_START };
	ev[2] = (struct dial9_event){ .ts_ns = 300, .task_id = 1, .arg = 50, .kind = DIAL9_EV_POLL_END };
}

/* Read buf[0..len) from an exact-size copy (so ASan sees any overread);
 * returns the error code and checks the message is one non-empty line. */
static int try_read(const uint8_t *buf, size_t len, char *err, size_t errlen,
		    struct dial9_dump **keep)
{
	uint8_t *copy = malloc(len ? len : 1);
	struct dial9_dump *d = NULL;
	int rc;

	assert_non_null(copy);
	if (len)
		memcpy(copy, buf, len);
	memset(err, 'x', errlen);
	rc = dial9_dump__read_mem(copy, len, &d, err, errlen);
	free(copy);
	if (rc) {
		assert_null(d);
		assert_true(rc < 0);
		assert_true(err[0] != 0 && err[0] != 'x');
		assert_non_null(memchr(err, 0, errlen));
		assert_null(strchr(err, '\n'));
	} else {
		assert_non_null(d);
	}
	if (keep)
		*keep = d;
	else
		dial9_dump__free(d);
	return rc;
}

/* A small but complete dump from the library's own writer. */
static uint8_t *small_dump(size_t *len)
{
	struct dial9_dump *d = dial9_dump__new();
	uint8_t *buf;
	int fd;

	assert_non_null(d);
	d->meta.pid = 77;
	d->meta.reason = DIAL9_REASON_PANIC;
	strcpy(d->meta.comm, "srv");
	d->meta.exe = strdup("/bin/srv");
	dial9_strtab__add(&d->strings, "src/main.rs:3:1");
	d->nevents = 6;
	d->events = calloc(6, sizeof(*d->events));
	assert_non_null(d->events);
	for (int i = 0; i < 6; i++) {
		d->events[i].ts_ns = 1000 + (uint64_t)i * 10;
		d->events[i].kind = (uint8_t)(i % 2 ? DIAL9_EV_POLL_START : DIAL9_EV_WAKE);
		d->events[i].arg = 1;
		d->events[i].task_id = (uint64_t)i;
	}
	fd = memfd_create("small", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(dial9_dump__write_fd(d, fd), 0);
	*len = (size_t)lseek(fd, 0, SEEK_END);
	buf = malloc(*len);
	assert_non_null(buf);
	assert_int_equal(pread(fd, buf, *len, 0), (ssize_t)*len);
	close(fd);
	dial9_dump__free(d);
	return buf;
}

/* --- tests ------------------------------------------------------------------- */

static void test_small_dump_is_valid(void **state)
{
	size_t len;
	uint8_t *buf = small_dump(&len);
	struct dial9_dump *d;
	char err[256];

	assert_int_equal(try_read(buf, len, err, sizeof(err), &d), 0);
	assert_int_equal(d->meta.pid, 77);
	assert_int_equal(d->nevents, 6);
	dial9_dump__free(d);
	free(buf);
}

static void test_empty_file(void **state)
{
	char path[4096], err[256];
	struct dial9_dump *d = (void *)1;
	int fd;

	assert_int_equal(try_read(NULL, 0, err, sizeof(err), NULL), -EBADMSG);
	assert_string_equal(err, "empty file");
	snprintf(path, sizeof(path), "%s/test_dump_corrupt.empty.%d", DIAL9_BUILD_DIR, getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(dial9_dump__read(path, &d, err, sizeof(err)), -EBADMSG);
	assert_null(d);
	assert_string_equal(err, "empty file");
	unlink(path);
	assert_int_equal(dial9_dump__read(path, &d, err, sizeof(err)), -ENOENT);
	assert_true(strstr(err, "cannot open") != NULL);
	assert_int_equal(dial9_dump__read(DIAL9_BUILD_DIR, &d, err, sizeof(err)), -EISDIR);
}

static void test_wrong_magic(void **state)
{
	size_t len;
	uint8_t *buf = small_dump(&len);
	char err[256];
	const char *text = "hello, this is not a dump at all, it is text\n";

	buf[0] = 'X';
	assert_int_equal(try_read(buf, len, err, sizeof(err), NULL), -EINVAL);
	assert_string_equal(err, "bad magic: not a dial9 dump");
	assert_int_equal(try_read((const uint8_t *)text, strlen(text), err, sizeof(err), NULL),
			 -EINVAL);
	assert_string_equal(err, "bad magic: not a dial9 dump");
	assert_int_equal(try_read((const uint8_t *)"DX", 2, err, sizeof(err), NULL), -EINVAL);
	free(buf);
}

static void test_future_version(void **state)
{
	size_t len;
	uint8_t *buf = small_dump(&len);
	char err[256];

	le(buf + 8, 7, 4);
	assert_int_equal(try_read(buf, len, err, sizeof(err), NULL), -EPROTO);
	assert_string_equal(err, "unsupported format version 7 (this reader supports 1 to 4)");
	/* also when the rest would not parse as v1 */
	assert_int_equal(try_read(buf, 16, err, sizeof(err), NULL), -EPROTO);
	free(buf);
}

static void test_truncated_at_every_offset(void **state)
{
	size_t len;
	uint8_t *buf = small_dump(&len);
	char err[256], want[256];

	assert_true(len > 100);
	for (size_t k = 0; k < len; k++) {
		int rc = try_read(buf, k, err, sizeof(err), NULL);

		assert_int_equal(rc, -EBADMSG);
		if (k == 0) {
			assert_string_equal(err, "empty file");
		} else if (k >= 32) {
			snprintf(want, sizeof(want), "truncated: file is %zu bytes, header says %zu",
				 k, len);
			assert_string_equal(err, want);
		} else {
			assert_non_null(strstr(err, "truncated"));
		}
	}
	/* and through a real file */
	{
		char path[4096];
		struct dial9_dump *d = NULL;
		int fd;

		snprintf(path, sizeof(path), "%s/test_dump_corrupt.trunc.%d", DIAL9_BUILD_DIR,
			 getpid());
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, buf, len - 1), (ssize_t)(len - 1));
		close(fd);
		assert_int_equal(dial9_dump__read(path, &d, err, sizeof(err)), -EBADMSG);
		snprintf(want, sizeof(want), "truncated: file is %zu bytes, header says %zu",
			 len - 1, len);
		assert_string_equal(err, want);
		assert_null(d);
		unlink(path);
	}
	/* one byte too many is refused as well */
	buf = realloc(buf, len + 1);
	assert_non_null(buf);
	buf[len] = 0;
	assert_int_equal(try_read(buf, len + 1, err, sizeof(err), NULL), -EBADMSG);
	assert_non_null(strstr(err, "trailing data"));
	free(buf);
}

static void test_every_byte_flip_detected(void **state)
{
	static const uint8_t masks[] = { 0x01, 0x10, 0x80, 0xff };
	size_t len;
	uint8_t *buf = small_dump(&len);
	char err[256];
	int crc_msgs = 0;

	for (size_t i = 0; i < len; i++) {
		for (size_t m = 0; m < sizeof(masks); m++) {
			buf[i] ^= masks[m];
			assert_int_not_equal(try_read(buf, len, err, sizeof(err), NULL), 0);
			crc_msgs += strcmp(err, "checksum mismatch (file corrupt)") == 0;
			buf[i] ^= masks[m];
		}
	}
	/* beyond the header, it is the checksum that catches them */
	assert_true(crc_msgs >= (int)(4 * (len - 32)));
	assert_int_equal(try_read(buf, len, err, sizeof(err), NULL), 0);
	free(buf);
}

/* Declared counts and sizes far beyond the file are refused before anything
 * is allocated for them (a 64 GiB malloc would abort under ASan and fail
 * with -ENOMEM otherwise; the reader must say -EBADMSG). */
static void test_huge_declared_sizes(void **state)
{
	struct dial9_event ev[3];
	struct fb b = { 0 };
	char err[256];
	size_t at;

	three_events(ev);

	/* header: file size 2^62 */
	fb_header(&b, 1);
	fb_meta_pid(&b, 1);
	fb_strings(&b, 2, two_strings);
	fb_events(&b, ev, 3);
	fb_finish(&b);
	assert_int_equal(try_read(b.p, b.len, err, sizeof(err), NULL), 0);
	le(b.p + 16, 1ull << 62, 8);
	fix_crc(b.p, b.len);
	assert_int_equal(try_read(b.p, b.len, err, sizeof(err), NULL), -EBADMSG);
	assert_non_null(strstr(err, "truncated"));
	b.len = 0;

	/* section length 2^62 */
	fb_header(&b, 1);
	at = fb_section(&b, 1);
	fb_u32(&b, 1);
	fb_u32(&b, 4);
	fb_u32(&b, 1);
	fb_section_end(&b, at);
	le(b.p + at + 8, 1ull << 62, 8);
	fb_finish(&b);
	assert_int_equal(try_read(b.p, b.len, err, sizeof(err), NULL), -EBADMSG);
	assert_non_null(strstr(err, "exceeds the file"));
	b.len = 0;

	/* string table claiming 2^31 strings */
	fb_header(&b, 1);
	fb_meta_pid(&b, 1);
	at = fb_section(&b, 2);
	fb_u32(&b, 1u << 31);
	fb_u32(&b, 3);
	fb_put(&b, "abc", 3);
	fb_section_end(&b, at);
	fb_events(&b, ev, 0);
	fb_finish(&b);
	assert_int_equal(try_read(b.p, b.len, err, sizeof(err), NULL), -EBADMSG);
	assert_non_null(strstr(err, "string table"));
	b.len = 0;

	/* a string claiming 4 GiB - 1 bytes */
	fb_header(&b, 1);
	fb_meta_pid(&b, 1);
	at = fb_section(&b, 2);
	fb_u32(&b, 1);
	fb_u32(&b, UINT32_MAX);
	fb_put(&b, "abc", 3);
	fb_section_end(&b, at);
	fb_events(&b, ev, 0);
	fb_finish(&b);
	assert_int_equal(try_read(b.p, b.len, err, sizeof(err), NULL), -EBADMSG);
	b.len = 0;

	/* metadata value longer than its section */
	fb_header(&b, 1);
	at = fb_section(&b, 1);
	fb_u32(&b, 8); /* exe */
	fb_u32(&b, 1u << 30);
	fb_put(&b, "/bin/x", 6);
	fb_section_end(&b, at);
	fb_strings(&b, 0, NULL);
	fb_events(&b, ev, 0);
	fb_finish(&b);
	assert_int_equal(try_read(b.p, b.len, err, sizeof(err), NULL), -EBADMSG);
	assert_non_null(strstr(err, "metadata"));

	/* event sections with impossible counts */
	for (int variant = 0; variant < 5; variant++) {
		b.len = 0;
		fb_header(&b, 1);
		fb_meta_pid(&b, 1);
		fb_strings(&b, 2, two_strings);
		at = fb_section(&b, 3);
		switch (variant) {
		case 0: /* 2^40 events overall */
			fb_u64(&b, 1ull << 40);
			fb_u32(&b, 1);
			fb_u32(&b, 0);
			fb_u32(&b, 65536);
			fb_u32(&b, 16);
			fb_put(&b, "0123456789abcdef", 16);
			break;
		case 1: /* 65536 events from 16 compressed bytes */
			fb_u64(&b, 65536);
			fb_u32(&b, 1);
			fb_u32(&b, 0);
			fb_u32(&b, 65536);
			fb_u32(&b, 16);
			fb_put(&b, "0123456789abcdef", 16);
			break;
		case 2: /* 2^32 - 1 blocks */
			fb_u64(&b, 1ull << 25);
			fb_u32(&b, UINT32_MAX);
			fb_u32(&b, 0);
			break;
		case 3: /* a block bigger than the format allows */
			fb_u64(&b, 1u << 20);
			fb_u32(&b, 1);
			fb_u32(&b, 0);
			fb_u32(&b, 1u << 20);
			fb_u32(&b, 1u << 30);
			break;
		case 4: /* blocks disagree with the total */
			fb_u64(&b, 1u << 25);
			fb_u32(&b, 1);
			fb_u32(&b, 0);
			fb_u32(&b, 1);
			fb_u32(&b, 0);
			break;
		}
		fb_section_end(&b, at);
		fb_finish(&b);
		assert_int_equal(try_read(b.p, b.len, err, sizeof(err), NULL), -EBADMSG);
		assert_non_null(strstr(err, "events"));
	}
	free(b.p);
}

/* Well-formed envelopes (valid checksum) with invalid content. */
static void test_content_validation(void **state)
{
	struct dial9_event ev[3];
	struct dial9_dump *d;
	struct fb b = { 0 };
	char err[256];
	size_t at;

	/* the builder's baseline is accepted, and unknown tags/sections skipped */
	three_events(ev);
	fb_header(&b, 1);
	at = fb_section(&b, 1);
	fb_u32(&b, 1);
	fb_u32(&b, 4);
	fb_u32(&b, 4321);
	fb_u32(&b, 999); /* unknown tag from a newer writer */
	fb_u32(&b, 5);
	fb_put(&b, "later", 5);
	fb_u32(&b, 6); /* comm */
	fb_u32(&b, 4);
	fb_put(&b, "tokd", 4);
	fb_section_end(&b, at);
	at = fb_section(&b, 77); /* unknown section */
	fb_put(&b, "whatever", 8);
	fb_section_end(&b, at);
	fb_strings(&b, 2, two_strings);
	fb_events(&b, ev, 3);
	fb_finish(&b);
	assert_int_equal(try_read(b.p, b.len, err, sizeof(err), &d), 0);
	assert_int_equal(d->meta.pid, 4321);
	assert_string_equal(d->meta.comm, "tokd");
	assert_null(d->meta.exe);
	assert_int_equal(d->strings.count, 2);
	assert_int_equal(d->nevents, 3);
	assert_memory_equal(d->events, ev, sizeof(ev));
	dial9_dump__free(d);

	for (int variant = 0; variant < 11; variant++) {
		const char *want = NULL;

		three_events(ev);
		b.len = 0;
		fb_header(&b, 1);
		if (variant == 7) { /* comm longer than 16 */
			at = fb_section(&b, 1);
			fb_u32(&b, 6);
			fb_u32(&b, 17);
			fb_put(&b, "0123456789abcdefg", 17);
			fb_section_end(&b, at);
			want = "comm";
		} else if (variant == 8) { /* pid with the wrong width */
			at = fb_section(&b, 1);
			fb_u32(&b, 1);
			fb_u32(&b, 8);
			fb_u64(&b, 1);
			fb_section_end(&b, at);
			want = "expected 4";
		} else {
			fb_meta_pid(&b, 1);
		}
		switch (variant) {
		case 0:
			ev[2].kind = DIAL9_EV_KIND_MAX;
			want = "unknown kind";
			break;
		case 1:
			ev[1].arg = 3; /* POLL_START location: only 2 strings */
			want = "string id 3";
			break;
		case 2:
			ev[2].ts_ns = 150;
			want = "not sorted";
			break;
		case 3:
			ev[0].kind = DIAL9_EV_PANIC;
			ev[0].arg = 1ull << 32;
			want = "string id";
			break;
		}
		if (variant == 4) { /* NUL inside a string */
			at = fb_section(&b, 2);
			fb_u32(&b, 2);
			fb_u32(&b, 3);
			fb_put(&b, "a\0b", 3);
			fb_u32(&b, 1);
			fb_put(&b, "c", 1);
			fb_section_end(&b, at);
			want = "NUL";
		} else if (variant == 5) { /* string longer than the limit */
			char *big = malloc(DIAL9_DUMP_MAX_STRING_LEN + 1);

			assert_non_null(big);
			memset(big, 'a', DIAL9_DUMP_MAX_STRING_LEN + 1);
			at = fb_section(&b, 2);
			fb_u32(&b, 2);
			fb_u32(&b, 1);
			fb_put(&b, "a", 1);
			fb_u32(&b, DIAL9_DUMP_MAX_STRING_LEN + 1);
			fb_put(&b, big, DIAL9_DUMP_MAX_STRING_LEN + 1);
			fb_section_end(&b, at);
			free(big);
			want = "limit";
		} else if (variant == 6) { /* stray bytes after the strings */
			at = fb_section(&b, 2);
			fb_u32(&b, 2);
			fb_u32(&b, 1);
			fb_put(&b, "a", 1);
			fb_u32(&b, 1);
			fb_put(&b, "b", 1);
			fb_put(&b, "zz", 2);
			fb_section_end(&b, at);
			want = "stray";
		} else if (variant == 9) { /* duplicate string table */
			fb_strings(&b, 2, two_strings);
			fb_strings(&b, 2, two_strings);
			want = "duplicate";
		} else if (variant != 10) {
			fb_strings(&b, 2, two_strings);
		}
		if (variant == 10) /* no string table at all */
			want = "missing string table";
		fb_events(&b, ev, 3);
		fb_finish(&b);
		assert_int_equal(try_read(b.p, b.len, err, sizeof(err), NULL), -EBADMSG);
		if (!strstr(err, want))
			fail_msg("variant %d: \"%s\" does not mention \"%s\"", variant, err, want);
	}
	free(b.p);
}

/* One thread-table entry (FORMAT.md "Thread table section"). */
static void fb_thread(struct fb *b, uint32_t tid, uint8_t role, uint32_t namelen, const char *name)
{
	fb_u32(b, tid);
	fb_put(b, &role, 1);
	fb_u32(b, namelen);
	fb_put(b, name, strlen(name));
}

/* A version-v dump: pid, the two strings, three events, and the thread
 * section body that put() writes (none when put is NULL). */
static void fb_with_threads(struct fb *b, uint32_t v, void (*put)(struct fb *, int), int variant)
{
	struct dial9_event ev[3];
	size_t at;

	three_events(ev);
	b->len = 0;
	fb_header(b, v);
	fb_meta_pid(b, 1);
	fb_strings(b, 2, two_strings);
	if (put) {
		at = fb_section(b, 4);
		put(b, variant);
		fb_section_end(b, at);
	}
	fb_events(b, ev, 3);
	fb_finish(b);
}

static void put_hostile_threads(struct fb *b, int variant)
{
	switch (variant) {
	case 0: /* a good table */
		fb_u32(b, 2);
		fb_thread(b, 10, DIAL9_THREAD_WORKER, 15, "tokio-runtime-w");
		fb_thread(b, 11, DIAL9_THREAD_BLOCKING, 0, "");
		break;
	case 1: /* more entries than the bytes could hold */
		fb_u32(b, 0xffffffffu);
		fb_thread(b, 10, DIAL9_THREAD_WORKER, 1, "a");
		break;
	case 2: /* a name past the section's end */
		fb_u32(b, 1);
		fb_thread(b, 10, DIAL9_THREAD_WORKER, 0x7fffffffu, "abc");
		break;
	case 3: /* a name longer than comm can be */
		fb_u32(b, 1);
		fb_thread(b, 10, DIAL9_THREAD_WORKER, 17, "0123456789abcdefg");
		break;
	case 4: /* NUL in a name */
		fb_u32(b, 1);
		fb_u32(b, 10);
		fb_put(b, "\1", 1);
		fb_u32(b, 3);
		fb_put(b, "a\0b", 3);
		break;
	case 5: /* tids out of order / twice */
		fb_u32(b, 2);
		fb_thread(b, 10, DIAL9_THREAD_WORKER, 1, "a");
		fb_thread(b, 10, DIAL9_THREAD_WORKER, 1, "b");
		break;
	case 6: /* tid 0 */
		fb_u32(b, 1);
		fb_thread(b, 0, DIAL9_THREAD_WORKER, 1, "a");
		break;
	case 7: /* an unknown role */
		fb_u32(b, 1);
		fb_thread(b, 10, DIAL9_THREAD_ROLE__COUNT, 1, "a");
		break;
	case 8: /* stray bytes */
		fb_u32(b, 1);
		fb_thread(b, 10, DIAL9_THREAD_WORKER, 1, "a");
		fb_put(b, "zz", 2);
		break;
	case 9: /* an entry cut short (the count fits the bytes) */
		fb_u32(b, 2);
		fb_thread(b, 10, DIAL9_THREAD_WORKER, 8, "abcdefgh");
		fb_u32(b, 11);
		break;
	case 10: /* no count */
		fb_put(b, "ab", 2);
		break;
	}
}

/* The thread table (version 4): read when good, refused with a line naming
 * it when hostile, nothing allocated for what the bytes cannot hold; a
 * second table is refused; in an older version's file the section meant
 * nothing and is skipped. */
static void test_hostile_thread_table(void **state)
{
	static const char *const want[] = {
		NULL, "cannot fit", "name of", "name of 17 bytes", "NUL", "out of order",
		"is none", "unknown role", "stray", "cut short", "cut short",
	};
	struct fb b = { 0 };
	struct dial9_dump *d;
	char err[256];
	size_t at;

	fb_with_threads(&b, 4, put_hostile_threads, 0);
	assert_int_equal(try_read(b.p, b.len, err, sizeof(err), &d), 0);
	assert_true(d->threads_known);
	assert_int_equal(d->nthreads, 2);
	assert_string_equal(dial9_dump__thread(d, 10)->name, "tokio-runtime-w");
	assert_int_equal(dial9_dump__thread(d, 11)->role, DIAL9_THREAD_BLOCKING);
	dial9_dump__free(d);
	for (int v = 1; v < (int)(sizeof(want) / sizeof(want[0])); v++) {
		fb_with_threads(&b, 4, put_hostile_threads, v);
		assert_int_equal(try_read(b.p, b.len, err, sizeof(err), NULL), -EBADMSG);
		if (!strstr(err, "thread table") || !strstr(err, want[v]))
			fail_msg("variant %d: \"%s\" does not name \"%s\"", v, err, want[v]);
	}

	/* version 3: the same bytes (even hostile ones) are an unknown section */
	fb_with_threads(&b, 3, put_hostile_threads, 1);
	assert_int_equal(try_read(b.p, b.len, err, sizeof(err), &d), 0);
	assert_false(d->threads_known);
	assert_null(dial9_dump__thread(d, 10));
	dial9_dump__free(d);
	/* version 4 without one: no names, not an error */
	fb_with_threads(&b, 4, NULL, 0);
	assert_int_equal(try_read(b.p, b.len, err, sizeof(err), &d), 0);
	assert_false(d->threads_known);
	dial9_dump__free(d);

	/* two tables */
	b.len = 0;
	fb_header(&b, 4);
	fb_meta_pid(&b, 1);
	fb_strings(&b, 2, two_strings);
	for (int i = 0; i < 2; i++) {
		at = fb_section(&b, 4);
		put_hostile_threads(&b, 0);
		fb_section_end(&b, at);
	}
	fb_events(&b, (struct dial9_event[3]){ { .ts_ns = 1 } }, 1);
	fb_finish(&b);
	assert_int_equal(try_read(b.p, b.len, err, sizeof(err), NULL), -EBADMSG);
	assert_string_equal(err, "duplicate thread table section");
	free(b.p);
}

/* zlib data that is corrupt, short or long for the declared count. */
static void test_bad_compressed_blocks(void **state)
{
	struct dial9_event ev[3];
	struct fb b = { 0 };
	char err[256];

	three_events(ev);
	for (int variant = 0; variant < 3; variant++) {
		size_t blk;

		b.len = 0;
		fb_header(&b, 1);
		fb_meta_pid(&b, 1);
		fb_strings(&b, 2, two_strings);
		blk = b.len + 16 + 16; /* section header, events header */
		fb_events(&b, ev, 3);
		fb_finish(&b);
		if (variant == 0) {
			b.p[blk + 8 + 2] ^= 0x55; /* inside the deflate data */
		} else {
			/* declare 2 or 4 events in a block holding 3 (totals agree) */
			uint32_t n = variant == 1 ? 2 : 4;

			le(b.p + blk - 16, n, 8); /* events header: total */
			le(b.p + blk, n, 4);
		}
		fix_crc(b.p, b.len);
		assert_int_equal(try_read(b.p, b.len, err, sizeof(err), NULL), -EBADMSG);
		assert_non_null(strstr(err, "block 0"));
	}
	free(b.p);
}

/* A valid dump (checksum and all) of nblocks full blocks of zero events: a
 * few KB of deflate per 65536 events, the most deflate can inflate. */
static void fb_zero_dump(struct fb *b, uint32_t nblocks)
{
	uLongf zlen = compressBound(DIAL9_DUMP_BLOCK_EVENTS * 32);
	uint8_t *raw = calloc(DIAL9_DUMP_BLOCK_EVENTS, 32), *z = malloc(zlen);
	size_t at;

	assert_non_null(raw);
	assert_non_null(z);
	assert_int_equal(compress2(z, &zlen, raw, DIAL9_DUMP_BLOCK_EVENTS * 32, 9), Z_OK);
	b->len = 0;
	fb_header(b, 2);
	fb_meta_pid(b, 1);
	fb_strings(b, 0, NULL);
	at = fb_section(b, 3);
	fb_events_head(b, (uint64_t)nblocks * DIAL9_DUMP_BLOCK_EVENTS, nblocks);
	for (uint32_t i = 0; i < nblocks; i++)
		fb_block(b, DIAL9_DUMP_BLOCK_EVENTS, z, zlen);
	fb_section_end(b, at);
	fb_finish(b);
	free(raw);
	free(z);
}

/* 2^26 zero events in 2 MB with a valid checksum took every command 8-11 s
 * and 2.8 GiB; past the event limit it is refused before any block inflates. */
/* The process's peak resident memory, in MiB: what a reader that read or
 * inflated the whole of a hostile file would have raised by gigabytes. */
static long peak_rss_mib(void)
{
	struct rusage ru;

	assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
	return ru.ru_maxrss / 1024;
}

static void test_decompression_bomb(void **state)
{
	struct dial9_read_opts small = { .max_events = 1u << 20 };
	struct dial9_read_opts fits = { .max_events = 1u << 21 };
	struct dial9_dump *d = NULL;
	struct fb b = { 0 };
	char err[256];
	long peak;

	fb_zero_dump(&b, 1024); /* 2^26 events */
	assert_true(b.len < 3u << 20);
	peak = peak_rss_mib();
	assert_int_equal(try_read(b.p, b.len, err, sizeof(err), NULL), -E2BIG);
	assert_true(peak_rss_mib() - peak < 256); /* not inflated: that is 2 GiB */
	assert_non_null(strstr(err, "limit of 33554432 events"));

	/* a lower limit, and one that lets the same kind of file through */
	fb_zero_dump(&b, 32); /* 2^21 events */
	assert_int_equal(dial9_dump__read_mem_opts(b.p, b.len, &small, &d, err, sizeof(err)),
			 -E2BIG);
	assert_null(d);
	assert_non_null(strstr(err, "limit of 1048576 events"));
	assert_int_equal(dial9_dump__read_mem_opts(b.p, b.len, &fits, &d, err, sizeof(err)), 0);
	assert_non_null(d);
	assert_int_equal(d->nevents, 1u << 21);
	dial9_dump__free(d);
	free(b.p);
}

/* A FIFO blocked the reader forever and /dev/zero was read for 2 GiB: what
 * is not a regular file is refused at once, and a regular file whose header
 * disagrees with its size is refused before the rest is read. */
static void test_not_a_regular_file(void **state)
{
	char dir[] = "/tmp/dial9-corrupt-XXXXXX", path[64], err[256];
	struct dial9_dump *d = NULL;
	struct fb b = { 0 };
	long peak;
	int fd;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	alarm(20); /* the old reader blocked in open(2): fail, do not hang */
	assert_int_equal(dial9_dump__read(path, &d, err, sizeof(err)), -EINVAL);
	alarm(0);
	assert_null(d);
	assert_string_equal(err, "not a regular file (a FIFO)");
	unlink(path);

	peak = peak_rss_mib();
	assert_int_equal(dial9_dump__read("/dev/zero", &d, err, sizeof(err)), -EINVAL);
	assert_true(peak_rss_mib() - peak < 256); /* not read: the old reader took 2 GiB */
	assert_string_equal(err, "not a regular file (a character device)");

	/* just under the 2 GiB limit, sparse: the header alone refuses it */
	fb_header(&b, 2);
	le(b.p + 16, 4096, 8);
	snprintf(path, sizeof(path), "%s/big", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, b.p, b.len), (ssize_t)b.len);
	assert_int_equal(ftruncate(fd, (off_t)DIAL9_DUMP_MAX_FILE_SIZE - 1), 0);
	close(fd);
	peak = peak_rss_mib();
	assert_int_equal(dial9_dump__read(path, &d, err, sizeof(err)), -EBADMSG);
	assert_true(peak_rss_mib() - peak < 256);
	assert_non_null(strstr(err, "trailing data: file is 2147483647 bytes, header says 4096"));
	memcpy(b.p, "NOTADUMP", 8);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, b.p, 8, 0), 8);
	close(fd);
	peak = peak_rss_mib();
	assert_int_equal(dial9_dump__read(path, &d, err, sizeof(err)), -EINVAL);
	assert_true(peak_rss_mib() - peak < 256);
	assert_string_equal(err, "bad magic: not a dial9 dump");
	unlink(path);
	rmdir(dir);
	free(b.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_dump_is_valid),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_wrong_magic),
		cmocka_unit_test(test_future_version),
		cmocka_unit_test(test_truncated_at_every_offset),
		cmocka_unit_test(test_every_byte_flip_detected),
		cmocka_unit_test(test_huge_declared_sizes),
		cmocka_unit_test(test_content_validation),
		cmocka_unit_test(test_hostile_thread_table),
		cmocka_unit_test(test_bad_compressed_blocks),
		cmocka_unit_test(test_decompression_bomb),
		cmocka_unit_test(test_not_a_regular_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
