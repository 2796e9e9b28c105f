/*
 * test_image_sanitize.c: entry-path cleaning and whiteout names of the
 * import tool.
 *
 * Invariants checked:
 * - entrypath_clean() MUST refuse absolute paths, ".." components, long
 *   components and long paths, and MUST drop "." and empty components.
 * - whiteout_kind() MUST never return WH_FILE for "", "." or "..".
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "image/sanitize.h"

static void
test_clean_table(void **state)
{
	static const char *ok[][2] = {
		{ "a", "a" },
		{ "./a", "a" },
		{ "a/b/c", "a/b/c" },
		{ "./a//b/./c/", "a/b/c" },
		{ ".", "" },
		{ "./", "" },
		{ "", "" },
		{ "a/.../b", "a/.../b" },
		{ "..a/b..", "..a/b.." },
		{ ".wh..wh..opq", ".wh..wh..opq" },
		{ "sp ace/new\nline", "sp ace/new\nline" },
		{ NULL, NULL },
	};
	static const char *bad[] = { "/", "/etc/passwd", "..", "../x", "a/..",
		"a/../b", "./..", "a/b/../../..", "//x", NULL };
	char out[ENTRYPATH_MAX];
	const char *why;

	for (size_t i = 0; ok[i][0] != NULL; i++) {
		assert_int_equal(entrypath_clean(ok[i][0], out, sizeof(out),
				     &why),
		    0);
		assert_string_equal(out, ok[i][1]);
	}
	for (size_t i = 0; bad[i] != NULL; i++) {
		assert_int_equal(entrypath_clean(bad[i], out, sizeof(out),
				     &why),
		    -1);
		assert_non_null(why);
	}
}

static void
test_clean_limits(void **state)
{
	char in[3 * PATH_MAX], out[ENTRYPATH_MAX];
	const char *why;

	memset(in, 'a', NAME_MAX + 1);
	in[NAME_MAX + 1] = '\0';
	assert_int_equal(entrypath_clean(in, out, sizeof(out), &why), -1);
	in[NAME_MAX] = '\0';
	assert_int_equal(entrypath_clean(in, out, sizeof(out), &why), 0);
	/* 40 components of 200 bytes: over PATH_MAX. */
	size_t o = 0;
	for (int i = 0; i < 40; i++) {
		memset(in + o, 'b', 200);
		o += 200;
		in[o++] = '/';
	}
	in[o] = '\0';
	assert_int_equal(entrypath_clean(in, out, sizeof(out), &why), -1);
	/* A small output buffer is never overrun. */
	assert_int_equal(entrypath_clean("abcdef", out, 4, &why), -1);
}

static void
test_whiteouts(void **state)
{
	const char *name;

	assert_int_equal(whiteout_kind("file", &name), WH_NONE);
	assert_int_equal(whiteout_kind(".whx", &name), WH_NONE);
	assert_int_equal(whiteout_kind(".wh..wh..opq", &name), WH_OPAQUE);
	assert_int_equal(whiteout_kind(".wh..wh.plnk", &name), WH_META);
	assert_int_equal(whiteout_kind(".wh.foo", &name), WH_FILE);
	assert_string_equal(name, "foo");
	assert_int_equal(whiteout_kind(".wh..hidden", &name), WH_FILE);
	assert_string_equal(name, ".hidden");
	assert_int_equal(whiteout_kind(".wh.", &name), WH_BAD);
	assert_int_equal(whiteout_kind(".wh..", &name), WH_BAD);
	assert_int_equal(whiteout_kind(".wh...", &name), WH_BAD);
	assert_null(name);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_table),
		cmocka_unit_test(test_clean_limits),
		cmocka_unit_test(test_whiteouts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
