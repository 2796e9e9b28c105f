/*
 * regauth.h: registry credentials for ctr-image pull, from auth.json
 * (containers-auth.json / docker config: {"auths":{"HOST:PORT":
 * {"auth":"base64(user:pass)"}}}).
 *
 * Invariants:
 * - The file MUST be a regular file owned by root and not readable,
 *   writable or executable by group or others, checked on the opened
 *   descriptor; anything else refuses the pull.
 * - A credential MUST be "user:pass" with a non-empty user and no control
 *   byte; anything else refuses the pull.
 */
#ifndef CTL_IMG_REGAUTH_H
#define CTL_IMG_REGAUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "image/util.h"
#include "lib/wur.h"

#define AUTH_CRED_MAX 1024

/* Looks HOST up in PATH.  CRED gets "user:pass" or "" (no entry).  A
 * missing file is no credentials when OPTIONAL.  0, or -1 with E. */
int regauth_lookup(const char *path, bool optional, const char *host,
    char *cred, size_t len, struct ctl_err *e) CTL_WUR;

#endif
