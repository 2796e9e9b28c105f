/*
 * kexec.c: exec into a running detached container, as DESIGN section 10
 * says.
 *
 * K forks C1, which runs PAM's account check for the container's owner
 * (auth_account_exec: on a handle of its own, with the exec caller's
 * terminal; K's modules are mapped already), takes the caller's
 * oom_score_adj through the host's /proc (C2 inherits it), keeps only
 * the descriptors it needs (close_range), computes everything
 * (environment, argv; the seccomp filter was compiled when ctr-launch
 * was built), sets PR_SET_DUMPABLE 0 and joins the container's mount,
 * uts, ipc, net, cgroup and pid namespaces through P1's pidfd, then
 * starts C2 on C1's memory, as posix_spawn starts its child
 * (start_inside): inside the pid namespace, C2 joins the container's
 * cgroup before anything else (v1; on v2 K cloned C1 into it, so C2
 * starts there), takes the caller's scheduling, then drops exactly as P1
 * does (steps 12 to 15: creds_drop, creds_verify, the working directory,
 * creds_restore, the filter) and execs.  C1 waits for C2, sends its status to the client and exits
 * KEXEC_ANSWERED: the caller has the status before C1's own exit is torn
 * down.  With exec -d, C2, once the filter is in, forks C3, which execs
 * the command with /dev/null for its stdio, and exits once C3's execve
 * is done (0) or failed (its code): C3 is then an orphan of the
 * container's pid namespace, reaped by the container's init.
 *
 * Invariants:
 * - An exec by the container's owner MUST pass PAM's account check, run
 *   by C1 in the host's namespaces before it opens anything of the
 *   container or joins any of its namespaces (on v2 C1 is counted in the
 *   container's cgroup meanwhile); a refusal ends C1 with 125 and PAM's
 *   reason, and nothing runs.
 * - After setns of the mount namespace nothing MUST be looked up or
 *   loaded from the container's files while privileged: no NSS, no
 *   dlopen; argv[0] is resolved by init_exec after the drop.
 * - No descriptor of K but the exec's stdio MUST reach C2's command, and
 *   the command's working directory MUST be inside the container's root
 *   (checked after the chdir, as run's).
 * - C2 MUST be in the container's pid namespace and cgroup before it
 *   runs anything of the caller's, and MUST end with the same uid, gids,
 *   no capability, no_new_privs and seccomp filter as the container's
 *   init's child, and its nice, scheduling policy, I/O priority and
 *   oom_score_adj (the caller's at the launch, never K's).
 * - A container that is ending MUST make the exec fail (125), never run
 *   it in the host's namespaces: a failed setns ends C1.
 * - C1 and C2 MUST die with K (PDEATHSIG, and the liveness pipe checked
 *   after the drop).
 * - exec -d's command (C3) MUST have nothing but /dev/null on fds 0 to 2
 *   and no other descriptor once exec'd (what tells the caller why its
 *   execve failed is close-on-exec), and MUST outlive C1 and C2 (no
 *   parent-death signal; reaped in the container) and end with the
 *   container; it is forked after the drop and the filter, so it is
 *   confined as C2 is.
 * - C2 runs on C1's memory until its execve: no process of the caller's
 *   MUST reach that memory (a root process's) through C2.  C1 makes it
 *   not dumpable, and C2's drop never leaves it dumpable while the
 *   caller's uid is C2's real or saved uid (creds_ids_at), whatever
 *   fs.suid_dumpable says.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper/auth.h"
#include "helper/cgroup.h"
#include "helper/creds.h"
#include "helper/filter.h"
#include "helper/init.h"
#include "helper/kexec.h"
#include "helper/log.h"
#include "helper/namespaces.h"
#include "helper/place.h"

static void
say(const char *msg)
{
	(void)!write(STDERR_FILENO, msg, strlen(msg));
}

/* Closes every descriptor from 3 on but KEEP[0..N). */
static void
keep_only(const int *keep, size_t n)
{
	unsigned int from = 3;

	for (;;) {
		unsigned int next = ~0U;

		for (size_t i = 0; i < n; i++)
			if (keep[i] >= (int)from &&
			    (unsigned int)keep[i] < next)
				next = (unsigned int)keep[i];
		if (next > from && close_range(from, next - 1, 0) != 0)
			_exit(CTL_EXIT_FAIL);
		if (next == ~0U)
			return;
		from = next + 1;
	}
}

/* exec -t, as the caller: a new pty of the container's devpts, its
 * master sent to the front over the socket on fd 0, its slave the
 * controlling terminal and stdio. */
static void
own_pty(void)
{
	int m, s;

	m = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0 || unlockpt(m) != 0)
		die_errno("exec -t: a pseudo-terminal in the container");
	s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0)
		die_errno("exec -t: the pseudo-terminal's slave");
	if (mon_send_fds(STDIN_FILENO, "M", 1, &m, 1) != 0)
		die_errno("exec -t: handing over the pseudo-terminal");
	close(m);
	for (int i = 0; i < 3; i++)
		if (dup3(s, i, 0) != i)
			die_errno("dup3");
	close(s);
	if (ioctl(STDIN_FILENO, TIOCSCTTY, 0) != 0)
		die_errno("exec -t: the controlling terminal");
}

