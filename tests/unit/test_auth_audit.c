/*
 * test_auth_audit.c: the pure parts of PAM gating (the environment
 * allowlist, which rlimits the session set) and the audit lines
 * (quoting that no value can break out of, the grant and end formats).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "audit.h"
#include "auth.h"

static void
test_env_allowlist(void **state)
{
	(void)state;
	assert_true(auth_env_allowed("TERM=xterm"));
	assert_true(auth_env_allowed("LANG=C.UTF-8"));
	assert_true(auth_env_allowed("LC_ALL=C"));
	assert_true(auth_env_allowed("LC_TIME=de_DE.UTF-8"));
	assert_false(auth_env_allowed("LD_PRELOAD=/tmp/x.so"));
	assert_false(auth_env_allowed("LANGUAGE=de"));
	assert_false(auth_env_allowed("TERMINFO=/tmp"));
	assert_false(auth_env_allowed("LC_=x"));
	assert_false(auth_env_allowed("TERM"));
	assert_false(auth_env_allowed("PATH=/tmp"));
	assert_false(auth_env_allowed("XDG_SEAT=seat0"));
	assert_false(auth_env_allowed("=TERM"));
}

static void
test_session_rlimits_win(void **state)
{
	struct auth a;
	struct rlimit caller[RLIM_NLIMITS], out[RLIM_NLIMITS];

	(void)state;
	memset(&a, 0, sizeof(a));
	for (int i = 0; i < RLIM_NLIMITS; i++) {
		a.before[i].rlim_cur = a.after[i].rlim_cur = 100 + (rlim_t)i;
		a.before[i].rlim_max = a.after[i].rlim_max = 200 + (rlim_t)i;
		caller[i].rlim_cur = 1000 + (rlim_t)i;
		caller[i].rlim_max = 2000 + (rlim_t)i;
	}
	/* pam_limits set nofile (soft and hard) and the core hard limit. */
	a.after[RLIMIT_NOFILE].rlim_cur = 64;
	a.after[RLIMIT_NOFILE].rlim_max = 128;
	a.after[RLIMIT_CORE].rlim_max = 0;
	auth_diff_rlimits(&a);
	auth_rlimits(&a, caller, out);
	for (int i = 0; i < RLIM_NLIMITS; i++) {
		if (i == RLIMIT_NOFILE || i == RLIMIT_CORE) {
			assert_true(a.changed[i]);
			assert_int_equal(out[i].rlim_cur, a.after[i].rlim_cur);
			assert_int_equal(out[i].rlim_max, a.after[i].rlim_max);
		} else {
			assert_false(a.changed[i]);
			assert_int_equal(out[i].rlim_cur, caller[i].rlim_cur);
			assert_int_equal(out[i].rlim_max, caller[i].rlim_max);
		}
	}
}

static void
test_env_merge(void **state)
{
	char t[] = "TERM=vt100", l[] = "LANG=de_DE.UTF-8", c[] = "LC_TIME=C";
	char bad[] = "LD_PRELOAD=/x.so", p[] = "PATH=/tmp";
	char *pam[] = { t, l, c, bad, p, NULL };
	struct auth a;
	char **env = calloc(3, sizeof(*env));

	(void)state;
	memset(&a, 0, sizeof(a));
	a.env = pam;
	assert_non_null(env);
	env[0] = strdup("TERM=xterm"); /* the caller's: it wins */
	env[1] = strdup("PATH=/bin");
	auth_env_merge(&a, &env);
	assert_string_equal(env[0], "TERM=xterm");
	assert_string_equal(env[1], "PATH=/bin");
	assert_string_equal(env[2], "LANG=de_DE.UTF-8");
	assert_string_equal(env[3], "LC_TIME=C");
	assert_null(env[4]);
	for (size_t i = 0; env[i] != NULL; i++)
		free(env[i]);
	free(env);
}

static void
test_quote(void **state)
{
	char buf[256];

	(void)state;
	buf[0] = '\0';
	audit_quote(buf, sizeof(buf), "/home/a/x\" user=root \\ \n\x7f\xc3");
	assert_string_equal(buf,
	    "\"/home/a/x\\\" user=root \\\\ \\x0a\\x7f\\xc3\"");
	/* Truncation keeps the buffer a string. */
	buf[0] = '\0';
	audit_quote(buf, 8, "abcdefghijkl");
	assert_int_equal(strlen(buf), 7);
}

/* The keys of a key=value line, honouring quotes and escapes. */
static const char *
keys(const char *s)
{
	static char out[256];

	out[0] = '\0';
	while (*s) {
		const char *eq = strchr(s, '=');

		if (eq == NULL)
			break;
		strncat(out, s, (size_t)(eq - s));
		strcat(out, " ");
		s = eq + 1;
		if (*s == '"') {
			for (s++; *s && *s != '"'; s++)
				if (*s == '\\' && s[1])
					s++;
			if (*s)
				s++;
		} else
			while (*s && *s != ' ')
				s++;
		while (*s == ' ')
			s++;
	}
	return out;
}

static void
test_grant_line(void **state)
{
	char name[] = "busybox:latest", digest[] = "sha256:abc";
	char home[] = "/home/alice", evil[] = "/data/x\" event=deny";
	char d[] = "/d";
	struct image_desc img = { .name = name, .digest = digest };
	struct plan_bind binds[2] = {
		{ .src = home, .dst = home, .ro = false },
		{ .src = evil, .dst = d, .ro = true },
	};
	struct launch_plan p;
	char buf[1024];

	(void)state;
	memset(&p, 0, sizeof(p));
	snprintf(p.name, sizeof(p.name), "busy-1");
	p.image = &img;
	p.cpus = 1500;
	p.memory = 1u << 30;
	p.pids = UINT64_MAX;
	p.binds = binds;
	p.nbinds = 2;
	p.net = PLAN_NET_NONE;
	assert_int_equal(audit_format_grant(buf, sizeof(buf), &p), 0);
	assert_string_equal(buf,
	    "event=grant name=\"busy-1\" image=\"busybox:latest\" "
	    "digest=\"sha256:abc\" cpus=1.5 memory=1073741824 pids=max "
	    "seccomp=default network=none "
	    "binds=\"/home/alice:/home/alice:rw,/data/x\\\" event=deny:/d:ro\"");
	/* Read as key=value with quotes, the keys are exactly these. */
	assert_string_equal(keys(buf),
	    "event name image digest cpus memory pids seccomp network binds ");
}

static void
test_end_line(void **state)
{
	struct launch_plan p;
	char buf[256];

	(void)state;
	memset(&p, 0, sizeof(p));
	snprintf(p.name, sizeof(p.name), "c");
	audit_format_end(buf, sizeof(buf), &p, 3, 1.5);
	assert_string_equal(buf,
	    "event=end name=\"c\" status=3 runtime=1.500s");
	audit_format_end(buf, sizeof(buf), &p, 137, 0.25);
	assert_string_equal(buf,
	    "event=end name=\"c\" status=137 signal=9 runtime=0.250s");
	audit_format_end(buf, sizeof(buf), &p, 0, -4);
	assert_string_equal(buf,
	    "event=end name=\"c\" status=0 runtime=0.000s");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env_allowlist),
		cmocka_unit_test(test_session_rlimits_win),
		cmocka_unit_test(test_env_merge),
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_grant_line),
		cmocka_unit_test(test_end_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
