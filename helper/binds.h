/*
 * binds.h: step 8 of DESIGN section 5: the bind sources, resolved by P1
 * as the caller before any mount.
 */
#ifndef CTL_BINDS_H
#define CTL_BINDS_H

#include "lib/err.h"
#include "helper/plan.h"

/*
 * Step 8 (P1, root, new mount namespace, before any mount): resolves the
 * source of BIND as the caller (fsuid/fsgid and the caller's groups), to
 * an O_PATH descriptor; requires that the caller may read the file or
 * search the directory; checks the descriptor's real path by component
 * against the grant (the admin bind's source, or policy_user_bind for -v).
 *
 * binds_open_at: the core: the descriptor, or -1 with E set (a refusal,
 * E->denied, with the reason; or a failure).  It dies only when it cannot
 * give root's file system ids back (nothing may run on half-dropped ids).
 * binds_open: the same, or denies (exit 125) with the reason.
 */
int binds_open_at(const struct launch_plan *, const struct plan_bind *,
    struct ctl_err *e);
int binds_open(const struct launch_plan *, const struct plan_bind *);

/*
 * Every bind of the plan, in order: an array of p->nbinds descriptors
 * (one slot more, for the callers' free), or NULL with E set and every
 * descriptor it opened closed.
 */
int *binds_open_all_at(const struct launch_plan *p, struct ctl_err *e);

#endif
