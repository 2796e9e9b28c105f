/*
 * store.c: the image store on disk (layout in desc.h, locking in store.h).
 *
 * Invariants:
 * - Every path below STORE_DIR MUST be reached through *at() calls on the
 *   store's directory descriptors, with O_NOFOLLOW on the last component.
 * - A layer MUST appear under layers/<hex> only by renaming a complete
 *   directory out of tmp/ (its files, link and size synced first), and an
 *   image under images/ only by renaming a complete descriptor that was
 *   synced (after syncfs of the store).
 * - A layer MUST be removed only under flock(LOCK_EX|LOCK_NB) on its
 *   directory descriptor, by renaming it into tmp/ first, so a removal
 *   that is interrupted leaves garbage only in tmp/.
 * - gc MUST refuse to collect any layer while any descriptor is unreadable
 *   (its layers might be in use by it); the rest of its work goes on.
 * - An entry of images/ MUST be opened with O_NONBLOCK|O_NOFOLLOW and read
 *   only if it is a regular file; one bad entry never hides the others.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/io.h"
#include "image/blobmap.h"
#include "lib/cleanup.h"
#include "lib/grammar.h"
#include "image/name.h"
#include "image/store.h"

static int
subdir(struct store *s, const char *name, int *fd, struct ctl_err *e)
{
	if (mkdirat(s->fd, name, 0700) == -1 && errno != EEXIST)
		return err_errno(e, "%s/%s", STORE_DIR, name);
	*fd = openat(s->fd, name,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*fd == -1)
		return err_errno(e, "%s/%s", STORE_DIR, name);
	return 0;
}

/* Takes the store lock HOW (LOCK_EX or LOCK_SH); if another command
 * holds it, says so once on stderr, then waits. */
static int
lock_store(int fd, int how)
{
	if (flock(fd, how | LOCK_NB) == 0)
		return 0;
	if (errno != EWOULDBLOCK)
		return -1;
	fflush(stdout);
	fputs("ctr-image: waiting for the store lock (another ctr-image is "
	      "running)\n",
	    stderr);
	while (flock(fd, how) == -1)
		if (errno != EINTR)
			return -1;
	return 0;
}

static int
open_locked(struct store *s, int how, struct ctl_err *e)
{
	struct stat st;

	s->fd = s->images = s->layers = s->l = s->tmp = s->work = -1;
	s->workname[0] = '\0';
	s->warn = NULL;
	s->unread = 0;
	if (mkdir(STORE_DIR, 0700) == -1 && errno != EEXIST)
		return err_errno(e, "%s", STORE_DIR);
	s->fd = open(STORE_DIR,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s->fd == -1)
		return err_errno(e, "%s", STORE_DIR);
	if (fstat(s->fd, &st) == -1)
		return err_errno(e, "%s", STORE_DIR);
	if (st.st_uid != 0)
		return err_set(e, "%s: not owned by root", STORE_DIR);
	if ((st.st_mode & 07777) != 0700 && fchmod(s->fd, 0700) == -1)
		return err_errno(e, "%s: chmod 0700", STORE_DIR);
	if (lock_store(s->fd, how) == -1)
		return err_errno(e, "%s: lock", STORE_DIR);
	if (subdir(s, "images", &s->images, e) == -1 ||
	    subdir(s, "layers", &s->layers, e) == -1 ||
	    subdir(s, "l", &s->l, e) == -1 ||
	    subdir(s, "tmp", &s->tmp, e) == -1)
		return -1;
	return 0;
}

int
store_open(struct store *s, struct ctl_err *e)
{
	return open_locked(s, LOCK_EX, e);
}

int
store_open_shared(struct store *s, struct ctl_err *e)
{
	return open_locked(s, LOCK_SH, e);
}

void
store_close(struct store *s)
{
	if (s->work >= 0) {
		close(s->work);
		img_rmtree_at(s->tmp, s->workname);
	}
	int *fds[] = { &s->images, &s->layers, &s->l, &s->tmp, &s->fd };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	s->work = -1;
}

int
store_clean_tmp(struct store *s, struct ctl_err *e)
{
	if (img_rmtree_contents(s->tmp) == -1)
		return err_errno(e, "%s/tmp: cleaning", STORE_DIR);
	return 0;
}

static void
random_chars(char *out, size_t n, const char *set, size_t setlen)
{
	unsigned char r[64];

	if (getrandom(r, n, 0) != (ssize_t)n)
		for (size_t i = 0; i < n; i++)
			r[i] = (unsigned char)(rand() & 0xff);
	for (size_t i = 0; i < n; i++)
		out[i] = set[r[i] % setlen];
	out[n] = '\0';
}

