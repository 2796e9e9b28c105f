/*
 * auth.c: PAM gating of a launch, in the keeper K (real uid 0).
 *
 * Invariants:
 * - pam_acct_mgmt MUST run for every launch, and anything but PAM_SUCCESS
 *   (PAM_NEW_AUTHTOK_REQD included) MUST deny the launch with PAM's
 *   reason; so MUST a failed pam_open_session.  It MUST run again, on a
 *   handle of its own (the service's file read again), for every exec
 *   and attach by the container's owner: in the exec's first process
 *   (kexec.c) with the exec caller's terminal, in attach's launcher.
 * - The PAM user MUST be the caller's name from getpwuid (the plan); a
 *   module that changes PAM_USER MUST cause a denial.
 * - PAM_RUSER MUST be the caller and PAM_TTY their terminal as found by
 *   the launcher (never the environment).
 * - The conversation MUST NOT answer a prompt (no password is asked);
 *   PAM's messages are shown, one sanitised line each.
 * - pam_setcred MUST NOT be called: the payload's groups are exactly the
 *   caller's.
 * - Only TERM, LANG and LC_* MAY pass from PAM's environment.
 * - The payload's rlimits MUST be the caller's, except those the session
 *   changed in K (pam_limits), which win.
 * - What the session gives the payload (rlimits, environment) MUST be kept
 *   in struct auth (auth_payload), never written into the plan.
 * - After the session opens, K's signal dispositions MUST be the default
 *   and its mask what it was, and its umask MUST be 077 again: nothing a
 *   module set reaches the container or the directories K creates.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <security/pam_appl.h>

#include "helper/auth.h"
#include "helper/env.h"
#include "helper/log.h"
#include "helper/pamdl.h"

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *data)
{
	struct pam_response *r;

	(void)data;
	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	r = calloc((size_t)n, sizeof(*r));
	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_ERROR_MSG:
		case PAM_TEXT_INFO:
			if (msg[i]->msg != NULL)
				warnmsg("pam: %s", msg[i]->msg);
			break;
		default: /* a prompt: ctr-launch never asks for a password */
			free(r);
			return PAM_CONV_ERR;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

bool
auth_env_allowed(const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t klen;

	if (eq == NULL)
		return false;
	klen = (size_t)(eq - kv);
	if ((klen == 4 && strncmp(kv, "TERM", 4) == 0) ||
	    (klen == 4 && strncmp(kv, "LANG", 4) == 0))
		return true;
	return klen > 3 && strncmp(kv, "LC_", 3) == 0;
}

void
auth_diff_rlimits(struct auth *a)
{
	for (int i = 0; i < RLIM_NLIMITS; i++)
		a->changed[i] = a->before[i].rlim_cur != a->after[i].rlim_cur ||
		    a->before[i].rlim_max != a->after[i].rlim_max;
}

void
auth_rlimits(const struct auth *a, const struct rlimit *caller,
    struct rlimit *out)
{
	for (int i = 0; i < RLIM_NLIMITS; i++)
		out[i] = a->changed[i] ? a->after[i] : caller[i];
}

void
auth_env_merge(const struct auth *a, char ***envp)
{
	size_t n = 0;
	char **env = *envp;

	while (env != NULL && env[n] != NULL)
		n++;
	for (size_t i = 0; a->env != NULL && a->env[i] != NULL; i++) {
		const char *kv = a->env[i];
		size_t klen = (size_t)(strchr(kv, '=') - kv);
		char **nv;

		if (!auth_env_allowed(kv) || n >= ENV_MAX_ENTRIES ||
		    env_lookup(env, kv, klen) != NULL)
			continue;
		nv = reallocarray(env, n + 2, sizeof(*nv));
		if (nv == NULL || (nv[n] = strdup(kv)) == NULL)
			die("out of memory");
		env = nv;
		env[++n] = NULL;
	}
	*envp = env;
}

void
auth_payload(struct auth *a, const struct launch_plan *p)
{
	size_t n = 0;

	auth_rlimits(a, p->rlimits, a->rlimits);
	while (p->env != NULL && p->env[n] != NULL)
		n++;
	if ((a->payload_env = calloc(n + 1, sizeof(char *))) == NULL)
		die("out of memory");
	for (size_t i = 0; i < n; i++)
		if ((a->payload_env[i] = strdup(p->env[i])) == NULL)
			die("out of memory");
	auth_env_merge(a, &a->payload_env);
}

/* Puts back K's own rlimits (best effort: raising a hard limit needs
 * CAP_SYS_RESOURCE): the session's values are for the payload, not for
 * the keeper. */
static void
restore_rlimits(const struct auth *a)
{
	for (int i = 0; i < RLIM_NLIMITS; i++)
		if (a->changed[i])
			(void)setrlimit(i, &a->before[i]);
}

/* PAM modules may ignore or catch signals and change the mask in K; the
 * container is cloned from K, and an ignored signal survives exec. */
static void
restore_signals(const sigset_t *mask)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)sigaction(sig, &sa, NULL); /* EINVAL: libc's */
	if (sigprocmask(SIG_SETMASK, mask, NULL) != 0)
		die_errno("sigprocmask");
}

static void
get_rlimits(struct rlimit *v)
{
	for (int i = 0; i < RLIM_NLIMITS; i++)
		if (getrlimit(i, &v[i]) == -1)
			die_errno("getrlimit");
}

