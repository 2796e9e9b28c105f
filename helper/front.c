/*
 * front.c: P0, the front: the process the caller started.
 *
 * Once K is forked (monitor.c) P0 becomes the caller entirely, so that
 * kill, timeout and Ctrl-C work on it as on any command; it relays the pty
 * (-t) or, from a terminal without -t, the pipes that stand in for it,
 * forwards signals to the container's init through a pidfd and exits with
 * the status K reports.
 *
 * Invariants:
 * - After the fork, P0 MUST hold no privilege (all ids the caller's, no
 *   capability, not dumpable) and MUST NOT keep the plan.
 * - The detach keys of run -it MUST NOT work as ctr-launch-shell
 *   (plan->login), inside a batch job, with allow_detach = no, or
 *   without -i, -t and a terminal on stdin: those runs stay plain
 *   foreground ones and the keys reach the container as bytes.
 * - A signal that reaches P0 before the container runs MUST abort the
 *   launch (exit 128+N); afterwards HUP, INT, QUIT, TERM, USR1, USR2 and
 *   ALRM MUST be forwarded to the container's init.
 * - If K dies, P0 MUST exit 125 saying so; the container dies with K
 *   (PDEATHSIG and the liveness pipe, see creds.c and init.c).
 * - Before it exits with the status, P0 MUST copy out all the container
 *   wrote into the relay pipes (the last output comes before the exit).
 * - P0 MUST restore, on every exit, the raw mode of -t and the mode of
 *   every terminal among its fds 0-2 as found before K was forked (when
 *   the terminal's foreground is P0's).
 * - As ctr-launch-shell (plan->login), P0 MUST end the container when the
 *   connection closes: POLLHUP/POLLERR on the pty it was given (-t), or
 *   on stdout or stderr (sshd's pipes) without -t; it sends SIGHUP and
 *   exits, and K kills what is left.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "lib/io.h"
#include "helper/creds.h"
#include "helper/ctl.h"
#include "helper/ctlproto.h"
#include "helper/front.h"
#include "helper/log.h"
#include "helper/monitor.h"

enum {
	PF_SIG,    /* the signalfd */
	PF_SOCK,   /* K */
	PF_MASTER, /* -t: the pty */
	PF_STDIN,  /* -i: the caller's input */
	PF_OUT1,   /* the relay pipes of stdout and stderr */
	PF_OUT2,
	PF_FEED, /* the relay pipe of stdin, while input waits for room */
	PF_HUP1, /* ctr-launch-shell: the connection closing (POLLHUP or */
	PF_HUP2, /* POLLERR on the pty, or on stdout and stderr) */
	PF_N
};

struct front {
	int sock, sfd, pidfd, master;
	int out[3];      /* relay read ends, by the caller's fd (1, 2), or -1 */
	int in;          /* relay write end for the container's stdin, or -1 */
	char feed[4096]; /* input read from the caller, not yet in the pipe */
	size_t feed_len, feed_off;
	pid_t keeper;
	bool tty_raw, running, interactive;
	bool in_job; /* K said so: it exits right after the status */
	bool master_eof, out_failed, pipe_sent; /* -t */
	struct termios saved;                   /* -t: stdin before raw */
	struct termios term[3]; /* the terminals' modes before the fork */
	bool has_term[3];
	int abort_sig;
	bool watch_hup; /* ctr-launch-shell */
	int hup_fd[2];  /* what it watches: the pty, or stdout and stderr */
	/* run --step-tasks: the task's command as an exec request, sent on
	 * the connection K hands over (MON_CLIENT). */
	char *step_payload;
	size_t step_len;
	bool step_tty, step_interactive;
	struct ctlp_detach keys; /* run -it: the detach keys (MON_ATTACHED) */
};

static struct front *front_for_exit;

static bool
termios_same(const struct termios *a, const struct termios *b)
{
	return a->c_iflag == b->c_iflag && a->c_oflag == b->c_oflag &&
	    a->c_cflag == b->c_cflag && a->c_lflag == b->c_lflag &&
	    memcmp(a->c_cc, b->c_cc, sizeof(a->c_cc)) == 0 &&
	    cfgetispeed(a) == cfgetispeed(b) &&
	    cfgetospeed(a) == cfgetospeed(b);
}

