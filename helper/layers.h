/*
 * layers.h: the layer locks K holds for a container's life (DESIGN
 * section 5, before step 7's clone).
 */
#ifndef CTL_LAYERS_H
#define CTL_LAYERS_H

#include <stddef.h>

#include "lib/err.h"
#include "image/desc.h"

/*
 * K, before the clone: flock(LOCK_SH) every layer of the image for the
 * container's life; returns image->nlayers descriptors (O_CLOEXEC).
 * K keeps them until the container is gone.  P1 inherits copies of them
 * through the clone: it MUST close them (layers_release) before the
 * payload runs; the lock stays held while K's descriptors are open.
 *
 * layers_lock_at: the core, in the store STORE (a descriptor of the
 * store's directory): NULL with E set on failure ("image ... is damaged:
 * layer <hex> missing; re-import it" and the like), every lock it took
 * released.  layers_lock: the same in the compiled-in store.
 * layers_hold: layers_lock, or dies with E's message.
 */
int *layers_lock_at(int store, const struct image_desc *, struct ctl_err *e);
int *layers_lock(const struct image_desc *, struct ctl_err *e);
int *layers_hold(const struct image_desc *);
/* Closes N layer descriptors and frees the array (K at the end, P1 right
 * after the clone).  A lock is released when its last copy is closed. */
void layers_release(int *fds, size_t n);

#endif
