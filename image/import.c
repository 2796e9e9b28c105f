/*
 * import.c: ctr-image import: docker save archives, OCI image-layout
 * archives and root filesystem tarballs into the store.
 *
 * Two passes over the archive (stdin and other non-regular inputs are
 * first spooled into the store's tmp/): pass 1 lists the members and keeps
 * the small metadata ones (manifest.json, index.json, configs, manifests)
 * in memory; pass 2 streams each needed layer member through a chain of
 * libarchive readers: the member's bytes (sha256 = the blob digest) ->
 * decompression (gzip, zstd, ...; sha256 = the diff_id) -> tar -> our
 * extraction (extract.c) into tmp/.  A layer whose diff_id is already in
 * the store is only hashed, not unpacked.  When every digest matched, the
 * new layers are renamed into layers/, the store is synced, and each
 * descriptor is renamed into images/.
 *
 * Invariants:
 * - Every blob digest named by a manifest and every diff_id of the config
 *   MUST be checked against the bytes actually read; any mismatch MUST
 *   abort the import before anything becomes visible.
 * - Nothing MUST become visible in layers/ or images/ except by rename(2)
 *   out of tmp/ (store.c), and an image only after all its layers.
 * - The bytes decompressed across the import MUST stay within --max-size
 *   and the entries within --max-entries.
 * - A layer listed twice in one image MUST be kept once, at its topmost
 *   position (overlayfs refuses a lower directory given twice).
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "image/blobmap.h"
#include "image/config.h"
#include "image/extract.h"
#include "lib/grammar.h"
#include "image/import.h"
#include "image/name.h"
#include "image/origin.h"
#include "image/progress.h"
#include "image/sanitize.h"
#include "image/store.h"

#define BUF_SIZE          (1u << 20)
#define META_MAX          (16u << 20)  /* one buffered metadata member */
#define META_TOTAL        (256u << 20) /* all of them */
#define BLOB_META_MAX     (4u << 20)   /* a blob we may need as JSON */
#define IMPORT_MAX_LAYERS 500          /* overlayfs' OVL_MAX_STACK */

struct member {
	char *name;
	char *link; /* symlink target, cleaned, or NULL */
	int64_t size;
	char *data; /* buffered content, or NULL */
	size_t len;
};

struct ulayer {
	const char *member; /* NULL: the whole input is the layer */
	char blob[65];      /* expected blob digest, "" if unknown */
	char diff[65];      /* expected diff_id ("" for a rootfs tarball) */
	int64_t size_in;    /* member size, for the bar */
	bool present, done;
	char link[DESC_LINK_LEN + 1];
	uint64_t size;
};

struct image_plan {
	char **names;
	size_t nnames;
	struct image_desc *d;
	size_t *idx; /* into ulayers, base first */
	size_t n;
};

struct imp {
	struct store *s;
	const struct import_opts *o;
	struct ctl_err *e;
	struct progress pr;
	int fd;
	struct member *m;
	size_t nm, meta_total;
	struct ulayer *ul;
	size_t nul;
	struct image_plan *im;
	size_t nim;
	uint64_t unz_total, entries;
	unsigned layer_no;
};

volatile sig_atomic_t import_interrupted;

/* Reading helpers. */

/* The decompressors libarchive has built in; never filter_all, which may
 * run external programs (lrzip, grzip, ...) as root on hostile input. */
static void
support_filters(struct archive *a)
{
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_zstd(a);
}

static struct archive *
outer_open(struct imp *x)
{
	struct archive *a;

	if (lseek(x->fd, 0, SEEK_SET) == -1) {
		err_errno(x->e, "archive: seek");
		return NULL;
	}
	if ((a = archive_read_new()) == NULL) {
		err_set(x->e, "out of memory");
		return NULL;
	}
	support_filters(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_fd(a, x->fd, BUF_SIZE) != ARCHIVE_OK) {
		err_set(x->e,
		    "not a tar archive, plain or compressed with gzip, bzip2, xz or zstd (%s)",
		    archive_error_string(a));
		archive_read_free(a);
		return NULL;
	}
	return a;
}

static bool
ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), k = strlen(suf);

	return n >= k && strcmp(s + n - k, suf) == 0;
}

/* Could NAME belong to a docker save or OCI layout?  Anything else means
 * the archive is a root filesystem tarball. */
