/*
 * namespaces.h: the container's namespaces (step 7 of DESIGN section 5).
 */
#ifndef CTL_NAMESPACES_H
#define CTL_NAMESPACES_H

#include <stdbool.h>
#include <sys/types.h>

#include "helper/plan.h"
#include "lib/err.h"
#include "lib/wur.h"

/*
 * Forks P1 into new mount, pid, uts and ipc namespaces (and a new network
 * namespace for --network none), with clone3 and CLONE_PIDFD, falling
 * back to clone(2) where clone3 is missing; with CGROUP_FD >= 0, into that
 * cgroup (clone3 CLONE_INTO_CGROUP; after the fallback P1 joins it
 * itself, first thing).  Returns 0 in P1; in K, P1's pid, with its pidfd
 * in *PIDFD; in both, *PLACED true when P1 was cloned into CGROUP_FD.
 * Dies on failure.
 */
pid_t
ns_clone(const struct launch_plan *p, int cgroup_fd, int *pidfd, bool *placed);
/* The same placement with no new namespace: a host transfer's program
 * (transfer.c) into its cgroup v2 leaf CGROUP_FD (or -1 on v1).  Dies on
 * failure. */
pid_t ns_fork(int cgroup_fd, int *pidfd);

/* fork(), into the cgroup v2 directory CGROUP_FD (CLONE_INTO_CGROUP) when
 * CGROUP_FD >= 0 and the kernel takes it; else a plain fork(), whose
 * child is where its parent is (K then places itself, place.c). */
pid_t ns_fork_into(int cgroup_fd);
/* ns_fork_into, with *PLACED true (in both processes) when the child was
 * cloned into CGROUP_FD.  A refused clone (clone3 missing, or EAGAIN at
 * that cgroup's pids.max) is a plain fork(), *PLACED false. */
pid_t ns_fork_placed(int cgroup_fd, bool *placed);

/*
 * Starts FN(ARG) in a child as posix_spawn starts its own: on the
 * caller's memory (CLONE_VM), the caller stopped until the child's execve
 * or exit (CLONE_VFORK), so that no page table is copied and neither
 * process takes a copy-on-write fault.  FN MUST end in execve or _exit,
 * and MUST NOT return; it writes its own stack and what the caller will
 * no longer read.  Signal dispositions are the child's own copy: with a
 * handler installed, FN must reset it before it unblocks the signal.
 * Returns the child's pid (once it has exec'd or exited), or -1 with
 * errno when neither its stack nor the child could be made.  (The
 * AddressSanitizer build forks: the child has a copy of the memory and
 * the caller goes on at once.)
 */
pid_t ns_spawn(int (*fn)(void *), void *arg);

/* The cores of ns_clone and ns_fork, for a caller that must not exit:
 * the same, but a failure is -1 with *E (no child is left behind).  A
 * clone(2) child that cannot join its leaf still dies (125), in the
 * child. */
pid_t ns_clone_at(const struct launch_plan *p, int cgroup_fd, int *pidfd,
    bool *placed, struct ctl_err *e) CTL_WUR;
pid_t ns_fork_at(int cgroup_fd, int *pidfd, struct ctl_err *e) CTL_WUR;

#endif
