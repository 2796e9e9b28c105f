/*
 * monitor.c: the front (P0) and the keeper (K).
 *
 * P0 is the process the caller started.  Once K is forked it becomes the
 * caller entirely, so that kill, timeout and Ctrl-C work on it as on any
 * command; it relays the pty (-t) or, from a terminal without -t, the
 * pipes that stand in for it, forwards signals to the container's init
 * through a pidfd and exits with the status K reports.  K is root in every
 * id, so the caller can neither signal nor trace it; it watches P0 through
 * a pidfd and P1 through the pidfd of the clone, and tears everything
 * down when either ends.
 *
 * Invariants:
 * - After the fork, P0 MUST hold no privilege (all ids the caller's, no
 *   capability, not dumpable) and MUST NOT keep the plan.
 * - K MUST treat whatever P0 sends as at most a request to tear down.
 * - When P0 dies, K MUST kill the container (SIGKILL to its init ends the
 *   whole pid namespace), wait for it and clean up.  With run -it
 *   (plan->fg_detach, keeper.c) this holds until P0 has asked K to
 *   detach: P0 dying, aborting or closing its connection before that
 *   kills the container, and its end leaves no record.
 * - The detach keys of run -it MUST NOT work as ctr-launch-shell
 *   (plan->login), inside a batch job, with allow_detach = no, or
 *   without -i, -t and a terminal on stdin: those runs stay plain
 *   foreground ones and the keys reach the container as bytes.
 * - A signal that reaches P0 before the container runs MUST abort the
 *   launch (exit 128+N); afterwards HUP, INT, QUIT, TERM, USR1, USR2 and
 *   ALRM MUST be forwarded to the container's init.
 * - Inside a batch job, K MUST kill the container at most
 *   JOB_TERM_GRACE_MS after a SIGTERM (the scheduler ending the step)
 *   and finish its teardown, so that nothing of it is left for the
 *   scheduler's SIGKILL to strand.
 * - Outside a batch job, K MUST hold none of the caller's stdio once the
 *   status is sent: the teardown that follows is off the path of a pipe's
 *   reader (sshd, a pipeline) as it is off the caller's.
 * - If K dies, P0 MUST exit 125 saying so; the container dies with K
 *   (PDEATHSIG and the liveness pipe, see creds.c and init.c).
 * - Without -t, the container MUST NOT get a descriptor of the caller's
 *   terminal: each of P0's fds 0-2 that is a terminal (0 only with -i)
 *   reaches it as a pipe P0 relays, one per fd (stdout and stderr stay
 *   apart); pipes and files pass directly.
 * - P0 MUST hold only its own ends of the relay pipes once K is forked,
 *   and K MUST hold none once P1 is cloned (else EOF never comes).
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
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "helper/audit.h"
#include "helper/auth.h"
#include "helper/cgroup.h"
#include "helper/creds.h"
#include "helper/ctl.h"
#include "helper/ctlproto.h"
#include "helper/log.h"
#include "helper/monitor.h"
#include "helper/place.h"
#include "helper/ports.h"
#include "helper/layers.h"
#include "helper/mounts.h"

#define MON_MAXFDS 2
/* Inside a batch job: from the keeper's SIGTERM to the container's
 * SIGKILL; well within Slurm's KillWait (default 30 s). */
#define JOB_TERM_GRACE_MS 2000

