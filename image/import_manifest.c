/*
 * import_manifest.c: reads what an archive says it holds into image plans:
 * a docker save archive's manifest.json, an OCI layout's index.json (and a
 * multi-platform index in it: this host's platform), their manifests and
 * image configs, and the layers to import, once per diff_id.
 *
 * Invariants:
 * - A manifest, config or index read from blobs/ MUST be verified against
 *   its digest (imp_blob); a docker save config named by its digest too.
 * - The config's diff_ids MUST be as many as the manifest's layers; each
 *   layer's expected blob digest and diff_id are recorded for pass 2.
 * - A layer listed twice in one image MUST be kept once, at its topmost
 *   position (overlayfs refuses a lower directory given twice), and an
 *   image MUST NOT stack more than IMPORT_MAX_LAYERS layers.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/config.h"
#include "image/import_int.h"
#include "image/name.h"
#include "image/util.h"
#include "lib/grammar.h"

#define IMPORT_MAX_LAYERS 500 /* overlayfs' OVL_MAX_STACK */

int
imp_add_ulayer(struct imp *x, const char *member, const char *blobhex,
    const char *diff, size_t *idx)
{
	struct ulayer *n;
	struct member *m = member ? imp_find_member(x, member) : NULL;

	if (member != NULL && m == NULL)
		return err_set(x->e, "archive: layer %s missing", member);
	for (size_t i = 0; i < x->nul; i++)
		if (diff[0] != '\0' && strcmp(x->ul[i].diff, diff) == 0) {
			*idx = i;
			return 0;
		}
	if ((n = realloc(x->ul, (x->nul + 1) * sizeof(*n))) == NULL)
		return err_set(x->e, "out of memory");
	x->ul = n;
	memset(&n[x->nul], 0, sizeof(*n));
	n[x->nul].member = m ? m->name : NULL;
	n[x->nul].size_in = m ? m->size : 0;
	snprintf(n[x->nul].blob, sizeof(n->blob), "%s", blobhex);
	snprintf(n[x->nul].diff, sizeof(n->diff), "%s", diff);
	*idx = x->nul++;
	return 0;
}

struct image_plan *
imp_new_plan(struct imp *x)
{
	struct image_plan *n = realloc(x->im, (x->nim + 1) * sizeof(*n));

	if (n == NULL) {
		err_set(x->e, "out of memory");
		return NULL;
	}
	x->im = n;
	memset(&n[x->nim], 0, sizeof(*n));
	if ((n[x->nim].d = calloc(1, sizeof(struct image_desc))) == NULL) {
		err_set(x->e, "out of memory");
		return NULL;
	}
	return &n[x->nim++];
}

int
imp_plan_name(struct imp *x, struct image_plan *p, const char *raw)
{
	char canon[NAME_MAX_LEN + 1];
	char **n;

	if (name_canon(raw, canon, sizeof(canon)) == -1)
		return err_set(x->e, "invalid image name \"%s\"", raw);
	if (store_name_check(canon, x->e) == -1)
		return -1;
	for (size_t i = 0; i < p->nnames; i++)
		if (strcmp(p->names[i], canon) == 0)
			return 0;
	if ((n = realloc(p->names, (p->nnames + 1) * sizeof(*n))) == NULL ||
	    (n[p->nnames] = strdup(canon)) == NULL)
		return err_set(x->e, "out of memory");
	p->names = n;
	p->nnames++;
	return 0;
}

/* Config + layer members -> plan P; LAYERS[i] member names, BLOBS[i]
 * expected blob digests (or ""). */