static bool
image_member(const char *name)
{
	char first[NAME_MAX + 1];
	const char *slash = strchr(name, '/');
	size_t n = slash ? (size_t)(slash - name) : strlen(name);

	if (name[0] == '\0' || strcmp(name, "oci-layout") == 0 ||
	    strcmp(name, "index.json") == 0 ||
	    strcmp(name, "manifest.json") == 0 ||
	    strcmp(name, "repositories") == 0 || strcmp(name, "blobs") == 0 ||
	    strncmp(name, "blobs/", 6) == 0)
		return true;
	if (n > NAME_MAX)
		return false;
	memcpy(first, name, n);
	first[n] = '\0';
	/* "<hex>.json" configs; "<hex>.tar" layers (podman, skopeo). */
	if (slash == NULL && ends_with(first, ".json"))
		first[n - 5] = '\0';
	else if (slash == NULL && ends_with(first, ".tar"))
		first[n - 4] = '\0';
	return gram_hex64(first);
}

static bool
want_buffer(const char *name, int64_t size)
{
	if (size < 0 || size > META_MAX)
		return false;
	if (strncmp(name, "blobs/", 6) == 0)
		return size <= BLOB_META_MAX;
	return ends_with(name, ".json") || strcmp(name, "oci-layout") == 0 ||
	    strcmp(name, "repositories") == 0 || ends_with(name, "/json");
}

static int
add_member(struct imp *x, struct archive *a, struct archive_entry *ent,
    const char *name)
{
	struct member *nm, *m;
	int64_t size = archive_entry_size(ent);

	if ((nm = realloc(x->m, (x->nm + 1) * sizeof(*nm))) == NULL)
		return err_set(x->e, "out of memory");
	x->m = nm;
	m = &x->m[x->nm];
	memset(m, 0, sizeof(*m));
	if ((m->name = strdup(name)) == NULL)
		return err_set(x->e, "out of memory");
	x->nm++;
	m->size = size;
	if (archive_entry_filetype(ent) == AE_IFLNK) {
		/* Resolve relative to the member's directory. */
		const char *t = archive_entry_symlink(ent), *why;
		char joined[2 * ENTRYPATH_MAX], clean[ENTRYPATH_MAX];
		const char *slash = strrchr(name, '/');

		if (t == NULL || t[0] == '/')
			return 0;
		snprintf(joined, sizeof(joined), "%.*s%s%s",
		    slash ? (int)(slash - name) : 0, name, slash ? "/" : "", t);
		/* "a/../b" -> "b": collapse ".." against earlier components. */
		char *parts[512];
		size_t np = 0;
		for (char *save = NULL, *p = strtok_r(joined, "/", &save);
		     p != NULL; p = strtok_r(NULL, "/", &save)) {
			if (strcmp(p, ".") == 0)
				continue;
			if (strcmp(p, "..") == 0) {
				if (np == 0)
					return 0;
				np--;
			} else if (np < 512) {
				parts[np++] = p;
			}
		}
		clean[0] = '\0';
		for (size_t i = 0; i < np; i++) {
			size_t l = strlen(clean);

			snprintf(clean + l, sizeof(clean) - l, "%s%s",
			    i ? "/" : "", parts[i]);
		}
		if (entrypath_clean(clean, joined, sizeof(joined), &why) == 0)
			m->link = strdup(joined);
		return 0;
	}
	if (archive_entry_filetype(ent) != AE_IFREG || !want_buffer(name, size))
		return 0;
	if (x->meta_total + (size_t)size > META_TOTAL)
		return err_set(x->e, "archive: more than %u MiB of metadata",
		    META_TOTAL >> 20);
	if ((m->data = malloc((size_t)size + 1)) == NULL)
		return err_set(x->e, "out of memory");
	la_ssize_t r = archive_read_data(a, m->data, (size_t)size);
	if (r != size)
		return err_set(x->e, "archive: %s: short read", name);
	m->data[size] = '\0';
	m->len = (size_t)size;
	x->meta_total += (size_t)size;
	return 0;
}

/* Pass 1.  Sets *ROOTFS when a member shows a root filesystem tarball. */
static int
scan(struct imp *x, bool *rootfs)
{
	struct archive *a = outer_open(x);
	struct archive_entry *ent;
	char name[ENTRYPATH_MAX];
	const char *why;
	int r, ret = 0;

	*rootfs = false;
	if (a == NULL)
		return -1;
	while ((r = archive_read_next_header(a, &ent)) != ARCHIVE_EOF) {
		if (r < ARCHIVE_WARN) {
			ret = err_set(x->e, "archive: %s",
			    archive_error_string(a));
			break;
		}
		const char *raw = archive_entry_pathname(ent);
		if (raw == NULL ||
		    entrypath_clean(raw, name, sizeof(name), &why) == -1 ||
		    !image_member(name)) {
			*rootfs = true;
			break;
		}
		if (x->nm >= x->o->max_entries) {
			ret = err_set(x->e, "archive: more than %llu members",
			    (unsigned long long)x->o->max_entries);
			break;
		}
		if ((ret = add_member(x, a, ent, name)) == -1)
			break;
	}
	archive_read_free(a);
	if (ret == 0 && x->nm == 0 && !*rootfs)
		*rootfs = true;
	return ret;
}