int
mon_send_fds(int sock, const void *buf, size_t len, const int *fds, size_t nfds)
{
	struct iovec iov = { (void *)(uintptr_t)buf, len };
	union {
		char buf[CMSG_SPACE(MON_RECV_MAXFDS * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh;
	ssize_t n;

	if (nfds > MON_RECV_MAXFDS) {
		errno = EINVAL;
		return -1;
	}
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfds > 0) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	while ((n = sendmsg(sock, &mh, MSG_NOSIGNAL)) < 0)
		if (errno != EINTR)
			return -1;
	if ((size_t)n != len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

int
mon_send(int sock, uint32_t type, int32_t value, const int *fds, size_t nfds)
{
	struct mon_msg m = { type, value };

	return mon_send_fds(sock, &m, sizeof(m), fds,
	    nfds <= MON_MAXFDS ? nfds : 0);
}

ssize_t
mon_recv_fds(int sock, void *buf, size_t len, int flags, int *fds,
    size_t maxfds)
{
	struct iovec iov = { buf, len };
	union {
		char buf[CMSG_SPACE(MON_RECV_MAXFDS * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh;
	ssize_t n;

	for (size_t i = 0; i < maxfds; i++)
		fds[i] = -1;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof(u.buf);
	while ((n = recvmsg(sock, &mh, flags | MSG_CMSG_CLOEXEC)) < 0)
		if (errno != EINTR)
			return -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c != NULL;
	     c = CMSG_NXTHDR(&mh, c)) {
		size_t k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int),
			    sizeof(int));
			if (i < maxfds && fds[i] < 0)
				fds[i] = fd;
			else
				close(fd);
		}
	}
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		for (size_t i = 0; i < maxfds; i++)
			if (fds[i] >= 0) {
				close(fds[i]);
				fds[i] = -1;
			}
		errno = EMSGSIZE;
		return -1;
	}
	return n;
}

ssize_t
mon_recv(int sock, struct mon_msg *msg, int *fds, size_t maxfds)
{
	ssize_t n = mon_recv_fds(sock, msg, sizeof(*msg), 0, fds, maxfds);

	if (n > 0 && (size_t)n != sizeof(*msg))
		return -1;
	return n;
}

int
mon_signalfd(int flags)
{
	sigset_t all;

	sigfillset(&all);
	/* signalfd4 with the kernel's sigset size (_NSIG / 8). */
	return (
	    int)syscall(SYS_signalfd4, -1, &all, (size_t)(_NSIG / 8), flags);
}

static int
pidfd_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

/* ---- The relay pipes (K's side of the wiring) ---- */

/* P0, before the fork of K: the modes of the terminals among fds 0-2, and
 * a relay pipe for each of them the container must not get: every one
 * without -t, stdin only with -i (else the container's /dev/null). */
static void
relay_open(const struct launch_plan *p, struct monitor *m)
{
	for (int fd = 0; fd < 3; fd++) {
		m->relay[fd][0] = m->relay[fd][1] = -1;
		memset(&m->term[fd], 0, sizeof(m->term[fd]));
		m->has_term[fd] = tcgetattr(fd, &m->term[fd]) == 0;
		if (!m->has_term[fd] || p->tty_wanted ||
		    (fd == STDIN_FILENO && !p->interactive))
			continue;
		if (pipe2(m->relay[fd], O_CLOEXEC) != 0)
			die_errno("pipe2");
	}
}

/* After the fork: P0 keeps the read ends of stdout's and stderr's pipes
 * and the write end of stdin's (non-blocking: they are its own), K the
 * other ends, for P1.  A write end left in P0 would keep EOF away. */
static void
relay_split(struct monitor *m, bool front)
{
	for (int fd = 0; fd < 3; fd++) {
		int keep = (fd == STDIN_FILENO) == front ? 1 : 0;

		if (m->relay[fd][keep] < 0)
			continue;
		close(m->relay[fd][1 - keep]);
		m->relay[fd][1 - keep] = -1;
		if (front &&
		    fcntl(m->relay[fd][keep], F_SETFL, O_NONBLOCK) != 0)
			die_errno("fcntl");
	}
}

/* K, once P1 is cloned: the container's ends are P1's alone. */
static void
relay_close(struct monitor *m)
{
	for (int fd = 0; fd < 3; fd++)
		for (int e = 0; e < 2; e++) {
			if (m->relay[fd][e] >= 0)
				close(m->relay[fd][e]);
			m->relay[fd][e] = -1;
		}
}

/* ---- K ---- */

pid_t
monitor_fork_keeper(const struct launch_plan *p, struct monitor *m)
{
	int sv[2];
	pid_t pid;

	m->init_sock[0] = m->init_sock[1] = -1;
	m->alive[0] = m->alive[1] = -1;
	m->init_pidfd = -1;
	m->locks = NULL;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		die_errno("socketpair");
	/* The initial size of a -t pty, set by P1 before the payload runs. */
	m->has_ws = p->tty_wanted &&
	    (ioctl(STDIN_FILENO, TIOCGWINSZ, &m->ws) == 0 ||
		ioctl(STDOUT_FILENO, TIOCGWINSZ, &m->ws) == 0);
	/* K watches P0 through a pidfd taken before the fork: no window in
	 * which P0 could die and its pid be reused. */
	m->front_pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (m->front_pidfd < 0)
		die_errno("pidfd_open");
	relay_open(p, m);
	if ((pid = fork()) < 0)
		die_errno("fork");
	relay_split(m, pid > 0);
	if (pid > 0) {
		close(sv[1]);
		close(m->front_pidfd);
		m->front_pidfd = -1;
		m->front_sock = sv[0];
		m->keeper_sock = -1;
		m->keeper_pid = pid;
		return pid;
	}
	log_set_child();
	close(sv[0]);
	m->front_sock = -1;
	m->keeper_sock = sv[1];
	creds_keeper();
	if (setsid() < 0)
		die_errno("setsid");
	return 0;
}

void
monitor_prepare_init(const struct launch_plan *p, struct monitor *m)
{
	m->locks = fsutil_lock_layers(p->image);
	m->nlocks = p->image->nlayers;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
		m->init_sock) != 0)
		die_errno("socketpair");
	if (pipe2(m->alive, O_CLOEXEC) != 0)
		die_errno("pipe2");
}

