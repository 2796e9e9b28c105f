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
 * - The log MUST stay the container's raw bytes: its times (logs -t) are
 *   kept apart, in NAME.idx next to it (root, 0600, logidx.h), removed
 *   with it.  The index is bounded: a record only for a chunk read in
 *   which a line starts, none within LIDX_COALESCE of the last one, so at
 *   most one per chunk; it takes at most 1/LIDX_SHARE of the cap
 *   (lidx_split: log and index together stay within it), and a full
 *   index keeps its newest half with the log bytes they cover, as a full
 *   log keeps its newest bytes with their records: every byte kept has
 *   its time.
 * - The user's directories (c/u<uid>, logs/u<uid>) MUST be removed only
 *   empty and under the user's lock, logs first (keeper_udir_drop); a
 *   reservation MUST start again when the directory it locked was
 *   unlinked meanwhile.
 * - Writing the log MUST NOT block the container: reads of its output go
 *   on whatever happens to the log (full, trimmed, file system short of
 *   space, slow followers, which are dropped); the log is kept within its
 *   cap, newest bytes kept, and writing stops below 5% free space.  The
 *   one client the output waits for is the launcher of run -it (the
 *   caller's terminal of a foreground run), and only until it detaches.
 * - run -it (plan->fg_detach): the launcher MUST be attached before any
 *   output is read; until it sends CTLP_DETACH, its connection closing,
 *   P0's death or any message from P0 MUST kill the container, and the
 *   container's end MUST leave no record (the status goes to the
 *   launcher); after it, P0 MUST NOT be watched or held any more.
 * - Output a failed write dropped MUST be told in the log (how many
 *   bytes, why) once writing works again.
 * - A failed accept4 that leaves the connection pending (EMFILE, ENFILE,
 *   ENOMEM) MUST NOT make K spin: the listening socket rests
 *   ACCEPT_REST_MS before the next try.
 * - A failure of K's setup before P0 is told, the detach included, MUST
 *   give exit 125 with the reason and leave nothing (no state directory,
 *   no log), the name free.
 * - When the container ends K MUST write the exit record before it
 *   answers any waiter, then tear down as the foreground keeper does.
 * - run --step-tasks (a Slurm step's tasks sharing one container): the
 *   name MUST come from K's own cgroup path (slurm-JOB.STEP), never from
 *   the command line, and MUST be refused outside a batch job's
 *   confinement; a task MUST join only a container whose record carries
 *   its own job and step ids, and MUST refuse any other of that name.
 * - A step's container MUST end when its tasks have (all N execs ended,
 *   or none running for STEP_IDLE_MS), and when the first task's front
 *   dies; the first task's front MUST exit only after K has torn it down.
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

#include "helper/args.h"
#include "helper/audit.h"
#include "helper/auth.h"
#include "helper/cgroup.h"
#include "lib/cleanup.h"
#include "helper/ctlproto.h"
#include "helper/fsutil.h"
#include "helper/keeper.h"
#include "helper/jobids.h"
#include "helper/kexec.h"
#include "helper/log.h"
#include "helper/logidx.h"
#include "helper/mounts.h"
#include "helper/ports.h"

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

/* A client's socket that takes a whole message from the log within this
 * long at the container's end (the launcher's last output), else it is
 * dropped. */
#define LAUNCHER_FLUSH_MS 5000

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
	/* run -it (plan->fg_detach): the launcher, P0's attached client,
	 * while it is connected; FG while it has not detached (a foreground
	 * run: the launcher's loss kills the container, its end leaves no
	 * record).  What the launcher's socket had no room for waits in
	 * LPEND, and the output is not read meanwhile. */
	struct client *lc;
	bool fg;
	int initfd; /* P1's pidfd */
	unsigned char lpend[4 + CTLP_DATA_MAX];
	size_t lpend_len;
} ks = { -1, -1, -1, -1, { -1, -1 }, -1, -1, -1, false, false, false, 0, 0, 0,
	0, 0, "", { { -1, 0, false, false, 0, -1, -1, false } }, NULL, false,
	-1, { 0 }, 0 };

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
/* run --step-tasks: a Slurm step's tasks on this node share one container
 * (its P1 holds the namespaces; every task is an exec into it). */
