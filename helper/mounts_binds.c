/*
 * mounts_binds.c: the plan's binds mounted in the container (DESIGN
 * section 5, step 9), each from the descriptor step 8 resolved as the
 * caller (binds.c): the destination is resolved inside the new root and
 * checked there, on the resolved path.
 *
 * Invariants:
 * - A bind destination MUST resolve inside the new root, and MUST NOT be,
 *   cover or lie under /proc, /sys or /dev, nor be or cover /etc/passwd,
 *   /etc/group, /etc/resolv.conf or /etc/hosts; missing destinations are
 *   only created in the image's tmpfs upper or the container's own /tmp
 *   and /var/tmp, never in a bound host tree.
 * - A user bind's source MUST pass policy_user_bind() again, on the path
 *   of its descriptor, and is read-only when the grant or -v says so.
 * - Binds MUST be recursive, and nosuid, nodev (and, when read-only,
 *   rdonly) MUST hold on every submount: flags are added, never replaced.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "helper/fsutil.h"
#include "helper/mounts_int.h"
#include "helper/reserved.h"

/* May a missing bind destination be made in PARENT?  Only in the image's
 * upper layer and the container's own /tmp and /var/tmp, never in a bound
 * host tree. */
static bool
ours(struct ctx *c, int parent)
{
	struct stat pst, rst;

	if (fstat(parent, &pst) == -1 || fstat(c->root, &rst) == -1)
		return false;
	if (pst.st_dev == rst.st_dev)
		return true;
	for (size_t i = 0; i < c->ntmp; i++)
		if (pst.st_dev == c->tmpdev[i])
			return true;
	return false;
}

/* Refuses a destination (the container path of the resolved target), by
 * the one list of reserved destinations (reserved.c). */
static int
check_dst(const char *dst, const char *cpath, struct ctl_err *e)
{
	const char *r;
	bool file;

	if (strcmp(cpath, "/") == 0)
		return err_deny(e, "bind destination %s: resolves to /", dst);
	if ((r = reserved_dst(cpath, &file)) != NULL)
		return err_deny(e,
		    "bind destination %s: resolves to %s, which %s %s", dst,
		    cpath,
		    file ? "covers the generated" : "covers or lies under", r);
	return 0;
}

/* The container path of FD (resolved inside the new root). */
static int
container_path(struct ctx *c, int fd, const char *dst, char *out, size_t len)
{
	char real[PATH_MAX];
	size_t rl = strlen(c->rootpath);

	if (fsutil_fd_path(fd, real, sizeof(real)) == -1)
		return err_errno(c->e, "bind destination %s", dst);
	if (strncmp(real, c->rootpath, rl) != 0 ||
	    (real[rl] != '/' && real[rl] != '\0'))
		return err_set(c->e,
		    "bind destination %s: resolves outside the container", dst);
	snprintf(out, len, "%s", real[rl] ? real + rl : "/");
	return 0;
}

/* Makes the missing component PFX of DST in PARENT: a directory, or for
 * the last one of a file bind an empty file. */
static int
make_missing(struct ctx *c, int parent, const char *dst, const char *pfx,
    bool dir)
{
	const char *name = strrchr(pfx, '/') + 1;
	int fd;

	if (!ours(c, parent))
		return err_deny(c->e,
		    "bind destination %s: %s does not exist and is not in "
		    "the image",
		    dst, pfx);
	if (dir) {
		if (mkdirat(parent, name, 0755) == -1)
			return err_errno(c->e, "bind destination %s", pfx);
		return 0;
	}
	if ((fd = mnt_mkfile_open(parent, name, 0644, c->e)) == -1)
		return -1;
	close(fd);
	return 0;
}

/* DST inside the root; missing components are made in the upper layer
 * (the image's own directories only). */