static void
reap_init(struct monitor *m, int *status)
{
	siginfo_t si;
	struct rusage ru;

	memset(&si, 0, sizeof(si));
	memset(&ru, 0, sizeof(ru));
	/* The raw waitid: with the init's resource usage, which holds every
	 * process of the container it reaped (the end line's CPU time). */
	while (syscall(SYS_waitid, P_PIDFD, m->init_pidfd, &si, WEXITED, &ru) !=
	    0) {
		if (errno == EINTR)
			continue;
		if (syscall(SYS_waitid, P_PID, m->init_pid, &si, WEXITED,
			&ru) != 0 &&
		    errno != EINTR)
			die_errno("waitid");
		break;
	}
	audit_rusage(&ru);
	if (si.si_code == CLD_EXITED)
		*status = si.si_status;
	else
		*status = 128 + si.si_status;
}

static bool
forward_ready(struct monitor *m, bool front_alive, bool job)
{
	struct mon_msg msg = { 0, 0 };
	int fds[1], out[2];
	ssize_t n = mon_recv(m->init_sock[0], &msg, fds, 1);

	if (n <= 0 || msg.type != MON_READY) {
		if (fds[0] >= 0)
			close(fds[0]);
		return false;
	}
	out[0] = m->init_pidfd;
	out[1] = fds[0];
	if (front_alive)
		(void)mon_send(m->keeper_sock, MON_RUNNING, job ? 1 : 0, out,
		    fds[0] >= 0 ? 2 : 1);
	if (fds[0] >= 0)
		close(fds[0]);
	return true;
}

void
monitor_release(struct monitor *m)
{
	fsutil_unlock_layers(m->locks, m->nlocks);
	m->locks = NULL;
	if (m->cg != NULL)
		cgroup_destroy(m->cg);
	m->cg = NULL;
	if (m->auth != NULL)
		auth_close(m->auth);
	m->auth = NULL;
}

void
monitor_teardown(void *arg)
{
	struct monitor *m = arg;

	if (m->init_pidfd >= 0) {
		siginfo_t si;

		(void)pidfd_signal(m->init_pidfd, SIGKILL);
		while (
		    waitid(P_PIDFD, (id_t)m->init_pidfd, &si, WEXITED) != 0 &&
		    errno == EINTR)
			;
		close(m->init_pidfd);
		m->init_pidfd = -1;
	}
	monitor_release(m);
	if (m->ready && m->plan != NULL)
		audit_end(m->plan, CTL_EXIT_FAIL);
	m->ready = false;
}

