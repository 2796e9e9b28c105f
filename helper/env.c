/*
 * env.c: builds the payload's environment from nothing.
 *
 * The caller's environment is inert data here: only TERM, LANG, LANGUAGE
 * and LC_* (with sane values) and the variables the caller names with
 * "-e KEY" or a bare KEY line of --env-file are ever taken from it.
 *
 * Invariants:
 * - Nothing from the caller's environment MUST reach the payload except
 *   TERM, LANG, LANGUAGE, LC_* and the keys the caller names explicitly;
 *   in particular LD_*, GCONV_PATH, LOCPATH and the like never pass
 *   implicitly.
 * - TERM, LANG, LANGUAGE and LC_* values MUST be plain words (no "/", no
 *   leading "."), so that no locale or terminfo path can be injected.
 * - The order MUST be: image Env < HOME, USER, LOGNAME, SHELL (PATH if the
 *   image sets none) < TERM, LANG, LC_* < --env-file < -e; one entry per
 *   KEY, the later value winning.
 * - The entry count and sizes MUST be bounded (ENV_MAX_*).
 * - The process environment (environ) MUST NOT be read or written.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper/args.h"
#include "lib/cleanup.h"
#include "helper/env.h"

struct envv {
	char **v;
	size_t n;
	size_t total;
	struct ctl_err *err;
};

static int env_fail(struct envv *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
env_fail(struct envv *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vat(e->err, NULL, 0, fmt, ap);
	va_end(ap);
	return -1;
}

const char *
env_lookup(char *const *env, const char *key, size_t klen)
{
	for (size_t i = 0; env != NULL && env[i] != NULL; i++)
		if (strncmp(env[i], key, klen) == 0 && env[i][klen] == '=')
			return env[i] + klen + 1;
	return NULL;
}

/* Sets KEY (KLEN bytes) to VAL (VLEN bytes), replacing an earlier KEY. */
static int
env_set(struct envv *e, const char *key, size_t klen, const char *val,
    size_t vlen)
{
	size_t len = klen + 1 + vlen;
	char *s;

	if (len + 1 > ENV_MAX_ENTRY)
		return env_fail(e, "environment variable %.*s: value too long",
		    (int)(klen > 64 ? 64 : klen), key);
	if ((s = malloc(len + 1)) == NULL)
		return env_fail(e, "out of memory");
	memcpy(s, key, klen);
	s[klen] = '=';
	memcpy(s + klen + 1, val, vlen);
	s[len] = '\0';
	for (size_t i = 0; i < e->n; i++) {
		if (strncmp(e->v[i], key, klen) == 0 && e->v[i][klen] == '=') {
			e->total -= strlen(e->v[i]) + 1;
			free(e->v[i]);
			e->v[i] = s;
			e->total += len + 1;
			return 0;
		}
	}
	if (e->n >= ENV_MAX_ENTRIES || e->total + len + 1 > ENV_MAX_TOTAL) {
		free(s);
		return env_fail(e,
		    "the environment is too large (at most %d "
		    "variables, %u bytes)",
		    ENV_MAX_ENTRIES, ENV_MAX_TOTAL);
	}
	e->v[e->n++] = s;
	e->total += len + 1;
	return 0;
}

static int
env_setstr(struct envv *e, const char *key, const char *val)
{
	return env_set(e, key, strlen(key), val, strlen(val));
}

/* A value safe for TERM, LANG, LANGUAGE and LC_*: no path, no control. */
static bool
sane_word(const char *v, bool colon)
{
	size_t n = strlen(v);

	if (n == 0 || n > 64 || v[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '.' || c == '_' ||
			c == '-' || c == '@' || c == '+' ||
			(colon && c == ':')))
			return false;
	}
	return strstr(v, "..") == NULL;
}

static bool
locale_key(const char *s, size_t klen)
{
	if ((klen == 4 && strncmp(s, "LANG", 4) == 0) ||
	    (klen == 8 && strncmp(s, "LANGUAGE", 8) == 0))
		return true;
	if (klen < 4 || strncmp(s, "LC_", 3) != 0)
		return false;
	for (size_t i = 3; i < klen; i++)
		if (s[i] < 'A' || s[i] > 'Z')
			return false;
	return true;
}

static int
add_caller_words(struct envv *e, const struct env_input *in)
{
	const char *term = env_lookup(in->caller_env, "TERM", 4);

	if (term != NULL && sane_word(term, false)) {
		if (env_setstr(e, "TERM", term) != 0)
			return -1;
	} else if (in->tty && env_setstr(e, "TERM", "xterm") != 0)
		return -1;
	for (size_t i = 0; in->caller_env && in->caller_env[i]; i++) {
		const char *s = in->caller_env[i];
		const char *eq = strchr(s, '=');

		if (eq == NULL || !locale_key(s, (size_t)(eq - s)))
			continue;
		if (!sane_word(eq + 1,
			eq - s == 8 && strncmp(s, "LANGUAGE", 8) == 0))
			continue;
		if (env_set(e, s, (size_t)(eq - s), eq + 1, strlen(eq + 1)) !=
		    0)
			return -1;
	}
	return 0;
}

