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
 * This file holds the entry points, the input and root filesystem
 * tarballs; pass 1 is import_scan.c, the manifests import_manifest.c,
 * pass 2 import_layer.c and the commit import_commit.c (import_int.h).
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
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/io.h"
#include "lib/cleanup.h"
#include "image/blobmap.h"
#include "image/config.h"
#include "image/import_int.h"
#include "image/name.h"
#include "image/util.h"

volatile sig_atomic_t import_interrupted;

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
		if (io_write_all(out, buf, (size_t)n) == -1)
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
	if ((p = imp_new_plan(x)) == NULL ||
	    imp_add_ulayer(x, NULL, "", "", &idx) == -1)
		goto out;
	if (fstat(x->fd, &st) == 0)
		x->ul[idx].size_in = st.st_size;
	if (lseek(x->fd, 0, SEEK_SET) == -1) {
		err_errno(x->e, "archive: seek");
		goto out;
	}
	if (imp_do_layer(x, &x->ul[idx], NULL) == -1)
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
	img_sha256_hex(cfg, strlen(cfg), hex);
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
	struct member *man = imp_find_member(x, "manifest.json");
	struct member *idx = imp_find_member(x, "index.json");

	if (x->o->config != NULL)
		return err_set(x->e,
		    "--config applies only to root filesystem tarballs");
	if (man != NULL && man->data != NULL) {
		if (imp_plan_docker(x, man) == -1)
			return -1;
	} else if (idx != NULL && idx->data != NULL) {
		if (imp_plan_oci(x, idx) == -1)
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
	return imp_pass2(x);
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
	if (o->name != NULL && store_name_check(canon, e) == -1)
		return -1;
	if (store_clean_tmp(s, e) == -1 || store_mkwork(s, e) == -1)
		return -1;
	if (open_input(&x, path) == -1)
		goto out;
	if (imp_scan(&x, &rootfs) == -1)
		goto out;
	if (rootfs ? import_rootfs(&x) == -1 : import_image_archive(&x) == -1)
		goto out;
	r = imp_commit_images(&x);
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
		k = imp_do_layer(x, u, NULL);
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
	if ((p = imp_new_plan(&x)) == NULL ||
	    imp_plan_config(&x, p, b->cfg, b->cfglen, names, b->blobs, b->n) ==
		-1 ||
	    blobs_layers(&x, b) == -1)
		goto out;
	r = imp_commit_images(&x);
out:
	free(names);
	imp_free(&x);
	return r;
}
