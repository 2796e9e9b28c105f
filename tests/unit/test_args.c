/*
 * test_args.c: the command-line parser (helper/args.c).
 *
 * Each MUST of args.c has a negative case here: options after IMAGE or
 * "--" are the command's, malformed values and unknown options fail the
 * whole parse, numbers are strict, lengths and counts are bounded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helper/args.h"

#define PARSE(req, ...) \
	parse_v((req), (const char *const[]){ __VA_ARGS__, NULL })

static struct ctl_err errbuf;

/* args_parse() on a writable copy of V (string literals are const). */
static int
parse_n(int n, const char *const *v, struct args_request *req)
{
	char **c = calloc((size_t)n + 1, sizeof(char *));
	int rc;

	assert_non_null(c);
	for (int i = 0; i < n; i++)
		assert_non_null(c[i] = strdup(v[i]));
	rc = args_parse(n, c, req, &errbuf);
	for (int i = 0; i < n; i++)
		free(c[i]);
	free(c);
	return rc;
}

static int
parse_v(struct args_request *req, const char *const *v)
{
	int n = 0;

	while (v[n] != NULL)
		n++;
	return parse_n(n, v, req);
}

static void
ok_parse(struct args_request *req, int rc)
{
	if (rc != 0)
		fail_msg("unexpected refusal: %s", errbuf.msg);
}

static void
bad(const char *const *v, const char *needle)
{
	struct args_request r;

	if (parse_v(&r, v) == 0) {
		args_free(&r);
		fail_msg("accepted: %s ...", v[2] ? v[2] : v[1]);
	}
	if (needle != NULL && strstr(errbuf.msg, needle) == NULL)
		fail_msg("error '%s' lacks '%s'", errbuf.msg, needle);
}

#define BAD(needle, ...) \
	bad((const char *const[]){ __VA_ARGS__, NULL }, (needle))

static void
test_subcommands(void **state)
{
	struct args_request r;

	ok_parse(&r, PARSE(&r, "ctr-launch", "images"));
	assert_int_equal(r.cmd, ARGS_CMD_IMAGES);
	ok_parse(&r, PARSE(&r, "ctr-launch", "info"));
	assert_int_equal(r.cmd, ARGS_CMD_INFO);
	ok_parse(&r, PARSE(&r, "ctr-launch", "version"));
	assert_int_equal(r.cmd, ARGS_CMD_VERSION);
	ok_parse(&r, PARSE(&r, "ctr-launch", "--help"));
	assert_int_equal(r.cmd, ARGS_CMD_HELP);
	ok_parse(&r, PARSE(&r, "ctr-launch", "run", "--help"));
	assert_int_equal(r.cmd, ARGS_CMD_HELP);
	args_free(&r);
	ok_parse(&r, PARSE(&r, "ctr-launch", "images", "--help"));
	assert_int_equal(r.cmd, ARGS_CMD_HELP);
	ok_parse(&r, PARSE(&r, "ctr-launch", "info", "-h"));
	assert_int_equal(r.cmd, ARGS_CMD_HELP);
	ok_parse(&r, PARSE(&r, "ctr-launch", "version", "--help"));
	assert_int_equal(r.cmd, ARGS_CMD_HELP);
	BAD("takes no arguments", "ctr-launch", "version", "--help", "x");
	BAD("no command", "ctr-launch");
	BAD("unknown command", "ctr-launch", "exec");
	BAD("unknown command", "ctr-launch", "--bogus");
	BAD("takes no arguments", "ctr-launch", "images", "x");
	BAD("takes no arguments", "ctr-launch", "info", "--all");
}

static void
test_empty_argv(void **state)
{
	struct args_request r;
	char *none[] = { NULL };

	assert_int_equal(args_parse(0, none, &r, &errbuf), -1);
	assert_non_null(strstr(errbuf.msg, "empty argument vector"));
}

