/*
 * monitor.c: the wiring of the three processes (DESIGN section 5): the
 * fork of K from P0, the P0-K and K-P1 sockets and the liveness pipe, the
 * relay pipes of a terminal without -t, and the one message format on
 * those sockets (descriptors as SCM_RIGHTS).
 *
 * P0's side is front.c, K's keeper*.c (a foreground run: keeper_fg.c),
 * P1's init.c.
 *
 * Invariants:
 * - K MUST be forked holding a pidfd of P0 taken before the fork: no
 *   window in which P0 could die and its pid be reused.
 * - Without -t, the container MUST NOT get a descriptor of the caller's
 *   terminal: each of P0's fds 0-2 that is a terminal (0 only with -i)
 *   reaches it as a pipe P0 relays, one per fd (stdout and stderr stay
 *   apart); pipes and files pass directly.
 * - P0 MUST hold only its own ends of the relay pipes once K is forked,
 *   and K MUST hold none once P1 is cloned (else EOF never comes).
 * - A message MUST be one whole datagram: a truncated one (or its
 *   control part) is an error and leaves no descriptor open.
 */
#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "helper/auth.h"
#include "helper/creds.h"
#include "helper/log.h"
#include "helper/monitor.h"
#include "helper/layers.h"
#include "helper/mounts.h"
#include "helper/namespaces.h"

#define MON_MAXFDS 2

/* The control part of a message: room for MON_RECV_MAXFDS descriptors,
 * aligned for its header. */
union mon_cmsg {
	char buf[CMSG_SPACE(MON_RECV_MAXFDS * sizeof(int))];
	struct cmsghdr align;
};

/* MH: one datagram, the bytes of IOV, no control part (yet). */
static void
msg_init(struct msghdr *mh, struct iovec *iov)
{
	memset(mh, 0, sizeof(*mh));
	mh->msg_iov = iov;
	mh->msg_iovlen = 1;
}

int
mon_send_fds(int sock, const void *buf, size_t len, const int *fds, size_t nfds)
{
	struct iovec iov = { (void *)(uintptr_t)buf, len };
	union mon_cmsg u;
	struct msghdr mh;
	ssize_t n;

	if (nfds > MON_RECV_MAXFDS) {
		errno = EINVAL;
		return -1;
	}
	msg_init(&mh, &iov);
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
	union mon_cmsg u;
	struct msghdr mh;
	ssize_t n;

	for (size_t i = 0; i < maxfds; i++)
		fds[i] = -1;
	msg_init(&mh, &iov);
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

int
mon_pidfd_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
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

void
monitor_wiring(const struct monitor *m, struct place *pl, struct init_wiring *w)
{
	memset(w, 0, sizeof(*w));
	w->sock = m->init_sock[1];
	w->alive = m->alive[0];
	/* K keeps only the container's ends: stdin's read end, stdout's and
	 * stderr's write ends. */
	w->relay[STDIN_FILENO] = m->relay[STDIN_FILENO][0];
	w->relay[STDOUT_FILENO] = m->relay[STDOUT_FILENO][1];
	w->relay[STDERR_FILENO] = m->relay[STDERR_FILENO][1];
	w->kfds[0] = m->init_sock[0];
	w->kfds[1] = m->alive[1];
	w->kfds[2] = m->keeper_sock;
	w->kfds[3] = m->front_pidfd;
	w->locks = m->locks;
	w->nlocks = m->nlocks;
	w->ws = m->ws;
	w->has_ws = m->has_ws;
	w->cg = m->cg;
	w->pl = pl;
	w->rlimits = m->auth->rlimits;
	w->env = m->auth->payload_env;
	/* v1: P1 joins by itself (no cgroup lock); v2: cloned into it. */
	if (cgroup_join_open_if(m->cg, cgroup_clone_fd(m->cg) < 0, w->join) !=
	    0)
		die_errno("cgroup: opening the container's cgroup");
}

bool
monitor_init_joined(struct monitor *m, struct init_wiring *w)
{
	struct mon_msg msg = { 0, 0 };
	int fd = -1;

	cgroup_join_close(w->join);
	/* P1's end goes: an end of P1 is an end of file here. */
	close(m->init_sock[1]);
	m->init_sock[1] = -1;
	if (w->placed)
		return true;
	if (mon_recv(m->init_sock[0], &msg, &fd, 1) <= 0)
		return false;
	if (fd >= 0)
		close(fd);
	return msg.type == MON_JOINED;
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
void
monitor_relay_close(struct monitor *m)
{
	for (int fd = 0; fd < 3; fd++)
		for (int e = 0; e < 2; e++) {
			if (m->relay[fd][e] >= 0)
				close(m->relay[fd][e]);
			m->relay[fd][e] = -1;
		}
}

/* ---- The fork of K ---- */

pid_t
monitor_fork_keeper(const struct launch_plan *p, struct monitor *m)
{
	int sv[2];
	pid_t pid;

	m->init_sock[0] = m->init_sock[1] = -1;
	m->alive[0] = m->alive[1] = -1;
	m->init_pidfd = -1;
	m->init_mntns = -1;
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
	/* The heap P0 freed (the policy's and the image's parse) is not
	 * copied into K, which lives as long as the container. */
	(void)malloc_trim(0);
	if ((pid = ns_fork_into(m->keeper_cg)) < 0)
		die_errno("fork");
	if (m->keeper_cg >= 0)
		close(m->keeper_cg);
	m->keeper_cg = -1;
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

/*
 * The container's file systems go when the last reference to its mount
 * namespace does: at P1's exit, which unmounts them all (and waits for
 * RCU grace periods) before K can see the exit, so before the caller gets
 * the status.  K holds a reference from the clone on and drops it after
 * the status is sent (keeper_end), before the layer locks are released.
 */
void
monitor_hold_mounts(struct monitor *m, pid_t init)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)init);
	/* INIT is K's unreaped child: the pid is still its. */
	m->init_mntns = open(path, O_RDONLY | O_CLOEXEC);
	if (m->init_mntns < 0)
		die_errno("cannot hold the container's mount namespace");
}

void
monitor_release_mounts(struct monitor *m)
{
	if (m->init_mntns >= 0)
		close(m->init_mntns);
	m->init_mntns = -1;
}

void
monitor_prepare_init(const struct launch_plan *p, struct monitor *m)
{
	m->locks = layers_hold(p->image);
	m->nlocks = p->image->nlayers;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
		m->init_sock) != 0)
		die_errno("socketpair");
	if (pipe2(m->alive, O_CLOEXEC) != 0)
		die_errno("pipe2");
}
