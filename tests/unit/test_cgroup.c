/*
 * test_cgroup.c: the cgroup core against a fake tree (a plain directory
 * standing in for cgroupfs), v2 and v1: layout, limit files, counts under
 * the locks, the stale sweep, ownership checks and missing controllers.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "helper/cgroup.h"

#define UNL UINT64_MAX

struct fx {
	char root[64];
	int rootfd;
	struct cgroup_hier h;
};

static void
put(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *
slurp(struct fx *fx, const char *rel)
{
	static char buf[512];
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", fx->root, rel);
	f = fopen(path, "re");
	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static bool
exists(struct fx *fx, const char *rel)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", fx->root, rel);
	return stat(path, &st) == 0;
}

static void
mark_live(struct fx *fx, const char *reldir)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s/cgroup.procs", fx->root, reldir);
	put(path, "999999999\n"); /* no such pid */
}

static int
setup_common(void **state, int version, const char *controllers)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct ctl_err e;
	char path[128];

	assert_non_null(fx);
	snprintf(fx->root, sizeof(fx->root), "/tmp/cgtest.XXXXXX");
	assert_non_null(mkdtemp(fx->root));
	chmod(fx->root, 0755);
	if (version == 2) {
		snprintf(path, sizeof(path), "%s/cgroup.controllers", fx->root);
		put(path, controllers);
	} else {
		const char *c[] = { "memory", "cpu", "pids" };
		for (int i = 0; i < 3; i++) {
			snprintf(path, sizeof(path), "%s/%s", fx->root, c[i]);
			assert_int_equal(mkdir(path, 0755), 0);
		}
	}
	fx->rootfd = open(fx->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fx->rootfd >= 0);
	assert_int_equal(cgroup_hier_at(&fx->h, fx->rootfd, version, true, &e),
	    0);
	fx->h.lock_wait_ms = 50;
	*state = fx;
	return 0;
}

static int
setup_v2(void **state)
{
	return setup_common(state, 2, "cpuset cpu io memory hugetlb pids\n");
}

static int
setup_v1(void **state)
{
	return setup_common(state, 1, "");
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	char cmd[256];

	cgroup_hier_close(&fx->h);
	close(fx->rootfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->root);
	assert_int_equal(system(cmd), 0);
	free(fx);
	return 0;
}

static struct cgroup_req
req(uid_t uid, const char *name)
{
	struct cgroup_req r = {
		.uid = uid,
		.user = uid == 1000 ? "alice" : "bob",
		.name = name,
		.lim = { 1500, 512u << 20, 64 },
		.user_lim = { 2000, 1u << 30, 256 },
		.max_containers = 4,
		.max_total_containers = 64,
	};
	return r;
}

/* Creates, then the init joins (v1: the kernel then lists it in each
 * controller's cgroup.procs; v2 places by clone3) and the lock goes; the
 * cgroup stays open. */
static int
launch(struct fx *fx, const struct cgroup_req *r, struct cgroup *cg,
    struct ctl_err *e)
{
	static const char *const ctl[] = { "memory", "cpu", "pids" };

	if (cgroup_create_at(&fx->h, r, cg, e) == -1)
		return -1;
	for (size_t i = 0; fx->h.version == 1 && i < 3; i++) {
		char rel[256];

		snprintf(rel, sizeof(rel), "%s/ctr-launch/u%u/%s", ctl[i],
		    (unsigned)r->uid, r->name);
		if (exists(fx, rel))
			mark_live(fx, rel);
	}
	cgroup_placed(cg);
	return 0;
}

static void
test_detect(void **state)
{
	struct fx *fx = *state;
	char path[128];
	int fd;

	assert_int_equal(cgroup_detect_at(fx->rootfd, false), 2);
	/* A v2 root without the controllers is not v2. */
	snprintf(path, sizeof(path), "%s/cgroup.controllers", fx->root);
	put(path, "cpu io\n");
	assert_int_equal(cgroup_detect_at(fx->rootfd, false), -1);
	/* The real file system check refuses a plain directory. */
	put(path, "cpu memory pids\n");
	assert_int_equal(cgroup_detect_at(fx->rootfd, true), -1);
	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(cgroup_detect_at(fd, false), -1);
	close(fd);
}

