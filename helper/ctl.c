/*
 * ctl.c: the lifecycle commands (ps, logs, stop, kill, rm, wait, exec,
 * attach): the client side of the keeper's ctl endpoint (keeper.c,
 * DESIGN section 10).  Here the entry, the state directories and the
 * keepers' sockets every command shares (ctl_priv.h); the users a
 * command acts for are in ctltarget.c, the commands in ctlps.c (ps,
 * port), ctlact.c (stop, kill, rm, wait), ctllogs.c (logs), ctlexec.c
 * (exec) and ctlattach.c (attach).
 *
 * Invariants:
 * - The caller MUST be identified from the kernel (the real uid); a
 *   caller other than root opens only RUNDIR/ctr-launch/c/u<their uid>
 *   and their own logs; root names the user (--user U) or asks for all
 *   (--all-users).
 * - A container name MUST be validated before it is used, and every
 *   state file MUST be opened beneath the user's directory descriptor
 *   without following symlinks; records are parsed bounded (ctlrecord.c).
 * - A container is acted on only through its keeper's socket: no pid is
 *   ever signalled by the lifecycle commands.  A state directory whose
 *   keeper is gone (its flock free) and has no exit record is swept:
 *   recorded as Exited (unknown), its socket removed.
 * - Exited records beyond the caller's keep_exited or max_exited are
 *   pruned, records and logs, by the caller's next ps; logs without a
 *   record (a reboot emptied RUNDIR) by the next ps that lists their
 *   user, root's included, whether or not RUNDIR still has the user's
 *   directory, and only under that user's lock; a user's
 *   directories left empty MUST be removed under that user's lock only
 *   (keeper_udir_drop, by ps and rm).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "helper/args.h"
#include "helper/ctl.h"
#include "helper/ctl_priv.h"
#include "helper/ctlproto.h"
#include "helper/ids.h"
#include "helper/keeper.h"
#include "helper/log.h"
#include "helper/plan.h"

/* ---- the state directories ---- */

/* BASE/u<UID>, root-owned 0700, or -1 when there is none.  STRICT: any
 * other failure, or a directory not as it must be, dies. */
static int
open_user_dir(const char *base, uid_t uid, bool strict)
{
	char path[PATH_MAX];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/u%u", base, (unsigned)uid);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || !strict)
			return -1;
		die_errno("%s", path);
	}
	if (fstat(fd, &st) != 0 || st.st_uid != 0 || (st.st_mode & 077) != 0) {
		if (strict)
			die("%s: not root-owned with mode 0700", path);
		close(fd);
		return -1;
	}
	return fd;
}

/* RUNDIR/ctr-launch/c/u<UID>, or -1 when there is none. */
int
ctl_open_udir(uid_t uid)
{
	return open_user_dir(KEEPER_C_DIR, uid, true);
}

/* STATEDIR/ctr-launch/logs/u<UID>, or -1 (missing, or not as it must be:
 * its logs are then not read). */
int
ctl_open_logdir(uid_t uid)
{
	return open_user_dir(KEEPER_LOG_DIR, uid, false);
}

/* Sends OP(ARG); -1 if the keeper is gone. */
int
ctl_send(int fd, uint32_t op, int32_t arg)
{
	struct ctlp_req q = { CTLP_VERSION, op, arg };
	unsigned char b[CTLP_REQ_LEN];

	ctlp_req_encode(&q, b);
	if (send(fd, b, sizeof(b), MSG_NOSIGNAL) != (ssize_t)sizeof(b))
		return -1;
	return 0;
}

/* The answer to what was sent (skipping log data), recv(2) FLAGS; -1 if
 * none comes. */
static int
recv_resp(int fd, struct ctlp_resp *r, int flags)
{
	unsigned char in[4 + CTLP_DATA_MAX];
	bool reset = false;
	ssize_t n;

	for (;;) {
		n = recv(fd, in, sizeof(in), flags);
		if (n < 0 && errno == EINTR)
			continue;
		/* A keeper that closed with the request unread: the reset is
		 * told once, then its answer still reads. */
		if (n < 0 && errno == ECONNRESET && !reset) {
			reset = true;
			flags |= MSG_DONTWAIT;
			continue;
		}
		if (n <= 0)
			return -1;
		if (ctlp_resp_decode(in, (size_t)n, r) == 0)
			return 0;
	}
}

/* Reads the answer to what was sent (skipping log data); -1 if the
 * keeper is gone. */
int
ctl_recv(int fd, struct ctlp_resp *r)
{
	return recv_resp(fd, r, 0);
}

