/*
 * keeper.h: K, the keeper: the supervisor of a foreground run
 * (keeper_fg.c) and of a detached container (run -d, DESIGN section 10):
 * its state directory and name, its log, its ctl socket (keeper.c and the
 * keeper_*.c beside it).
 */
#ifndef CTL_KEEPER_H
#define CTL_KEEPER_H

#include <stdbool.h>
#include <stdnoreturn.h>
#include <sys/types.h>

#include "helper/monitor.h"
#include "helper/place.h"
#include "helper/plan.h"

#define KEEPER_C_DIR       CTL_RUNDIR "/ctr-launch/c"
#define KEEPER_LOG_DIR     CTL_STATEDIR "/ctr-launch/logs"
#define KEEPER_MAX_CLIENTS 32
#define KEEPER_INFO_MAX    8192 /* bytes of an info or exit record */

/*
 * K, right after its placement: is the launch kept here?  run -d; run -it
 * from a terminal (plan->fg_detach) unless the placement is inside a
 * batch job, where it stays a plain foreground run.  The plan is not
 * changed: the decision is K's (keeper_fg_detach()).
 */
bool keeper_wanted(const struct launch_plan *p, const struct place *pl);
/* K and P1, after keeper_wanted: does this run -it detach? */
bool keeper_fg_detach(void);
/* K, after keeper_reserve or keeper_step: the container's name (a Slurm
 * step's container is named by K); the plan's when the run is not kept. */
const char *keeper_name(const struct launch_plan *p);
/*
 * K, right after its placement (before PAM): refuses -d inside a batch
 * job's confinement, then takes the container's name for the caller:
 * creates RUNDIR/ctr-launch/c/u<uid>/<name>/ (root, 0700 all the way up)
 * and holds an exclusive flock on it for the container's life.  Dies or
 * denies (the name in use).
 */
void keeper_reserve(const struct launch_plan *p, const struct place *pl);
/*
 * K, right after its placement, for run --step-tasks (a Slurm step's tasks
 * on this node share one container): refuses outside a batch job's
 * confinement; the name slurm-JOB.STEP from K's own cgroup path.  The
 * first task takes the name and returns (its K keeps the container, P1
 * holding its namespaces, every task an exec into it); the others wait for
 * it to run, hand P0 a connection to its keeper (MON_CLIENT) and exit.
 * Denies when a container of that name is not the step's.
 */
void
keeper_step(const struct launch_plan *p, struct place *pl, struct monitor *m);
/* DIR/NAME, a regular file, into BUF; its length, or -1 (missing, or
 * LEN bytes or more). */
ssize_t keeper_record_read(int dir, const char *name, char *buf, size_t len);
/* Writes BUF as DIR/NAME atomically (NAME.tmp, synced, then renamed);
 * 0 or -1. */
int keeper_record_write(int dir, const char *name, const char *buf, size_t len);
/* Removes the files of the state directory DIR, "info" last: a removal
 * cut short leaves either a record that still names the container or an
 * empty directory, never a directory that is neither (its name taken,
 * and no command seeing a container to remove). */
void keeper_record_unlink(int dir);
/* A connection to the ctl socket in the state directory DIR, or -1. */
int keeper_connect(int dir);
/* Does a keeper hold the flock of its container's state directory DIR
 * (it lives, running or tearing down)? */
bool keeper_lives(int dir);
/* K, before the clone of P1: the log file and its pipe (in place of
 * stdout and stderr without -t), the ctl socket. */
void keeper_prepare(const struct launch_plan *p, struct monitor *m);
/* P1 right after its clone: closes K's descriptors of the state. */
void keeper_forget(void);
/* K's failure hook: a name taken but never running is given back. */
void keeper_abandon(void);
/*
 * K, step 11 of a detached launch: waits for P1's readiness (P0 gets its
 * errors, or the name and status 0; with plan->fg_detach an attached
 * client connection, MON_ATTACHED), then detaches and serves the ctl
 * socket and the log until the container ends, writes the exit record,
 * tears down and exits.
 */
noreturn void
keeper_detached(const struct launch_plan *p, struct monitor *m, pid_t init);

/* K, step 11 of a foreground run: releases P1, relays its readiness to
 * P0, waits for P1 and for P0, kills what is left, cleans up and reports
 * the status. */
noreturn void
monitor_keeper(const struct launch_plan *p, struct monitor *m, pid_t init);
/* K's one teardown, for the failure hook and the normal end of every run:
 * kills P1 (if cloned; a no-op once it is reaped) and waits for it,
 * releases the layer locks, removes the cgroup, closes the PAM session,
 * audits the end with STATUS if the grant was audited.  Idempotent. */
void keeper_end(struct monitor *m, int status);
/* P1 ended with STATUS before it was ready: when a signal killed it (the
 * OOM killer under a tiny memory limit) it said nothing; this says it. */
void keeper_early_death(int status);
/* K's failure hook (log.h) from the PAM session on: keeper_end with
 * CTL_EXIT_FAIL. */
void monitor_teardown(void *m);

/* Under UDIR's lock: when the user UID has no container left, their log
 * directory, then UDIR (RUNDIR/ctr-launch/c/u<UID>), are removed. */
void keeper_udir_drop(int udir, uid_t uid);
/* RUNDIR/ctr-launch/c/u<UID>, made (root's, 0700) if missing; dies if it
 * is anything else. */
int keeper_udir_make(uid_t uid);

/* The kernel's word on who is at the other end of a unix socket: the
 * real uid of the connected process (SO_PEERPIDFD: PIDFD_GET_INFO, else
 * /proc/PID/status with the pidfd still alive after the read).  A
 * refused SO_PEERPIDFD (the process gone) gives no identity; only a
 * kernel without it (before 6.5) takes keeper_peer_uid_cred.  0, or -1. */
int keeper_peer_uid(int sock, uid_t *uid);
/* Before Linux 6.5: SO_PEERCRED's pid as a pidfd, taken only while the
 * client's end is still open (the connected process alive, its pid not
 * reused), then /proc/PID/status.  0, or -1. */
int keeper_peer_uid_cred(int sock, uid_t *uid);

#endif
