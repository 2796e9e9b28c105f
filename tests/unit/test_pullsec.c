/*
 * test_pullsec.c: the seccomp filter of ctr-image pull's network child
 * (image/pullsec.c), loaded in a forked process.
 *
 * Invariants checked:
 * - ioctl(2) on a terminal is refused with EPERM: TIOCSTI, TCSETS,
 *   TIOCSWINSZ; FIONREAD, FIONBIO and TCGETS still work.
 * - bind(2) is refused (a socket file would be a path), on a new
 *   AF_UNIX socket and on a socketpair's end; connect(2) is not refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>

#include "image/pullsec.c"

/* Runs FN with the filter loaded in a child; its exit status (0: all
 * its checks held, N: check N failed). */
static int
filtered(int (*fn)(void *), void *arg)
{
	int st = 0;
	pid_t pid = fork();

	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
		    pull_seccomp() == -1)
			_exit(99);
		_exit(fn(arg));
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static int
tty_checks(void *arg)
{
	const int *fds = arg; /* a pty's master and slave */
	struct termios t;
	struct winsize w = { .ws_row = 1, .ws_col = 1 };
	char c = 'x';
	int n = 0;

	errno = 0;
	if (ioctl(fds[1], TIOCSTI, &c) != -1 || errno != EPERM)
		return 1;
	if (ioctl(fds[1], TCGETS, &t) != 0)
		return 2;
	errno = 0;
	if (ioctl(fds[1], TCSETS, &t) != -1 || errno != EPERM)
		return 3;
	errno = 0;
	if (ioctl(fds[1], TIOCSWINSZ, &w) != -1 || errno != EPERM)
		return 4;
	if (ioctl(fds[0], FIONREAD, &n) != 0)
		return 5;
	n = 1;
	if (ioctl(fds[2], FIONBIO, &n) != 0)
		return 6;
	return 0;
}

static void
test_ioctl(void **state)
{
	int fds[3];

	(void)state;
	fds[0] = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(fds[0] >= 0);
	assert_int_equal(grantpt(fds[0]), 0);
	assert_int_equal(unlockpt(fds[0]), 0);
	fds[1] = open(ptsname(fds[0]), O_RDWR | O_NOCTTY);
	assert_true(fds[1] >= 0);
	fds[2] = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fds[2] >= 0);
	assert_int_equal(filtered(tty_checks, fds), 0);
	close(fds[0]);
	close(fds[1]);
	close(fds[2]);
}

static int
bind_checks(void *arg)
{
	const int *sp = arg; /* a socketpair */
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	socklen_t len = offsetof(struct sockaddr_un, sun_path) + 12;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	/* abstract names: no path is left behind when the filter fails */
	memcpy(a.sun_path, "\0ctl-pullsec", 12);
	errno = 0;
	if (fd == -1 || bind(fd, (struct sockaddr *)&a, len) != -1 ||
	    errno != EPERM)
		return 1;
	errno = 0;
	if (bind(sp[0], (struct sockaddr *)&a, len) != -1 || errno != EPERM)
		return 2;
	errno = 0; /* connect is allowed (nscd): nobody listens there */
	if (connect(fd, (struct sockaddr *)&a, len) != -1 || errno == EPERM)
		return 3;
	return 0;
}

static void
test_bind(void **state)
{
	int sp[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp), 0);
	assert_int_equal(filtered(bind_checks, sp), 0);
	close(sp[0]);
	close(sp[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ioctl),
		cmocka_unit_test(test_bind),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
