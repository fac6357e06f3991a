/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * dumps.h - dial9ctl dumps [info ID]: the catalogue (catalogue.h) as a
 * table or JSON, and everything about one dump.
 */
#ifndef DIAL9CTL_DUMPS_H
#define DIAL9CTL_DUMPS_H

#include <stdbool.h>
#include <stddef.h>

#include "catalogue.h"

struct dumps_args {
	const char *state_dir;
	bool json;
	struct catalogue_filter filter;
};

/* Print the caller's dumps that pass a->filter (root: every uid's).  0 or
 * negative errno with a message in err. */
int dumps__list(const struct dumps_args *a, char *err, size_t errlen);
/* Print dump key (an ID, file name or path the listing shows), its
 * checksum verified.  A damaged dump is printed with its error (and the
 * Error: line on stderr): its negative errno, err left empty.  Else 0 or
 * negative errno with a message in err. */
int dumps__info(const struct dumps_args *a, const char *key, char *err, size_t errlen);

#endif /* DIAL9CTL_DUMPS_H */
