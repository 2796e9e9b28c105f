/*
 * keeper_fg.c: K, the keeper, as the supervisor of a foreground run, and
 * K's one teardown (for every run, on the failure and the success path).
 *
 * K is root in every id, so the caller can neither signal nor trace it;
 * it watches P0 (front.c) through a pidfd and P1 through the pidfd of the
 * clone, and tears everything down when either ends.  A detached run
 * (run -d, run -it, a Slurm step's tasks) is kept by keeper.c instead.
 *
 * Invariants:
 * - K MUST treat whatever P0 sends as at most a request to tear down.
 * - When P0 dies, K MUST kill the container (SIGKILL to its init ends the
 *   whole pid namespace), wait for it and clean up.  With run -it
 *   (plan->fg_detach, keeper.c) this holds until P0 has asked K to
 *   detach: P0 dying, aborting or closing its connection before that
 *   kills the container, and its end leaves no record.
 * - Inside a batch job, K MUST kill the container at most
 *   JOB_TERM_GRACE_MS after a SIGTERM (the scheduler ending the step)
 *   and finish its teardown, so that nothing of it is left for the
 *   scheduler's SIGKILL to strand.
 * - Outside a batch job, K MUST hold none of the caller's stdio once the
 *   status is sent: the teardown that follows is off the path of a pipe's
 *   reader (sshd, a pipeline) as it is off the caller's.
 * - K's teardown MUST be one sequence (keeper_end) for the failure hook
 *   and for the normal end of every run: P1 killed and waited for, layer
 *   locks, cgroup and PAM session released, the end audited once.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helper/audit.h"
#include "helper/auth.h"
#include "helper/cgroup.h"
#include "helper/keeper.h"
#include "helper/layers.h"
#include "helper/log.h"
#include "helper/monitor.h"
#include "helper/mounts.h"
#include "helper/place.h"
#include "helper/ports.h"

/* Inside a batch job: from the keeper's SIGTERM to the container's
 * SIGKILL; well within Slurm's KillWait (default 30 s). */
#define JOB_TERM_GRACE_MS 2000

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

/* The container's mounts, the layer locks, the cgroup, the PAM session
 * released.  Idempotent. */
static void
release(struct monitor *m)
{
	/* The file systems first: the layers stay locked while mounted. */
	monitor_release_mounts(m);
	layers_release(m->locks, m->nlocks);
	m->locks = NULL;
	if (m->cg != NULL)
		cgroup_destroy(m->cg);
	m->cg = NULL;
	if (m->auth != NULL)
		auth_close(m->auth);
	m->auth = NULL;
}

void
keeper_end(struct monitor *m, int status)
{
	if (m->init_pidfd >= 0) {
		siginfo_t si;

		/* Once P1 is reaped: ESRCH, then ECHILD at once. */
		(void)mon_pidfd_signal(m->init_pidfd, SIGKILL);
		while (
		    waitid(P_PIDFD, (id_t)m->init_pidfd, &si, WEXITED) != 0 &&
		    errno == EINTR)
			;
		close(m->init_pidfd);
		m->init_pidfd = -1;
	}
	release(m);
	if (m->ready && m->plan != NULL)
		audit_end(m->plan, status);
	m->ready = false;
}

