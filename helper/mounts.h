/*
 * mounts.h: the container's filesystem (step 9 of DESIGN section 5),
 * built by P1 in its new mount namespace.  Step 8 (the bind sources) is
 * binds.h; the layer locks K holds are layers.h.
 */
#ifndef CTL_MOUNTS_H
#define CTL_MOUNTS_H

#include "lib/err.h"
#include "helper/plan.h"

struct mounts_tty {
	int master; /* the container devpts' ptmx, or -1 */
	int slave;  /* its peer, the payload's stdio, or -1 */
};

/*
 * The overlay mount options for D's layers, topmost first, as one
 * legacy mount(2) data string (relative to the store's l/ directory):
 * 0, or -1 (E2BIG) when it does not fit in LEN bytes (one page at most);
 * -1 (EINVAL) for a link or path that would break the option syntax.
 */
int mounts_ovl_options(const struct image_desc *d, const char *upper,
    const char *work, char *buf, size_t len);

/*
 * Step 9 (P1, root): propagation private; overlay of the image layers with
 * a tmpfs upper; proc, minimal /dev, devpts, tmpfs /tmp /var/tmp /dev/shm,
 * read-only /sys, masked /proc paths, resolv.conf and hosts, generated
 * /etc/passwd and /etc/group; the binds from BIND_FDS (one per plan bind,
 * in order); unless VIEW is NULL, the container's own cgroup and nothing
 * else read-only at /sys/fs/cgroup, whatever the network mode (v2 its
 * directory; v1 a read-only tmpfs holding each controller's own directory;
 * VIEW's descriptors are closed); pivot_root and detach of the old root.
 * With -t, opens a pty
 * pair from the container's devpts into *TTY.
 * Every descriptor of BIND_FDS is closed before it returns (they are O_PATH
 * descriptors of host directories: none may reach the payload).  On return
 * the root and the working directory are the container's "/".
 *
 * mounts_setup_at: the core: 0, or -1 with E set (E->denied for a refused
 * bind destination), the pty and VIEW's descriptors closed; the mount
 * namespace is then half built and only good for the process's exit.
 * mounts_setup: the same, or dies (exit 125) with E's message.
 */
struct cgroup_view;
int mounts_setup_at(const struct launch_plan *, const int *bind_fds,
    struct cgroup_view *view, struct mounts_tty *tty, struct ctl_err *e);
void mounts_setup(const struct launch_plan *, const int *bind_fds,
    struct cgroup_view *view, struct mounts_tty *tty);

#endif
