/*
 * log.c: errors and denials of the setuid helper (a denial's audit line
 * is written by audit.c).
 *
 * Invariants:
 * - die(), die_errno() and deny() MUST exit 125 after exactly one stderr
 *   line prefixed "ctr-launch: ".
 * - deny() MUST write its syslog line before its stderr line.
 * - In any process but the front (P0), exit MUST be _exit().
 * - A teardown hook MUST run at most once, and only in the process that
 *   registered it (never in a child forked or cloned after), after the
 *   stderr line and before the exit.
 * - Messages MUST be bounded and the stderr line MUST NOT carry control
 *   characters from the caller (they are replaced by '?').
 * - deny() MUST hand its reason, as formatted and before that replacement,
 *   to audit_deny() and MUST NOT build an audit line itself: the encoder
 *   of audit.c writes every audit line (so a '"', ',' or newline in a path
 *   is escaped there, never passed on nor turned into '?').
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/err.h"
#include "helper/audit.h"
#include "helper/log.h"

static bool in_child;
static int err_fd = STDERR_FILENO;
static void (*teardown_fn)(void *);
static void *teardown_arg;
static pid_t teardown_pid;

void
log_set_caller(uid_t uid, const char *user)
{
	audit_set_caller(uid, user);
}

void
log_set_child(void)
{
	in_child = true;
}

void
log_set_teardown(void (*fn)(void *), void *arg)
{
	teardown_fn = fn;
	teardown_arg = fn != NULL ? arg : NULL;
	teardown_pid = fn != NULL ? getpid() : 0;
}

void
log_set_stderr_fd(int fd)
{
	if (fd >= 0)
		err_fd = fd;
}

/* Replaces control characters so that one message is one line and no
 * terminal obeys it: C0, DEL, and C1 written in UTF-8 (U+0080 to
 * U+009F). */
static void
sanitize(char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s, d = (unsigned char)s[1];

		if (c < 0x20 || c == 0x7f) {
			*s = '?';
		} else if (c == 0xc2 && d >= 0x80 && d <= 0x9f) {
			s[0] = s[1] = '?';
			s++;
		}
	}
}

static void
emit(const char *msg, int err)
{
	char line[1200];
	int n;

	if (err)
		n = snprintf(line, sizeof(line), "ctr-launch: %s: %s\n", msg,
		    strerror(err));
	else
		n = snprintf(line, sizeof(line), "ctr-launch: %s\n", msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	(void)!write(err_fd, line, (size_t)n);
}

static noreturn void
leave(void)
{
	void (*fn)(void *) = teardown_fn;

	/* Once: a failure inside the hook leaves without running it again. */
	teardown_fn = NULL;
	if (fn != NULL && getpid() == teardown_pid)
		fn(teardown_arg);
	if (in_child)
		_exit(CTL_EXIT_FAIL);
	exit(CTL_EXIT_FAIL);
}

/* One stderr line: the message formatted, sanitized, and ": strerror(ERR)"
 * when ERR is not 0. */
static void
say(int err, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	sanitize(msg);
	emit(msg, err);
}

void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(0, fmt, ap);
	va_end(ap);
	leave();
}

void
die_errno(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	say(saved, fmt, ap);
	va_end(ap);
	leave();
}

void
deny(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	audit_deny(msg);
	sanitize(msg);
	emit(msg, 0);
	leave();
}

void
die_err(const struct ctl_err *e)
{
	if (e->denied)
		deny("%s", e->msg);
	die("%s", e->msg);
}

void
warnmsg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(0, fmt, ap);
	va_end(ap);
}

char *
xstrdup(const char *s)
{
	char *r = strdup(s);

	if (r == NULL)
		die("out of memory");
	return r;
}