static struct kstep {
	unsigned tasks; /* the step's local tasks; 0: not a step's container */
	unsigned done;  /* tasks whose exec ended */
	char ids[64];   /* "J.S", from K's own cgroup path */
	bool killed;
	bool idle; /* no task runs: the container ends at idle_at */
	struct timespec idle_at;
} kst;

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

/*
 * Under UDIR's lock (RUNDIR/ctr-launch/c/u<UID>): when no container is
 * left in it, the user's log directory goes, then UDIR itself.  Logs
 * first and only under this lock: keeper_reserve opens UDIR, then the log
 * directory, and once it holds the lock starts again if UDIR is unlinked,
 * so it never keeps a directory removed from under it.
 */
void
keeper_udir_drop(int udir, uid_t uid)
{
	char u[32];
	struct stat st, named;
	cleanup_close int c = -1, l = -1;
	int fd = fcntl(udir, F_DUPFD_CLOEXEC, 3);
	DIR *d;
	struct dirent *de;
	bool empty = true;

	if (fd < 0 || fstat(fd, &st) != 0 || st.st_nlink == 0 ||
	    (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	rewinddir(d);
	while (empty && (de = readdir(d)) != NULL)
		empty = strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0;
	closedir(d);
	if (!empty)
		return;
	snprintf(u, sizeof(u), "u%u", (unsigned)uid);
	l = open(KEEPER_LOG_DIR,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (l >= 0 && unlinkat(l, u, AT_REMOVEDIR) != 0 && errno != ENOENT)
		return; /* logs left: both stay */
	c = open(KEEPER_C_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	/* The name is still the directory locked. */
	if (c >= 0 && fstatat(c, u, &named, AT_SYMLINK_NOFOLLOW) == 0 &&
	    named.st_dev == st.st_dev && named.st_ino == st.st_ino)
		(void)unlinkat(c, u, AT_REMOVEDIR);
}

/* Takes NAME under the user's lock: true if this K created it (and holds
 * its flock), false if it exists. */
static bool
take_name(const char *name)
{
	int fd;

	/* Under the user's lock, as the commands that sweep (ctl.c); the
	 * directories removed meanwhile (keeper_udir_drop): opened again. */
	for (int tries = 0;; tries++) {
		struct stat us, ls;

		if (flock(ks.udir, LOCK_EX) != 0)
			die_errno("lock of your containers' directory");
		if (fstat(ks.udir, &us) != 0 || fstat(ks.logdir, &ls) != 0)
			die_errno("your containers' directory");
		if (us.st_nlink > 0 && ls.st_nlink > 0)
			break;
		if (tries >= 100)
			die("your containers' directory keeps being removed; try again");
		xclose(&ks.udir);
		xclose(&ks.logdir);
		user_dirs(ks.uid);
	}
	if (mkdirat(ks.udir, name, 0700) != 0) {
		int e = errno;

		(void)flock(ks.udir, LOCK_UN);
		if (e == EEXIST)
			return false;
		errno = e;
		die_errno("container %s: mkdir", name);
	}
	ks.created = true;
	fd = openat(ks.udir, name,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0)
		die_errno("container %s", name);
	ks.dir = fd;
	(void)flock(ks.udir, LOCK_UN);
	return true;
}

static void
clients_init(const struct launch_plan *p)
{
	for (size_t i = 0; i < KEEPER_MAX_CLIENTS; i++)
		ks.cl[i].fd = ks.cl[i].xpidfd = ks.cl[i].xalive = -1;
	ks.uid = p->uid;
	snprintf(ks.name, sizeof(ks.name), "%s", p->name);
	user_dirs(p->uid);
}

void
keeper_reserve(const struct launch_plan *p, const struct place *pl)
{
	if (pl->job)
		deny(
		    "run -d refused: the container would be inside a batch job's confinement (%s), whose containers end with the job",
		    pl->path);
	if (!args_valid_name(p->name))
		die("the name %s is not valid", p->name);
	clients_init(p);
	if (!take_name(p->name))
		deny(
		    "run %s refused: the name %s is already in use by one of your containers (ctr-launch ps -a; rm it first)",
		    p->detach ? "-d" : "-it", p->name);
}

/* ---- a Slurm step's shared container (run --step-tasks) ---- */

#define STEP_WAIT_S  60 /* for the step's container to be ready */
#define STEP_IDLE_MS 10000
#define STEP_GRACE_S 2 /* SIGTERM in the job: then the kill */

ssize_t
keeper_record_read(int dir, const char *name, char *buf, size_t len)
{
	cleanup_close int fd = openat(dir, name,
	    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	ssize_t n;

	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return -1;
	n = read(fd, buf, len);
	if (n < 0 || (size_t)n >= len)
		return -1;
	return n;
}

int
keeper_connect(int dir)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die_errno("socket");
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/ctl", dir);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

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
		    p->name, kst.ids, p->name);
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
keeper_step(struct launch_plan *p, struct place *pl, struct monitor *m)
{
	char job[32], step[32];
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
	if (snprintf(p->name, sizeof(p->name), "slurm-%s", kst.ids) >=
		(int)sizeof(p->name) ||
	    !args_valid_name(p->name))
		deny("run --step-tasks refused: job %s step %s give no name",
		    job, step);
	kst.tasks = p->step_tasks;
	clients_init(p);
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += STEP_WAIT_S;
	for (;;) {
		struct timespec pause = { 0, 5 * 1000 * 1000 };
		int dir, sock = -1;

		if (take_name(p->name))
			return; /* this task's K keeps the container */
		dir = openat(ks.udir, p->name,
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
			    p->name, (unsigned)p->uid, kst.ids);
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

/* ---- the log's index (logs -t, logidx.h) ---- */

static struct {
	int fd;          /* NAME.idx, or -1 (none, or it failed) */
	uint64_t n, max; /* records in it; the most it may hold */
	struct lidx_rec last;
	bool at_start; /* the log is empty or ends with a newline */
} kidx = { -1, 0, 0, { 0, 0 }, true };

static int
idx_get(void *ctx, uint64_t i, struct lidx_rec *r)
{
	unsigned char b[LIDX_REC_LEN];

	(void)ctx;
	if (pread(kidx.fd, b, sizeof(b), (off_t)(i * LIDX_REC_LEN)) !=
	    (ssize_t)sizeof(b))
		return -1;
	lidx_decode(b, r);
	return 0;
}

/* A write or read of the index failed: it is emptied and no longer
 * written, so that logs -t says it has no times rather than showing
 * wrong ones. */
static void
idx_fail(void)
{
	int e = errno;

	if (kidx.fd < 0)
		return;
	(void)!ftruncate(kidx.fd, 0);
	xclose(&kidx.fd);
	kidx.n = 0;
	syslog(LOG_AUTHPRIV | LOG_WARNING,
	    "log of %s (uid %u): its timestamps stopped: %s", ks.name,
	    (unsigned)ks.uid, strerror(e));
}

/* The log keeps SIZE bytes from its offset FROM, moved to its start: the
 * records covering them stay, rebased (the first to 0), the others go. */
static void
idx_rebase(uint64_t from, uint64_t size)
{
	unsigned char b[256 * LIDX_REC_LEN];
	uint64_t i, out = 0;

	if (kidx.fd < 0)
		return;
	i = size > 0 && kidx.n > 0 ? lidx_find(kidx.n, from, idx_get, NULL) :
				     kidx.n;
	/* In place, front to back: a block is read before anything is
	 * written over it (out <= i). */
	while (i < kidx.n) {
		uint64_t k = kidx.n - i < 256 ? kidx.n - i : 256;
		size_t len = (size_t)k * LIDX_REC_LEN;
		bool done = false;

		if (pread(kidx.fd, b, len, (off_t)(i * LIDX_REC_LEN)) !=
		    (ssize_t)len) {
			idx_fail();
			return;
		}
		for (uint64_t j = 0; j < k && !done; j++) {
			struct lidx_rec r;

			lidx_decode(b + j * LIDX_REC_LEN, &r);
			if (r.off >= from + size) {
				done = true;
				break;
			}
			r.off = r.off > from ? r.off - from : 0;
			lidx_encode(&r, b + j * LIDX_REC_LEN);
			kidx.last = r;
			if (pwrite(kidx.fd, b + j * LIDX_REC_LEN, LIDX_REC_LEN,
				(off_t)(out * LIDX_REC_LEN)) != LIDX_REC_LEN) {
				idx_fail();
				return;
			}
			out++;
		}
		if (done)
			break;
		i += k;
	}
	kidx.n = out;
	if (ftruncate(kidx.fd, (off_t)(out * LIDX_REC_LEN)) != 0)
		idx_fail();
	if (size == 0)
		kidx.at_start = true;
}

static uint64_t log_trim(uint64_t keep);

/* LEN bytes BUF went into the log at OFF: a record for them if a line
 * starts in them and the last record is not as recent (lidx_wants).  A
 * full index keeps its newest half, and the log the bytes they cover. */
static void
idx_add(uint64_t off, const char *buf, size_t len)
{
	struct timespec ts;
	struct lidx_rec r;
	unsigned char b[LIDX_REC_LEN];
	bool at_start = kidx.at_start;
	int64_t now;

	if (len == 0)
		return;
	kidx.at_start = buf[len - 1] == '\n';
	if (kidx.fd < 0 || clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return;
	now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	if (!lidx_wants(at_start, buf, len, kidx.n, kidx.last.t, now))
		return;
	if (kidx.n >= kidx.max) {
		struct lidx_rec half;

		if (idx_get(NULL, kidx.n / 2, &half) != 0) {
			idx_fail();
			return;
		}
		off -= log_trim(ks.log_size - half.off);
		if (kidx.fd < 0 || kidx.n >= kidx.max)
			return;
	}
	/* Times never go back, whatever the clock does. */
	r.off = off;
	r.t = kidx.n > 0 && kidx.last.t > now ? kidx.last.t : now;
	lidx_encode(&r, b);
	if (pwrite(kidx.fd, b, sizeof(b), (off_t)(kidx.n * LIDX_REC_LEN)) !=
	    (ssize_t)sizeof(b)) {
		idx_fail();
		return;
	}
	kidx.n++;
	kidx.last = r;
}

/* ---- the log ---- */

/* Moves the newest KEEP bytes of the log to its start, its index with
 * them; returns how many bytes were dropped from its front. */
static uint64_t
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
	if (ftruncate(ks.log, (off_t)done) == 0) {
		ks.log_size = done;
		idx_rebase(from, done);
	} else {
		idx_fail();
	}
	return from;
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
				(off_t)ks.log_size) ==
			    (ssize_t)(sizeof(note) - 1)) {
				ks.log_size += sizeof(note) - 1;
				idx_add(ks.log_size - (sizeof(note) - 1), note,
				    sizeof(note) - 1);
			}
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
		idx_add(ks.log_size - (uint64_t)n, note, (size_t)n);
		ks.lost = 0;
	}
	while (take > 0) {
		ssize_t w = pwrite(ks.log, buf, take, (off_t)ks.log_size);

		if (w <= 0)
			goto lost;
		ks.log_size += (uint64_t)w;
		idx_add(ks.log_size - (uint64_t)w, buf, (size_t)w);
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

/* LOGDIR/NAME.EXT, new, root's 0600; one left by an earlier container of
 * that name goes first.  Dies (WHAT names it). */
static int
log_file(const char *name, const char *ext, const char *what)
{
	char fname[80];
	int fd;

	snprintf(fname, sizeof(fname), "%s.%s", name, ext);
	(void)unlinkat(ks.logdir, fname, 0);
	fd = openat(ks.logdir, fname,
	    O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		die_errno("%s of %s", what, name);
	return fd;
}

void
keeper_prepare(const struct launch_plan *p, struct monitor *m)
{
	char path[64];
	struct sockaddr_un sa;

	ks.log = log_file(p->name, "log", "log");
	/* Its index next to it: NAME.idx, a share of the cap. */
	kidx.fd = log_file(p->name, "idx", "log index");
	lidx_split(log_cap(p), &ks.cap, &kidx.max);
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
	xclose(&kidx.fd);
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
	if (ks.udir >= 0 && ks.name[0] != '\0')
		(void)flock(ks.udir, LOCK_EX);
	if (ks.udir >= 0 && ks.name[0] != '\0')
		(void)unlinkat(ks.udir, ks.name, AT_REMOVEDIR);
	if (with_log && ks.logdir >= 0 && ks.name[0] != '\0') {
		snprintf(lname, sizeof(lname), "%s.log", ks.name);
		(void)unlinkat(ks.logdir, lname, 0);
		snprintf(lname, sizeof(lname), "%s.idx", ks.name);
		(void)unlinkat(ks.logdir, lname, 0);
	}
	if (ks.udir >= 0 && ks.name[0] != '\0') {
		/* Its user's last container: the empty directories go. */
		keeper_udir_drop(ks.udir, ks.uid);
		(void)flock(ks.udir, LOCK_UN);
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
		pid = (pid_t)fsutil_fdinfo(pidfd, "Pid");
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
	if (mon_pidfd_signal(pidfd, 0) != 0)
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
	if (c != ks.lc)
		return;
	/* The launcher is gone without a detach (P0 died, or could not
	 * keep its connection): a foreground run ends with its front. */
	ks.lc = NULL;
	ks.lpend_len = 0;
	if (ks.fg) {
		syslog(LOG_AUTHPRIV | LOG_NOTICE,
		    "container %s (uid %u): its launcher is gone, killed",
		    ks.name, (unsigned)ks.uid);
		(void)mon_pidfd_signal(ks.initfd, SIGKILL);
	}
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
	kst.done++;
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

/* Sends what waits for the launcher; with WAIT_MS > 0, waits that long
 * for room (else the launcher is dropped).  True if nothing waits. */
static bool
launcher_flush(int wait_ms)
{
	while (ks.lc != NULL && ks.lpend_len > 0) {
		struct pollfd pf = { ks.lc->fd, POLLOUT, 0 };
		ssize_t w = send(ks.lc->fd, ks.lpend, ks.lpend_len,
		    MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w == (ssize_t)ks.lpend_len) {
			ks.lpend_len = 0;
			break;
		}
		if (w >= 0 || (errno != EAGAIN && errno != EINTR)) {
			client_close(ks.lc);
			break;
		}
		if (wait_ms <= 0)
			return false;
		if (poll(&pf, 1, wait_ms) == 0)
			client_close(ks.lc);
	}
	return true;
}

/* The launcher is the caller's terminal: none of the output is dropped
 * for it; what its socket has no room for waits (serve then stops
 * reading the output, as a terminal stops a foreground run). */
static void
launcher_send(const unsigned char *b, size_t len)
{
	ssize_t w;

	if (!launcher_flush(LAUNCHER_FLUSH_MS) || ks.lc == NULL)
		return;
	w = send(ks.lc->fd, b, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (w == (ssize_t)len)
		return;
	if (w < 0 && errno == EAGAIN && len <= sizeof(ks.lpend)) {
		memcpy(ks.lpend, b, len);
		ks.lpend_len = len;
		return;
	}
	client_close(ks.lc);
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

		if (c == ks.lc) {
			launcher_send(b, len + 4);
			continue;
		}
		/* A follower that does not keep up is dropped: the
		 * container never waits for it. */
		if (c->fd >= 0 && c->follow &&
		    send(c->fd, b, len + 4, MSG_NOSIGNAL | MSG_DONTWAIT) !=
			(ssize_t)(len + 4))
			client_close(c);
	}
}

/* After a failed accept4 other than a lost connection (EMFILE, ENFILE,
 * ENOMEM: the connection stays pending), the listening socket rests for
 * ACCEPT_REST_MS instead of waking poll at once, again and again. */
#define ACCEPT_REST_MS 100
static struct timespec accept_rest;

/* Milliseconds the listening socket still rests, 0 when it does not. */
static int
accept_rest_left(void)
{
	struct timespec now;
	long long ms;

	if (accept_rest.tv_sec == 0 && accept_rest.tv_nsec == 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(accept_rest.tv_sec - now.tv_sec) * 1000 +
	    (accept_rest.tv_nsec - now.tv_nsec) / 1000000;
	if (ms <= 0) {
		accept_rest.tv_sec = accept_rest.tv_nsec = 0;
		return 0;
	}
	return (int)ms;
}

static void
accept_client(void)
{
	int fd = accept4(ks.listen, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct client *c = NULL;
	struct ctlp_resp r;
	uid_t uid;

	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED) {
			clock_gettime(CLOCK_MONOTONIC, &accept_rest);
			accept_rest.tv_nsec += ACCEPT_REST_MS * 1000000L;
			if (accept_rest.tv_nsec >= 1000000000L) {
				accept_rest.tv_sec++;
				accept_rest.tv_nsec -= 1000000000L;
			}
		}
		return;
	}
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

/* A client of UID on one end of a new socket pair, as one that connected
 * to the ctl socket, served the same way; the other
 * end, blocking, in *PEER, for K to hand out.  NULL when full. */
static struct client *
keeper_client_pair(uid_t uid, int *peer)
{
	struct client *c = NULL;
	int sv[2];

	for (size_t i = 0; i < KEEPER_MAX_CLIENTS && c == NULL; i++)
		if (ks.cl[i].fd < 0)
			c = &ks.cl[i];
	if (c == NULL) {
		errno = EBUSY;
		return NULL;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		return NULL;
	if (fcntl(sv[0], F_SETFL, O_NONBLOCK) != 0) {
		close(sv[0]);
		close(sv[1]);
		return NULL;
	}
	memset(c, 0, sizeof(*c));
	c->fd = sv[0];
	c->uid = uid;
	c->xpidfd = c->xalive = -1;
	*peer = sv[1];
	return c;
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
		kst.done++;
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
		} else if (mon_pidfd_signal(m->init_pidfd, q.arg) != 0) {
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
		(void)mon_pidfd_signal(m->init_pidfd, SIGTERM);
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
	case CTLP_DETACH:
		if (!c->attached) {
			r.err = CTLP_EINVAL;
			reply(c, &r);
			return;
		}
		if (c == ks.lc) {
			/* A detached container from here: P0 is not watched
			 * any more, its end does not end the container.  Room
			 * for the answer behind the output in flight (P0
			 * reads until it comes). */
			struct pollfd w = { c->fd, POLLOUT, 0 };

			ks.lc = NULL;
			ks.fg = false;
			ks.lpend_len = 0;
			xclose(&m->keeper_sock);
			xclose(&m->front_pidfd);
			syslog(LOG_AUTHPRIV | LOG_NOTICE,
			    "container %s (uid %u): detached from its launcher",
			    ks.name, (unsigned)ks.uid);
			(void)poll(&w, 1, LAUNCHER_FLUSH_MS);
		}
		reply(c, &r);
		client_close(c);
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
	/* The last output first, to the launcher too. */
	if (ks.src >= 0)
		while (launcher_flush(LAUNCHER_FLUSH_MS) && log_read())
			;
	(void)launcher_flush(LAUNCHER_FLUSH_MS);
	write_exit(status);
	log_set_teardown(NULL, NULL);
	/* A foreground run's front has the status once nothing of the
	 * container runs, as without a keeper (monitor.c). */
	if (ks.lc != NULL && m->cg != NULL)
		cgroup_empty(m->cg);
	/* The launcher is answered as any waiter from here. */
	ks.lc = NULL;
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
	/* K's teardown, as a foreground run's (keeper_fg.c): the end
	 * audited with the status. */
	keeper_end(m, status);
	/* --rm, or a foreground run that ended before its launcher
	 * detached: no record is left. */
	if (p->auto_remove || ks.fg)
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
		killed = mon_pidfd_signal(m->init_pidfd, SIGKILL) == 0;
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

/* A step's container (kst.tasks): it ends when all its tasks' execs have
 * ended, or when none has run for STEP_IDLE_MS (a task that never came);
 * poll's timeout until then, -1 without. */
static int
step_check(struct monitor *m)
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

/* The launcher's P0 died, hung up or sent something (an abort that
 * crossed MON_ATTACHED) before it detached: what it sent on its
 * connection comes first (a detach), then a foreground run ends. */
static void
front_gone(const struct launch_plan *p, struct monitor *m)
{
	for (int i = 0; i < 64 && ks.lc != NULL && ks.fg; i++)
		client_request(ks.lc, p, m);
	if (ks.lc != NULL && ks.fg)
		client_close(ks.lc);
	else if (ks.fg)
		(void)mon_pidfd_signal(ks.initfd, SIGKILL);
	xclose(&m->keeper_sock);
	xclose(&m->front_pidfd);
}

/* A step's container: the first task's P0 and the scheduler.  Its
 * signals go to every task (P1 passes them on), SIGTERM as K's own;
 * anything else from P0, or its death, ends the container, as in the
 * foreground. */
static void
step_front(struct monitor *m, short pid_ev, short sock_ev, short term_ev,
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
		stop_arm(STEP_GRACE_S);
	}
	if (gone) {
		xclose(&m->front_pidfd);
		xclose(&m->keeper_sock);
		(void)mon_pidfd_signal(m->init_pidfd, SIGKILL);
	}
}

static void
serve(const struct launch_plan *p, struct monitor *m)
{
	enum {
		INIT_PID,
		SRC,
		LISTEN,
		TIMER,
		FRONT_PID,  /* P0: the launcher of run -it until it detached, */
		FRONT_SOCK, /* or the first task of a step's container */
		TERM_SIG,   /* a step's container: the scheduler's SIGTERM */
		CL
	};
	struct pollfd pf[CL + 2 * KEEPER_MAX_CLIENTS];
	bool src_open = true;
	int term = kst.tasks > 0 ? mon_term_fd() : -1;

	for (;;) {
		int timeout = step_check(m), rest = accept_rest_left();

		pf[INIT_PID] = (struct pollfd){ m->init_pidfd, POLLIN, 0 };
		/* Not while output waits for the launcher. */
		pf[SRC] = (struct pollfd){
			src_open && ks.lpend_len == 0 ? ks.src : -1, POLLIN, 0
		};
		pf[LISTEN] = (struct pollfd){ rest > 0 ? -1 : ks.listen, POLLIN,
			0 };
		if (rest > 0 && (timeout < 0 || rest < timeout))
			timeout = rest;
		pf[TIMER] = (struct pollfd){ ks.timer, POLLIN, 0 };
		/* P0, until the launcher detached (-1 after), or the first
		 * task of a step's container. */
		pf[FRONT_PID] = (struct pollfd){ m->front_pidfd, POLLIN, 0 };
		pf[FRONT_SOCK] = (struct pollfd){ m->keeper_sock, POLLIN, 0 };
		pf[TERM_SIG] = (struct pollfd){ term, POLLIN, 0 };
		for (size_t i = 0; i < KEEPER_MAX_CLIENTS; i++) {
			/* A client whose exec runs waits for its end. */
			pf[CL + i] = (struct pollfd){ ks.cl[i].xpidfd < 0 ?
				    ks.cl[i].fd :
				    -1,
				POLLIN |
				    (&ks.cl[i] == ks.lc && ks.lpend_len > 0 ?
					    POLLOUT :
					    0),
				0 };
			pf[CL + KEEPER_MAX_CLIENTS + i] = (struct pollfd){
				ks.cl[i].xpidfd, POLLIN, 0
			};
		}
		if (poll(pf, CL + 2 * KEEPER_MAX_CLIENTS, timeout) < 0) {
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
			(void)mon_pidfd_signal(m->init_pidfd, SIGKILL);
		}
		if (kst.tasks > 0)
			step_front(m, pf[FRONT_PID].revents,
			    pf[FRONT_SOCK].revents, pf[TERM_SIG].revents, term);
		for (size_t i = 0; i < KEEPER_MAX_CLIENTS; i++) {
			if ((pf[CL + i].revents & POLLOUT) &&
			    &ks.cl[i] == ks.lc)
				(void)launcher_flush(0);
			if ((pf[CL + i].revents & ~POLLOUT) &&
			    ks.cl[i].fd >= 0 && ks.cl[i].xpidfd < 0)
				client_request(&ks.cl[i], p, m);
		}
		if (kst.tasks == 0 &&
		    (pf[FRONT_PID].revents || pf[FRONT_SOCK].revents))
			front_gone(p, m);
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

bool
keeper_wanted(struct launch_plan *p, const struct place *pl)
{
	/* Inside a batch job the run stays in the foreground: the user did
	 * not ask for -d, nothing is refused. */
	if (pl->job)
		p->fg_detach = false;
	return p->detach || p->fg_detach;
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
		client_close(c);
	close(fds[0]);
}

void
keeper_detached(const struct launch_plan *p, struct monitor *m, pid_t init)
{
	int status = CTL_EXIT_FAIL;
	char line[80];
	int n, out = -1, err = -1;

	m->init_pid = init;
	ks.initfd = m->init_pidfd;
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
	if (p->fg_detach) {
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
