/*
 * mounts_overlay.c: the container's root (DESIGN section 5, step 9): an
 * overlay of the image's read-only layers, topmost first, with the
 * scratch tmpfs as its upper, mounted at the scratch's root/ directory.
 *
 * Invariants:
 * - redirect_dir, metacopy, index and xino MUST be off; the overlay MUST
 *   be nosuid and nodev.
 * - Every layer link MUST pass gram_link() before it reaches an option:
 *   nothing from the store may change the option syntax.
 * - The new mount API (one fsconfig per layer) is tried first; the legacy
 *   one-page option string is its checked fallback for kernels before 6.8.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/grammar.h"
#include "helper/fsutil.h"
#include "helper/mounts.h"
#include "helper/mounts_int.h"

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

/* The overlay's options through fsconfig, on the context FS: 0, 1 when
 * this kernel cannot take them (no lowerdir+ before 6.8), or -1. */
static int
overlay_config(int fs, const struct image_desc *d, const char *upper,
    const char *work, struct ctl_err *e)
{
	static const char *const off[] = { "redirect_dir", "metacopy", "index",
		"xino" };

	for (size_t i = d->nlayers; i-- > 0;) {
		if (!gram_link(d->layers[i].link))
			return err_set(e, "image %s: bad layer link", d->name);
		if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+",
			d->layers[i].link, 0) == -1) {
			if (errno == EINVAL && i == d->nlayers - 1)
				return 1; /* no lowerdir+ before 6.8 */
			return err_errno(e, "overlay layer %s",
			    d->layers[i].hex);
		}
	}
	if (fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) == -1 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "workdir", work, 0) == -1)
		return err_errno(e, "overlay upper");
	for (size_t i = 0; i < sizeof(off) / sizeof(off[0]); i++)
		if (fsconfig(fs, FSCONFIG_SET_STRING, off[i], "off", 0) == -1)
			return err_errno(e, "overlay %s=off", off[i]);
	return 0;
}

/* New mount API: one fsconfig per layer, no page limit (Linux 6.8+).
 * 0; 1 when the kernel cannot (the legacy mount takes over); -1. */
static int
overlay_fsconfig(struct ctx *c, const char *upper, const char *work)
{
	const struct image_desc *d = c->p->image;
	cleanup_close int fs = -1, mnt = -1, target = -1;
	int r;

	if ((fs = fsopen("overlay", FSOPEN_CLOEXEC)) == -1) {
		if (errno == ENOSYS || errno == EINVAL)
			return 1;
		return err_errno(c->e, "overlay of image %s", d->name);
	}
	if ((r = overlay_config(fs, d, upper, work, c->e)) != 0)
		return r;
	/* Before 6.8 (Debian 12's 6.1, Ubuntu 22.04's 5.15) overlayfs parses
	 * the options only here, as one legacy string: "lowerdir+" is then
	 * refused with EINVAL, and the one-page mount below takes over. */
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == -1) {
		if (errno == EINVAL)
			return 1;
		return err_errno(c->e, "overlay of image %s", d->name);
	}
	mnt = fsmount(fs, FSMOUNT_CLOEXEC,
	    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (mnt == -1)
		return err_errno(c->e, "overlay fsmount");
	target = openat(c->scratch, "root",
	    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (target == -1 ||
	    move_mount(mnt, "", target, "",
		MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) == -1)
		return err_errno(c->e, "overlay move_mount");
	return 0;
}

/* Legacy mount(2): every option in one page. */
static int
overlay_legacy(struct ctx *c, const char *upper, const char *work)
{
	const struct image_desc *d = c->p->image;
	long page = sysconf(_SC_PAGESIZE);
	cleanup_free char *opt = NULL;
	cleanup_close int target = -1;

	if (page <= 0)
		return err_set(c->e, "overlay options: no page size");
	if ((opt = malloc((size_t)page)) == NULL)
		return err_errno(c->e, "out of memory");
	if (mounts_ovl_options(d, upper, work, opt, (size_t)page) == -1)
		return err_set(c->e,
		    "image %s: %zu layers do not fit in one mount "
		    "(this kernel has no overlay lowerdir+; Linux 6.8 "
		    "or later has)",
		    d->name, d->nlayers);
	target = openat(c->scratch, "root",
	    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (target == -1)
		return err_errno(c->e, "overlay mountpoint");
	return mnt_on("overlay", target, "overlay", MS_NOSUID | MS_NODEV, opt,
	    "overlay", c->e);
}

int
mnt_overlay(struct ctx *c)
{
	const struct image_desc *d = c->p->image;
	cleanup_close int store = -1, l = -1;
	char upper[64], work[64];
	struct statfs sf;
	int r;

	if (d->nlayers == 0)
		return err_set(c->e, "image %s has no layer", d->name);
	store = open(STORE_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (store == -1)
		return err_errno(c->e, "image store %s", STORE_DIR);
	l = openat(store, "l", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (l == -1 || fchdir(l) == -1)
		return err_errno(c->e, "image store %s/l", STORE_DIR);
	snprintf(upper, sizeof(upper), "/proc/self/fd/%d/upper", c->scratch);
	snprintf(work, sizeof(work), "/proc/self/fd/%d/work", c->scratch);
	if ((r = overlay_fsconfig(c, upper, work)) == -1)
		return -1;
	if (r == 1 && overlay_legacy(c, upper, work) == -1)
		return -1;
	c->root = openat(c->scratch, "root",
	    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c->root == -1 || fstatfs(c->root, &sf) == -1 ||
	    sf.f_type != OVERLAYFS_SUPER_MAGIC)
		return err_set(c->e, "overlay of image %s: not mounted",
		    d->name);
	if (fsutil_fd_path(c->root, c->rootpath, sizeof(c->rootpath)) == -1)
		return err_errno(c->e, "overlay root path");
	return 0;
}
