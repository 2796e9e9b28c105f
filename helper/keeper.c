/*
 * keeper.c: K as the supervisor of a detached container (run -d, DESIGN
 * section 10): the life of the container once P1 is cloned, until the
 * exit record and the teardown.
 *
 * K takes the container's name (keeper_name.c), holds the read end of its
 * output (or the pty master with -t) and appends it to a capped log
 * (keeper_log.c), and answers the lifecycle commands (ctl.c) on a unix
 * socket in the state directory, for the container's owner and root only
 * (keeper_ctl.c).  A Slurm step's tasks share one such container
 * (keeper_step.c).
 *
 * Invariants:
 * - P0 MUST exit 0 with the name only after P1 reported its setup done;
 *   any earlier failure reaches P0 as before (125 and the reason) and
 *   gives the name back.
 * - Once detached K MUST hold nothing of the caller's session: stdio on
 *   /dev/null, no descriptor of P0, not the caller's working directory.
 * - run -it (plan->fg_detach): the launcher MUST be attached before any
 *   output is read; until it sends CTLP_DETACH, its connection closing,
 *   P0's death or any message from P0 MUST kill the container, and the
 *   container's end MUST leave no record (the status goes to the
 *   launcher); after it, P0 MUST NOT be watched or held any more.
 * - A failure of K's setup before P0 is told, the detach included, MUST
 *   give exit 125 with the reason and leave nothing (no state directory,
 *   no log), the name free.
 * - When the container ends K MUST write the exit record before it
 *   answers any waiter, then tear down as the foreground keeper does
 *   (keeper_end, keeper_fg.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "helper/audit.h"
#include "helper/cgroup.h"
#include "helper/ctlproto.h"
#include "helper/keeper.h"
#include "helper/keeper_priv.h"
#include "helper/log.h"
#include "helper/monitor.h"
#include "helper/place.h"
#include "helper/ports.h"

struct kstate ks = { -1, -1, -1, -1, { -1, -1 }, -1, -1, -1, false, false,
	false, 0, 0, 0, 0, 0, "", { { -1, 0, false, false, 0, -1, -1, false } },
	NULL, false, false, -1, { 0 }, 0 };

/* ---- before the clone ---- */

