/*
 * test_textesc.c: text for the administrator's terminal (lib/textesc.c).
 *
 * Invariants checked:
 * - Control bytes, DEL, the backslash and every byte above 0x7e come out
 *   as \xNN; printable ASCII as is; a NUL inside a length is escaped.
 * - The output is terminated within its length, cut at a whole escape.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/textesc.h"

static void
test_escapes(void **state)
{
	char out[128];

	(void)state;
	text_escape("a\033]0;x\007\\ \x7f\xc3\xa9\xff\n", out, sizeof(out));
	assert_string_equal(out,
	    "a\\x1b]0;x\\x07\\x5c \\x7f\\xc3\\xa9\\xff\\x0a");
	assert_int_equal(text_escape_mem("a\0b", 3, out, sizeof(out)), 6);
	assert_string_equal(out, "a\\x00b");
}

static void
test_bounds(void **state)
{
	char out[8];

	(void)state;
	memset(out, 'z', sizeof(out));
	text_escape("ab\033cd", out, 6); /* "ab" + 4 of "\x1b" do not fit */
	assert_string_equal(out, "ab");
	assert_int_equal(out[6], 'z');
	text_escape("abcdefghij", out, sizeof(out));
	assert_string_equal(out, "abcdefg");
	out[0] = 'z';
	text_escape("a", out, 0);
	assert_int_equal(out[0], 'z');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
