/*
 * test_publish.c: published ports and the docker habits around them: the
 * -p grammar and the policy's grant (policy/publish.c), the policy keys
 * network = private, ports, publish_addresses, publish_access and
 * max_connections (parse.c, eval.c), -p/--network/-u/--format in the
 * command line (helper/args.c), and the -u check (helper/portplan.c).
 * Each MUST of publish.c and portplan.c has a negative case here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "helper/args.h"
#include "helper/filter_rules.h"
#include "helper/plan.h"
#include "policy/policy.h"

static struct ctl_err err;

static int
pp(const char *spec, struct policy_publish *out)
{
	return policy_publish_parse(spec, out, &err);
}

static void
test_publish_parse(void **state)
{
	struct policy_publish v;

	(void)state;
	assert_int_equal(pp("18080:8080", &v), 0);
	assert_string_equal(v.addrtext, "127.0.0.1");
	assert_int_equal(v.hostport, 18080);
	assert_int_equal(v.port, 8080);
	assert_int_equal(v.family, AF_INET);
	assert_true(v.loopback);
	assert_int_equal(pp("0.0.0.0:80:8080/tcp", &v), 0);
	assert_string_equal(v.addrtext, "0.0.0.0");
	assert_false(v.loopback);
	assert_int_equal(pp("127.0.0.2:1:65535", &v), 0);
	assert_true(v.loopback);
	assert_int_equal(pp("[::1]:8888:8888", &v), 0);
	assert_int_equal(v.family, AF_INET6);
	assert_string_equal(v.addrtext, "::1");
	assert_true(v.loopback);
	assert_int_equal(pp("[0:0::1]:8888:8888", &v), 0);
	assert_string_equal(v.addrtext, "::1");
	assert_int_equal(pp(":8888:8888", &v), 0);
	assert_string_equal(v.addrtext, "127.0.0.1");
}

static void
test_publish_parse_refused(void **state)
{
	static const char *const bad[] = { "8080", "", ":", "8080:", ":8080",
		"0:80", "80:0", "65536:80", "80:65536", "080:80", "+80:80",
		" 80:80", "80:80 ", "80-81:80", "1.2.3:80:80",
		"1.2.3.4.5:80:80", "::1:80:80", "[127.0.0.1]:80:80",
		"[::1]80:80", "[::1:80:80", "localhost:80:80", "80:80/",
		"80:80/TCP", "80:80/tcp/udp", "1:2:3:4",
		"99999999999999999999:80" };
	struct policy_publish v;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (pp(bad[i], &v) == 0)
			fail_msg("-p %s accepted", bad[i]);
	assert_int_equal(pp("80:80/udp", &v), -1);
	assert_non_null(strstr(err.msg, "udp"));
	assert_non_null(strstr(err.msg, "not supported"));
	assert_int_equal(pp("80:80/sctp", &v), -1);
}

static void
test_port_range(void **state)
{
	uint16_t lo, hi;

	(void)state;
	assert_int_equal(policy_port_range("8800-8899", &lo, &hi), 0);
	assert_int_equal(lo, 8800);
	assert_int_equal(hi, 8899);
	assert_int_equal(policy_port_range("9000", &lo, &hi), 0);
	assert_int_equal(lo, 9000);
	assert_int_equal(hi, 9000);
	assert_int_equal(policy_port_range("9000-8999", &lo, &hi), -1);
	assert_int_equal(policy_port_range("0-10", &lo, &hi), -1);
	assert_int_equal(policy_port_range("1-65536", &lo, &hi), -1);
	assert_int_equal(policy_port_range("*", &lo, &hi), -1);
	assert_int_equal(policy_port_range("80-", &lo, &hi), -1);
	assert_int_equal(policy_port_range("-80", &lo, &hi), -1);
	assert_int_equal(policy_port_range("8 0", &lo, &hi), -1);
}

/* Loopback is 127.0.0.0/8 and ::1, for -p and for ctr-policy's warning. */
static void
test_addr_loopback(void **state)
{
	struct policy_publish v;
	struct ctl_err e;

	(void)state;
	assert_true(policy_addr_loopback("127.0.0.1"));
	assert_true(policy_addr_loopback("127.0.0.2"));
	assert_true(policy_addr_loopback("127.255.255.254"));
	assert_true(policy_addr_loopback("::1"));
	assert_false(policy_addr_loopback("0.0.0.0"));
	assert_false(policy_addr_loopback("128.0.0.1"));
	assert_false(policy_addr_loopback("10.127.0.1"));
	assert_false(policy_addr_loopback("::"));
	assert_false(policy_addr_loopback("::ffff:127.0.0.1"));
	assert_false(policy_addr_loopback("127.0.0"));
	assert_false(policy_addr_loopback(""));
	assert_int_equal(policy_publish_parse("127.0.0.9:8080:80", &v, &e), 0);
	assert_true(v.loopback);
	assert_int_equal(policy_publish_parse("[::1]:8080:80", &v, &e), 0);
	assert_true(v.loopback);
	assert_int_equal(policy_publish_parse("10.0.0.1:8080:80", &v, &e), 0);
	assert_false(v.loopback);
}

