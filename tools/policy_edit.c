/*
 * policy_edit.c: ctr-policy edit, the visudo of the policy: a locked,
 * checked and atomic edit of /etc/ctr-launch/policy.ini in $VISUAL or
 * $EDITOR.
 *
 * Invariants:
 * - edit MUST hold an exclusive lock while editing, MUST only install a
 *   copy that loads without error, and MUST install it atomically
 *   (fsync, rename) as root:root 0644; a failed edit MUST leave the
 *   installed policy unchanged.
 * - An edit ended by a signal or by a failing editor MUST leave no
 *   temporary copy; a signal MUST end and wait for the editor before the
 *   copy is removed (else the editor could write it again).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "policy/policy.h"
#include "tools/ctr_policy.h"

#define LOCK_DIR  CTL_RUNDIR "/ctr-launch"
#define LOCK_FILE LOCK_DIR "/policy.lock"

/* The edit's temporary copy, removed if a signal ends the edit, and the
 * editor editing it, ended and waited for first (else it could write the
 * copy again once it is removed). */
static char edit_tmp[PATH_MAX];
static volatile pid_t edit_child;

static const int edit_sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE,
	SIGALRM, SIGUSR1, SIGUSR2 };

static void
edit_signal(int sig)
{
	pid_t child = edit_child;

	if (child > 0) {
		(void)kill(child, sig == SIGHUP ? SIGHUP : SIGTERM);
		while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (edit_tmp[0] != '\0')
		(void)unlink(edit_tmp);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
edit_on_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = edit_signal;
	sigfillset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(edit_sigs) / sizeof(edit_sigs[0]); i++)
		sigaction(edit_sigs[i], &sa, NULL);
}

static int
run_editor(const char *path)
{
	const char *ed = getenv("VISUAL");
	cleanup_free char *copy = NULL;
	char *argv[34], *save = NULL;
	struct sigaction ign, oint, oquit;
	sigset_t all, old;
	siginfo_t info;
	int n = 0, status;
	pid_t pid;

	if (ed == NULL || *ed == '\0')
		ed = getenv("EDITOR");
	if (ed == NULL || *ed == '\0')
		ed = "vi";
	if ((copy = strdup(ed)) == NULL)
		return -1;
	for (char *t = strtok_r(copy, " \t", &save); t != NULL && n < 32;
	     t = strtok_r(NULL, " \t", &save))
		argv[n++] = t;
	if (n == 0)
		return -1;
	argv[n++] = (char *)(uintptr_t)path;
	argv[n] = NULL;
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGINT, &ign, &oint);
	sigaction(SIGQUIT, &ign, &oquit);
	/* The child has the default signal actions before it can take a
	 * signal; the parent knows the child before it can. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = fork();
	if (pid == 0) {
		for (size_t i = 0; i < sizeof(edit_sigs) / sizeof(edit_sigs[0]);
		     i++)
			signal(edit_sigs[i], SIG_DFL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		execvp(argv[0], argv);
		fprintf(stderr, "ctr-policy: %s: %s\n", argv[0],
		    strerror(errno));
		_exit(127);
	}
	if (pid > 0)
		edit_child = pid;
	sigprocmask(SIG_SETMASK, &old, NULL);
	/* Waits without reaping, so that a signal handled until the child
	 * is forgotten still names this child. */
	while (pid > 0 &&
	    waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) < 0 &&
	    errno == EINTR)
		;
	sigprocmask(SIG_BLOCK, &all, NULL);
	edit_child = 0;
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	sigprocmask(SIG_SETMASK, &old, NULL);
	sigaction(SIGINT, &oint, NULL);
	sigaction(SIGQUIT, &oquit, NULL);
	if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "ctr-policy: editor %s failed\n", argv[0]);
		return -1;
	}
	return 0;
}

/* Loads the edited copy; 0 when it is good, 1 when unchanged and good,
 * -1 when it does not load (unchanged or not: an installed policy that
 * does not load refuses every launch). */
