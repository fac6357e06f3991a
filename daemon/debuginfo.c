// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * debuginfo.c - find the separate debug file of an executable (see
 * debuginfo.h for the search order and what is accepted).
 *
 * Candidates are named by what a user controls (a debuglink next to their
 * binary, a build-id), and the daemon that reads them runs as root: each is
 * first opened O_PATH and must be a regular file before it is opened for
 * reading through /proc/self/fd, so a FIFO or device named like a debug
 * file is never opened.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <elfutils/debuginfod.h>
#include <gelf.h>
#include <libelf.h>
#include <zlib.h>

#include "debuginfo.h"
#include "elf_file.h"

#define CRC_CHUNK (1u << 20)
#define DEBUGLINK_NAME_MAX 255

#define STR_(x) #x
#define STR(x) STR_(x)

int dial9_debuginfo_opts__add_dir(struct dial9_debuginfo_opts *o, const char *dir, char *why,
				  size_t whylen)
{
	const char *problem = NULL;

	if (!dir || dir[0] != '/')
		problem = "needs an absolute path";
	else if (strlen(dir) > DIAL9_DEBUGINFO_DIR_MAX)
		problem = "path longer than " STR(DIAL9_DEBUGINFO_DIR_MAX) " bytes";
	else if (o->ndirs >= DIAL9_DEBUGINFO_MAX_DIRS)
		problem = "more than " STR(DIAL9_DEBUGINFO_MAX_DIRS) " debug directories";
	if (!problem) {
		o->dirs[o->ndirs++] = dir;
		return 0;
	}
	if (why && whylen)
		snprintf(why, whylen, "%s", problem);
	return o->ndirs >= DIAL9_DEBUGINFO_MAX_DIRS ? -E2BIG : -EINVAL;
}

const char *dial9_debuginfo_method_name(enum dial9_debuginfo_method m)
{
	switch (m) {
	case DIAL9_DEBUGINFO_BUILD_ID:
		return "build-id";
	case DIAL9_DEBUGINFO_DEBUGLINK:
		return ".gnu_debuglink";
	case DIAL9_DEBUGINFO_DEBUGINFOD:
		return "debuginfod";
	case DIAL9_DEBUGINFO_NONE:
		break;
	}
	return "executable";
}

/* --- ELF sections ------------------------------------------------------- */

static Elf_Scn *section_named(Elf *elf, const char *name, GElf_Shdr *shdr)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, shdr))
			continue;
		n = elf_strptr(elf, shstrndx, shdr->sh_name);
		if (n && strcmp(n, name) == 0)
			return scn;
	}
	return NULL;
}

static bool has_dwarf(const struct dial9_elf_file *f)
{
	static const char *const names[] = { ".debug_info", ".zdebug_info", ".debug_line" };
	GElf_Shdr shdr;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (section_named(f->elf, names[i], &shdr) && shdr.sh_type != SHT_NOBITS &&
		    shdr.sh_size > 0)
			return true;
	return false;
}

/* Why f is not exe's debug file, or NULL when it is. */
static const char *refusal(const struct dial9_elf_file *exe, const struct dial9_elf_file *f)
{
	if (exe->build_id[0] && strcmp(exe->build_id, f->build_id) != 0)
		return f->build_id[0] ? "its build-id differs" : "it has no build-id";
	if (!f->has_symtab && !has_dwarf(f))
		return "it has no .symtab and no DWARF";
	return NULL;
}

/* .gnu_debuglink: a file name (NUL-terminated, padded to 4 bytes), then the
 * CRC32 of the debug file in the ELF file's byte order.  0, or -ENOENT. */
static int read_debuglink(const struct dial9_elf_file *exe, char name[DEBUGLINK_NAME_MAX + 1],
			  uint32_t *crc)
{
	GElf_Shdr shdr;
	GElf_Ehdr eh;
	Elf_Scn *scn = section_named(exe->elf, ".gnu_debuglink", &shdr);
	Elf_Data *data;
	const char *p;
	size_t n, off;
	uint32_t raw;

	if (!scn || shdr.sh_type == SHT_NOBITS || !(data = elf_getdata(scn, NULL)) ||
	    !data->d_buf || !gelf_getehdr(exe->elf, &eh))
		return -ENOENT;
	p = data->d_buf;
	n = strnlen(p, data->d_size);
	off = (n + 4) & ~(size_t)3;
	if (n == 0 || n > DEBUGLINK_NAME_MAX || off + 4 > data->d_size)
		return -ENOENT;
	/* a file name, never a path: nothing outside the directories searched */
	if (memchr(p, '/', n) || strcmp(p, ".") == 0 || strcmp(p, "..") == 0)
		return -ENOENT;
	memcpy(name, p, n + 1);
	memcpy(&raw, p + off, 4);
	*crc = eh.e_ident[EI_DATA] == ELFDATA2MSB ? be32toh(raw) : le32toh(raw);
	return 0;
}