/* docker's --net, --init and --read-only: the same plan as without. */
static void
test_docker_names(void **state)
{
	struct args_request r;

	ok_parse(&r,
	    PARSE(&r, "ctr-launch", "run", "--net=none", "--init",
		"--read-only", "img", "true"));
	assert_int_equal(r.net, ARGS_NET_NONE);
	assert_false(r.interactive || r.tty || r.rm || r.detach || r.dry_run);
	assert_string_equal(r.image, "img");
	assert_string_equal(r.command[0], "true");
	args_free(&r);
	ok_parse(&r, PARSE(&r, "ctr-launch", "run", "--net", "host", "img"));
	assert_int_equal(r.net, ARGS_NET_HOST);
	args_free(&r);
	BAD("--init", "ctr-launch", "run", "--init=yes", "img");
}

static void
test_run_all_options(void **state)
{
	struct args_request r;

	ok_parse(&r,
	    PARSE(&r, "ctr-launch", "run", "-i", "-t", "--rm", "--name", "box1",
		"-v", "/home/a:/work", "--volume=/data:/data:ro", "-e", "A=1",
		"--env", "B", "--env-file", "f.env", "--env-file=g.env", "-w",
		"/work", "--entrypoint", "/bin/sh", "--cpus", "1.5", "--memory",
		"512M", "--pids-limit", "100", "--network", "none",
		"--hostname", "h-1", "--dry-run", "busybox", "echo", "hi"));
	assert_int_equal(r.cmd, ARGS_CMD_RUN);
	assert_true(r.interactive && r.tty && r.rm && r.dry_run);
	assert_string_equal(r.name, "box1");
	assert_int_equal(r.nvolumes, 2);
	assert_string_equal(r.volumes[0].src, "/home/a");
	assert_string_equal(r.volumes[0].dst, "/work");
	assert_int_equal(r.volumes[0].mode, POLICY_MODE_DEFAULT);
	assert_int_equal(r.volumes[1].mode, POLICY_MODE_RO);
	assert_int_equal(r.nenvs, 2);
	assert_string_equal(r.envs[0], "A=1");
	assert_string_equal(r.envs[1], "B");
	/* --env-file may repeat: every file, in order. */
	assert_int_equal(r.nenv_files, 2);
	assert_string_equal(r.env_files[0], "f.env");
	assert_string_equal(r.env_files[1], "g.env");
	assert_string_equal(r.workdir, "/work");
	assert_true(r.has_entrypoint);
	assert_string_equal(r.entrypoint, "/bin/sh");
	assert_true(r.has_cpus && r.has_memory && r.has_pids);
	assert_int_equal(r.cpus, 1500);
	assert_int_equal(r.memory, 512ull << 20);
	assert_int_equal(r.pids, 100);
	assert_int_equal(r.net, ARGS_NET_NONE);
	assert_string_equal(r.hostname, "h-1");
	assert_string_equal(r.image, "busybox");
	assert_int_equal(r.ncommand, 2);
	assert_string_equal(r.command[0], "echo");
	assert_null(r.command[2]);
	args_free(&r);
}

static void
test_short_clusters(void **state)
{
	struct args_request r;

	ok_parse(&r, PARSE(&r, "ctr-launch", "run", "-it", "img"));
	assert_true(r.interactive && r.tty);
	args_free(&r);
	ok_parse(&r,
	    PARSE(&r, "ctr-launch", "run", "-ti", "-v/a:/b", "-eK=V", "-e=L=W",
		"-w/x", "img"));
	assert_true(r.interactive && r.tty);
	assert_string_equal(r.volumes[0].src, "/a");
	assert_string_equal(r.envs[0], "K=V");
	assert_string_equal(r.envs[1], "L=W");
	assert_string_equal(r.workdir, "/x");
	args_free(&r);
	ok_parse(&r, PARSE(&r, "ctr-launch", "run", "-itv", "/a:/b", "img"));
	assert_int_equal(r.nvolumes, 1);
	args_free(&r);
	BAD("unknown option -x", "ctr-launch", "run", "-ix", "img");
	BAD("needs a value", "ctr-launch", "run", "-v");
}

