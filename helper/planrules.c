/*
 * planrules.c: the pure rules of the launch plan (step 3, plan.c): the
 * command from the image's Entrypoint and Cmd (Docker's rule), the
 * working directory, the default container name and its hostname, and
 * whether a bind may use a destination.
 *
 * No I/O, no identity, no privilege: strings in, strings out, so that
 * every rule is unit-tested on its own.
 *
 * Invariants:
 * - plan_check_dst MUST refuse "/", any path that is not absolute and
 *   normal, and any destination that covers or lies under /proc, /sys,
 *   /dev or a generated /etc file (reserved.c).
 * - plan_default_name and plan_hostname MUST write a NUL-terminated name
 *   of at most PLAN_NAME_MAX bytes, whatever the user name.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper/args.h"
#include "helper/env.h"
#include "helper/planrules.h"
#include "helper/reserved.h"

static size_t
strv_len(char *const *v)
{
	size_t n = 0;

	while (v != NULL && v[n] != NULL)
		n++;
	return n;
}

char **
plan_argv(char *const *img_ep, char *const *img_cmd, bool has_ep,
    const char *ep, char *const *command, size_t ncommand, struct ctl_err *e)
{
	char *const one[] = { (char *)(uintptr_t)ep, NULL };
	char *const *head, *const *tail;
	size_t nh, nt;
	char **argv;

	if (has_ep) {
		head = ep[0] != '\0' ? one : NULL;
		/* Docker: --entrypoint drops the image's Cmd, except that
		 * an empty one only resets the entrypoint. */
		tail = ncommand > 0 ? command :
				      (ep[0] != '\0' ? NULL : img_cmd);
	} else {
		head = img_ep;
		tail = ncommand > 0 ? command : img_cmd;
	}
	nh = strv_len(head);
	nt = ncommand > 0 && tail == command ? ncommand : strv_len(tail);
	if (nh + nt == 0) {
		err_set(e,
		    "no command: the image has no Entrypoint or Cmd, and none was given");
		return NULL;
	}
	if ((argv = calloc(nh + nt + 1, sizeof(char *))) == NULL)
		goto oom;
	for (size_t i = 0; i < nh + nt; i++)
		if ((argv[i] = strdup(i < nh ? head[i] : tail[i - nh])) ==
		    NULL) {
			env_free(argv);
			goto oom;
		}
	if (argv[0][0] == '\0') {
		env_free(argv);
		err_set(e, "the command is an empty string");
		return NULL;
	}
	return argv;
oom:
	err_set(e, "out of memory");
	return NULL;
}

const char *
plan_workdir(const char *w, const char *image_wd, const char *cwd,
    const struct plan_bind *binds, size_t nbinds)
{
	if (w != NULL)
		return w;
	if (image_wd != NULL &&
	    (strcmp(image_wd, "/") == 0 || policy_path_normal(image_wd)))
		return image_wd;
	if (cwd == NULL || !policy_path_normal(cwd))
		return "/";
	for (size_t i = 0; i < nbinds; i++)
		if (strcmp(binds[i].src, binds[i].dst) == 0 &&
		    policy_path_covers(binds[i].dst, cwd))
			return cwd;
	return "/";
}

static bool
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

void
plan_default_name(const char *user, const unsigned char rnd[3],
    char out[PLAN_NAME_MAX + 1])
{
	char u[49];
	size_t n = 0;

	for (; n < sizeof(u) - 1 && user[n] != '\0'; n++)
		u[n] = name_char(user[n]) ? user[n] : '-';
	u[n] = '\0';
	if (n == 0 || !args_valid_name(u) || u[0] == '-')
		snprintf(out, PLAN_NAME_MAX + 1, "c-%02x%02x%02x", rnd[0],
		    rnd[1], rnd[2]);
	else
		snprintf(out, PLAN_NAME_MAX + 1, "%s-%02x%02x%02x", u, rnd[0],
		    rnd[1], rnd[2]);
}

void
plan_hostname(const char *name, char out[PLAN_NAME_MAX + 1])
{
	size_t n = 0, start = 0;

	for (size_t i = 0; name[i] != '\0' && n < PLAN_NAME_MAX; i++) {
		char c = name[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9');

		out[n++] = ok ? c : '-';
	}
	while (n > 0 && out[n - 1] == '-')
		n--;
	while (start < n && out[start] == '-')
		start++;
	memmove(out, out + start, n - start);
	n -= start;
	out[n] = '\0';
	if (n == 0)
		snprintf(out, PLAN_NAME_MAX + 1, "container");
}

int
plan_check_dst(const char *dst, struct ctl_err *e)
{
	const char *r;
	bool file;

	if (!policy_path_normal(dst) || strcmp(dst, "/") == 0) {
		err_set(e,
		    "the destination must be an absolute, normal path other than /");
		return -1;
	}
	if ((r = reserved_dst(dst, &file)) != NULL) {
		err_set(e, "a bind destination may not cover or lie under %s",
		    r);
		return -1;
	}
	return 0;
}