static int file_crc32(int fd, uint32_t *out)
{
	unsigned char *buf = malloc(CRC_CHUNK);
	uLong crc = crc32(0L, Z_NULL, 0);
	off_t off = 0;
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	while ((n = pread(fd, buf, CRC_CHUNK, off)) > 0) {
		crc = crc32(crc, buf, (uInt)n);
		off += n;
	}
	free(buf);
	if (n < 0)
		return -errno;
	*out = (uint32_t)crc;
	return 0;
}

/* --- the search --------------------------------------------------------- */

struct search {
	const struct dial9_elf_file *exe;
	struct stat exe_st;          /* to skip the executable itself */
	bool have_exe_st;
	struct dial9_elf_file **out;
	char *path;
	size_t pathlen;
	enum dial9_debuginfo_method *method;
	char refused[640];           /* the first candidate refused, and why */
};

static void refuse(struct search *s, const char *path, const char *why)
{
	if (!s->refused[0])
		snprintf(s->refused, sizeof(s->refused), "refused %s: %s", path, why);
}

/* Open path as a candidate.  1: accepted (*s->out, s->path, *s->method
 * set); 0: absent or refused; negative: out of memory. */
static int try_path(struct search *s, const char *path, enum dial9_debuginfo_method method,
		    bool check_crc, uint32_t want_crc)
{
	struct dial9_elf_file *f = NULL;
	char proc[64], why[256];
	const char *no;
	struct stat st;
	uint32_t crc = 0;
	int pfd, ret;

	pfd = open(path, O_PATH | O_CLOEXEC);
	if (pfd < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			refuse(s, path, strerror(errno));
		return 0;
	}
	ret = 0;
	if (fstat(pfd, &st) || !S_ISREG(st.st_mode)) {
		refuse(s, path, "not a regular file");
		goto cleanup;
	}
	if (s->have_exe_st && st.st_dev == s->exe_st.st_dev && st.st_ino == s->exe_st.st_ino)
		goto cleanup; /* a debuglink naming the executable itself */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	ret = dial9_elf_file__open(proc, &f, why, sizeof(why));
	if (ret) {
		refuse(s, path, ret == -ENOEXEC ? "not an ELF file" : strerror(-ret));
		ret = ret == -ENOMEM ? ret : 0;
		goto cleanup;
	}
	if (check_crc) {
		ret = file_crc32(f->fd, &crc);
		if (ret) {
			refuse(s, path, strerror(-ret));
			ret = ret == -ENOMEM ? ret : 0;
			goto cleanup;
		}
		if (crc != want_crc) {
			refuse(s, path, "its CRC32 differs from the .gnu_debuglink's");
			goto cleanup;
		}
	}
	no = refusal(s->exe, f);
	if (no) {
		refuse(s, path, no);
		goto cleanup;
	}
	if ((size_t)snprintf(s->path, s->pathlen, "%s", path) >= s->pathlen) {
		refuse(s, path, "path too long");
		goto cleanup;
	}
	*s->method = method;
	*s->out = f;
	f = NULL;
	ret = 1;
cleanup:
	dial9_elf_file__free(f);
	close(pfd);
	return ret;
}

/* Build "fmt" into buf and try it; a name too long is skipped. */
static int try_built(struct search *s, enum dial9_debuginfo_method method, bool check_crc,
		     uint32_t crc, const char *fmt, const char *a, const char *b, const char *c)
{
	char buf[DIAL9_DEBUGINFO_PATH_MAX];

	if ((size_t)snprintf(buf, sizeof(buf), fmt, a, b, c) >= sizeof(buf))
		return 0;
	return try_path(s, buf, method, check_crc, crc);
}

