/*
 * filter_rules.c: the rules of ctr-launch's seccomp filters, built with
 * libseccomp.  Pure (a libseccomp context, no kernel call); run when
 * ctr-launch is built (filter_gen.c writes the compiled programs the helper
 * loads, filter.c) and by the unit tests, never by a launch.
 *
 * The container's filter: an allowlist modelled on Docker's default
 * profile (moby profiles/seccomp/default.json) for a process without
 * capabilities.
 *
 * Invariants:
 * - The default action MUST be ERRNO(EPERM): a syscall not named here,
 *   including any syscall newer than this list, fails.
 * - Only the native architecture MUST be in the filter; any other (i386
 *   through int 0x80, x32 numbers) MUST kill the process.
 * - Namespace creation MUST be refused: unshare and setns by default,
 *   clone with any CLONE_NEW* flag, and clone3 with ENOSYS so that libc
 *   falls back to clone, whose flags the filter can inspect.
 * - The mount family, keyctl/add_key/request_key, bpf, perf_event_open,
 *   userfaultfd, kexec, module loading and io_uring MUST NOT be allowed.
 * - ioctl MUST be refused for TIOCSTI, TIOCLINUX and TIOCSETD compared on
 *   the low 32 bits of the request (the kernel ignores the high ones).
 * - socket MUST be refused for AF_VSOCK compared on the low 32 bits of
 *   the family (an int to the kernel): vsock is not per network
 *   namespace, and would reach the hypervisor from --network none.
 * - personality MUST be allowed only for PER_LINUX, PER_LINUX32, UNAME26
 *   and the 0xffffffff query.
 *
 * ptrace, process_vm_readv/writev and kcmp are allowed, as in Docker's
 * profile on kernels >= 4.8 (where seccomp is re-checked after a tracer
 * changes a syscall): in the container's pid namespace only its own
 * processes are visible, all the caller's, and its init is not dumpable.
 * Unknown and future syscalls answer EPERM, not ENOSYS.
 *
 * The port forwarder's filter: what it does after its drop; anything
 * else kills it.
 *
 * Both are compiled as a binary tree of syscall numbers (libseccomp's
 * optimization level 2), not a chain: at every load the kernel emulates
 * the program for each syscall number to fill its per-syscall action
 * cache, and on a chain of 350 comparisons that emulation made the load
 * cost about 0.3 ms instead of 0.1.  The tree decides exactly as the chain
 * does (tests/unit/test_filter.c runs both for every syscall number).
 */
#include <errno.h>
#include <stdbool.h>
#include <sched.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "helper/filter_rules.h"

/*
 * Allowed without conditions: Docker's default list, without what needs a
 * capability, and without io_uring (moby#46762), name_to_handle_at,
 * modify_ldt, and the syscalls handled below.  Names this libseccomp
 * does not know stay denied.
 */
