/*
 * kfloor.c: the kernel-work floor of a container launch, for the benchmark.
 *
 * kfloor STAGE ROOTFS CGNAME UID GID HOME [PROG [ARG...]]
 * kfloor --export-bpf FILE
 *
 * Does, as root and with no policy, PAM, checks or error reporting beyond
 * exit codes, the kernel work ctr-launch does for one launch: v1 cgroups
 * (memory, pids, cpu) with limits, clone into new mount, pid, uts, ipc,
 * net and cgroup namespaces, an overlay of ROOTFS with a tmpfs upper, proc,
 * a tmpfs /dev with the usual device binds, tmpfs /tmp, /sys read-only,
 * resolv.conf, hosts and HOME bound, pivot_root, hostname, setsid, the drop
 * to UID/GID with an empty bounding set and no_new_privs, a seccomp deny
 * list, then a tiny init that forks and execs PROG (default /bin/true).
 * CGNAME "-" skips the cgroups (to show what v1 cgroup placement costs).
 * On a cgroup v2 host (cgroup.controllers at /sys/fs/cgroup) the same
 * limits go to memory.max, pids.max and cpu.max of one directory.
 * Installed setuid root in a directory only the bench user can reach, it
 * is also the floor of a setuid launcher run by that user (bench/run.sh).
 * Its time is what any launcher doing this work must at least spend; the
 * difference to ctr-launch is the helper's own cost.  Not installed, never
 * setuid: bench/run.sh runs it as root.
 *
 * Invariants:
 * - kfloor MUST exit non-zero when any step fails, so that the timer
 *   counts the launch as failed instead of timing a shortcut.
 * - It MUST remove the cgroups it created before exiting.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *ctrls[] = { "memory", "pids", "cpu" };
static const char *limits[][2] = {
	{ "memory.limit_in_bytes", "2147483648" },
	{ "pids.max", "256" },
	{ "cpu.cfs_quota_us", "100000" },
};

static void
fail(const char *what)
{
	fprintf(stderr, "kfloor: %s: %s\n", what, strerror(errno));
	_exit(1);
}

static void
put(const char *dir, const char *file, const char *val)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	if ((fd = open(p, O_WRONLY | O_CLOEXEC)) < 0 ||
	    write(fd, val, strlen(val)) < 0)
		fail(p);
	close(fd);
}

static const char *limits2[][2] = {
	{ "memory.max", "2147483648" },
	{ "pids.max", "256" },
	{ "cpu.max", "100000 100000" },
};

static int v2; /* the unified hierarchy alone, at /sys/fs/cgroup */

static void
cg_path(char *p, size_t n, const char *ctrl, const char *name)
{
	if (v2)
		snprintf(p, n, "/sys/fs/cgroup/ctr-launch-bench-kf/%s", name);
	else
		snprintf(p, n, "/sys/fs/cgroup/%s/ctr-launch-bench-kf/%s", ctrl,
		    name);
}

static void
cg_create(const char *name)
{
	char p[512];
	size_t i;

	v2 = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
	if (v2) {
		if (mkdir("/sys/fs/cgroup/ctr-launch-bench-kf", 0755) != 0 &&
		    errno != EEXIST)
			fail("/sys/fs/cgroup/ctr-launch-bench-kf");
		put("/sys/fs/cgroup/ctr-launch-bench-kf",
		    "cgroup.subtree_control", "+memory +pids +cpu");
		cg_path(p, sizeof(p), NULL, name);
		if (mkdir(p, 0755) != 0)
			fail(p);
		for (i = 0; i < sizeof(limits2) / sizeof(limits2[0]); i++)
			put(p, limits2[i][0], limits2[i][1]);
		return;
	}
	for (i = 0; i < sizeof(ctrls) / sizeof(ctrls[0]); i++) {
		snprintf(p, sizeof(p), "/sys/fs/cgroup/%s/ctr-launch-bench-kf",
		    ctrls[i]);
		if (mkdir(p, 0755) != 0 && errno != EEXIST)
			fail(p);
		cg_path(p, sizeof(p), ctrls[i], name);
		if (mkdir(p, 0755) != 0)
			fail(p);
		put(p, limits[i][0], limits[i][1]);
	}
}

