/*
 * value.c: strict parsers for policy values, paths and templates.
 *
 * Pure functions: no allocation except where a result is returned, no I/O,
 * no locale.
 *
 * Invariants:
 * - policy_parse_cpus() MUST accept only its exact grammar (digits and at
 *   most three decimals) and MUST refuse anything that would overflow 64
 *   bits (sizes: gram_size() in lib/grammar.h).
 * - policy_path_covers() MUST match by whole components.
 * - policy_path_normal() MUST refuse relative paths, "..", ".", "//" and a
 *   trailing "/".
 * - A template MUST only use %u %U %h %g %%, and its expansion MUST be
 *   refused unless it is an absolute, normal path other than "/", with %u
 *   and %g each expanding to exactly one path component.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/grammar.h"
#include "lib/imgref.h"
#include "policy/policy_int.h"

void
policy_errors_free(struct policy_errors *errs)
{
	if (errs == NULL)
		return;
	free(errs->v);
	errs->v = NULL;
	errs->n = 0;
}

void
perr_set(struct ctl_err *e, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return;
	va_start(ap, fmt);
	err_vat(e, file, line, fmt, ap);
	va_end(ap);
}

void
perr_add(struct policy_errors *errs, const char *file, int line,
    const char *fmt, ...)
{
	struct ctl_err *v;
	va_list ap;

	if (errs == NULL || errs->n >= POLICY_MAX_ERRORS)
		return;
	if (errs->n + 1 == POLICY_MAX_ERRORS)
		fmt = "too many errors; stopping here";
	v = reallocarray(errs->v, errs->n + 1, sizeof(*v));
	if (v == NULL)
		return;
	errs->v = v;
	va_start(ap, fmt);
	err_vat(&v[errs->n], file, line, fmt, ap);
	va_end(ap);
	/* A failure of the machine, not a finding in the file. */
	if (strcmp(fmt, "out of memory") == 0)
		v[errs->n].err = ENOMEM;
	errs->n++;
}

int
policy_parse_duration(const char *s, uint64_t *secs)
{
	size_t n;
	uint64_t mult = 1, v;

	if (s == NULL || (n = strlen(s)) == 0)
		return -1;
	switch (s[n - 1]) {
	case 's':
		break;
	case 'm':
		mult = 60;
		break;
	case 'h':
		mult = 3600;
		break;
	case 'd':
		mult = 86400;
		break;
	default:
		mult = 0;
		break;
	}
	if (mult != 0)
		n--;
	else
		mult = 1;
	if (gram_u64(s, n, &v) < 0 || v > UINT64_MAX / mult)
		return -1;
	*secs = v * mult;
	return 0;
}

int
policy_parse_cpus(const char *s, uint64_t *milli)
{
	const char *dot;
	uint64_t whole, frac = 0;
	size_t nf = 0;

	if (s == NULL || *s == '\0')
		return -1;
	dot = strchr(s, '.');
	if (gram_u64(s, dot ? (size_t)(dot - s) : strlen(s), &whole) < 0)
		return -1;
	if (dot != NULL) {
		nf = strlen(dot + 1);
		if (nf == 0 || nf > 3 || gram_u64(dot + 1, nf, &frac) < 0)
			return -1;
		for (size_t i = nf; i < 3; i++)
			frac *= 10;
	}
	if (whole > (UINT64_MAX - 999) / 1000)
		return -1;
	*milli = whole * 1000 + frac;
	return 0;
}

bool
policy_path_normal(const char *p)
{
	const char *c;

	if (p == NULL || p[0] != '/')
		return false;
	if (p[1] == '\0')
		return true;
	for (c = p + 1;;) {
		const char *end = strchr(c, '/');
		size_t n = end ? (size_t)(end - c) : strlen(c);

		if (n == 0 || (n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		if (end == NULL)
			return true;
		c = end + 1;
	}
}

bool
policy_path_covers(const char *prefix, const char *path)
{
	size_t n;

	if (prefix == NULL || path == NULL)
		return false;
	if (strcmp(prefix, "/") == 0)
		return path[0] == '/';
	n = strlen(prefix);
	return strncmp(prefix, path, n) == 0 &&
	    (path[n] == '\0' || path[n] == '/');
}

/* A user or group name as useradd(8) would take it (with uppercase, which
 * some directories use), at most 32 bytes. */
bool
pval_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    c == '_';

		if (i == 0 ? !alpha :
			     !(alpha || (c >= '0' && c <= '9') || c == '.' ||
				 c == '-' || (c == '$' && i == n - 1)))
			return false;
	}
	return true;
}

