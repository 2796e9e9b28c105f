/*
 * main.c: ctr-launch, the setuid-root helper: the launch sequence of
 * DESIGN section 5, one call per numbered step.
 *
 * P0 (this process, started by the caller) runs steps 0 to 3, forks the
 * keeper K and becomes the caller entirely (step 3.1, front.c).  K, root
 * in every id, runs steps 4 to 7.1, clones P1, the container's init,
 * which runs steps 7.2 to 16, and waits for it (step 11).  The numbers
 * are SECURITY.md's; within each function here they only go up (make
 * lint checks both).
 *
 * Invariants:
 * - Step 0 MUST come before anything else, and any error before the fork
 *   of K MUST exit 125 with nothing created.
 * - run --dry-run, info and images MUST stop after step 3.
 * - The steps MUST run in this order in their process; each step is one
 *   call here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helper/args.h"
#include "helper/audit.h"
#include "helper/auth.h"
#include "helper/cgroup.h"
#include "helper/creds.h"
#include "helper/ctl.h"
#include "helper/ctlproto.h"
#include "helper/env.h"
#include "helper/filter.h"
#include "helper/front.h"
#include "helper/ids.h"
#include "helper/init.h"
#include "helper/keeper.h"
#include "helper/log.h"
#include "helper/login.h"
#include "helper/loginargs.h"
#include "helper/monitor.h"
#include "helper/mounts.h"
#include "helper/namespaces.h"
#include "helper/place.h"
#include "helper/plan.h"
#include "helper/ports.h"

static int
print_done(void)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		die_errno("cannot write to standard output");
	return 0;
}

/* P1: steps 7.2 to 16, with nothing of K but W.  Never returns. */
static noreturn void
container(const struct launch_plan *p, struct init_wiring *w)
{
	struct mounts_tty tty = { -1, -1 };
	struct cgroup_view view;
	int *bind_fds;

	init_start(p, w);
	keeper_forget();
	/* 7.2. Placed by K: a cgroup namespace of its own; the caller's
	 * scheduling and oom_score_adj back. */
	cgroup_enter(w->cg, &view);
	place_enter(w->pl);
	/* 8. Bind sources, resolved as the caller. */
	bind_fds = init_binds(p);
	/* 9. The container's file system; pivot_root. */
	mounts_setup(p, bind_fds, &view, &tty);
	init_stdio(p, bind_fds, &tty);
	/* 10. Hostname, a new session. */
	init_session(p);
	/* 12. Drop every privilege. */
	creds_drop(p, w->alive);
	/* 13. Prove it. */
	creds_verify(p);
	/* 13.1. Close stray descriptors, report to K. */
	init_ready(p, w, &tty);
	/* 14. Working directory, umask and rlimits, as the caller. */
	init_workdir(p);
	creds_restore(p, w->rlimits);
	/* 15. The seccomp filter, last. */
	filter_load(p);
	/* 16. Stay as the init; exec the payload. */
	init_run(p, w);
}

/* K's failure hook: the monitor's teardown, then the placement's. */
struct keeper {
	struct monitor *m;
	struct place *pl;
};

static void
keeper_teardown(void *arg)
{
	struct keeper *k = arg;

	monitor_teardown(k->m);
	keeper_abandon();
	place_release(k->pl);
}