int
store_mkwork(struct store *s, struct ctl_err *e)
{
	char rnd[9];

	random_chars(rnd, 8, "0123456789abcdef", 16);
	snprintf(s->workname, sizeof(s->workname), "w%ld-%s", (long)getpid(),
	    rnd);
	if (mkdirat(s->tmp, s->workname, 0700) == -1)
		return err_errno(e, "%s/tmp/%s", STORE_DIR, s->workname);
	s->work = openat(s->tmp, s->workname,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s->work == -1)
		return err_errno(e, "%s/tmp/%s", STORE_DIR, s->workname);
	return 0;
}

/* Makes l/<link> point at ../layers/<hex>/diff (atomically replaced). */
static int
fix_link(struct store *s, const char *hex, const char *link, struct ctl_err *e)
{
	char want[128], have[128], tmpn[64];
	ssize_t n;

	snprintf(want, sizeof(want), "../layers/%s/diff", hex);
	n = readlinkat(s->l, link, have, sizeof(have) - 1);
	if (n >= 0) {
		have[n] = '\0';
		if (strcmp(have, want) == 0)
			return 0;
	}
	snprintf(tmpn, sizeof(tmpn), ".new-%s", link);
	unlinkat(s->l, tmpn, 0);
	if (symlinkat(want, s->l, tmpn) == -1 ||
	    renameat(s->l, tmpn, s->l, link) == -1)
		return err_errno(e, "%s/l/%s", STORE_DIR, link);
	return 0;
}

static int
layer_meta(int lfd, char *link, uint64_t *size)
{
	char buf[64], *end;
	unsigned long long v;

	if (img_read_small_at(lfd, "link", buf, sizeof(buf)) == -1 ||
	    !gram_link(buf))
		return -1;
	memcpy(link, buf, DESC_LINK_LEN + 1);
	if (img_read_small_at(lfd, "size", buf, sizeof(buf)) == -1)
		return -1;
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno != 0 || *end != '\0' || end == buf)
		return -1;
	*size = v;
	return 0;
}

int
store_layer_get(struct store *s, const char *hex, char *link, uint64_t *size,
    struct ctl_err *e)
{
	cleanup_close int fd = -1;
	struct stat st;

