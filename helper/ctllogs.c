/*
 * ctllogs.c: logs, a container's log (-n/--tail, -t, --since, --until),
 * and with -f its new bytes from the keeper until the container ends.
 *
 * Invariants:
 * - Text from the logs reaches a terminal with its control bytes escaped
 *   unless --raw (logs are raw bytes when not a terminal).
 * - The log and its index MUST be opened beneath the user's log
 *   directory without following symlinks, as regular files.
 * - logs MUST drop to the caller once the log and the socket are open.
 * - logs -t, --since and --until MUST take a line's time from the
 *   keeper's index only (followed bytes: the clock when they arrive),
 *   never from the log's bytes; a log without its index gets no times.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/io.h"
#include "lib/cleanup.h"
#include "helper/creds.h"
#include "helper/ctl_priv.h"
#include "helper/ctlproto.h"
#include "helper/keeper.h"
#include "helper/log.h"
#include "helper/logidx.h"
#include "helper/plan.h"

/* The start of a UTF-8 sequence that a piece of the log cut short: it
 * goes before the next piece (at most 3 bytes). */
static unsigned char held[4];
static size_t nheld;

/* At the end, a sequence still cut short is escaped. */
static void
flush_held(void)
{
	for (size_t i = 0; i < nheld; i++)
		printf("\\x%02x", held[i]);
	nheld = 0;
	(void)fflush(stdout);
}

static void
out_bytes(const struct ctl_ctx *c, const char *buf, size_t len, bool tty)
{
	static bool registered;
	const unsigned char *p = (const unsigned char *)buf;
	unsigned char *joined = NULL;

	if (!tty || c->req->raw) {
		if (io_write_all(STDOUT_FILENO, buf, len) != 0)
			exit(0);
		return;
	}
	/* To a terminal: newlines, tabs, printable ASCII and well-formed
	 * UTF-8 text as they are; other bytes escaped, C1 controls too. */
	if (!registered && atexit(flush_held) == 0)
		registered = true;
	if (nheld > 0) {
		if ((joined = malloc(nheld + len)) == NULL)
			die("out of memory");
		memcpy(joined, held, nheld);
		memcpy(joined + nheld, buf, len);
		p = joined;
		len += nheld;
		nheld = 0;
	}
	for (size_t i = 0; i < len;) {
		size_t u = ctlp_term_unit(p + i, len - i);

		if (u == CTLP_TERM_MORE) {
			nheld = len - i;
			memcpy(held, p + i, nheld);
			break;
		}
		if (u == 0) {
			printf("\\x%02x", p[i++]);
			continue;
		}
		(void)fwrite(p + i, 1, u, stdout);
		i += u;
	}
	free(joined);
	(void)fflush(stdout);
}

/* Where --tail N starts in the log (LOG, SIZE bytes). */
static uint64_t
tail_start(int log, uint64_t size, uint64_t n)
{
	char buf[65536];
	uint64_t end = size, seen = 0;

	if (n == UINT64_MAX)
		return 0;
	if (n == 0)
		return size;
	/* A last line without its newline counts as one. */
	if (size > 0 && pread(log, buf, 1, (off_t)(size - 1)) == 1 &&
	    buf[0] == '\n')
		end = size - 1;
	while (end > 0) {
		uint64_t from = end > sizeof(buf) ? end - sizeof(buf) : 0;
		ssize_t r = pread(log, buf, (size_t)(end - from), (off_t)from);

		if (r <= 0)
			return 0;
		for (ssize_t i = r; i > 0; i--)
			if (buf[i - 1] == '\n' && ++seen == n)
				return from + (uint64_t)i;
		end = from;
	}
	return 0;
}

static void
copy_log(const struct ctl_ctx *c, int log, uint64_t from, uint64_t to, bool tty)
{
	char buf[65536];

	while (from < to) {
		size_t want = to - from < sizeof(buf) ? to - from : sizeof(buf);
		ssize_t r = pread(log, buf, want, (off_t)from);

		if (r <= 0)
			return;
		out_bytes(c, buf, (size_t)r, tty);
		from += (uint64_t)r;
	}
}

/* logs -t, --since, --until (logidx.h): what is printed goes out as
 * out_bytes does, gathered (a stamp and a line are two pieces). */
struct lines_out {
	const struct ctl_ctx *c;
	bool tty;
	size_t len;
	char buf[65536];
};

static void
lines_flush(struct lines_out *o)
{
	if (o->len > 0)
		out_bytes(o->c, o->buf, o->len, o->tty);
	o->len = 0;
}

