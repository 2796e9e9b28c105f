/*
 * config.h: the image config JSON (OCI / Docker) read with json-c.
 *
 * Invariants:
 * - Only arrays of strings MUST be accepted for Entrypoint, Cmd and Env;
 *   a string holding NUL, or a list longer than DESC_MAX_STRINGS, refuses
 *   the config.
 * - A JSON null or absent Entrypoint/Cmd MUST stay unset (NULL), and an
 *   empty array MUST stay an empty list.
 */
#ifndef CTL_IMG_CONFIG_H
#define CTL_IMG_CONFIG_H

#include <stddef.h>

#include "image/desc.h"
#include "image/util.h"
#include "lib/wur.h"

struct json_object;

/* Parses BUF as JSON (a bounded object); NULL with E on error. */
struct json_object *
config_json(const char *buf, size_t len, const char *what, struct ctl_err *e);

/* Fills D's config fields from image config CFG (the object that holds
 * "config" and "rootfs"); DIFF_IDS gets the 64-hex diff_ids, base first.
 * Env entries without "KEY=" are dropped and counted in *BADENV. */
int config_fill(struct json_object *cfg, struct image_desc *d, char ***diff_ids,
    size_t *ndiff, unsigned *badenv, struct ctl_err *e) CTL_WUR;

/* For a root filesystem tarball: builds an image config from the user's
 * --config JSON (a full image config, or just its "config" object; may be
 * NULL) and the one DIFF_ID; returns the JSON text (malloc'd). */
char *config_synth(struct json_object *user, const char *diff_id,
    const char *created, struct ctl_err *e);

#endif