static int
bind_target(struct ctx *c, const char *dst, bool dir_wanted)
{
	char pfx[PATH_MAX];
	cleanup_close int parent = -1;
	char *s;
	int fd;

	if (snprintf(pfx, sizeof(pfx), "%s", dst) >= (int)sizeof(pfx))
		return err_set(c->e, "bind destination %s: too long", dst);
	fd = fsutil_openat2(c->root, dst, O_PATH, IN_ROOT);
	if (fd >= 0 || errno != ENOENT)
		goto out;
	parent = fcntl(c->root, F_DUPFD_CLOEXEC, 3);
	for (s = pfx + 1;; s++) {
		char *end = strchr(s, '/'), save = 0;
		bool last = end == NULL;

		if (end != NULL) {
			save = *end;
			*end = '\0';
		}
		fd = fsutil_openat2(c->root, pfx, O_PATH, IN_ROOT);
		if (fd == -1 && errno == ENOENT) {
			if (make_missing(c, parent, dst, pfx,
				!last || dir_wanted) == -1)
				return -1;
			fd = fsutil_openat2(c->root, pfx, O_PATH, IN_ROOT);
		}
		if (fd == -1 || last)
			break;
		mnt_close(&parent);
		parent = fd;
		fd = -1;
		*end = save;
		s = end;
	}
out:
	if (fd == -1)
		return err_errno(c->e, "bind destination %s", dst);
	return fd;
}

/* A user bind's source, checked again on its descriptor's path; sets *RO
 * when the grant makes it read-only. */
static int
recheck_user_source(struct ctx *c, const struct plan_bind *b, int src, bool *ro)
{
	char real[PATH_MAX];
	struct ctl_err pe;
	bool gro = false;

	memset(&pe, 0, sizeof(pe));
	if (fsutil_fd_path(src, real, sizeof(real)) == -1 ||
	    policy_user_bind(&c->p->eff, real, b->mode, &gro, &pe) == -1)
		return err_deny(c->e, "bind %s: %s", b->src,
		    pe.msg[0] ? pe.msg : "source moved");
	*ro = *ro || gro || b->mode == POLICY_MODE_RO;
	return 0;
}

/* The destination of B, opened and checked; -1 when refused. */
static int
open_dst(struct ctx *c, const struct plan_bind *b, const struct stat *sst)
{
	cleanup_close int dst = -1;
	char cpath[PATH_MAX];
	struct stat dstst;
	struct statfs sf;

	if ((dst = bind_target(c, b->dst, S_ISDIR(sst->st_mode))) == -1 ||
	    container_path(c, dst, b->dst, cpath, sizeof(cpath)) == -1 ||
	    check_dst(b->dst, cpath, c->e) == -1)
		return -1;
	if (fstat(dst, &dstst) == -1 || fstatfs(dst, &sf) == -1)
		return err_errno(c->e, "bind destination %s", b->dst);
	if (fsutil_fstype_refused((long)sf.f_type) || dstst.st_dev == c->devdev)
		return err_deny(c->e,
		    "bind destination %s: a kernel file system", b->dst);
	if (S_ISDIR(sst->st_mode) != S_ISDIR(dstst.st_mode) ||
	    (!S_ISDIR(dstst.st_mode) && !S_ISREG(dstst.st_mode)))
		return err_deny(c->e, "bind destination %s: %s", b->dst,
		    S_ISDIR(sst->st_mode) ? "not a directory" :
					    "not a regular file");
	return steal_fd(&dst);
}

int
mnt_plan_bind(struct ctx *c, const struct plan_bind *b, int src)
{
	cleanup_close int dst = -1;
	char what[PATH_MAX + 16];
	struct stat sst;
	bool ro = b->ro;

	if (fstat(src, &sst) == -1)
		return err_errno(c->e, "bind %s", b->src);
	if (b->from_user && recheck_user_source(c, b, src, &ro) == -1)
		return -1;
	if ((dst = open_dst(c, b, &sst)) == -1)
		return -1;
	snprintf(what, sizeof(what), "%s", b->dst);
	return mnt_bind_fd(src, dst, ATTR_SAFE | (ro ? MOUNT_ATTR_RDONLY : 0),
	    true, what, c->e);
}
