/*
 * fuzz_audit.c: the audit encoder (audit.c) on arbitrary bytes.  The input
 * is cut at NUL bytes into up to four strings (its first byte also picks
 * a short buffer); each line kind (caller, deny, grant, end) carries them
 * in every string it has, and is read back by the strict decoder below.
 *
 * Invariants:
 * - Every line MUST parse as exactly "key=value" pairs separated by one
 *   space, a value a token of [A-Za-z0-9._-] or a quoted string holding
 *   only printable ASCII and the escapes \" \\ \xHH, each escape needed
 *   (one text per string); its keys MUST be exactly the kind's keys, and
 *   each value MUST decode to the very bytes given.
 * - A list (binds) MUST split at its raw ',' and ':' into exactly the
 *   elements and fields given, whatever bytes they hold.
 * - A line cut by a short buffer MUST still parse, end with truncated=yes,
 *   keep a prefix of the keys, every value before the last whole, the last
 *   a prefix (a list: whole elements only).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "helper/audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TOKEN_CHARS \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"
#define NSTR     4
#define MAXPAIRS 16
#define NBINDS   3

enum kind {
	TOK,
	STR,
	LIST
};

/* What a pair must hold: a token or string VAL, or a list of NEL
 * elements of three fields F. */
struct want {
	const char *key;
	enum kind kind;
	const char *val;
	const char *const *f;
	size_t nel;
};

struct pair {
	const char *key, *raw;
	size_t klen, len;
	bool quoted;
};

