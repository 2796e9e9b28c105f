/*
 * desc.c: the image descriptor, its strict reader and its writer.
 *
 * Format (text, one record per line, every line ends with "\n"):
 *
 *   ctr-launch-image 1          magic, the first line
 *   name VALUE                  canonical image name (name_canon fixpoint)
 *   digest sha256:<64 hex>      digest of the image config
 *   created VALUE               optional
 *   workdir VALUE               optional
 *   user VALUE                  optional
 *   layer <hex> <link> <size>   repeated, base first, at least one
 *   entrypoint-set              present iff Entrypoint is set (maybe empty)
 *   entrypoint VALUE            repeated, only after entrypoint-set
 *   cmd-set / cmd VALUE         the same for Cmd
 *   env VALUE                   repeated, "KEY=VALUE", KEY not empty
 *   port VALUE                  repeated
 *   label VALUE                 repeated, "KEY=VALUE"
 *   end                         the last line; nothing may follow
 *
 * VALUE is percent-encoded: every byte outside 0x21..0x7e and every "%" is
 * written as "%XX" (uppercase hex); nothing else is.  An empty VALUE is
 * written as "KEY " followed by the newline.
 *
 * Linked into the setuid helper: no JSON, no tar, no locale, no output.
 *
 * Invariants:
 * - desc_parse() MUST reject, never guess: a missing magic or end line,
 *   an unknown or repeated-scalar key, a non-canonical encoding, %00, a
 *   bad hex id, link or size, a duplicate layer, a list over its limit or
 *   a missing mandatory record fails the whole descriptor.
 * - Every byte sequence without NUL MUST round-trip through
 *   desc_serialize() and desc_parse().
 * - desc_parse() MUST be memory-safe on arbitrary input (fuzzed).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "image/desc.h"
#include "lib/grammar.h"
#include "image/name.h"

#define DESC_MAGIC "ctr-launch-image 1\n"

struct strv {
	char **v;
	size_t n;
	bool set;
};

struct parse {
	struct image_desc *d;
	struct strv ep, cmd, env, ports, labels;
	bool have_workdir, have_user, have_created;
	struct ctl_err *e;
	size_t line;
};

static int
perr(struct parse *p, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (p->e == NULL)
		return -1;
	err_set(p->e, "descriptor line %zu: ", p->line);
	n = strlen(p->e->msg);
	va_start(ap, fmt);
	vsnprintf(p->e->msg + n, sizeof(p->e->msg) - n, fmt, ap);
	va_end(ap);
	return -1;
}

static bool
is_safe(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e && c != '%';
}

static int
hexdig(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes S[0..N) into a new string; NULL on a bad or non-canonical code. */
static char *
value_decode(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	size_t o = 0;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			int hi, lo;

			if (n - i < 3)
				goto bad;
			hi = hexdig(s[i + 1]);
			lo = hexdig(s[i + 2]);
			if (hi < 0 || lo < 0)
				goto bad;
			c = (unsigned char)(hi << 4 | lo);
			if (c == 0 || is_safe(c))
				goto bad;
			i += 2;
		} else if (!is_safe(c)) {
			goto bad;
		}
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

