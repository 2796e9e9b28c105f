/*
 * test_login.c: ctr-launch-shell's pure half (helper/loginargs.c).
 *
 * Each MUST has a negative case: only the two argv shapes; every unquoted
 * shell metacharacter, every option outside the allow-lists, rsync
 * --daemon, a path posing as an option refuse a host transfer; the
 * program is always the fixed path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helper/loginargs.h"
#include "policy/policy.h"

static struct ctl_err err;

static int
shape(int argc, const char *a0, const char *a1, const char *a2,
    enum login_shape *s, const char **cmd)
{
	static char b0[64], b1[64], b2[64];
	char *v[4] = { a0 ? b0 : NULL, a1 ? b1 : NULL, a2 ? b2 : NULL, NULL };

	snprintf(b0, sizeof(b0), "%s", a0 ? a0 : "");
	snprintf(b1, sizeof(b1), "%s", a1 ? a1 : "");
	snprintf(b2, sizeof(b2), "%s", a2 ? a2 : "");
	return login_shape(argc, v, s, cmd, &err);
}

static void
test_shapes(void **state)
{
	enum login_shape s;
	const char *cmd;

	(void)state;
	assert_int_equal(shape(1, "-ctr-launch-shell", NULL, NULL, &s, &cmd),
	    0);
	assert_int_equal(s, LOGIN_SHAPE_LOGIN);
	assert_null(cmd);
	assert_int_equal(shape(3, "ctr-launch-shell", "-c", "ls -l", &s, &cmd),
	    0);
	assert_int_equal(s, LOGIN_SHAPE_COMMAND);
	assert_string_equal(cmd, "ls -l");
	/* Everything else. */
	assert_int_equal(shape(1, "ctr-launch-shell", NULL, NULL, &s, &cmd),
	    -1);
	assert_non_null(strstr(err.msg, "accepts only a login"));
	assert_int_equal(shape(2, "ctr-launch-shell", "-c", NULL, &s, &cmd),
	    -1);
	assert_int_equal(shape(2, "-ctr-launch-shell", "-l", NULL, &s, &cmd),
	    -1);
	assert_int_equal(shape(3, "ctr-launch-shell", "-l", "x", &s, &cmd), -1);
	assert_int_equal(shape(3, "-ctr-launch-shell", "-c", "x", &s, &cmd),
	    -1);
	assert_int_equal(shape(0, NULL, NULL, NULL, &s, &cmd), -1);
}

static void
test_is_shell(void **state)
{
	(void)state;
	assert_true(login_is_shell("ctr-launch-shell"));
	assert_true(login_is_shell("-ctr-launch-shell"));
	assert_true(login_is_shell("/usr/bin/ctr-launch-shell"));
	assert_false(login_is_shell("ctr-launch"));
	assert_false(login_is_shell("/usr/bin/ctr-launch"));
	assert_false(login_is_shell("ctr-launch-shellx"));
	assert_false(login_is_shell("--ctr-launch-shell"));
	assert_false(login_is_shell(NULL));
}

static void
test_kind(void **state)
{
	(void)state;
	assert_int_equal(login_transfer_kind("scp -t x"), LOGIN_PROG_SCP);
	assert_int_equal(login_transfer_kind("  rsync --server . x"),
	    LOGIN_PROG_RSYNC);
	assert_int_equal(login_transfer_kind("/usr/lib/openssh/sftp-server"),
	    LOGIN_PROG_SFTP);
	assert_int_equal(login_transfer_kind("scp;sh"), LOGIN_PROG_SCP);
	assert_int_equal(login_transfer_kind("/bin/scp -t x"), LOGIN_PROG_SCP);
	assert_int_equal(login_transfer_kind("/usr/local/bin/rsync --server"),
	    LOGIN_PROG_RSYNC);
	assert_int_equal(login_transfer_kind("ls"), LOGIN_PROG_NONE);
	assert_int_equal(login_transfer_kind("scpx -t x"), LOGIN_PROG_NONE);
	assert_int_equal(login_transfer_kind("sh -c 'scp -t x'"),
	    LOGIN_PROG_NONE);
	assert_int_equal(login_transfer_kind(""), LOGIN_PROG_NONE);
}

static char **
ok(const char *cmd, enum login_prog want)
{
	enum login_prog k;
	char **v = login_transfer_argv(cmd, &k, &err);

	if (v == NULL)
		fail_msg("%s: %s", cmd, err.msg);
	assert_int_equal(k, want);
	return v;
}

static void
refused(const char *cmd, const char *why)
{
	enum login_prog k;
	char **v = login_transfer_argv(cmd, &k, &err);

	if (v != NULL)
		fail_msg("accepted: %s", cmd);
	if (why != NULL && strstr(err.msg, why) == NULL)
		fail_msg("%s: %s (wanted %s)", cmd, err.msg, why);
}

