/*
 * test_spank_opts.c: the checks of the SPANK plugin's option values
 * (spank/opts.c), which the node applies whatever srun checked.
 *
 * Invariants checked:
 * - Empty values, values over their bound, and any byte outside
 *   0x21-0x7e (newline, space, tab, DEL, high bytes) MUST be refused.
 * - An image MUST NOT start with '-' or '/' nor hold "..".
 * - Mounts MUST be SRC:DST[:ro|rw], both absolute without a ".."
 *   component, at most SPANK_MOUNTS_MAX; the workdir absolute without
 *   ".."; environment names [A-Za-z_][A-Za-z0-9_]*, at most
 *   SPANK_ENVS_MAX.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "spank/opts.c"

static void
test_image(void **state)
{
	char big[SPANK_IMAGE_MAX + 2];

	(void)state;
	assert_null(spank_opt_check(OPT_IMAGE, "busybox"));
	assert_null(spank_opt_check(OPT_IMAGE, "ghcr.io/lab/app:1.0"));
	assert_null(spank_opt_check(OPT_IMAGE, "app@sha256:0123abcd"));
	assert_non_null(spank_opt_check(OPT_IMAGE, ""));
	assert_non_null(spank_opt_check(OPT_IMAGE, NULL));
	assert_non_null(spank_opt_check(OPT_IMAGE, "../../etc/shadow"));
	assert_non_null(spank_opt_check(OPT_IMAGE, "a..b"));
	assert_non_null(spank_opt_check(OPT_IMAGE, "/etc/shadow"));
	assert_non_null(spank_opt_check(OPT_IMAGE, "-rm"));
	assert_non_null(spank_opt_check(OPT_IMAGE, "busybox\nx"));
	assert_non_null(spank_opt_check(OPT_IMAGE, "busy box"));
	assert_non_null(spank_opt_check(OPT_IMAGE, "busybox\x7f"));
	assert_non_null(spank_opt_check(OPT_IMAGE, "busybox\xc3\xa9"));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_non_null(spank_opt_check(OPT_IMAGE, big));
	big[SPANK_IMAGE_MAX] = '\0';
	assert_null(spank_opt_check(OPT_IMAGE, big));
}

static void
test_mounts(void **state)
{
	char *many;
	size_t n = 0;

	(void)state;
	assert_null(spank_opt_check(OPT_MOUNTS, "/a:/b"));
	assert_null(spank_opt_check(OPT_MOUNTS, "/a:/b:ro,/c/d:/e:rw"));
	assert_non_null(spank_opt_check(OPT_MOUNTS, "/a"));
	assert_non_null(spank_opt_check(OPT_MOUNTS, "a:/b"));
	assert_non_null(spank_opt_check(OPT_MOUNTS, "/a:b"));
	assert_non_null(spank_opt_check(OPT_MOUNTS, "/a:/b:rx"));
	assert_non_null(spank_opt_check(OPT_MOUNTS, "/a:/b:ro:x"));
	assert_non_null(spank_opt_check(OPT_MOUNTS, "/home/u/../../etc:/m"));
	assert_non_null(spank_opt_check(OPT_MOUNTS, "/a:/../etc"));
	assert_non_null(spank_opt_check(OPT_MOUNTS, "/a:/b,"));
	assert_non_null(spank_opt_check(OPT_MOUNTS, "/a:/b,,/c:/d"));
	assert_null(spank_opt_check(OPT_MOUNTS, "/a..b:/c"));
	many = malloc((SPANK_MOUNTS_MAX + 1) * 6 + 1);
	assert_non_null(many);
	for (int i = 0; i <= SPANK_MOUNTS_MAX; i++)
		n += (size_t)snprintf(many + n, 8, "%s/a:/b", i ? "," : "");
	assert_non_null(spank_opt_check(OPT_MOUNTS, many));
	many[n - 6] = '\0'; /* one fewer */
	assert_null(spank_opt_check(OPT_MOUNTS, many));
	free(many);
}

static void
test_workdir_env(void **state)
{
	(void)state;
	assert_null(spank_opt_check(OPT_WORKDIR, "/data"));
	assert_non_null(spank_opt_check(OPT_WORKDIR, "data"));
	assert_non_null(spank_opt_check(OPT_WORKDIR, "/data/../.."));
	assert_null(spank_opt_check(OPT_ENV, "A,_b,C9"));
	assert_non_null(spank_opt_check(OPT_ENV, "9A"));
	assert_non_null(spank_opt_check(OPT_ENV, "A=B"));
	assert_non_null(spank_opt_check(OPT_ENV, "A,"));
	assert_non_null(spank_opt_check(OPT_ENV, "A-B"));
	assert_non_null(spank_opt_check(42, "x"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image),
		cmocka_unit_test(test_mounts),
		cmocka_unit_test(test_workdir_env),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