/* The calling process joins its cgroups, as ctr-launch's init does: on
 * v1 by a "0" in each controller's tasks, which takes no cgroup lock (a
 * thread moving itself), on v2 by a "0" in cgroup.procs. */
static void
cg_enter(const char *name)
{
	char p[512];
	size_t i;

	for (i = 0; i < (v2 ? 1 : sizeof(ctrls) / sizeof(ctrls[0])); i++) {
		cg_path(p, sizeof(p), ctrls[i], name);
		put(p, v2 ? "cgroup.procs" : "tasks", "0");
	}
}

static void
cg_remove(const char *name)
{
	char p[512];
	size_t i;

	for (i = 0; i < (v2 ? 1 : sizeof(ctrls) / sizeof(ctrls[0])); i++) {
		cg_path(p, sizeof(p), ctrls[i], name);
		if (rmdir(p) != 0)
			fail(p);
	}
}

static void
mnt(const char *src, const char *dst, const char *type, unsigned long fl,
    const char *data)
{
	if (mount(src, dst, type, fl, data) != 0)
		fail(dst);
}

static void
bind_in(const char *src, const char *root, const char *dst, int file,
    unsigned long extra)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s%s", root, dst);
	if (file) {
		if ((fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644)) < 0)
			fail(p);
		close(fd);
	} else if (mkdir(p, 0755) != 0 && errno != EEXIST) {
		fail(p);
	}
	mnt(src, p, NULL, MS_BIND | MS_REC, NULL);
	mnt(NULL, p, NULL, MS_REMOUNT | MS_BIND | MS_NOSUID | extra, NULL);
}

