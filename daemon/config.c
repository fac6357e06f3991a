// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* config.c - parse dial9d.conf (see config.h and docs/CONFIG.md). */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

int dial9_config__init(struct dial9_config *c)
{
	memset(c, 0, sizeof(*c));
	return dial9d_settings__init(&c->s);
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
	dial9d_settings__free(&c->s);
	memset(c, 0, sizeof(*c));
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

static int apply(struct dial9_config *c, const char *key, const char *v, char *why,
		 size_t whylen)
{
	static const char *const fields[DIAL9_RULE_FIELDS] = { "exe", "comm", "cgroup" };
	const struct dial9_option *o;
	int f;

	for (f = 0; f < DIAL9_RULE_FIELDS; f++) {
		if (!strncmp(key, "include-", 8) && !strcmp(key + 8, fields[f]))
			return add_pattern(&c->rules.include[f], v, why, whylen);
		if (!strncmp(key, "exclude-", 8) && !strcmp(key + 8, fields[f]))
			return add_pattern(&c->rules.exclude[f], v, why, whylen);
	}
	o = dial9_option__find(key);
	if (!o) {
		snprintf(why, whylen, "unknown setting '%s'", key);
		return -EINVAL;
	}
	return dial9_option__set(o, &c->s, v, why, whylen);
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
