/*
 * name.h: image names as Docker users write them.
 *
 * Canonical form (lib/imgref.h, the one canonicaliser for names and policy
 * patterns): "docker.io/library/", "docker.io/" and "localhost/" dropped,
 * ":latest" added when neither tag nor digest is given ("ubuntu" ->
 * "ubuntu:latest", "docker.io/library/ubuntu:22.04" -> "ubuntu:22.04",
 * "ghcr.io/org/app" -> "ghcr.io/org/app:latest").  A digest reference
 * ("name@sha256:<hex>", "name:tag@sha256:<hex>") keeps what was given.
 *
 * Invariants:
 * - name_canon() MUST accept only Docker reference grammar (lowercase path
 *   components of [a-z0-9] joined by ".", "_", "__" or "-", an optional
 *   registry host[:port], a tag of [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}, a
 *   sha256 digest), at most NAME_MAX_LEN bytes; anything else is refused.
 * - name_encode() MUST produce a single path component that is never "."
 *   or "..", and name_decode() MUST invert it exactly.
 */
#ifndef CTL_NAME_H
#define CTL_NAME_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/imgref.h"

#define NAME_MAX_LEN IMGREF_MAX_LEN

/* Canonicalises IN into OUT (NAME_MAX_LEN + 1 bytes); -1 if invalid. */
int name_canon(const char *in, char *out, size_t outlen) CTL_WUR;
/* Percent-encodes every byte outside [A-Za-z0-9_-]; -1 if OUT too small. */
int name_encode(const char *canon, char *out, size_t outlen) CTL_WUR;
int name_decode(const char *enc, char *out, size_t outlen) CTL_WUR;
/* The longest name_encode() of a name the store holds: one file name. */
#define NAME_STORE_MAX 255
/* True if canonical CANON, once encoded, is at most NAME_STORE_MAX bytes
 * (a canonical name of NAME_MAX_LEN bytes may encode to three times as
 * many); its encoded length into *ENCLEN if not NULL. */
bool name_fits_store(const char *canon, size_t *enclen);

#endif
