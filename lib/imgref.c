/*
 * imgref.c: image references and policy image patterns (see imgref.h).
 *
 * Linked into the setuid helper: no allocation, no I/O, no locale.
 *
 * Invariants:
 * - imgref_parse() MUST refuse anything outside the grammar of imgref.h,
 *   so that no name can carry "/..", NUL, control bytes, whitespace or a
 *   glob character, and no pattern can hide a registry in its repository.
 * - The table of dropped prefixes (imgref_drop) is the only one: names
 *   and patterns are canonicalised by the same code.
 * - imgref_match() MUST compare registry, repository, tag and digest
 *   separately: no glob crosses a '/' or moves a part into another.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/imgref.h"

/* At most this many components in a repository of IMGREF_MAX_LEN bytes. */
#define IMGREF_MAX_COMPS (IMGREF_MAX_LEN / 2 + 1)

/* Dropped from the front of names and patterns alike, first match only. */
static const char *const imgref_drop[] = {
	"docker.io/",
	"index.docker.io/",
	"localhost/",
};

/* Docker Hub's official images: "library/" is dropped from a Docker Hub
 * repository exactly when one component follows it, as Docker names them
 * ("library/ubuntu" is "ubuntu", "library/a/b" stays). */
#define IMGREF_OFFICIAL "library/"

/* What a glob character may stand among. */
enum imgref_part {
	PART_HOST,
	PART_COMP,
	PART_TAG,
};

