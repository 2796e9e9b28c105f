/*
 * keeper_step.c: run --step-tasks, a Slurm step's tasks on this node
 * sharing one container: the first task's K keeps it (P1 holding its
 * namespaces, every task an exec into it), the others join it; the
 * container's end when its tasks have ended, and the signals of the
 * first task's front and of the scheduler.
 *
 * Invariants:
 * - The name MUST come from K's own cgroup path (slurm-JOB.STEP), never
 *   from the command line, and MUST be refused outside a batch job's
 *   confinement; a task MUST join only a container whose record carries
 *   its own job and step ids, and MUST refuse any other of that name.
 * - A step's container MUST end when its tasks have (all N execs ended,
 *   or none running for STEP_IDLE_MS), and when the first task's front
 *   dies; the first task's front MUST exit only after K has torn it down.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "helper/args.h"
#include "helper/ctlproto.h"
#include "helper/jobids.h"
#include "helper/keeper.h"
#include "helper/keeper_priv.h"
#include "helper/log.h"
#include "helper/monitor.h"
#include "helper/place.h"

#define STEP_WAIT_S  60 /* for the step's container to be ready */
#define STEP_IDLE_MS 10000
#define STEP_GRACE_S 2 /* SIGTERM in the job: then the kill */

struct kstep kst;

/* The step's container DIR, when its record says it is this step's (its
 * K wrote the ids from its own cgroup path) and it runs: a connection
 * accepted by its K (a status round trip: K checks who connected while
 * this K still lives).  -1 while it is not ready. */
static int
step_join(const struct launch_plan *p, int dir)
{
	static char buf[KEEPER_INFO_MAX];
	struct ctlp_info info = { 0 };
	struct ctlp_req q = { CTLP_VERSION, CTLP_STATUS, 0 };
	struct ctlp_resp r;
	unsigned char b[CTLP_RESP_LEN + 1];
	struct timeval tv = { STEP_WAIT_S, 0 }, none = { 0, 0 };
	ssize_t n = keeper_record_read(dir, "info", buf, sizeof(buf));
	int sock;

	if (n < 0)
		return -1; /* being created */
	if (ctlp_info_parse(buf, (size_t)n, &info) != 0 ||
	    strcmp(info.step, kst.ids) != 0)
		deny(
		    "run --step-tasks refused: your container %s is not step %s's own (ctr-launch rm -f %s)",
		    ks.name, kst.ids, ks.name);
	if (faccessat(dir, "exit", F_OK, AT_SYMLINK_NOFOLLOW) == 0 ||
	    (sock = keeper_connect(dir)) < 0)
		return -1; /* ending: its name comes free */
	ctlp_req_encode(&q, b);
	if (setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    send(sock, b, CTLP_REQ_LEN, MSG_NOSIGNAL) != CTLP_REQ_LEN ||
	    (n = recv(sock, b, sizeof(b), 0)) <= 0 ||
	    ctlp_resp_decode(b, (size_t)n, &r) != 0 || r.err != CTLP_OK ||
	    !r.running ||
	    setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none)) !=
		0) {
		close(sock);
		return -1;
	}
	return sock;
}