/* "KEY=VALUE" sets; a bare "KEY" copies the caller's KEY if it has one. */
static int
add_assignment(struct envv *e, const struct env_input *in, const char *s,
    size_t len, const char *what, size_t line)
{
	const char *eq = memchr(s, '=', len);
	size_t klen = eq ? (size_t)(eq - s) : len;
	const char *v;

	if (!args_valid_envkey(s, klen)) {
		if (line > 0)
			return env_fail(e,
			    "%s line %zu: the variable name must match [A-Za-z_][A-Za-z0-9_]*",
			    what, line);
		return env_fail(e, "%s %.64s: bad variable name", what, s);
	}
	if (eq != NULL)
		return env_set(e, s, klen, eq + 1, len - klen - 1);
	if ((v = env_lookup(in->caller_env, s, klen)) == NULL)
		return 0;
	return env_set(e, s, klen, v, strlen(v));
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

static int
add_env_file(struct envv *e, const struct env_input *in,
    const struct env_file *f)
{
	const char *p = f->data, *end = f->data + f->len;
	size_t line = 0;
	char what[256];

	snprintf(what, sizeof(what), "--env-file %.200s", f->name);
	if (memchr(p, '\0', f->len) != NULL)
		return env_fail(e, "%s: the file contains a NUL byte", what);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		line++;
		while (p < le && is_space(*p))
			p++;
		if (le > p && le[-1] == '\r')
			le--;
		if (p < le && *p != '#' &&
		    add_assignment(e, in, p, (size_t)(le - p), what, line) != 0)
			return -1;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

/* The --env-file lines, file after file, then the -e options. */
static int
add_overrides(struct envv *e, const struct env_input *in)
{
	for (size_t i = 0; i < in->nenv_files; i++)
		if (add_env_file(e, in, &in->env_files[i]) != 0)
			return -1;
	for (size_t i = 0; i < in->nopts; i++)
		if (add_assignment(e, in, in->opts[i], strlen(in->opts[i]),
			"-e", 0) != 0)
			return -1;
	return 0;
}

static int
add_image(struct envv *e, const struct env_input *in)
{
	for (size_t i = 0; in->image_env && in->image_env[i]; i++) {
		const char *s = in->image_env[i];
		const char *eq = strchr(s, '=');

		/* The image is the administrator's import: keep any key
		 * that can be one. */
		if (eq == NULL || eq == s)
			continue;
		if (env_set(e, s, (size_t)(eq - s), eq + 1, strlen(eq + 1)) !=
		    0)
			return -1;
	}
	return 0;
}

/* EV empty, with room for every entry, its errors into E; *OUT NULL
 * until the environment is whole.  0, or -1 with E. */
static int
envv_start(struct envv *ev, char ***out, struct ctl_err *e)
{
	*ev = (struct envv){ NULL, 0, 0, e };
	*out = NULL;
	if ((ev->v = calloc(ENV_MAX_ENTRIES + 1, sizeof(char *))) == NULL)
		return env_fail(ev, "out of memory");
	return 0;
}

/* EV's entries into *OUT when RC is 0, else freed; RC. */
static int
envv_finish(struct envv *ev, int rc, char ***out)
{
	if (rc != 0)
		env_free(ev->v);
	else
		*out = ev->v;
	return rc;
}

/* run's environment, in env_build's order. */
static int
add_all(struct envv *ev, const struct env_input *in)
{
	if (add_image(ev, in) != 0)
		return -1;
	if (env_setstr(ev, "HOME", in->home) != 0 ||
	    env_setstr(ev, "USER", in->user) != 0 ||
	    env_setstr(ev, "LOGNAME", in->user) != 0 ||
	    env_setstr(ev, "SHELL", in->shell) != 0 ||
	    (in->hostname != NULL &&
		env_setstr(ev, "HOSTNAME", in->hostname) != 0))
		return -1;
	if (env_lookup(ev->v, "PATH", 4) == NULL &&
	    env_setstr(ev, "PATH", ENV_DEFAULT_PATH) != 0)
		return -1;
	if (add_caller_words(ev, in) != 0 || add_overrides(ev, in) != 0)
		return -1;
	return 0;
}

int
env_build(const struct env_input *in, char ***out, struct ctl_err *e)
{
	struct envv ev;

	if (envv_start(&ev, out, e) != 0)
		return -1;
	return envv_finish(&ev, add_all(&ev, in), out);
}

int
env_overrides(const struct env_input *in, char ***out, struct ctl_err *e)
{
	struct envv ev;

	if (envv_start(&ev, out, e) != 0)
		return -1;
	return envv_finish(&ev, add_overrides(&ev, in), out);
}

void
env_free(char **env)
{
	for (size_t i = 0; env != NULL && env[i] != NULL; i++)
		free(env[i]);
	free(env);
}
