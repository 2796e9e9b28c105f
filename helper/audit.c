/*
 * audit.c: the grant and end lines of the audit trail, one syslog line
 * each (LOG_AUTHPRIV, through audit() of log.c), key=value.
 *
 * Invariants:
 * - Every value that is not a number MUST be double-quoted with '"' and
 *   '\' escaped and control or non-ASCII bytes written as \xHH, so that no
 *   value (a bind path, a name) can forge another key.
 * - Nothing from the caller's environment MUST be logged: only the plan's
 *   validated fields (name, image, digest, binds, limits).
 * - The binds come last, so that a truncated line loses binds, never the
 *   name, image or limits.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "audit.h"
#include "cgroup.h"
#include "log.h"

static struct timespec started;
static bool granted;

static void
append(char *buf, size_t len, const char *s)
{
	size_t n = strlen(buf);

	if (n + 1 < len)
		snprintf(buf + n, len - n, "%s", s);
}

void
audit_quote(char *buf, size_t len, const char *v)
{
	char esc[8];

	append(buf, len, "\"");
	for (const unsigned char *p = (const unsigned char *)v; v && *p; p++) {
		if (*p == '"' || *p == '\\')
			snprintf(esc, sizeof(esc), "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			snprintf(esc, sizeof(esc), "\\x%02x", *p);
		else
			snprintf(esc, sizeof(esc), "%c", *p);
		append(buf, len, esc);
	}
	append(buf, len, "\"");
}

static void
kv(char *buf, size_t len, const char *key, const char *v)
{
	append(buf, len, " ");
	append(buf, len, key);
	append(buf, len, "=");
	audit_quote(buf, len, v);
}

int
audit_format_grant(char *buf, size_t len, const struct launch_plan *p)
{
	struct cgroup_limits lim = { p->cpus, p->memory, p->pids };
	char limits[128], bind[8192];

	if (len == 0)
		return -1;
	buf[0] = '\0';
	append(buf, len, "event=grant");
	kv(buf, len, "name", p->name);
	kv(buf, len, "image", p->image ? p->image->name : "");
	kv(buf, len, "digest", p->image ? p->image->digest : "");
	cgroup_format_limits(limits, sizeof(limits), &lim);
	append(buf, len, " ");
	append(buf, len, limits);
	append(buf, len,
	    p->seccomp == POLICY_SECCOMP_UNCONFINED ? " seccomp=unconfined" :
						      " seccomp=default");
	append(buf, len,
	    p->net == PLAN_NET_NONE ? " network=none" : " network=host");
	bind[0] = '\0';
	for (size_t i = 0; i < p->nbinds; i++) {
		const struct plan_bind *b = &p->binds[i];
		size_t n = strlen(bind);

		snprintf(bind + n, sizeof(bind) - n, "%s%s:%s:%s", i ? "," : "",
		    b->src, b->dst, b->ro ? "ro" : "rw");
	}
	kv(buf, len, "binds", bind);
	return 0;
}

int
audit_format_end(char *buf, size_t len, const struct launch_plan *p, int status,
    double seconds)
{
	char tail[96];

	if (len == 0)
		return -1;
	buf[0] = '\0';
	append(buf, len, "event=end");
	kv(buf, len, "name", p->name);
	if (status > 128 && status < 128 + 65)
		snprintf(tail, sizeof(tail), " status=%d signal=%d", status,
		    status - 128);
	else
		snprintf(tail, sizeof(tail), " status=%d", status);
	append(buf, len, tail);
	snprintf(tail, sizeof(tail), " runtime=%.3fs",
	    seconds < 0 ? 0.0 : seconds);
	append(buf, len, tail);
	return 0;
}

void
audit_grant(const struct launch_plan *p)
{
	char line[1024];

	clock_gettime(CLOCK_MONOTONIC, &started);
	granted = true;
	audit_format_grant(line, sizeof(line), p);
	audit(LOG_INFO, "%s", line);
}

void
audit_end(const struct launch_plan *p, int status)
{
	struct timespec now;
	double secs = 0;
	char line[512];

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (granted)
		secs = (double)(now.tv_sec - started.tv_sec) +
		    (double)(now.tv_nsec - started.tv_nsec) / 1e9;
	audit_format_end(line, sizeof(line), p, status, secs);
	audit(LOG_INFO, "%s", line);
}
