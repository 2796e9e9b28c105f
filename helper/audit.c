/*
 * audit.c: the audit trail: one syslog line (LOG_AUTHPRIV) per decision,
 * the caller's keys first, every value written by the one encoder below.
 *
 * The encoding (the audit step of ctr-launch(1) says the same):
 *   line   = pair *(" " pair)
 *   pair   = key "=" (token / quoted)
 *   key    = 1*[a-z_]
 *   token  = 1*[A-Za-z0-9._-]       numbers and the helper's own words
 *   quoted = '"' *(char / '\"' / '\\' / "\x" 2[0-9a-f]) '"'
 *   char   = a byte from 0x20 to 0x7e but '"' and '\'
 * A string is always quoted, whatever it holds: '"' and '\' are written
 * \" and \\, a byte below 0x20 or from 0x7f up \xHH, every other byte as
 * itself; nothing else is escaped, so each string has exactly one text.
 * A list (binds) is one quoted value: its elements separated by ',', the
 * fields of an element (source, destination, mode) by ':', and inside a
 * field ',' and ':' are written \x2c and \x3a as well.  A reader splits
 * the raw value at ',' and ':' first, then decodes each field.
 *
 * Invariants:
 * - Every value of every line (caller, deny, grant and end) MUST be written
 *   by put_str() or put_token() (lists by put_element()), all through
 *   encode_byte(): a string always quoted and escaped as above, a token
 *   only of [A-Za-z0-9._-] (anything else offered as one is quoted).
 * - The encoding MUST be canonical and decode back to the very bytes
 *   given, so that no value (a path, a name, a reason) can forge a key,
 *   an event or a line, and no list element can read as two.
 * - A line MUST be bounded (AUDIT_LINE_MAX): an escape is never split, a
 *   value's closing quote is always written, a list loses whole elements,
 *   nothing follows the first pair that did not fit, and a cut line MUST
 *   end with " truncated=yes".
 * - Nothing from the caller's environment MUST be logged: only the
 *   kernel's caller, the denial's reason and the plan's validated fields
 *   (name, image, digest, binds, limits).
 * - Inside a batch job every line MUST carry job= and step= from the
 *   job's cgroup path (audit_set_job, once K placed itself), never from
 *   the environment.
 * - The binds come last, so that a cut line loses binds, never the name,
 *   image or limits.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <syslog.h>
#include <time.h>

#include "helper/audit.h"
#include "helper/cgroup.h"
#include "helper/jobids.h"
#include "helper/log.h"

#define AUDIT_CUT       " truncated=yes"
#define AUDIT_LIST_SEPS ",:"
#define AUDIT_TOKEN \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"

/* A line being written into a caller's buffer: S (NULL when the buffer
 * cannot hold AUDIT_CUT), ROOM bytes for the pairs (the buffer less the
 * NUL and AUDIT_CUT), N written, CUT once something did not fit (nothing
 * more is written then). */
struct audit_line {
	char *s;
	size_t room;
	size_t n;
	bool cut;
};

static struct timespec started;
static bool granted;
static uid_t caller_uid = (uid_t)-1;
static char *caller_user;
/* The container's name as K settled it (audit_set_name), else the plan's. */
static const char *run_name;
static struct cgroup_usage usage;
static bool usage_set;
static uint64_t rusage_cpu[2];
static bool rusage_set;
static char job_id[24], step_id[24]; /* jobids.c, from the cgroup path */

static int
line_init(struct audit_line *l, char *buf, size_t len)
{
	if (len > 0)
		buf[0] = '\0';
	l->n = 0;
	l->cut = len <= sizeof(AUDIT_CUT);
	l->s = l->cut ? NULL : buf;
	l->room = l->cut ? 0 : len - sizeof(AUDIT_CUT);
	return l->cut ? -1 : 0;
}

/* Appends the K bytes at S whole, leaving KEEP bytes free, or cuts. */
static bool
put(struct audit_line *l, const char *s, size_t k, size_t keep)
{
	if (l->cut || k + keep > l->room - l->n) {
		l->cut = true;
		return false;
	}
	memcpy(l->s + l->n, s, k);
	l->n += k;
	l->s[l->n] = '\0';
	return true;
}

/* Marks a cut line; 0 if the line is whole. */
static int
line_end(struct audit_line *l)
{
	const char *m = &AUDIT_CUT[l->n == 0];

	if (l->s == NULL)
		return -1;
	if (!l->cut)
		return 0;
	memcpy(l->s + l->n, m, strlen(m) + 1);
	l->n += strlen(m);
	return -1;
}

