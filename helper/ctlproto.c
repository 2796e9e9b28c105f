/*
 * ctlproto.c: the ctl protocol between a lifecycle command and a
 * container's keeper (ctlproto.h): the request and response messages, the
 * exec request's payload, and the detach keys an attached client watches
 * its input for.  The state records are in ctlrecord.c, what ps and logs
 * print in ctltext.c, the lifecycle commands' command lines in ctlargs.c.
 *
 * Invariants:
 * - Decoders MUST refuse any length but the exact one and any magic but
 *   CTLP_MAGIC; the exec payload decoder MUST refuse anything out of
 *   bounds, an empty argv, a bad -e key or a relative workdir.
 * - Nothing here makes a system call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper/ctlproto.h"

/* The fields are little-endian: V's low N bytes into B, and back. */
static void
put_le(unsigned char *b, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		b[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
get_le(const unsigned char *b, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = (v << 8) | b[i];
	return v;
}

static void
put32(unsigned char *b, uint32_t v)
{
	put_le(b, v, 4);
}

static void
put64(unsigned char *b, uint64_t v)
{
	put_le(b, v, 8);
}

static uint32_t
get32(const unsigned char *b)
{
	return (uint32_t)get_le(b, 4);
}

static uint64_t
get64(const unsigned char *b)
{
	return get_le(b, 8);
}

/* Both messages begin with CTLP_MAGIC, the version and the op. */
static void
put_head(unsigned char *b, uint32_t version, uint32_t op)
{
	put32(b, CTLP_MAGIC);
	put32(b + 4, version);
	put32(b + 8, op);
}

/* The version and the op of message B, when its length LEN is exactly WANT
 * and its magic CTLP_MAGIC; -1 otherwise. */
static int
get_head(const unsigned char *b, size_t len, size_t want, uint32_t *version,
    uint32_t *op)
{
	if (len != want || get32(b) != CTLP_MAGIC)
		return -1;
	*version = get32(b + 4);
	*op = get32(b + 8);
	return 0;
}

bool
ctlp_op_frozen(uint32_t op)
{
	return op == CTLP_STOP || op == CTLP_KILL || op == CTLP_WAIT;
}

void
ctlp_req_encode(const struct ctlp_req *r, unsigned char out[CTLP_REQ_LEN])
{
	put_head(out, r->version, r->op);
	put32(out + 12, (uint32_t)r->arg);
}

int
ctlp_req_decode(const unsigned char *b, size_t len, struct ctlp_req *r)
{
	if (get_head(b, len, CTLP_REQ_LEN, &r->version, &r->op) == -1)
		return -1;
	r->arg = (int32_t)get32(b + 12);
	return 0;
}

void
ctlp_resp_encode(const struct ctlp_resp *r, unsigned char out[CTLP_RESP_LEN])
{
	put_head(out, r->version, r->op);
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
	if (get_head(b, len, CTLP_RESP_LEN, &r->version, &r->op) == -1)
		return -1;
	r->err = (int32_t)get32(b + 12);
	r->status = (int32_t)get32(b + 16);
	r->running = get32(b + 20);
	r->cpu_usec = get64(b + 24);
	r->mem = get64(b + 32);
	r->pids = get64(b + 40);
	r->log_off = get64(b + 48);
	return 0;
}

/* ---- exec ---- */

ssize_t
ctlp_exec_encode(char *const *argv, char *const *env, const char *workdir,
    bool tty, bool detach, const char *terminal, char *buf, size_t len)
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
	size_t argc = 0;
	bool empty = false;
	char count[24];

	for (; argv[argc] != NULL; argc++)
		empty = empty || argv[argc][0] == '\0';
	if (argc > CTLP_EXEC_ARGS || (tty && detach))
		return -1;
	if (terminal == NULL) {
		if (empty || detach)
			return -1;
		PUT(tty ? "E1" : "E0");
	} else {
		char head[3] = { empty ? 'C' : 'P',
			tty ? '1' : (detach ? 'D' : '0'), '\0' };

		if (!ctlp_terminal_ok(terminal))
			return -1;
		/* An empty argument: counted ("C"); else the lone NUL ends
		 * argv ("P", which keepers before the count also read). */
		PUT(head);
		PUT(terminal);
	}
	PUT(workdir != NULL ? workdir : "");
	if (empty) {
		snprintf(count, sizeof(count), "%zu", argc);
		PUT(count);
	}
	for (size_t i = 0; i < argc; i++)
		PUT(argv[i]);
	if (!empty)
		PUT("");
	for (size_t i = 0; env != NULL && env[i] != NULL; i++)
		PUT(env[i]);
#undef PUT
	return (ssize_t)o;
}

bool
ctlp_terminal_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0)
		return true;
	if (n >= CTLP_TERMINAL_MAX || strncmp(s, "/dev/", 5) != 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
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

/* X's argv from X->buf + *O on (LEN bytes in all), *O past it: COUNTED,
 * a decimal count of 1 to CTLP_EXEC_ARGS then that many entries, one at
 * least empty (one payload per request); else entries up to a lone NUL.
 * The number of entries, 0 if malformed. */
static size_t
decode_argv(struct ctlp_exec *x, size_t len, size_t *o, bool counted)
{
	size_t na = 0, argc;
	bool empty = false;
	char *s;

	if (!counted) {
		for (;;) {
			if (*o >= len)
				return 0;
			s = x->buf + *o;
			*o += strlen(s) + 1;
			if (*s == '\0')
				return na;
			if (na >= CTLP_EXEC_ARGS)
				return 0;
			x->argv[na++] = s;
		}
	}
	if (*o >= len)
		return 0;
	s = x->buf + *o;
	*o += strlen(s) + 1;
	if (s[0] < '1' || s[0] > '9' || strlen(s) > 4 ||
	    strspn(s, "0123456789") != strlen(s) ||
	    (argc = strtoul(s, NULL, 10)) > CTLP_EXEC_ARGS)
		return 0;
	for (; na < argc; na++) {
		if (*o >= len)
			return 0;
		x->argv[na] = x->buf + *o;
		*o += strlen(x->argv[na]) + 1;
		empty = empty || x->argv[na][0] == '\0';
	}
	return empty ? na : 0;
}

int
ctlp_exec_decode(const char *in, size_t len, struct ctlp_exec *x)
{
	size_t o = 0, ne = 0;
	bool counted;
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
	if ((s[0] != 'P' && s[0] != 'C') ||
	    (s[1] != '0' && s[1] != '1' && s[1] != 'D') || s[2] != '\0')
		goto bad;
	counted = s[0] == 'C';
	x->tty = s[1] == '1';
	x->detach = s[1] == 'D';
	o = 3;
	if (o >= len)
		goto bad;
	x->terminal = x->buf + o;
	if (!ctlp_terminal_ok(x->terminal))
		goto bad;
	o += strlen(x->terminal) + 1;
	if (o >= len)
		goto bad;
	x->workdir = x->buf + o;
	if (x->workdir[0] != '\0' && x->workdir[0] != '/')
		goto bad;
	o += strlen(x->workdir) + 1;
	if (decode_argv(x, len, &o, counted) == 0)
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
