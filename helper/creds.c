/*
 * creds.c: inherited process state and credentials.
 *
 * Step 0 (P0) makes the setuid process independent of what the caller
 * handed it; the keeper becomes root entirely; the front becomes the
 * caller entirely; P1 drops every privilege (step 12), proves it (step 13)
 * and takes back the caller's umask and rlimits (step 14).
 *
 * Invariants:
 * - Step 0 MUST run before anything reads the environment or opens a
 *   file: fds 0-2 open for I/O (closed or path-only (O_PATH): /dev/null
 *   in their place), every other inherited fd closed,
 *   all signals blocked with default dispositions, umask 077, rlimits that
 *   a caller cannot use to kill the process at a moment of their choosing
 *   (CPU and FSIZE unlimited, CORE 0), the environment copied as inert
 *   data and cleared, and the process not dumpable.
 * - Standard input, output or error that is a directory, or a file of a
 *   kernel file system whose writes are checked against the writer
 *   (procfs, sysfs, cgroupfs...), MUST be refused: root (this process,
 *   its keeper) writes names and numbers the caller chooses to them, and
 *   a directory would hand the container a host directory.
 * - An empty argument vector (argc == 0) MUST be refused.
 * - A file named by the caller MUST only be opened by a process that has
 *   entirely become the caller (uid, gid, groups, no capability).
 * - The drop MUST clear the bounding set first (while CAP_SETPCAP is
 *   held), then ambient and inheritable, set exactly the caller's groups,
 *   then gid, then the effective uid alone, then not dumpable, then the
 *   real and saved uid, then clear every capability set, then set
 *   no_new_privs and PDEATHSIG (after the credential change, which clears
 *   it), and then check that the keeper still lives.
 * - A dropping process MUST never be dumpable while the caller's uid is
 *   its real or saved one (creds_ids_at), whatever fs.suid_dumpable says:
 *   the caller could otherwise stop it there and trace it, before
 *   no_new_privs and the filter.  The front drops the same way.
 * - The verification MUST fail closed: any way back to root, any
 *   capability in any set, any id or group other than the caller's, or
 *   no_new_privs unset ends the launch with 125.
 *
 * The privileged steps after step 0 are each a core that reports through
 * lib/err.h's struct ctl_err (creds_*_at, for a caller that must not exit)
 * and a wrapper of today's name that dies with the core's message.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/magic.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/io.h"
#include "lib/cleanup.h"
#include "helper/creds.h"
#include "helper/env.h"
#include "helper/fsutil.h"
#include "helper/log.h"
#include "lib/err.h"

#define CREDS_MAX_ENV   4096
#define CREDS_ENV_TOTAL (4u << 20)
#define CREDS_NOFILE    4096
#define CREDS_STACK     (8u << 20)

extern char **environ;

static void
stdio_open(void)
{
	for (int fd = 0; fd < 3; fd++) {
		int n, fl = fcntl(fd, F_GETFL);

		/* Open for reading or writing: kept.  Closed, or path-only
		 * (O_PATH: no I/O, but reopenable through /proc/self/fd,
		 * a terminal's included, wherever it is passed on): /dev/null
		 * in its place. */
		if (fl == -1 ? errno != EBADF : (fl & O_PATH) == 0)
			continue;
		/* Closed, the lowest free descriptor is FD itself. */
		n = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (n == fd ? fcntl(n, F_SETFD, 0) != 0 :
			      n < 0 || dup3(n, fd, 0) != fd || close(n) != 0)
			_exit(CTL_EXIT_FAIL);
	}
}

/* Kernel file systems whose files act on a write as the writer may: root
 * writing the caller's bytes there would do what the caller may not (a
 * process's timerslack_ns, oom_score_adj, cgroup files). */
static bool
stdio_fs_refused(long t)
{
	if (fsutil_fstype_kernel(t))
		return true;
	switch (t) {
	case SELINUX_MAGIC:
	case SMACK_MAGIC:
	case EFIVARFS_MAGIC:
	case PSTOREFS_MAGIC:
	case 0x62656570: /* configfs */
	case 0x42494e4d: /* binfmt_misc */
	case 0x65735543: /* fusectl */
		return true;
	default:
		return false;
	}
}

/* Refuses a directory or a kernel file system's file as fd 0-2 (each put
 * on /dev/null first, so that the message never goes to one). */
