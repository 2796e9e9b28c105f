/*
 * reserved.h: the one list of bind destinations no bind may take.
 *
 * Checked on the requested string in P0 (plan_check_dst) and on the
 * resolved container path in P1 (mounts_binds.c), so the two can never drift:
 * the kernel's /proc, /sys and /dev, and the files init generates
 * (/etc/passwd, /etc/group, /etc/resolv.conf, /etc/hosts).
 */
#ifndef CTL_RESERVED_H
#define CTL_RESERVED_H

#include <stdbool.h>

/* The reserved path that the normal PATH covers or lies under, or NULL;
 * *FILE tells a generated file from a kernel directory. */
const char *reserved_dst(const char *path, bool *file);

#endif
