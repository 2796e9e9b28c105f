/*
 * ids.h: who is calling (step 2 of DESIGN section 5).
 */
#ifndef CTL_IDS_H
#define CTL_IDS_H

#include "helper/plan.h"

/* Fills P's caller fields from the kernel's credentials and NSS (uid,
 * gid, user, home, shell, gecos, groups, kgroups, tty); dies on any
 * failed lookup and refuses a caller whose real uid or gid is 0. */
void ids_identify(struct launch_plan *p);
/* The policy's view of P's caller; GNAMES holds p->ngroups names. */
void ids_policy_ident(const struct launch_plan *p, struct policy_ident *id,
    gid_t *gids, const char **gnames);

#endif
