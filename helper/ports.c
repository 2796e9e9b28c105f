/*
 * ports.c: the private network and published ports (DESIGN section 11),
 * on K's side and in the forwarder.
 *
 * K binds every -p host socket as root once P1 is cloned and before it
 * lets P1 start (ports_bind), then forks the forwarder (ports_start): a
 * process placed in the container's cgroup that enters the container's
 * network namespace through P1's pidfd, brings lo up there, drops to the
 * caller and loads a seccomp filter of its own; then, for each accepted
 * connection, it connects to 127.0.0.1:PORT inside and moves the bytes
 * with splice(2) through a pipe per direction.  No iptables, no bridge,
 * nothing changed in the host's network configuration.
 *
 * Invariants:
 * - Every host socket MUST be bound before the container runs anything; a
 *   port in use or an address not on the host MUST end the launch (125)
 *   naming the port, with nothing left (K's teardown).  No SO_REUSEPORT.
 * - The forwarder MUST have dropped every privilege before it touches a
 *   connection: the caller's uid, gid and groups, no capability in any
 *   set, no_new_privs, not dumpable, PDEATHSIG tied to K, its own seccomp
 *   filter (filter_load_forwarder), the caller's oom_score_adj and
 *   scheduling (never K's -1000), and it MUST live in the container's
 *   cgroup so that it dies with the container.
 * - On a loopback address, unless publish_access = any, a connection
 *   MUST be forwarded only when the connecting socket's owner (looked up
 *   with NETLINK_SOCK_DIAG in the host's namespace) is the caller; any
 *   other is closed and counted (conn_refused).
 * - At most max_connections connections at once; more are accepted and
 *   closed at once, counted (conn_dropped).  Buffering is bounded by one
 *   pipe per direction.
 * - A half-close MUST be passed on (SHUT_WR after the last byte), so a
 *   client that shuts its write side still gets the whole reply.
 * - K MUST NOT keep the listening sockets once the forwarder has them, so
 *   that the forwarder's death frees the ports; the forwarder's early
 *   death is reported in the audit end line.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sched.h>
#include <linux/sock_diag.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper/audit.h"
#include "helper/cgroup.h"
#include "helper/creds.h"
#include "helper/filter.h"
#include "helper/log.h"
#include "helper/place.h"
#include "helper/ports.h"

#define PORTS_BACKLOG  4096
#define PORTS_ACCEPTS  64 /* accepts per listener per wakeup */
#define PORTS_EVENTS   128
#define PORTS_FD_PER_C 6 /* two sockets, two pipes */

/* Counters the forwarder keeps in a mapping shared with K (read by K at
 * the end as plain numbers, never trusted for more). */
struct fwd_stats {
	uint64_t forwarded, refused, dropped, failed, broken;
};

/* K's state: one forwarder per K. */
static int lfds[POLICY_PUBLISH_MAX];
static size_t nlfds;
static pid_t fwd_pid = -1;
static int fwd_pidfd = -1;
static int fwd_alive = -1; /* K's end: its close is the forwarder's POLLHUP */
static struct fwd_stats *stats;

static void
fill_addr(const struct policy_publish *v, uint16_t port,
    struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (v->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, v->addr, 16);
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, v->addr, 4);
		*len = sizeof(*s4);
	}
}