/* Puts back the mode FD's terminal had before the fork if it changed,
 * unless another process group has the terminal's foreground (a launch
 * in the background leaves the terminal to whoever uses it now). */
static void
term_restore(int fd, const struct termios *t)
{
	struct termios now;
	pid_t fg = tcgetpgrp(fd);

	if (fg >= 0 && fg != getpgrp())
		return;
	memset(&now, 0, sizeof(now));
	if (tcgetattr(fd, &now) == 0 && !termios_same(&now, t))
		(void)tcsetattr(fd, TCSADRAIN, t);
}

/* At every exit of P0 (atexit): the raw mode of -t undone, and the mode
 * of every terminal among fds 0-2 as it was before the fork. */
static void
tty_restore(void)
{
	struct front *f = front_for_exit;

	if (f == NULL)
		return;
	if (f->tty_raw) {
		(void)tcsetattr(STDIN_FILENO, TCSADRAIN, &f->saved);
		f->tty_raw = false;
	}
	for (int fd = 0; fd < 3; fd++) {
		if (f->has_term[fd])
			term_restore(fd, &f->term[fd]);
		f->has_term[fd] = false;
	}
}

static void
tty_raw(struct front *f)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &f->saved) != 0)
		return;
	t = f->saved;
	cfmakeraw(&t);
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &t) == 0)
		f->tty_raw = true;
}

static void
winsize_copy(const struct front *f)
{
	struct winsize ws;

	if (f->master < 0)
		return;
	/* The caller's terminal: stdin, else stdout (stdin may be a file). */
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 ||
	    ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(f->master, TIOCSWINSZ, &ws);
}

/* Copies what is readable from IN to OUT (-1: discard); false at EOF or
 * error.  *OUT_FAILED, when given, is set when OUT failed. */
static bool
pump_to(int in, int out, bool *out_failed)
{
	char buf[16384];
	ssize_t n = read(in, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	if (out < 0 || io_write_all(out, buf, (size_t)n) == 0)
		return true;
	if (out_failed == NULL)
		return false;
	*out_failed = true;
	return true;
}

static bool
pump(int in, int out)
{
	return pump_to(in, out, NULL);
}

/* The relay of a terminal without -t: the container writes into pipes
 * (two, so that stdout and stderr stay apart), P0 copies to its own fds. */

/* Copies what the container wrote on the pipe of FD to the caller's FD.
 * At EOF the pipe is done; when FD fails (a terminal hung up) the pipe is
 * closed too, so that the container gets SIGPIPE on its next write. */
static void
relay_out(struct front *f, int fd)
{
	bool failed = false;

	if (!pump_to(f->out[fd], fd, &failed) || failed) {
		close(f->out[fd]);
		f->out[fd] = -1;
	}
}

/* The container's last output: all the pipes hold once it is gone (they
 * are non-blocking: nothing more is waited for). */
static void
relay_drain(struct front *f)
{
	char buf[16384];

	for (int fd = STDOUT_FILENO; fd <= STDERR_FILENO; fd++) {
		ssize_t n;

		if (f->out[fd] < 0)
			continue;
		while ((n = read(f->out[fd], buf, sizeof(buf))) > 0 ||
		    (n < 0 && errno == EINTR))
			if (n > 0 && io_write_all(fd, buf, (size_t)n) != 0)
				break;
	}
}

static void
feed_close(struct front *f)
{
	if (f->in >= 0)
		close(f->in);
	f->in = -1;
	f->feed_len = f->feed_off = 0;
}

/* Moves the caller's pending input into the container's stdin pipe as far
 * as it fits; the rest waits for room (POLLOUT), P0 never blocks on it.
 * A pipe the container closed ends the relay. */
static void
feed_write(struct front *f)
{
	while (f->feed_off < f->feed_len) {
		ssize_t n = write(f->in, f->feed + f->feed_off,
		    f->feed_len - f->feed_off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			feed_close(f);
			return;
		}
		f->feed_off += (size_t)n;
	}
	f->feed_len = f->feed_off = 0;
}

/* A read of the terminal from the background (EIO: another process group
 * has its foreground, and SIGTTIN is blocked): P0 stops as any job that
 * reads its terminal does (SIGTTIN) and reads again once continued.  False
 * if it was not stopped (an orphaned process group). */
static bool
input_stop(void)
{
	sigset_t ttin, pending;
	pid_t fg = tcgetpgrp(STDIN_FILENO);

	if (fg < 0 || fg == getpgrp())
		return false;
	sigemptyset(&ttin);
	sigaddset(&ttin, SIGTTIN);
	/* Raising a stop signal discards a pending SIGCONT; one pending
	 * afterwards is the one that continued P0. */
	if (raise(SIGTTIN) != 0 || sigprocmask(SIG_UNBLOCK, &ttin, NULL) != 0 ||
	    sigprocmask(SIG_BLOCK, &ttin, NULL) != 0)
		return false;
	return sigpending(&pending) == 0 && sigismember(&pending, SIGCONT);
}

/* -i: what the caller types (a line at a time: the terminal keeps its own
 * mode) goes to the container's stdin.  EOF (Ctrl-D) or an error (a
 * hangup) closes the pipe: EOF inside. */
static void
feed_read(struct front *f)
{
	ssize_t n = read(STDIN_FILENO, f->feed, sizeof(f->feed));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n < 0 && errno == EIO && input_stop())
		return;
	if (n <= 0) {
		feed_close(f);
		return;
	}
	f->feed_len = (size_t)n;
	f->feed_off = 0;
	feed_write(f);
}