void
keeper_step(const struct launch_plan *p, struct place *pl, struct monitor *m)
{
	char job[32], step[32], name[PLAN_NAME_MAX + 1];
	struct timespec until, now;

	if (!pl->job)
		deny(
		    "run --step-tasks refused: only the tasks of a Slurm job step share a container (not inside a job's confinement)");
	if (job_ids(pl->path, job, sizeof(job), step, sizeof(step)) != 0)
		deny("run --step-tasks refused: no job and step ids in %s",
		    pl->path);
	snprintf(kst.ids, sizeof(kst.ids), "%s.%s", job, step);
	/* The name comes from the kernel's cgroup path, never from the
	 * command line; set here, before P1 exists. */
	if (snprintf(name, sizeof(name), "slurm-%s", kst.ids) >=
		(int)sizeof(name) ||
	    !args_valid_name(name))
		deny("run --step-tasks refused: job %s step %s give no name",
		    job, step);
	kst.tasks = p->step_tasks;
	keeper_state_init(p, name);
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += STEP_WAIT_S;
	for (;;) {
		struct timespec pause = { 0, 5 * 1000 * 1000 };
		int dir, sock = -1;

		if (keeper_take_name(p, ks.name))
			return; /* this task's K keeps the container */
		dir = openat(ks.udir, ks.name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dir >= 0) {
			sock = step_join(p, dir);
			close(dir);
		}
		if (sock >= 0) {
			/* P0 back where it was, then an exec client of the
			 * step's K; this K is done. */
			syslog(LOG_AUTHPRIV | LOG_NOTICE,
			    "container %s (uid %u): a task of step %s joins",
			    ks.name, (unsigned)p->uid, kst.ids);
			log_set_teardown(NULL, NULL);
			place_release(pl);
			if (mon_send(m->keeper_sock, MON_CLIENT, 0, &sock, 1) !=
			    0)
				die_errno(
				    "cannot hand the step's container to the task");
			_exit(0);
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > until.tv_sec)
			die("run --step-tasks: the container of step %s was not ready within %d s",
			    kst.ids, STEP_WAIT_S);
		(void)nanosleep(&pause, NULL);
	}
}

/* A step's container (kst.tasks): it ends when all its tasks' execs have
 * ended, or when none has run for STEP_IDLE_MS (a task that never came);
 * poll's timeout until then, -1 without. */
int
keeper_step_check(struct monitor *m)
{
	struct timespec now;
	bool running = false;
	long long ms;

	if (kst.tasks == 0 || kst.killed)
		return -1;
	for (size_t i = 0; i < KEEPER_MAX_CLIENTS; i++)
		running |= ks.cl[i].xpidfd >= 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (running || kst.done == 0) {
		kst.idle = false;
	} else if (!kst.idle) {
		kst.idle = true;
		kst.idle_at = now;
		kst.idle_at.tv_sec += STEP_IDLE_MS / 1000;
	}
	ms = (long long)(kst.idle_at.tv_sec - now.tv_sec) * 1000 +
	    (kst.idle_at.tv_nsec - now.tv_nsec) / 1000000;
	if (kst.done >= kst.tasks || (kst.idle && ms <= 0)) {
		kst.killed = true;
		(void)mon_pidfd_signal(m->init_pidfd, SIGKILL);
		return -1;
	}
	return kst.idle ? (int)ms : -1;
}

/* A step's container: the first task's P0 and the scheduler.  Its
 * signals go to every task (P1 passes them on), SIGTERM as K's own;
 * anything else from P0, or its death, ends the container, as in the
 * foreground. */
void
keeper_step_front(struct monitor *m, short pid_ev, short sock_ev, short term_ev,
    int term)
{
	bool gone = pid_ev != 0, terminate = term_ev != 0;

	if (sock_ev) {
		struct mon_msg msg = { 0, 0 };
		int fd[1];
		ssize_t n = mon_recv(m->keeper_sock, &msg, fd, 1);

		if (fd[0] >= 0)
			close(fd[0]);
		if (n <= 0 || (msg.type != MON_SIGNAL && msg.type != MON_TERM))
			gone = true;
		else if (msg.type == MON_TERM || msg.value == SIGTERM)
			terminate = true;
		else if (msg.value > 0 && msg.value < 65 &&
		    msg.value != SIGKILL && msg.value != SIGSTOP)
			(void)mon_pidfd_signal(m->init_pidfd, msg.value);
	}
	if (terminate) {
		/* Slurm ends the step: SIGTERM to every task, what is left
		 * killed after the grace. */
		if (term >= 0 && term_ev)
			mon_term_read(term);
		(void)mon_pidfd_signal(m->init_pidfd, SIGTERM);
		keeper_stop_arm(STEP_GRACE_S);
	}
	if (gone) {
		xclose(&m->front_pidfd);
		xclose(&m->keeper_sock);
		(void)mon_pidfd_signal(m->init_pidfd, SIGKILL);
	}
}
