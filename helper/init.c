/*
 * init.c: P1, the container's init (steps 8, 10, 14 to 16).
 *
 * P1 is cloned by K into the new namespaces.  It resolves the bind
 * sources as the caller (binds.c), builds the container's file system
 * (mounts.c), becomes the caller (creds.c), and then stays as a tiny init:
 * it starts the payload (on its own memory until the payload's execve,
 * ns_spawn), reaps zombies, forwards signals to the payload and exits
 * with its status.
 *
 * Invariants:
 * - P1 MUST NOT start its setup before K says so, and MUST die when K
 *   dies (PDEATHSIG, and POLLHUP on the liveness pipe).
 * - Without -i, the payload's stdin MUST be the container's /dev/null
 *   (opened after pivot_root); with -t, its stdio MUST be the pty slave
 *   from the container's own devpts and it MUST be the session leader
 *   with that pty as its controlling terminal; without -t it MUST be in
 *   a session of its own (no TIOCSTI into the caller's terminal).
 * - Without -t, none of fds 0-2 MUST be the caller's terminal: P1 puts
 *   the relay pipes K handed down in their place (monitor.c) before it
 *   runs anything as the caller, and keeps no other end of them.
 * - The working directory MUST be entered as the caller, after the drop
 *   and after every descriptor but stdio and the keeper's is closed, and
 *   MUST resolve inside the container (getcwd succeeds); a missing -w
 *   directory MUST be made only then, as the caller, never as root.
 * - No descriptor but 0, 1 and 2 MUST reach the payload.
 * - With -t, P1's own error messages MUST still reach the caller's
 *   stderr (the pty is only relayed once the setup is done).
 * - The payload MUST be executed with execve and the plan's environment
 *   with the PAM session's allowlisted variables (auth_payload, in K's
 *   struct auth: the plan itself is never changed); the command is found
 *   through that environment's PATH, never a shell: 127 when not found,
 *   126 when not executable.
 * - The init MUST exit with the payload's status, 128+N for signal N.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper/auth.h"
#include "helper/binds.h"
#include "helper/cgroup.h"
#include "helper/creds.h"
#include "helper/env.h"
#include "helper/init.h"
#include "helper/keeper.h"
#include "helper/layers.h"
#include "helper/login.h"
#include "helper/log.h"
#include "helper/namespaces.h"

/* A copy of the caller's stderr for P1's messages (-t), or -1. */
static int err_fd = -1;
/* The container's ends of the relay pipes (monitor.h), by fd, or -1. */
static int relay_fd[3] = { -1, -1, -1 };

void
init_start(const struct launch_plan *p, struct init_wiring *w)
{
	struct mon_msg msg = { 0, 0 };
	int fd;

	log_set_child();
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
		die_errno("prctl PR_SET_PDEATHSIG");
	/* Into the container's cgroup before anything else (v1; v2: cloned
	 * into it, or joined it right after a clone(2) fallback); K holds the
	 * caller's lock until it has the word. */
	(void)cgroup_join(w->join);
	if (!w->placed && mon_send(w->sock, MON_JOINED, 0, NULL, 0) != 0)
		die_errno("cannot tell the keeper the container joined its "
			  "cgroup");
	for (size_t i = 0; i < sizeof(w->kfds) / sizeof(w->kfds[0]); i++) {
		if (w->kfds[i] >= 0)
			close(w->kfds[i]);
		w->kfds[i] = -1;
	}
	for (int i = 0; i < 3; i++)
		relay_fd[i] = w->relay[i];
	layers_release(w->locks, w->nlocks);
	w->locks = NULL;
	if (mon_recv(w->sock, &msg, &fd, 1) <= 0 || msg.type != MON_GO)
		_exit(CTL_EXIT_FAIL);
	if (fd >= 0)
		close(fd);
}

int *
init_binds(const struct launch_plan *p)
{
	struct ctl_err e;
	int *fds;

	if ((fds = binds_open_all_at(p, &e)) == NULL)
		die_err(&e);
	return fds;
}