/* Collects the allowlisted part of PAM's environment. */
static char **
session_env(pam_handle_t *pamh)
{
	char **all = pamdl()->getenvlist(pamh);
	char **out;
	size_t n = 0, k = 0;

	for (size_t i = 0; all != NULL && all[i] != NULL; i++)
		n++;
	out = calloc(n + 1, sizeof(*out));
	if (out == NULL)
		die("out of memory");
	for (size_t i = 0; i < n; i++) {
		if (auth_env_allowed(all[i]))
			out[k++] = all[i];
		else {
			explicit_bzero(all[i], strlen(all[i]));
			free(all[i]);
		}
	}
	free(all);
	return out;
}

static noreturn void
refused(struct auth *a, int rc, const char *what)
{
	pam_handle_t *pamh = a->pamh;
	char reason[256];

	snprintf(reason, sizeof(reason), "%s", pamdl()->strerror(pamh, rc));
	if (a->open)
		pamdl()->close_session(pamh, PAM_SILENT);
	pamdl()->end(pamh, rc);
	a->pamh = NULL;
	deny("refused by PAM (%s): %s", what, reason);
}

/* Without the service's file PAM would fall back to "other" (or fail with
 * a bare "Critical error"): say which file is missing instead. */
static void
service_present(void)
{
	const char *dir = CTL_PAMDIR[0] != '\0' ? CTL_PAMDIR : "/etc/pam.d";
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, AUTH_SERVICE);
	if (stat(path, &st) == 0)
		return;
	if (errno == ENOENT)
		die("no PAM service %s: %s is missing (install the example "
		    "etc/pam.d/%s of the source there)",
		    AUTH_SERVICE, path, AUTH_SERVICE);
	die_errno("PAM service %s: %s", AUTH_SERVICE, path);
}

/* PAM's start for the caller (RUSER, TTY) into A->pamh, then its account
 * check; PAM's user must still be the caller.  A refusal denies, an error
 * dies. */
static void
account(struct auth *a, const char *user, const char *tty)
{
	const struct pam_conv pc = { conv, NULL };
	pam_handle_t *pamh = NULL;
	const void *item = NULL;
	int rc;

	service_present();
	if (CTL_PAMDIR[0] != '\0')
		rc = pamdl()->start_confdir(AUTH_SERVICE, user, &pc, CTL_PAMDIR,
		    &pamh);
	else
		rc = pamdl()->start(AUTH_SERVICE, user, &pc, &pamh);
	if (rc != PAM_SUCCESS)
		die("pam_start: %s", pamdl()->strerror(pamh, rc));
	a->pamh = pamh;
	rc = pamdl()->set_item(pamh, PAM_RUSER, user);
	if (rc == PAM_SUCCESS && tty != NULL)
		rc = pamdl()->set_item(pamh, PAM_TTY, tty);
	if (rc != PAM_SUCCESS)
		die("pam_set_item: %s", pamdl()->strerror(pamh, rc));
	rc = pamdl()->acct_mgmt(pamh, 0);
	if (rc != PAM_SUCCESS)
		refused(a, rc, "account");
	rc = pamdl()->get_item(pamh, PAM_USER, &item);
	if (rc != PAM_SUCCESS || item == NULL ||
	    strcmp((const char *)item, user) != 0)
		refused(a, PAM_USER_UNKNOWN, "account");
}

void
auth_open(struct auth *a, const struct launch_plan *p)
{
	pam_handle_t *pamh;
	sigset_t mask;
	int rc;

	memset(a, 0, sizeof(*a));
	if (sigprocmask(SIG_SETMASK, NULL, &mask) != 0)
		die_errno("sigprocmask");
	/* Its messages (expiry) are shown. */
	account(a, p->user, p->tty);
	pamh = a->pamh;
	get_rlimits(a->before);
	rc = pamdl()->open_session(pamh, PAM_SILENT);
	/* pam_umask and the like change K's umask: K's is 077, always. */
	(void)umask(077);
	if (rc != PAM_SUCCESS)
		refused(a, rc, "session");
	a->open = true;
	get_rlimits(a->after);
	auth_diff_rlimits(a);
	restore_rlimits(a);
	restore_signals(&mask);
	a->env = session_env(pamh);
}

void
auth_account(const struct launch_plan *p)
{
	struct auth a;

	memset(&a, 0, sizeof(a));
	account(&a, p->user, p->tty);
	pamdl()->end(a.pamh, PAM_SUCCESS);
}

void
auth_account_exec(const struct launch_plan *p, const char *terminal)
{
	struct auth a;
	sigset_t mask;

	if (sigprocmask(SIG_SETMASK, NULL, &mask) != 0)
		die_errno("sigprocmask");
	memset(&a, 0, sizeof(a));
	account(&a, p->user, terminal[0] != '\0' ? terminal : NULL);
	pamdl()->end(a.pamh, PAM_SUCCESS);
	/* Nothing a module set reaches the command (as auth_open). */
	(void)umask(077);
	restore_signals(&mask);
}

void
auth_close(struct auth *a)
{
	pam_handle_t *pamh = a->pamh;
	int rc = PAM_SUCCESS;

	if (pamh != NULL) {
		if (a->open)
			rc = pamdl()->close_session(pamh, PAM_SILENT);
		if (rc != PAM_SUCCESS)
			warnmsg("pam_close_session: %s",
			    pamdl()->strerror(pamh, rc));
		pamdl()->end(pamh, rc);
	}
	a->pamh = NULL;
	a->open = false;
	for (size_t i = 0; a->env != NULL && a->env[i] != NULL; i++)
		free(a->env[i]);
	free(a->env);
	a->env = NULL;
	env_free(a->payload_env);
	a->payload_env = NULL;
}