static noreturn void
launch(const struct launch_plan *p, struct monitor *m, pid_t front)
{
	/* K's state for its whole life (launch never returns): the monitor
	 * points at it. */
	static struct cgroup_hier hier;
	static struct auth auth;
	static struct cgroup cg;
	static struct place pl;
	static struct keeper k;
	struct init_wiring wiring;
	pid_t init;
	bool kept = false, joined;

	k.m = m;
	k.pl = &pl;
	for (int c = 0; c < CGROUP_NCTL; c++)
		pl.parent[c] = pl.front[c] = -1;
	/* 4. Audit: denials where they happen; the grant and the end are
	 * written by K (audit.c). */
	/* From here any failure in K tears down what exists (keeper_fg.c):
	 * the PAM session from the moment it opens, the cgroup, P1. */
	m->auth = &auth;
	m->sched = &pl.sched;
	log_set_teardown(keeper_teardown, &k);
	/* 4.1 (before any lock and before PAM). K out of every
	 * cgroup the caller can write; inside a batch job, K and P0 into
	 * the job's ctl-front; K's scheduling reset, oom_score_adj -1000. */
	cgroup_open(&hier);
	place_keeper(&hier, p->eff.cgroup_placement == POLICY_PLACEMENT_TOP,
	    front, &pl);
	if (pl.job)
		audit_set_job(pl.path);
	/* run -d, or run -it outside a batch job: the container's name and
	 * state (keeper.c); a Slurm step's tasks: the first makes the
	 * container, the others join it (and their K ends here).  What K
	 * decides here is K's own; the plan stays as step 3 built it. */
	if (p->step_tasks > 0) {
		keeper_step(p, &pl, m);
		kept = true;
	} else if (keeper_wanted(p, &pl)) {
		keeper_reserve(p, &pl);
		kept = true;
	}
	audit_set_name(keeper_name(p));
	/* 5. PAM account and session; the session's rlimits and
	 * environment are kept for the payload in the auth state. */
	auth_open(&auth, p);
	auth_payload(&auth, p);
	/* 6. The cgroup: counts, totals and limits. */
	cgroup_setup(&cg, p, keeper_name(p), &hier, &pl);
	m->cg = &cg;
	/* 7. Layer locks, then clone P1 into new namespaces, into its
	 * cgroup (v2), or joining it first thing before K releases the
	 * caller's lock (v1). */
	monitor_prepare_init(p, m);
	if (kept)
		keeper_prepare(p, m);
	monitor_wiring(m, &pl, &wiring);
	init = ns_clone(p, cgroup_clone_fd(&cg), &m->init_pidfd,
	    &wiring.placed);
	if (init == 0)
		container(p, &wiring);
	/* P1 in its cgroup: the caller's lock goes.  A P1 that ended before
	 * (with its reason) is found below, as any early end of P1. */
	joined = monitor_init_joined(m, &wiring);
	cgroup_placed(&cg);
	if (joined) {
		/* 7.1. -p host sockets bound as root; lo up and the port
		 * forwarder in the container's network namespace (ports.c). */
		ports_bind(p);
		ports_start(p, m->init_pidfd, &cg, &pl);
		/* After the forwarder's fork: K's alone. */
		monitor_hold_mounts(m, init);
	}
	if (kept)
		keeper_detached(p, m, init);
	/* 11. K: wait for the container and for P0; clean up. */
	monitor_keeper(p, m, init);
}

int
main(int argc, char **argv)
{
	struct plan_caller caller;
	struct args_request req;
	struct launch_plan plan;
	struct monitor m;
	struct ctl_err e;
	pid_t front;

	memset(&caller, 0, sizeof(caller));
	memset(&req, 0, sizeof(req));
	memset(&plan, 0, sizeof(plan));
	/* 0. Hygiene: fds, signals, umask, rlimits, environment, dumpable. */
	creds_hygiene(argc, argv, &caller);
	/* 1. Parse the command line: as the login shell, its two shapes;
	 * ps, logs, stop, kill, rm, wait: requests to keepers (ctl.c). */
	if (login_is_shell(argv[0]))
		login_parse(argc, argv);
	else if (argc >= 2 && ctla_is_command(argv[1]))
		ctl_main(argc, argv, &caller);
	else if (args_parse(argc, argv, &req, &e) != 0)
		die("%s", e.msg);
	if (req.cmd == ARGS_CMD_HELP) {
		fputs(args_usage, stdout);
		return print_done();
	}
	if (req.cmd == ARGS_CMD_VERSION) {
		printf("ctr-launch %s\n", CTL_VERSION);
		return print_done();
	}
	/* 2. Who is calling, from the kernel. */
	ids_identify(&plan);
	/* 3. --env-file as the caller, policy, image, plan. */
	plan_env_file(&plan, &req, &caller);
	plan_policy(&plan);
	if (login_active())
		login_plan(&plan, &req, &caller);
	plan.json = req.json;
	if (req.cmd == ARGS_CMD_INFO) {
		plan_print_info(&plan);
		return print_done();
	}
	if (req.cmd == ARGS_CMD_IMAGES) {
		plan_print_images(&plan);
		return print_done();
	}
	plan_run(&plan, &req, &caller);
	if (login_active())
		login_finish(&plan);
	args_free(&req);
	if (caller.cwd_fd >= 0)
		close(caller.cwd_fd);
	env_free(caller.env);
	free(caller.cwd);
	if (plan.dry_run) {
		plan_print(&plan);
		return print_done();
	}
	/* 3.1. K forked; P0: the caller's own process from here on
	 * (front.c). */
	memset(&m, 0, sizeof(m));
	front = getpid();
	/* v2 alone: K cloned straight into its leaf (place.c). */
	m.keeper_cg = place_keeper_target(
	    plan.eff.cgroup_placement == POLICY_PLACEMENT_TOP);
	if (monitor_fork_keeper(&plan, &m) != 0)
		monitor_front(&plan, &m);
	launch(&plan, &m, front);
}
