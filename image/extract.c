/*
 * extract.c: unpacks one layer tar stream below a layer directory, with
 * libarchive's read API and our own *at() calls (never archive_write_disk).
 *
 * Every entry path is cleaned by entrypath_clean() (absolute paths and
 * ".." refuse the import); its parent directory is opened below the layer
 * directory with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), or one
 * component at a time with O_NOFOLLOW, creating missing parents (root
 * 0755); the last component is created with mkdirat, openat(O_CREAT |
 * O_EXCL | O_NOFOLLOW), symlinkat, linkat or mknodat on that descriptor.
 *
 * Invariants:
 * - Nothing MUST be created, changed or removed outside ROOTFD: a parent
 *   that is a symlink (or not a directory) refuses the import.
 * - A hardlink MUST name an existing non-directory entry of this layer.
 * - Device nodes, FIFOs and sockets MUST be dropped (counted).
 * - Setuid and setgid bits MUST be cleared; extended attributes other than
 *   user.* (trusted.*, security.*, system.*) MUST be dropped (counted).
 * - ".wh.NAME" MUST become a 0/0 character device NAME and ".wh..wh..opq"
 *   the xattr trusted.overlay.opaque="y" on its directory; a whiteout
 *   without a valid name refuses the import.
 * - The entry count MUST stay within max_entries, and no file (a sparse
 *   one included) MUST be larger than max_size: its declared size is
 *   checked first, and no data block may end past that size.
 * - The directory times kept until the layer's end (with their paths)
 *   MUST stay within DIRTIME_BUDGET (64 MiB); a layer needing more is
 *   refused.
 * - Owners, modes (less setuid/setgid) and mtimes MUST be those of the
 *   archive.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "image/extract.h"
#include "image/sanitize.h"

struct dirtime {
	char *path;
	struct timespec ts[2];
};

struct xctx {
	struct archive *a;
	int root;
	const struct extract_opts *o;
	struct extract_stats *st;
	struct ctl_err *e;
	char cpath[ENTRYPATH_MAX]; /* path of the cached parent */
	int cfd;                   /* its descriptor, or -1 */
	struct dirtime *dt;
	size_t ndt, capdt;
	size_t dtbytes; /* memory the pending directory times hold */
};

/* The directory times a layer may keep pending until its end. */
#define DIRTIME_BUDGET (64u << 20)

/* A one-line, printable copy of an archive path for messages. */
static const char *
esc(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	if (len > 160)
		len = 160; /* keep the message on one readable line */
	for (; s != NULL && *s != '\0' && o + 5 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f) {
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
		} else {
			buf[o++] = (char)c;
		}
	}
	buf[o] = '\0';
	return buf;
}

static int
xerr(struct xctx *x, const char *path, const char *why)
{
	char b[512];

	return err_set(x->e, "entry \"%s\": %s", esc(path, b, sizeof(b)), why);
}

static int
xerrno(struct xctx *x, const char *path, const char *what)
{
	char b[512];

	return err_errno(x->e, "entry \"%s\": %s", esc(path, b, sizeof(b)),
	    what);
}

