/*
 * import_scan.c: pass 1 of an import: walks the archive, lists its members
 * and keeps the small metadata ones (manifest.json, index.json, configs,
 * manifests) in memory; then finds a member by name and a blob by digest.
 *
 * Invariants:
 * - The members MUST stay within --max-entries and the buffered metadata
 *   within META_TOTAL bytes, one member within META_MAX.
 * - A blob MUST be returned only when the sha256 of its buffered content
 *   is the digest asked for.
 * - Only libarchive's built-in decompressors MUST be enabled (never
 *   filter_all, which may run external programs as root).
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/import_int.h"
#include "image/sanitize.h"
#include "image/util.h"
#include "lib/grammar.h"

#define META_MAX      (16u << 20)  /* one buffered metadata member */
#define META_TOTAL    (256u << 20) /* all of them */
#define BLOB_META_MAX (4u << 20)   /* a blob we may need as JSON */

/* The decompressors libarchive has built in; never filter_all, which may
 * run external programs (lrzip, grzip, ...) as root on hostile input. */
void
imp_support_filters(struct archive *a)
{
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_zstd(a);
}

struct archive *
imp_outer_open(struct imp *x)
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
	imp_support_filters(a);
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

int
imp_next_member(struct imp *x, struct archive *a, struct archive_entry **ent,
    char name[ENTRYPATH_MAX], bool *named)
{
	const char *raw, *why;
	int r = archive_read_next_header(a, ent);

	if (r == ARCHIVE_EOF)
		return 0;
	if (r < ARCHIVE_WARN)
		return err_set(x->e, "archive: %s", archive_error_string(a));
	raw = archive_entry_pathname(*ent);
	*named = raw != NULL &&
	    entrypath_clean(raw, name, ENTRYPATH_MAX, &why) == 0;
	return 1;
}

/* Pass 1.  Sets *ROOTFS when a member shows a root filesystem tarball. */
int
imp_scan(struct imp *x, bool *rootfs)
{
	struct archive *a = imp_outer_open(x);
	struct archive_entry *ent;
	char name[ENTRYPATH_MAX];
	bool named;
	int r, ret = 0;

	*rootfs = false;
	if (a == NULL)
		return -1;
	while ((r = imp_next_member(x, a, &ent, name, &named)) != 0) {
		if (r == -1) {
			ret = -1;
			break;
		}
		if (!named || !image_member(name)) {
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

struct member *
imp_find_member(struct imp *x, const char *name)
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

/* The buffered blob DIGEST ("sha256:<hex>"), verified. */
struct member *
imp_blob(struct imp *x, const char *digest, const char *what)
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
	if ((m = imp_find_member(x, path)) == NULL || m->data == NULL) {
		err_set(x->e, "%s: blob %s missing or too large", what, digest);
		return NULL;
	}
	img_sha256_hex(m->data, m->len, hex);
	if (strcmp(hex, digest + 7) != 0) {
		err_set(x->e, "%s: blob %s: digest mismatch (content is %s)",
		    what, digest, hex);
		return NULL;
	}
	return m;
}
