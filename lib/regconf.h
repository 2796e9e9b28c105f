/*
 * regconf.h: registries.conf, the per-registry settings of ctr-image pull,
 * read with a strict reader of its own:
 *
 *	# comment
 *	[registry "HOST:PORT"]
 *	insecure = yes
 *	ca = /etc/ctr-launch/certs/lan-ca.pem
 *	mirror = HOST:PORT
 *
 * Invariants:
 * - Any line that is not blank, a '#' comment, a section header of exactly
 *   that form, or "insecure = yes|no", "ca = /ABSOLUTE/PATH" or
 *   "mirror = HOST[:PORT]" inside a section MUST refuse the whole file with
 *   "FILE:LINE: reason".
 * - NUL and control bytes other than TAB MUST refuse the file, as MUST a
 *   line longer than REGCONF_MAX_LINE bytes and a section given twice.
 * - Pure: no I/O, no allocation.
 */
#ifndef CTL_REGCONF_H
#define CTL_REGCONF_H

#include <stdbool.h>
#include <stddef.h>
#include "lib/err.h"
#include "lib/wur.h"

#define REGCONF_MAX_LINE 512

struct regconf_entry {
	bool found;       /* a section for the host exists */
	bool insecure;    /* plain HTTP allowed */
	char ca[256];     /* PEM file of CAs to trust for it, or "" */
	char mirror[256]; /* ask this HOST:PORT first, or "" */
};

/* Checks all of BUF (LEN bytes, named FNAME in errors) and fills OUT with
 * HOST's settings; 0, or -1 with E. */
int regconf_lookup(const char *buf, size_t len, const char *fname,
    const char *host, struct regconf_entry *out, struct ctl_err *e) CTL_WUR;

#endif
