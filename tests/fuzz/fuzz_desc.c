/*
 * fuzz_desc.c: desc_parse() on arbitrary bytes.
 *
 * Invariants: desc_parse() MUST never crash, leak or read out of bounds;
 * whatever it accepts MUST serialise and parse back to the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/desc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image_desc *d = NULL, *e = NULL;
	char *buf = NULL, *buf2 = NULL;
	struct ctl_err err;
	size_t len, len2;

	if (desc_parse((const char *)data, size, &d, &err) == -1)
		return 0;
	if (desc_serialize(d, &buf, &len) == -1)
		abort();
	if (desc_parse(buf, len, &e, &err) == -1)
		abort();
	if (desc_serialize(e, &buf2, &len2) == -1 || len != len2 ||
	    memcmp(buf, buf2, len) != 0)
		abort();
	free(buf);
	free(buf2);
	desc_free(d);
	desc_free(e);
	return 0;
}
