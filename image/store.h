/*
 * store.h: the image store on disk (layout in desc.h), for ctr-image.
 *
 * Every mutation (import, pull, rm, gc, tag) runs under an exclusive
 * flock on the STORE_DIR descriptor, so tmp/ holds only the work of the
 * one running command and anything else found there is stale.  Commands
 * that only read (list, inspect) share the lock (store_open_shared) and
 * change nothing: no tmp/ cleaning, no work directory, no removal.
 *
 * Invariants:
 * - A layer MUST become visible under layers/<hex> only by rename(2) of a
 *   complete directory from tmp/, and an image under images/<enc> only by
 *   rename(2) of a complete, synced descriptor.
 * - A layer MUST only be removed while this process holds
 *   flock(LOCK_EX|LOCK_NB) on its layers/<hex> descriptor; a busy layer
 *   is skipped.
 */
#ifndef CTL_IMG_STORE_H
#define CTL_IMG_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "image/desc.h"
#include "image/util.h"
#include "lib/wur.h"

struct store {
	int fd, images, layers, l, tmp;
	int work; /* tmp/<work> of this command, or -1 */
	char workname[64];
	/* Said once per entry of images/ that store_desc_all() could not
	 * read (the message names it), if set; they are counted in unread. */
	void (*warn)(const char *msg);
	unsigned unread;
};

/* Opens (creating if needed) and locks the store, exclusively.  A
 * command that has to wait for the lock says so once on stderr. */
int store_open(struct store *s, struct ctl_err *e) CTL_WUR;
/* The same with a shared lock, for commands that only read. */
int store_open_shared(struct store *s, struct ctl_err *e) CTL_WUR;
void store_close(struct store *s);

/* Removes everything in tmp/ (stale work of interrupted commands). */
int store_clean_tmp(struct store *s, struct ctl_err *e) CTL_WUR;
/* Trims partial/ (unfinished layer downloads) to the newest ones that
 * hold at most KEEP bytes together (partial.c). */
int
store_partial_trim(struct store *s, uint64_t keep, struct ctl_err *e) CTL_WUR;
/* Creates tmp/<work> for this command (s->work). */
int store_mkwork(struct store *s, struct ctl_err *e) CTL_WUR;

/* If layers/<hex> exists: fills LINK and SIZE, repairs l/<link>; 1.
 * Absent: 0.  Error: -1. */
int store_layer_get(struct store *s, const char *hex, char *link,
    uint64_t *size, struct ctl_err *e) CTL_WUR;
/* Moves work/<dir> (with diff/ inside) to layers/<hex> and links it. */
int store_layer_commit(struct store *s, const char *dir, const char *hex,
    uint64_t size, char *link, struct ctl_err *e) CTL_WUR;

/* 0 if the store can hold canonical name CANON (images/<enc> is one file
 * name: at most NAME_STORE_MAX bytes once encoded); -1 with the reason. */
int store_name_check(const char *canon, struct ctl_err *e) CTL_WUR;
/* Removes layers/<hex> and its l/ link the one safe way: under the
 * layer's lock, renamed into tmp/ before anything in it is deleted (an
 * interruption leaves garbage in tmp/ only).  Adds its size to *FREED.
 * 1 removed (or absent), 0 busy (skipped), -1 error. */
int store_layer_remove(struct store *s, const char *hex, uint64_t *freed,
    struct ctl_err *e) CTL_WUR;
/* Writes D under images/<enc of d->name>, atomically. */
int store_desc_write(struct store *s, const struct image_desc *d,
    struct ctl_err *e) CTL_WUR;
/* Reads the descriptor of canonical NAME; 0 ok, -1 error (ENOENT kept). */
int store_desc_read(struct store *s, const char *canon, struct image_desc **d,
    struct ctl_err *e) CTL_WUR;
int store_desc_remove(struct store *s, const char *canon,
    struct ctl_err *e) CTL_WUR;

/* Every readable descriptor, sorted by name; N set.  Each entry of
 * images/ that is not one is skipped, counted in s->unread and said
 * through s->warn; -1 only if images/ itself cannot be read. */
int store_desc_all(struct store *s, struct image_desc ***v, size_t *n,
    struct ctl_err *e) CTL_WUR;
void store_desc_all_free(struct image_desc **v, size_t n);

struct gc_result {
	unsigned removed, busy, links;
	unsigned maps;   /* blob map records of removed layers, pruned */
	unsigned unread; /* descriptors unreadable: no layer was removed */
	uint64_t freed;
};
/* Removes layers used by no image (if ONLY is not NULL: only those among
 * the ONLY hexes), dangling links, and blob map records whose layer is
 * gone.  BUSY is called per busy layer.  While a descriptor is unreadable
 * (r->unread), no layer is removed. */
int
store_gc(struct store *s, const struct image_desc *only, struct gc_result *r,
    void (*busy)(const char *hex), struct ctl_err *e) CTL_WUR;

#endif