static void
lines_out(void *ctx, const char *buf, size_t len)
{
	struct lines_out *o = ctx;

	if (o->len + len > sizeof(o->buf))
		lines_flush(o);
	if (len > sizeof(o->buf)) {
		out_bytes(o->c, buf, len, o->tty);
		return;
	}
	memcpy(o->buf + o->len, buf, len);
	o->len += len;
}

static int64_t
now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		die_errno("clock_gettime");
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
idx_read(void *ctx, uint64_t i, struct lidx_rec *r)
{
	unsigned char b[LIDX_REC_LEN];

	if (pread(*(const int *)ctx, b, sizeof(b), (off_t)(i * LIDX_REC_LEN)) !=
	    (ssize_t)sizeof(b))
		return -1;
	lidx_decode(b, r);
	return 0;
}

/*
 * [FROM, TO) of the log LOG through L, each line with the time of the
 * chunk holding its first byte, from the index IDX.  A record out of
 * order (a trim meanwhile) ends the index: the rest has the last time.
 * false once --until ended the output.
 */
static bool
copy_log_timed(const char *name, int log, int idx, uint64_t from, uint64_t to,
    struct lidx_lines *l, struct lines_out *o)
{
	char buf[65536];
	struct stat st;
	uint64_t n = 0, i = 0;
	struct lidx_rec r, next;

	if (from >= to)
		return true;
	if (fstat(idx, &st) == 0)
		n = (uint64_t)st.st_size / LIDX_REC_LEN;
	if (n > 0)
		i = lidx_find(n, from, idx_read, &idx);
	if (n == 0 || idx_read(&idx, i, &r) != 0)
		die("logs: the log of %s has no timestamps", name);
	while (from < to) {
		uint64_t seg = to;
		bool more = i + 1 < n && idx_read(&idx, i + 1, &next) == 0 &&
		    next.off > r.off && next.t >= r.t;

		if (!more)
			n = i + 1;
		if (more && next.off <= from) {
			i++;
			r = next;
			continue;
		}
		if (more && next.off < to)
			seg = next.off;
		while (from < seg) {
			size_t want = seg - from < sizeof(buf) ?
			    (size_t)(seg - from) :
			    sizeof(buf);
			ssize_t k = pread(log, buf, want, (off_t)from);
			bool on;

			if (k <= 0)
				return true;
			on = lidx_lines_feed(l, buf, (size_t)k, r.t, lines_out,
			    o);
			lines_flush(o);
			if (!on)
				return false;
			from += (uint64_t)k;
		}
		if (more) {
			i++;
			r = next;
		}
	}
	return true;
}

/* Waits for the follow socket until --until (LIDX_NEVER: for ever);
 * false once it passed. */
static bool
follow_wait(int sock, int64_t until)
{
	for (;;) {
		struct pollfd pf = { sock, POLLIN, 0 };
		int64_t left;
		int ms;

		if (until == LIDX_NEVER)
			return true;
		left = until - now_ns();
		if (left <= 0)
			return false;
		ms = left / 1000000 >= 3600000 ? 3600000 :
						 (int)(left / 1000000) + 1;
		if (poll(&pf, 1, ms) > 0)
			return true;
	}
}

/*
 * Opens the log of the container NAME of T (and with TIMED its index,
 * into *LOG and *IDX) and, logs -f of a running one, its keeper's follow
 * socket (*SOCK, else -1).  Returns where the log ends for this command:
 * its size, or where the following begins.  Dies when there is no such
 * container or log.
 */
