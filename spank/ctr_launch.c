/*
 * ctr_launch.c: the Slurm SPANK plugin ctr_launch.so (DESIGN section 13):
 * `srun --container-image=NAME [--container-mounts=SRC:DST[:ro],...]
 * [--container-workdir=DIR] [--container-env=VAR,...] CMD` runs each task
 * as `ctr-launch run` of CMD in NAME.
 *
 * One code path: the plugin evaluates no policy and builds no container.
 * On the node, in the task's own process, it execs the setuid helper with
 * the task's argv as the container's command; the helper runs as the
 * job's user, inside the task's cgroups (batch-job placement), and does
 * PAM, policy, binds, limits and audit as for any launch.  Before that,
 * still root in task_init_privileged, it runs the same helper's --dry-run
 * under the job's uid, gid and groups so that a denial fails the task
 * cleanly (rc 1, the reason on the task's stderr, the node not drained).
 *
 * Invariants:
 * - Option values MUST be checked again on the node (opts.c): what srun
 *   or sbatch checked, and the SLURM_SPANK_* environment that carries the
 *   options into steps, are the user's to change.
 * - A bad value or a denial MUST NOT fail any callback but
 *   task_init_privileged, which then MUST return -1 (a failure in
 *   user_init or the prolog drains the node; a positive code is ignored).
 * - The job's ids MUST come from S_JOB_UID, S_JOB_GID and
 *   S_JOB_SUPPLEMENTARY_GIDS, never from getuid() or the environment.
 * - When an image was asked for, the task MUST NOT reach the user's
 *   command outside the helper: if the exec fails, the task fails.
 * - Only the SPANK symbols are exported (ctr_launch.map).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <slurm/slurm.h>
#include <slurm/spank.h>

#include "spank/opts.h"

SPANK_PLUGIN(ctr_launch, 1);

#ifndef CTL_HELPER
#define CTL_HELPER "/usr/local/bin/ctr-launch"
#endif
#define REASON_MAX 512
#define IDX_I      3 /* "-i" in the launch's argv (build_argv) */
#define ARGV_MAX   (16 + 2 * (SPANK_MOUNTS_MAX + SPANK_ENVS_MAX) + 2 * 512)

static char *value[OPT_N];
static char failed[REASON_MAX]; /* the first refusal, reported per task */
static char helper[PATH_MAX] = CTL_HELPER;
static char **run_argv;