static void
stdio_refuse(void)
{
	static const char *const what[3] = { "standard input",
		"standard output", "standard error" };
	const char *bad = NULL, *why = NULL;

	for (int fd = 0; fd < 3; fd++) {
		struct stat st;
		struct statfs sf;
		const char *w = NULL;
		int n;

		if (fstat(fd, &st) != 0 || fstatfs(fd, &sf) != 0)
			die_errno("%s", what[fd]);
		if (S_ISDIR(st.st_mode))
			w = "a directory";
		else if (stdio_fs_refused((long)sf.f_type))
			w = "a file of /proc, /sys or another kernel file system";
		if (w == NULL)
			continue;
		if (bad == NULL) {
			bad = what[fd];
			why = w;
		}
		n = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (n < 0 || dup3(n, fd, 0) != fd || close(n) != 0)
			_exit(CTL_EXIT_FAIL);
	}
	if (bad != NULL)
		die("%s is %s: refused", bad, why);
}

static void
close_inherited(void)
{
	if (close_range(3, ~0U, 0) == 0)
		return;
	for (int fd = 3; fd < 65536; fd++)
		(void)close(fd);
}

static void
signals_block(void)
{
	struct sigaction sa;
	sigset_t all;

	sigfillset(&all);
	if (sigprocmask(SIG_SETMASK, &all, NULL) != 0)
		die_errno("sigprocmask");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (int sig = 1; sig < NSIG; sig++) {
		/* All zero: SIG_DFL, no flags, in every arch's layout. */
		unsigned long ksa[8] = { 0 };

		if (sig == SIGKILL || sig == SIGSTOP ||
		    sigaction(sig, &sa, NULL) == 0)
			continue;
		/* libc refuses its own (SIGCANCEL, SIGSETXID); a caller's
		 * SIG_IGN on them must not reach the payload either. */
		if (syscall(SYS_rt_sigaction, sig, ksa, NULL,
			(size_t)(NSIG / 8)) != 0)
			die_errno("cannot reset signal %d", sig);
	}
}

static void
rlimits_safe(struct plan_caller *c)
{
	for (int r = 0; r < RLIM_NLIMITS; r++) {
		struct rlimit *old = &c->rlimits[r], nl;

		if (getrlimit(r, old) != 0)
			die_errno("getrlimit %d", r);
		switch (r) {
		case RLIMIT_CORE:
			nl.rlim_cur = 0;
			break;
		case RLIMIT_NOFILE:
			nl.rlim_cur = CREDS_NOFILE;
			break;
		case RLIMIT_STACK:
			nl.rlim_cur = CREDS_STACK;
			break;
		case RLIMIT_CPU:
		case RLIMIT_FSIZE:
		case RLIMIT_AS:
		case RLIMIT_DATA:
		case RLIMIT_NPROC:
		case RLIMIT_SIGPENDING:
		case RLIMIT_LOCKS:
		case RLIMIT_RTTIME:
		case RLIMIT_MSGQUEUE:
			nl.rlim_cur = RLIM_INFINITY;
			break;
		default:
			continue;
		}
		/* The hard limit never drops below the caller's, so that
		 * the payload gets its limits back after the drop. */
		nl.rlim_max = old->rlim_max == RLIM_INFINITY ||
			nl.rlim_cur == RLIM_INFINITY ?
		    RLIM_INFINITY :
		    (old->rlim_max > nl.rlim_cur ? old->rlim_max : nl.rlim_cur);
		if ((nl.rlim_cur == old->rlim_cur &&
			nl.rlim_max == old->rlim_max) ||
		    setrlimit(r, &nl) == 0)
			continue;
		/* Without CAP_SYS_RESOURCE the hard limit cannot rise. */
		nl.rlim_max = old->rlim_max;
		if (nl.rlim_cur > nl.rlim_max)
			nl.rlim_cur = nl.rlim_max;
		if ((r == RLIMIT_CPU || r == RLIMIT_FSIZE) &&
		    nl.rlim_cur != RLIM_INFINITY)
			die("refusing to run with a hard %s limit: it could stop a privileged process midway",
			    r == RLIMIT_CPU ? "CPU time" : "file size");
		if (setrlimit(r, &nl) != 0)
			die_errno("setrlimit %d", r);
	}
}

