/*
 * mounts_fd.c: the descriptor-based mount primitives of step 9 (DESIGN
 * section 5): mount(2) through /proc/self/fd, binds with open_tree,
 * mount_setattr and move_mount (and their checked fallback for kernels
 * before 5.12), and the image's own mountpoints.
 *
 * Invariants:
 * - Nothing here hands mount(2) a path string that crosses the image: a
 *   target is always a descriptor (its /proc/self/fd link, or move_mount).
 * - Flags MUST be added, never replaced, on every mount of a bound tree
 *   (nosuid, nodev, and rdonly when asked), and MUST be checked to hold
 *   after the bind, on the new API and on the remount fallback alike; the
 *   object mounted MUST be the object the source descriptor names.
 * - /proc, /sys and /dev of the image MUST be replaced by plain
 *   directories of the upper layer when they are symlinks; the generated
 *   files and /etc mountpoints MUST lie in the image (no crossing into
 *   another mount).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "helper/fsutil.h"
#include "helper/mounts_int.h"

void
mnt_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int
mnt_on(const char *src, int fd, const char *type, unsigned long flags,
    const char *data, const char *what, struct ctl_err *e)
{
	char m[64];

	if (mount(src, fsutil_fd_magic(fd, m, sizeof(m)), type, flags, data) ==
	    -1)
		return err_errno(e, "mount %s", what);
	return 0;
}

static unsigned long
vfs_to_ms(unsigned long f)
{
	unsigned long ms = 0;

	ms |= (f & ST_RDONLY) ? MS_RDONLY : 0;
	ms |= (f & ST_NOSUID) ? MS_NOSUID : 0;
	ms |= (f & ST_NODEV) ? MS_NODEV : 0;
	ms |= (f & ST_NOEXEC) ? MS_NOEXEC : 0;
	ms |= (f & ST_NOATIME) ? MS_NOATIME : 0;
	ms |= (f & ST_NODIRATIME) ? MS_NODIRATIME : 0;
	ms |= (f & ST_RELATIME) ? MS_RELATIME : 0;
	ms |= (f & ST_SYNCHRONOUS) ? MS_SYNCHRONOUS : 0;
	return ms;
}

static unsigned long
attr_to_ms(uint64_t a)
{
	return ((a & MOUNT_ATTR_RDONLY) ? MS_RDONLY : 0) |
	    ((a & MOUNT_ATTR_NOSUID) ? MS_NOSUID : 0) |
	    ((a & MOUNT_ATTR_NODEV) ? MS_NODEV : 0) |
	    ((a & MOUNT_ATTR_NOEXEC) ? MS_NOEXEC : 0);
}

/* Undoes mountinfo's octal escapes in place. */
static void
unescape(char *s)
{
	char *d = s;

	for (; *s; s++, d++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
			    (s[3] - '0'));
			s += 3;
		} else
			*d = *s;
	}
	*d = '\0';
}

struct minfo {
	long id, parent;
	char *mp;
	int in;
};

static void
minfo_free(struct minfo *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].mp);
	free(v);
}

/* Appends one mount to *V (N entries, room for *CAP). */
static int
minfo_add(struct minfo **v, size_t *n, size_t *cap, long id, long parent,
    const char *mp, struct ctl_err *e)
{
	struct minfo *r;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		if ((r = realloc(*v, *cap * sizeof(**v))) == NULL)
			return err_errno(e, "out of memory");
		*v = r;
	}
	(*v)[*n].id = id;
	(*v)[*n].parent = parent;
	(*v)[*n].in = 0;
	if (((*v)[*n].mp = strdup(mp)) == NULL)
		return err_set(e, "out of memory");
	(*n)++;
	return 0;
}

/* The mounts of /proc/self/mountinfo into *OUT: their number, or -1. */
static ssize_t
read_mountinfo(struct minfo **out, struct ctl_err *e)
{
	cleanup_fclose FILE *f = NULL;
	cleanup_free char *line = NULL;
	struct minfo *v = NULL;
	size_t n = 0, cap = 0, lcap = 0;

	if ((f = fopen("/proc/self/mountinfo", "re")) == NULL)
		return err_errno(e, "/proc/self/mountinfo");
	while (getline(&line, &lcap, f) != -1) {
		char mp[PATH_MAX * 4 + 1];
		long id, parent;

		if (sscanf(line, "%ld %ld %*s %*s %4096s", &id, &parent, mp) !=
		    3)
			continue;
		unescape(mp);
		if (minfo_add(&v, &n, &cap, id, parent, mp, e) == -1) {
			minfo_free(v, n);
			return -1;
		}
	}
	*out = v;
	return (ssize_t)n;
}

/* Marks in V every mount below the ones already marked. */
static void
mark_tree(struct minfo *v, size_t n)
{
	bool grew = true;

	while (grew) {
		grew = false;
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n && !v[i].in; j++)
				if (v[j].in && v[i].parent == v[j].id)
					v[i].in = grew = true;
	}
}

