// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* trigger_rule.c - parse and print dump trigger rules (see trigger_rule.h). */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trigger_rule.h"

#define TOKENS_MAX 16

/* Split s in place on blanks, with '>' a token of its own. */
static int tokenize(char *s, char *tok[TOKENS_MAX], char *why, size_t whylen)
{
	static char gt[] = ">";
	int n = 0;

	while (*s) {
		if (*s == ' ' || *s == '\t') {
			*s++ = '\0';
			continue;
		}
		if (n == TOKENS_MAX) {
			snprintf(why, whylen, "more than %d words", TOKENS_MAX);
			return -EINVAL;
		}
		if (*s == '>') {
			*s++ = '\0';
			tok[n++] = gt;
			continue;
		}
		tok[n++] = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '>')
			s++;
	}
	return n;
}

/* "25ms", "1.5s", "500us", "2min": ns.  A bare number is refused. */
static int parse_duration(const char *v, uint64_t max_ns, uint64_t *out, char *why,
			  size_t whylen)
{
	static const struct { const char *unit; double ns; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "min", 60e9 },
	};
	char *end;
	double x;
	size_t i;

	if (!(*v >= '0' && *v <= '9'))
		goto bad;
	x = strtod(v, &end);
	if (end == v)
		goto bad;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(end, units[i].unit)) {
			x *= units[i].ns;
			if (x > (double)max_ns)
				break;
			*out = (uint64_t)(x + 0.5);
			return 0;
		}
	}
	if (i < sizeof(units) / sizeof(units[0])) {
		snprintf(why, whylen, "'%s' is longer than %llus", v,
			 (unsigned long long)(max_ns / 1000000000ull));
		return -EINVAL;
	}
	if (!*end) {
		snprintf(why, whylen, "'%s' needs a unit: %sms (ns, us, ms, s, min)", v, v);
		return -EINVAL;
	}
bad:
	snprintf(why, whylen, "'%s' is not a duration (like 25ms, 1.5s)", v);
	return -EINVAL;
}

/* A whole number in lo..hi, with an optional suffix ("s" for seconds). */
static int parse_count(const char *v, const char *suffix, uint64_t lo, uint64_t hi,
		       uint64_t *out, char *why, size_t whylen)
{
	unsigned long long x;
	char *end;

	if (!(*v >= '0' && *v <= '9'))
		goto bad;
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno || (*end && (!suffix || strcmp(end, suffix))))
		goto bad;
	if (x < lo || x > hi)
		goto bad;
	*out = x;
	return 0;
bad:
	snprintf(why, whylen, "'%s' is not a whole number in %llu..%llu", v,
		 (unsigned long long)lo, (unsigned long long)hi);
	return -EINVAL;
}

/* "2%" or "2.5": ppm of a CPU, in (0, 100 %]. */
static int parse_percent(const char *v, uint64_t *out, char *why, size_t whylen)
{
	char *end;
	double x;

	if (!(*v >= '0' && *v <= '9'))
		goto bad;
	x = strtod(v, &end);
	if (end == v || (*end && strcmp(end, "%")) || !(x > 0) || x > 100)
		goto bad;
	*out = (uint64_t)(x * 1e4 + 0.5);
	return 0;
bad:
	snprintf(why, whylen, "'%s' is not a percentage in (0, 100] (like 2%%)", v);
	return -EINVAL;
}