static struct member *
find_member(struct imp *x, const char *name)
{
	for (int hops = 0; hops < 8; hops++) {
		struct member *m = NULL;

		for (size_t i = 0; i < x->nm; i++)
			if (strcmp(x->m[i].name, name) == 0)
				m = &x->m[i]; /* the last one wins, as tar */
		if (m == NULL || m->link == NULL)
			return m;
		name = m->link;
	}
	return NULL;
}

static void
sha256_hex(const void *buf, size_t len, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	EVP_Digest(buf, len, md, &n, EVP_sha256(), NULL);
	img_hex_encode(md, n, out);
}

/* The buffered blob DIGEST ("sha256:<hex>"), verified. */
static struct member *
blob(struct imp *x, const char *digest, const char *what)
{
	char path[128], hex[65];
	struct member *m;

	if (digest == NULL || strncmp(digest, "sha256:", 7) != 0 ||
	    !gram_hex64(digest + 7)) {
		err_set(x->e, "%s: unsupported digest %s", what,
		    digest ? digest : "(none)");
		return NULL;
	}
	snprintf(path, sizeof(path), "blobs/sha256/%s", digest + 7);
	if ((m = find_member(x, path)) == NULL || m->data == NULL) {
		err_set(x->e, "%s: blob %s missing or too large", what, digest);
		return NULL;
	}
	sha256_hex(m->data, m->len, hex);
	if (strcmp(hex, digest + 7) != 0) {
		err_set(x->e, "%s: blob %s: digest mismatch (content is %s)",
		    what, digest, hex);
		return NULL;
	}
	return m;
}

/* Planning. */