static void
filesystem(const char *stage, const char *rootfs, const char *home)
{
	static const char *devs[] = { "null", "zero", "full", "random",
		"urandom", "tty" };
	char root[256], up[256], opts[1024], p[512];
	size_t i;

	mnt(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	mnt("tmpfs", stage, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
	snprintf(up, sizeof(up), "%s/u", stage);
	snprintf(root, sizeof(root), "%s/w", stage);
	if (mkdir(up, 0755) || mkdir(root, 0755))
		fail("stage");
	snprintf(opts, sizeof(opts),
	    "lowerdir=%s,upperdir=%s,workdir=%s,redirect_dir=off,metacopy=off",
	    rootfs, up, root);
	snprintf(root, sizeof(root), "%s/m", stage);
	if (mkdir(root, 0755))
		fail("stage");
	mnt("overlay", root, "overlay", MS_NOSUID | MS_NODEV, opts);
	snprintf(p, sizeof(p), "%s/proc", root);
	mnt("proc", p, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	snprintf(p, sizeof(p), "%s/dev", root);
	mnt("tmpfs", p, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755");
	for (i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		char d[64];

		snprintf(d, sizeof(d), "/dev/%s", devs[i]);
		bind_in(d, root, d, 1, 0);
	}
	snprintf(p, sizeof(p), "%s/dev/pts", root);
	if (mkdir(p, 0755))
		fail(p);
	mnt("devpts", p, "devpts", MS_NOSUID | MS_NOEXEC,
	    "newinstance,ptmxmode=0666,mode=0620");
	snprintf(p, sizeof(p), "%s/dev/shm", root);
	if (mkdir(p, 01777))
		fail(p);
	mnt("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	snprintf(p, sizeof(p), "%s/tmp", root);
	mnt("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	snprintf(p, sizeof(p), "%s/var/tmp", root);
	mnt("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	bind_in("/sys", root, "/sys", 0, MS_RDONLY | MS_NODEV);
	bind_in("/etc/resolv.conf", root, "/etc/resolv.conf", 1,
	    MS_RDONLY | MS_NODEV);
	bind_in("/etc/hosts", root, "/etc/hosts", 1, MS_RDONLY | MS_NODEV);
	snprintf(p, sizeof(p), "%s/home", root);
	mnt("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
	bind_in(home, root, home, 0, MS_NODEV);
	if (chdir(root) || syscall(SYS_pivot_root, ".", ".") ||
	    umount2(".", MNT_DETACH) || chdir("/"))
		fail("pivot_root");
}

/* The deny list (comparable in size to the OCI rows' list). */
static scmp_filter_ctx
filter(void)
{
	static const char *deny[] = { "mount", "umount2", "pivot_root",
		"unshare", "setns", "keyctl", "add_key", "request_key",
		"ptrace", "bpf", "perf_event_open", "userfaultfd",
		"open_by_handle_at", "kexec_load", "init_module",
		"finit_module", "delete_module", "swapon", "swapoff", "reboot",
		"acct", "fsopen", "fsmount", "move_mount", "open_tree",
		"fspick", "fsconfig", "mount_setattr" };
	scmp_filter_ctx ctx;
	size_t i;

	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL)
		fail("seccomp_init");
	for (i = 0; i < sizeof(deny) / sizeof(deny[0]); i++) {
		int nr = seccomp_syscall_resolve_name(deny[i]);

		if (nr != __NR_SCMP_ERROR &&
		    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0) != 0)
			fail("seccomp_rule_add");
	}
	return ctx;
}

static void
drop(uid_t uid, gid_t gid)
{
	scmp_filter_ctx ctx;
	int c;

	for (c = 0; c <= 63; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0 && errno != EINVAL)
			fail("bounding set");
	if (setgroups(1, &gid) || setresgid(gid, gid, gid) ||
	    setresuid(uid, uid, uid))
		fail("drop");
	if (setuid(0) == 0)
		fail("regained root");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
		fail("prctl");
	ctx = filter();
	if (seccomp_load(ctx) != 0)
		fail("seccomp_load");
	seccomp_release(ctx);
}

/* kfloor --export-bpf FILE: the same filter as BPF, for bwrap --seccomp. */
static int
export_bpf(const char *path)
{
	scmp_filter_ctx ctx = filter();
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) <
		0 ||
	    seccomp_export_bpf(ctx, fd) != 0 || close(fd) != 0)
		fail(path);
	seccomp_release(ctx);
	return 0;
}

int
main(int argc, char *argv[])
{
	char *deflt[] = { "/bin/true", NULL };
	char **prog = argc > 7 ? argv + 7 : deflt;
	char *envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	int sync[2], st, usecg;
	pid_t pid, pay;
	char go;

	if (argc == 3 && strcmp(argv[1], "--export-bpf") == 0)
		return export_bpf(argv[2]);
	if (argc < 7) {
		fprintf(stderr,
		    "usage: kfloor STAGE ROOTFS CGNAME UID GID "
		    "HOME [PROG]\n");
		return 2;
	}
	usecg = strcmp(argv[3], "-") != 0;
	if (usecg)
		cg_create(argv[3]);
	if (pipe2(sync, O_CLOEXEC))
		fail("pipe2");
	pid = (pid_t)syscall(SYS_clone,
	    CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC |
		CLONE_NEWNET | SIGCHLD,
	    NULL, NULL, NULL, NULL);
	if (pid < 0)
		fail("clone");
	if (pid == 0) {
		close(sync[1]);
		if (usecg)
			cg_enter(argv[3]);
		if (read(sync[0], &go, 1) != 1)
			_exit(1);
		if (unshare(CLONE_NEWCGROUP))
			fail("unshare cgroup");
		filesystem(argv[1], argv[2], argv[6]);
		if (sethostname("bench", 5) || setsid() < 0)
			fail("uts/session");
		drop((uid_t)atoi(argv[4]), (gid_t)atoi(argv[5]));
		if ((pay = fork()) < 0)
			fail("fork");
		if (pay == 0) {
			execve(prog[0], prog, envp);
			fail(prog[0]);
		}
		while (waitpid(pay, &st, 0) < 0)
			if (errno != EINTR)
				fail("waitpid");
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	}
	close(sync[0]);
	if (write(sync[1], "g", 1) != 1)
		fail("sync");
	close(sync[1]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			fail("waitpid");
	if (usecg)
		cg_remove(argv[3]);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
