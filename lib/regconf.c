/*
 * regconf.c: the strict reader of registries.conf (see regconf.h).  Its
 * lines are read by lib/ini.c (line length, control bytes, '#' comments,
 * blank lines, KEY = VALUE split); the section and key grammar is here.
 *
 * Invariants:
 * - Every byte of the input MUST be looked at once, by line; nothing past
 *   BUF + LEN is read (ini_read).
 * - A key outside a section, an unknown key, a key given twice in one
 *   section and a value other than "yes" or "no" MUST refuse the file.
 */
#include <stdio.h>
#include <string.h>

#include "lib/ini.h"
#include "lib/regconf.h"

#define REGCONF_MAX_SECTIONS 64
#define REGCONF_MAX_HOST     256

/* The line checks registries.conf has always had: length, control bytes
 * (reported before the length, all as "control character"), '#' comments;
 * leading blanks are dropped. */
static const struct ini_rules regconf_rules = {
	.max_line = REGCONF_MAX_LINE,
	.flags = INI_BYTES_FIRST,
	.why = {
		[INI_LONG] = "line too long",
		[INI_NUL] = "control character",
		[INI_CR] = "control character",
		[INI_CONTROL] = "control character",
		[INI_NO_EQ] = "expected KEY = VALUE",
	},
};

struct rstate {
	const char *fname, *host;
	struct regconf_entry *out;
	struct ctl_err *e;
	int line;
	bool in_section, cur_is_host, cur_has_insecure, cur_has_ca;
	bool cur_has_mirror;
	char seen[REGCONF_MAX_SECTIONS][REGCONF_MAX_HOST];
	size_t nseen;
};

static int
rerr(struct rstate *st, const char *why)
{
	return err_at(st->e, st->fname, st->line, "%s", why);
}

static bool
host_ok(const char *h, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((h[i] >= 'a' && h[i] <= 'z') ||
			(h[i] >= 'A' && h[i] <= 'Z') ||
			(h[i] >= '0' && h[i] <= '9') || h[i] == '.' ||
			h[i] == '-' || h[i] == ':' || h[i] == '[' ||
			h[i] == ']'))
			return false;
	return true;
}

static int
section(struct rstate *st, const char *s, size_t n)
{
	static const char pre[] = "[registry \"";
	const size_t pl = sizeof(pre) - 1;
	const char *h;
	size_t hn;

	if (n < pl + 2 || memcmp(s, pre, pl) != 0 || s[n - 1] != ']' ||
	    s[n - 2] != '"')
		return rerr(st, "expected [registry \"HOST:PORT\"]");
	h = s + pl;
	hn = n - pl - 2;
	if (hn >= REGCONF_MAX_HOST || !host_ok(h, hn))
		return rerr(st, "invalid registry host");
	for (size_t i = 0; i < st->nseen; i++)
		if (strlen(st->seen[i]) == hn &&
		    memcmp(st->seen[i], h, hn) == 0)
			return rerr(st, "registry given twice");
	if (st->nseen == REGCONF_MAX_SECTIONS)
		return rerr(st, "too many registries");
	memcpy(st->seen[st->nseen], h, hn);
	st->seen[st->nseen++][hn] = '\0';
	st->in_section = true;
	st->cur_has_insecure = st->cur_has_ca = st->cur_has_mirror = false;
	st->cur_is_host = strlen(st->host) == hn &&
	    memcmp(st->host, h, hn) == 0;
	if (st->cur_is_host)
		st->out->found = true;
	return 0;
}

static int
ca_value(struct rstate *st, const char *v, size_t vn)
{
	if (vn == 0 || v[0] != '/' || vn >= sizeof(st->out->ca))
		return rerr(st, "ca: expected an absolute path");
	for (size_t i = 0; i < vn; i++)
		if (v[i] == ' ' || v[i] == '\t' || v[i] == '"')
			return rerr(st, "ca: expected an absolute path");
	if (st->cur_has_ca)
		return rerr(st, "ca given twice");
	st->cur_has_ca = true;
	if (st->cur_is_host) {
		memcpy(st->out->ca, v, vn);
		st->out->ca[vn] = '\0';
	}
	return 0;
}

static int
mirror_value(struct rstate *st, const char *v, size_t vn)
{
	if (vn >= REGCONF_MAX_HOST || !host_ok(v, vn))
		return rerr(st, "mirror: expected HOST[:PORT]");
	if (st->cur_has_mirror)
		return rerr(st, "mirror given twice");
	st->cur_has_mirror = true;
	if (st->cur_is_host) {
		memcpy(st->out->mirror, v, vn);
		st->out->mirror[vn] = '\0';
	}
	return 0;
}

static int
keyline(struct rstate *st, const struct ini_item *it)
{
	const char *s = it->key, *v = it->val;
	size_t kn = it->klen, vn = it->vlen;
	bool yes;

	if (!st->in_section)
		return rerr(st, "key outside a [registry] section");
	if (kn == 2 && memcmp(s, "ca", 2) == 0)
		return ca_value(st, v, vn);
	if (kn == 6 && memcmp(s, "mirror", 6) == 0)
		return mirror_value(st, v, vn);
	if (kn != 8 || memcmp(s, "insecure", 8) != 0)
		return rerr(st,
		    "unknown key (only \"insecure\", \"ca\" and \"mirror\")");
	if (vn == 3 && memcmp(v, "yes", 3) == 0)
		yes = true;
	else if (vn == 2 && memcmp(v, "no", 2) == 0)
		yes = false;
	else
		return rerr(st, "insecure: expected yes or no");
	if (st->cur_has_insecure)
		return rerr(st, "insecure given twice");
	st->cur_has_insecure = true;
	if (st->cur_is_host)
		st->out->insecure = yes;
	return 0;
}

/* One section or key line that passed ini_read's checks. */
static int
one_item(void *arg, const struct ini_item *it, struct ctl_err *e)
{
	struct rstate *st = arg;

	st->e = e;
	st->line = it->line;
	if (it->section)
		return section(st, it->text, it->len);
	return keyline(st, it);
}

/* registries.conf's findings have always been one line of text,
 * "FILE:LINE: reason", in E's message. */
static int
flatten(struct ctl_err *e, const char *fname)
{
	char why[sizeof(e->msg)];
	int line;

	if (e == NULL)
		return -1;
	line = e->line;
	memcpy(why, e->msg, sizeof(why));
	return err_set(e, "%s:%d: %s", fname, line, why);
}

int
regconf_lookup(const char *buf, size_t len, const char *fname, const char *host,
    struct regconf_entry *out, struct ctl_err *e)
{
	struct rstate st;

	memset(&st, 0, sizeof(st));
	st.fname = fname;
	st.host = host;
	st.out = out;
	memset(out, 0, sizeof(*out));
	if (ini_read(buf, len, fname, &regconf_rules, one_item, &st, e) == -1) {
		memset(out, 0, sizeof(*out));
		return flatten(e, fname);
	}
	return 0;
}
