/*
 * filter.h: the container's seccomp filter (step 15 of DESIGN section 5).
 *
 * Building is pure (libseccomp context, no kernel call); loading is the
 * one seccomp_load of the helper, done by P1 last before exec.
 */
#ifndef CTL_FILTER_H
#define CTL_FILTER_H

#include <seccomp.h>

#include "plan.h"

/*
 * Builds the filter for PLAN: the default allowlist (ctr-launch(1)),
 * or none (*OUT = NULL) for seccomp = unconfined.  Returns 0, or -1 with
 * errno (nothing allocated).
 */
int filter_build(const struct launch_plan *, scmp_filter_ctx *out);

/* Writes the filter as libseccomp pseudo code (PFC) or raw BPF to FD. */
int filter_export_pfc(scmp_filter_ctx, int fd);
int filter_export_bpf(scmp_filter_ctx, int fd);
void filter_free(scmp_filter_ctx);

/*
 * P1, after no_new_privs and the credential drop, last before exec:
 * builds and loads the filter; any failure (no_new_privs unset, build,
 * load, or the kernel not reporting the filter) ends the launch with 125.
 */
void filter_load(const struct launch_plan *);

#endif
