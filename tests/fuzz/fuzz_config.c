/*
 * fuzz_config.c: the import tool's image-config reader on arbitrary JSON.
 *
 * Invariants: config_json() and config_fill() MUST never crash or leak;
 * whatever they accept MUST make a descriptor that desc_serialize() writes
 * and desc_parse() reads back.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "image/config.h"
#include "image/desc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_err e = { .line = 0 };
	struct json_object *j = config_json((const char *)data, size, "f", &e);
	struct image_desc *d, *back = NULL;
	char **ids = NULL, *buf = NULL;
	struct ctl_err err;
	size_t n = 0, len;
	unsigned bad;

	if (j == NULL)
		return 0;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		abort();
	if (config_fill(j, d, &ids, &n, &bad, &e) == 0) {
		d->name = strdup("fuzz:latest");
		d->digest = strdup("sha256:0123456789abcdef0123456789abcdef"
				   "0123456789abcdef0123456789abcdef");
		d->layers = calloc(1, sizeof(*d->layers));
		d->nlayers = 1;
		memset(d->layers[0].hex, 'a', DESC_HEX_LEN);
		memset(d->layers[0].link, 'A', DESC_LINK_LEN);
		/* Over DESC_MAX_SIZE is refused by the writer, never mangled. */
		if (desc_serialize(d, &buf, &len) == 0) {
			if (desc_parse(buf, len, &back, &err) == -1)
				abort();
			desc_free(back);
			free(buf);
		}
	}
	for (size_t i = 0; ids != NULL && ids[i] != NULL; i++)
		free(ids[i]);
	free(ids);
	desc_free(d);
	json_object_put(j);
	return 0;
}
