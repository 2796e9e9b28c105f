/*
 * place.h: where the keeper K, the front P0 and the container's cgroup go
 * (step 4.1 of the launch sequence in SECURITY.md), decided by K before PAM and
 * before any lock.
 */
#ifndef CTL_PLACE_H
#define CTL_PLACE_H

#include <stdbool.h>
#include <sys/types.h>

#include "helper/cgroup.h"

#define PLACE_KEEPERS "keepers"
#define PLACE_FRONT   "ctl-front"

/* What K changed of the caller's scheduling state, for P1 to put back. */
struct place_sched {
	int nice;
	int policy;
	int prio;   /* sched_priority */
	int ioprio; /* ioprio_get's value */
	int oom_score_adj;
};

struct place {
	bool job; /* inside a batch job's confinement */
	bool v2;
	/* Per managed hierarchy (struct cgroup_hier order): the caller's own
	 * cgroup when the container nests in it, else -1 (the top layout). */
	int parent[CGROUP_NCTL];
	int front[CGROUP_NCTL];        /* its ctl-front child */
	char subtree[CGROUP_NCTL][64]; /* v2: subtree_control before */
	char path[256];                /* the job's cgroup path, for messages */
	pid_t front_pid;
	struct place_sched sched;
};

/*
 * Pure: is PATH (a cgroup path as /proc/self/cgroup shows it) a Slurm job
 * step's cgroup?  v1: /slurm.../uid_N/job_J/step_S[/...]; v2: a path with
 * a component ending in slurmstepd.scope followed by job_J/step_S[/...].
 */
bool place_job_path(const char *path, int version);

/*
 * Pure: finds the line of a /proc/self/cgroup text for hierarchy KEY ("" for
 * the v2 hierarchy, else a v1 controller or name=NAME) and copies its path
 * into OUT.  0, or -1 when there is none or it does not fit.
 */
int place_self_path(const char *text, const char *key, char *out, size_t len);

/*
 * K, step 4.1: K leaves every cgroup the caller can write, in
 * every hierarchy: into ctr-launch/keepers, or, inside a batch job (with
 * cgroup_placement auto), K and FRONT (P0's pid) into the caller's
 * cgroup's ctl-front child, with the container's cgroup to be created
 * beside it.  Resets K's nice, scheduling policy and I/O priority and sets
 * its oom_score_adj to -1000, keeping the caller's in OUT->sched for P1.
 * Dies or denies (other processes sharing the job's cgroup).
 */
void place_keeper(const struct cgroup_hier *h, bool top, pid_t front,
    struct place *out);

/*
 * P0, before K's fork: on a host with cgroup v2 alone, outside a batch
 * job's path (or with TOP), <root>/ctr-launch/keepers opened (made as
 * place_keeper makes it) for K to be cloned into it (CLONE_INTO_CGROUP):
 * K then never migrates, and a launch takes no cgroup write lock (the
 * first migration after a pause waits for an RCU grace period).  -1 where
 * K places itself: v1 hierarchies, a job's path, anything unexpected.
 */
int place_keeper_target(bool top);
/* K, at the end (inside a job): P0 and K back into the caller's cgroup,
 * the caller's subtree_control as it was, ctl-front removed.  Best effort;
 * idempotent. */
void place_release(struct place *);
/* P1, before its drop: closes the descriptors inherited from K and takes
 * the caller's nice, scheduling policy, I/O priority and oom_score_adj,
 * as K found them. */
void place_enter(struct place *);
/* The caller's nice, scheduling policy, I/O priority and oom_score_adj
 * of S (as K found them) for the calling process: place_enter's second
 * half.  Dies on failure. */
void place_sched_enter(const struct place_sched *s);
/* Its two halves, for an exec: the oom_score_adj, written through the
 * /proc of the calling process's mount namespace (the keeper's child's,
 * the host's: never a container's while privileged), which its children
 * inherit; and the rest, system calls only (the command's process, in
 * the container, after joining its cgroup). */
void place_oom_enter(const struct place_sched *s);
void place_prio_enter(const struct place_sched *s);

#endif
