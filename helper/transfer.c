/*
 * transfer.c: transfer = host for ctr-launch-shell: sftp-server, scp -t/-f
 * or rsync --server run on the host as the caller, gated by the
 * ctr-launch PAM service and written to the audit trail like a launch.
 *
 * This process becomes root in every id (so that the caller cannot
 * signal it while it holds the PAM session), opens the session, and
 * forks the program, which drops to exactly the caller and execs.
 *
 * Invariants:
 * - Only a vector from login_transfer_argv() MUST be executed, by its
 *   fixed absolute path, with execve and no shell.
 * - The program MUST run as exactly the caller (uid, gid, groups), with
 *   no capability in any set, no_new_privs, PDEATHSIG, and the drop
 *   verified (setuid(0) fails) before execve.
 * - PAM account and session MUST succeed first; the session MUST be
 *   closed when the program ends; a denial MUST reach the audit log.
 * - It MUST get only fds 0-2, the caller's umask, and the caller's
 *   rlimits except those pam_limits set in the session.
 * - Its environment MUST be built from nothing (HOME, USER, LOGNAME,
 *   SHELL, PATH, LANG/LC_* are not taken from the caller).
 * - A closed connection (POLLHUP or POLLERR on stdout or stderr) MUST
 *   end the program (SIGKILL).
 * - Nothing MUST be written to stdout by this process.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

#include "audit.h"
#include "auth.h"
#include "creds.h"
#include "log.h"
#include "login.h"

static struct auth tr_auth;

static void
transfer_teardown(void *arg)
{
	(void)arg;
	if (tr_auth.pamh != NULL)
		auth_close(&tr_auth);
}

/* The program's side: drop to the caller for good, then execve. */
static _Noreturn void
child(const struct launch_plan *p, char **argv, const struct plan_caller *c,
    const struct rlimit *rl)
{
	char home[4200], user[300], logname[300], shell[300];
	char path[] = "PATH=/usr/local/bin:/usr/bin:/bin";
	char *env[] = { home, user, logname, shell, path, NULL };
	sigset_t all;
	cap_t none;

	log_set_child();
	log_set_teardown(NULL, NULL);
	/* Nothing but stdio reaches the program (PAM modules' files, the
	 * syslog socket). */
	if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
		die_errno("close_range");
	/* The caller's rlimits, except those pam_limits set, which win. */
	for (int r = 0; r < RLIM_NLIMITS; r++)
		(void)setrlimit(r, &rl[r]);
	if (setgroups(p->nkgroups, p->kgroups) != 0 ||
	    setresgid(p->gid, p->gid, p->gid) != 0 ||
	    setresuid(p->uid, p->uid, p->uid) != 0)
		die_errno("cannot drop privileges");
	if ((none = cap_init()) == NULL || cap_set_proc(none) != 0)
		die_errno("cannot clear capabilities");
	cap_free(none);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
		die_errno("prctl");
	if (getppid() == 1)
		die("the transfer's parent died");
	if (setresuid(0, 0, 0) == 0 || setgid(0) == 0)
		die("the transfer kept privileges");
	(void)umask(c->umask);
	if (p->home == NULL || chdir(p->home) != 0)
		if (chdir("/") != 0)
			die_errno("chdir /");
	snprintf(home, sizeof(home), "HOME=%s", p->home ? p->home : "/");
	snprintf(user, sizeof(user), "USER=%s", p->user);
	snprintf(logname, sizeof(logname), "LOGNAME=%s", p->user);
	snprintf(shell, sizeof(shell), "SHELL=%s", "/bin/sh");
	sigfillset(&all);
	for (int s = 1; s < NSIG; s++)
		(void)signal(s, SIG_DFL);
	(void)sigprocmask(SIG_UNBLOCK, &all, NULL);
	execve(argv[0], argv, env);
	warnmsg("%s: %s (transfer = host needs it on this host)", argv[0],
	    strerror(errno));
	_exit(errno == ENOENT ? CTL_EXIT_NOTFOUND : CTL_EXIT_NOEXEC);
}

/* Waits for the program; a closed connection kills it. */
static int
wait_program(pid_t pid)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), st = 0;
	struct pollfd pf[3];
	bool killed = false;

	if (pidfd < 0)
		die_errno("pidfd_open");
	for (;;) {
		pf[0] = (struct pollfd){ pidfd, POLLIN, 0 };
		/* events 0: only POLLHUP and POLLERR are reported. */
		pf[1] = (struct pollfd){ killed ? -1 : STDOUT_FILENO, 0, 0 };
		pf[2] = (struct pollfd){ killed ? -1 : STDERR_FILENO, 0, 0 };
		if (poll(pf, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			die_errno("poll");
		}
		if (pf[0].revents)
			break;
		if ((pf[1].revents | pf[2].revents) & (POLLHUP | POLLERR)) {
			(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL,
			    NULL, 0);
			killed = true;
		}
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die_errno("waitpid");
	close(pidfd);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

_Noreturn void
transfer_host(struct launch_plan *p, char **argv, const struct plan_caller *c)
{
	const char *b = strrchr(argv[0], '/');
	struct rlimit rl[RLIM_NLIMITS];
	int status;
	pid_t pid;

	snprintf(p->name, sizeof(p->name), "host-%s", b ? b + 1 : argv[0]);
	p->cpus = p->memory = p->pids = POLICY_UNLIMITED;
	p->net = PLAN_NET_HOST;
	/* Root in every id: the caller can no longer signal this process. */
	creds_keeper();
	log_set_teardown(transfer_teardown, NULL);
	auth_open(&tr_auth, p);
	auth_rlimits(&tr_auth, c->rlimits, rl);
	audit_grant(p);
	if ((pid = fork()) < 0)
		die_errno("fork");
	if (pid == 0)
		child(p, argv, c, rl);
	status = wait_program(pid);
	audit_end(p, status);
	log_set_teardown(NULL, NULL);
	auth_close(&tr_auth);
	exit(status);
}
