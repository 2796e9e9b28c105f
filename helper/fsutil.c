/*
 * fsutil.c: generic descriptor helpers of the helper's executors
 * (openat2, a descriptor's path, its fdinfo, its /proc/self/fd magic
 * link, and the pseudo file systems no bind may touch).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "helper/fsutil.h"

#ifndef MQUEUE_MAGIC
#define MQUEUE_MAGIC 0x19800202
#endif

int
fsutil_openat2(int dirfd, const char *path, uint64_t flags, uint64_t resolve)
{
	struct open_how how = {
		.flags = flags | O_CLOEXEC,
		.mode = 0,
		.resolve = resolve,
	};

	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

const char *
fsutil_fd_magic(int fd, char *buf, size_t len)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
	return buf;
}

long
fsutil_fdinfo(int fd, const char *key)
{
	char path[64], buf[1024], pat[32];
	cleanup_close int f = -1;
	ssize_t n;
	char *s;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if ((f = open(path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    (n = read(f, buf, sizeof(buf) - 1)) <= 0)
		return -1;
	buf[n] = '\0';
	/* A key is at the start of a line. */
	snprintf(pat, sizeof(pat), "\n%s:", key);
	if (strncmp(buf, pat + 1, strlen(pat + 1)) == 0)
		s = buf + strlen(pat + 1);
	else if ((s = strstr(buf, pat)) != NULL)
		s += strlen(pat);
	else
		return -1;
	return strtol(s, NULL, 10);
}

int
fsutil_fd_path(int fd, char *buf, size_t len)
{
	char link[64];
	ssize_t n;

	n = readlink(fsutil_fd_magic(fd, link, sizeof(link)), buf, len);
	if (n <= 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	buf[n] = '\0';
	if (buf[0] != '/') {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

bool
fsutil_fstype_kernel(long t)
{
	switch (t) {
	case PROC_SUPER_MAGIC:
	case SYSFS_MAGIC:
	case CGROUP_SUPER_MAGIC:
	case CGROUP2_SUPER_MAGIC:
	case DEBUGFS_MAGIC:
	case TRACEFS_MAGIC:
	case SECURITYFS_MAGIC:
	case BPF_FS_MAGIC:
		return true;
	default:
		return false;
	}
}

bool
fsutil_fstype_refused(long t)
{
	return fsutil_fstype_kernel(t) || t == NSFS_MAGIC ||
	    t == DEVPTS_SUPER_MAGIC || t == MQUEUE_MAGIC;
}
