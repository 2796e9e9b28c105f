/*
 * portrelay.c: the port forwarder's relay (DESIGN section 11): once
 * ports.c has set the forwarder up in the container's network namespace
 * and dropped it to the caller, accepts on the -p host sockets and moves
 * each connection's bytes to 127.0.0.1:PORT inside, and back.
 *
 * One epoll loop; per connection, a socket on each side and a pipe per
 * direction, the bytes moved with splice(2).  Runs with no privilege
 * (creds_drop, filter_load_forwarder): it makes no privileged call.
 *
 * Invariants:
 * - On a loopback address, unless publish_access = any, a connection
 *   MUST be forwarded only when the connecting socket's owner (looked up
 *   with NETLINK_SOCK_DIAG in the host's namespace) is the caller; any
 *   other is closed and counted (conn_refused).
 * - At most max_connections connections at once; more are accepted and
 *   closed at once, counted (conn_dropped).  Buffering is bounded by one
 *   pipe per direction.
 * - A half-close MUST be passed on (SHUT_WR after the last byte), so a
 *   client that shuts its write side still gets the whole reply.
 * - A connection MUST NOT keep the forwarder awake without moving a byte:
 *   a socket error (a reset) closes it, and a side that hung up leaves
 *   the epoll set, which reports hang-ups whatever the interest.
 * - A client of the caller's connecting over IPv4 from an IPv6 socket
 *   (::ffff:127.0.0.1, as dual-stack programs do) MUST be recognised as
 *   the caller's, by the same exact-connection lookup.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "helper/log.h"
#include "helper/portrelay.h"

#define PORTS_ACCEPTS 64 /* accepts per listener per wakeup */
#define PORTS_EVENTS  128

struct conn {
	int fd[2];      /* 0: the client (host), 1: the service (inside) */
	int pipe[2][2]; /* direction d: fd[d] -> pipe[d] -> fd[1 - d] */
	size_t inpipe[2];
	size_t cap[2];
	bool eof[2];  /* fd[d] sent its last byte */
	bool full[2]; /* pipe[d] took no more: wait for the other side */
	bool shut[2]; /* SHUT_WR done on fd[1 - d] */
	bool hup[2];  /* fd[d] hung up: out of the epoll set */
	bool connecting, closed;
	uint32_t mask[2]; /* current epoll interest of fd[0], fd[1] */
	struct evsrc src[2];
	struct conn *next_dead;
};

static void
count(uint64_t *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

/* M's source address is the one REQ asked for: byte for byte, or, for an
 * IPv4 connection made from an IPv6 socket (a dual-stack client's), as
 * the IPv4-mapped address ::ffff:a.b.c.d that such a socket reports. */
static bool
same_src(const struct inet_diag_msg *m, const struct inet_diag_req_v2 *req)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff };
	const unsigned char *got = (const unsigned char *)m->id.idiag_src;

	if (memcmp(m->id.idiag_src, req->id.idiag_src,
		sizeof(m->id.idiag_src)) == 0)
		return true;
	return req->sdiag_family == AF_INET && m->idiag_family == AF_INET6 &&
	    memcmp(got, mapped, sizeof(mapped)) == 0 &&
	    memcmp(got + 12, req->id.idiag_src, 4) == 0;
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
		    !same_src(m, &req.r))
			return -1;
		return (long)m->idiag_uid;
	}
	return -1;
}

static void
conn_close(struct portrelay *f, struct conn *c)
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
set_mask(struct portrelay *f, struct conn *c, int s, uint32_t want)
{
	struct epoll_event ev = { want, { .ptr = &c->src[s] } };

	if (c->hup[s] || c->mask[s] == want)
		return 0;
	c->mask[s] = want;
	return epoll_ctl(f->ep, EPOLL_CTL_MOD, c->fd[s], &ev);
}

/* Interest: read fd[s] while its pipe has room, write it while the other
 * direction's pipe holds bytes. */
static int
update(struct portrelay *f, struct conn *c)
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

/* The pending error of socket FD (reading it clears it); -1 when it
 * cannot be read. */