void
ports_bind(const struct launch_plan *p)
{
	for (size_t i = 0; i < p->nports; i++) {
		const struct policy_publish *v = &p->ports[i];
		struct sockaddr_storage ss;
		socklen_t len;
		int one = 1, fd;

		fd = socket(v->family,
		    SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			die_errno("-p %s:%u: socket", v->addrtext, v->hostport);
		lfds[nlfds++] = fd;
		/* SO_REUSEADDR only lets a port in TIME_WAIT be bound again;
		 * on Linux it never shares a listening port. */
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
			sizeof(one)) != 0 ||
		    (v->family == AF_INET6 &&
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
			    sizeof(one)) != 0))
			die_errno("-p %s:%u: setsockopt", v->addrtext,
			    v->hostport);
		fill_addr(v, v->hostport, &ss, &len);
		if (bind(fd, (struct sockaddr *)&ss, len) != 0) {
			if (errno == EADDRINUSE)
				die("-p %s:%u:%u refused: host port %u is already in use",
				    v->addrtext, v->hostport, v->port,
				    v->hostport);
			if (errno == EADDRNOTAVAIL)
				die("-p %s:%u:%u refused: %s is not an address of this host",
				    v->addrtext, v->hostport, v->port,
				    v->addrtext);
			die_errno("-p %s:%u:%u: cannot bind host port %u",
			    v->addrtext, v->hostport, v->port, v->hostport);
		}
		if (listen(fd, PORTS_BACKLOG) != 0)
			die_errno("-p %s:%u: listen", v->addrtext, v->hostport);
	}
}

/* ---- the forwarder ---- */

struct conn;

/* What an epoll event points at: a listener, or one side of a conn. */
struct evsrc {
	int kind; /* 0: listener IDX; 1: side IDX of C */
	int idx;
	struct conn *c;
};

struct conn {
	int fd[2];      /* 0: the client (host), 1: the service (inside) */
	int pipe[2][2]; /* direction d: fd[d] -> pipe[d] -> fd[1 - d] */
	size_t inpipe[2];
	size_t cap[2];
	bool eof[2];  /* fd[d] sent its last byte */
	bool full[2]; /* pipe[d] took no more: wait for the other side */
	bool shut[2]; /* SHUT_WR done on fd[1 - d] */
	bool connecting, closed;
	uint32_t mask[2]; /* current epoll interest of fd[0], fd[1] */
	struct evsrc src[2];
	struct conn *next_dead;
};

struct fwd {
	const struct launch_plan *p;
	int ep;
	int diag; /* NETLINK_SOCK_DIAG, in the host's namespace */
	struct evsrc lsrc[POLICY_PUBLISH_MAX];
	size_t active;
	struct conn *dead;
};

static void
count(uint64_t *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

/*
 * The uid owning the socket whose local end is PEER and remote end LOCAL
 * (the client socket of an accepted connection), or -1.
 */
static long
peer_uid(int diag, const struct sockaddr_storage *peer,
    const struct sockaddr_storage *local)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req;
	union {
		char buf[8192];
		struct nlmsghdr align;
	} u;
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	static uint32_t seq;
	ssize_t n;

	memset(&req, 0, sizeof(req));
	req.nlh.nlmsg_len = sizeof(req);
	req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.nlh.nlmsg_flags = NLM_F_REQUEST;
	req.nlh.nlmsg_seq = ++seq;
	req.r.sdiag_family = (uint8_t)peer->ss_family;
	req.r.sdiag_protocol = IPPROTO_TCP;
	req.r.idiag_states = ~0u;
	req.r.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	req.r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	if (peer->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)peer;
		const struct sockaddr_in *b = (const struct sockaddr_in *)local;

		req.r.id.idiag_sport = a->sin_port;
		req.r.id.idiag_dport = b->sin_port;
		memcpy(req.r.id.idiag_src, &a->sin_addr, 4);
		memcpy(req.r.id.idiag_dst, &b->sin_addr, 4);
	} else {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)
		    peer;
		const struct sockaddr_in6 *b = (const struct sockaddr_in6 *)
		    local;

		req.r.id.idiag_sport = a->sin6_port;
		req.r.id.idiag_dport = b->sin6_port;
		memcpy(req.r.id.idiag_src, &a->sin6_addr, 16);
		memcpy(req.r.id.idiag_dst, &b->sin6_addr, 16);
	}
	if (sendto(diag, &req, sizeof(req), 0, (struct sockaddr *)&nl,
		sizeof(nl)) != (ssize_t)sizeof(req))
		return -1;
	while ((n = recv(diag, u.buf, sizeof(u.buf), 0)) < 0 && errno == EINTR)
		;
	if (n < (ssize_t)sizeof(struct nlmsghdr))
		return -1;
	for (struct nlmsghdr *h = &u.align; NLMSG_OK(h, (size_t)n);
	     h = NLMSG_NEXT(h, n)) {
		const struct inet_diag_msg *m;

		if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
		    h->nlmsg_seq != seq ||
		    h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
			return -1;
		m = NLMSG_DATA(h);
		/* Exactly the client socket: never a listener that the
		 * kernel's lookup falls back to, never another tuple. */
		if (m->idiag_state == TCP_LISTEN ||
		    m->id.idiag_sport != req.r.id.idiag_sport ||
		    m->id.idiag_dport != req.r.id.idiag_dport ||
		    memcmp(m->id.idiag_src, req.r.id.idiag_src,
			sizeof(m->id.idiag_src)) != 0)
			return -1;
		return (long)m->idiag_uid;
	}
	return -1;
}

