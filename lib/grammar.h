/*
 * grammar.h: the value grammars shared by the policy, the image store and
 * the helper, so that one notation is read one way everywhere.
 *
 * - A hex id is exactly GRAM_HEX64_LEN lowercase hex digits (a sha256
 *   digest without its "sha256:" prefix, a layer's diff_id).
 * - A layer link is exactly GRAM_LINK_LEN characters of [0-9A-Z] (the
 *   store's short l/<link> names).
 * - A decimal is 1 to 20 digits, no sign, no space, at most UINT64_MAX.
 * - A size is a decimal with an optional unit K, M, G, T or P (either
 *   case, powers of 1024), as Docker writes them: the unit may be
 *   followed by "i" and "b" or "B" ("1GiB", "512mb"), a bare "b" means
 *   bytes, and with a unit the number may have a fraction of up to 9
 *   digits ("1.5G", rounded down to a byte); at most UINT64_MAX bytes.
 * - The words that ask a program or a command for its usage are "--help"
 *   and "-h".
 * Every function here is pure; the parsers write *out only on success.
 */
#ifndef CTL_GRAMMAR_H
#define CTL_GRAMMAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/wur.h"

#define GRAM_HEX64_LEN 64
#define GRAM_LINK_LEN  10

bool gram_hex64(const char *s);            /* NUL-terminated */
bool gram_hex64n(const char *s, size_t n); /* s[0..n) */
bool gram_link(const char *s);             /* NUL-terminated */
bool gram_linkn(const char *s, size_t n);  /* s[0..n) */
int gram_u64(const char *s, size_t n, uint64_t *out) CTL_WUR;
/* "512M", "2G", "4096", "1.5g", "1GiB", "512MB" */
int gram_size(const char *s, uint64_t *out) CTL_WUR;
/* "--help" or "-h" */
bool gram_help(const char *s);

#endif
