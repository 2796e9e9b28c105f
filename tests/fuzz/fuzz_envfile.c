/*
 * fuzz_envfile.c: the --env-file reader's lines (env.c, for run's
 * env_build and exec's env_overrides), on arbitrary bytes: the file is the
 * caller's, so every byte of it is hostile.  The input is the file; a
 * fixed caller's environment gives bare KEY lines something to copy.
 *
 * Invariants checked, against a model of the format written here from
 * ctr-launch(1) (a line's leading blanks and a final CR dropped; empty
 * and '#' lines skipped; KEY=VALUE sets, a bare KEY copies the caller's
 * KEY when it has one; a later KEY replaces an earlier one):
 * - A file with a NUL byte, or a line whose name is not
 *   [A-Za-z_][A-Za-z0-9_]*, MUST be refused, with one line of reason free
 *   of control bytes; every other file (within the fuzzer's 8 KiB, far
 *   below the reader's limits) MUST be taken.
 * - exec's overrides MUST be exactly the model's variables, each key
 *   once; run's environment MUST hold each of them with the model's
 *   value, each key once, every entry KEY=VALUE with a valid KEY.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "helper/args.h"
#include "helper/env.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXIN   8192
#define MAXVARS (MAXIN / 2 + 1)

static char *const caller_env[] = { "TOKEN=from caller", "PATH=/x:/y",
	"EMPTY=", NULL };

struct var {
	const char *key, *val;
	size_t klen, vlen;
};

static const char *
caller_value(const char *key, size_t klen)
{
	for (size_t i = 0; caller_env[i] != NULL; i++)
		if (strncmp(caller_env[i], key, klen) == 0 &&
		    caller_env[i][klen] == '=')
			return caller_env[i] + klen + 1;
	return NULL;
}

static bool
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

/* The model: the variables FILE sets, in V (last value per key), or -1
 * when it must be refused. */
static long
model(const char *d, size_t n, struct var *v)
{
	size_t nv = 0;

	if (memchr(d, '\0', n) != NULL)
		return -1;
	for (size_t at = 0; at < n;) {
		const char *nl = memchr(d + at, '\n', n - at);
		size_t end = nl != NULL ? (size_t)(nl - d) : n, s = at;
		const char *eq, *val;
		size_t klen, vlen, j;

		at = nl != NULL ? end + 1 : n;
		while (s < end && blank(d[s]))
			s++;
		if (end > s && d[end - 1] == '\r')
			end--;
		if (s >= end || d[s] == '#')
			continue;
		eq = memchr(d + s, '=', end - s);
		klen = eq != NULL ? (size_t)(eq - (d + s)) : end - s;
		if (klen == 0 ||
		    !((d[s] >= 'A' && d[s] <= 'Z') ||
			(d[s] >= 'a' && d[s] <= 'z') || d[s] == '_'))
			return -1;
		for (size_t k = 1; k < klen; k++) {
			char c = d[s + k];

			if (!((c >= 'A' && c <= 'Z') ||
				(c >= 'a' && c <= 'z') ||
				(c >= '0' && c <= '9') || c == '_'))
				return -1;
		}
		if (eq != NULL) {
			val = eq + 1;
			vlen = end - s - klen - 1;
		} else if ((val = caller_value(d + s, klen)) != NULL) {
			vlen = strlen(val);
		} else {
			continue;
		}
		for (j = 0; j < nv; j++)
			if (v[j].klen == klen &&
			    memcmp(v[j].key, d + s, klen) == 0)
				break;
		v[j] = (struct var){ d + s, val, klen, vlen };
		if (j == nv)
			nv++;
	}
	return (long)nv;
}

/* ENV's entry for V's key, exactly once; NULL when none or twice. */
static const char *
find_once(char **env, const struct var *v)
{
	const char *hit = NULL;

	for (size_t i = 0; env[i] != NULL; i++)
		if (strncmp(env[i], v->key, v->klen) == 0 &&
		    env[i][v->klen] == '=') {
			if (hit != NULL)
				return NULL;
			hit = env[i];
		}
	return hit;
}

static void
check_refusal(const struct ctl_err *e)
{
	if (e->msg[0] == '\0')
		abort();
	for (const char *p = e->msg; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			abort();
}

static void
check_env(char **env, const struct var *v, long nv, bool exact)
{
	size_t n = 0;

	for (; env[n] != NULL; n++) {
		const char *eq = strchr(env[n], '=');

		if (eq == NULL ||
		    !args_valid_envkey(env[n], (size_t)(eq - env[n])))
			abort();
	}
	if (exact && n != (size_t)nv)
		abort();
	for (long i = 0; i < nv; i++) {
		const char *hit = find_once(env, &v[i]);

		if (hit == NULL || strlen(hit) != v[i].klen + 1 + v[i].vlen ||
		    memcmp(hit + v[i].klen + 1, v[i].val, v[i].vlen) != 0)
			abort();
	}
}

/* One reader's outcome RC (E, ENV) against the model's V (NV < 0: a
 * refusal); ENV freed. */
static void
check_outcome(int rc, const struct ctl_err *e, char **env, const struct var *v,
    long nv, bool exact)
{
	if ((rc == 0) != (nv >= 0))
		abort();
	if (rc != 0) {
		check_refusal(e);
		return;
	}
	check_env(env, v, nv, exact);
	env_free(env);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char file[MAXIN + 1];
	static struct var v[MAXVARS];
	char *const image_env[] = { "PATH=/image", "TOKEN=image", NULL };
	struct env_file f = { "fuzz.env", file, size };
	struct env_input in = {
		.image_env = image_env,
		.home = "/home/u",
		.user = "u",
		.shell = "/bin/sh",
		.hostname = "h",
		.caller_env = caller_env,
		.env_files = &f,
		.nenv_files = 1,
	};
	struct ctl_err e;
	char **env;
	long nv;

	if (size > MAXIN)
		return 0;
	memcpy(file, data, size);
	nv = model(file, size, v);
	memset(&e, 0, sizeof(e));
	check_outcome(env_overrides(&in, &env, &e), &e, env, v, nv, true);
	memset(&e, 0, sizeof(e));
	check_outcome(env_build(&in, &env, &e), &e, env, v, nv, false);
	return 0;
}