static void
conn_close(struct fwd *f, struct conn *c)
{
	if (c->closed)
		return;
	c->closed = true;
	for (int d = 0; d < 2; d++) {
		if (c->fd[d] >= 0)
			close(c->fd[d]);
		for (int e = 0; e < 2; e++)
			if (c->pipe[d][e] >= 0)
				close(c->pipe[d][e]);
	}
	f->active--;
	c->next_dead = f->dead;
	f->dead = c;
}

/* Moves what it can in direction D; -1 on a connection error. */
static int
pump(struct conn *c, int d)
{
	for (;;) {
		bool progress = false;
		ssize_t n;

		if (!c->eof[d] && c->inpipe[d] < c->cap[d]) {
			n = splice(c->fd[d], NULL, c->pipe[d][1], NULL,
			    c->cap[d] - c->inpipe[d],
			    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				c->inpipe[d] += (size_t)n;
				progress = true;
			} else if (n == 0) {
				c->eof[d] = progress = true;
			} else if (errno == EAGAIN) {
				c->full[d] = c->inpipe[d] > 0;
			} else if (errno != EINTR) {
				return -1;
			}
		}
		if (c->inpipe[d] > 0) {
			n = splice(c->pipe[d][0], NULL, c->fd[1 - d], NULL,
			    c->inpipe[d], SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				c->inpipe[d] -= (size_t)n;
				c->full[d] = false;
				progress = true;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				return -1;
			}
		}
		if (c->eof[d] && c->inpipe[d] == 0 && !c->shut[d]) {
			if (shutdown(c->fd[1 - d], SHUT_WR) != 0 &&
			    errno != ENOTCONN)
				return -1;
			c->shut[d] = true;
		}
		if (!progress)
			return 0;
	}
}

static int
set_mask(struct fwd *f, struct conn *c, int s, uint32_t want)
{
	struct epoll_event ev = { want, { .ptr = &c->src[s] } };

	if (c->mask[s] == want)
		return 0;
	c->mask[s] = want;
	return epoll_ctl(f->ep, EPOLL_CTL_MOD, c->fd[s], &ev);
}

/* Interest: read fd[s] while its pipe has room, write it while the other
 * direction's pipe holds bytes. */
static int
update(struct fwd *f, struct conn *c)
{
	if (c->connecting)
		return set_mask(f, c, 0, 0) | set_mask(f, c, 1, EPOLLOUT);
	for (int s = 0; s < 2; s++) {
		uint32_t want = 0;

		if (!c->eof[s] && !c->full[s] && c->inpipe[s] < c->cap[s])
			want |= EPOLLIN;
		if (c->inpipe[1 - s] > 0)
			want |= EPOLLOUT;
		if (set_mask(f, c, s, want) != 0)
			return -1;
	}
	return 0;
}

static void
conn_event(struct fwd *f, struct conn *c, int s, uint32_t ev)
{
	if (c->closed)
		return;
	if (c->connecting) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (s == 0) { /* the client left before the service answered */
			if (ev & (EPOLLERR | EPOLLHUP)) {
				count(&stats->failed);
				conn_close(f, c);
			}
			return;
		}
		if (!(ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		if (getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &err, &len) !=
			0 ||
		    err != 0) {
			count(&stats->failed);
			conn_close(f, c);
			return;
		}
		c->connecting = false;
		count(&stats->forwarded);
	}
	if (pump(c, 0) != 0 || pump(c, 1) != 0 || update(f, c) != 0) {
		count(&stats->broken);
		conn_close(f, c);
	} else if (c->shut[0] && c->shut[1]) {
		conn_close(f, c);
	}
}

