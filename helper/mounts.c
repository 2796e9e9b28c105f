/*
 * mounts.c: the container's filesystem (DESIGN section 5, step 9), built
 * by P1 as root in its own mount namespace, then entered with pivot_root.
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
 * - Every mount MUST be nosuid; every mount MUST be nodev except the
 *   device binds of /dev (null, zero, full, random, urandom, tty) and
 *   devpts.
 * - Host files bound in (device nodes, /sys, resolv.conf, hosts) MUST be
 *   opened and verified before any image path is looked at; device nodes
 *   MUST be character devices with their expected numbers.
 * - /proc, /sys and /dev of the image MUST be replaced by plain
 *   directories of the upper layer when they are symlinks; the generated
 *   files and /etc mountpoints MUST lie in the image (no crossing into
 *   another mount).
 * - The image's /etc/passwd and /etc/group MUST be read as bounded data
 *   (regular file, O_NOFOLLOW, O_NONBLOCK, at most PASSWD_MAX_INPUT bytes),
 *   never through NSS.  Only ENOENT, ENOTDIR, ELOOP or EXDEV MAY count as
 *   "absent" (for them and for the caller's shell); any other error MUST
 *   be fatal.
 * - A bind destination MUST resolve inside the new root, and MUST NOT be,
 *   cover or lie under /proc, /sys or /dev, nor be or cover /etc/passwd,
 *   /etc/group, /etc/resolv.conf or /etc/hosts; missing destinations are
 *   only created in the image's tmpfs upper or the container's own /tmp
 *   and /var/tmp, never in a bound host tree.
 * - Binds MUST be recursive, and nosuid, nodev (and, when read-only,
 *   rdonly) MUST hold on every submount: flags are added, never replaced.
 * - /sys MUST be read-only on every submount: the host's, bound, or with
 *   --network none a fresh sysfs of the container's network namespace.
 * - The image root MUST be read-only once every mountpoint exists; the old
 *   root MUST be detached after pivot_root.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/fdtrust.h"
#include "helper/fsutil.h"
#include "lib/grammar.h"
#include "helper/log.h"
#include "helper/cgroup.h"
#include "helper/mounts.h"
#include "helper/passwd.h"
#include "helper/reserved.h"

#define IN_ROOT   (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)
#define IN_IMAGE  (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV)
#define BENEATH   (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)
#define ATTR_SAFE (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)
#define ATTR_MASK                                                   \
	(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | \
	    MOUNT_ATTR_NOEXEC)

/* Allocation failure ends P1; noreturn spelled for the analysers. */
static void oom(void) __attribute__((__noreturn__));

static void
oom(void)
{
	die_errno("out of memory");
}

static void fatal(const char *) __attribute__((__noreturn__));

static void
fatal(const char *what)
{
	die("%s", what);
}

static void *
xrealloc(void *p, size_t n)
{
	void *r = realloc(p, n ? n : 1);

	if (r == NULL)
		oom();
	return r;
}

struct hostdev {
	const char *name;
	unsigned int major, minor;
};

static const struct hostdev hostdevs[] = {
	{ "null", 1, 3 },
	{ "zero", 1, 5 },
	{ "full", 1, 7 },
	{ "random", 1, 8 },
	{ "urandom", 1, 9 },
	{ "tty", 5, 0 },
};
#define NHOSTDEVS (sizeof(hostdevs) / sizeof(hostdevs[0]))

/* Masked with an empty read-only file or directory (docker's list). */
static const char *const proc_masked[] = { "acpi", "asound", "kcore", "keys",
	"latency_stats", "timer_list", "timer_stats", "sched_debug", "scsi" };
static const char *const proc_ro[] = { "bus", "fs", "irq", "sys",
	"sysrq-trigger" };
static const char *const sys_masked[] = { "firmware",
	"devices/virtual/powercap" };

struct ctx {
	const struct launch_plan *p;
	int scratch; /* the scratch tmpfs (upper, work, generated files) */
	int root;    /* the overlay root */
	int empty_file, empty_dir;
	int hostdev[NHOSTDEVS];
	int hostsys;
	int resolv, hosts; /* host files, or -1 */
	int pts;           /* the container's devpts */
	dev_t devdev;      /* st_dev of the container's /dev tmpfs */
	dev_t tmpdev[2];   /* st_dev of its /tmp and /var/tmp */
	size_t ntmp;
	char rootpath[PATH_MAX];
	char *pw, *gr;
	size_t pwlen, grlen;
};

