/*
 * keeper_ctl.c: the ctl socket of a detached container's keeper: who
 * connects, their requests (ctl.c is the other end), the log's new bytes
 * to followers and to the launcher of run -it.
 *
 * Invariants:
 * - K MUST take the caller of every ctl request to be the real uid of the
 *   connected process, from the kernel (keeper_peer_uid), never by a pid
 *   number another process may hold by then; only that container's owner
 *   and root are served.  Requests are fixed-size, versioned
 *   (ctlproto.h); at most KEEPER_MAX_CLIENTS at once, the last place
 *   root's alone.
 * - A failed accept4 that leaves the connection pending (EMFILE, ENFILE,
 *   ENOMEM) MUST NOT make K spin: the listening socket rests
 *   ACCEPT_REST_MS before the next try.
 * - run -it (plan->fg_detach): until the launcher sends CTLP_DETACH, its
 *   connection closing MUST kill the container (keeper_client_close);
 *   after it, P0 MUST NOT be watched or held any more.
 * - A follower that does not keep up MUST be dropped: the container never
 *   waits for it; only the launcher's output waits (keeper_log.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "helper/cgroup.h"
#include "helper/ctlproto.h"
#include "helper/fsutil.h"
#include "helper/keeper.h"
#include "helper/keeper_priv.h"
#include "helper/kexec.h"
#include "helper/log.h"
#include "helper/monitor.h"
#include "lib/cleanup.h"

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

/* Linux 6.13's PIDFD_GET_INFO (linux/pidfd.h): the first version of its
 * structure, all that is asked here. */
struct peer_pidfd_info {
	uint64_t mask;
	uint64_t cgroupid;
	uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid,
	    fsgid, spare0[1];
};
#define PEER_PIDFD_GET_INFO   _IOWR(0xFF, 11, struct peer_pidfd_info)
#define PEER_PIDFD_INFO_CREDS (1UL << 1)

/* The real uid of the process PIDFD refers to, from the kernel's answer
 * about that very process; -1 where the kernel has no such question
 * (before 6.13) or the process is gone. */
static int
pidfd_ruid(int pidfd, uid_t *uid)
{
	struct peer_pidfd_info in;

	memset(&in, 0, sizeof(in));
	in.mask = PEER_PIDFD_INFO_CREDS;
	if (ioctl(pidfd, PEER_PIDFD_GET_INFO, &in) != 0 ||
	    !(in.mask & PEER_PIDFD_INFO_CREDS) || in.ruid == (uint32_t)-1)
		return -1;
	*uid = (uid_t)in.ruid;
	return 0;
}

/* The real uid in PID's /proc/PID/status, read while PIDFD (the same
 * process) is alive after the read.  0, or -1. */
static int
status_ruid(int pidfd, pid_t pid, uid_t *uid)
{
	cleanup_close int fd = -1;
	char path[64], buf[2048], *s, *end;
	ssize_t n;
	unsigned long v;

	if (pidfd < 0 || pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    (n = read(fd, buf, sizeof(buf) - 1)) <= 0)
		return -1;
	buf[n] = '\0';
	if ((s = strstr(buf, "\nUid:\t")) == NULL)
		return -1;
	errno = 0;
	v = strtoul(s + 6, &end, 10);
	if (errno != 0 || end == s + 6 || *end != '\t' || v > 0xfffffffeUL)
		return -1;
	/* The process read is the one the pidfd names: alive after. */
	if (mon_pidfd_signal(pidfd, 0) != 0)
		return -1;
	*uid = (uid_t)v;
	return 0;
}

