/*
 * test_plan.c: the pure pieces of the launch plan (helper/plan.c) and the
 * payload's command resolution (helper/init.c).
 *
 * Negative tests: Docker's Entrypoint/Cmd rule, the working-directory
 * choice (never a caller cwd the container cannot see at the same path),
 * default names and hostnames valid whatever the user name, reserved bind
 * destinations refused, and 126/127 from the exec without a shell.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "helper/args.h"
#include "helper/env.h"
#include "helper/init.h"
#include "helper/log.h"
#include "helper/plan.h"
#include "helper/planrules.h"
#include "helper/reserved.h"

static struct ctl_err errbuf;

/* Writable strings (-Wwrite-strings makes literals const). */
static char s_entry[] = "/entry", s_x[] = "-x", s_run[] = "run", s_it[] = "it";
static char s_sh[] = "sh", s_c[] = "-c", s_id[] = "id", s_empty[] = "";
static char s_home[] = "/home/alice", s_data[] = "/data", s_mnt[] = "/mnt";
static char *img_ep[] = { s_entry, s_x, NULL };
static char *img_cmd[] = { s_run, s_it, NULL };
static char *user_cmd[] = { s_sh, s_c, s_id, NULL };

static void
expect_argv(char **got, const char *const *want)
{
	size_t i = 0;

	assert_non_null(got);
	for (; want[i] != NULL; i++) {
		assert_non_null(got[i]);
		assert_string_equal(got[i], want[i]);
	}
	assert_null(got[i]);
	env_free(got);
}

static void
test_argv_docker_rules(void **state)
{
	/* Image defaults: Entrypoint + Cmd. */
	expect_argv(plan_argv(img_ep, img_cmd, false, "", NULL, 0, &errbuf),
	    (const char *[]){ "/entry", "-x", "run", "it", NULL });
	/* COMMAND replaces Cmd, keeps Entrypoint. */
	expect_argv(plan_argv(img_ep, img_cmd, false, "", user_cmd, 3, &errbuf),
	    (const char *[]){ "/entry", "-x", "sh", "-c", "id", NULL });
	/* --entrypoint replaces Entrypoint and drops the image's Cmd. */
	expect_argv(plan_argv(img_ep, img_cmd, true, "/bin/ls", NULL, 0,
			&errbuf),
	    (const char *[]){ "/bin/ls", NULL });
	expect_argv(plan_argv(img_ep, img_cmd, true, "/bin/ls", user_cmd, 3,
			&errbuf),
	    (const char *[]){ "/bin/ls", "sh", "-c", "id", NULL });
	/* --entrypoint "" resets it: Cmd (or COMMAND) alone. */
	expect_argv(plan_argv(img_ep, img_cmd, true, "", NULL, 0, &errbuf),
	    (const char *[]){ "run", "it", NULL });
	expect_argv(plan_argv(img_ep, img_cmd, true, "", user_cmd, 3, &errbuf),
	    (const char *[]){ "sh", "-c", "id", NULL });
	/* No Entrypoint in the image. */
	expect_argv(plan_argv(NULL, img_cmd, false, "", NULL, 0, &errbuf),
	    (const char *[]){ "run", "it", NULL });
}

static void
test_argv_empty(void **state)
{
	char *empty[] = { s_empty, NULL };

	assert_null(plan_argv(NULL, NULL, false, "", NULL, 0, &errbuf));
	assert_non_null(strstr(errbuf.msg, "no command"));
	assert_null(plan_argv(NULL, NULL, true, "", NULL, 0, &errbuf));
	assert_null(plan_argv(NULL, empty, false, "", NULL, 0, &errbuf));
	assert_non_null(strstr(errbuf.msg, "empty"));
}

static void
test_workdir(void **state)
{
	struct plan_bind binds[] = {
		{ s_home, s_home, POLICY_MODE_DEFAULT, false, false },
		{ s_data, s_mnt, POLICY_MODE_DEFAULT, false, true },
	};

	assert_string_equal(plan_workdir("/w", "/img", "/home/alice", binds, 2),
	    "/w");
	assert_string_equal(plan_workdir(NULL, "/img", "/home/alice", binds, 2),
	    "/img");
	assert_string_equal(plan_workdir(NULL, NULL, "/home/alice/p", binds, 2),
	    "/home/alice/p");
	/* Visible, but at another path: not the same directory. */
	assert_string_equal(plan_workdir(NULL, NULL, "/data/x", binds, 2), "/");
	assert_string_equal(plan_workdir(NULL, NULL, "/mnt/x", binds, 2), "/");
	/* Not visible at all; component, not string, prefixes. */
	assert_string_equal(plan_workdir(NULL, NULL, "/home/alicex", binds, 2),
	    "/");
	assert_string_equal(plan_workdir(NULL, NULL, "/etc", binds, 2), "/");
	assert_string_equal(plan_workdir(NULL, NULL, NULL, binds, 2), "/");
	/* A malformed image WorkingDir is ignored. */
	assert_string_equal(plan_workdir(NULL, "rel/dir", "/etc", binds, 2),
	    "/");
	assert_string_equal(plan_workdir(NULL, "/a/../b", "/etc", binds, 2),
	    "/");
}

