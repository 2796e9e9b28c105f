/*
 * plan.h: the immutable launch plan, and the interfaces between the
 * launch steps of helper/main.c (DESIGN section 5).
 *
 * The plan is built once in P0 (step 3) from the request, the caller's
 * identity, the policy and the image descriptor, and is never changed
 * afterwards: every executor receives a const pointer.
 *
 * Invariants:
 * - Every string in the plan MUST have been validated when the plan was
 *   built (names, paths, sizes); executors never re-interpret user input.
 * - Bind sources in the plan MUST NOT have been opened or stat()ed as root:
 *   they are resolved only in P1, as the user (fsutil_open_bind).
 * - The plan MUST NOT carry anything read from the caller's environment
 *   except the allowlisted TERM, LANG, LC_* and the -e KEY values.
 */
#ifndef CTL_PLAN_H
#define CTL_PLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "desc.h"
#include "policy.h"

#define PLAN_NAME_MAX 63 /* container names and hostnames */

enum plan_net {
	PLAN_NET_HOST,
	PLAN_NET_NONE,
};

struct plan_group {
	gid_t gid;
	char *name; /* getgrgid name */
};

struct plan_bind {
	char *src;             /* as written, absolute, normal */
	char *dst;             /* absolute, normal, inside the container */
	enum policy_mode mode; /* as requested (user binds) */
	bool ro;               /* the grant (admin binds) or the request */
	bool from_user;        /* a -v (checked against user_binds in P1) */
};

struct launch_plan {
	/* The caller (step 2). */
	uid_t uid;
	gid_t gid;
	char *user;
	char *home;
	char *shell;
	char *gecos;
	struct plan_group *groups; /* primary first, then supplementary */
	size_t ngroups;
	char *tty; /* caller's terminal name, or NULL */

	/* The effective policy and image (step 3). */
	struct policy_eff eff;
	struct image_desc *image;

	/* The container. */
	char name[PLAN_NAME_MAX + 1];
	char hostname[PLAN_NAME_MAX + 1];
	bool interactive; /* -i */
	bool tty_wanted;  /* -t */
	enum plan_net net;
	struct plan_bind *binds; /* admin binds first, then -v */
	size_t nbinds;
	uint64_t tmpfs_size;

	/* Limits (bytes, thousandths of a CPU, count; POLICY_UNLIMITED). */
	uint64_t cpus;
	uint64_t memory;
	uint64_t pids;
	enum policy_seccomp seccomp;

	/* The payload. */
	char **argv;      /* NULL-terminated, argv[0] = the command */
	char **env;       /* NULL-terminated, final (step 14) */
	char *workdir;    /* -w, else image WorkingDir, else NULL */
	char *caller_cwd; /* used when visible at the same path */
	mode_t umask;
	struct rlimit rlimits[RLIM_NLIMITS];
};

#endif
