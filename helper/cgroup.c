/*
 * cgroup.c: the container's cgroup, v2 or v1, created, limited, counted
 * and destroyed by the keeper K (steps 6 and 7 of DESIGN section 5).
 *
 * The core works on descriptors (a hierarchy root and a lock directory),
 * so that unit tests run it against a plain directory tree standing in
 * for cgroupfs ("fake" mode: interface files are created when written,
 * and removed before rmdir).
 *
 * Invariants:
 * - Every directory of the layout MUST be owned by root (in fake mode: by
 *   the owner of the tree) and MUST NOT be group/other writable; such a
 *   directory is refused, never used.  Nothing is ever chowned.
 * - The per-user count MUST be taken under the caller's lock (flock on
 *   u<uid>), held from before the sweep until the first process is
 *   placed; the host-wide count MUST be taken under the global lock
 *   (flock on ctr-launch), and the container directory MUST be created
 *   before that lock is released.
 * - An empty container cgroup of another user MUST count as live while
 *   that user's lock is held (their launch is in flight).
 * - The sweep MUST remove only empty container cgroups, each only under
 *   its owner's lock (the caller's own, or another user's taken without
 *   waiting while the global lock is held).
 * - The keeper that removes a user's last container cgroup MUST also
 *   remove that user's now empty u<uid> directories, only under the
 *   user's lock, and only the directories that lock belongs to.  A launch
 *   MUST check, once it holds the user's lock, that every u<uid> it
 *   opened is still the one in the tree (else it starts over), and a
 *   sweep of another user MUST NOT sweep through a removed u<uid>.
 * - The kill loop MUST signal only processes still listed in the
 *   container's cgroup.procs after their pidfd was opened.
 * - A finite limit whose controller is missing MUST be refused.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/magic.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "helper/audit.h"
#include "helper/cgroup.h"
#include "lib/cleanup.h"
#include "lib/fdtrust.h"
#include "helper/log.h"
#include "helper/place.h"
#include "helper/plan.h"

#define CPU_PERIOD 100000 /* microseconds */
/* ctr-launch and u<uid> are locks: nobody but root may open them. */
#define CGROUP_LOCK_MODE 0700
#define CGROUP_LEAF_MODE 0755
#define CPU_MINQUOTA     1000
#define UNLIMITED        UINT64_MAX

static const char *const ctl_name[CGROUP_NCTL] = { "memory", "cpu", "pids" };

static uint64_t read_number(int dirfd, const char *file);

static int fail(struct ctl_err *e, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct ctl_err *e, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vat(e, NULL, 0, fmt, ap);
	va_end(ap);
	e->err = err;
	errno = err;
	return -1;
}

static int refuse(struct ctl_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
refuse(struct ctl_err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vat(e, NULL, 0, fmt, ap);
	va_end(ap);
	e->denied = true;
	return -1;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static int
nprimary(const struct cgroup_hier *h)
{
	return h->version == 2 ? 0 : CGROUP_PIDS;
}

/* The hierarchies this launch touches: v2 one, v1 all three. */
static bool
used(const struct cgroup_hier *h, int c)
{
	return h->version == 1 || c == 0;
}

/* Writes VAL to FILE in DIRFD; -1 with errno. */
static int
write_file(const struct cgroup_hier *h, int dirfd, const char *file,
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
static int
read_file(int dirfd, const char *file, char *buf, size_t len)
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
static bool
has_word(const char *list, const char *word)
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
static ssize_t
read_pids(int dirfd, pid_t **out)
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
	ssize_t n = read_pids(dirfd, &v);

	return n > INT_MAX ? INT_MAX : (int)n;
}

static bool
name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63 || s[0] == '.' || s[0] == '-')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' &&
		    *s != '-')
			return false;
	return true;
}

/* Checks that DIRFD is a directory owned by OWNER, not group/other
 * writable. */
