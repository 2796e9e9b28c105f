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
 * with splice(2) through a pipe per direction (portrelay.c, which holds
 * the invariants of the relay itself: the owner check on loopback,
 * max_connections, half-closes).  No iptables, no bridge, nothing changed
 * in the host's network configuration.
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
 * - K MUST NOT keep the listening sockets once the forwarder has them, so
 *   that the forwarder's death frees the ports; the forwarder's early
 *   death is reported in the audit end line.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/sched.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
#include "helper/portrelay.h"
#include "helper/ports.h"

#define PORTS_BACKLOG  4096
#define PORTS_FD_PER_C 6 /* two sockets, two pipes */

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
forwarder(const struct launch_plan *p, struct place *pl, int init_pidfd,
    const int join[CGROUP_NCTL], int ready, int alive)
{
	struct portrelay f;
	struct rlimit rl;
	int keep[POLICY_PUBLISH_MAX + 3];
	size_t nk = 0;

	log_set_teardown(NULL, NULL);
	log_set_child();
	/* v1: into the container's cgroups before anything else. */
	(void)cgroup_join(join);
	/* The caller's oom_score_adj, nice and I/O priority, not K's; the
	 * placement's descriptors closed (before close_others, whose new
	 * descriptors could take their numbers). */
	place_enter(pl);
	for (size_t i = 0; i < nlfds; i++)
		keep[nk++] = lfds[i];
	keep[nk++] = init_pidfd;
	keep[nk++] = ready;
	keep[nk++] = alive;
	close_others(keep, nk);
	memset(&f, 0, sizeof(f));
	f.p = p;
	f.stats = stats;
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
	portrelay_listen(&f, lfds, nlfds);
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
	portrelay_run(&f);
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
	int ready[2], alive[2], join[CGROUP_NCTL];
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
	if (pipe2(ready, O_CLOEXEC) != 0 || pipe2(alive, O_CLOEXEC) != 0)
		die_errno("pipe2");
	/* v2: cloned into the container's cgroup; v1: it joins by itself,
	 * first thing (cgroup_join_open). */
	if (cgroup_join_open_if(cg, cgfd < 0, join) != 0)
		die_errno("port forwarder: the container's cgroup");
	fwd_pid = clone_into(cgfd, &fwd_pidfd);
	if (fwd_pid < 0)
		die_errno("cannot start the port forwarder");
	if (fwd_pid == 0) {
		close(ready[0]);
		close(alive[1]);
		forwarder(p, pl, init_pidfd, join, ready[1], alive[0]);
	}
	cgroup_join_close(join);
	close(ready[1]);
	close(alive[0]);
	fwd_alive = alive[1];
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
