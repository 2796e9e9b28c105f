/*
 * opts.c: the checks of the plugin's option values (pure).
 *
 * These are the plugin's own bounds; the helper checks every value again
 * (image grants, bind grants and bind sources as the user, the workdir,
 * the environment names) exactly as for `ctr-launch run`.
 *
 * Invariants:
 * - A value MUST be refused if it is empty, longer than its bound, or
 *   holds a byte outside 0x21-0x7e (no newline, no space, no control
 *   byte, nothing the helper's command line could read as two words).
 * - An image name MUST NOT start with '-' or '/', nor hold "..".
 * - Mount sources and destinations and the workdir MUST be absolute and
 *   MUST NOT hold a ".." component; a mount MUST be SRC:DST[:ro|:rw].
 * - Environment names MUST be [A-Za-z_][A-Za-z0-9_]*.
 */
#include <string.h>

#include "spank/opts.h"

static int
printable(const char *v, size_t max)
{
	size_t n = 0;

	for (; v[n] != '\0'; n++)
		if (n >= max || (unsigned char)v[n] <= 0x20 ||
		    (unsigned char)v[n] >= 0x7f)
			return 0;
	return n > 0;
}

/* An absolute path of [P, P+N) without a ".." component. */
static int
abs_path(const char *p, size_t n)
{
	if (n == 0 || p[0] != '/')
		return 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j < n && p[j] != '/')
			j++;
		if (j - i == 2 && p[i] == '.' && p[i + 1] == '.')
			return 0;
		i = j + 1;
	}
	return 1;
}

static const char *
check_mount(const char *m, size_t n)
{
	const char *c1 = memchr(m, ':', n), *c2;
	size_t rest;

	if (c1 == NULL)
		return "a mount is SRC:DST[:ro|rw]";
	rest = n - (size_t)(c1 + 1 - m);
	c2 = memchr(c1 + 1, ':', rest);
	if (!abs_path(m, (size_t)(c1 - m)))
		return "a mount source must be an absolute path without ..";
	if (!abs_path(c1 + 1, c2 ? (size_t)(c2 - c1 - 1) : rest))
		return "a mount destination must be an absolute path without ..";
	if (c2 != NULL) {
		size_t ml = n - (size_t)(c2 + 1 - m);

		if (!(ml == 2 &&
			(strncmp(c2 + 1, "ro", 2) == 0 ||
			    strncmp(c2 + 1, "rw", 2) == 0)))
			return "a mount's mode is ro or rw";
	}
	return NULL;
}

static int
env_name(const char *v, size_t n)
{
	if (n == 0 || (v[0] >= '0' && v[0] <= '9'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(v[i] == '_' || (v[i] >= 'A' && v[i] <= 'Z') ||
			(v[i] >= 'a' && v[i] <= 'z') ||
			(v[i] >= '0' && v[i] <= '9')))
			return 0;
	return 1;
}

/* Each comma-separated element of V through CHECK; at most MAX. */
static const char *
each(const char *v, size_t max, const char *(*check)(const char *, size_t),
    const char *too_many)
{
	size_t k = 0;

	for (const char *p = v;; p++) {
		size_t n = strcspn(p, ",");
		const char *why;

		if (++k > max)
			return too_many;
		if ((why = check(p, n)) != NULL)
			return why;
		p += n;
		if (*p == '\0')
			return NULL;
	}
}

static const char *
check_env(const char *v, size_t n)
{
	return env_name(v, n) ? NULL :
				"an environment name is [A-Za-z_][A-Za-z0-9_]*";
}

const char *
spank_opt_check(int opt, const char *v)
{
	if (v == NULL || v[0] == '\0')
		return "empty value";
	if (!printable(v, opt == OPT_IMAGE ? SPANK_IMAGE_MAX : SPANK_VALUE_MAX))
		return "too long, or a space, newline or control byte in it";
	switch (opt) {
	case OPT_IMAGE:
		if (v[0] == '-' || v[0] == '/' || strstr(v, "..") != NULL)
			return "not an image name";
		return NULL;
	case OPT_MOUNTS:
		return each(v, SPANK_MOUNTS_MAX, check_mount,
		    "too many mounts");
	case OPT_WORKDIR:
		return abs_path(v, strlen(v)) ?
		    NULL :
		    "not an absolute path without ..";
	case OPT_ENV:
		return each(v, SPANK_ENVS_MAX, check_env,
		    "too many environment names");
	default:
		return "unknown option";
	}
}
