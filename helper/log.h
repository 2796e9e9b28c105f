/*
 * log.h: errors and denials of the setuid helper (the audit trail they
 * feed is audit.h's).
 *
 * Invariants:
 * - Every error and denial MUST end the process with exit status 125 after
 *   one line "ctr-launch: <what was refused>: <why>" on stderr.
 * - A denial MUST reach syslog (LOG_AUTHPRIV) before the stderr line, as
 *   one audit line written by audit.c's encoder (audit.h).
 * - A process other than the front (P0) MUST leave through _exit(), so that
 *   no atexit handler or stdio buffer of its parent runs twice.
 * - Nothing from the caller's environment is ever logged.
 */
#ifndef CTL_LOG_H
#define CTL_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdnoreturn.h>
#include <sys/types.h>

#define CTL_EXIT_FAIL     125 /* ctr-launch failed or refused */
#define CTL_EXIT_NOEXEC   126 /* the command could not be executed */
#define CTL_EXIT_NOTFOUND 127 /* the command was not found */

/* Who is calling, for every later audit line ('user="NAME" uid=N'). */
void log_set_caller(uid_t uid, const char *user);
/* From now on die() leaves through _exit() (every process but P0). */
void log_set_child(void);
/* die(), die_errno() and deny() call FN(ARG) once before exiting, in this
 * process only (K: kill P1, remove the cgroup, close the PAM session);
 * NULL clears it (a child clears it right after its fork or clone). */
void log_set_teardown(void (*fn)(void *), void *arg);
/* Sends syslog lines and stderr lines through these descriptors from now
 * on (-1 keeps the current one); used once stdio may be the container's. */
void log_set_stderr_fd(int fd);

void
die(const char *fmt, ...) __attribute__((__noreturn__, format(printf, 1, 2)));
void die_errno(const char *fmt, ...)
    __attribute__((__noreturn__, format(printf, 1, 2)));
/* A policy, PAM or limit decision against the caller: its audit line
 * (audit_deny(), the reason escaped there), then die. */
void
deny(const char *fmt, ...) __attribute__((__noreturn__, format(printf, 1, 2)));
/* Ends the launch with E's finding, as its core wrote it (err_errno
 * already appended the strerror): deny() for a refusal, else die(). */
struct ctl_err;
void die_err(const struct ctl_err *e) __attribute__((__noreturn__));
/* strdup(S), or die("out of memory"); the helper's one copy. */
char *xstrdup(const char *s) __attribute__((returns_nonnull));
/* A warning on stderr that does not end the launch. */
void warnmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