int
imp_plan_config(struct imp *x, struct image_plan *p, const char *cfg,
    size_t cfglen, const char **layers, char (*blobs)[65], size_t n)
{
	struct json_object *j = config_json(cfg, cfglen, "config", x->e);
	char **diff = NULL, hex[65];
	size_t ndiff = 0;
	unsigned badenv = 0;
	int r = -1;

	if (j == NULL)
		return -1;
	if (config_fill(j, p->d, &diff, &ndiff, &badenv, x->e) == -1)
		goto out;
	if (badenv > 0)
		progress_warn(&x->pr,
		    "dropped %u Env entries without KEY=", badenv);
	img_sha256_hex(cfg, cfglen, hex);
	if (asprintf(&p->d->digest, "sha256:%s", hex) == -1) {
		p->d->digest = NULL;
		err_set(x->e, "out of memory");
		goto out;
	}
	if (ndiff != n) {
		err_set(x->e, "config lists %zu diff_ids for %zu layers", ndiff,
		    n);
		goto out;
	}
	if (n == 0) {
		err_set(x->e, "image has no layers");
		goto out;
	}
	if ((p->idx = calloc(n, sizeof(*p->idx))) == NULL) {
		err_set(x->e, "out of memory");
		goto out;
	}
	/* Topmost occurrence of a diff_id wins. */
	for (size_t i = n; i-- > 0;) {
		bool seen = false;

		for (size_t k = i + 1; k < n; k++)
			if (strcmp(diff[k], diff[i]) == 0)
				seen = true;
		if (seen)
			continue;
		if (imp_add_ulayer(x, layers[i], blobs[i], diff[i],
			&p->idx[p->n]) == -1)
			goto out;
		p->n++;
	}
	for (size_t i = 0; i < p->n / 2; i++) {
		size_t t = p->idx[i];

		p->idx[i] = p->idx[p->n - 1 - i];
		p->idx[p->n - 1 - i] = t;
	}
	if (p->n > IMPORT_MAX_LAYERS) {
		err_set(x->e,
		    "image has %zu layers; overlayfs stacks at most %d", p->n,
		    IMPORT_MAX_LAYERS);
		goto out;
	}
	r = 0;
out:
	for (size_t i = 0; diff != NULL && diff[i] != NULL; i++)
		free(diff[i]);
	free(diff);
	json_object_put(j);
	return r;
}

