/*
 * cgroup_int.h: what the pieces of the container's cgroup share, private
 * to them (helper/cgroup*.c); everyone else uses cgroup.h.
 *
 *   cgroup.c         the core: creation, placement, emptying and removal
 *                    of the container's cgroup, and the helper's wrappers
 *   cgroup_hier.c    finding and opening the hierarchy (v2 or v1)
 *   cgroup_fs.c      file and directory primitives, the ownership checks
 *   cgroup_limits.c  controllers, limits, admission of a nested container
 *   cgroup_count.c   the locks, the counts, the stale sweep, and the
 *                    removal of a user's last directories
 *   cgroup_usage.c   what the container uses and used
 *   cgroup_view.c    P1: the container's own view of its cgroup
 *
 * The functions that report do so through lib/err.h's struct ctl_err and
 * return -1 (cg_fail: a failure with its errno, kept out of the message;
 * err_deny: a refusal); cg_die turns that into the helper's death.
 */
#ifndef CTL_CGROUP_INT_H
#define CTL_CGROUP_INT_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>
#include <sys/types.h>

#include "helper/cgroup.h"
#include "lib/err.h"

/* ctr-launch and u<uid> are locks: nobody but root may open them. */
#define CGROUP_LOCK_MODE 0700
#define CGROUP_LEAF_MODE 0755
#define UNLIMITED        UINT64_MAX

/* "memory", "cpu", "pids", by enum cgroup_ctl. */
extern const char *const cg_ctl_name[CGROUP_NCTL];

/* The hierarchy that holds the locks: v2 the one, v1 the pids one. */
static inline int
cg_primary(const struct cgroup_hier *h)
{
	return h->version == 2 ? 0 : CGROUP_PIDS;
}

/* The hierarchies this launch touches: v2 one, v1 all three. */
static inline bool
cg_used(const struct cgroup_hier *h, int c)
{
	return h->version == 1 || c == 0;
}

/* The directory the container's processes run in, in hierarchy C. */
static inline int
cg_run_dir(const struct cgroup *cg, int c)
{
	return cg->nest[c] >= 0 ? cg->nest[c] : cg->leaf[c];
}

/* cgroup_fs.c: errors, files and directories. */
int cg_fail(struct ctl_err *e, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void cg_sleep_ms(int ms);
int cg_write_file(const struct cgroup_hier *h, int dirfd, const char *file,
    const char *val);
int cg_read_file(int dirfd, const char *file, char *buf, size_t len);
bool cg_has_word(const char *list, const char *word);
ssize_t cg_read_pids(int dirfd, pid_t **out);
int cg_open_dir(const struct cgroup_hier *h, int parent, const char *name,
    bool create, mode_t mode, struct ctl_err *e);
bool cg_same_dir(int parent, const char *name, int fd);
DIR *cg_opendir(int parent, const char *name);
int cg_remove_dir(const struct cgroup_hier *h, int parent, const char *name);
uint64_t cg_read_number(int dirfd, const char *file);
void cg_close_fds(int *v, int n);

/* cgroup_limits.c: controllers, limits, admission. */
int cg_enable_controllers(const struct cgroup_hier *h, int dirfd,
    struct ctl_err *e);
int cg_write_limits(const struct cgroup_hier *h, const int *dirs,
    const struct cgroup_limits *lim, struct ctl_err *e);
int cg_admit(const struct cgroup_hier *h, const struct cgroup_req *r,
    const struct cgroup *cg, struct ctl_err *e);

/* cgroup_count.c: locks, counts, sweep, a user's directories. */
int cg_lock_dir(const struct cgroup_hier *h, int dirfd, const char *what,
    bool nowait, struct ctl_err *e);
int
cg_scan_user(const struct cgroup_hier *h, int udir, bool sweep, int *nempty);
int cg_sweep_own(const struct cgroup_hier *h, const int udir[CGROUP_NCTL]);
int cg_count_others(const struct cgroup_hier *h, int base, uid_t self);
bool cg_user_current(const struct cgroup_hier *h, const struct cgroup *cg);
int cg_user_lock(struct cgroup *cg);
void cg_user_unlock(struct cgroup *cg, int lock);
void cg_remove_user_locked(struct cgroup *cg);
void cg_remove_user(struct cgroup *cg);

/* cgroup_usage.c */
void cg_read_usage(struct cgroup *cg);

/* cgroup.c */
void cg_release(struct cgroup *cg);
noreturn void cg_die(const struct ctl_err *e);

#endif
