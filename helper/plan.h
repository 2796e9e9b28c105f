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
 *   they are resolved only in P1, as the user (binds.c).
 * - The plan MUST NOT carry anything read from the caller's environment
 *   except the allowlisted TERM, LANG, LC_* and the -e KEY values.
 */
#ifndef CTL_PLAN_H
#define CTL_PLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "image/desc.h"
#include "policy/policy.h"

struct env_file;

#define PLAN_NAME_MAX 63 /* container names and hostnames */

enum plan_net {
	PLAN_NET_HOST,
	PLAN_NET_NONE,
	PLAN_NET_PRIVATE, /* its own network namespace, lo up */
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
	gid_t *kgroups; /* exactly getgroups(), for setgroups() */
	size_t nkgroups;
	char *tty; /* caller's terminal name, or NULL */

	/* The effective policy and image (step 3). */
	struct policy *policy; /* eff's "from" strings point into it */
	struct policy_eff eff;
	struct image_desc *image;

	/* The container. */
	char name[PLAN_NAME_MAX + 1];
	char hostname[PLAN_NAME_MAX + 1];
	bool dry_run;
	bool interactive; /* -i */
	bool tty_wanted;  /* -t */
	bool detach;      /* -d: K supervises it after P0 exits (keeper.h) */
	bool auto_remove; /* --rm (with -d: the record goes when it ends) */
	/* --step-tasks N: a Slurm step's N local tasks share the container
	 * (keeper.c); P1 runs no payload, each task's command is an exec
	 * with the task's own -i and -t (tty_wanted and interactive are
	 * the holder's, false). */
	unsigned step_tasks;
	bool step_tty, step_interactive;
	/* run -it from a terminal, the policy allowing detaching, not a
	 * login: K runs it as a detached container with P0 as its attached
	 * launcher, until the detach keys (keeper.c); cleared by K inside a
	 * batch job and by login_finish. */
	bool fg_detach;
	char detach_keys[64]; /* --detach-keys, or "ctrl-p,ctrl-q" */
	enum plan_net net;
	/* -p (portplan.c): granted, host ports distinct; the forwarder
	 * accepts on loopback addresses only the owner's sockets unless
	 * publish_access = any. */
	struct policy_publish *ports;
	size_t nports;
	bool publish_any;
	uint64_t max_connections;
	bool json;               /* images, info: --format json */
	struct plan_bind *binds; /* admin binds first, then -v */
	size_t nbinds;
	uint64_t tmpfs_size;
	uint64_t max_ptys; /* its devpts' max= */

	/* Limits (bytes, thousandths of a CPU, count; POLICY_UNLIMITED). */
	uint64_t cpus;
	uint64_t memory;
	uint64_t pids;
	enum policy_seccomp seccomp;

	/* The payload. */
	char **argv; /* NULL-terminated, argv[0] = the command */
	char **env;  /* NULL-terminated, final (step 14) */
	/* The --env-file bytes, file by file, until the env is built. */
	struct env_file *env_files;
	size_t nenv_files;
	char *workdir;       /* the final choice (plan_workdir) */
	bool workdir_strict; /* -w given: failing to enter it is an error */
	char *caller_cwd;    /* used when visible at the same path */
	mode_t umask;
	struct rlimit rlimits[RLIM_NLIMITS];

	/* ctr-launch-shell (login.c): no detach keys; without -t the front
	 * ends the container when the connection closes. */
	bool login;
	/* ... with transfer = container: the transfer program (the
	 * command's first word), looked up in the image as the caller
	 * before the login shell runs (transfer.c), or NULL. */
	char *login_prog;
};

/* What step 0 saved of the caller's process state, for the payload. */
struct plan_caller {
	mode_t umask;
	struct rlimit rlimits[RLIM_NLIMITS];
	char *cwd;  /* getcwd(), or NULL when not an absolute, normal path */
	int cwd_fd; /* O_PATH of the caller's cwd, until the plan is built */
	char **env; /* inert copy of the caller's environment */
};

struct args_request;

/*
 * Step 3.  plan_policy() opens, checks, loads and evaluates the policy for
 * the caller identified in P (step 2), and denies a denied caller.
 * plan_run() then builds the rest of the plan for `run`.  Both die or deny
 * (exit 125) on any error; nothing has been created at that point.
 */
void plan_policy(struct launch_plan *p);
/* The same without dying: 0 when the policy loads and does not deny the
 * caller (for the commands that only look at or end the caller's own
 * containers, and prune by the policy's keep_exited and max_exited). */
int plan_policy_quiet(struct launch_plan *p);
/* First of step 3, before the policy is even loaded (so that the reading
 * child, which becomes the caller, holds nothing but the caller's own
 * data): reads each --env-file as the caller into P. */
void plan_env_file(struct launch_plan *p, const struct args_request *req,
    const struct plan_caller *caller);
void plan_run(struct launch_plan *p, const struct args_request *req,
    const struct plan_caller *caller);
void plan_free(struct launch_plan *p);

/* What `run --dry-run`, `info` and `images` print (stdout). */
void plan_print(const struct launch_plan *p);
void plan_print_info(const struct launch_plan *p);
void plan_print_images(const struct launch_plan *p);

/* portplan.c: --network private, -p against the policy, -u.  Deny
 * (125) with the reason. */
void portplan_network(struct launch_plan *p, const struct args_request *req);
void portplan_user(const struct launch_plan *p, const struct args_request *req);
/* Pure: does SPEC (-u UID|NAME[:GID|GROUP]) name exactly the caller?  0,
 * or -1 with E. */
int portplan_user_check(const char *spec, uid_t uid, const char *user,
    gid_t gid, const char *group, struct ctl_err *e);
/* The dry run's and the audit's "ADDR:HOSTPORT->PORT/tcp" of V into BUF. */
void portplan_format(const struct policy_publish *v, char *buf, size_t len);
/* --format json of info and images (stable keys, ctr-launch(1)). */
void portplan_info_json(const struct launch_plan *p);
void portplan_images_json(char *const *names, size_t n);

#endif
