/*
 * cgroup.h: the container's cgroup (steps 6 and 7 of DESIGN section 5),
 * created, limited, counted and destroyed by the keeper K.
 *
 * Layout: <hierarchy>/ctr-launch/u<uid>/<container>, with the per-user
 * totals on u<uid>; on cgroup v2 one unified hierarchy, on v1 one
 * directory tree in each of the memory, cpu and pids hierarchies.
 *
 * Invariants:
 * - Every directory and file of the layout MUST be owned by root and
 *   MUST NOT be writable by the caller: an existing directory that is
 *   not root-owned or is group/other writable is refused.
 * - The per-user container count MUST be decided under the caller's
 *   per-user lock, held from before the count until the container's
 *   first process is in it (cgroup_placed: P1 cloned into it, v2, or
 *   joined it itself, v1); the host-wide count MUST be decided under the
 *   global lock.  The locks are flocks on u<uid> and on
 *   ctr-launch (in the v2 hierarchy, or the v1 pids one).
 * - The stale sweep MUST remove only empty container cgroups, each under
 *   its owner's lock, so that a concurrent launch's still-empty cgroup
 *   is never touched.
 * - A signal sent by the kill loop MUST reach only a process that is in
 *   the container's cgroup (pidfd, then re-read of cgroup.procs).
 */
#ifndef CTL_CGROUP_H
#define CTL_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/err.h"

#define CGROUP_DIR "ctr-launch"

enum cgroup_ctl {
	CGROUP_MEMORY,
	CGROUP_CPU,
	CGROUP_PIDS,
	CGROUP_NCTL,
};

/* Thousandths of a CPU, bytes, count; UINT64_MAX for no limit. */
struct cgroup_limits {
	uint64_t cpus;
	uint64_t memory;
	uint64_t pids;
};

/* What a launch asks for: its limits, the caller's totals and counts. */
struct cgroup_req {
	uid_t uid;
	const char *user; /* for messages */
	const char *name; /* the container's name, one path component */
	struct cgroup_limits lim;
	struct cgroup_limits user_lim;
	uint64_t max_containers;       /* per user */
	uint64_t max_total_containers; /* host-wide */
	/* Inside a batch job: per hierarchy, the caller's cgroup the
	 * container nests in, or -1 (the top layout); NULL: top everywhere. */
	const int *parent;
};

/* A cgroup hierarchy: v2 (one root) or v1 (one root per controller). */
struct cgroup_hier {
	int version;
	int fd[CGROUP_NCTL]; /* v2: fd[0] only; v1: each controller's root */
	bool have[CGROUP_NCTL];
	bool fake; /* unit tests: a plain directory tree stands in */
	int lock_wait_ms;
};

/* What a container used, read just before its cgroup is removed;
 * CGROUP_UNKNOWN where the kernel does not tell. */
#define CGROUP_UNKNOWN UINT64_MAX
struct cgroup_usage {
	uint64_t cpu_user_usec;
	uint64_t cpu_system_usec;
	uint64_t memory_peak; /* bytes */
	uint64_t oom_kills;
	uint64_t pids_peak;
};

struct place;

struct cgroup {
	const struct cgroup_hier *h;
	struct place *place;   /* K: released after the cgroup (place.h) */
	int udir[CGROUP_NCTL]; /* u<uid> in each hierarchy (-1 if none) */
	int leaf[CGROUP_NCTL]; /* the container's directories (-1 if none) */
	int nest[CGROUP_NCTL]; /* nested in a job: the real ones (-1 if not) */
	int parent[CGROUP_NCTL]; /* their parents (not owned) */
	int ulock;               /* per-user lock, held until cgroup_placed */
	uid_t uid;
	char name[64];
	struct cgroup_usage usage; /* filled by cgroup_empty_at */
	bool usage_read;
};

/* The core functions report a refusal (a limit; E->denied) or a failure
 * (E->err) through lib/err.h's one error shape. */

/*
 * Detects the version of the hierarchy under ROOTFD: 2 when it is a
 * cgroup2 root whose cgroup.controllers lists memory, cpu and pids, 1 when
 * it holds memory, cpu and pids v1 hierarchies, -1 otherwise.  CHECK_FS
 * also requires the file system types (always, except in unit tests).
 */
int cgroup_detect_at(int rootfd, bool check_fs);

/*
 * Core, on descriptors (unit tests give a fake tree): opens the hierarchy
 * of VERSION under ROOTFD (v1: ROOTFD holds memory, cpu, pids).  The
 * locks are flocks on the layout's own directories (u<uid> per user,
 * ctr-launch host-wide).  Returns 0, or -1 with *E.
 */
int cgroup_hier_at(struct cgroup_hier *, int rootfd, int version, bool fake,
    struct ctl_err *e);
void cgroup_hier_close(struct cgroup_hier *);

