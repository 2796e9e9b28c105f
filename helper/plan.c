/*
 * plan.c: builds the immutable launch plan (step 3).
 *
 * P0 opens and checks the policy, evaluates it for the caller, resolves
 * the image descriptor in the root-owned store, reads --env-file as the
 * caller (creds.c), and computes everything the later steps do: argv,
 * environment, working directory, binds, limits, network, name.
 * The pure rules among them (the command, the working directory, the
 * default names, bind destinations) are planrules.c's.
 *
 * Invariants:
 * - A policy that fails the trust check, does not load or does not
 *   evaluate MUST refuse every launch (125, pointing to ctr-policy check);
 *   a denied caller MUST be refused with the policy's reason.
 * - The image MUST be granted by the policy before the store is looked
 *   at, and the descriptor MUST be opened beneath the store's directory
 *   descriptor without following symlinks.
 * - No path named by the caller MUST be opened as root here: bind sources
 *   are only strings (resolved in P1 as the caller), --env-file is read by
 *   a child that has become the caller.
 * - A -v MUST be refused when its source is not under a user_binds grant
 *   (by components), when it asks :rw under a read-only grant, when its
 *   destination is an administrator's bind destination or another -v's,
 *   and when a destination covers or lies under /proc, /sys, /dev or a
 *   generated /etc file.
 * - A request above a policy limit MUST be refused naming the limit; no
 *   request MUST mean the limit.  --network host MUST be refused unless
 *   granted.
 * - What run --dry-run, info and images print MUST come only from the
 *   caller's own policy and the plan, escaped so that no byte of it can
 *   drive the caller's terminal.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper/args.h"
#include "lib/cleanup.h"
#include "helper/creds.h"
#include "helper/env.h"
#include "lib/fdtrust.h"
#include "helper/ids.h"
#include "helper/log.h"
#include "image/name.h"
#include "image/storelist.h"
#include "helper/plan.h"
#include "helper/planrules.h"

/* ---- the policy ---- */

/* Loads and evaluates the policy for the caller in P: 0, or -1 with the
 * reason in WHY (DENIED when the policy denies the caller). */
static int
policy_try(struct launch_plan *p, char *why, size_t n, bool *denied)
{
	struct ctl_err e;
	struct policy_errors errs = { NULL, 0 };
	struct policy_ident id;
	cleanup_free gid_t *gids = NULL;
	cleanup_free const char **gnames = NULL;
	cleanup_close int fd = -1;

	*denied = false;
	memset(&e, 0, sizeof(e));
	if ((fd = policy_open_trusted(POLICY_FILE, &e)) < 0) {
		snprintf(why, n, "policy %s refused: %s", POLICY_FILE, e.msg);
		return -1;
	}
	gids = calloc(p->ngroups + 1, sizeof(gid_t));
	gnames = calloc(p->ngroups + 1, sizeof(char *));
	if (gids == NULL || gnames == NULL)
		die("out of memory");
	/* Only the caller's sections are kept (the whole file is checked). */
	ids_policy_ident(p, &id, gids, gnames);
	if (policy_load_fd_for(fd, POLICY_FILE, &id, &p->policy, &errs) != 0) {
		int en = policy_errors_errno(&errs);

		policy_errors_free(&errs);
		if (en != 0)
			snprintf(why, n, "cannot read the policy %s: %s",
			    POLICY_FILE, strerror(en));
		else
			snprintf(why, n,
			    "policy %s is invalid, see ctr-policy check",
			    POLICY_FILE);
		return -1;
	}
	policy_errors_free(&errs);
	if (policy_eval(p->policy, &id, &p->eff, &e) != 0) {
		snprintf(why, n,
		    "policy %s is invalid for you (%s), see ctr-policy check",
		    POLICY_FILE, e.msg);
		return -1;
	}
	if (p->eff.denied) {
		*denied = true;
		snprintf(why, n, "denied by the policy: %s",
		    p->eff.deny_reason[0] ? p->eff.deny_reason :
					    "no reason given");
		return -1;
	}
	return 0;
}