/* The text of byte C inside a quoted value, SEPS escaped too: itself,
 * \" or \\, or \xHH.  Returns its length. */
static size_t
encode_byte(unsigned char c, const char *seps, char out[4])
{
	static const char hex[] = "0123456789abcdef";

	if (c == '"' || c == '\\') {
		out[0] = '\\';
		out[1] = (char)c;
		return 2;
	}
	if (c < 0x20 || c >= 0x7f || strchr(seps, c) != NULL) {
		out[0] = '\\';
		out[1] = 'x';
		out[2] = hex[c >> 4];
		out[3] = hex[c & 0xf];
		return 4;
	}
	out[0] = (char)c;
	return 1;
}

/* The bytes of V inside a quoted value, a byte kept for its closing
 * quote; false once the line is cut (between two escapes). */
static bool
put_text(struct audit_line *l, const char *v, const char *seps)
{
	const unsigned char *p = (const unsigned char *)(v ? v : "");
	char u[4];

	for (; *p != '\0'; p++)
		if (!put(l, u, encode_byte(*p, seps, u), 1))
			return false;
	return true;
}

static bool
key_ok(const char *key)
{
	return key[0] != '\0' &&
	    strspn(key, "abcdefghijklmnopqrstuvwxyz_") == strlen(key);
}

/* ' KEY="' (no space on an empty line), with room for the closing quote. */
static bool
open_value(struct audit_line *l, const char *key)
{
	char head[40];
	int k;

	k = snprintf(head, sizeof(head), "%s%s=\"", l->n ? " " : "", key);
	if (!key_ok(key) || k < 0 || (size_t)k >= sizeof(head))
		return false;
	return put(l, head, (size_t)k, 1);
}

/* The closing quote: every put() inside the value kept its byte. */
static void
close_value(struct audit_line *l)
{
	l->s[l->n++] = '"';
	l->s[l->n] = '\0';
}

/* KEY="V": a string, whatever its bytes. */
static void
put_str(struct audit_line *l, const char *key, const char *v)
{
	if (!open_value(l, key))
		return;
	put_text(l, v, "");
	close_value(l);
}

/* KEY=V for a number or a word of the helper's own; V is quoted if it is
 * not a token, so that nothing is ever written bare by mistake. */
static void
put_token(struct audit_line *l, const char *key, const char *v)
{
	char pair[96];
	int k;

	if (v == NULL || v[0] == '\0' || strspn(v, AUDIT_TOKEN) != strlen(v)) {
		put_str(l, key, v);
		return;
	}
	k = snprintf(pair, sizeof(pair), "%s%s=%s", l->n ? " " : "", key, v);
	if (!key_ok(key) || k < 0 || (size_t)k >= sizeof(pair))
		return;
	put(l, pair, (size_t)k, 0);
}

static void
put_num(struct audit_line *l, const char *key, long long v)
{
	char num[24];

	snprintf(num, sizeof(num), "%lld", v);
	put_token(l, key, num);
}

/* Element I of an open list value: the NF fields F, ':' between them, each
 * with ',' and ':' escaped; written whole or not at all. */
static bool
put_element(struct audit_line *l, size_t i, const char *const *f, size_t nf)
{
	size_t mark = l->n;
	bool ok = i == 0 || put(l, ",", 1, 1);

	for (size_t j = 0; ok && j < nf; j++)
		ok = (j == 0 || put(l, ":", 1, 1)) &&
		    put_text(l, f[j], AUDIT_LIST_SEPS);
	if (!ok && l->s != NULL) {
		l->n = mark;
		l->s[mark] = '\0';
	}
	return ok;
}

static void
caller_pairs(struct audit_line *l, uid_t uid, const char *user)
{
	put_str(l, "user", user ? user : "?");
	put_num(l, "uid", uid == (uid_t)-1 ? -1LL : (long long)uid);
	if (job_id[0] != '\0') {
		put_token(l, "job", job_id);
		put_token(l, "step", step_id);
	}
}

static void
deny_pairs(struct audit_line *l, const char *reason)
{
	put_token(l, "event", "deny");
	put_str(l, "reason", reason);
}

/* cgroup.c's "cpus=C memory=M pids=P", each a token pair. */
static void
limit_pairs(struct audit_line *l, const struct launch_plan *p)
{
	struct cgroup_limits lim = { p->cpus, p->memory, p->pids };
	char buf[128], *save = NULL, *kv, *eq;

	cgroup_format_limits(buf, sizeof(buf), &lim);
	for (kv = strtok_r(buf, " ", &save); kv != NULL;
	     kv = strtok_r(NULL, " ", &save)) {
		if ((eq = strchr(kv, '=')) == NULL)
			continue;
		*eq = '\0';
		put_token(l, kv, eq + 1);
	}
}