static const char *const allowed[] = { "accept", "accept4", "access",
	"adjtimex", "alarm", "arch_prctl", "bind", "brk", "cachestat", "capget",
	"capset", "chdir", "chmod", "chown", "chown32", "clock_adjtime",
	"clock_adjtime64", "clock_getres", "clock_getres_time64",
	"clock_gettime", "clock_gettime64", "clock_nanosleep",
	"clock_nanosleep_time64", "close", "close_range", "connect",
	"copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create",
	"epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait",
	"epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2",
	"execve", "execveat", "exit", "exit_group", "faccessat", "faccessat2",
	"fadvise64", "fadvise64_64", "fallocate", "fanotify_mark", "fchdir",
	"fchmod", "fchmodat", "fchmodat2", "fchown", "fchown32", "fchownat",
	"fcntl", "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock",
	"fork", "fremovexattr", "fsetxattr", "fstat", "fstat64", "fstatat64",
	"fstatfs", "fstatfs64", "fsync", "ftruncate", "ftruncate64", "futex",
	"futex_requeue", "futex_time64", "futex_wait", "futex_waitv",
	"futex_wake", "futimesat", "get_mempolicy", "get_robust_list",
	"get_thread_area", "getcpu", "getcwd", "getdents", "getdents64",
	"getegid", "getegid32", "geteuid", "geteuid32", "getgid", "getgid32",
	"getgroups", "getgroups32", "getitimer", "getpeername", "getpgid",
	"getpgrp", "getpid", "getppid", "getpriority", "getrandom", "getresgid",
	"getresgid32", "getresuid", "getresuid32", "getrlimit", "getrusage",
	"getsid", "getsockname", "getsockopt", "gettid", "gettimeofday",
	"getuid", "getuid32", "getxattr", "inotify_add_watch", "inotify_init",
	"inotify_init1", "inotify_rm_watch", "io_cancel", "io_destroy",
	"io_getevents", "io_pgetevents", "io_pgetevents_time64", "io_setup",
	"io_submit", "ioprio_get", "ioprio_set", "ipc", "kcmp", "kill",
	"landlock_add_rule", "landlock_create_ruleset",
	"landlock_restrict_self", "lchown", "lchown32", "lgetxattr", "link",
	"linkat", "listen", "listxattr", "llistxattr", "_llseek",
	"lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64", "madvise",
	"map_shadow_stack", "mbind", "membarrier", "memfd_create",
	"memfd_secret", "mincore", "mkdir", "mkdirat", "mknod", "mknodat",
	"mlock", "mlock2", "mlockall", "mmap", "mmap2", "mprotect",
	"mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive",
	"mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64",
	"mq_unlink", "mremap", "msgctl", "msgget", "msgrcv", "msgsnd", "msync",
	"munlock", "munlockall", "munmap", "nanosleep", "newfstatat",
	"_newselect", "open", "openat", "openat2", "pause", "pidfd_open",
	"pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free",
	"pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl", "pread64",
	"preadv", "preadv2", "prlimit64", "process_mrelease",
	"process_vm_readv", "process_vm_writev", "pselect6", "pselect6_time64",
	"ptrace", "pwrite64", "pwritev", "pwritev2", "read", "readahead",
	"readlink", "readlinkat", "readv", "recv", "recvfrom", "recvmmsg",
	"recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr",
	"rename", "renameat", "renameat2", "restart_syscall", "rmdir", "rseq",
	"rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo",
	"rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait",
	"rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sched_get_priority_max",
	"sched_get_priority_min", "sched_getaffinity", "sched_getattr",
	"sched_getparam", "sched_getscheduler", "sched_rr_get_interval",
	"sched_rr_get_interval_time64", "sched_setaffinity", "sched_setattr",
	"sched_setparam", "sched_setscheduler", "sched_yield", "seccomp",
	"select", "semctl", "semget", "semop", "semtimedop",
	"semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg",
	"sendmsg", "sendto", "set_mempolicy", "set_robust_list",
	"set_thread_area", "set_tid_address", "setfsgid", "setfsgid32",
	"setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups",
	"setgroups32", "setitimer", "setpgid", "setpriority", "setregid",
	"setregid32", "setresgid", "setresgid32", "setresuid", "setresuid32",
	"setreuid", "setreuid32", "setrlimit", "setsid", "setsockopt", "setuid",
	"setuid32", "setxattr", "shmat", "shmctl", "shmdt", "shmget",
	"shutdown", "sigaltstack", "signalfd", "signalfd4", "sigprocmask",
	"sigreturn", "socketcall", "socketpair", "splice", "stat", "stat64",
	"statfs", "statfs64", "statx", "symlink", "symlinkat", "sync",
	"sync_file_range", "syncfs", "sysinfo", "tee", "tgkill", "time",
	"timer_create", "timer_delete", "timer_getoverrun", "timer_gettime",
	"timer_gettime64", "timer_settime", "timer_settime64", "timerfd_create",
	"timerfd_gettime", "timerfd_gettime64", "timerfd_settime",
	"timerfd_settime64", "times", "tkill", "truncate", "truncate64",
	"ugetrlimit", "umask", "uname", "unlink", "unlinkat", "utime",
	"utimensat", "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4",
	"waitid", "waitpid", "write", "writev" };

/* The namespace flags of clone(2); CLONE_NEWTIME only exists for clone3
 * and unshare, both refused. */
#define CLONE_NS_FLAGS                                             \
	((uint64_t)(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | \
	    CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET))

static const uint32_t personas[] = { PER_LINUX, PER_LINUX32, UNAME26,
	UNAME26 | PER_LINUX32, 0xffffffffu };

/* The ioctl requests refused, as the kernel sees them (32 bits): typing
 * into the terminal, the console's tricks, and line disciplines (a way to
 * reach n_gsm, n_hdlc and the like). */
static const uint32_t bad_ioctls[] = { TIOCSTI, TIOCLINUX, TIOCSETD };
/* The socket families refused (32 bits). */
static const uint32_t bad_families[] = { AF_VSOCK };

