/*
 * wwwauth.c: the WWW-Authenticate challenge parser (see wwwauth.h).
 *
 *	challenge  = scheme [ 1*SP param *( OWS "," OWS param ) ]
 *	param      = token OWS "=" OWS ( token / quoted-string )
 *
 * Invariants:
 * - Every read MUST stay below HDR + LEN; no byte past it is looked at.
 * - A value that does not fit its field MUST refuse the header, never be
 *   cut (a cut realm could point elsewhere).
 * - A parameter given twice MUST refuse the header.
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "image/wwwauth.h"

struct cur {
	const char *p, *end;
};

static bool
is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
}

static void
skip_ows(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

/* A token into OUT (LEN bytes); its length, or -1. */
static int
token(struct cur *c, char *out, size_t len)
{
	size_t n = 0;

	while (c->p < c->end && is_tchar(*c->p)) {
		if (n + 1 >= len)
			return -1;
		out[n++] = *c->p++;
	}
	out[n] = '\0';
	return n == 0 ? -1 : (int)n;
}

static int
quoted(struct cur *c, char *out, size_t len)
{
	size_t n = 0;

	c->p++; /* '"' */
	while (c->p < c->end && *c->p != '"') {
		unsigned char ch = (unsigned char)*c->p;

		if (ch == '\\') {
			if (++c->p == c->end)
				return -1;
			ch = (unsigned char)*c->p;
		}
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f || n + 1 >= len)
			return -1;
		out[n++] = (char)ch;
		c->p++;
	}
	if (c->p == c->end)
		return -1;
	c->p++;
	out[n] = '\0';
	return 0;
}

/* DST/LEN of KEY's field, or NULL for a parameter we ignore; -1 when
 * given twice. */
static int
field(struct wwwauth *w, const char *key, char **dst, size_t *len, bool *seen)
{
	static const char *const keys[] = { "realm", "service", "scope" };
	char *const f[] = { w->realm, w->service, w->scope };
	const size_t l[] = { sizeof(w->realm), sizeof(w->service),
		sizeof(w->scope) };

	*dst = NULL;
	for (size_t i = 0; i < 3; i++)
		if (strcasecmp(key, keys[i]) == 0) {
			if (seen[i])
				return -1;
			seen[i] = true;
			*dst = f[i];
			*len = l[i];
		}
	return 0;
}

static int
param(struct cur *c, struct wwwauth *w, bool *seen)
{
	char key[64], ignored[1024], *dst;
	size_t len = sizeof(ignored);

	if (token(c, key, sizeof(key)) == -1)
		return -1;
	skip_ows(c);
	if (c->p == c->end || *c->p != '=')
		return -1;
	c->p++;
	skip_ows(c);
	if (field(w, key, &dst, &len, seen) == -1)
		return -1;
	if (dst == NULL)
		dst = ignored;
	if (c->p < c->end && *c->p == '"')
		return quoted(c, dst, len);
	return token(c, dst, len) == -1 ? -1 : 0;
}

int
wwwauth_parse(const char *hdr, size_t len, struct wwwauth *out)
{
	struct cur c = { hdr, hdr + len };
	bool seen[3] = { false, false, false };
	char scheme[16];

	memset(out, 0, sizeof(*out));
	skip_ows(&c);
	if (token(&c, scheme, sizeof(scheme)) == -1)
		return -1;
	if (strcasecmp(scheme, "Basic") == 0)
		out->scheme = WWWAUTH_BASIC;
	else if (strcasecmp(scheme, "Bearer") == 0)
		out->scheme = WWWAUTH_BEARER;
	else
		return -1;
	skip_ows(&c);
	while (c.p < c.end) {
		if (param(&c, out, seen) == -1)
			return -1;
		skip_ows(&c);
		if (c.p == c.end)
			break;
		if (*c.p != ',')
			return -1;
		c.p++;
		skip_ows(&c);
	}
	if (out->scheme == WWWAUTH_BEARER && out->realm[0] == '\0')
		return -1;
	return 0;
}