/* The log, its pipe and the ctl socket (keeper.h). */
void
keeper_prepare(const struct launch_plan *p, struct monitor *m)
{
	char path[64];
	struct sockaddr_un sa;

	keeper_log_open(p, m);
	ks.listen = socket(AF_UNIX,
	    SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (ks.listen < 0)
		die_errno("socket");
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	/* Through the directory's descriptor: no path is resolved twice. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d/ctl", ks.dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	(void)unlinkat(ks.dir, "ctl", 0);
	if (bind(ks.listen, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(ks.listen, 16) != 0)
		die_errno("ctl socket of %s", ks.name);
	if ((ks.timer = timerfd_create(CLOCK_MONOTONIC,
		 TFD_CLOEXEC | TFD_NONBLOCK)) < 0)
		die_errno("timerfd_create");
}

/* ---- the end ---- */

static int
reap(struct monitor *m)
{
	siginfo_t si;
	struct rusage ru;

	memset(&si, 0, sizeof(si));
	memset(&ru, 0, sizeof(ru));
	while (
	    syscall(SYS_waitid, P_PIDFD, m->init_pidfd, &si, WEXITED, &ru) != 0)
		if (errno != EINTR)
			die_errno("waitid");
	audit_rusage(&ru);
	if (si.si_code == CLD_EXITED)
		return si.si_status;
	return 128 + si.si_status;
}

void
keeper_early_death(int status)
{
	int sig = status - 128;

	if (sig > 0 && sig < 65)
		warnmsg(
		    "the container was killed by SIG%s before its command started%s",
		    sigabbrev_np(sig) != NULL ? sigabbrev_np(sig) : "?",
		    sig == SIGKILL ? " (too little memory for it?)" : "");
}

static void
write_exit(int status)
{
	struct ctlp_exit e = { status, (int64_t)time(NULL) };
	char buf[256];
	int n = ctlp_exit_format(&e, buf, sizeof(buf));

	if (n < 0 || keeper_record_write(ks.dir, "exit", buf, (size_t)n) != 0)
		syslog(LOG_AUTHPRIV | LOG_ERR,
		    "container %s (uid %u): cannot write its exit record",
		    ks.name, (unsigned)ks.uid);
}

static void
write_info(const struct launch_plan *p)
{
	struct ctlp_info i;
	char buf[KEEPER_INFO_MAX];
	int n;

	memset(&i, 0, sizeof(i));
	i.uid = p->uid;
	snprintf(i.name, sizeof(i.name), "%s", ks.name);
	snprintf(i.image, sizeof(i.image), "%s", p->image->name);
	ctlp_join(p->argv, i.command, sizeof(i.command));
	i.created = (int64_t)time(NULL);
	i.keeper = getpid();
	i.tty = p->tty_wanted;
	i.rm = p->auto_remove;
	i.exec_account = true;
	snprintf(i.step, sizeof(i.step), "%s", kst.ids);
	/* -p for ps, as Docker shows it; K's record, never the container's. */
	for (size_t j = 0; j < p->nports; j++) {
		char one[128];
		size_t o = strlen(i.ports);

		portplan_format(&p->ports[j], one, sizeof(one));
		snprintf(i.ports + o, sizeof(i.ports) - o, "%s%s",
		    j > 0 ? "," : "", one);
	}
	if ((n = ctlp_info_format(&i, buf, sizeof(buf))) < 0 ||
	    keeper_record_write(ks.dir, "info", buf, (size_t)n) != 0)
		die_errno("container %s: its record", ks.name);
}

static noreturn void
finish(const struct launch_plan *p, struct monitor *m, int status)
{
	struct ctlp_resp r;

	/* P1 is reaped: the forwarder's counts for the end line, and no
	 * port stays bound past the container (ports.c). */
	ports_end();
	/* The last output first, to the launcher too.  What the container
	 * wrote is in its pipe or pty already, its writers dead with
	 * its pid namespace: read until nothing is there, never until the
	 * end, which a process outside (the caller's, holding the pty's
	 * slave or a descriptor passed out) could put off for ever; and at
	 * most KEEPER_DRAIN_MAX bytes, which such a process could keep
	 * coming.  Then the source is closed: its writes fail. */
	if (ks.src >= 0) {
		size_t left = KEEPER_DRAIN_MAX, n;

		while (left > 0 && keeper_launcher_flush(LAUNCHER_FLUSH_MS) &&
		    (n = keeper_log_take()) > 0)
			left -= n < left ? n : left;
		xclose(&ks.src);
	}
	(void)keeper_launcher_flush(LAUNCHER_FLUSH_MS);
	write_exit(status);
	log_set_teardown(NULL, NULL);
	/* A foreground run's front has the status once nothing of the
	 * container runs, as without a keeper (keeper_fg.c). */
	if (ks.lc != NULL && m->cg != NULL)
		cgroup_empty(m->cg);
	/* The launcher is answered as any waiter from here. */
	ks.lc = NULL;
	for (size_t i = 0; i < KEEPER_MAX_CLIENTS; i++) {
		struct client *c = &ks.cl[i];

		if (c->xpidfd >= 0) {
			/* The command's process died with the container's
			 * pid namespace; the keeper's child, in the host's,
			 * may still be in PAM's account check (a slow
			 * directory): it ends now, not the teardown later. */
			(void)mon_pidfd_signal(c->xpidfd, SIGKILL);
			keeper_exec_done(c);
			continue;
		}
		if (c->fd < 0)
			continue;
		if (c->waits) {
			keeper_resp_init(&r, c->op, CTLP_OK);
			r.running = 0;
			r.status = status;
			r.log_off = ks.log_size;
			keeper_reply(c, &r);
		}
		keeper_client_end(c);
	}
	xclose(&ks.listen);
	(void)unlinkat(ks.dir, "ctl", 0);
	/* K's teardown, as a foreground run's (keeper_fg.c): the end
	 * audited with the status. */
	keeper_end(m, status);
	/* --rm, or a foreground run that ended before its launcher
	 * detached: no record is left. */
	if (p->auto_remove || ks.fg)
		keeper_remove_state(true);
	_exit(0);
}

/* ---- before the detach: P0 waits ---- */

/* Detaches from the caller: stdio on /dev/null, not the caller's working
 * directory.  Before P0 is told: any failure here still reaches the
 * caller (125 and the reason, on *ERR, a copy of the caller's stderr) and
 * gives the name back; *OUT is a copy of the caller's stdout, for the
 * name. */
static void
detach(int *out, int *err)
{
	int fd;

	if ((*err = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3)) < 0)
		die_errno("dup");
	log_set_stderr_fd(*err);
	if ((*out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)) < 0)
		die_errno("dup");
	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
		die_errno("/dev/null");
	for (int i = 0; i < 3; i++)
		if (dup3(fd, i, 0) != i)
			die_errno("dup3");
	close(fd);
	/* Nor the caller's working directory (a file system it would keep
	 * busy for weeks). */
	if (chdir("/") != 0)
		die_errno("chdir /");
}

