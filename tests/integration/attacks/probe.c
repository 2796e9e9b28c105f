/*
 * probe.c: attack probes run inside a container by the attack suite
 * (tests/integration/attacks/), built static so it runs in any image.
 *
 * Usage: probe NAME...  Each probe tries one thing the container MUST NOT
 * be able to do and prints "NAME: ok (how it was stopped)" or
 * "NAME: FAIL (what happened)".  Exits 1 if any probe failed.
 *
 * Invariants:
 * - A probe MUST report FAIL whenever the attempted operation succeeded,
 *   so that removing the mitigation it checks makes the suite fail.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

static int failed;

/* Evaluates CALL before reading errno (argument order is unspecified). */
#define TRY(name, call)                     \
	do {                                \
		errno = 0;                  \
		long rc_ = (long)(call);    \
		report((name), rc_, errno); \
	} while (0)

static void
report(const char *name, long rc, int err)
{
	if (rc == -1)
		printf("%s: ok (%s)\n", name, strerror(err));
	else {
		printf("%s: FAIL (returned %ld)\n", name, rc);
		failed = 1;
	}
}

/* Runs FN in a child: a syscall the filter kills must not kill the probe. */
static void
in_child(const char *name, long (*fn)(void))
{
	int st;
	pid_t pid = fork();

	if (pid == -1) {
		printf("%s: FAIL (fork: %s)\n", name, strerror(errno));
		failed = 1;
		return;
	}
	if (pid == 0) {
		long rc = fn();
		_exit(rc == -1 ? 10 : 11);
	}
	if (waitpid(pid, &st, 0) == -1) {
		printf("%s: FAIL (waitpid)\n", name);
		failed = 1;
	} else if (WIFSIGNALED(st))
		printf("%s: ok (killed by signal %d)\n", name, WTERMSIG(st));
	else if (WIFEXITED(st) && WEXITSTATUS(st) == 10)
		printf("%s: ok (refused)\n", name);
	else {
		printf("%s: FAIL (the call succeeded)\n", name);
		failed = 1;
	}
}

static long
x32_getpid(void)
{
	return syscall(0x40000000 | SYS_getpid);
}

static long
int80_getpid(void)
{
	long rc = 20; /* __NR_getpid on i386 */

	__asm__ volatile("int $0x80" : "+a"(rc) : : "memory");
	return rc < 0 ? -1 : rc;
}

static long
clone3_userns(void)
{
	struct clone_args a;
	long rc;

	memset(&a, 0, sizeof(a));
	a.flags = CLONE_NEWUSER;
	a.exit_signal = SIGCHLD;
	rc = syscall(SYS_clone3, &a, sizeof(a));
	if (rc == 0)
		_exit(0);
	return rc > 0 ? rc : -1;
}

static void
probe(const char *n)
{
	char c = '\n';
	int fd;

	errno = 0;
	if (strcmp(n, "unshare-user") == 0)
		TRY(n, unshare(CLONE_NEWUSER));
	else if (strcmp(n, "unshare-mnt") == 0)
		TRY(n, unshare(CLONE_NEWNS));
	else if (strcmp(n, "clone3") == 0) {
		long rc = clone3_userns();
		int err = errno;
		if (rc == -1 && err != ENOSYS) {
			printf("clone3: FAIL (errno %s, want ENOSYS)\n",
			    strerror(err));
			failed = 1;
		} else
			report(n, rc, err);
	} else if (strcmp(n, "mount") == 0)
		TRY(n, mount("none", "/tmp", "tmpfs", 0, NULL));
	else if (strcmp(n, "umount") == 0)
		TRY(n, umount2("/proc/kcore", MNT_DETACH));
	else if (strcmp(n, "keyctl") == 0)
		TRY(n, syscall(SYS_keyctl, 0 /* GET_KEYRING_ID */, -3, 0));
	else if (strcmp(n, "add_key") == 0)
		TRY(n,
		    syscall(SYS_add_key, "user", "ctl", "x", 1,
			-3 /* session keyring */));
	else if (strcmp(n, "userfaultfd") == 0)
		TRY(n, syscall(SYS_userfaultfd, O_CLOEXEC | 1));
	else if (strcmp(n, "io_uring") == 0) {
		char params[120];
		memset(params, 0, sizeof(params));
		TRY(n, syscall(SYS_io_uring_setup, 1, params));
	} else if (strcmp(n, "perf") == 0) {
		char attr[128];
		memset(attr, 0, sizeof(attr));
		attr[4] = sizeof(attr); /* attr.size */
		attr[0] = 1;            /* PERF_TYPE_SOFTWARE */
		TRY(n, syscall(SYS_perf_event_open, attr, 0, -1, -1, 0));
	} else if (strcmp(n, "fsopen") == 0)
		TRY(n, syscall(SYS_fsopen, "tmpfs", 0));
	else if (strcmp(n, "open_tree") == 0)
		TRY(n, syscall(SYS_open_tree, AT_FDCWD, "/", 1 /* CLONE */));
	else if (strcmp(n, "personality") == 0) {
		long rc = personality(READ_IMPLIES_EXEC);
		int err = errno;
		if (rc != -1 && (personality(0xffffffff) & READ_IMPLIES_EXEC))
			report(n, rc, 0);
		else
			report(n, -1, err);
	} else if (strcmp(n, "tiocsti") == 0)
		TRY(n, ioctl(0, TIOCSTI, &c));
	else if (strcmp(n, "tiocsti-hibit") == 0)
		TRY(n,
		    syscall(SYS_ioctl, 0, (unsigned long)TIOCSTI | (1UL << 32),
			&c));
	else if (strcmp(n, "tioclinux") == 0) {
		char sub = 6; /* TIOCL_GETSHIFTSTATE */
		TRY(n, ioctl(0, TIOCLINUX, &sub));
	} else if (strcmp(n, "x32") == 0)
		in_child(n, x32_getpid);
	else if (strcmp(n, "int80") == 0)
		in_child(n, int80_getpid);
	else if (strcmp(n, "clone3-child") == 0)
		in_child(n, clone3_userns);
	else if (strcmp(n, "proc1-exe") == 0) {
		TRY(n, open("/proc/1/exe", O_RDONLY | O_CLOEXEC));
	} else if (strcmp(n, "proc1-exe-write") == 0) {
		TRY(n, open("/proc/1/exe", O_WRONLY | O_CLOEXEC));
	} else if (strcmp(n, "proc1-environ") == 0) {
		char buf[64];
		fd = open("/proc/1/environ", O_RDONLY | O_CLOEXEC);
		int err = errno;
		if (fd != -1 && read(fd, buf, sizeof(buf)) <= 0) {
			err = errno;
			close(fd);
			fd = -1;
		}
		report(n, fd, err);
	} else if (strcmp(n, "setuid0") == 0)
		TRY(n, setuid(0));
	else if (strcmp(n, "mknod") == 0)
		TRY(n, mknod("/tmp/ctl-null", S_IFCHR | 0666, makedev(1, 3)));
	else {
		printf("%s: FAIL (unknown probe)\n", n);
		failed = 1;
	}
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		probe(argv[i]);
	return failed;
}
