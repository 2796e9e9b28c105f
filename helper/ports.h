/*
 * ports.h: the private network and published ports (DESIGN section 11):
 * K's side (binding the host sockets, starting the forwarder, its end)
 * and the forwarder process itself (ports.c).
 */
#ifndef CTL_PORTS_H
#define CTL_PORTS_H

#include "helper/plan.h"

struct cgroup;
struct place;

/* K, step 7, once P1 is cloned and before it may start: binds and listens
 * on every -p host socket as root.  A port in use or an address not on
 * the host ends the launch (125) naming the port. */
void ports_bind(const struct launch_plan *p);
/* K, right after ports_bind: for --network private, brings lo up in P1's
 * network namespace and, with -p, starts the forwarder there (in the
 * container's cgroup); returns once it runs, dropped and filtered. */
void ports_start(const struct launch_plan *p, int init_pidfd, struct cgroup *cg,
    struct place *pl);
/* K, once P1 is reaped: whether the forwarder died before, its counts for
 * the audit end line (audit_forward); stops it. */
void ports_end(void);

#endif