/* P1's readiness: the pty master with -t.  False if it failed. */
static bool
take_ready(const struct launch_plan *p, struct monitor *m)
{
	struct mon_msg msg = { 0, 0 };
	int fds[1];
	ssize_t n = mon_recv(m->init_sock[0], &msg, fds, 1);

	if (n <= 0 || msg.type != MON_READY) {
		if (fds[0] >= 0)
			close(fds[0]);
		return false;
	}
	if (p->tty_wanted) {
		if (fds[0] < 0)
			return false;
		ks.src = fds[0];
		if (fcntl(ks.src, F_SETFL, O_NONBLOCK) != 0)
			die_errno("fcntl");
	} else if (fds[0] >= 0) {
		close(fds[0]);
	}
	return true;
}

/* Until P1 is ready: P0's death or abort ends it; what the container
 * writes meanwhile (its setup's errors) also goes to the caller. */
static bool
wait_ready(const struct launch_plan *p, struct monitor *m, int *status)
{
	enum {
		FRONT_PID,
		FRONT_SOCK,
		INIT_PID,
		INIT_SOCK,
		OUT,
		N
	};
	struct pollfd pf[N];
	bool killed = false;

	pf[FRONT_PID] = (struct pollfd){ m->front_pidfd, POLLIN, 0 };
	pf[FRONT_SOCK] = (struct pollfd){ m->keeper_sock, POLLIN, 0 };
	pf[INIT_PID] = (struct pollfd){ m->init_pidfd, POLLIN, 0 };
	pf[INIT_SOCK] = (struct pollfd){ m->init_sock[0], POLLIN, 0 };
	pf[OUT] = (struct pollfd){ ks.out[0], POLLIN, 0 };
	/* Not told to go: P1 is gone already (keeper_early_death). */
	if (mon_send(m->init_sock[0], MON_GO, 0, NULL, 0) != 0)
		(void)mon_pidfd_signal(m->init_pidfd, SIGKILL);
	for (;;) {
		if (poll(pf, N, -1) < 0) {
			if (errno == EINTR)
				continue;
			die_errno("poll");
		}
		if (pf[FRONT_PID].revents || pf[FRONT_SOCK].revents) {
			pf[FRONT_PID].fd = pf[FRONT_SOCK].fd = -1;
			if (!killed)
				killed = mon_pidfd_signal(m->init_pidfd,
					     SIGKILL) == 0;
		}
		if (pf[INIT_SOCK].revents) {
			pf[INIT_SOCK].fd = -1;
			if (!killed && take_ready(p, m))
				return true;
		}
		if (pf[OUT].revents) {
			char buf[4096];
			ssize_t n = read(ks.out[0], buf, sizeof(buf));

			if (n > 0) {
				keeper_log_append(buf, (size_t)n);
				(void)!write(STDERR_FILENO, buf, (size_t)n);
			} else if (n == 0) {
				pf[OUT].fd = -1;
			}
		}
		if (pf[INIT_PID].revents) {
			*status = reap(m);
			/* K's own kill (P0 gone) is no death to tell. */
			if (killed)
				*status = CTL_EXIT_FAIL;
			return false;
		}
	}
}

/* ---- after the detach ---- */

/* The launcher's P0 died, hung up or sent something (an abort that
 * crossed MON_ATTACHED) before it detached: what it sent on its
 * connection comes first (a detach), then a foreground run ends. */
