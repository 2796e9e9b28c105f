/*
 * import.h: ctr-image import (see import.c).
 *
 * Invariants:
 * - An import that fails or is interrupted MUST leave nothing visible in
 *   the store: its work stays in tmp/ until the next import or gc.
 */
#ifndef CTL_IMG_IMPORT_H
#define CTL_IMG_IMPORT_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "image/store.h"
#include "image/util.h"
#include "lib/wur.h"

struct import_opts {
	const char *name;   /* --name, or NULL */
	const char *config; /* --config FILE, or NULL */
	const char *origin; /* for `list`: "imported from FILE", ... or NULL */
	bool quiet;
	uint64_t max_size;    /* bytes decompressed, all layers together */
	uint64_t max_entries; /* tar entries, all layers together */
};

/* Set by a signal handler: the import stops at the next read, cleans
 * its work from tmp/ and fails with "interrupted". */
extern volatile sig_atomic_t import_interrupted;

int import_archive(struct store *s, const char *path,
    const struct import_opts *o, struct ctl_err *e) CTL_WUR;

/* Verified blobs from a registry (pull.c): the image config CFG and, base
 * first, N layer blobs open on FDS with their sha256 hexes BLOBS.  Each
 * layer's content is hashed again while it is unpacked, and both its blob
 * digest and its diff_id are checked as in an archive import.  The
 * caller holds the store with its work directory made (store_mkwork);
 * o->name names the image. */
struct import_blobs {
	const char *cfg;
	size_t cfglen;
	const int *fds;
	char (*blobs)[65];
	size_t n;
};
int import_blobs(struct store *s, const struct import_blobs *b,
    const struct import_opts *o, struct ctl_err *e) CTL_WUR;

#endif
