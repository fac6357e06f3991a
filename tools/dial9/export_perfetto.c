// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* export_perfetto.c - `dial9 export --format perfetto FILE [-o trace.json]`. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "atomic_file.h"
#include "dial9.h"
#include "perfetto.h"

int cmd_export(const struct options *o)
{
	struct atomic_file f = ATOMIC_FILE_INIT;
	struct loaded l = { 0 };
	bool to_stdout = !o->output || !strcmp(o->output, "-");
	FILE *out = stdout;
	int err;

	if (!o->format || strcmp(o->format, "perfetto")) {
		p_err("'export' needs --format perfetto (the only format so far)");
		return -EINVAL;
	}
	err = load(o, false, &l);
	if (err)
		return err;
	if (!to_stdout) {
		out = output_open(&f, o->output);
		if (!out) {
			err = -EIO;
			goto cleanup;
		}
	}
	err = dial9_perfetto__write(l.a, out, NULL);
	if (err)
		p_err("writing %s: %s", to_stdout ? "stdout" : o->output, strerror(-err));
	if (!to_stdout)
		err = output_close(&f, o->output, err);
cleanup:
	loaded__free(&l);
	return err;
}
