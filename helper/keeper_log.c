/*
 * keeper_log.c: the log of a detached container: K holds the read end of
 * its output (or the pty master with -t) and appends it to a capped log
 * under STATEDIR, with the log's index of times (logs -t) next to it.
 *
 * Invariants:
 * - The log MUST stay the container's raw bytes: its times (logs -t) are
 *   kept apart, in NAME.idx next to it (root, 0600, logidx.h), removed
 *   with it.  The index is bounded: a record only for a chunk read in
 *   which a line starts, none within LIDX_COALESCE of the last one, so at
 *   most one per chunk; it takes at most 1/LIDX_SHARE of the cap
 *   (lidx_split: log and index together stay within it), and a full
 *   index keeps its newest half with the log bytes they cover, as a full
 *   log keeps its newest bytes with their records: every byte kept has
 *   its time.
 * - Writing the log MUST NOT block the container: reads of its output go
 *   on whatever happens to the log (full, trimmed, file system short of
 *   space, slow followers, which are dropped); the log is kept within its
 *   cap, newest bytes kept, and writing stops below 5% free space.  The
 *   one client the output waits for is the launcher of run -it (the
 *   caller's terminal of a foreground run), and only until it detaches
 *   (keeper_ctl.c).
 * - Output a failed write dropped MUST be told in the log (how many
 *   bytes, why) once writing works again.
 * - A new log's cap MUST leave the user's logs within user_log_size
 *   (beyond the 4 KiB each log has at least): the other logs count at
 *   their size when their container has ended and at the whole log_size
 *   while it lives, since they still grow; the count is taken under the
 *   user's lock.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "helper/ctlproto.h"
#include "helper/keeper_priv.h"
#include "helper/log.h"
#include "helper/logidx.h"

/* Is NAME one of the user's other containers whose keeper lives? */
static bool
kept_elsewhere(const char *name)
{
	int dir;
	bool held;

	if (strcmp(name, ks.name) == 0)
		return false;
	dir = openat(ks.udir, name,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0)
		return false;
	held = keeper_lives(dir);
	close(dir);
	return held;
}

/* What the user's other logs hold or may come to hold: a living
 * container's its whole log_size (it is still writing), an ended one's
 * its size. */
static uint64_t
others_reserved(const struct launch_plan *p)
{
	uint64_t sum = 0;
	DIR *d;
	struct dirent *de;
	int fd = fcntl(ks.udir, F_DUPFD_CLOEXEC, 3);

	/* A duplicate shares the directory's offset, which an earlier
	 * listing may have left at its end: rewound. */
	if (fd >= 0 && (d = fdopendir(fd)) != NULL) {
		rewinddir(d);
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.' && kept_elsewhere(de->d_name))
				sum += p->eff.log_size.v;
		closedir(d);
	} else if (fd >= 0) {
		close(fd);
	}
	fd = fcntl(ks.logdir, F_DUPFD_CLOEXEC, 3);
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return sum;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		char name[80];
		struct stat st;

		if (!ctlp_log_name(de->d_name, name, sizeof(name)) ||
		    fstatat(ks.logdir, de->d_name, &st, AT_SYMLINK_NOFOLLOW) !=
			0 ||
		    !S_ISREG(st.st_mode))
			continue;
		/* This container's own (an earlier one's of its name goes),
		 * or counted above. */
		if (strcmp(name, ks.name) == 0 || kept_elsewhere(name))
			continue;
		sum += (uint64_t)st.st_size;
	}
	closedir(d);
	return sum;
}

/* Room for the log: the policy's log_size, within what the user's other
 * logs leave of user_log_size (others_reserved); at least 4 KiB. */
static uint64_t
log_cap(const struct launch_plan *p)
{
	uint64_t cap = p->eff.log_size.v, others, user = p->eff.user_log_size.v;

	if (user != POLICY_UNLIMITED) {
		/* Under the user's lock, as names are taken (keeper_name.c):
		 * a probe of a state directory's flock never meets a new one
		 * between its mkdir and its keeper's flock. */
		if (!keeper_lock_user())
			die(KEEPER_LOCK_BUSY);
		others = others_reserved(p);
		(void)flock(ks.udir, LOCK_UN);
		cap = others >= user ?
		    4096 :
		    (user - others < cap ? user - others : cap);
	}
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

void
keeper_log_append(const char *buf, size_t len)
{
	uint64_t take = ctlp_log_take(len, ks.cap);
	uint64_t keep;

	keeper_follow_send(buf, len);
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
		/* Told in the log once writing works again, as the output a
		 * failed write drops is. */
		ks.lost += take;
		ks.lost_err = ENOSPC;
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
bool
keeper_log_read(void)
{
	char buf[CTLP_DATA_MAX];
	ssize_t n = read(ks.src, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	keeper_log_append(buf, (size_t)n);
	return true;
}

/* One read of what the container wrote: the bytes taken into the log,
 * 0 when nothing is there now, at its end, or on an error. */
size_t
keeper_log_take(void)
{
	char buf[CTLP_DATA_MAX];
	ssize_t n;

	while ((n = read(ks.src, buf, sizeof(buf))) < 0 && errno == EINTR)
		;
	if (n <= 0)
		return 0;
	keeper_log_append(buf, (size_t)n);
	return (size_t)n;
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
keeper_log_open(const struct launch_plan *p, struct monitor *m)
{
	ks.log = log_file(ks.name, "log", "log");
	/* Its index next to it: NAME.idx, a share of the cap. */
	kidx.fd = log_file(ks.name, "idx", "log index");
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
}

void
keeper_log_close(void)
{
	xclose(&ks.log);
	xclose(&kidx.fd);
}