static void
dup_to(int fd, int to)
{
	/* Stdio is meant to be inherited: no O_CLOEXEC. */
	if (fd != to && dup3(fd, to, 0) != to)
		die_errno("dup3");
}

void
init_stdio(const struct launch_plan *p, int *bind_fds, struct mounts_tty *tty)
{
	/* mounts_setup() closed the bind descriptors. */
	free(bind_fds);
	if (p->tty_wanted) {
		if (tty->slave < 0 || tty->master < 0)
			die("no pseudo-terminal for -t");
		/* P1's own errors still go to the caller's stderr: the pty
		 * is not relayed until the setup is done. */
		if ((err_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3)) < 0)
			die_errno("dup");
		log_set_stderr_fd(err_fd);
		dup_to(tty->slave, STDIN_FILENO);
		dup_to(tty->slave, STDOUT_FILENO);
		dup_to(tty->slave, STDERR_FILENO);
		if (tty->slave > STDERR_FILENO)
			close(tty->slave);
		tty->slave = -1;
		return;
	}
	/* Without -t, a terminal among the caller's fds is a relay pipe
	 * here (monitor.c); pipes and files stay the caller's own. */
	for (int fd = 0; fd < 3; fd++) {
		if (relay_fd[fd] < 0)
			continue;
		dup_to(relay_fd[fd], fd);
		if (relay_fd[fd] != fd)
			close(relay_fd[fd]);
		relay_fd[fd] = -1;
	}
	if (!p->interactive) {
		/* The container's own /dev/null, after pivot_root. */
		int fd = open("/dev/null", O_RDONLY | O_NOCTTY | O_CLOEXEC);

		if (fd < 0)
			die_errno("/dev/null in the container");
		dup_to(fd, STDIN_FILENO);
		if (fd != STDIN_FILENO)
			close(fd);
	}
}

void
init_session(const struct launch_plan *p)
{
	if (sethostname(p->hostname, strlen(p->hostname)) != 0)
		die_errno("sethostname");
	if (setsid() < 0)
		die_errno("setsid");
}

/* Closes every descriptor from 3 up but those in KEEP. */
static void
close_others(const int *keep, size_t nkeep)
{
	unsigned int from = 3;

	for (;;) {
		unsigned int next = ~0U;

		for (size_t i = 0; i < nkeep; i++)
			if (keep[i] >= (int)from &&
			    (unsigned int)keep[i] < next)
				next = (unsigned int)keep[i];
		if (next > from && close_range(from, next - 1, 0) != 0)
			die_errno("close_range");
		if (next == ~0U)
			return;
		from = next + 1;
	}
}

/* mkdir -p of the absolute, normal PATH, as the caller (after the drop)
 * and with the caller's umask UM, as docker run -w makes a missing
 * directory.  On a failure the directories it made are removed again,
 * deepest first: a refused launch leaves nothing. */
