/*
 * test_name.c: canonical image names and their store encoding.
 *
 * Invariants checked:
 * - name_canon() MUST map Docker short forms to one canonical name and
 *   MUST refuse anything outside the reference grammar.
 * - name_encode() MUST give one path component, never "." or "..", that
 *   name_decode() inverts exactly; name_decode() MUST refuse other forms.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "image/name.h"

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void
test_canon_table(void **state)
{
	static const char *ok[][2] = {
		{ "ubuntu", "ubuntu:latest" },
		{ "ubuntu:22.04", "ubuntu:22.04" },
		{ "docker.io/library/ubuntu:22.04", "ubuntu:22.04" },
		{ "docker.io/library/ubuntu", "ubuntu:latest" },
		{ "index.docker.io/library/busybox", "busybox:latest" },
		{ "docker.io/jupyter/base-notebook",
		    "jupyter/base-notebook:latest" },
		{ "localhost/app", "app:latest" },
		{ "localhost/app:1", "app:1" },
		{ "ghcr.io/org/app", "ghcr.io/org/app:latest" },
		{ "registry:5000/a/b:T_1.x-y", "registry:5000/a/b:T_1.x-y" },
		{ "localhost:5000/app", "localhost:5000/app:latest" },
		{ "a__b/c.d-e", "a__b/c.d-e:latest" },
		{ "a---b", "a---b:latest" },
		{ "app@sha256:" D64, "app@sha256:" D64 },
		{ NULL, NULL },
	};
	static const char *bad[] = {
		"",
		"Ubuntu",
		"ubuntu:",
		":tag",
		"ubuntu:-x",
		"ubuntu:.x",
		"../etc",
		"a/../b",
		"a//b",
		"/abs",
		"a/",
		"a b",
		"a\nb",
		"a:b:c",
		"a_",
		"_a",
		"a___b",
		"a..b",
		"a.-b",
		"a:tag with space",
		"app@sha256:abc",
		"app@sha256:" D64 "0",
		"app@md5:" D64,
		"app@sha256:../../../../etc/passwd00000000000000000000000000000000",
		"host..x/a",
		"-host/a",
		"host:99999999/a",
		"%2e%2e",
		".",
		"..",
		NULL,
	};
	char out[NAME_MAX_LEN + 1];

	for (size_t i = 0; ok[i][0] != NULL; i++) {
		assert_int_equal(name_canon(ok[i][0], out, sizeof(out)), 0);
		assert_string_equal(out, ok[i][1]);
		/* Canonical names are fixpoints. */
		assert_int_equal(name_canon(out, out, sizeof(out)), 0);
		assert_string_equal(out, ok[i][1]);
	}
	for (size_t i = 0; bad[i] != NULL; i++) {
		if (name_canon(bad[i], out, sizeof(out)) == 0)
			print_error("accepted: %s\n", bad[i]);
		assert_int_equal(name_canon(bad[i], out, sizeof(out)), -1);
	}
	/* Length cap: 256 bytes refused. */
	char longn[300];
	memset(longn, 'a', 256);
	longn[256] = '\0';
	assert_int_equal(name_canon(longn, out, sizeof(out)), -1);
	/* Output buffer too small. */
	assert_int_equal(name_canon("ubuntu", out, 8), -1);
}

static void
test_encode(void **state)
{
	static const char *names[] = { "busybox:latest", "ghcr.io/o/a:v1",
		"a@sha256:" D64, "x", NULL };
	char enc[3 * NAME_MAX_LEN + 1], dec[NAME_MAX_LEN + 1];

	for (size_t i = 0; names[i] != NULL; i++) {
		assert_int_equal(name_encode(names[i], enc, sizeof(enc)), 0);
		assert_null(strchr(enc, '/'));
		assert_null(strchr(enc, '.'));
		assert_int_equal(name_decode(enc, dec, sizeof(dec)), 0);
		assert_string_equal(dec, names[i]);
	}
	assert_int_equal(name_encode("busybox:latest", enc, sizeof(enc)), 0);
	assert_string_equal(enc, "busybox%3Alatest");
	assert_int_equal(name_encode("..", enc, sizeof(enc)), 0);
	assert_string_equal(enc, "%2E%2E");
	assert_int_equal(name_encode("", enc, sizeof(enc)), -1);
	assert_int_equal(name_encode("abc", enc, 3), -1);
	/* Decoding refuses what the encoder never writes. */
	assert_int_equal(name_decode("%41", dec, sizeof(dec)), -1);
	assert_int_equal(name_decode("%2e", dec, sizeof(dec)), -1);
	assert_int_equal(name_decode("%00", dec, sizeof(dec)), -1);
	assert_int_equal(name_decode("a.b", dec, sizeof(dec)), -1);
	assert_int_equal(name_decode("%3", dec, sizeof(dec)), -1);
	assert_int_equal(name_decode("", dec, sizeof(dec)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canon_table),
		cmocka_unit_test(test_encode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
