/*
 * ctlproto.c: the pure pieces of detached containers (ctlproto.h).
 *
 * Invariants:
 * - Decoders MUST refuse any length but the exact one and any magic but
 *   CTLP_MAGIC; record parsers MUST refuse unknown keys, missing keys,
 *   over-long values and bad percent escapes.
 * - Nothing here makes a system call.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "helper/ctlproto.h"
#include "helper/logidx.h"
#include "helper/optscan.h"

static void
put32(unsigned char *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[i] = (unsigned char)(v >> (8 * i));
}

static void
put64(unsigned char *b, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t
get32(const unsigned char *b)
{
	uint32_t v = 0;

	for (int i = 3; i >= 0; i--)
		v = (v << 8) | b[i];
	return v;
}

static uint64_t
get64(const unsigned char *b)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | b[i];
	return v;
}

void
ctlp_req_encode(const struct ctlp_req *r, unsigned char out[CTLP_REQ_LEN])
{
	put32(out, CTLP_MAGIC);
	put32(out + 4, r->version);
	put32(out + 8, r->op);
	put32(out + 12, (uint32_t)r->arg);
}

int
ctlp_req_decode(const unsigned char *b, size_t len, struct ctlp_req *r)
{
	if (len != CTLP_REQ_LEN || get32(b) != CTLP_MAGIC)
		return -1;
	r->version = get32(b + 4);
	r->op = get32(b + 8);
	r->arg = (int32_t)get32(b + 12);
	return 0;
}

void
ctlp_resp_encode(const struct ctlp_resp *r, unsigned char out[CTLP_RESP_LEN])
{
	put32(out, CTLP_MAGIC);
	put32(out + 4, r->version);
	put32(out + 8, r->op);
	put32(out + 12, (uint32_t)r->err);
	put32(out + 16, (uint32_t)r->status);
	put32(out + 20, r->running);
	put64(out + 24, r->cpu_usec);
	put64(out + 32, r->mem);
	put64(out + 40, r->pids);
	put64(out + 48, r->log_off);
}

int
ctlp_resp_decode(const unsigned char *b, size_t len, struct ctlp_resp *r)
{
	if (len != CTLP_RESP_LEN || get32(b) != CTLP_MAGIC)
		return -1;
	r->version = get32(b + 4);
	r->op = get32(b + 8);
	r->err = (int32_t)get32(b + 12);
	r->status = (int32_t)get32(b + 16);
	r->running = get32(b + 20);
	r->cpu_usec = get64(b + 24);
	r->mem = get64(b + 32);
	r->pids = get64(b + 40);
	r->log_off = get64(b + 48);
	return 0;
}

/* ---- records ---- */

static bool
plain(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '%' && c != '=';
}

/* Appends "KEY=VALUE\n" to BUF at *OFF, VALUE percent-encoded. */
static int
put_kv(char *buf, size_t len, size_t *off, const char *key, const char *val)
{
	static const char hex[] = "0123456789ABCDEF";
	int n = snprintf(buf + *off, len - *off, "%s=", key);

	if (n < 0 || (size_t)n >= len - *off)
		return -1;
	*off += (size_t)n;
	for (const unsigned char *p = (const unsigned char *)val; *p; p++) {
		if (*off + 4 >= len)
			return -1;
		if (plain(*p)) {
			buf[(*off)++] = (char)*p;
			continue;
		}
		buf[(*off)++] = '%';
		buf[(*off)++] = hex[*p >> 4];
		buf[(*off)++] = hex[*p & 15];
	}
	if (*off + 2 >= len)
		return -1;
	buf[(*off)++] = '\n';
	buf[*off] = '\0';
	return 0;
}

static int
put_num(char *buf, size_t len, size_t *off, const char *key, long long v)
{
	char s[32];

	snprintf(s, sizeof(s), "%lld", v);
	return put_kv(buf, len, off, key, s);
}

