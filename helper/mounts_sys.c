/*
 * mounts_sys.c: the container's system directories (DESIGN section 5,
 * step 9): /proc with docker's masked paths, a minimal /dev (host device
 * binds, its own devpts, /dev/shm, /dev/mqueue), read-only /sys, the
 * container's own cgroup at /sys/fs/cgroup, and tmpfs /tmp and /var/tmp.
 *
 * Invariants:
 * - Host device nodes bound in MUST be opened and verified before any
 *   image path is looked at, and MUST be character devices with their
 *   expected numbers.
 * - The container's devpts MUST hold at most the policy's max_ptys
 *   terminals.
 * - Every mount MUST be nosuid; every mount MUST be nodev except the
 *   device binds of /dev (null, zero, full, random, urandom, tty) and
 *   devpts.
 * - /sys MUST be a fresh read-only sysfs of the container's network
 *   namespace in every network mode, with nothing of what the host mounts
 *   under its /sys (debugfs, tracefs, securityfs, bpf, cgroups).
 * - /sys/fs/cgroup MUST show the container's own cgroup and nothing else,
 *   read-only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "helper/fsutil.h"
#include "helper/mounts_int.h"

struct hostdev {
	const char *name;
	unsigned int major, minor;
};

static const struct hostdev hostdevs[MNT_NHOSTDEVS] = {
	{ "null", 1, 3 },
	{ "zero", 1, 5 },
	{ "full", 1, 7 },
	{ "random", 1, 8 },
	{ "urandom", 1, 9 },
	{ "tty", 5, 0 },
};

/* Masked with an empty read-only file or directory (docker's list). */
static const char *const proc_masked[] = { "acpi", "asound", "kcore", "keys",
	"latency_stats", "timer_list", "timer_stats", "sched_debug", "scsi" };
static const char *const proc_ro[] = { "bus", "fs", "irq", "sys",
	"sysrq-trigger" };
static const char *const sys_masked[] = { "firmware",
	"devices/virtual/powercap" };

/* Host side, before any mount. */

static int
open_host_dir(const char *path, long magic, struct ctl_err *e)
{
	struct statfs sf;
	cleanup_close int fd = -1;

	fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return err_errno(e, "%s", path);
	if (fstatfs(fd, &sf) == -1 || (magic != 0 && sf.f_type != magic))
		return err_set(e, "%s: not the expected file system", path);
	return steal_fd(&fd);
}

int
mnt_open_host_sys(struct ctx *c)
{
	cleanup_close int proc = -1, dev = -1;
	struct stat st;

	if ((proc = open_host_dir("/proc", PROC_SUPER_MAGIC, c->e)) == -1 ||
	    (dev = open_host_dir("/dev", 0, c->e)) == -1)
		return -1;
	for (size_t i = 0; i < MNT_NHOSTDEVS; i++) {
		const struct hostdev *h = &hostdevs[i];

		c->hostdev[i] = openat(dev, h->name,
		    O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (c->hostdev[i] == -1 || fstat(c->hostdev[i], &st) == -1)
			return err_errno(c->e, "/dev/%s", h->name);
		if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != h->major ||
		    minor(st.st_rdev) != h->minor)
			return err_set(c->e, "/dev/%s: not the expected device",
			    h->name);
	}
	return 0;
}

/* /proc. */

/* Hides /proc/NAME under an empty read-only file or directory. */
static int
mask_proc(struct ctx *c, int proc, const char *name)
{
	cleanup_close int t = -1;
	struct stat st;

	t = fsutil_openat2(proc, name, O_PATH, BENEATH);
	if (t == -1 && errno == ENOENT)
		return 0;
	if (t == -1 || fstat(t, &st) == -1)
		return err_errno(c->e, "/proc/%s", name);
	return mnt_bind_fd(S_ISDIR(st.st_mode) ? c->empty_dir : c->empty_file,
	    t, ATTR_MASK, false, name, c->e);
}

/* Makes /proc/NAME read-only, with everything below it. */
static int
ro_proc(struct ctx *c, int proc, const char *name)
{
	cleanup_close int t = -1;

	t = fsutil_openat2(proc, name, O_PATH, BENEATH);
	if (t == -1 && errno == ENOENT)
		return 0;
	if (t == -1)
		return err_errno(c->e, "/proc/%s", name);
	return mnt_bind_fd(t, t, ATTR_MASK, true, name, c->e);
}