static void
test_detect_v1(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(cgroup_detect_at(fx->rootfd, false), 1);
	assert_int_equal(cgroup_detect_at(fx->rootfd, true), -1);
}

static void
test_v2_layout_and_limits(void **state)
{
	struct fx *fx = *state;
	struct cgroup_req r = req(1000, "c1");
	struct cgroup cg;
	struct ctl_err e;

	assert_int_equal(cgroup_create_at(&fx->h, &r, &cg, &e), 0);
	assert_true(cgroup_clone_fd(&cg) >= 0);
	assert_string_equal(slurp(fx, "ctr-launch/u1000/c1/memory.max"),
	    "536870912");
	assert_string_equal(slurp(fx, "ctr-launch/u1000/c1/memory.swap.max"),
	    "0");
	assert_string_equal(slurp(fx, "ctr-launch/u1000/c1/cpu.max"),
	    "150000 100000");
	assert_string_equal(slurp(fx, "ctr-launch/u1000/c1/pids.max"), "64");
	/* The per-user totals sit on u<uid>. */
	assert_string_equal(slurp(fx, "ctr-launch/u1000/memory.max"),
	    "1073741824");
	assert_string_equal(slurp(fx, "ctr-launch/u1000/cpu.max"),
	    "200000 100000");
	assert_string_equal(slurp(fx, "ctr-launch/u1000/pids.max"), "256");
	/* Controllers enabled down to u<uid>. */
	assert_string_equal(slurp(fx, "cgroup.subtree_control"),
	    "+memory +cpu +pids");
	assert_string_equal(slurp(fx,
				"ctr-launch/u1000/cgroup.subtree_control"),
	    "+memory +cpu +pids");
	/* v2: an exec's process that was not cloned into the leaf joins by
	 * its cgroup.procs, one descriptor for the one hierarchy. */
	{
		char path[512];
		int j[CGROUP_NCTL];

		snprintf(path, sizeof(path),
		    "%s/ctr-launch/u1000/c1/cgroup.procs", fx->root);
		put(path, "");
		assert_int_equal(cgroup_join_open(&cg, j), 0);
		assert_true(j[0] >= 0);
		for (int c = 1; c < CGROUP_NCTL; c++)
			assert_int_equal(j[c], -1);
		close(j[0]);
	}
	cgroup_placed(&cg);
	assert_int_equal(cgroup_destroy_at(&cg, &e), 0);
	assert_false(exists(fx, "ctr-launch/u1000/c1"));
}

static void
test_v2_unlimited(void **state)
{
	struct fx *fx = *state;
	struct cgroup_req r = req(1000, "c1");
	struct cgroup cg;
	struct ctl_err e;

	r.lim = (struct cgroup_limits){ UNL, UNL, UNL };
	r.user_lim = r.lim;
	assert_int_equal(cgroup_create_at(&fx->h, &r, &cg, &e), 0);
	assert_string_equal(slurp(fx, "ctr-launch/u1000/c1/memory.max"), "max");
	assert_string_equal(slurp(fx, "ctr-launch/u1000/c1/cpu.max"),
	    "max 100000");
	assert_string_equal(slurp(fx, "ctr-launch/u1000/c1/pids.max"), "max");
	/* Under 0.01 CPU, a period of 1 s: the kernel's minimum quota of
	 * 1 ms is then exactly 0.001 CPU, not ten times it. */
	assert_int_equal(cgroup_destroy_at(&cg, &e), 0);
	r.lim.cpus = 1;
	assert_int_equal(cgroup_create_at(&fx->h, &r, &cg, &e), 0);
	assert_string_equal(slurp(fx, "ctr-launch/u1000/c1/cpu.max"),
	    "1000 1000000");
	assert_int_equal(cgroup_destroy_at(&cg, &e), 0);
	r.lim.cpus = 9;
	assert_int_equal(cgroup_create_at(&fx->h, &r, &cg, &e), 0);
	assert_string_equal(slurp(fx, "ctr-launch/u1000/c1/cpu.max"),
	    "9000 1000000");
	assert_int_equal(cgroup_destroy_at(&cg, &e), 0);
	r.lim.cpus = 10;
	assert_int_equal(cgroup_create_at(&fx->h, &r, &cg, &e), 0);
	assert_string_equal(slurp(fx, "ctr-launch/u1000/c1/cpu.max"),
	    "1000 100000");
	assert_int_equal(cgroup_destroy_at(&cg, &e), 0);
}

