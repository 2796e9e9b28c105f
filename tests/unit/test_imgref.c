/*
 * test_imgref.c: image references and policy image patterns (lib/imgref).
 *
 * Invariants checked:
 * - Names and patterns canonicalise by one table: Docker's registry rule,
 *   the dropped prefixes, ":latest" for names and ":*" for patterns, a
 *   digest kept with or without a tag; canonical forms are fixpoints.
 * - Anything outside the grammar is refused, with a reason.
 * - Patterns match part by part: '*' never crosses '/', "**" spans whole
 *   components, a tag-less pattern covers every tag of exactly its
 *   repository ("probe" never covers "probe:5000/x:y" nor "probe/sub"),
 *   a digest must match exactly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/imgref.h"

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define U64 "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"
#define E64 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

struct canon_case {
	const char *in, *out;
};

static void
check_canon(const struct canon_case *c, enum imgref_kind kind)
{
	char out[IMGREF_MAX_LEN + 1], again[IMGREF_MAX_LEN + 1];
	struct ctl_err err;

	for (size_t i = 0; c[i].in != NULL; i++) {
		if (imgref_canon(c[i].in, kind, out, sizeof(out), &err) != 0)
			fail_msg("refused %s: %s", c[i].in, err.msg);
		if (strcmp(out, c[i].out) != 0)
			fail_msg("%s -> %s, expected %s", c[i].in, out,
			    c[i].out);
		/* Canonical forms are fixpoints. */
		assert_int_equal(imgref_canon(out, kind, again, sizeof(again),
				     &err),
		    0);
		assert_string_equal(again, out);
	}
}

static void
check_bad(const char *const *bad, enum imgref_kind kind)
{
	char out[IMGREF_MAX_LEN + 1];
	struct ctl_err err;

	for (size_t i = 0; bad[i] != NULL; i++) {
		err.msg[0] = '\0';
		if (imgref_canon(bad[i], kind, out, sizeof(out), &err) != -1)
			fail_msg("accepted %s as %s", bad[i], out);
		if (err.msg[0] == '\0')
			fail_msg("no reason given for %s", bad[i]);
	}
}

static void
test_name_canon(void **state)
{
	static const struct canon_case ok[] = {
		{ "ubuntu", "ubuntu:latest" },
		{ "ubuntu:22.04", "ubuntu:22.04" },
		{ "docker.io/library/ubuntu:22.04", "ubuntu:22.04" },
		{ "docker.io/library/ubuntu", "ubuntu:latest" },
		{ "index.docker.io/library/busybox", "busybox:latest" },
		{ "docker.io/jupyter/base-notebook",
		    "jupyter/base-notebook:latest" },
		{ "docker.io/busybox", "busybox:latest" },
		{ "localhost/app", "app:latest" },
		{ "localhost/app:1", "app:1" },
		{ "localhost", "localhost:latest" },
		{ "localhost:5000", "localhost:5000" }, /* tag 5000 */
		{ "localhost:5000/app", "localhost:5000/app:latest" },
		{ "ghcr.io/org/app", "ghcr.io/org/app:latest" },
		{ "Registry.Example/a", "Registry.Example/a:latest" },
		{ "registry:5000/a/b:T_1.x-y", "registry:5000/a/b:T_1.x-y" },
		{ "probe:5000/other/repo:tag", "probe:5000/other/repo:tag" },
		{ "probe/sub", "probe/sub:latest" },
		/* Docker's official images: "library/" goes before one
		 * component only. */
		{ "library/busybox", "busybox:latest" },
		{ "library/busybox:1.36", "busybox:1.36" },
		{ "library/a/b", "library/a/b:latest" },
		{ "docker.io/library/a/b", "library/a/b:latest" },
		{ "docker.io/library/ghcr.io/x", "library/ghcr.io/x:latest" },
		{ "localhost/library/x", "x:latest" },
		{ "library", "library:latest" },
		{ "library:5000/x", "library:5000/x:latest" },
		{ "a__b/c.d-e", "a__b/c.d-e:latest" },
		{ "a---b", "a---b:latest" },
		{ "app@sha256:" D64, "app@sha256:" D64 },
		{ "app:v1@sha256:" D64, "app:v1@sha256:" D64 },
		{ "docker.io/library/app:v1@sha256:" D64,
		    "app:v1@sha256:" D64 },
		{ "ghcr.io/o/a@sha256:" D64, "ghcr.io/o/a@sha256:" D64 },
		{ "a:_x", "a:_x" },
		{ NULL, NULL },
	};
	check_canon(ok, IMGREF_NAME);
}

