/*
 * extract.h: unpacking one layer tar stream into a layer directory.
 *
 * Invariants (details in extract.c):
 * - Nothing MUST ever be created, changed or removed outside the layer
 *   directory given as a descriptor.
 * - No symbolic link MUST ever be followed while extracting.
 */
#ifndef CTL_IMG_EXTRACT_H
#define CTL_IMG_EXTRACT_H

#include <stdint.h>

#include "image/util.h"
#include "lib/wur.h"

struct archive;

struct extract_stats {
	uint64_t entries;   /* entries read */
	uint64_t bytes;     /* regular file bytes (logical sizes) */
	uint64_t devices;   /* device nodes, FIFOs, sockets dropped */
	uint64_t suid;      /* entries whose setuid/setgid bit was cleared */
	uint64_t xattrs;    /* extended attributes dropped */
	uint64_t whiteouts; /* whiteouts and opaque markers made */
	char first_device[256]; /* the first dropped device's path */
};

struct extract_opts {
	uint64_t max_entries; /* across the whole import */
	uint64_t max_size;    /* of one file, sparse or not */
	uint64_t *entries;    /* running count across the import */
};

/* Reads every entry of A and creates it below directory ROOTFD. */
int extract_layer(struct archive *a, int rootfd, const struct extract_opts *o,
    struct extract_stats *st, struct ctl_err *e) CTL_WUR;

#endif
