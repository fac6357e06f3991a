// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* config.c - parse dial9d.conf (see config.h and docs/CONFIG.md). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

void dial9_config__init(struct dial9_config *c)
{
	memset(c, 0, sizeof(*c));
}

static void free_list(struct dial9_rule_list *l)
{
	uint32_t i;

	for (i = 0; i < l->count; i++)
		free(l->patterns[i]);
	l->count = 0;
}

void dial9_config__free(struct dial9_config *c)
{
	int f;

	if (!c)
		return;
	for (f = 0; f < DIAL9_RULE_FIELDS; f++) {
		free_list(&c->rules.include[f]);
		free_list(&c->rules.exclude[f]);
	}
	free(c->state_dir);
	free(c->socket);
	for (size_t i = 0; i < c->debuginfo.ndirs; i++)
		free((char *)c->debuginfo.dirs[i]); /* the copies made by apply() */
	dial9_config__init(c);
}

int dial9_parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;
	int shift = 0;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	}
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	if (!strcmp(s, "yes") || !strcmp(s, "true") || !strcmp(s, "1") || !strcmp(s, "on"))
		*out = true;
	else if (!strcmp(s, "no") || !strcmp(s, "false") || !strcmp(s, "0") || !strcmp(s, "off"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

static int add_pattern(struct dial9_rule_list *l, const char *pat, char *why, size_t whylen)
{
	if (!*pat) {
		snprintf(why, whylen, "empty pattern");
		return -EINVAL;
	}
	if (strlen(pat) > DIAL9_PATTERN_MAX) {
		snprintf(why, whylen, "pattern longer than %d bytes", DIAL9_PATTERN_MAX);
		return -EINVAL;
	}
	if (l->count >= DIAL9_RULES_MAX) {
		snprintf(why, whylen, "more than %d patterns of this kind", DIAL9_RULES_MAX);
		return -EINVAL;
	}
	l->patterns[l->count] = strdup(pat);
	if (!l->patterns[l->count]) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	l->count++;
	return 0;
}

static int set_string(char **dst, const char *v, char *why, size_t whylen)
{
	char *s;

	if (*v != '/') {
		snprintf(why, whylen, "needs an absolute path");
		return -EINVAL;
	}
	s = strdup(v);
	if (!s) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	free(*dst);
	*dst = s;
	return 0;
}

/* Range-checked size value; names the range in why on failure. */
static int set_size(uint64_t *dst, bool *has, const char *v, uint64_t lo, uint64_t hi,
		    char *why, size_t whylen)
{
	uint64_t n;

	if (dial9_parse_size(v, &n) || n < lo || n > hi) {
		snprintf(why, whylen, "'%s' is not a size in %llu..%llu (K/M/G suffixes allowed)", v,
			 (unsigned long long)lo, (unsigned long long)hi);
		return -EINVAL;
	}
	*dst = n;
	*has = true;
	return 0;
}

static int apply(struct dial9_config *c, const char *key, const char *v, char *why,
		 size_t whylen)
{
	static const char *const fields[DIAL9_RULE_FIELDS] = { "exe", "comm", "cgroup" };
	int f;

	for (f = 0; f < DIAL9_RULE_FIELDS; f++) {
		if (!strncmp(key, "include-", 8) && !strcmp(key + 8, fields[f]))
			return add_pattern(&c->rules.include[f], v, why, whylen);
		if (!strncmp(key, "exclude-", 8) && !strcmp(key + 8, fields[f]))
			return add_pattern(&c->rules.exclude[f], v, why, whylen);
	}
	if (!strcmp(key, "window"))
		return set_size(&c->window_s, &c->has_window, v, 1, 3600, why, whylen);
	if (!strcmp(key, "max-bytes"))
		return set_size(&c->max_bytes, &c->has_max_bytes, v, 1 << 20, 64ULL << 30, why,
				whylen);
	if (!strcmp(key, "ring-bytes")) {
		int err = set_size(&c->ring_bytes, &c->has_ring_bytes, v, 64 << 10, 1 << 30, why,
				   whylen);

		if (!err && (c->ring_bytes & (c->ring_bytes - 1))) {
			snprintf(why, whylen, "ring-bytes must be a power of two");
			c->has_ring_bytes = false;
			return -EINVAL;
		}
		return err;
	}
	if (!strcmp(key, "max-procs"))
		return set_size(&c->max_procs, &c->has_max_procs, v, 1, 4096, why, whylen);
	if (!strcmp(key, "poll-threshold-us"))
		return set_size(&c->poll_threshold_us, &c->has_poll_threshold, v, 0, 10000000, why,
				whylen);
	if (!strcmp(key, "hit-cost-ns"))
		return set_size(&c->hit_cost_ns, &c->has_hit_cost, v, 1, 10000000, why, whylen);
	if (!strcmp(key, "overhead-budget")) {
		char *end;
		double pct;

		errno = 0;
		pct = strtod(v, &end);
		if (errno || end == v || *end || !(pct >= 0 && pct <= 100)) {
			snprintf(why, whylen, "'%s' is not a percentage 0..100", v);
			return -EINVAL;
		}
		c->overhead_budget_pct = pct;
		c->has_overhead_budget = true;
		return 0;
	}
	if (!strcmp(key, "max-dumps"))
		return set_size(&c->max_dumps, &c->has_max_dumps, v, 1, DIAL9_MAX_DUMPS_MAX, why,
				whylen);
	if (!strcmp(key, "max-request-dumps"))
		return set_size(&c->max_request_dumps, &c->has_max_request_dumps, v, 1,
				DIAL9_MAX_REQUEST_DUMPS_MAX, why, whylen);
	if (!strcmp(key, "dump-reserve"))
		return set_size(&c->dump_reserve, &c->has_dump_reserve, v, 0, DIAL9_DUMP_RESERVE_MAX,
				why, whylen);
	if (!strcmp(key, "request-dumps-per-min"))
		return set_size(&c->request_dumps_per_min, &c->has_request_dumps_per_min, v, 0,
				DIAL9_REQUEST_DUMPS_PER_MIN_MAX, why, whylen);
	if (!strcmp(key, "max-dump-bytes"))
		return set_size(&c->max_dump_bytes, &c->has_max_dump_bytes, v, 1 << 20,
				1ULL << 50, why, whylen);
	if (!strcmp(key, "dump-on-exit") || !strcmp(key, "all")) {
		bool b;

		if (parse_bool(v, &b)) {
			snprintf(why, whylen, "'%s' is not yes or no", v);
			return -EINVAL;
		}
		if (key[0] == 'd') {
			c->dump_on_exit = b;
			c->has_dump_on_exit = true;
		} else {
			c->all = b;
			c->has_all = true;
		}
		return 0;
	}
	if (!strcmp(key, "state-dir")) {
		int err = set_string(&c->state_dir, v, why, whylen);

		c->has_state_dir = !err;
		return err;
	}
	if (!strcmp(key, "debug-dir")) {
		char *dir = strdup(v);
		int err;

		if (!dir) {
			snprintf(why, whylen, "out of memory");
			return -ENOMEM;
		}
		err = dial9_debuginfo_opts__add_dir(&c->debuginfo, dir, why, whylen);
		if (err)
			free(dir);
		return err ? -EINVAL : 0;
	}
	if (!strcmp(key, "socket")) {
		int err = set_string(&c->socket, v, why, whylen);

		c->has_socket = !err;
		return err;
	}
	snprintf(why, whylen, "unknown setting '%s'", key);
	return -EINVAL;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

int dial9_config__parse(const char *text, size_t len, struct dial9_config *c, char *err,
			size_t errlen)
{
	char line[1024], why[256];
	size_t pos = 0;
	unsigned lineno = 0;
	int ret;

	if (len > DIAL9_CONFIG_MAX_BYTES) {
		snprintf(err, errlen, "configuration larger than %u bytes", DIAL9_CONFIG_MAX_BYTES);
		return -EFBIG;
	}
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char *s, *eq, *key, *val, *hash;

		lineno++;
		if (n >= sizeof(line)) {
			snprintf(err, errlen, "line %u: longer than %zu bytes", lineno, sizeof(line) - 1);
			return -EINVAL;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + 1;
		if (memchr(line, '\0', n)) {
			snprintf(err, errlen, "line %u: contains a NUL byte", lineno);
			return -EINVAL;
		}
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		s = trim(line);
		if (!*s)
			continue;
		eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, errlen, "line %u: expected 'key = value'", lineno);
			return -EINVAL;
		}
		*eq = '\0';
		key = trim(s);
		val = trim(eq + 1);
		ret = apply(c, key, val, why, sizeof(why));
		if (ret) {
			snprintf(err, errlen, "line %u: %s", lineno, why);
			return ret;
		}
	}
	return 0;
}

int dial9_config__load(const char *path, struct dial9_config *c, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	if (fstat(fd, &st)) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > DIAL9_CONFIG_MAX_BYTES) {
		ret = -EINVAL;
		snprintf(err, errlen, "%s: not a regular file of at most %u bytes", path,
			 DIAL9_CONFIG_MAX_BYTES);
		goto cleanup;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		ret = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto cleanup;
	}
	n = read(fd, buf, (size_t)st.st_size);
	if (n < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto cleanup;
	}
	{
		char inner[256];

		ret = dial9_config__parse(buf, (size_t)n, c, inner, sizeof(inner));
		if (ret)
			snprintf(err, errlen, "%s: %s", path, inner);
	}
cleanup:
	free(buf);
	close(fd);
	return ret;
}

static bool list_match(const struct dial9_rule_list *l, const char *s)
{
	uint32_t i;

	if (!s)
		return false;
	for (i = 0; i < l->count; i++)
		if (fnmatch(l->patterns[i], s, 0) == 0)
			return true;
	return false;
}

bool dial9_rules__match(const struct dial9_rules *r, const char *exe, const char *comm,
			const char *cgroup)
{
	const char *v[DIAL9_RULE_FIELDS] = { exe, comm, cgroup };
	bool any_include = false;
	int f;

	for (f = 0; f < DIAL9_RULE_FIELDS; f++)
		if (list_match(&r->exclude[f], v[f]))
			return false;
	for (f = 0; f < DIAL9_RULE_FIELDS; f++) {
		if (r->include[f].count)
			any_include = true;
		if (list_match(&r->include[f], v[f]))
			return true;
	}
	return !any_include;
}
