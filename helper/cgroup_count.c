/*
 * cgroup_count.c: counting containers under the layout's locks: the
 * per-user (u<uid>) and global (ctr-launch) locks, the per-user and
 * host-wide counts, the stale sweep, and the removal of a user's last
 * directories.  The cgroup directories are the locks (flocks on them).
 *
 * Invariants:
 * - An empty container cgroup of another user MUST count as live while
 *   that user's lock is held (their launch is in flight).
 * - The sweep MUST remove only empty container cgroups, each only under
 *   its owner's lock (the caller's own, or another user's taken without
 *   waiting while the global lock is held).
 * - The keeper that removes a user's last container cgroup MUST also
 *   remove that user's now empty u<uid> directories, only under the
 *   user's lock, and only the directories that lock belongs to.  A sweep
 *   of another user MUST NOT sweep through a removed u<uid>.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper/cgroup_int.h"
#include "lib/cleanup.h"

/*
 * Locks directory DIRFD (a new open file description of it, so that the
 * lock is this caller's own), waiting up to h->lock_wait_ms, or not at
 * all when NOWAIT.  Returns the locked descriptor, -1 with E, or -2 when
 * NOWAIT and the lock is held.  The cgroup directories are the locks:
 * nothing is left in the file system for them.
 */
int
cg_lock_dir(const struct cgroup_hier *h, int dirfd, const char *what,
    bool nowait, struct ctl_err *e)
{
	cleanup_close int fd = -1;
	int waited = 0;

	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cg_fail(e, errno, "lock %s", what);
	while (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return cg_fail(e, errno, "lock %s", what);
		if (nowait)
			return -2;
		if (waited >= h->lock_wait_ms)
			return cg_fail(e, ETIMEDOUT,
			    "lock %s: another launch holds it", what);
		cg_sleep_ms(10);
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

/* Whether container directory NAME under UDIR is stale: no process, and
 * no keeper holding it (an empty leaf locked by its keeper registers a
 * container nested in a batch job's cgroup, cgroup_create_at: live). */
static bool
leaf_stale(int udir, const char *name)
{
	cleanup_close int c = openat(udir, name,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	return c >= 0 && cgroup_nprocs(c) == 0 && !leaf_held(c);
}

/*
 * Visits each container directory under UDIR: counts them, and the stale
 * ones into *NEMPTY; with SWEEP, removes the stale ones instead.  Without
 * either, nothing but the directory is read.
 */
int
cg_scan_user(const struct cgroup_hier *h, int udir, bool sweep, int *nempty)
{
	DIR *d;
	struct dirent *de;
	int n = 0;

	if (nempty)
		*nempty = 0;
	if ((d = cg_opendir(udir, ".")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if ((sweep || nempty) && leaf_stale(dirfd(d), de->d_name)) {
			if (sweep &&
			    cg_remove_dir(h, dirfd(d), de->d_name) == 0)
				continue;
			if (nempty)
				(*nempty)++;
		}
		n++;
	}
	closedir(d);
	return n;
}

/*
 * The caller's own container directories, under the caller's lock:
 * removes the stale ones in every used hierarchy and returns how many are
 * left in the primary one, or -1.  A container's processes are in every
 * hierarchy, so cgroup.procs is read in the primary only, and in another
 * only for a directory that is stale in the primary or that the primary
 * lacks (left by a launch that failed between its mkdirs): with 50
 * containers running, 50 reads instead of 150.
 */
int
cg_sweep_own(const struct cgroup_hier *h, const int udir[CGROUP_NCTL])
{
	int p = cg_primary(h), n = 0;
	struct dirent *de;
	DIR *d;

	if ((d = cg_opendir(udir[p], ".")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (leaf_stale(dirfd(d), de->d_name)) {
			for (int c = 0; c < CGROUP_NCTL; c++)
				if (c != p && cg_used(h, c) &&
				    leaf_stale(udir[c], de->d_name))
					(void)cg_remove_dir(h, udir[c],
					    de->d_name);
			if (cg_remove_dir(h, dirfd(d), de->d_name) == 0)
				continue;
		}
		n++;
	}
	closedir(d);
	for (int c = 0; c < CGROUP_NCTL; c++) {
		if (c == p || !cg_used(h, c) ||
		    (d = cg_opendir(udir[c], ".")) == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			struct stat st;

			if (de->d_type != DT_DIR || de->d_name[0] == '.' ||
			    fstatat(udir[p], de->d_name, &st,
				AT_SYMLINK_NOFOLLOW) == 0)
				continue;
			if (leaf_stale(dirfd(d), de->d_name))
				(void)cg_remove_dir(h, dirfd(d), de->d_name);
		}
		closedir(d);
	}
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

		if (!cg_used(h, c))
			continue;
		snprintf(path, sizeof(path), "%s/%s", CGROUP_DIR, uname);
		u = openat(h->fd[c], path,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (u >= 0)
			(void)cg_scan_user(h, u, true, NULL);
	}
}

/*
 * Host-wide live containers, other than the caller's (counted by the
 * caller).  An empty cgroup of another user is live while that user's
 * lock is held (a launch in flight); otherwise it is stale, and is swept
 * here under that user's lock (its owner may never launch again).
 */
int
cg_count_others(const struct cgroup_hier *h, int base, uid_t self)
{
	DIR *d;
	struct dirent *de;
	int total = 0;

	if ((d = cg_opendir(base, ".")) == NULL)
		return -1;
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
		n = cg_scan_user(h, u, false, &nempty);
		if (n <= 0)
			continue;
		if (nempty > 0) {
			struct ctl_err e;
			int l = cg_lock_dir(h, u, "user", true, &e);

			/* No launch in flight: stale.  A u<uid> removed
			 * meanwhile by its last keeper is not swept through. */
			if (l >= 0 && cg_same_dir(dirfd(d), de->d_name, u)) {
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

/* Whether every u<uid> of CG is still the one in the tree. */
bool
cg_user_current(const struct cgroup_hier *h, const struct cgroup *cg)
{
	char path[64];

	snprintf(path, sizeof(path), "%s/u%lu", CGROUP_DIR,
	    (unsigned long)cg->uid);
	for (int c = 0; c < CGROUP_NCTL; c++)
		if (cg_used(h, c) && !cg_same_dir(h->fd[c], path, cg->udir[c]))
			return false;
	return true;
}

/*
 * The user's lock for CG's teardown: the one CG still holds, or taken now
 * (given up after a second if another launch or a sweep holds it: that one
 * finds the directories empty or leaves them for the next keeper).  The
 * descriptor, or -1.
 */
int
cg_user_lock(struct cgroup *cg)
{
	const struct cgroup_hier *h = cg->h;
	int p = cg_primary(h), lock = cg->ulock;

	if (cg->udir[p] < 0)
		return -1;
	for (int tries = 0; lock < 0 && tries < 100; tries++) {
		struct ctl_err e;

		lock = cg_lock_dir(h, cg->udir[p], "user", true, &e);
		if (lock == -1)
			return -1;
		if (lock == -2) {
			lock = -1;
			cg_sleep_ms(10);
		}
	}
	return lock;
}

void
cg_user_unlock(struct cgroup *cg, int lock)
{
	if (lock >= 0 && lock != cg->ulock)
		close(lock);
}

/*
 * After the container cgroup is gone, under the user's lock: removes the
 * user's u<uid> directories if no container directory is left in any of
 * them, and only the directories that lock belongs to.
 */
void
cg_remove_user_locked(struct cgroup *cg)
{
	const struct cgroup_hier *h = cg->h;
	int p = cg_primary(h);
	char path[64];

	snprintf(path, sizeof(path), "%s/u%lu", CGROUP_DIR,
	    (unsigned long)cg->uid);
	if (!cg_user_current(h, cg))
		return;
	for (int c = 0; c < CGROUP_NCTL; c++)
		if (cg_used(h, c) &&
		    cg_scan_user(h, cg->udir[c], false, NULL) != 0)
			return;
	/* The locked directory last. */
	for (int i = 0; i < CGROUP_NCTL; i++) {
		int c = (p + 1 + i) % CGROUP_NCTL;
		cleanup_close int base = -1;

		if (!cg_used(h, c))
			continue;
		base = openat(h->fd[c], CGROUP_DIR,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (base >= 0)
			(void)cg_remove_dir(h, base,
			    path + strlen(CGROUP_DIR) + 1);
	}
}

/* The user's u<uid> directories, if empty (a refusal's path). */
void
cg_remove_user(struct cgroup *cg)
{
	int lock = cg_user_lock(cg);

	if (lock < 0)
		return;
	cg_remove_user_locked(cg);
	cg_user_unlock(cg, lock);
}