static int
pipe_pair(struct conn *c, int d)
{
	int sz;

	if (pipe2(c->pipe[d], O_CLOEXEC | O_NONBLOCK) != 0)
		return -1;
	sz = fcntl(c->pipe[d][0], F_GETPIPE_SZ);
	c->cap[d] = sz > 0 ? (size_t)sz : 4096;
	return 0;
}

/* A new client on listener I: checked, then connected inside. */
static void
conn_new(struct fwd *f, size_t i, int cfd)
{
	const struct policy_publish *v = &f->p->ports[i];
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct epoll_event ev;
	struct conn *c;

	if (f->active >= f->p->max_connections) {
		count(&stats->dropped);
		close(cfd);
		return;
	}
	if (v->loopback && !f->p->publish_any) {
		struct sockaddr_storage peer, local;
		socklen_t pl = sizeof(peer), ll = sizeof(local);

		if (getpeername(cfd, (struct sockaddr *)&peer, &pl) != 0 ||
		    getsockname(cfd, (struct sockaddr *)&local, &ll) != 0 ||
		    peer_uid(f->diag, &peer, &local) != (long)f->p->uid) {
			count(&stats->refused);
			close(cfd);
			return;
		}
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(cfd);
		return;
	}
	f->active++;
	c->fd[0] = cfd;
	c->fd[1] = c->pipe[0][0] = c->pipe[0][1] = c->pipe[1][0] =
	    c->pipe[1][1] = -1;
	c->connecting = true;
	if (pipe_pair(c, 0) != 0 || pipe_pair(c, 1) != 0 ||
	    (c->fd[1] = socket(AF_INET,
		 SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0) {
		count(&stats->failed);
		conn_close(f, c);
		return;
	}
	in.sin_port = htons(v->port);
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(c->fd[1], (struct sockaddr *)&in, sizeof(in)) != 0 &&
	    errno != EINPROGRESS) {
		count(&stats->failed);
		conn_close(f, c);
		return;
	}
	for (int s = 0; s < 2; s++) {
		c->src[s] = (struct evsrc){ 1, s, c };
		c->mask[s] = s == 1 ? EPOLLOUT : 0;
		ev = (struct epoll_event){ c->mask[s], { .ptr = &c->src[s] } };
		if (epoll_ctl(f->ep, EPOLL_CTL_ADD, c->fd[s], &ev) != 0) {
			conn_close(f, c);
			return;
		}
	}
}

static void
accept_all(struct fwd *f, size_t i)
{
	for (int k = 0; k < PORTS_ACCEPTS; k++) {
		int cfd = accept4(lfds[i], NULL, NULL,
		    SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (cfd < 0)
			return; /* EAGAIN, or a client gone already */
		conn_new(f, i, cfd);
	}
}

static noreturn void
forward(struct fwd *f)
{
	struct epoll_event evs[PORTS_EVENTS];

	for (;;) {
		int n = epoll_wait(f->ep, evs, PORTS_EVENTS, -1);

		if (n < 0 && errno != EINTR)
			_exit(CTL_EXIT_FAIL);
		for (int i = 0; i < n; i++) {
			struct evsrc *s = evs[i].data.ptr;

			if (s->kind == 0)
				accept_all(f, (size_t)s->idx);
			else
				conn_event(f, s->c, s->idx, evs[i].events);
		}
		while (f->dead != NULL) {
			struct conn *c = f->dead;

			f->dead = c->next_dead;
			free(c);
		}
	}
}

/* lo up in the current network namespace (root in it still). */
static void
lo_up(void)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		die_errno("private network: socket");
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0)
		die_errno("private network: lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0)
		die_errno("private network: bringing lo up");
	close(s);
}

/* Closes every descriptor but 0-2 and the KEEP ones. */
static void
close_others(int *keep, size_t n)
{
	unsigned from = 3;

	for (size_t i = 1; i < n; i++) /* sort: n is small */
		for (size_t j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
			int t = keep[j];

			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < (int)from)
			continue;
		if ((unsigned)keep[i] > from &&
		    close_range(from, (unsigned)keep[i] - 1, 0) != 0)
			die_errno("close_range");
		from = (unsigned)keep[i] + 1;
	}
	if (close_range(from, ~0u, 0) != 0)
		die_errno("close_range");
}