struct subst {
	const char *u, *U, *h, *g;
};

static int
expand(const char *t, const struct subst *s, char **out, struct ctl_err *e)
{
	size_t cap = 64, n = 0;
	char *buf = malloc(cap);

	if (buf == NULL) {
		err_set(e, "out of memory");
		return -1;
	}
	for (const char *p = t; *p; p++) {
		const char *add;
		char one[2] = { *p, '\0' };
		size_t an;

		if (*p != '%') {
			add = one;
		} else {
			switch (*++p) {
			case 'u':
				add = s->u;
				break;
			case 'U':
				add = s->U;
				break;
			case 'h':
				add = s->h;
				break;
			case 'g':
				add = s->g;
				break;
			case '%':
				add = "%";
				break;
			default:
				err_set(e, "unknown template %%%c%s",
				    *p ? *p : '?',
				    *p ? "" : " (a lone % ends it)");
				free(buf);
				return -1;
			}
			if ((p[0] == 'u' || p[0] == 'g') &&
			    (strchr(add, '/') != NULL || *add == '\0' ||
				strcmp(add, ".") == 0 ||
				strcmp(add, "..") == 0)) {
				err_set(e,
				    "%%%c expands to \"%s\", not one path component",
				    p[0], add);
				free(buf);
				return -1;
			}
		}
		an = strlen(add);
		if (n + an + 1 > cap) {
			char *nb;

			while (n + an + 1 > cap)
				cap *= 2;
			if (cap > 65536 || (nb = realloc(buf, cap)) == NULL) {
				err_set(e, "expansion too long");
				free(buf);
				return -1;
			}
			buf = nb;
		}
		memcpy(buf + n, add, an);
		n += an;
	}
	buf[n] = '\0';
	if (!policy_path_normal(buf) || strcmp(buf, "/") == 0) {
		err_set(e,
		    "\"%.100s\" is not an absolute, normal path other than /",
		    buf);
		free(buf);
		return -1;
	}
	*out = buf;
	return 0;
}

int
pval_template_check(const char *t, struct ctl_err *e)
{
	static const struct subst dummy = { "u", "0", "/h", "g" };
	char *out = NULL;

	if (expand(t, &dummy, &out, e) < 0)
		return -1;
	free(out);
	return 0;
}

int
pval_template_expand(const char *t, const struct policy_ident *id, char **out,
    struct ctl_err *e)
{
	char uid[24];
	const char *gname = ""; /* whole: a cut name would name another */
	struct subst s;

	snprintf(uid, sizeof(uid), "%lu", (unsigned long)id->uid);
	for (size_t i = 0; i < id->ngroups; i++)
		if (id->gids != NULL && id->gnames != NULL &&
		    id->gids[i] == id->gid && id->gnames[i] != NULL) {
			gname = id->gnames[i];
			break;
		}
	s.u = id->user ? id->user : "";
	s.U = uid;
	s.h = id->home ? id->home : "";
	s.g = gname;
	return expand(t, &s, out, e);
}

/*
 * An image pattern, canonicalised by lib/imgref.c like every image name:
 * the same prefixes dropped, ":*" added when it names neither tag nor
 * digest.
 */
int
pval_image_pattern(const char *in, char **out)
{
	char canon[IMGREF_MAX_LEN + 1];

	if (imgref_canon(in, IMGREF_PATTERN, canon, sizeof(canon), NULL) < 0)
		return -1;
	return (*out = strdup(canon)) != NULL ? 0 : -1;
}
