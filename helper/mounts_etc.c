/*
 * mounts_etc.c: the container's /etc files (DESIGN section 5, step 9):
 * the host's resolv.conf and hosts, and /etc/passwd and /etc/group
 * generated on the scratch tmpfs from the image's own files plus the
 * caller's sanitised entries (passwd.c), each bound read-only.
 *
 * Invariants:
 * - The host's resolv.conf and hosts MUST be opened (regular files only)
 *   before any image path is looked at.
 * - The image's /etc/passwd and /etc/group MUST be read as bounded data
 *   (regular file, O_NOFOLLOW, O_NONBLOCK, at most PASSWD_MAX_INPUT bytes),
 *   never through NSS.  Only ENOENT, ENOTDIR, ELOOP or EXDEV MAY count as
 *   "absent" (for them and for the caller's shell); any other error MUST
 *   be fatal.
 * - The /etc mountpoints MUST lie in the image (no crossing into another
 *   mount); every file is bound read-only, nosuid, nodev, noexec.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/io.h"
#include "lib/cleanup.h"
#include "helper/fsutil.h"
#include "helper/mounts_int.h"
#include "helper/passwd.h"

/* Root's own configuration: symlinks (systemd-resolved) are trusted and
 * followed.  A missing or odd file is left out. */
static int
open_host_file(const char *path)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0 && (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)))
		mnt_close(&fd);
	return fd;
}

int
mnt_open_host_etc(struct ctx *c)
{
	c->resolv = open_host_file("/etc/resolv.conf");
	c->hosts = open_host_file("/etc/hosts");
	return 0;
}

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

/* The image's PATH as bounded bytes into *OUT (NULL when absent or not a
 * regular file); -1 on failure. */
static int
read_image_file(struct ctx *c, const char *path, char **out, size_t *len)
{
	cleanup_close int fd = -1;
	cleanup_free char *buf = NULL;
	struct stat st;
	size_t n = 0;
	ssize_t r;

	*out = NULL;
	*len = 0;
	fd = fsutil_openat2(c->root, path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK,
	    IN_IMAGE);
	if (fd == -1) {
		/* The image's own shape: no image entries. */
		if (image_absent(errno))
			return 0;
		return err_errno(c->e, "image /%s", path);
	}
	if (fstat(fd, &st) == -1)
		return err_errno(c->e, "image /%s", path);
	if (!S_ISREG(st.st_mode))
		return 0;
	if ((buf = malloc(PASSWD_MAX_INPUT + 1)) == NULL)
		return err_errno(c->e, "out of memory");
	while ((r = read(fd, buf + n, PASSWD_MAX_INPUT + 1 - n)) > 0) {
		n += (size_t)r;
		if (n > PASSWD_MAX_INPUT)
			return err_set(c->e,
			    "image /%s is larger than %u bytes", path,
			    PASSWD_MAX_INPUT);
	}
	if (r == -1)
		return err_errno(c->e, "image /%s", path);
	*len = n;
	*out = steal_pointer(&buf);
	return 0;
}

/* The caller's shell when it exists in the image, else /bin/sh; NULL on
 * failure. */
static const char *
image_shell(struct ctx *c)
{
	const char *sh = c->p->shell;
	cleanup_close int fd = -1;
	struct stat st;

	if (sh == NULL || *sh != '/')
		return "/bin/sh";
	fd = fsutil_openat2(c->root, sh, O_PATH, IN_IMAGE);
	if (fd == -1 && !image_absent(errno)) {
		err_errno(c->e, "image %s", sh);
		return NULL;
	}
	if (fd == -1)
		return "/bin/sh";
	if (fstat(fd, &st) == -1) {
		err_errno(c->e, "image %s", sh);
		return NULL;
	}
	if (!S_ISREG(st.st_mode))
		return "/bin/sh";
	return sh;
}

static int
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

	if ((pc.shell = image_shell(c)) == NULL ||
	    read_image_file(c, "etc/passwd", &ipw, &ipwlen) == -1 ||
	    read_image_file(c, "etc/group", &igr, &igrlen) == -1)
		return -1;
	if (passwd_gen_passwd(ipw, ipwlen, &pc, &c->pw, &c->pwlen) == -1 ||
	    passwd_gen_group(igr, igrlen, &pc, &c->gr, &c->grlen) == -1)
		return err_errno(c->e, "generate /etc/passwd and /etc/group");
	return 0;
}

/* NAME on the scratch tmpfs holding S, opened O_PATH. */
static int
write_scratch(struct ctx *c, const char *name, const char *s, size_t len)
{
	cleanup_close int fd = -1;
	int ret;

	fd = openat(c->scratch, name,
	    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd == -1)
		return err_errno(c->e, "create %s", name);
	if (io_write_all(fd, s, len) != 0)
		return err_errno(c->e, "write %s", name);
	ret = openat(c->scratch, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (ret == -1)
		return err_errno(c->e, "%s", name);
	return ret;
}

int
mnt_etc_generate(struct ctx *c)
{
	if (gen_passwd(c) == -1)
		return -1;
	c->etc_passwd = write_scratch(c, "passwd", c->pw, c->pwlen);
	if (c->etc_passwd == -1)
		return -1;
	c->etc_group = write_scratch(c, "group", c->gr, c->grlen);
	return c->etc_group == -1 ? -1 : 0;
}

/* A file bound read-only onto /etc/NAME. */
static int
bind_etc(struct ctx *c, int src, const char *name)
{
	char path[64];
	cleanup_close int dst = -1;

	snprintf(path, sizeof(path), "etc/%s", name);
	if ((dst = mnt_sys_mountpoint(c, path, false)) == -1)
		return -1;
	return mnt_bind_fd(src, dst, ATTR_MASK, false, path, c->e);
}

int
mnt_etc_bind(struct ctx *c)
{
	if (c->resolv >= 0 && bind_etc(c, c->resolv, "resolv.conf") == -1)
		return -1;
	if (c->hosts >= 0 && bind_etc(c, c->hosts, "hosts") == -1)
		return -1;
	if (bind_etc(c, c->etc_passwd, "passwd") == -1 ||
	    bind_etc(c, c->etc_group, "group") == -1)
		return -1;
	mnt_close(&c->etc_passwd);
	mnt_close(&c->etc_group);
	return 0;
}
