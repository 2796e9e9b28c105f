/*
 * planrules.h: the pure rules of the launch plan (planrules.c), used by
 * plan.c at step 3 and unit-tested on their own.
 */
#ifndef CTL_PLANRULES_H
#define CTL_PLANRULES_H

#include <stdbool.h>
#include <stddef.h>

#include "helper/plan.h"

/* Docker's rule: Entrypoint + Cmd, where COMMAND replaces Cmd and
 * --entrypoint replaces Entrypoint and drops the image's Cmd.  NULL with
 * E when the result is empty. */
char **plan_argv(char *const *img_entrypoint, char *const *img_cmd,
    bool has_entrypoint, const char *entrypoint, char *const *command,
    size_t ncommand, struct ctl_err *e);
/* -w, else the image's WorkingDir, else CWD when a bind shows it at the
 * same path inside, else "/".  Returns one of its arguments or "/". */
const char *plan_workdir(const char *w, const char *image_wd, const char *cwd,
    const struct plan_bind *binds, size_t nbinds);
/* A default container name "USER-xxxxxx" from RND (3 random bytes). */
void plan_default_name(const char *user, const unsigned char rnd[3],
    char out[PLAN_NAME_MAX + 1]);
/* The hostname for NAME: NAME when it is a valid label, else NAME with
 * every other character made "-". */
void plan_hostname(const char *name, char out[PLAN_NAME_MAX + 1]);
/* May a bind use DST as its destination?  -1 with E if it is "/", not
 * normal, or covers or lies under /proc, /sys, /dev or a generated file. */
int plan_check_dst(const char *dst, struct ctl_err *e);

#endif
