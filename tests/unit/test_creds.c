/*
 * test_creds.c: step 0, the hygiene of helper/creds.c, run in a child
 * process (it closes descriptors and blocks signals for good).
 *
 * Negative tests: an inherited descriptor stays open, the environment is
 * not cleared or not copied, a signal is not blocked or keeps an ignored
 * disposition, the umask is not 077, the process stays dumpable, the core
 * limit is not 0, an empty argument vector is accepted.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "helper/creds.h"
#include "helper/env.h"
#include "helper/log.h"

extern char **environ;

/* Runs FN in a child; returns its exit status (or 128+signal). */
static int
in_child(int (*fn)(void))
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn());
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int
hygiene_child(void)
{
	struct plan_caller c;
	char arg0[] = "ctr-launch", *argv[] = { arg0, NULL };
	struct rlimit rl;
	sigset_t set;
	struct sigaction sa;
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	memset(&c, 0, sizeof(c));
	if (fd < 3 || dup3(fd, 40, 0) != 40)
		return 2;
	if (setenv("LD_PRELOAD", "/tmp/evil.so", 1) != 0)
		return 3;
	signal(SIGINT, SIG_IGN);
	umask(0);
	(void)prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	creds_hygiene(1, argv, &c);
	/* The one descriptor step 0 opens: the caller's cwd (O_PATH). */
	if (c.cwd_fd >= 0)
		close(c.cwd_fd);
	if (fcntl(fd, F_GETFD) != -1 || fcntl(40, F_GETFD) != -1)
		return 10; /* an inherited descriptor survived */
	if (environ != NULL && environ[0] != NULL)
		return 11; /* the environment was not cleared */
	if (env_lookup(c.env, "LD_PRELOAD", 10) == NULL)
		return 12; /* ... or not copied as data */
	if (sigprocmask(SIG_SETMASK, NULL, &set) != 0 ||
	    !sigismember(&set, SIGTERM) || !sigismember(&set, SIGINT) ||
	    !sigismember(&set, SIGHUP))
		return 13; /* a signal is not blocked */
	if (sigaction(SIGINT, NULL, &sa) != 0 || sa.sa_handler != SIG_DFL)
		return 14; /* a caller's SIG_IGN survived */
	if (umask(077) != 077 || c.umask != 0)
		return 15;
	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		return 16;
	if (getrlimit(RLIMIT_CORE, &rl) != 0 || rl.rlim_cur != 0)
		return 17;
	if (getrlimit(RLIMIT_CPU, &rl) != 0 || rl.rlim_cur != RLIM_INFINITY)
		return 18;
	if (getrlimit(RLIMIT_FSIZE, &rl) != 0 || rl.rlim_cur != RLIM_INFINITY)
		return 19;
	if (fcntl(0, F_GETFD) == -1 || fcntl(1, F_GETFD) == -1 ||
	    fcntl(2, F_GETFD) == -1)
		return 20;
	return 0;
}

static int
empty_argv_child(void)
{
	struct plan_caller c;
	char *argv[] = { NULL };

	memset(&c, 0, sizeof(c));
	creds_hygiene(0, argv, &c);
	return 0; /* must not be reached */
}

static int
closed_stdio_child(void)
{
	struct plan_caller c;
	char arg0[] = "ctr-launch", *argv[] = { arg0, NULL };
	struct stat a, b;

	memset(&c, 0, sizeof(c));
	close(0);
	close(2);
	creds_hygiene(1, argv, &c);
	if (fstat(0, &a) != 0 || fstat(2, &b) != 0 || !S_ISCHR(a.st_mode) ||
	    !S_ISCHR(b.st_mode))
		return 30; /* 0 and 2 not reopened on /dev/null */
	if (fcntl(0, F_GETFD) != 0 || fcntl(2, F_GETFD) != 0)
		return 31; /* ... or left close-on-exec */
	return 0;
}

static void
test_hygiene(void **state)
{
	assert_int_equal(in_child(hygiene_child), 0);
}

static void
test_empty_argv(void **state)
{
	assert_int_equal(in_child(empty_argv_child), CTL_EXIT_FAIL);
}

static void
test_closed_stdio(void **state)
{
	assert_int_equal(in_child(closed_stdio_child), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hygiene),
		cmocka_unit_test(test_empty_argv),
		cmocka_unit_test(test_closed_stdio),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