int
ctlp_info_format(const struct ctlp_info *i, char *buf, size_t len)
{
	size_t off = 0;

	if (len == 0)
		return -1;
	buf[0] = '\0';
	if (put_num(buf, len, &off, "uid", (long long)i->uid) ||
	    put_kv(buf, len, &off, "name", i->name) ||
	    put_kv(buf, len, &off, "image", i->image) ||
	    put_kv(buf, len, &off, "command", i->command) ||
	    put_num(buf, len, &off, "created", (long long)i->created) ||
	    put_num(buf, len, &off, "keeper", (long long)i->keeper) ||
	    put_num(buf, len, &off, "tty", i->tty) ||
	    put_num(buf, len, &off, "rm", i->rm) ||
	    (i->ports[0] != '\0' &&
		put_kv(buf, len, &off, "ports", i->ports)) ||
	    (i->step[0] != '\0' && put_kv(buf, len, &off, "step", i->step)))
		return -1;
	return (int)off;
}

int
ctlp_exit_format(const struct ctlp_exit *e, char *buf, size_t len)
{
	size_t off = 0;

	if (len == 0)
		return -1;
	if (put_num(buf, len, &off, "status", e->status) ||
	    put_num(buf, len, &off, "ended", (long long)e->ended))
		return -1;
	return (int)off;
}

static int
unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes S[0..N) into OUT (LEN bytes with the NUL); -1 if bad or long. */
static int
decode(const char *s, size_t n, char *out, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '%') {
			int h, l;

			if (i + 2 >= n)
				return -1;
			if ((h = unhex(s[i + 1])) < 0 ||
			    (l = unhex(s[i + 2])) < 0)
				return -1;
			c = h * 16 + l;
			if (c == 0)
				return -1;
			i += 2;
		} else if (!plain((unsigned char)c)) {
			return -1;
		}
		if (o + 1 >= len)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

