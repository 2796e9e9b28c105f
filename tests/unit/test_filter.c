/*
 * test_filter.c: the seccomp filter, read two ways: as exported pseudo
 * code and BPF (architectures, default action, what is absent), and by
 * loading it in a forked child with filter_load() and calling each
 * denied syscall with harmless arguments (bubblewrap's try-syscall
 * technique).  Each probe is also run without the filter, so that a
 * denial the kernel would give anyway cannot pass for the filter's.  The
 * programs the helper loads, compiled when it was built, are the rules
 * compiled now, byte for byte; and, run by a small classic-BPF evaluator,
 * they decide every syscall number and argument the rules compare exactly
 * as the same rules compiled as a plain chain of comparisons.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "helper/filter.h"
#include "helper/filter_rules.h"
#include "helper/log.h"
#include "tests/unit/maps.h"

#define NOPATH "/nonexistent-ctr-launch-test"

/* CTX (consumed) exported as BPF or PFC, NUL-terminated; *LEN bytes. */
static char *
export_ctx(scmp_filter_ctx ctx, bool bpf, size_t *len)
{
	int fd = memfd_create("pfc", MFD_CLOEXEC);
	char *buf;
	off_t n;

	assert_true(fd >= 0);
	assert_non_null(ctx);
	assert_int_equal(bpf ? filter_export_bpf(ctx, fd) :
			       filter_export_pfc(ctx, fd),
	    0);
	filter_free(ctx);
	n = lseek(fd, 0, SEEK_END);
	assert_true(n > 0);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(pread(fd, buf, (size_t)n, 0), n);
	close(fd);
	*len = (size_t)n;
	return buf;
}

/* The container's filter (default plan), exported. */
static char *export(bool bpf, size_t *len)
{
	struct launch_plan p;
	scmp_filter_ctx ctx = NULL;

	memset(&p, 0, sizeof(p));
	assert_int_equal(filter_build(&p, &ctx), 0);
	return export_ctx(ctx, bpf, len);
}

static void
test_unconfined_builds_nothing(void **state)
{
	static int sentinel;
	struct launch_plan p;
	scmp_filter_ctx ctx = &sentinel;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.seccomp = POLICY_SECCOMP_UNCONFINED;
	assert_int_equal(filter_build(&p, &ctx), 0);
	assert_null(ctx);
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static void
test_pfc(void **state)
{
	static const char *const absent[] = { "\"mount\"", "\"umount2\"",
		"\"move_mount\"", "\"open_tree\"", "\"fsopen\"", "\"fsconfig\"",
		"\"fsmount\"", "\"fspick\"", "\"pivot_root\"",
		"\"mount_setattr\"", "\"unshare\"", "\"setns\"", "\"keyctl\"",
		"\"add_key\"", "\"request_key\"", "\"bpf\"",
		"\"perf_event_open\"", "\"userfaultfd\"", "\"kexec_load\"",
		"\"kexec_file_load\"", "\"init_module\"", "\"finit_module\"",
		"\"delete_module\"", "\"io_uring_setup\"", "\"io_uring_enter\"",
		"\"io_uring_register\"", "\"chroot\"", "\"open_by_handle_at\"",
		"\"name_to_handle_at\"", "\"modify_ldt\"", "\"acct\"",
		"\"swapon\"", "\"reboot\"", "\"settimeofday\"",
		"\"clock_settime\"", "\"syslog\"" };
	size_t len;
	char *pfc = export(false, &len);
	const char *c3;

	(void)state;
	/* Only the native architecture; others hit the bad-arch action. */
	assert_int_equal(count(pfc, "# filter for arch "), 1);
#ifdef __x86_64__
	assert_non_null(strstr(pfc, "# filter for arch x86_64 "));
#endif
	assert_non_null(
	    strstr(pfc, "# invalid architecture action\naction KILL_PROCESS;"));
	assert_non_null(strstr(pfc, "# default action\n  action ERRNO(1);"));
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		if (strstr(pfc, absent[i]) != NULL)
			fail_msg("%s is in the filter", absent[i]);
	c3 = strstr(pfc, "\"clone3\"");
	assert_non_null(c3);
	assert_true(
	    strncmp(strstr(c3, "action "), "action ERRNO(38);", 17) == 0);
	free(pfc);
}

#ifdef __x86_64__
/* The x32 ABI (syscall numbers with bit 30 under the x86_64 arch) goes to
 * the bad-arch action: jge 0x40000000 then ret KILL_PROCESS. */
static void
test_bpf_x32(void **state)
{
	size_t len;
	char *raw = export(true, &len);
	const struct sock_filter *f = (const struct sock_filter *)raw;
	size_t n = len / sizeof(*f);
	bool jge = false, kill = false;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		if (f[i].code == (BPF_JMP | BPF_JGE | BPF_K) &&
		    f[i].k == 0x40000000u) {
			const struct sock_filter *t = &f[i + 1 + f[i].jt];
			const struct sock_filter *u = &t[1 + t->jf];
			/* taken: jeq -1 (libseccomp's "no syscall"), else kill */
			jge = t->code == (BPF_JMP | BPF_JEQ | BPF_K) &&
			    u->code == (BPF_RET | BPF_K) && u->k == 0x80000000u;
		}
		if (f[i].code == (BPF_RET | BPF_K) && f[i].k == 0x80000000u)
			kill = true;
	}
	assert_true(jge);
	assert_true(kill);
	free(raw);
}
#endif

