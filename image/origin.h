/*
 * origin.h: where each stored image came from ("pulled from REF",
 * "imported from FILE"), kept in STORE_DIR/origin/<enc of name> beside
 * its descriptor, for `ctr-image list`.  Only ctr-image reads it; the
 * helper never does.
 *
 * Invariants:
 * - A record MUST appear only by rename(2) of a complete file and MUST
 *   hold no control byte (each is written as '?').
 */
#ifndef CTL_IMG_ORIGIN_H
#define CTL_IMG_ORIGIN_H

#include <stddef.h>

#include "image/store.h"
#include "lib/wur.h"

#define ORIGIN_MAX 300

/* Records TEXT for canonical NAME; 0 or -1 with errno. */
int origin_put(struct store *s, const char *name, const char *text) CTL_WUR;
/* BUF (LEN bytes) gets NAME's record, or "-". */
void origin_get(struct store *s, const char *name, char *buf, size_t len);
void origin_remove(struct store *s, const char *name);

#endif
