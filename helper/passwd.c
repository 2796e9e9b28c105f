/*
 * passwd.c: the container's /etc/passwd and /etc/group, generated from the
 * image's files and the caller's identity (DESIGN section 5, step 9).
 *
 * The image is hostile: its files are read by mounts_etc.c as bounded bytes
 * and handed here; nothing here touches the file system or NSS.
 *
 * Invariants:
 * - The output MUST contain exactly one passwd entry with the caller's name
 *   and exactly one with the caller's uid: the caller's own.
 * - Every field written from the caller's identity MUST be free of ':' and
 *   control characters, so that one entry is one line of seven (passwd) or
 *   four (group) fields.
 * - Image lines MUST be copied only when well formed (a name, the right
 *   number of fields, a numeric id, no control character, at most
 *   PASSWD_MAX_LINE bytes); anything else is dropped, never repaired.
 * - Input MUST be bounded by PASSWD_MAX_INPUT; more is refused (E2BIG).
 * - Each of the caller's groups MUST appear once (by gid and by name), with
 *   the caller as a member.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper/passwd.h"

struct obuf {
	char *p;
	size_t len, cap;
};

static int
ob_add(struct obuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *np;

		while (cap < b->len + n + 1)
			cap *= 2;
		if ((np = realloc(b->p, cap)) == NULL)
			return -1;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static int
ob_str(struct obuf *b, const char *s)
{
	return ob_add(b, s, strlen(s));
}

char *
passwd_field(char *dst, size_t n, const char *s)
{
	size_t i = 0;

	if (n == 0)
		return dst;
	for (; s != NULL && *s != '\0' && i + 1 < n; s++, i++) {
		unsigned char c = (unsigned char)*s;

		dst[i] = (c < 0x20 || c == 0x7f || c == ':') ? '_' : (char)c;
	}
	dst[i] = '\0';
	return dst;
}

/* Is S (N bytes) a decimal id below 2^32-1? */
static bool
parse_id(const char *s, size_t n, unsigned long *out)
{
	unsigned long v = 0;

	if (n == 0 || n > 10)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v >= 0xffffffffUL)
		return false;
	*out = v;
	return true;
}

/* One well-formed image line: NFIELDS ':'-separated fields, a non-empty
 * name, field 2 numeric.  Fills the name and the id. */
static bool
split_line(const char *l, size_t n, int nfields, const char **name,
    size_t *namelen, unsigned long *id)
{
	const char *f[8];
	size_t flen[8];
	int k = 0;
	size_t start = 0;

	if (n == 0 || n > PASSWD_MAX_LINE)
		return false;
	for (size_t i = 0; i <= n; i++) {
		if (i < n) {
			unsigned char c = (unsigned char)l[i];

			if (c < 0x20 || c == 0x7f)
				return false;
			if (c != ':')
				continue;
		}
		if (k == nfields)
			return false;
		f[k] = l + start;
		flen[k] = i - start;
		k++;
		start = i + 1;
	}
	if (k != nfields || flen[0] == 0)
		return false;
	if (!parse_id(f[2], flen[2], id))
		return false;
	*name = f[0];
	*namelen = flen[0];
	return true;
}

static bool
name_is(const char *name, size_t len, const char *s)
{
	return strlen(s) == len && memcmp(name, s, len) == 0;
}

typedef bool (*keep_fn)(const char *, size_t, unsigned long,
    const struct passwd_caller *);

/* Copies the image's well-formed lines that KEEP accepts. */
static int
copy_image(struct obuf *b, const char *img, size_t len, int nfields,
    keep_fn keep, const struct passwd_caller *c)
{
	size_t i = 0;

	if (len > PASSWD_MAX_INPUT) {
		errno = E2BIG;
		return -1;
	}
	while (img != NULL && i < len) {
		const char *l = img + i, *nl = memchr(l, '\n', len - i);
		size_t n = nl ? (size_t)(nl - l) : len - i;
		const char *name;
		size_t namelen;
		unsigned long id;

		i += n + 1;
		if (!split_line(l, n, nfields, &name, &namelen, &id))
			continue;
		if (!keep(name, namelen, id, c))
			continue;
		if (ob_add(b, l, n) == -1 || ob_add(b, "\n", 1) == -1)
			return -1;
	}
	return 0;
}

