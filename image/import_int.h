/*
 * import_int.h: the import's state, shared by its parts: import.c (the
 * entry points, the input, root filesystem tarballs), import_scan.c (pass
 * 1: walking the archive), import_manifest.c (docker save and OCI
 * manifests and configs into plans), import_layer.c (pass 2: the reader
 * chain of each layer) and import_commit.c (the descriptors into the
 * store).  Not for other files.
 *
 * Invariants: those of import.c, which every part keeps.
 */
#ifndef CTL_IMG_IMPORT_INT_H
#define CTL_IMG_IMPORT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/desc.h"
#include "image/import.h"
#include "image/progress.h"
#include "image/sanitize.h"
#include "image/store.h"
#include "lib/err.h"
#include "lib/wur.h"

#define BUF_SIZE (1u << 20) /* one read of the input or a layer */

struct archive;
struct archive_entry;

/* An archive member seen by pass 1. */
struct member {
	char *name;
	char *link; /* symlink target, cleaned, or NULL */
	int64_t size;
	char *data; /* buffered content, or NULL */
	size_t len;
};

/* A layer to import, once per diff_id across the archive's images. */
struct ulayer {
	const char *member; /* NULL: the whole input is the layer */
	char blob[65];      /* expected blob digest, "" if unknown */
	char diff[65];      /* expected diff_id ("" for a rootfs tarball) */
	int64_t size_in;    /* member size, for the bar */
	bool present, done;
	bool map;       /* its blob verified: recorded in blobmap/ at commit */
	char stage[32]; /* tmp/<work>/ directory it waits in, or "" */
	bool added;     /* entered layers/ in this import's commit */
	char link[DESC_LINK_LEN + 1];
	uint64_t size;
};

/* One image of the archive: its names, descriptor and layers. */
struct image_plan {
	char **names;
	size_t nnames;
	struct image_desc *d;
	size_t *idx; /* into ulayers, base first */
	size_t n;
};

struct imp {
	struct store *s;
	const struct import_opts *o;
	struct ctl_err *e;
	struct progress pr;
	int fd;
	struct member *m;
	size_t nm, meta_total;
	struct ulayer *ul;
	size_t nul;
	struct image_plan *im;
	size_t nim;
	uint64_t unz_total, entries;
	unsigned layer_no;
};

/* import_scan.c */
/* The decompressors libarchive has built in, on A. */
void imp_support_filters(struct archive *a);
/* The input x->fd from its start as a tar archive, or NULL. */
struct archive *imp_outer_open(struct imp *x);
/* The next member of the input archive A (imp_outer_open): 1 with *ENT,
 * and *NAMED when it has a path entrypath_clean() accepts, cleaned into
 * NAME; 0 at the end of A; -1 with x->e set. */
int imp_next_member(struct imp *x, struct archive *a,
    struct archive_entry **ent, char name[ENTRYPATH_MAX], bool *named) CTL_WUR;
/* Pass 1.  Sets *ROOTFS when a member shows a root filesystem tarball. */
int imp_scan(struct imp *x, bool *rootfs) CTL_WUR;
/* The member NAME, symlinks followed, or NULL. */
struct member *imp_find_member(struct imp *x, const char *name);
/* The buffered blob DIGEST ("sha256:<hex>"), verified. */
struct member *imp_blob(struct imp *x, const char *digest, const char *what);

/* import_manifest.c */
int imp_add_ulayer(struct imp *x, const char *member, const char *blobhex,
    const char *diff, size_t *idx) CTL_WUR;
struct image_plan *imp_new_plan(struct imp *x);
int imp_plan_name(struct imp *x, struct image_plan *p, const char *raw) CTL_WUR;
/* Config + layer members -> plan P; LAYERS[i] member names, BLOBS[i]
 * expected blob digests (or ""). */
int imp_plan_config(struct imp *x, struct image_plan *p, const char *cfg,
    size_t cfglen, const char **layers, char (*blobs)[65], size_t n) CTL_WUR;
/* A docker save archive's manifest.json MAN; an OCI layout's index.json
 * IDX. */
int imp_plan_docker(struct imp *x, struct member *man) CTL_WUR;
int imp_plan_oci(struct imp *x, struct member *idx) CTL_WUR;

/* import_layer.c */
/* Streams layer U from member OUTER, or from x->fd when OUTER is NULL,
 * checks its digests and stores it unless present. */
int
imp_do_layer(struct imp *x, struct ulayer *u, struct archive *outer) CTL_WUR;
/* Pass 2: every layer member of the archive through imp_do_layer. */
int imp_pass2(struct imp *x) CTL_WUR;

/* import_commit.c */
/* Syncs the store, then writes each plan's descriptor under its names. */
/* The staged layers into layers/ (with their l/ links and blobmap/
 * records), then the descriptors into images/; a failure before any
 * descriptor is written takes back every layer this import added. */
int imp_commit_images(struct imp *x) CTL_WUR;

#endif
