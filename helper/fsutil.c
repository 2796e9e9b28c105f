/*
 * fsutil.c: the layer locks K holds for a container's life, and the
 * resolution of bind sources as the caller (DESIGN section 5, step 8).
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
 *   verified, or the process dies.
 * - Every layer of the image MUST be locked (flock LOCK_SH on its
 *   layers/<hex> directory) and verified still in the store after the lock
 *   is taken; a missing layer ends the launch.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "helper/fsutil.h"
#include "lib/grammar.h"
#include "helper/log.h"
#include "helper/mounts.h"

#ifndef MQUEUE_MAGIC
#define MQUEUE_MAGIC 0x19800202
#endif

int
fsutil_openat2(int dirfd, const char *path, uint64_t flags, uint64_t resolve)
{
	struct open_how how = {
		.flags = flags | O_CLOEXEC,
		.mode = 0,
		.resolve = resolve,
	};

	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

const char *
fsutil_fd_magic(int fd, char *buf, size_t len)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
	return buf;
}

long
fsutil_fdinfo(int fd, const char *key)
{
	char path[64], buf[1024], pat[32];
	cleanup_close int f = -1;
	ssize_t n;
	char *s;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if ((f = open(path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    (n = read(f, buf, sizeof(buf) - 1)) <= 0)
		return -1;
	buf[n] = '\0';
	/* A key is at the start of a line. */
	snprintf(pat, sizeof(pat), "\n%s:", key);
	if (strncmp(buf, pat + 1, strlen(pat + 1)) == 0)
		s = buf + strlen(pat + 1);
	else if ((s = strstr(buf, pat)) != NULL)
		s += strlen(pat);
	else
		return -1;
	return strtol(s, NULL, 10);
}

int
fsutil_fd_path(int fd, char *buf, size_t len)
{
	char link[64];
	ssize_t n;

	n = readlink(fsutil_fd_magic(fd, link, sizeof(link)), buf, len);
	if (n <= 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	buf[n] = '\0';
	if (buf[0] != '/') {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

bool
fsutil_fstype_refused(long t)
{
	switch (t) {
	case PROC_SUPER_MAGIC:
	case SYSFS_MAGIC:
	case CGROUP_SUPER_MAGIC:
	case CGROUP2_SUPER_MAGIC:
	case DEBUGFS_MAGIC:
	case TRACEFS_MAGIC:
	case SECURITYFS_MAGIC:
	case BPF_FS_MAGIC:
	case NSFS_MAGIC:
	case DEVPTS_SUPER_MAGIC:
	case MQUEUE_MAGIC:
		return true;
	default:
		return false;
	}
}

/* Layer locks (K). */

int *
fsutil_lock_layers(const struct image_desc *d)
{
	cleanup_close int store = -1, layers = -1;
	int *fds;

	store = open(STORE_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (store == -1)
		die_errno("image store %s", STORE_DIR);
	layers = openat(store, "layers",
	    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (layers == -1)
		die_errno("image store %s/layers", STORE_DIR);
	if ((fds = calloc(d->nlayers + 1, sizeof(*fds))) == NULL)
		die_errno("layer locks");
	for (size_t i = 0; i < d->nlayers; i++) {
		const char *hex = d->layers[i].hex;
		struct stat a, b;
		int fd;

		if (!gram_hex64(hex))
			die("image %s is damaged: bad layer id", d->name);
		fd = openat(layers, hex,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd == -1 && errno == ENOENT)
			die("image %s is damaged: layer %s missing; "
			    "re-import it",
			    d->name, hex);
		if (fd == -1)
			die_errno("image %s: layer %s", d->name, hex);
		while (flock(fd, LOCK_SH) == -1)
			if (errno != EINTR)
				die_errno("image %s: lock layer %s", d->name,
				    hex);
		/* ctr-image rm may have removed it while we waited. */
		if (fstat(fd, &a) == -1 ||
		    fstatat(layers, hex, &b, AT_SYMLINK_NOFOLLOW) == -1 ||
		    a.st_dev != b.st_dev || a.st_ino != b.st_ino)
			die("image %s is damaged: layer %s missing; "
			    "re-import it",
			    d->name, hex);
		fds[i] = fd;
	}
	return fds;
}

void
fsutil_unlock_layers(int *fds, size_t n)
{
	if (fds == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
}

/* Resolution as the caller (P1). */

struct saved_groups {
	gid_t *v;
	int n;
};

static void
as_caller(const struct launch_plan *p, struct saved_groups *s)
{
	gid_t *g;
	int n;

	if ((n = getgroups(0, NULL)) == -1 ||
	    (s->v = calloc((size_t)n + 1, sizeof(gid_t))) == NULL ||
	    (s->n = getgroups(n, s->v)) == -1)
		die_errno("getgroups");
	if ((g = calloc(p->ngroups + 1, sizeof(gid_t))) == NULL)
		die_errno("groups");
	for (size_t i = 0; i < p->ngroups; i++)
		g[i] = p->groups[i].gid;
	if (setgroups(p->ngroups, g) == -1)
		die_errno("setgroups for the caller");
	free(g);
	(void)setfsgid(p->gid);
	(void)setfsuid(p->uid);
	if ((uid_t)setfsuid((uid_t)-1) != p->uid ||
	    (gid_t)setfsgid((gid_t)-1) != p->gid)
		die("cannot take the caller's file system ids");
}

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
fsutil_open_bind(const struct launch_plan *p, const struct plan_bind *b)
{
	struct saved_groups s = { NULL, 0 };
	char real[PATH_MAX];
	cleanup_close int fd = -1;
	int err = 0;
	struct ctl_err e;
	bool ro;

	as_caller(p, &s);
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
		deny("bind source %s: %s %s", b->src, why(err), p->user);
	if (!b->from_user) {
		if (strcmp(real, b->src) != 0)
			deny("bind source %s: resolves to %s, not the path "
			     "the policy names",
			    b->src, real);
		return steal_fd(&fd);
	}
	memset(&e, 0, sizeof(e));
	if (policy_user_bind(&p->eff, real, b->mode, &ro, &e) == -1)
		deny("bind %s (%s): %s", b->src, real, e.msg);
	return steal_fd(&fd);
}