void
monitor_teardown(void *arg)
{
	keeper_end(arg, CTL_EXIT_FAIL);
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

/* K's watch over a foreground run: what it polls, and where it is. */
enum {
	FG_FRONT_PID,
	FG_FRONT_SOCK,
	FG_INIT_PID,
	FG_INIT_SOCK,
	FG_TERM,
	FG_N
};

struct fg_watch {
	struct pollfd pf[FG_N];
	bool ready;       /* P1 reported its setup done */
	bool front_alive; /* P0 did not die */
	bool killed;      /* SIGKILL sent to P1 */
	int status;
	int wait_ms; /* the batch job's grace running (>= 0), or -1 */
	struct timespec deadline;
};

/* SIGKILL to P1, once. */
static void
fg_kill(struct monitor *m, struct fg_watch *w)
{
	if (!w->killed)
		w->killed = mon_pidfd_signal(m->init_pidfd, SIGKILL) == 0;
}

/* P1 cloned: K drops the container's ends of the wiring, watches P0 and
 * P1 (and, inside a batch job, its own SIGTERM) and lets P1 begin. */
static void
fg_start(struct monitor *m, pid_t init, struct fg_watch *w)
{
	memset(w, 0, sizeof(*w));
	w->front_alive = true;
	w->status = CTL_EXIT_FAIL;
	w->wait_ms = -1;
	m->init_pid = init;
	close(m->alive[0]);
	monitor_relay_close(m);
	w->pf[FG_FRONT_PID] = (struct pollfd){ m->front_pidfd, POLLIN, 0 };
	w->pf[FG_FRONT_SOCK] = (struct pollfd){ m->keeper_sock, POLLIN, 0 };
	w->pf[FG_INIT_PID] = (struct pollfd){ m->init_pidfd, POLLIN, 0 };
	w->pf[FG_INIT_SOCK] = (struct pollfd){ m->init_sock[0], POLLIN, 0 };
	w->pf[FG_TERM] = (struct pollfd){ in_job(m) ? mon_term_fd() : -1,
		POLLIN, 0 };
	/* P1 is in its cgroup already (main.c, step 7).  It cannot be told
	 * to go only when it is gone already (killed at its cgroup's join:
	 * too little memory): not a kill of K's, fg_end says why. */
	if (mon_send(m->init_sock[0], MON_GO, 0, NULL, 0) != 0)
		(void)mon_pidfd_signal(m->init_pidfd, SIGKILL);
}

/* Inside a job: SIGTERM (scancel, the time limit: Slurm sends it to the
 * step's own process, P0, which forwards it here, or to K) leaves the
 * container JOB_TERM_GRACE_MS, then it is killed, so that K is done
 * before the scheduler's SIGKILL. */
static void
fg_term(struct monitor *m, struct fg_watch *w)
{
	struct pollfd *pf = w->pf;

	if (pf[FG_FRONT_SOCK].revents && front_term(m->keeper_sock)) {
		pf[FG_FRONT_SOCK].revents = 0;
		if (in_job(m))
			pf[FG_TERM].revents = POLLIN;
	}
	if (pf[FG_TERM].revents) {
		if (pf[FG_TERM].fd >= 0)
			mon_term_read(pf[FG_TERM].fd);
		if (w->wait_ms < 0 && !w->killed) {
			(void)mon_pidfd_signal(m->init_pidfd, SIGTERM);
			w->wait_ms = JOB_TERM_GRACE_MS;
			clock_gettime(CLOCK_MONOTONIC, &w->deadline);
			w->deadline.tv_sec += JOB_TERM_GRACE_MS / 1000;
		}
	}
	if (w->wait_ms >= 0 && grace_left(w->wait_ms, &w->deadline) == 0) {
		w->wait_ms = -1;
		fg_kill(m, w);
	}
}

/* One round of events; true once P1 is reaped (W->status its status). */
static bool
fg_events(const struct launch_plan *p, struct monitor *m, struct fg_watch *w)
{
	struct pollfd *pf = w->pf;

	fg_term(m, w);
	if (pf[FG_FRONT_PID].revents || pf[FG_FRONT_SOCK].revents) {
		/* P0 died, asked to abort, or hung up: end it all. */
		if (pf[FG_FRONT_PID].revents)
			w->front_alive = false;
		pf[FG_FRONT_PID].fd = pf[FG_FRONT_SOCK].fd = -1;
		fg_kill(m, w);
	}
	/* READY before the exit: P1 may do both in one poll. */
	if (pf[FG_INIT_SOCK].revents) {
		if (!w->ready && !w->killed &&
		    (w->ready = forward_ready(m, w->front_alive, in_job(m)))) {
			audit_grant(p);
			m->plan = p;
			m->ready = true;
		}
		pf[FG_INIT_SOCK].fd = -1;
	}
	if (!pf[FG_INIT_PID].revents)
		return false;
	reap_init(m, &w->status);
	ports_end();
	return true;
}

/* P1 is reaped: the status to P0, then K's teardown. */
static noreturn void
fg_end(struct monitor *m, struct fg_watch *w)
{
	int status = w->ready ? w->status : CTL_EXIT_FAIL;
	bool front_alive = w->front_alive;

	if (!w->ready && !w->killed && front_alive)
		keeper_early_death(w->status);

	/* The normal end, no failure hook from here. */
	log_set_teardown(NULL, NULL);
	/* The caller has the status as soon as nothing of the container
	 * runs; the rest of the teardown is off their path, except inside a
	 * batch job, whose scheduler must find nothing left when the step's
	 * process exits. */
	if (front_alive && !in_job(m)) {
		if (m->cg != NULL)
			cgroup_empty(m->cg);
		(void)mon_send(m->keeper_sock, MON_STATUS, status, NULL, 0);
		front_alive = false;
		/* P0 was just woken, most often onto this CPU: let it
		 * exit before the teardown below, not after it. */
		(void)sched_yield();
	}
	/* Nor does the teardown hold the caller's stdio: a pipe's reader
	 * (sshd for ctr-launch-shell, `| cat`) sees its end with the
	 * status, not after the cgroup's removal. */
	if (!in_job(m))
		stdio_drop();
	keeper_end(m, status);
	if (front_alive)
		(void)mon_send(m->keeper_sock, MON_STATUS, status, NULL, 0);
	_exit(0);
}

void
monitor_keeper(const struct launch_plan *p, struct monitor *m, pid_t init)
{
	struct fg_watch w;

	fg_start(m, init, &w);
	for (;;) {
		if (poll(w.pf, FG_N, grace_left(w.wait_ms, &w.deadline)) < 0) {
			if (errno == EINTR)
				continue;
			die_errno("poll");
		}
		if (fg_events(p, m, &w))
			fg_end(m, &w);
	}
}
