/*
 * test_peer.c: who a keeper takes a ctl client to be (keeper_peer_uid).
 *
 * Invariants checked:
 * - The caller of a request MUST be the real uid of the connected
 *   process, never its effective uid: a setuid launcher connects with
 *   effective uid 0 and the caller's real uid.
 * - A client whose process is gone by the time it is asked about MUST
 *   NOT be given an identity, even once another process (root's) holds
 *   its pid: by SO_PEERPIDFD and by the SO_PEERCRED path of kernels
 *   before 6.5 (keeper_peer_uid_cred) alike.
 * Runs as root (the client's uids are set with setresuid); skipped
 * otherwise.
 */
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "helper/keeper.h"

/* A listening SOCK_SEQPACKET socket on the abstract address NAME.PID
 * (nothing on disk), its address in *SA and *LEN; -1 on failure. */
static int
listen_abstract(const char *name, int pid, struct sockaddr_un *sa,
    socklen_t *len)
{
	int l;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1, "%s.%d", name,
	    pid);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    strlen(sa->sun_path + 1));
	l = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)sa, *len) != 0 ||
	    listen(l, 1) != 0)
		return -1;
	return l;
}

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
	l = listen_abstract("test_peer", (int)getpid(), &sa, &len);
	assert_true(l >= 0);
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
	uid = 777;
	assert_int_equal(keeper_peer_uid_cred(c, &uid), 0);
	assert_int_equal(uid, 4242);
	/* Gone and reaped: no identity any more. */
	close(go[1]);
	assert_int_equal(waitpid(k, &st, 0), k);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	uid = 777;
	assert_int_not_equal(keeper_peer_uid(c, &uid), 0);
	assert_int_equal(uid, 777);
	assert_int_not_equal(keeper_peer_uid_cred(c, &uid), 0);
	assert_int_equal(uid, 777);
	close(c);
	close(l);
}

/* As the init of a pid namespace of its own, with its own /proc: a
 * client of real uid 4242 connects, sends, exits and is reaped; its pid
 * is then given to a root process (ns_last_pid).  The exit status says
 * what went wrong (0: neither path gave an identity). */
static int
reused_in_ns(void)
{
	struct sockaddr_un sa;
	socklen_t len;
	int l, c, fd, hold[2], rc = 0, st;
	char last[16];
	uid_t uid = 777;
	pid_t k, r;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		NULL) != 0)
		return 20;
	if ((l = listen_abstract("test_peer.r", (int)getppid(), &sa, &len)) < 0)
		return 21;
	k = fork();
	if (k == 0) {
		int s;

		if (setresuid(4242, 0, 0) != 0)
			_exit(1);
		s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
		if (s < 0 || connect(s, (struct sockaddr *)&sa, len) != 0 ||
		    send(s, "q", 1, 0) != 1)
			_exit(2);
		_exit(0);
	}
	if (k < 0 || waitpid(k, &st, 0) != k || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		return 22;
	/* The next pid is the client's again, for a root process. */
	snprintf(last, sizeof(last), "%d", (int)k - 1);
	fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, last, strlen(last)) != (ssize_t)strlen(last))
		return 23;
	close(fd);
	if (pipe(hold) != 0)
		return 24;
	r = fork();
	if (r == 0) {
		char ch;

		close(hold[1]);
		(void)!read(hold[0], &ch, 1);
		_exit(0);
	}
	close(hold[0]);
	if (r != k)
		rc = 25;
	else if ((c = accept(l, NULL, NULL)) < 0)
		rc = 26;
	else if (keeper_peer_uid_cred(c, &uid) == 0 || uid != 777)
		rc = 27; /* by SO_PEERCRED's pid: root's process */
	else if (keeper_peer_uid(c, &uid) == 0 || uid != 777)
		rc = 28;
	close(hold[1]);
	(void)waitpid(r, &st, 0);
	return rc;
}

static void
test_reused_pid_no_identity(void **state)
{
	int st;
	pid_t x;

	(void)state;
	if (geteuid() != 0)
		skip();
	x = fork();
	assert_true(x >= 0);
	if (x == 0) {
		pid_t init;

		if (unshare(CLONE_NEWPID | CLONE_NEWNS) != 0)
			_exit(10);
		init = fork();
		if (init == 0)
			_exit(reused_in_ns());
		if (init < 0 || waitpid(init, &st, 0) != init)
			_exit(11);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 12);
	}
	assert_int_equal(waitpid(x, &st, 0), x);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_uid_not_effective),
		cmocka_unit_test(test_reused_pid_no_identity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