static int imgref_fail(struct ctl_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
imgref_fail(struct ctl_err *e, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	err_vat(e, NULL, 0, fmt, ap);
	va_end(ap);
	/* The reason quotes the input: no control byte gets through. */
	for (char *c = e->msg; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
			*c = '?';
	return -1;
}

static bool
is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool
is_alnum(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
part_char(enum imgref_part part, char c)
{
	switch (part) {
	case PART_HOST:
		return is_alnum(c) || c == '.' || c == '-' || c == ':';
	case PART_COMP:
		return is_lower_alnum(c) || c == '.' || c == '_' || c == '-';
	case PART_TAG:
		return is_alnum(c) || c == '.' || c == '_' || c == '-';
	}
	return false;
}

static bool
has_glob(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '*' || s[i] == '?' || s[i] == '[')
			return true;
	return false;
}

static bool
has_double_star(const char *s, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++)
		if (s[i] == '*' && s[i + 1] == '*')
			return true;
	return false;
}

/* A glob over PART's characters: '*', '?', and closed, non-empty '[...]'
 * classes of PART's characters, '!' first negating. */
static bool
valid_glob(const char *s, size_t n, enum imgref_part part)
{
	size_t i = 0;

	while (i < n) {
		size_t first;

		if (s[i] == '*' || s[i] == '?' || part_char(part, s[i])) {
			i++;
			continue;
		}
		if (s[i] != '[')
			return false;
		i++;
		if (i < n && s[i] == '!')
			i++;
		for (first = i; i < n && s[i] != ']'; i++)
			if (!part_char(part, s[i]))
				return false;
		if (i == n || i == first)
			return false;
		i++;
	}
	return true;
}

/* One repository component: [a-z0-9]+ joined by ".", "_", "__" or "-"+. */
static bool
valid_component(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return false;
	while (i < n) {
		size_t sep = 0;

		while (i < n && is_lower_alnum(s[i]))
			i++;
		if (i == n)
			return true;
		if (s[i] == '.') {
			sep = 1;
		} else if (s[i] == '_') {
			sep = i + 1 < n && s[i + 1] == '_' ? 2 : 1;
		} else if (s[i] == '-') {
			while (i + sep < n && s[i + sep] == '-')
				sep++;
		} else {
			return false;
		}
		i += sep;
		if (i >= n || !is_lower_alnum(s[i]))
			return false;
	}
	return true;
}

/* One DNS label: [A-Za-z0-9] at both ends, [A-Za-z0-9-] inside. */
static bool
valid_label(const char *s, size_t n)
{
	if (n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

/* A registry: labels joined by '.', an optional ":PORT" (1-65535). */
static bool
valid_host(const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);
	size_t hn = colon ? (size_t)(colon - s) : n, start = 0;

	if (colon != NULL) {
		size_t pn = n - hn - 1;
		unsigned long port = 0;

		if (pn == 0 || pn > 5)
			return false;
		for (size_t i = hn + 1; i < n; i++) {
			if (!is_digit(s[i]))
				return false;
			port = port * 10 + (unsigned long)(s[i] - '0');
		}
		if (port == 0 || port > 65535)
			return false;
	}
	for (size_t i = 0; i <= hn; i++) {
		if (i < hn && s[i] != '.')
			continue;
		if (!valid_label(s + start, i - start))
			return false;
		start = i + 1;
	}
	return true;
}

static bool
valid_tag(const char *s, size_t n)
{
	if (n == 0 || n > IMGREF_TAG_MAX || !(is_alnum(s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!part_char(PART_TAG, s[i]))
			return false;
	return true;
}

static bool
valid_digest(const char *s, size_t n)
{
	if (n != IMGREF_DIGEST_LEN || strncmp(s, "sha256:", 7) != 0)
		return false;
	for (size_t i = 7; i < n; i++)
		if (!is_digit(s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
			return false;
	return true;
}

/* Docker's rule: a first component followed by '/' is a registry when it
 * contains '.' or ':' or is "localhost". */
static bool
host_like(const char *s, size_t n)
{
	return memchr(s, '.', n) != NULL || memchr(s, ':', n) != NULL ||
	    (n == 9 && memcmp(s, "localhost", 9) == 0);
}

static int
check_registry(const char *s, size_t n, enum imgref_kind kind,
    struct ctl_err *e)
{
	bool ok;

	if (kind == IMGREF_PATTERN && has_glob(s, n))
		ok = !has_double_star(s, n) && valid_glob(s, n, PART_HOST);
	else
		ok = valid_host(s, n);
	if (!ok)
		return imgref_fail(e, "bad registry \"%.*s\"", (int)n, s);
	return 0;
}

static int
check_component(const char *s, size_t n, enum imgref_kind kind,
    struct ctl_err *e)
{
	bool ok;

	if (kind == IMGREF_PATTERN && n == 2 && s[0] == '*' && s[1] == '*')
		ok = true;
	else if (kind == IMGREF_PATTERN && has_glob(s, n))
		ok = !has_double_star(s, n) && valid_glob(s, n, PART_COMP);
	else
		ok = valid_component(s, n);
	if (!ok)
		return imgref_fail(e, "bad repository component \"%.*s\"",
		    (int)n, s);
	return 0;
}

static int
check_repo(const char *s, size_t n, enum imgref_kind kind, struct ctl_err *e)
{
	size_t start = 0;

	if (n == 0)
		return imgref_fail(e, "no repository");
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '/')
			continue;
		if (check_component(s + start, i - start, kind, e) < 0)
			return -1;
		start = i + 1;
	}
	return 0;
}

static int
check_tag(const char *s, size_t n, enum imgref_kind kind, struct ctl_err *e)
{
	bool ok;

	if (kind == IMGREF_PATTERN && has_glob(s, n))
		ok = valid_glob(s, n, PART_TAG);
	else
		ok = valid_tag(s, n);
	if (!ok)
		return imgref_fail(e, "bad tag \"%.*s\"", (int)n, s);
	return 0;
}

/* The text after the dropped prefix, if any; *DROPPED says which. */
static const char *
drop_prefix(const char *in, const char **dropped)
{
	*dropped = NULL;
	for (size_t i = 0; i < sizeof(imgref_drop) / sizeof(imgref_drop[0]);
	     i++) {
		size_t n = strlen(imgref_drop[i]);

		if (strncmp(in, imgref_drop[i], n) == 0) {
			*dropped = imgref_drop[i];
			return in + n;
		}
	}
	return in;
}

static void
copy_part(char *dst, const char *s, size_t n)
{
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* OUT's repository "library/NAME" without a registry becomes "NAME"; a
 * pattern whose NAME is the "**" component stays, as it would otherwise
 * widen to every repository.  (Local names, "localhost/" dropped, share
 * Docker Hub's namespace here, so the rule is theirs too: a canonical form
 * must read back as itself.) */
static void
official(struct imgref *out)
{
	const size_t n = sizeof(IMGREF_OFFICIAL) - 1;
	const char *rest = out->repo + n;
	size_t len;

	if (out->registry[0] != '\0' ||
	    strncmp(out->repo, IMGREF_OFFICIAL, n) != 0 ||
	    strchr(rest, '/') != NULL || strcmp(rest, "**") == 0)
		return;
	len = strlen(rest);
	memmove(out->repo, rest, len + 1);
	/* As parsed from "NAME": nothing of the longer form left behind. */
	memset(out->repo + len + 1, 0, sizeof(out->repo) - len - 1);
}

/* Splits and checks [REGISTRY/]REPOSITORY, the N bytes at S. */
static int
parse_path(const char *s, size_t n, enum imgref_kind kind, const char *dropped,
    struct imgref *out, struct ctl_err *e)
{
	const char *slash = memchr(s, '/', n);
	size_t rn = 0;

	if (slash != NULL && host_like(s, (size_t)(slash - s))) {
		rn = (size_t)(slash - s);
		if (dropped != NULL)
			return imgref_fail(e,
			    "\"%.*s\" after \"%s\" would name a registry",
			    (int)rn, s, dropped);
		if (check_registry(s, rn, kind, e) < 0)
			return -1;
		copy_part(out->registry, s, rn);
		s += rn + 1;
		n -= rn + 1;
	}
	if (check_repo(s, n, kind, e) < 0)
		return -1;
	copy_part(out->repo, s, n);
	official(out);
	return 0;
}

/* Splits and checks REST = [REGISTRY/]REPOSITORY[:TAG][@DIGEST]. */
static int
parse_rest(const char *rest, enum imgref_kind kind, const char *dropped,
    struct imgref *out, struct ctl_err *e)
{
	const char *end = rest + strlen(rest), *at = strchr(rest, '@');
	const char *colon = NULL;

	if (at != NULL) {
		if (!valid_digest(at + 1, (size_t)(end - at - 1)))
			return imgref_fail(e,
			    "bad digest (sha256: and 64 lowercase hex digits)");
		copy_part(out->digest, at + 1, (size_t)(end - at - 1));
		end = at;
	}
	for (const char *c = end; c > rest && c[-1] != '/'; c--)
		if (c[-1] == ':') {
			colon = c - 1;
			break;
		}
	if (colon != NULL) {
		if (check_tag(colon + 1, (size_t)(end - colon - 1), kind, e) <
		    0)
			return -1;
		copy_part(out->tag, colon + 1, (size_t)(end - colon - 1));
		end = colon;
	}
	return parse_path(rest, (size_t)(end - rest), kind, dropped, out, e);
}

int
imgref_parse(const char *in, enum imgref_kind kind, struct imgref *out,
    struct ctl_err *e)
{
	const char *dropped, *rest;
	char canon[IMGREF_MAX_LEN + 1];
	size_t n;

	if (out == NULL)
		return imgref_fail(e, "no result buffer");
	memset(out, 0, sizeof(*out));
	if (in == NULL || (n = strnlen(in, IMGREF_MAX_LEN + 1)) == 0)
		return imgref_fail(e, "empty image reference");
	if (n > IMGREF_MAX_LEN)
		return imgref_fail(e, "longer than %d bytes", IMGREF_MAX_LEN);
	if (kind != IMGREF_NAME && kind != IMGREF_PATTERN)
		return imgref_fail(e, "unknown reference kind");
	rest = drop_prefix(in, &dropped);
	if (parse_rest(rest, kind, dropped, out, e) < 0) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	if (out->tag[0] == '\0' && out->digest[0] == '\0')
		copy_part(out->tag, kind == IMGREF_NAME ? "latest" : "*",
		    kind == IMGREF_NAME ? 6 : 1);
	if (imgref_format(out, canon, sizeof(canon), e) < 0) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	return 0;
}

static bool
terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static size_t
append(char *out, size_t o, const char *sep, const char *s)
{
	size_t n = strlen(s);

	if (n == 0)
		return o;
	if (sep != NULL)
		out[o++] = *sep;
	memcpy(out + o, s, n);
	return o + n;
}

int
imgref_format(const struct imgref *r, char *out, size_t outlen,
    struct ctl_err *e)
{
	size_t need, o = 0;

	if (r == NULL || out == NULL)
		return imgref_fail(e, "no reference");
	if (!terminated(r->registry, sizeof(r->registry)) ||
	    !terminated(r->repo, sizeof(r->repo)) ||
	    !terminated(r->tag, sizeof(r->tag)) ||
	    !terminated(r->digest, sizeof(r->digest)) || r->repo[0] == '\0')
		return imgref_fail(e, "not a parsed reference");
	need = (r->registry[0] ? strlen(r->registry) + 1 : 0) +
	    strlen(r->repo) + (r->tag[0] ? strlen(r->tag) + 1 : 0) +
	    (r->digest[0] ? strlen(r->digest) + 1 : 0);
	if (need > IMGREF_MAX_LEN)
		return imgref_fail(e, "canonical form longer than %d bytes",
		    IMGREF_MAX_LEN);
	if (need >= outlen)
		return imgref_fail(e, "no room for the canonical form");
	o = append(out, o, NULL, r->registry);
	if (r->registry[0] != '\0')
		out[o++] = '/';
	o = append(out, o, NULL, r->repo);
	o = append(out, o, ":", r->tag);
	o = append(out, o, "@", r->digest);
	out[o] = '\0';
	return 0;
}

int
imgref_canon(const char *in, enum imgref_kind kind, char *out, size_t outlen,
    struct ctl_err *e)
{
	struct imgref r;

	if (imgref_parse(in, kind, &r, e) < 0)
		return -1;
	return imgref_format(&r, out, outlen, e);
}

/*
 * P[*I] is '['.  For a closed class, moves *I past its ']' and returns
 * whether C is in it; an unclosed '[' (never parsed) stands for itself.
 */
static bool
glob_class(const char *p, size_t pn, size_t *i, char c)
{
	size_t j = *i + 1;
	bool neg = false, hit = false;

	if (j < pn && p[j] == '!') {
		neg = true;
		j++;
	}
	while (j < pn && p[j] != ']') {
		if (j + 2 < pn && p[j + 1] == '-' && p[j + 2] != ']') {
			hit = hit || (c >= p[j] && c <= p[j + 2]);
			j += 3;
		} else {
			hit = hit || c == p[j];
			j++;
		}
	}
	if (j >= pn) {
		*i += 1;
		return c == '[';
	}
	*i = j + 1;
	return hit != neg;
}

/* P (PN bytes) against S (SN bytes): '*' any run, '?' one, '[...]' one. */
static bool
glob_match(const char *p, size_t pn, const char *s, size_t sn)
{
	size_t pi = 0, si = 0, star_p = SIZE_MAX, star_s = 0;

	while (si < sn) {
		size_t next = pi + 1;
		bool ok = false;

		if (pi < pn && p[pi] == '*') {
			star_p = ++pi;
			star_s = si;
			continue;
		}
		if (pi < pn && p[pi] == '[') {
			next = pi;
			ok = glob_class(p, pn, &next, s[si]);
		} else if (pi < pn) {
			ok = p[pi] == '?' || p[pi] == s[si];
		}
		if (ok) {
			pi = next;
			si++;
			continue;
		}
		if (star_p == SIZE_MAX)
			return false;
		pi = star_p;
		si = ++star_s;
	}
	while (pi < pn && p[pi] == '*')
		pi++;
	return pi == pn;
}

struct comps {
	const char *s[IMGREF_MAX_COMPS];
	size_t n[IMGREF_MAX_COMPS];
	size_t count;
};

static bool
split_comps(const char *s, struct comps *c)
{
	size_t start = 0, len = strlen(s);

	c->count = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '/')
			continue;
		if (c->count == IMGREF_MAX_COMPS)
			return false;
		c->s[c->count] = s + start;
		c->n[c->count++] = i - start;
		start = i + 1;
	}
	return true;
}

/* Repository PAT against NAME, component by component; a "**" component
 * stands for one or more whole components. */
static bool
path_match(const char *pat, const char *name)
{
	struct comps pc, nc;
	bool prev[IMGREF_MAX_COMPS + 1], cur[IMGREF_MAX_COMPS + 1];

	if (!split_comps(pat, &pc) || !split_comps(name, &nc))
		return false;
	memset(prev, 0, sizeof(prev));
	memset(cur, 0, sizeof(cur));
	prev[0] = true;
	for (size_t i = 0; i < pc.count; i++) {
		bool any = pc.n[i] == 2 && memcmp(pc.s[i], "**", 2) == 0;

		cur[0] = false;
		for (size_t j = 1; j <= nc.count; j++) {
			if (any)
				cur[j] = prev[j - 1] || cur[j - 1];
			else
				cur[j] = prev[j - 1] &&
				    glob_match(pc.s[i], pc.n[i], nc.s[j - 1],
					nc.n[j - 1]);
		}
		memcpy(prev, cur, sizeof(prev));
	}
	return prev[nc.count];
}

bool
imgref_match(const struct imgref *pat, const struct imgref *name)
{
	if (pat == NULL || name == NULL || pat->repo[0] == '\0' ||
	    name->repo[0] == '\0')
		return false;
	if ((pat->registry[0] == '\0') != (name->registry[0] == '\0'))
		return false;
	if (pat->registry[0] != '\0' &&
	    !glob_match(pat->registry, strlen(pat->registry), name->registry,
		strlen(name->registry)))
		return false;
	if (!path_match(pat->repo, name->repo))
		return false;
	if (pat->digest[0] != '\0' && strcmp(pat->digest, name->digest) != 0)
		return false;
	if (pat->tag[0] == '\0')
		return pat->digest[0] != '\0';
	return glob_match(pat->tag, strlen(pat->tag), name->tag,
	    strlen(name->tag));
}

bool
imgref_match_text(const char *pattern, const char *name)
{
	struct imgref p, n;

	if (imgref_parse(pattern, IMGREF_PATTERN, &p, NULL) < 0 ||
	    imgref_parse(name, IMGREF_NAME, &n, NULL) < 0)
		return false;
	return imgref_match(&p, &n);
}