enum probe {
	PR_CLONE_NS, /* before unshare: an unmapped user ns nests nothing */
	PR_UNSHARE,
	PR_SETNS,
	PR_MOUNT,
	PR_UMOUNT2,
	PR_PIVOT_ROOT,
	PR_MOVE_MOUNT,
	PR_OPEN_TREE,
	PR_FSOPEN,
	PR_FSCONFIG,
	PR_FSMOUNT,
	PR_FSPICK,
	PR_MOUNT_SETATTR,
	PR_KEYCTL,
	PR_ADD_KEY,
	PR_REQUEST_KEY,
	PR_BPF,
	PR_PERF,
	PR_USERFAULTFD,
	PR_KEXEC,
	PR_KEXEC_FILE,
	PR_INIT_MODULE,
	PR_FINIT_MODULE,
	PR_DELETE_MODULE,
	PR_URING_SETUP,
	PR_URING_ENTER,
	PR_URING_REGISTER,
	PR_TIOCSTI,
	PR_TIOCSTI_HI,
	PR_TIOCLINUX,
	PR_TIOCLINUX_HI,
	PR_PERSONA_BAD,
	PR_PERSONA_NORAND,
	PR_VSOCK,
	PR_VSOCK_HI,
	PR_TIOCSETD,
	PR_CHROOT,
	PR_UNKNOWN,
	/* Above: refused with EPERM.  Below: other expectations. */
	PR_CLONE3,
	PR_FORK,
	PR_PERSONA_QUERY,
	PR_PERSONA_LINUX,
	PR_UNIX_SOCKET,
	PR_TCGETS,
	PR_PTRACE,
	PR_N,
	PR_FIRST_OTHER = PR_CLONE3,
};