/* Inside a batch job K takes SIGTERM (blocked since step 0) through a
 * signalfd: the scheduler's signal to end the step. */
int
mon_term_fd(void)
{
	sigset_t term;
	int fd;

	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	fd = (int)syscall(SYS_signalfd4, -1, &term, (size_t)(_NSIG / 8),
	    SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		die_errno("signalfd");
	return fd;
}

void
mon_term_read(int fd)
{
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == sizeof(si))
		;
}

/* Milliseconds until DEADLINE once the grace runs (WAIT_MS >= 0), 0 when
 * it has passed; -1 (no timeout) before. */
static int
grace_left(int wait_ms, const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	if (wait_ms < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms <= 0 ? 0 :
			 (int)(ms > JOB_TERM_GRACE_MS ? JOB_TERM_GRACE_MS : ms);
}

/* Reads P0's message: true if it is MON_TERM (anything else, or a
 * hangup, is a request to tear down, as before). */
static bool
front_term(int sock)
{
	struct mon_msg msg = { 0, 0 };
	int fd[1];
	ssize_t n = mon_recv(sock, &msg, fd, 1);

	if (fd[0] >= 0)
		close(fd[0]);
	return n > 0 && msg.type == MON_TERM;
}

/* Is the container placed inside a batch job's cgroup (place.h)? */
static bool
in_job(const struct monitor *m)
{
	return m->cg != NULL && m->cg->place != NULL && m->cg->place->job;
}

/* K's fds 0-2 (the caller's stdio, inherited from P0) onto /dev/null;
 * best effort: failing, they are only held a little longer. */
static void
stdio_drop(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	for (int i = 0; i < 3; i++)
		(void)dup3(fd, i, 0);
	close(fd);
}

void
monitor_keeper(const struct launch_plan *p, struct monitor *m, pid_t init)
{
	enum {
		FRONT_PID,
		FRONT_SOCK,
		INIT_PID,
		INIT_SOCK,
		TERM_SIG
	};
	struct pollfd pf[5];
	bool ready = false, front_alive = true, killed = false;
	int status = CTL_EXIT_FAIL, wait_ms = -1;
	struct timespec deadline = { 0, 0 };

	m->init_pid = init;
	close(m->init_sock[1]);
	close(m->alive[0]);
	relay_close(m);
	pf[FRONT_PID] = (struct pollfd){ m->front_pidfd, POLLIN, 0 };
	pf[FRONT_SOCK] = (struct pollfd){ m->keeper_sock, POLLIN, 0 };
	pf[INIT_PID] = (struct pollfd){ m->init_pidfd, POLLIN, 0 };
	pf[INIT_SOCK] = (struct pollfd){ m->init_sock[0], POLLIN, 0 };
	pf[TERM_SIG] = (struct pollfd){ in_job(m) ? mon_term_fd() : -1, POLLIN,
		0 };
	/* P1 is in its cgroup already (main.c, step 7). */
	if (mon_send(m->init_sock[0], MON_GO, 0, NULL, 0) != 0)
		killed = pidfd_signal(m->init_pidfd, SIGKILL) == 0;
	for (;;) {
		int np = poll(pf, 5, grace_left(wait_ms, &deadline));

		if (np < 0) {
			if (errno == EINTR)
				continue;
			die_errno("poll");
		}
		/* Inside a job: SIGTERM (scancel, the time limit: Slurm sends
		 * it to the step's own process, P0, which forwards it here,
		 * or to K) leaves the container JOB_TERM_GRACE_MS, then it is
		 * killed, so that K is done before the scheduler's SIGKILL. */
		if (pf[FRONT_SOCK].revents && front_term(m->keeper_sock)) {
			pf[FRONT_SOCK].revents = 0;
			if (in_job(m))
				pf[TERM_SIG].revents = POLLIN;
		}
		if (pf[TERM_SIG].revents) {
			if (pf[TERM_SIG].fd >= 0)
				mon_term_read(pf[TERM_SIG].fd);
			if (wait_ms < 0 && !killed) {
				(void)pidfd_signal(m->init_pidfd, SIGTERM);
				wait_ms = JOB_TERM_GRACE_MS;
				clock_gettime(CLOCK_MONOTONIC, &deadline);
				deadline.tv_sec += JOB_TERM_GRACE_MS / 1000;
			}
		}
		if (wait_ms >= 0 && grace_left(wait_ms, &deadline) == 0) {
			wait_ms = -1;
			if (!killed)
				killed = pidfd_signal(m->init_pidfd, SIGKILL) ==
				    0;
		}
		if (pf[FRONT_PID].revents || pf[FRONT_SOCK].revents) {
			/* P0 died, asked to abort, or hung up: end it all. */
			if (pf[FRONT_PID].revents)
				front_alive = false;
			pf[FRONT_PID].fd = pf[FRONT_SOCK].fd = -1;
			if (!killed)
				killed = pidfd_signal(m->init_pidfd, SIGKILL) ==
				    0;
		}
		/* READY before the exit: P1 may do both in one poll. */
		if (pf[INIT_SOCK].revents) {
			if (!ready && !killed &&
			    (ready = forward_ready(m, front_alive,
				 in_job(m)))) {
				audit_grant(p);
				m->plan = p;
				m->ready = true;
			}
			pf[INIT_SOCK].fd = -1;
		}
		if (pf[INIT_PID].revents) {
			reap_init(m, &status);
			ports_end();
			break;
		}
	}
	if (!ready)
		status = CTL_EXIT_FAIL;
	/* P1 is reaped: the normal end, no failure hook from here. */
	log_set_teardown(NULL, NULL);
	m->ready = false;
	/* The caller has the status as soon as nothing of the container
	 * runs; the rest of the teardown is off their path, except inside a
	 * batch job, whose scheduler must find nothing left when the step's
	 * process exits. */
	if (front_alive && !in_job(m)) {
		if (m->cg != NULL)
			cgroup_empty(m->cg);
		(void)mon_send(m->keeper_sock, MON_STATUS, status, NULL, 0);
		front_alive = false;
	}
	/* Nor does the teardown hold the caller's stdio: a pipe's reader
	 * (sshd for ctr-launch-shell, `| cat`) sees its end with the
	 * status, not after the cgroup's removal. */
	if (!in_job(m))
		stdio_drop();
	monitor_release(m);
	if (ready)
		audit_end(p, status);
	if (front_alive)
		(void)mon_send(m->keeper_sock, MON_STATUS, status, NULL, 0);
	_exit(0);
}

/* ---- P0 ---- */

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

bool
mon_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd pf = { fd, POLLOUT, 0 };

			(void)poll(&pf, 1, 1000);
			continue;
		}
		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
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
	if (out < 0 || mon_write_all(out, buf, (size_t)n))
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
			if (n > 0 && !mon_write_all(fd, buf, (size_t)n))
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

static void
front_signal(struct front *f, int sig)
{
	switch (sig) {
	case SIGWINCH:
		winsize_copy(f);
		return;
	case SIGHUP:
	case SIGINT:
	case SIGQUIT:
	case SIGTERM:
	case SIGUSR1:
	case SIGUSR2:
	case SIGALRM:
		break;
	default:
		return;
	}
	if (f->running && f->abort_sig == 0) {
		(void)pidfd_signal(f->pidfd, sig);
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
 * without a detach ends the container (keeper.c). */
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
		(void)pidfd_signal(f->pidfd, SIGPIPE);
		f->pipe_sent = true;
	}
}

/* The caller's input: to the pty with -it, else to the stdin pipe. */
static void
front_input(struct front *f)
{
	if (f->master < 0)
		feed_read(f);
	else if (!pump(STDIN_FILENO, f->master))
		f->interactive = false;
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
		    p->workdir_strict ? p->workdir : "", p->step_tty, payload,
		    sizeof(payload));

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
	if (tty)
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
				(void)pidfd_signal(f.pidfd, SIGHUP);
			tty_restore();
			exit(128 + SIGHUP);
		}
	}
}
