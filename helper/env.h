/*
 * env.h: the payload's environment, built from nothing (step 14 of DESIGN
 * section 5; computed in P0 as part of the plan).
 */
#ifndef CTL_ENV_H
#define CTL_ENV_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/err.h"

#define ENV_MAX_ENTRIES 4096
#define ENV_MAX_ENTRY   (128u << 10) /* the kernel's MAX_ARG_STRLEN */
#define ENV_MAX_TOTAL   (1u << 20)
#define ENV_MAX_FILE    (1u << 20) /* --env-file bytes */
#define ENV_DEFAULT_PATH \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* One --env-file: the caller's name for it and its bytes. */
struct env_file {
	const char *name;
	char *data;
	size_t len;
};

struct env_input {
	char *const *image_env; /* "KEY=VALUE", NULL-terminated, or NULL */
	const char *home;       /* the caller's, from getpwuid */
	const char *user;
	const char *shell;
	const char *hostname;             /* the container's, or NULL */
	bool tty;                         /* -t: TERM defaults to xterm */
	char *const *caller_env;          /* the inert copy made at step 0 */
	const struct env_file *env_files; /* --env-file contents, in order */
	size_t nenv_files;
	char *const *opts; /* -e values, "KEY" or "KEY=VALUE" */
	size_t nopts;
};

/*
 * Builds the environment into *OUT (NULL-terminated, malloc'd), in this
 * order, a later KEY replacing an earlier one: the image's Env; HOME,
 * USER, LOGNAME, SHELL, HOSTNAME (as Docker sets it; and PATH if the
 * image sets none); TERM, LANG,
 * LANGUAGE and LC_* from the caller when their values are sane; the
 * --env-file lines, file after file; the -e options.  Returns 0, or -1 with E.
 */
int env_build(const struct env_input *in, char ***out, struct ctl_err *e);
/*
 * exec's part (the container's environment is its keeper's): only IN's
 * --env-file lines, file after file, then its -e options, a later KEY
 * replacing an earlier one, a bare KEY copied from the caller's
 * environment when it is there.  The other fields of IN are not used.
 * Returns 0, or -1 with E.
 */
int env_overrides(const struct env_input *in, char ***out, struct ctl_err *e);
void env_free(char **env);

/* The value of KEY in ENV ("KEY=VALUE" entries), or NULL. */
const char *env_lookup(char *const *env, const char *key, size_t klen);

#endif