static int
check_dir(int dirfd, uid_t owner, const char *what, struct ctl_err *e)
{
	struct stat st;

	if (fstat(dirfd, &st) == -1)
		return fail(e, errno, "cgroup %s", what);
	if (!S_ISDIR(st.st_mode) || !st_trusted(&st, owner))
		return fail(e, EPERM,
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
	if (fstat(h->fd[nprimary(h)], &st) == -1)
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
		return fail(e, errno, "cgroup %s", what);
	if ((st.st_mode & 07777) != mode && fchmod(fd, mode) == -1)
		return fail(e, errno, "cgroup %s: chmod", what);
	if (fstat(fd, &st) == -1 || (st.st_mode & 07777) != mode)
		return fail(e, EPERM, "cgroup %s: mode is not %04o", what,
		    (unsigned)mode);
	return 0;
}

/* Opens (creating if CREATE) directory NAME under PARENT, checked, with
 * exactly MODE. */
static int
open_dir(const struct cgroup_hier *h, int parent, const char *name, bool create,
    mode_t mode, struct ctl_err *e)
{
	cleanup_close int fd = -1;

	if (create && mkdirat(parent, name, mode) == -1 && errno != EEXIST)
		return fail(e, errno, "cgroup %s: mkdir", name);
	fd = openat(parent, name,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return fail(e, errno, "cgroup %s", name);
	if (check_dir(fd, tree_owner(h), name, e) == -1 ||
	    set_mode(fd, mode, name, e) == -1)
		return -1;
	return steal_fd(&fd);
}

/* Whether NAME under PARENT is still the directory FD (not removed, not
 * replaced by a new one). */
static bool
same_dir(int parent, const char *name, int fd)
{
	cleanup_close int cur = -1;
	struct stat a, b;

	cur = openat(parent, name,
	    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cur < 0 || fstat(cur, &a) == -1 || fstat(fd, &b) == -1)
		return false;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Removes cgroup NAME under PARENT (fake: its files first). */
static int
remove_dir(const struct cgroup_hier *h, int parent, const char *name)
{
	if (h->fake) {
		cleanup_close int fd = openat(parent, name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		DIR *d;
		struct dirent *de;

		if (fd < 0)
			return -1;
		d = fdopendir(fd);
		if (d == NULL)
			return -1;
		fd = -1;
		while ((de = readdir(d)) != NULL)
			if (de->d_type == DT_REG)
				(void)unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}
	return unlinkat(parent, name, AT_REMOVEDIR);
}

/* Enables the available controllers for DIRFD's children (v2). */
static int
enable_controllers(const struct cgroup_hier *h, int dirfd, struct ctl_err *e)
{
	char cur[512], want[64] = "";

	if (read_file(dirfd, "cgroup.subtree_control", cur, sizeof(cur)) == -1)
		return fail(e, errno, "cgroup.subtree_control");
	for (int c = 0; c < CGROUP_NCTL; c++) {
		if (!h->have[c] || has_word(cur, ctl_name[c]))
			continue;
		if (want[0] != '\0')
			strncat(want, " ", sizeof(want) - strlen(want) - 1);
		strncat(want, "+", sizeof(want) - strlen(want) - 1);
		strncat(want, ctl_name[c], sizeof(want) - strlen(want) - 1);
	}
	if (want[0] == '\0')
		return 0;
	if (write_file(h, dirfd, "cgroup.subtree_control", want) == -1)
		return fail(e, errno, "cgroup.subtree_control: writing %s",
		    want);
	return 0;
}

static void
fmt_u64(char *buf, size_t len, uint64_t v, const char *inf)
{
	if (v == UNLIMITED)
		snprintf(buf, len, "%s", inf);
	else
		snprintf(buf, len, "%" PRIu64, v);
}

static uint64_t
cpu_quota(uint64_t milli)
{
	uint64_t q;

	if (milli > UINT64_MAX / (CPU_PERIOD / 1000))
		return UNLIMITED;
	q = milli * (CPU_PERIOD / 1000);
	return q < CPU_MINQUOTA ? CPU_MINQUOTA : q;
}

static int
wr(const struct cgroup_hier *h, int dirfd, const char *file, const char *val,
    struct ctl_err *e)
{
	if (write_file(h, dirfd, file, val) == -1)
		return fail(e, errno, "cgroup %s: writing %s", file, val);
	return 0;
}

static int
limit_memory(const struct cgroup_hier *h, int dirfd, uint64_t v,
    struct ctl_err *e)
{
	char buf[32];

	if (h->version == 2) {
		fmt_u64(buf, sizeof(buf), v, "max");
		if (wr(h, dirfd, "memory.max", buf, e) == -1)
			return -1;
		/* No swap beyond the limit (absent without swap accounting). */
		if (write_file(h, dirfd, "memory.swap.max", "0") == -1 &&
		    errno != ENOENT)
			return fail(e, errno, "cgroup memory.swap.max");
		return 0;
	}
	/* v1: memsw (memory + swap) must stay >= the memory limit. */
	fmt_u64(buf, sizeof(buf), v, "-1");
	if (v == UNLIMITED ||
	    write_file(h, dirfd, "memory.limit_in_bytes", buf) == -1) {
		if (v != UNLIMITED && errno != EINVAL)
			return fail(e, errno, "cgroup memory.limit_in_bytes");
		if (write_file(h, dirfd, "memory.memsw.limit_in_bytes", buf) ==
			-1 &&
		    errno != ENOENT)
			return fail(e, errno,
			    "cgroup memory.memsw.limit_in_bytes");
		return wr(h, dirfd, "memory.limit_in_bytes", buf, e);
	}
	if (write_file(h, dirfd, "memory.memsw.limit_in_bytes", buf) == -1 &&
	    errno != ENOENT)
		return fail(e, errno, "cgroup memory.memsw.limit_in_bytes");
	return 0;
}

static int
limit_cpu(const struct cgroup_hier *h, int dirfd, uint64_t milli,
    struct ctl_err *e)
{
	char buf[64];
	uint64_t q = milli == UNLIMITED ? UNLIMITED : cpu_quota(milli);

	if (h->version == 2) {
		if (q == UNLIMITED)
			snprintf(buf, sizeof(buf), "max %d", CPU_PERIOD);
		else
			snprintf(buf, sizeof(buf), "%" PRIu64 " %d", q,
			    CPU_PERIOD);
		return wr(h, dirfd, "cpu.max", buf, e);
	}
	snprintf(buf, sizeof(buf), "%d", CPU_PERIOD);
	if (wr(h, dirfd, "cpu.cfs_period_us", buf, e) == -1)
		return -1;
	fmt_u64(buf, sizeof(buf), q, "-1");
	return wr(h, dirfd, "cpu.cfs_quota_us", buf, e);
}

static int
limit_pids(const struct cgroup_hier *h, int dirfd, uint64_t v,
    struct ctl_err *e)
{
	char buf[32];

	fmt_u64(buf, sizeof(buf), v, "max");
	return wr(h, dirfd, "pids.max", buf, e);
}

/* Writes the limit of controller C into DIRFD (the hierarchy of C). */
static int
write_limit(const struct cgroup_hier *h, int c, int dirfd,
    const struct cgroup_limits *lim, struct ctl_err *e)
{
	const uint64_t v[CGROUP_NCTL] = { lim->memory, lim->cpus, lim->pids };

	if (!h->have[c]) {
		if (v[c] != UNLIMITED)
			return fail(e, ENOTSUP,
			    "cgroup controller %s is not available, so %s cannot be limited",
			    ctl_name[c], ctl_name[c]);
		return 0;
	}
	switch (c) {
	case CGROUP_MEMORY:
		return limit_memory(h, dirfd, v[c], e);
	case CGROUP_CPU:
		return limit_cpu(h, dirfd, v[c], e);
	default:
		return limit_pids(h, dirfd, v[c], e);
	}
}

/* Writes every limit of LIM into the directories DIRS (one per ctl). */
static int
write_limits(const struct cgroup_hier *h, const int *dirs,
    const struct cgroup_limits *lim, struct ctl_err *e)
{
	for (int c = 0; c < CGROUP_NCTL; c++)
		if (write_limit(h, c, dirs[h->version == 2 ? 0 : c], lim, e) ==
		    -1)
			return -1;
	return 0;
}

/*
 * Locks directory DIRFD (a new open file description of it, so that the
 * lock is this caller's own), waiting up to h->lock_wait_ms, or not at
 * all when NOWAIT.  Returns the locked descriptor, -1 with E, or -2 when
 * NOWAIT and the lock is held.  The cgroup directories are the locks:
 * nothing is left in the file system for them.
 */
static int
lock_dir(const struct cgroup_hier *h, int dirfd, const char *what, bool nowait,
    struct ctl_err *e)
{
	cleanup_close int fd = -1;
	int waited = 0;

	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return fail(e, errno, "lock %s", what);
	while (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return fail(e, errno, "lock %s", what);
		if (nowait)
			return -2;
		if (waited >= h->lock_wait_ms)
			return fail(e, ETIMEDOUT,
			    "lock %s: another launch holds it", what);
		sleep_ms(10);
		waited += 10;
	}
	return steal_fd(&fd);
}

/* Whether a keeper holds the lock on the container directory FD. */
static bool
leaf_held(int fd)
{
	cleanup_close int l = openat(fd, ".",
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (l < 0)
		return false;
	if (flock(l, LOCK_EX | LOCK_NB) == 0)
		return false; /* released when l closes */
	return errno == EWOULDBLOCK;
}

/*
 * Visits each container directory under UDIR: counts them, and the empty
 * ones into *NEMPTY; with SWEEP, removes the empty ones instead.
 */
static int
scan_user(const struct cgroup_hier *h, int udir, bool sweep, int *nempty)
{
	cleanup_close int fd = -1;
	DIR *d;
	struct dirent *de;
	int n = 0;

	if (nempty)
		*nempty = 0;
	fd = openat(udir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	d = fdopendir(fd);
	if (d == NULL)
		return -1;
	fd = -1;
	while ((de = readdir(d)) != NULL) {
		cleanup_close int c = -1;
		int np;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		c = openat(dirfd(d), de->d_name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (c < 0)
			continue;
		np = cgroup_nprocs(c);
		/* An empty leaf locked by its keeper registers a container
		 * nested in a batch job's cgroup (cgroup_create_at): live. */
		if (np == 0 && leaf_held(c))
			np = 1;
		if (np == 0 && sweep &&
		    remove_dir(h, dirfd(d), de->d_name) == 0)
			continue;
		if (np == 0 && nempty)
			(*nempty)++;
		n++;
	}
	closedir(d);
	return n;
}

/*
 * Removes the empty container cgroups of user directory UNAME in every
 * used hierarchy.  The caller MUST hold that user's lock.
 */
static void
sweep_user(const struct cgroup_hier *h, const char *uname)
{
	for (int c = 0; c < CGROUP_NCTL; c++) {
		cleanup_close int u = -1;
		char path[300];

		if (!used(h, c))
			continue;
		snprintf(path, sizeof(path), "%s/%s", CGROUP_DIR, uname);
		u = openat(h->fd[c], path,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (u >= 0)
			(void)scan_user(h, u, true, NULL);
	}
}

/*
 * Host-wide live containers, other than the caller's (counted by the
 * caller).  An empty cgroup of another user is live while that user's
 * lock is held (a launch in flight); otherwise it is stale, and is swept
 * here under that user's lock (its owner may never launch again).
 */
static int
count_others(const struct cgroup_hier *h, int base, uid_t self)
{
	cleanup_close int fd = -1;
	DIR *d;
	struct dirent *de;
	int total = 0;

	fd = openat(base, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	d = fdopendir(fd);
	if (d == NULL)
		return -1;
	fd = -1;
	while ((de = readdir(d)) != NULL) {
		cleanup_close int u = -1;
		unsigned long uid;
		char *end;
		int n, nempty;

		if (de->d_type != DT_DIR || de->d_name[0] != 'u' ||
		    !isdigit((unsigned char)de->d_name[1]))
			continue;
		errno = 0;
		uid = strtoul(de->d_name + 1, &end, 10);
		if (*end != '\0' || errno != 0 || uid == (unsigned long)self)
			continue;
		u = openat(dirfd(d), de->d_name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (u < 0)
			continue;
		n = scan_user(h, u, false, &nempty);
		if (n <= 0)
			continue;
		if (nempty > 0) {
			struct ctl_err e;
			int l = lock_dir(h, u, "user", true, &e);

			/* No launch in flight: stale.  A u<uid> removed
			 * meanwhile by its last keeper is not swept through. */
			if (l >= 0 && same_dir(dirfd(d), de->d_name, u)) {
				sweep_user(h, de->d_name);
				n -= nempty;
			}
			if (l >= 0)
				close(l);
		}
		total += n;
	}
	closedir(d);
	return total;
}

static void
close_fds(int *v, int n)
{
	for (int i = 0; i < n; i++) {
		if (v[i] >= 0)
			close(v[i]);
		v[i] = -1;
	}
}

static void
cg_reset(struct cgroup *cg, const struct cgroup_hier *h)
{
	memset(cg, 0, sizeof(*cg));
	cg->h = h;
	cg->ulock = -1;
	for (int c = 0; c < CGROUP_NCTL; c++)
		cg->udir[c] = cg->leaf[c] = cg->nest[c] = -1;
}

static void
cg_release(struct cgroup *cg)
{
	close_fds(cg->udir, CGROUP_NCTL);
	close_fds(cg->leaf, CGROUP_NCTL);
	close_fds(cg->nest, CGROUP_NCTL);
	if (cg->ulock >= 0)
		close(cg->ulock);
	cg->ulock = -1;
}

/* Opens ctr-launch/u<uid> in every used hierarchy, creating it; nothing
 * is written into it before the user's lock is held. */
static int
open_user(const struct cgroup_hier *h, const struct cgroup_req *r,
    struct cgroup *cg, struct ctl_err *e)
{
	char uname[32];

	snprintf(uname, sizeof(uname), "u%lu", (unsigned long)r->uid);
	for (int c = 0; c < CGROUP_NCTL; c++) {
		cleanup_close int base = -1;

		if (!used(h, c))
			continue;
		if (h->version == 2 && enable_controllers(h, h->fd[c], e) == -1)
			return -1;
		base = open_dir(h, h->fd[c], CGROUP_DIR, true, CGROUP_LOCK_MODE,
		    e);
		if (base < 0)
			return -1;
		if (h->version == 2 && enable_controllers(h, base, e) == -1)
			return -1;
		cg->udir[c] = open_dir(h, base, uname, true, CGROUP_LOCK_MODE,
		    e);
		if (cg->udir[c] < 0)
			return -1;
	}
	return 0;
}

/* Whether every u<uid> of CG is still the one in the tree. */
static bool
user_current(const struct cgroup_hier *h, const struct cgroup *cg)
{
	char path[64];

	snprintf(path, sizeof(path), "%s/u%lu", CGROUP_DIR,
	    (unsigned long)cg->uid);
	for (int c = 0; c < CGROUP_NCTL; c++)
		if (used(h, c) && !same_dir(h->fd[c], path, cg->udir[c]))
			return false;
	return true;
}

/*
 * The user's lock for CG's teardown: the one CG still holds, or taken now
 * (given up after a second if another launch or a sweep holds it: that one
 * finds the directories empty or leaves them for the next keeper).  The
 * descriptor, or -1.
 */
static int
user_lock(struct cgroup *cg)
{
	const struct cgroup_hier *h = cg->h;
	int p = nprimary(h), lock = cg->ulock;

	if (cg->udir[p] < 0)
		return -1;
	for (int tries = 0; lock < 0 && tries < 100; tries++) {
		struct ctl_err e;

		lock = lock_dir(h, cg->udir[p], "user", true, &e);
		if (lock == -1)
			return -1;
		if (lock == -2) {
			lock = -1;
			sleep_ms(10);
		}
	}
	return lock;
}

static void
user_unlock(struct cgroup *cg, int lock)
{
	if (lock >= 0 && lock != cg->ulock)
		close(lock);
}

/*
 * After the container cgroup is gone, under the user's lock: removes the
 * user's u<uid> directories if no container directory is left in any of
 * them, and only the directories that lock belongs to.
 */
static void
remove_user_locked(struct cgroup *cg)
{
	const struct cgroup_hier *h = cg->h;
	int p = nprimary(h);
	char path[64];

	snprintf(path, sizeof(path), "%s/u%lu", CGROUP_DIR,
	    (unsigned long)cg->uid);
	if (!user_current(h, cg))
		return;
	for (int c = 0; c < CGROUP_NCTL; c++)
		if (used(h, c) && scan_user(h, cg->udir[c], false, NULL) != 0)
			return;
	/* The locked directory last. */
	for (int i = 0; i < CGROUP_NCTL; i++) {
		int c = (p + 1 + i) % CGROUP_NCTL;
		cleanup_close int base = -1;

		if (!used(h, c))
			continue;
		base = openat(h->fd[c], CGROUP_DIR,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (base >= 0)
			(void)remove_dir(h, base,
			    path + strlen(CGROUP_DIR) + 1);
	}
}

/* The user's u<uid> directories, if empty (a refusal's path). */
static void
remove_user(struct cgroup *cg)
{
	int lock = user_lock(cg);

	if (lock < 0)
		return;
	remove_user_locked(cg);
	user_unlock(cg, lock);
}

/*
 * Inside a batch job: the container's own directories, children of the
 * caller's cgroup (R->parent), in the hierarchies where it nests; the
 * top-layout leaf stays, empty and locked, so that the container counts.
 */
static int
make_nested(const struct cgroup_hier *h, const struct cgroup_req *r,
    struct cgroup *cg, struct ctl_err *e)
{
	bool any = false;

	for (int c = 0; c < CGROUP_NCTL; c++) {
		if (!used(h, c) || r->parent == NULL || r->parent[c] < 0)
			continue;
		if (mkdirat(r->parent[c], r->name, CGROUP_LEAF_MODE) == -1)
			return fail(e, errno, "cgroup %s in the job's cgroup",
			    r->name);
		cg->nest[c] = open_dir(h, r->parent[c], r->name, false,
		    CGROUP_LEAF_MODE, e);
		if (cg->nest[c] < 0)
			return -1;
		cg->parent[c] = r->parent[c];
		any = true;
	}
	/* Every registration leaf locked: a sweep in any hierarchy sees it
	 * live (and the next admission reads its limits). */
	for (int c = 0; any && c < CGROUP_NCTL; c++)
		if (cg->leaf[c] >= 0 &&
		    flock(cg->leaf[c], LOCK_EX | LOCK_NB) == -1)
			return fail(e, errno, "lock %s", r->name);
	return 0;
}

/* The limit of controller C that container directory FD holds, in the
 * units of struct cgroup_limits; UNLIMITED for none or unreadable. */
static uint64_t
read_limit(const struct cgroup_hier *h, int c, int fd)
{
	char buf[64];
	unsigned long long q, per;

	switch (c) {
	case CGROUP_MEMORY:
		if (h->version == 2)
			return read_number(fd, "memory.max");
		q = read_number(fd, "memory.limit_in_bytes");
		return q >= (1ull << 62) ? UNLIMITED : q;
	case CGROUP_CPU:
		if (h->version == 2) {
			if (read_file(fd, "cpu.max", buf, sizeof(buf)) == -1 ||
			    sscanf(buf, "%llu %llu", &q, &per) != 2 || per == 0)
				return UNLIMITED;
		} else {
			if (read_file(fd, "cpu.cfs_quota_us", buf,
				sizeof(buf)) == -1 ||
			    buf[0] == '-' || sscanf(buf, "%llu", &q) != 1)
				return UNLIMITED;
			per = read_number(fd, "cpu.cfs_period_us");
			if (per == 0 || per == UNLIMITED)
				return UNLIMITED;
		}
		return q * 1000 / per;
	default:
		return read_number(fd, "pids.max");
	}
}

/*
 * Admission for a container nested in a batch job, whose use the user's
 * totals on u<uid> never see: the limits of the user's containers and
 * this one's together must fit every finite total.
 */
static int
admit(const struct cgroup_hier *h, const struct cgroup_req *r,
    const struct cgroup *cg, struct ctl_err *e)
{
	static const char *const total[CGROUP_NCTL] = { "user_memory",
		"user_cpus", "user_pids" };
	const uint64_t want[CGROUP_NCTL] = { r->lim.memory, r->lim.cpus,
		r->lim.pids };
	const uint64_t cap[CGROUP_NCTL] = { r->user_lim.memory,
		r->user_lim.cpus, r->user_lim.pids };

	for (int c = 0; c < CGROUP_NCTL; c++) {
		cleanup_close int fd = -1;
		DIR *d;
		struct dirent *de;
		uint64_t sum = want[c];

		if (!used(h, c) || cap[c] == UNLIMITED)
			continue;
		fd = openat(cg->udir[c], ".",
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || (d = fdopendir(fd)) == NULL)
			return fail(e, errno, "cgroup: reading %s", total[c]);
		fd = -1;
		while ((de = readdir(d)) != NULL && sum != UNLIMITED) {
			cleanup_close int l = -1;
			uint64_t v;

			if (de->d_type != DT_DIR || de->d_name[0] == '.')
				continue;
			l = openat(dirfd(d), de->d_name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			v = l < 0 ? 0 : read_limit(h, c, l);
			sum = v == UNLIMITED || sum + v < sum ? UNLIMITED :
								sum + v;
		}
		closedir(d);
		if (sum == UNLIMITED || sum > cap[c])
			return refuse(e,
			    "refused: with this container %s's containers would together exceed %s",
			    r->user, total[c]);
	}
	return 0;
}

/* Does R nest the container in a batch job's cgroup anywhere? */
static bool
nested(const struct cgroup_req *r)
{
	for (int c = 0; r->parent != NULL && c < CGROUP_NCTL; c++)
		if (r->parent[c] >= 0)
			return true;
	return false;
}

/* The directory the container's processes run in, in hierarchy C. */
static int
run_dir(const struct cgroup *cg, int c)
{
	return cg->nest[c] >= 0 ? cg->nest[c] : cg->leaf[c];
}

/* Under the global lock: the host-wide count, then the directories. */
static int
make_leaves(const struct cgroup_hier *h, const struct cgroup_req *r, int mine,
    struct cgroup *cg, struct ctl_err *e)
{
	cleanup_close int glock = -1, base = -1;
	int p = nprimary(h), others;

	base = openat(h->fd[p], CGROUP_DIR,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (base < 0)
		return fail(e, errno, "cgroup %s", CGROUP_DIR);
	/* The global lock: held only for the count and the mkdir. */
	glock = lock_dir(h, base, CGROUP_DIR, false, e);
	if (glock < 0)
		return -1;
	others = count_others(h, base, r->uid);
	if (others < 0)
		return fail(e, errno, "cgroup: counting containers");
	if (r->max_total_containers != UNLIMITED &&
	    (uint64_t)others + (uint64_t)mine >= r->max_total_containers)
		return refuse(e,
		    "refused: the host already runs %d container%s (max_total_containers = %" PRIu64
		    ")",
		    others + mine, others + mine == 1 ? "" : "s",
		    r->max_total_containers);
	for (int c = 0; c < CGROUP_NCTL; c++) {
		if (!used(h, c))
			continue;
		if (mkdirat(cg->udir[c], r->name, 0755) == -1) {
			if (errno == EEXIST)
				return refuse(e,
				    "refused: %s already runs a container named %s",
				    r->user, r->name);
			return fail(e, errno, "cgroup %s: mkdir", r->name);
		}
		cg->leaf[c] = open_dir(h, cg->udir[c], r->name, false,
		    CGROUP_LEAF_MODE, e);
		if (cg->leaf[c] < 0)
			return -1;
	}
	return make_nested(h, r, cg, e);
}

static void
remove_leaves(struct cgroup *cg)
{
	for (int c = 0; c < CGROUP_NCTL; c++) {
		if (cg->nest[c] >= 0) {
			close(cg->nest[c]);
			cg->nest[c] = -1;
			(void)remove_dir(cg->h, cg->parent[c], cg->name);
		}
		if (cg->leaf[c] < 0)
			continue;
		close(cg->leaf[c]);
		cg->leaf[c] = -1;
		(void)remove_dir(cg->h, cg->udir[c], cg->name);
	}
}

int
cgroup_create_at(const struct cgroup_hier *h, const struct cgroup_req *r,
    struct cgroup *cg, struct ctl_err *e)
{
	struct cgroup_limits lim = r->lim;
	int mine, run[CGROUP_NCTL];

	cg_reset(cg, h);
	if (!name_ok(r->name))
		return fail(e, EINVAL, "cgroup: bad container name");
	snprintf(cg->name, sizeof(cg->name), "%s", r->name);
	cg->uid = r->uid;
	memset(&cg->usage, 0xff, sizeof(cg->usage));
	/* v1 refuses a child quota above its parent's: the total caps it. */
	if (h->version == 1 && lim.cpus > r->user_lim.cpus)
		lim.cpus = r->user_lim.cpus;

	for (int tries = 0;; tries++) {
		if (open_user(h, r, cg, e) == -1)
			goto err;
		/* The caller's lock, until P1 is placed (cgroup_attach). */
		cg->ulock = lock_dir(h, cg->udir[nprimary(h)], "user", false,
		    e);
		if (cg->ulock < 0)
			goto err;
		/* The last keeper may have removed u<uid> while we waited. */
		if (user_current(h, cg))
			break;
		cg_release(cg);
		if (tries >= 100) {
			fail(e, EAGAIN, "cgroup u%lu: removed under every try",
			    (unsigned long)r->uid);
			goto err;
		}
	}
	if (h->version == 2 && enable_controllers(h, cg->udir[0], e) == -1)
		goto err;
	if (write_limits(h, cg->udir, &r->user_lim, e) == -1)
		goto err;
	for (int c = 0; c < CGROUP_NCTL; c++)
		if (used(h, c))
			(void)scan_user(h, cg->udir[c], true, NULL);
	mine = scan_user(h, cg->udir[nprimary(h)], false, NULL);
	if (mine < 0) {
		fail(e, errno, "cgroup: counting containers");
		goto err;
	}
	if (r->max_containers != UNLIMITED &&
	    (uint64_t)mine >= r->max_containers) {
		refuse(e,
		    "refused: %s already runs %d container%s (max_containers = %" PRIu64
		    ")",
		    r->user, mine, mine == 1 ? "" : "s", r->max_containers);
		goto err;
	}
	if (nested(r) && admit(h, r, cg, e) == -1)
		goto err;
	if (make_leaves(h, r, mine, cg, e) == -1)
		goto err;
	for (int c = 0; c < CGROUP_NCTL; c++)
		run[c] = run_dir(cg, c);
	/* A nested container's leaf under u<uid> holds its limits too: what
	 * the next admission adds up. */
	if (write_limits(h, run, &lim, e) == -1 ||
	    (nested(r) && write_limits(h, cg->leaf, &lim, e) == -1))
		goto err;
	return 0;
err:
	/* A refusal leaves nothing: the leaves, then the user's now empty
	 * directories (under the lock this launch still holds, if any). */
	remove_leaves(cg);
	remove_user(cg);
	cg_release(cg);
	return -1;
}

int
cgroup_clone_fd(const struct cgroup *cg)
{
	return cg->h->version == 2 ? run_dir(cg, 0) : -1;
}

int
cgroup_attach_at(struct cgroup *cg, pid_t pid, struct ctl_err *e)
{
	char buf[32];
	int rc = 0;

	snprintf(buf, sizeof(buf), "%ld", (long)pid);
	if (cg->h->version == 1)
		for (int c = 0; c < CGROUP_NCTL && rc == 0; c++)
			if (write_file(cg->h, run_dir(cg, c), "cgroup.procs",
				buf) == -1)
				rc = fail(e, errno, "cgroup %s: placing %s",
				    ctl_name[c], cg->name);
	if (cg->ulock >= 0)
		close(cg->ulock);
	cg->ulock = -1;
	return rc;
}

static bool
pid_in(const pid_t *v, size_t n, pid_t p)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == p)
			return true;
	return false;
}

/*
 * SIGKILLs every process of the cgroup DIRFD until it is empty: each pid
 * is pinned by a pidfd, and signalled only if cgroup.procs still lists it
 * afterwards (so a recycled pid is never hit).
 */
static int
kill_loop(const struct cgroup_hier *h, int dirfd)
{
	/* A fake tree never empties by itself: one round. */
	int rounds = h->fake ? 1 : 500;

	for (int round = 0; round < rounds; round++) {
		cleanup_free pid_t *a = NULL;
		cleanup_free pid_t *b = NULL;
		cleanup_free int *fds = NULL;
		ssize_t na, nb;

		na = read_pids(dirfd, &a);
		if (na <= 0)
			return (int)na;
		fds = calloc((size_t)na, sizeof(*fds));
		if (fds == NULL)
			return -1;
		for (ssize_t i = 0; i < na; i++)
			fds[i] = pidfd_open(a[i], 0);
		nb = read_pids(dirfd, &b);
		for (ssize_t i = 0; i < na; i++) {
			if (fds[i] < 0)
				continue;
			if (nb > 0 && pid_in(b, (size_t)nb, a[i]))
				(void)pidfd_send_signal(fds[i], SIGKILL, NULL,
				    0);
			close(fds[i]);
		}
		if (h->fake)
			return 0;
		sleep_ms(round < 20 ? 1 : 10);
	}
	errno = EBUSY;
	return -1;
}

/* Removes NAME under PARENT, waiting out a short EBUSY; gone is fine. */
static int
rmdir_wait(const struct cgroup_hier *h, int parent, const char *name)
{
	for (int tries = 0; remove_dir(h, parent, name) == -1; tries++) {
		if (errno == ENOENT) /* swept already */
			return 0;
		if (errno != EBUSY || tries >= 200)
			return -1;
		sleep_ms(10);
	}
	return 0;
}

uint64_t
cgroup_stat_value(const char *text, const char *key)
{
	size_t kl = strlen(key);

	for (const char *l = text; l != NULL && *l != '\0';) {
		const char *nl = strchr(l, '\n');

		if (strncmp(l, key, kl) == 0 && l[kl] == ' ' &&
		    isdigit((unsigned char)l[kl + 1])) {
			char *end;
			unsigned long long v;

			errno = 0;
			v = strtoull(l + kl + 1, &end, 10);
			if (errno == 0 && (*end == '\n' || *end == '\0'))
				return (uint64_t)v;
		}
		l = nl ? nl + 1 : NULL;
	}
	return CGROUP_UNKNOWN;
}

/* A file holding one number, or CGROUP_UNKNOWN. */
static uint64_t
read_number(int dirfd, const char *file)
{
	char buf[64], *end;
	unsigned long long v;

	if (dirfd < 0 || read_file(dirfd, file, buf, sizeof(buf)) == -1 ||
	    !isdigit((unsigned char)buf[0]))
		return CGROUP_UNKNOWN;
	errno = 0;
	v = strtoull(buf, &end, 10);
	return errno == 0 && (*end == '\n' || *end == '\0') ? (uint64_t)v :
							      CGROUP_UNKNOWN;
}

/* A "KEY N" line of FILE, or CGROUP_UNKNOWN. */
static uint64_t
read_stat(int dirfd, const char *file, const char *key)
{
	char buf[2048];

	if (dirfd < 0 || read_file(dirfd, file, buf, sizeof(buf)) == -1)
		return CGROUP_UNKNOWN;
	return cgroup_stat_value(buf, key);
}

static uint64_t
ns_to_us(uint64_t v)
{
	return v == CGROUP_UNKNOWN ? v : v / 1000;
}

/* What the container used (its processes are gone, the files remain). */
static void
read_usage(struct cgroup *cg)
{
	struct cgroup_usage *u = &cg->usage;

	if (cg->h->version == 2) {
		int d = run_dir(cg, 0);

		u->cpu_user_usec = read_stat(d, "cpu.stat", "user_usec");
		u->cpu_system_usec = read_stat(d, "cpu.stat", "system_usec");
		u->memory_peak = read_number(d, "memory.peak");
		u->oom_kills = read_stat(d, "memory.events", "oom_kill");
		u->pids_peak = read_number(d, "pids.peak");
		return;
	}
	/* v1: CPU time where cpuacct shares the cpu hierarchy. */
	u->cpu_user_usec = ns_to_us(
	    read_number(run_dir(cg, CGROUP_CPU), "cpuacct.usage_user"));
	u->cpu_system_usec = ns_to_us(
	    read_number(run_dir(cg, CGROUP_CPU), "cpuacct.usage_sys"));
	u->memory_peak = read_number(run_dir(cg, CGROUP_MEMORY),
	    "memory.max_usage_in_bytes");
	u->oom_kills = read_stat(run_dir(cg, CGROUP_MEMORY),
	    "memory.oom_control", "oom_kill");
	u->pids_peak = read_number(run_dir(cg, CGROUP_PIDS), "pids.peak");
}

int
cgroup_procs_open(const struct cgroup *cg, int out[CGROUP_NCTL])
{
	for (int c = 0; c < CGROUP_NCTL; c++) {
		int d = run_dir(cg, c);

		out[c] = -1;
		if (d < 0)
			continue;
		out[c] = openat(d, "cgroup.procs",
		    O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		if (out[c] < 0) {
			for (int k = 0; k < c; k++)
				if (out[k] >= 0)
					close(out[k]);
			return -1;
		}
	}
	return 0;
}

void
cgroup_current(const struct cgroup *cg, uint64_t *cpu_usec, uint64_t *mem,
    uint64_t *pids)
{
	if (cg->h->version == 2) {
		int d = run_dir(cg, 0);

		*cpu_usec = read_stat(d, "cpu.stat", "usage_usec");
		*mem = read_number(d, "memory.current");
		*pids = read_number(d, "pids.current");
		return;
	}
	*cpu_usec = ns_to_us(
	    read_number(run_dir(cg, CGROUP_CPU), "cpuacct.usage"));
	*mem = read_number(run_dir(cg, CGROUP_MEMORY), "memory.usage_in_bytes");
	*pids = read_number(run_dir(cg, CGROUP_PIDS), "pids.current");
}

int
cgroup_empty_at(struct cgroup *cg, struct ctl_err *e)
{
	const struct cgroup_hier *h = cg->h;
	int rc = 0;

	for (int c = 0; c < CGROUP_NCTL; c++) {
		int d = run_dir(cg, c);

		if (d < 0)
			continue;
		if (h->version == 2 &&
		    write_file(h, d, "cgroup.kill", "1") == -1 &&
		    errno != ENOENT && errno != ENODEV)
			rc = fail(e, errno, "cgroup.kill %s", cg->name);
		if (kill_loop(h, d) == -1 && rc == 0)
			rc = fail(e, errno, "cgroup %s: killing", cg->name);
	}
	if (!cg->usage_read)
		read_usage(cg);
	cg->usage_read = true;
	return rc;
}

int
cgroup_destroy_at(struct cgroup *cg, struct ctl_err *e)
{
	const struct cgroup_hier *h = cg->h;
	int rc = cgroup_empty_at(cg, e), lock;

	for (int c = 0; c < CGROUP_NCTL; c++) {
		if (cg->nest[c] < 0)
			continue;
		close(cg->nest[c]);
		cg->nest[c] = -1;
		if (rmdir_wait(h, cg->parent[c], cg->name) == -1 && rc == 0)
			rc = fail(e, errno, "cgroup %s: rmdir", cg->name);
	}
	/* Under the user's lock: once emptied, a launch of the same user may
	 * have swept this cgroup and made a new one of the same name, which
	 * is not ours to remove. */
	lock = user_lock(cg);
	for (int c = 0; c < CGROUP_NCTL; c++) {
		if (cg->leaf[c] < 0)
			continue;
		if (same_dir(cg->udir[c], cg->name, cg->leaf[c]) &&
		    rmdir_wait(h, cg->udir[c], cg->name) == -1 && rc == 0)
			rc = fail(e, errno, "cgroup %s: rmdir", cg->name);
		close(cg->leaf[c]);
		cg->leaf[c] = -1;
	}
	if (lock >= 0)
		remove_user_locked(cg);
	user_unlock(cg, lock);
	cg_release(cg);
	return rc;
}

static bool
is_fs(int fd, long magic)
{
	struct statfs sf;

	return fstatfs(fd, &sf) == 0 && (long)sf.f_type == magic;
}

int
cgroup_detect_at(int rootfd, bool check_fs)
{
	char buf[512];
	int n = 0;

	if (!check_fs || is_fs(rootfd, CGROUP2_SUPER_MAGIC)) {
		if (read_file(rootfd, "cgroup.controllers", buf, sizeof(buf)) ==
		    0)
			for (int c = 0; c < CGROUP_NCTL; c++)
				n += has_word(buf, ctl_name[c]);
		if (n == CGROUP_NCTL)
			return 2;
		if (check_fs)
			return -1; /* a v2 root without the controllers */
	}
	for (int c = 0; c < CGROUP_NCTL; c++) {
		cleanup_close int fd = openat(rootfd, ctl_name[c],
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0 || (check_fs && !is_fs(fd, CGROUP_SUPER_MAGIC)))
			return -1;
	}
	return 1;
}

int
cgroup_hier_at(struct cgroup_hier *h, int rootfd, int version, bool fake,
    struct ctl_err *e)
{
	char buf[512];

	memset(h, 0, sizeof(*h));
	h->version = version;
	h->fake = fake;
	h->lock_wait_ms = 30000;
	for (int c = 0; c < CGROUP_NCTL; c++)
		h->fd[c] = -1;
	if (version == 2) {
		if (!fake && !is_fs(rootfd, CGROUP2_SUPER_MAGIC))
			return fail(e, ENOTSUP, "cgroup: not a cgroup2 root");
		h->fd[0] = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
		if (h->fd[0] < 0)
			return fail(e, errno, "cgroup root");
		if (read_file(rootfd, "cgroup.controllers", buf, sizeof(buf)) ==
		    -1)
			return fail(e, errno, "cgroup.controllers");
		for (int c = 0; c < CGROUP_NCTL; c++)
			h->have[c] = has_word(buf, ctl_name[c]);
		return 0;
	}
	if (version != 1)
		return fail(e, EINVAL, "cgroup: no usable hierarchy");
	for (int c = 0; c < CGROUP_NCTL; c++) {
		h->fd[c] = openat(rootfd, ctl_name[c],
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (h->fd[c] < 0 ||
		    (!fake && !is_fs(h->fd[c], CGROUP_SUPER_MAGIC))) {
			cgroup_hier_close(h);
			return fail(e, errno ? errno : ENOTSUP,
			    "cgroup: no v1 %s hierarchy", ctl_name[c]);
		}
		h->have[c] = true;
	}
	return 0;
}

void
cgroup_hier_close(struct cgroup_hier *h)
{
	close_fds(h->fd, CGROUP_NCTL);
}

void
cgroup_format_limits(char *buf, size_t len, const struct cgroup_limits *l)
{
	char cpus[32], mem[32], pids[32];

	if (l->cpus == UNLIMITED)
		snprintf(cpus, sizeof(cpus), "max");
	else if (l->cpus % 1000 == 0)
		snprintf(cpus, sizeof(cpus), "%" PRIu64, l->cpus / 1000);
	else {
		snprintf(cpus, sizeof(cpus), "%" PRIu64 ".%03" PRIu64,
		    l->cpus / 1000, l->cpus % 1000);
		for (char *p = cpus + strlen(cpus) - 1; *p == '0'; p--)
			*p = '\0';
	}
	fmt_u64(mem, sizeof(mem), l->memory, "max");
	fmt_u64(pids, sizeof(pids), l->pids, "max");
	snprintf(buf, len, "cpus=%s memory=%s pids=%s", cpus, mem, pids);
}

/* The helper's wrappers: compiled-in paths, die or deny on failure. */

static noreturn void
cg_die(const struct ctl_err *e)
{
	if (e->denied)
		deny("%s", e->msg);
	errno = e->err;
	if (e->err)
		die_errno("%s", e->msg);
	die("%s", e->msg);
}

void
cgroup_open(struct cgroup_hier *h)
{
	cleanup_close int root = -1;
	struct ctl_err e;
	int version;

	root = open(CTL_CGROUP_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		die_errno("cgroup root %s", CTL_CGROUP_ROOT);
	if (strcmp(CTL_CGROUP_VERSION, "1") == 0)
		version = 1;
	else if (strcmp(CTL_CGROUP_VERSION, "2") == 0)
		version = 2;
	else
		version = cgroup_detect_at(root, true);
	if (version < 0)
		die("cgroup: no usable hierarchy at %s (need cgroup v2 with memory, cpu and pids, or their v1 hierarchies)",
		    CTL_CGROUP_ROOT);
	if (cgroup_hier_at(h, root, version, false, &e) == -1)
		cg_die(&e);
}

void
cgroup_create(const struct cgroup_hier *h, const struct cgroup_req *r,
    struct cgroup *out)
{
	struct ctl_err e;

	if (cgroup_create_at(h, r, out, &e) == -1)
		cg_die(&e);
}

void
cgroup_attach(struct cgroup *cg, pid_t pid)
{
	struct ctl_err e;

	if (cgroup_attach_at(cg, pid, &e) == -1)
		cg_die(&e);
}

void
cgroup_empty(struct cgroup *cg)
{
	struct ctl_err e;

	if (cgroup_empty_at(cg, &e) == -1)
		warnmsg("%s", e.msg);
}

void
cgroup_destroy(struct cgroup *cg)
{
	struct ctl_err e;

	if (cgroup_destroy_at(cg, &e) == -1)
		warnmsg("%s (left for the next launch to remove)", e.msg);
	audit_usage(&cg->usage);
	if (cg->place != NULL)
		place_release(cg->place);
}

void
cgroup_unshare_ns(void)
{
	if (unshare(CLONE_NEWCGROUP) == -1)
		die_errno("unshare(CLONE_NEWCGROUP)");
}

void
cgroup_setup(struct cgroup *out, const struct launch_plan *p,
    const struct cgroup_hier *h, struct place *pl)
{
	const struct policy_eff *e = &p->eff;
	struct cgroup_req r = {
		.uid = p->uid,
		.user = p->user,
		.name = p->name,
		.lim = { p->cpus, p->memory, p->pids },
		.user_lim = { e->user_cpus.v, e->user_memory.v,
		    e->user_pids.v },
		.max_containers = e->max_containers.v,
		.max_total_containers = e->max_total_containers.v,
		.parent = pl->parent,
	};

	cgroup_create(h, &r, out);
	out->place = pl;
}

/*
 * P1: FD (opened by K, in the host's mount namespace) opened again by its
 * path in P1's own mount namespace, where it can be bound; it must be the
 * same directory.
 */
static int
reopen_here(int fd)
{
	char link[64], path[PATH_MAX];
	struct stat a, b;
	ssize_t n;
	int nfd;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0 || (size_t)n >= sizeof(path) - 1)
		die_errno("cgroup: the container's directory");
	path[n] = '\0';
	nfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (nfd < 0 || fstat(nfd, &a) == -1 || fstat(fd, &b) == -1)
		die_errno("cgroup %s", path);
	if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		die("cgroup %s: not the container's directory", path);
	return nfd;
}

void
cgroup_enter(struct cgroup *cg, struct cgroup_view *view)
{
	const struct cgroup_hier *h = cg->h;

	view->version = h->version;
	for (int c = 0; c < CGROUP_NCTL; c++) {
		view->name[c] = ctl_name[c];
		view->fd[c] = used(h, c) && run_dir(cg, c) >= 0 ?
		    reopen_here(run_dir(cg, c)) :
		    -1;
	}
	cg_release(cg);
	for (int c = 0; c < CGROUP_NCTL; c++)
		if (h->fd[c] >= 0)
			close(h->fd[c]);
	cgroup_unshare_ns();
}