int
keeper_peer_uid_cred(int sock, uid_t *uid)
{
	struct ucred uc;
	socklen_t l = sizeof(uc);
	cleanup_close int pidfd = -1;
	struct pollfd pf = { sock, POLLRDHUP, 0 };

	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &uc, &l) != 0 ||
	    uc.pid <= 0)
		return -1;
	/* SO_PEERCRED's pid is a number from the connect: once that process
	 * is reaped, another may hold it.  A client holds its end alone
	 * (no launcher forks or passes its ctl socket): that end still open
	 * after pidfd_open means the pidfd names the connected process. */
	pidfd = (int)syscall(SYS_pidfd_open, uc.pid, 0);
	if (pidfd < 0 || poll(&pf, 1, 0) < 0 ||
	    (pf.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0)
		return -1;
	return status_ruid(pidfd, uc.pid, uid);
}

int
keeper_peer_uid(int sock, uid_t *uid)
{
	socklen_t l = sizeof(int);
	cleanup_close int pidfd = -1;

	/* The connected process itself, as the kernel holds it (Linux 6.5
	 * on).  Any refusal but an unknown option is the kernel's word that
	 * the process is gone (or no descriptor was to be had): never the
	 * pid number instead, which another process may hold by now. */
	if (getsockopt(sock, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &l) != 0)
		return errno == ENOPROTOOPT ? keeper_peer_uid_cred(sock, uid) :
					      -1;
	/* One question about that process where the kernel answers it
	 * (6.13 on); else its status, by its pid, the pidfd alive after. */
	if (pidfd_ruid(pidfd, uid) == 0)
		return 0;
	return status_ruid(pidfd, (pid_t)fsutil_fdinfo(pidfd, "Pid"), uid);
}

/* ---- the ctl socket ---- */

void
keeper_client_close(struct client *c)
{
	xclose(&c->fd);
	c->waits = c->follow = c->attached = false;
	if (c != ks.lc)
		return;
	/* The launcher is gone without a detach (P0 died, or could not
	 * keep its connection): a foreground run ends with its front. */
	ks.lc = NULL;
	ks.lpend_len = 0;
	if (ks.fg) {
		syslog(LOG_AUTHPRIV | LOG_NOTICE,
		    "container %s (uid %u): its launcher is gone, killed",
		    ks.name, (unsigned)ks.uid);
		(void)mon_pidfd_signal(ks.initfd, SIGKILL);
	}
}

void
keeper_client_end(struct client *c)
{
	char b[64];

	if (c->fd >= 0) {
		/* Its sends fail from here (EPIPE); a message longer than B
		 * is dropped whole by one recv. */
		(void)shutdown(c->fd, SHUT_RD);
		while (recv(c->fd, b, sizeof(b), MSG_DONTWAIT) > 0)
			;
	}
	keeper_client_close(c);
}

/* An exec's child ended: its status to the client, unless the child
 * sent it (kexec_start). */
void
keeper_exec_done(struct client *c)
{
	siginfo_t si;
	struct ctlp_resp r;

	memset(&si, 0, sizeof(si));
	while (waitid(P_PIDFD, (id_t)c->xpidfd, &si, WEXITED) != 0)
		if (errno != EINTR)
			break;
	xclose(&c->xpidfd);
	xclose(&c->xalive);
	kst.done++;
	if (c->fd < 0)
		return;
	if (si.si_code == CLD_EXITED && si.si_status == KEXEC_ANSWERED) {
		keeper_client_end(c);
		return;
	}
	kexec_resp(&r,
	    si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status);
	keeper_reply(c, &r);
	keeper_client_end(c);
}

void
keeper_reply(struct client *c, const struct ctlp_resp *r)
{
	unsigned char b[CTLP_RESP_LEN];

	ctlp_resp_encode(r, b);
	if (send(c->fd, b, sizeof(b), MSG_NOSIGNAL | MSG_DONTWAIT) !=
	    (ssize_t)sizeof(b))
		keeper_client_close(c);
}

void
keeper_resp_init(struct ctlp_resp *r, uint32_t op, int err)
{
	memset(r, 0, sizeof(*r));
	r->version = CTLP_VERSION;
	r->op = op;
	r->err = err;
	r->status = -1;
	r->running = 1;
}

/* Sends what waits for the launcher; with WAIT_MS > 0, waits that long
 * for room (else the launcher is dropped).  True if nothing waits. */