static int
add_ulayer(struct imp *x, const char *member, const char *blobhex,
    const char *diff, size_t *idx)
{
	struct ulayer *n;
	struct member *m = member ? find_member(x, member) : NULL;

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

static struct image_plan *
new_plan(struct imp *x)
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

static int
plan_name(struct imp *x, struct image_plan *p, const char *raw)
{
	char canon[NAME_MAX_LEN + 1];
	char **n;

	if (name_canon(raw, canon, sizeof(canon)) == -1)
		return err_set(x->e, "invalid image name \"%s\"", raw);
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
static int
plan_config(struct imp *x, struct image_plan *p, const char *cfg, size_t cfglen,
    const char **layers, char (*blobs)[65], size_t n)
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
	sha256_hex(cfg, cfglen, hex);
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
		if (add_ulayer(x, layers[i], blobs[i], diff[i],
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
	if ((cm = find_member(x, cfgname)) == NULL || cm->data == NULL)
		return err_set(x->e, "archive: config %s missing", cfgname);
	hex_of_path(cfgname, hex);
	if (hex[0] != '\0') {
		sha256_hex(cm->data, cm->len, chex);
		if (strcmp(hex, chex) != 0)
			return err_set(x->e, "config %s: digest mismatch",
			    cfgname);
	}
	if ((p = new_plan(x)) == NULL)
		return -1;
	if (json_object_object_get_ex(ent, "RepoTags", &tags) &&
	    json_object_is_type(tags, json_type_array))
		for (size_t i = 0; i < json_object_array_length(tags); i++) {
			struct json_object *t = json_object_array_get_idx(tags,
			    i);

			if (x->o->name == NULL &&
			    json_object_is_type(t, json_type_string) &&
			    plan_name(x, p, json_object_get_string(t)) == -1)
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
	r = plan_config(x, p, cm->data, cm->len, names, blobs, n);
out:
	free(names);
	free(blobs);
	return r;
}

static int
plan_docker(struct imp *x, struct member *man)
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

	if ((mm = blob(x, jget_str(desc, "digest"), "manifest")) == NULL)
		return -1;
	if ((man = config_json(mm->data, mm->len, "manifest", x->e)) == NULL)
		return -1;
	if (!json_object_object_get_ex(man, "config", &cfgd) ||
	    !json_object_object_get_ex(man, "layers", &layers) ||
	    !json_object_is_type(layers, json_type_array)) {
		err_set(x->e, "manifest: no config or layers");
		goto out;
	}
	if ((cm = blob(x, jget_str(cfgd, "digest"), "config")) == NULL)
		goto out;
	if ((p = new_plan(x)) == NULL)
		goto out;
	if (refname != NULL && x->o->name == NULL &&
	    plan_name(x, p, refname) == -1)
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
	r = plan_config(x, p, cm->data, cm->len, names, blobs, n);
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

static int
plan_oci(struct imp *x, struct member *idx)
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
			struct member *im = blob(x, jget_str(d, "digest"),
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

/* Pass 2: the reader chain. */

struct chain {
	struct imp *x;
	struct archive *outer; /* member data, or NULL: read x->fd */
	struct archive *raw;
	EVP_MD_CTX *blob, *diff;
	uint64_t raw_done;
	int64_t expect_off;
	bool hash_blob; /* only when a blob digest is expected */
	bool over;
	char *buf;
};

static la_ssize_t
src_read(struct archive *a, void *cd, const void **out)
{
	struct chain *c = cd;
	ssize_t n;

	if (import_interrupted) {
		archive_set_error(a, EINTR, "interrupted");
		return -1;
	}
	if (c->outer != NULL) {
		const void *b;
		size_t size;
		la_int64_t off;
		int r = archive_read_data_block(c->outer, &b, &size, &off);

		if (r == ARCHIVE_EOF)
			return 0;
		if (r != ARCHIVE_OK || off != c->expect_off) {
			archive_set_error(a, EIO, "archive member: %s",
			    r != ARCHIVE_OK ? archive_error_string(c->outer) :
					      "sparse member");
			return -1;
		}
		c->expect_off += (int64_t)size;
		*out = b;
		n = (ssize_t)size;
	} else {
		do {
			n = read(c->x->fd, c->buf, BUF_SIZE);
		} while (n == -1 && errno == EINTR && !import_interrupted);
		if (n == -1) {
			archive_set_error(a, errno, "read");
			return -1;
		}
		*out = c->buf;
	}
	if (c->hash_blob)
		EVP_DigestUpdate(c->blob, *out, (size_t)n);
	c->raw_done += (uint64_t)n;
	progress_update(&c->x->pr, c->raw_done);
	return n;
}

static la_ssize_t
unz_read(struct archive *a, void *cd, const void **out)
{
	struct chain *c = cd;
	const void *b;
	size_t size;
	la_int64_t off;
	int r;

	r = archive_read_data_block(c->raw, &b, &size, &off);
	if (r == ARCHIVE_EOF)
		return 0;
	if (r != ARCHIVE_OK) {
		archive_set_error(a, EIO, "decompressing: %s",
		    archive_error_string(c->raw));
		return -1;
	}
	EVP_DigestUpdate(c->diff, b, size);
	c->x->unz_total += size;
	if (c->x->unz_total > c->x->o->max_size) {
		c->over = true;
		archive_set_error(a, EFBIG, "over --max-size");
		return -1;
	}
	*out = b;
	return (la_ssize_t)size;
}

static la_ssize_t
drain(struct archive *a, void *cd,
    la_ssize_t (*fn)(struct archive *, void *, const void **))
{
	const void *b;
	la_ssize_t n;

	while ((n = fn(a, cd, &b)) > 0)
		;
	return n;
}

/* Streams one layer; extracts into work/<dir>/diff when ROOTFD >= 0. */
static int
run_chain(struct chain *c, int rootfd, struct extract_stats *st)
{
	struct imp *x = c->x;
	struct archive_entry *ent;
	struct archive *tar = NULL;
	int r, ret = -1;

	if ((c->raw = archive_read_new()) == NULL)
		return err_set(x->e, "out of memory");
	support_filters(c->raw);
	archive_read_support_format_raw(c->raw);
	archive_read_support_format_empty(c->raw);
	if (archive_read_open(c->raw, c, NULL, src_read, NULL) != ARCHIVE_OK) {
		err_set(x->e, "layer: %s", archive_error_string(c->raw));
		goto out;
	}
	r = archive_read_next_header(c->raw, &ent);
	if (r != ARCHIVE_OK && r != ARCHIVE_EOF) {
		err_set(x->e, "layer: %s", archive_error_string(c->raw));
		goto out;
	}
	if (r == ARCHIVE_OK && rootfd >= 0) {
		struct extract_opts eo = { .max_entries = x->o->max_entries,
			.max_size = x->o->max_size,
			.entries = &x->entries };

		if ((tar = archive_read_new()) == NULL) {
			err_set(x->e, "out of memory");
			goto out;
		}
		archive_read_support_format_tar(tar);
		archive_read_support_format_empty(tar);
		if (archive_read_open(tar, c, NULL, unz_read, NULL) !=
		    ARCHIVE_OK) {
			err_set(x->e, "layer: %s", archive_error_string(tar));
			goto out;
		}
		if (extract_layer(tar, rootfd, &eo, st, x->e) == -1)
			goto out;
	}
	if (r == ARCHIVE_OK && drain(c->raw, c, unz_read) < 0) {
		err_set(x->e, "layer: %s", archive_error_string(c->raw));
		goto out;
	}
	if (drain(c->raw, c, src_read) < 0) {
		err_set(x->e, "layer: %s", archive_error_string(c->raw));
		goto out;
	}
	ret = 0;
out:
	if (c->over)
		ret = err_set(x->e,
		    "refused: more than %llu bytes decompressed (--max-size)",
		    (unsigned long long)x->o->max_size);
	if (tar != NULL)
		archive_read_free(tar);
	archive_read_free(c->raw);
	c->raw = NULL;
	return ret;
}

static void
md_hex(EVP_MD_CTX *md, char *out)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	EVP_DigestFinal_ex(md, d, &n);
	img_hex_encode(d, n, out);
}

static void
report_sanitised(struct imp *x, const char *what, struct extract_stats *st)
{
	if (st->devices > 0)
		progress_warn(&x->pr,
		    "%s: dropped %llu device nodes, FIFOs or sockets (first: %s)",
		    what, (unsigned long long)st->devices, st->first_device);
	if (st->suid > 0)
		progress_warn(&x->pr,
		    "%s: cleared setuid/setgid bits on %llu entries", what,
		    (unsigned long long)st->suid);
	if (st->xattrs > 0)
		progress_warn(&x->pr,
		    "%s: dropped %llu extended attributes (only user.* are kept)",
		    what, (unsigned long long)st->xattrs);
}

static int
do_layer(struct imp *x, struct ulayer *u, struct archive *outer)
{
	struct chain c = { .x = x,
		.outer = outer,
		.hash_blob = u->blob[0] != '\0' };
	struct extract_stats st = { 0 };
	cleanup_close int lfd = -1, dfd = -1;
	char dir[32], label[64], blobhex[65], diffhex[65], sz[32];
	int ret = -1;

	x->layer_no++;
	snprintf(dir, sizeof(dir), "L%u", x->layer_no);
	snprintf(label, sizeof(label), "layer %u/%zu %.12s", x->layer_no,
	    x->nul, u->diff[0] ? u->diff : "(rootfs)");
	if (!u->present) {
		if (mkdirat(x->s->work, dir, 0700) == -1 ||
		    (lfd = openat(x->s->work, dir,
			 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) ==
			-1 ||
		    mkdirat(lfd, "diff", 0755) == -1 ||
		    (dfd = openat(lfd, "diff",
			 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) ==
			-1 ||
		    fchmod(dfd, 0755) == -1)
			return err_errno(x->e, "%s/tmp/%s/%s", STORE_DIR,
			    x->s->workname, dir);
	}
	c.blob = EVP_MD_CTX_new();
	c.diff = EVP_MD_CTX_new();
	c.buf = outer ? NULL : malloc(BUF_SIZE);
	if (c.blob == NULL || c.diff == NULL ||
	    (outer == NULL && c.buf == NULL) ||
	    !EVP_DigestInit_ex(c.blob, EVP_sha256(), NULL) ||
	    !EVP_DigestInit_ex(c.diff, EVP_sha256(), NULL)) {
		err_set(x->e, "out of memory");
		goto out;
	}
	progress_start(&x->pr, label, (uint64_t)u->size_in);
	if (run_chain(&c, dfd, &st) == -1)
		goto out;
	md_hex(c.blob, blobhex);
	md_hex(c.diff, diffhex);
	if (u->blob[0] != '\0' && strcmp(u->blob, blobhex) != 0) {
		err_set(x->e,
		    "layer %s: blob digest mismatch (content is sha256:%s)",
		    u->member ? u->member : u->blob, blobhex);
		goto out;
	}
	if (u->diff[0] != '\0' && strcmp(u->diff, diffhex) != 0) {
		err_set(x->e,
		    "layer %s: diff_id mismatch (config says sha256:%s, content is sha256:%s)",
		    u->member ? u->member : u->blob, u->diff, diffhex);
		goto out;
	}
	memcpy(u->diff, diffhex, 65);
	if (u->blob[0] != '\0' && blobmap_put(x->s, u->blob, u->diff) == -1)
		progress_warn(&x->pr, "%s: recording its blob: %s", label,
		    strerror(errno));
	if (!u->present) {
		report_sanitised(x, label, &st);
		int k = store_layer_get(x->s, u->diff, u->link, &u->size, x->e);
		if (k == -1)
			goto out;
		if (k == 0 &&
		    store_layer_commit(x->s, dir, u->diff, st.bytes, u->link,
			x->e) == -1)
			goto out;
		if (k == 0)
			u->size = st.bytes;
		if (k == 1)
			u->present = true;
	}
	progress_end(&x->pr, "layer %u/%zu sha256:%.12s: %s %s", x->layer_no,
	    x->nul, u->diff,
	    u->present ? "already present, verified" : "unpacked",
	    img_fmt_size(u->size, sz, sizeof(sz)));
	u->done = true;
	ret = 0;
out:
	EVP_MD_CTX_free(c.blob);
	EVP_MD_CTX_free(c.diff);
	free(c.buf);
	if (ret == -1 && !u->present)
		img_rmtree_at(x->s->work, dir);
	return ret;
}

static int
pass2(struct imp *x)
{
	struct archive *a;
	struct archive_entry *ent;
	char name[ENTRYPATH_MAX];
	const char *why;
	int r, ret = 0;

	if ((a = outer_open(x)) == NULL)
		return -1;
	while (ret == 0 &&
	    (r = archive_read_next_header(a, &ent)) != ARCHIVE_EOF) {
		if (r < ARCHIVE_WARN) {
			ret = err_set(x->e, "archive: %s",
			    archive_error_string(a));
			break;
		}
		const char *raw = archive_entry_pathname(ent);
		if (raw == NULL ||
		    entrypath_clean(raw, name, sizeof(name), &why) == -1 ||
		    archive_entry_filetype(ent) != AE_IFREG)
			continue;
		for (size_t i = 0; i < x->nul; i++) {
			struct ulayer *u = &x->ul[i];

			if (!u->done && u->member != NULL &&
			    strcmp(u->member, name) == 0) {
				ret = do_layer(x, u, a);
				break;
			}
		}
	}
	archive_read_free(a);
	for (size_t i = 0; ret == 0 && i < x->nul; i++)
		if (!x->ul[i].done)
			ret = err_set(x->e, "archive: layer %s missing",
			    x->ul[i].member);
	return ret;
}

/* Input. */

static int
spool(struct imp *x, int in)
{
	static char buf[BUF_SIZE];
	cleanup_close int out = -1;
	uint64_t total = 0;
	ssize_t n;

	out = openat(x->s->work, "input",
	    O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out == -1)
		return err_errno(x->e, "spooling the input");
	for (;;) {
		if (import_interrupted)
			return err_set(x->e, "interrupted");
		n = read(in, buf, BUF_SIZE);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return err_errno(x->e, "reading the input");
		if (n == 0)
			break;
		total += (uint64_t)n;
		if (total > x->o->max_size)
			return err_set(x->e,
			    "refused: input larger than --max-size");
		if (img_write_all(out, buf, (size_t)n) == -1)
			return err_errno(x->e, "spooling the input");
	}
	x->fd = steal_fd(&out);
	return 0;
}

static int
open_input(struct imp *x, const char *path)
{
	struct stat st;
	int fd;

	if (strcmp(path, "-") == 0)
		return spool(x, STDIN_FILENO);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1)
		return err_errno(x->e, "%s", path);
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		x->fd = fd;
		return 0;
	}
	int r = spool(x, fd);
	close(fd);
	return r;
}

static void
now_rfc3339(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int
read_user_config(struct imp *x, struct json_object **out)
{
	cleanup_close int fd = -1;
	cleanup_free char *buf = NULL;
	ssize_t n;

	*out = NULL;
	if (x->o->config == NULL)
		return 0;
	fd = open(x->o->config, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1)
		return err_errno(x->e, "--config %s", x->o->config);
	if ((buf = malloc(1u << 20)) == NULL)
		return err_set(x->e, "out of memory");
	n = read(fd, buf, 1u << 20);
	if (n < 0)
		return err_errno(x->e, "--config %s", x->o->config);
	if (n == 1u << 20)
		return err_set(x->e, "--config %s: larger than 1 MiB",
		    x->o->config);
	*out = config_json(buf, (size_t)n, x->o->config, x->e);
	return *out ? 0 : -1;
}

/* A root filesystem tarball: one layer, config from --config. */
static int
import_rootfs(struct imp *x)
{
	struct json_object *user = NULL, *j = NULL;
	struct image_plan *p;
	struct stat st;
	char created[32], hex[65];
	char *cfg = NULL;
	size_t idx;
	int r = -1;

	if (x->o->name == NULL)
		return err_set(x->e,
		    "not a docker save or OCI archive (no manifest.json or index.json); a root filesystem tarball needs --name");
	if (read_user_config(x, &user) == -1)
		return -1;
	if ((p = new_plan(x)) == NULL ||
	    add_ulayer(x, NULL, "", "", &idx) == -1)
		goto out;
	if (fstat(x->fd, &st) == 0)
		x->ul[idx].size_in = st.st_size;
	if (lseek(x->fd, 0, SEEK_SET) == -1) {
		err_errno(x->e, "archive: seek");
		goto out;
	}
	if (do_layer(x, &x->ul[idx], NULL) == -1)
		goto out;
	now_rfc3339(created, sizeof(created));
	if ((cfg = config_synth(user, x->ul[idx].diff, created, x->e)) == NULL)
		goto out;
	if ((j = config_json(cfg, strlen(cfg), "--config", x->e)) == NULL)
		goto out;
	unsigned badenv = 0;
	char **ids = NULL;
	size_t nids = 0;
	int fr = config_fill(j, p->d, &ids, &nids, &badenv, x->e);
	for (size_t i = 0; ids != NULL && ids[i] != NULL; i++)
		free(ids[i]);
	free(ids);
	if (fr == -1)
		goto out;
	if (badenv > 0)
		progress_warn(&x->pr,
		    "dropped %u Env entries without KEY=", badenv);
	sha256_hex(cfg, strlen(cfg), hex);
	if (asprintf(&p->d->digest, "sha256:%s", hex) == -1) {
		p->d->digest = NULL;
		err_set(x->e, "out of memory");
		goto out;
	}
	if ((p->idx = calloc(1, sizeof(*p->idx))) == NULL) {
		err_set(x->e, "out of memory");
		goto out;
	}
	p->idx[0] = idx;
	p->n = 1;
	r = 0;
out:
	free(cfg);
	json_object_put(j);
	json_object_put(user);
	return r;
}

static int
import_image_archive(struct imp *x)
{
	struct member *man = find_member(x, "manifest.json");
	struct member *idx = find_member(x, "index.json");

	if (x->o->config != NULL)
		return err_set(x->e,
		    "--config applies only to root filesystem tarballs");
	if (man != NULL && man->data != NULL) {
		if (plan_docker(x, man) == -1)
			return -1;
	} else if (idx != NULL && idx->data != NULL) {
		if (plan_oci(x, idx) == -1)
			return -1;
	} else {
		return err_set(x->e,
		    "archive has neither manifest.json nor index.json");
	}
	for (size_t i = 0; x->o->name == NULL && i < x->nim; i++)
		if (x->im[i].nnames == 0)
			return err_set(x->e,
			    "the archive names no image (no tag); give --name");
	for (size_t i = 0; i < x->nul; i++) {
		int k = store_layer_get(x->s, x->ul[i].diff, x->ul[i].link,
		    &x->ul[i].size, x->e);

		if (k == -1)
			return -1;
		x->ul[i].present = k == 1;
	}
	return pass2(x);
}

static void
busy_layer(const char *hex)
{
	printf("layer sha256:%.12s of the replaced image is in use; kept\n",
	    hex);
}

/* Removes the layers of a replaced image that no image uses any more. */
static int
drop_replaced(struct imp *x, const struct image_desc *old)
{
	struct gc_result gr;

	if (store_gc(x->s, old, &gr, x->o->quiet ? NULL : busy_layer, x->e) ==
	    -1)
		return -1;
	if (gr.removed > 0)
		progress_say(&x->pr, "removed %u layers of the replaced image",
		    gr.removed);
	return 0;
}

static int
commit_images(struct imp *x)
{
	char sz[32];

	if (syncfs(x->s->fd) == -1)
		return err_errno(x->e, "syncfs");
	for (size_t i = 0; i < x->nim; i++) {
		struct image_plan *p = &x->im[i];
		struct image_desc *d = p->d;
		uint64_t total = 0;

		if (x->o->name != NULL) {
			for (size_t k = 0; k < p->nnames; k++)
				free(p->names[k]);
			p->nnames = 0;
			if (plan_name(x, p, x->o->name) == -1)
				return -1;
		}
		if (p->nnames == 0)
			return err_set(x->e,
			    "image has no name (tag); give --name");
		if ((d->layers = calloc(p->n, sizeof(*d->layers))) == NULL)
			return err_set(x->e, "out of memory");
		d->nlayers = p->n;
		for (size_t k = 0; k < p->n; k++) {
			struct ulayer *u = &x->ul[p->idx[k]];

			memcpy(d->layers[k].hex, u->diff,
			    sizeof(d->layers[k].hex));
			memcpy(d->layers[k].link, u->link,
			    sizeof(d->layers[k].link));
			d->layers[k].size = u->size;
			total += u->size;
		}
		for (size_t k = 0; k < p->nnames; k++) {
			struct image_desc *old = NULL;
			struct ctl_err ignored = { .line = 0 };

			/* The image this name replaces, if any. */
			if (store_desc_read(x->s, p->names[k], &old,
				&ignored) == -1)
				old = NULL;
			d->name = p->names[k];
			int r = store_desc_write(x->s, d, x->e);
			d->name = NULL;
			if (r == 0 && x->o->origin != NULL &&
			    origin_put(x->s, p->names[k], x->o->origin) == -1)
				progress_warn(&x->pr,
				    "%s: recording its origin: %s", p->names[k],
				    strerror(errno));
			if (r == 0 && old != NULL)
				r = drop_replaced(x, old);
			desc_free(old);
			if (r == -1)
				return -1;
			progress_say(&x->pr,
			    "imported %s (%.19s, %zu layers, %s)", p->names[k],
			    d->digest, p->n,
			    img_fmt_size(total, sz, sizeof(sz)));
		}
	}
	return 0;
}

static void
imp_free(struct imp *x)
{
	for (size_t i = 0; i < x->nm; i++) {
		free(x->m[i].name);
		free(x->m[i].link);
		free(x->m[i].data);
	}
	free(x->m);
	for (size_t i = 0; i < x->nim; i++) {
		for (size_t k = 0; k < x->im[i].nnames; k++)
			free(x->im[i].names[k]);
		free(x->im[i].names);
		free(x->im[i].idx);
		desc_free(x->im[i].d);
	}
	free(x->im);
	free(x->ul);
	if (x->fd >= 0)
		close(x->fd);
}

int
import_archive(struct store *s, const char *path, const struct import_opts *o,
    struct ctl_err *e)
{
	struct imp x = { .s = s, .o = o, .e = e, .fd = -1 };
	char canon[NAME_MAX_LEN + 1];
	bool rootfs;
	int r = -1;

	progress_init(&x.pr, o->quiet);
	if (o->name != NULL && name_canon(o->name, canon, sizeof(canon)) == -1)
		return err_set(e, "invalid image name \"%s\"", o->name);
	if (store_clean_tmp(s, e) == -1 || store_mkwork(s, e) == -1)
		return -1;
	if (open_input(&x, path) == -1)
		goto out;
	if (scan(&x, &rootfs) == -1)
		goto out;
	if (rootfs ? import_rootfs(&x) == -1 : import_image_archive(&x) == -1)
		goto out;
	r = commit_images(&x);
out:
	imp_free(&x);
	return r;
}

/* A layer not fetched: stored, and recorded as what its blob unpacks to
 * (the config's diff_id claim alone never suffices). */
static int
blobs_known(struct imp *x, struct ulayer *u)
{
	char diff[65];

	if (!u->present || blobmap_get(x->s, u->blob, diff) != 1)
		return err_set(x->e, "layer sha256:%s: not fetched", u->blob);
	if (strcmp(diff, u->diff) != 0)
		return err_set(x->e,
		    "layer sha256:%s: diff_id mismatch (config says sha256:%s, the blob unpacks to sha256:%s)",
		    u->blob, u->diff, diff);
	x->layer_no++;
	progress_say(&x->pr, "layer %u/%zu sha256:%.12s: already present",
	    x->layer_no, x->nul, u->diff);
	u->done = true;
	return 0;
}

static int
blobs_layers(struct imp *x, const struct import_blobs *b)
{
	for (size_t i = 0; i < x->nul; i++) {
		struct ulayer *u = &x->ul[i];
		size_t j = 0;
		int k;

		while (j < b->n && strcmp(b->blobs[j], u->blob) != 0)
			j++;
		if (j == b->n)
			return err_set(x->e, "layer sha256:%s: no blob",
			    u->blob);
		k = store_layer_get(x->s, u->diff, u->link, &u->size, x->e);
		if (k == -1)
			return -1;
		u->present = k == 1;
		if (b->fds[j] == -1) {
			if (blobs_known(x, u) == -1)
				return -1;
			continue;
		}
		x->fd = b->fds[j];
		struct stat st;
		if (fstat(x->fd, &st) == 0)
			u->size_in = st.st_size; /* for the bar */
		if (lseek(x->fd, 0, SEEK_SET) == -1) {
			x->fd = -1;
			return err_errno(x->e, "layer sha256:%s", u->blob);
		}
		k = do_layer(x, u, NULL);
		x->fd = -1;
		if (k == -1)
			return -1;
	}
	return 0;
}

int
import_blobs(struct store *s, const struct import_blobs *b,
    const struct import_opts *o, struct ctl_err *e)
{
	struct imp x = { .s = s, .o = o, .e = e, .fd = -1 };
	struct image_plan *p;
	const char **names = NULL;
	int r = -1;

	progress_init(&x.pr, o->quiet);
	if (o->name == NULL)
		return err_set(e, "no image name");
	if ((names = calloc(b->n + 1, sizeof(*names))) == NULL)
		return err_set(e, "out of memory");
	if ((p = new_plan(&x)) == NULL ||
	    plan_config(&x, p, b->cfg, b->cfglen, names, b->blobs, b->n) ==
		-1 ||
	    blobs_layers(&x, b) == -1)
		goto out;
	r = commit_images(&x);
out:
	free(names);
	imp_free(&x);
	return r;
}