/* Sends OP(ARG) and reads the answer (skipping log data); -1 if the
 * keeper is gone. */
int
ctl_ask(int fd, uint32_t op, int32_t arg, struct ctlp_resp *r)
{
	if (ctl_send(fd, op, arg) == 0)
		return ctl_recv(fd, r);
	/* A keeper that refused the client (not its owner's, or busy)
	 * answered before it closed the connection: that answer says why. */
	return ctl_recv_queued(fd, r);
}

int
ctl_recv_queued(int fd, struct ctlp_resp *r)
{
	return recv_resp(fd, r, MSG_DONTWAIT);
}

/* Is B[0..N) a CTLP_DATA_MAGIC message (log or pty bytes follow)? */
bool
ctl_is_data(const unsigned char *b, ssize_t n)
{
	return n >= 4 && b[0] == (CTLP_DATA_MAGIC & 0xff) &&
	    b[1] == ((CTLP_DATA_MAGIC >> 8) & 0xff) &&
	    b[2] == ((CTLP_DATA_MAGIC >> 16) & 0xff) &&
	    b[3] == (CTLP_DATA_MAGIC >> 24);
}

const char *
ctl_resp_why(const char *name, const struct ctlp_resp *r, char *buf, size_t len)
{
	if (r->err == CTLP_EVERSION)
		snprintf(buf, len,
		    "the keeper of %s speaks ctl protocol version %u, this ctr-launch %u: use the ctr-launch that started it (stop and kill reach it from any; so does a SIGTERM to its keeper, as root)",
		    name, r->version, (unsigned)CTLP_VERSION);
	else if (r->err == CTLP_EPERM)
		snprintf(buf, len, "container %s: not yours", name);
	else if (r->err == CTLP_EBUSY)
		snprintf(buf, len,
		    "container %s: its keeper is busy, try again", name);
	else if (r->err == CTLP_EWHO)
		snprintf(buf, len,
		    "container %s: its keeper could not tell who asked, try again",
		    name);
	else
		return NULL;
	return buf;
}

void
ctl_resp_check(const char *name, const struct ctlp_resp *r)
{
	char why[320];

	if (ctl_resp_why(name, r, why, sizeof(why)) != NULL)
		die("%s", why);
}

/*
 * Loads NAME's record from UDIR (under UDIR's lock).  The keeper gone
 * without an exit record: swept (Exited (unknown)); a directory without
 * an info record and no keeper: removed.  -1 if there is no such
 * container.
 */
int
ctl_load(int udir, const char *name, struct ctl_entry *e, int *dirfd)
{
	char buf[KEEPER_INFO_MAX];
	ssize_t n;
	int dir;

	memset(e, 0, sizeof(*e));
	dir = openat(udir, name,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0)
		return -1;
	n = keeper_record_read(dir, "info", buf, sizeof(buf));
	if (n < 0 || ctlp_info_parse(buf, (size_t)n, &e->info) != 0) {
		/* Being created (its keeper holds the lock), or debris: a
		 * removal cut short, a record never completed. */
		if (flock(dir, LOCK_EX | LOCK_NB) == 0) {
			keeper_record_unlink(dir);
			(void)unlinkat(udir, name, AT_REMOVEDIR);
		}
		close(dir);
		return -1;
	}
	n = keeper_record_read(dir, "exit", buf, sizeof(buf));
	e->has_exit = n >= 0 && ctlp_exit_parse(buf, (size_t)n, &e->exit) == 0;
	if (!e->has_exit) {
		if (flock(dir, LOCK_EX | LOCK_NB) == 0) {
			/* The keeper died: the container died with it.  The
			 * record is written whole or not at all, so that its
			 * time is kept and keep_exited applies. */
			char rec[128];
			struct ctlp_exit x = { -1, (int64_t)time(NULL) };
			int len = ctlp_exit_format(&x, rec, sizeof(rec));

			(void)unlinkat(dir, "ctl", 0);
			if (len > 0)
				(void)keeper_record_write(dir, "exit", rec,
				    (size_t)len);
			(void)flock(dir, LOCK_UN);
			e->exit = x;
			e->has_exit = true;
		} else {
			e->running = true;
		}
	}
	if (dirfd != NULL)
		*dirfd = dir;
	else
		close(dir);
	return 0;
}