static int by_build_id(struct search *s, const struct dial9_debuginfo_opts *o)
{
	const char *id = s->exe->build_id;
	size_t n = o ? o->ndirs : 0;
	int ret = 0;

	if (strlen(id) < 4)
		return 0;
	for (size_t i = 0; i <= n && !ret; i++) {
		char two[3] = { id[0], id[1], '\0' };

		ret = try_built(s, DIAL9_DEBUGINFO_BUILD_ID, false, 0, "%s/.build-id/%s/%s.debug",
				i < n ? o->dirs[i] : DIAL9_DEBUGINFO_SYSTEM_DIR, two, id + 2);
	}
	return ret;
}

static int by_debuglink(struct search *s, const struct dial9_debuginfo_opts *o,
			const char *exe_path, const char *name, uint32_t crc)
{
	const char *slash = strrchr(exe_path, '/');
	bool absolute = exe_path[0] == '/';
	char dir[DIAL9_DEBUGINFO_PATH_MAX];
	size_t n = o ? o->ndirs : 0;
	int ret;

	/* "/usr/bin/app" -> "/usr/bin"; "/app" -> ""; "app" -> "." */
	if ((size_t)snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - exe_path) : 1,
			     slash ? exe_path : ".") >= sizeof(dir))
		return 0;
	ret = try_built(s, DIAL9_DEBUGINFO_DEBUGLINK, true, crc, "%s/%s%s", dir, name, "");
	if (!ret)
		ret = try_built(s, DIAL9_DEBUGINFO_DEBUGLINK, true, crc, "%s/.debug/%s%s", dir, name,
				"");
	/* the directory's own name below a debug root: only when absolute */
	if (!ret && absolute)
		ret = try_built(s, DIAL9_DEBUGINFO_DEBUGLINK, true, crc, "%s%s/%s",
				DIAL9_DEBUGINFO_SYSTEM_DIR, dir, name);
	for (size_t i = 0; i < n && !ret; i++) {
		ret = try_built(s, DIAL9_DEBUGINFO_DEBUGLINK, true, crc, "%s/%s%s", o->dirs[i],
				name, "");
		if (!ret && absolute)
			ret = try_built(s, DIAL9_DEBUGINFO_DEBUGLINK, true, crc, "%s%s/%s",
					o->dirs[i], dir, name);
	}
	return ret;
}

/* Ask the servers of DEBUGINFOD_URLS; what happened goes to note. */
static int by_debuginfod(struct search *s, char *note, size_t notelen)
{
	const char *urls = getenv("DEBUGINFOD_URLS");
	debuginfod_client *c;
	char *found = NULL;
	int fd, ret;

	if (!urls || !*urls)
		return 0;
	if (!s->exe->build_id[0]) {
		snprintf(note, notelen, "; debuginfod needs a build-id");
		return 0;
	}
	c = debuginfod_begin();
	if (!c) {
		snprintf(note, notelen, "; the debuginfod client could not start");
		return 0;
	}
	/* library code prints nothing, whatever DEBUGINFOD_PROGRESS/VERBOSE say */
	debuginfod_set_progressfn(c, NULL);
	debuginfod_set_verbose_fd(c, -1);
	fd = debuginfod_find_debuginfo(c, (const unsigned char *)s->exe->build_id, 0, &found);
	debuginfod_end(c);
	if (fd < 0) {
		snprintf(note, notelen, "; debuginfod (%s): %s", urls,
			 fd == -ENOENT ? "not found" : strerror(-fd));
		free(found);
		return 0;
	}
	close(fd);
	ret = found ? try_path(s, found, DIAL9_DEBUGINFO_DEBUGINFOD, false, 0) : 0;
	if (!ret)
		snprintf(note, notelen, "; debuginfod (%s): its answer was refused", urls);
	free(found);
	return ret;
}

/* "build-id 33ab… under /usr/lib/debug and 2 --debug-dir directories, and
 * .gnu_debuglink app.debug" into buf. */
static void describe_search(const struct dial9_elf_file *exe,
			    const struct dial9_debuginfo_opts *o, bool has_link, const char *link,
			    char *buf, size_t len)
{
	size_t n = o ? o->ndirs : 0;
	char dirs[64] = "";

	if (n)
		snprintf(dirs, sizeof(dirs), " and %zu --debug-dir director%s", n,
			 n == 1 ? "y" : "ies");
	if (exe->build_id[0])
		snprintf(buf, len, "looked for build-id %s under %s%s, and %s%s", exe->build_id,
			 DIAL9_DEBUGINFO_SYSTEM_DIR, dirs,
			 has_link ? ".gnu_debuglink " : "no .gnu_debuglink", has_link ? link : "");
	else
		snprintf(buf, len, "it has no build-id, and %s%s",
			 has_link ? "looked for .gnu_debuglink " : "no .gnu_debuglink",
			 has_link ? link : "");
}