static long
probe(enum probe p)
{
	unsigned long sti = TIOCSTI, lin = TIOCLINUX;
	char c = 'x';
	long r;

	errno = 0;
	switch (p) {
	case PR_UNSHARE: /* in a child: the new user ns would stay */
		r = fork();
		if (r == 0)
			_exit(syscall(SYS_unshare, CLONE_NEWUSER) < 0 ? errno :
									0);
		if (r > 0) {
			int st = 0;
			waitpid((pid_t)r, &st, 0);
			errno = WEXITSTATUS(st);
			r = errno ? -1 : 0;
		}
		break;
	case PR_CLONE_NS:
		r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
		if (r == 0)
			_exit(0);
		if (r > 0)
			waitpid((pid_t)r, NULL, 0);
		break;
	case PR_SETNS:
		r = syscall(SYS_setns, -1, 0);
		break;
	case PR_MOUNT:
		r = syscall(SYS_mount, "none", NOPATH, "tmpfs", 0, NULL);
		break;
	case PR_UMOUNT2:
		r = syscall(SYS_umount2, NOPATH, 0);
		break;
	case PR_PIVOT_ROOT:
		r = syscall(SYS_pivot_root, NOPATH, NOPATH);
		break;
	case PR_MOVE_MOUNT:
		r = syscall(SYS_move_mount, -1, NOPATH, -1, NOPATH, 0);
		break;
	case PR_OPEN_TREE:
		r = syscall(SYS_open_tree, -1, NOPATH, 0);
		break;
	case PR_FSOPEN:
		r = syscall(SYS_fsopen, "nonexistent-fs", 0);
		break;
	case PR_FSCONFIG:
		r = syscall(SYS_fsconfig, -1, 0, NULL, NULL, 0);
		break;
	case PR_FSMOUNT:
		r = syscall(SYS_fsmount, -1, 0, 0);
		break;
	case PR_FSPICK:
		r = syscall(SYS_fspick, -1, NOPATH, 0);
		break;
	case PR_MOUNT_SETATTR:
		r = syscall(SYS_mount_setattr, -1, NOPATH, 0, NULL, 0);
		break;
	case PR_KEYCTL:
		r = syscall(SYS_keyctl, 0, -100, 0);
		break;
	case PR_ADD_KEY:
		r = syscall(SYS_add_key, NULL, NULL, NULL, 0, 0);
		break;
	case PR_REQUEST_KEY:
		r = syscall(SYS_request_key, NULL, NULL, NULL, 0);
		break;
	case PR_BPF:
		r = syscall(SYS_bpf, -1, NULL, 0);
		break;
	case PR_PERF:
		r = syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0);
		break;
	case PR_USERFAULTFD:
		r = syscall(SYS_userfaultfd, -1);
		break;
	case PR_KEXEC:
		r = syscall(SYS_kexec_load, 0, 0, NULL, -1L);
		break;
	case PR_KEXEC_FILE:
		r = syscall(SYS_kexec_file_load, -1, -1, 0, NULL, -1L);
		break;
	case PR_INIT_MODULE:
		r = syscall(SYS_init_module, NULL, 0, NULL);
		break;
	case PR_FINIT_MODULE:
		r = syscall(SYS_finit_module, -1, NULL, 0);
		break;
	case PR_DELETE_MODULE:
		r = syscall(SYS_delete_module, NULL, 0);
		break;
	case PR_URING_SETUP:
		r = syscall(SYS_io_uring_setup, 0, NULL);
		break;
	case PR_URING_ENTER:
		r = syscall(SYS_io_uring_enter, -1, 0, 0, 0, NULL, 0);
		break;
	case PR_URING_REGISTER:
		r = syscall(SYS_io_uring_register, -1, 0, NULL, 0);
		break;
	case PR_TIOCSTI:
		r = syscall(SYS_ioctl, -1, sti, &c);
		break;
	case PR_TIOCSTI_HI:
		r = syscall(SYS_ioctl, -1, (1UL << 32) | sti, &c);
		break;
	case PR_TIOCLINUX:
		r = syscall(SYS_ioctl, -1, lin, &c);
		break;
	case PR_TIOCLINUX_HI:
		r = syscall(SYS_ioctl, -1, (0xdeadUL << 32) | lin, &c);
		break;
	case PR_PERSONA_BAD:
		r = syscall(SYS_personality, READ_IMPLIES_EXEC);
		break;
	case PR_PERSONA_NORAND:
		r = syscall(SYS_personality, ADDR_NO_RANDOMIZE);
		break;
	case PR_VSOCK:
		r = syscall(SYS_socket, AF_VSOCK, SOCK_STREAM, 0);
		break;
	case PR_VSOCK_HI: /* the kernel reads an int */
		r = syscall(SYS_socket, (1UL << 32) | AF_VSOCK, SOCK_STREAM, 0);
		break;
	case PR_TIOCSETD:
		r = syscall(SYS_ioctl, -1, (unsigned long)TIOCSETD, &c);
		break;
	case PR_CHROOT:
		r = syscall(SYS_chroot, NOPATH);
		break;
	case PR_UNKNOWN:
		r = syscall(999);
		break;
	case PR_CLONE3:
		r = syscall(SYS_clone3, NULL, 0);
		break;
	case PR_FORK:
		r = fork();
		if (r == 0)
			_exit(0);
		if (r > 0) {
			waitpid((pid_t)r, NULL, 0);
			r = 0;
		}
		break;
	case PR_PERSONA_QUERY:
		r = syscall(SYS_personality, 0xffffffffUL);
		break;
	case PR_PERSONA_LINUX:
		r = syscall(SYS_personality, PER_LINUX);
		break;
	case PR_UNIX_SOCKET:
		r = syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
		if (r >= 0) {
			close((int)r);
			r = 0;
		}
		break;
	case PR_TCGETS:
		r = syscall(SYS_ioctl, -1, (unsigned long)TCGETS, &c);
		break;
	case PR_PTRACE:
		r = syscall(SYS_ptrace, PTRACE_PEEKDATA, 999999999, NULL, NULL);
		break;
	default:
		r = -1;
		errno = EINVAL;
	}
	return r < 0 ? -errno : 0;
}

