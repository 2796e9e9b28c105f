/*
 * test_ini.c: the strict line reader of configuration files (lib/ini.c).
 *
 * Invariants checked:
 * - Section and key lines reach the item function in line order with
 *   their line, name, key and value; blank and comment lines do not.
 * - Each hazard refuses its line with FILE:LINE and its wording: a too
 *   long line, NUL, CR, another control byte, a byte-order mark, an
 *   indented line, a section line without ']', with a too long name, with
 *   a blank, '[', ';' or '#' in its name, with an empty name, with text
 *   after ']', a ':' before '=', a line without '=', a missing key, a bad
 *   key, '#' in a value and a ';' without a blank before it.
 * - Without the strict flags, indented lines, ';' lines and any text
 *   before '=' are the caller's to judge; control bytes and long lines
 *   are refused all the same.
 * - A caller's wording replaces the default; without a report function
 *   the first finding ends the reading, with one every line's finding is
 *   reported; an item function's refusal is a finding.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/ini.h"

struct seen {
	char log[1024];
	size_t nreports;
	int refuse_line;
};

static int
note(void *arg, const struct ini_item *it, struct ctl_err *e)
{
	struct seen *s = arg;
	size_t n = strlen(s->log);

	if (it->line == s->refuse_line)
		return err_at(e, it->file, it->line, "mine");
	if (it->section && it->name != NULL)
		snprintf(s->log + n, sizeof(s->log) - n, "%d[%.*s]", it->line,
		    (int)it->nlen, it->name);
	else if (it->section)
		snprintf(s->log + n, sizeof(s->log) - n, "%d{%.*s}", it->line,
		    (int)it->len, it->text);
	else
		snprintf(s->log + n, sizeof(s->log) - n, "%d<%.*s=%.*s>",
		    it->line, (int)it->klen, it->key, (int)it->vlen, it->val);
	return 0;
}

static void
count(void *arg, const struct ctl_err *f)
{
	(void)f;
	((struct seen *)arg)->nreports++;
}

static const struct ini_rules strict = {
	.max_line = 40,
	.max_section = 8,
	.flags = INI_STRICT,
};

static const struct ini_rules plain = {
	.max_line = 40,
};

static int
run(const struct ini_rules *r, const char *text, size_t len, struct seen *s,
    struct ctl_err *e)
{
	return ini_read(text, len, "f.ini", r, note, s, e);
}

static void
test_items(void **state)
{
	const char *t = "# c\n; c\n\n  \t\n  # c\n[a]\nk = v ; c\n"
			"[b:c]  ; c\nkey_x=\n[d] ;c\nk= v w \t";
	struct seen s = { "", 0, 0 };
	struct ctl_err e;

	(void)state;
	assert_int_equal(run(&strict, t, strlen(t), &s, &e), 0);
	assert_string_equal(s.log, "6[a]7<k=v>8[b:c]9<key_x=>10[d]11<k=v w>");
	memset(&s, 0, sizeof(s));
	t = "  [registry \"a]b\"]  \n\tK.x : y= 1 = 2 \n;a=b\n";
	assert_int_equal(run(&plain, t, strlen(t), &s, &e), 0);
	assert_string_equal(s.log,
	    "1{[registry \"a]b\"]}2<K.x : y=1 = 2>3<;a=b>");
}

struct bad {
	const char *text, *msg;
	int line;
};

static void
test_hazards(void **state)
{
	static const struct bad bad[] = {
		{ "[a]\n12345678901234567890123456789012345678901\n",
		    "line too long", 2 },
		{ "k = v\r\n", "carriage return (use Unix line ends)", 1 },
		{ "k = v\x01\n", "control character", 1 },
		{ "k = v\x7f\n", "control character", 1 },
		{ "k = v\xc2\x9b"
		  "2J\n",
		    "control character", 1 },
		{ "[user:\xc2\x85]\n", "control character", 1 },
		{ "\xef\xbb\xbf[a]\n", "byte-order mark", 1 },
		{ "[a]\n  k = v\n", "indented line", 2 },
		{ "\tk = v\n", "indented line", 1 },
		{ "[a\n", "section line without ']'", 1 },
		{ "[123456789]\n", "section name too long", 1 },
		{ "[a b]\n", "blank, '[', ';' or '#' in a section name", 1 },
		{ "[a[b]\n", "blank, '[', ';' or '#' in a section name", 1 },
		{ "[a;b]\n", "blank, '[', ';' or '#' in a section name", 1 },
		{ "[a#]\n", "blank, '[', ';' or '#' in a section name", 1 },
		{ "[]\n", "empty section name", 1 },
		{ "[a] b\n", "text after a section's ']'", 1 },
		{ "[a];c\n", "text after a section's ']'", 1 },
		{ "k: v\n", "':' before '=' (write KEY = VALUE)", 1 },
		{ "k:x = v\n", "':' before '=' (write KEY = VALUE)", 1 },
		{ "k v\n", "not a section, a comment or KEY = VALUE", 1 },
		{ "= v\n", "missing key before '='", 1 },
		{ "K = v\n", "bad key (keys are lowercase letters and '_')",
		    1 },
		{ "k1 = v\n", "bad key (keys are lowercase letters and '_')",
		    1 },
		{ "k x = v\n", "bad key (keys are lowercase letters and '_')",
		    1 },
		{ "k = a#b\n",
		    "'#' in a value (comments start a line, or follow "
		    "whitespace with ';')",
		    1 },
		{ "k = a;b\n",
		    "';' in a value (an inline comment needs whitespace "
		    "before ';')",
		    1 },
		{ "k =;b\n",
		    "';' in a value (an inline comment needs whitespace "
		    "before ';')",
		    1 },
		{ NULL, NULL, 0 },
	};
	struct seen s;
	struct ctl_err e;

	(void)state;
	for (size_t i = 0; bad[i].text != NULL; i++) {
		memset(&s, 0, sizeof(s));
		if (run(&strict, bad[i].text, strlen(bad[i].text), &s, &e) !=
		    -1)
			fail_msg("accepted: %s", bad[i].text);
		if (strcmp(e.msg, bad[i].msg) != 0 ||
		    strcmp(e.file, "f.ini") != 0 || e.line != bad[i].line)
			fail_msg("%s: got %s:%d: %s", bad[i].text, e.file,
			    e.line, e.msg);
		assert_false(e.denied);
	}
}

static void
test_nul(void **state)
{
	static const char t[] = "[a]\nk = v\0w\n";
	struct seen s = { "", 0, 0 };
	struct ctl_err e;

	(void)state;
	assert_int_equal(run(&strict, t, sizeof(t) - 1, &s, &e), -1);
	assert_string_equal(e.msg, "NUL byte");
	assert_int_equal(e.line, 2);
	memset(&s, 0, sizeof(s));
	assert_int_equal(run(&plain, t, sizeof(t) - 1, &s, &e), -1);
	assert_string_equal(e.msg, "NUL byte");
	/* Nothing past LEN is read: the NUL is not seen. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(run(&strict, t, 9, &s, &e), 0);
	assert_string_equal(s.log, "1[a]2<k=v>");
}

static void
test_plain_hazards(void **state)
{
	static const char *const t[] = { "k = v\x1b\n", "\x7f\n", "k v\n",
		"1234567890123456789012345678901234567890 \n", NULL };
	struct seen s;
	struct ctl_err e;

	(void)state;
	for (size_t i = 0; t[i] != NULL; i++) {
		memset(&s, 0, sizeof(s));
		if (run(&plain, t[i], strlen(t[i]), &s, &e) != -1)
			fail_msg("accepted: %s", t[i]);
	}
}

static void
test_order_and_wording(void **state)
{
	static const struct ini_rules mine = {
		.max_line = 4,
		.flags = INI_BYTES_FIRST,
		.why = { [INI_CR] = "control character",
		    [INI_NO_EQ] = "expected KEY = VALUE" },
	};
	struct seen s = { "", 0, 0 };
	struct ctl_err e;
	const char *t = "k = 12345678901234567890123456789012345678\r";

	(void)state;
	assert_int_equal(run(&strict, t, strlen(t), &s, &e), -1);
	assert_string_equal(e.msg, "line too long");
	assert_int_equal(run(&mine, "k = 1\r", 6, &s, &e), -1);
	assert_string_equal(e.msg, "control character");
	assert_int_equal(run(&mine, "kv", 2, &s, &e), -1);
	assert_string_equal(e.msg, "expected KEY = VALUE");
	assert_int_equal(run(&mine, "k = 1", 5, &s, &e), -1);
	assert_string_equal(e.msg, "line too long");
}

static void
test_report_all(void **state)
{
	static const struct ini_rules all = {
		.max_line = 40,
		.max_section = 8,
		.flags = INI_STRICT,
		.report = count,
	};
	const char *t = "[a]\nk v\nk = 1\n x = 2\nk = 3\n[b]\n";
	struct seen s = { "", 0, 5 };
	struct ctl_err e;

	(void)state;
	assert_int_equal(run(&all, t, strlen(t), &s, &e), -1);
	assert_int_equal(s.nreports, 3);
	assert_int_equal(e.line, 2);
	assert_string_equal(s.log, "1[a]3<k=1>6[b]");
	memset(&s, 0, sizeof(s));
	s.refuse_line = 5;
	assert_int_equal(run(&strict, t + 8, strlen(t + 8), &s, &e), -1);
	assert_int_equal(e.line, 2);
	assert_string_equal(s.log, "1<k=1>");
	memset(&s, 0, sizeof(s));
	s.refuse_line = 1;
	assert_int_equal(run(&plain, "k = 1", 5, &s, &e), -1);
	assert_string_equal(e.msg, "mine");
	assert_int_equal(e.line, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_items),
		cmocka_unit_test(test_hazards),
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_plain_hazards),
		cmocka_unit_test(test_order_and_wording),
		cmocka_unit_test(test_report_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
