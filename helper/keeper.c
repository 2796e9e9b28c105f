/*
 * keeper.c: K as the supervisor of a detached container (run -d, DESIGN
 * section 10).
 *
 * K takes the container's name (a state directory under RUNDIR, flocked
 * for the container's life), holds the read end of its output (or the pty
 * master with -t) and appends it to a capped log under STATEDIR, and
 * answers the lifecycle commands (ctl.c) on a unix socket in the state
 * directory, for the container's owner and root only.
 *
 * Invariants:
 * - run -d MUST be refused inside a batch job's confinement, and when the
 *   policy says allow_detach = no (plan.c), with the reason.
 * - The state and log directories MUST be root-owned and 0700 all the way
 *   from RUNDIR/ctr-launch and STATEDIR/ctr-launch; a name MUST match
 *   [A-Za-z0-9][A-Za-z0-9_.-]{0,62} and MUST be unique per user (mkdir
 *   under the user's directory lock; the flock on the directory marks a
 *   living keeper).
 * - P0 MUST exit 0 with the name only after P1 reported its setup done;
 *   any earlier failure reaches P0 as before (125 and the reason) and
 *   gives the name back.
 * - Once detached K MUST hold nothing of the caller's session: stdio on
 *   /dev/null, no descriptor of P0, not the caller's working directory.
 * - K MUST take the caller of every ctl request to be the real uid of the
 *   connected process, from the kernel (keeper_peer_uid); only that
 *   container's owner and root are served.  Requests are fixed-size,
 *   versioned (ctlproto.h); at most KEEPER_MAX_CLIENTS at once.
 * - Writing the log MUST NOT block the container: reads of its output go
 *   on whatever happens to the log (full, trimmed, file system short of
 *   space, slow followers, which are dropped); the log is kept within its
 *   cap, newest bytes kept, and writing stops below 5% free space.  Output
 *   a failed write dropped MUST be told in the log (how many bytes, why)
 *   once writing works again.
 * - A failure of K's setup before P0 is told, the detach included, MUST
 *   give exit 125 with the reason and leave nothing (no state directory,
 *   no log), the name free.
 * - When the container ends K MUST write the exit record before it
 *   answers any waiter, then tear down as the foreground keeper does.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "audit.h"
#include "auth.h"
#include "cgroup.h"
#include "cleanup.h"
#include "ctlproto.h"
#include "fsutil.h"
#include "keeper.h"
#include "kexec.h"
#include "log.h"
#include "mounts.h"
#include "ports.h"

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

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

static struct kstate {
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
	char name[64];
	struct client cl[KEEPER_MAX_CLIENTS];
} ks = { -1, -1, -1, -1, { -1, -1 }, -1, -1, -1, false, false, false, 0, 0, 0,
	0, 0, "", { { -1, 0, false, false, 0, -1, -1, false } } };

static int
pidfd_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

static void
xclose(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* ---- directories ---- */

/* DIR/NAME as a root-owned directory made 0700 if missing; dies if it is
 * anything else: writable by others, or (STRICT) open to them at all. */
static int
dir_open(int dir, const char *name, const char *what, bool strict)
{
	struct stat st;
	int fd;

	if (mkdirat(dir, name, 0700) != 0 && errno != EEXIST)
		die_errno("%s: mkdir", what);
	fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		die_errno("%s", what);
	if (fstat(fd, &st) != 0)
		die_errno("%s", what);
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (strict ? 077 : 022)) != 0)
		die("%s: not root-owned with mode 0700", what);
	return fd;
}

/* Opens PATH (absolute, root-owned, not writable by others), then each
 * component of REST as dir_open does. */
