/*
 * cgroup_fs.c: the file and directory primitives of the container's
 * cgroup (cgroup_int.h): errors, interface files and numbers read and
 * written, cgroup.procs read, and the layout's directories opened
 * (checked), compared and removed.
 *
 * In "fake" mode (unit tests: a plain directory tree stands in for
 * cgroupfs) interface files are created when written, and removed before
 * rmdir.
 *
 * Invariants:
 * - Every directory of the layout MUST be owned by root (in fake mode: by
 *   the owner of the tree) and MUST NOT be group/other writable; such a
 *   directory is refused, never used.  Nothing is ever chowned.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "helper/cgroup_int.h"
#include "lib/cleanup.h"
#include "lib/fdtrust.h"

const char *const cg_ctl_name[CGROUP_NCTL] = { "memory", "cpu", "pids" };

int
cg_fail(struct ctl_err *e, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vat(e, NULL, 0, fmt, ap);
	va_end(ap);
	e->err = err;
	errno = err;
	return -1;
}

void
cg_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Writes VAL to FILE in DIRFD; -1 with errno. */
int
cg_write_file(const struct cgroup_hier *h, int dirfd, const char *file,
    const char *val)
{
	int flags = O_WRONLY | O_NOFOLLOW;
	cleanup_close int fd = -1;
	size_t len = strlen(val);

	if (h->fake)
		flags |= O_CREAT | O_TRUNC;
	do
		fd = openat(dirfd, file, flags | O_CLOEXEC, 0644);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return -1;
	/* One write applies a value whole; one interrupted (a freeze) is
	 * retried whole, never continued from the middle. */
	for (;;) {
		ssize_t n = write(fd, val, len);

		if (n == (ssize_t)len)
			return 0;
		if (n >= 0) {
			errno = EIO;
			return -1;
		}
		if (errno != EINTR)
			return -1;
	}
}

/* Reads FILE into BUF (NUL-terminated); a missing file reads empty. */
int
cg_read_file(int dirfd, const char *file, char *buf, size_t len)
{
	cleanup_close int fd = -1;
	size_t off = 0;
	ssize_t n;

	buf[0] = '\0';
	fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	while (off + 1 < len && (n = read(fd, buf + off, len - 1 - off)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)n;
	}
	buf[off] = '\0';
	return 0;
}

/* Is WORD one of the space-separated words of LIST ('+' prefixes ok)? */
bool
cg_has_word(const char *list, const char *word)
{
	size_t wl = strlen(word);

	for (const char *p = list; *p;) {
		while (*p && isspace((unsigned char)*p))
			p++;
		if (*p == '+')
			p++;
		const char *q = p;
		while (*q && !isspace((unsigned char)*q))
			q++;
		if ((size_t)(q - p) == wl && strncmp(p, word, wl) == 0)
			return true;
		p = q;
	}
	return false;
}

/*
 * Reads the pids of a cgroup.procs file into a sorted, malloc'ed array.
 * Returns the count, or -1.
 */
ssize_t
cg_read_pids(int dirfd, pid_t **out)
{
	cleanup_close int fd = -1;
	cleanup_fclose FILE *f = NULL;
	pid_t *v = NULL;
	size_t n = 0, cap = 0;
	long pid;

	*out = NULL;
	fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	f = fdopen(fd, "re");
	if (f == NULL)
		return -1;
	steal_fd(&fd);
	while (fscanf(f, "%ld", &pid) == 1) {
		if (pid <= 0 || pid > INT_MAX)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			pid_t *nv = reallocarray(v, cap, sizeof(*v));
			if (nv == NULL) {
				free(v);
				return -1;
			}
			v = nv;
		}
		v[n++] = (pid_t)pid;
	}
	*out = v;
	return (ssize_t)n;
}

int
cgroup_nprocs(int dirfd)
{
	cleanup_free pid_t *v = NULL;
	ssize_t n = cg_read_pids(dirfd, &v);

	return n > INT_MAX ? INT_MAX : (int)n;
}

/* Checks that DIRFD is a directory owned by OWNER, not group/other
 * writable. */
