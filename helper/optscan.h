/*
 * optscan.h: the one scanner of option words for every command of the
 * helper (run in args.c; ps, logs, stop, kill, rm, wait, exec, attach in
 * ctlargs.c).  Pure.
 *
 * Invariants:
 * - A word is "--name", "--name=value", "--name value" (when the option
 *   takes one), or a cluster of short options ("-it", "-vSRC:DST",
 *   "-e=K=V", "-w DIR"); the value of a short option ends the cluster.
 * - An unknown option, a value given to an option that takes none, or a
 *   missing value MUST fail with one line naming it (non-printable bytes
 *   shown as '?', at most 64 of them), never be skipped.
 */
#ifndef CTL_OPTSCAN_H
#define CTL_OPTSCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/err.h"

struct optscan_def {
	const char *lng; /* long name, without "--" */
	char shrt;       /* short letter, or 0 */
	bool arg;        /* takes a value */
	int id;          /* the caller's */
	unsigned mask;   /* where it applies (optscan_word's WANT), 0: always */
};

/* APPLY(CTX, O, VAL): one option found (VAL NULL when it takes none); 0,
 * or -1 with its own reason already in the caller's E. */
typedef int (
    *optscan_apply)(void *ctx, const struct optscan_def *o, const char *val);

/* Scans the option word argv[*i] against DEFS[0..N) (those whose mask is
 * 0 or shares a bit with WANT), calling APPLY for each option in it;
 * advances *i past a value given as the next word.  0, or -1 with one
 * line "WHAT: ..." in E. */
int optscan_word(const struct optscan_def *defs, size_t n, unsigned want,
    const char *what, int argc, char *const argv[], int *i, optscan_apply apply,
    void *ctx, struct ctl_err *e) __attribute__((warn_unused_result));

#endif
