/*
 * name.c: canonical image names and their store encoding (see name.h).
 *
 * Linked into the setuid helper: no allocation, no I/O, no locale.
 *
 * Invariants:
 * - name_canon() MUST refuse anything outside the Docker reference grammar,
 *   so that no name can carry "/..", NUL, control bytes or whitespace; the
 *   grammar and the canonical form are lib/imgref.c's, shared with the
 *   policy's image patterns.
 * - name_encode() MUST yield one path component that is never "." or "..".
 */
#include <stdbool.h>
#include <string.h>

#include "lib/imgref.h"
#include "image/name.h"

int
name_canon(const char *in, char *out, size_t outlen)
{
	return imgref_canon(in, IMGREF_NAME, out, outlen, NULL);
}

static bool
is_plain(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-';
}

int
name_encode(const char *canon, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)canon; *p; p++) {
		if (is_plain(*p)) {
			if (o + 1 >= outlen)
				return -1;
			out[o++] = (char)*p;
		} else {
			if (o + 3 >= outlen)
				return -1;
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	if (o == 0 || o >= outlen)
		return -1;
	out[o] = '\0';
	return 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
name_decode(const char *enc, char *out, size_t outlen)
{
	size_t o = 0;

	for (const char *p = enc; *p; p++) {
		int c;

		if (*p == '%') {
			int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);

			if (hi < 0 || lo < 0)
				return -1;
			c = hi << 4 | lo;
			if (c == 0 || is_plain((unsigned char)c))
				return -1; /* not the encoding we write */
			p += 2;
		} else if (is_plain((unsigned char)*p)) {
			c = *p;
		} else {
			return -1;
		}
		if (o + 1 >= outlen)
			return -1;
		out[o++] = (char)c;
	}
	if (o == 0)
		return -1;
	out[o] = '\0';
	return 0;
}

bool
name_fits_store(const char *canon, size_t *enclen)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)canon; *p; p++)
		n += is_plain(*p) ? 1 : 3;
	if (enclen != NULL)
		*enclen = n;
	return n > 0 && n <= NAME_STORE_MAX;
}
