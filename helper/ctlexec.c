/*
 * ctlexec.c: exec, a command in a running container: the request with
 * the caller's stdio to the container's keeper, then the relay of its
 * pipes or (-t) its pty until the status comes; also a Slurm step task's
 * front (ctl_exec_handed).
 *
 * Invariants:
 * - exec is refused when the policy does not allow it, before the
 *   container is looked up; PAM's account check runs every time, before
 *   anything of the container is opened or joined (by the keeper's child,
 *   kexec.c; for a keeper that predates that, here).
 * - A terminal of the caller's never goes to the container: it gets a
 *   pipe the front relays, or (-t) a pty of its own.
 * - The front MUST drop to the caller once the request and its
 *   descriptors are sent.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/io.h"
#include "helper/auth.h"
#include "helper/creds.h"
#include "helper/ctl.h"
#include "helper/ctl_priv.h"
#include "helper/ctlproto.h"
#include "helper/env.h"
#include "helper/keeper.h"
#include "helper/log.h"
#include "helper/monitor.h"
#include "helper/plan.h"

/* Sends the exec request with FDS as SCM_RIGHTS to NAME's keeper.  A
 * keeper that refused the client before it read the request says why. */
static void
send_exec(int sock, const char *name, const char *payload, size_t len,
    const int fds[3])
{
	static char buf[CTLP_REQ_LEN + CTLP_EXEC_MAX];
	struct ctlp_req q = { CTLP_VERSION, CTLP_EXEC, 0 };
	struct ctlp_resp r;
	int e;

	ctlp_req_encode(&q, (unsigned char *)buf);
	memcpy(buf + CTLP_REQ_LEN, payload, len);
	if (mon_send_fds(sock, buf, CTLP_REQ_LEN + len, fds, 3) == 0)
		return;
	e = errno;
	if (ctl_recv_queued(sock, &r) == 0)
		ctl_resp_check(name, &r);
	errno = e;
	die_errno("exec: sending the request");
}

/* exec's -e and --env-file (env_overrides): --env-file read as the
 * caller, by a process that has become them (as run's; root's as root),
 * relative to their working directory; -e KEY from their environment. */
static char **
exec_env(const struct ctl_ctx *c)
{
	/* Root has no plan: a reader of uid and gid 0, no groups. */
	static const struct launch_plan root_plan;
	const struct ctla_request *r = c->req;
	struct env_file files[CTLA_MAX_ENV_FILES];
	struct env_input in;
	struct ctl_err e;
	char **v;

	memset(&in, 0, sizeof(in));
	memset(files, 0, sizeof(files));
	for (size_t i = 0; i < r->nenv_files; i++) {
		files[i].name = r->env_files[i];
		if (creds_read_file_as_caller(c->plan != NULL ? c->plan :
								&root_plan,
			c->caller, files[i].name, ENV_MAX_FILE, &files[i].data,
			&files[i].len, &e) != 0)
			die("exec: --env-file %.511s", e.msg);
	}
	in.caller_env = c->env;
	in.env_files = files;
	in.nenv_files = r->nenv_files;
	in.opts = (char *const *)(uintptr_t)r->envs;
	in.nopts = r->nenvs;
	if (env_overrides(&in, &v, &e) != 0)
		die("exec: %.511s", e.msg);
	for (size_t i = 0; i < r->nenv_files; i++)
		free(files[i].data);
	return v;
}

/* The exec's stdio: a terminal never goes in (a pipe the front relays,
 * stdin only with -i), pipes and files do; stdin is /dev/null without
 * -i, stdout with -d (the command's stderr too, once it runs: the
 * caller's stderr then only has the keeper's reasons for a failure).
 * RELAY[fd] is the front's end, or -1. */
static void
exec_stdio(bool interactive, bool detach, int fds[3], int relay[3])
{
	for (int fd = 0; fd < 3; fd++) {
		int pp[2];

		relay[fd] = -1;
		if ((fd == STDIN_FILENO && !interactive) ||
		    (fd == STDOUT_FILENO && detach)) {
			fds[fd] = open("/dev/null",
			    (fd == STDIN_FILENO ? O_RDONLY : O_WRONLY) |
				O_CLOEXEC);
			if (fds[fd] < 0)
				die_errno("/dev/null");
			continue;
		}
		if (!isatty(fd)) {
			fds[fd] = fd;
			continue;
		}
		if (pipe2(pp, O_CLOEXEC) != 0)
			die_errno("pipe2");
		fds[fd] = fd == STDIN_FILENO ? pp[0] : pp[1];
		relay[fd] = fd == STDIN_FILENO ? pp[1] : pp[0];
	}
}

static bool
copy_fd(int in, int out)
{
	char buf[16384];
	ssize_t n = read(in, buf, sizeof(buf));

	if (n < 0 && errno == EINTR)
		return true;
	if (n <= 0)
		return false;
	return io_write_all(out, buf, (size_t)n) == 0;
}

