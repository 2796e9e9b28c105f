/*
 * sanitize.c: archive entry paths and whiteout names (see sanitize.h).
 *
 * Invariants:
 * - entrypath_clean() MUST refuse absolute paths and ".." components and
 *   MUST never return an empty, "." or ".." component.
 * - whiteout_kind() MUST never return WH_FILE for a name that is empty,
 *   ".", "..", or contains "/".
 */
#include <limits.h>
#include <string.h>

#include "image/sanitize.h"

int
entrypath_clean(const char *in, char *out, size_t outlen, const char **why)
{
	const char *p = in;
	size_t o = 0;

	*why = NULL;
	if (outlen == 0)
		return -1;
	out[0] = '\0';
	if (in[0] == '/') {
		*why = "absolute path";
		return -1;
	}
	while (*p != '\0') {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* empty or "." component: dropped */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			*why = "\"..\" component";
			return -1;
		} else if (n > NAME_MAX) {
			*why = "component longer than NAME_MAX";
			return -1;
		} else {
			if (o + (o > 0) + n + 1 > outlen ||
			    o + n + 1 > PATH_MAX) {
				*why = "path too long";
				return -1;
			}
			if (o > 0)
				out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
			out[o] = '\0';
		}
		p += n;
		if (*p == '/')
			p++;
	}
	return 0;
}

enum whiteout
whiteout_kind(const char *base, const char **name)
{
	*name = NULL;
	if (strncmp(base, ".wh.", 4) != 0)
		return WH_NONE;
	if (strcmp(base, ".wh..wh..opq") == 0)
		return WH_OPAQUE;
	if (strncmp(base, ".wh..wh.", 8) == 0)
		return WH_META;
	base += 4;
	if (base[0] == '\0' || strcmp(base, ".") == 0 ||
	    strcmp(base, "..") == 0 || strchr(base, '/') != NULL)
		return WH_BAD;
	*name = base;
	return WH_FILE;
}