	fd = openat(s->layers, hex,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT)
		return 0;
	if (fd == -1)
		return err_errno(e, "layer %s", hex);
	if (layer_meta(fd, link, size) == -1 ||
	    fstatat(fd, "diff", &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISDIR(st.st_mode))
		return err_set(e, "layer %s: damaged (no link, size or diff)",
		    hex);
	if (fix_link(s, hex, link, e) == -1)
		return -1;
	return 1;
}

/* Writes NAME below DFD and syncs it. */
static int
write_file_at(int dfd, const char *name, const char *text)
{
	cleanup_close int fd = -1;

	fd = openat(dfd, name,
	    O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1 || io_write_all(fd, text, strlen(text)) == -1 ||
	    fsync(fd) == -1)
		return -1;
	return 0;
}

int
store_layer_commit(struct store *s, const char *dir, const char *hex,
    uint64_t size, char *link, struct ctl_err *e)
{
	cleanup_close int fd = -1;
	char num[32];
	struct stat st;

	fd = openat(s->work, dir,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return err_errno(e, "layer %s", hex);
	do {
		random_chars(link, DESC_LINK_LEN,
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 36);
	} while (fstatat(s->l, link, &st, AT_SYMLINK_NOFOLLOW) == 0);
	snprintf(num, sizeof(num), "%llu\n", (unsigned long long)size);
	/* link and size synced, and their names in the directory, before
	 * the layer is visible: its files were synced by the caller
	 * (syncfs), so layers/<hex> is never found without them. */
	if (write_file_at(fd, "link", link) == -1 ||
	    write_file_at(fd, "size", num) == -1 || fchmod(fd, 0700) == -1 ||
	    fsync(fd) == -1)
		return err_errno(e, "layer %s", hex);
	if (renameat(s->work, dir, s->layers, hex) == -1)
		return err_errno(e, "layer %s: rename into layers/", hex);
	fsync(s->layers);
	return fix_link(s, hex, link, e);
}

int
store_name_check(const char *canon, struct ctl_err *e)
{
	size_t n;

	if (name_fits_store(canon, &n))
		return 0;
	return err_set(e,
	    "%s: name too long for the store (%zu bytes once encoded, at most %d)",
	    canon, n, NAME_STORE_MAX);
}

int
store_desc_write(struct store *s, const struct image_desc *d, struct ctl_err *e)
{
	char enc[3 * NAME_MAX_LEN + 1], tmpn[32];
	cleanup_free char *buf = NULL;
	cleanup_close int fd = -1;
	static unsigned seq;
	size_t len;

	if (store_name_check(d->name, e) == -1)
		return -1;
	if (name_encode(d->name, enc, sizeof(enc)) == -1)
		return err_set(e, "%s: name too long for the store", d->name);
	if (desc_serialize(d, &buf, &len) == -1)
		return err_set(e, "%s: cannot serialise the descriptor",
		    d->name);
	snprintf(tmpn, sizeof(tmpn), "desc.%u", seq++);
	fd = openat(s->work, tmpn,
	    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1 || io_write_all(fd, buf, len) == -1 || fsync(fd) == -1)
		return err_errno(e, "%s: writing the descriptor", d->name);
	if (renameat(s->work, tmpn, s->images, enc) == -1)
		return err_errno(e, "%s: rename into images/", d->name);
	fsync(s->images);
	return 0;
}

int
store_desc_read(struct store *s, const char *canon, struct image_desc **d,
    struct ctl_err *e)
{
	char enc[3 * NAME_MAX_LEN + 1];
	struct ctl_err derr;
	cleanup_close int fd = -1;

	*d = NULL;
	if (name_encode(canon, enc, sizeof(enc)) == -1)
		return err_set(e, "%s: bad name", canon);
	/* O_NONBLOCK: a FIFO planted there must not hang us (holding the
	 * lock); desc_read_fd() refuses anything but a regular file. */
	fd = openat(s->images, enc,
	    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT)
		return err_set(e, "no image %s", canon);
	if (fd == -1)
		return err_errno(e, "%s", canon);
	if (desc_read_fd(fd, d, &derr) == -1)
		return err_set(e, "%s: %.255s", canon, derr.msg);
	if (strcmp((*d)->name, canon) != 0) {
		err_set(e, "%s: descriptor names %.255s", canon, (*d)->name);
		desc_free(*d);
		*d = NULL;
		return -1;
	}
	return 0;
}

int
store_desc_remove(struct store *s, const char *canon, struct ctl_err *e)
{
	char enc[3 * NAME_MAX_LEN + 1];

	if (name_encode(canon, enc, sizeof(enc)) == -1)
		return err_set(e, "%s: bad name", canon);
	if (unlinkat(s->images, enc, 0) == -1) {
		if (errno == ENOENT)
			return err_set(e, "no image %s", canon);
		return err_errno(e, "%s", canon);
	}
	fsync(s->images);
	return 0;
}

static int
by_name(const void *a, const void *b)
{
	const struct image_desc *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

void
store_desc_all_free(struct image_desc **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		desc_free(v[i]);
	free(v);
}

/* One entry of images/ that is not a readable descriptor: counted, and
 * said through s->warn. */
static void
bad_desc(struct store *s, const char *ent, const char *why)
{
	char msg[sizeof(((struct ctl_err *)0)->msg)];

	s->unread++;
	snprintf(msg, sizeof(msg), "%s/images/%.255s: %.600s", STORE_DIR, ent,
	    why);
	if (s->warn != NULL)
		s->warn(msg);
}

int
store_desc_all(struct store *s, struct image_desc ***out, size_t *nout,
    struct ctl_err *e)
{
	struct image_desc **v = NULL, *d;
	size_t n = 0;
	struct dirent *de;
	char canon[NAME_MAX_LEN + 1];
	int fd = openat(s->images, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;

	*out = NULL;
	*nout = 0;
	s->unread = 0;
	if (dir == NULL) {
		if (fd >= 0)
			close(fd);
		return err_errno(e, "%s/images", STORE_DIR);
	}
	while ((de = readdir(dir)) != NULL) {
		struct image_desc **nv;
		struct ctl_err derr = { .line = 0 };

		if (de->d_name[0] == '.')
			continue;
		if (name_decode(de->d_name, canon, sizeof(canon)) == -1) {
			bad_desc(s, de->d_name, "not a descriptor name");
			continue;
		}
		if (store_desc_read(s, canon, &d, &derr) == -1) {
			bad_desc(s, de->d_name, derr.msg);
			continue;
		}
		if ((nv = realloc(v, (n + 1) * sizeof(*v))) == NULL) {
			desc_free(d);
			err_set(e, "out of memory");
			goto fail;
		}
		v = nv;
		v[n++] = d;
	}
	closedir(dir);
	if (n > 0)
		qsort(v, n, sizeof(*v), by_name);
	*out = v;
	*nout = n;
	return 0;
fail:
	closedir(dir);
	store_desc_all_free(v, n);
	return -1;
}

static bool
layer_used(struct image_desc **v, size_t n, const char *hex)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < v[i]->nlayers; j++)
			if (strcmp(v[i]->layers[j].hex, hex) == 0)
				return true;
	return false;
}

int
store_layer_remove(struct store *s, const char *hex, uint64_t *freed,
    struct ctl_err *e)
{
	cleanup_close int fd = -1;
	char link[DESC_LINK_LEN + 1], rm[80], want[128], have[128];
	uint64_t size = 0;
	ssize_t n;

	fd = openat(s->layers, hex,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return errno == ENOENT ? 1 : err_errno(e, "layer %s", hex);
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK)
			return 0;
		return err_errno(e, "layer %s: lock", hex);
	}
	if (layer_meta(fd, link, &size) == 0) {
		snprintf(want, sizeof(want), "../layers/%s/diff", hex);
		n = readlinkat(s->l, link, have, sizeof(have) - 1);
		if (n >= 0) {
			have[n] = '\0';
			if (strcmp(have, want) == 0)
				unlinkat(s->l, link, 0);
		}
	}
	snprintf(rm, sizeof(rm), "rm-%s", hex);
	img_rmtree_at(s->tmp, rm);
	if (renameat(s->layers, hex, s->tmp, rm) == -1)
		return err_errno(e, "layer %s: rename into tmp/", hex);
	if (img_rmtree_at(s->tmp, rm) == -1)
		return err_errno(e, "layer %s: remove", hex);
	*freed += size;
	return 1;
}

/* Removes l/ entries that do not point at a layer whose link they are. */
static unsigned
gc_links(struct store *s)
{
	int fd = openat(s->l, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	unsigned removed = 0;

	if (dir == NULL) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while ((de = readdir(dir)) != NULL) {
		char have[128], hex[65], link[DESC_LINK_LEN + 1];
		uint64_t size;
		ssize_t n;
		int lfd;
		bool ok = false;

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		n = readlinkat(s->l, de->d_name, have, sizeof(have) - 1);
		if (n > 0 && (size_t)n < sizeof(have)) {
			have[n] = '\0';
			if (n == 79 && strncmp(have, "../layers/", 10) == 0 &&
			    strcmp(have + 74, "/diff") == 0) {
				memcpy(hex, have + 10, 64);
				hex[64] = '\0';
				lfd = gram_hex64(hex) ?
				    openat(s->layers, hex,
					O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					    O_CLOEXEC) :
				    -1;
				if (lfd >= 0) {
					ok = layer_meta(lfd, link, &size) ==
						0 &&
					    strcmp(link, de->d_name) == 0;
					close(lfd);
				}
			}
		}
		if (!ok && unlinkat(s->l, de->d_name, 0) == 0)
			removed++;
	}
	closedir(dir);
	return removed;
}

static bool
in_only(const struct image_desc *only, const char *hex)
{
	for (size_t i = 0; i < only->nlayers; i++)
		if (strcmp(only->layers[i].hex, hex) == 0)
			return true;
	return false;
}

int
store_gc(struct store *s, const struct image_desc *only, struct gc_result *r,
    void (*busy)(const char *hex), struct ctl_err *e)
{
	struct image_desc **v = NULL;
	size_t n = 0;
	struct dirent *de;
	int fd, ret = 0;
	DIR *dir;

	memset(r, 0, sizeof(*r));
	if (store_desc_all(s, &v, &n, e) == -1)
		return -1;
	/* A descriptor that cannot be read may name any layer: keep all. */
	r->unread = s->unread;
	fd = openat(s->layers, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dir = fd >= 0 ? fdopendir(fd) : NULL;
	if (dir == NULL) {
		if (fd >= 0)
			close(fd);
		store_desc_all_free(v, n);
		return err_errno(e, "%s/layers", STORE_DIR);
	}
	while ((de = readdir(dir)) != NULL) {
		int k;

		if (r->unread > 0)
			break;
		if (!gram_hex64(de->d_name) || layer_used(v, n, de->d_name) ||
		    (only != NULL && !in_only(only, de->d_name)))
			continue;
		k = store_layer_remove(s, de->d_name, &r->freed, e);
		if (k == -1) {
			ret = -1;
			break;
		}
		if (k == 1) {
			r->removed++;
		} else {
			r->busy++;
			if (busy != NULL)
				busy(de->d_name);
		}
	}
	closedir(dir);
	store_desc_all_free(v, n);
	if (ret == 0 && only == NULL)
		r->links = gc_links(s);
	if (ret == 0) /* no blob -> diff_id record outlives its layer */
		r->maps = blobmap_prune(s);
	return ret;
}