/* Adds ADD to the one mount M of TREE (whose mountpoint is ROOTMP), through
 * a descriptor verified to be that very mount, keeping its flags. */
static int
remount_one(int tree, const struct minfo *m, const char *rootmp,
    unsigned long add, const char *what, struct ctl_err *e)
{
	cleanup_close int fd = -1;
	size_t rootlen = strlen(rootmp);
	const char *rel = m->mp + rootlen;
	struct statvfs sv;

	if (strncmp(m->mp, rootmp, rootlen) != 0 ||
	    (*rel != '/' && *rel != '\0' && rootlen > 1))
		return err_set(e, "mount %s: submount %s outside the tree",
		    what, m->mp);
	while (*rel == '/')
		rel++;
	fd = fsutil_openat2(tree, *rel ? rel : ".", O_PATH, BENEATH);
	if (fd == -1 || fsutil_fdinfo(fd, "mnt_id") != m->id)
		return err_set(e, "mount %s: submount %s changed", what, m->mp);
	if (fstatvfs(fd, &sv) == -1)
		return err_errno(e, "mount %s: statvfs", what);
	if (mnt_on(NULL, fd, NULL,
		MS_REMOUNT | MS_BIND | vfs_to_ms(sv.f_flag) | add, NULL, what,
		e) == -1)
		return -1;
	if (fstatvfs(fd, &sv) == -1 ||
	    (vfs_to_ms(sv.f_flag) & add & (MS_RDONLY | MS_NOSUID | MS_NODEV)) !=
		(add & (MS_RDONLY | MS_NOSUID | MS_NODEV)))
		return err_set(e, "mount %s: flags did not hold", what);
	return 0;
}

/*
 * Fallback for kernels without mount_setattr (< 5.12): adds MS flags ADD
 * to the attached mount TREE and every mount below it, each remounted
 * through a descriptor verified to be that very mount, keeping the flags
 * it already has.
 */
static int
remount_tree(int tree, unsigned long add, const char *what, struct ctl_err *e)
{
	struct minfo *v = NULL;
	ssize_t n;
	long rid = fsutil_fdinfo(tree, "mnt_id");
	const char *rootmp = NULL;
	int ret = 0;

	if (rid < 0)
		return err_set(e, "mount %s: cannot find its mount id", what);
	if ((n = read_mountinfo(&v, e)) == -1)
		return -1;
	for (ssize_t i = 0; i < n; i++)
		if (v[i].id == rid) {
			v[i].in = 1;
			rootmp = v[i].mp;
		}
	if (rootmp == NULL)
		ret = err_set(e, "mount: the new mount is not in mountinfo");
	else
		mark_tree(v, (size_t)n);
	for (ssize_t i = 0; i < n && ret == 0; i++)
		if (v[i].in)
			ret = remount_one(tree, &v[i], rootmp, add, what, e);
	minfo_free(v, (size_t)n);
	return ret;
}

/* The legacy remount of a bound TREE when mount_setattr is missing. */
static int
bind_legacy(int tree, uint64_t set, bool recursive, const char *what,
    struct ctl_err *e)
{
	struct statvfs sv;

	if (recursive)
		return remount_tree(tree, attr_to_ms(set), what, e);
	if (fstatvfs(tree, &sv) == -1)
		return err_errno(e, "bind %s", what);
	return mnt_on(NULL, tree, NULL,
	    MS_REMOUNT | MS_BIND | vfs_to_ms(sv.f_flag) | attr_to_ms(set), NULL,
	    what, e);
}

int
mnt_bind_fd(int src, int dst, uint64_t set, bool recursive, const char *what,
    struct ctl_err *e)
{
	cleanup_close int tree = -1;
	struct mount_attr a = { .attr_set = set };
	unsigned int rec = recursive ? AT_RECURSIVE : 0;
	bool legacy = false;
	struct statvfs sv;
	struct stat sst, tst;

	tree = open_tree(src, "",
	    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | rec);
	if (tree == -1)
		return err_errno(e, "bind %s: open_tree", what);
	if (mount_setattr(tree, "", AT_EMPTY_PATH | rec, &a, sizeof(a)) == -1) {
		if (errno != ENOSYS)
			return err_errno(e, "bind %s: mount_setattr", what);
		legacy = true;
	}
	if (move_mount(tree, "", dst, "",
		MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) == -1)
		return err_errno(e, "bind %s: move_mount", what);
	/* What is mounted is the object checked (bwrap's --bind-fd check). */
	if (fstat(src, &sst) == -1 || fstat(tree, &tst) == -1 ||
	    sst.st_dev != tst.st_dev || sst.st_ino != tst.st_ino)
		return err_set(e,
		    "bind %s: the mounted object is not the source", what);
	if (legacy && bind_legacy(tree, set, recursive, what, e) == -1)
		return -1;
	if (fstatvfs(tree, &sv) == -1 ||
	    (attr_to_ms(set) & ~vfs_to_ms(sv.f_flag) &
		(MS_RDONLY | MS_NOSUID | MS_NODEV)) != 0)
		return err_set(e, "bind %s: flags did not hold", what);
	return 0;
}

