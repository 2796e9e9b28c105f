/*
 * passwd.h: the container's /etc/passwd and /etc/group, generated from the
 * image's files (read as bounded data, never through NSS) and the caller's
 * identity.  Pure: no I/O, no privilege.
 */
#ifndef CTL_PASSWD_H
#define CTL_PASSWD_H

#include <stddef.h>
#include <sys/types.h>

#include "helper/plan.h"

#define PASSWD_MAX_INPUT (1u << 20) /* bytes of an image file, at most */
#define PASSWD_MAX_LINE  4096       /* longer image lines are dropped */

/* The caller as the generated files describe them. */
struct passwd_caller {
	const char *user;
	uid_t uid;
	gid_t gid;
	const char *gecos; /* may be NULL */
	const char *home;
	const char *shell; /* already chosen: exists in the image */
	const struct plan_group *groups; /* primary first */
	size_t ngroups;
};

/*
 * Builds /etc/passwd: the image's entries (IMG, LEN bytes, may be NULL)
 * except those with the caller's name or uid, then the caller's entry.
 * Returns 0 with a malloc'd NUL-terminated *OUT, or -1 (ENOMEM, E2BIG).
 */
int passwd_gen_passwd(const char *img, size_t len,
    const struct passwd_caller *c, char **out, size_t *outlen);

/*
 * Builds /etc/group: the image's groups except those sharing a name or gid
 * with one of the caller's groups, then each of the caller's groups (once
 * per gid) with the caller as its member.
 */
int passwd_gen_group(const char *img, size_t len, const struct passwd_caller *c,
    char **out, size_t *outlen);

/* Copies S into DST (size N) as one passwd field: ':' and control
 * characters become '_'; truncated to fit.  Returns DST. */
char *passwd_field(char *dst, size_t n, const char *s);

#endif
