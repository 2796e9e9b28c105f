/*
 * fuzz_wwwauth.c: image/wwwauth.c on arbitrary header values (the only
 * hand-written parser of what a registry sends).
 *
 * Invariants checked:
 * - No read outside the input (ASan: the input is copied to a buffer of
 *   exactly its size, without a NUL).
 * - On success every field is NUL-terminated within its size, holds no
 *   control byte but TAB, and a Bearer challenge has a realm.
 * - The result does not depend on bytes past the given length.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/wwwauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_field(const char *f, size_t len)
{
	size_t n = strnlen(f, len);

	if (n == len)
		abort();
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)f[i] < 0x20 && f[i] != '\t') ||
		    f[i] == 0x7f)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wwwauth w, w2;
	char *buf = malloc(size ? size : 1), *ext;
	int r;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	r = wwwauth_parse(buf, size, &w);
	if (r == 0) {
		if (w.scheme != WWWAUTH_BASIC && w.scheme != WWWAUTH_BEARER)
			abort();
		if (w.scheme == WWWAUTH_BEARER && w.realm[0] == '\0')
			abort();
		check_field(w.realm, sizeof(w.realm));
		check_field(w.service, sizeof(w.service));
		check_field(w.scope, sizeof(w.scope));
	}
	if ((ext = malloc(size + 8)) != NULL) {
		memcpy(ext, data, size);
		memcpy(ext + size, "\",x=\"y\"", 8);
		if (wwwauth_parse(ext, size, &w2) != r ||
		    (r == 0 && memcmp(&w, &w2, sizeof(w)) != 0))
			abort();
		free(ext);
	}
	free(buf);
	return 0;
}
