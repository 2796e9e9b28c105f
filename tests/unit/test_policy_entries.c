/*
 * test_policy_entries.c: unit tests of the policy's read-only entry
 * walker (policy_nentries, policy_entry in policy.h), which ctr-policy
 * check reads the policy through.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "policy/policy.h"

static struct policy *
load(const char *text)
{
	struct policy_errors errs = { NULL, 0 };
	struct policy *p = NULL;

	assert_int_equal(policy_load_buf(text, strlen(text), "t.ini", &p,
			     &errs),
	    0);
	assert_int_equal(errs.n, 0);
	return p;
}

static const char pol[] =
    "[global]\n"                                         /* 1 */
    "max_total_containers = 8\n"                         /* 2 */
    "[default]\n"                                        /* 3 */
    "images = busybox, docker.io/library/ubuntu:22.04\n" /* 4 */
    "binds = /srv/a\\:b:/mnt/a:ro, %h:%h\n"              /* 5 */
    "network = private\n"                                /* 6 */
    "ports = 8800-8899, 1023\n"                          /* 7 */
    "publish_addresses = 127.0.0.1, 0:0::1\n"            /* 8 */
    "[group:lab]\n"                                      /* 9 */
    "ports = 443\n";                                     /* 10 */

static void
test_lists(void **state)
{
	struct policy *p = load(pol);
	struct policy_entry e;

	(void)state;
	assert_int_equal(policy_nsections(p), 3);
	/* [global] has no list entries. */
	assert_int_equal(policy_nentries(p, 0, POLICY_LIST_IMAGES), 0);
	assert_int_equal(policy_nentries(p, 0, POLICY_LIST_PORTS), 0);

	assert_int_equal(policy_nentries(p, 1, POLICY_LIST_IMAGES), 2);
	assert_int_equal(policy_entry(p, 1, POLICY_LIST_IMAGES, 0, &e), 0);
	assert_int_equal(e.line, 4);
	assert_string_equal(e.text, "busybox:*");
	assert_null(e.dst);
	assert_int_equal(policy_entry(p, 1, POLICY_LIST_IMAGES, 1, &e), 0);
	assert_string_equal(e.text, "ubuntu:22.04");

	assert_int_equal(policy_nentries(p, 1, POLICY_LIST_BINDS), 2);
	assert_int_equal(policy_entry(p, 1, POLICY_LIST_BINDS, 0, &e), 0);
	assert_int_equal(e.line, 5);
	assert_string_equal(e.text, "/srv/a:b");
	assert_string_equal(e.dst, "/mnt/a");
	assert_int_equal(policy_entry(p, 1, POLICY_LIST_BINDS, 1, &e), 0);
	assert_string_equal(e.text, "%h");
	assert_string_equal(e.dst, "%h");

	assert_int_equal(policy_nentries(p, 1, POLICY_LIST_PORTS), 2);
	assert_int_equal(policy_entry(p, 1, POLICY_LIST_PORTS, 0, &e), 0);
	assert_int_equal(e.line, 7);
	assert_null(e.text);
	assert_int_equal(e.lo, 8800);
	assert_int_equal(e.hi, 8899);
	assert_int_equal(policy_entry(p, 1, POLICY_LIST_PORTS, 1, &e), 0);
	assert_int_equal(e.lo, 1023);
	assert_int_equal(e.hi, 1023);

	assert_int_equal(policy_nentries(p, 1, POLICY_LIST_PUBLISH_ADDRS), 2);
	assert_int_equal(policy_entry(p, 1, POLICY_LIST_PUBLISH_ADDRS, 1, &e),
	    0);
	assert_int_equal(e.line, 8);
	assert_string_equal(e.text, "::1");

	assert_int_equal(policy_nentries(p, 2, POLICY_LIST_PORTS), 1);
	assert_int_equal(policy_entry(p, 2, POLICY_LIST_PORTS, 0, &e), 0);
	assert_int_equal(e.line, 10);
	assert_int_equal(e.lo, 443);
	policy_free(p);
}

static void
test_out_of_range(void **state)
{
	struct policy *p = load(pol);
	struct policy_entry e;

	(void)state;
	assert_int_equal(policy_nentries(NULL, 0, POLICY_LIST_IMAGES), 0);
	assert_int_equal(policy_entry(NULL, 0, POLICY_LIST_IMAGES, 0, &e), -1);
	assert_int_equal(policy_nentries(p, 3, POLICY_LIST_IMAGES), 0);
	assert_int_equal(policy_entry(p, 3, POLICY_LIST_IMAGES, 0, &e), -1);
	assert_int_equal(policy_entry(p, 1, POLICY_LIST_IMAGES, 2, &e), -1);
	assert_int_equal(policy_entry(p, 0, POLICY_LIST_PORTS, 0, &e), -1);
	assert_int_equal(policy_nentries(p, 1, (enum policy_list)99), 0);
	assert_int_equal(policy_entry(p, 1, (enum policy_list)99, 0, &e), -1);
	policy_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_out_of_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