static void
env_copy(struct plan_caller *c)
{
	size_t n = 0, total = 0, max = 0;

	/* As many slots as entries (at most CREDS_MAX_ENV), not the most a
	 * caller may pass: no 32 KiB to zero on every start. */
	while (max < CREDS_MAX_ENV && environ != NULL && environ[max] != NULL)
		max++;
	if ((c->env = calloc(max + 1, sizeof(char *))) == NULL)
		die("out of memory");
	for (size_t i = 0; environ != NULL && environ[i] != NULL; i++) {
		size_t len = strnlen(environ[i], ENV_MAX_ENTRY);

		if (n >= max || len >= ENV_MAX_ENTRY ||
		    total + len + 1 > CREDS_ENV_TOTAL)
			continue;
		if ((c->env[n] = strdup(environ[i])) == NULL)
			die("out of memory");
		n++;
		total += len + 1;
	}
	if (clearenv() != 0)
		die("cannot clear the environment");
}

static void
cwd_save(struct plan_caller *c)
{
	char buf[PATH_MAX];

	c->cwd = NULL;
	c->cwd_fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (getcwd(buf, sizeof(buf)) != NULL &&
	    (strcmp(buf, "/") == 0 || policy_path_normal(buf)) &&
	    (c->cwd = strdup(buf)) == NULL)
		die("out of memory");
	if (chdir("/") != 0)
		die_errno("chdir /");
}

void
creds_hygiene(int argc, char **argv, struct plan_caller *c)
{
	struct rlimit core = { 0, 0 }, core0;

	/* Not dumpable and no core before anything else can go wrong. */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	(void)getrlimit(RLIMIT_CORE, &core);
	core0.rlim_cur = 0;
	core0.rlim_max = core.rlim_max;
	(void)setrlimit(RLIMIT_CORE, &core0);
	stdio_open();
	stdio_refuse();
	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		die("cannot make the process non-dumpable");
	if (argc < 1 || argv == NULL || argv[0] == NULL || argv[0][0] == '\0')
		die("refusing an empty argument vector");
	close_inherited();
	signals_block();
	c->umask = umask(077);
	rlimits_safe(c);
	/* RLIMIT_CORE was already 0 when saved: keep the caller's. */
	c->rlimits[RLIMIT_CORE] = core;
	env_copy(c);
	cwd_save(c);
}

/* The child of creds_read_file_as_caller: never returns. */
static noreturn void
reader(const struct launch_plan *p, const struct plan_caller *c,
    const char *path, size_t max, int out)
{
	int32_t rc = 0;
	cleanup_close int fd = -1;
	struct stat st;
	char buf[65536];
	size_t done = 0;

	if (setgroups(p->nkgroups, p->kgroups) != 0 ||
	    setresgid(p->gid, p->gid, p->gid) != 0 ||
	    setresuid(p->uid, p->uid, p->uid) != 0 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		_exit(CTL_EXIT_FAIL);
	if (path[0] != '/' && (c->cwd_fd < 0 || fchdir(c->cwd_fd) != 0))
		rc = ENOENT;
	else if ((fd = open(path,
		      O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)) < 0)
		rc = errno;
	else if (fstat(fd, &st) != 0)
		rc = errno;
	else if (!S_ISREG(st.st_mode))
		rc = EINVAL;
	else if ((size_t)st.st_size > max)
		rc = EFBIG;
	if (write(out, &rc, sizeof(rc)) != sizeof(rc) || rc != 0)
		_exit(rc ? 0 : CTL_EXIT_FAIL);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || (done += (size_t)n) > max)
			_exit(n < 0 ? CTL_EXIT_FAIL : 0);
		if (io_write_all(out, buf, (size_t)n) != 0)
			_exit(CTL_EXIT_FAIL);
	}
}