static void
bind_pairs(struct audit_line *l, const struct launch_plan *p)
{
	if (!open_value(l, "binds"))
		return;
	for (size_t i = 0; i < p->nbinds; i++) {
		const struct plan_bind *b = &p->binds[i];
		const char *f[3] = { b->src, b->dst, b->ro ? "ro" : "rw" };

		if (!put_element(l, i, f, 3))
			break;
	}
	close_value(l);
}

/* -p: ports="ADDR:HOSTPORT:PORT,..." (fields split at ':' as binds). */
static void
port_pairs(struct audit_line *l, const struct launch_plan *p)
{
	if (p->nports == 0 || !open_value(l, "ports"))
		return;
	for (size_t i = 0; i < p->nports; i++) {
		char hp[8], cp[8];
		const char *f[3] = { p->ports[i].addrtext, hp, cp };

		snprintf(hp, sizeof(hp), "%u", p->ports[i].hostport);
		snprintf(cp, sizeof(cp), "%u", p->ports[i].port);
		if (!put_element(l, i, f, 3))
			break;
	}
	close_value(l);
}

static void
grant_pairs(struct audit_line *l, const struct launch_plan *p)
{
	put_token(l, "event", "grant");
	put_str(l, "name", run_name ? run_name : p->name);
	put_str(l, "image", p->image ? p->image->name : "");
	put_str(l, "digest", p->image ? p->image->digest : "");
	limit_pairs(l, p);
	put_token(l, "seccomp",
	    p->seccomp == POLICY_SECCOMP_UNCONFINED ? "unconfined" : "default");
	put_token(l, "network",
	    p->net == PLAN_NET_NONE        ? "none" :
		p->net == PLAN_NET_PRIVATE ? "private" :
					     "host");
	if (p->nports > 0)
		put_token(l, "publish_access",
		    p->publish_any ? "any" : "owner");
	port_pairs(l, p);
	bind_pairs(l, p);
}

static void
put_seconds(struct audit_line *l, const char *key, uint64_t usec)
{
	char v[40];

	if (usec == CGROUP_UNKNOWN)
		return;
	snprintf(v, sizeof(v), "%llu.%06llus",
	    (unsigned long long)(usec / 1000000),
	    (unsigned long long)(usec % 1000000));
	put_token(l, key, v);
}

static void
put_count(struct audit_line *l, const char *key, uint64_t v)
{
	if (v != CGROUP_UNKNOWN && v <= (uint64_t)LLONG_MAX)
		put_num(l, key, (long long)v);
}

static void
usage_pairs(struct audit_line *l)
{
	uint64_t cpu[2] = { CGROUP_UNKNOWN, CGROUP_UNKNOWN };

	if (usage_set) {
		cpu[0] = usage.cpu_user_usec;
		cpu[1] = usage.cpu_system_usec;
	}
	if (rusage_set && cpu[0] == CGROUP_UNKNOWN) {
		cpu[0] = rusage_cpu[0];
		cpu[1] = rusage_cpu[1];
	}
	put_seconds(l, "cpu_user", cpu[0]);
	put_seconds(l, "cpu_system", cpu[1]);
	if (!usage_set)
		return;
	put_count(l, "memory_peak", usage.memory_peak);
	put_count(l, "oom_kills", usage.oom_kills);
	put_count(l, "pids_peak", usage.pids_peak);
}

void
audit_rusage(const struct rusage *ru)
{
	rusage_cpu[0] = (uint64_t)ru->ru_utime.tv_sec * 1000000 +
	    (uint64_t)ru->ru_utime.tv_usec;
	rusage_cpu[1] = (uint64_t)ru->ru_stime.tv_sec * 1000000 +
	    (uint64_t)ru->ru_stime.tv_usec;
	rusage_set = true;
}

void
audit_usage(const struct cgroup_usage *u)
{
	usage = *u;
	usage_set = true;
}

static struct audit_forward fwd;
static bool fwd_set;

void
audit_forward(const struct audit_forward *f)
{
	fwd = *f;
	fwd_set = true;
}

/* The forwarder of -p: connections forwarded, refused (not the owner's),
 * dropped (over max_connections), failed (nothing listening inside),
 * broken (ended by a reset or an error), and forwarder=died with
 * forwarder_signal or forwarder_status when it ended before the
 * container. */
