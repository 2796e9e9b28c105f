/*
 * filter_rules.h: the rules of the seccomp filters (filter_rules.c), for
 * the generator that compiles them when ctr-launch is built
 * (filter_gen.c) and for the unit tests.  The helper itself loads the
 * compiled programs (filter.h) and never links libseccomp.
 */
#ifndef CTL_FILTER_RULES_H
#define CTL_FILTER_RULES_H

#include <seccomp.h>

#include "helper/plan.h"

/*
 * Builds the container's filter for PLAN: the default allowlist
 * (ctr-launch(1)), or none (*OUT = NULL) for seccomp = unconfined.
 * Returns 0, or -1 with errno (nothing allocated).
 */
int filter_build(const struct launch_plan *, scmp_filter_ctx *out);

/* The port forwarder's own filter (ports.c): an allowlist of what it
 * needs to accept, check, connect and splice; anything else kills it.
 * Returns 0, or -1 with errno (nothing allocated). */
int filter_build_forwarder(scmp_filter_ctx *out);

/* Writes the filter as libseccomp pseudo code (PFC) or raw BPF to FD. */
int filter_export_pfc(scmp_filter_ctx, int fd);
int filter_export_bpf(scmp_filter_ctx, int fd);
void filter_free(scmp_filter_ctx);

#endif