static int
read_all(int fd, char *buf, size_t max, size_t *len)
{
	*len = 0;
	for (;;) {
		ssize_t n = read(fd, buf + *len, max + 1 - *len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		*len += (size_t)n;
		if (*len > max)
			return 0;
	}
}

int
creds_read_file_as_caller_at(const struct launch_plan *p,
    const struct plan_caller *c, const char *path, size_t max, char **out,
    size_t *outlen, struct ctl_err *e)
{
	int pfd[2], status;
	int32_t rc = -1;
	cleanup_free char *buf = NULL;
	size_t len = 0;
	pid_t pid;
	int ok;

	if ((buf = malloc(max + 2)) == NULL || pipe2(pfd, O_CLOEXEC) != 0)
		return err_errno(e, "cannot read %s", path);
	if ((pid = fork()) < 0) {
		err_errno(e, "fork");
		close(pfd[0]);
		close(pfd[1]);
		/* buf is cleanup_free, which cppcheck does not follow. */
		return -1; /* cppcheck-suppress memleak */
	}
	if (pid == 0) {
		close(pfd[0]);
		reader(p, c, path, max, pfd[1]);
	}
	close(pfd[1]);
	ok = read(pfd[0], &rc, sizeof(rc)) == sizeof(rc) && rc == 0 &&
	    read_all(pfd[0], buf, max, &len) == 0;
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return err_errno(e, "waitpid");
	if (rc > 0)
		return err_at(e, path, 0, "%s: %s", path,
		    rc == EINVAL ? "not a regular file" : strerror(rc));
	if (!ok || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || len > max)
		return err_at(e, path, 0, "%s: %s", path,
		    len > max ? "larger than the limit" : "cannot be read");
	buf[len] = '\0';
	*out = steal_pointer(&buf);
	*outlen = len;
	return 0;
}

int
creds_keeper_at(struct ctl_err *e)
{
	uid_t r, eu, s;

	if (setgroups(0, NULL) != 0 || setresgid(0, 0, 0) != 0 ||
	    setresuid(0, 0, 0) != 0)
		return err_errno(e, "cannot become root in the keeper");
	if (getresuid(&r, &eu, &s) != 0 || r != 0 || eu != 0 || s != 0)
		return err_set(e, "the keeper is not root");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return err_errno(e, "prctl");
	return 0;
}

int
creds_ids_at(const struct launch_plan *p, struct ctl_err *e)
{
	if (setgroups(p->nkgroups, p->kgroups) != 0)
		return err_errno(e, "setgroups");
	if (setresgid(p->gid, p->gid, p->gid) != 0)
		return err_errno(e, "setresgid");
	/* The effective uid first: root still the real and saved one, the
	 * caller can neither signal nor trace the process. */
	if (setresuid(0, p->uid, 0) != 0)
		return err_errno(e, "setresuid");
	/* The kernel has just set the dumpable flag to fs.suid_dumpable (1
	 * makes it the caller's to trace): cleared before the caller's uid
	 * is the real one.  The last change below moves no effective or
	 * filesystem id and only shrinks the capabilities, which leaves the
	 * flag as it is. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return err_errno(e, "prctl PR_SET_DUMPABLE");
	if (setresuid(p->uid, p->uid, p->uid) != 0)
		return err_errno(e, "setresuid");
	return 0;
}

int
creds_drop_front_at(const struct launch_plan *p, struct ctl_err *e)
{
	uid_t r, eu, s;

	if (creds_ids_at(p, e) == -1)
		return -1;
	if (getresuid(&r, &eu, &s) != 0 || r != p->uid || eu != p->uid ||
	    s != p->uid || setresuid(0, 0, 0) == 0)
		return err_set(e, "the front process kept privileges");
	return 0;
}

static int
caps_clear(cap_flag_t only, bool all, struct ctl_err *e)
{
	cap_t caps = all ? cap_init() : cap_get_proc();

	if (caps == NULL)
		return err_errno(e, "cap_get_proc");
	if ((all ? cap_clear(caps) : cap_clear_flag(caps, only)) != 0 ||
	    cap_set_proc(caps) != 0) {
		cap_free(caps);
		return err_errno(e, "cannot clear capabilities");
	}
	cap_free(caps);
	return 0;
}

/* The bounding set (while CAP_SETPCAP is held), then ambient and
 * inheritable. */
static int
caps_drop_inherited(struct ctl_err *e)
{
	cap_value_t last = (cap_value_t)cap_max_bits();

	for (cap_value_t cap = 0; cap < last; cap++)
		if (cap_drop_bound(cap) != 0)
			return err_errno(e,
			    "cannot drop capability %d from the bounding set",
			    (int)cap);
	/* One call, where libcap's cap_reset_ambient asks about every
	 * capability first. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
		return err_errno(e, "cannot clear the ambient capabilities");
	return caps_clear(CAP_INHERITABLE, false, e);
}

int
creds_drop_at(const struct launch_plan *p, int keeper_fd, struct ctl_err *e)
{
	struct pollfd pfd = { keeper_fd, POLLIN, 0 };

	if (caps_drop_inherited(e) == -1)
		return -1;
	if (creds_ids_at(p, e) == -1)
		return -1;
	if (caps_clear(CAP_EFFECTIVE, true, e) == -1)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return err_errno(e, "cannot set no_new_privs");
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
		return err_errno(e, "prctl PR_SET_PDEATHSIG");
	/* The keeper may have died before PDEATHSIG was armed. */
	if (poll(&pfd, 1, 0) != 0)
		return err_set(e, "the keeper process died");
	return 0;
}

/* 0 when the process's groups are exactly the caller's, else -1 with E. */
static int
groups_check(const struct launch_plan *p, struct ctl_err *e)
{
	cleanup_free gid_t *g = calloc(p->nkgroups + 1, sizeof(gid_t));
	int n;

	if (g == NULL)
		return err_set(e, "out of memory");
	n = getgroups((int)p->nkgroups + 1, g);
	if (n < 0 || (size_t)n != p->nkgroups)
		goto differ;
	for (size_t i = 0; i < p->nkgroups; i++) {
		bool found = false;

		for (size_t j = 0; j < p->nkgroups && !found; j++)
			found = g[j] == p->kgroups[i];
		if (!found)
			goto differ;
	}
	return 0;
differ:
	return err_set(e,
	    "privilege drop failed: groups are not exactly the caller's");
}

/* No capability in any set, bounding and ambient included.  The ambient
 * set needs no question of its own: the kernel keeps it within both the
 * permitted and the inheritable set (capabilities(7)), which must be
 * empty. */
static int
caps_check_none(struct ctl_err *e)
{
	cap_t now, none = NULL;
	int diff;
	cap_value_t last = (cap_value_t)cap_max_bits();

	if ((now = cap_get_proc()) == NULL || (none = cap_init()) == NULL) {
		err_errno(e, "cap_get_proc");
		if (now != NULL)
			cap_free(now);
		return -1;
	}
	diff = cap_compare(now, none);
	cap_free(now);
	cap_free(none);
	if (diff != 0)
		return err_set(e,
		    "privilege drop failed: a capability is left");
	for (cap_value_t cap = 0; cap < last; cap++)
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 0)
			return err_set(e,
			    "privilege drop failed: capability %d is left in the bounding set",
			    (int)cap);
	return 0;
}

int
creds_verify_at(const struct launch_plan *p, struct ctl_err *e)
{
	uid_t r, eu, s;
	gid_t gr, ge, gs;

	if (setuid(0) == 0 || setgid(0) == 0 || setresuid(0, 0, 0) == 0 ||
	    setresgid(0, 0, 0) == 0 || setgroups(0, NULL) == 0)
		return err_set(e,
		    "privilege drop failed: root could be regained");
	if (getresuid(&r, &eu, &s) != 0 || r != p->uid || eu != p->uid ||
	    s != p->uid || getresgid(&gr, &ge, &gs) != 0 || gr != p->gid ||
	    ge != p->gid || gs != p->gid)
		return err_set(e,
		    "privilege drop failed: ids are not the caller's");
	if (groups_check(p, e) == -1 || caps_check_none(e) == -1)
		return -1;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return err_set(e,
		    "privilege drop failed: no_new_privs is not set");
	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		return err_set(e,
		    "privilege drop failed: the process is dumpable");
	return 0;
}

/* The helper's wrappers: the core's message, then death (125). */

int
creds_read_file_as_caller(const struct launch_plan *p,
    const struct plan_caller *c, const char *path, size_t max, char **out,
    size_t *outlen, struct ctl_err *e)
{
	struct ctl_err ce;

	if (creds_read_file_as_caller_at(p, c, path, max, out, outlen, &ce) ==
	    0)
		return 0;
	if (ce.err != 0)
		die("%s", ce.msg);
	if (e != NULL)
		*e = ce;
	return -1;
}

void
creds_keeper(void)
{
	struct ctl_err e;

	if (creds_keeper_at(&e) == -1)
		die("%s", e.msg);
}

void
creds_drop_front(const struct launch_plan *p)
{
	struct ctl_err e;

	if (creds_drop_front_at(p, &e) == -1)
		die("%s", e.msg);
}

void
creds_drop(const struct launch_plan *p, int keeper_fd)
{
	struct ctl_err e;

	if (creds_drop_at(p, keeper_fd, &e) == -1)
		die("%s", e.msg);
}

void
creds_verify(const struct launch_plan *p)
{
	struct ctl_err e;

	if (creds_verify_at(p, &e) == -1)
		die("%s", e.msg);
}

void
creds_restore(const struct launch_plan *p, const struct rlimit *rlimits)
{
	umask(p->umask);
	for (int r = 0; r < RLIM_NLIMITS; r++)
		if (setrlimit(r, &rlimits[r]) != 0)
			die_errno("cannot restore your resource limit %d", r);
}