static void
strv_free(struct strv *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int
strv_add(struct parse *p, struct strv *l, char *s, const char *what)
{
	char **nv;

	if (l->n >= DESC_MAX_STRINGS) {
		free(s);
		return perr(p, "too many %s records", what);
	}
	nv = realloc(l->v, (l->n + 2) * sizeof(*nv));
	if (nv == NULL) {
		free(s);
		return perr(p, "out of memory");
	}
	l->v = nv;
	l->v[l->n++] = s;
	l->v[l->n] = NULL;
	return 0;
}

/* Moves L into a NULL-terminated vector (never NULL when set). */
static char **
strv_take(struct strv *l)
{
	char **v = l->v;

	if (v == NULL)
		v = calloc(1, sizeof(*v));
	l->v = NULL;
	l->n = 0;
	return v;
}

/* Decimal without sign or leading zeros, at most 2^63. */
static bool
parse_size(const char *s, size_t n, unsigned long long *out)
{
	unsigned long long v = 0;

	if (n == 0 || n > 19 || (n > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long long)(s[i] - '0');
	}
	*out = v;
	return true;
}

static int
add_layer(struct parse *p, const char *v, size_t n)
{
	struct image_desc *d = p->d;
	struct desc_layer *nl, *l;
	const char *sp1, *sp2;

	if (d->nlayers >= DESC_MAX_LAYERS)
		return perr(p, "more than %d layers", DESC_MAX_LAYERS);
	sp1 = memchr(v, ' ', n);
	sp2 = sp1 ? memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - v)) : NULL;
	if (sp1 == NULL || sp2 == NULL)
		return perr(p, "layer record needs <hex> <link> <size>");
	if (!gram_hex64n(v, (size_t)(sp1 - v)))
		return perr(p, "layer id is not 64 lowercase hex digits");
	if (!gram_linkn(sp1 + 1, (size_t)(sp2 - sp1 - 1)))
		return perr(p, "layer link is not %d of [A-Z0-9]",
		    DESC_LINK_LEN);
	for (size_t i = 0; i < d->nlayers; i++)
		if (memcmp(d->layers[i].hex, v, DESC_HEX_LEN) == 0 ||
		    memcmp(d->layers[i].link, sp1 + 1, DESC_LINK_LEN) == 0)
			return perr(p, "duplicate layer");
	nl = realloc(d->layers, (d->nlayers + 1) * sizeof(*nl));
	if (nl == NULL)
		return perr(p, "out of memory");
	d->layers = nl;
	l = &d->layers[d->nlayers];
	memset(l, 0, sizeof(*l));
	if (!parse_size(sp2 + 1, n - (size_t)(sp2 + 1 - v), &l->size))
		return perr(p, "bad layer size");
	memcpy(l->hex, v, DESC_HEX_LEN);
	memcpy(l->link, sp1 + 1, DESC_LINK_LEN);
	d->nlayers++;
	return 0;
}

static int
set_scalar(struct parse *p, char **dst, bool *seen, char *val, const char *k)
{
	if (*seen) {
		free(val);
		return perr(p, "repeated %s record", k);
	}
	*seen = true;
	free(*dst);
	*dst = val;
	return 0;
}

static int
check_kv(struct parse *p, const char *val, bool keyed, const char *k)
{
	const char *eq = strchr(val, '=');

	if (eq == NULL || (keyed && eq == val))
		return perr(p, "%s record is not KEY=VALUE", k);
	return 0;
}

static int
list_value(struct parse *p, struct strv *l, char *val, const char *k)
{
	if (!l->set) {
		free(val);
		return perr(p, "%s record before %s-set", k, k);
	}
	return strv_add(p, l, val, k);
}

static int
valued_record(struct parse *p, const char *key, size_t klen, const char *v,
    size_t vlen)
{
	struct image_desc *d = p->d;
	char canon[NAME_MAX_LEN + 1];
	char *val;

#define KEY(s) (klen == sizeof(s) - 1 && memcmp(key, s, klen) == 0)
	if (KEY("layer"))
		return add_layer(p, v, vlen);
	if ((val = value_decode(v, vlen)) == NULL)
		return perr(p, "bad percent-encoding");
	if (KEY("name")) {
		if (d->name != NULL) {
			free(val);
			return perr(p, "repeated name record");
		}
		d->name = val;
		if (name_canon(val, canon, sizeof(canon)) == -1 ||
		    strcmp(canon, val) != 0)
			return perr(p, "name is not canonical");
		return 0;
	}
	if (KEY("digest")) {
		if (d->digest != NULL) {
			free(val);
			return perr(p, "repeated digest record");
		}
		d->digest = val;
		if (strncmp(val, "sha256:", 7) != 0 || !gram_hex64(val + 7))
			return perr(p, "digest is not sha256:<hex>");
		return 0;
	}
	if (KEY("created"))
		return set_scalar(p, &d->created, &p->have_created, val,
		    "created");
	if (KEY("workdir"))
		return set_scalar(p, &d->workdir, &p->have_workdir, val,
		    "workdir");
	if (KEY("user"))
		return set_scalar(p, &d->user, &p->have_user, val, "user");
	if (KEY("entrypoint"))
		return list_value(p, &p->ep, val, "entrypoint");
	if (KEY("cmd"))
		return list_value(p, &p->cmd, val, "cmd");
	if (KEY("env")) {
		if (check_kv(p, val, true, "env") == -1) {
			free(val);
			return -1;
		}
		return strv_add(p, &p->env, val, "env");
	}
	if (KEY("label")) {
		if (check_kv(p, val, false, "label") == -1) {
			free(val);
			return -1;
		}
		return strv_add(p, &p->labels, val, "label");
	}
	if (KEY("port"))
		return strv_add(p, &p->ports, val, "port");
	free(val);
	return perr(p, "unknown record");
}