static int
edit_check(const char *tmp, const char *orig, size_t origlen)
{
	struct policy_errors errs = { NULL, 0 };
	struct policy *p = NULL;
	cleanup_close int fd = -1;
	cleanup_free char *buf = malloc(POLICY_MAX_SIZE + 1);
	ssize_t n;
	size_t len = 0;

	fd = open(tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || buf == NULL) {
		fprintf(stderr, "ctr-policy: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	while (len <= POLICY_MAX_SIZE &&
	    (n = read(fd, buf + len, POLICY_MAX_SIZE + 1 - len)) > 0)
		len += (size_t)n;
	if (policy_load_buf(buf, len, POLICY_FILE, &p, &errs) < 0) {
		print_errors(&errs, POLICY_FILE);
		policy_errors_free(&errs);
		return -1;
	}
	policy_free(p);
	return orig != NULL && len == origlen && memcmp(buf, orig, len) == 0;
}

static int
edit_install(const char *tmp, const char *dir)
{
	cleanup_close int fd = -1;
	cleanup_close int dfd = -1;

	fd = open(tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fchown(fd, 0, 0) < 0 || fchmod(fd, 0644) < 0 ||
	    fsync(fd) < 0 || rename(tmp, POLICY_FILE) < 0) {
		fprintf(stderr, "ctr-policy: installing %s: %s\n", POLICY_FILE,
		    strerror(errno));
		return -1;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		fsync(dfd);
	return 0;
}

/* The file is installed root:root 0644, but a directory above it may
 * still make ctr-launch refuse it: say so. */
/* 0 when ctr-launch would take the installed policy, else -1 and why. */
static int
warn_untrusted(void)
{
	struct ctl_err e;
	int fd;

	memset(&e, 0, sizeof(e));
	fd = policy_open_trusted(POLICY_FILE, &e);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	fprintf(stderr, "%s: ctr-launch refuses it: %s\n", POLICY_FILE, e.msg);
	return -1;
}

static bool
ask_again(void)
{
	char line[64];

	if (!isatty(STDIN_FILENO))
		return false;
	for (;;) {
		fprintf(stderr,
		    "What now? (e)dit again, e(x)it without saving: ");
		if (fgets(line, sizeof(line), stdin) == NULL)
			return false;
		if (line[0] == 'e')
			return true;
		if (line[0] == 'x')
			return false;
	}
}

static int
read_orig(char **out, size_t *len)
{
	cleanup_close int fd = -1;
	char *buf = malloc(POLICY_MAX_SIZE + 1);
	ssize_t n;

	*out = NULL;
	*len = 0;
	if (buf == NULL)
		return -1;
	fd = open(POLICY_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		free(buf);
		return errno == ENOENT ? 0 : -1;
	}
	while (*len <= POLICY_MAX_SIZE &&
	    (n = read(fd, buf + *len, POLICY_MAX_SIZE + 1 - *len)) > 0)
		*len += (size_t)n;
	*out = buf;
	return 0;
}

int
cmd_edit(int argc, char **argv)
{
	cleanup_close int lock = -1;
	cleanup_close int tfd = -1;
	cleanup_free char *orig = NULL;
	char dirbuf[PATH_MAX], tmp[PATH_MAX];
	sigset_t all, old;
	const char *dir;
	size_t origlen = 0;
	int r;

	if (argc != 1) {
		usage(stderr);
		return 1;
	}
	snprintf(dirbuf, sizeof(dirbuf), "%s", POLICY_FILE);
	dir = dirname(dirbuf);
	if (mkdir(LOCK_DIR, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "ctr-policy: %s: %s\n", LOCK_DIR,
		    strerror(errno));
		return 1;
	}
	lock = open(LOCK_FILE, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) < 0) {
		fprintf(stderr, "ctr-policy: %s: %s\n", LOCK_FILE,
		    errno == EWOULDBLOCK ?
			"busy (being edited), try again later" :
			strerror(errno));
		return 1;
	}
	if (read_orig(&orig, &origlen) < 0) {
		fprintf(stderr, "ctr-policy: %s: %s\n", POLICY_FILE,
		    strerror(errno));
		return 1;
	}
	snprintf(tmp, sizeof(tmp), "%s/.policy.ini.XXXXXX", dir);
	edit_on_signals();
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	tfd = mkostemp(tmp, O_CLOEXEC);
	if (tfd >= 0)
		memcpy(edit_tmp, tmp, sizeof(edit_tmp));
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (tfd < 0 || fchown(tfd, 0, 0) < 0 || fchmod(tfd, 0600) < 0 ||
	    (orig != NULL && write(tfd, orig, origlen) != (ssize_t)origlen)) {
		fprintf(stderr, "ctr-policy: %s: %s\n", tmp, strerror(errno));
		if (tfd >= 0)
			unlink(tmp);
		return 1;
	}
	close(steal_fd(&tfd));
	for (;;) {
		if (run_editor(tmp) < 0)
			break;
		r = edit_check(tmp, orig, origlen);
		if (r == 1) {
			fprintf(stderr, "ctr-policy: %s unchanged\n",
			    POLICY_FILE);
			unlink(tmp);
			return warn_untrusted() < 0 ? 1 : 0;
		}
		if (r == 0) {
			if (edit_install(tmp, dir) < 0)
				break;
			printf("%s: OK, installed\n", POLICY_FILE);
			return warn_untrusted() < 0 ? 1 : 0;
		}
		if (!ask_again())
			break;
	}
	unlink(tmp);
	fprintf(stderr, "ctr-policy: %s not changed\n", POLICY_FILE);
	return 1;
}
