/*
 * test_passwd.c: generation of the container's /etc/passwd and /etc/group
 * (helper/passwd.c).  Each test would fail if the invariant it names broke.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helper/passwd.h"

static char n_alice[] = "alice", n_sudo[] = "sudo", n_datasci[] = "datasci";
static char n_bad[] = "al:ice\nroot:x:0:alice", n_empty[] = "";

static struct plan_group groups[] = {
	{ 1000, n_alice },
	{ 27, n_sudo },
	{ 1000, n_alice }, /* duplicate of the primary */
	{ 5000, n_datasci },
};

static struct passwd_caller caller = {
	.user = "alice",
	.uid = 1000,
	.gid = 1000,
	.gecos = "Alice A.",
	.home = "/home/alice",
	.shell = "/bin/sh",
	.groups = groups,
	.ngroups = 4,
};

static const char img_passwd[] =
    "root:x:0:0:root:/root:/bin/sh\n"
    "alice:x:1:1:image alice:/:/bin/false\n"
    "olduid:x:1000:100:uid clash:/:/bin/false\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/bin/false";

/* Number of lines of S that start with PREFIX. */
static int
count_prefix(const char *s, const char *prefix)
{
	int n = 0;
	size_t pl = strlen(prefix);

	for (const char *l = s; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : l)
		if (strncmp(l, prefix, pl) == 0)
			n++;
	return n;
}

static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Every line has exactly NF fields. */
static void
assert_fields(const char *s, int nf)
{
	int f = 1;

	for (; *s; s++) {
		if (*s == ':')
			f++;
		if (*s == '\n') {
			assert_int_equal(f, nf);
			f = 1;
		}
	}
}

static void
test_caller_added_image_kept(void **state)
{
	char *out = NULL;

	(void)state;
	assert_int_equal(passwd_gen_passwd(img_passwd, strlen(img_passwd),
			     &caller, &out, NULL),
	    0);
	assert_int_equal(count_prefix(out, "root:x:0:0:"), 1);
	assert_int_equal(count_prefix(out, "nobody:x:65534:"), 1);
	assert_int_equal(count_prefix(out,
			     "alice:x:1000:1000:Alice A.:/home/alice:/bin/sh"),
	    1);
	assert_fields(out, 7);
	free(out);
}

static void
test_old_name_and_uid_replaced(void **state)
{
	char *out = NULL;

	(void)state;
	assert_int_equal(passwd_gen_passwd(img_passwd, strlen(img_passwd),
			     &caller, &out, NULL),
	    0);
	assert_int_equal(count_prefix(out, "alice:"), 1);
	assert_null(strstr(out, "image alice"));
	assert_null(strstr(out, "olduid"));
	assert_null(strstr(out, ":1000:100:"));
	free(out);
}

static void
test_no_image_file(void **state)
{
	char *out = NULL;

	(void)state;
	assert_int_equal(passwd_gen_passwd(NULL, 0, &caller, &out, NULL), 0);
	assert_int_equal(count_lines(out), 1);
	free(out);
}

static void
test_caller_fields_sanitised(void **state)
{
	struct passwd_caller c = caller;
	char *out = NULL;

	(void)state;
	c.gecos = "x:0:0:root:/root:/bin/sh\nroot2:x:0:0";
	c.home = "/home/a:b";
	c.shell = "/bin/ba\nsh";
	assert_int_equal(passwd_gen_passwd(NULL, 0, &c, &out, NULL), 0);
	assert_int_equal(count_lines(out), 1);
	assert_fields(out, 7);
	assert_string_equal(out,
	    "alice:x:1000:1000:x_0_0_root_/root_/bin/sh_root2_x_0_0:/:"
	    "/bin/sh\n");
	free(out);
}

static void
test_malformed_image_lines_dropped(void **state)
{
	static const char img[] = "good:x:5:5::/:/bin/sh\n"
				  "short:x:6:6\n"
				  "toomany:x:7:7:a:b:c:d\n"
				  "nonnum:x:abc:7::/:/bin/sh\n"
				  ":x:8:8::/:/bin/sh\n"
				  "ctl:x:9:9:a\tb:/:/bin/sh\n"
				  "# comment\n"
				  "\n"
				  "huge:x:4294967295:1::/:/bin/sh\n";
	char *out = NULL;

	(void)state;
	assert_int_equal(passwd_gen_passwd(img, sizeof(img) - 1, &caller, &out,
			     NULL),
	    0);
	assert_int_equal(count_prefix(out, "good:"), 1);
	assert_int_equal(count_lines(out), 2);
	free(out);
}