static int
dirs_open(const char *base, const char *const *rest, size_t n)
{
	struct stat st;
	int fd = open(base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		die_errno("%s", base);
	if (fstat(fd, &st) != 0 || st.st_uid != 0 || (st.st_mode & 022) != 0)
		die("%s: not root-owned or writable by others", base);
	for (size_t i = 0; i < n; i++) {
		int next = dir_open(fd, rest[i], rest[i], i > 0);

		close(fd);
		fd = next;
	}
	return fd;
}

static void
user_dirs(uid_t uid)
{
	char u[32];
	const char *c[] = { "ctr-launch", "c", u };
	const char *l[] = { "ctr-launch", "logs", u };

	snprintf(u, sizeof(u), "u%u", (unsigned)uid);
	ks.udir = dirs_open(CTL_RUNDIR, c, 3);
	ks.logdir = dirs_open(CTL_STATEDIR, l, 3);
}

/* Writes BUF as DIR/NAME atomically (NAME.tmp, then renamed). */
static int
record_write(int dir, const char *name, const char *buf, size_t len)
{
	char tmp[64];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	(void)unlinkat(dir, tmp, 0);
	fd = openat(dir, tmp,
	    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (write(fd, buf, len) != (ssize_t)len || fsync(fd) != 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return renameat(dir, tmp, dir, name);
}

void
keeper_reserve(const struct launch_plan *p, const struct place *pl)
{
	int fd;

	if (pl->job)
		deny(
		    "run -d refused: the container would be inside a batch job's confinement (%s), whose containers end with the job",
		    pl->path);
	if (!args_valid_name(p->name))
		die("the name %s is not valid", p->name);
	for (size_t i = 0; i < KEEPER_MAX_CLIENTS; i++)
		ks.cl[i].fd = ks.cl[i].xpidfd = ks.cl[i].xalive = -1;
	ks.uid = p->uid;
	snprintf(ks.name, sizeof(ks.name), "%s", p->name);
	user_dirs(p->uid);
	/* Under the user's lock, as the commands that sweep (ctl.c). */
	if (flock(ks.udir, LOCK_EX) != 0)
		die_errno("lock of your containers' directory");
	if (mkdirat(ks.udir, p->name, 0700) != 0) {
		if (errno == EEXIST)
			deny(
			    "run -d refused: the name %s is already in use by one of your containers (ctr-launch ps -a; rm it first)",
			    p->name);
		die_errno("container %s: mkdir", p->name);
	}
	ks.created = true;
	fd = openat(ks.udir, p->name,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0)
		die_errno("container %s", p->name);
	ks.dir = fd;
	(void)flock(ks.udir, LOCK_UN);
}

/* ---- the log ---- */

/* Room for the log: the policy's log_size, within what the user's other
 * logs leave of user_log_size. */
static uint64_t
log_cap(const struct launch_plan *p)
{
	uint64_t cap = p->eff.log_size.v, others = 0, user;
	DIR *d;
	struct dirent *de;
	int fd = fcntl(ks.logdir, F_DUPFD_CLOEXEC, 3);

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return cap;
	}
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		if (de->d_name[0] == '.' ||
		    fstatat(ks.logdir, de->d_name, &st, AT_SYMLINK_NOFOLLOW) !=
			0 ||
		    !S_ISREG(st.st_mode))
			continue;
		others += (uint64_t)st.st_size;
	}
	closedir(d);
	user = p->eff.user_log_size.v;
	if (user != POLICY_UNLIMITED)
		cap = others >= user ?
		    4096 :
		    (user - others < cap ? user - others : cap);
	return cap < 4096 ? 4096 : cap;
}

static bool
space_low(void)
{
	struct statvfs sv;

	if (fstatvfs(ks.log, &sv) != 0 || sv.f_blocks == 0)
		return false;
	return sv.f_bavail * 100 < sv.f_blocks * 5;
}

/* Moves the newest KEEP bytes of the log to its start. */
static void
log_trim(uint64_t keep)
{
	char buf[65536];
	uint64_t from = ks.log_size - keep, done = 0;

	while (done < keep) {
		size_t n = keep - done < sizeof(buf) ? keep - done :
						       sizeof(buf);
		ssize_t r = pread(ks.log, buf, n, (off_t)(from + done));

		if (r <= 0 || pwrite(ks.log, buf, (size_t)r, (off_t)done) != r)
			break;
		done += (uint64_t)r;
	}
	if (ftruncate(ks.log, (off_t)done) == 0)
		ks.log_size = done;
}

static void follow_send(const char *buf, size_t len);

static void
log_append(const char *buf, size_t len)
{
	uint64_t take = ctlp_log_take(len, ks.cap);
	uint64_t keep;

	follow_send(buf, len);
	if (ks.log < 0)
		return;
	if (space_low()) {
		if (!ks.low) {
			static const char note[] =
			    "\n[ctr-launch: log stopped: the file system has less than 5% free]\n";

			syslog(LOG_AUTHPRIV | LOG_WARNING,
			    "log of %s (uid %u) stopped: less than 5%% free",
			    ks.name, (unsigned)ks.uid);
			if (pwrite(ks.log, note, sizeof(note) - 1,
				(off_t)ks.log_size) > 0)
				ks.log_size += sizeof(note) - 1;
		}
		ks.low = true;
		return;
	}
	ks.low = false;
	buf += len - take;
	keep = ctlp_log_keep(ks.log_size, take, ks.cap);
	if (keep < ks.log_size)
		log_trim(keep);
	if (ks.lost > 0) {
		/* Writing works again: the log says what it misses. */
		char note[160];
		int n = snprintf(note, sizeof(note),
		    "\n[ctr-launch: %llu bytes of output lost: %s]\n",
		    (unsigned long long)ks.lost, strerror(ks.lost_err));

		if (pwrite(ks.log, note, (size_t)n, (off_t)ks.log_size) != n)
			goto lost;
		ks.log_size += (uint64_t)n;
		ks.lost = 0;
	}
	while (take > 0) {
		ssize_t w = pwrite(ks.log, buf, take, (off_t)ks.log_size);

		if (w <= 0)
			goto lost;
		ks.log_size += (uint64_t)w;
		buf += w;
		take -= (uint64_t)w;
	}
	return;
lost:
	if (ks.lost == 0)
		syslog(LOG_AUTHPRIV | LOG_WARNING,
		    "log of %s (uid %u): write failed (%s): output lost",
		    ks.name, (unsigned)ks.uid, strerror(errno));
	ks.lost_err = errno;
	ks.lost += take;
}

/* Reads what the container wrote; false at its end (EOF, or EIO of a pty
 * whose slaves are all closed). */
static bool
log_read(void)
{
	char buf[CTLP_DATA_MAX];
	ssize_t n = read(ks.src, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	log_append(buf, (size_t)n);
	return true;
}

void
keeper_prepare(const struct launch_plan *p, struct monitor *m)
{
	char lname[80];
	char path[64];
	struct sockaddr_un sa;

	snprintf(lname, sizeof(lname), "%s.log", p->name);
	/* A log left by an earlier container of that name goes. */
	(void)unlinkat(ks.logdir, lname, 0);
	ks.log = openat(ks.logdir, lname,
	    O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (ks.log < 0)
		die_errno("log of %s", p->name);
	ks.cap = log_cap(p);
	if (!p->tty_wanted) {
		/* One pipe for stdout and stderr: their order is kept. */
		if (pipe2(ks.out, O_CLOEXEC) != 0)
			die_errno("pipe2");
		for (int fd = 0; fd < 3; fd++)
			for (int e = 0; e < 2; e++)
				xclose(&m->relay[fd][e]);
		m->relay[STDOUT_FILENO][1] = ks.out[1];
		m->relay[STDERR_FILENO][1] = fcntl(ks.out[1], F_DUPFD_CLOEXEC,
		    3);
		if (m->relay[STDERR_FILENO][1] < 0)
			die_errno("dup");
		ks.out[1] = -1;
		ks.src = ks.out[0];
		if (fcntl(ks.src, F_SETFL, O_NONBLOCK) != 0)
			die_errno("fcntl");
	}
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
		die_errno("ctl socket of %s", p->name);
	if ((ks.timer = timerfd_create(CLOCK_MONOTONIC,
		 TFD_CLOEXEC | TFD_NONBLOCK)) < 0)
		die_errno("timerfd_create");
}

void
keeper_forget(void)
{
	xclose(&ks.udir);
	xclose(&ks.dir);
	xclose(&ks.logdir);
	xclose(&ks.log);
	xclose(&ks.out[0]);
	xclose(&ks.listen);
	xclose(&ks.timer);
	ks.src = -1;
}

static void
remove_state(bool with_log)
{
	char lname[80];

	if (ks.dir >= 0) {
		(void)unlinkat(ks.dir, "ctl", 0);
		(void)unlinkat(ks.dir, "info", 0);
		(void)unlinkat(ks.dir, "exit", 0);
		(void)unlinkat(ks.dir, "info.tmp", 0);
		(void)unlinkat(ks.dir, "exit.tmp", 0);
	}
	if (ks.udir >= 0 && ks.name[0] != '\0') {
		(void)flock(ks.udir, LOCK_EX);
		(void)unlinkat(ks.udir, ks.name, AT_REMOVEDIR);
		(void)flock(ks.udir, LOCK_UN);
	}
	if (with_log && ks.logdir >= 0 && ks.name[0] != '\0') {
		snprintf(lname, sizeof(lname), "%s.log", ks.name);
		(void)unlinkat(ks.logdir, lname, 0);
	}
}

void
keeper_abandon(void)
{
	if (!ks.created || ks.running)
		return;
	remove_state(true);
	ks.created = false;
}

/* ---- who asks ---- */

static pid_t
pidfd_pid(int pidfd)
{
	char path[64], buf[1024];
	cleanup_close int fd = -1;
	ssize_t n;
	char *s;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    (n = read(fd, buf, sizeof(buf) - 1)) <= 0)
		return -1;
	buf[n] = '\0';
	if ((s = strstr(buf, "\nPid:\t")) == NULL)
		return -1;
	return (pid_t)strtol(s + 6, NULL, 10);
}

int
keeper_peer_uid(int sock, uid_t *uid)
{
	struct ucred uc;
	socklen_t l = sizeof(int);
	cleanup_close int pidfd = -1, fd = -1;
	char path[64], buf[2048], *s, *end;
	pid_t pid;
	ssize_t n;
	unsigned long v;

	if (getsockopt(sock, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &l) != 0)
		pidfd = -1;
	if (pidfd >= 0) {
		pid = pidfd_pid(pidfd);
	} else {
		l = sizeof(uc);
		if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &uc, &l) != 0)
			return -1;
		pid = uc.pid;
		pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	}
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
	/* The process read is the one connected: alive after the read. */
	if (pidfd_signal(pidfd, 0) != 0)
		return -1;
	*uid = (uid_t)v;
	return 0;
}

