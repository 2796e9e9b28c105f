/*
 * util.h: small helpers of the ctr-image tool (not linked by the helper).
 *
 * Invariants:
 * - img_rmtree_at() MUST never follow a symbolic link and MUST stay on the
 *   directory it was given: it works only through *at() calls on
 *   descriptors opened with O_NOFOLLOW.
 */
#ifndef CTL_IMG_UTIL_H
#define CTL_IMG_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/err.h"
#include "lib/wur.h"

/* Removes NAME (any type) below directory DFD, recursively. */
int img_rmtree_at(int dfd, const char *name); /* best effort on error paths */
/* Empties directory DFD (removes every entry, recursively), holding at
 * most three descriptors however deep the tree. */
int img_rmtree_contents(int dfd);

/* Formats N bytes as "12.3MiB" into BUF. */
const char *img_fmt_size(uint64_t n, char *buf, size_t len);
/* Lowercase hex of LEN bytes. */
void img_hex_encode(const unsigned char *in, size_t len, char *out);
/* The sha256 of LEN bytes at BUF, as 64 lowercase hex digits into OUT
 * (65 bytes). */
void img_sha256_hex(const void *buf, size_t len, char *out);

/* Reads a whole small file NAME below DFD (no symlinks) into a string. */
int img_read_small_at(int dfd, const char *name, char *buf, size_t len) CTL_WUR;

#endif
