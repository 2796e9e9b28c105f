/*
 * transfer.c: transfer = host for ctr-launch-shell: sftp-server, scp -t/-f
 * or rsync --server run on the host as the caller, gated by the
 * ctr-launch PAM service and written to the audit trail like a launch.
 *
 * This process becomes root in every id (so that the caller cannot
 * signal it while it holds the PAM session) and acts as a launch's
 * keeper does (main.c's launch(), in the same order, with the same
 * calls): out of the caller's cgroups (place.c), the PAM session, a
 * cgroup leaf with the policy's limits, counted like a container
 * (cgroup.c), the program cloned into it (namespaces.c, no new
 * namespace), which drops to exactly the caller and execs.
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
 * - The program MUST run in its own cgroup leaf under ctr-launch's tree,
 *   with the policy's cpus, memory and pids and counted against
 *   max_containers and max_total_containers, placed before it execs;
 *   the leaf MUST be emptied and removed when the program ends or the
 *   transfer fails.
 * - transfer = container (transfer_in_image): the program missing from
 *   the image MUST be said by ctr-launch, on stderr, 127; looked up only
 *   in the container, as the caller, after every privilege is dropped.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

#include "helper/audit.h"
#include "helper/auth.h"
#include "helper/cgroup.h"
#include "helper/creds.h"
#include "helper/env.h"
#include "helper/log.h"
#include "helper/login.h"
#include "helper/namespaces.h"
#include "helper/place.h"

/* What exists of a host transfer, for the failure hook. */
static struct {
	const struct launch_plan *p;
	struct auth auth;
	struct cgroup cg;
	struct place pl;
	bool placed, have_cg, granted;
	int pidfd;
} tr = { .pidfd = -1 };

static void
transfer_teardown(void *arg)
{
	(void)arg;
	if (tr.pidfd >= 0) {
		siginfo_t si;

		(void)syscall(SYS_pidfd_send_signal, tr.pidfd, SIGKILL, NULL,
		    0);
		while (waitid(P_PIDFD, (id_t)tr.pidfd, &si, WEXITED) != 0 &&
		    errno == EINTR)
			;
		close(tr.pidfd);
		tr.pidfd = -1;
	}
	/* The leaf, then the placement (cgroup_destroy releases it). */
	if (tr.have_cg)
		cgroup_destroy(&tr.cg);
	else if (tr.placed)
		place_release(&tr.pl);
	tr.have_cg = tr.placed = false;
	if (tr.auth.pamh != NULL)
		auth_close(&tr.auth);
	if (tr.granted)
		audit_end(tr.p, CTL_EXIT_FAIL);
	tr.granted = false;
}