/* ---- the ctl socket ---- */

static void reply(struct client *c, const struct ctlp_resp *r);

static void
client_close(struct client *c)
{
	xclose(&c->fd);
	c->waits = c->follow = c->attached = false;
}

/* An exec's child ended: its status to the client. */
static void
exec_done(struct client *c)
{
	siginfo_t si;
	struct ctlp_resp r;

	memset(&si, 0, sizeof(si));
	while (waitid(P_PIDFD, (id_t)c->xpidfd, &si, WEXITED) != 0)
		if (errno != EINTR)
			break;
	xclose(&c->xpidfd);
	xclose(&c->xalive);
	if (c->fd < 0)
		return;
	memset(&r, 0, sizeof(r));
	r.version = CTLP_VERSION;
	r.op = CTLP_EXEC;
	r.running = 1;
	r.status = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
	reply(c, &r);
	client_close(c);
}

static void
reply(struct client *c, const struct ctlp_resp *r)
{
	unsigned char b[CTLP_RESP_LEN];

	ctlp_resp_encode(r, b);
	if (send(c->fd, b, sizeof(b), MSG_NOSIGNAL | MSG_DONTWAIT) !=
	    (ssize_t)sizeof(b))
		client_close(c);
}

static void
resp_init(struct ctlp_resp *r, uint32_t op, int err)
{
	memset(r, 0, sizeof(*r));
	r->version = CTLP_VERSION;
	r->op = op;
	r->err = err;
	r->status = -1;
	r->running = 1;
}

