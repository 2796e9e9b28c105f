/*
 * import_commit.c: the last step of an import: the store is synced, the
 * layers staged in tmp/<work>/ are renamed into layers/ (their blob ->
 * diff_id records written), the store is synced again, then each image's
 * descriptor is written under each of its names, and the layers of an
 * image a name replaced are removed when no image uses them.
 *
 * Invariants:
 * - An image MUST become visible in images/ only after all its layers are
 *   in layers/ and synced, and only by rename(2) (store_desc_write).
 * - A layer MUST enter layers/ only after every layer of the import
 *   verified, and only after its files were synced (syncfs).
 * - A failed import MUST leave layers/, l/ and blobmap/ as they were: if
 *   no descriptor could be written, every layer it added is taken back,
 *   renamed into tmp/ before it is deleted (store_layer_remove).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/blobmap.h"
#include "image/import_int.h"
#include "image/origin.h"
#include "image/util.h"

static void
busy_layer(const char *hex)
{
	printf("layer sha256:%.12s of the replaced image is in use; kept\n",
	    hex);
}

/* Removes the layers of a replaced image that no image uses any more. */
static int
drop_replaced(struct imp *x, const struct image_desc *old)
{
	struct gc_result gr;

	if (store_gc(x->s, old, &gr, x->o->quiet ? NULL : busy_layer, x->e) ==
	    -1)
		return -1;
	if (gr.removed > 0)
		progress_say(&x->pr, "removed %u layers of the replaced image",
		    gr.removed);
	return 0;
}

/* Takes back every layer this import added to layers/ (no descriptor
 * names them yet, so no launch uses them), with its l/ link, the way
 * every layer leaves the store: renamed into tmp/ first. */
static void
rollback_layers(struct imp *x)
{
	for (size_t i = 0; i < x->nul; i++) {
		struct ulayer *u = &x->ul[i];
		struct ctl_err ignored = { .line = 0 };
		uint64_t freed = 0;

		if (!u->added)
			continue;
		if (store_layer_remove(x->s, u->diff, &freed, &ignored) != 1)
			progress_warn(&x->pr,
			    "layer sha256:%.12s: not taken back (gc removes it)",
			    u->diff);
		u->added = false;
	}
	(void)blobmap_prune(x->s);
}

/* The staged layers into layers/: their files synced first, so that a
 * layer is never visible with contents a power loss could lose; then
 * the blob -> diff_id records of every blob verified. */
static int
commit_layers(struct imp *x)
{
	if (syncfs(x->s->fd) == -1)
		return err_errno(x->e, "syncfs");
	for (size_t i = 0; i < x->nul; i++) {
		struct ulayer *u = &x->ul[i];
		int k;

		if (u->stage[0] == '\0')
			continue;
		/* the same diff_id from another blob of this import */
		k = store_layer_get(x->s, u->diff, u->link, &u->size, x->e);
		if (k == 0 &&
		    store_layer_commit(x->s, u->stage, u->diff, u->size,
			u->link, x->e) == -1)
			k = -1;
		if (k == -1) {
			rollback_layers(x);
			return -1;
		}
		if (k == 1)
			img_rmtree_at(x->s->work, u->stage);
		u->added = k == 0;
		u->stage[0] = '\0';
	}
	for (size_t i = 0; i < x->nul; i++)
		if (x->ul[i].map &&
		    blobmap_put(x->s, x->ul[i].blob, x->ul[i].diff) == -1)
			progress_warn(&x->pr,
			    "layer sha256:%.12s: recording its blob: %s",
			    x->ul[i].diff, strerror(errno));
	return 0;
}

static int commit_descs(struct imp *x, bool *written);

int
imp_commit_images(struct imp *x)
{
	bool written = false;

	if (commit_layers(x) == -1)
		return -1;
	if (commit_descs(x, &written) == 0)
		return 0;
	if (!written)
		rollback_layers(x);
	return -1;
}

static int
commit_descs(struct imp *x, bool *written)
{
	char sz[32];

	if (syncfs(x->s->fd) == -1)
		return err_errno(x->e, "syncfs");
	for (size_t i = 0; i < x->nim; i++) {
		struct image_plan *p = &x->im[i];
		struct image_desc *d = p->d;
		uint64_t total = 0;

		if (x->o->name != NULL) {
			for (size_t k = 0; k < p->nnames; k++)
				free(p->names[k]);
			p->nnames = 0;
			if (imp_plan_name(x, p, x->o->name) == -1)
				return -1;
		}
		if (p->nnames == 0)
			return err_set(x->e,
			    "image has no name (tag); give --name");
		if ((d->layers = calloc(p->n, sizeof(*d->layers))) == NULL)
			return err_set(x->e, "out of memory");
		d->nlayers = p->n;
		for (size_t k = 0; k < p->n; k++) {
			struct ulayer *u = &x->ul[p->idx[k]];

			memcpy(d->layers[k].hex, u->diff,
			    sizeof(d->layers[k].hex));
			memcpy(d->layers[k].link, u->link,
			    sizeof(d->layers[k].link));
			d->layers[k].size = u->size;
			total += u->size;
		}
		for (size_t k = 0; k < p->nnames; k++) {
			struct image_desc *old = NULL;
			struct ctl_err ignored = { .line = 0 };

			/* The image this name replaces, if any. */
			if (store_desc_read(x->s, p->names[k], &old,
				&ignored) == -1)
				old = NULL;
			d->name = p->names[k];
			int r = store_desc_write(x->s, d, x->e);
			d->name = NULL;
			*written = *written || r == 0;
			if (r == 0 && x->o->origin != NULL &&
			    origin_put(x->s, p->names[k], x->o->origin) == -1)
				progress_warn(&x->pr,
				    "%s: recording its origin: %s", p->names[k],
				    strerror(errno));
			if (r == 0 && old != NULL)
				r = drop_replaced(x, old);
			desc_free(old);
			if (r == -1)
				return -1;
			progress_say(&x->pr,
			    "imported %s (%.19s, %zu layers, %s)", p->names[k],
			    d->digest, p->n,
			    img_fmt_size(total, sz, sizeof(sz)));
		}
	}
	return 0;
}
