/*
 * auth.h: PAM gating of a launch (step 5 of DESIGN section 5), run by the
 * keeper K: account management, then a session that K closes after the
 * container ends.  No authentication, no pam_setcred.
 */
#ifndef CTL_AUTH_H
#define CTL_AUTH_H

#include <stdbool.h>
#include <sys/resource.h>

#include "helper/plan.h"

#define AUTH_SERVICE "ctr-launch"

struct auth {
	void *pamh; /* pam_handle_t */
	bool open;  /* the session is open */
	/* K's rlimits before and after pam_open_session: a resource whose
	 * value changed was set by the session (pam_limits). */
	struct rlimit before[RLIM_NLIMITS];
	struct rlimit after[RLIM_NLIMITS];
	bool changed[RLIM_NLIMITS];
	char **env; /* the session's environment, allowlisted; never NULL */
	/* What the payload gets (auth_payload), kept here so that the plan
	 * stays as step 3 built it. */
	struct rlimit rlimits[RLIM_NLIMITS];
	char **payload_env; /* NULL-terminated, malloc'd */
};

/*
 * K: pam_start (pam_start_confdir with CTL_PAMDIR when set) for the
 * caller, PAM_RUSER and PAM_TTY, pam_acct_mgmt, pam_open_session; records
 * which rlimits the session changed.  A PAM refusal is a denial (exit 125
 * with PAM's reason); any other failure dies.
 */
void auth_open(struct auth *, const struct launch_plan *);

/* K, after the container ended: pam_close_session and pam_end. */
void auth_close(struct auth *);
/* attach (ctlattach.c), and exec into a keeper that predates
 * auth_account_exec (ctlexec.c): PAM's account check alone, for P's
 * caller; denies when it refuses. */
void auth_account(const struct launch_plan *p);
/* The first process of an exec (kexec.c), a child of K: the same check
 * for the container's owner (P's user), on a handle of its own (the
 * service's file read again; the modules K loaded are not mapped again),
 * with TERMINAL, the exec caller's terminal as their launcher found it
 * ("" for none), as PAM_TTY.  Denies when it refuses; afterwards the
 * signal dispositions are the defaults, the mask what it was and the
 * umask 077. */
void auth_account_exec(const struct launch_plan *p, const char *terminal);

/*
 * P1: the payload's rlimits: CALLER's (the rlimits saved at step 0),
 * except those the session changed, which win.
 */
void auth_rlimits(const struct auth *, const struct rlimit *caller,
    struct rlimit *out);

/*
 * K, before the clone: adds to *ENV (NULL-terminated, malloc'd, as
 * env_build() makes it) each allowlisted variable of the session whose key
 * *ENV lacks; the caller's own values and -e always win.  Dies on ENOMEM.
 */
void auth_env_merge(const struct auth *, char ***env);

/*
 * K, right after auth_open and before the clone of P1: what the payload
 * gets, into A (never into the plan): A->rlimits, P's rlimits (the
 * caller's, saved at step 0) except those the session changed
 * (auth_rlimits); A->payload_env, a copy of P's environment with the
 * session's allowlisted variables it lacks added (auth_env_merge).  P1
 * (creds_restore, the payload's exec) and the execs of `ctr-launch exec`
 * (kexec.c) apply these.  Pure; dies on ENOMEM.
 */
void auth_payload(struct auth *, const struct launch_plan *p);

/* Is "KEY=VALUE" allowed from PAM's environment (TERM, LANG, LC_*)? */
bool auth_env_allowed(const char *kv);

/* Pure core of auth_open's bookkeeping, for tests: marks in A->changed
 * every resource whose before and after values differ. */
void auth_diff_rlimits(struct auth *);

#endif