static int
num(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (*s == '\0')
		return -1;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Calls FN(KEY, VALUE) per line of BUF[0..LEN); -1 on any bad line. */
static int
lines(const char *buf, size_t len,
    int (*fn)(const char *key, const char *val, void *arg), void *arg)
{
	size_t i = 0;

	while (i < len) {
		const char *nl = memchr(buf + i, '\n', len - i);
		const char *eq;
		/* Room for the longest value (ports). */
		char key[16], val[sizeof(((struct ctlp_info *)0)->ports)];
		size_t ll, kl;

		if (nl == NULL)
			return -1;
		ll = (size_t)(nl - (buf + i));
		eq = memchr(buf + i, '=', ll);
		if (eq == NULL || (kl = (size_t)(eq - (buf + i))) == 0 ||
		    kl >= sizeof(key))
			return -1;
		memcpy(key, buf + i, kl);
		key[kl] = '\0';
		if (decode(eq + 1, ll - kl - 1, val, sizeof(val)) != 0)
			return -1;
		if (fn(key, val, arg) != 0)
			return -1;
		i += ll + 1;
	}
	return 0;
}

static int
copy_str(char *dst, size_t len, const char *v)
{
	if (strlen(v) >= len)
		return -1;
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

struct info_ctx {
	struct ctlp_info *i;
	unsigned seen;
};

static int
info_kv(const char *k, const char *v, void *arg)
{
	struct info_ctx *c = arg;
	struct ctlp_info *i = c->i;
	long long n;
	static const char *const keys[] = { "uid", "name", "image", "command",
		"created", "keeper", "tty", "rm", "ports", "step" };
	size_t which = sizeof(keys) / sizeof(keys[0]);

	for (size_t j = 0; j < sizeof(keys) / sizeof(keys[0]); j++)
		if (strcmp(k, keys[j]) == 0)
			which = j;
	if (which == sizeof(keys) / sizeof(keys[0]) ||
	    (c->seen & (1u << which)))
		return -1;
	c->seen |= 1u << which;
	switch (which) {
	case 0:
		if (num(v, 0, 0xfffffffeLL, &n))
			return -1;
		i->uid = (uid_t)n;
		return 0;
	case 1:
		return copy_str(i->name, sizeof(i->name), v);
	case 2:
		return copy_str(i->image, sizeof(i->image), v);
	case 3:
		return copy_str(i->command, sizeof(i->command), v);
	case 4:
		if (num(v, 0, INT64_MAX, &n))
			return -1;
		i->created = n;
		return 0;
	case 5:
		if (num(v, 1, 0x7fffffffLL, &n))
			return -1;
		i->keeper = (pid_t)n;
		return 0;
	case 8:
		return copy_str(i->ports, sizeof(i->ports), v);
	case 9:
		return copy_str(i->step, sizeof(i->step), v);
	default:
		if (num(v, 0, 1, &n))
			return -1;
		if (which == 6)
			i->tty = n != 0;
		else
			i->rm = n != 0;
		return 0;
	}
}

int
ctlp_info_parse(const char *buf, size_t len, struct ctlp_info *i)
{
	struct info_ctx c = { i, 0 };

	memset(i, 0, sizeof(*i));
	if (lines(buf, len, info_kv, &c) != 0 || (c.seen & 0xffu) != 0xffu)
		return -1;
	return 0;
}

struct exit_ctx {
	struct ctlp_exit *e;
	unsigned seen;
};

static int
exit_kv(const char *k, const char *v, void *arg)
{
	struct exit_ctx *c = arg;
	long long n;

	if (strcmp(k, "status") == 0 && !(c->seen & 1) &&
	    num(v, -1, 255, &n) == 0) {
		c->e->status = (int)n;
		c->seen |= 1;
		return 0;
	}
	if (strcmp(k, "ended") == 0 && !(c->seen & 2) &&
	    num(v, 0, INT64_MAX, &n) == 0) {
		c->e->ended = n;
		c->seen |= 2;
		return 0;
	}
	return -1;
}

int
ctlp_exit_parse(const char *buf, size_t len, struct ctlp_exit *e)
{
	struct exit_ctx c = { e, 0 };

	memset(e, 0, sizeof(*e));
	if (lines(buf, len, exit_kv, &c) != 0 || c.seen != 3)
		return -1;
	return 0;
}

void
ctlp_join(char *const *argv, char *out, size_t len)
{
	size_t o = 0;

	if (len == 0)
		return;
	out[0] = '\0';
	for (size_t i = 0; argv != NULL && argv[i] != NULL; i++) {
		size_t n = strlen(argv[i]);

		if (o + n + (i > 0) + 4 >= len) {
			if (len > 4) {
				o = o + 4 < len ? o : len - 4;
				memcpy(out + o, "...", 4);
			}
			return;
		}
		if (i > 0)
			out[o++] = ' ';
		memcpy(out + o, argv[i], n);
		o += n;
		out[o] = '\0';
	}
}

/* ---- what ps prints ---- */

void
ctlp_duration(int64_t secs, char *out, size_t len)
{
	int64_t m = secs / 60, h = secs / 3600;

	if (secs < 1)
		snprintf(out, len, "Less than a second");
	else if (secs == 1)
		snprintf(out, len, "1 second");
	else if (secs < 60)
		snprintf(out, len, "%lld seconds", (long long)secs);
	else if (m == 1)
		snprintf(out, len, "About a minute");
	else if (m < 60)
		snprintf(out, len, "%lld minutes", (long long)m);
	else if (h == 1)
		snprintf(out, len, "About an hour");
	else if (h < 48)
		snprintf(out, len, "%lld hours", (long long)h);
	else if (h < 24 * 7 * 2)
		snprintf(out, len, "%lld days", (long long)(h / 24));
	else if (h < 24 * 30 * 2)
		snprintf(out, len, "%lld weeks", (long long)(h / 24 / 7));
	else if (h < 24 * 365 * 2)
		snprintf(out, len, "%lld months", (long long)(h / 24 / 30));
	else
		snprintf(out, len, "%lld years", (long long)(h / 24 / 365));
}

void
ctlp_status_text(bool running, const struct ctlp_exit *e, int64_t created,
    int64_t now, char *out, size_t len)
{
	char d[64];

	if (running) {
		ctlp_duration(now - created, d, sizeof(d));
		snprintf(out, len, "Up %s", d);
	} else if (e == NULL || e->status < 0) {
		snprintf(out, len, "Exited (unknown)");
	} else {
		ctlp_duration(now - e->ended, d, sizeof(d));
		snprintf(out, len, "Exited (%d) %s ago", e->status, d);
	}
}

void
ctlp_ago(int64_t then, int64_t now, char *out, size_t len)
{
	char d[64];

	ctlp_duration(now - then, d, sizeof(d));
	snprintf(out, len, "%s ago", d);
}

/* ---- logs ---- */

uint64_t
ctlp_log_keep(uint64_t size, uint64_t n, uint64_t cap)
{
	uint64_t half = cap / 2;

	if (n > cap)
		n = cap;
	if (size <= cap - n)
		return size;
	/* Keep the newest half of the cap, less what the new bytes need. */
	if (n >= half)
		return size < cap - n ? size : cap - n;
	return size < half - n ? size : half - n;
}

uint64_t
ctlp_log_take(uint64_t n, uint64_t cap)
{
	return n > cap ? cap : n;
}

void
ctlp_escape(const char *s, char *out, size_t len)
{
	size_t o = 0;

	if (len == 0)
		return;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p >= 0x20 && *p < 0x7f && *p != '\\') {
			if (o + 1 >= len)
				break;
			out[o++] = (char)*p;
			continue;
		}
		if (o + 5 >= len)
			break;
		snprintf(out + o, 5, "\\x%02x", *p);
		o += 4;
	}
	out[o] = '\0';
}

