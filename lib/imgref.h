/*
 * imgref.h: image references and policy image patterns, parsed by parts.
 *
 * One grammar serves image names (what `ctr-image import --name` stores and
 * what a user asks `ctr-launch run` for) and the policy's image patterns:
 *
 *	[REGISTRY/]REPOSITORY[:TAG][@DIGEST]
 *
 * - The first '/'-component is a REGISTRY only when a '/' follows it and it
 *   contains '.' or ':' or is "localhost" (Docker's rule).  A registry is a
 *   host of DNS labels ([A-Za-z0-9] at both ends, '-' inside), '.'-joined,
 *   with an optional ":PORT" of 1 to 5 digits.
 * - REPOSITORY is one or more '/'-separated components, each
 *   [a-z0-9]+ joined by ".", "_", "__" or "-"+.
 * - TAG is [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
 * - DIGEST is "sha256:" and 64 lowercase hex digits.
 * - At most IMGREF_MAX_LEN bytes, given and canonical.
 *
 * Canonical form: a leading "docker.io/", "index.docker.io/" or
 * "localhost/" is dropped (one table, for names and patterns alike; what
 * follows it may not be a registry itself); then, without a registry,
 * "library/" is dropped when exactly one component follows it, as Docker
 * does ("library/ubuntu" and "docker.io/library/ubuntu" are
 * "ubuntu"; "library/a/b" stays, and so does a pattern's "library/" before
 * a "**" component); a name with neither tag nor digest gets ":latest", a
 * pattern ":*".  With both a tag and a digest the digest decides what runs;
 * the tag is kept for display.
 *
 * A pattern has the same parts, and may use '*', '?' and '[...]' (a class,
 * '!' first negates it) in the registry, in each repository component and
 * in the tag.  It matches a name part by part, never as one string:
 * - registry: a pattern without one matches only names without one
 *   (Docker Hub); '*' stays within the registry;
 * - repository: component by component; '*' and '?' never cross '/'; a
 *   component that is exactly "**" matches one or more whole components;
 * - tag: a glob over the tag; '*' matches any tag, and also the empty tag of
 *   a name given by digest alone; a pattern with no tag is ":*", i.e. every
 *   tag of exactly that repository ("busybox" never covers "busybox/sub"
 *   nor "busybox:5000/x");
 * - digest: a pattern's digest must equal the name's exactly; a pattern
 *   with a digest and no tag covers any tag of that digest.
 *
 * Pure: no allocation, no I/O, no locale.  Linked into the setuid helper.
 *
 * Invariants:
 * - imgref_parse() MUST accept only the grammar above; a name MUST NOT
 *   carry NUL, control bytes, whitespace, "..", an empty component or a
 *   glob character.
 * - imgref_canon() of a canonical form MUST give it back unchanged.
 * - A name MUST match the pattern spelled like its canonical form.
 * - A pattern without glob characters and without a tag MUST match only
 *   names with exactly its registry and repository.
 */
#ifndef CTL_IMGREF_H
#define CTL_IMGREF_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/err.h"
#include "lib/wur.h"

#define IMGREF_MAX_LEN    255 /* bytes, of an input and of a canonical form */
#define IMGREF_TAG_MAX    128 /* bytes of a name's tag */
#define IMGREF_DIGEST_LEN 71  /* "sha256:" + 64 hex */

enum imgref_kind {
	IMGREF_NAME,    /* an image name: no glob, ":latest" by default */
	IMGREF_PATTERN, /* a policy pattern: globs, ":*" by default */
};

struct imgref {
	char registry[IMGREF_MAX_LEN + 1];  /* "" for Docker Hub */
	char repo[IMGREF_MAX_LEN + 1];      /* components joined by '/' */
	char tag[IMGREF_MAX_LEN + 1];       /* "" only with a digest */
	char digest[IMGREF_DIGEST_LEN + 1]; /* "" or "sha256:<64 hex>" */
};

/* Parses IN as KIND into OUT, canonical parts; 0, or -1 with a reason in
 * E (E may be NULL). */
int imgref_parse(const char *in, enum imgref_kind kind, struct imgref *out,
    struct ctl_err *e) CTL_WUR;

/* Writes R's canonical text into OUT; -1 if it would exceed
 * IMGREF_MAX_LEN bytes or OUTLEN - 1. */
int imgref_format(const struct imgref *r, char *out, size_t outlen,
    struct ctl_err *e) CTL_WUR;

/* imgref_parse() then imgref_format(); OUT may be IN. */
int imgref_canon(const char *in, enum imgref_kind kind, char *out,
    size_t outlen, struct ctl_err *e) CTL_WUR;

/* Does PATTERN (parsed as IMGREF_PATTERN) cover NAME (IMGREF_NAME)? */
bool imgref_match(const struct imgref *pattern, const struct imgref *name);

/* The same on texts; false when either does not parse. */
bool imgref_match_text(const char *pattern, const char *name);

#endif