static void
test_embedded_nul_line_dropped(void **state)
{
	static const char img[] =
	    "evil:x:5:5::/:/bin/sh\0tail\nok:x:6:6::/:/x\n";
	char *out = NULL;

	(void)state;
	assert_int_equal(passwd_gen_passwd(img, sizeof(img) - 1, &caller, &out,
			     NULL),
	    0);
	assert_null(strstr(out, "evil"));
	assert_int_equal(count_prefix(out, "ok:"), 1);
	free(out);
}

static void
test_bounded_input(void **state)
{
	size_t n = PASSWD_MAX_INPUT + 1;
	char *big = malloc(n), *out = NULL;
	char *line;

	(void)state;
	assert_non_null(big);
	memset(big, 'a', n);
	errno = 0;
	assert_int_equal(passwd_gen_passwd(big, n, &caller, &out, NULL), -1);
	assert_int_equal(errno, E2BIG);
	assert_int_equal(passwd_gen_group(big, n, &caller, &out, NULL), -1);
	/* A line longer than PASSWD_MAX_LINE is dropped, the rest kept. */
	line = malloc(PASSWD_MAX_LINE + 64);
	assert_non_null(line);
	memset(line, 'b', PASSWD_MAX_LINE + 64);
	memcpy(line, "long:x:7:7:", 11);
	memcpy(line + PASSWD_MAX_LINE + 40, ":/:/bin/sh\nk:x:8:8::/:/x\n", 24);
	assert_int_equal(passwd_gen_passwd(line, PASSWD_MAX_LINE + 64, &caller,
			     &out, NULL),
	    0);
	assert_null(strstr(out, "long:"));
	assert_int_equal(count_prefix(out, "k:x:8:"), 1);
	free(out);
	free(line);
	free(big);
}

static const char img_group[] = "root:x:0:\n"
				"sudo:x:99:bob\n"      /* name clash */
				"imgusers:x:5000:\n"   /* gid clash */
				"alice:x:1000:alice\n" /* both */
				"wheel:x:10:root\n";

static void
test_group_caller_groups(void **state)
{
	char *out = NULL;

	(void)state;
	assert_int_equal(passwd_gen_group(img_group, strlen(img_group), &caller,
			     &out, NULL),
	    0);
	assert_int_equal(count_prefix(out, "root:x:0:"), 1);
	assert_int_equal(count_prefix(out, "wheel:x:10:root"), 1);
	assert_int_equal(count_prefix(out, "sudo:"), 1);
	assert_int_equal(count_prefix(out, "sudo:x:27:alice"), 1);
	assert_null(strstr(out, "imgusers"));
	assert_null(strstr(out, ":99:"));
	assert_int_equal(count_prefix(out, "alice:x:1000:alice"), 1);
	assert_int_equal(count_prefix(out, "datasci:x:5000:alice"), 1);
	assert_int_equal(count_lines(out), 5);
	assert_fields(out, 4);
	free(out);
}

static void
test_group_bad_name_replaced(void **state)
{
	struct plan_group g[] = { { 1000, n_bad }, { 7, n_empty } };
	struct passwd_caller c = caller;
	char *out = NULL;

	(void)state;
	c.groups = g;
	c.ngroups = 2;
	assert_int_equal(passwd_gen_group(NULL, 0, &c, &out, NULL), 0);
	assert_string_equal(out, "g1000:x:1000:alice\ng7:x:7:alice\n");
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_caller_added_image_kept),
		cmocka_unit_test(test_old_name_and_uid_replaced),
		cmocka_unit_test(test_no_image_file),
		cmocka_unit_test(test_caller_fields_sanitised),
		cmocka_unit_test(test_malformed_image_lines_dropped),
		cmocka_unit_test(test_embedded_nul_line_dropped),
		cmocka_unit_test(test_bounded_input),
		cmocka_unit_test(test_group_caller_groups),
		cmocka_unit_test(test_group_bad_name_replaced),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
