/*
 * keeper_priv.h: what the pieces of K's detached life share (keeper.c,
 * keeper_name.c, keeper_step.c, keeper_log.c, keeper_ctl.c): K's state
 * and the functions one piece offers the others.  K's own; nothing else
 * includes it.
 */
#ifndef CTL_KEEPER_PRIV_H
#define CTL_KEEPER_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "helper/ctlproto.h"
#include "helper/keeper.h"
#include "helper/monitor.h"
#include "helper/plan.h"

/* One connection to the ctl socket (or a socket pair K handed out). */
struct client {
	int fd;
	uid_t uid;
	bool waits;  /* STOP, WAIT, FOLLOW: answered at the end */
	bool follow; /* gets the log's new bytes */
	uint32_t op;
	int xpidfd;    /* exec: the child reporting the status, or -1 */
	int xalive;    /* exec: its liveness pipe's write end */
	bool attached; /* attach: its input goes to the pty */
};

/* A client's socket that takes a whole message from the log within this
 * long at the container's end (the launcher's last output), else it is
 * dropped. */
#define LAUNCHER_FLUSH_MS 5000
/* At most this much output is read once the container has ended. */
#define KEEPER_DRAIN_MAX (1024 * 1024)

/* K's state as the keeper of a detached container (keeper.c). */
struct kstate {
	int udir;     /* RUNDIR/ctr-launch/c/u<uid> */
	int dir;      /* the state directory (flocked) */
	int logdir;   /* STATEDIR/ctr-launch/logs/u<uid> */
	int log;      /* the log file */
	int out[2];   /* the container's output pipe, without -t */
	int src;      /* what K reads: out[0] or the pty master */
	int listen;   /* the ctl socket */
	int timer;    /* stop's grace time */
	bool created; /* the state directory is ours */
	bool running; /* P1 reported ready */
	bool low;     /* writing stopped: file system short of space */
	uint64_t log_size, cap;
	uint64_t lost; /* bytes a failed write of the log dropped */
	int lost_err;  /* its errno */
	uid_t uid;
	char name[PLAN_NAME_MAX + 1];
	struct client cl[KEEPER_MAX_CLIENTS];
	/* run -it (plan->fg_detach): the launcher, P0's attached client,
	 * while it is connected; FG while it has not detached (a foreground
	 * run: the launcher's loss kills the container, its end leaves no
	 * record).  What the launcher's socket had no room for waits in
	 * LPEND, and the output is not read meanwhile. */
	struct client *lc;
	bool fg;
	bool fg_detach; /* run -it detaches (keeper_wanted) */
	int initfd;     /* P1's pidfd */
	unsigned char lpend[4 + CTLP_DATA_MAX];
	size_t lpend_len;
};
extern struct kstate ks;

/* run --step-tasks: a Slurm step's tasks on this node share one container
 * (its P1 holds the namespaces; every task is an exec into it);
 * keeper_step.c. */
struct kstep {
	unsigned tasks; /* the step's local tasks; 0: not a step's container */
	unsigned done;  /* tasks whose exec ended */
	char ids[64];   /* "J.S", from K's own cgroup path */
	bool killed;
	bool idle; /* no task runs: the container ends at idle_at */
	struct timespec idle_at;
};
extern struct kstep kst;

static inline void
xclose(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* ---- keeper_name.c: the name, the state directory, the records ---- */

/* K's state for the caller of P (uid, name), the user's directories
 * opened; the clients' slots empty. */
void keeper_state_init(const struct launch_plan *p, const char *name);
/* Takes NAME under the user's lock: true if this K created it (and holds
 * its flock), false if it exists. */
bool keeper_take_name(const struct launch_plan *p, const char *name);
/* The state directory's files and the directory itself (and WITH_LOG the
 * log and its index); the user's empty directories after the last. */
void keeper_remove_state(bool with_log);

/* ---- keeper_step.c: a Slurm step's shared container ---- */

/* The step's container ends when all its tasks' execs have ended, or
 * when none has run for a while; poll's timeout until then, -1 without. */
int keeper_step_check(struct monitor *m);
/* The first task's P0 and the scheduler: their events (revents of P0's
 * pidfd, of its socket, of the SIGTERM signalfd TERM). */
void keeper_step_front(struct monitor *m, short pid_ev, short sock_ev,
    short term_ev, int term);

/* ---- keeper_log.c: the log and its index ---- */

/* K, before the clone: the log file and its index (the cap shared by
 * them); without -t, the one pipe of stdout and stderr, K's read end
 * the source of the log, the write end P1's in M's relay. */
void keeper_log_open(const struct launch_plan *p, struct monitor *m);
/* P1: the log's descriptors closed. */
void keeper_log_close(void);
/* LEN bytes the container wrote: to the followers and the log. */
void keeper_log_append(const char *buf, size_t len);
/* Reads what the container wrote; false at its end (EOF, or EIO of a pty
 * whose slaves are all closed). */
bool keeper_log_read(void);
/* One read of what is there now: the bytes taken, 0 when none (nothing
 * now, the end, an error). */
size_t keeper_log_take(void);

/* ---- keeper_ctl.c: the clients of the ctl socket ---- */

void keeper_client_close(struct client *c);

/* keeper_name.c: the user's lock (the flock of RUNDIR/.../u<uid>), which
 * the user's own commands take and a stopped one could hold for ever:
 * taken within KEEPER_LOCK_MS, else false (a root process outside every
 * per-user total never waits on the caller without end). */
#define KEEPER_LOCK_MS 10000
#define KEEPER_LOCK_BUSY                                                  \
	"your containers' directory is held by another command of yours " \
	"that does not end (10 s): try again"
bool keeper_lock_user(void);
/* After C's last answer: takes no more of its bytes and drops those it
 * sent unread (which, left at the close, would reset its connection
 * before it read the answer), then closes it. */
void keeper_client_end(struct client *c);
/* An exec's child ended: its status to the client. */
void keeper_exec_done(struct client *c);
void keeper_reply(struct client *c, const struct ctlp_resp *r);
void keeper_resp_init(struct ctlp_resp *r, uint32_t op, int err);
/* Sends what waits for the launcher; with WAIT_MS > 0, waits that long
 * for room (else the launcher is dropped).  True if nothing waits. */
bool keeper_launcher_flush(int wait_ms);
/* The log's new bytes to the launcher and every follower. */
void keeper_follow_send(const char *buf, size_t len);
/* Milliseconds the listening socket still rests, 0 when it does not. */
int keeper_accept_rest_left(void);
/* A new client of the ctl socket, its caller known; NULL when none came
 * or it was refused. */
struct client *keeper_accept(void);
/* A client of UID on one end of a new socket pair, as one that connected
 * to the ctl socket, served the same way; the other end, blocking, in
 * *PEER, for K to hand out.  NULL when full. */
struct client *keeper_client_pair(uid_t uid, int *peer);
/* SIGKILL to the container in SECS (0: at once), unless a grace period
 * running ends sooner. */
void keeper_stop_arm(int secs);
/* One message of client C: a request, or input for the pty. */
void keeper_client_request(struct client *c, const struct launch_plan *p,
    struct monitor *m);

#endif