size_t
ctlp_tail_offset(const char *buf, size_t len, uint64_t n)
{
	size_t i = len;

	if (n == 0)
		return len;
	/* A last line without its newline counts as a line. */
	if (i > 0 && buf[i - 1] == '\n')
		i--;
	while (i > 0) {
		if (buf[i - 1] == '\n' && --n == 0)
			return i;
		i--;
	}
	return 0;
}

static const struct {
	const char *name;
	int sig;
} sigs[] = {
	{ "HUP", SIGHUP },
	{ "INT", SIGINT },
	{ "QUIT", SIGQUIT },
	{ "ILL", SIGILL },
	{ "TRAP", SIGTRAP },
	{ "ABRT", SIGABRT },
	{ "BUS", SIGBUS },
	{ "FPE", SIGFPE },
	{ "KILL", SIGKILL },
	{ "USR1", SIGUSR1 },
	{ "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 },
	{ "PIPE", SIGPIPE },
	{ "ALRM", SIGALRM },
	{ "TERM", SIGTERM },
	{ "CHLD", SIGCHLD },
	{ "CONT", SIGCONT },
	{ "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP },
	{ "TTIN", SIGTTIN },
	{ "TTOU", SIGTTOU },
	{ "URG", SIGURG },
	{ "XCPU", SIGXCPU },
	{ "XFSZ", SIGXFSZ },
	{ "VTALRM", SIGVTALRM },
	{ "PROF", SIGPROF },
	{ "WINCH", SIGWINCH },
	{ "IO", SIGIO },
	{ "PWR", SIGPWR },
	{ "SYS", SIGSYS },
};

int
ctlp_signal(const char *s)
{
	long long n;

	if (s == NULL || *s == '\0')
		return -1;
	if (s[0] >= '0' && s[0] <= '9')
		return num(s, 1, 64, &n) == 0 ? (int)n : -1;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (strcasecmp(s, sigs[i].name) == 0)
			return sigs[i].sig;
	return -1;
}

size_t
ctlp_prune(const int64_t *ended, size_t n, int64_t now, uint64_t keep,
    uint64_t max, bool *prune)
{
	size_t count = 0, left = 0;

	for (size_t i = 0; i < n; i++) {
		prune[i] = now - ended[i] > 0 &&
		    (uint64_t)(now - ended[i]) > keep;
		if (prune[i])
			count++;
		else
			left++;
	}
	/* Beyond MAX: the oldest of those left go. */
	while (left > max) {
		size_t old = n;

		for (size_t i = 0; i < n; i++)
			if (!prune[i] && (old == n || ended[i] < ended[old]))
				old = i;
		prune[old] = true;
		count++;
		left--;
	}
	return count;
}

/* ---- the lifecycle commands' command lines ---- */

static const struct {
	const char *verb;
	enum ctla_cmd cmd;
} verbs[] = {
	{ "ps", CTLA_PS },
	{ "logs", CTLA_LOGS },
	{ "stop", CTLA_STOP },
	{ "kill", CTLA_KILL },
	{ "rm", CTLA_RM },
	{ "wait", CTLA_WAIT },
	{ "exec", CTLA_EXEC },
	{ "attach", CTLA_ATTACH },
};

bool
ctla_is_command(const char *verb)
{
	for (size_t i = 0; verb != NULL && i < sizeof(verbs) / sizeof(verbs[0]);
	     i++)
		if (strcmp(verb, verbs[i].verb) == 0)
			return true;
	return false;
}

enum ctla_opt {
	A_ALL,
	A_QUIET,
	A_FORMAT,
	A_RAW,
	A_FOLLOW,
	A_TAIL,
	A_TIME,
	A_SIGNAL,
	A_FORCE,
	A_ALL_USERS,
	A_USER,
	A_INTERACTIVE,
	A_TTY,
	A_ENV,
	A_WORKDIR,
	A_DETACH_KEYS,
	A_TIMESTAMPS,
	A_SINCE,
	A_UNTIL,
};

/* The mask: a bit per enum ctla_cmd the option belongs to. */
static const struct optscan_def aopts[] = {
	{ "all", 'a', false, A_ALL, 1u << CTLA_PS },
	{ "quiet", 'q', false, A_QUIET, 1u << CTLA_PS },
	{ "format", 0, true, A_FORMAT, 1u << CTLA_PS },
	{ "raw", 0, false, A_RAW, 1u << CTLA_PS | 1u << CTLA_LOGS },
	{ "follow", 'f', false, A_FOLLOW, 1u << CTLA_LOGS },
	{ "tail", 'n', true, A_TAIL, 1u << CTLA_LOGS },
	{ "timestamps", 't', false, A_TIMESTAMPS, 1u << CTLA_LOGS },
	{ "since", 0, true, A_SINCE, 1u << CTLA_LOGS },
	{ "until", 0, true, A_UNTIL, 1u << CTLA_LOGS },
	{ "time", 't', true, A_TIME, 1u << CTLA_STOP },
	{ "signal", 's', true, A_SIGNAL, 1u << CTLA_KILL },
	{ "force", 'f', false, A_FORCE, 1u << CTLA_RM },
	{ "all-users", 0, false, A_ALL_USERS,
	    1u << CTLA_PS | 1u << CTLA_STOP | 1u << CTLA_KILL },
	{ "user", 'u', true, A_USER,
	    1u << CTLA_PS | 1u << CTLA_LOGS | 1u << CTLA_STOP |
		1u << CTLA_KILL | 1u << CTLA_RM | 1u << CTLA_WAIT |
		1u << CTLA_EXEC | 1u << CTLA_ATTACH },
	{ "interactive", 'i', false, A_INTERACTIVE, 1u << CTLA_EXEC },
	{ "tty", 't', false, A_TTY, 1u << CTLA_EXEC },
	{ "env", 'e', true, A_ENV, 1u << CTLA_EXEC },
	{ "workdir", 'w', true, A_WORKDIR, 1u << CTLA_EXEC },
	{ "detach-keys", 0, true, A_DETACH_KEYS, 1u << CTLA_ATTACH },
};

struct aparser {
	struct ctla_request *r;
	char *err;
	size_t errlen;
};

static int afail(struct aparser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
afail(struct aparser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int
aapply(struct aparser *p, const struct optscan_def *o, const char *val)
{
	struct ctla_request *r = p->r;
	long long n;
	char shown[80];

	if (val != NULL)
		ctlp_escape(val, shown, sizeof(shown));
	switch (o->id) {
	case A_ALL:
		r->all = true;
		return 0;
	case A_QUIET:
		r->quiet = true;
		return 0;
	case A_FORMAT:
		if (strcmp(val, "json") != 0 && strcmp(val, "{{json .}}") != 0)
			return afail(p, "%s: --format %s: only json is known",
			    r->verb, shown);
		r->json = true;
		return 0;
	case A_RAW:
		r->raw = true;
		return 0;
	case A_FOLLOW:
		r->follow = true;
		return 0;
	case A_TAIL:
		if (strcmp(val, "all") == 0) {
			r->tail = UINT64_MAX;
			return 0;
		}
		if (num(val, 0, INT64_MAX, &n) != 0)
			return afail(p,
			    "%s: --tail %s: a number of lines or all", r->verb,
			    shown);
		r->tail = (uint64_t)n;
		return 0;
	case A_TIME:
		if (num(val, 0, 86400 * 365, &n) != 0)
			return afail(p, "%s: -t %s: a number of seconds",
			    r->verb, shown);
		r->time = (int)n;
		return 0;
	case A_SIGNAL:
		if ((r->signal = ctlp_signal(val)) < 0)
			return afail(p, "%s: -s %s: not a signal", r->verb,
			    shown);
		return 0;
	case A_FORCE:
		r->force = true;
		return 0;
	case A_ALL_USERS:
		r->all_users = true;
		return 0;
	case A_INTERACTIVE:
		r->interactive = true;
		return 0;
	case A_TTY:
		r->tty = true;
		return 0;
	case A_ENV: {
		size_t k = strcspn(val, "=");
		bool ok = k > 0 && !(val[0] >= '0' && val[0] <= '9');

		for (size_t j = 0; j < k && ok; j++)
			ok = (val[j] >= 'A' && val[j] <= 'Z') ||
			    (val[j] >= 'a' && val[j] <= 'z') ||
			    (val[j] >= '0' && val[j] <= '9') || val[j] == '_';
		if (!ok)
			return afail(p,
			    "%s: -e %s: the variable name must match [A-Za-z_][A-Za-z0-9_]*",
			    r->verb, shown);
		if (r->nenvs >= CTLP_EXEC_ARGS)
			return afail(p, "%s: too many -e", r->verb);
		r->envs[r->nenvs++] = val;
		return 0;
	}
	case A_WORKDIR:
		if (val[0] != '/')
			return afail(p, "%s: -w %s: an absolute path", r->verb,
			    shown);
		r->workdir = val;
		return 0;
	case A_DETACH_KEYS: {
		struct ctlp_detach d;

		if (ctlp_detach_parse(val, &d) != 0)
			return afail(p,
			    "%s: --detach-keys %s: keys like ctrl-p,ctrl-q",
			    r->verb, shown);
		r->detach_keys = val;
		return 0;
	}
	case A_TIMESTAMPS:
		r->timestamps = true;
		return 0;
	case A_SINCE:
	case A_UNTIL: {
		int64_t t;

		/* The syntax here; the time when logs reads the clock. */
		if (lidx_parse_time(val, 0, &t) != 0)
			return afail(p,
			    "%s: --%s %s: a time with its zone (2026-12-04T18:40:01Z, 2026-12-04Z), Unix seconds, or a duration (10m, 2h)",
			    r->verb, o->id == A_SINCE ? "since" : "until",
			    shown);
		if (o->id == A_SINCE)
			r->since = val;
		else
			r->until = val;
		return 0;
	}
	case A_USER:
		if (*val == '\0' || strlen(val) > 64)
			return afail(p, "%s: --user %s: not a user name",
			    r->verb, shown);
		r->user = val;
		return 0;
	}
	return -1;
}

static int
aapply_cb(void *ctx, const struct optscan_def *o, const char *val)
{
	return aapply(ctx, o, val);
}

/* [A-Za-z0-9][A-Za-z0-9_.-]{0,62}, as args_valid_name. */
static bool
name_ok(const char *s)
{
	size_t n = strnlen(s, 64);

	if (n == 0 || n > 63 ||
	    !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
		(s[0] >= '0' && s[0] <= '9')))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
			(s[i] >= 'A' && s[i] <= 'Z') ||
			(s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
			s[i] == '.' || s[i] == '-'))
			return false;
	return true;
}

static int
acheck(struct aparser *p)
{
	struct ctla_request *r = p->r;

	if (r->all_users && r->user != NULL)
		return afail(p, "%s: --all-users and --user together", r->verb);
	if (r->cmd == CTLA_PS) {
		if (r->nnames > 0)
			return afail(p, "ps takes no container names");
		return 0;
	}
	if (r->all_users && r->nnames > 0)
		return afail(p,
		    "%s: --all-users acts on every container; name none",
		    r->verb);
	if (r->nnames == 0 && !r->all_users)
		return afail(p, "%s: no container name given", r->verb);
	if ((r->cmd == CTLA_LOGS || r->cmd == CTLA_ATTACH) && r->nnames != 1)
		return afail(p, "%s takes exactly one container name", r->verb);
	return 0;
}

int
ctla_parse(int argc, char *const argv[], struct ctla_request *r, char *err,
    size_t errlen)
{
	struct aparser p = { r, err, errlen };
	bool opts = true;

	memset(r, 0, sizeof(*r));
	if (errlen > 0)
		err[0] = '\0';
	r->tail = UINT64_MAX;
	r->time = 10;
	r->signal = SIGKILL;
	if (argc < 2 || argv == NULL || argv[1] == NULL)
		return afail(&p, "no command given");
	r->verb = argv[1];
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(argv[1], verbs[i].verb) == 0)
			r->cmd = verbs[i].cmd;
	if (r->cmd == CTLA_NONE)
		return afail(&p, "unknown command");
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		char shown[80];

		if (strnlen(a, 4097) > 4096)
			return afail(&p, "%s: an argument is too long",
			    r->verb);
		if (opts && strcmp(a, "--") == 0) {
			opts = false;
			continue;
		}
		if (opts && a[0] == '-' && a[1] != '\0') {
			if (optscan_word(aopts,
				sizeof(aopts) / sizeof(aopts[0]), 1u << r->cmd,
				r->verb, argc, argv, &i, aapply_cb, &p, p.err,
				p.errlen) != 0)
				return -1;
			continue;
		}
		if (!name_ok(a)) {
			ctlp_escape(a, shown, sizeof(shown));
			return afail(&p,
			    "%s: %s: not a container name ([A-Za-z0-9][A-Za-z0-9_.-], at most 63)",
			    r->verb, shown);
		}
		if (r->nnames >= CTLA_MAX_NAMES)
			return afail(&p, "%s: more than %d names", r->verb,
			    CTLA_MAX_NAMES);
		r->names[r->nnames++] = a;
		if (r->cmd == CTLA_EXEC) {
			/* NAME COMMAND...: the rest is the command. */
			if (i + 1 >= argc)
				return afail(&p, "exec: no command given");
			r->command = argv + i + 1;
			break;
		}
	}
	return acheck(&p);
}

