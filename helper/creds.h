/*
 * creds.h: the process's inherited state and credentials: step 0 (P0),
 * the keeper's root identity, the front's drop, reading a file as the
 * caller, and steps 12 to 14 (P1).
 */
#ifndef CTL_CREDS_H
#define CTL_CREDS_H

#include <stddef.h>

#include "helper/plan.h"
#include "lib/err.h"
#include "lib/wur.h"

/* Step 0, the first thing main() does (see creds.c). */
void creds_hygiene(int argc, char **argv, struct plan_caller *c);

/*
 * Reads at most MAX bytes of PATH (relative to the caller's working
 * directory) in a child process that has fully become the caller, and
 * returns them through a pipe.  0 with *BUF (NUL-terminated) and *LEN, or
 * -1 with E.
 */
int creds_read_file_as_caller(const struct launch_plan *p,
    const struct plan_caller *c, const char *path, size_t max, char **buf,
    size_t *len, struct ctl_err *e);

/* K: real, effective and saved uid and gid 0, no supplementary groups. */
void creds_keeper(void);
/* P0 after forking K: becomes the caller entirely, not dumpable. */
void creds_drop_front(const struct launch_plan *p);
/* Step 12 (P1): drops every privilege; KEEPER_FD is the read end of a
 * pipe whose write end only K holds (its death is POLLHUP). */
void creds_drop(const struct launch_plan *p, int keeper_fd);
/* Step 13 (P1): tries to regain privilege; dies if anything is left. */
void creds_verify(const struct launch_plan *p);
/* Step 14 (P1, after the drop): the caller's umask and RLIMITS (the
 * caller's with the PAM session's, auth_payload). */
void creds_restore(const struct launch_plan *p, const struct rlimit *rlimits);

/*
 * The cores of the functions above, for a caller that must not exit:
 * each does the same steps in the same order, but a failure is -1 with
 * *E (the message the wrapper dies with) instead of death.  A failed
 * keeper, front, drop or verify core leaves the process's credentials
 * partly changed (a failed verification may even have regained root):
 * the caller MUST NOT go on in that process (it reports, then ends it).  creds_read_file_as_caller_at reports a finding about the
 * file as E->file = PATH with E->err 0 (the wrapper's E), and a
 * failure of its own pipe, fork or wait with E->err set (the wrapper
 * dies).  Step 0 and step 14 have no core: step 0 is the setuid
 * program's entry, and step 14 runs after the drop.
 */
int creds_read_file_as_caller_at(const struct launch_plan *p,
    const struct plan_caller *c, const char *path, size_t max, char **buf,
    size_t *len, struct ctl_err *e) CTL_WUR;
int creds_keeper_at(struct ctl_err *e) CTL_WUR;
/* Exactly the caller's groups, gid and uid, never dumpable while the
 * caller's uid is the real or saved one (the effective uid first, then
 * PR_SET_DUMPABLE 0, then the real and saved uid). */
int creds_ids_at(const struct launch_plan *p, struct ctl_err *e) CTL_WUR;
int creds_drop_front_at(const struct launch_plan *p, struct ctl_err *e) CTL_WUR;
int creds_drop_at(const struct launch_plan *p, int keeper_fd,
    struct ctl_err *e) CTL_WUR;
int creds_verify_at(const struct launch_plan *p, struct ctl_err *e) CTL_WUR;

#endif
