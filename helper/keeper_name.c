/*
 * keeper_name.c: the name of a detached container (run -d, run -it, a
 * Slurm step's): its state directory under RUNDIR, flocked for the
 * container's life, the records in it (info, exit) and the connection to
 * its keeper's ctl socket; the name given back and the user's empty
 * directories removed.
 *
 * Invariants:
 * - run -d MUST be refused inside a batch job's confinement, and when the
 *   policy says allow_detach = no (plan.c), with the reason.
 * - The state and log directories MUST be root-owned and 0700 all the way
 *   from RUNDIR/ctr-launch and STATEDIR/ctr-launch; a name MUST match
 *   [A-Za-z0-9][A-Za-z0-9_.-]{0,62} and MUST be unique per user (mkdir
 *   under the user's directory lock; the flock on the directory marks a
 *   living keeper).
 * - The user's directories (c/u<uid>, logs/u<uid>) MUST be removed only
 *   empty and under the user's lock, logs first (keeper_udir_drop); a
 *   reservation MUST start again when the directory it locked was
 *   unlinked meanwhile.
 * - A failure of K's setup before P0 is told MUST leave nothing (no state
 *   directory, no log), the name free (keeper_abandon).
 * - A new name MUST be taken only after the user's ended containers
 *   beyond keep_exited and max_exited are removed (ctl_prune_dir), so
 *   that a user who never runs ps still keeps at most max_exited records
 *   and their logs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "helper/args.h"
#include "helper/ctl.h"
#include "helper/keeper.h"
#include "helper/keeper_priv.h"
#include "helper/log.h"
#include "lib/cleanup.h"

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

int
keeper_udir_make(uid_t uid)
{
	char u[32];
	const char *c[] = { "ctr-launch", "c", u };

	snprintf(u, sizeof(u), "u%u", (unsigned)uid);
	return dirs_open(CTL_RUNDIR, c, 3);
}

static void
user_dirs(uid_t uid)
{
	char u[32];
	const char *l[] = { "ctr-launch", "logs", u };

	snprintf(u, sizeof(u), "u%u", (unsigned)uid);
	ks.udir = keeper_udir_make(uid);
	ks.logdir = dirs_open(CTL_STATEDIR, l, 3);
}

/* Writes BUF as DIR/NAME atomically (NAME.tmp, then renamed). */
int
keeper_record_write(int dir, const char *name, const char *buf, size_t len)
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
 * its flock), false if it exists.  The user's ended containers beyond P's
 * keep_exited and max_exited go first, as with the user's next ps. */
bool
keeper_take_name(const struct launch_plan *p, const char *name)
{
	int fd;

	/* Under the user's lock, as the commands that sweep (ctl.c); the
	 * directories removed meanwhile (keeper_udir_drop): opened again. */
	for (int tries = 0;; tries++) {
		struct stat us, ls;

		if (!keeper_lock_user())
			die(KEEPER_LOCK_BUSY);
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
	ctl_prune_dir(p, ks.udir, ks.logdir);
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

void
keeper_state_init(const struct launch_plan *p, const char *name)
{
	for (size_t i = 0; i < KEEPER_MAX_CLIENTS; i++)
		ks.cl[i].fd = ks.cl[i].xpidfd = ks.cl[i].xalive = -1;
	ks.uid = p->uid;
	snprintf(ks.name, sizeof(ks.name), "%s", name);
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
	keeper_state_init(p, p->name);
	if (!keeper_take_name(p, p->name))
		deny(
		    "run %s refused: the name %s is already in use by one of your containers (ctr-launch ps -a; rm it first)",
		    p->detach ? "-d" : "-it", p->name);
}

bool
keeper_lock_user(void)
{
	const struct timespec rest = { 0, 10 * 1000000L };

	for (int ms = 0; ms < KEEPER_LOCK_MS; ms += 10) {
		if (flock(ks.udir, LOCK_EX | LOCK_NB) == 0)
			return true;
		if (errno != EWOULDBLOCK && errno != EINTR)
			die_errno("lock of your containers' directory");
		(void)nanosleep(&rest, NULL);
	}
	return false;
}

bool
keeper_lives(int dir)
{
	if (flock(dir, LOCK_SH | LOCK_NB) != 0)
		return true;
	(void)flock(dir, LOCK_UN);
	return false;
}

void
keeper_record_unlink(int dir)
{
	static const char *const files[] = { "ctl", "exit", "info.tmp",
		"exit.tmp", "info" };

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		(void)unlinkat(dir, files[i], 0);
}

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

void
keeper_forget(void)
{
	xclose(&ks.udir);
	xclose(&ks.dir);
	xclose(&ks.logdir);
	keeper_log_close();
	xclose(&ks.out[0]);
	xclose(&ks.listen);
	xclose(&ks.timer);
	ks.src = -1;
}

void
keeper_remove_state(bool with_log)
{
	char lname[80];
	bool locked;

	if (ks.dir >= 0)
		keeper_record_unlink(ks.dir);
	/* The directory goes under the user's lock; a lock held too long
	 * leaves it, empty, to the next command's sweep. */
	locked = ks.udir >= 0 && ks.name[0] != '\0' && keeper_lock_user();
	if (locked)
		(void)unlinkat(ks.udir, ks.name, AT_REMOVEDIR);
	if (with_log && ks.logdir >= 0 && ks.name[0] != '\0') {
		snprintf(lname, sizeof(lname), "%s.log", ks.name);
		(void)unlinkat(ks.logdir, lname, 0);
		snprintf(lname, sizeof(lname), "%s.idx", ks.name);
		(void)unlinkat(ks.logdir, lname, 0);
	}
	if (locked) {
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
	keeper_remove_state(true);
	ks.created = false;
}
