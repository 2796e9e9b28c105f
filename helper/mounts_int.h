/*
 * mounts_int.h: what the pieces of step 9 share (private to mounts.c,
 * mounts_fd.c, mounts_overlay.c, mounts_sys.c, mounts_etc.c and
 * mounts_binds.c): the setup's context and the descriptor-based mount
 * primitives.
 *
 * Every function here reports through C->e or E (lib/err.h) and returns
 * -1 on failure, never dies: mounts_setup() is the one place that ends
 * the launch.
 */
#ifndef CTL_MOUNTS_INT_H
#define CTL_MOUNTS_INT_H

#include <limits.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/types.h>

#include "lib/err.h"
#include "helper/cgroup.h"
#include "helper/plan.h"

#define IN_ROOT   (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)
#define IN_IMAGE  (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV)
#define BENEATH   (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)
#define ATTR_SAFE (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)
#define ATTR_MASK                                                   \
	(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | \
	    MOUNT_ATTR_NOEXEC)

/* The host's device nodes bound into /dev (mounts_sys.c's table). */
#define MNT_NHOSTDEVS 6

struct ctx {
	const struct launch_plan *p;
	struct ctl_err *e; /* where a step reports its failure */
	int scratch; /* the scratch tmpfs (upper, work, generated files) */
	int root;    /* the overlay root */
	int empty_file, empty_dir;
	int hostdev[MNT_NHOSTDEVS];
	int resolv, hosts;         /* host files, or -1 */
	int etc_passwd, etc_group; /* the generated files, or -1 */
	int pts;                   /* the container's devpts */
	dev_t devdev;              /* st_dev of the container's /dev tmpfs */
	dev_t tmpdev[2];           /* st_dev of its /tmp and /var/tmp */
	size_t ntmp;
	char rootpath[PATH_MAX];
	char *pw, *gr;
	size_t pwlen, grlen;
};

/* mounts_fd.c: primitives on descriptors, never on image paths. */

/* Closes *FD if open and sets it to -1. */
void mnt_close(int *fd);
/* mount(2) onto the object FD refers to. */
int mnt_on(const char *src, int fd, const char *type, unsigned long flags,
    const char *data, const char *what, struct ctl_err *e);
/* Binds the object SRC refers to onto the object DST refers to, with SET
 * added on every mount of the copy (the whole tree when RECURSIVE), and
 * checks that the flags held. */
int mnt_bind_fd(int src, int dst, uint64_t set, bool recursive,
    const char *what, struct ctl_err *e);
/* Adds SET to the single mount FD is the root of. */
int mnt_setattr_fd(int fd, uint64_t set, const char *what, struct ctl_err *e);
/* NAME in DIR made (a directory, or an empty file) and opened O_PATH. */
int mnt_mkdir_open(int dir, const char *name, mode_t mode, struct ctl_err *e);
int mnt_mkfile_open(int dir, const char *name, mode_t mode, struct ctl_err *e);
/* A tmpfs option string: FIXED, and ",size=SIZE" when limited. */
void mnt_size_opt(char *buf, size_t len, const char *fixed, uint64_t size);
/* PATH ("dev", "var/tmp", "etc/passwd") as a mountpoint of the image:
 * a plain directory (DIR_WANTED) or regular file, replacing a symlink. */
int mnt_sys_mountpoint(struct ctx *c, const char *path, bool dir_wanted);

/* mounts_overlay.c: the image's layers under a tmpfs upper, at
 * scratch/root; sets C->root and C->rootpath. */
int mnt_overlay(struct ctx *c);

/* mounts_sys.c: the container's system directories. */
int mnt_open_host_sys(struct ctx *c);
int mnt_proc(struct ctx *c);
int mnt_dev(struct ctx *c);
int mnt_sys(struct ctx *c);
int mnt_cgroup_view(struct ctx *c, struct cgroup_view *v);
int mnt_tmp(struct ctx *c, const char *path);

/* mounts_etc.c: resolv.conf, hosts, and the generated passwd and group. */
int mnt_open_host_etc(struct ctx *c);
int mnt_etc_generate(struct ctx *c);
int mnt_etc_bind(struct ctx *c);

/* mounts_binds.c: one bind of the plan, from its step 8 descriptor. */
int mnt_plan_bind(struct ctx *c, const struct plan_bind *b, int src);

#endif
