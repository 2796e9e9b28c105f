/*
 * init.h: P1, from its clone to the payload (steps 8 to 16 of DESIGN
 * section 5, except 9, mounts.h).
 */
#ifndef CTL_INIT_H
#define CTL_INIT_H

#include <stdnoreturn.h>

#include "helper/monitor.h"
#include "helper/mounts.h"
#include "helper/plan.h"

/* P1 right after the clone: drops K's descriptors, keeps the container's
 * ends of the relay pipes (monitor.h) for init_stdio, and waits for K. */
void init_start(const struct launch_plan *p, struct init_wiring *w);
/* Step 8: one O_PATH descriptor per plan bind, resolved as the caller. */
int *init_binds(const struct launch_plan *p);
/* After step 9 (which closed the bind descriptors): sets up stdio: the
 * pty slave with -t, else the relay pipes in place of the caller's
 * terminal, and the container's /dev/null as stdin without -i. */
void
init_stdio(const struct launch_plan *p, int *bind_fds, struct mounts_tty *tty);
/* Step 10: hostname and a new session. */
void init_session(const struct launch_plan *p);
/* Step 14 (after the drop): the working directory. */
void init_workdir(const struct launch_plan *p);
/* Step 13.1: closes every descriptor but stdio and the keeper's; tells K
 * the setup is done, handing over the pty master. */
void init_ready(const struct launch_plan *p, const struct init_wiring *w,
    struct mounts_tty *tty);
/* Step 16: the container's init: forks and execs the payload, reaps,
 * forwards signals, exits with the payload's status. */
noreturn void
init_run(const struct launch_plan *p, const struct init_wiring *w);

/* The payload's exec, exposed for tests: resolves ARGV[0] through ENV's
 * PATH like a shell (no shell fallback) and execs it; on failure returns
 * 126 (not executable) or 127 (not found) with a message in E. */
int init_exec(char *const argv[], char *const env[], struct ctl_err *e);

#endif