static void
test_name_bad(void **state)
{
	static const char *const bad[] = { "", "Ubuntu", "ubuntu:", ":tag",
		"ubuntu:-x", "ubuntu:.x", "../etc", "a/../b", "a//b", "/abs",
		"a/", "a b", "a\nb", "a\tb", "a:b:c", "a_", "_a", "a___b",
		"a..b", "a.-b", "a:tag with space", "app@sha256:abc",
		"app@sha256:" D64 "0", "app@sha256:" E64 "@sha256:" D64,
		"app@SHA256:" D64, "app@sha256:" U64, "app@md5:" D64,
		"app@sha256:../../../../etc/passwd00000000000000000000000000000000",
		"@sha256:" D64, "app:@sha256:" D64, "host..x/a", "-host/a",
		"host-/a", "host:99999999/a", "host:65536/a", "host:0/a",
		"host:/a", ":5000/a", "ho_st.io/a", "a.b:5000:1/x", "%2e%2e",
		".", "..", "a/.", "a/..",
		/* A prefix dropped must not reveal a registry. */
		"docker.io/ghcr.io/x", "index.docker.io/ghcr.io/x",
		"localhost/localhost/x", "localhost/a.b/c", "docker.io/",
		"docker.io/library/", "localhost/",
		/* Docker's rule: "Foo" is no registry, so a bad component. */
		"Foo/bar",
		/* Glob characters are for patterns only. */
		"busy*", "busybox:*", "a/**", "a?", "a[bc]", "busybox:1.3?",
		NULL };

	check_bad(bad, IMGREF_NAME);
}

static void
test_name_lengths(void **state)
{
	char in[IMGREF_MAX_LEN + 2], out[IMGREF_MAX_LEN + 1];
	struct ctl_err err;

	/* 255 bytes with a tag: fine; 256: refused. */
	memset(in, 'a', IMGREF_MAX_LEN);
	in[IMGREF_MAX_LEN - 2] = ':';
	in[IMGREF_MAX_LEN] = '\0';
	assert_int_equal(imgref_canon(in, IMGREF_NAME, out, sizeof(out), &err),
	    0);
	in[IMGREF_MAX_LEN] = 'a';
	in[IMGREF_MAX_LEN + 1] = '\0';
	assert_int_equal(imgref_canon(in, IMGREF_NAME, out, sizeof(out), &err),
	    -1);
	/* 250 bytes whose canonical form (":latest") passes 255: refused. */
	memset(in, 'a', 250);
	in[250] = '\0';
	assert_int_equal(imgref_canon(in, IMGREF_NAME, out, sizeof(out), &err),
	    -1);
	assert_non_null(strstr(err.msg, "longer"));
	/* A tag of 128 bytes: fine; 129: refused. */
	memcpy(in, "a:", 2);
	memset(in + 2, 'T', IMGREF_TAG_MAX);
	in[2 + IMGREF_TAG_MAX] = '\0';
	assert_int_equal(imgref_canon(in, IMGREF_NAME, out, sizeof(out), &err),
	    0);
	in[2 + IMGREF_TAG_MAX] = 'T';
	in[3 + IMGREF_TAG_MAX] = '\0';
	assert_int_equal(imgref_canon(in, IMGREF_NAME, out, sizeof(out), &err),
	    -1);
	/* Output buffer too small; OUT may be IN. */
	assert_int_equal(imgref_canon("ubuntu", IMGREF_NAME, out, 8, &err), -1);
	strcpy(in, "docker.io/library/ubuntu");
	assert_int_equal(imgref_canon(in, IMGREF_NAME, in, sizeof(in), NULL),
	    0);
	assert_string_equal(in, "ubuntu:latest");
	assert_int_equal(imgref_canon(NULL, IMGREF_NAME, out, sizeof(out),
			     NULL),
	    -1);
}

