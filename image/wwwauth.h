/*
 * wwwauth.h: the WWW-Authenticate challenge of a registry (RFC 7235),
 * parsed for ctr-image pull in its unprivileged child.
 *
 * Invariants:
 * - wwwauth_parse() MUST read only the LEN bytes given, MUST NOT allocate,
 *   and MUST fill every output field NUL-terminated (truncation refuses).
 * - Only the first challenge is read; its scheme MUST be "Basic" or
 *   "Bearer" (case-insensitive) or the header is refused.
 * - A quoted-string MUST be closed; a control byte refuses the header.
 */
#ifndef CTL_IMG_WWWAUTH_H
#define CTL_IMG_WWWAUTH_H

#include <stddef.h>
#include "lib/wur.h"

enum wwwauth_scheme {
	WWWAUTH_BASIC = 1,
	WWWAUTH_BEARER
};

struct wwwauth {
	enum wwwauth_scheme scheme;
	char realm[1024];
	char service[256];
	char scope[1024];
};

/* 0, or -1 when the header is malformed or of another scheme. */
int wwwauth_parse(const char *hdr, size_t len, struct wwwauth *out) CTL_WUR;

#endif