/* Opens directory PATH below the root without following any symlink. */
static int
walk(struct xctx *x, const char *path, bool create)
{
	struct open_how how = {
		.flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
		    RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	char buf[ENTRYPATH_MAX], *p, *slash;
	int fd, cur;

	if (path[0] == '\0')
		return openat(x->root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fd = (int)syscall(SYS_openat2, x->root, path, &how, sizeof(how));
	if (fd >= 0 || (errno != ENOENT && errno != ENOSYS))
		return fd;
	snprintf(buf, sizeof(buf), "%s", path);
	cur = openat(x->root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (p = buf; cur >= 0 && p != NULL; p = slash) {
		if ((slash = strchr(p, '/')) != NULL)
			*slash++ = '\0';
		fd = openat(cur, p,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd == -1 && errno == ENOENT && create) {
			if (mkdirat(cur, p, 0755) == -1 && errno != EEXIST) {
				close(cur);
				return -1;
			}
			fd = openat(cur, p,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			/* Implicit parents: root 0755 whatever the umask. */
			if (fd >= 0 && fchmod(fd, 0755) == -1) {
				close(fd);
				fd = -1;
			}
		}
		close(cur);
		cur = fd;
	}
	return cur;
}

static void
uncache(struct xctx *x)
{
	if (x->cfd >= 0)
		close(x->cfd);
	x->cfd = -1;
	x->cpath[0] = '\0';
}

/* The parent directory PATH, cached; the descriptor stays owned by X. */
static int
parent(struct xctx *x, const char *path, const char *entry)
{
	int fd;

	if (x->cfd >= 0 && strcmp(x->cpath, path) == 0)
		return x->cfd;
	uncache(x);
	if ((fd = walk(x, path, true)) == -1) {
		if (errno == ELOOP || errno == ENOTDIR || errno == EXDEV)
			return xerr(x, entry,
			    "refused: its parent is a symlink or not a directory");
		return xerrno(x, entry, "parent directory");
	}
	snprintf(x->cpath, sizeof(x->cpath), "%s", path);
	x->cfd = fd;
	return fd;
}

/* Removes whatever NAME is below PFD (recursively for directories). */
static int
remove_existing(struct xctx *x, int pfd, const char *name)
{
	struct stat st;

	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(pfd, name, 0);
	/* The cached parent may lie below it; never reuse it. */
	if (x->cfd != pfd)
		uncache(x);
	return img_rmtree_at(pfd, name);
}

static int
owner(struct xctx *x, struct archive_entry *ent, const char *path, uid_t *u,
    gid_t *g)
{
	la_int64_t uid = archive_entry_uid(ent), gid = archive_entry_gid(ent);

	if (uid < 0 || uid > 0xfffffffe || gid < 0 || gid > 0xfffffffe)
		return xerr(x, path, "refused: uid or gid out of range");
	*u = (uid_t)uid;
	*g = (gid_t)gid;
	return 0;
}

static void
entry_times(struct archive_entry *ent, struct timespec ts[2])
{
	ts[1].tv_sec = archive_entry_mtime(ent);
	ts[1].tv_nsec = archive_entry_mtime_nsec(ent);
	if (ts[1].tv_nsec < 0 || ts[1].tv_nsec >= 1000000000)
		ts[1].tv_nsec = 0;
	ts[0] = ts[1];
}

/* Owner, mode, user.* xattrs and (unless a directory) times, on FD. */
static int
meta_fd(struct xctx *x, int fd, struct archive_entry *ent, const char *path,
    bool is_dir)
{
	mode_t perm = archive_entry_perm(ent) & 07777;
	struct timespec ts[2];
	const char *name;
	const void *val;
	size_t sz;
	uid_t u = 0;
	gid_t g = 0;

	if (owner(x, ent, path, &u, &g) == -1)
		return -1;
	if (fchown(fd, u, g) == -1)
		return xerrno(x, path, "chown");
	if (perm & 06000) {
		x->st->suid++;
		perm &= ~(mode_t)06000;
	}
	if (fchmod(fd, perm) == -1)
		return xerrno(x, path, "chmod");
	archive_entry_xattr_reset(ent);
	while (archive_entry_xattr_next(ent, &name, &val, &sz) == ARCHIVE_OK) {
		if (strncmp(name, "user.", 5) != 0) {
			x->st->xattrs++;
			continue;
		}
		if (fsetxattr(fd, name, val, sz, 0) == -1)
			return xerrno(x, path, "setxattr");
	}
	if (is_dir)
		return 0;
	entry_times(ent, ts);
	if (futimens(fd, ts) == -1)
		return xerrno(x, path, "utimens");
	return 0;
}

static int
write_at(int fd, const char *buf, size_t len, off_t off)
{
	while (len > 0) {
		ssize_t n = pwrite(fd, buf, len, off);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

static int
do_file(struct xctx *x, int pfd, const char *base, const char *path,
    struct archive_entry *ent)
{
	cleanup_close int fd = -1;
	const void *buf;
	size_t size;
	la_int64_t off, end = 0, want = archive_entry_size(ent);
	int r;

	/* Refused before anything is made; every data block is then held
	 * within this size below. */
	if (want < 0 || (uint64_t)want > x->o->max_size)
		return xerr(x, path, "refused: larger than --max-size");
	fd = openat(pfd, base,
	    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1 && errno == EEXIST) {
		if (remove_existing(x, pfd, base) == -1)
			return xerrno(x, path, "replace");
		fd = openat(pfd, base,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	}
	if (fd == -1)
		return xerrno(x, path, "create");
	while ((r = archive_read_data_block(x->a, &buf, &size, &off)) ==
	    ARCHIVE_OK) {
		/* A sparse entry's map places blocks anywhere: none may end
		 * past the size it declares (which --max-size bounds). */
		if (off < 0 || off > want || (la_int64_t)size > want - off)
			return xerr(x, path,
			    "refused: data beyond its declared size");
		if (write_at(fd, buf, size, (off_t)off) == -1)
			return xerrno(x, path, "write");
		if (off + (la_int64_t)size > end)
			end = off + (la_int64_t)size;
	}
	if (r != ARCHIVE_EOF)
		return err_set(x->e, "layer data: %s",
		    archive_error_string(x->a));
	if (want > end && ftruncate(fd, (off_t)want) == -1)
		return xerrno(x, path, "truncate");
	if (want > 0)
		x->st->bytes += (uint64_t)want;
	/* Start writeback now, so the final syncfs has little left to do. */
	if (end > 0)
		sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	return meta_fd(x, fd, ent, path, false);
}

static int
push_dirtime(struct xctx *x, const char *path, struct archive_entry *ent)
{
	x->dtbytes += sizeof(struct dirtime) * 2 + strlen(path) + 1;
	if (x->dtbytes > DIRTIME_BUDGET)
		return xerr(x, path,
		    "refused: the layer's directories hold more than 64 MiB of paths");
	if (x->ndt == x->capdt) {
		size_t cap = x->capdt ? 2 * x->capdt : 64;
		struct dirtime *n = realloc(x->dt, cap * sizeof(*n));

		if (n == NULL)
			return err_set(x->e, "out of memory");
		x->dt = n;
		x->capdt = cap;
	}
	if ((x->dt[x->ndt].path = strdup(path)) == NULL)
		return err_set(x->e, "out of memory");
	entry_times(ent, x->dt[x->ndt].ts);
	x->ndt++;
	return 0;
}

static int
do_dir(struct xctx *x, int pfd, const char *base, const char *path,
    struct archive_entry *ent)
{
	cleanup_close int fd = -1;
	struct stat st;

	if (path[0] == '\0') {
		fd = openat(x->root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	} else {
		if (mkdirat(pfd, base, 0700) == -1) {
			if (errno != EEXIST)
				return xerrno(x, path, "mkdir");
			if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == -1)
				return xerrno(x, path, "stat");
			if (!S_ISDIR(st.st_mode) &&
			    (unlinkat(pfd, base, 0) == -1 ||
				mkdirat(pfd, base, 0700) == -1))
				return xerrno(x, path, "replace");
		}
		fd = openat(pfd, base,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd == -1)
		return xerrno(x, path, "open directory");
	if (meta_fd(x, fd, ent, path, true) == -1)
		return -1;
	return push_dirtime(x, path, ent);
}

static int
do_symlink(struct xctx *x, int pfd, const char *base, const char *path,
    struct archive_entry *ent)
{
	const char *target = archive_entry_symlink(ent);
	struct timespec ts[2];
	uid_t u = 0;
	gid_t g = 0;

	if (target == NULL || target[0] == '\0')
		return xerr(x, path, "refused: symlink without a target");
	if (symlinkat(target, pfd, base) == -1) {
		if (errno != EEXIST || remove_existing(x, pfd, base) == -1 ||
		    symlinkat(target, pfd, base) == -1)
			return xerrno(x, path, "symlink");
	}
	if (owner(x, ent, path, &u, &g) == -1)
		return -1;
	if (fchownat(pfd, base, u, g, AT_SYMLINK_NOFOLLOW) == -1)
		return xerrno(x, path, "chown");
	entry_times(ent, ts);
	if (utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) == -1)
		return xerrno(x, path, "utimens");
	return 0;
}

static int
do_hardlink(struct xctx *x, int pfd, const char *base, const char *path,
    const char *rawtarget)
{
	char tpath[ENTRYPATH_MAX], *tbase;
	cleanup_close int tfd = -1;
	const char *why;
	struct stat st, cur;

	if (entrypath_clean(rawtarget, tpath, sizeof(tpath), &why) == -1) {
		char b[512];

		return err_set(x->e,
		    "entry \"%s\": refused: hardlink target: %s",
		    esc(path, b, sizeof(b)), why);
	}
	if (tpath[0] == '\0')
		return xerr(x, path, "refused: hardlink to the layer root");
	tbase = strrchr(tpath, '/');
	if (tbase != NULL) {
		*tbase++ = '\0';
		tfd = walk(x, tpath, false);
	} else {
		tbase = tpath;
		tfd = walk(x, "", false);
	}
	if (tfd == -1 || fstatat(tfd, tbase, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return xerr(x, path,
		    "refused: hardlink target is not an earlier entry of the layer");
	if (S_ISDIR(st.st_mode))
		return xerr(x, path, "refused: hardlink to a directory");
	if (fstatat(pfd, base, &cur, AT_SYMLINK_NOFOLLOW) == 0) {
		if (cur.st_ino == st.st_ino && cur.st_dev == st.st_dev)
			return 0;
		if (remove_existing(x, pfd, base) == -1)
			return xerrno(x, path, "replace");
	}
	if (linkat(tfd, tbase, pfd, base, 0) == -1)
		return xerrno(x, path, "link");
	return 0;
}

static int
do_whiteout(struct xctx *x, int pfd, enum whiteout k, const char *name,
    const char *path)
{
	x->st->whiteouts++;
	if (k == WH_OPAQUE) {
		if (fsetxattr(pfd, "trusted.overlay.opaque", "y", 1, 0) == -1)
			return xerrno(x, path, "set trusted.overlay.opaque");
		return 0;
	}
	if (remove_existing(x, pfd, name) == -1)
		return xerrno(x, path, "replace");
	if (mknodat(pfd, name, S_IFCHR | 0, makedev(0, 0)) == -1)
		return xerrno(x, path, "whiteout mknod");
	if (fchownat(pfd, name, 0, 0, AT_SYMLINK_NOFOLLOW) == -1)
		return xerrno(x, path, "whiteout chown");
	return 0;
}

static int
one_entry(struct xctx *x, struct archive_entry *ent)
{
	const char *raw = archive_entry_pathname(ent), *why, *base, *whname;
	const char *hl = archive_entry_hardlink(ent);
	char path[ENTRYPATH_MAX], dir[ENTRYPATH_MAX];
	mode_t type = archive_entry_filetype(ent);
	enum whiteout k;
	char *slash;
	int pfd;

	if (raw == NULL)
		return err_set(x->e, "entry without a path name");
	if (entrypath_clean(raw, path, sizeof(path), &why) == -1) {
		char b[512];

		return err_set(x->e, "entry \"%s\": refused: %s",
		    esc(raw, b, sizeof(b)), why);
	}
	if (path[0] == '\0') {
		if (hl != NULL || type != AE_IFDIR)
			return xerr(x, raw,
			    "refused: the layer root must be a directory");
		return do_dir(x, -1, "", path, ent);
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		base = slash + 1;
	} else {
		dir[0] = '\0';
		base = path;
	}
	k = whiteout_kind(base, &whname);
	if (k == WH_BAD)
		return xerr(x, path, "refused: whiteout without a valid name");
	if (k == WH_META)
		return 0;
	if (hl == NULL && k == WH_NONE &&
	    (type == AE_IFCHR || type == AE_IFBLK || type == AE_IFIFO ||
		type == AE_IFSOCK)) {
		if (x->st->devices++ == 0)
			snprintf(x->st->first_device,
			    sizeof(x->st->first_device), "%.200s", path);
		return 0;
	}
	if ((pfd = parent(x, dir, path)) == -1)
		return -1;
	if (k != WH_NONE)
		return do_whiteout(x, pfd, k, whname, path);
	if (hl != NULL)
		return do_hardlink(x, pfd, base, path, hl);
	switch (type) {
	case AE_IFREG:
		return do_file(x, pfd, base, path, ent);
	case AE_IFDIR:
		return do_dir(x, pfd, base, path, ent);
	case AE_IFLNK:
		return do_symlink(x, pfd, base, path, ent);
	default:
		return xerr(x, path, "refused: unknown entry type");
	}
}

static void
apply_dirtimes(struct xctx *x)
{
	for (size_t i = x->ndt; i-- > 0;) {
		char *p = x->dt[i].path, *slash = strrchr(p, '/');
		int fd;

		if (p[0] == '\0') {
			futimens(x->root, x->dt[i].ts);
			continue;
		}
		if (slash != NULL)
			*slash = '\0';
		fd = walk(x, slash ? p : "", false);
		if (fd >= 0) {
			utimensat(fd, slash ? slash + 1 : p, x->dt[i].ts,
			    AT_SYMLINK_NOFOLLOW);
			close(fd);
		}
	}
}

int
extract_layer(struct archive *a, int rootfd, const struct extract_opts *o,
    struct extract_stats *st, struct ctl_err *e)
{
	struct xctx x = { .a = a,
		.root = rootfd,
		.o = o,
		.st = st,
		.e = e,
		.cfd = -1 };
	struct archive_entry *ent;
	int r, ret = 0;

	for (;;) {
		r = archive_read_next_header(a, &ent);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			ret = err_set(e, "layer: %s", archive_error_string(a));
			break;
		}
		st->entries++;
		if (++*o->entries > o->max_entries) {
			ret = err_set(e,
			    "more than %llu entries (--max-entries)",
			    (unsigned long long)o->max_entries);
			break;
		}
		if ((ret = one_entry(&x, ent)) == -1)
			break;
	}
	uncache(&x);
	if (ret == 0)
		apply_dirtimes(&x);
	for (size_t i = 0; i < x.ndt; i++)
		free(x.dt[i].path);
	free(x.dt);
	return ret;
}
