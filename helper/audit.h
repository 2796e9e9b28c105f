/*
 * audit.h: the audit trail (step 4 of DESIGN section 5): one syslog line
 * (LOG_AUTHPRIV) per decision, "user=... uid=N event=deny|grant|end ...",
 * every value written by the one encoder of audit.c (format in audit.c
 * and in the audit step of ctr-launch(1)).  deny() of log.c sends its
 * denial here.
 */
#ifndef CTL_AUDIT_H
#define CTL_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "helper/plan.h"

/* The longest line sent (with its caller keys), so that a syslog daemon's
 * usual 8 KiB message limit never cuts it: a longer line is cut by the
 * encoder and ends with " truncated=yes". */
#define AUDIT_LINE_MAX 7680

/* The formatters write one line (or its caller keys) into BUF, a string
 * of at most LEN - 1 bytes; 0 when complete, -1 when cut (the line then
 * ends with " truncated=yes") or when LEN cannot hold that marker. */

/* "user=... uid=N": the caller keys that start every line sent. */
int audit_format_caller(char *buf, size_t len, uid_t uid, const char *user);
/* "event=deny reason=..." for the denial REASON (any bytes). */
int audit_format_deny(char *buf, size_t len, const char *reason);
/* "event=grant name=... image=... digest=... limits... binds=..." */
int audit_format_grant(char *buf, size_t len, const struct launch_plan *);
/* "event=end name=... status=N [signal=S] [usage...] runtime=...s" for the exit
 * STATUS ctr-launch reports (128+S when the container died of signal S). */
int audit_format_end(char *buf, size_t len, const struct launch_plan *,
    int status, double seconds);
/* Appends VALUE to the string in BUF as one double-quoted, escaped value
 * (cut at an escape, the quote always closed, when LEN is short). */
void audit_quote(char *buf, size_t len, const char *value);

/* Who is calling (log_set_caller() of log.c passes it on); the user name
 * is copied.  Before, lines say user="?" uid=-1. */
void audit_set_caller(uid_t uid, const char *user);
/* Inside a batch job: the job and step ids of its cgroup path
 * (jobids.c) go on every line from here on. */
void audit_set_job(const char *cgroup_path);
/* K: the container's name on the grant and end lines, when K named it (a
 * Slurm step's container); NAME must outlive the run. */
void audit_set_name(const char *name);
/* Any process: the denial line (deny() of log.c calls it first). */
void audit_deny(const char *reason);
/* K: the grant, once P1 reported its setup done (starts the run time). */
void audit_grant(const struct launch_plan *);
/* K: the end of the container, with the exit status reported. */
void audit_end(const struct launch_plan *, int status);
struct cgroup_usage;
struct rusage;
/* K: the container init's resource usage (its reaped processes included):
 * the end line's CPU time where the cgroup does not tell. */
void audit_rusage(const struct rusage *);
/* K: what the container used (cgroup.c, just before its cgroup goes); the
 * end line reports it as cpu_user, cpu_system (seconds), memory_peak
 * (bytes), oom_kills and pids_peak, each where the kernel tells. */
void audit_usage(const struct cgroup_usage *);
/* K: what the -p forwarder did (ports.c, once the container ended). */
struct audit_forward {
	uint64_t forwarded, refused, dropped, failed, broken;
	bool died; /* before the container ended */
	int signal, status;
};
void audit_forward(const struct audit_forward *);

#endif
