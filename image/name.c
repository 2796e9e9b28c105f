/*
 * name.c: canonical image names and their store encoding (see name.h).
 *
 * Linked into the setuid helper: no allocation, no I/O, no locale.
 *
 * Invariants:
 * - name_canon() MUST refuse anything outside the Docker reference grammar,
 *   so that no name can carry "/..", NUL, control bytes or whitespace.
 * - name_encode() MUST yield one path component that is never "." or "..".
 */
#include <stdbool.h>
#include <string.h>

#include "name.h"

static bool
is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool
is_tag_char(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '_' ||
	    c == '.' || c == '-';
}

/* One path component: [a-z0-9]+ separated by ".", "_", "__" or "-"+. */
static bool
valid_component(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return false;
	while (i < n) {
		if (is_lower_alnum(s[i])) {
			i++;
			continue;
		}
		if (s[i] == '.' || (s[i] == '_' && s[i + 1] != '_')) {
			i++;
		} else if (s[i] == '_' && i + 1 < n && s[i + 1] == '_') {
			i += 2;
		} else if (s[i] == '-') {
			while (i < n && s[i] == '-')
				i++;
		} else {
			return false;
		}
		if (i >= n || !is_lower_alnum(s[i]))
			return false;
	}
	return true;
}

/* A registry host: DNS labels of [A-Za-z0-9-], dots, optional :port. */
static bool
valid_host(const char *s, size_t n)
{
	size_t i, colon = n;

	for (i = 0; i < n; i++)
		if (s[i] == ':')
			colon = i;
	if (colon == 0 || s[0] == '.' || s[0] == '-' || s[colon - 1] == '.' ||
	    s[colon - 1] == '-')
		return false;
	for (i = 0; i < colon; i++) {
		char c = s[i];

		if (c == '.' && s[i + 1] == '.')
			return false;

		if (!(is_lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '-' ||
			c == '.'))
			return false;
	}
	if (colon < n) {
		if (colon + 1 == n || n - colon - 1 > 5)
			return false;
		for (i = colon + 1; i < n; i++)
			if (s[i] < '0' || s[i] > '9')
				return false;
	}
	return true;
}

static bool
looks_like_host(const char *s, size_t n)
{
	if (n == 9 && memcmp(s, "localhost", 9) == 0)
		return true;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '.' || s[i] == ':' || (s[i] >= 'A' && s[i] <= 'Z'))
			return true;
	return false;
}

static bool
valid_digest(const char *d)
{
	size_t i;

	if (strncmp(d, "sha256:", 7) != 0)
		return false;
	for (i = 7; d[i] != '\0'; i++)
		if (!((d[i] >= '0' && d[i] <= '9') ||
			(d[i] >= 'a' && d[i] <= 'f')))
			return false;
	return i == 7 + 64;
}

static bool
valid_tag(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > 128 || t[0] == '.' || t[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_tag_char(t[i]))
			return false;
	return true;
}

/* Validates the repository part REPO (without tag or digest). */
static bool
valid_repo(const char *repo, size_t n)
{
	const char *p = repo, *end = repo + n, *slash;
	bool first = true;

	if (n == 0)
		return false;
	while (p < end) {
		slash = memchr(p, '/', (size_t)(end - p));
		if (slash == NULL)
			slash = end;
		if (first && slash != end &&
		    looks_like_host(p, (size_t)(slash - p))) {
			if (!valid_host(p, (size_t)(slash - p)))
				return false;
		} else if (!valid_component(p, (size_t)(slash - p))) {
			return false;
		}
		first = false;
		if (slash == end)
			break;
		p = slash + 1;
		if (p == end)
			return false;
	}
	return true;
}

int
name_canon(const char *in, char *out, size_t outlen)
{
	char buf[NAME_MAX_LEN + 1];
	const char *repo, *at, *lastslash, *colon;
	size_t inlen, rlen;
	const char *tag = NULL;

	if (in == NULL || outlen == 0 || (inlen = strlen(in)) == 0 ||
	    inlen > NAME_MAX_LEN)
		return -1;
	memcpy(buf, in, inlen + 1);
	repo = buf;
	if (strncmp(repo, "docker.io/library/", 18) == 0)
		repo += 18;
	else if (strncmp(repo, "index.docker.io/library/", 24) == 0)
		repo += 24;
	else if (strncmp(repo, "docker.io/", 10) == 0)
		repo += 10;
	else if (strncmp(repo, "localhost/", 10) == 0)
		repo += 10;
	at = strchr(repo, '@');
	if (at != NULL) {
		if (!valid_digest(at + 1))
			return -1;
		rlen = (size_t)(at - repo);
	} else {
		lastslash = strrchr(repo, '/');
		colon = strrchr(lastslash ? lastslash : repo, ':');
		if (colon != NULL) {
			tag = colon + 1;
			if (!valid_tag(tag))
				return -1;
			rlen = (size_t)(colon - repo);
		} else {
			rlen = strlen(repo);
		}
	}
	if (!valid_repo(repo, rlen))
		return -1;
	if (at != NULL || tag != NULL) {
		if (strlen(repo) + 1 > outlen)
			return -1;
		memcpy(out, repo, strlen(repo) + 1);
		return 0;
	}
	if (rlen + sizeof(":latest") > outlen)
		return -1;
	memcpy(out, repo, rlen);
	memcpy(out + rlen, ":latest", sizeof(":latest"));
	return 0;
}

static bool
is_plain(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-';
}

int
name_encode(const char *canon, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)canon; *p; p++) {
		if (is_plain(*p)) {
			if (o + 1 >= outlen)
				return -1;
			out[o++] = (char)*p;
		} else {
			if (o + 3 >= outlen)
				return -1;
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	if (o == 0 || o >= outlen)
		return -1;
	out[o] = '\0';
	return 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
name_decode(const char *enc, char *out, size_t outlen)
{
	size_t o = 0;

	for (const char *p = enc; *p; p++) {
		int c;

		if (*p == '%') {
			int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);

			if (hi < 0 || lo < 0)
				return -1;
			c = hi << 4 | lo;
			if (c == 0 || is_plain((unsigned char)c))
				return -1; /* not the encoding we write */
			p += 2;
		} else if (is_plain((unsigned char)*p)) {
			c = *p;
		} else {
			return -1;
		}
		if (o + 1 >= outlen)
			return -1;
		out[o++] = (char)c;
	}
	if (o == 0)
		return -1;
	out[o] = '\0';
	return 0;
}
