/*
 * monitor.h: the wiring of the three processes of DESIGN section 5: P0
 * (the front, front.h), K (the keeper, keeper.h) and P1 (the container's
 * init, init.h), and the messages between them.
 */
#ifndef CTL_MONITOR_H
#define CTL_MONITOR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <stdnoreturn.h>
#include <sys/types.h>
#include <termios.h>

#include "helper/cgroup.h"
#include "helper/plan.h"

/* One message on a P0-K or K-P1 socket; descriptors ride as SCM_RIGHTS. */
enum mon_type {
	MON_GO = 1,  /* K to P1: setup may begin */
	MON_READY,   /* P1 to K: setup done (+ pty master with -t) */
	MON_RUNNING, /* K to P0: + P1's pidfd (+ pty master); value 1 inside
			a batch job (P0 then waits for K to exit) */
	MON_STATUS,  /* K to P0: value = the exit status */
	MON_ABORT,   /* P0 to K: tear down (never trusted for more) */
	MON_TERM,    /* P0 to K: the caller's SIGTERM, forwarded (in a job,
			K's grace before the kill starts) */
	MON_SIGNAL,  /* P0 to K, a step's container: the signal (value) the
			task got, for every task (keeper_step.c) */
	MON_CLIENT,  /* K to P0: + a connection to a keeper's ctl socket,
			already accepted by that keeper; value 1 when K
			is that keeper (P0 then waits for K to exit) */
	/* K to P0 (run -it, plan->fg_detach): + a client connection of the
	 * container's keeper, attached to its pty (keeper_ctl.c), + P1's pidfd */
	MON_ATTACHED,
	MON_JOINED, /* P1 to K (v1): P1 is in the container's cgroup */
	/* P1 to K, run -d: the payload's execve done (value 0), or its
	 * failure's status (126, 127); run -d then fails with it. */
	MON_STARTED,
};

struct mon_msg {
	uint32_t type;
	int32_t value;
};

struct monitor {
	pid_t keeper_pid; /* P0: K */
	/* K: the caller's scheduling and oom_score_adj as K found them
	 * (place.h), for an exec's process */
	const struct place_sched *sched;
	int front_sock;   /* P0's end of the P0-K socket */
	int keeper_sock;  /* K's end of it */
	int front_pidfd;  /* K: P0's pidfd, opened before the fork */
	int keeper_cg;    /* P0: the cgroup K is cloned into, or -1 */
	int init_sock[2]; /* K-P1: [0] K's end, [1] P1's end */
	int alive[2];     /* pipe: [0] P1 reads (POLLHUP: K died), [1] K */
	int init_pidfd;   /* K: P1's pidfd */
	int init_mntns;   /* K: P1's mount namespace, held (monitor_hold) */
	pid_t init_pid;
	struct winsize ws; /* -t: the caller's window size, if any */
	bool has_ws;
	/* Without -t, a pipe per fd 0-2 that is a terminal (fd 0 only with
	 * -i), relayed by P0: [fd][0] the read end, [fd][1] the write end.
	 * After the fork P0 holds only its ends (the read ends of 1 and 2,
	 * the write end of 0), K only the container's, until P1 is cloned;
	 * -1 where fd passes directly. */
	int relay[3][2];
	/* P0: the modes of the terminals among fds 0-2 before the fork. */
	struct termios term[3];
	bool has_term[3];
	int *locks; /* K: the image's layer locks */
	size_t nlocks;
	struct cgroup *cg; /* K: the container's cgroup (cgroup.h) */
	struct auth *auth; /* K: the PAM session (auth.h) */
	const struct launch_plan *plan; /* K: for the audit end */
	bool ready;                     /* K: P1 reported its setup done */
};

/*
 * All P1 receives from K: built by K just before the clone
 * (monitor_wiring) and taken by init_start in P1, which closes K's own
 * descriptors (KFDS) and releases its copies of the layer locks first.
 * From there on P1 uses nothing of struct monitor (main.c, init.c).
 */
struct place;
struct place_sched;

