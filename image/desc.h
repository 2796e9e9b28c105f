/*
 * desc.h: the image store's layout and the image descriptor.
 *
 * ctr-image writes the store; the setuid helper reads it.  The helper never
 * parses JSON or tar: it reads only descriptors, with the tiny strict
 * reader of desc.c, which is fuzzed.
 *
 * Store layout, under STORE_DIR (root:root 0700, no user can reach it):
 *   images/<enc>        the descriptor of the image whose canonical name
 *                       percent-encodes to <enc> (see name.h), root 0600
 *   layers/<hex>/       one layer, <hex> the sha256 of its uncompressed
 *                       tar stream (the diff_id); root 0700
 *   layers/<hex>/diff/  the unpacked tree, an overlayfs lower directory
 *   l/<link>            symlink to ../layers/<hex>/diff; <link> is a short
 *                       id (DESC_LINK_LEN chars of [A-Z0-9]) so that the
 *                       overlay lowerdir option of 100+ layers fits in one
 *                       page when the mount is made relative to l/
 *   tmp/                imports in progress (removed by the next import or
 *                       gc)
 *
 * Layer lock: a launcher holds flock(LOCK_SH) on the layers/<hex> directory
 * descriptor of each layer of its image for the container's life; rm and gc
 * take flock(LOCK_EX|LOCK_NB) and skip a busy layer.  rm and gc remove a
 * layer by renaming layers/<hex> into tmp/ while they hold LOCK_EX, so a
 * launcher, once its LOCK_SH is granted, checks that layers/<hex> still is
 * the directory it locked (same st_dev and st_ino) and else refuses.
 *
 * Store lock: ctr-image serialises its own commands (import, rm, gc, tag)
 * with flock(LOCK_EX) on the STORE_DIR descriptor; launchers never take it.
 * Each layers/<hex>/ also holds "link" (its l/ name) and "size" (bytes).
 *
 * Descriptor format: see desc.c.
 *
 * Invariants of the reader:
 * - It MUST reject, never guess: any malformed record, unknown record, size
 *   over its limit or missing mandatory record fails the whole descriptor.
 * - Every byte of an argv element or environment value MUST round-trip
 *   through desc_serialize() and desc_parse().
 * - Layer ids and links MUST match their exact character sets, so that no
 *   descriptor can name a path outside the store.
 */
#ifndef CTL_DESC_H
#define CTL_DESC_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/err.h"
#include "lib/grammar.h"
#include "lib/wur.h"

#define STORE_DIR        CTL_STATEDIR "/ctr-launch"
#define DESC_MAX_SIZE    (1u << 20)
#define DESC_MAX_LAYERS  512
#define DESC_MAX_STRINGS 4096 /* per list (argv, env, labels) */
#define DESC_HEX_LEN     GRAM_HEX64_LEN
#define DESC_LINK_LEN    GRAM_LINK_LEN

struct desc_layer {
	char hex[DESC_HEX_LEN + 1];   /* diff_id, lowercase hex */
	char link[DESC_LINK_LEN + 1]; /* l/<link> */
	unsigned long long size;      /* bytes unpacked, for list/inspect */
};

struct image_desc {
	char *name;                /* canonical, e.g. "busybox:latest" */
	char *digest;              /* "sha256:<hex>" of the image config */
	char *created;             /* RFC 3339, may be empty */
	struct desc_layer *layers; /* base first */
	size_t nlayers;
	char **entrypoint; /* NULL-terminated; NULL when unset */
	char **cmd;        /* NULL-terminated; NULL when unset */
	char **env;        /* NULL-terminated "KEY=VALUE"; never NULL */
	char *workdir;     /* "" when unset */
	char *user;        /* "" when unset (informational) */
	char **ports;      /* NULL-terminated, informational */
	char **labels;     /* NULL-terminated "KEY=VALUE", informational */
};

/* Parses a descriptor; -1 with E (one line) on any defect. */
int desc_parse(const char *buf, size_t len, struct image_desc **out,
    struct ctl_err *e) CTL_WUR;
/* Reads at most DESC_MAX_SIZE bytes from FD, then desc_parse(). */
int desc_read_fd(int fd, struct image_desc **out, struct ctl_err *e) CTL_WUR;
/* Serialises D into a malloc'd buffer (ctr-image). */
int desc_serialize(const struct image_desc *d, char **buf, size_t *len) CTL_WUR;
void desc_free(struct image_desc *);
/* Writes the overlay lowerdir option for a mount made from STORE_DIR/l:
 * the layers' links, topmost first, joined by ':' ("LINK3:LINK2:LINK1");
 * -1 if it does not fit in LEN bytes. */
int desc_lowerdir(const struct image_desc *d, char *buf, size_t len) CTL_WUR;
/* The names in an images/ directory already opened (desc_list.c); callers
 * list the store through storelist.h, which makes the store's trust check
 * first.  The canonical names of the descriptors in IMAGES, a
 * descriptor of STORE_DIR/images the caller keeps, sorted, into a malloc'd
 * *NAMES of *N strings (desc_free_names).  Entries that do not decode to a
 * name are skipped.  -1 with errno set on failure, nothing allocated. */
int desc_list_names(int images, char ***names, size_t *n) CTL_WUR;
void desc_free_names(char **names, size_t n);

#endif
