/*
 * ctr_policy.h: what the files of ctr-policy (tools/ctr_policy.c, its
 * command line, check and explain; policy_explain.c; policy_edit.c)
 * share.  Not a library: only ctr-policy includes it.
 */
#ifndef CTL_TOOLS_CTR_POLICY_H
#define CTL_TOOLS_CTR_POLICY_H

#include <stdio.h>

#include "policy/policy.h"

/* The usage lines, on F. */
void usage(FILE *f);
/* Every error of a load, "FILE:LINE: msg" (or "FILE: msg"), on stderr. */
void print_errors(const struct policy_errors *errs, const char *file);

/* policy_explain.c: EFF, one "KEY VALUE FROM" line per value, on stdout. */
void print_eff(const struct policy_eff *eff);

/* policy_edit.c: ctr-policy edit (ARGV[0] is "edit"); the exit status. */
int cmd_edit(int argc, char **argv);

#endif
