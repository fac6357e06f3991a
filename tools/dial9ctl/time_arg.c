// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* time_arg.c - a point in time on the command line: see time_arg.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "time_arg.h"

#define NS 1000000000LL
#define GRAMMAR "YYYY-MM-DD[ HH:MM[:SS]][Z], @SECONDS, now, today, yesterday or -N{s,min,h,d,w}"

static int bad(char *err, size_t errlen, const char *s, const char *why)
{
	snprintf(err, errlen, "invalid time '%s': %s (expected %s)", s, why, GRAMMAR);
	return -EINVAL;
}

/* Exactly n digits at *p (moved past them) into *v. */
static bool digits(const char **p, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return false;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return true;
}

static const struct unit {
	const char *name;
	int64_t secs;
} units[] = {
	{ "s", 1 },       { "sec", 1 },    { "second", 1 }, { "m", 60 },     { "min", 60 },
	{ "minute", 60 }, { "h", 3600 },   { "hour", 3600 }, { "d", 86400 }, { "day", 86400 },
	{ "w", 604800 },  { "week", 604800 },
};

/* A unit name, singular or plural ("days", not "ds"). */
static int64_t unit_secs(const char *u)
{
	size_t len = strlen(u);

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t n = strlen(units[i].name);

		if (len == n && !strcmp(u, units[i].name))
			return units[i].secs;
		if (n > 1 && len == n + 1 && !strncmp(u, units[i].name, n) && u[n] == 's')
			return units[i].secs;
	}
	return 0;
}

static int parse_relative(const char *s, int64_t now_ns, int64_t *out, char *err,
			  size_t errlen)
{
	const char *p = s + 1;
	int64_t n = 0, secs;

	if (*p < '0' || *p > '9')
		return bad(err, errlen, s, "no number after '-'");
	for (; *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + (*p - '0');
		if (n > 100LL * 365 * 86400)
			return bad(err, errlen, s, "more than a hundred years ago");
	}
	if (*p == ' ')
		p++;
	if (!*p)
		return bad(err, errlen, s, "no unit");
	secs = unit_secs(p);
	if (!secs)
		return bad(err, errlen, s, "unknown unit");
	if (n * secs > 100LL * 365 * 86400)
		return bad(err, errlen, s, "more than a hundred years ago");
	*out = now_ns - n * secs * NS;
	return 0;
}

/* Local midnight of the day of now_ns, days_back days before. */
static int local_midnight(int64_t now_ns, int days_back, int64_t *out)
{
	time_t t = (time_t)(now_ns / NS);
	struct tm tm;

	if (!localtime_r(&t, &tm))
		return -EINVAL;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_mday -= days_back;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t == (time_t)-1)
		return -EINVAL;
	*out = (int64_t)t * NS;
	return 0;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int parse_iso(const char *s, int64_t *out, char *err, size_t errlen)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0;
	struct tm tm = { 0 };
	bool utc = false;
	time_t t;

	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
	    !digits(&p, 2, &d))
		return bad(err, errlen, s, "not a date");
	if (*p == 'T' || *p == ' ') {
		p++;
		if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
			return bad(err, errlen, s, "not a time of day");
		if (*p == ':' && (p++, !digits(&p, 2, &sec)))
			return bad(err, errlen, s, "not a time of day");
	}
	if (*p == 'Z') {
		utc = true;
		p++;
	}
	if (*p)
		return bad(err, errlen, s, "unexpected text after the date");
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1] + (mo == 2 && leap(y)) || h > 23 || mi > 59 || sec > 59)
		return bad(err, errlen, s, "no such date or time");
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	tm.tm_isdst = -1;
	t = utc ? timegm(&tm) : mktime(&tm);
	if (t == (time_t)-1)
		return bad(err, errlen, s, "out of range");
	*out = (int64_t)t * NS;
	return 0;
}

int time_arg__parse(const char *s, int64_t now_ns, int64_t *out_ns, char *err, size_t errlen)
{
	if (!s || !*s)
		return bad(err, errlen, s ? s : "", "empty");
	if (!strcmp(s, "now")) {
		*out_ns = now_ns;
		return 0;
	}
	if (!strcmp(s, "today") || !strcmp(s, "yesterday"))
		return local_midnight(now_ns, s[0] == 'y', out_ns) ? bad(err, errlen, s, "no local time")
								  : 0;
	if (s[0] == '-')
		return parse_relative(s, now_ns, out_ns, err, errlen);
	if (s[0] == '@') {
		const char *p = s + 1;
		int64_t v = 0;

		if (!*p)
			return bad(err, errlen, s, "no number after '@'");
		for (; *p; p++) {
			if (*p < '0' || *p > '9')
				return bad(err, errlen, s, "not a number of seconds");
			v = v * 10 + (*p - '0');
			if (v > INT64_MAX / NS)
				return bad(err, errlen, s, "out of range");
		}
		*out_ns = v * NS;
		return 0;
	}
	return parse_iso(s, out_ns, err, errlen);
}
