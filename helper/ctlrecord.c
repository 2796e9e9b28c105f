/*
 * ctlrecord.c: the state records of detached containers (ctlproto.h): the
 * info and exit records a keeper writes and the lifecycle commands read,
 * which exited records to prune, and the log cap.
 *
 * Invariants:
 * - Record parsers MUST refuse unknown keys, repeated or missing keys,
 *   over-long values and bad percent escapes; a value is written
 *   percent-encoded, so no record line carries a newline or a control
 *   byte.
 * - Nothing here makes a system call.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper/ctlproto.h"
#include "helper/ctlproto_priv.h"

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
	    (i->step[0] != '\0' && put_kv(buf, len, &off, "step", i->step)) ||
	    (i->exec_account && put_num(buf, len, &off, "exec_account", 1)))
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

int
ctlp_num(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	/* Decimal digits, a '-' first only for a negative range: no
	 * blank, no '+', nothing strtoll would take beyond them. */
	if (!((s[0] >= '0' && s[0] <= '9') ||
		(min < 0 && s[0] == '-' && s[1] >= '0' && s[1] <= '9')))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || errno == ERANGE || v < min || v > max)
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
		"created", "keeper", "tty", "rm", "ports", "step",
		"exec_account" };
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
		if (ctlp_num(v, 0, 0xfffffffeLL, &n))
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
		if (ctlp_num(v, 0, INT64_MAX, &n))
			return -1;
		i->created = n;
		return 0;
	case 5:
		if (ctlp_num(v, 1, 0x7fffffffLL, &n))
			return -1;
		i->keeper = (pid_t)n;
		return 0;
	case 8:
		return copy_str(i->ports, sizeof(i->ports), v);
	case 9:
		return copy_str(i->step, sizeof(i->step), v);
	default:
		if (ctlp_num(v, 0, 1, &n))
			return -1;
		if (which == 6)
			i->tty = n != 0;
		else if (which == 7)
			i->rm = n != 0;
		else
			i->exec_account = n != 0;
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
	    ctlp_num(v, -1, 255, &n) == 0) {
		c->e->status = (int)n;
		c->seen |= 1;
		return 0;
	}
	if (strcmp(k, "ended") == 0 && !(c->seen & 2) &&
	    ctlp_num(v, 0, INT64_MAX, &n) == 0) {
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

/* ---- the log cap ---- */

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

/* ---- pruning ---- */

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