struct init_wiring {
	int sock;     /* P1's end of the K-P1 socket */
	int alive;    /* the liveness pipe's read end (POLLHUP: K died) */
	int relay[3]; /* the container's ends of the relay pipes, or -1 */
	int kfds[4];  /* K's own ends, closed first in P1 (-1: none) */
	int *locks;   /* P1's copies of K's layer locks (layers.h) */
	size_t nlocks;
	struct winsize ws; /* -t: the caller's window size, if HAS_WS */
	bool has_ws;
	struct cgroup *cg; /* the container's cgroup (cgroup.h) */
	/* v1: the files P1 joins that cgroup by, first thing (-1: none;
	 * cloned into it, v2) */
	int join[CGROUP_NCTL];
	/* P1 was cloned into that cgroup (v2); else P1 joins it itself and
	 * says so (MON_JOINED).  Set in both processes after the clone. */
	bool placed;
	struct place *pl;             /* the caller's scheduling (place.h) */
	const struct rlimit *rlimits; /* the payload's (auth.h) */
	char *const *env;             /* the payload's environment (auth.h) */
};

/* K, just before the clone: P1's wiring from the monitor and PL, and on
 * v1 the files P1 joins the container's cgroup by (cgroup_join_open). */
void monitor_wiring(const struct monitor *m, struct place *pl,
    struct init_wiring *w);
/* K, just after the clone: closes K's copies of the files P1 joins by
 * and P1's end of the K-P1 socket; unless P1 was cloned into its cgroup,
 * waits for P1's word that it joined it.  False when P1 ended first (its
 * reason on the caller's stderr): K then finds that end as for any early
 * end of P1, without a word of its own. */
bool monitor_init_joined(struct monitor *m, struct init_wiring *w);

/* P0: forks K.  Returns 0 in K (now root entirely, in its own session)
 * and K's pid in P0. */
pid_t monitor_fork_keeper(const struct launch_plan *p, struct monitor *m);
/* K, step 7, before the clone: layer locks, the K-P1 socket and pipe. */
void monitor_prepare_init(const struct launch_plan *p, struct monitor *m);

/* K: hold P1's mount namespace (INIT, its unreaped child), so that P1's
 * exit does not unmount the container's file systems on the caller's
 * path; monitor_release_mounts drops it in K's teardown. */
void monitor_hold_mounts(struct monitor *m, pid_t init);
void monitor_release_mounts(struct monitor *m);
/* K, once P1 is cloned: closes K's ends of the relay pipes (P1's alone
 * from here). */
void monitor_relay_close(struct monitor *m);

/* Inside a batch job: SIGTERM (blocked since step 0) through a signalfd,
 * and draining it. */
int mon_term_fd(void);
void mon_term_read(int fd);
/* A signalfd for every signal (all are blocked since step 0). */
int mon_signalfd(int flags);
/* SIG to the process of PIDFD (pidfd_send_signal); 0, or -1. */
int mon_pidfd_signal(int pidfd, int sig);
/* Message helpers (FD -1 for none; *FD -1 when none came). */
int
mon_send(int sock, uint32_t type, int32_t value, const int *fds, size_t nfds);
ssize_t mon_recv(int sock, struct mon_msg *msg, int *fds, size_t maxfds);
/* The one sender of descriptors over a unix socket: BUF (LEN bytes, one
 * datagram, all sent or -1) with FDS (at most MON_RECV_MAXFDS) as
 * SCM_RIGHTS.  EINTR is retried. */
int mon_send_fds(int sock, const void *buf, size_t len, const int *fds,
    size_t nfds);
/* The one receiver of descriptors over a unix socket (the keeper's
 * messages, ctl requests, exec's pty master): one datagram of at most LEN
 * bytes into BUF, and up to MAXFDS (at most MON_RECV_MAXFDS) descriptors
 * into FDS, close-on-exec, -1 where none came; extra ones are closed.
 * FLAGS as recvmsg(2); EINTR is retried; a truncated message or control
 * part is an error (EMSGSIZE) and leaves no descriptor open. */
#define MON_RECV_MAXFDS 4
ssize_t mon_recv_fds(int sock, void *buf, size_t len, int flags, int *fds,
    size_t maxfds);

#endif
