/*
 * layers.c: the layer locks K holds for a container's life, so that
 * ctr-image rm cannot remove a layer the container's overlay uses.
 *
 * Invariants:
 * - Every layer of the image MUST be locked (flock LOCK_SH on its
 *   layers/<hex> directory) and verified still in the store after the lock
 *   is taken; a missing layer ends the launch.
 * - On failure the core MUST release every lock it took before returning.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/grammar.h"
#include "helper/layers.h"
#include "helper/log.h"

/* The locked descriptor of layer HEX in LAYERS, or -1 with E set. */
static int
lock_layer(int layers, const struct image_desc *d, const char *hex,
    struct ctl_err *e)
{
	cleanup_close int fd = -1;
	struct stat a, b;

	if (!gram_hex64(hex))
		return err_set(e, "image %s is damaged: bad layer id", d->name);
	fd = openat(layers, hex,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT)
		return err_set(e,
		    "image %s: layer %s is missing (removed or imported again meanwhile? try again; if it stays, re-import the image)",
		    d->name, hex);
	if (fd == -1)
		return err_errno(e, "image %s: layer %s", d->name, hex);
	while (flock(fd, LOCK_SH) == -1)
		if (errno != EINTR)
			return err_errno(e, "image %s: lock layer %s", d->name,
			    hex);
	/* ctr-image rm may have removed it while we waited. */
	if (fstat(fd, &a) == -1 ||
	    fstatat(layers, hex, &b, AT_SYMLINK_NOFOLLOW) == -1 ||
	    a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		return err_set(e,
		    "image %s: layer %s is missing (removed or imported again meanwhile? try again; if it stays, re-import the image)",
		    d->name, hex);
	return steal_fd(&fd);
}

int *
layers_lock_at(int store, const struct image_desc *d, struct ctl_err *e)
{
	cleanup_close int layers = -1;
	int *fds;

	layers = openat(store, "layers",
	    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (layers == -1) {
		err_errno(e, "image store %s/layers", STORE_DIR);
		return NULL;
	}
	if ((fds = calloc(d->nlayers + 1, sizeof(*fds))) == NULL) {
		err_errno(e, "layer locks");
		return NULL;
	}
	for (size_t i = 0; i < d->nlayers; i++) {
		fds[i] = lock_layer(layers, d, d->layers[i].hex, e);
		if (fds[i] == -1) {
			layers_release(fds, i);
			return NULL;
		}
	}
	return fds;
}

int *
layers_lock(const struct image_desc *d, struct ctl_err *e)
{
	cleanup_close int store = -1;

	store = open(STORE_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (store == -1) {
		err_errno(e, "image store %s", STORE_DIR);
		return NULL;
	}
	return layers_lock_at(store, d, e);
}

int *
layers_hold(const struct image_desc *d)
{
	struct ctl_err e;
	int *fds;

	if ((fds = layers_lock(d, &e)) == NULL)
		die_err(&e);
	return fds;
}

void
layers_release(int *fds, size_t n)
{
	if (fds == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
}
