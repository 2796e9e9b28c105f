/*
 * trust.c: opens the policy file only if nobody but root can have written
 * it, checked on descriptors, not on names.
 *
 * Invariants:
 * - The path MUST be absolute and normal; every component MUST be opened
 *   relative to its parent's descriptor with O_NOFOLLOW, so a symlink
 *   anywhere (the file or a directory) is refused.
 * - Every directory from / down MUST be owned by root and not group or
 *   other writable, checked with fstat on its opened descriptor.
 * - The file MUST be a regular file owned by root, not group or other
 *   writable, checked with fstat on the returned descriptor.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/fdtrust.h"
#include "policy/policy_int.h"

/* Replaces *DIR by its subdirectory COMP (the component of PATH that ends
 * at SLASH), opened without following a symlink, after the trust check on
 * its descriptor. */
static int
step_dir(int *dir, const char *path, const char *slash, const char *comp,
    struct ctl_err *e)
{
	struct stat st;
	const char *why;
	int next = openat(*dir, comp,
	    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (next < 0) {
		perr_set(e, path, 0, "refused: %.*s: %s", (int)(slash - path),
		    path,
		    errno == ENOTDIR ? "not a directory (or a symlink)" :
				       strerror(errno));
		return -1;
	}
	close(*dir);
	*dir = next;
	if (fstat(*dir, &st) < 0) {
		perr_set(e, path, 0, "fstat: %s", strerror(errno));
		return -1;
	}
	if ((why = st_untrusted_why(&st, 0)) != NULL) {
		perr_set(e, path, 0, "refused: directory %.*s is %s",
		    (int)(slash - path), path, why);
		return -1;
	}
	return 0;
}

/* Opens the file COMP of trusted directory DIR (PATH) without following a
 * symlink, after the trust check on its descriptor. */
static int
open_file(int dir, const char *comp, const char *path, struct ctl_err *e)
{
	cleanup_close int fd = -1;
	struct stat st;
	const char *why;

	fd = openat(dir, comp,
	    O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		perr_set(e, path, 0, "%s",
		    errno == ELOOP ? "refused: a symlink" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		perr_set(e, path, 0, "fstat: %s", strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		perr_set(e, path, 0, "refused: not a regular file");
		return -1;
	}
	if ((why = st_untrusted_why(&st, 0)) != NULL) {
		perr_set(e, path, 0, "refused: %s", why);
		return -1;
	}
	if (fcntl(fd, F_SETFL, 0) < 0) {
		perr_set(e, path, 0, "fcntl: %s", strerror(errno));
		return -1;
	}
	return steal_fd(&fd);
}

int
policy_open_trusted(const char *path, struct ctl_err *e)
{
	cleanup_close int dir = -1;
	char comp[256];
	const char *p, *why;
	struct stat st;
	size_t n;

	if (!policy_path_normal(path) || strcmp(path, "/") == 0) {
		perr_set(e, path, 0, "refused: not an absolute, normal path");
		return -1;
	}
	dir = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0 || fstat(dir, &st) < 0) {
		perr_set(e, path, 0, "/: %s", strerror(errno));
		return -1;
	}
	if ((why = st_untrusted_why(&st, 0)) != NULL) {
		perr_set(e, path, 0, "refused: directory / is %s", why);
		return -1;
	}
	for (p = path + 1;; p += n + 1) {
		const char *slash = strchr(p, '/');

		n = slash ? (size_t)(slash - p) : strlen(p);
		if (n >= sizeof(comp)) {
			perr_set(e, path, 0,
			    "refused: path component too long");
			return -1;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		if (slash == NULL)
			break;
		if (step_dir(&dir, path, slash, comp, e) < 0)
			return -1;
	}
	return open_file(dir, comp, path, e);
}
