/*
 * front.h: P0, the front (front.c): the caller's own process once K is
 * forked.
 */
#ifndef CTL_FRONT_H
#define CTL_FRONT_H

#include <stdbool.h>
#include <stdnoreturn.h>

#include "helper/monitor.h"
#include "helper/plan.h"

/* P0, step 3.1: drops to the caller, relays the pty and signals, exits
 * with the status K reports (125 if K dies). */
noreturn void monitor_front(struct launch_plan *p, struct monitor *m);
/* Whether P0 forwards the caller's signal SIG (HUP, INT, QUIT, TERM, USR1,
 * USR2, ALRM) to the container's init once it runs; an attached client
 * forwards the same ones (ctlattach.c). */
bool front_forwards(int sig);

#endif
