/*
 * filter.h: the container's seccomp filter (step 15 of DESIGN section 5).
 *
 * Building is pure (libseccomp context, no kernel call).  P1 compiles
 * the filter to BPF while it waits for K to place it in its cgroups
 * (filter_prepare), and loads it with seccomp(2) last before exec.
 */
#ifndef CTL_FILTER_H
#define CTL_FILTER_H

#include <seccomp.h>

#include "helper/plan.h"

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
 * P1, before its setup: builds the filter and compiles it to BPF, kept
 * for filter_load().  A failure ends the launch with 125.
 */
void filter_prepare(const struct launch_plan *);

/*
 * P1, after no_new_privs and the credential drop, last before exec:
 * loads the filter (compiled first when filter_prepare was not called);
 * any failure (no_new_privs unset, build, compile, load, or the kernel
 * not reporting the filter) ends the launch with 125.
 */
void filter_load(const struct launch_plan *);

/* The port forwarder's own filter (ports.c): an allowlist of what it
 * needs to accept, check, connect and splice; anything else kills it.
 * Building is pure; loading dies (125) on any failure. */
int filter_build_forwarder(scmp_filter_ctx *out);
void filter_load_forwarder(void);

#endif
