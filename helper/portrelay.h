/*
 * portrelay.h: between ports.c, which sets the port forwarder up (K's
 * side, the namespace, the drop), and portrelay.c, its relay loop.
 * Private to the two.
 */
#ifndef CTL_PORTRELAY_H
#define CTL_PORTRELAY_H

#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>

#include "helper/plan.h"

/* Counters the forwarder keeps in a mapping shared with K (read by K at
 * the end as plain numbers, never trusted for more). */
struct fwd_stats {
	uint64_t forwarded, refused, dropped, failed, broken;
};

struct conn;

/* What an epoll event points at: a listener, or one side of a conn. */
struct evsrc {
	int kind; /* 0: listener IDX; 1: side IDX of C */
	int idx;
	struct conn *c;
};

/* The relay's state; ports.c sets P, DIAG and STATS, zero elsewhere. */
struct portrelay {
	const struct launch_plan *p;
	struct fwd_stats *stats;
	int ep;
	int diag; /* NETLINK_SOCK_DIAG, in the host's namespace */
	int lfd[POLICY_PUBLISH_MAX]; /* the listening sockets, by -p */
	struct evsrc lsrc[POLICY_PUBLISH_MAX];
	size_t active;
	struct conn *dead;
};

/* The forwarder, before its drop: an epoll instance watching LFDS[0..N),
 * the listening sockets of P's ports in their order.  Dies on failure. */
void portrelay_listen(struct portrelay *f, const int *lfds, size_t n);
/* The forwarder, dropped and filtered: relays until it is killed (or
 * _exits on an epoll failure). */
noreturn void portrelay_run(struct portrelay *f);

#endif
