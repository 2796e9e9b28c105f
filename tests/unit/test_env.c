/*
 * test_env.c: the payload's environment (helper/env.c).
 *
 * Negative tests for each MUST of env.c: loader and other variables of the
 * caller never pass implicitly, locale and TERM values with paths are
 * dropped, the order image < identity < caller words < env-file < -e
 * holds, sizes are bounded, and environ is never touched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helper/env.h"

extern char **environ;

static struct ctl_err errbuf;

/* Writable copies of literal vectors (-Wwrite-strings), freed at the end. */
static char **owned[64];
static size_t nowned;

static char **
sv(const char *const *v)
{
	size_t n = 0;
	char **c;

	while (v[n] != NULL)
		n++;
	c = calloc(n + 1, sizeof(char *));
	assert_non_null(c);
	for (size_t i = 0; i < n; i++)
		assert_non_null(c[i] = strdup(v[i]));
	assert_true(nowned < sizeof(owned) / sizeof(*owned));
	owned[nowned++] = c;
	return c;
}

static int
free_owned(void **state)
{
	for (size_t i = 0; i < nowned; i++)
		env_free(owned[i]);
	nowned = 0;
	return 0;
}

static const char *const caller[] = { "LD_PRELOAD=/tmp/evil.so",
	"LD_LIBRARY_PATH=/tmp", "GCONV_PATH=/tmp/g", "LOCPATH=/tmp/l",
	"HOME=/root", "USER=root", "PATH=/tmp/bin", "TERM=xterm-256color",
	"LANG=C.UTF-8", "LC_ALL=../../../tmp/x", "LC_CTYPE=en_US.UTF-8",
	"LANGUAGE=de:en", "SECRET=s3cret", "MALLOC_CHECK_=3", NULL };

static void
input(struct env_input *in)
{
	memset(in, 0, sizeof(*in));
	in->home = "/home/alice";
	in->user = "alice";
	in->shell = "/bin/bash";
	in->caller_env = sv(caller);
}

static char **
build(const struct env_input *in)
{
	char **env = NULL;

	if (env_build(in, &env, &errbuf) != 0)
		fail_msg("refused: %s", errbuf.msg);
	return env;
}

static const char *
get(char **env, const char *key)
{
	return env_lookup(env, key, strlen(key));
}

static size_t
count(char **env, const char *key)
{
	size_t n = 0, k = strlen(key);

	for (size_t i = 0; env[i] != NULL; i++)
		if (strncmp(env[i], key, k) == 0 && env[i][k] == '=')
			n++;
	return n;
}

static void
test_allowlist(void **state)
{
	struct env_input in;
	char **env;

	input(&in);
	env = build(&in);
	assert_null(get(env, "LD_PRELOAD"));
	assert_null(get(env, "LD_LIBRARY_PATH"));
	assert_null(get(env, "GCONV_PATH"));
	assert_null(get(env, "LOCPATH"));
	assert_null(get(env, "SECRET"));
	assert_null(get(env, "MALLOC_CHECK_"));
	assert_string_equal(get(env, "HOME"), "/home/alice");
	assert_string_equal(get(env, "USER"), "alice");
	assert_string_equal(get(env, "LOGNAME"), "alice");
	assert_string_equal(get(env, "SHELL"), "/bin/bash");
	assert_null(get(env, "HOSTNAME"));
	assert_string_equal(get(env, "PATH"), ENV_DEFAULT_PATH);
	assert_string_equal(get(env, "TERM"), "xterm-256color");
	assert_string_equal(get(env, "LANG"), "C.UTF-8");
	assert_string_equal(get(env, "LC_CTYPE"), "en_US.UTF-8");
	assert_string_equal(get(env, "LANGUAGE"), "de:en");
	/* A locale value with a path never passes. */
	assert_null(get(env, "LC_ALL"));
	env_free(env);
}

/* HOSTNAME is the container's, as Docker sets it; -e still wins. */
static void
test_hostname(void **state)
{
	static const char *const opts[] = { "HOSTNAME=mine", NULL };
	struct env_input in;
	char **env;

	(void)state;
	input(&in);
	in.hostname = "lab";
	env = build(&in);
	assert_string_equal(get(env, "HOSTNAME"), "lab");
	env_free(env);
	in.opts = sv(opts);
	in.nopts = 1;
	env = build(&in);
	assert_string_equal(get(env, "HOSTNAME"), "mine");
	env_free(env);
}