static uint64_t
logs_open(struct ctl_ctx *c, const struct ctl_target *t, bool timed, int *log,
    int *idx, int *sock)
{
	const char *name = c->req->names[0];
	int udir, dir;
	cleanup_close int logdir = -1;
	struct ctl_entry e;
	struct ctlp_resp r;
	struct stat st;
	char lname[80];
	uint64_t end;

	if (!ctl_find(c, t, name, &udir, &dir, &e))
		exit(CTL_EXIT_FAIL);
	logdir = ctl_open_logdir(t->uid);
	snprintf(lname, sizeof(lname), "%s.log", name);
	if (logdir < 0 ||
	    (*log = openat(logdir, lname,
		 O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0 ||
	    fstat(*log, &st) != 0 || !S_ISREG(st.st_mode))
		die("logs: container %s has no log", name);
	snprintf(lname, sizeof(lname), "%s.idx", name);
	if (timed &&
	    ((*idx = openat(logdir, lname,
		  O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0 ||
		fstat(*idx, &st) != 0 || !S_ISREG(st.st_mode)))
		die("logs: container %s has no timestamps (its keeper predates them)",
		    name);
	if (fstat(*log, &st) != 0)
		die_errno("logs: %s", name);
	end = (uint64_t)st.st_size;
	*sock = -1;
	if (c->req->follow && e.running) {
		*sock = keeper_connect(dir);
		if (*sock >= 0 && ctl_ask(*sock, CTLP_FOLLOW, 0, &r) == 0) {
			ctl_resp_check(name, &r);
			end = r.log_off;
		} else if (*sock >= 0) {
			close(*sock);
			*sock = -1;
		}
	}
	ctl_done_one(udir, dir);
	return end;
}

/* logs -f: the log's new bytes from the keeper on SOCK until the
 * container's end or --until; with LINES (-t, --since, --until) stamped
 * on arrival through O. */
static void
logs_follow(const struct ctl_ctx *c, int sock, int64_t until, bool tty,
    struct lidx_lines *lines, struct lines_out *o)
{
	for (;;) {
		unsigned char in[4 + CTLP_DATA_MAX];
		ssize_t k;

		if (!follow_wait(sock, until))
			return;
		k = recv(sock, in, sizeof(in), 0);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			die("logs: the container's output was more than could be followed; run logs again");
		if (!ctl_is_data(in, k))
			return; /* The end. */
		/* Followed bytes: stamped on arrival. */
		if (lines == NULL) {
			out_bytes(c, (const char *)in + 4, (size_t)k - 4, tty);
		} else {
			bool on = lidx_lines_feed(lines, (const char *)in + 4,
			    (size_t)k - 4, now_ns(), lines_out, o);

			lines_flush(o);
			if (!on)
				return;
		}
	}
}

/* A time without a zone, read as local time: its seconds counted as if
 * UTC, to the epoch's (mktime, in the caller's zone). */
static int
local_secs(int64_t naive, int64_t *secs)
{
	time_t t = (time_t)naive, r;
	struct tm tm;

	if ((int64_t)t != naive || gmtime_r(&t, &tm) == NULL)
		return -1;
	tm.tm_isdst = -1;
	errno = 0;
	if ((r = mktime(&tm)) == (time_t)-1 && errno != 0)
		return -1;
	*secs = (int64_t)r;
	return 0;
}

/* --since and --until, after the drop (ctla_parse checked them): a
 * duration counts from now; a time without a zone is the caller's local
 * time, in their TZ when they have one (a zone name: glibc refuses a
 * path from a setuid program), else the system's. */
static void
logs_bounds(struct ctl_ctx *c, struct lidx_lines *lines)
{
	int64_t since = LIDX_NONE, until = LIDX_NEVER, now = now_ns();

	for (size_t i = 0; c->env != NULL && c->env[i] != NULL; i++)
		if (strncmp(c->env[i], "TZ=", 3) == 0 &&
		    setenv("TZ", c->env[i] + 3, 1) != 0)
			die("out of memory");
	tzset();
	if ((c->req->since != NULL &&
		lidx_parse_time(c->req->since, now, local_secs, &since) != 0) ||
	    (c->req->until != NULL &&
		lidx_parse_time(c->req->until, now, local_secs, &until) != 0))
		die("logs: --since or --until out of range");
	lidx_lines_init(lines, c->req->timestamps, since, until);
}

void
ctl_logs(struct ctl_ctx *c)
{
	size_t n;
	struct ctl_target *t = ctl_targets(c, &n);
	const char *name = c->req->names[0];
	int sock;
	cleanup_close int log = -1, idx = -1;
	uint64_t end;
	bool tty = isatty(STDOUT_FILENO);
	bool timed = c->req->timestamps || c->req->since != NULL ||
	    c->req->until != NULL;
	static struct lines_out o;
	struct lidx_lines lines;

	o.c = c;
	o.tty = tty;
	end = logs_open(c, &t[0], timed, &log, &idx, &sock);
	free(t);
	/* Everything is open: the caller's own rights from here. */
	if (c->plan != NULL)
		creds_drop_front(c->plan);
	logs_bounds(c, &lines);
	if (!timed)
		copy_log(c, log, tail_start(log, end, c->req->tail), end, tty);
	else if (!copy_log_timed(name, log, idx,
		     tail_start(log, end, c->req->tail), end, &lines, &o))
		return; /* past --until */
	if (sock >= 0)
		logs_follow(c, sock, lines.until, tty, timed ? &lines : NULL,
		    &o);
}
