/*
 * test_io.c: unit tests of lib/io.h's write-all loop: everything arrives
 * through a full non-blocking pipe, and a reader gone is an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/io.h"

#define BIG (1 << 20) /* far more than a pipe holds */

/* A non-blocking pipe that fills up: io_write_all waits for room and
 * every byte arrives, in order. */
static void
test_full_nonblocking_pipe(void **state)
{
	unsigned char *buf = malloc(BIG);
	int p[2], status;
	pid_t pid;

	assert_non_null(buf);
	for (size_t i = 0; i < BIG; i++)
		buf[i] = (unsigned char)(i * 7 + i / 251);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		unsigned char b[4096];
		size_t got = 0;
		ssize_t n;

		close(p[1]);
		usleep(100000); /* let the writer find the pipe full */
		while ((n = read(p[0], b, sizeof(b))) > 0) {
			for (ssize_t i = 0; i < n; i++, got++)
				if (b[i] !=
				    (unsigned char)(got * 7 + got / 251))
					_exit(2);
		}
		_exit(got == BIG ? 0 : 3);
	}
	close(p[0]);
	assert_int_equal(fcntl(p[1], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(io_write_all(p[1], buf, BIG), 0);
	close(p[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	free(buf);
}

/* No reader: -1 with EPIPE, not a loop. */
static void
test_no_reader(void **state)
{
	int p[2];

	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	close(p[0]);
	errno = 0;
	assert_int_equal(io_write_all(p[1], "x", 1), -1);
	assert_int_equal(errno, EPIPE);
	close(p[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_nonblocking_pipe),
		cmocka_unit_test(test_no_reader),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
