/*
 * cgroup_view.c: P1, once placed and released by K: the container's own
 * cgroup directories kept for its view of them (opened again in P1's
 * mount namespace, and checked to be the same directories), the rest of
 * K's cgroup descriptors closed, and a new cgroup namespace rooted at its
 * own cgroup.  A failure here is P1's death (125).
 */
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper/cgroup_int.h"
#include "helper/log.h"

void
cgroup_unshare_ns(void)
{
	if (unshare(CLONE_NEWCGROUP) == -1)
		die_errno("unshare(CLONE_NEWCGROUP)");
}

/*
 * P1: FD (opened by K, in the host's mount namespace) opened again by its
 * path in P1's own mount namespace, where it can be bound; it must be the
 * same directory.
 */
static int
reopen_here(int fd)
{
	char link[64], path[PATH_MAX];
	struct stat a, b;
	ssize_t n;
	int nfd;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0 || (size_t)n >= sizeof(path) - 1)
		die_errno("cgroup: the container's directory");
	path[n] = '\0';
	nfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (nfd < 0 || fstat(nfd, &a) == -1 || fstat(fd, &b) == -1)
		die_errno("cgroup %s", path);
	if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		die("cgroup %s: not the container's directory", path);
	return nfd;
}

void
cgroup_enter(struct cgroup *cg, struct cgroup_view *view)
{
	const struct cgroup_hier *h = cg->h;

	view->version = h->version;
	for (int c = 0; c < CGROUP_NCTL; c++) {
		view->name[c] = cg_ctl_name[c];
		view->fd[c] = cg_used(h, c) && cg_run_dir(cg, c) >= 0 ?
		    reopen_here(cg_run_dir(cg, c)) :
		    -1;
	}
	cg_release(cg);
	for (int c = 0; c < CGROUP_NCTL; c++)
		if (h->fd[c] >= 0)
			close(h->fd[c]);
	cgroup_unshare_ns();
}
