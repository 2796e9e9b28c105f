/*
 * name.h: image names as Docker users write them.
 *
 * Canonical form: "docker.io/library/" and "localhost/" dropped, ":latest"
 * added when no tag is given ("ubuntu" -> "ubuntu:latest",
 * "docker.io/library/ubuntu:22.04" -> "ubuntu:22.04",
 * "ghcr.io/org/app" -> "ghcr.io/org/app:latest").  A digest reference
 * ("name@sha256:<hex>") is kept as given.
 *
 * Invariants:
 * - name_canon() MUST accept only Docker reference grammar (lowercase path
 *   components of [a-z0-9] joined by ".", "_", "__" or "-", an optional
 *   registry host[:port], a tag of [A-Za-z0-9_.-]{1,128}), at most
 *   NAME_MAX_LEN bytes; anything else is refused.
 * - name_encode() MUST produce a single path component that is never "."
 *   or "..", and name_decode() MUST invert it exactly.
 */
#ifndef CTL_NAME_H
#define CTL_NAME_H

#include <stddef.h>

#define NAME_MAX_LEN 255

/* Canonicalises IN into OUT (NAME_MAX_LEN + 1 bytes); -1 if invalid. */
int name_canon(const char *in, char *out, size_t outlen);
/* Percent-encodes every byte outside [A-Za-z0-9_-]; -1 if OUT too small. */
int name_encode(const char *canon, char *out, size_t outlen);
int name_decode(const char *enc, char *out, size_t outlen);

#endif