static void
xclose(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* mount(2) onto the object FD refers to. */
static void
mount_on(const char *src, int fd, const char *type, unsigned long flags,
    const char *data, const char *what)
{
	char m[64];

	if (mount(src, fsutil_fd_magic(fd, m, sizeof(m)), type, flags, data) ==
	    -1)
		die_errno("mount %s", what);
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

static size_t
read_mountinfo(struct minfo **out)
{
	cleanup_fclose FILE *f = NULL;
	struct minfo *v = NULL;
	size_t n = 0, cap = 0;
	char *line = NULL;
	size_t lcap = 0;

	if ((f = fopen("/proc/self/mountinfo", "re")) == NULL)
		die_errno("/proc/self/mountinfo");
	while (getline(&line, &lcap, f) != -1) {
		char mp[PATH_MAX * 4 + 1];
		long id, parent;

		if (sscanf(line, "%ld %ld %*s %*s %4096s", &id, &parent, mp) !=
		    3)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = xrealloc(v, cap * sizeof(*v));
		}
		unescape(mp);
		v[n].id = id;
		v[n].parent = parent;
		v[n].in = 0;
		v[n].mp = xstrdup(mp);
		n++;
	}
	free(line);
	*out = v;
	return n;
}

/*
 * Fallback for kernels without mount_setattr (< 5.12): adds MS flags ADD
 * to the attached mount TREE and every mount below it, each remounted
 * through a descriptor verified to be that very mount, keeping the flags
 * it already has.
 */
static void
remount_tree(int tree, unsigned long add, const char *what)
{
	struct minfo *v = NULL;
	size_t n, rootlen;
	long rid = fsutil_fdinfo(tree, "mnt_id");
	const char *rootmp = NULL;
	bool grew = true;

	if (rid < 0)
		die("mount %s: cannot find its mount id", what);
	n = read_mountinfo(&v);
	for (size_t i = 0; i < n; i++)
		if (v[i].id == rid) {
			v[i].in = 1;
			rootmp = v[i].mp;
		}
	if (rootmp == NULL)
		fatal("mount: the new mount is not in mountinfo");
	rootlen = strlen(rootmp);
	while (grew) {
		grew = false;
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n && !v[i].in; j++)
				if (v[j].in && v[i].parent == v[j].id)
					v[i].in = grew = true;
	}
	for (size_t i = 0; i < n; i++) {
		cleanup_close int fd = -1;
		const char *rel;
		struct statvfs sv;

		if (!v[i].in)
			continue;
		rel = v[i].mp + rootlen;
		if (strncmp(v[i].mp, rootmp, rootlen) != 0 ||
		    (*rel != '/' && *rel != '\0' && rootlen > 1))
			die("mount %s: submount %s outside the tree", what,
			    v[i].mp);
		while (*rel == '/')
			rel++;
		fd = fsutil_openat2(tree, *rel ? rel : ".", O_PATH, BENEATH);
		if (fd == -1 || fsutil_fdinfo(fd, "mnt_id") != v[i].id)
			die("mount %s: submount %s changed", what, v[i].mp);
		if (fstatvfs(fd, &sv) == -1)
			die_errno("mount %s: statvfs", what);
		mount_on(NULL, fd, NULL,
		    MS_REMOUNT | MS_BIND | vfs_to_ms(sv.f_flag) | add, NULL,
		    what);
		if (fstatvfs(fd, &sv) == -1 ||
		    (vfs_to_ms(sv.f_flag) & add &
			(MS_RDONLY | MS_NOSUID | MS_NODEV)) !=
			(add & (MS_RDONLY | MS_NOSUID | MS_NODEV)))
			die("mount %s: flags did not hold", what);
	}
	for (size_t i = 0; i < n; i++)
		free(v[i].mp);
	free(v);
}

/*
 * Binds the object SRC refers to onto the object DST refers to, with SET
 * added on every mount of the copy (the whole tree when RECURSIVE).
 * Returns nothing; dies on failure.
 */
static void
bind_fd(int src, int dst, uint64_t set, bool recursive, const char *what)
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
		die_errno("bind %s: open_tree", what);
	if (mount_setattr(tree, "", AT_EMPTY_PATH | rec, &a, sizeof(a)) == -1) {
		if (errno != ENOSYS)
			die_errno("bind %s: mount_setattr", what);
		legacy = true;
	}
	if (move_mount(tree, "", dst, "",
		MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) == -1)
		die_errno("bind %s: move_mount", what);
	/* What is mounted is the object checked (bwrap's --bind-fd check). */
	if (fstat(src, &sst) == -1 || fstat(tree, &tst) == -1 ||
	    sst.st_dev != tst.st_dev || sst.st_ino != tst.st_ino)
		die("bind %s: the mounted object is not the source", what);
	if (legacy) {
		if (recursive)
			remount_tree(tree, attr_to_ms(set), what);
		else {
			if (fstatvfs(tree, &sv) == -1)
				die_errno("bind %s", what);
			mount_on(NULL, tree, NULL,
			    MS_REMOUNT | MS_BIND | vfs_to_ms(sv.f_flag) |
				attr_to_ms(set),
			    NULL, what);
		}
	}
	if (fstatvfs(tree, &sv) == -1 ||
	    (attr_to_ms(set) & ~vfs_to_ms(sv.f_flag) &
		(MS_RDONLY | MS_NOSUID | MS_NODEV)) != 0)
		die("bind %s: flags did not hold", what);
}

/* Adds SET to the single mount FD is the root of. */
static void
setattr_fd(int fd, uint64_t set, const char *what)
{
	struct mount_attr a = { .attr_set = set };
	struct statvfs sv;

	if (mount_setattr(fd, "", AT_EMPTY_PATH, &a, sizeof(a)) == -1) {
		if (errno != ENOSYS)
			die_errno("remount %s", what);
		if (fstatvfs(fd, &sv) == -1)
			die_errno("remount %s", what);
		mount_on(NULL, fd, NULL,
		    MS_REMOUNT | MS_BIND | vfs_to_ms(sv.f_flag) |
			attr_to_ms(set),
		    NULL, what);
	}
}