static struct policy *
load(const char *text)
{
	struct policy_errors errs = { NULL, 0 };
	struct policy *p = NULL;

	if (policy_load_buf(text, strlen(text), "t.ini", &p, &errs) != 0) {
		for (size_t i = 0; i < errs.n; i++)
			print_error("t.ini:%d: %s\n", errs.v[i].line,
			    errs.v[i].msg);
		policy_errors_free(&errs);
		return NULL;
	}
	return p;
}

/* The policy of the last eval() (EFF's "from" strings point into it). */
static struct policy *last;

static void
drop(struct policy_eff *eff)
{
	policy_eff_free(eff);
	policy_free(last);
	last = NULL;
}

/* Evaluates TEXT for user "alice" (uid 1000) in groups alice and G. */
static void
eval(const char *text, const char *g, struct policy_eff *eff)
{
	gid_t gids[2] = { 1000, 2000 };
	const char *names[2] = { "alice", g };
	struct policy_ident id = { 1000, "alice", "/home/alice", 1000,
		g ? 2 : 1, gids, names };
	struct ctl_err e;
	struct policy *p = load(text);

	assert_non_null(p);
	assert_int_equal(policy_eval(p, &id, eff, &e), 0);
	last = p;
}

static void
test_policy_keys(void **state)
{
	struct policy_eff eff;

	(void)state;
	eval("[default]\nimages = busybox\n", NULL, &eff);
	assert_false(eff.net_private);
	assert_int_equal(eff.nports, 0);
	assert_int_equal(eff.npublish_addrs, 1);
	assert_string_equal(eff.publish_addrs[0].addr, "127.0.0.1");
	assert_int_equal(eff.publish_access, POLICY_ACCESS_OWNER);
	assert_int_equal(eff.max_connections.v, 256);
	drop(&eff);

	eval("[default]\nimages = busybox\nnetwork = private\n"
	     "ports = 8800-8899\nports = 9000\n"
	     "publish_addresses = 127.0.0.1, ::1\npublish_access = any\n"
	     "max_connections = 10\n"
	     "[group:lab]\nports = 443\npublish_addresses = 10.0.0.1\n"
	     "publish_access = owner\nmax_connections = 20\n",
	    "lab", &eff);
	assert_true(eff.net_private);
	assert_int_equal(eff.nports, 3);
	assert_int_equal(eff.ports[2].lo, 443);
	assert_string_equal(eff.ports[2].from, "[group:lab]");
	/* 127.0.0.1 once, then ::1 and 10.0.0.1. */
	assert_int_equal(eff.npublish_addrs, 3);
	assert_string_equal(eff.publish_addrs[1].addr, "::1");
	assert_string_equal(eff.publish_addrs[2].addr, "10.0.0.1");
	/* A group's owner beats [default]'s any; the largest number wins. */
	assert_int_equal(eff.publish_access, POLICY_ACCESS_OWNER);
	assert_int_equal(eff.max_connections.v, 20);
	drop(&eff);

	eval("[default]\nimages = busybox\npublish_access = owner\n"
	     "[user:alice]\npublish_access = any\n",
	    NULL, &eff);
	assert_int_equal(eff.publish_access, POLICY_ACCESS_ANY);
	drop(&eff);
}