static void
front_gone(const struct launch_plan *p, struct monitor *m)
{
	for (int i = 0; i < 64 && ks.lc != NULL && ks.fg; i++)
		keeper_client_request(ks.lc, p, m);
	if (ks.lc != NULL && ks.fg)
		keeper_client_close(ks.lc);
	else if (ks.fg)
		(void)mon_pidfd_signal(ks.initfd, SIGKILL);
	xclose(&m->keeper_sock);
	xclose(&m->front_pidfd);
}

/* The keeper's SIGTERM (TERM, its signalfd): the container is stopped as
 * by stop with Docker's default grace. */
#define KEEPER_TERM_GRACE_S 10
static void
keeper_term(struct monitor *m, int term)
{
	mon_term_read(term);
	syslog(LOG_AUTHPRIV | LOG_NOTICE,
	    "container %s (uid %u): stop by SIGTERM to its keeper", ks.name,
	    (unsigned)ks.uid);
	(void)mon_pidfd_signal(m->init_pidfd, SIGTERM);
	keeper_stop_arm(KEEPER_TERM_GRACE_S);
}

/* What serve polls: P1, the output, the ctl socket and stop's timer; P0
 * (the launcher of run -it until it detached, or the first task of a
 * step's container) and a step's SIGTERM; each client's socket and, while
 * its exec runs, the exec's pidfd. */
enum {
	SV_INIT_PID,
	SV_SRC,
	SV_LISTEN,
	SV_TIMER,
	SV_FRONT_PID,
	SV_FRONT_SOCK,
	SV_TERM,
	SV_CL,
	SV_XPID = SV_CL + KEEPER_MAX_CLIENTS,
	SV_N = SV_XPID + KEEPER_MAX_CLIENTS
};

/* Fills PF for one round; poll's timeout. */
static int
serve_poll_set(struct monitor *m, struct pollfd *pf, bool src_open, int term)
{
	int timeout = keeper_step_check(m), rest = keeper_accept_rest_left();

	pf[SV_INIT_PID] = (struct pollfd){ m->init_pidfd, POLLIN, 0 };
	/* Not while output waits for the launcher. */
	pf[SV_SRC] = (struct pollfd){ src_open && ks.lpend_len == 0 ? ks.src :
								      -1,
		POLLIN, 0 };
	pf[SV_LISTEN] = (struct pollfd){ rest > 0 ? -1 : ks.listen, POLLIN, 0 };
	if (rest > 0 && (timeout < 0 || rest < timeout))
		timeout = rest;
	pf[SV_TIMER] = (struct pollfd){ ks.timer, POLLIN, 0 };
	/* P0, until the launcher detached (-1 after), or the first task of
	 * a step's container. */
	pf[SV_FRONT_PID] = (struct pollfd){ m->front_pidfd, POLLIN, 0 };
	pf[SV_FRONT_SOCK] = (struct pollfd){ m->keeper_sock, POLLIN, 0 };
	pf[SV_TERM] = (struct pollfd){ term, POLLIN, 0 };
	for (size_t i = 0; i < KEEPER_MAX_CLIENTS; i++) {
		struct client *c = &ks.cl[i];
		short out = c == ks.lc && ks.lpend_len > 0 ? POLLOUT : 0;

		/* A client whose exec runs waits for its end. */
		pf[SV_CL + i] = (struct pollfd){ c->xpidfd < 0 ? c->fd : -1,
			(short)(POLLIN | out), 0 };
		pf[SV_XPID + i] = (struct pollfd){ c->xpidfd, POLLIN, 0 };
	}
	return timeout;
}

/* The clients' sockets: room for the launcher's output, requests. */
static void
serve_clients(const struct launch_plan *p, struct monitor *m,
    const struct pollfd *pf)
{
	for (size_t i = 0; i < KEEPER_MAX_CLIENTS; i++) {
		struct client *c = &ks.cl[i];

		if ((pf[SV_CL + i].revents & POLLOUT) && c == ks.lc)
			(void)keeper_launcher_flush(0);
		if ((pf[SV_CL + i].revents & ~POLLOUT) && c->fd >= 0 &&
		    c->xpidfd < 0)
			keeper_client_request(c, p, m);
	}
}