/* Host side, before any mount. */

static int
open_host_dir(const char *path, long magic)
{
	struct statfs sf;
	int fd;

	fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		die_errno("%s", path);
	if (fstatfs(fd, &sf) == -1 || (magic != 0 && sf.f_type != magic))
		die("%s: not the expected file system", path);
	return fd;
}

static void
open_host(struct ctx *c)
{
	cleanup_close int proc = -1, dev = -1;
	struct stat st;

	proc = open_host_dir("/proc", PROC_SUPER_MAGIC);
	dev = open_host_dir("/dev", 0);
	for (size_t i = 0; i < NHOSTDEVS; i++) {
		const struct hostdev *h = &hostdevs[i];

		c->hostdev[i] = openat(dev, h->name,
		    O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (c->hostdev[i] == -1 || fstat(c->hostdev[i], &st) == -1)
			die_errno("/dev/%s", h->name);
		if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != h->major ||
		    minor(st.st_rdev) != h->minor)
			die("/dev/%s: not the expected device", h->name);
	}
	c->hostsys = open_host_dir("/sys", SYSFS_MAGIC);
	/* Root's own configuration: symlinks (systemd-resolved) are
	 * trusted and followed. */
	c->resolv = open("/etc/resolv.conf", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (c->resolv >= 0 &&
	    (fstat(c->resolv, &st) == -1 || !S_ISREG(st.st_mode)))
		xclose(&c->resolv);
	c->hosts = open("/etc/hosts", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (c->hosts >= 0 &&
	    (fstat(c->hosts, &st) == -1 || !S_ISREG(st.st_mode)))
		xclose(&c->hosts);
}

/* The scratch tmpfs over CTL_RUNDIR, only in this namespace. */

static int
mkdir_open(int dir, const char *name, mode_t mode)
{
	int fd;

	if (mkdirat(dir, name, mode) == -1 && errno != EEXIST)
		die_errno("mkdir %s", name);
	fd = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		die_errno("%s", name);
	return fd;
}

static int
mkfile_open(int dir, const char *name, mode_t mode)
{
	int fd;

	fd = openat(dir, name,
	    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd == -1)
		die_errno("create %s", name);
	close(fd);
	fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		die_errno("%s", name);
	return fd;
}

static void
size_opt(char *buf, size_t len, const char *fixed, uint64_t size)
{
	if (size == 0 || size == POLICY_UNLIMITED)
		snprintf(buf, len, "%s", fixed);
	else
		snprintf(buf, len, "%s,size=%llu", fixed,
		    (unsigned long long)size);
}

static void
mount_scratch(struct ctx *c)
{
	cleanup_close int run = -1;
	struct stat st;
	char opt[128];

	run = open(CTL_RUNDIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (run == -1)
		die_errno("%s", CTL_RUNDIR);
	if (fstat(run, &st) == -1 || !st_trusted(&st, 0))
		die("%s: not root-owned or writable by others", CTL_RUNDIR);
	size_opt(opt, sizeof(opt), "mode=0755", c->p->tmpfs_size);
	mount_on("tmpfs", run, "tmpfs", MS_NOSUID | MS_NODEV, opt,
	    "scratch tmpfs");
	c->scratch = open(CTL_RUNDIR,
	    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c->scratch == -1)
		die_errno("%s", CTL_RUNDIR);
	close(mkdir_open(c->scratch, "upper", 0755));
	close(mkdir_open(c->scratch, "work", 0700));
	close(mkdir_open(c->scratch, "root", 0755));
	c->empty_dir = mkdir_open(c->scratch, "empty", 0555);
	c->empty_file = mkfile_open(c->scratch, "null", 0444);
}

/* The overlay. */

static bool
opt_safe(const char *s)
{
	return strpbrk(s, ",:\\\n") == NULL && *s != '\0';
}

int
mounts_ovl_options(const struct image_desc *d, const char *upper,
    const char *work, char *buf, size_t len)
{
	size_t off;
	int n;

	if (d->nlayers == 0 || !opt_safe(upper) || !opt_safe(work)) {
		errno = EINVAL;
		return -1;
	}
	off = (size_t)snprintf(buf, len, "lowerdir=");
	for (size_t i = d->nlayers; i-- > 0;) {
		if (!gram_link(d->layers[i].link)) {
			errno = EINVAL;
			return -1;
		}
		n = snprintf(buf + (off < len ? off : len),
		    off < len ? len - off : 0, "%s%s", d->layers[i].link,
		    i ? ":" : "");
		off += (size_t)n;
	}
	n = snprintf(buf + (off < len ? off : len), off < len ? len - off : 0,
	    ",upperdir=%s,workdir=%s,redirect_dir=off,metacopy=off,"
	    "index=off,xino=off",
	    upper, work);
	off += (size_t)n;
	if (off >= len) {
		errno = E2BIG;
		return -1;
	}
	return 0;
}

/* New mount API: one fsconfig per layer, no page limit (Linux 6.8+).
 * -1 with errno ENOSYS or EINVAL when the kernel cannot. */
static int
overlay_fsconfig(struct ctx *c, const char *upper, const char *work)
{
	const struct image_desc *d = c->p->image;
	cleanup_close int fs = -1, mnt = -1, target = -1;
	static const char *const off[] = { "redirect_dir", "metacopy", "index",
		"xino" };

	if ((fs = fsopen("overlay", FSOPEN_CLOEXEC)) == -1)
		return -1;
	for (size_t i = d->nlayers; i-- > 0;) {
		if (!gram_link(d->layers[i].link))
			die("image %s: bad layer link", d->name);
		if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+",
			d->layers[i].link, 0) == -1) {
			if (errno == EINVAL && i == d->nlayers - 1)
				return -1; /* no lowerdir+ before 6.8 */
			die_errno("overlay layer %s", d->layers[i].hex);
		}
	}
	if (fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) == -1 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "workdir", work, 0) == -1)
		die_errno("overlay upper");
	for (size_t i = 0; i < sizeof(off) / sizeof(off[0]); i++)
		if (fsconfig(fs, FSCONFIG_SET_STRING, off[i], "off", 0) == -1)
			die_errno("overlay %s=off", off[i]);
	/* Before 6.8 (Debian 12's 6.1, Ubuntu 22.04's 5.15) overlayfs parses
	 * the options only here, as one legacy string: "lowerdir+" is then
	 * refused with EINVAL, and the one-page mount below takes over. */
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == -1) {
		if (errno == EINVAL)
			return -1;
		die_errno("overlay of image %s", d->name);
	}
	mnt = fsmount(fs, FSMOUNT_CLOEXEC,
	    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (mnt == -1)
		die_errno("overlay fsmount");
	target = openat(c->scratch, "root",
	    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (target == -1 ||
	    move_mount(mnt, "", target, "",
		MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) == -1)
		die_errno("overlay move_mount");
	return 0;
}

static void
mount_overlay(struct ctx *c)
{
	const struct image_desc *d = c->p->image;
	cleanup_close int store = -1, l = -1, target = -1;
	cleanup_free char *opt = NULL;
	char upper[64], work[64];
	long page = sysconf(_SC_PAGESIZE);
	struct statfs sf;

	if (d->nlayers == 0)
		die("image %s has no layer", d->name);
	store = open(STORE_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (store == -1)
		die_errno("image store %s", STORE_DIR);
	l = openat(store, "l", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (l == -1 || fchdir(l) == -1)
		die_errno("image store %s/l", STORE_DIR);
	snprintf(upper, sizeof(upper), "/proc/self/fd/%d/upper", c->scratch);
	snprintf(work, sizeof(work), "/proc/self/fd/%d/work", c->scratch);
	if (overlay_fsconfig(c, upper, work) == -1) {
		if (errno != ENOSYS && errno != EINVAL)
			die_errno("overlay of image %s", d->name);
		if (page <= 0)
			die("overlay options: no page size");
		opt = xrealloc(NULL, (size_t)page);
		if (mounts_ovl_options(d, upper, work, opt, (size_t)page) == -1)
			die("image %s: %zu layers do not fit in one mount "
			    "(this kernel has no overlay lowerdir+; Linux 6.8 "
			    "or later has)",
			    d->name, d->nlayers);
		target = openat(c->scratch, "root",
		    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (target == -1)
			die_errno("overlay mountpoint");
		mount_on("overlay", target, "overlay", MS_NOSUID | MS_NODEV,
		    opt, "overlay");
	}
	c->root = openat(c->scratch, "root",
	    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c->root == -1 || fstatfs(c->root, &sf) == -1 ||
	    sf.f_type != OVERLAYFS_SUPER_MAGIC)
		die("overlay of image %s: not mounted", d->name);
	if (fsutil_fd_path(c->root, c->rootpath, sizeof(c->rootpath)) == -1)
		die_errno("overlay root path");
}

/* Mountpoints in the image. */

/* The directory PATH of the image itself (no crossing into a mount). */
static int
image_dir(struct ctx *c, const char *path)
{
	int fd;

	if (*path == '\0')
		return fcntl(c->root, F_DUPFD_CLOEXEC, 3);
	fd = fsutil_openat2(c->root, path, O_PATH | O_DIRECTORY, IN_IMAGE);
	if (fd == -1)
		die_errno("image directory /%s", path);
	return fd;
}

/*
 * NAME in DIR, a plain directory (DIR_WANTED) or regular file of the
 * image, made in the upper layer when missing; a symlink or any other
 * type there is replaced (a whiteout in the upper, then a new one).
 */
static int
mountpoint_at(int dir, const char *name, bool dir_wanted, const char *what)
{
	struct stat st;
	int fd;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (dir_wanted ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode))
			goto open;
		if (S_ISDIR(st.st_mode))
			die("image %s is a directory", what);
		if (unlinkat(dir, name, 0) == -1)
			die_errno("replace image %s", what);
	} else if (errno != ENOENT)
		die_errno("image %s", what);
	if (dir_wanted) {
		if (mkdirat(dir, name, 0755) == -1)
			die_errno("mkdir %s", what);
	} else {
		close(mkfile_open(dir, name, 0644));
	}
open:
	fd = openat(dir, name,
	    O_PATH | O_NOFOLLOW | O_CLOEXEC | (dir_wanted ? O_DIRECTORY : 0));
	if (fd == -1)
		die_errno("%s", what);
	return fd;
}

/* PATH ("dev", "var/tmp", "etc/passwd") as a mountpoint of the image. */
static int
sys_mountpoint(struct ctx *c, const char *path, bool dir_wanted)
{
	char parent[PATH_MAX];
	cleanup_close int pfd = -1;
	char *slash, what[PATH_MAX];

	snprintf(parent, sizeof(parent), "%s", path);
	snprintf(what, sizeof(what), "/%s", path);
	slash = strrchr(parent, '/');
	if (slash == NULL) {
		pfd = image_dir(c, "");
		return mountpoint_at(pfd, path, dir_wanted, what);
	}
	*slash = '\0';
	/* A missing parent (/var, /etc) is made; a symlinked one is
	 * followed inside the image, as the container will see it. */
	pfd = fsutil_openat2(c->root, parent, O_PATH | O_DIRECTORY, IN_IMAGE);
	if (pfd == -1 && errno == ENOENT && strchr(parent, '/') == NULL) {
		if (mkdirat(c->root, parent, 0755) == -1)
			die_errno("mkdir /%s", parent);
	}
	if (pfd == -1)
		pfd = image_dir(c, parent);
	return mountpoint_at(pfd, slash + 1, dir_wanted, what);
}

/* /etc/passwd and /etc/group. */

/*
 * Whether a failed IN_IMAGE lookup means the image has no such file:
 * ENOENT (missing), ENOTDIR (a component is not a directory), ELOOP (a
 * symlink where O_NOFOLLOW forbids one, a magic link, or a symlink loop)
 * and EXDEV (the path crosses a mount).  Every other error (EACCES, EIO,
 * ENOMEM, EMFILE, EAGAIN...) is a failure of the host, never "absent".
 */
static bool
image_absent(int err)
{
	return err == ENOENT || err == ENOTDIR || err == ELOOP || err == EXDEV;
}

static char *
read_image_file(struct ctx *c, const char *path, size_t *len)
{
	cleanup_close int fd = -1;
	cleanup_free char *buf = NULL;
	struct stat st;
	size_t n = 0;
	ssize_t r;

	*len = 0;
	fd = fsutil_openat2(c->root, path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK,
	    IN_IMAGE);
	if (fd == -1) {
		/* The image's own shape: no image entries. */
		if (image_absent(errno))
			return NULL;
		die_errno("image /%s", path);
	}
	if (fstat(fd, &st) == -1)
		die_errno("image /%s", path);
	if (!S_ISREG(st.st_mode))
		return NULL;
	buf = xrealloc(NULL, PASSWD_MAX_INPUT + 1);
	while ((r = read(fd, buf + n, PASSWD_MAX_INPUT + 1 - n)) > 0) {
		n += (size_t)r;
		if (n > PASSWD_MAX_INPUT)
			die("image /%s is larger than %u bytes", path,
			    PASSWD_MAX_INPUT);
	}
	if (r == -1)
		die_errno("image /%s", path);
	*len = n;
	return steal_pointer(&buf);
}

/* The caller's shell when it exists in the image, else /bin/sh. */
static const char *
image_shell(struct ctx *c)
{
	const char *sh = c->p->shell;
	cleanup_close int fd = -1;
	struct stat st;

	if (sh == NULL || *sh != '/')
		return "/bin/sh";
	fd = fsutil_openat2(c->root, sh, O_PATH, IN_IMAGE);
	if (fd == -1 && !image_absent(errno))
		die_errno("image %s", sh);
	if (fd == -1)
		return "/bin/sh";
	if (fstat(fd, &st) == -1)
		die_errno("image %s", sh);
	if (!S_ISREG(st.st_mode))
		return "/bin/sh";
	return sh;
}

static void
gen_passwd(struct ctx *c)
{
	const struct launch_plan *p = c->p;
	struct passwd_caller pc = {
		.user = p->user,
		.uid = p->uid,
		.gid = p->gid,
		.gecos = p->gecos,
		.home = p->home,
		.groups = p->groups,
		.ngroups = p->ngroups,
	};
	cleanup_free char *ipw = NULL, *igr = NULL;
	size_t ipwlen, igrlen;

	pc.shell = image_shell(c);
	ipw = read_image_file(c, "etc/passwd", &ipwlen);
	igr = read_image_file(c, "etc/group", &igrlen);
	if (passwd_gen_passwd(ipw, ipwlen, &pc, &c->pw, &c->pwlen) == -1 ||
	    passwd_gen_group(igr, igrlen, &pc, &c->gr, &c->grlen) == -1)
		die_errno("generate /etc/passwd and /etc/group");
}

static int
write_scratch(struct ctx *c, const char *name, const char *s, size_t len)
{
	cleanup_close int fd = -1;
	int ret;

	fd = openat(c->scratch, name,
	    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd == -1)
		die_errno("create %s", name);
	while (len > 0) {
		ssize_t w = write(fd, s, len);

		if (w <= 0)
			die_errno("write %s", name);
		s += w;
		len -= (size_t)w;
	}
	ret = openat(c->scratch, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (ret == -1)
		die_errno("%s", name);
	return ret;
}

/* A file bound read-only onto /etc/NAME. */
static void
bind_etc(struct ctx *c, int src, const char *name)
{
	char path[64];
	cleanup_close int dst = -1;

	snprintf(path, sizeof(path), "etc/%s", name);
	dst = sys_mountpoint(c, path, false);
	bind_fd(src, dst, ATTR_MASK, false, path);
}

/* /proc. */

static void
mount_proc(struct ctx *c)
{
	cleanup_close int mp = -1, proc = -1;
	struct statfs sf;

	mp = sys_mountpoint(c, "proc", true);
	mount_on("proc", mp, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL,
	    "/proc");
	proc = fsutil_openat2(c->root, "proc", O_PATH | O_DIRECTORY, IN_ROOT);
	if (proc == -1 || fstatfs(proc, &sf) == -1 ||
	    sf.f_type != PROC_SUPER_MAGIC)
		die("/proc: not mounted");
	for (size_t i = 0; i < sizeof(proc_masked) / sizeof(*proc_masked);
	     i++) {
		cleanup_close int t = -1;
		struct stat st;

		t = fsutil_openat2(proc, proc_masked[i], O_PATH, BENEATH);
		if (t == -1 && errno == ENOENT)
			continue;
		if (t == -1 || fstat(t, &st) == -1)
			die_errno("/proc/%s", proc_masked[i]);
		bind_fd(S_ISDIR(st.st_mode) ? c->empty_dir : c->empty_file, t,
		    ATTR_MASK, false, proc_masked[i]);
	}
	for (size_t i = 0; i < sizeof(proc_ro) / sizeof(*proc_ro); i++) {
		cleanup_close int t = -1;

		t = fsutil_openat2(proc, proc_ro[i], O_PATH, BENEATH);
		if (t == -1 && errno == ENOENT)
			continue;
		if (t == -1)
			die_errno("/proc/%s", proc_ro[i]);
		bind_fd(t, t, ATTR_MASK, true, proc_ro[i]);
	}
}

/* /dev. */

static void
mount_dev(struct ctx *c)
{
	static const char *const links[][2] = { { "fd", "/proc/self/fd" },
		{ "stdin", "/proc/self/fd/0" }, { "stdout", "/proc/self/fd/1" },
		{ "stderr", "/proc/self/fd/2" }, { "ptmx", "pts/ptmx" } };
	cleanup_close int mp = -1, dev = -1, pts = -1, shm = -1, mq = -1;
	struct stat st;
	struct statfs sf;
	char opt[128];

	mp = sys_mountpoint(c, "dev", true);
	mount_on("tmpfs", mp, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	    "mode=0755,size=65536,nr_inodes=64", "/dev");
	dev = fsutil_openat2(c->root, "dev", O_PATH | O_DIRECTORY, IN_ROOT);
	if (dev == -1 || fstat(dev, &st) == -1)
		die_errno("/dev");
	c->devdev = st.st_dev;
	for (size_t i = 0; i < NHOSTDEVS; i++) {
		cleanup_close int t = mkfile_open(dev, hostdevs[i].name, 0644);

		bind_fd(c->hostdev[i], t, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
		    false, hostdevs[i].name);
	}
	for (size_t i = 0; i < sizeof(links) / sizeof(*links); i++)
		if (symlinkat(links[i][1], dev, links[i][0]) == -1)
			die_errno("/dev/%s", links[i][0]);
	pts = mkdir_open(dev, "pts", 0755);
	mount_on("devpts", pts, "devpts", MS_NOSUID | MS_NOEXEC,
	    "newinstance,ptmxmode=0666,mode=0620", "/dev/pts");
	c->pts = openat(dev, "pts",
	    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c->pts == -1 || fstatfs(c->pts, &sf) == -1 ||
	    sf.f_type != DEVPTS_SUPER_MAGIC)
		die("/dev/pts: not mounted");
	shm = mkdir_open(dev, "shm", 01777);
	size_opt(opt, sizeof(opt), "mode=1777", c->p->tmpfs_size);
	mount_on("tmpfs", shm, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opt,
	    "/dev/shm");
	mq = mkdir_open(dev, "mqueue", 0755);
	mount_on("mqueue", mq, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL,
	    "/dev/mqueue");
}

/* /sys, read-only on every submount. */

static void
mount_sys(struct ctx *c)
{
	cleanup_close int mp = -1, sys = -1;

	mp = sys_mountpoint(c, "sys", true);
	if (c->p->net == PLAN_NET_NONE || c->p->net == PLAN_NET_PRIVATE)
		/* Its own network namespace: a fresh sysfs shows only its
		 * devices (and no cgroup hierarchy). */
		mount_on("sysfs", mp, "sysfs",
		    MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, "/sys");
	else
		bind_fd(c->hostsys, mp, ATTR_MASK, true, "/sys");
	sys = fsutil_openat2(c->root, "sys", O_PATH | O_DIRECTORY, IN_ROOT);
	if (sys == -1)
		die_errno("/sys");
	for (size_t i = 0; i < sizeof(sys_masked) / sizeof(*sys_masked); i++) {
		cleanup_close int t = -1;

		t = fsutil_openat2(sys, sys_masked[i], O_PATH | O_DIRECTORY,
		    BENEATH);
		if (t == -1 && errno == ENOENT)
			continue;
		if (t == -1)
			die_errno("/sys/%s", sys_masked[i]);
		bind_fd(c->empty_dir, t, ATTR_MASK, false, sys_masked[i]);
	}
}

/* The container's own cgroup, and nothing else, at /sys/fs/cgroup. */
static void
mount_cgroup_view(struct ctx *c, struct cgroup_view *v)
{
	cleanup_close int mp = -1, t = -1;

	mp = fsutil_openat2(c->root, "sys/fs/cgroup", O_PATH | O_DIRECTORY,
	    IN_ROOT);
	if (mp == -1)
		die_errno("/sys/fs/cgroup");
	if (v->version == 2 && v->fd[0] >= 0) {
		bind_fd(v->fd[0], mp, ATTR_MASK, false, "/sys/fs/cgroup");
	} else {
		mount_on("tmpfs", mp, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		    "mode=0755,size=64k", "/sys/fs/cgroup");
		t = fsutil_openat2(c->root, "sys/fs/cgroup",
		    O_PATH | O_DIRECTORY, IN_ROOT);
		if (t == -1)
			die_errno("/sys/fs/cgroup");
		for (int i = 0; i < CGROUP_NCTL; i++) {
			cleanup_close int d = -1;

			if (v->fd[i] < 0)
				continue;
			d = mkdir_open(t, v->name[i], 0755);
			bind_fd(v->fd[i], d, ATTR_MASK, false, v->name[i]);
		}
		setattr_fd(t, ATTR_MASK, "/sys/fs/cgroup");
	}
	for (int i = 0; i < CGROUP_NCTL; i++)
		xclose(&v->fd[i]);
}

static void
mount_tmp(struct ctx *c, const char *path)
{
	cleanup_close int mp = sys_mountpoint(c, path, true), t = -1;
	char opt[128];
	struct stat st;

	size_opt(opt, sizeof(opt), "mode=1777", c->p->tmpfs_size);
	mount_on("tmpfs", mp, "tmpfs", MS_NOSUID | MS_NODEV, opt, path);
	t = fsutil_openat2(c->root, path, O_PATH | O_DIRECTORY, IN_ROOT);
	if (t == -1 || fstat(t, &st) == -1 || c->ntmp >= 2)
		die_errno("/%s", path);
	c->tmpdev[c->ntmp++] = st.st_dev;
}

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

/* Binds. */

/* Refuses a destination (the container path of the resolved target), by
 * the one list of reserved destinations (reserved.c). */
static void
check_dst(const char *dst, const char *cpath)
{
	const char *r;
	bool file;

	if (strcmp(cpath, "/") == 0)
		deny("bind destination %s: resolves to /", dst);
	if ((r = reserved_dst(cpath, &file)) != NULL)
		deny("bind destination %s: resolves to %s, which %s %s", dst,
		    cpath,
		    file ? "covers the generated" : "covers or lies under", r);
}

/* The container path of FD (resolved inside the new root), or dies. */
static void
container_path(struct ctx *c, int fd, const char *dst, char *out, size_t len)
{
	char real[PATH_MAX];
	size_t rl = strlen(c->rootpath);

	if (fsutil_fd_path(fd, real, sizeof(real)) == -1)
		die_errno("bind destination %s", dst);
	if (strncmp(real, c->rootpath, rl) != 0 ||
	    (real[rl] != '/' && real[rl] != '\0'))
		die("bind destination %s: resolves outside the container", dst);
	snprintf(out, len, "%s", real[rl] ? real + rl : "/");
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
		die("bind destination %s: too long", dst);
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
			if (!ours(c, parent))
				deny("bind destination %s: %s does not exist "
				     "and is not in the image",
				    dst, pfx);
			if (!last || dir_wanted) {
				if (mkdirat(parent, strrchr(pfx, '/') + 1,
					0755) == -1)
					die_errno("bind destination %s", pfx);
			} else
				close(mkfile_open(parent, strrchr(pfx, '/') + 1,
				    0644));
			fd = fsutil_openat2(c->root, pfx, O_PATH, IN_ROOT);
		}
		if (fd == -1 || last)
			break;
		xclose(&parent);
		parent = fd;
		fd = -1;
		*end = save;
		s = end;
	}
out:
	if (fd == -1)
		die_errno("bind destination %s", dst);
	return fd;
}

static void
mount_bind(struct ctx *c, const struct plan_bind *b, int src)
{
	cleanup_close int dst = -1;
	char cpath[PATH_MAX], real[PATH_MAX], what[PATH_MAX + 16];
	struct stat sst, dstst;
	struct statfs sf;
	bool ro = b->ro;

	if (fstat(src, &sst) == -1)
		die_errno("bind %s", b->src);
	if (b->from_user) {
		struct ctl_err e;
		bool gro = false;

		memset(&e, 0, sizeof(e));
		if (fsutil_fd_path(src, real, sizeof(real)) == -1 ||
		    policy_user_bind(&c->p->eff, real, b->mode, &gro, &e) == -1)
			deny("bind %s: %s", b->src,
			    e.msg[0] ? e.msg : "source moved");
		ro = ro || gro || b->mode == POLICY_MODE_RO;
	}
	dst = bind_target(c, b->dst, S_ISDIR(sst.st_mode));
	container_path(c, dst, b->dst, cpath, sizeof(cpath));
	check_dst(b->dst, cpath);
	if (fstat(dst, &dstst) == -1 || fstatfs(dst, &sf) == -1)
		die_errno("bind destination %s", b->dst);
	if (fsutil_fstype_refused((long)sf.f_type) || dstst.st_dev == c->devdev)
		deny("bind destination %s: a kernel file system", b->dst);
	if (S_ISDIR(sst.st_mode) != S_ISDIR(dstst.st_mode) ||
	    (!S_ISDIR(dstst.st_mode) && !S_ISREG(dstst.st_mode)))
		deny("bind destination %s: %s", b->dst,
		    S_ISDIR(sst.st_mode) ? "not a directory" :
					   "not a regular file");
	snprintf(what, sizeof(what), "%s", b->dst);
	bind_fd(src, dst, ATTR_SAFE | (ro ? MOUNT_ATTR_RDONLY : 0), true, what);
}

/* Into the new root. */

static void
enter_root(struct ctx *c)
{
	setattr_fd(c->root, MOUNT_ATTR_RDONLY | ATTR_SAFE, "/");
	if (fchdir(c->root) == -1)
		die_errno("chdir to the new root");
	if (syscall(SYS_pivot_root, ".", ".") == -1)
		die_errno("pivot_root");
	if (umount2(".", MNT_DETACH) == -1)
		die_errno("detach the old root");
	if (chdir("/") == -1)
		die_errno("chdir /");
}

static void
open_pty(struct ctx *c, struct mounts_tty *tty)
{
	int unlock = 0;

	tty->master = openat(c->pts, "ptmx",
	    O_RDWR | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
	if (tty->master == -1)
		die_errno("open the container's /dev/pts/ptmx");
	if (ioctl(tty->master, TIOCSPTLCK, &unlock) == -1)
		die_errno("unlock the pty");
	tty->slave = ioctl(tty->master, TIOCGPTPEER,
	    O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (tty->slave == -1)
		die_errno("open the pty peer");
	if (fchown(tty->slave, c->p->uid, (gid_t)-1) == -1)
		die_errno("chown the pty");
}

static void
ctx_free(struct ctx *c)
{
	xclose(&c->scratch);
	xclose(&c->root);
	xclose(&c->empty_file);
	xclose(&c->empty_dir);
	for (size_t i = 0; i < NHOSTDEVS; i++)
		xclose(&c->hostdev[i]);
	xclose(&c->hostsys);
	xclose(&c->resolv);
	xclose(&c->hosts);
	xclose(&c->pts);
	free(c->pw);
	free(c->gr);
}

void
mounts_setup(const struct launch_plan *p, const int *bind_fds,
    struct cgroup_view *view, struct mounts_tty *tty)
{
	struct ctx c = { .p = p };
	int fds[] = { -1, -1 };
	mode_t mask = umask(0); /* modes below are exact */

	c.scratch = c.root = c.empty_file = c.empty_dir = -1;
	c.hostsys = c.resolv = c.hosts = c.pts = -1;
	for (size_t i = 0; i < NHOSTDEVS; i++)
		c.hostdev[i] = -1;
	tty->master = tty->slave = -1;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1)
		die_errno("make / private");
	open_host(&c);
	mount_scratch(&c);
	mount_overlay(&c);
	gen_passwd(&c);
	fds[0] = write_scratch(&c, "passwd", c.pw, c.pwlen);
	fds[1] = write_scratch(&c, "group", c.gr, c.grlen);

	mount_proc(&c);
	mount_dev(&c);
	mount_sys(&c);
	if (view != NULL)
		mount_cgroup_view(&c, view);
	mount_tmp(&c, "tmp");
	mount_tmp(&c, "var/tmp");
	if (c.resolv >= 0)
		bind_etc(&c, c.resolv, "resolv.conf");
	if (c.hosts >= 0)
		bind_etc(&c, c.hosts, "hosts");
	bind_etc(&c, fds[0], "passwd");
	bind_etc(&c, fds[1], "group");
	xclose(&fds[0]);
	xclose(&fds[1]);
	for (size_t i = 0; i < p->nbinds; i++) {
		mount_bind(&c, &p->binds[i], bind_fds[i]);
		close(bind_fds[i]);
	}
	enter_root(&c);
	if (p->tty_wanted)
		open_pty(&c, tty);
	ctx_free(&c);
	umask(mask);
}
