/*
 * test_pull_regconf.c: the strict registries.conf reader (lib/regconf.c).
 *
 * Invariants checked:
 * - Sections, "insecure = yes|no", "ca = /PATH" and "mirror = HOST:PORT"
 *   are read; comments and blank lines
 *   are skipped; a host not listed gets the defaults.
 * - Every other line refuses the whole file with FILE:LINE: an unknown
 *   key, a key outside a section, a bad value, a section given twice, a
 *   key given twice, a "ca" that is not one absolute path, a control byte, a too long line, a malformed header.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/regconf.h"

static int
look(const char *text, const char *host, struct regconf_entry *e,
    struct ctl_err *err)
{
	return regconf_lookup(text, strlen(text), "r.conf", host, e, err);
}

static void
test_read(void **state)
{
	const char *t = "# registries\n\n[registry \"127.0.0.1:5000\"]\n"
			"insecure = yes\n\n[registry \"reg.example:443\"]\n"
			"  insecure=no  \nca = /etc/ca.pem\n"
			"mirror = mirror.lan:5000\n";
	struct regconf_entry e;
	struct ctl_err err;

	assert_int_equal(look(t, "127.0.0.1:5000", &e, &err), 0);
	assert_true(e.found);
	assert_true(e.insecure);
	assert_int_equal(look(t, "reg.example:443", &e, &err), 0);
	assert_true(e.found);
	assert_false(e.insecure);
	assert_string_equal(e.ca, "/etc/ca.pem");
	assert_string_equal(e.mirror, "mirror.lan:5000");
	assert_int_equal(look(t, "127.0.0.1:5001", &e, &err), 0);
	assert_false(e.found);
	assert_false(e.insecure);
	assert_int_equal(look("", "x", &e, &err), 0);
	/* no newline at the end */
	assert_int_equal(look("[registry \"a:1\"]\ninsecure = yes", "a:1", &e,
			     &err),
	    0);
	assert_true(e.insecure);
}

struct bad {
	const char *text, *err;
};

static void
test_refused(void **state)
{
	static const struct bad bad[] = {
		{ "insecure = yes\n", "r.conf:1: key outside" },
		{ "[registry \"a\"]\nmirrors = b\n", "r.conf:2: unknown key" },
		{ "[registry \"a\"]\nmirror = b c\n",
		    "r.conf:2: mirror: expected" },
		{ "[registry \"a\"]\nmirror = http://b\n",
		    "r.conf:2: mirror: expected" },
		{ "[registry \"a\"]\nmirror = b\nmirror = c\n",
		    "r.conf:3: mirror given twice" },
		{ "[registry \"a\"]\nca = rel.pem\n",
		    "r.conf:2: ca: expected" },
		{ "[registry \"a\"]\nca = /a b\n", "r.conf:2: ca: expected" },
		{ "[registry \"a\"]\nca =\n", "r.conf:2: ca: expected" },
		{ "[registry \"a\"]\nca = /a\nca = /b\n",
		    "r.conf:3: ca given twice" },
		{ "[registry \"a\"]\ninsecure = true\n",
		    "r.conf:2: insecure:" },
		{ "[registry \"a\"]\ninsecure\n", "r.conf:2: expected KEY" },
		{ "[registry \"a\"]\n[registry \"a\"]\n",
		    "r.conf:2: registry given twice" },
		{ "[registry \"a\"]\ninsecure = no\ninsecure = yes\n",
		    "r.conf:3: insecure given twice" },
		{ "[registry a]\n", "r.conf:1: expected [registry" },
		{ "[registry \"a\"] x\n", "r.conf:1: expected [registry" },
		{ "[mirror \"a\"]\n", "r.conf:1: expected [registry" },
		{ "[registry \"a b\"]\n", "r.conf:1: invalid registry host" },
		{ "[registry \"\"]\n", "r.conf:1: invalid registry host" },
		{ "# ok\n\r\n", "r.conf:2: control character" },
		{ "[registry \"a\"]\ninsecure = yes\x01\n",
		    "r.conf:2: control" },
		{ NULL, NULL },
	};
	struct regconf_entry e;
	struct ctl_err err;

	for (size_t i = 0; bad[i].text != NULL; i++) {
		if (look(bad[i].text, "a", &e, &err) != -1)
			fail_msg("accepted: %s", bad[i].text);
		if (strncmp(err.msg, bad[i].err, strlen(bad[i].err)) != 0)
			fail_msg("%s: got \"%s\"", bad[i].text, err.msg);
		assert_false(e.insecure);
	}
}

static void
test_nul_and_long(void **state)
{
	static const char nul[] = "[registry \"a\"]\ninsecure = yes\0\n";
	char line[REGCONF_MAX_LINE + 20];
	struct ctl_err err;
	struct regconf_entry e;

	assert_int_equal(regconf_lookup(nul, sizeof(nul) - 1, "r.conf", "a", &e,
			     &err),
	    -1);
	memset(line, '#', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	assert_int_equal(look(line, "a", &e, &err), -1);
	assert_string_equal(err.msg, "r.conf:1: line too long");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_nul_and_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