static void
test_bad_words(void **state)
{
	static const char *const c2[] = { "TERM=../../x", "LANG=/tmp/x",
		"LC_TIME=.hidden", "LC_NUMERIC=a..b", "LC_lower=x", "LC_=x",
		"LANG=", NULL };
	struct env_input in;
	char **env;

	input(&in);
	in.caller_env = sv(c2);
	env = build(&in);
	assert_null(get(env, "TERM"));
	assert_null(get(env, "LANG"));
	assert_null(get(env, "LC_TIME"));
	assert_null(get(env, "LC_NUMERIC"));
	assert_null(get(env, "LC_lower"));
	assert_null(get(env, "LC_"));
	env_free(env);
	in.tty = true;
	env = build(&in);
	assert_string_equal(get(env, "TERM"), "xterm");
	env_free(env);
}

static void
test_order(void **state)
{
	static const char *const img[] = { "PATH=/img/bin", "HOME=/root",
		"A=image", "B=image", "C=image", "D=image", NULL };
	static char file[] = "# comment\n"
			     "\n"
			     "  B=file\r\n"
			     "C=file\n"
			     "LANG=file\n"
			     "SECRET\n"
			     "NOPE\n"
			     "E=with=equals and spaces ";
	static const char *const opts[] = { "C=opt", "TERM=opt", "SECRET",
		"UNSET", "F=", NULL };
	struct env_input in;
	char **env;

	/* A later file replaces an earlier one's keys, -e both. */
	static char later[] = "G=later\nB=later\n";
	struct env_file files[] = { { "first.env", file, sizeof(file) - 1 },
		{ "later.env", later, sizeof(later) - 1 } };

	input(&in);
	in.image_env = sv(img);
	in.env_files = files;
	in.nenv_files = 2;
	in.opts = sv(opts);
	in.nopts = 5;
	env = build(&in);
	assert_string_equal(get(env, "PATH"), "/img/bin");
	assert_string_equal(get(env, "HOME"), "/home/alice");
	assert_string_equal(get(env, "A"), "image");
	assert_string_equal(get(env, "B"), "later");
	assert_string_equal(get(env, "G"), "later");
	assert_string_equal(get(env, "C"), "opt");
	assert_string_equal(get(env, "D"), "image");
	assert_string_equal(get(env, "LANG"), "file");
	assert_string_equal(get(env, "TERM"), "opt");
	assert_string_equal(get(env, "SECRET"), "s3cret");
	assert_string_equal(get(env, "E"), "with=equals and spaces ");
	assert_string_equal(get(env, "F"), "");
	assert_null(get(env, "NOPE"));
	assert_null(get(env, "UNSET"));
	assert_int_equal(count(env, "C"), 1);
	assert_int_equal(count(env, "HOME"), 1);
	assert_int_equal(count(env, "PATH"), 1);
	env_free(env);
}

static void
test_env_file_errors(void **state)
{
	static char good[] = "A=1\n";
	static char nul[] = "A=1\0B=2\n";
	static char badkey[] = "A=1\nB C=2\n";
	static char badkey2[] = "A=1\n1X=2\n";
	struct env_file files[] = { { "good.env", good, sizeof(good) - 1 },
		{ "bad.env", nul, sizeof(nul) - 1 } };
	struct env_input in;
	char **env = NULL;

	input(&in);
	in.env_files = files;
	in.nenv_files = 2;
	assert_int_equal(env_build(&in, &env, &errbuf), -1);
	assert_non_null(strstr(errbuf.msg, "--env-file bad.env: "));
	assert_non_null(strstr(errbuf.msg, "NUL"));
	files[1].data = badkey;
	files[1].len = sizeof(badkey) - 1;
	assert_int_equal(env_build(&in, &env, &errbuf), -1);
	assert_non_null(strstr(errbuf.msg, "--env-file bad.env line 2"));
	files[1].data = badkey2;
	files[1].len = sizeof(badkey2) - 1;
	assert_int_equal(env_build(&in, &env, &errbuf), -1);
	assert_null(env);
}