/* The program's side: drop to the caller for good, then execve. */
static _Noreturn void
child(const struct launch_plan *p, char **argv, const struct plan_caller *c,
    const struct rlimit *rl, const int join[CGROUP_NCTL], int joined)
{
	char home[4200], user[300], logname[300], shell[300];
	char path[] = "PATH=/usr/local/bin:/usr/bin:/bin";
	char *env[] = { home, user, logname, shell, path, NULL };
	struct ctl_err e;
	sigset_t all;
	cap_t none;

	log_set_child();
	log_set_teardown(NULL, NULL);
	/* In the leaf before anything else runs: v1 by joining it itself
	 * (no cgroup lock), v2 since the clone; then the word for the
	 * keeper, which holds the caller's lock until it has it. */
	(void)cgroup_join(join);
	if (write(joined, "j", 1) != 1)
		die_errno("cannot tell the keeper the transfer joined its "
			  "cgroup");
	close(joined);
	/* The caller's scheduling and oom_score_adj back (as P1). */
	place_enter(&tr.pl);
	/* Nothing but stdio reaches the program (PAM modules' files, the
	 * syslog socket). */
	if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
		die_errno("close_range");
	/* The caller's rlimits, except those pam_limits set, which win. */
	for (int r = 0; r < RLIM_NLIMITS; r++)
		(void)setrlimit(r, &rl[r]);
	if (creds_ids_at(p, &e) == -1)
		die("cannot drop privileges: %s", e.msg);
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
wait_program(pid_t pid, int pidfd)
{
	struct pollfd pf[3];
	bool killed = false;
	int st = 0;

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
	tr.pidfd = -1;
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

_Noreturn void
transfer_host(struct launch_plan *p, char **argv, const struct plan_caller *c)
{
	static struct cgroup_hier hier;
	const char *b = strrchr(argv[0], '/');
	struct rlimit rl[RLIM_NLIMITS];
	unsigned char rnd[3];
	int status, joined[2], join[CGROUP_NCTL];
	pid_t pid;
	char w;

	/* A leaf of its own: host-PROGRAM-XXXXXX, like a default name. */
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		die_errno("getrandom");
	snprintf(p->name, sizeof(p->name), "host-%s-%02x%02x%02x",
	    b ? b + 1 : argv[0], rnd[0], rnd[1], rnd[2]);
	/* The policy's limits, as a launch without --cpus, --memory and
	 * --pids-limit gets them. */
	p->cpus = p->eff.cpus.v;
	p->memory = p->eff.memory.v;
	p->pids = p->eff.pids.v;
	p->net = PLAN_NET_HOST;
	tr.p = p;
	/* Root in every id: the caller can no longer signal this process. */
	creds_keeper();
	log_set_teardown(transfer_teardown, NULL);
	/* 6 (first part): out of the caller's cgroups, as a keeper. */
	cgroup_open(&hier);
	place_keeper(&hier, p->eff.cgroup_placement == POLICY_PLACEMENT_TOP,
	    getpid(), &tr.pl);
	tr.placed = true;
	if (tr.pl.job)
		audit_set_job(tr.pl.path);
	/* 5. PAM account and session. */
	auth_open(&tr.auth, p);
	auth_rlimits(&tr.auth, c->rlimits, rl);
	/* 6. The cgroup: counts, totals and limits. */
	cgroup_setup(&tr.cg, p, p->name, &hier, &tr.pl);
	tr.have_cg = true;
	audit_grant(p);
	tr.granted = true;
	if (pipe2(joined, O_CLOEXEC) != 0)
		die_errno("pipe2");
	/* 7. Into the leaf: v2 at the clone, v1 by the program's process
	 * itself, first thing (cgroup_join_open). */
	if (cgroup_join_open_if(&tr.cg, cgroup_clone_fd(&tr.cg) < 0, join) != 0)
		die_errno("cgroup: the transfer's cgroup");
	pid = ns_fork(cgroup_clone_fd(&tr.cg), &tr.pidfd);
	if (pid == 0) {
		close(joined[0]);
		child(p, argv, c, rl, join, joined[1]);
	}
	cgroup_join_close(join);
	close(joined[1]);
	/* Its word, or its end (its reason on the caller's stderr; the
	 * status below says so). */
	while (read(joined[0], &w, 1) < 0 && errno == EINTR)
		;
	close(joined[0]);
	cgroup_placed(&tr.cg);
	status = wait_program(pid, tr.pidfd);
	/* The normal end: what is left of the leaf goes, then PAM. */
	log_set_teardown(NULL, NULL);
	cgroup_destroy(&tr.cg);
	tr.have_cg = tr.placed = false;
	auth_close(&tr.auth);
	audit_end(p, status);
	exit(status);
}

/* Is PATH, seen by this process, something at all (0), absent (ENOENT
 * and its kin), or present but no executable file (EACCES...)? */
static int
prog_state(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return errno;
	if (!S_ISREG(st.st_mode))
		return EACCES;
	return access(path, X_OK) == 0 ? 0 : errno;
}

static bool
absent(int e)
{
	return e == ENOENT || e == ENOTDIR || e == ELOOP || e == ENAMETOOLONG;
}

static _Noreturn void
in_image_fail(const struct launch_plan *p, int code, const char *what)
{
	char line[600];
	int n = snprintf(line, sizeof(line),
	    "ctr-launch: transfer: image %s %s (transfer = container runs it "
	    "in the image)\n",
	    p->image != NULL ? p->image->name : "?", what);

	if (n > 0)
		(void)!write(STDERR_FILENO, line,
		    (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	_exit(code);
}

void
transfer_in_image(const struct launch_plan *p)
{
	static const char std_path[] =
	    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	const char *prog = p->login_prog, *path;
	char what[400];
	int e;

	if (prog == NULL || prog[0] == '\0')
		return;
	if (strchr(prog, '/') != NULL) {
		if ((e = prog_state(prog)) == 0)
			return;
		if (absent(e)) {
			snprintf(what, sizeof(what), "has no %.300s", prog);
			in_image_fail(p, CTL_EXIT_NOTFOUND, what);
		}
		snprintf(what, sizeof(what), "has %.300s, not executable: %s",
		    prog, strerror(e));
		in_image_fail(p, CTL_EXIT_NOEXEC, what);
	}
	/* A bare name: the plan's PATH and the usual directories (a login
	 * shell's profile may add them); only "nowhere at all" is said
	 * here, anything else is the shell's to report. */
	if ((path = env_lookup(p->env, "PATH", 4)) == NULL)
		path = ENV_DEFAULT_PATH;
	for (int round = 0; round < 2; round++) {
		for (const char *d = round == 0 ? path : std_path;;) {
			const char *end = strchrnul(d, ':');
			char full[4096];

			if (end > d && d[0] == '/' &&
			    snprintf(full, sizeof(full), "%.*s/%s",
				(int)(end - d), d, prog) < (int)sizeof(full) &&
			    !absent(prog_state(full)))
				return;
			if (*end == '\0')
				break;
			d = end + 1;
		}
	}
	snprintf(what, sizeof(what), "has no %.300s on its PATH", prog);
	in_image_fail(p, CTL_EXIT_NOTFOUND, what);
}
