/*
 * filter.c: loading the seccomp filters compiled when ctr-launch was built
 * (filter.h; their rules are filter_rules.c).
 *
 * Invariants:
 * - A filter MUST be loaded here only, after no_new_privs, and a failure
 *   MUST end the launch (never a container without its filter).
 * - The programs MUST be the ones the generator compiled from
 *   filter_rules.c, linked read-only: nothing at run time builds,
 *   compiles, reads or changes them.
 */
#include <errno.h>
#include <stdint.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helper/filter.h"
#include "helper/log.h"

/* Loads PROG (N instructions) with FLAGS; dies naming WHAT on failure. */
static void
load(const struct sock_filter *prog, unsigned short n, unsigned int flags,
    const char *what)
{
	/* The kernel copies the program; it never writes through it. */
	struct sock_fprog fp = { n, (struct sock_filter *)(uintptr_t)prog };

	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		die("seccomp: refusing to load %s without no_new_privs", what);
	if (n == 0)
		die("seccomp: %s is empty", what);
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &fp) != 0)
		die_errno("seccomp: loading %s", what);
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 2)
		die("seccomp: the kernel does not report the filter");
}

void
filter_load(const struct launch_plan *p)
{
	if (p->seccomp == POLICY_SECCOMP_UNCONFINED)
		return;
	/* As seccomp_load() with SCMP_FLTATR_CTL_TSYNC: every thread. */
	load(filter_prog, filter_prog_len, SECCOMP_FILTER_FLAG_TSYNC,
	    "the filter");
}

void
filter_load_forwarder(void)
{
	load(filter_fwd_prog, filter_fwd_prog_len, 0, "the forwarder's filter");
}