static void
test_explicit_loader_var(void **state)
{
	/* Naming a variable explicitly is the caller's own choice; it is
	 * passed only then. */
	static const char *const opts[] = { "LD_PRELOAD", NULL };
	struct env_input in;
	char **env;

	input(&in);
	in.opts = sv(opts);
	in.nopts = 1;
	env = build(&in);
	assert_string_equal(get(env, "LD_PRELOAD"), "/tmp/evil.so");
	env_free(env);
}

static void
test_bounds(void **state)
{
	struct env_input in;
	char **env = NULL;
	char *big = malloc(ENV_MAX_ENTRY + 8);
	char **many = calloc(ENV_MAX_ENTRIES + 2, sizeof(char *));
	char(*names)[16] = calloc(ENV_MAX_ENTRIES + 1, 16);

	assert_non_null(big);
	assert_non_null(many);
	assert_non_null(names);
	input(&in);
	memcpy(big, "A=", 2);
	memset(big + 2, 'x', ENV_MAX_ENTRY);
	big[ENV_MAX_ENTRY + 2] = '\0';
	in.opts = &big;
	in.nopts = 1;
	assert_int_equal(env_build(&in, &env, &errbuf), -1);
	assert_non_null(strstr(errbuf.msg, "too long"));
	for (int i = 0; i <= ENV_MAX_ENTRIES; i++) {
		snprintf(names[i], 16, "V%d=1", i);
		many[i] = names[i];
	}
	in.opts = many;
	in.nopts = ENV_MAX_ENTRIES + 1;
	assert_int_equal(env_build(&in, &env, &errbuf), -1);
	assert_non_null(strstr(errbuf.msg, "too large"));
	free(names);
	free(many);
	free(big);
}

static void
test_environ_untouched(void **state)
{
	char **before = environ;
	struct env_input in;
	char **env;

	input(&in);
	env = build(&in);
	assert_ptr_equal(environ, before);
	assert_ptr_not_equal(env, environ);
	env_free(env);
}

/* exec's part: the files and -e alone, nothing of the image, the caller's
 * words or the defaults. */
static void
test_overrides(void **state)
{
	static char file[] = "A=file\nB=file\nSECRET\nNOPE\n";
	static char later[] = "A=later\n";
	static char bad[] = "ok=1\n1BAD=x\n";
	static const char *const opts[] = { "B=opt", "LANG", NULL };
	struct env_file files[] = { { "first.env", file, sizeof(file) - 1 },
		{ "later.env", later, sizeof(later) - 1 } };
	struct env_file badf[] = { { "bad.env", bad, sizeof(bad) - 1 } };
	struct env_input in;
	char **env;

	(void)state;
	input(&in);
	in.image_env = sv((const char *const[]){ "IMG=1", NULL });
	in.env_files = files;
	in.nenv_files = 2;
	in.opts = sv(opts);
	in.nopts = 2;
	assert_int_equal(env_overrides(&in, &env, &errbuf), 0);
	assert_string_equal(get(env, "A"), "later");
	assert_string_equal(get(env, "B"), "opt");
	assert_string_equal(get(env, "SECRET"), "s3cret");
	assert_string_equal(get(env, "LANG"), "C.UTF-8");
	assert_null(get(env, "NOPE"));
	assert_null(get(env, "IMG"));
	assert_null(get(env, "HOME"));
	assert_null(get(env, "PATH"));
	assert_null(get(env, "TERM"));
	assert_int_equal(count(env, "A"), 1);
	env_free(env);
	in.env_files = badf;
	in.nenv_files = 1;
	assert_int_equal(env_overrides(&in, &env, &errbuf), -1);
	assert_null(env);
	assert_string_equal(errbuf.msg,
	    "--env-file bad.env line 2: the variable name must match [A-Za-z_][A-Za-z0-9_]*");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allowlist),
		cmocka_unit_test(test_hostname),
		cmocka_unit_test(test_bad_words),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_env_file_errors),
		cmocka_unit_test(test_explicit_loader_var),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_environ_untouched),
	};

	return cmocka_run_group_tests(tests, NULL, free_owned);
}
