/*
 * try_syscall.c: a static test program run inside a container: calls
 * each named syscall with harmless arguments (an invalid fd or path, so
 * that an unfiltered call fails with EBADF, ENOENT or EFAULT) and prints
 * "NAME RESULT" per line, RESULT being "ok" or the errno name.  "x32" and
 * "int80" make a call of another ABI (the filter kills the process).
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOPATH "/nonexistent-ctr-launch-test"

static long
int80_getpid(void)
{
	long r = 20; /* i386 getpid */

	__asm__ volatile("int $0x80" : "+a"(r) : : "memory");
	return r;
}

static long
call(const char *n)
{
	unsigned long sti = TIOCSTI, lin = TIOCLINUX;
	char c = 'x';

	if (strcmp(n, "unshare") == 0)
		return syscall(SYS_unshare, CLONE_NEWUSER);
	if (strcmp(n, "unshare-ns") == 0)
		return syscall(SYS_unshare, CLONE_NEWNS);
	if (strcmp(n, "clone-newuser") == 0) {
		long r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0,
		    0);
		if (r == 0)
			_exit(0);
		if (r > 0)
			waitpid((pid_t)r, NULL, 0);
		return r < 0 ? r : 0;
	}
	if (strcmp(n, "clone3") == 0)
		return syscall(SYS_clone3, NULL, 0);
	if (strcmp(n, "setns") == 0)
		return syscall(SYS_setns, -1, 0);
	if (strcmp(n, "mount") == 0)
		return syscall(SYS_mount, "none", NOPATH, "tmpfs", 0, NULL);
	if (strcmp(n, "umount2") == 0)
		return syscall(SYS_umount2, NOPATH, 0);
	if (strcmp(n, "pivot_root") == 0)
		return syscall(SYS_pivot_root, NOPATH, NOPATH);
	if (strcmp(n, "open_tree") == 0)
		return syscall(SYS_open_tree, -1, NOPATH, 0);
	if (strcmp(n, "move_mount") == 0)
		return syscall(SYS_move_mount, -1, NOPATH, -1, NOPATH, 0);
	if (strcmp(n, "fsopen") == 0)
		return syscall(SYS_fsopen, "tmpfs", 0);
	if (strcmp(n, "fspick") == 0)
		return syscall(SYS_fspick, -1, NOPATH, 0);
	if (strcmp(n, "mount_setattr") == 0)
		return syscall(SYS_mount_setattr, -1, NOPATH, 0, NULL, 0);
	if (strcmp(n, "keyctl") == 0)
		return syscall(SYS_keyctl, 0, -100, 0);
	if (strcmp(n, "add_key") == 0)
		return syscall(SYS_add_key, NULL, NULL, NULL, 0, 0);
	if (strcmp(n, "bpf") == 0)
		return syscall(SYS_bpf, -1, NULL, 0);
	if (strcmp(n, "perf_event_open") == 0)
		return syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0);
	if (strcmp(n, "userfaultfd") == 0)
		return syscall(SYS_userfaultfd, -1);
	if (strcmp(n, "io_uring_setup") == 0)
		return syscall(SYS_io_uring_setup, 0, NULL);
	if (strcmp(n, "init_module") == 0)
		return syscall(SYS_init_module, NULL, 0, NULL);
	if (strcmp(n, "kexec_load") == 0)
		return syscall(SYS_kexec_load, 0, 0, NULL, -1L);
	if (strcmp(n, "tiocsti") == 0)
		return syscall(SYS_ioctl, -1, sti, &c);
	if (strcmp(n, "tiocsti-high") == 0)
		return syscall(SYS_ioctl, -1, (1UL << 32) | sti, &c);
	if (strcmp(n, "tioclinux") == 0)
		return syscall(SYS_ioctl, -1, lin, &c);
	if (strcmp(n, "tiocsetd") == 0)
		return syscall(SYS_ioctl, -1, (unsigned long)TIOCSETD, &c);
	if (strcmp(n, "vsock") == 0)
		return syscall(SYS_socket, AF_VSOCK, SOCK_STREAM, 0);
	if (strcmp(n, "vsock-high") == 0)
		return syscall(SYS_socket, (1UL << 32) | AF_VSOCK, SOCK_STREAM,
		    0);
	if (strcmp(n, "tcgets") == 0)
		return syscall(SYS_ioctl, -1, (unsigned long)TCGETS, &c);
	if (strcmp(n, "personality-exec") == 0)
		return syscall(SYS_personality, READ_IMPLIES_EXEC);
	if (strcmp(n, "personality-query") == 0)
		return syscall(SYS_personality, 0xffffffffUL) < 0 ? -1 : 0;
	if (strcmp(n, "ptrace-attach-1") == 0)
		return syscall(SYS_ptrace, 16 /* PTRACE_ATTACH */, 1, 0, 0);
	if (strcmp(n, "x32") == 0)
		return syscall(0x40000000 | SYS_getpid);
	if (strcmp(n, "int80") == 0)
		return int80_getpid() < 0 ? -1 : 0;
	errno = EINVAL;
	return -1;
}

int
main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		long r;

		errno = 0;
		r = call(argv[i]);
		printf("%s %s\n", argv[i],
		    r >= 0 ? "ok" : strerrorname_np(errno));
		fflush(stdout);
	}
	return 0;
}