static int
marker(struct parse *p, const char *key, size_t klen)
{
	struct strv *l;

	if (KEY("entrypoint-set"))
		l = &p->ep;
	else if (KEY("cmd-set"))
		l = &p->cmd;
	else
		return perr(p, "unknown record");
	if (l->set)
		return perr(p, "repeated %.*s record", (int)klen, key);
	l->set = true;
	return 0;
#undef KEY
}

static int
finish(struct parse *p)
{
	struct image_desc *d = p->d;

	if (d->name == NULL)
		return perr(p, "no name record");
	if (d->digest == NULL)
		return perr(p, "no digest record");
	if (d->nlayers == 0)
		return perr(p, "no layer record");
	if ((d->created == NULL && (d->created = strdup("")) == NULL) ||
	    (d->workdir == NULL && (d->workdir = strdup("")) == NULL) ||
	    (d->user == NULL && (d->user = strdup("")) == NULL))
		return perr(p, "out of memory");
	if (p->ep.set && (d->entrypoint = strv_take(&p->ep)) == NULL)
		return perr(p, "out of memory");
	if (p->cmd.set && (d->cmd = strv_take(&p->cmd)) == NULL)
		return perr(p, "out of memory");
	if ((d->env = strv_take(&p->env)) == NULL ||
	    (d->ports = strv_take(&p->ports)) == NULL ||
	    (d->labels = strv_take(&p->labels)) == NULL)
		return perr(p, "out of memory");
	return 0;
}

static int
parse_lines(struct parse *p, const char *buf, size_t len)
{
	size_t pos = sizeof(DESC_MAGIC) - 1;

	p->line = 1;
	if (len < pos || memcmp(buf, DESC_MAGIC, pos) != 0)
		return perr(p, "not a ctr-launch image descriptor");
	for (;;) {
		const char *l = buf + pos, *nl, *sp;
		size_t n;

		p->line++;
		if (pos >= len)
			return perr(p, "no end record (truncated)");
		nl = memchr(l, '\n', len - pos);
		if (nl == NULL)
			return perr(p, "unterminated line");
		n = (size_t)(nl - l);
		pos += n + 1;
		if (n == 3 && memcmp(l, "end", 3) == 0) {
			if (pos != len)
				return perr(p, "data after end record");
			return finish(p);
		}
		sp = memchr(l, ' ', n);
		if (sp == NULL) {
			if (marker(p, l, n) == -1)
				return -1;
		} else if (valued_record(p, l, (size_t)(sp - l), sp + 1,
			       n - (size_t)(sp - l) - 1) == -1) {
			return -1;
		}
	}
}

int
desc_parse(const char *buf, size_t len, struct image_desc **out,
    struct ctl_err *e)
{
	struct parse p = { .e = e };
	int r;

	*out = NULL;
	if (e != NULL)
		e->msg[0] = '\0';
	if (len > DESC_MAX_SIZE) {
		p.line = 0;
		return perr(&p, "larger than %u bytes", DESC_MAX_SIZE);
	}
	if ((p.d = calloc(1, sizeof(*p.d))) == NULL)
		return perr(&p, "out of memory");
	r = parse_lines(&p, buf, len);
	strv_free(&p.ep);
	strv_free(&p.cmd);
	strv_free(&p.env);
	strv_free(&p.ports);
	strv_free(&p.labels);
	if (r == -1) {
		desc_free(p.d);
		return -1;
	}
	*out = p.d;
	return 0;
}

int
desc_read_fd(int fd, struct image_desc **out, struct ctl_err *e)
{
	cleanup_free char *buf = NULL;
	struct stat st;
	size_t len = 0;

	*out = NULL;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		err_set(e, "descriptor is not a regular file");
		return -1;
	}
	if ((buf = malloc(DESC_MAX_SIZE + 1)) == NULL) {
		err_set(e, "out of memory");
		return -1;
	}
	while (len <= DESC_MAX_SIZE) {
		ssize_t r = read(fd, buf + len, DESC_MAX_SIZE + 1 - len);

		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			err_errno(e, "descriptor");
			return -1;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len > DESC_MAX_SIZE) {
		err_set(e, "descriptor larger than %u bytes", DESC_MAX_SIZE);
		return -1;
	}
	return desc_parse(buf, len, out, e);
}

