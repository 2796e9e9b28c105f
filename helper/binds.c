/*
 * binds.c: the resolution of bind sources as the caller (DESIGN section 5,
 * step 8), by P1 before any mount.
 *
 * Invariants:
 * - A bind source MUST be resolved with the caller's fsuid, fsgid and
 *   supplementary groups, never as root: a path the caller cannot reach
 *   (an unreadable ancestor, a root-only file) is refused.
 * - The caller MUST be able to read the file or search the directory,
 *   checked on the opened descriptor with the caller's credentials
 *   (faccessat2 AT_EACCESS, which uses the fs ids; never glibc's
 *   emulation).
 * - The policy check MUST use the real path of the descriptor (its
 *   /proc/self/fd link, re-resolved without symlinks to the same inode),
 *   never the path as written; magic links (/proc/PID/root, fd links) are
 *   refused, and so are sources on procfs, sysfs, cgroupfs, debugfs,
 *   tracefs, securityfs, bpffs, nsfs, devpts and mqueue.
 * - An admin bind's source MUST resolve, as the caller, to exactly the path
 *   the policy names; a user bind MUST pass policy_user_bind().
 * - After a resolution, fsuid, fsgid and the groups MUST be root's again,
 *   verified, or the process dies (also in the core: no caller may go on
 *   with half-dropped ids).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "helper/binds.h"
#include "helper/fsutil.h"
#include "helper/log.h"

struct saved_groups {
	gid_t *v;
	int n; /* -1 until they are saved */
};

static void as_root(struct saved_groups *s);

/* Takes the caller's groups and file system ids, saving root's groups in
 * S; on failure, root's ids are back (or the process died). */
static int
as_caller(const struct launch_plan *p, struct saved_groups *s,
    struct ctl_err *e)
{
	cleanup_free gid_t *g = NULL;
	int n;

	if ((n = getgroups(0, NULL)) == -1 ||
	    (s->v = calloc((size_t)n + 1, sizeof(gid_t))) == NULL ||
	    (s->n = getgroups(n, s->v)) == -1) {
		err_errno(e, "getgroups");
		free(s->v);
		s->v = NULL;
		return -1;
	}
	if ((g = calloc(p->ngroups + 1, sizeof(gid_t))) == NULL) {
		err_errno(e, "groups");
		goto undo;
	}
	for (size_t i = 0; i < p->ngroups; i++)
		g[i] = p->groups[i].gid;
	if (setgroups(p->ngroups, g) == -1) {
		err_errno(e, "setgroups for the caller");
		goto undo;
	}
	(void)setfsgid(p->gid);
	(void)setfsuid(p->uid);
	if ((uid_t)setfsuid((uid_t)-1) != p->uid ||
	    (gid_t)setfsgid((gid_t)-1) != p->gid) {
		err_set(e, "cannot take the caller's file system ids");
		goto undo;
	}
	return 0;
undo:
	as_root(s);
	return -1;
}

/* Root's ids and groups again; dies when they cannot be restored. */
static void
as_root(struct saved_groups *s)
{
	(void)setfsuid(0);
	(void)setfsgid(0);
	if (setfsuid((uid_t)-1) != 0 || setfsgid((gid_t)-1) != 0)
		die("cannot restore root's file system ids");
	if (setgroups((size_t)s->n, s->v) == -1)
		die_errno("setgroups");
	free(s->v);
	s->v = NULL;
}

/* What the caller may do with FD; 0 or an errno value. */
static int
check_fd_as_caller(int fd, const char *real)
{
	struct stat st, st2;
	struct statfs sf;
	cleanup_close int again = -1;

	if (fstat(fd, &st) == -1 || fstatfs(fd, &sf) == -1)
		return errno;
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return ENOTDIR;
	if (fsutil_fstype_refused((long)sf.f_type))
		return EXDEV;
	if (syscall(SYS_faccessat2, fd, "", S_ISDIR(st.st_mode) ? X_OK : R_OK,
		AT_EACCESS | AT_EMPTY_PATH) == -1)
		return errno;
	/* The reported path names this very inode, through no symlink. */
	again = fsutil_openat2(AT_FDCWD, real, O_PATH | O_NOFOLLOW,
	    RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	if (again == -1 || fstat(again, &st2) == -1)
		return ESTALE;
	if (st.st_dev != st2.st_dev || st.st_ino != st2.st_ino)
		return ESTALE;
	return 0;
}

static const char *
why(int err)
{
	switch (err) {
	case EACCES:
	case EPERM:
		return "permission denied for user";
	case ENOENT:
		return "no such file or directory for user";
	case ELOOP:
		return "too many symbolic links, or a /proc magic link, for user";
	case ENOTDIR:
		return "not a directory or regular file for user";
	case EXDEV:
		return "a kernel pseudo file system, refused for user";
	case ESTALE:
		return "changed while it was checked, for user";
	default:
		return "cannot be resolved for user";
	}
}

int
binds_open_at(const struct launch_plan *p, const struct plan_bind *b,
    struct ctl_err *e)
{
	struct saved_groups s = { NULL, -1 };
	char real[PATH_MAX];
	cleanup_close int fd = -1;
	int err = 0;
	struct ctl_err pe;
	bool ro;

	if (as_caller(p, &s, e) == -1)
		return -1;
	fd = fsutil_openat2(AT_FDCWD, b->src, O_PATH, RESOLVE_NO_MAGICLINKS);
	if (fd == -1)
		err = errno;
	else if (fsutil_fd_path(fd, real, sizeof(real)) == -1 ||
	    !policy_path_normal(real))
		err = ESTALE;
	else
		err = check_fd_as_caller(fd, real);
	as_root(&s);
	if (err != 0)
		return err_deny(e, "bind source %s: %s %s", b->src, why(err),
		    p->user);
	if (!b->from_user) {
		if (strcmp(real, b->src) != 0)
			return err_deny(e,
			    "bind source %s: resolves to %s, not the path "
			    "the policy names",
			    b->src, real);
		return steal_fd(&fd);
	}
	memset(&pe, 0, sizeof(pe));
	if (policy_user_bind(&p->eff, real, b->mode, &ro, &pe) == -1)
		return err_deny(e, "bind %s (%s): %s", b->src, real, pe.msg);
	return steal_fd(&fd);
}

int
binds_open(const struct launch_plan *p, const struct plan_bind *b)
{
	struct ctl_err e;
	int fd;

	if ((fd = binds_open_at(p, b, &e)) == -1)
		die_err(&e);
	return fd;
}

int *
binds_open_all_at(const struct launch_plan *p, struct ctl_err *e)
{
	int *fds = calloc(p->nbinds + 1, sizeof(int));

	if (fds == NULL) {
		err_set(e, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < p->nbinds; i++) {
		fds[i] = binds_open_at(p, &p->binds[i], e);
		if (fds[i] == -1) {
			while (i-- > 0)
				close(fds[i]);
			free(fds);
			return NULL;
		}
	}
	return fds;
}