int
mnt_proc(struct ctx *c)
{
	cleanup_close int mp = -1, proc = -1;
	struct statfs sf;

	if ((mp = mnt_sys_mountpoint(c, "proc", true)) == -1 ||
	    mnt_on("proc", mp, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL,
		"/proc", c->e) == -1)
		return -1;
	proc = fsutil_openat2(c->root, "proc", O_PATH | O_DIRECTORY, IN_ROOT);
	if (proc == -1 || fstatfs(proc, &sf) == -1 ||
	    sf.f_type != PROC_SUPER_MAGIC)
		return err_set(c->e, "/proc: not mounted");
	for (size_t i = 0; i < sizeof(proc_masked) / sizeof(*proc_masked); i++)
		if (mask_proc(c, proc, proc_masked[i]) == -1)
			return -1;
	for (size_t i = 0; i < sizeof(proc_ro) / sizeof(*proc_ro); i++)
		if (ro_proc(c, proc, proc_ro[i]) == -1)
			return -1;
	return 0;
}

/* /dev. */

/* The host's device node I bound onto an empty file of the /dev tmpfs:
 * nosuid and noexec, never nodev. */
static int
dev_node(struct ctx *c, int dev, size_t i)
{
	cleanup_close int t = -1;

	t = mnt_mkfile_open(dev, hostdevs[i].name, 0644, c->e);
	if (t == -1)
		return -1;
	return mnt_bind_fd(c->hostdev[i], t,
	    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, false, hostdevs[i].name,
	    c->e);
}

/* The host's device nodes and the standard links, in the /dev tmpfs. */
static int
dev_nodes(struct ctx *c, int dev)
{
	static const char *const links[][2] = { { "fd", "/proc/self/fd" },
		{ "stdin", "/proc/self/fd/0" }, { "stdout", "/proc/self/fd/1" },
		{ "stderr", "/proc/self/fd/2" }, { "ptmx", "pts/ptmx" } };

	for (size_t i = 0; i < MNT_NHOSTDEVS; i++)
		if (dev_node(c, dev, i) == -1)
			return -1;
	for (size_t i = 0; i < sizeof(links) / sizeof(*links); i++)
		if (symlinkat(links[i][1], dev, links[i][0]) == -1)
			return err_errno(c->e, "/dev/%s", links[i][0]);
	return 0;
}

/* The container's own devpts, /dev/shm and /dev/mqueue. */
static int
dev_mounts(struct ctx *c, int dev)
{
	cleanup_close int pts = -1, shm = -1, mq = -1;
	struct statfs sf;
	char opt[128];

	/* At most max_ptys terminals: every devpts but the host's draws on
	 * one kernel pool (kernel.pty.max less kernel.pty.reserve), which
	 * one container must not drain for every other user's -t. */
	snprintf(opt, sizeof(opt),
	    "newinstance,ptmxmode=0666,mode=0620,max=%llu",
	    (unsigned long long)c->p->max_ptys);
	if ((pts = mnt_mkdir_open(dev, "pts", 0755, c->e)) == -1 ||
	    mnt_on("devpts", pts, "devpts", MS_NOSUID | MS_NOEXEC, opt,
		"/dev/pts", c->e) == -1)
		return -1;
	c->pts = openat(dev, "pts",
	    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c->pts == -1 || fstatfs(c->pts, &sf) == -1 ||
	    sf.f_type != DEVPTS_SUPER_MAGIC)
		return err_set(c->e, "/dev/pts: not mounted");
	if ((shm = mnt_mkdir_open(dev, "shm", 01777, c->e)) == -1)
		return -1;
	mnt_size_opt(opt, sizeof(opt), "mode=1777", c->p->tmpfs_size);
	if (mnt_on("tmpfs", shm, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opt,
		"/dev/shm", c->e) == -1 ||
	    (mq = mnt_mkdir_open(dev, "mqueue", 0755, c->e)) == -1)
		return -1;
	return mnt_on("mqueue", mq, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	    NULL, "/dev/mqueue", c->e);
}

int
mnt_dev(struct ctx *c)
{
	cleanup_close int mp = -1, dev = -1;
	struct stat st;

	if ((mp = mnt_sys_mountpoint(c, "dev", true)) == -1 ||
	    mnt_on("tmpfs", mp, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		"mode=0755,size=65536,nr_inodes=64", "/dev", c->e) == -1)
		return -1;
	dev = fsutil_openat2(c->root, "dev", O_PATH | O_DIRECTORY, IN_ROOT);
	if (dev == -1 || fstat(dev, &st) == -1)
		return err_errno(c->e, "/dev");
	c->devdev = st.st_dev;
	if (dev_nodes(c, dev) == -1)
		return -1;
	return dev_mounts(c, dev);
}