static void
follow_send(const char *buf, size_t len)
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

		/* A follower that does not keep up is dropped: the
		 * container never waits for it. */
		if (c->fd >= 0 && c->follow &&
		    send(c->fd, b, len + 4, MSG_NOSIGNAL | MSG_DONTWAIT) !=
			(ssize_t)(len + 4))
			client_close(c);
	}
}

static void
accept_client(void)
{
	int fd = accept4(ks.listen, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct client *c = NULL;
	struct ctlp_resp r;
	uid_t uid;

	if (fd < 0)
		return;
	for (size_t i = 0; i < KEEPER_MAX_CLIENTS && c == NULL; i++)
		if (ks.cl[i].fd < 0)
			c = &ks.cl[i];
	if (c == NULL || keeper_peer_uid(fd, &uid) != 0) {
		struct client tmp = { fd, 0, false, false, 0, -1, -1, false };

		resp_init(&r, 0, c == NULL ? CTLP_EBUSY : CTLP_EPERM);
		reply(&tmp, &r);
		xclose(&tmp.fd);
		return;
	}
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->uid = uid;
	c->xpidfd = c->xalive = -1;
}

static void
stop_arm(int secs)
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

	resp_init(&r, CTLP_EXEC, CTLP_EINVAL);
	if (fds[0] < 0 || fds[1] < 0 || fds[2] < 0 ||
	    ctlp_exec_decode((const char *)payload, len, &x) != 0) {
		close3(fds);
		reply(c, &r);
		client_close(c);
		return;
	}
	syslog(LOG_AUTHPRIV | LOG_NOTICE,
	    "container %s (uid %u): exec by uid %u", ks.name, (unsigned)ks.uid,
	    (unsigned)c->uid);
	if (kexec_start(p, m, &x, fds, &c->xpidfd, &c->xalive) < 0) {
		c->xpidfd = c->xalive = -1;
		reply(c, &r);
		client_close(c);
	}
	ctlp_exec_free(&x);
	close3(fds);
}

