/*
 * kexec.h: exec into a running detached container (DESIGN section 10),
 * started by its keeper.
 */
#ifndef CTL_KEXEC_H
#define CTL_KEXEC_H

#include <stdbool.h>
#include <sys/types.h>

#include "helper/ctlproto.h"
#include "helper/monitor.h"
#include "helper/plan.h"

/* The exit status of an exec's child that answered the client itself:
 * none of its other ends (125 with a reason, a signal), nor a 0 from
 * code that would exit early, means that. */
#define KEXEC_ANSWERED 100

/* R: the response to an exec whose command ended with STATUS (its exit
 * status, or 128 + the signal). */
void kexec_resp(struct ctlp_resp *r, int status);

/*
 * K: starts X in the container of P (P1's pidfd and cgroup in M) with
 * FDS as its stdin, stdout and stderr; with ACCOUNT (the caller is the
 * owner, not root), PAM's account check first, in that child.  Returns
 * the pid of that child, with its pidfd in *PIDFD and in *ALIVE the
 * write end of the pipe whose hangup tells the process that K is gone
 * (K closes it when the exec ended); -1 on failure.  The child sends the
 * command's status to the client on CLIENT as soon as it has it, then
 * exits KEXEC_ANSWERED; any other end of the child (125 with its reason
 * on the caller's stderr, a signal) leaves the answer to K.
 */
pid_t kexec_start(const struct launch_plan *p, const struct monitor *m,
    const struct ctlp_exec *x, const int fds[3], int client, bool account,
    int *pidfd, int *alive);

#endif