/* The forwarder process: never returns. */
static noreturn void
forwarder(const struct launch_plan *p, struct place *pl, int init_pidfd, int go,
    int ready, int alive)
{
	struct fwd f;
	struct rlimit rl;
	int keep[POLICY_PUBLISH_MAX + 4];
	size_t nk = 0;
	char c = 0;

	log_set_teardown(NULL, NULL);
	log_set_child();
	/* The caller's oom_score_adj, nice and I/O priority, not K's; the
	 * placement's descriptors closed (before close_others, whose new
	 * descriptors could take their numbers). */
	place_enter(pl);
	for (size_t i = 0; i < nlfds; i++)
		keep[nk++] = lfds[i];
	keep[nk++] = init_pidfd;
	keep[nk++] = ready;
	keep[nk++] = alive;
	if (go >= 0)
		keep[nk++] = go;
	close_others(keep, nk);
	/* v1: wait until K placed this process in the container's cgroups. */
	if (go >= 0 && (read(go, &c, 1) != 1 || close(go) != 0))
		_exit(CTL_EXIT_FAIL);
	memset(&f, 0, sizeof(f));
	f.p = p;
	f.diag = -1;
	if (p->nports > 0 &&
	    (f.diag = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
		 NETLINK_SOCK_DIAG)) < 0)
		die_errno("port forwarder: sock_diag socket");
	if (setns(init_pidfd, CLONE_NEWNET) != 0)
		die_errno("port forwarder: entering the container's network");
	close(init_pidfd);
	lo_up();
	if (p->nports == 0) {
		/* --network private alone: lo is all there is to do. */
		if (write(ready, "R", 1) != 1)
			_exit(CTL_EXIT_FAIL);
		_exit(0);
	}
	rl.rlim_cur = rl.rlim_max = p->max_connections * PORTS_FD_PER_C +
	    POLICY_PUBLISH_MAX + 64;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		die_errno("port forwarder: RLIMIT_NOFILE");
	if ((f.ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		die_errno("port forwarder: epoll");
	for (size_t i = 0; i < nlfds; i++) {
		struct epoll_event ev = { EPOLLIN, { .ptr = &f.lsrc[i] } };

		f.lsrc[i] = (struct evsrc){ 0, (int)i, NULL };
		if (epoll_ctl(f.ep, EPOLL_CTL_ADD, lfds[i], &ev) != 0)
			die_errno("port forwarder: epoll_ctl");
	}
	creds_drop(p, alive);
	creds_verify(p);
	filter_load_forwarder();
	if (write(ready, "R", 1) != 1)
		_exit(CTL_EXIT_FAIL);
	close(ready);
	/* Nothing of the caller's terminal from here on. */
	close(0);
	close(1);
	close(2);
	forward(&f);
}

static pid_t
clone_into(int cgroup_fd, int *pidfd)
{
	struct clone_args ca;
	pid_t pid;

	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_PIDFD;
	if (cgroup_fd >= 0) {
		ca.flags |= CLONE_INTO_CGROUP;
		ca.cgroup = (uint64_t)cgroup_fd;
	}
	ca.pidfd = (uint64_t)(uintptr_t)pidfd;
	ca.exit_signal = SIGCHLD;
	pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	/* Without clone3 (v1 only: v2 needs CLONE_INTO_CGROUP), clone; with
	 * CLONE_PIDFD the pidfd lands at parent_tid (x86-64 argument order). */
	if (pid < 0 && errno == ENOSYS && cgroup_fd < 0)
		pid = (pid_t)syscall(SYS_clone,
		    (unsigned long)CLONE_PIDFD | SIGCHLD, NULL, pidfd, NULL, 0);
	return pid;
}

void
ports_start(const struct launch_plan *p, int init_pidfd, struct cgroup *cg,
    struct place *pl)
{
	int ready[2], alive[2], go[2] = { -1, -1 };
	int cgfd = cgroup_clone_fd(cg);
	char c;
	ssize_t n;

	if (p->net != PLAN_NET_PRIVATE)
		return;
	stats = mmap(NULL, sizeof(*stats), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (stats == MAP_FAILED)
		die_errno("port forwarder: mmap");
	memset(stats, 0, sizeof(*stats));
	if (pipe2(ready, O_CLOEXEC) != 0 || pipe2(alive, O_CLOEXEC) != 0 ||
	    (cgfd < 0 && pipe2(go, O_CLOEXEC) != 0))
		die_errno("pipe2");
	fwd_pid = clone_into(cgfd, &fwd_pidfd);
	if (fwd_pid < 0)
		die_errno("cannot start the port forwarder");
	if (fwd_pid == 0) {
		close(ready[0]);
		close(alive[1]);
		if (go[1] >= 0)
			close(go[1]);
		forwarder(p, pl, init_pidfd, go[0], ready[1], alive[0]);
	}
	close(ready[1]);
	close(alive[0]);
	fwd_alive = alive[1];
	if (go[0] >= 0) {
		close(go[0]);
		cgroup_attach(cg, fwd_pid);
		if (write(go[1], "G", 1) != 1)
			die_errno("port forwarder: starting");
		close(go[1]);
	}
	while ((n = read(ready[0], &c, 1)) < 0 && errno == EINTR)
		;
	close(ready[0]);
	if (n != 1)
		die("the port forwarder failed to start");
	/* The forwarder holds the listening sockets now; K does not. */
	for (size_t i = 0; i < nlfds; i++)
		close(lfds[i]);
	if (p->nports == 0) {
		siginfo_t si;

		while (waitid(P_PIDFD, (id_t)fwd_pidfd, &si, WEXITED) != 0 &&
		    errno == EINTR)
			;
		close(fwd_pidfd);
		fwd_pidfd = -1;
		fwd_pid = -1;
	}
}

void
ports_end(void)
{
	struct audit_forward a;
	siginfo_t si;

	if (fwd_pidfd < 0)
		return;
	memset(&a, 0, sizeof(a));
	memset(&si, 0, sizeof(si));
	/* Still running (the normal case: it never ends by itself), or
	 * ended before the container did. */
	if (waitid(P_PIDFD, (id_t)fwd_pidfd, &si, WEXITED | WNOHANG) == 0 &&
	    si.si_pid != 0) {
		a.died = true;
		if (si.si_code == CLD_EXITED)
			a.status = si.si_status;
		else
			a.signal = si.si_status;
	} else {
		(void)syscall(SYS_pidfd_send_signal, fwd_pidfd, SIGKILL, NULL,
		    0);
		while (waitid(P_PIDFD, (id_t)fwd_pidfd, &si, WEXITED) != 0 &&
		    errno == EINTR)
			;
	}
	close(fwd_pidfd);
	fwd_pidfd = -1;
	if (fwd_alive >= 0)
		close(fwd_alive);
	fwd_alive = -1;
	a.forwarded = __atomic_load_n(&stats->forwarded, __ATOMIC_RELAXED);
	a.refused = __atomic_load_n(&stats->refused, __ATOMIC_RELAXED);
	a.dropped = __atomic_load_n(&stats->dropped, __ATOMIC_RELAXED);
	a.failed = __atomic_load_n(&stats->failed, __ATOMIC_RELAXED);
	a.broken = __atomic_load_n(&stats->broken, __ATOMIC_RELAXED);
	audit_forward(&a);
}