/* Serves the ctl socket and the log until the container ends; then
 * finish. */
static noreturn void
serve(const struct launch_plan *p, struct monitor *m)
{
	struct pollfd pf[SV_N];
	bool src_open = true;
	/* SIGTERM: a step's end, or, for any other container, a stop with
	 * the default grace (an administrator's kill, the system's
	 * shutdown, a ctr-launch of another version). */
	int term = mon_term_fd();

	for (;;) {
		int timeout = serve_poll_set(m, pf, src_open, term);

		if (poll(pf, SV_N, timeout) < 0) {
			if (errno == EINTR)
				continue;
			die_errno("poll");
		}
		if (pf[SV_SRC].revents && !keeper_log_read())
			src_open = false;
		if (pf[SV_TIMER].revents) {
			uint64_t x;

			(void)!read(ks.timer, &x, sizeof(x));
			/* The grace time is over: the whole container. */
			(void)mon_pidfd_signal(m->init_pidfd, SIGKILL);
		}
		if (kst.tasks > 0)
			keeper_step_front(m, pf[SV_FRONT_PID].revents,
			    pf[SV_FRONT_SOCK].revents, pf[SV_TERM].revents,
			    term);
		else if (pf[SV_TERM].revents)
			keeper_term(m, term);
		serve_clients(p, m, pf);
		if (kst.tasks == 0 &&
		    (pf[SV_FRONT_PID].revents || pf[SV_FRONT_SOCK].revents))
			front_gone(p, m);
		for (size_t i = 0; i < KEEPER_MAX_CLIENTS; i++)
			if (pf[SV_XPID + i].revents && ks.cl[i].xpidfd >= 0)
				keeper_exec_done(&ks.cl[i]);
		if (pf[SV_LISTEN].revents) {
			struct client *c = keeper_accept();

			/* Its request is usually there already: served now,
			 * without another round of poll. */
			if (c != NULL)
				keeper_client_request(c, p, m);
		}
		if (pf[SV_INIT_PID].revents)
			finish(p, m, reap(m));
	}
}

bool
keeper_wanted(const struct launch_plan *p, const struct place *pl)
{
	/* Inside a batch job the run stays in the foreground: the user did
	 * not ask for -d, nothing is refused. */
	ks.fg_detach = p->fg_detach && !pl->job;
	return p->detach || ks.fg_detach;
}

bool
keeper_fg_detach(void)
{
	return ks.fg_detach;
}

const char *
keeper_name(const struct launch_plan *p)
{
	return ks.name[0] != '\0' ? ks.name : p->name;
}

/* run -it: the launcher, a client of the caller attached to the pty
 * before any output is read, its other end and P1's pidfd to P0. */
static void
launcher_attach(const struct launch_plan *p, struct monitor *m)
{
	struct client *c;
	int fds[2];

	if ((c = keeper_client_pair(p->uid, &fds[0])) == NULL)
		die_errno("the connection to the container's front");
	c->op = CTLP_ATTACH;
	c->waits = c->follow = c->attached = true;
	ks.lc = c;
	ks.fg = true;
	fds[1] = m->init_pidfd;
	/* P0 gone already: its connection closes with this end. */
	if (mon_send(m->keeper_sock, MON_ATTACHED, 0, fds, 2) != 0)
		keeper_client_close(c);
	close(fds[0]);
}

/*
 * run -d, P1 ready: its word on the payload's execve (MON_STARTED).
 * true once it ran; false with *STATUS the status to give (126 or 127
 * when the command could not be executed, P1's when it ended first, 125
 * when P0 went away), P1 then reaped.
 */