bool
keeper_launcher_flush(int wait_ms)
{
	while (ks.lc != NULL && ks.lpend_len > 0) {
		struct pollfd pf = { ks.lc->fd, POLLOUT, 0 };
		ssize_t w = send(ks.lc->fd, ks.lpend, ks.lpend_len,
		    MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w == (ssize_t)ks.lpend_len) {
			ks.lpend_len = 0;
			break;
		}
		if (w >= 0 || (errno != EAGAIN && errno != EINTR)) {
			keeper_client_close(ks.lc);
			break;
		}
		if (wait_ms <= 0)
			return false;
		if (poll(&pf, 1, wait_ms) == 0)
			keeper_client_close(ks.lc);
	}
	return true;
}

/* The launcher is the caller's terminal: none of the output is dropped
 * for it; what its socket has no room for waits (serve then stops
 * reading the output, as a terminal stops a foreground run). */
static void
launcher_send(const unsigned char *b, size_t len)
{
	ssize_t w;

	if (!keeper_launcher_flush(LAUNCHER_FLUSH_MS) || ks.lc == NULL)
		return;
	w = send(ks.lc->fd, b, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (w == (ssize_t)len)
		return;
	if (w < 0 && errno == EAGAIN && len <= sizeof(ks.lpend)) {
		memcpy(ks.lpend, b, len);
		ks.lpend_len = len;
		return;
	}
	keeper_client_close(ks.lc);
}

void
keeper_follow_send(const char *buf, size_t len)
{
	unsigned char b[4 + CTLP_DATA_MAX];

	if (len > CTLP_DATA_MAX)
		len = CTLP_DATA_MAX;
	b[0] = (unsigned char)(CTLP_DATA_MAGIC & 0xff);
	b[1] = (unsigned char)((CTLP_DATA_MAGIC >> 8) & 0xff);
	b[2] = (unsigned char)((CTLP_DATA_MAGIC >> 16) & 0xff);
	b[3] = (unsigned char)(CTLP_DATA_MAGIC >> 24);
	memcpy(b + 4, buf, len);
	for (size_t i = 0; i < KEEPER_MAX_CLIENTS; i++) {
		struct client *c = &ks.cl[i];

		if (c == ks.lc) {
			launcher_send(b, len + 4);
			continue;
		}
		/* A follower that does not keep up is dropped: the
		 * container never waits for it. */
		if (c->fd >= 0 && c->follow &&
		    send(c->fd, b, len + 4, MSG_NOSIGNAL | MSG_DONTWAIT) !=
			(ssize_t)(len + 4))
			keeper_client_close(c);
	}
}

/* After a failed accept4 other than a lost connection (EMFILE, ENFILE,
 * ENOMEM: the connection stays pending), the listening socket rests for
 * ACCEPT_REST_MS instead of waking poll at once, again and again. */
#define ACCEPT_REST_MS 100
static struct timespec accept_rest;

/* Milliseconds the listening socket still rests, 0 when it does not. */
int
keeper_accept_rest_left(void)
{
	struct timespec now;
	long long ms;

	if (accept_rest.tv_sec == 0 && accept_rest.tv_nsec == 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(accept_rest.tv_sec - now.tv_sec) * 1000 +
	    (accept_rest.tv_nsec - now.tv_nsec) / 1000000;
	if (ms <= 0) {
		accept_rest.tv_sec = accept_rest.tv_nsec = 0;
		return 0;
	}
	return (int)ms;
}

struct client *
keeper_accept(void)
{
	int fd = accept4(ks.listen, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct client *c = NULL;
	struct ctlp_resp r;
	size_t nfree = 0;
	uid_t uid = (uid_t)-1;
	int err;

	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED) {
			clock_gettime(CLOCK_MONOTONIC, &accept_rest);
			accept_rest.tv_nsec += ACCEPT_REST_MS * 1000000L;
			if (accept_rest.tv_nsec >= 1000000000L) {
				accept_rest.tv_sec++;
				accept_rest.tv_nsec -= 1000000000L;
			}
		}
		return NULL;
	}
	for (size_t i = 0; i < KEEPER_MAX_CLIENTS; i++)
		if (ks.cl[i].fd < 0) {
			if (c == NULL)
				c = &ks.cl[i];
			nfree++;
		}
	/* The last client's place is root's: the owner's execs, followers
	 * and attaches never keep the admin out. */
	if (c == NULL)
		err = CTLP_EBUSY;
	else if (keeper_peer_uid(fd, &uid) != 0)
		err = CTLP_EWHO;
	else if (nfree == 1 && uid != 0)
		err = CTLP_EBUSY;
	else
		err = CTLP_OK;
	if (err != CTLP_OK) {
		struct client tmp = { fd, 0, false, false, 0, -1, -1, false };

		if (err == CTLP_EWHO)
			syslog(LOG_AUTHPRIV | LOG_WARNING,
			    "container %s (uid %u): a client the kernel could not name was refused",
			    ks.name, (unsigned)ks.uid);
		keeper_resp_init(&r, 0, err);
		keeper_reply(&tmp, &r);
		xclose(&tmp.fd);
		return NULL;
	}
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->uid = uid;
	c->xpidfd = c->xalive = -1;
	return c;
}

/* A client of UID on one end of a new socket pair, as one that connected
 * to the ctl socket, served the same way; the other
 * end, blocking, in *PEER, for K to hand out.  NULL when full. */
struct client *
keeper_client_pair(uid_t uid, int *peer)
{
	struct client *c = NULL;
	int sv[2];

	for (size_t i = 0; i < KEEPER_MAX_CLIENTS && c == NULL; i++)
		if (ks.cl[i].fd < 0)
			c = &ks.cl[i];
	if (c == NULL) {
		errno = EBUSY;
		return NULL;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		return NULL;
	if (fcntl(sv[0], F_SETFL, O_NONBLOCK) != 0) {
		close(sv[0]);
		close(sv[1]);
		return NULL;
	}
	memset(c, 0, sizeof(*c));
	c->fd = sv[0];
	c->uid = uid;
	c->xpidfd = c->xalive = -1;
	*peer = sv[1];
	return c;
}

void
keeper_stop_arm(int secs)
{
	struct itimerspec it, old;

	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = secs > 0 ? secs : 0;
	it.it_value.tv_nsec = secs > 0 ? 0 : 1;
	/* A running grace period only gets shorter. */
	if (timerfd_gettime(ks.timer, &old) == 0 &&
	    (old.it_value.tv_sec != 0 || old.it_value.tv_nsec != 0) &&
	    old.it_value.tv_sec < it.it_value.tv_sec)
		return;
	(void)timerfd_settime(ks.timer, 0, &it, NULL);
}

/* Receives one message into B (LEN bytes at most) and up to 3
 * descriptors into FDS (-1 where none). */
static ssize_t
recv_fds(int sock, unsigned char *b, size_t len, int fds[3])
{
	return mon_recv_fds(sock, b, len, MSG_DONTWAIT, fds, 3);
}

static void
close3(int fds[3])
{
	for (int i = 0; i < 3; i++)
		xclose(&fds[i]);
}

/* exec: the payload after the header, the stdio in FDS. */
static void
client_exec(struct client *c, const struct launch_plan *p, struct monitor *m,
    const unsigned char *payload, size_t len, int fds[3])
{
	struct ctlp_exec x;
	struct ctlp_resp r;

	keeper_resp_init(&r, CTLP_EXEC, CTLP_EINVAL);
	if (fds[0] < 0 || fds[1] < 0 || fds[2] < 0 ||
	    ctlp_exec_decode((const char *)payload, len, &x) != 0) {
		close3(fds);
		keeper_reply(c, &r);
		keeper_client_close(c);
		return;
	}
	syslog(LOG_AUTHPRIV | LOG_NOTICE,
	    "container %s (uid %u): exec by uid %u", ks.name, (unsigned)ks.uid,
	    (unsigned)c->uid);
	if (kexec_start(p, m, &x, fds, c->fd, c->uid != 0, &c->xpidfd,
		&c->xalive) < 0) {
		c->xpidfd = c->xalive = -1;
		kst.done++;
		keeper_reply(c, &r);
		keeper_client_close(c);
	}
	ctlp_exec_free(&x);
	close3(fds);
}

/* Input for the pty from an attached client: a data message (the magic,
 * then the bytes). */
static bool
is_data(const unsigned char *b, ssize_t n)
{
	return n >= 4 && b[0] == (CTLP_DATA_MAGIC & 0xff) &&
	    b[1] == ((CTLP_DATA_MAGIC >> 8) & 0xff) &&
	    b[2] == ((CTLP_DATA_MAGIC >> 16) & 0xff) &&
	    b[3] == (CTLP_DATA_MAGIC >> 24);
}

static void
req_kill(struct client *c, struct monitor *m, const struct ctlp_req *q,
    struct ctlp_resp *r)
{
	if (q->arg < 1 || q->arg > 64) {
		r->err = CTLP_EINVAL;
	} else if (mon_pidfd_signal(m->init_pidfd, q->arg) != 0) {
		r->err = CTLP_EINVAL;
	} else {
		syslog(LOG_AUTHPRIV | LOG_NOTICE,
		    "container %s (uid %u): signal %d by uid %u", ks.name,
		    (unsigned)ks.uid, q->arg, (unsigned)c->uid);
	}
	keeper_reply(c, r);
}

/* stop: SIGTERM, then SIGKILL after the grace (stop's timer); answered
 * at the end. */
static void
req_stop(struct client *c, struct monitor *m, const struct ctlp_req *q,
    struct ctlp_resp *r)
{
	if (q->arg < 0 || q->arg > 86400 * 365) {
		r->err = CTLP_EINVAL;
		keeper_reply(c, r);
		return;
	}
	syslog(LOG_AUTHPRIV | LOG_NOTICE,
	    "container %s (uid %u): stop by uid %u", ks.name, (unsigned)ks.uid,
	    (unsigned)c->uid);
	(void)mon_pidfd_signal(m->init_pidfd, SIGTERM);
	keeper_stop_arm(q->arg);
	c->waits = true;
}

/* attach: one client at a time, to a container with a pty. */
static void
req_attach(struct client *c, struct ctlp_resp *r)
{
	if (ks.out[0] >= 0 || ks.src < 0) {
		r->err = CTLP_EINVAL;
		keeper_reply(c, r);
		return;
	}
	for (size_t i = 0; i < KEEPER_MAX_CLIENTS; i++)
		if (ks.cl[i].fd >= 0 && ks.cl[i].attached)
			r->err = CTLP_EBUSY;
	if (r->err == CTLP_OK)
		syslog(LOG_AUTHPRIV | LOG_NOTICE,
		    "container %s (uid %u): attach by uid %u", ks.name,
		    (unsigned)ks.uid, (unsigned)c->uid);
	keeper_reply(c, r);
	if (r->err == CTLP_OK && c->fd >= 0)
		c->waits = c->follow = c->attached = true;
}

/* detach: an attached client leaves; the launcher of run -it leaves the
 * container detached. */
static void
req_detach(struct client *c, struct monitor *m, struct ctlp_resp *r)
{
	if (!c->attached) {
		r->err = CTLP_EINVAL;
		keeper_reply(c, r);
		return;
	}
	if (c == ks.lc) {
		/* A detached container from here: P0 is not watched any more,
		 * its end does not end the container.  Room for the answer
		 * behind the output in flight (P0 reads until it comes). */
		struct pollfd w = { c->fd, POLLOUT, 0 };

		ks.lc = NULL;
		ks.fg = false;
		ks.lpend_len = 0;
		xclose(&m->keeper_sock);
		xclose(&m->front_pidfd);
		syslog(LOG_AUTHPRIV | LOG_NOTICE,
		    "container %s (uid %u): detached from its launcher",
		    ks.name, (unsigned)ks.uid);
		(void)poll(&w, 1, LAUNCHER_FLUSH_MS);
	}
	keeper_reply(c, r);
	keeper_client_close(c);
}

/* winsize: an attached client's terminal size to the pty; no answer. */
static void
req_winsize(struct client *c, const struct ctlp_req *q)
{
	struct winsize ws;

	if (!c->attached)
		return;
	memset(&ws, 0, sizeof(ws));
	ws.ws_row = (unsigned short)((uint32_t)q->arg >> 16);
	ws.ws_col = (unsigned short)((uint32_t)q->arg & 0xffff);
	(void)ioctl(ks.src, TIOCSWINSZ, &ws);
}

/* A valid request of the container's owner or root, other than exec. */
static void
client_op(struct client *c, struct monitor *m, const struct ctlp_req *q)
{
	struct ctlp_resp r;

	keeper_resp_init(&r, q->op, CTLP_OK);
	switch (q->op) {
	case CTLP_STATUS:
		cgroup_current(m->cg, &r.cpu_usec, &r.mem, &r.pids);
		keeper_reply(c, &r);
		return;
	case CTLP_KILL:
		req_kill(c, m, q, &r);
		return;
	case CTLP_STOP:
		req_stop(c, m, q, &r);
		return;
	case CTLP_WAIT:
		c->waits = true;
		return;
	case CTLP_ATTACH:
		req_attach(c, &r);
		return;
	case CTLP_DETACH:
		req_detach(c, m, &r);
		return;
	case CTLP_WINSIZE:
		req_winsize(c, q);
		return;
	case CTLP_FOLLOW:
		r.log_off = ks.log_size;
		keeper_reply(c, &r);
		if (c->fd >= 0)
			c->waits = c->follow = true;
		return;
	default:
		r.err = CTLP_EINVAL;
		keeper_reply(c, &r);
		return;
	}
}

void
keeper_client_request(struct client *c, const struct launch_plan *p,
    struct monitor *m)
{
	static unsigned char b[CTLP_REQ_LEN + CTLP_EXEC_MAX];
	int fds[3];
	ssize_t n = recv_fds(c->fd, b, sizeof(b), fds);
	struct ctlp_req q;
	struct ctlp_resp r;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (c->attached && is_data(b, n)) {
		/* Input for the pty: what does not fit now is dropped, the
		 * keeper never waits on it. */
		close3(fds);
		(void)!write(ks.src, b + 4, (size_t)n - 4);
		return;
	}
	if (n >= CTLP_REQ_LEN && ctlp_req_decode(b, CTLP_REQ_LEN, &q) == 0 &&
	    q.op == CTLP_EXEC && q.version == CTLP_VERSION &&
	    (c->uid == 0 || c->uid == ks.uid) && c->xpidfd < 0) {
		client_exec(c, p, m, b + CTLP_REQ_LEN, (size_t)n - CTLP_REQ_LEN,
		    fds);
		return;
	}
	close3(fds);
	/* Another version: answered so (an exec's request too), except
	 * for the requests every version serves alike (ctlp_op_frozen). */
	if (n >= CTLP_REQ_LEN && ctlp_req_decode(b, CTLP_REQ_LEN, &q) == 0 &&
	    q.version != CTLP_VERSION &&
	    !(n == CTLP_REQ_LEN && ctlp_op_frozen(q.op))) {
		c->op = q.op;
		keeper_resp_init(&r, q.op, CTLP_EVERSION);
		keeper_reply(c, &r);
		return;
	}
	if (n <= 0 || ctlp_req_decode(b, (size_t)n, &q) != 0) {
		keeper_client_close(c);
		return;
	}
	c->op = q.op;
	if (c->uid != 0 && c->uid != ks.uid) {
		keeper_resp_init(&r, q.op, CTLP_EPERM);
		keeper_reply(c, &r);
		keeper_client_close(c);
		return;
	}
	client_op(c, m, &q);
}