void
plan_policy(struct launch_plan *p)
{
	char why[1280];
	bool denied;

	if (policy_try(p, why, sizeof(why), &denied) == 0)
		return;
	if (denied)
		deny("%s", why);
	die("%s", why);
}

int
plan_policy_quiet(struct launch_plan *p)
{
	char why[1280];
	bool denied;

	return policy_try(p, why, sizeof(why), &denied);
}

/* ---- the image ---- */

/* The store's images/ directory, after the store's trust check
 * (image/storelist.c, the same check `ctr-launch images` and ctr-policy
 * make). */
static int
open_images_dir(void)
{
	struct ctl_err e;
	int d = storelist_open(STORE_DIR, 0, &e);

	if (d < 0)
		die("%s", e.msg);
	return d;
}

static void
plan_image(struct launch_plan *p, const char *requested)
{
	char canon[NAME_MAX_LEN + 1], enc[3 * NAME_MAX_LEN + 1];
	struct ctl_err e;
	cleanup_close int dir = -1, fd = -1;
	policy_from from = NULL;
	struct stat st;

	if (name_canon(requested, canon, sizeof(canon)) != 0)
		die("image %.200s: not a valid image name", requested);
	if (!policy_image_allowed(&p->eff, canon, &from))
		deny("image %s: not granted to you by the policy", canon);
	if (name_encode(canon, enc, sizeof(enc)) != 0)
		die("image %s: name too long", canon);
	dir = open_images_dir();
	fd = openat(dir, enc, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		die("image %s: not in the store (ask an administrator to import it with ctr-image)",
		    canon);
	if (fd < 0)
		die_errno("image %s", canon);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || !st_trusted(&st, 0))
		die("image %s: the descriptor is not a root-owned regular file",
		    canon);
	if (desc_read_fd(fd, &p->image, &e) != 0)
		die("image %s: bad descriptor: %.255s", canon, e.msg);
	if (strcmp(p->image->name, canon) != 0)
		die("image %s: the descriptor names %s", canon, p->image->name);
}

/* ---- binds, limits, network ---- */

static void
add_bind(struct launch_plan *p, const char *src, const char *dst,
    enum policy_mode mode, bool ro, bool from_user)
{
	struct plan_bind *b = &p->binds[p->nbinds++];

	b->src = xstrdup(src);
	b->dst = xstrdup(dst);
	b->mode = mode;
	b->ro = ro;
	b->from_user = from_user;
}

static void
plan_binds(struct launch_plan *p, const struct args_request *req)
{
	const struct policy_eff *eff = &p->eff;
	struct ctl_err derr;

	p->binds = calloc(eff->nbinds + req->nvolumes + 1, sizeof(*p->binds));
	if (p->binds == NULL)
		die("out of memory");
	for (size_t i = 0; i < eff->nbinds; i++) {
		if (plan_check_dst(eff->binds[i].dst, &derr) != 0)
			die("policy bind %s:%s %s: %s", eff->binds[i].src,
			    eff->binds[i].dst, eff->binds[i].from, derr.msg);
		add_bind(p, eff->binds[i].src, eff->binds[i].dst,
		    POLICY_MODE_DEFAULT, eff->binds[i].ro, false);
	}
	for (size_t i = 0; i < req->nvolumes; i++) {
		const struct args_volume *v = &req->volumes[i];
		struct ctl_err e;
		bool ro = false;

		if (plan_check_dst(v->dst, &derr) != 0)
			deny("-v %s:%s refused: %s", v->src, v->dst, derr.msg);
		for (size_t j = 0; j < p->nbinds; j++)
			if (strcmp(p->binds[j].dst, v->dst) == 0)
				deny(
				    "-v %s:%s refused: %s is already the destination of %s",
				    v->src, v->dst, v->dst,
				    p->binds[j].from_user ?
					"another -v" :
					"a bind the administrator set");
		memset(&e, 0, sizeof(e));
		if (policy_user_bind(eff, v->src, v->mode, &ro, &e) != 0)
			deny("-v %s:%s refused: %s", v->src, v->dst, e.msg);
		add_bind(p, v->src, v->dst, v->mode,
		    ro || v->mode == POLICY_MODE_RO, true);
	}
}