static void
forward_pairs(struct audit_line *l, const struct launch_plan *p)
{
	if (p->nports == 0 || !fwd_set)
		return;
	put_count(l, "conn_forwarded", fwd.forwarded);
	put_count(l, "conn_refused", fwd.refused);
	put_count(l, "conn_dropped", fwd.dropped);
	put_count(l, "conn_failed", fwd.failed);
	put_count(l, "conn_broken", fwd.broken);
	put_token(l, "forwarder", fwd.died ? "died" : "ok");
	if (fwd.died && fwd.signal > 0)
		put_num(l, "forwarder_signal", fwd.signal);
	else if (fwd.died)
		put_num(l, "forwarder_status", fwd.status);
}

static void
end_pairs(struct audit_line *l, const struct launch_plan *p, int status,
    double seconds)
{
	char run[40];

	put_token(l, "event", "end");
	put_str(l, "name", run_name ? run_name : p->name);
	put_num(l, "status", status);
	if (status > 128 && status < 128 + 65)
		put_num(l, "signal", status - 128);
	usage_pairs(l);
	forward_pairs(l, p);
	snprintf(run, sizeof(run), "%.3fs", seconds < 0 ? 0.0 : seconds);
	put_token(l, "runtime", run);
}

int
audit_format_caller(char *buf, size_t len, uid_t uid, const char *user)
{
	struct audit_line l;

	if (line_init(&l, buf, len) != 0)
		return -1;
	caller_pairs(&l, uid, user);
	return line_end(&l);
}

int
audit_format_deny(char *buf, size_t len, const char *reason)
{
	struct audit_line l;

	if (line_init(&l, buf, len) != 0)
		return -1;
	deny_pairs(&l, reason);
	return line_end(&l);
}

int
audit_format_grant(char *buf, size_t len, const struct launch_plan *p)
{
	struct audit_line l;

	if (line_init(&l, buf, len) != 0)
		return -1;
	grant_pairs(&l, p);
	return line_end(&l);
}

int
audit_format_end(char *buf, size_t len, const struct launch_plan *p, int status,
    double seconds)
{
	struct audit_line l;

	if (line_init(&l, buf, len) != 0)
		return -1;
	end_pairs(&l, p, status, seconds);
	return line_end(&l);
}

void
audit_quote(char *buf, size_t len, const char *v)
{
	size_t n = len > 0 ? strnlen(buf, len - 1) : 0;
	struct audit_line l = { buf, len > 0 ? len - 1 : 0, n, false };

	if (len == 0 || !put(&l, "\"", 1, 1))
		return;
	put_text(&l, v, "");
	close_value(&l);
}

void
audit_set_caller(uid_t uid, const char *user)
{
	free(caller_user);
	caller_uid = uid;
	caller_user = user ? strdup(user) : NULL;
}

void
audit_set_name(const char *name)
{
	run_name = name;
}

void
audit_set_job(const char *cgroup_path)
{
	(void)job_ids(cgroup_path, job_id, sizeof(job_id), step_id,
	    sizeof(step_id));
}

/* The line, its caller keys written first, to syslog. */
static void
send_line(int prio, struct audit_line *l)
{
	line_end(l);
	openlog("ctr-launch", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
	syslog(LOG_AUTHPRIV | prio, "%s", l->s);
}

void
audit_deny(const char *reason)
{
	char buf[AUDIT_LINE_MAX];
	struct audit_line l;

	line_init(&l, buf, sizeof(buf));
	caller_pairs(&l, caller_uid, caller_user);
	deny_pairs(&l, reason);
	send_line(LOG_NOTICE, &l);
}

void
audit_grant(const struct launch_plan *p)
{
	char buf[AUDIT_LINE_MAX];
	struct audit_line l;

	clock_gettime(CLOCK_MONOTONIC, &started);
	granted = true;
	line_init(&l, buf, sizeof(buf));
	caller_pairs(&l, caller_uid, caller_user);
	grant_pairs(&l, p);
	send_line(LOG_INFO, &l);
}

void
audit_end(const struct launch_plan *p, int status)
{
	struct timespec now;
	double secs = 0;
	char buf[AUDIT_LINE_MAX];
	struct audit_line l;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (granted)
		secs = (double)(now.tv_sec - started.tv_sec) +
		    (double)(now.tv_nsec - started.tv_nsec) / 1e9;
	line_init(&l, buf, sizeof(buf));
	caller_pairs(&l, caller_uid, caller_user);
	end_pairs(&l, p, status, secs);
	send_line(LOG_INFO, &l);
}
