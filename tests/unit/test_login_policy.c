/*
 * test_login_policy.c: the login keys of the policy (policy/login.c):
 * login, login_image, login_shell, transfer.
 *
 * Each MUST has a negative case: login defaults to no and a group's no
 * wins; disagreeing groups are an error for the caller; [user:] decides;
 * bad values, repeats and the keys in [global] are rejected.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "policy/policy.h"

static char err[256];

static const char *const gn2[] = { "users", "ga", "gb" };
static const gid_t gids2[] = { 100, 200, 300 };
static const struct policy_ident alice = { 1000, "alice", "/home/alice", 100, 3,
	gids2, gn2 };

static int
eval(const char *text, struct policy_eff *eff, struct ctl_err *e)
{
	struct policy *p = NULL;
	struct policy_errors errs = { NULL, 0 };
	int r;

	if (policy_load_buf(text, strlen(text), "t.ini", &p, &errs) != 0) {
		for (size_t i = 0; i < errs.n; i++)
			snprintf(err, sizeof(err), "%d: %.200s", errs.v[i].line,
			    errs.v[i].msg);
		policy_errors_free(&errs);
		return -2;
	}
	memset(e, 0, sizeof(*e));
	r = policy_eval(p, &alice, eff, e);
	/* The eff's strings point into the policy: compare, then free. */
	if (r == 0) {
		static char img[300], sh[300];

		snprintf(img, sizeof(img), "%s",
		    eff->login_image ? eff->login_image : "");
		snprintf(sh, sizeof(sh), "%s", eff->login_shell);
		bool login = eff->login;
		enum policy_transfer tr = eff->transfer;

		policy_eff_free(eff);
		eff->login = login;
		eff->transfer = tr;
		eff->login_image = img;
		eff->login_shell = sh;
	}
	policy_free(p);
	return r;
}

static void
test_policy_defaults(void **state)
{
	struct policy_eff eff;
	struct ctl_err e;

	(void)state;
	assert_int_equal(eval("[default]\nimages = busybox\n", &eff, &e), 0);
	assert_false(eff.login);
	assert_string_equal(eff.login_image, "");
	assert_string_equal(eff.login_shell, POLICY_LOGIN_SHELL);
	assert_int_equal(eff.transfer, POLICY_TRANSFER_CONTAINER);
}

static void
test_policy_merge(void **state)
{
	struct policy_eff eff;
	struct ctl_err e;

	(void)state;
	/* Groups that agree; [default] below them. */
	assert_int_equal(eval("[default]\nimages = busybox\nlogin = yes\n"
			      "login_image = alpine\ntransfer = deny\n"
			      "[group:ga]\nlogin_image = busybox:1\n"
			      "transfer = host\n"
			      "[group:gb]\nlogin_image = busybox:1\n",
			     &eff, &e),
	    0);
	assert_true(eff.login);
	assert_string_equal(eff.login_image, "busybox:1");
	assert_int_equal(eff.transfer, POLICY_TRANSFER_HOST);
	/* Groups that disagree: an error for that caller. */
	assert_int_equal(eval("[default]\nimages = busybox\n"
			      "[group:ga]\ntransfer = host\n"
			      "[group:gb]\ntransfer = deny\n",
			     &eff, &e),
	    -1);
	assert_non_null(strstr(e.msg, "transfer disagrees between"));
	assert_int_equal(eval("[default]\nimages = busybox\n"
			      "[group:ga]\nlogin_shell = /bin/sh -l\n"
			      "[group:gb]\nlogin_shell = /bin/bash -l\n",
			     &eff, &e),
	    -1);
	/* [user:] settles it. */
	assert_int_equal(eval("[default]\nimages = busybox\n"
			      "[group:ga]\ntransfer = host\n"
			      "[group:gb]\ntransfer = deny\n"
			      "[user:alice]\ntransfer = container\n",
			     &eff, &e),
	    0);
	assert_int_equal(eff.transfer, POLICY_TRANSFER_CONTAINER);
	/* login: one group's no wins over another's yes and [default]. */
	assert_int_equal(eval("[default]\nimages = busybox\nlogin = yes\n"
			      "[group:ga]\nlogin = yes\n"
			      "[group:gb]\nlogin = no\n",
			     &eff, &e),
	    0);
	assert_false(eff.login);
	assert_int_equal(eval("[default]\nimages = busybox\n"
			      "[group:gb]\nlogin = no\n"
			      "[user:alice]\nlogin = yes\n",
			     &eff, &e),
	    0);
	assert_true(eff.login);
}

static void
test_policy_bad_values(void **state)
{
	struct policy_eff eff;
	struct ctl_err e;
	static const char *const bad[] = {
		"login = maybe",
		"transfer = both",
		"login_image = busy*",
		"login_image = UPPER",
		"login_shell = bin/sh",
		"login_shell = /bin/sh  -l",
		"login_shell = /bin/../sh",
		"login_shell = /a b c d e f g h i j k l m n o p q",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[300];

		snprintf(text, sizeof(text),
		    "[default]\nimages = busybox\n%s\n", bad[i]);
		if (eval(text, &eff, &e) != -2)
			fail_msg("accepted: %s", bad[i]);
	}
	/* Repeated in one section. */
	assert_int_equal(eval("[default]\nimages = busybox\nlogin = yes\n"
			      "login = no\n",
			     &eff, &e),
	    -2);
	/* A host-wide section has no login keys. */
	assert_int_equal(eval("[global]\nlogin = yes\n[default]\nimages = "
			      "busybox\n",
			     &eff, &e),
	    -2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_defaults),
		cmocka_unit_test(test_policy_merge),
		cmocka_unit_test(test_policy_bad_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
