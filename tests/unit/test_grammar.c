/*
 * test_grammar.c: the shared value grammars (lib/grammar).
 *
 * Invariants checked:
 * - A size is digits and at most one K/M/G/T (either case); anything
 *   else, and anything above 64 bits, is refused and *out untouched.
 * - A decimal is 1 to 20 digits without sign or space, at most UINT64_MAX.
 * - A hex id is exactly 64 lowercase hex digits; a layer link exactly
 *   GRAM_LINK_LEN of [0-9A-Z]; the counted and NUL-terminated forms agree.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/grammar.h"

static void
test_size(void **state)
{
	static const struct {
		const char *s;
		int r;
		uint64_t v;
	} sz[] = { { "0", 0, 0 }, { "512", 0, 512 }, { "1K", 0, 1024 },
		{ "512k", 0, 512ull << 10 }, { "512M", 0, 512ull << 20 },
		{ "2G", 0, 2ull << 30 }, { "2g", 0, 2ull << 30 },
		{ "1T", 0, 1ull << 40 }, { "16777215T", 0, 16777215ull << 40 },
		{ "16777216T", -1, 0 },
		{ "18446744073709551615", 0, UINT64_MAX },
		{ "18446744073709551616", -1, 0 }, { "", -1, 0 },
		{ "G", -1, 0 }, { "-1", -1, 0 }, { "+1", -1, 0 },
		{ " 1", -1, 0 }, { "1 ", -1, 0 }, { "0x10", -1, 0 },
		{ "1KK", -1, 0 },
		/* Docker's spellings. */
		{ "1.5G", 0, 3ull << 29 }, { "1.5g", 0, 3ull << 29 },
		{ "0.5k", 0, 512 }, { "0.1K", 0, 102 },
		{ "1GB", 0, 1ull << 30 }, { "1gb", 0, 1ull << 30 },
		{ "1GiB", 0, 1ull << 30 }, { "512MB", 0, 512ull << 20 },
		{ "512mib", 0, 512ull << 20 }, { "100b", 0, 100 },
		{ "100B", 0, 100 }, { "1P", 0, 1ull << 50 },
		{ "16383P", 0, 16383ull << 50 }, { "16384P", -1, 0 },
		{ "15.999999999P", 0, 18014398508356084ull },
		{ "1.123456789G", 0, 1206302541ull },
		/* Refused: a fraction without a unit or digits, ten fraction
		 * digits, a lone i, a unit twice, a space, a sign. */
		{ "1.5", -1, 0 }, { "1.5b", -1, 0 }, { "1.G", -1, 0 },
		{ ".5G", -1, 0 }, { "1.1234567891G", -1, 0 }, { "1i", -1, 0 },
		{ "1ib", -1, 0 }, { "1GG", -1, 0 }, { "1 G", -1, 0 },
		{ "1.5.5G", -1, 0 }, { "b", -1, 0 }, { "iB", -1, 0 },
		{ "1Gb b", -1, 0 }, { "1bb", -1, 0 }, { "-1.5G", -1, 0 } };
	uint64_t v;

	for (size_t i = 0; i < sizeof(sz) / sizeof(sz[0]); i++) {
		v = 7;
		if (gram_size(sz[i].s, &v) != sz[i].r ||
		    (sz[i].r == 0 && v != sz[i].v) || (sz[i].r != 0 && v != 7))
			fail_msg("gram_size(\"%s\")", sz[i].s);
	}
	assert_int_equal(gram_size(NULL, &v), -1);
}

static void
test_help(void **state)
{
	assert_true(gram_help("--help") && gram_help("-h"));
	assert_false(gram_help("help") || gram_help("--helpx") ||
	    gram_help("-H") || gram_help("") || gram_help(NULL));
}

static void
test_u64(void **state)
{
	uint64_t v = 7;

	assert_int_equal(gram_u64("0", 1, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(gram_u64("12345", 3, &v), 0);
	assert_int_equal(v, 123);
	assert_int_equal(gram_u64("18446744073709551615", 20, &v), 0);
	assert_true(v == UINT64_MAX);
	v = 7;
	assert_int_equal(gram_u64("18446744073709551616", 20, &v), -1);
	assert_int_equal(gram_u64("000000000000000000001", 21, &v), -1);
	assert_int_equal(gram_u64("", 0, &v), -1);
	assert_int_equal(gram_u64("1a", 2, &v), -1);
	assert_int_equal(gram_u64("-1", 2, &v), -1);
	assert_int_equal(v, 7);
}

static void
test_hex_link(void **state)
{
	char hex[GRAM_HEX64_LEN + 2];

	memset(hex, 'a', GRAM_HEX64_LEN);
	hex[GRAM_HEX64_LEN] = '\0';
	assert_true(gram_hex64(hex));
	assert_true(gram_hex64n(hex, GRAM_HEX64_LEN));
	hex[10] = '9';
	assert_true(gram_hex64(hex));
	hex[10] = 'A'; /* uppercase is not a digest */
	assert_false(gram_hex64(hex));
	hex[10] = 'g';
	assert_false(gram_hex64(hex));
	hex[10] = 'a';
	hex[GRAM_HEX64_LEN] = 'a'; /* 65 */
	hex[GRAM_HEX64_LEN + 1] = '\0';
	assert_false(gram_hex64(hex));
	assert_true(gram_hex64n(hex, GRAM_HEX64_LEN));
	assert_false(gram_hex64n(hex, GRAM_HEX64_LEN - 1));
	assert_false(gram_hex64(""));
	assert_false(gram_hex64(NULL));

	assert_true(gram_link("0123456789"));
	assert_true(gram_link("ABCDEFGHIJ"));
	assert_false(gram_link("abcdefghij"));
	assert_false(gram_link("ABCDEFGHI"));
	assert_false(gram_link("ABCDEFGHIJK"));
	assert_false(gram_link("ABCDE/GHIJ"));
	assert_true(gram_linkn("ABCDEFGHIJK", GRAM_LINK_LEN));
	assert_false(gram_link(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_u64),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_hex_link),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