void
ctlp_json(const char *s, char *out, size_t len)
{
	size_t o = 0;

	if (len == 0)
		return;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\') {
			if (o + 1 >= len)
				break;
			out[o++] = (char)*p;
			continue;
		}
		if (*p == '"' || *p == '\\') {
			if (o + 2 >= len)
				break;
			out[o++] = '\\';
			out[o++] = (char)*p;
			continue;
		}
		if (o + 6 >= len)
			break;
		snprintf(out + o, 7, "\\u%04x", *p);
		o += 6;
	}
	out[o] = '\0';
}

/* ---- exec ---- */

ssize_t
ctlp_exec_encode(char *const *argv, char *const *env, const char *workdir,
    bool tty, char *buf, size_t len)
{
	size_t o = 0;

	if (len > CTLP_EXEC_MAX)
		len = CTLP_EXEC_MAX;
#define PUT(s)                             \
	do {                               \
		size_t n_ = strlen(s) + 1; \
		if (o + n_ > len)          \
			return -1;         \
		memcpy(buf + o, (s), n_);  \
		o += n_;                   \
	} while (0)
	PUT(tty ? "E1" : "E0");
	PUT(workdir != NULL ? workdir : "");
	for (size_t i = 0; argv[i] != NULL; i++)
		PUT(argv[i]);
	PUT("");
	for (size_t i = 0; env != NULL && env[i] != NULL; i++)
		PUT(env[i]);
#undef PUT
	return (ssize_t)o;
}

