/*
 * cgroup.c: the container's cgroup, v2 or v1, created, limited, counted
 * and destroyed by the keeper K (steps 6 and 7 of DESIGN section 5): the
 * core that creates the container's directories, opens the files a
 * process joins them by, empties and removes them, and the helper's
 * die()-ing wrappers.
 * The other pieces are listed in cgroup_int.h.
 *
 * The core works on descriptors (a hierarchy root and a lock directory),
 * so that unit tests run it against a plain directory tree standing in
 * for cgroupfs ("fake" mode, cgroup_fs.c).
 *
 * Invariants:
 * - The per-user count MUST be taken under the caller's lock (flock on
 *   u<uid>), held from before the sweep until the first process is
 *   placed; the host-wide count MUST be taken under the global lock
 *   (flock on ctr-launch), and the container directory MUST be created
 *   before that lock is released.
 * - A launch MUST check, once it holds the user's lock, that every u<uid>
 *   it opened is still the one in the tree (else it starts over).
 * - The keeper that removes a user's last container cgroup MUST also
 *   remove that user's now empty u<uid> directories, only under the
 *   user's lock (cgroup_count.c).
 * - The kill loop MUST signal only processes still listed in the
 *   container's cgroup.procs after their pidfd was opened.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper/audit.h"
#include "helper/cgroup_int.h"
#include "helper/log.h"
#include "helper/place.h"
#include "helper/plan.h"
#include "lib/cleanup.h"

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

static void
cg_reset(struct cgroup *cg, const struct cgroup_hier *h)
{
	memset(cg, 0, sizeof(*cg));
	cg->h = h;
	cg->ulock = -1;
	for (int c = 0; c < CGROUP_NCTL; c++)
		cg->udir[c] = cg->leaf[c] = cg->nest[c] = -1;
}

/* Closes CG's descriptors, its per-user lock with them. */
void
cg_release(struct cgroup *cg)
{
	cg_close_fds(cg->udir, CGROUP_NCTL);
	cg_close_fds(cg->leaf, CGROUP_NCTL);
	cg_close_fds(cg->nest, CGROUP_NCTL);
	if (cg->ulock >= 0)
		close(cg->ulock);
	cg->ulock = -1;
}

/* Opens ctr-launch/u<uid> (UNAME) in hierarchy C, creating it (v2: the
 * controllers enabled for the children on the way down). */
static int
open_user_in(const struct cgroup_hier *h, int c, const char *uname,
    struct cgroup *cg, struct ctl_err *e)
{
	cleanup_close int base = -1;

	if (h->version == 2 && cg_enable_controllers(h, h->fd[c], e) == -1)
		return -1;
	base = cg_open_dir(h, h->fd[c], CGROUP_DIR, true, CGROUP_LOCK_MODE, e);
	if (base < 0)
		return -1;
	if (h->version == 2 && cg_enable_controllers(h, base, e) == -1)
		return -1;
	cg->udir[c] = cg_open_dir(h, base, uname, true, CGROUP_LOCK_MODE, e);
	return cg->udir[c] < 0 ? -1 : 0;
}

/* Opens ctr-launch/u<uid> in every used hierarchy, creating it; nothing
 * is written into it before the user's lock is held. */
static int
open_user(const struct cgroup_hier *h, const struct cgroup_req *r,
    struct cgroup *cg, struct ctl_err *e)
{
	char uname[32];