/* Runs every probe in a child, filtered or not; fills RES with 0 or
 * -errno.  Returns the child's wait status. */
static int
run_probes(bool filtered, long *res)
{
	int fds[2], status;
	pid_t pid;

	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct launch_plan p;

		memset(&p, 0, sizeof(p));
		log_set_child();
		close(fds[0]);
		if (filtered) {
			prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
			filter_load(&p);
		}
		for (int i = 0; i < PR_N; i++) {
			long r = probe((enum probe)i);
			if (write(fds[1], &r, sizeof(r)) != sizeof(r))
				_exit(2);
		}
		_exit(0);
	}
	close(fds[1]);
	for (int i = 0; i < PR_N; i++)
		assert_int_equal(read(fds[0], &res[i], sizeof(res[i])),
		    sizeof(res[i]));
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void
test_denials_from_inside(void **state)
{
	long on[PR_N], off[PR_N];
	int st;

	(void)state;
	st = run_probes(true, on);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	st = run_probes(false, off);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	for (int i = 0; i < PR_FIRST_OTHER; i++) {
		if (on[i] != -EPERM)
			fail_msg("probe %d: %ld, not EPERM", i, on[i]);
		/* As root nothing here is EPERM without the filter. */
		if (geteuid() == 0 && off[i] == -EPERM && i != PR_KEXEC &&
		    i != PR_KEXEC_FILE)
			fail_msg("probe %d: EPERM without the filter", i);
	}
	assert_int_equal(on[PR_CLONE3], -ENOSYS);
	assert_true(off[PR_CLONE3] != -ENOSYS);
	assert_int_equal(on[PR_FORK], 0);
	assert_int_equal(on[PR_PERSONA_QUERY], 0);
	assert_int_equal(on[PR_PERSONA_LINUX], 0);
	assert_int_equal(on[PR_UNIX_SOCKET], 0);
	assert_int_equal(on[PR_TCGETS], -EBADF);
	/* ptrace is allowed (as Docker on >= 4.8): only the container's own
	 * processes are visible in its pid namespace. */
	assert_int_equal(on[PR_PTRACE], -ESRCH);
	assert_int_equal(off[PR_TIOCSTI], -EBADF);
	assert_int_equal(off[PR_TIOCSTI_HI], -EBADF);
}