/* What C2 needs, on C1's memory (C2 shares it until its execve). */
struct inside_args {
	const struct launch_plan *p;
	const struct auth *a;
	const int *join;                 /* cgroup_join_open's */
	const struct place_sched *sched; /* the container's, K's copy */
	int alive;
	char *const *argv, *const *env;
	const char *workdir;
	bool tty;
	bool detach;
};

/* What the command's process says when its execve fails, on FD. */
static void
say_exec_fail(int fd, const struct ctl_err *ie)
{
	char line[600];
	int n = snprintf(line, sizeof(line), "ctr-launch: %.511s\n", ie->msg);

	if (n > 0)
		(void)!write(fd, line,
		    (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/*
 * exec -d, C2 once everything is dropped and the filter is in: the
 * command runs in C3, forked here, so that once C2 exits it is an orphan
 * of the container's pid namespace, which the container's init reaps;
 * its stdio are all /dev/null (stdout's), and fd 2's copy, close-on-exec,
 * tells the caller why its execve failed.  C2 exits 0 once C3's execve
 * closed the pipe, else with C3's code: C1 answers that.
 */
static noreturn void
inside_detached(const struct inside_args *i)
{
	struct ctl_err ie;
	unsigned char b;
	int pp[2], rep, code;
	ssize_t n;
	pid_t pid;

	if (pipe2(pp, O_CLOEXEC) != 0)
		die_errno("exec -d: pipe2");
	/* A plain clone, not fork(): no atfork handler runs on C1's
	 * memory, which C2 shares. */
	if ((pid = (pid_t)syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0)) < 0)
		die_errno("exec -d: clone");
	if (pid == 0) {
		close(pp[0]);
		rep = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
		if (rep < 0 ||
		    dup3(STDOUT_FILENO, STDERR_FILENO, 0) != STDERR_FILENO)
			_exit(CTL_EXIT_FAIL);
		code = init_exec(i->argv, i->env, &ie);
		say_exec_fail(rep, &ie);
		b = (unsigned char)code;
		(void)!write(pp[1], &b, 1);
		_exit(code);
	}
	close(pp[1]);
	while ((n = read(pp[0], &b, 1)) < 0 && errno == EINTR)
		;
	_exit(n == 1 ? b : 0);
}

/* C2: inside the pid namespace.  Never returns. */
static noreturn void
inside(const struct inside_args *i)
{
	const struct launch_plan *p = i->p;
	char cwd[PATH_MAX];
	struct ctl_err ie;
	sigset_t none;
	int code;

	/* The container's cgroup first, on v1 or where the clone into it
	 * was refused (its pids count us; its memory counts the command
	 * once exec'd, C1's memory being charged until then); else C1, and
	 * so C2, is there already. */
	(void)cgroup_join(i->join);
	/* The caller's nice, scheduling and I/O priority, as the container's
	 * init took them (place_enter): not K's (the oom_score_adj came from
	 * C1). */
	place_prio_enter(i->sched);
	if (setsid() < 0)
		die_errno("setsid");
	/* Steps 12 and 13, as P1. */
	creds_drop(p, i->alive);
	creds_verify(p);
	close(i->alive);
	/* Step 14: the working directory, as the caller. */
	if (i->workdir[0] != '\0') {
		if (chdir(i->workdir) != 0)
			die_errno("exec: cannot enter the working directory %s",
			    i->workdir);
	} else if (chdir(p->workdir) != 0 && chdir("/") != 0) {
		die_errno("chdir /");
	}
	/* As run's (init_workdir): a directory reached through a magic link
	 * (a symbolic link in the container to /proc/self/fd/N, N a
	 * descriptor the caller passed open on a host directory) is outside
	 * the container's root. */
	if (getcwd(cwd, sizeof(cwd)) == NULL || cwd[0] != '/')
		die("exec: the working directory %s is outside the container",
		    i->workdir[0] != '\0' ? i->workdir : p->workdir);
	creds_restore(p, i->a->rlimits);
	if (i->tty)
		own_pty();
	/* Steps 13.1 and 15: nothing but stdio, then the filter, last. */
	if (close_range(3, ~0U, 0) != 0)
		die_errno("close_range");
	filter_load(p);
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) != 0)
		die_errno("sigprocmask");
	if (i->detach)
		inside_detached(i);
	code = init_exec(i->argv, i->env, &ie);
	say_exec_fail(STDERR_FILENO, &ie);
	_exit(code);
}

static int
inside_fn(void *arg)
{
	inside(arg);
}

/*
 * Starts C2 as posix_spawn starts its child (ns_spawn): on C1's memory,
 * C1 stopped until C2's execve or exit, so the fork copies no page table
 * and C2 takes no copy-on-write fault.  C2 writes its own stack, its
 * descriptors and credentials, and the heap (libcap's and the drop's
 * checks): C1 is not in the allocator when it clones and allocates
 * nothing after.  The kernel sets the dumpable flag of that memory to
 * fs.suid_dumpable at C2's changes of gid and effective uid; C2 clears it
 * again before the caller's uid becomes its real and saved one
 * (creds_ids_at), so the caller can neither signal, trace nor read C2
 * while it is set.
 */