static void
test_options_after_image(void **state)
{
	struct args_request r;

	ok_parse(&r,
	    PARSE(&r, "ctr-launch", "run", "img", "sh", "-c", "id", "--volume",
		"/:/host", "--network=host"));
	assert_int_equal(r.nvolumes, 0);
	assert_int_equal(r.net, ARGS_NET_DEFAULT);
	assert_int_equal(r.ncommand, 6);
	assert_string_equal(r.command[3], "--volume");
	args_free(&r);
	/* "--" ends options: "-v" after it is the image name. */
	ok_parse(&r, PARSE(&r, "ctr-launch", "run", "--", "-v", "x"));
	assert_string_equal(r.image, "-v");
	assert_int_equal(r.nvolumes, 0);
	args_free(&r);
	/* "IMAGE -- CMD": the separator is dropped, the rest is literal. */
	ok_parse(&r,
	    PARSE(&r, "ctr-launch", "run", "img", "--", "ls", "--", "-v"));
	assert_int_equal(r.ncommand, 3);
	assert_string_equal(r.command[0], "ls");
	assert_string_equal(r.command[1], "--");
	args_free(&r);
	/* --help after the image is the command's. */
	ok_parse(&r, PARSE(&r, "ctr-launch", "run", "img", "--help"));
	assert_int_equal(r.cmd, ARGS_CMD_RUN);
	args_free(&r);
	BAD("no image", "ctr-launch", "run", "-i");
	BAD("no image", "ctr-launch", "run", "--");
}

static void
test_unknown_and_malformed(void **state)
{
	BAD("unknown option --privileged", "ctr-launch", "run", "--privileged",
	    "img");
	BAD("unknown option --cap-add", "ctr-launch", "run", "--cap-add=ALL",
	    "img");
	BAD("takes no value", "ctr-launch", "run", "--rm=true", "img");
	BAD("needs a value", "ctr-launch", "run", "--name");
	BAD("--name", "ctr-launch", "run", "--name", "-bad", "img");
	BAD("--name", "ctr-launch", "run", "--name", "a/b", "img");
	BAD("--name", "ctr-launch", "run", "--name", "", "img");
	BAD("--name", "ctr-launch", "run", "--name",
	    "a234567890123456789012345678901234567890123456789012345678901234",
	    "img");
	BAD("given twice", "ctr-launch", "run", "--name", "a", "--name", "b",
	    "img");
	BAD("--hostname", "ctr-launch", "run", "--hostname", "a_b", "img");
	BAD("--hostname", "ctr-launch", "run", "--hostname", "-a", "img");
	BAD("--hostname", "ctr-launch", "run", "--hostname", "a.b", "img");
	BAD("--network", "ctr-launch", "run", "--network", "bridge", "img");
	BAD("given twice", "ctr-launch", "run", "--network", "none",
	    "--network", "host", "img");
	/* --net is --network, given once between them. */
	BAD("given twice", "ctr-launch", "run", "--net", "none", "--network",
	    "none", "img");
	BAD("--network", "ctr-launch", "run", "--net=bridge", "img");
	BAD("-w", "ctr-launch", "run", "-w", "rel", "img");
	BAD("-w", "ctr-launch", "run", "-w", "/a/../b", "img");
	BAD("under /proc", "ctr-launch", "run", "-w", "/proc/self/fd/3", "img");
	BAD("under /proc", "ctr-launch", "run", "-w", "/proc", "img");
	BAD("empty file name", "ctr-launch", "run", "--env-file", "", "img");
	BAD("-e", "ctr-launch", "run", "-e", "=x", "img");
	BAD("-e", "ctr-launch", "run", "-e", "1A=x", "img");
	BAD("-e", "ctr-launch", "run", "-e", "A-B=x", "img");
	BAD("-e", "ctr-launch", "run", "-e", "", "img");
	BAD("empty", "ctr-launch", "run", "", "cmd");
	BAD("--detach-keys", "ctr-launch", "run", "--detach-keys", "ctrl-pp",
	    "img");
	BAD("--detach-keys", "ctr-launch", "run", "--detach-keys", "", "img");
	BAD("given twice", "ctr-launch", "run", "--detach-keys", "ctrl-x",
	    "--detach-keys", "ctrl-y", "img");
}

