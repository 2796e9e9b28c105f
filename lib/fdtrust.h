/*
 * fdtrust.h: the one owner/mode rule for what the programs trust.
 *
 * A file or directory is trusted when OWNER (root, or a test tree's owner
 * given at run time) owns it and neither its group nor others may write
 * it.  Every check of configuration, store, state and cgroup files goes
 * through here, on a stat taken from a descriptor (never a path that
 * could change between the check and the use).
 */
#ifndef CTL_FDTRUST_H
#define CTL_FDTRUST_H

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Is ST owned by OWNER and not group- or other-writable? */
bool st_trusted(const struct stat *st, uid_t owner);

/* NULL when st_trusted(ST, OWNER), else why not: "not owned by root"
 * (or "not owned by the expected user"), "other-writable",
 * "group-writable". */
const char *st_untrusted_why(const struct stat *st, uid_t owner);

#endif