static bool
bad_ioctl(unsigned long req)
{
	unsigned long low = req & 0xffffffffUL;

	return low == TIOCSTI || low == TIOCLINUX || low == TIOCSETD;
}

/* Runs MISSES in a child under the container's filter: the number of
 * calls whose result was not the expected one must be 0. */
static void
assert_filtered(long (*misses)(void))
{
	int fds[2], status;
	pid_t pid;
	long bad = 0;

	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct launch_plan p;
		long n;

		memset(&p, 0, sizeof(p));
		log_set_child();
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		filter_load(&p);
		n = misses();
		(void)!write(fds[1], &n, sizeof(n));
		_exit(0);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &bad, sizeof(bad)), sizeof(bad));
	close(fds[0]);
	waitpid(pid, &status, 0);
	assert_int_equal(bad, 0);
}

static long
ioctl_misses(void)
{
	unsigned long x = 88172645463325252UL;
	long n = 0;

	for (unsigned long r = 0; r < 0x20000; r++) {
		unsigned long req = r < 0x10000 ? r : (r << 16) | 0x54;
		long e = syscall(SYS_ioctl, -1, req, NULL) < 0 ? errno : 0;
		bool deny = bad_ioctl(req);
		if ((deny && e != EPERM) || (!deny && e != EBADF))
			n++;
	}
	for (int i = 0; i < 100000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		unsigned long req = i % 3 == 1 ? (x & ~0xffffffffUL) | TIOCSTI :
		    i % 3 == 2 ? (x & ~0xffffffffUL) | TIOCSETD :
				 x;
		long e = syscall(SYS_ioctl, -1, req, NULL) < 0 ? errno : 0;
		bool deny = bad_ioctl(req);
		if ((deny && e != EPERM) || (!deny && e != EBADF))
			n++;
	}
	return n;
}

/* Every ioctl request other than TIOCSTI, TIOCLINUX and TIOCSETD (on 32
 * bits) gets through to the kernel (EBADF on fd -1). */
static void
test_ioctl_complement(void **state)
{
	(void)state;
	assert_filtered(ioctl_misses);
}

static long
socket_misses(void)
{
	unsigned long x = 88172645463325252UL;
	long n = 0;

	for (int i = 0; i < 20000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		unsigned long fam = i < 256 ? (unsigned long)i :
		    i % 2                   ? (x & ~0xffffffffUL) | AF_VSOCK :
					      x;
		long e = syscall(SYS_socket, fam, -1, 0) < 0 ? errno : 0;
		bool deny = (fam & 0xffffffffUL) == AF_VSOCK;
		if ((deny && e != EPERM) || (!deny && e != EINVAL))
			n++;
	}
	return n;
}

/* Every socket family but AF_VSOCK (on 32 bits) gets through to the
 * kernel: with an invalid type (-1) that is EINVAL, whatever the family. */
static void
test_socket_complement(void **state)
{
	(void)state;
	assert_filtered(socket_misses);
}

#ifdef __x86_64__
static long
int80_getpid(void)
{
	long r = 20; /* i386 getpid */

	__asm__ volatile("int $0x80" : "+a"(r) : : "memory");
	return r;
}

/* Runs FN in a child, filtered or not; returns the wait status. */
static int
run_killer(bool filtered, int which)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct launch_plan p;

		memset(&p, 0, sizeof(p));
		log_set_child();
		/* The test runner's handlers would catch a fault and run the
		 * rest of the tests in this child: a kernel without ia32
		 * emulation answers int 0x80 with SIGSEGV. */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGSYS, SIG_DFL);
		if (filtered) {
			prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
			filter_load(&p);
		}
		if (which == 0)
			syscall(0x40000000 | SYS_getpid);
		else
			int80_getpid();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void