	snprintf(uname, sizeof(uname), "u%lu", (unsigned long)r->uid);
	for (int c = 0; c < CGROUP_NCTL; c++)
		if (cg_used(h, c) && open_user_in(h, c, uname, cg, e) == -1)
			return -1;
	return 0;
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
		if (!cg_used(h, c) || r->parent == NULL || r->parent[c] < 0)
			continue;
		if (mkdirat(r->parent[c], r->name, CGROUP_LEAF_MODE) == -1)
			return cg_fail(e, errno,
			    "cgroup %s in the job's cgroup", r->name);
		cg->nest[c] = cg_open_dir(h, r->parent[c], r->name, false,
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
			return cg_fail(e, errno, "lock %s", r->name);
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

/* Under the global lock: the host-wide count, then the directories. */
static int
make_leaves(const struct cgroup_hier *h, const struct cgroup_req *r, int mine,
    struct cgroup *cg, struct ctl_err *e)
{
	cleanup_close int glock = -1, base = -1;
	int p = cg_primary(h), others;

	base = openat(h->fd[p], CGROUP_DIR,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (base < 0)
		return cg_fail(e, errno, "cgroup %s", CGROUP_DIR);
	/* The global lock: held only for the count and the mkdir. */
	glock = cg_lock_dir(h, base, CGROUP_DIR, false, e);
	if (glock < 0)
		return -1;
	others = cg_count_others(h, base, r->uid);
	if (others < 0)
		return cg_fail(e, errno, "cgroup: counting containers");
	if (r->max_total_containers != UNLIMITED &&
	    (uint64_t)others + (uint64_t)mine >= r->max_total_containers)
		return err_deny(e,
		    "refused: the host already runs %d container%s (max_total_containers = %" PRIu64
		    ")",
		    others + mine, others + mine == 1 ? "" : "s",
		    r->max_total_containers);
	for (int c = 0; c < CGROUP_NCTL; c++) {
		if (!cg_used(h, c))
			continue;
		if (mkdirat(cg->udir[c], r->name, 0755) == -1) {
			if (errno == EEXIST)
				return err_deny(e,
				    "refused: %s already runs a container named %s",
				    r->user, r->name);
			return cg_fail(e, errno, "cgroup %s: mkdir", r->name);
		}
		cg->leaf[c] = cg_open_dir(h, cg->udir[c], r->name, false,
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
			(void)cg_remove_dir(cg->h, cg->parent[c], cg->name);
		}
		if (cg->leaf[c] < 0)
			continue;
		close(cg->leaf[c]);
		cg->leaf[c] = -1;
		(void)cg_remove_dir(cg->h, cg->udir[c], cg->name);
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
		return cg_fail(e, EINVAL, "cgroup: bad container name");
	snprintf(cg->name, sizeof(cg->name), "%s", r->name);
	cg->uid = r->uid;
	memset(&cg->usage, 0xff, sizeof(cg->usage));
	/* v1 refuses a child quota above its parent's: the total caps it. */
	if (h->version == 1 && lim.cpus > r->user_lim.cpus)
		lim.cpus = r->user_lim.cpus;

	for (int tries = 0;; tries++) {
		if (open_user(h, r, cg, e) == -1)
			goto err;
		/* The caller's lock, until P1 is placed (cgroup_placed). */
		cg->ulock = cg_lock_dir(h, cg->udir[cg_primary(h)], "user",
		    false, e);
		if (cg->ulock < 0)
			goto err;
		/* The last keeper may have removed u<uid> while we waited. */
		if (cg_user_current(h, cg))
			break;
		cg_release(cg);
		if (tries >= 100) {
			cg_fail(e, EAGAIN,
			    "cgroup u%lu: removed under every try",
			    (unsigned long)r->uid);
			goto err;
		}
	}
	if (h->version == 2 && cg_enable_controllers(h, cg->udir[0], e) == -1)
		goto err;
	if (cg_write_limits(h, cg->udir, &r->user_lim, e) == -1)
		goto err;
	mine = cg_sweep_own(h, cg->udir);
	if (mine < 0) {
		cg_fail(e, errno, "cgroup: counting containers");
		goto err;
	}
	if (r->max_containers != UNLIMITED &&
	    (uint64_t)mine >= r->max_containers) {
		err_deny(e,
		    "refused: %s already runs %d container%s (max_containers = %" PRIu64
		    ")",
		    r->user, mine, mine == 1 ? "" : "s", r->max_containers);
		goto err;
	}
	if (nested(r) && cg_admit(h, r, cg, e) == -1)
		goto err;
	if (make_leaves(h, r, mine, cg, e) == -1)
		goto err;
	for (int c = 0; c < CGROUP_NCTL; c++)
		run[c] = cg_run_dir(cg, c);
	/* A nested container's leaf under u<uid> holds its limits too: what
	 * the next admission adds up. */
	if (cg_write_limits(h, run, &lim, e) == -1 ||
	    (nested(r) && cg_write_limits(h, cg->leaf, &lim, e) == -1))
		goto err;
	return 0;
err:
	/* A refusal leaves nothing: the leaves, then the user's now empty
	 * directories (under the lock this launch still holds, if any). */
	remove_leaves(cg);
	cg_remove_user(cg);
	cg_release(cg);
	return -1;
}

int
cgroup_clone_fd(const struct cgroup *cg)
{
	return cg->h->version == 2 ? cg_run_dir(cg, 0) : -1;
}

void
cgroup_placed(struct cgroup *cg)
{
	if (cg->ulock >= 0)
		close(cg->ulock);
	cg->ulock = -1;
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

		na = cg_read_pids(dirfd, &a);
		if (na <= 0)
			return (int)na;
		fds = calloc((size_t)na, sizeof(*fds));
		if (fds == NULL)
			return -1;
		for (ssize_t i = 0; i < na; i++)
			fds[i] = pidfd_open(a[i], 0);
		nb = cg_read_pids(dirfd, &b);
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
		cg_sleep_ms(round < 20 ? 1 : 10);
	}
	errno = EBUSY;
	return -1;
}

/* Removes NAME under PARENT, waiting out a short EBUSY; gone is fine. */
static int
rmdir_wait(const struct cgroup_hier *h, int parent, const char *name)
{
	for (int tries = 0; cg_remove_dir(h, parent, name) == -1; tries++) {
		if (errno == ENOENT) /* swept already */
			return 0;
		if (errno != EBUSY || tries >= 200)
			return -1;
		cg_sleep_ms(10);
	}
	return 0;
}

int
cgroup_join_open(const struct cgroup *cg, int out[CGROUP_NCTL])
{
	const char *file = cg->h->version == 1 ? "tasks" : "cgroup.procs";

	for (int c = 0; c < CGROUP_NCTL; c++) {
		int d = cg_run_dir(cg, c);

		out[c] = -1;
		if (d < 0)
			continue;
		out[c] = openat(d, file, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		if (out[c] < 0) {
			for (int k = 0; k < c; k++)
				if (out[k] >= 0)
					close(out[k]);
			return -1;
		}
	}
	return 0;
}

int
cgroup_join_open_if(const struct cgroup *cg, bool want, int out[CGROUP_NCTL])
{
	for (int c = 0; c < CGROUP_NCTL; c++)
		out[c] = -1;
	return want ? cgroup_join_open(cg, out) : 0;
}

void
cgroup_join_close(int fds[CGROUP_NCTL])
{
	for (int c = 0; c < CGROUP_NCTL; c++) {
		if (fds[c] >= 0)
			close(fds[c]);
		fds[c] = -1;
	}
}

bool
cgroup_join(const int fds[CGROUP_NCTL])
{
	bool any = false;

	for (int c = 0; c < CGROUP_NCTL; c++) {
		if (fds[c] < 0)
			continue;
		if (write(fds[c], "0", 1) != 1)
			die_errno("cannot join the container's cgroup");
		close(fds[c]);
		any = true;
	}
	return any;
}

int
cgroup_empty_at(struct cgroup *cg, struct ctl_err *e)
{
	const struct cgroup_hier *h = cg->h;
	int rc = 0;

	for (int c = 0; c < CGROUP_NCTL; c++) {
		int d = cg_run_dir(cg, c);

		if (d < 0)
			continue;
		if (h->version == 2 &&
		    cg_write_file(h, d, "cgroup.kill", "1") == -1 &&
		    errno != ENOENT && errno != ENODEV)
			rc = cg_fail(e, errno, "cgroup.kill %s", cg->name);
		if (kill_loop(h, d) == -1 && rc == 0)
			rc = cg_fail(e, errno, "cgroup %s: killing", cg->name);
	}
	if (!cg->usage_read)
		cg_read_usage(cg);
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
			rc = cg_fail(e, errno, "cgroup %s: rmdir", cg->name);
	}
	/* Under the user's lock: once emptied, a launch of the same user may
	 * have swept this cgroup and made a new one of the same name, which
	 * is not ours to remove. */
	lock = cg_user_lock(cg);
	for (int c = 0; c < CGROUP_NCTL; c++) {
		if (cg->leaf[c] < 0)
			continue;
		if (cg_same_dir(cg->udir[c], cg->name, cg->leaf[c]) &&
		    rmdir_wait(h, cg->udir[c], cg->name) == -1 && rc == 0)
			rc = cg_fail(e, errno, "cgroup %s: rmdir", cg->name);
		close(cg->leaf[c]);
		cg->leaf[c] = -1;
	}
	if (lock >= 0)
		cg_remove_user_locked(cg);
	cg_user_unlock(cg, lock);
	cg_release(cg);
	return rc;
}

/* The helper's wrappers: compiled-in paths, die or deny on failure. */

noreturn void
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
cgroup_create(const struct cgroup_hier *h, const struct cgroup_req *r,
    struct cgroup *out)
{
	struct ctl_err e;

	if (cgroup_create_at(h, r, out, &e) == -1)
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
cgroup_setup(struct cgroup *out, const struct launch_plan *p, const char *name,
    const struct cgroup_hier *h, struct place *pl)
{
	const struct policy_eff *e = &p->eff;
	struct cgroup_req r = {
		.uid = p->uid,
		.user = p->user,
		.name = name,
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