static int
allow_names(scmp_filter_ctx ctx)
{
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		int nr = seccomp_syscall_resolve_name(allowed[i]);
		int rc;

		if (nr == __NR_SCMP_ERROR)
			continue; /* unknown to this libseccomp: stays denied */
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * NR is allowed unless the low 32 bits of argument ARG are one of BAD[N]
 * (the kernel reads an int there; the high bits are the caller's to set).
 * libseccomp has no masked "not equal", so the complement is spelled as
 * allow rules: the value differs from all of BAD in a bit they share, or
 * it agrees on every shared bit and is one of the other combinations of
 * the bits where they differ (few: BAD's values are close).
 */
static int
allow_unless_low32(scmp_filter_ctx ctx, int nr, unsigned int arg,
    const uint32_t *bad, size_t n)
{
	uint32_t shared = 0xffffffffu, diff;
	struct scmp_arg_cmp c = { .arg = arg, .op = SCMP_CMP_MASKED_EQ };
	int rc;

	for (size_t k = 1; k < n; k++)
		shared &= ~(bad[0] ^ bad[k]);
	diff = ~shared;
	if (__builtin_popcount(diff) > 8)
		return -EINVAL;
	for (int i = 0; i < 32; i++) {
		uint64_t bit = (uint64_t)1 << i;

		if (!(shared & bit))
			continue;
		c.datum_a = bit;
		c.datum_b = ~(uint64_t)bad[0] & bit;
		if ((rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, 1,
			 &c)) < 0)
			return rc;
	}
	/* Every subset of the differing bits, on top of the shared ones. */
	for (uint32_t sub = diff;; sub = (sub - 1) & diff) {
		uint32_t v = (bad[0] & shared) | sub;
		bool listed = false;

		for (size_t k = 0; k < n; k++)
			listed |= v == bad[k];
		c.datum_a = 0xffffffffULL;
		c.datum_b = v;
		if (!listed &&
		    (rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, 1,
			 &c)) < 0)
			return rc;
		if (sub == 0)
			break;
	}
	return 0;
}

static int
allow_conditional(scmp_filter_ctx ctx)
{
	int rc;

	/* clone without namespace flags (x86_64: flags are argument 0). */
	rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
	    SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NS_FLAGS, 0));
	if (rc < 0)
		return rc;
	/* clone3 passes its flags in memory: ENOSYS makes libc use clone. */
	rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < sizeof(personas) / sizeof(personas[0]); i++) {
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
		    SCMP_SYS(personality), 1,
		    SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffULL, personas[i]));
		if (rc < 0)
			return rc;
	}
	/* Every socket family but vsock (as Docker). */
	rc = allow_unless_low32(ctx, SCMP_SYS(socket), 0, bad_families,
	    sizeof(bad_families) / sizeof(bad_families[0]));
	if (rc < 0)
		return rc;
	return allow_unless_low32(ctx, SCMP_SYS(ioctl), 1, bad_ioctls,
	    sizeof(bad_ioctls) / sizeof(bad_ioctls[0]));
}

int
filter_build(const struct launch_plan *p, scmp_filter_ctx *out)
{
	scmp_filter_ctx ctx;
	int rc;

	*out = NULL;
	if (p->seccomp == POLICY_SECCOMP_UNCONFINED)
		return 0;
	ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	if (ctx == NULL) {
		errno = ENOMEM;
		return -1;
	}
	/* Only the native arch (seccomp_init's); others are killed. */
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS);
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (rc == 0)
		rc = allow_names(ctx);
	if (rc == 0)
		rc = allow_conditional(ctx);
	if (rc < 0) {
		seccomp_release(ctx);
		errno = -rc;
		return -1;
	}
	*out = ctx;
	return 0;
}

int
filter_export_pfc(scmp_filter_ctx ctx, int fd)
{
	int rc = seccomp_export_pfc(ctx, fd);

	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return 0;
}

int
filter_export_bpf(scmp_filter_ctx ctx, int fd)
{
	int rc = seccomp_export_bpf(ctx, fd);

	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return 0;
}

void
filter_free(scmp_filter_ctx ctx)
{
	if (ctx != NULL)
		seccomp_release(ctx);
}

/* ---- the port forwarder's filter (ports.c) ---- */

/* What the forwarder does after its drop: accept, check the peer through
 * sock_diag, connect inside, splice, epoll, allocate, exit. */
static const char *const fwd_allowed[] = { "accept4", "brk", "clock_gettime",
	"close", "connect", "epoll_ctl", "epoll_pwait", "epoll_pwait2",
	"epoll_wait", "exit", "exit_group", "fcntl", "futex", "getpeername",
	"getpid", "getsockname", "getsockopt", "gettid", "madvise", "mremap",
	"munmap", "pipe2", "read", "recvfrom", "recvmsg", "restart_syscall",
	"rt_sigprocmask", "rt_sigreturn", "sendmsg", "sendto", "shutdown",
	"splice", "write" };

int
filter_build_forwarder(scmp_filter_ctx *out)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int rc = 0;

	*out = NULL;
	if (ctx == NULL) {
		errno = ENOMEM;
		return -1;
	}
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS);
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	for (size_t i = 0;
	     rc == 0 && i < sizeof(fwd_allowed) / sizeof(fwd_allowed[0]); i++) {
		int nr = seccomp_syscall_resolve_name(fwd_allowed[i]);

		if (nr != __NR_SCMP_ERROR)
			rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	}
	/* New sockets: TCP over IPv4 only (the service at 127.0.0.1). */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
		    SCMP_A0(SCMP_CMP_EQ, AF_INET));
	/* prctl only to read the seccomp mode back (filter_load_forwarder). */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
		    SCMP_A0(SCMP_CMP_EQ, PR_GET_SECCOMP));
	/* Memory, never executable. */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
		    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect),
		    1, SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (rc < 0) {
		seccomp_release(ctx);
		errno = -rc;
		return -1;
	}
	*out = ctx;
	return 0;
}