static bool
must_escape(unsigned char c, const char *seps)
{
	return c < 0x20 || c >= 0x7f || c == '"' || c == '\\' ||
	    (c != 0 && strchr(seps, c) != NULL);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The byte at RAW[*I] (LEN bytes): itself or a needed escape; -1 else. */
static int
decode_one(const char *raw, size_t len, size_t *i, const char *seps)
{
	unsigned char c = (unsigned char)raw[*i];
	int b;

	if (c == '\\' && *i + 1 < len &&
	    (raw[*i + 1] == '"' || raw[*i + 1] == '\\')) {
		*i += 2;
		return (unsigned char)raw[*i - 1];
	}
	if (c == '\\' && *i + 3 < len && raw[*i + 1] == 'x' &&
	    hexval(raw[*i + 2]) >= 0 && hexval(raw[*i + 3]) >= 0) {
		b = hexval(raw[*i + 2]) * 16 + hexval(raw[*i + 3]);
		if (b == 0 || b == '"' || b == '\\' ||
		    !must_escape((unsigned char)b, seps))
			return -1;
		*i += 4;
		return b;
	}
	if (must_escape(c, seps))
		return -1;
	*i += 1;
	return c;
}

/* Decodes RAW (LEN bytes) and compares with WANT: 0 if equal, 1 if a
 * proper prefix of it, -1 otherwise (or not canonical). */
static int
decode_cmp(const char *raw, size_t len, const char *seps, const char *want)
{
	size_t i = 0, o = 0, wl = strlen(want);
	int b;

	while (i < len) {
		if ((b = decode_one(raw, len, &i, seps)) < 0 || o >= wl ||
		    (unsigned char)want[o] != b)
			return -1;
		o++;
	}
	return o == wl ? 0 : 1;
}

/* The pairs of S; -1 unless it is exactly the grammar. */
static int
parse_line(const char *s, struct pair *pv)
{
	int n = 0;

	for (;;) {
		size_t k = strspn(s, "abcdefghijklmnopqrstuvwxyz_");

		if (k == 0 || s[k] != '=' || n == MAXPAIRS)
			return -1;
		pv[n].key = s;
		pv[n].klen = k;
		s += k + 1;
		pv[n].quoted = *s == '"';
		if (pv[n].quoted) {
			const char *e = ++s;

			while (*e != '"') {
				if (*e == '\0')
					return -1;
				e += *e == '\\' && e[1] != '\0' ? 2 : 1;
			}
			pv[n].raw = s;
			pv[n].len = (size_t)(e - s);
			s = e + 1;
		} else {
			pv[n].raw = s;
			if ((pv[n].len = strspn(s, TOKEN_CHARS)) == 0)
				return -1;
			s += pv[n].len;
		}
		n++;
		if (*s == '\0')
			return n;
		if (*s++ != ' ')
			return -1;
	}
}

/* A list value: 0 if exactly W's elements, 1 if whole elements of a
 * proper prefix of them, -1 otherwise. */
static int
list_cmp(const struct pair *p, const struct want *w)
{
	const char *s = p->raw, *end = p->raw + p->len, *e;
	size_t nel = 0, nf = 0;

	if (p->len == 0)
		return w->nel == 0 ? 0 : 1;
	for (;; s = e + 1) {
		for (e = s; e < end && *e != ',' && *e != ':'; e++)
			;
		if (nel >= w->nel ||
		    decode_cmp(s, (size_t)(e - s), ",:", w->f[3 * nel + nf]) !=
			0)
			return -1;
		if (e == end || *e == ',') {
			if (nf != 2)
				return -1;
			nel++;
			nf = 0;
		} else
			nf++;
		if (e == end)
			break;
	}
	return nel == w->nel ? 0 : 1;
}

/* 0 if P holds exactly W, 1 if a cut prefix of it, -1 otherwise. */
static int
pair_cmp(const struct pair *p, const struct want *w)
{
	if (p->klen != strlen(w->key) || memcmp(p->key, w->key, p->klen) != 0)
		return -1;
	if (w->kind == TOK)
		return !p->quoted && p->len == strlen(w->val) &&
			memcmp(p->raw, w->val, p->len) == 0 ?
		    0 :
		    -1;
	if (!p->quoted)
		return -1;
	if (w->kind == STR)
		return decode_cmp(p->raw, p->len, "", w->val);
	return list_cmp(p, w);
}

/* LINE (formatted with result RC) holds exactly the NW pairs W, or a cut
 * prefix of them when RC is -1. */
static void
check(const char *line, int rc, const struct want *w, int nw)
{
	struct pair pv[MAXPAIRS];
	int n, i, c = 0;

	if (line[0] == '\0') {
		if (rc != -1)
			abort();
		return;
	}
	if ((n = parse_line(line, pv)) < 0)
		abort();
	if (rc == -1) {
		if (pv[n - 1].klen != 9 ||
		    memcmp(pv[n - 1].key, "truncated", 9) != 0 ||
		    pv[n - 1].quoted || pv[n - 1].len != 3 ||
		    memcmp(pv[n - 1].raw, "yes", 3) != 0)
			abort();
		n--;
	} else if (rc != 0 || n != nw)
		abort();
	if (n > nw)
		abort();
	for (i = 0; i < n; i++)
		if ((c = pair_cmp(&pv[i], &w[i])) < 0 ||
		    (c > 0 && (rc == 0 || i != n - 1)))
			abort();
}

/* The input's strings: cut at NUL, at most NSTR, the rest empty. */
static void
split(const uint8_t *data, size_t size, char *buf, const char *s[NSTR])
{
	size_t k = 0;

	memcpy(buf, data, size);
	buf[size] = '\0';
	for (size_t i = 0; i < NSTR; i++)
		s[i] = "";
	s[0] = buf;
	for (size_t i = 0; i < size && k + 1 < NSTR; i++)
		if (buf[i] == '\0')
			s[++k] = buf + i + 1;
}

static void
run_lines(const char *const s[NSTR], char *line, size_t len)
{
	const char *bf[3 * NBINDS] = { s[0], s[1], "ro", s[2], s[3], "rw", s[3],
		s[0], "rw" };
	struct image_desc img = { .name = (char *)(uintptr_t)s[1],
		.digest = (char *)(uintptr_t)s[2] };
	struct plan_bind b[NBINDS];
	struct launch_plan p;
	int rc;

	memset(&p, 0, sizeof(p));
	strncpy(p.name, s[0], sizeof(p.name) - 1);
	p.image = &img;
	p.binds = b;
	p.nbinds = NBINDS;
	p.cpus = p.memory = p.pids = UINT64_MAX;
	for (size_t i = 0; i < NBINDS; i++)
		b[i] = (struct plan_bind){ .src = (char *)(uintptr_t)bf[3 * i],
			.dst = (char *)(uintptr_t)bf[3 * i + 1],
			.ro = bf[3 * i + 2][1] == 'o' };
	{
		const struct want w[] = { { "user", STR, s[1], NULL, 0 },
			{ "uid", TOK, "4294967294", NULL, 0 } };

		rc = audit_format_caller(line, len, (uid_t)-2, s[1]);
		check(line, rc, w, 2);
	}
	{
		const struct want w[] = { { "event", TOK, "deny", NULL, 0 },
			{ "reason", STR, s[0], NULL, 0 } };

		rc = audit_format_deny(line, len, s[0]);
		check(line, rc, w, 2);
	}
	{
		const struct want w[] = { { "event", TOK, "grant", NULL, 0 },
			{ "name", STR, p.name, NULL, 0 },
			{ "image", STR, s[1], NULL, 0 },
			{ "digest", STR, s[2], NULL, 0 },
			{ "cpus", TOK, "max", NULL, 0 },
			{ "memory", TOK, "max", NULL, 0 },
			{ "pids", TOK, "max", NULL, 0 },
			{ "seccomp", TOK, "default", NULL, 0 },
			{ "network", TOK, "host", NULL, 0 },
			{ "binds", LIST, NULL, bf, NBINDS } };

		rc = audit_format_grant(line, len, &p);
		check(line, rc, w, 10);
	}
	{
		const struct want w[] = { { "event", TOK, "end", NULL, 0 },
			{ "name", STR, p.name, NULL, 0 },
			{ "status", TOK, "137", NULL, 0 },
			{ "signal", TOK, "9", NULL, 0 },
			{ "runtime", TOK, "0.500s", NULL, 0 } };

		rc = audit_format_end(line, len, &p, 137, 0.5);
		check(line, rc, w, 5);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char in[2048], line[AUDIT_LINE_MAX];
	const char *s[NSTR];
	size_t small;

	if (size == 0 || size >= sizeof(in))
		return 0;
	small = 1 + data[0] % 200;
	split(data, size, in, s);
	run_lines(s, line, sizeof(line));
	run_lines(s, line, small);
	/* A value on its own. */
	line[0] = '\0';
	audit_quote(line, sizeof(line), s[0]);
	if (line[0] != '"' || line[strlen(line) - 1] != '"' ||
	    decode_cmp(line + 1, strlen(line) - 2, "", s[0]) < 0)
		abort();
	return 0;
}
