/*
 * err.h: the one error shape of every function that reports a failure
 * instead of ending the program: lib/, policy/, image/ and the cores of
 * the helper's executors (their die()-ing wrappers turn it into the
 * launch's one-line refusal).
 *
 * A finding is either a refusal (DENIED: a limit or a rule said no; ERR
 * is 0) or a failure (ERR is the errno of the call that failed).  FILE
 * and LINE locate a finding in a configuration file when there is one
 * (the admin tools print "file:line: msg", like visudo).
 */
#ifndef CTL_ERR_H
#define CTL_ERR_H

#include <stdarg.h>
#include <stdbool.h>

struct ctl_err {
	char file[256]; /* the file the finding is about, or "" */
	int line;       /* 1-based line in FILE; 0 when not line-specific */
	int err;        /* errno of a failure; 0 for a refusal */
	bool denied;    /* a refusal, not a failure */
	char msg[1024]; /* one line, no trailing newline */
};

/* Each sets E's message (printf format) and returns -1.  E may be NULL.
 * err_set: a failure without an errno; err_errno: the same with
 * ": strerror(errno)" appended and ERR set (errno is preserved);
 * err_deny: a refusal; err_at: a finding at FILE:LINE. */
int err_set(struct ctl_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int err_errno(struct ctl_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int err_deny(struct ctl_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int err_at(struct ctl_err *e, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int err_vat(struct ctl_err *e, const char *file, int line, const char *fmt,
    va_list ap) __attribute__((format(printf, 4, 0)));

#endif