static bool
env_entry_ok(const char *s)
{
	const char *eq = strchr(s, '=');

	if (eq == NULL || eq == s)
		return false;
	if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') ||
		s[0] == '_'))
		return false;
	for (const char *p = s; p < eq; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			(*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

int
ctlp_exec_decode(const char *in, size_t len, struct ctlp_exec *x)
{
	size_t o = 0, na = 0, ne = 0;
	char *s;

	memset(x, 0, sizeof(*x));
	if (len == 0 || len > CTLP_EXEC_MAX || in[len - 1] != '\0')
		return -1;
	if ((x->buf = malloc(len)) == NULL)
		return -1;
	memcpy(x->buf, in, len);
	x->argv = calloc(CTLP_EXEC_ARGS + 1, sizeof(char *));
	x->env = calloc(CTLP_EXEC_ARGS + 1, sizeof(char *));
	if (x->argv == NULL || x->env == NULL)
		goto bad;
	s = x->buf;
	if (strcmp(s, "E0") != 0 && strcmp(s, "E1") != 0)
		goto bad;
	x->tty = s[1] == '1';
	o = 3;
	if (o >= len)
		goto bad;
	x->workdir = x->buf + o;
	if (x->workdir[0] != '\0' && x->workdir[0] != '/')
		goto bad;
	o += strlen(x->workdir) + 1;
	for (;;) {
		if (o >= len)
			goto bad;
		s = x->buf + o;
		o += strlen(s) + 1;
		if (*s == '\0')
			break;
		if (na >= CTLP_EXEC_ARGS)
			goto bad;
		x->argv[na++] = s;
	}
	if (na == 0)
		goto bad;
	while (o < len) {
		s = x->buf + o;
		o += strlen(s) + 1;
		if (ne >= CTLP_EXEC_ARGS || !env_entry_ok(s))
			goto bad;
		x->env[ne++] = s;
	}
	return 0;
bad:
	ctlp_exec_free(x);
	return -1;
}

void
ctlp_exec_free(struct ctlp_exec *x)
{
	free(x->argv);
	free(x->env);
	free(x->buf);
	memset(x, 0, sizeof(*x));
}

static bool
same_key(const char *a, const char *b)
{
	size_t ka = strcspn(a, "="), kb = strcspn(b, "=");

	return ka == kb && strncmp(a, b, ka) == 0;
}

char **
ctlp_env_merge(char *const *base, char *const *over)
{
	size_t nb = 0, no = 0, n = 0;
	char **v;

	while (base != NULL && base[nb] != NULL)
		nb++;
	while (over != NULL && over[no] != NULL)
		no++;
	if ((v = calloc(nb + no + 1, sizeof(char *))) == NULL)
		return NULL;
	for (size_t i = 0; i < nb; i++) {
		v[n] = base[i];
		/* The last -e of a key wins. */
		for (size_t j = 0; j < no; j++)
			if (same_key(base[i], over[j]))
				v[n] = over[j];
		n++;
	}
	for (size_t j = 0; j < no; j++) {
		bool seen = false;

		for (size_t i = 0; i < n && !seen; i++)
			seen = same_key(v[i], over[j]);
		if (!seen)
			v[n++] = over[j];
		else
			for (size_t i = 0; i < n; i++)
				if (same_key(v[i], over[j]))
					v[i] = over[j];
	}
	v[n] = NULL;
	return v;
}

/* ---- attach ---- */

static int
detach_key(const char *s, size_t n, unsigned char *out)
{
	if (n == 1 && s[0] > 0x20 && s[0] < 0x7f) {
		*out = (unsigned char)s[0];
		return 0;
	}
	if (n == 6 && strncmp(s, "ctrl-", 5) == 0) {
		char c = s[5];

		if (c >= 'a' && c <= 'z') {
			*out = (unsigned char)(c - 'a' + 1);
			return 0;
		}
		if (c >= '@' && c <= '_') {
			*out = (unsigned char)(c - '@');
			return 0;
		}
	}
	return -1;
}

int
ctlp_detach_parse(const char *spec, struct ctlp_detach *d)
{
	memset(d, 0, sizeof(*d));
	while (*spec != '\0') {
		size_t n = strcspn(spec, ",");

		if (d->nkeys >= CTLP_DETACH_MAX ||
		    detach_key(spec, n, &d->keys[d->nkeys]) != 0)
			return -1;
		d->nkeys++;
		spec += n;
		if (*spec == ',' && *++spec == '\0')
			return -1;
	}
	return d->nkeys > 0 ? 0 : -1;
}

bool
ctlp_detach_feed(struct ctlp_detach *d, const unsigned char *in, size_t len,
    unsigned char *out, size_t *outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (in[i] == d->keys[d->matched]) {
			if (++d->matched == d->nkeys) {
				d->matched = 0;
				*outlen = o;
				return true;
			}
			continue;
		}
		/* The held-back keys were input after all. */
		memcpy(out + o, d->keys, d->matched);
		o += d->matched;
		d->matched = 0;
		if (in[i] == d->keys[0]) {
			d->matched = 1;
			if (d->nkeys == 1) {
				*outlen = o;
				return true;
			}
			continue;
		}
		out[o++] = in[i];
	}
	*outlen = o;
	return false;
}