static void
test_host_ok(void **state)
{
	char **v;

	(void)state;
	v = ok("scp -v -r -p -d -t -- /home/a/my dir", LOGIN_PROG_SCP);
	assert_string_equal(v[0], LOGIN_SCP);
	assert_string_equal(v[6], "--");
	assert_string_equal(v[7], "/home/a/my");
	login_argv_free(v);
	v = ok("scp -t 'my dir/x'", LOGIN_PROG_SCP);
	assert_string_equal(v[2], "my dir/x");
	login_argv_free(v);
	v = ok("scp -rpf a\\ b \"c \\\"d\\\"\"", LOGIN_PROG_SCP);
	assert_string_equal(v[2], "a b");
	assert_string_equal(v[3], "c \"d\"");
	login_argv_free(v);
	v = ok("/usr/bin/scp -f x", LOGIN_PROG_SCP);
	assert_string_equal(v[0], LOGIN_SCP);
	login_argv_free(v);
	/* Whatever directory the client names, the fixed program runs. */
	v = ok("/home/a/bin/scp -f x", LOGIN_PROG_SCP);
	assert_string_equal(v[0], LOGIN_SCP);
	login_argv_free(v);
	v = ok("./rsync --server -v . x", LOGIN_PROG_RSYNC);
	assert_string_equal(v[0], LOGIN_RSYNC);
	login_argv_free(v);
	v = ok("/tmp/x/sftp-server", LOGIN_PROG_SFTP);
	assert_string_equal(v[0], LOGIN_SFTP_SERVER);
	login_argv_free(v);
	v = ok("/usr/lib/openssh/sftp-server", LOGIN_PROG_SFTP);
	assert_string_equal(v[0], LOGIN_SFTP_SERVER);
	assert_null(v[1]);
	login_argv_free(v);
	v = ok("rsync --server -vlogDtpre.iLsfxCIvu . f", LOGIN_PROG_RSYNC);
	assert_string_equal(v[0], LOGIN_RSYNC);
	login_argv_free(v);
	v = ok("rsync --server --sender -vlogDtpre.iLsfxCIvu --delete . a b",
	    LOGIN_PROG_RSYNC);
	login_argv_free(v);
	v = ok("rsync --server -logDtpre.iLsfxCIvu --compress-level=3 . x",
	    LOGIN_PROG_RSYNC);
	login_argv_free(v);
}

static void
test_host_refused(void **state)
{
	(void)state;
	/* Shell syntax of every kind. */
	refused("scp -t x; sh -i", "metacharacter");
	refused("scp -t x && sh", "metacharacter");
	refused("scp -t x | sh", "metacharacter");
	refused("scp -t $(id)", "metacharacter");
	refused("scp -t `id`", "metacharacter");
	refused("scp -t \"$(id)\"", "double quotes");
	refused("scp -t \"`id`\"", "double quotes");
	refused("scp -t x > /tmp/y", "metacharacter");
	refused("scp -t x\nsh", "metacharacter");
	refused("scp -t x\tsh", "metacharacter");
	refused("scp -t ~/x", "metacharacter");
	refused("scp -t *", "metacharacter");
	refused("scp -t 'x", "unbalanced");
	refused("scp -t x\\", "unbalanced");
	refused("scp -t \"x", "unbalanced");
	/* scp options. */
	refused("scp -S /bin/sh -t x", "not one of");
	refused("scp -o ProxyCommand=sh -t x", "not one of");
	refused("scp -t", "without a path");
	refused("scp -t -f x", "exactly one");
	refused("scp -r x", "exactly one");
	refused("scp -t -x", "not one of");
	refused("scp - -t x", "not one of");
	/* GNU getopt reads options after the paths too. */
	refused("scp -t /tmp -S /bin/sh", "looks like an option");
	refused("scp -t x -f", "looks like an option");
	refused("scp -t x y -o ProxyCommand=sh", "looks like an option");
	/* rsync. */
	refused("rsync --daemon", "only as rsync --server");
	refused("rsync --server --daemon . x", "not allowed");
	refused("rsync --server --config=/tmp/c . x", "not allowed");
	refused("rsync --server --rsh=/bin/sh . x", "not allowed");
	refused("rsync --server --rsync-path=/bin/sh . x", "not allowed");
	refused("rsync --server --log-file=/tmp/l . x", "not allowed");
	refused("rsync --server --write-batch=x . y", "not allowed");
	refused("rsync --server -vT/tmp . x", "not allowed");
	refused("rsync --server -vB100 . x", "not allowed");
	refused("rsync --server -M--daemon . x", "not allowed");
	refused("rsync --server -e.iL/s . x", "not allowed");
	refused("rsync --server -vlogDtprse.iLsfxCIvu . x", "not allowed");
	refused("rsync --server -s . x", "not allowed");
	refused("rsync --server --info=/x . y", "not allowed");
	refused("rsync --server . -x", "looks like an option");
	refused("rsync --server -v x y", "without . PATH");
	refused("rsync --server -v .", "without . PATH");
	refused("rsync -e sh --server . x", "only as rsync --server");
	/* sftp-server. */
	refused("/usr/lib/openssh/sftp-server -l DEBUG3", "no option");
	refused("sftp-server", "absolute path");
	refused("internal-sftp", "absolute path");
	/* Not a transfer at all. */
	refused("sh -i", "not a transfer");
	refused("", "empty");
	refused("   ", "empty");
}

static void
test_shell_argv(void **state)
{
	char **v;

	(void)state;
	v = login_shell_argv("/bin/bash -l", NULL);
	assert_string_equal(v[0], "/bin/bash");
	assert_string_equal(v[1], "-l");
	assert_null(v[2]);
	login_argv_free(v);
	v = login_shell_argv("/bin/sh -l", "echo 'a b'");
	assert_string_equal(v[2], "-c");
	assert_string_equal(v[3], "echo 'a b'");
	assert_null(v[4]);
	login_argv_free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_is_shell),
		cmocka_unit_test(test_kind),
		cmocka_unit_test(test_host_ok),
		cmocka_unit_test(test_host_refused),
		cmocka_unit_test(test_shell_argv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
