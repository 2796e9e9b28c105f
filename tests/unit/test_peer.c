/*
 * test_peer.c: who a keeper takes a ctl client to be (keeper_peer_uid).
 *
 * Invariants checked:
 * - The caller of a request MUST be the real uid of the connected
 *   process, never its effective uid: a setuid launcher connects with
 *   effective uid 0 and the caller's real uid.
 * - A client whose process is gone by the time it is asked about MUST
 *   NOT be given an identity.
 * Runs as root (the client's uids are set with setresuid); skipped
 * otherwise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "helper/keeper.h"

static void
test_real_uid_not_effective(void **state)
{
	struct sockaddr_un sa;
	socklen_t len;
	int l, c, go[2], st;
	uid_t uid;
	pid_t k;

	(void)state;
	if (geteuid() != 0)
		skip();
	/* An abstract socket: nothing on disk. */
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "test_peer.%d",
	    (int)getpid());
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    strlen(sa.sun_path + 1));
	l = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	assert_true(l >= 0);
	assert_int_equal(bind(l, (struct sockaddr *)&sa, len), 0);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(pipe(go), 0);
	k = fork();
	assert_true(k >= 0);
	if (k == 0) {
		/* As a setuid launcher run by uid 4242 connects. */
		char ch;
		int s;

		close(go[1]);
		if (setresuid(4242, 0, 0) != 0)
			_exit(1);
		s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
		if (s < 0 || connect(s, (struct sockaddr *)&sa, len) != 0)
			_exit(2);
		(void)!read(go[0], &ch, 1);
		_exit(0);
	}
	close(go[0]);
	c = accept(l, NULL, NULL);
	assert_true(c >= 0);
	uid = 777;
	assert_int_equal(keeper_peer_uid(c, &uid), 0);
	assert_int_equal(uid, 4242);
	/* Gone and reaped: no identity any more. */
	close(go[1]);
	assert_int_equal(waitpid(k, &st, 0), k);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	uid = 777;
	assert_int_not_equal(keeper_peer_uid(c, &uid), 0);
	assert_int_equal(uid, 777);
	close(c);
	close(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_uid_not_effective),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
