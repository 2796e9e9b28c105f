/*
 * sanitize.h: the import tool's checks of archive entry paths.
 *
 * Policy (documented in ctr-image(8)): an entry path is cleaned by
 * dropping "." and empty components ("./a//b/" -> "a/b"); an absolute
 * path or any ".." component refuses the whole import; a component longer
 * than NAME_MAX or a path longer than PATH_MAX refuses it too.
 *
 * Invariants:
 * - entrypath_clean() MUST only return relative paths made of components
 *   that are neither empty, ".", nor "..", so that a cleaned path resolved
 *   below a directory without following symlinks stays below it.
 * - whiteout_kind() MUST only return a WH_FILE name that is one valid
 *   component (not empty, ".", ".." and without "/").
 */
#ifndef CTL_IMG_SANITIZE_H
#define CTL_IMG_SANITIZE_H

#include <stddef.h>
#include "lib/wur.h"

#define ENTRYPATH_MAX 4096

/* Cleans IN into OUT ("" for the layer root); -1 with WHY if refused. */
int entrypath_clean(const char *in, char *out, size_t outlen,
    const char **why) CTL_WUR;

enum whiteout {
	WH_NONE,   /* an ordinary entry */
	WH_FILE,   /* ".wh.NAME": NAME is deleted */
	WH_OPAQUE, /* ".wh..wh..opq": the directory is opaque */
	WH_META,   /* other ".wh..wh." entries (aufs metadata): ignored */
	WH_BAD,    /* a whiteout with no valid name: refused */
};

/* Classifies the last component BASE; for WH_FILE *NAME is the target. */
enum whiteout whiteout_kind(const char *base, const char **name);

#endif