test_other_arches_killed(void **state)
{
	int st;

	(void)state;
	/* x32: killed even though this kernel may not run x32 at all. */
	st = run_killer(true, 0);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
	assert_true(WIFEXITED(run_killer(false, 0)));
	/* i386 through int 0x80: killed by the filter where the kernel has
	 * ia32 emulation; a kernel without it faults int 0x80 itself,
	 * filtered or not, and no i386 call runs either way. */
	st = run_killer(false, 1);
	if (!WIFEXITED(st)) {
		assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
		st = run_killer(true, 1);
		assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
		return;
	}
	st = run_killer(true, 1);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
}
#endif

/* Without no_new_privs the filter is not loaded and the launch ends. */
static void
test_load_requires_nnp(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct launch_plan p;

		memset(&p, 0, sizeof(p));
		log_set_child();
		log_set_stderr_fd(open("/dev/null", O_WRONLY | O_CLOEXEC));
		filter_load(&p);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), CTL_EXIT_FAIL);
}

static void
test_unconfined_loads_nothing(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct launch_plan p;

		memset(&p, 0, sizeof(p));
		p.seccomp = POLICY_SECCOMP_UNCONFINED;
		log_set_child();
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		filter_load(&p);
		_exit(prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 0 ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* The program the helper loads is the rules compiled now: the generator
 * ran them through this libseccomp at build time, and nothing changed
 * them since. */
static void
test_embedded_is_compiled_rules(void **state)
{
	size_t len;
	char *bpf = export(true, &len);

	(void)state;
	assert_int_equal(len, (size_t)filter_prog_len * sizeof(filter_prog[0]));
	assert_memory_equal(bpf, filter_prog, len);
	free(bpf);
	/* Linked read-only: both programs lie in mappings without write. */
	assert_false(mapping_writable(filter_prog));
	assert_false(mapping_writable(filter_fwd_prog));
}

static void
test_embedded_forwarder_is_compiled_rules(void **state)
{
	scmp_filter_ctx ctx = NULL;
	size_t len;
	char *bpf;

	(void)state;
	assert_int_equal(filter_build_forwarder(&ctx), 0);
	bpf = export_ctx(ctx, true, &len);
	assert_int_equal(len,
	    (size_t)filter_fwd_prog_len * sizeof(filter_fwd_prog[0]));
	assert_memory_equal(bpf, filter_fwd_prog, len);
	free(bpf);
}

#ifdef __x86_64__
/* A classic-BPF evaluator for seccomp programs: what the kernel returns
 * for D; *ARGS is set when the program read a syscall argument.  Fails the
 * test on an instruction it does not know. */
static uint32_t
bpf_run(const struct sock_filter *f, size_t n, const struct seccomp_data *d,
    bool *args)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 };

	for (size_t pc = 0; pc < n; pc++) {
		const struct sock_filter *i = &f[pc];

		switch (i->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			assert_true(i->k % 4 == 0 && i->k < sizeof(*d));
			memcpy(&a, (const char *)d + i->k, 4);
			if (i->k >= offsetof(struct seccomp_data, args))
				*args = true;
			break;
		case BPF_LD | BPF_IMM:
			a = i->k;
			break;
		case BPF_LDX | BPF_IMM:
			x = i->k;
			break;
		case BPF_LD | BPF_MEM:
			a = mem[i->k % BPF_MEMWORDS];
			break;
		case BPF_LDX | BPF_MEM:
			x = mem[i->k % BPF_MEMWORDS];
			break;
		case BPF_ST:
			mem[i->k % BPF_MEMWORDS] = a;
			break;
		case BPF_STX:
			mem[i->k % BPF_MEMWORDS] = x;
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			a &= i->k;
			break;
		case BPF_ALU | BPF_OR | BPF_K:
			a |= i->k;
			break;
		case BPF_MISC | BPF_TAX:
			x = a;
			break;
		case BPF_MISC | BPF_TXA:
			a = x;
			break;
		case BPF_JMP | BPF_JA:
			pc += i->k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += a == i->k ? i->jt : i->jf;
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			pc += a > i->k ? i->jt : i->jf;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			pc += a >= i->k ? i->jt : i->jf;
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			pc += (a & i->k) != 0 ? i->jt : i->jf;
			break;
		case BPF_RET | BPF_K:
			return i->k;
		default:
			fail_msg("unknown BPF instruction %#x at %zu", i->code,
			    pc);
		}
	}
	fail_msg("the program runs off its end");
	return 0;
}