static void
free_strv(char **v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

void
desc_free(struct image_desc *d)
{
	if (d == NULL)
		return;
	free(d->name);
	free(d->digest);
	free(d->created);
	free(d->layers);
	free_strv(d->entrypoint);
	free_strv(d->cmd);
	free_strv(d->env);
	free(d->workdir);
	free(d->user);
	free_strv(d->ports);
	free_strv(d->labels);
	free(d);
}

/* Writer. */

struct wbuf {
	char *b;
	size_t n, cap;
	bool oom;
};

static void
wput(struct wbuf *w, const char *s, size_t n)
{
	if (w->oom)
		return;
	if (w->n + n + 1 > w->cap) {
		size_t cap = w->cap ? w->cap : 256;
		char *nb;

		while (w->n + n + 1 > cap)
			cap *= 2;
		if ((nb = realloc(w->b, cap)) == NULL) {
			w->oom = true;
			return;
		}
		w->b = nb;
		w->cap = cap;
	}
	memcpy(w->b + w->n, s, n);
	w->n += n;
	w->b[w->n] = '\0';
}

static void
wrecord(struct wbuf *w, const char *key, const char *val)
{
	static const char hex[] = "0123456789ABCDEF";

	wput(w, key, strlen(key));
	wput(w, " ", 1);
	for (const unsigned char *s = (const unsigned char *)val; *s; s++) {
		const unsigned char *run = s;

		while (*s && is_safe(*s))
			s++;
		if (s > run)
			wput(w, (const char *)run, (size_t)(s - run));
		if (*s == '\0')
			break;
		char e[3] = { '%', hex[*s >> 4], hex[*s & 15] };
		wput(w, e, 3);
	}
	wput(w, "\n", 1);
}

static void
wlist(struct wbuf *w, const char *key, char *const *v)
{
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		wrecord(w, key, v[i]);
}

int
desc_serialize(const struct image_desc *d, char **buf, size_t *len)
{
	struct wbuf w = { 0 };
	struct image_desc *check = NULL;
	char line[DESC_HEX_LEN + DESC_LINK_LEN + 32];

	*buf = NULL;
	*len = 0;
	if (d->name == NULL || d->digest == NULL)
		return -1;
	wput(&w, DESC_MAGIC, sizeof(DESC_MAGIC) - 1);
	wrecord(&w, "name", d->name);
	wrecord(&w, "digest", d->digest);
	if (d->created != NULL && d->created[0] != '\0')
		wrecord(&w, "created", d->created);
	if (d->workdir != NULL && d->workdir[0] != '\0')
		wrecord(&w, "workdir", d->workdir);
	if (d->user != NULL && d->user[0] != '\0')
		wrecord(&w, "user", d->user);
	for (size_t i = 0; i < d->nlayers; i++) {
		snprintf(line, sizeof(line), "layer %.64s %.10s %llu\n",
		    d->layers[i].hex, d->layers[i].link, d->layers[i].size);
		wput(&w, line, strlen(line));
	}
	if (d->entrypoint != NULL)
		wput(&w, "entrypoint-set\n", 15);
	wlist(&w, "entrypoint", d->entrypoint);
	if (d->cmd != NULL)
		wput(&w, "cmd-set\n", 8);
	wlist(&w, "cmd", d->cmd);
	wlist(&w, "env", d->env);
	wlist(&w, "port", d->ports);
	wlist(&w, "label", d->labels);
	wput(&w, "end\n", 4);
	if (w.oom) {
		free(w.b);
		return -1;
	}
	/* Never write what the reader would refuse. */
	if (desc_parse(w.b, w.n, &check, NULL) == -1) {
		free(w.b);
		errno = EINVAL;
		return -1;
	}
	desc_free(check);
	*buf = w.b;
	*len = w.n;
	return 0;
}

int
desc_lowerdir(const struct image_desc *d, char *buf, size_t len)
{
	size_t o = 0;

	if (d->nlayers == 0 || len < d->nlayers * (DESC_LINK_LEN + 1))
		return -1;
	for (size_t i = d->nlayers; i-- > 0;) {
		memcpy(buf + o, d->layers[i].link, DESC_LINK_LEN);
		o += DESC_LINK_LEN;
		buf[o++] = i > 0 ? ':' : '\0';
	}
	return 0;
}
