/*
 * storelist.h: the one read-only listing of the image store, for
 * `ctr-launch images` and ctr-policy check (both see only the images a
 * launch would accept the store of).
 *
 * Linked into the setuid helper (image/'s descriptor reader side): no
 * JSON, no tar, no output.
 *
 * Invariants:
 * - The store directory MUST pass the trust check (lib/fdtrust.h: owned
 *   by OWNER, not group- or other-writable), on a descriptor opened with
 *   O_NOFOLLOW, before anything under it is read.
 * - images/ MUST be opened relative to that descriptor, with O_NOFOLLOW.
 */
#ifndef CTL_STORELIST_H
#define CTL_STORELIST_H

#include <stddef.h>
#include <sys/types.h>

#include "lib/err.h"
#include "lib/wur.h"

/* Opens STORE/images (O_RDONLY, O_CLOEXEC) once STORE passed the trust
 * check for OWNER; -1 with *E saying why (E may be NULL). */
int storelist_open(const char *store, uid_t owner, struct ctl_err *e) CTL_WUR;

/* The canonical names of the images in STORE_DIR (root's), sorted, as
 * desc_list_names() gives them (free with desc_free_names()); -1 with *E
 * saying why, nothing allocated. */
int storelist_names(char ***names, size_t *n, struct ctl_err *e) CTL_WUR;

#endif