/* /sys, read-only on every submount. */

/* Hides the directory /sys/NAME under an empty read-only directory. */
static int
mask_sys(struct ctx *c, int sys, const char *name)
{
	cleanup_close int t = -1;

	t = fsutil_openat2(sys, name, O_PATH | O_DIRECTORY, BENEATH);
	if (t == -1 && errno == ENOENT)
		return 0;
	if (t == -1)
		return err_errno(c->e, "/sys/%s", name);
	return mnt_bind_fd(c->empty_dir, t, ATTR_MASK, false, name, c->e);
}

int
mnt_sys(struct ctx *c)
{
	cleanup_close int mp = -1, sys = -1;

	if ((mp = mnt_sys_mountpoint(c, "sys", true)) == -1)
		return -1;
	/* A fresh sysfs in every network mode: it shows the devices of the
	 * network namespace it is mounted in (the host's with host
	 * networking) and nothing mounted under the host's /sys (cgroup
	 * hierarchies, debugfs, tracefs, securityfs, bpf, pstore). */
	if (mnt_on("sysfs", mp, "sysfs",
		MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, "/sys",
		c->e) == -1)
		return -1;
	sys = fsutil_openat2(c->root, "sys", O_PATH | O_DIRECTORY, IN_ROOT);
	if (sys == -1)
		return err_errno(c->e, "/sys");
	for (size_t i = 0; i < sizeof(sys_masked) / sizeof(*sys_masked); i++)
		if (mask_sys(c, sys, sys_masked[i]) == -1)
			return -1;
	return 0;
}

/* v1: controller I's own directory bound read-only into the tmpfs T. */
static int
view_ctl(struct ctx *c, int t, const struct cgroup_view *v, int i)
{
	cleanup_close int d = -1;

	if ((d = mnt_mkdir_open(t, v->name[i], 0755, c->e)) == -1)
		return -1;
	return mnt_bind_fd(v->fd[i], d, ATTR_MASK, false, v->name[i], c->e);
}

/* v1: a read-only tmpfs at MP holding each controller's own directory. */
static int
cgroup_view_v1(struct ctx *c, int mp, struct cgroup_view *v)
{
	cleanup_close int t = -1;

	if (mnt_on("tmpfs", mp, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		"mode=0755,size=64k", "/sys/fs/cgroup", c->e) == -1)
		return -1;
	t = fsutil_openat2(c->root, "sys/fs/cgroup", O_PATH | O_DIRECTORY,
	    IN_ROOT);
	if (t == -1)
		return err_errno(c->e, "/sys/fs/cgroup");
	for (int i = 0; i < CGROUP_NCTL; i++)
		if (v->fd[i] >= 0 && view_ctl(c, t, v, i) == -1)
			return -1;
	return mnt_setattr_fd(t, ATTR_MASK, "/sys/fs/cgroup", c->e);
}

int
mnt_cgroup_view(struct ctx *c, struct cgroup_view *v)
{
	cleanup_close int mp = -1;
	int r;

	mp = fsutil_openat2(c->root, "sys/fs/cgroup", O_PATH | O_DIRECTORY,
	    IN_ROOT);
	if (mp == -1)
		r = err_errno(c->e, "/sys/fs/cgroup");
	else if (v->version == 2 && v->fd[0] >= 0)
		r = mnt_bind_fd(v->fd[0], mp, ATTR_MASK, false,
		    "/sys/fs/cgroup", c->e);
	else
		r = cgroup_view_v1(c, mp, v);
	for (int i = 0; i < CGROUP_NCTL; i++)
		mnt_close(&v->fd[i]);
	return r;
}

int
mnt_tmp(struct ctx *c, const char *path)
{
	cleanup_close int mp = -1, t = -1;
	char opt[128];
	struct stat st;

	if ((mp = mnt_sys_mountpoint(c, path, true)) == -1)
		return -1;
	mnt_size_opt(opt, sizeof(opt), "mode=1777", c->p->tmpfs_size);
	if (mnt_on("tmpfs", mp, "tmpfs", MS_NOSUID | MS_NODEV, opt, path,
		c->e) == -1)
		return -1;
	t = fsutil_openat2(c->root, path, O_PATH | O_DIRECTORY, IN_ROOT);
	if (t == -1 || fstat(t, &st) == -1 || c->ntmp >= 2)
		return err_errno(c->e, "/%s", path);
	c->tmpdev[c->ntmp++] = st.st_dev;
	return 0;
}