bool
front_forwards(int sig)
{
	switch (sig) {
	case SIGHUP:
	case SIGINT:
	case SIGQUIT:
	case SIGTERM:
	case SIGUSR1:
	case SIGUSR2:
	case SIGALRM:
		return true;
	default:
		return false;
	}
}

static void
front_signal(struct front *f, int sig)
{
	if (sig == SIGWINCH) {
		winsize_copy(f);
		return;
	}
	if (!front_forwards(sig))
		return;
	if (f->running && f->abort_sig == 0) {
		(void)mon_pidfd_signal(f->pidfd, sig);
		if (sig == SIGTERM)
			(void)mon_send(f->sock, MON_TERM, 0, NULL, 0);
		return;
	}
	if (f->abort_sig == 0) {
		f->abort_sig = sig;
		(void)mon_send(f->sock, MON_ABORT, sig, NULL, 0);
	}
}

static noreturn void
front_exit(struct front *f, int status)
{
	if (f->master >= 0) {
		/* The payload's last output: drain until the slave is gone. */
		int fl = fcntl(f->master, F_GETFL);

		if (fl >= 0)
			(void)fcntl(f->master, F_SETFL, fl | O_NONBLOCK);
		while (pump(f->master, STDOUT_FILENO))
			;
	}
	relay_drain(f);
	tty_restore();
	/* K reported the status: the caller has it now.  K finishes its
	 * teardown on its own (it is not the caller's to wait for) and is
	 * reaped by whoever inherits it; inside a batch job K reports only
	 * once it is done. */
	/* Inside a batch job the step ends when its own process does, and
	 * the scheduler then kills whatever is left in the step: K, done
	 * with its teardown, exits first. */
	if (f->in_job)
		while (waitpid(f->keeper, NULL, 0) < 0 && errno == EINTR)
			;
	if (f->abort_sig != 0)
		exit(128 + f->abort_sig);
	exit(status);
}

/* run --step-tasks: the task's command is an exec on SOCK, relayed by
 * P0 itself (a child would be left in the job's ctl-front cgroup), which
 * forwards the task's signals to the step's K when OWN (K is the
 * container's: it passes them to every task), and exits with the
 * command's status once K is gone (a step's K only when the container is
 * torn down). */
static noreturn void
front_step(struct front *f, int sock, bool own)
{
	int status;

	if (!own) {
		close(f->sock);
		f->sock = -1;
	}
	status = ctl_exec_handed(sock, f->step_payload, f->step_len,
	    f->step_tty, f->step_interactive, f->sfd, f->sock);
	close(sock);
	for (;;) {
		struct pollfd pf = { f->sfd, POLLIN, 0 };
		struct signalfd_siginfo si;
		pid_t w;

		while ((w = waitpid(f->keeper, NULL, WNOHANG)) < 0 &&
		    errno == EINTR)
			;
		if (w != 0)
			exit(status);
		if (poll(&pf, 1, -1) < 0 && errno != EINTR)
			die_errno("poll");
		while (read(f->sfd, &si, sizeof(si)) == sizeof(si)) {
			int sig = (int)si.ssi_signo;

			if (sig != SIGCHLD && sig != SIGWINCH &&
			    sig != SIGPIPE && f->sock >= 0)
				(void)mon_send(f->sock, MON_SIGNAL, sig, NULL,
				    0);
		}
	}
}