static void
test_policy_keys_refused(void **state)
{
	static const char *const bad[] = {
		"[default]\nimages = busybox\nnetwork = bridge\n",
		"[default]\nimages = busybox\nports = 0\n",
		"[default]\nimages = busybox\nports = 9000-8000\n",
		"[default]\nimages = busybox\nports = *\n",
		"[default]\nimages = busybox\nports = 1-65536\n",
		"[default]\nimages = busybox\npublish_addresses = host\n",
		"[default]\nimages = busybox\npublish_addresses = 1.2.3.4:80\n",
		"[default]\nimages = busybox\npublish_access = all\n",
		"[default]\nimages = busybox\nmax_connections = 0\n",
		"[default]\nimages = busybox\nmax_connections = 100000\n",
		"[default]\nimages = busybox\nmax_connections = 1\n"
		"max_connections = 2\n",
		"[global]\nports = 80\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct policy_errors errs = { NULL, 0 };
		struct policy *p = NULL;

		if (policy_load_buf(bad[i], strlen(bad[i]), "t.ini", &p,
			&errs) == 0)
			fail_msg("accepted: %s", bad[i]);
		assert_true(errs.n > 0);
		policy_errors_free(&errs);
	}
}

static int
check(const char *text, const char *spec1, const char *spec2)
{
	struct policy_publish v[2];
	struct policy_eff eff;
	size_t n = 0;
	int rc;

	eval(text, NULL, &eff);
	assert_int_equal(pp(spec1, &v[n++]), 0);
	if (spec2 != NULL)
		assert_int_equal(pp(spec2, &v[n++]), 0);
	rc = policy_publish_check(&eff, v, n, &err);
	drop(&eff);
	return rc;
}

static void
test_publish_check(void **state)
{
	const char *pol = "[default]\nimages = busybox\nnetwork = private\n"
			  "ports = 8800-8899, 1023\n"
			  "publish_addresses = 0.0.0.0\n";

	(void)state;
	assert_int_equal(check(pol, "8800:80", "8899:81"), 0);
	assert_int_equal(check(pol, "0.0.0.0:8800:80", NULL), 0);
	assert_int_equal(check(pol, "1023:80", NULL), 0);
	/* Outside the grant, on either side of a range. */
	assert_int_equal(check(pol, "8799:80", NULL), -1);
	assert_non_null(strstr(err.msg, "host port 8799"));
	assert_int_equal(check(pol, "8900:80", NULL), -1);
	/* Below 1024 only where an entry names it. */
	assert_int_equal(check(pol, "1022:80", NULL), -1);
	assert_int_equal(check(pol, "80:80", NULL), -1);
	/* Addresses exactly: 0.0.0.0 grants no other address. */
	assert_int_equal(check(pol, "10.1.2.3:8800:80", NULL), -1);
	assert_non_null(strstr(err.msg, "address 10.1.2.3"));
	assert_int_equal(check(pol, "[::]:8800:80", NULL), -1);
	assert_int_equal(check(pol, "[::1]:8800:80", NULL), -1);
	/* Twice, even on two addresses. */
	assert_int_equal(check(pol, "8800:80", "8800:81"), -1);
	assert_non_null(strstr(err.msg, "requested twice"));
	assert_int_equal(check(pol, "8800:80", "0.0.0.0:8800:81"), -1);
	/* No ports granted: none. */
	assert_int_equal(check("[default]\nimages = busybox\n", "8800:80",
			     NULL),
	    -1);
}