/* Whether A and B decide D alike; *ARGS as bpf_run. */
static bool
alike(const struct sock_filter *a, size_t na, const struct sock_filter *b,
    size_t nb, const struct seccomp_data *d, bool *args)
{
	return bpf_run(a, na, d, args) == bpf_run(b, nb, d, args);
}

static int
cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

/* How many cases A and B decide differently: every syscall number below
 * 1024 and in the x32 range on the native arch (and below 1024 on i386),
 * with all arguments 0 and all ~0; and, for each number whose decision
 * reads an argument, each argument (alone, and all six at once) set to
 * every constant either program compares, one below and one above it, in
 * the low and in the high word. */
static size_t
differences(const struct sock_filter *a, size_t na, const struct sock_filter *b,
    size_t nb)
{
	const struct sock_filter *progs[2] = { a, b };
	size_t lens[2] = { na, nb }, nv = 0, diff = 0, checked = 0;
	uint64_t *vals = calloc(6 * (na + nb) + 2, sizeof(*vals));

	assert_non_null(vals);
	vals[nv++] = 0;
	vals[nv++] = ~(uint64_t)0;
	for (int p = 0; p < 2; p++)
		for (size_t i = 0; i < lens[p]; i++) {
			uint16_t c = progs[p][i].code;

			if (BPF_CLASS(c) != BPF_JMP || BPF_OP(c) == BPF_JA)
				continue;
			for (int dk = -1; dk <= 1; dk++) {
				uint32_t v = progs[p][i].k + (uint32_t)dk;

				vals[nv++] = v;
				vals[nv++] = (uint64_t)v << 32;
			}
		}
	qsort(vals, nv, sizeof(*vals), cmp_u64);
	for (int arch = 0; arch < 2; arch++)
		for (int64_t k = -1; k < (arch == 0 ? 2048 : 1024); k++) {
			struct seccomp_data d;
			bool args = false;

			memset(&d, 0, sizeof(d));
			d.arch = arch == 0 ? AUDIT_ARCH_X86_64 :
					     AUDIT_ARCH_I386;
			d.nr = k < 1024 ? (int)k : (int)(0x40000000 + k - 1024);
			diff += !alike(a, na, b, nb, &d, &args);
			memset(d.args, 0xff, sizeof(d.args));
			diff += !alike(a, na, b, nb, &d, &args);
			checked += 2;
			if (!args)
				continue;
			for (size_t vi = 0; vi < nv; vi++) {
				if (vi > 0 && vals[vi] == vals[vi - 1])
					continue;
				for (int pos = -1; pos < 6; pos++) {
					for (int j = 0; j < 6; j++)
						d.args[j] = pos < 0 ||
							pos == j ?
						    vals[vi] :
						    0;
					diff += !alike(a, na, b, nb, &d, &args);
					checked++;
				}
			}
		}
	free(vals);
	assert_true(checked > 10000);
	return diff;
}

/* CTX (consumed) compiled as a chain of comparisons (libseccomp's default
 * optimization), as BPF; *N instructions. */
static struct sock_filter *
chain_of(scmp_filter_ctx ctx, size_t *n)
{
	size_t len;

	assert_int_equal(seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 1), 0);
	struct sock_filter *f = (struct sock_filter *)export_ctx(ctx, true,
	    &len);
	*n = len / sizeof(*f);
	return f;
}