/*
 * Creates the container's cgroup: takes the caller's lock, sweeps the
 * caller's stale cgroups, enforces max_containers and (under the global
 * lock) max_total_containers, writes the totals on u<uid> and the limits
 * on the container.  On success the per-user lock stays held until
 * cgroup_placed.  Returns 0, or -1 with *E (nothing left behind).
 */
int cgroup_create_at(const struct cgroup_hier *, const struct cgroup_req *,
    struct cgroup *out, struct ctl_err *e);

/*
 * v2: the container directory's descriptor for clone3 CLONE_INTO_CGROUP;
 * v1: -1.
 */
int cgroup_clone_fd(const struct cgroup *);

/* Kills every process in the container's cgroup (cgroup.kill, else a
 * pidfd loop) until it is empty, then reads what it used (once).  An
 * emptied cgroup no longer counts: the next launch may sweep it.  0 or -1
 * with *E. */
int cgroup_empty_at(struct cgroup *, struct ctl_err *e);

/* cgroup_empty_at, then removes its directories (those still its own,
 * under the user's lock).  0 or -1 (left for the next sweep) with *E. */
int cgroup_destroy_at(struct cgroup *, struct ctl_err *e);

/* The number after KEY on a line "KEY N" of TEXT (cpu.stat, memory.events,
 * memory.oom_control), or CGROUP_UNKNOWN. */
uint64_t cgroup_stat_value(const char *text, const char *key);
/* The user and system time of a process and of the children it reaped
 * (utime + stime + cutime + cstime), in clock ticks, from its
 * /proc/PID/stat line STAT; CGROUP_UNKNOWN if STAT is not such a line. */
uint64_t cgroup_proc_ticks(const char *stat);

/* Counts the processes in a cgroup directory (cgroup.procs), -1 on error. */
int cgroup_nprocs(int dirfd);

/* Formats LIM as "cpus=1.5 memory=2147483648 pids=256" ("max" for none). */
void cgroup_format_limits(char *buf, size_t len, const struct cgroup_limits *);

/*
 * The helper's wrappers: the hierarchy at CTL_CGROUP_ROOT of version
 * CTL_CGROUP_VERSION ("auto", "1", "2"); these die (exit 125) on failure and deny() with the limit named.
 */
void cgroup_open(struct cgroup_hier *);
void cgroup_create(const struct cgroup_hier *, const struct cgroup_req *,
    struct cgroup *out);
void cgroup_destroy(struct cgroup *);
/*
 * K: the file through which a process joins each of the container's
 * directories, open for writing (-1 where none), for P1 (v1) or an exec's
 * process to write "0" to, itself, before it runs anything else: v1's
 * tasks, where such a write moves the writing thread alone (the process:
 * it is single-threaded) without the cgroup lock that a cgroup.procs
 * write or a write of another pid takes, whose first taking after a
 * pause waits for an RCU grace period (milliseconds); v2's
 * cgroup.procs.  0, or -1.
 */
int cgroup_join_open(const struct cgroup *, int out[CGROUP_NCTL]);
/* The joining process: "0" to each of FDS (cgroup_join_open's), each
 * closed; dies on failure.  False when FDS holds none. */
bool cgroup_join(const int fds[CGROUP_NCTL]);
/* cgroup_join_open when WANT, else OUT all -1 (the process is cloned into
 * the cgroup).  0, or -1. */
int cgroup_join_open_if(const struct cgroup *, bool want, int out[CGROUP_NCTL]);
/* Closes those of FDS that are open (K's copies, once the process is
 * started) and sets them to -1. */
void cgroup_join_close(int fds[CGROUP_NCTL]);
/* K: the container's first process is in its cgroup (cloned into it, or
 * joined it itself): the caller's lock goes. */
void cgroup_placed(struct cgroup *);
/* K: what the container uses now (CGROUP_UNKNOWN where not told). */
void cgroup_current(const struct cgroup *, uint64_t *cpu_usec, uint64_t *mem,
    uint64_t *pids);
/* K: empties the container's cgroup (cgroup_empty_at); warns on failure. */
void cgroup_empty(struct cgroup *);
/* P1, once placed: a new cgroup namespace rooted at its own cgroup. */
void cgroup_unshare_ns(void);

struct launch_plan;
/* K, step 6: creates the container's cgroup in H for PLAN (its limits,
 * the caller's totals and counts), nested in PL's job cgroups where it
 * has them; dies or denies. */
void cgroup_setup(struct cgroup *out, const struct launch_plan *plan,
    const char *name, const struct cgroup_hier *h, struct place *pl);
/* The container's own cgroup directories, for its view of them (P1). */
struct cgroup_view {
	int version;
	int fd[CGROUP_NCTL]; /* -1 where none */
	const char *name[CGROUP_NCTL];
};

/* P1, once released by K (so placed): keeps the container's own cgroup
 * directories in *VIEW, closes the descriptors inherited from K's
 * cgroup_setup and unshares the cgroup namespace. */
void cgroup_enter(struct cgroup *, struct cgroup_view *view);

#endif