static int
parse_v(struct args_request *req, const char *const *v)
{
	int n = 0;
	char **c;
	int rc;

	while (v[n] != NULL)
		n++;
	c = calloc((size_t)n + 1, sizeof(char *));
	assert_non_null(c);
	for (int i = 0; i < n; i++)
		c[i] = strdup(v[i]);
	rc = args_parse(n, c, req, &err);
	for (int i = 0; i < n; i++)
		free(c[i]);
	free(c);
	return rc;
}

#define PARSE(req, ...) \
	parse_v((req), (const char *const[]){ __VA_ARGS__, NULL })

static void
test_args(void **state)
{
	struct args_request r;

	(void)state;
	assert_int_equal(PARSE(&r, "ctl", "run", "-p", "18080:8080", "-p",
			     "127.0.0.1:18081:8081/tcp", "--publish=18082:1",
			     "busybox"),
	    0);
	assert_int_equal(r.npublish, 3);
	assert_int_equal(r.net, ARGS_NET_PRIVATE);
	assert_int_equal(r.publish[1].hostport, 18081);
	args_free(&r);
	assert_int_equal(PARSE(&r, "ctl", "run", "--network", "private",
			     "busybox"),
	    0);
	assert_int_equal(r.net, ARGS_NET_PRIVATE);
	assert_int_equal(r.npublish, 0);
	args_free(&r);
	/* -p with host or none: refused, whichever comes first. */
	assert_int_equal(PARSE(&r, "ctl", "run", "--network", "host", "-p",
			     "1:2", "busybox"),
	    -1);
	assert_non_null(strstr(err.msg, "--network host"));
	assert_int_equal(PARSE(&r, "ctl", "run", "-p", "1:2", "--network",
			     "none", "busybox"),
	    -1);
	assert_int_equal(PARSE(&r, "ctl", "run", "-p", "1:2/udp", "busybox"),
	    -1);
	assert_int_equal(PARSE(&r, "ctl", "run", "--network", "bridge",
			     "busybox"),
	    -1);
	/* After IMAGE, -p is the command's. */
	assert_int_equal(PARSE(&r, "ctl", "run", "busybox", "-p", "1:2"), 0);
	assert_int_equal(r.npublish, 0);
	assert_int_equal(r.net, ARGS_NET_DEFAULT);
	args_free(&r);
	/* -u kept as written (the plan checks it); once only. */
	assert_int_equal(PARSE(&r, "ctl", "run", "-u", "1000:1000", "busybox"),
	    0);
	assert_string_equal(r.user, "1000:1000");
	args_free(&r);
	assert_int_equal(PARSE(&r, "ctl", "run", "-u", "1", "--user", "1",
			     "busybox"),
	    -1);
	/* --format json for images and info only. */
	assert_int_equal(PARSE(&r, "ctl", "images", "--format", "json"), 0);
	assert_true(r.json);
	args_free(&r);
	assert_int_equal(PARSE(&r, "ctl", "info", "--format=json"), 0);
	assert_true(r.json);
	args_free(&r);
	assert_int_equal(PARSE(&r, "ctl", "info", "--format", "yaml"), -1);
	assert_int_equal(PARSE(&r, "ctl", "images", "--format"), -1);
	assert_int_equal(PARSE(&r, "ctl", "version", "--format", "json"), -1);
}

