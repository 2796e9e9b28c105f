/*
 * fuzz_entrypath.c: entrypath_clean() and whiteout_kind() on arbitrary
 * strings.
 *
 * Invariants: a cleaned path MUST be relative, without empty, "." or ".."
 * components, and cleaning it again MUST give it back unchanged; a
 * WH_FILE name MUST be one valid component.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/sanitize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_components(const char *s)
{
	const char *p = s;

	if (s[0] == '\0')
		return;
	if (s[0] == '/')
		abort();
	for (;;) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			abort();
		if (end == NULL)
			break;
		p = end + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[ENTRYPATH_MAX * 2], out[ENTRYPATH_MAX], again[ENTRYPATH_MAX];
	const char *why, *name, *base;

	if (size >= sizeof(in))
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	if (entrypath_clean(in, out, sizeof(out), &why) == 0) {
		check_components(out);
		if (entrypath_clean(out, again, sizeof(again), &why) != 0 ||
		    strcmp(out, again) != 0)
			abort();
		base = strrchr(out, '/');
		base = base ? base + 1 : out;
		if (whiteout_kind(base, &name) == WH_FILE) {
			if (name[0] == '\0' || strcmp(name, ".") == 0 ||
			    strcmp(name, "..") == 0 || strchr(name, '/'))
				abort();
		}
	} else if (why == NULL) {
		abort();
	}
	return 0;
}
