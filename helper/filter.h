/*
 * filter.h: the container's seccomp filter (step 15 of DESIGN section 5).
 *
 * Building is pure (libseccomp context, no kernel call).  A child of K
 * compiles the filter to BPF once per container while K opens the PAM
 * session and the cgroup (filter_spawn, filter_collect); P1 and every
 * exec's process inherit the program and load it with seccomp(2) last
 * before exec.
 */
#ifndef CTL_FILTER_H
#define CTL_FILTER_H

#include <seccomp.h>

#include "helper/plan.h"
#include "lib/err.h"

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
 * K, step 4.2: forks a child that builds the filter and compiles it to
 * BPF, while K goes on (PAM, the cgroup); nothing for seccomp =
 * unconfined.  filter_collect(), before K clones P1, reads the program
 * from that child (kept for filter_load() in P1 and in every exec's
 * process, which inherit it) and reaps the child.  Any failure, or a
 * program that is empty, too long or cut short, ends the launch with 125.
 * The child dies with K (PDEATHSIG) and holds nothing of K's but its pipe.
 */
void filter_spawn(const struct launch_plan *);
void filter_collect(void);

/* filter_collect()'s core: reads the compiler's message from FD (its
 * errno, the number of instructions, the instructions, then end of
 * file) and keeps the program for filter_load().  0, or -1 with E set
 * (nothing kept) on an error reported, a read error, no program, none or
 * more than BPF_MAXINSNS instructions, a program cut short or followed by
 * more bytes. */
int filter_receive_at(int fd, struct ctl_err *e);

/*
 * Builds the filter and compiles it to BPF in this process, kept for
 * filter_load(); nothing when a program is kept already.  A failure ends
 * the launch with 125.
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