static pid_t
start_inside(struct inside_args *i)
{
	pid_t pid = ns_spawn(inside_fn, i);

	if (pid < 0)
		die_errno("exec: cannot start the command's process");
	return pid;
}

void
kexec_resp(struct ctlp_resp *r, int status)
{
	memset(r, 0, sizeof(*r));
	r->version = CTLP_VERSION;
	r->op = CTLP_EXEC;
	r->err = CTLP_OK;
	r->running = 1;
	r->status = status;
}

/* C1, once C2 ended: its status to the client, as K answers an exec. */
static noreturn void
answer(int client, int st)
{
	struct ctlp_resp r;
	unsigned char b[CTLP_RESP_LEN];

	kexec_resp(&r, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	ctlp_resp_encode(&r, b);
	/* A client that is gone or does not take it gets nothing from K
	 * either. */
	(void)!send(client, b, sizeof(b), MSG_NOSIGNAL | MSG_DONTWAIT);
	_exit(KEXEC_ANSWERED);
}

/* C1: joins the container, starts C2, reports its status. */
static noreturn void
joiner(const struct launch_plan *p, const struct monitor *m,
    const struct ctlp_exec *x, const int fds[3], int client, bool account,
    bool placed, int alive, pid_t keeper)
{
	int join[CGROUP_NCTL], keep[CGROUP_NCTL + 3], nk = 0, st = 0;
	struct inside_args ia;
	char **env;
	pid_t c2;

	log_set_child();
	log_set_teardown(NULL, NULL);
	/* The caller's stdio first, so that every refusal below reaches
	 * them as one line. */
	for (int i = 0; i < 3; i++)
		if (dup3(fds[i], i, 0) != i)
			_exit(CTL_EXIT_FAIL);
	log_set_stderr_fd(STDERR_FILENO);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
		die_errno(
		    "exec: cannot tie the command to the container's keeper");
	if (getppid() != keeper)
		die("exec: the container's keeper is gone");
	/* PAM's account check for the owner, every exec: in the host's
	 * namespaces, before anything of the container is opened. */
	if (account)
		auth_account_exec(p, x->terminal);
	/* The caller's oom_score_adj, as the container's init took it, not
	 * K's: through the host's /proc, before setns; C2 inherits it. */
	place_oom_enter(m->sched);
	/* Cloned into the container's cgroup (v2), C2 is there from its
	 * start; else C2 joins it first thing (cgroup_join_open). */
	if (cgroup_join_open_if(m->cg, !placed, join) != 0)
		die_errno("exec: the container's cgroup");
	/* Everything computed before setns: the environment is the
	 * container's payload's (the plan's with the PAM session's,
	 * auth_payload), the exec's -e over it. */
	if (m->auth == NULL)
		die("exec: the container's PAM session is closed");
	if ((env = ctlp_env_merge(m->auth->payload_env, x->env)) == NULL)
		die("out of memory");
	keep[nk++] = alive;
	keep[nk++] = m->init_pidfd;
	keep[nk++] = client;
	for (int c = 0; c < CGROUP_NCTL; c++)
		if (join[c] >= 0)
			keep[nk++] = join[c];
	keep_only(keep, (size_t)nk);
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		die_errno("prctl");
	if (setns(m->init_pidfd,
		CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
		    CLONE_NEWCGROUP | CLONE_NEWPID) != 0) {
		say("ctr-launch: exec: the container is not running\n");
		_exit(CTL_EXIT_FAIL);
	}
	close(m->init_pidfd);
	ia = (struct inside_args){ p, m->auth, join, m->sched, alive, x->argv,
		env, x->workdir, x->tty, x->detach };
	c2 = start_inside(&ia);
	close(alive);
	cgroup_join_close(join);
	for (int i = 0; i < 3; i++)
		close(i);
	while (waitpid(c2, &st, 0) < 0)
		if (errno != EINTR)
			_exit(CTL_EXIT_FAIL);
	answer(client, st);
}

pid_t
kexec_start(const struct launch_plan *p, const struct monitor *m,
    const struct ctlp_exec *x, const int fds[3], int client, bool account,
    int *pidfd, int *alive)
{
	int pipefd[2];
	pid_t keeper = getpid(), pid;
	bool placed;

	if (pipe2(pipefd, O_CLOEXEC) != 0)
		return -1;
	/* v2: C1 into the container's cgroup (its account check is counted
	 * there too), for C2 to start there without a cgroup.procs write,
	 * which takes the cgroup lock (cgroup_join_open). */
	if ((pid = ns_fork_placed(cgroup_clone_fd(m->cg), &placed)) < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (pid == 0) {
		close(pipefd[1]);
		joiner(p, m, x, fds, client, account, placed, pipefd[0],
		    keeper);
	}
	close(pipefd[0]);
	*alive = pipefd[1];
	/* Not reaped before K waits for it: the pid cannot be reused. */
	*pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (*pidfd < 0) {
		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
		close(pipefd[1]);
		return -1;
	}
	return pid;
}