/* run -it (plan->fg_detach): K runs the container as a detached one and
 * P0 is its launcher, the client SOCK attached to its pty: the relay of
 * `attach`, with the signals to the init through PIDFD.  Closing SOCK
 * without a detach ends the container (keeper_ctl.c). */
static noreturn void
front_attached(struct front *f, int sock, int pidfd)
{
	struct ctl_relay r;

	/* An abort that crossed MON_ATTACHED: K kills the container. */
	if (f->abort_sig != 0)
		exit(128 + f->abort_sig);
	f->running = true;
	f->pidfd = pidfd;
	r.keys = f->keys;
	r.sfd = f->sfd;
	r.pidfd = pidfd;
	ctl_attach_relay(sock, &r);
}

static void
front_message(struct front *f)
{
	struct mon_msg msg = { 0, 0 };
	int fds[2];
	ssize_t n = mon_recv(f->sock, &msg, fds, 2);

	if (n <= 0) {
		int st = 0;

		tty_restore();
		/* A keeper that failed said why on stderr: one line only. */
		while (waitpid(f->keeper, &st, 0) < 0 && errno == EINTR)
			;
		if (WIFEXITED(st) && WEXITSTATUS(st) == CTL_EXIT_FAIL)
			exit(CTL_EXIT_FAIL);
		die("the keeper process died; the container is gone");
	}
	if (msg.type == MON_CLIENT && fds[0] >= 0 && f->step_len > 0)
		front_step(f, fds[0], msg.value == 1);
	if (msg.type == MON_STATUS)
		front_exit(f,
		    msg.value < 0 || msg.value > 255 ? CTL_EXIT_FAIL :
						       msg.value);
	if (msg.type == MON_ATTACHED && fds[0] >= 0 && fds[1] >= 0 &&
	    !f->running)
		front_attached(f, fds[0], fds[1]);
	if (msg.type != MON_RUNNING || fds[0] < 0 || f->running) {
		for (int i = 0; i < 2; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		return;
	}
	f->pidfd = fds[0];
	f->master = fds[1];
	f->running = true;
	f->in_job = msg.value == 1;
	if (f->master >= 0)
		winsize_copy(f);
}

/* -t: the pty's output to the caller's stdout. */
static void
front_master(struct front *f)
{
	/* EOF on the master: every slave is closed; the status follows.
	 * The master stays open for the final drain. */
	if (!pump_to(f->master, f->out_failed ? -1 : STDOUT_FILENO,
		&f->out_failed))
		f->master_eof = true;
	/* The caller's output is gone (a closed pipe): the container gets
	 * SIGPIPE, as in a pipeline, and its output is dropped so that it
	 * never blocks on a full pty. */
	if (f->out_failed && !f->pipe_sent && f->running) {
		(void)mon_pidfd_signal(f->pidfd, SIGPIPE);
		f->pipe_sent = true;
	}
}

/* The caller's input: to the pty with -it, else to the stdin pipe. */
static void
front_input(struct front *f)
{
	if (f->master < 0) {
		feed_read(f);
	} else if (!pump(STDIN_FILENO, f->master)) {
		f->interactive = false;
		ctl_pty_eof(f->master);
	}
}

/* What P0 waits for.  Input is read only once the container runs. */
static void
front_poll_set(const struct front *f, struct pollfd *pf)
{
	bool feed = f->in >= 0 && f->running;
	bool input = (f->master >= 0 && f->interactive) ||
	    (feed && f->feed_len == 0);

	pf[PF_SIG] = (struct pollfd){ f->sfd, POLLIN, 0 };
	pf[PF_SOCK] = (struct pollfd){ f->sock, POLLIN, 0 };
	pf[PF_MASTER] = (struct pollfd){ f->master_eof ? -1 : f->master, POLLIN,
		0 };
	pf[PF_STDIN] = (struct pollfd){ input ? STDIN_FILENO : -1, POLLIN, 0 };
	pf[PF_OUT1] = (struct pollfd){ f->out[STDOUT_FILENO], POLLIN, 0 };
	pf[PF_OUT2] = (struct pollfd){ f->out[STDERR_FILENO], POLLIN, 0 };
	pf[PF_FEED] = (struct pollfd){ feed && f->feed_len > 0 ? f->in : -1,
		POLLOUT, 0 };
	/* events 0: only POLLHUP and POLLERR are reported. */
	pf[PF_HUP1] = (struct pollfd){ f->watch_hup ? f->hup_fd[0] : -1, 0, 0 };
	pf[PF_HUP2] = (struct pollfd){ f->watch_hup ? f->hup_fd[1] : -1, 0, 0 };
}

/* P0's state from the monitor: its ends of the relay pipes (the others
 * were closed at the fork) and the terminals' modes. */
static void
front_init(struct front *f, const struct launch_plan *p,
    const struct monitor *m)
{
	memset(f, 0, sizeof(*f));
	f->sock = m->front_sock;
	f->keeper = m->keeper_pid;
	f->sfd = f->pidfd = f->master = -1;
	f->out[STDIN_FILENO] = -1;
	f->out[STDOUT_FILENO] = m->relay[STDOUT_FILENO][0];
	f->out[STDERR_FILENO] = m->relay[STDERR_FILENO][0];
	f->in = m->relay[STDIN_FILENO][1];
	f->interactive = p->interactive;
	memcpy(f->term, m->term, sizeof(f->term));
	memcpy(f->has_term, m->has_term, sizeof(f->has_term));
}

void
monitor_front(struct launch_plan *p, struct monitor *m)
{
	static struct front f;
	bool tty = p->tty_wanted;

	front_init(&f, p, m);
	f.watch_hup = p->login;
	f.hup_fd[0] = tty ? STDIN_FILENO : STDOUT_FILENO;
	f.hup_fd[1] = tty ? -1 : STDERR_FILENO;
	front_for_exit = &f;
	atexit(tty_restore);
	if (ctlp_detach_parse(p->detach_keys, &f.keys) != 0)
		(void)ctlp_detach_parse("ctrl-p,ctrl-q", &f.keys);
	creds_drop_front(p);
	if (p->step_tasks > 0) {
		static char payload[CTLP_EXEC_MAX];
		ssize_t n = ctlp_exec_encode(p->argv, p->env,
		    p->workdir_strict ? p->workdir : "", p->step_tty, false,
		    p->tty != NULL ? p->tty : "", payload, sizeof(payload));

		if (n <= 0)
			die("run --step-tasks: the command and its environment are too long");
		f.step_payload = payload;
		f.step_len = (size_t)n;
		f.step_tty = p->step_tty;
		f.step_interactive = p->step_interactive;
	}
	plan_free(p);
	if ((f.sfd = mon_signalfd(SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		die_errno("signalfd");
	/* Raw only with -i: without it nothing is read from the terminal,
	 * whose keys (Ctrl-C, Ctrl-\) then stay signals, passed on. */
	if (tty && f.interactive)
		tty_raw(&f);
	for (;;) {
		struct pollfd pf[PF_N];

		front_poll_set(&f, pf);
		if (poll(pf, PF_N, -1) < 0) {
			if (errno == EINTR)
				continue;
			die_errno("poll");
		}
		if (pf[PF_SIG].revents) {
			struct signalfd_siginfo si;

			while (read(f.sfd, &si, sizeof(si)) == sizeof(si))
				front_signal(&f, (int)si.ssi_signo);
		}
		/* Output before K's message: the status comes last. */
		if (pf[PF_OUT1].revents)
			relay_out(&f, STDOUT_FILENO);
		if (pf[PF_OUT2].revents)
			relay_out(&f, STDERR_FILENO);
		if (pf[PF_MASTER].revents)
			front_master(&f);
		if (pf[PF_STDIN].revents)
			front_input(&f);
		if (pf[PF_FEED].revents)
			feed_write(&f);
		if (pf[PF_SOCK].revents)
			front_message(&f);
		/* The login's connection is gone: SIGHUP to the container,
		 * and K kills what is left when this process ends. */
		if ((pf[PF_HUP1].revents | pf[PF_HUP2].revents) &
		    (POLLHUP | POLLERR)) {
			if (f.running)
				(void)mon_pidfd_signal(f.pidfd, SIGHUP);
			tty_restore();
			exit(128 + SIGHUP);
		}
	}
}