static void
test_max_containers(void **state)
{
	struct fx *fx = *state;
	struct cgroup_req r = req(1000, "c1");
	struct cgroup a, b, c;
	struct ctl_err e;

	r.max_containers = 2;
	assert_int_equal(launch(fx, &r, &a, &e), 0);
	mark_live(fx, "ctr-launch/u1000/c1");
	r.name = "c2";
	assert_int_equal(launch(fx, &r, &b, &e), 0);
	mark_live(fx, "ctr-launch/u1000/c2");
	r.name = "c3";
	assert_int_equal(cgroup_create_at(&fx->h, &r, &c, &e), -1);
	assert_true(e.denied);
	assert_string_equal(e.msg,
	    "refused: alice already runs 2 containers (max_containers = 2)");
	assert_false(exists(fx, "ctr-launch/u1000/c3"));
	/* Another user is not counted against alice. */
	r = req(2000, "c1");
	r.max_containers = 2;
	assert_int_equal(launch(fx, &r, &c, &e), 0);
	cgroup_destroy_at(&c, &e);
	cgroup_destroy_at(&b, &e);
	cgroup_destroy_at(&a, &e);
}

static void
test_same_name_refused(void **state)
{
	struct fx *fx = *state;
	struct cgroup_req r = req(1000, "web");
	struct cgroup a, b;
	struct ctl_err e;

	assert_int_equal(launch(fx, &r, &a, &e), 0);
	mark_live(fx, "ctr-launch/u1000/web");
	assert_int_equal(cgroup_create_at(&fx->h, &r, &b, &e), -1);
	assert_true(e.denied);
	assert_string_equal(e.msg,
	    "refused: alice already runs a container named web");
	assert_true(exists(fx, "ctr-launch/u1000/web/cgroup.procs"));
	cgroup_destroy_at(&a, &e);
}