static void
test_name_parts(void **state)
{
	struct imgref r;
	struct ctl_err err;

	assert_int_equal(imgref_parse("probe:5000/other/repo:tag", IMGREF_NAME,
			     &r, &err),
	    0);
	assert_string_equal(r.registry, "probe:5000");
	assert_string_equal(r.repo, "other/repo");
	assert_string_equal(r.tag, "tag");
	assert_string_equal(r.digest, "");
	assert_int_equal(imgref_parse("probe:tag", IMGREF_NAME, &r, &err), 0);
	assert_string_equal(r.registry, "");
	assert_string_equal(r.repo, "probe");
	assert_string_equal(r.tag, "tag");
	assert_int_equal(imgref_parse("probe.io/x", IMGREF_NAME, &r, &err), 0);
	assert_string_equal(r.registry, "probe.io");
	assert_string_equal(r.tag, "latest");
	/* No '/' follows: a repository with a dot, not a registry. */
	assert_int_equal(imgref_parse("probe.io", IMGREF_NAME, &r, &err), 0);
	assert_string_equal(r.registry, "");
	assert_string_equal(r.repo, "probe.io");
	assert_int_equal(imgref_parse("a:v1@sha256:" D64, IMGREF_NAME, &r,
			     &err),
	    0);
	assert_string_equal(r.tag, "v1");
	assert_string_equal(r.digest, "sha256:" D64);
	assert_int_equal(imgref_parse("a@sha256:" D64, IMGREF_NAME, &r, &err),
	    0);
	assert_string_equal(r.tag, "");
	/* A refusal leaves no half-parsed parts behind. */
	assert_int_equal(imgref_parse("ghcr.io/Bad", IMGREF_NAME, &r, &err),
	    -1);
	assert_string_equal(r.registry, "");
	assert_non_null(strstr(err.msg, "Bad"));
}

static void
test_pattern_canon(void **state)
{
	static const struct canon_case ok[] = {
		{ "busybox", "busybox:*" },
		{ "probe", "probe:*" },
		{ "jupyter*", "jupyter*:*" },
		{ "jupyter/*", "jupyter/*:*" },
		{ "ubuntu:*", "ubuntu:*" },
		{ "ubuntu:2?.04", "ubuntu:2?.04" },
		{ "alpine:3.19", "alpine:3.19" },
		{ "docker.io/library/alpine:3.19", "alpine:3.19" },
		{ "docker.io/library/*", "*:*" },
		{ "library/jupyter*", "jupyter*:*" },
		{ "library/**", "library/**:*" },
		{ "docker.io/library/a/*", "library/a/*:*" },
		{ "localhost/mine", "mine:*" },
		{ "ghcr.io/org/*:v1", "ghcr.io/org/*:v1" },
		{ "ghcr.io/lab/**", "ghcr.io/lab/**:*" },
		{ "**", "**:*" },
		{ "*.example.com/**", "*.example.com/**:*" },
		{ "registry:*/app", "registry:*/app:*" },
		{ "a[0-9]b:v[!0]", "a[0-9]b:v[!0]" },
		{ "app@sha256:" D64, "app@sha256:" D64 },
		{ "app:v1@sha256:" D64, "app:v1@sha256:" D64 },
		{ "ghcr.io/**@sha256:" D64, "ghcr.io/**@sha256:" D64 },
		{ NULL, NULL },
	};

	check_canon(ok, IMGREF_PATTERN);
}

static void
test_pattern_bad(void **state)
{
	static const char *const bad[] = { "", "org/", "/org", "a//b",
		"busy$box", "Busybox", "a**", "a/b**/c", "**.io/x", "a[", "a[]",
		"a[!]", "a]", "!a", "a[B]", "a:[/]", "x:", "x:-y",
		"app@sha256:*", "app@sha256:" D64 "*", "app@*",
		"docker.io/ghcr.io/*", "localhost/*.io/x", "a b", "a,b", "a\\*",
		"x:tag with space", "ho$t.io/x", NULL };

	check_bad(bad, IMGREF_PATTERN);
}

struct match_case {
	const char *pattern, *name;
	bool ok;
};

