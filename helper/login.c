/*
 * login.c: ctr-launch-shell's request, from its argv shape and the
 * caller's policy (DESIGN section 12).  Decides only; the launch is
 * main.c's as for `run`, a host transfer is transfer.c's.
 *
 * Invariants:
 * - Only the two shapes of loginargs.h MUST be accepted (125 otherwise).
 * - login = no MUST refuse every shape, before anything is launched.
 * - What the shell launches MUST be no more than `ctr-launch run` gives
 *   the caller: the policy's login_image (granted by images, checked by
 *   the plan as for run), the caller's binds, limits and PAM; no -v, -e,
 *   --env-file, --name or network option of the caller's choosing.
 * - A transfer command MUST follow the policy's transfer: deny refuses
 *   it, host runs it only as an exact allow-listed shape
 *   (login_transfer_argv), container runs it in the container.
 * - -i always; -t exactly when stdin is a terminal; nothing of ours on
 *   stdout.
 * - transfer = container MUST name the program to the launch
 *   (login_prog) only as a plain word, for a lookup in the container as
 *   the caller (transfer_in_image); never anything looked up here.
 * - Nothing of the lifecycle (DESIGN section 10): the request is built
 *   from nothing (never -d, no detach keys), and main.c routes an argv[0]
 *   of the login shell here before any lifecycle verb is looked at.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helper/log.h"
#include "helper/login.h"
#include "helper/loginargs.h"

static struct {
	bool active;
	enum login_shape shape;
	const char *cmd;
	char *prog; /* transfer = container: the program, for P1 to find */
} st;

bool
login_active(void)
{
	return st.active;
}

void
login_parse(int argc, char *const argv[])
{
	struct ctl_err e;

	st.active = true;
	if (login_shape(argc, argv, &st.shape, &st.cmd, &e) != 0)
		die("%s", e.msg);
}

static char *
dup_or_die(const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		die("out of memory");
	return d;
}

static const char *const prog_name[] = { "command", "sftp-server", "scp",
	"rsync" };

static void
route_transfer(struct launch_plan *p, const struct plan_caller *c)
{
	enum login_prog kind = login_transfer_kind(st.cmd);
	struct ctl_err e;
	char **argv;

	if (kind == LOGIN_PROG_NONE)
		return;
	if (p->eff.transfer == POLICY_TRANSFER_CONTAINER) {
		/* The first word, when it is a plain one (no quoting or
		 * expansion for the shell to do). */
		const char *w = st.cmd + strspn(st.cmd, " \t");
		size_t n = strcspn(w, " \t\n;|&");

		if (strcspn(w, "'\"\\$`~*?[{=<>()") < n)
			return;
		if ((st.prog = strndup(w, n)) == NULL)
			die("out of memory");
		return;
	}
	if (p->eff.transfer == POLICY_TRANSFER_DENY)
		deny("%s refused: file transfers are denied to you (transfer = "
		     "deny, %s)",
		    prog_name[kind], p->eff.transfer_from);
	argv = login_transfer_argv(st.cmd, &kind, &e);
	if (argv == NULL)
		deny("host transfer refused: %s (transfer = host, %s)", e.msg,
		    p->eff.transfer_from);
	transfer_host(p, argv, c);
}

void
login_plan(struct launch_plan *p, struct args_request *req,
    const struct plan_caller *c)
{
	char **v;
	size_t n = 0;

	if (!p->eff.login)
		deny(
		    "login refused: the policy does not let you log in through "
		    "%s (login = no, %s)",
		    LOGIN_SHELL_NAME, p->eff.login_from);
	if (st.shape == LOGIN_SHAPE_COMMAND)
		route_transfer(p, c);
	if (p->eff.login_image == NULL)
		deny("login refused: the policy names no login_image for you");
	v = login_shell_argv(p->eff.login_shell, st.cmd);
	if (v == NULL)
		die("out of memory");
	/* SHELL inside is the container's shell, not this one. */
	free(p->shell);
	p->shell = dup_or_die(v[0]);
	memset(req, 0, sizeof(*req));
	req->cmd = ARGS_CMD_RUN;
	req->interactive = true;
	req->tty = isatty(STDIN_FILENO) == 1;
	req->rm = true;
	req->image = dup_or_die(p->eff.login_image);
	req->has_entrypoint = true;
	req->entrypoint = v[0];
	while (v[n + 1] != NULL)
		n++;
	req->command = calloc(n + 1, sizeof(char *));
	if (req->command == NULL)
		die("out of memory");
	memcpy(req->command, v + 1, n * sizeof(char *));
	req->ncommand = n;
	free(v);
	if (p->home != NULL && p->home[0] == '/' && policy_path_normal(p->home))
		req->workdir = dup_or_die(p->home);
}

void
login_finish(struct launch_plan *p)
{
	p->workdir_strict = false;
	p->login = true;
	p->login_prog = st.prog;
	/* No detach keys in a login: its bytes are the user's. */
	p->fg_detach = false;
}