static void
test_sweep_removes_only_empty(void **state)
{
	struct fx *fx = *state;
	struct cgroup_req r = req(1000, "new");
	char path[256];
	struct cgroup cg;
	struct ctl_err e;

	r.max_containers = 2;
	assert_int_equal(launch(fx, &r, &cg, &e), 0);
	/* A dead launch's empty cgroup and a live one. */
	snprintf(path, sizeof(path), "%s/ctr-launch/u1000/stale", fx->root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/ctr-launch/u1000/live", fx->root);
	assert_int_equal(mkdir(path, 0755), 0);
	mark_live(fx, "ctr-launch/u1000/live");
	/* Not the user's last container: u1000 stays. */
	cgroup_destroy_at(&cg, &e);
	assert_true(exists(fx, "ctr-launch/u1000/stale"));
	assert_int_equal(launch(fx, &r, &cg, &e), 0);
	assert_false(exists(fx, "ctr-launch/u1000/stale"));
	assert_true(exists(fx, "ctr-launch/u1000/live"));
	cgroup_destroy_at(&cg, &e);
}

static void
test_sweep_spares_other_users(void **state)
{
	struct fx *fx = *state;
	struct cgroup_req r = req(2000, "b1");
	struct cgroup b, a;
	struct ctl_err e;

	/* bob's launch is in flight: its cgroup is still empty. */
	assert_int_equal(cgroup_create_at(&fx->h, &r, &b, &e), 0);
	r = req(1000, "a1");
	assert_int_equal(launch(fx, &r, &a, &e), 0);
	assert_true(exists(fx, "ctr-launch/u2000/b1"));
	cgroup_destroy_at(&a, &e);
	cgroup_destroy_at(&b, &e);
}

static void
test_sweep_stale_of_others(void **state)
{
	struct fx *fx = *state;
	struct cgroup_req r = req(2000, "b1");
	char path[256];
	struct cgroup b, a;
	struct ctl_err e;
	int held;

	/* bob: a live container, and a dead launch's empty cgroup. */
	assert_int_equal(launch(fx, &r, &b, &e), 0);
	mark_live(fx, "ctr-launch/u2000/b1");
	snprintf(path, sizeof(path), "%s/ctr-launch/u2000/dead", fx->root);
	assert_int_equal(mkdir(path, 0755), 0);
	/* While bob's lock is held (a launch of his in flight): kept. */
	snprintf(path, sizeof(path), "%s/ctr-launch/u2000", fx->root);
	held = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(flock(held, LOCK_EX), 0);
	r = req(1000, "a1");
	assert_int_equal(launch(fx, &r, &a, &e), 0);
	assert_true(exists(fx, "ctr-launch/u2000/dead"));
	cgroup_destroy_at(&a, &e);
	close(held);
	/* Lock free: alice's next launch removes it; bob's live one stays. */
	assert_int_equal(launch(fx, &r, &a, &e), 0);
	assert_false(exists(fx, "ctr-launch/u2000/dead"));
	assert_true(exists(fx, "ctr-launch/u2000/b1"));
	cgroup_destroy_at(&a, &e);
	cgroup_destroy_at(&b, &e);
}

static void
test_max_total(void **state)
{
	struct fx *fx = *state;
	struct cgroup_req r = req(2000, "live");
	char path[256];
	struct cgroup b, a;
	struct ctl_err e;
	int held;

	/* bob: one live container and one empty one. */
	assert_int_equal(launch(fx, &r, &b, &e), 0);
	mark_live(fx, "ctr-launch/u2000/live");
	snprintf(path, sizeof(path), "%s/ctr-launch/u2000/empty", fx->root);
	assert_int_equal(mkdir(path, 0755), 0);

	/* bob's lock held: his empty cgroup is a launch in flight. */
	snprintf(path, sizeof(path), "%s/ctr-launch/u2000", fx->root);
	held = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(held >= 0);
	assert_int_equal(flock(held, LOCK_EX), 0);
	r = req(1000, "a1");
	r.max_total_containers = 2;
	assert_int_equal(cgroup_create_at(&fx->h, &r, &a, &e), -1);
	assert_true(e.denied);
	assert_string_equal(e.msg,
	    "refused: the host already runs 2 containers (max_total_containers = 2)");
	assert_false(exists(fx, "ctr-launch/u1000/a1"));

	/* Lock free: the empty one is stale and does not count. */
	close(held);
	assert_int_equal(launch(fx, &r, &a, &e), 0);
	mark_live(fx, "ctr-launch/u1000/a1");
	/* Now two live: a third is refused. */
	r.name = "a2";
	assert_int_equal(cgroup_create_at(&fx->h, &r, &a, &e), -1);
	assert_true(e.denied);
	cgroup_destroy_at(&b, &e);
}

static void
test_last_keeper_removes_user_dir(void **state)
{
	struct fx *fx = *state;
	struct cgroup_req r = req(1000, "a1");
	struct cgroup a, b, c;
	struct ctl_err e;

	assert_int_equal(launch(fx, &r, &a, &e), 0);
	mark_live(fx, "ctr-launch/u1000/a1");
	r.name = "a2";
	assert_int_equal(launch(fx, &r, &b, &e), 0);
	r = req(2000, "b1");
	assert_int_equal(launch(fx, &r, &c, &e), 0);
	/* Not the last: u1000 stays, with a1. */
	assert_int_equal(cgroup_destroy_at(&b, &e), 0);
	assert_true(exists(fx, "ctr-launch/u1000/a1"));
	/* The last: u1000 goes; bob's stays. */
	assert_int_equal(cgroup_destroy_at(&a, &e), 0);
	assert_false(exists(fx, "ctr-launch/u1000"));
	assert_true(exists(fx, "ctr-launch/u2000/b1"));
	assert_int_equal(cgroup_destroy_at(&c, &e), 0);
	assert_false(exists(fx, "ctr-launch/u2000"));
	assert_true(exists(fx, "ctr-launch"));
	/* The next launch recreates it, with the totals. */
	r = req(1000, "a3");
	assert_int_equal(launch(fx, &r, &a, &e), 0);
	assert_string_equal(slurp(fx, "ctr-launch/u1000/pids.max"), "256");
	assert_int_equal(cgroup_destroy_at(&a, &e), 0);
}

static void
test_last_keeper_removes_user_dir_v1(void **state)
{
	struct fx *fx = *state;
	struct cgroup_req r = req(1000, "a1");
	struct cgroup a;
	struct ctl_err e;

	assert_int_equal(launch(fx, &r, &a, &e), 0);
	assert_true(exists(fx, "memory/ctr-launch/u1000/a1"));
	assert_int_equal(cgroup_destroy_at(&a, &e), 0);
	assert_false(exists(fx, "memory/ctr-launch/u1000"));
	assert_false(exists(fx, "cpu/ctr-launch/u1000"));
	assert_false(exists(fx, "pids/ctr-launch/u1000"));
}

/*
 * A launch that waited for the user's lock while the last keeper removed
 * u<uid> starts over on the new directory (it would otherwise create its
 * container in a removed one and fail).
 */
static void
test_launch_survives_user_dir_removal(void **state)
{
	struct fx *fx = *state;
	struct cgroup_req r = req(1000, "a1");
	struct cgroup a;
	struct ctl_err e;
	char path[512];
	int sync[2], fd, st;
	pid_t pid;
	char x;

	fx->h.lock_wait_ms = 5000;
	assert_int_equal(launch(fx, &r, &a, &e), 0);
	assert_int_equal(pipe(sync), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* The "keeper": holds the lock, then removes u1000. */
		struct stat sb;
		int old;

		snprintf(path, sizeof(path), "%s/ctr-launch/u1000", fx->root);
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		old = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || old < 0 || flock(fd, LOCK_EX) != 0)
			_exit(1);
		if (write(sync[1], "x", 1) != 1)
			_exit(1);
		usleep(300000);
		a.ulock = fd; /* destroyed under the lock it holds */
		if (cgroup_destroy_at(&a, &e) != 0)
			_exit(2);
		/* That directory is removed (the launch may have made a new
		 * u1000 already, once the lock went with it). */
		_exit(fstat(old, &sb) == 0 && sb.st_nlink == 0 ? 0 : 3);
	}
	assert_int_equal(read(sync[0], &x, 1), 1);
	/* Opens u1000 now, gets its lock after the removal. */
	r.name = "a2";
	assert_int_equal(launch(fx, &r, &a, &e), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_true(exists(fx, "ctr-launch/u1000/a2"));
	assert_string_equal(slurp(fx, "ctr-launch/u1000/pids.max"), "256");
	assert_int_equal(cgroup_destroy_at(&a, &e), 0);
	close(sync[0]);
	close(sync[1]);
}

static void
test_user_lock(void **state)
{
	struct fx *fx = *state;
	struct cgroup_req r = req(1000, "a1");
	struct cgroup a, b;
	struct ctl_err e;

	/* alice's first launch holds her lock until it is placed. */
	assert_int_equal(cgroup_create_at(&fx->h, &r, &a, &e), 0);
	r.name = "a2";
	assert_int_equal(cgroup_create_at(&fx->h, &r, &b, &e), -1);
	assert_false(e.denied);
	assert_int_equal(e.err, ETIMEDOUT);
	/* ... and never blocks bob. */
	r = req(2000, "b1");
	assert_int_equal(launch(fx, &r, &b, &e), 0);
	cgroup_destroy_at(&b, &e);
	/* Once placed, alice may launch again. */
	cgroup_placed(&a);
	mark_live(fx, "ctr-launch/u1000/a1");
	r = req(1000, "a2");
	assert_int_equal(launch(fx, &r, &b, &e), 0);
	cgroup_destroy_at(&b, &e);
	cgroup_destroy_at(&a, &e);
}

static void
test_refuses_writable_dirs(void **state)
{
	struct fx *fx = *state;
	struct cgroup_req r = req(1000, "a1");
	char path[256];
	struct cgroup a;
	struct ctl_err e;

	assert_int_equal(launch(fx, &r, &a, &e), 0);
	cgroup_destroy_at(&a, &e);
	/* u1000 made writable by others (a delegation mistake). */
	snprintf(path, sizeof(path), "%s/ctr-launch/u1000", fx->root);
	assert_int_equal(mkdir(path, 0755), 0); /* the keeper removed it */
	assert_int_equal(chmod(path, 0777), 0);
	assert_int_equal(cgroup_create_at(&fx->h, &r, &a, &e), -1);
	assert_false(e.denied);
	assert_non_null(strstr(e.msg, "not a root-owned directory"));
	assert_int_equal(chmod(path, 0755), 0);
	/* ... and so is ctr-launch itself. */
	snprintf(path, sizeof(path), "%s/ctr-launch", fx->root);
	assert_int_equal(chmod(path, 0757), 0);
	assert_int_equal(cgroup_create_at(&fx->h, &r, &a, &e), -1);
	assert_non_null(strstr(e.msg, "not a root-owned directory"));
}

static void
test_bad_names(void **state)
{
	struct fx *fx = *state;
	const char *bad[] = {
		"", "..", ".", "a/b", "-x", "../u2000", "a b",
		"0123456789012345678901234567890123456789012345678901234567890123"
	};
	struct cgroup cg;
	struct ctl_err e;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cgroup_req r = req(1000, bad[i]);
		assert_int_equal(cgroup_create_at(&fx->h, &r, &cg, &e), -1);
	}
	assert_false(exists(fx, "ctr-launch"));
}