static void
client_request(struct client *c, const struct launch_plan *p, struct monitor *m)
{
	static unsigned char b[CTLP_REQ_LEN + CTLP_EXEC_MAX];
	int fds[3];
	ssize_t n = recv_fds(c->fd, b, sizeof(b), fds);
	struct ctlp_req q;
	struct ctlp_resp r;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n >= 4 && c->attached && b[0] == (CTLP_DATA_MAGIC & 0xff) &&
	    b[1] == ((CTLP_DATA_MAGIC >> 8) & 0xff) &&
	    b[2] == ((CTLP_DATA_MAGIC >> 16) & 0xff) &&
	    b[3] == (CTLP_DATA_MAGIC >> 24)) {
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
	if (n <= 0 || ctlp_req_decode(b, (size_t)n, &q) != 0) {
		client_close(c);
		return;
	}
	c->op = q.op;
	if (q.version != CTLP_VERSION) {
		resp_init(&r, q.op, CTLP_EVERSION);
		reply(c, &r);
		return;
	}
	if (c->uid != 0 && c->uid != ks.uid) {
		resp_init(&r, q.op, CTLP_EPERM);
		reply(c, &r);
		client_close(c);
		return;
	}
	resp_init(&r, q.op, CTLP_OK);
	switch (q.op) {
	case CTLP_STATUS:
		cgroup_current(m->cg, &r.cpu_usec, &r.mem, &r.pids);
		reply(c, &r);
		return;
	case CTLP_KILL:
		if (q.arg < 1 || q.arg > 64) {
			r.err = CTLP_EINVAL;
		} else if (pidfd_signal(m->init_pidfd, q.arg) != 0) {
			r.err = CTLP_EINVAL;
		} else {
			syslog(LOG_AUTHPRIV | LOG_NOTICE,
			    "container %s (uid %u): signal %d by uid %u",
			    ks.name, (unsigned)ks.uid, q.arg, (unsigned)c->uid);
		}
		reply(c, &r);
		return;
	case CTLP_STOP:
		if (q.arg < 0 || q.arg > 86400 * 365) {
			r.err = CTLP_EINVAL;
			reply(c, &r);
			return;
		}
		syslog(LOG_AUTHPRIV | LOG_NOTICE,
		    "container %s (uid %u): stop by uid %u", ks.name,
		    (unsigned)ks.uid, (unsigned)c->uid);
		(void)pidfd_signal(m->init_pidfd, SIGTERM);
		stop_arm(q.arg);
		c->waits = true;
		return;
	case CTLP_WAIT:
		c->waits = true;
		return;
	case CTLP_ATTACH:
		if (ks.out[0] >= 0 || ks.src < 0) {
			r.err = CTLP_EINVAL;
			reply(c, &r);
			return;
		}
		for (size_t i = 0; i < KEEPER_MAX_CLIENTS; i++)
			if (ks.cl[i].fd >= 0 && ks.cl[i].attached)
				r.err = CTLP_EBUSY;
		if (r.err == CTLP_OK)
			syslog(LOG_AUTHPRIV | LOG_NOTICE,
			    "container %s (uid %u): attach by uid %u", ks.name,
			    (unsigned)ks.uid, (unsigned)c->uid);
		reply(c, &r);
		if (r.err == CTLP_OK && c->fd >= 0)
			c->waits = c->follow = c->attached = true;
		return;
	case CTLP_WINSIZE:
		if (c->attached) {
			struct winsize ws;

			memset(&ws, 0, sizeof(ws));
			ws.ws_row = (unsigned short)((uint32_t)q.arg >> 16);
			ws.ws_col = (unsigned short)((uint32_t)q.arg & 0xffff);
			(void)ioctl(ks.src, TIOCSWINSZ, &ws);
		}
		return;
	case CTLP_FOLLOW:
		r.log_off = ks.log_size;
		reply(c, &r);
		if (c->fd >= 0)
			c->waits = c->follow = true;
		return;
	default:
		r.err = CTLP_EINVAL;
		reply(c, &r);
		return;
	}
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

static void
write_exit(int status)
{
	struct ctlp_exit e = { status, (int64_t)time(NULL) };
	char buf[256];
	int n = ctlp_exit_format(&e, buf, sizeof(buf));

	if (n < 0 || record_write(ks.dir, "exit", buf, (size_t)n) != 0)
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
	snprintf(i.name, sizeof(i.name), "%s", p->name);
	snprintf(i.image, sizeof(i.image), "%s", p->image->name);
	ctlp_join(p->argv, i.command, sizeof(i.command));
	i.created = (int64_t)time(NULL);
	i.keeper = getpid();
	i.tty = p->tty_wanted;
	i.rm = p->auto_remove;
	/* -p for ps, as Docker shows it; K's record, never the container's. */
	for (size_t j = 0; j < p->nports; j++) {
		char one[128];
		size_t o = strlen(i.ports);

		portplan_format(&p->ports[j], one, sizeof(one));
		snprintf(i.ports + o, sizeof(i.ports) - o, "%s%s",
		    j > 0 ? "," : "", one);
	}
	if ((n = ctlp_info_format(&i, buf, sizeof(buf))) < 0 ||
	    record_write(ks.dir, "info", buf, (size_t)n) != 0)
		die_errno("container %s: its record", p->name);
}

static noreturn void
finish(const struct launch_plan *p, struct monitor *m, int status)
{
	struct ctlp_resp r;

	/* P1 is reaped: the forwarder's counts for the end line, and no
	 * port stays bound past the container (ports.c). */
	ports_end();
	/* The last output first. */
	if (ks.src >= 0)
		while (log_read())
			;
	write_exit(status);
	log_set_teardown(NULL, NULL);
	m->ready = false;
	for (size_t i = 0; i < KEEPER_MAX_CLIENTS; i++) {
		struct client *c = &ks.cl[i];

		if (c->xpidfd >= 0) {
			/* Its process died with the container's pid
			 * namespace. */
			exec_done(c);
			continue;
		}
		if (c->fd < 0)
			continue;
		if (c->waits) {
			resp_init(&r, c->op, CTLP_OK);
			r.running = 0;
			r.status = status;
			r.log_off = ks.log_size;
			reply(c, &r);
		}
		client_close(c);
	}
	xclose(&ks.listen);
	(void)unlinkat(ks.dir, "ctl", 0);
	fsutil_unlock_layers(m->locks, m->nlocks);
	if (m->cg != NULL)
		cgroup_destroy(m->cg);
	m->cg = NULL;
	if (m->auth != NULL)
		auth_close(m->auth);
	m->auth = NULL;
	audit_end(p, status);
	if (p->auto_remove)
		remove_state(true);
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
	if (mon_send(m->init_sock[0], MON_GO, 0, NULL, 0) != 0)
		killed = pidfd_signal(m->init_pidfd, SIGKILL) == 0;
	for (;;) {
		if (poll(pf, N, -1) < 0) {
			if (errno == EINTR)
				continue;
			die_errno("poll");
		}
		if (pf[FRONT_PID].revents || pf[FRONT_SOCK].revents) {
			pf[FRONT_PID].fd = pf[FRONT_SOCK].fd = -1;
			if (!killed)
				killed = pidfd_signal(m->init_pidfd, SIGKILL) ==
				    0;
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
				log_append(buf, (size_t)n);
				(void)!write(STDERR_FILENO, buf, (size_t)n);
			} else if (n == 0) {
				pf[OUT].fd = -1;
			}
		}
		if (pf[INIT_PID].revents) {
			*status = reap(m);
			return false;
		}
	}
}

