/*
 * namespaces.c: clones the container's init, P1 (step 7).
 *
 * Invariants:
 * - P1 MUST start in new mount, pid, uts and ipc namespaces, and in a new
 *   network namespace unless the plan says host; never in the caller's.
 * - K MUST hold a pidfd for P1 from the clone itself (CLONE_PIDFD), so
 *   that every later signal or wait names exactly that process.
 * - Failure MUST be fatal (125) for the helper: there is no launch without
 *   namespaces.  The cores (ns_clone_at, ns_fork_at) report it instead,
 *   for a caller that must not exit, and leave no child behind; ns_clone
 *   and ns_fork die with the core's message.
 * - P1 MUST NOT inherit K's teardown hook (log.h): it is cleared in P1
 *   right after the clone.
 * - With a cgroup v2 leaf, P1 MUST be in it before it runs anything else:
 *   CLONE_INTO_CGROUP, or where clone3 or that flag is refused (ENOSYS
 *   under a seccomp profile, E2BIG before Linux 5.7) P1 moves itself
 *   first thing after clone(2), and dies (125) if it cannot.
 * - ns_fork (a host transfer, transfer.c) MUST place its child exactly as
 *   ns_clone places P1, with no new namespace.
 * - ns_spawn's child runs on its parent's memory: its parent MUST be
 *   stopped until the child's execve or exit (CLONE_VFORK), and the
 *   child MUST end in one or the other.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper/log.h"
#include "helper/namespaces.h"
#include "lib/err.h"

/* Without CLONE_VM and a stack, both calls return twice like fork().
 * PIDFD NULL: none asked for. */
static pid_t
clone3_fork(uint64_t flags, int cgroup_fd, int *pidfd)
{
	struct clone_args ca;

	memset(&ca, 0, sizeof(ca));
	if (cgroup_fd >= 0) {
		flags |= CLONE_INTO_CGROUP;
		ca.cgroup = (uint64_t)cgroup_fd;
	}
	if (pidfd != NULL) {
		flags |= CLONE_PIDFD;
		ca.pidfd = (uint64_t)(uintptr_t)pidfd;
	}
	ca.flags = flags;
	ca.exit_signal = SIGCHLD;
	return (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
}

static pid_t
clone_fork(uint64_t flags, int *pidfd)
{
	/* x86-64 and most: clone(flags, stack, parent_tid, child_tid, tls);
	 * with CLONE_PIDFD the pidfd is stored at parent_tid. */
	return (pid_t)syscall(SYS_clone,
	    (unsigned long)(flags | CLONE_PIDFD) | SIGCHLD, NULL, pidfd, NULL,
	    0);
}

/* P1, right after a clone(2) that could not place it: joins the leaf.
 * The child cannot report to its parent: it dies (125). */
static void
join_leaf(int cgroup_fd)
{
	int fd = openat(cgroup_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, "0", 1) != 1)
		die_errno("cannot join the container's cgroup");
	(void)close(fd);
}

/* K, when clone returned no pidfd: the child is killed and reaped, so that
 * a failed core leaves no process behind. */
static void
reap(pid_t pid)
{
	(void)kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
		;
}

/* Clone (flags FLAGS) into the cgroup v2 leaf CGROUP_FD (or -1), with a
 * pidfd: clone3, else clone(2) and the child joins the leaf itself.
 * *PLACED (unless NULL), in both processes: the child was cloned into
 * CGROUP_FD.  On failure, -1 with *E: WHAT and the errno, or no pidfd. */
static pid_t
clone_placed(uint64_t flags, int cgroup_fd, int *pidfd, bool *placed,
    const char *what, struct ctl_err *e)
{
	bool in = cgroup_fd >= 0;
	pid_t pid;

	*pidfd = -1;
	pid = clone3_fork(flags, cgroup_fd, pidfd);
	if (pid < 0 &&
	    (errno == ENOSYS || (errno == E2BIG && cgroup_fd >= 0))) {
		in = false;
		pid = clone_fork(flags, pidfd);
		if (pid == 0) {
			log_set_teardown(NULL, NULL);
			if (cgroup_fd >= 0)
				join_leaf(cgroup_fd);
		}
	}
	if (placed != NULL)
		*placed = in;
	if (pid < 0)
		return err_errno(e, "%s", what);
	if (pid == 0) /* the child: K's teardown is not its own */
		log_set_teardown(NULL, NULL);
	if (pid > 0 && *pidfd < 0) {
		reap(pid);
		return err_set(e, "clone returned no pidfd");
	}
	return pid;
}

pid_t
ns_clone_at(const struct launch_plan *p, int cgroup_fd, int *pidfd,
    bool *placed, struct ctl_err *e)
{
	uint64_t flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS |
	    CLONE_NEWIPC;

	if (p->net == PLAN_NET_NONE || p->net == PLAN_NET_PRIVATE)
		flags |= CLONE_NEWNET;
	return clone_placed(flags, cgroup_fd, pidfd, placed,
	    "cannot create the container's namespaces", e);
}

pid_t
ns_fork_at(int cgroup_fd, int *pidfd, struct ctl_err *e)
{
	return clone_placed(0, cgroup_fd, pidfd, NULL,
	    "cannot start the transfer in its cgroup", e);
}

pid_t
ns_fork_placed(int cgroup_fd, bool *placed)
{
	pid_t pid = cgroup_fd < 0 ? -1 : clone3_fork(0, cgroup_fd, NULL);

	*placed = pid >= 0;
	return pid < 0 ? fork() : pid;
}

pid_t
ns_fork_into(int cgroup_fd)
{
	bool placed;

	return ns_fork_placed(cgroup_fd, &placed);
}

/* A spawned child's stack: a mapping of its own under a guard page. */
#define SPAWN_STACK (256 * 1024)

/* AddressSanitizer cannot follow a child onto a stack of its own: it
 * reports the switch it cannot handle on the child's stderr, which is the
 * payload's.  The sanitizer build forks instead (the same code runs in
 * the child, on a copy of the memory). */
#if defined(__SANITIZE_ADDRESS__)
#define SPAWN_FORKS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SPAWN_FORKS 1
#endif
#endif

#ifdef SPAWN_FORKS
pid_t
ns_spawn(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn(arg));
	return pid;
}
#else
pid_t
ns_spawn(int (*fn)(void *), void *arg)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	char *stk = mmap(NULL, SPAWN_STACK, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
	pid_t pid = -1;
	int en;

	if (stk == MAP_FAILED)
		return -1;
	if (mprotect(stk, pg, PROT_NONE) == 0)
		pid = clone(fn, stk + SPAWN_STACK,
		    CLONE_VM | CLONE_VFORK | SIGCHLD, arg);
	en = errno;
	/* CLONE_VFORK: the child has exec'd or exited by now, and is done
	 * with its stack. */
	(void)munmap(stk, SPAWN_STACK);
	errno = en;
	return pid;
}
#endif

/* The helper's wrappers: the core's message, then death (125). */

pid_t
ns_clone(const struct launch_plan *p, int cgroup_fd, int *pidfd, bool *placed)
{
	struct ctl_err e;
	pid_t pid = ns_clone_at(p, cgroup_fd, pidfd, placed, &e);

	if (pid < 0)
		die("%s", e.msg);
	return pid;
}

pid_t
ns_fork(int cgroup_fd, int *pidfd)
{
	struct ctl_err e;
	pid_t pid = ns_fork_at(cgroup_fd, pidfd, &e);

	if (pid < 0)
		die("%s", e.msg);
	return pid;
}