static int
check_dir(int dirfd, uid_t owner, const char *what, struct ctl_err *e)
{
	struct stat st;

	if (fstat(dirfd, &st) == -1)
		return cg_fail(e, errno, "cgroup %s", what);
	if (!S_ISDIR(st.st_mode) || !st_trusted(&st, owner))
		return cg_fail(e, EPERM,
		    "cgroup %s: not a root-owned directory writable only by root",
		    what);
	return 0;
}

static uid_t
tree_owner(const struct cgroup_hier *h)
{
	struct stat st;

	if (!h->fake)
		return 0;
	if (fstat(h->fd[cg_primary(h)], &st) == -1)
		return 0;
	return st.st_uid;
}

/*
 * Gives the checked directory FD exactly MODE: the umask (a PAM session
 * module may set one) never decides who can open a lock directory.
 */
static int
set_mode(int fd, mode_t mode, const char *what, struct ctl_err *e)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		return cg_fail(e, errno, "cgroup %s", what);
	if ((st.st_mode & 07777) != mode && fchmod(fd, mode) == -1)
		return cg_fail(e, errno, "cgroup %s: chmod", what);
	if (fstat(fd, &st) == -1 || (st.st_mode & 07777) != mode)
		return cg_fail(e, EPERM, "cgroup %s: mode is not %04o", what,
		    (unsigned)mode);
	return 0;
}

/* Opens (creating if CREATE) directory NAME under PARENT, checked, with
 * exactly MODE. */
int
cg_open_dir(const struct cgroup_hier *h, int parent, const char *name,
    bool create, mode_t mode, struct ctl_err *e)
{
	cleanup_close int fd = -1;

	if (create && mkdirat(parent, name, mode) == -1 && errno != EEXIST)
		return cg_fail(e, errno, "cgroup %s: mkdir", name);
	fd = openat(parent, name,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cg_fail(e, errno, "cgroup %s", name);
	if (check_dir(fd, tree_owner(h), name, e) == -1 ||
	    set_mode(fd, mode, name, e) == -1)
		return -1;
	return steal_fd(&fd);
}

/* Whether NAME under PARENT is still the directory FD (not removed, not
 * replaced by a new one). */
bool
cg_same_dir(int parent, const char *name, int fd)
{
	cleanup_close int cur = -1;
	struct stat a, b;

	cur = openat(parent, name,
	    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cur < 0 || fstat(cur, &a) == -1 || fstat(fd, &b) == -1)
		return false;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/*
 * A directory stream on directory NAME under PARENT ("." for PARENT
 * itself): a new open file description, so that reading it moves no
 * offset of PARENT's.  NULL with errno.
 */
DIR *
cg_opendir(int parent, const char *name)
{
	cleanup_close int fd = openat(parent, name,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d;

	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (d != NULL)
		fd = -1;
	return d;
}

/* Removes cgroup NAME under PARENT (fake: its files first). */
int
cg_remove_dir(const struct cgroup_hier *h, int parent, const char *name)
{
	if (h->fake) {
		DIR *d = cg_opendir(parent, name);
		struct dirent *de;

		if (d == NULL)
			return -1;
		while ((de = readdir(d)) != NULL)
			if (de->d_type == DT_REG)
				(void)unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}
	return unlinkat(parent, name, AT_REMOVEDIR);
}

/* A file holding one number, or CGROUP_UNKNOWN. */
uint64_t
cg_read_number(int dirfd, const char *file)
{
	char buf[64], *end;
	unsigned long long v;

	if (dirfd < 0 || cg_read_file(dirfd, file, buf, sizeof(buf)) == -1 ||
	    !isdigit((unsigned char)buf[0]))
		return CGROUP_UNKNOWN;
	errno = 0;
	v = strtoull(buf, &end, 10);
	return errno == 0 && (*end == '\n' || *end == '\0') ? (uint64_t)v :
							      CGROUP_UNKNOWN;
}

void
cg_close_fds(int *v, int n)
{
	for (int i = 0; i < n; i++) {
		if (v[i] >= 0)
			close(v[i]);
		v[i] = -1;
	}
}