static void
test_names(void **state)
{
	static const char *users[] = {
		"alice", "Bob.Smith", "_svc", "x$y", "-dash", "",
		"a-very-long-user-name-that-goes-on-and-on-and-on-forever-more"
	};
	unsigned char rnd[3] = { 0xab, 0x01, 0xff };
	char name[PLAN_NAME_MAX + 1], host[PLAN_NAME_MAX + 1];

	plan_default_name("alice", rnd, name);
	assert_string_equal(name, "alice-ab01ff");
	for (size_t i = 0; i < sizeof(users) / sizeof(*users); i++) {
		plan_default_name(users[i], rnd, name);
		if (!args_valid_name(name))
			fail_msg("invalid default name '%s' for '%s'", name,
			    users[i]);
		plan_hostname(name, host);
		if (!args_valid_hostname(host))
			fail_msg("invalid hostname '%s' for '%s'", host, name);
	}
	plan_hostname("web_1.x", host);
	assert_string_equal(host, "web-1-x");
	plan_hostname("a..", host);
	assert_string_equal(host, "a");
	plan_hostname("...", host);
	assert_string_equal(host, "container");
}

static void
test_dst(void **state)
{
	static const char *bad[] = { "/", "/proc", "/proc/sys", "/sys/x",
		"/dev", "/dev/shm", "/etc", "/etc/passwd", "/etc/group",
		"/etc/hosts", "/etc/resolv.conf", "relative", "/a/../proc",
		"/a//b", "/a/" };
	static const char *good[] = { "/work", "/etc/app", "/devices",
		"/process", "/home/alice", "/tmp", "/etc/passwd.d" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		if (plan_check_dst(bad[i], &errbuf) == 0)
			fail_msg("destination %s accepted", bad[i]);
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
		if (plan_check_dst(good[i], &errbuf) != 0)
			fail_msg("destination %s refused: %s", good[i],
			    errbuf.msg);
}

/* One list for P0's string check and P1's resolved-path check. */
static void
test_dst_reserved(void **state)
{
	static const struct {
		const char *path, *r;
		bool file;
	} t[] = {
		{ "/proc", "/proc", false },
		{ "/proc/sys", "/proc", false },
		{ "/sys/fs/cgroup", "/sys", false },
		{ "/dev/pts", "/dev", false },
		{ "/etc", "/etc/passwd", true },
		{ "/etc/passwd", "/etc/passwd", true },
		{ "/etc/group", "/etc/group", true },
		{ "/etc/resolv.conf", "/etc/resolv.conf", true },
		{ "/etc/hosts", "/etc/hosts", true },
		{ "/procx", NULL, false },
		{ "/etc/hosts.allow", NULL, false },
		{ "/devices", NULL, false },
		{ "/home/a/proc", NULL, false },
	};
	bool file;

	for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++) {
		const char *r = reserved_dst(t[i].path, &file);

		if ((r == NULL) != (t[i].r == NULL) ||
		    (r != NULL &&
			(strcmp(r, t[i].r) != 0 || file != t[i].file)))
			fail_msg("%s: %s", t[i].path, r ? r : "not reserved");
	}
}

static void
test_exec_codes(void **state)
{
	char dir[] = "/tmp/test_plan.XXXXXX", path[128], envpath[160];
	char nf[] = "no-such-cmd-xyz", abs[] = "/nonexistent/cmd";
	char plain[] = "plainfile";
	char *argv_nf[] = { nf, NULL };
	char *argv_abs[] = { abs, NULL };
	char *argv_noexec[] = { plain, NULL };
	char *env[] = { envpath, NULL };
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/plainfile", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("not a program\n", f);
	fclose(f);
	chmod(path, 0644);
	snprintf(envpath, sizeof(envpath), "PATH=/nonexistent:%s", dir);

	assert_int_equal(init_exec(argv_nf, env, &errbuf), CTL_EXIT_NOTFOUND);
	assert_non_null(strstr(errbuf.msg, "command not found"));
	assert_int_equal(init_exec(argv_abs, env, &errbuf), CTL_EXIT_NOTFOUND);
	/* Found but not executable: 126, and no shell fallback. */
	assert_int_equal(init_exec(argv_noexec, env, &errbuf), CTL_EXIT_NOEXEC);
	chmod(path, 0755);
	/* Executable text without #!: ENOEXEC, still 126 (no sh). */
	assert_int_equal(init_exec(argv_noexec, env, &errbuf), CTL_EXIT_NOEXEC);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_argv_docker_rules),
		cmocka_unit_test(test_argv_empty),
		cmocka_unit_test(test_workdir),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_dst),
		cmocka_unit_test(test_dst_reserved),
		cmocka_unit_test(test_exec_codes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
