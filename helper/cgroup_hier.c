/*
 * cgroup_hier.c: finding and opening the cgroup hierarchy: v2 (one
 * unified root whose controllers are listed in cgroup.controllers) or v1
 * (one root per controller: memory, cpu, pids), checked to be cgroup file
 * systems outside unit tests.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/vfs.h>

#include "helper/cgroup_int.h"
#include "helper/log.h"
#include "lib/cleanup.h"

static bool
is_fs(int fd, long magic)
{
	struct statfs sf;

	return fstatfs(fd, &sf) == 0 && (long)sf.f_type == magic;
}

int
cgroup_detect_at(int rootfd, bool check_fs)
{
	char buf[512];
	int n = 0;

	if (!check_fs || is_fs(rootfd, CGROUP2_SUPER_MAGIC)) {
		if (cg_read_file(rootfd, "cgroup.controllers", buf,
			sizeof(buf)) == 0)
			for (int c = 0; c < CGROUP_NCTL; c++)
				n += cg_has_word(buf, cg_ctl_name[c]);
		if (n == CGROUP_NCTL)
			return 2;
		if (check_fs)
			return -1; /* a v2 root without the controllers */
	}
	for (int c = 0; c < CGROUP_NCTL; c++) {
		cleanup_close int fd = openat(rootfd, cg_ctl_name[c],
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0 || (check_fs && !is_fs(fd, CGROUP_SUPER_MAGIC)))
			return -1;
	}
	return 1;
}

int
cgroup_hier_at(struct cgroup_hier *h, int rootfd, int version, bool fake,
    struct ctl_err *e)
{
	char buf[512];

	memset(h, 0, sizeof(*h));
	h->version = version;
	h->fake = fake;
	h->lock_wait_ms = 30000;
	for (int c = 0; c < CGROUP_NCTL; c++)
		h->fd[c] = -1;
	if (version == 2) {
		if (!fake && !is_fs(rootfd, CGROUP2_SUPER_MAGIC))
			return cg_fail(e, ENOTSUP,
			    "cgroup: not a cgroup2 root");
		h->fd[0] = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
		if (h->fd[0] < 0)
			return cg_fail(e, errno, "cgroup root");
		if (cg_read_file(rootfd, "cgroup.controllers", buf,
			sizeof(buf)) == -1)
			return cg_fail(e, errno, "cgroup.controllers");
		for (int c = 0; c < CGROUP_NCTL; c++)
			h->have[c] = cg_has_word(buf, cg_ctl_name[c]);
		return 0;
	}
	if (version != 1)
		return cg_fail(e, EINVAL, "cgroup: no usable hierarchy");
	for (int c = 0; c < CGROUP_NCTL; c++) {
		h->fd[c] = openat(rootfd, cg_ctl_name[c],
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (h->fd[c] < 0 ||
		    (!fake && !is_fs(h->fd[c], CGROUP_SUPER_MAGIC))) {
			cgroup_hier_close(h);
			return cg_fail(e, errno ? errno : ENOTSUP,
			    "cgroup: no v1 %s hierarchy", cg_ctl_name[c]);
		}
		h->have[c] = true;
	}
	return 0;
}

void
cgroup_hier_close(struct cgroup_hier *h)
{
	cg_close_fds(h->fd, CGROUP_NCTL);
}

/* The helper's wrapper: the compiled-in hierarchy; dies on failure. */
void
cgroup_open(struct cgroup_hier *h)
{
	cleanup_close int root = -1;
	struct ctl_err e;
	int version;

	root = open(CTL_CGROUP_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		die_errno("cgroup root %s", CTL_CGROUP_ROOT);
	if (strcmp(CTL_CGROUP_VERSION, "1") == 0)
		version = 1;
	else if (strcmp(CTL_CGROUP_VERSION, "2") == 0)
		version = 2;
	else
		version = cgroup_detect_at(root, true);
	if (version < 0)
		die("cgroup: no usable hierarchy at %s (need cgroup v2 with memory, cpu and pids, or their v1 hierarchies)",
		    CTL_CGROUP_ROOT);
	if (cgroup_hier_at(h, root, version, false, &e) == -1)
		cg_die(&e);
}