static void
fmt_num(char *buf, size_t len, const char *what, uint64_t v)
{
	if (v == POLICY_UNLIMITED)
		snprintf(buf, len, "unlimited");
	else if (strcmp(what, "cpus") == 0)
		snprintf(buf, len, "%llu.%03llu",
		    (unsigned long long)(v / 1000),
		    (unsigned long long)(v % 1000));
	else if (strcmp(what, "memory") == 0 && v % (1ull << 30) == 0)
		snprintf(buf, len, "%lluG", (unsigned long long)(v >> 30));
	else if (strcmp(what, "memory") == 0 && v % (1ull << 20) == 0)
		snprintf(buf, len, "%lluM", (unsigned long long)(v >> 20));
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

static uint64_t
plan_limit(bool has, uint64_t want, const struct policy_num *lim,
    const char *opt, const char *what)
{
	char a[64], b[64];

	if (!has)
		return lim->v;
	if (lim->v != POLICY_UNLIMITED && want > lim->v) {
		fmt_num(a, sizeof(a), what, want);
		fmt_num(b, sizeof(b), what, lim->v);
		deny("%s %s refused: more than your limit of %s %s (%s)", opt,
		    a, what, b, lim->from ? lim->from : "built-in");
	}
	return want;
}

static void
plan_limits(struct launch_plan *p, const struct args_request *req)
{
	const struct policy_eff *eff = &p->eff;

	p->cpus = plan_limit(req->has_cpus, req->cpus, &eff->cpus, "--cpus",
	    "cpus");
	p->memory = plan_limit(req->has_memory, req->memory, &eff->memory,
	    "--memory", "memory");
	p->pids = plan_limit(req->has_pids, req->pids, &eff->pids,
	    "--pids-limit", "pids");
	p->tmpfs_size = eff->tmpfs_size.v;
	p->max_ptys = eff->max_ptys.v;
	p->seccomp = eff->seccomp;
	if (req->net == ARGS_NET_HOST && !eff->net_host)
		deny(
		    "--network host refused: the policy does not grant you the host network");
	if (req->net == ARGS_NET_NONE)
		p->net = PLAN_NET_NONE;
	else if (req->net == ARGS_NET_HOST)
		p->net = PLAN_NET_HOST;
	else
		p->net = eff->net_host ? PLAN_NET_HOST : PLAN_NET_NONE;
}

static void
plan_names(struct launch_plan *p, const struct args_request *req)
{
	unsigned char rnd[3];

	if (req->name != NULL)
		snprintf(p->name, sizeof(p->name), "%s", req->name);
	else {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			die_errno("getrandom");
		plan_default_name(p->user, rnd, p->name);
	}
	if (req->hostname != NULL)
		snprintf(p->hostname, sizeof(p->hostname), "%s", req->hostname);
	else
		plan_hostname(p->name, p->hostname);
}

void
plan_env_file(struct launch_plan *p, const struct args_request *req,
    const struct plan_caller *c)
{
	struct ctl_err e;

	if (req->cmd != ARGS_CMD_RUN || req->nenv_files == 0)
		return;
	p->env_files = calloc(req->nenv_files, sizeof(*p->env_files));
	if (p->env_files == NULL)
		die("out of memory");
	for (size_t i = 0; i < req->nenv_files; i++) {
		struct env_file *f = &p->env_files[i];

		f->name = req->env_files[i];
		if (creds_read_file_as_caller(p, c, f->name, ENV_MAX_FILE,
			&f->data, &f->len, &e) != 0)
			die("--env-file %.511s", e.msg);
		p->nenv_files++;
	}
}

static void
plan_env_files_free(struct launch_plan *p)
{
	for (size_t i = 0; i < p->nenv_files; i++)
		free(p->env_files[i].data);
	free(p->env_files);
	p->env_files = NULL;
	p->nenv_files = 0;
}

static void
plan_env(struct launch_plan *p, const struct args_request *req,
    const struct plan_caller *c)
{
	struct env_input in;
	struct ctl_err e;

	memset(&in, 0, sizeof(in));
	in.image_env = p->image->env;
	in.home = p->home;
	in.user = p->user;
	in.shell = p->shell;
	in.hostname = p->hostname;
	in.tty = p->tty_wanted;
	in.caller_env = c->env;
	in.env_files = p->env_files;
	in.nenv_files = p->nenv_files;
	in.opts = req->envs;
	in.nopts = req->nenvs;
	if (env_build(&in, &p->env, &e) != 0)
		die("%.511s", e.msg);
	plan_env_files_free(p);
}

/* --step-tasks: the holder's stdio; the task's -i and -t go with its exec.
 * After plan_env (TERM follows -t). */
static void
plan_step(struct launch_plan *p, const struct args_request *req)
{
	p->step_tasks = req->step_tasks;
	if (p->step_tasks == 0)
		return;
	if (p->detach)
		deny(
		    "run --step-tasks refused: a step's container is never detached (-d)");
	if (req->name != NULL)
		deny(
		    "run --step-tasks refused: a step's container is named slurm-JOB.STEP (no --name)");
	p->step_tty = p->tty_wanted;
	p->step_interactive = p->interactive;
	p->tty_wanted = p->interactive = p->fg_detach = false;
	p->auto_remove = true;
}

void
plan_run(struct launch_plan *p, const struct args_request *req,
    const struct plan_caller *c)
{
	struct ctl_err e;
	const char *wd;

	p->dry_run = req->dry_run;
	p->interactive = req->interactive;
	p->tty_wanted = req->tty;
	/* -d: the caller's stdin is never the container's (ctr-launch(1)). */
	p->detach = req->detach;
	p->auto_remove = req->rm;
	if (p->detach && !p->eff.allow_detach)
		deny(
		    "run -d refused: detached containers are not allowed by the policy (allow_detach = no, %s)",
		    p->eff.allow_detach_from);
	if (p->detach && !p->tty_wanted)
		p->interactive = false;
	/* run -it from a terminal: detachable when the policy allows it
	 * (keeper.c; never for a login, login_finish). */
	p->fg_detach = !p->detach && p->interactive && p->tty_wanted &&
	    p->eff.allow_detach && isatty(STDIN_FILENO) == 1;
	snprintf(p->detach_keys, sizeof(p->detach_keys), "%s",
	    req->detach_keys != NULL ? req->detach_keys : "ctrl-p,ctrl-q");
	plan_image(p, req->image);
	p->argv = plan_argv(p->image->entrypoint, p->image->cmd,
	    req->has_entrypoint, req->has_entrypoint ? req->entrypoint : "",
	    req->command, req->ncommand, &e);
	if (p->argv == NULL)
		die("image %s: %s", p->image->name, e.msg);
	plan_binds(p, req);
	plan_limits(p, req);
	portplan_network(p, req);
	portplan_user(p, req);
	plan_names(p, req);
	plan_env(p, req, c);
	wd = plan_workdir(req->workdir,
	    p->image->workdir[0] ? p->image->workdir : NULL, c->cwd, p->binds,
	    p->nbinds);
	p->workdir = xstrdup(wd);
	p->workdir_strict = req->workdir != NULL;
	p->caller_cwd = c->cwd ? xstrdup(c->cwd) : NULL;
	p->umask = c->umask;
	memcpy(p->rlimits, c->rlimits, sizeof(p->rlimits));
	plan_step(p, req);
}

void
plan_free(struct launch_plan *p)
{
	for (size_t i = 0; p->groups && i < p->ngroups; i++)
		free(p->groups[i].name);
	free(p->groups);
	free(p->kgroups);
	for (size_t i = 0; p->binds && i < p->nbinds; i++) {
		free(p->binds[i].src);
		free(p->binds[i].dst);
	}
	free(p->binds);
	free(p->ports);
	env_free(p->argv);
	env_free(p->env);
	plan_env_files_free(p);
	if (p->image)
		desc_free(p->image);
	if (p->policy) {
		policy_eff_free(&p->eff);
		policy_free(p->policy);
	}
	free(p->user);
	free(p->home);
	free(p->shell);
	free(p->gecos);
	free(p->tty);
	free(p->workdir);
	free(p->caller_cwd);
	memset(p, 0, sizeof(*p));
}

/* ---- output ---- */

/* Prints S with every byte outside printable ASCII as \xNN. */
static void
put_escaped(const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f || c == '\\')
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

static void
put_field(const char *key, const char *val)
{
	printf("%-12s ", key);
	put_escaped(val ? val : "");
	putchar('\n');
}

static void
put_from(policy_from from)
{
	printf("  ");
	put_escaped(from ? from : "built-in");
	putchar('\n');
}

static void
print_identity(const struct launch_plan *p)
{
	printf("%-12s ", "user");
	put_escaped(p->user);
	printf(" (uid %lu, gid %lu)\n", (unsigned long)p->uid,
	    (unsigned long)p->gid);
	printf("%-12s", "groups");
	for (size_t i = 0; i < p->ngroups; i++) {
		printf(" %lu(", (unsigned long)p->groups[i].gid);
		put_escaped(p->groups[i].name);
		putchar(')');
	}
	putchar('\n');
}

static void
print_num(const char *key, const char *what, const struct policy_num *n)
{
	char buf[64];

	fmt_num(buf, sizeof(buf), what, n->v);
	printf("%-12s %-12s", key, buf);
	put_from(n->from);
}

void
plan_print(const struct launch_plan *p)
{
	char buf[64];

	printf("dry run: nothing is launched\n");
	put_field("image", p->image->name);
	put_field("digest", p->image->digest);
	put_field("name", p->name);
	put_field("hostname", p->hostname);
	print_identity(p);
	printf("%-12s", "command");
	for (size_t i = 0; p->argv[i] != NULL; i++) {
		printf(" '");
		put_escaped(p->argv[i]);
		putchar('\'');
	}
	putchar('\n');
	put_field("workdir", p->workdir);
	put_field("network",
	    p->net == PLAN_NET_HOST        ? "host" :
		p->net == PLAN_NET_PRIVATE ? "private" :
					     "none");
	for (size_t i = 0; i < p->nports; i++) {
		char pb[96];

		portplan_format(&p->ports[i], pb, sizeof(pb));
		put_field("publish", pb);
	}
	put_field("stdin", p->interactive ? "attached" : "/dev/null");
	put_field("tty", p->tty_wanted ? "yes" : "no");
	fmt_num(buf, sizeof(buf), "cpus", p->cpus);
	put_field("cpus", buf);
	fmt_num(buf, sizeof(buf), "memory", p->memory);
	put_field("memory", buf);
	fmt_num(buf, sizeof(buf), "pids", p->pids);
	put_field("pids", buf);
	fmt_num(buf, sizeof(buf), "memory", p->tmpfs_size);
	put_field("tmpfs_size", buf);
	fmt_num(buf, sizeof(buf), "count", p->max_ptys);
	put_field("max_ptys", buf);
	for (size_t i = 0; i < p->nbinds; i++) {
		const struct plan_bind *b = &p->binds[i];

		printf("%-12s ", "bind");
		put_escaped(b->src);
		printf(" -> ");
		put_escaped(b->dst);
		printf(" (%s, %s)\n", b->ro ? "ro" : "rw",
		    b->from_user ? "-v" : "policy");
	}
	for (size_t i = 0; p->env[i] != NULL; i++)
		put_field("env", p->env[i]);
}

void
plan_print_info(const struct launch_plan *p)
{
	const struct policy_eff *e = &p->eff;

	if (p->json) {
		portplan_info_json(p);
		return;
	}
	put_field("policy", POLICY_FILE);
	print_identity(p);
	for (size_t i = 0; i < e->nimages; i++) {
		printf("%-12s %-24s", "image", e->images[i].pattern);
		put_from(e->images[i].from);
	}
	for (size_t i = 0; i < e->nbinds; i++) {
		printf("%-12s ", "bind");
		put_escaped(e->binds[i].src);
		putchar(':');
		put_escaped(e->binds[i].dst);
		printf("%s", e->binds[i].ro ? ":ro" : "");
		put_from(e->binds[i].from);
	}
	for (size_t i = 0; i < e->nuser_binds; i++) {
		printf("%-12s ", "user_bind");
		put_escaped(e->user_binds[i].path);
		printf("%s", e->user_binds[i].ro ? ":ro" : "");
		put_from(e->user_binds[i].from);
	}
	printf("%-12s %-12s", "network", e->net_host ? "host, none" : "none");
	put_from(e->net_host ? e->net_from : "built-in");
	if (e->net_private) {
		printf("%-12s %-12s", "network", "private");
		put_from(e->net_private_from);
	}
	for (size_t i = 0; i < e->nports; i++) {
		char b[16];

		snprintf(b, sizeof(b), "%u-%u", e->ports[i].lo, e->ports[i].hi);
		printf("%-12s %-12s", "ports", b);
		put_from(e->ports[i].from);
	}
	for (size_t i = 0; i < e->npublish_addrs; i++) {
		printf("%-12s %-12s", "publish_addr", e->publish_addrs[i].addr);
		put_from(e->publish_addrs[i].from);
	}
	printf("%-12s %-12s", "publish_acc",
	    e->publish_access == POLICY_ACCESS_ANY ? "any" : "owner");
	put_from(e->publish_access_from);
	print_num("connections", "count", &e->max_connections);
	print_num("cpus", "cpus", &e->cpus);
	print_num("memory", "memory", &e->memory);
	print_num("pids", "pids", &e->pids);
	print_num("tmpfs_size", "memory", &e->tmpfs_size);
	print_num("max_ptys", "count", &e->max_ptys);
	print_num("containers", "count", &e->max_containers);
	print_num("user_cpus", "cpus", &e->user_cpus);
	print_num("user_memory", "memory", &e->user_memory);
	print_num("user_pids", "pids", &e->user_pids);
	print_num("host_total", "count", &e->max_total_containers);
	printf("%-12s %-12s", "seccomp",
	    e->seccomp == POLICY_SECCOMP_DEFAULT ? "default" : "unconfined");
	put_from(e->seccomp_from);
	for (size_t i = 0; i < e->nnotes; i++) {
		printf("%-12s ", "unusable");
		put_escaped(e->notes[i].msg);
		put_from(e->notes[i].from);
	}
}

void
plan_print_images(const struct launch_plan *p)
{
	struct ctl_err e;
	char **names;
	size_t n, k = 0;
	policy_from from;

	if (storelist_names(&names, &n, &e) != 0)
		die("%s", e.msg);
	/* Keep the granted names, in order, at the front. */
	for (size_t i = 0; i < n; i++) {
		if (!policy_image_allowed(&p->eff, names[i], &from)) {
			free(names[i]);
			continue;
		}
		names[k++] = names[i];
	}
	if (p->json)
		portplan_images_json(names, k);
	for (size_t i = 0; i < k && !p->json; i++) {
		put_escaped(names[i]);
		putchar('\n');
	}
	desc_free_names(names, k);
}