static void
test_detach_keys(void **state)
{
	struct args_request r;

	(void)state;
	ok_parse(&r,
	    parse_v(&r,
		(const char *const[]){ "ctr-launch", "run", "-it",
		    "--detach-keys=ctrl-x,q", "img", NULL }));
	assert_string_equal(r.detach_keys, "ctrl-x,q");
	args_free(&r);
	ok_parse(&r,
	    parse_v(&r,
		(const char *const[]){ "ctr-launch", "run", "-it", "img",
		    NULL }));
	assert_null(r.detach_keys);
	args_free(&r);
}

static void
test_volumes(void **state)
{
	struct args_request r;

	ok_parse(&r, PARSE(&r, "ctr-launch", "run", "-v", "/a:/b:rw", "img"));
	assert_int_equal(r.volumes[0].mode, POLICY_MODE_RW);
	args_free(&r);
	BAD("SRC:DST", "ctr-launch", "run", "-v", "/a", "img");
	BAD("source", "ctr-launch", "run", "-v", "a:/b", "img");
	BAD("source", "ctr-launch", "run", "-v", "/:/b", "img");
	BAD("source", "ctr-launch", "run", "-v", "/a/../etc:/b", "img");
	BAD("source", "ctr-launch", "run", "-v", "/a//b:/b", "img");
	BAD("destination", "ctr-launch", "run", "-v", "/a:/", "img");
	BAD("destination", "ctr-launch", "run", "-v", "/a:b", "img");
	BAD("destination", "ctr-launch", "run", "-v", "/a:/b/", "img");
	BAD("mode", "ctr-launch", "run", "-v", "/a:/b:z", "img");
	BAD("mode", "ctr-launch", "run", "-v", "/a:/b:ro:rw", "img");
	BAD("mode", "ctr-launch", "run", "-v", "/a:/b:", "img");
	BAD("destination", "ctr-launch", "run", "-v", "/a:", "img");
}

static void
test_numbers(void **state)
{
	static const char *bad_pids[] = { "-1", "0", "00", "010", " 1", "+1",
		"1abc", "", "1e3", "0x10", "4294967295", "4194305",
		"18446744073709551616", "1 " };
	static const char *bad_cpus[] = { "-1", "0", "", "abc", "1,5", "+2",
		" 1" };
	static const char *bad_mem[] = { "-1", "0", "", "abc", "1Q", "+1G",
		" 1G", "18446744073709551616" };
	struct args_request r;

	ok_parse(&r,
	    PARSE(&r, "ctr-launch", "run", "--pids-limit=4194304", "img"));
	assert_int_equal(r.pids, 4194304);
	args_free(&r);
	for (size_t i = 0; i < sizeof(bad_pids) / sizeof(*bad_pids); i++)
		BAD("--pids-limit", "ctr-launch", "run", "--pids-limit",
		    bad_pids[i], "img");
	for (size_t i = 0; i < sizeof(bad_cpus) / sizeof(*bad_cpus); i++)
		BAD("--cpus", "ctr-launch", "run", "--cpus", bad_cpus[i],
		    "img");
	for (size_t i = 0; i < sizeof(bad_mem) / sizeof(*bad_mem); i++)
		BAD("--memory", "ctr-launch", "run", "-m", bad_mem[i], "img");
	BAD("given twice", "ctr-launch", "run", "--cpus", "1", "--cpus", "1",
	    "img");
}

static void
test_entrypoint_empty(void **state)
{
	struct args_request r;

	ok_parse(&r, PARSE(&r, "ctr-launch", "run", "--entrypoint=", "img"));
	assert_true(r.has_entrypoint);
	assert_string_equal(r.entrypoint, "");
	args_free(&r);
	ok_parse(&r, PARSE(&r, "ctr-launch", "run", "img"));
	assert_false(r.has_entrypoint);
	assert_int_equal(r.ncommand, 0);
	assert_non_null(r.command);
	assert_null(r.command[0]);
	args_free(&r);
}