static int
make_workdir(const char *path, mode_t um)
{
	char buf[PATH_MAX], *first = NULL, *last = NULL;
	size_t n = strlen(path);
	mode_t old;
	int e = 0;

	if (n >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, n + 1);
	old = umask(um);
	for (char *s = buf + 1; e == 0; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(buf, 0777) == 0) {
			first = first != NULL ? first : s;
			last = s;
		} else if (errno != EEXIST) {
			e = errno;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	(void)umask(old);
	/* buf[0..last) is the deepest directory made, buf[0..first) the
	 * first; each boundary between them is a '/'. */
	for (char *t = last; e != 0 && t != NULL && t >= first;) {
		*t = '\0';
		(void)rmdir(buf);
		while (--t > buf && *t != '/')
			;
	}
	errno = e;
	return e == 0 ? 0 : -1;
}

void
init_workdir(const struct launch_plan *p)
{
	char buf[PATH_MAX];

	if (chdir(p->workdir) != 0) {
		if (!p->workdir_strict) {
			if (chdir("/") != 0)
				die_errno("chdir /");
		} else if (errno != ENOENT) {
			die_errno("cannot enter the working directory %s",
			    p->workdir);
		} else if (make_workdir(p->workdir, p->umask) != 0) {
			die_errno("cannot make the working directory %s",
			    p->workdir);
		} else if (chdir(p->workdir) != 0) {
			die_errno("cannot enter the working directory %s",
			    p->workdir);
		}
	}
	if (getcwd(buf, sizeof(buf)) == NULL || buf[0] != '/')
		die("the working directory %s is outside the container",
		    p->workdir);
}

void
init_ready(const struct launch_plan *p, const struct init_wiring *w,
    struct mounts_tty *tty)
{
	int keep[4] = { w->sock, w->alive, tty->master, err_fd };

	close_others(keep, 4);
	if (tty->master >= 0 && w->has_ws)
		(void)ioctl(tty->master, TIOCSWINSZ, &w->ws);
	if (mon_send(w->sock, MON_READY, 0, &tty->master,
		tty->master >= 0 ? 1 : 0) != 0)
		die_errno("cannot report to the keeper");
	if (tty->master >= 0)
		close(tty->master);
	tty->master = -1;
	if (keeper_fg_detach() && err_fd >= 0) {
		/* run -it: nor past a detach; P1's messages from here go
		 * to the pty, relayed to the launcher (keeper.c). */
		if (dup3(STDERR_FILENO, err_fd, O_CLOEXEC) != err_fd)
			die_errno("dup3");
	} else if (p->detach && err_fd >= 0) {
		/* run -d -t: the caller's stderr is not kept past the setup
		 * (keeper.c); the container's /dev/null in its place. */
		int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (fd < 0 || dup3(fd, err_fd, O_CLOEXEC) != err_fd)
			die_errno("/dev/null in the container");
		close(fd);
	}
}

static int
exec_fail(struct ctl_err *e, const char *cmd, int en, int code)
{
	if (code == CTL_EXIT_NOTFOUND && en == ENOENT)
		err_set(e, "%.200s: command not found", cmd);
	else
		err_set(e, "%.200s: %s", cmd, strerror(en));
	return code;
}

int
init_exec(char *const argv[], char *const env[], struct ctl_err *e)
{
	const char *cmd = argv[0], *path, *p;
	bool eacces = false;
	int en;

	if (strchr(cmd, '/') != NULL) {
		execve(cmd, argv, env);
		en = errno;
		return exec_fail(e, cmd, en,
		    en == ENOENT || en == ENOTDIR ? CTL_EXIT_NOTFOUND :
						    CTL_EXIT_NOEXEC);
	}
	if ((path = env_lookup(env, "PATH", 4)) == NULL)
		path = ENV_DEFAULT_PATH;
	for (p = path;; p++) {
		const char *end = strchrnul(p, ':');
		size_t dl = (size_t)(end - p);
		char full[PATH_MAX];

		if (dl == 0)
			dl = 1, p = ".";
		if (dl + 1 + strlen(cmd) < sizeof(full)) {
			memcpy(full, p, dl);
			full[dl] = '/';
			memcpy(full + dl + 1, cmd, strlen(cmd) + 1);
			execve(full, argv, env);
			en = errno;
			if (en == EACCES)
				eacces = true;
			else if (en != ENOENT && en != ENOTDIR && en != ELOOP &&
			    en != ENAMETOOLONG)
				return exec_fail(e, cmd, en, CTL_EXIT_NOEXEC);
		}
		if (*end == '\0')
			break;
		p = end;
	}
	if (eacces)
		return exec_fail(e, cmd, EACCES, CTL_EXIT_NOEXEC);
	return exec_fail(e, cmd, ENOENT, CTL_EXIT_NOTFOUND);
}

static noreturn void
payload(const struct launch_plan *p, char *const *env, int failfd)
{
	sigset_t none;
	struct ctl_err e;
	char line[600];
	int code, n;

	sigemptyset(&none);
	if (setsid() < 0)
		die_errno("setsid");
	if (p->tty_wanted && ioctl(STDIN_FILENO, TIOCSCTTY, 0) != 0)
		die_errno("cannot make the pty the controlling terminal");
	if (sigprocmask(SIG_SETMASK, &none, NULL) != 0)
		die_errno("sigprocmask");
	/* ctr-launch-shell, transfer = container: the program is looked up
	 * here, as the caller, in the container (transfer.c). */
	transfer_in_image(p);
	code = init_exec(p->argv, env, &e);
	n = snprintf(line, sizeof(line), "ctr-launch: %.511s\n", e.msg);
	if (n > 0)
		(void)!write(STDERR_FILENO, line,
		    (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	/* The execve failed: P1 learns it from this descriptor, closed by
	 * a successful execve (close-on-exec) without a byte. */
	if (failfd >= 0)
		(void)!write(failfd, &code, sizeof(code));
	_exit(code);
}

struct payload_args {
	const struct launch_plan *p;
	char *const *env;
	int failfd;
};

static int
payload_fn(void *arg)
{
	const struct payload_args *a = arg;

	payload(a->p, a->env, a->failfd);
}

/* run -d (not run -it, not a step's container): K waits for MON_STARTED
 * before it prints the name (keeper.c). */
static bool
failed_wanted(const struct launch_plan *p)
{
	return p->detach && !keeper_fg_detach() && p->step_tasks == 0;
}

/* The payload's process, as posix_spawn starts its child (ns_spawn): on
 * P1's memory until its execve, P1 stopped meanwhile, so that no page
 * table is copied and neither takes a copy-on-write fault.  P1 has
 * dropped every privilege already, that memory is the one a fork would
 * have copied, and every signal's disposition is the default (step 0,
 * and K after PAM). */
static pid_t
start_payload(const struct launch_plan *p, char *const *env, int *failed)
{
	struct payload_args a = { p, env, -1 };
	int fds[2] = { -1, -1 }, code = 0;
	pid_t child;

	*failed = 0;
	/* run -d: whether the execve worked, for K (MON_STARTED). */
	if (failed_wanted(p) && pipe2(fds, O_CLOEXEC) != 0)
		die_errno("pipe2");
	a.failfd = fds[1];
	child = ns_spawn(payload_fn, &a);
	if (child < 0)
		die_errno("cannot start the payload's process");
	if (fds[0] >= 0) {
		/* The child has exec'd or exited by now (CLONE_VFORK): no
		 * wait here. */
		close(fds[1]);
		if (read(fds[0], &code, sizeof(code)) == (ssize_t)sizeof(code))
			*failed = code;
		close(fds[0]);
	}
	return child;
}

void
init_run(const struct launch_plan *p, const struct init_wiring *w)
{
	pid_t child;
	int sfd, failed = 0;

	if ((sfd = mon_signalfd(SFD_CLOEXEC)) < 0)
		die_errno("signalfd");
	/* A step's container (--step-tasks): no payload; P1 holds the
	 * namespaces for the tasks' execs until K ends it. */
	child = p->step_tasks > 0 ? -1 : start_payload(p, w->env, &failed);
	if (failed_wanted(p) &&
	    mon_send(w->sock, MON_STARTED, failed, NULL, 0) != 0)
		_exit(CTL_EXIT_FAIL); /* K is gone */
	for (;;) {
		struct pollfd pf[2] = { { sfd, POLLIN, 0 },
			{ w->alive, POLLIN, 0 } };
		struct signalfd_siginfo si;

		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(CTL_EXIT_FAIL);
		}
		if (pf[1].revents)
			_exit(CTL_EXIT_FAIL); /* K died: the namespace ends */
		if (!pf[0].revents ||
		    read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
			continue;
		if (si.ssi_signo != SIGCHLD && child < 0) {
			/* The holder: to every task in the namespace. */
			(void)kill(-1, (int)si.ssi_signo);
			continue;
		}
		if (si.ssi_signo != SIGCHLD) {
			(void)kill(child, (int)si.ssi_signo);
			continue;
		}
		for (;;) {
			int st;
			pid_t r = waitpid(-1, &st, WNOHANG);

			if (r <= 0)
				break;
			if (r != child)
				continue;
			if (WIFEXITED(st))
				_exit(WEXITSTATUS(st));
			_exit(128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0));
		}
	}
}