/* Removes NAME's record and log (it has ended). */
void
ctl_remove_entry(int udir, int logdir, const char *name)
{
	cleanup_close int dir = openat(udir, name,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	char lname[80];

	if (dir >= 0)
		keeper_record_unlink(dir);
	if (unlinkat(udir, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
		warnmsg("rm %s: %s", name, strerror(errno));
	snprintf(lname, sizeof(lname), "%s.log", name);
	if (logdir >= 0)
		(void)unlinkat(logdir, lname, 0);
	snprintf(lname, sizeof(lname), "%s.idx", name);
	if (logdir >= 0)
		(void)unlinkat(logdir, lname, 0);
}

/* The names of UDIR's entries, sorted. */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **
ctl_list_names(int udir, size_t *n)
{
	int fd = fcntl(udir, F_DUPFD_CLOEXEC, 3);
	DIR *d;
	struct dirent *de;
	char **v = NULL;
	size_t cap = 0;

	*n = 0;
	if (fd < 0 || (d = fdopendir(fd)) == NULL)
		die_errno("reading your containers");
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		if (*n == cap) {
			char **nv = reallocarray(v, cap ? 2 * cap : 16,
			    sizeof(char *));

			if (nv == NULL)
				die("out of memory");
			v = nv;
			cap = cap ? 2 * cap : 16;
		}
		if ((v[*n] = strdup(de->d_name)) == NULL)
			die("out of memory");
		(*n)++;
	}
	closedir(d);
	if (*n > 0)
		qsort(v, *n, sizeof(char *), cmp_str);
	return v;
}

void
ctl_free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Logs and their indexes without a record (their records went with a
 * reboot's RUNDIR, or a keeper died between the removals): removed.
 * Under UDIR's lock. */
static void
sweep_logs(int udir, int logdir)
{
	int fd = fcntl(logdir, F_DUPFD_CLOEXEC, 3);
	DIR *d;
	struct dirent *de;

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	/* The duplicate shares LOGDIR's offset (a keeper's is read more
	 * than once). */
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		char name[64];
		struct stat st;

		if (!ctlp_log_name(de->d_name, name, sizeof(name)))
			continue;
		if (fstatat(udir, name, &st, AT_SYMLINK_NOFOLLOW) != 0 &&
		    errno == ENOENT)
			(void)unlinkat(logdir, de->d_name, 0);
	}
	closedir(d);
}

void
ctl_prune(struct ctl_ctx *c, int udir, uid_t uid)
{
	cleanup_close int logdir = ctl_open_logdir(uid);

	if (uid == c->ruid && c->plan != NULL && c->prune)
		ctl_prune_dir(c->plan, udir, logdir);
	else if (logdir >= 0)
		sweep_logs(udir, logdir);
}

int
ctl_open_udir_swept(uid_t uid)
{
	int udir = ctl_open_udir(uid);
	cleanup_close int logdir = -1;

	if (udir >= 0 || (logdir = ctl_open_logdir(uid)) < 0)
		return udir;
	return keeper_udir_make(uid);
}

/* Is NAME running: no end written, its keeper holding its record?  No
 * pruning takes it, and its record need not be read for that. */
static bool
runs_unended(int udir, const char *name)
{
	cleanup_close int dir = openat(udir, name,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	return dir >= 0 &&
	    fstatat(dir, "exit", &st, AT_SYMLINK_NOFOLLOW) != 0 &&
	    errno == ENOENT && keeper_lives(dir);
}

void
ctl_prune_dir(const struct launch_plan *p, int udir, int logdir)
{
	size_t n, k = 0;
	char **names;
	int64_t *ended;
	bool *pr;
	size_t *idx;

	if (logdir >= 0)
		sweep_logs(udir, logdir);
	names = ctl_list_names(udir, &n);
	ended = calloc(n + 1, sizeof(*ended));
	pr = calloc(n + 1, sizeof(*pr));
	idx = calloc(n + 1, sizeof(*idx));
	if (ended == NULL || pr == NULL || idx == NULL)
		die("out of memory");
	for (size_t i = 0; i < n; i++) {
		struct ctl_entry e;

		int dir;
		bool held;

		if (runs_unended(udir, names[i]) ||
		    ctl_load(udir, names[i], &e, &dir) != 0)
			continue;
		/* Ended, and its keeper gone, not still tearing down: a
		 * keeper of --rm removes its record by name at its end. */
		held = keeper_lives(dir);
		close(dir);
		if (!e.has_exit || held)
			continue;
		ended[k] = e.exit.ended;
		idx[k++] = i;
	}
	if (k > 0 &&
	    ctlp_prune(ended, k, (int64_t)time(NULL), p->eff.keep_exited.v,
		p->eff.max_exited.v, pr) > 0) {
		for (size_t j = 0; j < k; j++)
			if (pr[j])
				ctl_remove_entry(udir, logdir, names[idx[j]]);
	}
	free(ended);
	free(pr);
	free(idx);
	ctl_free_names(names, n);
}

/* ---- the user's lock ---- */

/* How long root waits for another user's lock. */
#define CTL_OTHER_LOCK_MS 5000

bool
ctl_lock_udir(struct ctl_ctx *c, const struct ctl_target *t, int udir)
{
	const struct timespec rest = { 0, 10 * 1000000L };

	if (t->uid == c->ruid) {
		if (flock(udir, LOCK_EX) != 0)
			die_errno("lock of the containers' directory");
		return true;
	}
	for (int ms = 0;; ms += 10) {
		if (flock(udir, LOCK_EX | LOCK_NB) == 0)
			return true;
		if (errno != EWOULDBLOCK && errno != EINTR)
			die_errno("lock of the containers' directory");
		if (ms >= CTL_OTHER_LOCK_MS)
			break;
		(void)nanosleep(&rest, NULL);
	}
	warnmsg(
	    "%s: %s's containers are held by a command of theirs that does not end (%d s): skipped",
	    c->req->verb, t->user, CTL_OTHER_LOCK_MS / 1000);
	c->failed = true;
	return false;
}

/* ---- one container by name ---- */

/* Opens NAME of T: its directory, and its record.  false (reported) if
 * there is no such container. */
bool
ctl_find(struct ctl_ctx *c, const struct ctl_target *t, const char *name,
    int *udir, int *dir, struct ctl_entry *e)
{
	*udir = ctl_open_udir(t->uid);
	*dir = -1;
	if (*udir >= 0) {
		if (!ctl_lock_udir(c, t, *udir)) {
			close(*udir);
			*udir = -1;
			return false;
		}
		if (ctl_load(*udir, name, e, dir) == 0) {
			(void)flock(*udir, LOCK_UN);
			return true;
		}
		(void)flock(*udir, LOCK_UN);
		close(*udir);
		*udir = -1;
	}
	warnmsg("%s: no such container: %s", c->req->verb, name);
	c->failed = true;
	return false;
}

void
ctl_done_one(int udir, int dir)
{
	if (dir >= 0)
		close(dir);
	if (udir >= 0)
		close(udir);
}

/* ---- entry ---- */

noreturn void
ctl_main(int argc, char **argv, const struct plan_caller *caller)
{
	struct ctla_request req;
	struct launch_plan plan;
	struct ctl_ctx c;
	struct ctl_err pe;
	uid_t r, e, s;
	sigset_t none;

	memset(&req, 0, sizeof(req));
	/* A command holds no state a signal could leave half-done beyond
	 * what the next command sweeps: Ctrl-C and timeout work on it. */
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) != 0)
		die_errno("sigprocmask");
	memset(&plan, 0, sizeof(plan));
	memset(&c, 0, sizeof(c));
	if (ctla_parse(argc, argv, &req, &pe) != 0)
		die("%s", pe.msg);
	if (req.help) {
		fputs(args_usage, stdout);
		exit(fflush(stdout) != 0 || ferror(stdout) ? CTL_EXIT_FAIL : 0);
	}
	c.req = &req;
	c.env = caller->env;
	c.caller = caller;
	if (getresuid(&r, &e, &s) != 0)
		die_errno("getresuid");
	c.ruid = r;
	if (r != 0) {
		/* Who, from the kernel.  exec and attach run something new
		 * in the container: the policy must allow it.  The others
		 * look at or end the caller's own containers, which a denied
		 * caller or a broken policy must not keep running; the
		 * policy only says how to prune. */
		ids_identify(&plan);
		if (req.cmd == CTLA_EXEC || req.cmd == CTLA_ATTACH)
			plan_policy(&plan);
		else
			c.prune = plan_policy_quiet(&plan) == 0;
		c.plan = &plan;
	}
	switch (req.cmd) {
	case CTLA_PS:
		ctl_ps(&c);
		break;
	case CTLA_LOGS:
		ctl_logs(&c);
		break;
	case CTLA_PORT:
		ctl_port(&c);
		break;
	case CTLA_EXEC:
		ctl_exec(&c);
	case CTLA_ATTACH:
		ctl_attach(&c);
	default:
		ctl_each(&c);
		break;
	}
	if (fflush(stdout) != 0)
		c.failed = true;
	exit(c.failed ? CTL_EXIT_FAIL : 0);
}