static int parse_metric(const char *m, enum dial9_trigger_metric *out)
{
	uint32_t i;

	for (i = 1; i < DIAL9_TRIGGER__COUNT; i++) {
		if (!strcmp(m, dial9_trigger_metric_name(i))) {
			*out = (enum dial9_trigger_metric)i;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_threshold(struct dial9_trigger_rule *r, const char *v, char *why, size_t whylen)
{
	switch (r->metric) {
	case DIAL9_TRIGGER_POLL:
	case DIAL9_TRIGGER_LATENCY_P99:
		return parse_duration(v, 3600ull * 1000000000ull, &r->threshold, why, whylen);
	case DIAL9_TRIGGER_QUEUE:
		return parse_count(v, NULL, 0, 1000000000, &r->threshold, why, whylen);
	case DIAL9_TRIGGER_LOST:
		return parse_count(v, NULL, 0, UINT32_MAX, &r->threshold, why, whylen);
	case DIAL9_TRIGGER_COST:
		return parse_percent(v, &r->threshold, why, whylen);
	default:
		snprintf(why, whylen, "unknown metric");
		return -EINVAL;
	}
}

static bool valid_name(const char *s, size_t len)
{
	size_t i;

	if (!len || len > DIAL9_TRIGGER_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
			return false;
	return true;
}

static int parse_option(struct dial9_trigger_rule *r, char *tok, char *why, size_t whylen)
{
	char *eq = strchr(tok, '=');
	const char *key = tok, *v;
	uint64_t n;
	int ret;

	if (!eq) {
		snprintf(why, whylen, "unexpected '%s' (options are KEY=VALUE)", tok);
		return -EINVAL;
	}
	*eq = '\0';
	v = eq + 1;
	if (!strcmp(key, "holdoff"))
		return parse_duration(v, 86400ull * 1000000000ull, &r->holdoff_ns, why, whylen);
	if (!strcmp(key, "max-per-hour")) {
		ret = parse_count(v, NULL, 1, 3600, &n, why, whylen);
		r->max_per_hour = (uint32_t)n;
		return ret;
	}
	if (!strcmp(key, "exe") || !strcmp(key, "comm")) {
		char *dst = key[0] == 'e' ? r->exe : r->comm;

		if (!*v || strlen(v) > DIAL9_TRIGGER_GLOB_MAX) {
			snprintf(why, whylen, "%s= takes a glob of 1..%d bytes", key,
				 DIAL9_TRIGGER_GLOB_MAX);
			return -EINVAL;
		}
		snprintf(dst, DIAL9_TRIGGER_GLOB_MAX + 1, "%s", v);
		return 0;
	}
	snprintf(why, whylen, "unknown option '%s' (holdoff, max-per-hour, exe, comm)", key);
	return -EINVAL;
}

static int parse_rule(struct dial9_trigger_rule *r, char *s, char *why, size_t whylen)
{
	char *tok[TOKENS_MAX];
	int n, i = 0, ret;
	uint64_t secs;

	n = tokenize(s, tok, why, whylen);
	if (n < 0)
		return n;
	if (n && tok[0][strlen(tok[0]) - 1] == ':') {
		size_t len = strlen(tok[0]) - 1;

		if (!valid_name(tok[0], len)) {
			snprintf(why, whylen, "trigger name '%.*s': 1..%d letters, digits, '-' or '_'",
				 (int)len, tok[0], DIAL9_TRIGGER_NAME_MAX);
			return -EINVAL;
		}
		memcpy(r->name, tok[0], len);
		r->name[len] = '\0';
		i++;
	}
	if (n - i < 3 || strcmp(tok[i + 1], ">")) {
		snprintf(why, whylen, "expected 'METRIC > VALUE' (like 'poll > 25ms')");
		return -EINVAL;
	}
	if (parse_metric(tok[i], &r->metric)) {
		snprintf(why, whylen, "unknown metric '%s' (poll, latency-p99, queue, lost, cost)",
			 tok[i]);
		return -EINVAL;
	}
	if (!r->name[0])
		snprintf(r->name, sizeof(r->name), "%s", tok[i]);
	ret = parse_threshold(r, tok[i + 2], why, whylen);
	if (ret)
		return ret;
	i += 3;
	if (i < n && !strcmp(tok[i], "for")) {
		if (r->metric == DIAL9_TRIGGER_POLL) {
			snprintf(why, whylen, "'for' does not apply to poll (one poll fires it)");
			return -EINVAL;
		}
		if (i + 1 >= n) {
			snprintf(why, whylen, "'for' needs a number of seconds (like 'for 3s')");
			return -EINVAL;
		}
		ret = parse_count(tok[i + 1], "s", 1, 3600, &secs, why, whylen);
		if (ret)
			return ret;
		r->for_seconds = (uint32_t)secs;
		i += 2;
	}
	for (; i < n; i++) {
		ret = parse_option(r, tok[i], why, whylen);
		if (ret)
			return ret;
	}
	return 0;
}

int dial9_trigger_rules__add(struct dial9_trigger_rules *r, const char *text, char *why,
			     size_t whylen)
{
	struct dial9_trigger_rule rule = {
		.for_seconds = 1,
		.holdoff_ns = DIAL9_TRIGGER_HOLDOFF_DEFAULT_NS,
		.max_per_hour = DIAL9_TRIGGER_PER_HOUR_DEFAULT,
	};
	char buf[DIAL9_TRIGGER_TEXT_MAX + 1];
	uint32_t i;
	int ret;

	if (strlen(text) > DIAL9_TRIGGER_TEXT_MAX) {
		snprintf(why, whylen, "a rule longer than %d bytes", DIAL9_TRIGGER_TEXT_MAX);
		return -EINVAL;
	}
	if (r->count >= DIAL9_TRIGGERS_MAX) {
		snprintf(why, whylen, "more than %d triggers", DIAL9_TRIGGERS_MAX);
		return -E2BIG;
	}
	snprintf(buf, sizeof(buf), "%s", text);
	ret = parse_rule(&rule, buf, why, whylen);
	if (ret)
		return ret;
	for (i = 0; i < r->count; i++) {
		if (!strcmp(r->rule[i].name, rule.name)) {
			snprintf(why, whylen, "trigger name '%s' given twice (name them: 'NAME: %s > …')",
				 rule.name, dial9_trigger_metric_name(rule.metric));
			return -EINVAL;
		}
	}
	r->rule[r->count++] = rule;
	return 0;
}

/* A duration the way the grammar writes it, exact. */
static void duration_text(uint64_t ns, char *buf, size_t len)
{
	if (ns && ns % 60000000000ull == 0)
		snprintf(buf, len, "%llumin", (unsigned long long)(ns / 60000000000ull));
	else if (ns && ns % 1000000000ull == 0)
		snprintf(buf, len, "%llus", (unsigned long long)(ns / 1000000000ull));
	else if (ns % 1000000ull == 0)
		snprintf(buf, len, "%llums", (unsigned long long)(ns / 1000000ull));
	else if (ns % 1000ull == 0)
		snprintf(buf, len, "%lluus", (unsigned long long)(ns / 1000ull));
	else
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
}

void dial9_trigger_rule__format(const struct dial9_trigger_rule *r, char *buf, size_t len)
{
	char value[32], holdoff[32], forsec[32] = "", scope[2 * DIAL9_TRIGGER_GLOB_MAX + 16] = "";

	switch (r->metric) {
	case DIAL9_TRIGGER_POLL:
	case DIAL9_TRIGGER_LATENCY_P99:
		duration_text(r->threshold, value, sizeof(value));
		break;
	case DIAL9_TRIGGER_COST:
		snprintf(value, sizeof(value), "%g%%", (double)r->threshold / 1e4);
		break;
	default:
		snprintf(value, sizeof(value), "%llu", (unsigned long long)r->threshold);
		break;
	}
	duration_text(r->holdoff_ns, holdoff, sizeof(holdoff));
	if (r->metric != DIAL9_TRIGGER_POLL)
		snprintf(forsec, sizeof(forsec), " for %us", r->for_seconds);
	if (r->exe[0] || r->comm[0])
		snprintf(scope, sizeof(scope), "%s%s%s%s", r->exe[0] ? " exe=" : "", r->exe,
			 r->comm[0] ? " comm=" : "", r->comm);
	snprintf(buf, len, "%s: %s > %s%s holdoff=%s max-per-hour=%u%s", r->name,
		 dial9_trigger_metric_name(r->metric), value, forsec, holdoff, r->max_per_hour,
		 scope);
}

bool dial9_trigger_rule__applies(const struct dial9_trigger_rule *r, const char *exe,
				 const char *comm)
{
	if (r->exe[0] && (!exe || fnmatch(r->exe, exe, 0)))
		return false;
	if (r->comm[0] && (!comm || fnmatch(r->comm, comm, 0)))
		return false;
	return true;
}
