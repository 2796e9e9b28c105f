/*
 * fsutil.h: generic descriptor-based file system helpers of the helper's
 * executors (binds.c, mounts*.c, keeper.c).
 */
#ifndef CTL_FSUTIL_H
#define CTL_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* openat2(2): -1 with errno on failure. */
int
fsutil_openat2(int dirfd, const char *path, uint64_t flags, uint64_t resolve);
/* The path of FD as the kernel reports it (readlink /proc/self/fd/N);
 * -1 if it does not fit, is not absolute, or names a deleted file. */
int fsutil_fd_path(int fd, char *buf, size_t len);
/* The number after "KEY:" (e.g. "Pid", "mnt_id") in /proc/self/fdinfo/FD,
 * or -1. */
long fsutil_fdinfo(int fd, const char *key);
/* "/proc/self/fd/N" into BUF. */
const char *fsutil_fd_magic(int fd, char *buf, size_t len);
/* Is F_TYPE a kernel file system whose files act on what is written to
 * them (procfs, sysfs, cgroupfs, debugfs, tracefs, securityfs, bpf)? */
bool fsutil_fstype_kernel(long f_type);
/* Is F_TYPE a pseudo file system a bind source may never come from (those
 * above, nsfs, devpts, mqueue)? */
bool fsutil_fstype_refused(long f_type);

#endif
