/*
 * blobmap.h: verified facts "blob sha256:B unpacks to the layer with
 * diff_id sha256:D", recorded in STORE_DIR/blobmap/B when an import or a
 * pull has hashed both while unpacking, so that a pull need not fetch B
 * again while layer D is stored.
 *
 * Invariants:
 * - A record MUST only be written after both digests were computed from
 *   the same bytes (never from a config's or manifest's claim).
 * - A record MUST appear only by rename(2) of a complete file.
 * - A record whose layer is no longer stored MUST be removed by the next
 *   gc (ctr-image rm, gc, an import replacing an image) or pull, so that
 *   no record outlives its layer.
 */
#ifndef CTL_IMG_BLOBMAP_H
#define CTL_IMG_BLOBMAP_H

#include "image/store.h"
#include "lib/wur.h"

/* Records BLOB -> DIFF (64-hex each); 0 or -1 with errno. */
int blobmap_put(struct store *s, const char *blob, const char *diff) CTL_WUR;
/* DIFF (65 bytes) gets BLOB's recorded diff_id; 1 found, 0 not. */
int blobmap_get(struct store *s, const char *blob, char *diff) CTL_WUR;
/* Removes the records whose layer is not in the store (and unreadable or
 * half-written ones); the number removed. */
unsigned blobmap_prune(struct store *s);

#endif
