/*
 * fuzz_imgref.c: lib/imgref on arbitrary strings.  The input is A, or
 * A '\n' B.
 *
 * Invariants checked:
 * - Canonicalising a canonical form (name or pattern) gives it back.
 * - A canonical name carries no glob, control or space byte, no empty,
 *   "." or ".." component, and fits IMGREF_MAX_LEN bytes.
 * - A name matches the pattern spelled like its canonical form.
 * - The tag-less pattern of name A's registry and repository matches
 *   name B exactly when B has that registry and repository.
 * - Without "**", a pattern matches only names with as many repository
 *   components, and with a registry exactly when it has one.
 * - No canonical form without a registry is "library/" and one component
 *   (Docker's official images are named without it), except a pattern's
 *   "library/" before "**".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/imgref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t
count_comps(const char *s)
{
	size_t n = 1;

	for (; *s != '\0'; s++)
		n += *s == '/';
	return n;
}

static bool
bad_path(const char *s)
{
	return strstr(s, "//") != NULL || strstr(s, "/.") != NULL ||
	    strstr(s, "..") != NULL || s[0] == '/' || s[0] == '.';
}

static void
check_name_text(const char *c, const struct imgref *r)
{
	if (strlen(c) > IMGREF_MAX_LEN || r->repo[0] == '\0' ||
	    bad_path(r->repo) || bad_path(r->registry) ||
	    strchr(r->registry, '/') != NULL)
		abort();
	for (const char *p = c; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    strchr("*?[]!\\", *p) != NULL)
			abort();
}

static void
check_official(const struct imgref *r)
{
	const char *rest = r->repo + strlen("library/");

	if (r->registry[0] == '\0' &&
	    strncmp(r->repo, "library/", strlen("library/")) == 0 &&
	    strchr(rest, '/') == NULL && strcmp(rest, "**") != 0)
		abort();
}

/* Canonical forms are fixpoints; returns whether IN parsed as KIND. */
static bool
check_fixpoint(const char *in, enum imgref_kind kind, struct imgref *r,
    char *canon)
{
	char again[IMGREF_MAX_LEN + 1];
	struct ctl_err err;
	struct imgref r2;

	if (imgref_parse(in, kind, r, &err) != 0) {
		if (err.msg[0] == '\0')
			abort();
		return false;
	}
	if (imgref_format(r, canon, IMGREF_MAX_LEN + 1, &err) != 0 ||
	    imgref_canon(canon, kind, again, sizeof(again), &err) != 0 ||
	    strcmp(canon, again) != 0)
		abort();
	if (imgref_parse(canon, kind, &r2, &err) != 0 ||
	    memcmp(r, &r2, sizeof(r2)) != 0)
		abort();
	check_official(r);
	return true;
}

/* The tag-less pattern "[REGISTRY/]REPOSITORY" of name A, against B. */
static void
check_tagless(const struct imgref *a, const struct imgref *b)
{
	char text[IMGREF_MAX_LEN * 2 + 2];
	struct imgref p;
	bool same;

	snprintf(text, sizeof(text), "%s%s%s", a->registry,
	    a->registry[0] != '\0' ? "/" : "", a->repo);
	if (imgref_parse(text, IMGREF_PATTERN, &p, NULL) != 0) {
		/* Only too long once ":*" is added. */
		if (strlen(text) + 2 <= IMGREF_MAX_LEN)
			abort();
		return;
	}
	if (!imgref_match(&p, a))
		abort();
	same = strcmp(a->registry, b->registry) == 0 &&
	    strcmp(a->repo, b->repo) == 0;
	if (imgref_match(&p, b) != same)
		abort();
}

static void
check_pattern_vs_name(const struct imgref *p, const struct imgref *n)
{
	if (!imgref_match(p, n))
		return;
	if ((p->registry[0] == '\0') != (n->registry[0] == '\0'))
		abort();
	if (strstr(p->repo, "**") == NULL &&
	    count_comps(p->repo) != count_comps(n->repo))
		abort();
	if (p->digest[0] != '\0' && strcmp(p->digest, n->digest) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[2 * IMGREF_MAX_LEN + 8], canon[IMGREF_MAX_LEN + 1];
	char *a = buf, *b, *nl;
	struct imgref na, nb, pa, pself;
	bool a_name, b_name, a_pat;

	if (size >= sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	nl = strchr(buf, '\n');
	b = nl != NULL ? nl + 1 : NULL;
	if (nl != NULL)
		*nl = '\0';

	a_pat = check_fixpoint(a, IMGREF_PATTERN, &pa, canon);
	a_name = check_fixpoint(a, IMGREF_NAME, &na, canon);
	if (a_name) {
		check_name_text(canon, &na);
		/* A name is a pattern for itself (canon is A's name form). */
		if (imgref_parse(canon, IMGREF_PATTERN, &pself, NULL) != 0 ||
		    !imgref_match(&pself, &na) || !a_pat)
			abort();
		check_tagless(&na, &na);
	}
	if (b == NULL)
		return 0;
	b_name = check_fixpoint(b, IMGREF_NAME, &nb, canon);
	(void)check_fixpoint(b, IMGREF_PATTERN, &pself, canon);
	if (b_name && a_name)
		check_tagless(&na, &nb);
	if (b_name && a_pat)
		check_pattern_vs_name(&pa, &nb);
	(void)imgref_match_text(a, b);
	return 0;
}