static void
test_match(void **state)
{
	static const struct match_case c[] = {
		/* The finding: a tag-less pattern is one repository. */
		{ "probe", "probe:anytag", true },
		{ "probe", "probe:latest", true },
		{ "probe", "probe:5000/other/repo:tag", false },
		{ "probe", "probe:5000/x:y", false },
		{ "probe", "probe/sub", false },
		{ "probe", "probe/sub:tag", false },
		{ "probe", "probex:1", false },
		{ "probe", "other/probe:1", false },
		{ "probe", "probe.io/probe:1", false },
		{ "busybox", "docker.io/library/busybox:1.36", true },
		{ "busybox", "busybox@sha256:" D64, true },
		{ "busybox", "busybox:v@sha256:" D64, true },
		/* '*' stays in its component; "**" spans components. */
		{ "jupyter*", "jupyter:latest", true },
		{ "jupyter*", "jupyterlab:4", true },
		{ "jupyter*", "jupyter/scipy:x", false },
		{ "jupyter/*", "jupyter/scipy:x", true },
		{ "jupyter/*", "jupyter/a/b:x", false },
		{ "jupyter/*", "jupyter:x", false },
		{ "*", "anything:1", true },
		{ "*", "a/b:1", false },
		{ "*", "ghcr.io/a:1", false },
		{ "**", "a/b/c:1", true },
		{ "**", "ghcr.io/a:1", false },
		{ "ghcr.io/lab/**", "ghcr.io/lab/x:1", true },
		{ "ghcr.io/lab/**", "ghcr.io/lab/x/y/z:1", true },
		{ "ghcr.io/lab/**", "ghcr.io/lab:1", false },
		{ "ghcr.io/lab/**", "ghcr.io/labx/y:1", false },
		{ "ghcr.io/lab/**", "ghcr.io:5000/lab/y:1", false },
		{ "ghcr.io/lab/**", "lab/y:1", false },
		{ "ghcr.io/lab/**/app", "ghcr.io/lab/a/b/app:1", true },
		{ "ghcr.io/lab/**/app", "ghcr.io/lab/app:1", false },
		{ "ghcr.io/lab/**/app", "ghcr.io/lab/a/app2:1", false },
		{ "ghcr.io/lab/**:v*", "ghcr.io/lab/a:v2", true },
		{ "ghcr.io/lab/**:v*", "ghcr.io/lab/a:latest", false },
		{ "ghcr.io/org/*:v1", "ghcr.io/org/app:v1", true },
		{ "ghcr.io/org/*:v1", "ghcr.io/org/app:v2", false },
		{ "ghcr.io/org/*:v1", "ghcr.io/org/a/b:v1", false },
		/* Registries: one part, '*' inside it only. */
		{ "*.example.com/app", "r1.example.com/app:1", true },
		{ "*.example.com/app", "example.com/app:1", false },
		{ "*.example.com/app", "app:1", false },
		{ "registry:*/app", "registry:5000/app:1", true },
		{ "registry:*/app", "registry/app:1", false },
		{ "localhost:5000/app", "localhost:5000/app:1", true },
		{ "localhost/app", "app:1", true },
		{ "localhost/app", "localhost:5000/app:1", false },
		/* Tags. */
		{ "ubuntu:2?.04", "ubuntu:22.04", true },
		{ "ubuntu:2?.04", "ubuntu:22.10", false },
		{ "ubuntu:*", "ubuntu:22.04", true },
		{ "alpine:3.19", "alpine:3.19", true },
		{ "alpine:3.19", "alpine:3.18", false },
		{ "alpine:3.19", "alpine@sha256:" D64, false },
		{ "alpine:3.19", "alpine:3.19@sha256:" D64, true },
		{ "a[0-9]b:v[!0]", "a5b:v1", true },
		{ "a[0-9]b:v[!0]", "a5b:v0", false },
		{ "a[0-9]b:v[!0]", "axb:v1", false },
		/* Digests must match exactly. */
		{ "app@sha256:" D64, "app@sha256:" D64, true },
		{ "app@sha256:" D64, "app:v1@sha256:" D64, true },
		{ "app@sha256:" D64, "app@sha256:" E64, false },
		{ "app@sha256:" D64, "app:latest", false },
		{ "app@sha256:" D64, "other@sha256:" D64, false },
		{ "app:v1@sha256:" D64, "app:v1@sha256:" D64, true },
		{ "app:v1@sha256:" D64, "app:v2@sha256:" D64, false },
		{ "app:v1@sha256:" D64, "app@sha256:" D64, false },
		{ "app:v1@sha256:" D64, "app:v1", false },
		/* Unparsable on either side: no match. */
		{ "busy$box", "busybox:latest", false },
		{ "busybox", "busybox:*", false },
		{ "busybox", "Busybox", false },
		{ NULL, NULL, false },
	};

	for (size_t i = 0; c[i].pattern != NULL; i++)
		if (imgref_match_text(c[i].pattern, c[i].name) != c[i].ok)
			fail_msg("pattern %s, name %s: expected %d",
			    c[i].pattern, c[i].name, c[i].ok);
	assert_false(imgref_match(NULL, NULL));
}

/* Every canonical name matches the pattern spelled like it. */
static void
test_match_self(void **state)
{
	static const char *const names[] = { "busybox", "probe:5000/o/r:t",
		"ghcr.io/lab/x/y:v1", "app@sha256:" D64, "a:v1@sha256:" D64,
		"localhost:5000/a", NULL };
	char canon[IMGREF_MAX_LEN + 1];

	for (size_t i = 0; names[i] != NULL; i++) {
		assert_int_equal(imgref_canon(names[i], IMGREF_NAME, canon,
				     sizeof(canon), NULL),
		    0);
		if (!imgref_match_text(canon, canon))
			fail_msg("%s does not match itself", canon);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_canon),
		cmocka_unit_test(test_name_bad),
		cmocka_unit_test(test_name_lengths),
		cmocka_unit_test(test_name_parts),
		cmocka_unit_test(test_pattern_canon),
		cmocka_unit_test(test_pattern_bad),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_match_self),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
