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

/*
 * K: starts X in the container of P (P1's pidfd and cgroup in M) with
 * FDS as its stdin, stdout and stderr; with ACCOUNT (the caller is the
 * owner, not root), PAM's account check first, in that child.  Returns
 * the pid of the child that reports the status as its own exit status,
 * with its pidfd in *PIDFD and in *ALIVE the write end of the pipe whose
 * hangup tells the process that K is gone (K closes it when the exec
 * ended); -1 on failure.
 */
pid_t kexec_start(const struct launch_plan *p, const struct monitor *m,
    const struct ctlp_exec *x, const int fds[3], bool account, int *pidfd,
    int *alive);

#endif