int
mnt_setattr_fd(int fd, uint64_t set, const char *what, struct ctl_err *e)
{
	struct mount_attr a = { .attr_set = set };
	struct statvfs sv;

	if (mount_setattr(fd, "", AT_EMPTY_PATH, &a, sizeof(a)) == -1) {
		if (errno != ENOSYS)
			return err_errno(e, "remount %s", what);
		if (fstatvfs(fd, &sv) == -1)
			return err_errno(e, "remount %s", what);
		return mnt_on(NULL, fd, NULL,
		    MS_REMOUNT | MS_BIND | vfs_to_ms(sv.f_flag) |
			attr_to_ms(set),
		    NULL, what, e);
	}
	return 0;
}

int
mnt_mkdir_open(int dir, const char *name, mode_t mode, struct ctl_err *e)
{
	int fd;

	if (mkdirat(dir, name, mode) == -1 && errno != EEXIST)
		return err_errno(e, "mkdir %s", name);
	fd = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return err_errno(e, "%s", name);
	return fd;
}

int
mnt_mkfile_open(int dir, const char *name, mode_t mode, struct ctl_err *e)
{
	int fd;

	fd = openat(dir, name,
	    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd == -1)
		return err_errno(e, "create %s", name);
	close(fd);
	fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return err_errno(e, "%s", name);
	return fd;
}

void
mnt_size_opt(char *buf, size_t len, const char *fixed, uint64_t size)
{
	if (size == 0 || size == POLICY_UNLIMITED)
		snprintf(buf, len, "%s", fixed);
	else
		snprintf(buf, len, "%s,size=%llu", fixed,
		    (unsigned long long)size);
}

/* Mountpoints in the image. */

/*
 * NAME in DIR, a plain directory (DIR_WANTED) or regular file of the
 * image, made in the upper layer when missing; a symlink or any other
 * type there is replaced (a whiteout in the upper, then a new one).
 */
static int
mountpoint_at(int dir, const char *name, bool dir_wanted, const char *what,
    struct ctl_err *e)
{
	struct stat st;
	int fd;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (dir_wanted ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode))
			goto open;
		if (S_ISDIR(st.st_mode))
			return err_set(e, "image %s is a directory", what);
		if (unlinkat(dir, name, 0) == -1)
			return err_errno(e, "replace image %s", what);
	} else if (errno != ENOENT)
		return err_errno(e, "image %s", what);
	if (dir_wanted) {
		if (mkdirat(dir, name, 0755) == -1)
			return err_errno(e, "mkdir %s", what);
	} else {
		if ((fd = mnt_mkfile_open(dir, name, 0644, e)) == -1)
			return -1;
		close(fd);
	}
open:
	fd = openat(dir, name,
	    O_PATH | O_NOFOLLOW | O_CLOEXEC | (dir_wanted ? O_DIRECTORY : 0));
	if (fd == -1)
		return err_errno(e, "%s", what);
	return fd;
}

int
mnt_sys_mountpoint(struct ctx *c, const char *path, bool dir_wanted)
{
	char parent[PATH_MAX];
	cleanup_close int pfd = -1;
	char *slash, what[PATH_MAX];

	snprintf(parent, sizeof(parent), "%s", path);
	snprintf(what, sizeof(what), "/%s", path);
	slash = strrchr(parent, '/');
	if (slash == NULL) {
		/* The image's root itself (a failed dup fails below). */
		pfd = fcntl(c->root, F_DUPFD_CLOEXEC, 3);
		return mountpoint_at(pfd, path, dir_wanted, what, c->e);
	}
	*slash = '\0';
	/* A missing parent (/var, /etc) is made; a symlinked one is
	 * followed inside the image, as the container will see it. */
	pfd = fsutil_openat2(c->root, parent, O_PATH | O_DIRECTORY, IN_IMAGE);
	if (pfd == -1 && errno == ENOENT && strchr(parent, '/') == NULL) {
		if (mkdirat(c->root, parent, 0755) == -1)
			return err_errno(c->e, "mkdir /%s", parent);
	}
	/* The directory of the image itself (no crossing into a mount). */
	if (pfd == -1)
		pfd = fsutil_openat2(c->root, parent, O_PATH | O_DIRECTORY,
		    IN_IMAGE);
	if (pfd == -1)
		return err_errno(c->e, "image directory /%s", parent);
	return mountpoint_at(pfd, slash + 1, dir_wanted, what, c->e);
}
