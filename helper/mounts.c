/*
 * mounts.c: the container's filesystem (DESIGN section 5, step 9), built
 * by P1 as root in its own mount namespace, then entered with pivot_root:
 * the sequence, from the scratch tmpfs to the new root.  The pieces are
 * mounts_fd.c (descriptor primitives, image mountpoints), mounts_overlay.c
 * (the image's layers), mounts_sys.c (/proc, /dev, /sys, /tmp),
 * mounts_etc.c (resolv.conf, hosts, passwd, group) and mounts_binds.c (the
 * plan's binds); they share mounts_int.h.
 *
 * The image is hostile: any path in it may be a symlink to a host path.
 * Every target is therefore resolved inside the new root, from its
 * descriptor, with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), and
 * mounted through that descriptor (/proc/self/fd/N or move_mount); no path
 * string that crosses the image is ever handed to mount(2).
 *
 * Invariants:
 * - Propagation of "/" MUST be made private (recursively) before the first
 *   mount, so no mount made here is ever seen in the host namespace.
 * - Host files bound in (device nodes, /sys, resolv.conf, hosts) MUST be
 *   opened and verified before any image path is looked at.
 * - The scratch tmpfs MUST be mounted over a root-owned CTL_RUNDIR that
 *   no one else can write, nosuid and nodev.
 * - The image root MUST be read-only once every mountpoint exists; the old
 *   root MUST be detached after pivot_root.
 * - Every descriptor of the bind sources MUST be closed before
 *   mounts_setup_at() returns, whether it succeeds or not.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/fdtrust.h"
#include "helper/log.h"
#include "helper/mounts.h"
#include "helper/mounts_int.h"

/* The scratch tmpfs over CTL_RUNDIR, only in this namespace. */
static int
mount_scratch(struct ctx *c)
{
	cleanup_close int run = -1;
	struct stat st;
	char opt[128];
	int d;

	run = open(CTL_RUNDIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (run == -1)
		return err_errno(c->e, "%s", CTL_RUNDIR);
	if (fstat(run, &st) == -1 || !st_trusted(&st, 0))
		return err_set(c->e, "%s: not root-owned or writable by others",
		    CTL_RUNDIR);
	mnt_size_opt(opt, sizeof(opt), "mode=0755", c->p->tmpfs_size);
	if (mnt_on("tmpfs", run, "tmpfs", MS_NOSUID | MS_NODEV, opt,
		"scratch tmpfs", c->e) == -1)
		return -1;
	c->scratch = open(CTL_RUNDIR,
	    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c->scratch == -1)
		return err_errno(c->e, "%s", CTL_RUNDIR);
	if ((d = mnt_mkdir_open(c->scratch, "upper", 0755, c->e)) == -1)
		return -1;
	close(d);
	if ((d = mnt_mkdir_open(c->scratch, "work", 0700, c->e)) == -1)
		return -1;
	close(d);
	if ((d = mnt_mkdir_open(c->scratch, "root", 0755, c->e)) == -1)
		return -1;
	close(d);
	c->empty_dir = mnt_mkdir_open(c->scratch, "empty", 0555, c->e);
	if (c->empty_dir == -1)
		return -1;
	c->empty_file = mnt_mkfile_open(c->scratch, "null", 0444, c->e);
	return c->empty_file == -1 ? -1 : 0;
}

/* Into the new root. */
static int
enter_root(struct ctx *c)
{
	if (mnt_setattr_fd(c->root, MOUNT_ATTR_RDONLY | ATTR_SAFE, "/", c->e) ==
	    -1)
		return -1;
	if (fchdir(c->root) == -1)
		return err_errno(c->e, "chdir to the new root");
	if (syscall(SYS_pivot_root, ".", ".") == -1)
		return err_errno(c->e, "pivot_root");
	if (umount2(".", MNT_DETACH) == -1)
		return err_errno(c->e, "detach the old root");
	if (chdir("/") == -1)
		return err_errno(c->e, "chdir /");
	return 0;
}

static int
open_pty(struct ctx *c, struct mounts_tty *tty)
{
	int unlock = 0;

	tty->master = openat(c->pts, "ptmx",
	    O_RDWR | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
	if (tty->master == -1)
		return err_errno(c->e, "open the container's /dev/pts/ptmx");
	if (ioctl(tty->master, TIOCSPTLCK, &unlock) == -1)
		return err_errno(c->e, "unlock the pty");
	tty->slave = ioctl(tty->master, TIOCGPTPEER,
	    O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (tty->slave == -1)
		return err_errno(c->e, "open the pty peer");
	if (fchown(tty->slave, c->p->uid, (gid_t)-1) == -1)
		return err_errno(c->e, "chown the pty");
	return 0;
}

static void
ctx_init(struct ctx *c, const struct launch_plan *p, struct ctl_err *e)
{
	memset(c, 0, sizeof(*c));
	c->p = p;
	c->e = e;
	c->scratch = c->root = c->empty_file = c->empty_dir = -1;
	c->resolv = c->hosts = c->pts = -1;
	c->etc_passwd = c->etc_group = -1;
	for (size_t i = 0; i < MNT_NHOSTDEVS; i++)
		c->hostdev[i] = -1;
}

static void
ctx_free(struct ctx *c)
{
	mnt_close(&c->scratch);
	mnt_close(&c->root);
	mnt_close(&c->empty_file);
	mnt_close(&c->empty_dir);
	for (size_t i = 0; i < MNT_NHOSTDEVS; i++)
		mnt_close(&c->hostdev[i]);
	mnt_close(&c->resolv);
	mnt_close(&c->hosts);
	mnt_close(&c->etc_passwd);
	mnt_close(&c->etc_group);
	mnt_close(&c->pts);
	free(c->pw);
	free(c->gr);
}

/* Everything from the host and the image, before the binds: the host's
 * files, the scratch, the overlay, the generated files, then the
 * container's system directories. */
static int
build_root(struct ctx *c, struct cgroup_view *view)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1)
		return err_errno(c->e, "make / private");
	if (mnt_open_host_sys(c) == -1 || mnt_open_host_etc(c) == -1 ||
	    mount_scratch(c) == -1 || mnt_overlay(c) == -1 ||
	    mnt_etc_generate(c) == -1)
		return -1;
	if (mnt_proc(c) == -1 || mnt_dev(c) == -1 || mnt_sys(c) == -1)
		return -1;
	if (view != NULL && mnt_cgroup_view(c, view) == -1)
		return -1;
	if (mnt_tmp(c, "tmp") == -1 || mnt_tmp(c, "var/tmp") == -1)
		return -1;
	return mnt_etc_bind(c);
}

int
mounts_setup_at(const struct launch_plan *p, const int *bind_fds,
    struct cgroup_view *view, struct mounts_tty *tty, struct ctl_err *e)
{
	struct ctx c;
	mode_t mask = umask(0); /* modes below are exact */
	size_t i = 0;
	int r;

	ctx_init(&c, p, e);
	tty->master = tty->slave = -1;
	r = build_root(&c, view);
	for (; r == 0 && i < p->nbinds; i++) {
		r = mnt_plan_bind(&c, &p->binds[i], bind_fds[i]);
		close(bind_fds[i]);
	}
	for (; i < p->nbinds; i++)
		close(bind_fds[i]);
	if (r == 0)
		r = enter_root(&c);
	if (r == 0 && p->tty_wanted)
		r = open_pty(&c, tty);
	if (r == -1) {
		mnt_close(&tty->master);
		mnt_close(&tty->slave);
		for (int j = 0; view != NULL && j < CGROUP_NCTL; j++)
			mnt_close(&view->fd[j]);
	}
	ctx_free(&c);
	umask(mask);
	return r;
}

void
mounts_setup(const struct launch_plan *p, const int *bind_fds,
    struct cgroup_view *view, struct mounts_tty *tty)
{
	struct ctl_err e;

	if (mounts_setup_at(p, bind_fds, view, tty, &e) == -1)
		die_err(&e);
}
