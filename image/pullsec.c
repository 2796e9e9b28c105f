/*
 * pullsec.c: the seccomp filter of ctr-image pull's network child.
 *
 * An allowlist: what libcurl, OpenSSL and glibc's resolver need to fetch
 * over HTTP(S) and write into descriptors already open.  Everything else
 * fails with EPERM; clone3 fails with ENOSYS so that glibc falls back to
 * clone, whose flags are checked (threads only: the resolver's thread).
 *
 * Invariants:
 * - The child MUST NOT be able to open a file for writing, create or
 *   remove a path (bind(2) is refused: it would create a socket file),
 *   change ownership or modes, execve, ptrace, mount, or create a
 *   process (only a thread).
 * - ioctl(2) MUST be limited to FIONREAD, FIONBIO and TCGETS: nothing
 *   that writes to or reconfigures a terminal (TIOCSTI, TIOCLINUX,
 *   TCSETS...), even one the child should not hold.
 * - The filter MUST be loaded after no_new_privs and before any network
 *   I/O; a failure to load MUST abort the pull.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>

#include "image/pull.h"

static const int pullsec_allow[] = {
	SCMP_SYS(read),
	SCMP_SYS(write),
	SCMP_SYS(readv),
	SCMP_SYS(writev),
	SCMP_SYS(pread64),
	SCMP_SYS(close),
	SCMP_SYS(fstat),
	SCMP_SYS(newfstatat),
	SCMP_SYS(statx),
	SCMP_SYS(lseek),
	SCMP_SYS(ftruncate),
	SCMP_SYS(fcntl),
	SCMP_SYS(mmap),
	SCMP_SYS(munmap),
	SCMP_SYS(mprotect),
	SCMP_SYS(mremap),
	SCMP_SYS(brk),
	SCMP_SYS(madvise),
	SCMP_SYS(futex),
	SCMP_SYS(set_robust_list),
	SCMP_SYS(rseq),
	SCMP_SYS(rt_sigaction),
	SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(rt_sigreturn),
	SCMP_SYS(sigaltstack),
	SCMP_SYS(exit),
	SCMP_SYS(exit_group),
	SCMP_SYS(gettid),
	SCMP_SYS(getpid),
	SCMP_SYS(getuid),
	SCMP_SYS(geteuid),
	SCMP_SYS(getgid),
	SCMP_SYS(getegid),
	SCMP_SYS(connect),
	SCMP_SYS(sendto),
	SCMP_SYS(recvfrom),
	SCMP_SYS(sendmsg),
	SCMP_SYS(recvmsg),
	SCMP_SYS(sendmmsg),
	SCMP_SYS(getsockopt),
	SCMP_SYS(setsockopt),
	SCMP_SYS(getsockname),
	SCMP_SYS(getpeername),
	SCMP_SYS(shutdown),
	SCMP_SYS(poll),
	SCMP_SYS(ppoll),
	SCMP_SYS(select),
	SCMP_SYS(pselect6),
	SCMP_SYS(epoll_create1),
	SCMP_SYS(epoll_ctl),
	SCMP_SYS(epoll_wait),
	SCMP_SYS(epoll_pwait),
	SCMP_SYS(pipe2),
	SCMP_SYS(eventfd2),
	SCMP_SYS(socketpair),
	SCMP_SYS(access),
	SCMP_SYS(faccessat),
	SCMP_SYS(faccessat2),
	SCMP_SYS(uname),
	SCMP_SYS(clock_gettime),
	SCMP_SYS(clock_nanosleep),
	SCMP_SYS(nanosleep),
	SCMP_SYS(getrandom),
	SCMP_SYS(getdents64),
	SCMP_SYS(prlimit64),
	SCMP_SYS(sched_yield),
	SCMP_SYS(fstatfs),
	SCMP_SYS(readlink),
	SCMP_SYS(dup),
	SCMP_SYS(dup3),
	SCMP_SYS(sysinfo),
	SCMP_SYS(restart_syscall),
	SCMP_SYS(getcwd),
	SCMP_SYS(sched_getaffinity),
	SCMP_SYS(set_tid_address),
};

static int
pullsec_rules(scmp_filter_ctx f)
{
	const int domains[] = { AF_UNIX, AF_INET, AF_INET6, AF_NETLINK };
	/* libcurl's and OpenSSL's socket calls; isatty(3). */
	const scmp_datum_t ioctls[] = { FIONREAD, FIONBIO, TCGETS };
	const scmp_datum_t thread = CLONE_VM | CLONE_FS | CLONE_FILES |
	    CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;
	int r = 0;

	for (size_t i = 0; r == 0 && i < sizeof(pullsec_allow) / sizeof(int);
	     i++)
		r = seccomp_rule_add(f, SCMP_ACT_ALLOW, pullsec_allow[i], 0);
	for (size_t i = 0; r == 0 && i < 4; i++)
		r = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
		    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)domains[i]));
	for (size_t i = 0; r == 0 && i < 3; i++)
		r = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
		    SCMP_A1(SCMP_CMP_EQ, ioctls[i]));
	/* Read-only opens: resolv.conf, hosts, CA certificates. */
	if (r == 0)
		r = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
		    SCMP_A2(SCMP_CMP_MASKED_EQ,
			O_ACCMODE | O_CREAT | O_TRUNC | O_TMPFILE, O_RDONLY));
	if (r == 0)
		r = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
		    SCMP_A0(SCMP_CMP_MASKED_EQ, thread, thread));
	if (r == 0)
		r = seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS),
		    SCMP_SYS(clone3), 0);
	return r;
}

int
pull_seccomp(void)
{
	scmp_filter_ctx f = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	int r;

	if (f == NULL)
		return -1;
	r = pullsec_rules(f);
	if (r == 0)
		r = seccomp_load(f);
	seccomp_release(f);
	return r == 0 ? 0 : -1;
}