static void
fail(const char *fmt, ...)
{
	va_list ap;

	if (failed[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(failed, sizeof(failed), fmt, ap);
	va_end(ap);
}

static const char *const opt_name[OPT_N] = { "container-image",
	"container-mounts", "container-workdir", "container-env" };

static int
opt_cb(int val, const char *arg, int remote)
{
	const char *why;

	if (val < 0 || val >= OPT_N)
		return -1;
	why = spank_opt_check(val, arg);
#ifndef CTL_SPANK_NO_CLIENT_CHECK
	if (!remote && why != NULL) {
		slurm_error("ctr-launch: --%s refused: %s", opt_name[val], why);
		return -1;
	}
#endif
	if (remote && why != NULL) {
		/* Remote: a failed callback would only drop the option (and
		 * run the task on the bare host); fail the task instead. */
		fail("--%s refused: %s", opt_name[val], why);
		return 0;
	}
	free(value[val]);
	value[val] = strdup(arg ? arg : "");
	if (value[val] == NULL)
		fail("out of memory");
	return 0;
}

static struct spank_option options[] = {
	{ "container-image", "NAME",
	    "[ctr-launch] run the job step's tasks in image NAME", 1, OPT_IMAGE,
	    opt_cb },
	{ "container-mounts", "SRC:DST[:ro][,...]",
	    "[ctr-launch] bind host paths the policy grants into the container",
	    1, OPT_MOUNTS, opt_cb },
	{ "container-workdir", "DIR",
	    "[ctr-launch] working directory inside the container", 1,
	    OPT_WORKDIR, opt_cb },
	{ "container-env", "VAR[,...]",
	    "[ctr-launch] pass these variables of the job's environment", 1,
	    OPT_ENV, opt_cb },
};

int
slurm_spank_init(spank_t sp, int ac, char **av)
{
	spank_context_t ctx = spank_context();

	for (int i = 0; i < ac; i++) {
		if (strncmp(av[i], "helper=", 7) == 0 && av[i][7] == '/' &&
		    strlen(av[i] + 7) < sizeof(helper)) {
			snprintf(helper, sizeof(helper), "%s", av[i] + 7);
		} else {
			slurm_error("ctr-launch: unknown plugin argument %s",
			    av[i]);
			if (ctx == S_CTX_REMOTE)
				fail("the plugin's configuration is wrong");
		}
	}
	if (ctx != S_CTX_LOCAL && ctx != S_CTX_REMOTE && ctx != S_CTX_ALLOCATOR)
		return 0;
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		if (spank_option_register(sp, &options[i]) != ESPANK_SUCCESS) {
			slurm_error("ctr-launch: cannot register --%s",
			    options[i].name);
			if (ctx == S_CTX_REMOTE)
				fail("cannot register --%s", options[i].name);
			else
				return -1;
		}
	return 0;
}

/* ---- the helper's command line ---- */

static int
push(char **v, size_t *n, const char *s)
{
	if (*n + 1 >= ARGV_MAX)
		return -1;
	v[*n] = strdup(s);
	if (v[*n] == NULL)
		return -1;
	(*n)++;
	v[*n] = NULL;
	return 0;
}

/* Each comma-separated element of LIST after OPT ("-v", "-e"). */
static int
push_list(char **v, size_t *n, const char *opt, const char *list)
{
	char buf[SPANK_VALUE_MAX + 1];

	for (const char *p = list; p != NULL && *p != '\0';) {
		size_t k = strcspn(p, ",");

		if (k > SPANK_VALUE_MAX)
			return -1;
		memcpy(buf, p, k);
		buf[k] = '\0';
		if (push(v, n, opt) != 0 || push(v, n, buf) != 0)
			return -1;
		p += k + (p[k] == ',' ? 1 : 0);
	}
	return 0;
}

/* -e SLURM_PROCID=N and its kin, from the SPANK items of this task. */
static int
push_task_env(spank_t sp, char **v, size_t *n)
{
	static const struct {
		spank_item_t item;
		const char *name;
	} t[] = { { S_TASK_GLOBAL_ID, "SLURM_PROCID" },
		{ S_TASK_ID, "SLURM_LOCALID" },
		{ S_JOB_NODEID, "SLURM_NODEID" } };
	char buf[64];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint32_t id;
		int tid;

		if (t[i].item == S_TASK_ID) {
			if (spank_get_item(sp, t[i].item, &tid) !=
			    ESPANK_SUCCESS)
				return -1;
			id = (uint32_t)tid;
		} else if (spank_get_item(sp, t[i].item, &id) != ESPANK_SUCCESS)
			return -1;
		snprintf(buf, sizeof(buf), "%s=%u", t[i].name, id);
		if (push(v, n, "-e") != 0 || push(v, n, buf) != 0)
			return -1;
	}
	/* The task's process is the helper's front: the same pid. */
	snprintf(buf, sizeof(buf), "SLURM_TASK_PID=%ld", (long)getpid());
	return push(v, n, "-e") == 0 && push(v, n, buf) == 0 ? 0 : -1;
}

static bool
is_slurm_var(const char *e)
{
	size_t k = strcspn(e, "=");

	return e[k] == '=' && k > 6 && k < 128 && strncmp(e, "SLURM", 5) == 0 &&
	    strspn(e,
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"0123456789_") == k;
}

/* `ctr-launch run [--dry-run] --rm -i [-t] [-w DIR] [-v M]... [-e VAR]...
 * IMAGE -- ARGV...`; NULL on error. */
static char **
build_argv(spank_t sp, bool dry, char **env)
{
	char **v = calloc(ARGV_MAX + 1, sizeof(*v));
	size_t n = 0;
	uint32_t step = 0, ntasks = 0;
	int ac = 0;
	char **av = NULL;
	bool ok = v != NULL;

	if (!ok || spank_get_item(sp, S_JOB_ARGV, &ac, &av) != ESPANK_SUCCESS ||
	    spank_get_item(sp, S_JOB_STEPID, &step) != ESPANK_SUCCESS ||
	    ac < 1 || av == NULL) {
		free(v);
		return NULL;
	}
	ok = push(v, &n, "ctr-launch") == 0 && push(v, &n, "run") == 0 &&
	    (!dry || push(v, &n, "--dry-run") == 0) &&
	    push(v, &n, "--rm") == 0 && push(v, &n, "-i") == 0;
	/* v[IDX_I]: "-i", made "-it" in task_init when the task's stdin is
	 * a terminal (srun --pty; the task's stdio is set up by then). */
	if (ok && value[OPT_WORKDIR] != NULL)
		ok = push(v, &n, "-w") == 0 &&
		    push(v, &n, value[OPT_WORKDIR]) == 0;
	if (ok && value[OPT_MOUNTS] != NULL)
		ok = push_list(v, &n, "-v", value[OPT_MOUNTS]) == 0;
	/* The batch script (in slurmd's spool), read-only at its own path:
	 * the policy must grant it (user_binds, see ctr-launch-spank(8)). */
	if (ok && step == SLURM_BATCH_SCRIPT && av[0][0] == '/') {
		char m[PATH_MAX * 2 + 8];

		ok = (size_t)snprintf(m, sizeof(m), "%s:%s:ro", av[0], av[0]) <
			sizeof(m) &&
		    push(v, &n, "-v") == 0 && push(v, &n, m) == 0;
	}
	for (size_t i = 0; ok && env != NULL && env[i] != NULL; i++) {
		char name[128];
		size_t k = strcspn(env[i], "=");

		if (!is_slurm_var(env[i]))
			continue;
		memcpy(name, env[i], k);
		name[k] = '\0';
		ok = push(v, &n, "-e") == 0 && push(v, &n, name) == 0;
	}
	/* The task's own variables, which Slurm sets only after this
	 * plugin's last call: from the SPANK items. */
	if (ok)
		ok = push_task_env(sp, v, &n) == 0;
	if (ok && value[OPT_ENV] != NULL)
		ok = push_list(v, &n, "-e", value[OPT_ENV]) == 0;
	/* Several tasks of the step on this node: one container for them
	 * all (the helper names it from the task's cgroup path). */
	if (ok &&
	    spank_get_item(sp, S_JOB_LOCAL_TASK_COUNT, &ntasks) ==
		ESPANK_SUCCESS &&
	    ntasks > 1) {
		char buf[16];

		snprintf(buf, sizeof(buf), "%u", ntasks);
		ok = push(v, &n, "--step-tasks") == 0 && push(v, &n, buf) == 0;
	}
	ok = ok && push(v, &n, value[OPT_IMAGE]) == 0 && push(v, &n, "--") == 0;
	for (int i = 0; ok && i < ac; i++)
		ok = push(v, &n, av[i]) == 0;
	if (!ok) {
		for (size_t i = 0; i < n; i++)
			free(v[i]);
		free(v);
		return NULL;
	}
	return v;
}

static void
free_argv(char **v)
{
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* ---- the check, as the job's user ---- */

/* Runs the helper's --dry-run of ARGV under the job's credentials; 0 if
 * it would launch, else -1 with the helper's one-line reason in FAILED. */
static int
dry_run(spank_t sp, char **argv, char **env)
{
	uid_t uid;
	gid_t gid, *gids = NULL;
	int ngids = 0, pfd[2], st = 0;
	char buf[REASON_MAX];
	size_t got = 0;
	pid_t pid, w;

	if (spank_get_item(sp, S_JOB_UID, &uid) != ESPANK_SUCCESS ||
	    spank_get_item(sp, S_JOB_GID, &gid) != ESPANK_SUCCESS ||
	    spank_get_item(sp, S_JOB_SUPPLEMENTARY_GIDS, &gids, &ngids) !=
		ESPANK_SUCCESS ||
	    ngids < 0) {
		fail("cannot read the job's user and groups");
		return -1;
	}
	if (uid == 0) {
		fail("a job of root never runs in a container");
		return -1;
	}
	if (pipe2(pfd, O_CLOEXEC) != 0) {
		fail("pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		fail("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (null < 0 || dup2(null, STDIN_FILENO) < 0 ||
		    dup2(null, STDOUT_FILENO) < 0 ||
		    dup2(pfd[1], STDERR_FILENO) < 0 ||
		    setgroups((size_t)ngids, gids) != 0 ||
		    setresgid(gid, gid, gid) != 0 ||
		    setresuid(uid, uid, uid) != 0)
			_exit(126);
		execve(helper, argv, env);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		char sink[512];
		bool room = got + 1 < sizeof(buf);
		ssize_t r = room ?
		    read(pfd[0], buf + got, sizeof(buf) - 1 - got) :
		    read(pfd[0], sink, sizeof(sink));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (room)
			got += (size_t)r;
	}
	close(pfd[0]);
	buf[got] = '\0';
	while ((w = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	if (w != pid) {
		fail("cannot wait for the policy check: %s", strerror(errno));
		return -1;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	buf[strcspn(buf, "\n")] = '\0';
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		fail("cannot run %s", helper);
	else if (buf[0] != '\0')
		fail("%s",
		    strncmp(buf, "ctr-launch: ", 12) == 0 ? buf + 12 : buf);
	else
		fail("the launch was refused");
	return -1;
}

/* ---- the task ---- */

static char **
job_env(spank_t sp)
{
	char **env = NULL;

	if (spank_get_item(sp, S_JOB_ENV, &env) != ESPANK_SUCCESS)
		return NULL;
	return env;
}

/* Root, in the task's process, before Slurm drops to the job's user:
 * every refusal is reported here (rc 1, node not drained). */
int
slurm_spank_task_init_privileged(spank_t sp, int ac, char **av)
{
	char **dry;

	(void)ac;
	(void)av;
	if (!spank_remote(sp))
		return 0;
	if (failed[0] == '\0' && value[OPT_IMAGE] == NULL &&
	    (value[OPT_MOUNTS] || value[OPT_WORKDIR] || value[OPT_ENV]))
		fail("--container-mounts, --container-workdir and "
		     "--container-env need --container-image");
	if (failed[0] == '\0' && value[OPT_IMAGE] != NULL) {
		dry = build_argv(sp, true, job_env(sp));
		run_argv = build_argv(sp, false, job_env(sp));
		if (dry == NULL || run_argv == NULL)
			fail("cannot build the helper's command line");
		else
			(void)dry_run(sp, dry, job_env(sp));
		free_argv(dry);
	}
	if (failed[0] == '\0')
		return 0;
	/* One line, to the task's stderr (srun shows it) and slurmd's log. */
	slurm_error("ctr-launch: %s", failed);
	return -1;
}

/* The job's user, in the task's process, just before Slurm would exec
 * the command: the helper takes the task's place (same process, so the
 * task's cgroups, signals and exit status are the container's). */
int
slurm_spank_task_init(spank_t sp, int ac, char **av)
{
	(void)ac;
	(void)av;
	if (!spank_remote(sp) || value[OPT_IMAGE] == NULL)
		return 0;
	if (failed[0] != '\0' || run_argv == NULL)
		return -1;
	if (isatty(STDIN_FILENO) && strcmp(run_argv[IDX_I], "-i") == 0) {
		char *it = strdup("-it");

		if (it == NULL)
			return -1;
		free(run_argv[IDX_I]);
		run_argv[IDX_I] = it;
	}
	execve(helper, run_argv, job_env(sp));
	slurm_error("ctr-launch: cannot run %s: %s", helper, strerror(errno));
	return -1;
}

int
slurm_spank_exit(spank_t sp, int ac, char **av)
{
	(void)sp;
	(void)ac;
	(void)av;
	for (int i = 0; i < OPT_N; i++) {
		free(value[i]);
		value[i] = NULL;
	}
	free_argv(run_argv);
	run_argv = NULL;
	return 0;
}