static bool
wait_started(struct monitor *m, int *status)
{
	struct pollfd pf[4] = { { m->init_sock[0], POLLIN, 0 },
		{ m->init_pidfd, POLLIN, 0 }, { m->front_pidfd, POLLIN, 0 },
		{ m->keeper_sock, POLLIN, 0 } };
	struct mon_msg msg = { 0, 0 };
	bool killed = false;

	for (;;) {
		if (poll(pf, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			die_errno("poll");
		}
		if (pf[0].revents) {
			pf[0].fd = -1;
			if (mon_recv(m->init_sock[0], &msg, NULL, 0) > 0 &&
			    msg.type == MON_STARTED && msg.value == 0)
				return true;
			/* A failed execve: P1 ends with its status. */
		}
		/* P0 gone, or asking to abort (the caller's Ctrl-C while the
		 * command's execve hangs, on a hung bind): as wait_ready. */
		if ((pf[2].revents || pf[3].revents) && !killed) {
			pf[2].fd = pf[3].fd = -1;
			killed = mon_pidfd_signal(m->init_pidfd, SIGKILL) == 0;
		}
		if (pf[1].revents) {
			*status = killed ? CTL_EXIT_FAIL : reap(m);
			if (killed)
				(void)reap(m);
			return false;
		}
	}
}

/* What the container wrote before it ended at its start (the reason its
 * command could not run), to the caller's stderr. */
static void
early_output(void)
{
	int fd = ks.out[0] >= 0 ? ks.out[0] : ks.src;
	char buf[4096];
	ssize_t n;

	if (fd < 0 || fcntl(fd, F_SETFL, O_NONBLOCK) != 0)
		return;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		(void)!write(STDERR_FILENO, buf, (size_t)n);
}

/* A detached launch whose container ended at its start (P1's STATUS):
 * nothing left, the name given back; P0 gets EXIT. */
static noreturn void
detached_fail(struct monitor *m, int status, int exit_status)
{
	keeper_early_death(status);
	close(m->init_pidfd);
	m->init_pidfd = -1;
	log_set_teardown(NULL, NULL);
	monitor_teardown(m);
	keeper_abandon();
	if (exit_status != CTL_EXIT_FAIL)
		(void)mon_send(m->keeper_sock, MON_STATUS, exit_status, NULL,
		    0);
	_exit(exit_status);
}

void
keeper_detached(const struct launch_plan *p, struct monitor *m, pid_t init)
{
	int status = CTL_EXIT_FAIL;
	char line[80];
	int n, out = -1, err = -1;

	m->init_pid = init;
	ks.initfd = m->init_pidfd;
	close(m->alive[0]);
	monitor_relay_close(m);
	/* P1 ended before it was ready: as in the foreground, P0 gets 125
	 * (P1 said why on the caller's stderr, unless killed). */
	if (!wait_ready(p, m, &status))
		detached_fail(m, status, CTL_EXIT_FAIL);
	/* run -d fails, as Docker's does, when its command cannot run. */
	if (p->detach && !ks.fg_detach && kst.tasks == 0 &&
	    !wait_started(m, &status)) {
		early_output();
		detached_fail(m, status, status);
	}
	write_info(p);
	detach(&out, &err);
	ks.running = true;
	audit_grant(p);
	m->plan = p;
	m->ready = true;
	if (kst.tasks > 0) {
		/* A step's container: the task that made it is its first
		 * exec, through a connection handed to P0, which waits for
		 * this K to exit (the step must find nothing left). */
		int fd = -1;

		if (keeper_client_pair(p->uid, &fd) == NULL ||
		    mon_send(m->keeper_sock, MON_CLIENT, 1, &fd, 1) != 0)
			die_errno("cannot hand the container to the task");
		close(fd);
		serve(p, m);
		_exit(0);
	}
	if (ks.fg_detach) {
		/* run -it: P0 attaches as the launcher; the output waits in
		 * its socket until then. */
		launcher_attach(p, m);
		log_set_stderr_fd(STDERR_FILENO);
		xclose(&out);
		xclose(&err);
		if (!ks.fg) {
			xclose(&m->keeper_sock);
			xclose(&m->front_pidfd);
		}
		serve(p, m);
	}
	/* The name, then the status: the caller sees the name before P0
	 * exits 0. */
	n = snprintf(line, sizeof(line), "%s\n", ks.name);
	if (write(out, line, (size_t)n) != n)
		warnmsg("cannot write the name to standard output");
	(void)mon_send(m->keeper_sock, MON_STATUS, 0, NULL, 0);
	/* Nothing of P0 from here. */
	log_set_stderr_fd(STDERR_FILENO);
	xclose(&out);
	xclose(&err);
	xclose(&m->keeper_sock);
	xclose(&m->front_pidfd);
	serve(p, m);
	_exit(0);
}