static int
setup_v2_partial(void **state)
{
	return setup_common(state, 2, "cpu pids\n");
}

static void
test_missing_controller(void **state)
{
	struct fx *fx = *state;
	struct cgroup_req r = req(1000, "a1");
	struct cgroup cg;
	struct ctl_err e;

	assert_int_equal(cgroup_create_at(&fx->h, &r, &cg, &e), -1);
	assert_non_null(strstr(e.msg, "controller memory is not available"));
	assert_false(exists(fx, "ctr-launch/u1000/a1"));
	/* No memory limit asked: fine, and memory.max is not written. */
	r.lim.memory = r.user_lim.memory = UNL;
	assert_int_equal(cgroup_create_at(&fx->h, &r, &cg, &e), 0);
	assert_false(exists(fx, "ctr-launch/u1000/a1/memory.max"));
	assert_string_equal(slurp(fx, "cgroup.subtree_control"), "+cpu +pids");
	cgroup_placed(&cg);
	cgroup_destroy_at(&cg, &e);
}

static void
test_v1_layout(void **state)
{
	struct fx *fx = *state;
	struct cgroup_req r = req(1000, "c1");
	struct cgroup cg;
	struct ctl_err e;

	r.lim.cpus = 3000; /* above the user's total of 2 CPUs */
	assert_int_equal(cgroup_create_at(&fx->h, &r, &cg, &e), 0);
	assert_int_equal(cgroup_clone_fd(&cg), -1);
	assert_string_equal(
	    slurp(fx, "memory/ctr-launch/u1000/c1/memory.limit_in_bytes"),
	    "536870912");
	assert_string_equal(
	    slurp(fx, "memory/ctr-launch/u1000/c1/memory.memsw.limit_in_bytes"),
	    "536870912");
	assert_string_equal(slurp(fx,
				"cpu/ctr-launch/u1000/c1/cpu.cfs_period_us"),
	    "100000");
	/* v1 refuses a child quota above the parent's: capped at 2 CPUs. */
	assert_string_equal(slurp(fx,
				"cpu/ctr-launch/u1000/c1/cpu.cfs_quota_us"),
	    "200000");
	assert_string_equal(slurp(fx, "cpu/ctr-launch/u1000/cpu.cfs_quota_us"),
	    "200000");
	assert_string_equal(slurp(fx, "pids/ctr-launch/u1000/c1/pids.max"),
	    "64");
	assert_string_equal(slurp(fx, "pids/ctr-launch/u1000/pids.max"), "256");
	assert_false(exists(fx, "cgroup.subtree_control"));
	/* v1 placement: the joining process writes 0 into every
	 * controller's tasks (a thread moving itself, no cgroup lock), never
	 * into cgroup.procs. */
	{
		static const char *const ctl[] = { "memory", "cpu", "pids" };
		char path[512];
		int j[CGROUP_NCTL];

		for (int c = 0; c < 3; c++) {
			snprintf(path, sizeof(path),
			    "%s/%s/ctr-launch/u1000/c1/tasks", fx->root,
			    ctl[c]);
			put(path, "");
		}
		assert_int_equal(cgroup_join_open(&cg, j), 0);
		assert_true(cgroup_join(j));
		for (int c = 0; c < 3; c++) {
			snprintf(path, sizeof(path),
			    "%s/ctr-launch/u1000/c1/tasks", ctl[c]);
			assert_string_equal(slurp(fx, path), "0");
			snprintf(path, sizeof(path),
			    "%s/ctr-launch/u1000/c1/cgroup.procs", ctl[c]);
			assert_false(exists(fx, path));
		}
		for (int c = 0; c < CGROUP_NCTL; c++)
			j[c] = -1;
		assert_false(cgroup_join(j));
	}
	cgroup_placed(&cg);
}

