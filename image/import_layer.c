/*
 * import_layer.c: pass 2 of an import: streams each layer through a chain
 * of libarchive readers: the member's bytes (sha256 = the blob digest) ->
 * decompression (gzip, zstd, ...; sha256 = the diff_id) -> tar -> our
 * extraction (extract.c) into tmp/.  A layer whose diff_id is already in
 * the store is only hashed, not unpacked.
 *
 * Invariants:
 * - Every expected blob digest and diff_id MUST be checked against the
 *   bytes actually read before the layer is committed; a mismatch fails
 *   the import.
 * - The bytes decompressed across the import MUST stay within --max-size
 *   and the entries within --max-entries.
 * - A layer MUST enter layers/ only by store_layer_commit (rename out of
 *   tmp/), and only at the import's commit (import_commit.c), once every
 *   layer verified; a failed one is removed from tmp/.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "image/extract.h"
#include "image/import_int.h"
#include "image/sanitize.h"
#include "image/util.h"

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
	imp_support_filters(c->raw);
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

/* Makes tmp/<work>/DIR/diff for a layer to unpack: *LFD on DIR, *DFD on
 * its diff. */
static int
layer_mkdir(struct imp *x, const char *dir, int *lfd, int *dfd)
{
	if (mkdirat(x->s->work, dir, 0700) == -1 ||
	    (*lfd = openat(x->s->work, dir,
		 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1 ||
	    mkdirat(*lfd, "diff", 0755) == -1 ||
	    (*dfd = openat(*lfd, "diff",
		 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1 ||
	    fchmod(*dfd, 0755) == -1)
		return err_errno(x->e, "%s/tmp/%s/%s", STORE_DIR,
		    x->s->workname, dir);
	return 0;
}

/* C's two digests and, when it reads x->fd, its buffer (chain_free frees
 * them, also after a failure). */
static int
chain_init(struct chain *c)
{
	c->blob = EVP_MD_CTX_new();
	c->diff = EVP_MD_CTX_new();
	c->buf = c->outer ? NULL : malloc(BUF_SIZE);
	if (c->blob == NULL || c->diff == NULL ||
	    (c->outer == NULL && c->buf == NULL) ||
	    !EVP_DigestInit_ex(c->blob, EVP_sha256(), NULL) ||
	    !EVP_DigestInit_ex(c->diff, EVP_sha256(), NULL))
		return err_set(c->x->e, "out of memory");
	return 0;
}

static void
chain_free(struct chain *c)
{
	EVP_MD_CTX_free(c->blob);
	EVP_MD_CTX_free(c->diff);
	free(c->buf);
}

/* Checks the digests of what C read against those U expects; U's diff
 * becomes the diff_id read, recorded as what U's blob unpacks to. */
static int
layer_verify(struct imp *x, struct ulayer *u, struct chain *c)
{
	char blobhex[65], diffhex[65];

	md_hex(c->blob, blobhex);
	md_hex(c->diff, diffhex);
	if (u->blob[0] != '\0' && strcmp(u->blob, blobhex) != 0)
		return err_set(x->e,
		    "layer %s: blob digest mismatch (content is sha256:%s)",
		    u->member ? u->member : u->blob, blobhex);
	if (u->diff[0] != '\0' && strcmp(u->diff, diffhex) != 0)
		return err_set(x->e,
		    "layer %s: diff_id mismatch (config says sha256:%s, content is sha256:%s)",
		    u->member ? u->member : u->blob, u->diff, diffhex);
	memcpy(u->diff, diffhex, 65);
	u->map = u->blob[0] != '\0'; /* recorded at the commit */
	return 0;
}

/* Keeps layer U, unpacked and verified in tmp/<work>/DIR, for the commit,
 * unless the store has its diff_id already (a root filesystem tarball's
 * is known only once read). */
static int
layer_store(struct imp *x, struct ulayer *u, const char *dir, const char *label,
    struct extract_stats *st)
{
	int k;

	report_sanitised(x, label, st);
	k = store_layer_get(x->s, u->diff, u->link, &u->size, x->e);
	if (k == -1)
		return -1;
	if (k == 0) {
		snprintf(u->stage, sizeof(u->stage), "%s", dir);
		u->size = st->bytes;
	}
	if (k == 1)
		u->present = true;
	return 0;
}

int
imp_do_layer(struct imp *x, struct ulayer *u, struct archive *outer)
{
	struct chain c = { .x = x,
		.outer = outer,
		.hash_blob = u->blob[0] != '\0' };
	struct extract_stats st = { 0 };
	cleanup_close int lfd = -1, dfd = -1;
	char dir[32], label[64], sz[32];
	int ret = -1;

	x->layer_no++;
	snprintf(dir, sizeof(dir), "L%u", x->layer_no);
	snprintf(label, sizeof(label), "layer %u/%zu %.12s", x->layer_no,
	    x->nul, u->diff[0] ? u->diff : "(rootfs)");
	if (!u->present && layer_mkdir(x, dir, &lfd, &dfd) == -1)
		return -1;
	if (chain_init(&c) == -1)
		goto out;
	progress_start(&x->pr, label, (uint64_t)u->size_in);
	if (run_chain(&c, dfd, &st) == -1 || layer_verify(x, u, &c) == -1)
		goto out;
	if (!u->present && layer_store(x, u, dir, label, &st) == -1)
		goto out;
	progress_end(&x->pr, "layer %u/%zu sha256:%.12s: %s %s", x->layer_no,
	    x->nul, u->diff,
	    u->present ? "already present, verified" : "unpacked",
	    img_fmt_size(u->size, sz, sizeof(sz)));
	u->done = true;
	ret = 0;
out:
	chain_free(&c);
	if (ret == -1 && !u->present) {
		img_rmtree_at(x->s->work, dir);
		u->stage[0] = '\0';
	}
	return ret;
}

int
imp_pass2(struct imp *x)
{
	struct archive *a;
	struct archive_entry *ent;
	char name[ENTRYPATH_MAX];
	bool named;
	int r, ret = 0;

	if ((a = imp_outer_open(x)) == NULL)
		return -1;
	while (ret == 0) {
		if ((r = imp_next_member(x, a, &ent, name, &named)) <= 0) {
			ret = r; /* the end (0), or a failure */
			break;
		}
		if (!named || archive_entry_filetype(ent) != AE_IFREG)
			continue;
		for (size_t i = 0; i < x->nul; i++) {
			struct ulayer *u = &x->ul[i];

			if (!u->done && u->member != NULL &&
			    strcmp(u->member, name) == 0) {
				ret = imp_do_layer(x, u, a);
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