int dial9_debuginfo__open(const char *exe_path, const struct dial9_elf_file *exe,
			  const struct dial9_debuginfo_opts *o, struct dial9_elf_file **out,
			  char *path, size_t pathlen, enum dial9_debuginfo_method *method,
			  char *err, size_t errlen)
{
	struct dial9_elf_file *own = NULL;
	struct search *s = NULL;
	char link[DEBUGLINK_NAME_MAX + 1] = "", note[DIAL9_DEBUGINFO_DIR_MAX + 128] = "";
	char looked[DIAL9_DEBUGINFO_DIR_MAX] = "";
	enum dial9_debuginfo_method m = DIAL9_DEBUGINFO_NONE;
	bool has_link = false;
	uint32_t crc = 0;
	int ret;

	if (!out || !exe_path || !path || !pathlen) {
		if (err && errlen)
			snprintf(err, errlen, "invalid arguments");
		return -EINVAL;
	}
	*out = NULL;
	path[0] = '\0';
	if (!exe) {
		ret = dial9_elf_file__open(exe_path, &own, err, errlen);
		if (ret)
			return ret;
		exe = own;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		ret = -ENOMEM;
		goto cleanup;
	}
	*s = (struct search){ .exe = exe, .out = out, .path = path, .pathlen = pathlen,
			      .method = method ? method : &m };
	s->have_exe_st = fstat(exe->fd, &s->exe_st) == 0;

	ret = by_build_id(s, o);
	/* the executable's directory is where debuglink names are resolved */
	if (!ret && exe_path[0] && read_debuglink(exe, link, &crc) == 0) {
		has_link = true;
		ret = by_debuglink(s, o, exe_path, link, crc);
	}
	if (!ret)
		ret = by_debuginfod(s, note, sizeof(note));
	if (ret > 0) {
		ret = 0;
		goto cleanup;
	}
	if (!ret) {
		ret = -ENOENT;
		describe_search(exe, o, has_link, link, looked, sizeof(looked));
		if (err && errlen)
			snprintf(err, errlen, "%s%s%s%s", looked, note, s->refused[0] ? "; " : "",
				 s->refused);
	}
cleanup:
	if (ret == -ENOMEM && err && errlen)
		snprintf(err, errlen, "out of memory");
	free(s);
	dial9_elf_file__free(own);
	return ret;
}

int dial9_debuginfo__find(const char *exe_path, const struct dial9_elf_file *exe,
			  const struct dial9_debuginfo_opts *o, char *path, size_t pathlen,
			  enum dial9_debuginfo_method *method, char *err, size_t errlen)
{
	struct dial9_elf_file *f = NULL;
	int ret = dial9_debuginfo__open(exe_path, exe, o, &f, path, pathlen, method, err, errlen);

	dial9_elf_file__free(f);
	return ret;
}

int dial9_debuginfo__open_known(const struct dial9_elf_file *exe, const char *path,
				struct dial9_elf_file **out, char *err, size_t errlen)
{
	struct search s = { .exe = exe, .out = out };
	enum dial9_debuginfo_method m;
	char buf[DIAL9_DEBUGINFO_PATH_MAX];
	int ret;

	*out = NULL;
	if (!exe->build_id[0]) {
		if (err && errlen)
			snprintf(err, errlen, "%s: the executable has no build-id to check it by", path);
		return -EINVAL;
	}
	s.path = buf;
	s.pathlen = sizeof(buf);
	s.method = &m;
	s.have_exe_st = fstat(exe->fd, &s.exe_st) == 0;
	ret = try_path(&s, path, DIAL9_DEBUGINFO_BUILD_ID, false, 0);
	if (ret > 0)
		return 0;
	if (!ret) {
		ret = s.refused[0] ? -EINVAL : -ENOENT;
		if (err && errlen)
			snprintf(err, errlen, "%s", s.refused[0] ? s.refused : "no such file");
	}
	return ret;
}