static bool
keep_user(const char *name, size_t namelen, unsigned long id,
    const struct passwd_caller *c)
{
	return id != (unsigned long)c->uid && !name_is(name, namelen, c->user);
}

/* The name the caller's group G gets: its own when usable, else g<gid>. */
static const char *
group_name(const struct plan_group *g, char *buf, size_t n)
{
	char tmp[256];

	if (g->name != NULL && *g->name != '\0' &&
	    strcmp(passwd_field(tmp, sizeof(tmp), g->name), g->name) == 0)
		return g->name;
	snprintf(buf, n, "g%lu", (unsigned long)g->gid);
	return buf;
}

static bool
keep_group(const char *name, size_t namelen, unsigned long id,
    const struct passwd_caller *c)
{
	char buf[32];

	for (size_t i = 0; i < c->ngroups; i++) {
		const struct plan_group *g = &c->groups[i];

		if (id == (unsigned long)g->gid ||
		    name_is(name, namelen, group_name(g, buf, sizeof(buf))))
			return false;
	}
	return true;
}

static int
finish(struct obuf *b, char **out, size_t *outlen)
{
	if (b->p == NULL && ob_add(b, "", 0) == -1)
		return -1;
	*out = b->p;
	if (outlen != NULL)
		*outlen = b->len;
	return 0;
}

/* A generation that failed: what it wrote so far is freed. */
static int
discard(struct obuf *b)
{
	free(b->p);
	return -1;
}

int
passwd_gen_passwd(const char *img, size_t len, const struct passwd_caller *c,
    char **out, size_t *outlen)
{
	struct obuf b = { 0 };
	char user[256], gecos[256], home[4096], shell[4096], line[9000];

	passwd_field(user, sizeof(user), c->user);
	passwd_field(gecos, sizeof(gecos), c->gecos);
	passwd_field(home, sizeof(home), c->home);
	passwd_field(shell, sizeof(shell), c->shell);
	if (strcmp(home, c->home ? c->home : "") != 0 || *home != '/')
		snprintf(home, sizeof(home), "/");
	if (strcmp(shell, c->shell ? c->shell : "") != 0 || *shell != '/')
		snprintf(shell, sizeof(shell), "/bin/sh");
	snprintf(line, sizeof(line), "%s:x:%lu:%lu:%s:%s:%s\n", user,
	    (unsigned long)c->uid, (unsigned long)c->gid, gecos, home, shell);
	if (copy_image(&b, img, len, 7, keep_user, c) == -1 ||
	    ob_str(&b, line) == -1)
		return discard(&b);
	return finish(&b, out, outlen);
}

/* The caller's groups, each once (by gid), with USER as their member. */
static int
add_groups(struct obuf *b, const struct passwd_caller *c, const char *user)
{
	char line[600], buf[32];

	for (size_t i = 0; i < c->ngroups; i++) {
		const struct plan_group *g = &c->groups[i];
		bool dup = false;

		for (size_t j = 0; j < i; j++)
			dup |= c->groups[j].gid == g->gid;
		if (dup)
			continue;
		snprintf(line, sizeof(line), "%s:x:%lu:%s\n",
		    group_name(g, buf, sizeof(buf)), (unsigned long)g->gid,
		    user);
		if (ob_str(b, line) == -1)
			return -1;
	}
	return 0;
}

int
passwd_gen_group(const char *img, size_t len, const struct passwd_caller *c,
    char **out, size_t *outlen)
{
	struct obuf b = { 0 };
	char user[256];

	passwd_field(user, sizeof(user), c->user);
	if (copy_image(&b, img, len, 4, keep_group, c) == -1 ||
	    add_groups(&b, c, user) == -1)
		return discard(&b);
	return finish(&b, out, outlen);
}