static const char *
jget_str(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* "blobs/sha256/<hex>" or "<hex>.json" -> hex, else "". */
static void
hex_of_path(const char *path, char *hex)
{
	const char *b = strrchr(path, '/');

	hex[0] = '\0';
	b = b ? b + 1 : path;
	if (strlen(b) >= 64 &&
	    (b[64] == '\0' || strcmp(b + 64, ".json") == 0)) {
		memcpy(hex, b, 64);
		hex[64] = '\0';
		if (!gram_hex64(hex) ||
		    (b[64] == '\0' && strncmp(path, "blobs/sha256/", 13) != 0))
			hex[0] = '\0';
	}
}

static int
plan_docker_one(struct imp *x, struct json_object *ent)
{
	struct json_object *tags, *layers;
	const char *cfgname = jget_str(ent, "Config");
	struct image_plan *p;
	struct member *cm;
	char hex[65], chex[65];
	size_t n;

	if (cfgname == NULL ||
	    !json_object_object_get_ex(ent, "Layers", &layers) ||
	    !json_object_is_type(layers, json_type_array))
		return err_set(x->e,
		    "manifest.json: entry without Config or Layers");
	if ((cm = imp_find_member(x, cfgname)) == NULL || cm->data == NULL)
		return err_set(x->e, "archive: config %s missing", cfgname);
	hex_of_path(cfgname, hex);
	if (hex[0] != '\0') {
		img_sha256_hex(cm->data, cm->len, chex);
		if (strcmp(hex, chex) != 0)
			return err_set(x->e, "config %s: digest mismatch",
			    cfgname);
	}
	if ((p = imp_new_plan(x)) == NULL)
		return -1;
	if (json_object_object_get_ex(ent, "RepoTags", &tags) &&
	    json_object_is_type(tags, json_type_array))
		for (size_t i = 0; i < json_object_array_length(tags); i++) {
			struct json_object *t = json_object_array_get_idx(tags,
			    i);

			if (x->o->name == NULL &&
			    json_object_is_type(t, json_type_string) &&
			    imp_plan_name(x, p, json_object_get_string(t)) ==
				-1)
				return -1;
		}
	n = json_object_array_length(layers);
	if (n > 4 * DESC_MAX_LAYERS)
		return err_set(x->e, "image has %zu layers", n);
	const char **names = calloc(n + 1, sizeof(*names));
	char(*blobs)[65] = calloc(n + 1, sizeof(*blobs));
	int r = -1;
	if (names == NULL || blobs == NULL) {
		err_set(x->e, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *l = json_object_array_get_idx(layers, i);

		if (!json_object_is_type(l, json_type_string)) {
			err_set(x->e, "manifest.json: layer %zu is not a path",
			    i);
			goto out;
		}
		names[i] = json_object_get_string(l);
		hex_of_path(names[i], blobs[i]);
		if (strncmp(names[i], "blobs/", 6) != 0)
			blobs[i][0] = '\0'; /* "<id>/layer.tar": no digest */
	}
	r = imp_plan_config(x, p, cm->data, cm->len, names, blobs, n);
out:
	free(names);
	free(blobs);
	return r;
}

int
imp_plan_docker(struct imp *x, struct member *man)
{
	struct json_object *j;
	struct json_tokener *tok;
	int r = 0;

	tok = json_tokener_new();
	j = tok ? json_tokener_parse_ex(tok, man->data, (int)man->len) : NULL;
	if (tok)
		json_tokener_free(tok);
	if (!json_object_is_type(j, json_type_array) ||
	    json_object_array_length(j) == 0) {
		json_object_put(j);
		return err_set(x->e, "manifest.json: not a list of images");
	}
	if (x->o->name != NULL && json_object_array_length(j) > 1) {
		json_object_put(j);
		return err_set(x->e,
		    "archive holds %zu images; --name needs one",
		    json_object_array_length(j));
	}
	for (size_t i = 0; r == 0 && i < json_object_array_length(j); i++)
		r = plan_docker_one(x, json_object_array_get_idx(j, i));
	json_object_put(j);
	return r;
}

static bool
is_index_type(const char *mt)
{
	return mt != NULL &&
	    (strcmp(mt, "application/vnd.oci.image.index.v1+json") == 0 ||
		strcmp(mt,
		    "application/vnd.docker.distribution.manifest.list.v2+json") ==
		    0);
}

static int
plan_oci_manifest(struct imp *x, struct json_object *desc, const char *refname)
{
	struct json_object *man = NULL, *cfgd, *layers;
	struct member *mm, *cm;
	struct image_plan *p;
	int r = -1;

	if ((mm = imp_blob(x, jget_str(desc, "digest"), "manifest")) == NULL)
		return -1;
	if ((man = config_json(mm->data, mm->len, "manifest", x->e)) == NULL)
		return -1;
	if (!json_object_object_get_ex(man, "config", &cfgd) ||
	    !json_object_object_get_ex(man, "layers", &layers) ||
	    !json_object_is_type(layers, json_type_array)) {
		err_set(x->e, "manifest: no config or layers");
		goto out;
	}
	if ((cm = imp_blob(x, jget_str(cfgd, "digest"), "config")) == NULL)
		goto out;
	if ((p = imp_new_plan(x)) == NULL)
		goto out;
	if (refname != NULL && x->o->name == NULL &&
	    imp_plan_name(x, p, refname) == -1)
		goto out;
	size_t n = json_object_array_length(layers);
	if (n > 4 * DESC_MAX_LAYERS) {
		err_set(x->e, "image has %zu layers", n);
		goto out;
	}
	char path[80];
	char(*blobs)[65] = calloc(n + 1, sizeof(*blobs));
	char(*paths)[80] = calloc(n + 1, sizeof(*paths));
	const char **names = calloc(n + 1, sizeof(*names));
	if (blobs == NULL || paths == NULL || names == NULL) {
		err_set(x->e, "out of memory");
		goto out2;
	}
	for (size_t i = 0; i < n; i++) {
		const char *d = jget_str(json_object_array_get_idx(layers, i),
		    "digest");

		if (d == NULL || strncmp(d, "sha256:", 7) != 0 ||
		    !gram_hex64(d + 7)) {
			err_set(x->e, "manifest: layer %zu: unsupported digest",
			    i);
			goto out2;
		}
		snprintf(path, sizeof(path), "blobs/sha256/%s", d + 7);
		memcpy(paths[i], path, sizeof(path));
		names[i] = paths[i];
		memcpy(blobs[i], d + 7, 65);
	}
	r = imp_plan_config(x, p, cm->data, cm->len, names, blobs, n);
out2:
	free(blobs);
	free(paths);
	free(names);
out:
	json_object_put(man);
	return r;
}

static const char *
oci_refname(struct json_object *desc)
{
	struct json_object *ann;
	const char *n;

	if (!json_object_object_get_ex(desc, "annotations", &ann))
		return NULL;
	if ((n = jget_str(ann, "io.containerd.image.name")) != NULL)
		return n;
	n = jget_str(ann, "org.opencontainers.image.ref.name");
	if (n != NULL && (strchr(n, ':') != NULL || strchr(n, '/') != NULL))
		return n;
	return NULL;
}

static bool
platform_ok(struct json_object *desc)
{
	struct json_object *pl;
	const char *os, *arch;

	if (!json_object_object_get_ex(desc, "platform", &pl))
		return true;
	os = jget_str(pl, "os");
	arch = jget_str(pl, "architecture");
#if defined(__x86_64__)
	const char *me = "amd64";
#elif defined(__aarch64__)
	const char *me = "arm64";
#else
	const char *me = "";
#endif
	return (os == NULL || strcmp(os, "linux") == 0) &&
	    (arch == NULL || strcmp(arch, me) == 0);
}

int
imp_plan_oci(struct imp *x, struct member *idx)
{
	struct json_object *j, *mans;
	size_t n;
	int r = 0;

	if ((j = config_json(idx->data, idx->len, "index.json", x->e)) == NULL)
		return -1;
	if (!json_object_object_get_ex(j, "manifests", &mans) ||
	    !json_object_is_type(mans, json_type_array) ||
	    (n = json_object_array_length(mans)) == 0) {
		json_object_put(j);
		return err_set(x->e, "index.json: no manifests");
	}
	if (x->o->name != NULL && n > 1) {
		json_object_put(j);
		return err_set(x->e,
		    "archive holds %zu images; --name needs one", n);
	}
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct json_object *d = json_object_array_get_idx(mans, i);
		const char *ref = oci_refname(d);

		if (is_index_type(jget_str(d, "mediaType"))) {
			/* A multi-platform index: take this host's platform. */
			struct member *im = imp_blob(x, jget_str(d, "digest"),
			    "index");
			struct json_object *sub, *sm;
			bool found = false;

			if (im == NULL ||
			    (sub = config_json(im->data, im->len, "index",
				 x->e)) == NULL) {
				r = -1;
				break;
			}
			if (json_object_object_get_ex(sub, "manifests", &sm) &&
			    json_object_is_type(sm, json_type_array))
				for (size_t k = 0;
				     !found && k < json_object_array_length(sm);
				     k++) {
					struct json_object *md =
					    json_object_array_get_idx(sm, k);

					if (!platform_ok(md))
						continue;
					found = true;
					r = plan_oci_manifest(x, md, ref);
				}
			json_object_put(sub);
			if (!found)
				r = err_set(x->e,
				    "index: no manifest for this platform");
		} else {
			r = plan_oci_manifest(x, d, ref);
		}
	}
	json_object_put(j);
	return r;
}
