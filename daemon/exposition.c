// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* exposition.c - the Prometheus text format (see exposition.h). */
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "exposition.h"

/* The length of the valid UTF-8 sequence at p (up to end), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	size_t n, i;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if ((size_t)(end - p) < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* s escaped: backslash and newline always, double quote in label values. */
static void escaped(FILE *f, const char *s, bool quote)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);

	while (p < end) {
		size_t n = utf8_len(p, end);

		if (!n) {
			fputs("\xef\xbf\xbd", f); /* U+FFFD */
			p++;
		} else if (*p == '\\') {
			fputs("\\\\", f);
			p++;
		} else if (*p == '\n') {
			fputs("\\n", f);
			p++;
		} else if (*p == '"' && quote) {
			fputs("\\\"", f);
			p++;
		} else {
			fwrite(p, 1, n, f);
			p += n;
		}
	}
}

void expo__family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s ", name);
	escaped(f, help, false);
	fprintf(f, "\n# TYPE %s %s\n", name, type);
}

void expo__begin(struct expo_sample *s, FILE *f, const char *name)
{
	s->f = f;
	s->nlabels = 0;
	fputs(name, f);
}

static void label_sep(struct expo_sample *s)
{
	fputc(s->nlabels++ ? ',' : '{', s->f);
}

void expo__label(struct expo_sample *s, const char *key, const char *value)
{
	label_sep(s);
	fprintf(s->f, "%s=\"", key);
	escaped(s->f, value, true);
	fputc('"', s->f);
}

void expo__label_raw(struct expo_sample *s, const char *labels)
{
	label_sep(s);
	fputs(labels, s->f);
}

static void value_begin(struct expo_sample *s)
{
	fputs(s->nlabels ? "} " : " ", s->f);
}

void expo__value_u64(struct expo_sample *s, uint64_t v)
{
	value_begin(s);
	fprintf(s->f, "%" PRIu64 "\n", v);
}

void expo__seconds(char *buf, size_t len, uint64_t ns)
{
	int n = snprintf(buf, len, "%" PRIu64 ".%09" PRIu64, ns / UINT64_C(1000000000),
			 ns % UINT64_C(1000000000));

	if (n <= 0 || (size_t)n >= len)
		return;
	while (buf[n - 1] == '0')
		buf[--n] = '\0';
	if (buf[n - 1] == '.')
		buf[--n] = '\0';
}

void expo__value_ns(struct expo_sample *s, uint64_t ns)
{
	char buf[32];

	expo__seconds(buf, sizeof(buf), ns);
	value_begin(s);
	fprintf(s->f, "%s\n", buf);
}

void expo__value_double(struct expo_sample *s, double v)
{
	value_begin(s);
	if (isnan(v))
		fputs("NaN\n", s->f);
	else if (isinf(v))
		fputs(v > 0 ? "+Inf\n" : "-Inf\n", s->f);
	else
		fprintf(s->f, "%.6g\n", v);
}