static int
sock_error(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		return -1;
	return err;
}

/* fd[S] hung up: nothing more can be written to it, and what it still
 * holds to read is read as the other side takes it.  Epoll reports a
 * hang-up whatever the interest, so fd[S] leaves the set: the other
 * side's events move the rest. */
static int
hung_up(struct portrelay *f, struct conn *c, int s)
{
	if (c->hup[s])
		return 0;
	c->hup[s] = true;
	return epoll_ctl(f->ep, EPOLL_CTL_DEL, c->fd[s], NULL);
}

/* A side that hung up and whose last byte went on: nothing is left for
 * the connection to carry. */
static bool
spent(const struct conn *c, int s)
{
	return c->hup[s] && c->eof[s] && c->inpipe[s] == 0 && c->shut[s];
}

static void
conn_event(struct portrelay *f, struct conn *c, int s, uint32_t ev)
{
	if (c->closed)
		return;
	if (c->connecting) {
		if (s == 0) { /* the client left before the service answered */
			if (ev & (EPOLLERR | EPOLLHUP)) {
				count(&f->stats->failed);
				conn_close(f, c);
			}
			return;
		}
		if (!(ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		if (sock_error(c->fd[1]) != 0) {
			count(&f->stats->failed);
			conn_close(f, c);
			return;
		}
		c->connecting = false;
		count(&f->stats->forwarded);
	}
	if ((ev & EPOLLERR) && sock_error(c->fd[s]) != 0) {
		count(&f->stats->broken);
		conn_close(f, c);
		return;
	}
	if (pump(c, 0) != 0 || pump(c, 1) != 0 || update(f, c) != 0 ||
	    ((ev & EPOLLHUP) && hung_up(f, c, s) != 0)) {
		count(&f->stats->broken);
		conn_close(f, c);
	} else if ((c->shut[0] && c->shut[1]) || (c->hup[0] && c->hup[1]) ||
	    spent(c, 0) || spent(c, 1)) {
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
conn_new(struct portrelay *f, size_t i, int cfd)
{
	const struct policy_publish *v = &f->p->ports[i];
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct epoll_event ev;
	struct conn *c;

	if (f->active >= f->p->max_connections) {
		count(&f->stats->dropped);
		close(cfd);
		return;
	}
	if (v->loopback && !f->p->publish_any) {
		struct sockaddr_storage peer, local;
		socklen_t pl = sizeof(peer), ll = sizeof(local);

		if (getpeername(cfd, (struct sockaddr *)&peer, &pl) != 0 ||
		    getsockname(cfd, (struct sockaddr *)&local, &ll) != 0 ||
		    peer_uid(f->diag, &peer, &local) != (long)f->p->uid) {
			count(&f->stats->refused);
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
		count(&f->stats->failed);
		conn_close(f, c);
		return;
	}
	in.sin_port = htons(v->port);
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(c->fd[1], (struct sockaddr *)&in, sizeof(in)) != 0 &&
	    errno != EINPROGRESS) {
		count(&f->stats->failed);
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
accept_all(struct portrelay *f, size_t i)
{
	for (int k = 0; k < PORTS_ACCEPTS; k++) {
		int cfd = accept4(f->lfd[i], NULL, NULL,
		    SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (cfd < 0)
			return; /* EAGAIN, or a client gone already */
		conn_new(f, i, cfd);
	}
}

void
portrelay_listen(struct portrelay *f, const int *lfds, size_t n)
{
	if ((f->ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		die_errno("port forwarder: epoll");
	for (size_t i = 0; i < n; i++) {
		struct epoll_event ev = { EPOLLIN, { .ptr = &f->lsrc[i] } };

		f->lfd[i] = lfds[i];
		f->lsrc[i] = (struct evsrc){ 0, (int)i, NULL };
		if (epoll_ctl(f->ep, EPOLL_CTL_ADD, lfds[i], &ev) != 0)
			die_errno("port forwarder: epoll_ctl");
	}
}

noreturn void
portrelay_run(struct portrelay *f)
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