static void
test_v1_unlimited(void **state)
{
	struct fx *fx = *state;
	struct cgroup_req r = req(1000, "c1");
	struct cgroup cg;
	struct ctl_err e;

	r.lim = (struct cgroup_limits){ UNL, UNL, UNL };
	r.user_lim = r.lim;
	assert_int_equal(cgroup_create_at(&fx->h, &r, &cg, &e), 0);
	assert_string_equal(
	    slurp(fx, "memory/ctr-launch/u1000/c1/memory.limit_in_bytes"),
	    "-1");
	assert_string_equal(slurp(fx,
				"cpu/ctr-launch/u1000/c1/cpu.cfs_quota_us"),
	    "-1");
	assert_string_equal(slurp(fx, "pids/ctr-launch/u1000/c1/pids.max"),
	    "max");
	assert_int_equal(cgroup_destroy_at(&cg, &e), 0);
	assert_false(exists(fx, "memory/ctr-launch/u1000/c1"));
	assert_false(exists(fx, "cpu/ctr-launch/u1000/c1"));
	assert_false(exists(fx, "pids/ctr-launch/u1000/c1"));
}

static void
test_format_limits(void **state)
{
	char buf[128];
	struct cgroup_limits l = { 1500, 2147483648u, 256 };

	(void)state;
	cgroup_format_limits(buf, sizeof(buf), &l);
	assert_string_equal(buf, "cpus=1.5 memory=2147483648 pids=256");
	l = (struct cgroup_limits){ 250, UNL, UNL };
	cgroup_format_limits(buf, sizeof(buf), &l);
	assert_string_equal(buf, "cpus=0.25 memory=max pids=max");
	l = (struct cgroup_limits){ UNL, 1, 2 };
	cgroup_format_limits(buf, sizeof(buf), &l);
	assert_string_equal(buf, "cpus=max memory=1 pids=2");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_detect, setup_v2,
		    teardown),
		cmocka_unit_test_setup_teardown(test_detect_v1, setup_v1,
		    teardown),
		cmocka_unit_test_setup_teardown(test_v2_layout_and_limits,
		    setup_v2, teardown),
		cmocka_unit_test_setup_teardown(test_v2_unlimited, setup_v2,
		    teardown),
		cmocka_unit_test_setup_teardown(test_max_containers, setup_v2,
		    teardown),
		cmocka_unit_test_setup_teardown(test_same_name_refused,
		    setup_v2, teardown),
		cmocka_unit_test_setup_teardown(test_sweep_removes_only_empty,
		    setup_v2, teardown),
		cmocka_unit_test_setup_teardown(test_sweep_spares_other_users,
		    setup_v2, teardown),
		cmocka_unit_test_setup_teardown(test_sweep_stale_of_others,
		    setup_v2, teardown),
		cmocka_unit_test_setup_teardown(test_max_total, setup_v2,
		    teardown),
		cmocka_unit_test_setup_teardown(test_user_lock, setup_v2,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_last_keeper_removes_user_dir, setup_v2, teardown),
		cmocka_unit_test_setup_teardown(
		    test_last_keeper_removes_user_dir_v1, setup_v1, teardown),
		cmocka_unit_test_setup_teardown(
		    test_launch_survives_user_dir_removal, setup_v2, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_writable_dirs,
		    setup_v2, teardown),
		cmocka_unit_test_setup_teardown(test_bad_names, setup_v2,
		    teardown),
		cmocka_unit_test_setup_teardown(test_missing_controller,
		    setup_v2_partial, teardown),
		cmocka_unit_test_setup_teardown(test_v1_layout, setup_v1,
		    teardown),
		cmocka_unit_test_setup_teardown(test_v1_unlimited, setup_v1,
		    teardown),
		cmocka_unit_test(test_format_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