static void
test_args_publish_bounded(void **state)
{
	const char *v[2 * (POLICY_PUBLISH_MAX + 1) + 4];
	char specs[POLICY_PUBLISH_MAX + 1][16];
	struct args_request r;
	int n = 0;

	(void)state;
	v[n++] = "ctl";
	v[n++] = "run";
	for (int i = 0; i <= POLICY_PUBLISH_MAX; i++) {
		snprintf(specs[i], sizeof(specs[i]), "%d:80", 10000 + i);
		v[n++] = "-p";
		v[n++] = specs[i];
	}
	v[n++] = "busybox";
	v[n] = NULL;
	assert_int_equal(parse_v(&r, v), -1);
	assert_non_null(strstr(err.msg, "more than"));
}

static void
test_user_check(void **state)
{
	(void)state;
	assert_int_equal(portplan_user_check("1000", 1000, "alice", 1000,
			     "alice", &err),
	    0);
	assert_int_equal(portplan_user_check("1000:1000", 1000, "alice", 1000,
			     "alice", &err),
	    0);
	assert_int_equal(portplan_user_check("alice:alice", 1000, "alice", 1000,
			     "alice", &err),
	    0);
	assert_int_equal(portplan_user_check("alice:1000", 1000, "alice", 1000,
			     "staff", &err),
	    0);
	static const char *const bad[] = { "0", "root", "1001", "1000:0",
		"1000:root", "alice:", ":1000", "", "01000x", "1000 ", "bob",
		"1000:1000:1000", "4294968296", "alic", "alice2" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (portplan_user_check(bad[i], 1000, "alice", 1000, "alice",
			&err) == 0)
			fail_msg("-u %s accepted", bad[i]);
	assert_int_equal(portplan_user_check("0", 1000, "alice", 1000, "alice",
			     &err),
	    -1);
	assert_non_null(strstr(err.msg,
	    "ctr-launch always runs you as yourself (uid 1000"));
}

/* The forwarder's filter (filter.c): an allowlist, anything else kills. */
static void
test_forwarder_filter(void **state)
{
	static const char *const absent[] = { "\"execve\"", "\"execveat\"",
		"\"open\"", "\"openat\"", "\"ptrace\"", "\"setns\"",
		"\"unshare\"", "\"clone\"", "\"clone3\"", "\"fork\"",
		"\"kill\"", "\"bind\"", "\"listen\"", "\"ioctl\"", "\"setuid\"",
		"\"mount\"", "\"chdir\"" };
	static const char *const present[] = { "\"splice\"", "\"accept4\"",
		"\"connect\"", "\"epoll_wait\"", "\"shutdown\"", "\"socket\"",
		"\"mmap\"" };
	scmp_filter_ctx ctx = NULL;
	int fd = memfd_create("pfc", MFD_CLOEXEC);
	char *pfc;
	off_t n;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(filter_build_forwarder(&ctx), 0);
	assert_int_equal(filter_export_pfc(ctx, fd), 0);
	filter_free(ctx);
	n = lseek(fd, 0, SEEK_END);
	assert_true(n > 0);
	pfc = calloc(1, (size_t)n + 1);
	assert_non_null(pfc);
	assert_int_equal(pread(fd, pfc, (size_t)n, 0), n);
	close(fd);
	assert_non_null(
	    strstr(pfc, "# default action\n  action KILL_PROCESS;"));
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		if (strstr(pfc, absent[i]) != NULL)
			fail_msg("%s is in the forwarder's filter", absent[i]);
	for (size_t i = 0; i < sizeof(present) / sizeof(present[0]); i++)
		if (strstr(pfc, present[i]) == NULL)
			fail_msg("%s is not in the forwarder's filter",
			    present[i]);
	free(pfc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_publish_parse),
		cmocka_unit_test(test_publish_parse_refused),
		cmocka_unit_test(test_port_range),
		cmocka_unit_test(test_addr_loopback),
		cmocka_unit_test(test_policy_keys),
		cmocka_unit_test(test_policy_keys_refused),
		cmocka_unit_test(test_publish_check),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_args_publish_bounded),
		cmocka_unit_test(test_user_check),
		cmocka_unit_test(test_forwarder_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
