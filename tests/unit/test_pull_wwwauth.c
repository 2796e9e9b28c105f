/*
 * test_pull_wwwauth.c: the WWW-Authenticate challenge parser
 * (image/wwwauth.c) and --platform (image/pull.c).
 *
 * Invariants checked:
 * - Basic and Bearer challenges with quoted and token values, escapes,
 *   any case of the scheme and keys, blanks around '=' and ',' are read.
 * - Other schemes, an unclosed quote, a control byte, a parameter given
 *   twice, a value that does not fit, a Bearer without realm, garbage
 *   between parameters are refused.
 * - Nothing past the given length is read.
 * - --platform takes OS/ARCH[/VARIANT] of [a-z0-9_] words only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "image/pull.h"
#include "image/wwwauth.h"

static int
parse(const char *s, struct wwwauth *w)
{
	return wwwauth_parse(s, strlen(s), w);
}

static void
test_bearer(void **state)
{
	struct wwwauth w;

	assert_int_equal(parse("Bearer realm=\"https://auth.docker.io/token\","
			       "service=\"registry.docker.io\","
			       "scope=\"repository:library/ubuntu:pull\"",
			     &w),
	    0);
	assert_int_equal(w.scheme, WWWAUTH_BEARER);
	assert_string_equal(w.realm, "https://auth.docker.io/token");
	assert_string_equal(w.service, "registry.docker.io");
	assert_string_equal(w.scope, "repository:library/ubuntu:pull");
	assert_int_equal(parse("  bearer  REALM = \"a\\\"b\" , Service=tok , "
			       "error=\"insufficient_scope\"",
			     &w),
	    0);
	assert_string_equal(w.realm, "a\"b");
	assert_string_equal(w.service, "tok");
	assert_string_equal(w.scope, "");
}

static void
test_basic(void **state)
{
	struct wwwauth w;

	assert_int_equal(parse("Basic realm=\"Registry Realm\"", &w), 0);
	assert_int_equal(w.scheme, WWWAUTH_BASIC);
	assert_string_equal(w.realm, "Registry Realm");
	assert_int_equal(parse("BASIC", &w), 0);
	assert_int_equal(w.scheme, WWWAUTH_BASIC);
}

static void
test_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"Digest realm=\"x\"",
		"Negotiate",
		"Bearer",
		"Bearer service=\"x\"",
		"Bearer realm=\"unclosed",
		"Bearer realm=\"a\\",
		"Bearer realm=\"a\x01b\"",
		"Bearer realm=\"a\nb\"",
		"Bearer realm=\"a\",realm=\"b\"",
		"Bearer realm=\"a\" service=\"b\"",
		"Bearer realm",
		"Bearer realm=",
		"Bearer =x",
		"Bearer realm=\"a\",,",
		"Bearer realm=a;b",
		NULL,
	};
	struct wwwauth w;

	for (size_t i = 0; bad[i] != NULL; i++)
		if (parse(bad[i], &w) != -1)
			fail_msg("accepted: %s", bad[i]);
}

static void
test_too_long(void **state)
{
	struct wwwauth w;
	char *s = malloc(4096);

	assert_non_null(s);
	strcpy(s, "Bearer realm=\"");
	memset(s + strlen(s), 'a', 2000);
	strcpy(s + 14 + 2000, "\"");
	assert_int_equal(parse(s, &w), -1);
	strcpy(s, "Bearer realm=\"x\",service=\"");
	memset(s + strlen(s), 'b', 300);
	strcpy(s + 26 + 300, "\"");
	assert_int_equal(parse(s, &w), -1);
	free(s);
}

static void
test_length_bound(void **state)
{
	struct wwwauth w;
	const char *s = "Bearer realm=\"abc\",service=\"zzz\"";

	/* cut inside the service value: unclosed quote */
	assert_int_equal(wwwauth_parse(s, strlen(s) - 2, &w), -1);
	/* cut right after the realm */
	assert_int_equal(wwwauth_parse(s, 18, &w), 0);
	assert_string_equal(w.realm, "abc");
	assert_string_equal(w.service, "");
}

static void
test_platform(void **state)
{
	struct pull_platform p;

	assert_int_equal(pull_platform_parse("linux/arm64", &p), 0);
	assert_string_equal(p.os, "linux");
	assert_string_equal(p.arch, "arm64");
	assert_string_equal(p.variant, "");
	assert_int_equal(pull_platform_parse("linux/arm/v7", &p), 0);
	assert_string_equal(p.variant, "v7");
	assert_int_equal(pull_platform_parse(NULL, &p), 0);
	assert_string_equal(p.os, "linux");
	assert_true(p.arch[0] != '\0');
	assert_int_equal(pull_platform_parse("linux", &p), -1);
	assert_int_equal(pull_platform_parse("linux/", &p), -1);
	assert_int_equal(pull_platform_parse("/amd64", &p), -1);
	assert_int_equal(pull_platform_parse("linux/amd64/", &p), -1);
	assert_int_equal(pull_platform_parse("linux/amd64/v1/x", &p), -1);
	assert_int_equal(pull_platform_parse("Linux/amd64", &p), -1);
	assert_int_equal(pull_platform_parse("linux/a md64", &p), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bearer),
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_length_bound),
		cmocka_unit_test(test_platform),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
