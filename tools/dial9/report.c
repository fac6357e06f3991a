// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * report.c - `dial9 report FILE -o report.html`: one self-contained HTML page
 * (template from tools/report/, inlined at build time; the data embedded as
 * JSON; no network access).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "report.h"
#include "report_assets.h"

/* A stream that writes through to another one with '<' as "\u003c", so that
 * JSON embedded in a <script> element can never end it ("</script>") or open
 * a comment, whatever strings the dump holds.  '<' only occurs inside JSON
 * strings, where the escape means the same character. */
static ssize_t lt_write(void *cookie, const char *buf, size_t len)
{
	FILE *out = cookie;
	size_t i, from = 0;

	for (i = 0; i < len; i++) {
		if (buf[i] != '<')
			continue;
		if (fwrite(buf + from, 1, i - from, out) != i - from ||
		    fputs("\\u003c", out) == EOF)
			return -1;
		from = i + 1;
	}
	if (fwrite(buf + from, 1, len - from, out) != len - from)
		return -1;
	return (ssize_t)len;
}

static int write_data(FILE *out, const struct dial9_analysis *a, const char *file,
		      const struct report_limits *lim)
{
	cookie_io_functions_t io = { .write = lt_write };
	struct json_writer *w;
	FILE *f = fopencookie(out, "w", io);
	int err;

	if (!f)
		return -errno;
	w = json_writer__new(f, 0);
	if (!w) {
		fclose(f);
		return -ENOMEM;
	}
	err = report_data__write(w, a, file, lim);
	if (!err)
		err = json_writer__finish(w);
	json_writer__free(w);
	if (fclose(f) && !err)
		err = -EIO;
	return err;
}

/* The template with @@CSS@@, @@JS@@ and @@DATA@@ filled in. */
int report__write_html(FILE *out, const struct dial9_analysis *a, const char *file,
		       const struct report_limits *lim)
{
	const char *p = report_html, *m;
	int err;

	while ((m = strstr(p, "@@"))) {
		fwrite(p, 1, (size_t)(m - p), out);
		if (!strncmp(m, "@@CSS@@", 7)) {
			fputs(report_css, out);
			p = m + 7;
		} else if (!strncmp(m, "@@JS@@", 6)) {
			fputs(report_js, out);
			p = m + 6;
		} else if (!strncmp(m, "@@DATA@@", 8)) {
			err = write_data(out, a, file, lim);
			if (err)
				return err;
			p = m + 8;
		} else {
			fputs("@@", out);
			p = m + 2;
		}
	}
	fputs(p, out);
	return ferror(out) ? -EIO : 0;
}

int cmd_report(const struct options *o)
{
	const char *base = strrchr(o->args[0], '/');
	struct atomic_file f = ATOMIC_FILE_INIT;
	struct loaded l = { 0 };
	FILE *out;
	struct stat st;
	int err;

	if (!o->output) {
		p_err("'report' needs -o FILE (the HTML file to write)");
		return -EINVAL;
	}
	err = load(o, false, &l);
	if (err)
		return err;
	out = output_open(&f, o->output);
	if (!out) {
		err = -EIO;
		goto cleanup;
	}
	err = report__write_html(out, l.a, base ? base + 1 : o->args[0], &report_default_limits);
	if (err)
		p_err("writing %s: %s", o->output, strerror(-err));
	err = output_close(&f, o->output, err);
	if (err)
		goto cleanup;
	if (!stat(o->output, &st))
		printf("wrote %s (%" PRIu64 " bytes, %" PRIu64 " polls, %" PRIu64 " tasks)\n",
		       o->output, (uint64_t)st.st_size, l.a->npolls, l.a->ntasks);
	err = text_done();
cleanup:
	loaded__free(&l);
	return err;
}