static void
test_bounds(void **state)
{
	struct args_request r;
	const char **v = calloc(ARGS_MAX_ARGC + 2, sizeof(char *));
	char *big = malloc(ARGS_MAX_CMDLEN + 2);
	char *vol = malloc(ARGS_MAX_ARGLEN + 8);

	assert_non_null(v);
	assert_non_null(big);
	assert_non_null(vol);
	v[0] = "ctr-launch";
	v[1] = "run";
	v[2] = "img";
	for (int i = 3; i <= ARGS_MAX_ARGC; i++)
		v[i] = "x";
	assert_int_equal(parse_n(ARGS_MAX_ARGC + 1, v, &r), -1);
	assert_non_null(strstr(errbuf.msg, "more than"));
	ok_parse(&r, parse_n(ARGS_MAX_ARGC, v, &r));
	args_free(&r);

	/* At most ARGS_MAX_ENV_FILES --env-file options. */
	for (int i = 0; i < ARGS_MAX_ENV_FILES; i++) {
		v[2 + 2 * i] = "--env-file";
		v[3 + 2 * i] = "f.env";
	}
	v[2 + 2 * ARGS_MAX_ENV_FILES] = "img";
	ok_parse(&r, parse_n(3 + 2 * ARGS_MAX_ENV_FILES, v, &r));
	assert_int_equal(r.nenv_files, ARGS_MAX_ENV_FILES);
	args_free(&r);
	v[2 + 2 * ARGS_MAX_ENV_FILES] = "--env-file";
	v[3 + 2 * ARGS_MAX_ENV_FILES] = "f.env";
	v[4 + 2 * ARGS_MAX_ENV_FILES] = "img";
	assert_int_equal(parse_n(5 + 2 * ARGS_MAX_ENV_FILES, v, &r), -1);
	assert_non_null(strstr(errbuf.msg, "more than 16 --env-file"));

	memset(big, 'a', ARGS_MAX_CMDLEN + 1);
	big[ARGS_MAX_CMDLEN + 1] = '\0';
	BAD("too long", "ctr-launch", "run", "img", big);
	memcpy(vol, "/a:/", 4);
	memset(vol + 4, 'b', ARGS_MAX_ARGLEN);
	vol[ARGS_MAX_ARGLEN + 4] = '\0';
	BAD("too long", "ctr-launch", "run", "-v", vol, "img");

	for (int i = 0; i < ARGS_MAX_VOLUMES + 1; i++) {
		v[2 + 2 * i] = "-v";
		v[3 + 2 * i] = "/a:/b";
	}
	v[4 + 2 * ARGS_MAX_VOLUMES] = "img";
	assert_int_equal(parse_n(5 + 2 * ARGS_MAX_VOLUMES, v, &r), -1);
	assert_non_null(strstr(errbuf.msg, "volumes"));
	free(vol);
	free(big);
	free(v);
}

static void
test_validators(void **state)
{
	assert_true(args_valid_name("a"));
	assert_true(args_valid_name("alice-1a2b3c"));
	assert_true(args_valid_name("A.b_c-d"));
	assert_false(args_valid_name(""));
	assert_false(args_valid_name(".a"));
	assert_false(args_valid_name("_a"));
	assert_false(args_valid_name("a b"));
	assert_false(args_valid_name("a\n"));
	assert_true(args_valid_hostname("a-b"));
	assert_false(args_valid_hostname("a-"));
	assert_false(args_valid_hostname("a.b"));
	assert_false(args_valid_hostname(""));
	assert_true(args_valid_envkey("_A1", 3));
	assert_false(args_valid_envkey("1A", 2));
	assert_false(args_valid_envkey("", 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subcommands),
		cmocka_unit_test(test_empty_argv),
		cmocka_unit_test(test_run_all_options),
		cmocka_unit_test(test_docker_names),
		cmocka_unit_test(test_short_clusters),
		cmocka_unit_test(test_options_after_image),
		cmocka_unit_test(test_unknown_and_malformed),
		cmocka_unit_test(test_detach_keys),
		cmocka_unit_test(test_volumes),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_entrypoint_empty),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_validators),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