/* ---- after the detach ---- */

static void
serve(const struct launch_plan *p, struct monitor *m)
{
	enum {
		INIT_PID,
		SRC,
		LISTEN,
		TIMER,
		CL
	};
	struct pollfd pf[CL + 2 * KEEPER_MAX_CLIENTS];
	bool src_open = true;

	for (;;) {
		pf[INIT_PID] = (struct pollfd){ m->init_pidfd, POLLIN, 0 };
		pf[SRC] = (struct pollfd){ src_open ? ks.src : -1, POLLIN, 0 };
		pf[LISTEN] = (struct pollfd){ ks.listen, POLLIN, 0 };
		pf[TIMER] = (struct pollfd){ ks.timer, POLLIN, 0 };
		for (size_t i = 0; i < KEEPER_MAX_CLIENTS; i++) {
			/* A client whose exec runs waits for its end. */
			pf[CL + i] = (struct pollfd){ ks.cl[i].xpidfd < 0 ?
				    ks.cl[i].fd :
				    -1,
				POLLIN, 0 };
			pf[CL + KEEPER_MAX_CLIENTS + i] = (struct pollfd){
				ks.cl[i].xpidfd, POLLIN, 0
			};
		}
		if (poll(pf, CL + 2 * KEEPER_MAX_CLIENTS, -1) < 0) {
			if (errno == EINTR)
				continue;
			die_errno("poll");
		}
		if (pf[SRC].revents && !log_read())
			src_open = false;
		if (pf[TIMER].revents) {
			uint64_t x;

			(void)!read(ks.timer, &x, sizeof(x));
			/* The grace time is over: the whole container. */
			(void)pidfd_signal(m->init_pidfd, SIGKILL);
		}
		for (size_t i = 0; i < KEEPER_MAX_CLIENTS; i++)
			if (pf[CL + i].revents && ks.cl[i].fd >= 0 &&
			    ks.cl[i].xpidfd < 0)
				client_request(&ks.cl[i], p, m);
		for (size_t i = 0; i < KEEPER_MAX_CLIENTS; i++)
			if (pf[CL + KEEPER_MAX_CLIENTS + i].revents &&
			    ks.cl[i].xpidfd >= 0)
				exec_done(&ks.cl[i]);
		if (pf[LISTEN].revents)
			accept_client();
		if (pf[INIT_PID].revents)
			finish(p, m, reap(m));
	}
}

void
keeper_detached(const struct launch_plan *p, struct monitor *m, pid_t init)
{
	int status = CTL_EXIT_FAIL;
	char line[80];
	int n, out = -1, err = -1;

	m->init_pid = init;
	close(m->init_sock[1]);
	close(m->alive[0]);
	for (int fd = 0; fd < 3; fd++)
		for (int e = 0; e < 2; e++)
			xclose(&m->relay[fd][e]);
	if (!wait_ready(p, m, &status)) {
		/* P1 ended before it was ready: as in the foreground, P0 gets
		 * 125 (P1 said why on the caller's stderr). */
		close(m->init_pidfd);
		m->init_pidfd = -1;
		log_set_teardown(NULL, NULL);
		monitor_teardown(m);
		keeper_abandon();
		_exit(CTL_EXIT_FAIL);
	}
	write_info(p);
	detach(&out, &err);
	ks.running = true;
	audit_grant(p);
	m->plan = p;
	m->ready = true;
	/* The name, then the status: the caller sees the name before P0
	 * exits 0. */
	n = snprintf(line, sizeof(line), "%s\n", p->name);
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