/* A step task's front (ctl_exec_handed): its signals, read from SFD, go
 * to the step's keeper on KSOCK (-1: none); SIGWINCH resizes MASTER. */
struct fwd {
	int sfd, ksock, master;
};

static void
fwd_signals(const struct fwd *f)
{
	struct signalfd_siginfo si;

	while (read(f->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		int sig = (int)si.ssi_signo;

		if (sig == SIGWINCH && f->master >= 0)
			ctl_winsize_to(f->master);
		else if (sig != SIGCHLD && sig != SIGWINCH && sig != SIGPIPE &&
		    f->ksock >= 0)
			(void)mon_send(f->ksock, MON_SIGNAL, sig, NULL, 0);
	}
}

/* Relays the pipes until the status comes; returns it. */
static int
exec_relay(int sock, const char *name, int relay[3], bool detach,
    const struct fwd *fw)
{
	struct ctlp_resp r;
	int status = CTL_EXIT_FAIL;
	bool have = false;

	for (;;) {
		struct pollfd pf[5] = {
			{ have ? -1 : sock, POLLIN, 0 },
			{ relay[0] >= 0 ? STDIN_FILENO : -1, POLLIN, 0 },
			{ relay[1], POLLIN, 0 },
			{ relay[2], POLLIN, 0 },
			{ fw != NULL ? fw->sfd : -1, POLLIN, 0 },
		};

		if (have && relay[1] < 0 && relay[2] < 0)
			return status;
		if (poll(pf, 5, have ? 200 : -1) < 0) {
			if (errno == EINTR)
				continue;
			die_errno("poll");
		}
		if (pf[4].revents)
			fwd_signals(fw);
		if (pf[0].revents) {
			if (ctl_recv(sock, &r) != 0)
				die("exec: the container's keeper is gone");
			ctl_resp_check(name, &r);
			if (r.err != CTLP_OK && detach)
				die("exec -d: refused by the container's keeper (it could not start the command, or was started by a ctr-launch older than -d)");
			if (r.err != CTLP_OK)
				die("exec: refused by the container's keeper");
			status = r.status < 0 || r.status > 255 ?
			    CTL_EXIT_FAIL :
			    r.status;
			have = true;
			/* The process is gone: what it wrote is in the
			 * pipes; only children it left may still write. */
		}
		if (have && pf[2].revents == 0 && pf[3].revents == 0)
			return status;
		if (pf[1].revents && !copy_fd(STDIN_FILENO, relay[0])) {
			close(relay[0]);
			relay[0] = -1;
		}
		for (int fd = 1; fd < 3; fd++)
			if (pf[fd + 1].revents && !copy_fd(relay[fd], fd)) {
				close(relay[fd]);
				relay[fd] = -1;
			}
	}
}

/* exec -t: the pty master, sent by the exec'd process over PTY_SOCK;
 * -1 if the exec failed first (its status then comes on SOCK).  What
 * comes before it is the keeper's child's stderr (PAM's messages, a
 * refusal's reason): to the caller's stderr, *TOLD set. */
static int
recv_master(int pty_sock, bool *told)
{
	char b[4096];
	int fd;
	ssize_t n;

	*told = false;
	for (;;) {
		n = mon_recv_fds(pty_sock, b, sizeof(b), 0, &fd, 1);
		if (n <= 0)
			return -1;
		if (fd >= 0)
			return fd;
		(void)!io_write_all(STDERR_FILENO, b, (size_t)n);
		*told = true;
	}
}

/* exec -t: relays the caller's terminal and the pty until the status
 * comes; returns it. */
static int
exec_pty(int sock, const char *name, int master, bool input, struct fwd *fw)
{
	struct ctlp_resp r;
	int sfd = fw != NULL ? -1 : ctl_winch_fd();

	ctl_winsize_to(master);
	/* Raw only with -i: without it the terminal's keys stay signals. */
	if (input)
		ctl_tty_raw();
	for (;;) {
		struct pollfd pf[5] = {
			{ sock, POLLIN, 0 },
			{ input ? STDIN_FILENO : -1, POLLIN, 0 },
			{ master, POLLIN, 0 },
			{ sfd, POLLIN, 0 },
			{ fw != NULL ? fw->sfd : -1, POLLIN, 0 },
		};

		if (fw != NULL)
			fw->master = master;
		if (poll(pf, 5, -1) < 0) {
			if (errno == EINTR)
				continue;
			die_errno("poll");
		}
		if (pf[4].revents)
			fwd_signals(fw);
		if (pf[3].revents) {
			struct signalfd_siginfo si;

			(void)!read(sfd, &si, sizeof(si));
			ctl_winsize_to(master);
		}
		if (pf[2].revents && !copy_fd(master, STDOUT_FILENO))
			master = -1;
		if (pf[1].revents && !copy_fd(STDIN_FILENO, master)) {
			input = false;
			if (master >= 0)
				ctl_pty_eof(master);
		}
		if (pf[0].revents) {
			if (ctl_recv(sock, &r) != 0)
				die("exec: the container's keeper is gone");
			ctl_resp_check(name, &r);
			/* The last output, then the status. */
			if (master >= 0 &&
			    fcntl(master, F_SETFL, O_NONBLOCK) == 0)
				while (copy_fd(master, STDOUT_FILENO))
					;
			ctl_tty_back();
			return r.status < 0 || r.status > 255 ? CTL_EXIT_FAIL :
								r.status;
		}
	}
}

static int exec_over(int sock, const char *name, const char *payload,
    size_t len, bool tty, bool interactive, bool detach,
    const struct launch_plan *plan, struct fwd *fw);

noreturn void
ctl_exec(struct ctl_ctx *c)
{
	size_t n;
	struct ctl_target *t = ctl_targets(c, &n);
	const char *name = c->req->names[0], *terminal = "";
	static char payload[CTLP_EXEC_MAX];
	int udir, dir, sock;
	struct ctl_entry e;
	char **env;
	ssize_t len;

	if (c->plan != NULL && !c->plan->eff.allow_exec)
		deny(
		    "exec refused: the policy does not allow exec (allow_exec = no, %s)",
		    c->plan->eff.allow_exec_from);
	if (!ctl_find(c, &t[0], name, &udir, &dir, &e))
		exit(CTL_EXIT_FAIL);
	if (!e.running)
		die("exec: container %s is not running", name);
	/* PAM's account check, every time (an account expired since): by
	 * the keeper's child, on the modules the keeper loaded, given the
	 * caller's terminal; here for a keeper that predates that. */
	if (e.info.exec_account) {
		if (c->plan != NULL && c->plan->tty != NULL)
			terminal = c->plan->tty;
		if (!ctlp_terminal_ok(terminal))
			die("exec: your terminal's name is too long or unusual to pass on");
	} else {
		terminal = NULL;
		if (c->req->detach)
			die("exec -d: container %s's keeper predates -d (started by an older ctr-launch)",
			    name);
		for (size_t i = 0; c->req->command[i] != NULL; i++)
			if (c->req->command[i][0] == '\0')
				die("exec: container %s's keeper predates empty arguments (started by an older ctr-launch)",
				    name);
		if (c->plan != NULL)
			auth_account(c->plan);
	}
	env = exec_env(c);
	len = ctlp_exec_encode(c->req->command, env,
	    c->req->workdir != NULL ? c->req->workdir : "", c->req->tty,
	    c->req->detach, terminal, payload, sizeof(payload));
	if (len < 0)
		die("exec: the command and its environment are too long");
	if ((sock = keeper_connect(dir)) < 0)
		die("exec: container %s is not running", name);
	ctl_done_one(udir, dir);
	free(t);
	exit(exec_over(sock, name, payload, (size_t)len, c->req->tty,
	    c->req->interactive, c->req->detach, c->plan, NULL));
}

/* The exec request on SOCK, the caller's stdio with it; PLAN (when not
 * NULL) is dropped to once everything is sent.  Relays, returns the
 * status. */
static int
exec_over(int sock, const char *name, const char *payload, size_t len, bool tty,
    bool interactive, bool detach, const struct launch_plan *plan,
    struct fwd *fw)
{
	int fds[3], relay[3];

	if (tty) {
		int sv[2], master;
		bool told;

		/* The exec'd process sends its pty's master over sv[1]. */
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) !=
		    0)
			die_errno("socketpair");
		fds[0] = sv[1];
		fds[1] = fds[2] = sv[1];
		send_exec(sock, name, payload, len, fds);
		close(sv[1]);
		if (plan != NULL)
			creds_drop_front(plan);
		master = recv_master(sv[0], &told);
		close(sv[0]);
		if (master < 0) {
			/* It failed before, its reason told (above); the
			 * status follows. */
			struct ctlp_resp r;

			if (ctl_recv(sock, &r) != 0)
				die("exec: the container's keeper is gone");
			ctl_resp_check(name, &r);
			if (told && r.status == CTL_EXIT_FAIL)
				exit(CTL_EXIT_FAIL);
			die("exec -t: no pseudo-terminal came from the container (status %d)",
			    r.status);
		}
		return exec_pty(sock, name, master, interactive, fw);
	}
	exec_stdio(interactive, detach, fds, relay);
	send_exec(sock, name, payload, len, fds);
	for (int fd = 0; fd < 3; fd++)
		if (fds[fd] != fd)
			close(fds[fd]);
	/* Everything is sent: the caller's own rights from here. */
	if (plan != NULL)
		creds_drop_front(plan);
	return exec_relay(sock, name, relay, detach, fw);
}

int
ctl_exec_handed(int sock, const char *payload, size_t len, bool tty,
    bool interactive, int sfd, int ksock)
{
	struct fwd fw = { sfd, ksock, -1 };

	return exec_over(sock, "the container", payload, len, tty, interactive,
	    false, NULL, &fw);
}