/* The shipped tree decides as the chain of the same rules; and the chain
 * is not the tree (the comparison compares two different programs). */
static void
test_tree_decides_as_chain(void **state)
{
	struct launch_plan p;
	scmp_filter_ctx ctx = NULL;
	struct sock_filter *chain, *mutant;
	size_t n;

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_int_equal(filter_build(&p, &ctx), 0);
	chain = chain_of(ctx, &n);
	assert_true(n != filter_prog_len ||
	    memcmp(chain, filter_prog, n * sizeof(*chain)) != 0);
	assert_int_equal(differences(chain, n, filter_prog, filter_prog_len),
	    0);
	/* The comparison sees a change: the tree with its last comparison
	 * (an argument's) turned around. */
	mutant = malloc(filter_prog_len * sizeof(*mutant));
	assert_non_null(mutant);
	memcpy(mutant, filter_prog, filter_prog_len * sizeof(*mutant));
	for (size_t i = filter_prog_len; i-- > 0;)
		if (mutant[i].code == (BPF_JMP | BPF_JEQ | BPF_K) &&
		    mutant[i].jt != mutant[i].jf) {
			uint8_t t = mutant[i].jt;

			mutant[i].jt = mutant[i].jf;
			mutant[i].jf = t;
			break;
		}
	assert_true(differences(chain, n, mutant, filter_prog_len) > 0);
	free(mutant);
	free(chain);
	assert_int_equal(filter_build_forwarder(&ctx), 0);
	chain = chain_of(ctx, &n);
	assert_int_equal(differences(chain, n, filter_fwd_prog,
			     filter_fwd_prog_len),
	    0);
	free(chain);
}

/* The evaluator itself: the shipped program allows read, denies mount
 * with EPERM, answers clone3 with ENOSYS and kills another arch. */
static void
test_evaluator(void **state)
{
	struct seccomp_data d;
	bool args = false;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.arch = AUDIT_ARCH_X86_64;
	d.nr = SYS_read;
	assert_int_equal(bpf_run(filter_prog, filter_prog_len, &d, &args),
	    SECCOMP_RET_ALLOW);
	d.nr = SYS_mount;
	assert_int_equal(bpf_run(filter_prog, filter_prog_len, &d, &args),
	    SECCOMP_RET_ERRNO | EPERM);
	d.nr = SYS_clone3;
	assert_int_equal(bpf_run(filter_prog, filter_prog_len, &d, &args),
	    SECCOMP_RET_ERRNO | ENOSYS);
	d.arch = AUDIT_ARCH_I386;
	d.nr = 3;
	assert_int_equal(bpf_run(filter_prog, filter_prog_len, &d, &args),
	    SECCOMP_RET_KILL_PROCESS);
	assert_false(args);
	/* ioctl(TIOCSTI) reads its request argument and is refused. */
	d.arch = AUDIT_ARCH_X86_64;
	d.nr = SYS_ioctl;
	d.args[1] = TIOCSTI;
	assert_int_equal(bpf_run(filter_prog, filter_prog_len, &d, &args),
	    SECCOMP_RET_ERRNO | EPERM);
	assert_true(args);
}
#endif

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unconfined_builds_nothing),
		cmocka_unit_test(test_pfc),
#ifdef __x86_64__
		cmocka_unit_test(test_bpf_x32),
		cmocka_unit_test(test_other_arches_killed),
#endif
		cmocka_unit_test(test_denials_from_inside),
		cmocka_unit_test(test_ioctl_complement),
		cmocka_unit_test(test_socket_complement),
		cmocka_unit_test(test_load_requires_nnp),
		cmocka_unit_test(test_unconfined_loads_nothing),
		cmocka_unit_test(test_embedded_is_compiled_rules),
		cmocka_unit_test(test_embedded_forwarder_is_compiled_rules),
#ifdef __x86_64__
		cmocka_unit_test(test_evaluator),
		cmocka_unit_test(test_tree_decides_as_chain),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
