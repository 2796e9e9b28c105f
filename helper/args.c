/*
 * args.c: parses the command line into a request (step 1).
 *
 * The parser is pure: it reads argv and writes the request, nothing else
 * (no environment, no file, no identity), so it is fuzzed and unit-tested
 * without privilege.
 *
 * Invariants:
 * - Options MUST only be recognised before IMAGE: everything after IMAGE,
 *   and everything after "--", belongs to the command, never to ctr-launch.
 * - Every value MUST be validated completely or refused: numbers are
 *   decimal with nothing around them (no sign, space, hex or suffix junk),
 *   names and hostnames match their exact grammar, paths are absolute and
 *   normal, and no value is silently clamped or truncated.
 * - The argument count and every length MUST be bounded (ARGS_MAX_*).
 * - Any unknown option or malformed value MUST fail the whole parse with
 *   one line saying what was refused and why.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper/args.h"
#include "lib/cleanup.h"
#include "helper/ctlproto.h"
#include "lib/grammar.h"
#include "helper/optscan.h"

const char args_usage[] =
    "usage: ctr-launch run [-d] [-i] [-t] [--rm] [--name NAME]\n"
    "                      [-v SRC:DST[:ro|rw]]... [-e KEY[=VALUE]]...\n"
    "                      [--env-file FILE]... [-w DIR] [--entrypoint CMD]\n"
    "                      [--cpus N] [--memory SIZE] [--pids-limit N]\n"
    "                      [--network host|private|none] [--hostname NAME]\n"
    "                      [-p [ADDR:]HOSTPORT:PORT]... [-u UID[:GID]]\n"
    "                      [--detach-keys KEYS] [--dry-run]\n"
    "                      IMAGE [COMMAND [ARG...]]\n"
    "       ctr-launch ps [-a] [-q] [-n N] [-l] [-f KEY=VALUE]...\n"
    "                     [--format json] [--no-trunc] [--raw]\n"
    "       ctr-launch logs [-f] [-t] [--tail N] [--since TIME] [--until TIME]\n"
    "                       [--raw] NAME\n"
    "       ctr-launch exec [-d] [-i] [-t] [-e KEY[=VALUE]]...\n"
    "                       [--env-file FILE]... [-w DIR] [-u UID[:GID]]\n"
    "                       NAME COMMAND [ARG...]\n"
    "       ctr-launch attach [--detach-keys KEYS] NAME\n"
    "       ctr-launch port NAME [PORT[/tcp]]\n"
    "       ctr-launch stop [-t SECONDS] NAME... | kill [-s SIGNAL] NAME...\n"
    "       ctr-launch rm [-f] NAME... | wait NAME...\n"
    "       ctr-launch images [--format json] | info [--format json]\n"
    "       ctr-launch version | --help | COMMAND --help\n"
    "  root: --user USER with ps, logs, exec, attach, port, stop, kill, rm\n"
    "        and wait; --all-users with ps, stop and kill\n"
    "\n"
    "Runs IMAGE as you, with what the administrator's policy grants.\n"
    "  -d, --detach           run in the background, print the name\n"
    "  -i, --interactive      keep stdin attached (else /dev/null)\n"
    "  -t, --tty              allocate a pseudo-terminal\n"
    "      --rm               with -d: remove the record when it ends\n"
    "      --detach-keys KEYS with -it: the keys that detach (default\n"
    "                         ctrl-p,ctrl-q)\n"
    "      --name NAME        container name (default USER-XXXXXX)\n"
    "  -v, --volume SRC:DST[:ro|rw]  bind SRC (a path the policy lets\n"
    "                         you bind) on DST inside the container\n"
    "  -e, --env KEY[=VALUE]  set KEY (without a value: from your\n"
    "                         environment)\n"
    "      --env-file FILE    read KEY=VALUE lines from FILE (up to 16\n"
    "                         files, a later one wins, -e over all)\n"
    "  -w, --workdir DIR      working directory inside the container\n"
    "      --entrypoint CMD   replace the image's entrypoint\n"
    "      --cpus N           CPUs (at most the policy's limit)\n"
    "  -m, --memory SIZE      memory (at most the policy's limit)\n"
    "      --pids-limit N     processes (at most the policy's limit)\n"
    "      --network MODE     host, private (own network, lo only) or none\n"
    "                         (--net, docker's older name, too)\n"
    "  -p, --publish [ADDR:]HOSTPORT:PORT  forward host port HOSTPORT\n"
    "                         (on ADDR, default 127.0.0.1) to PORT inside;\n"
    "                         implies --network private\n"
    "  -u, --user UID[:GID]   accepted when it names you (you always run as\n"
    "                         yourself)\n"
    "  -h, --hostname NAME    hostname (default: the container name)\n"
    "      --dry-run          print the launch plan, launch nothing\n"
    "      --init, --read-only  accepted: every container has a tiny init\n"
    "                         as PID 1 and a read-only root\n"
    "      --step-tasks N     in a Slurm job step: the step's N tasks on\n"
    "                         this node share one container\n"
    "See ctr-launch(1).\n";

enum opt_id {
	O_INTERACTIVE,
	O_TTY,
	O_RM,
	O_NAME,
	O_VOLUME,
	O_ENV,
	O_ENV_FILE,
	O_WORKDIR,
	O_ENTRYPOINT,
	O_CPUS,
	O_MEMORY,
	O_PIDS,
	O_NETWORK,
	O_HOSTNAME,
	O_DRY_RUN,
	O_HELP,
	O_PUBLISH,
	O_USER,
	O_DETACH,
	O_STEP_TASKS,
	O_DETACH_KEYS,
	O_ALREADY,
};

static const struct optscan_def opts[] = {
	{ "interactive", 'i', false, O_INTERACTIVE, 0 },
	{ "tty", 't', false, O_TTY, 0 },
	{ "rm", 0, false, O_RM, 0 },
	{ "name", 0, true, O_NAME, 0 },
	{ "volume", 'v', true, O_VOLUME, 0 },
	{ "env", 'e', true, O_ENV, 0 },
	{ "env-file", 0, true, O_ENV_FILE, 0 },
	{ "workdir", 'w', true, O_WORKDIR, 0 },
	{ "entrypoint", 0, true, O_ENTRYPOINT, 0 },
	{ "cpus", 0, true, O_CPUS, 0 },
	{ "memory", 'm', true, O_MEMORY, 0 },
	{ "pids-limit", 0, true, O_PIDS, 0 },
	{ "network", 0, true, O_NETWORK, 0 },
	{ "hostname", 'h', true, O_HOSTNAME, 0 },
	{ "dry-run", 0, false, O_DRY_RUN, 0 },
	{ "help", 0, false, O_HELP, 0 },
	{ "publish", 'p', true, O_PUBLISH, 0 },
	{ "user", 'u', true, O_USER, 0 },
	{ "detach", 'd', false, O_DETACH, 0 },
	{ "step-tasks", 0, true, O_STEP_TASKS, 0 },
	{ "detach-keys", 0, true, O_DETACH_KEYS, 0 },
	/* docker's names for what every container here has or is. */
	{ "net", 0, true, O_NETWORK, 0 },
	{ "init", 0, false, O_ALREADY, 0 },
	{ "read-only", 0, false, O_ALREADY, 0 },
};

/* --step-tasks: tasks of one step on one node. */
#define ARGS_STEP_TASKS_MAX 4096

struct parser {
	struct args_request *req;
	struct ctl_err *e;
};

static int fail(struct parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vat(p->e, NULL, 0, fmt, ap);
	va_end(ap);
	return -1;
}

bool
args_valid_name(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++) {
		unsigned char c = (unsigned char)s[n];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9');

		if (n >= ARGS_NAME_MAX)
			return false;
		if (!alnum && (n == 0 || (c != '_' && c != '.' && c != '-')))
			return false;
	}
	return n > 0;
}

bool
args_valid_hostname(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > ARGS_NAME_MAX || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return true;
}

bool
args_valid_envkey(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    c == '_' || (i > 0 && c >= '0' && c <= '9');

		if (!ok)
			return false;
	}
	return true;
}

/* Decimal, no sign, no leading zero, no junk; 1..max. */
static int
parse_count(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (s[0] < '1' || s[0] > '9')
		return -1;
	for (const char *c = s; *c != '\0'; c++) {
		if (*c < '0' || *c > '9')
			return -1;
		v = v * 10 + (uint64_t)(*c - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	return 0;
}

static bool
path_ok(const char *s)
{
	return strcmp(s, "/") == 0 || policy_path_normal(s);
}

const char *
args_workdir_refusal(const char *path)
{
	if (!path_ok(path))
		return "the working directory must be an absolute, normal path";
	if (policy_path_covers("/proc", path))
		return "a working directory under /proc is refused";
	return NULL;
}

static int
set_once(struct parser *p, char **slot, const char *opt, const char *val)
{
	if (*slot != NULL)
		return fail(p, "run: %s given twice", opt);
	if ((*slot = strdup(val)) == NULL)
		return fail(p, "run: out of memory");
	return 0;
}

static int
parse_volume(struct parser *p, const char *val)
{
	struct args_request *r = p->req;
	struct args_volume *v;
	char buf[ARGS_MAX_ARGLEN + 1], *s = buf;
	char *dst, *mode;

	if (snprintf(buf, sizeof(buf), "%s", val) >= (int)sizeof(buf))
		return fail(p, "run: -v: value too long");
	if (r->nvolumes >= ARGS_MAX_VOLUMES)
		return fail(p, "run: more than %d volumes", ARGS_MAX_VOLUMES);
	if ((dst = strchr(s, ':')) == NULL)
		return fail(p, "run: -v %.200s: expected SRC:DST[:ro|rw]", val);
	*dst++ = '\0';
	if ((mode = strchr(dst, ':')) != NULL)
		*mode++ = '\0';
	if (!policy_path_normal(s) || strcmp(s, "/") == 0)
		return fail(p,
		    "run: -v %.200s: the source must be an absolute, normal path other than /",
		    val);
	if (!policy_path_normal(dst) || strcmp(dst, "/") == 0)
		return fail(p,
		    "run: -v %.200s: the destination must be an absolute, normal path other than /",
		    val);
	v = &r->volumes[r->nvolumes];
	if (mode == NULL)
		v->mode = POLICY_MODE_DEFAULT;
	else if (strcmp(mode, "ro") == 0)
		v->mode = POLICY_MODE_RO;
	else if (strcmp(mode, "rw") == 0)
		v->mode = POLICY_MODE_RW;
	else
		return fail(p, "run: -v %.200s: the mode must be ro or rw",
		    val);
	if ((v->src = strdup(s)) == NULL || (v->dst = strdup(dst)) == NULL) {
		free(v->src);
		v->src = NULL;
		return fail(p, "run: out of memory");
	}
	r->nvolumes++;
	return 0;
}

static int
parse_env(struct parser *p, const char *val)
{
	struct args_request *r = p->req;
	const char *eq = strchr(val, '=');
	size_t klen = eq ? (size_t)(eq - val) : strlen(val);

	if (r->nenvs >= ARGS_MAX_ENVS)
		return fail(p, "run: more than %d -e options", ARGS_MAX_ENVS);
	if (!args_valid_envkey(val, klen))
		return fail(p,
		    "run: -e %.100s: the variable name must match [A-Za-z_][A-Za-z0-9_]*",
		    val);
	if ((r->envs[r->nenvs] = strdup(val)) == NULL)
		return fail(p, "run: out of memory");
	r->nenvs++;
	return 0;
}

/* The options without a value. */
static void
apply_flag(struct args_request *r, int id)
{
	switch (id) {
	case O_INTERACTIVE:
		r->interactive = true;
		break;
	case O_TTY:
		r->tty = true;
		break;
	case O_RM:
		r->rm = true;
		break;
	case O_DRY_RUN:
		r->dry_run = true;
		break;
	case O_HELP:
		r->cmd = ARGS_CMD_HELP;
		break;
	case O_DETACH:
		r->detach = true;
		break;
	case O_ALREADY:
		break;
	}
}

/* The options that set one string, each at most once. */
static int
apply_string(struct parser *p, int id, const char *val)
{
	struct args_request *r = p->req;
	struct ctlp_detach d;
	const char *why;

	switch (id) {
	case O_DETACH_KEYS:
		if (strlen(val) >= 64 || ctlp_detach_parse(val, &d) != 0)
			return fail(p,
			    "run: --detach-keys %.100s: keys like ctrl-p,ctrl-q",
			    val);
		return set_once(p, &r->detach_keys, "--detach-keys", val);
	case O_NAME:
		if (!args_valid_name(val))
			return fail(p,
			    "run: --name %.100s: a name is 1 to 63 of [A-Za-z0-9_.-], starting with a letter or digit",
			    val);
		return set_once(p, &r->name, "--name", val);
	case O_HOSTNAME:
		if (!args_valid_hostname(val))
			return fail(p,
			    "run: --hostname %.100s: a hostname is 1 to 63 of [A-Za-z0-9-], not starting or ending with -",
			    val);
		return set_once(p, &r->hostname, "--hostname", val);
	case O_WORKDIR:
		if ((why = args_workdir_refusal(val)) != NULL)
			return fail(p, "run: -w %.200s: %s", val, why);
		return set_once(p, &r->workdir, "--workdir", val);
	case O_ENTRYPOINT:
		if (r->has_entrypoint)
			return fail(p, "run: --entrypoint given twice");
		r->has_entrypoint = true;
		return set_once(p, &r->entrypoint, "--entrypoint", val);
	case O_ENV_FILE:
		if (val[0] == '\0')
			return fail(p, "run: --env-file: empty file name");
		if (r->nenv_files >= ARGS_MAX_ENV_FILES)
			return fail(p, "run: more than %d --env-file options",
			    ARGS_MAX_ENV_FILES);
		if ((r->env_files[r->nenv_files] = strdup(val)) == NULL)
			return fail(p, "run: out of memory");
		r->nenv_files++;
		return 0;
	case O_USER:
		return set_once(p, &r->user, "--user", val);
	}
	return fail(p, "run: internal error: unknown option");
}

/* The resource requests and --step-tasks: numbers, each at most once. */
static int
apply_number(struct parser *p, int id, const char *val)
{
	struct args_request *r = p->req;
	uint64_t n;

	switch (id) {
	case O_CPUS:
		if (r->has_cpus)
			return fail(p, "run: --cpus given twice");
		if (policy_parse_cpus(val, &r->cpus) != 0 || r->cpus == 0)
			return fail(p,
			    "run: --cpus %.64s: expected a positive number of CPUs such as 1.5",
			    val);
		r->has_cpus = true;
		return 0;
	case O_MEMORY:
		if (r->has_memory)
			return fail(p, "run: --memory given twice");
		if (gram_size(val, &r->memory) != 0 || r->memory == 0)
			return fail(p,
			    "run: --memory %.64s: expected a positive size such as 512M, 1.5G or 2GB",
			    val);
		r->has_memory = true;
		return 0;
	case O_PIDS:
		if (r->has_pids)
			return fail(p, "run: --pids-limit given twice");
		if (parse_count(val, ARGS_PIDS_MAX, &r->pids) != 0)
			return fail(p,
			    "run: --pids-limit %.64s: expected a whole number from 1 to %d",
			    val, ARGS_PIDS_MAX);
		r->has_pids = true;
		return 0;
	case O_STEP_TASKS:
		if (r->step_tasks != 0)
			return fail(p, "run: --step-tasks given twice");
		if (parse_count(val, ARGS_STEP_TASKS_MAX, &n) != 0)
			return fail(p,
			    "run: --step-tasks %.64s: expected a whole number from 1 to %d",
			    val, ARGS_STEP_TASKS_MAX);
		r->step_tasks = (unsigned)n;
		return 0;
	}
	return fail(p, "run: internal error: unknown option");
}

static int
parse_network(struct parser *p, const char *val)
{
	struct args_request *r = p->req;

	if (r->net != ARGS_NET_DEFAULT)
		return fail(p, "run: --network given twice");
	if (strcmp(val, "host") == 0)
		r->net = ARGS_NET_HOST;
	else if (strcmp(val, "none") == 0)
		r->net = ARGS_NET_NONE;
	else if (strcmp(val, "private") == 0)
		r->net = ARGS_NET_PRIVATE;
	else
		return fail(p,
		    "run: --network %.64s: the mode must be host, private or none",
		    val);
	return 0;
}

static int
parse_publish(struct parser *p, const char *val)
{
	struct args_request *r = p->req;

	if (r->npublish >= POLICY_PUBLISH_MAX)
		return fail(p, "run: more than %d -p options",
		    POLICY_PUBLISH_MAX);
	if (policy_publish_parse(val, &r->publish[r->npublish], p->e) != 0)
		return -1;
	r->npublish++;
	return 0;
}

/* One option of run: its value's length, then the option's own checks. */
static int
apply(struct parser *p, const struct optscan_def *o, const char *val)
{
	if (val != NULL &&
	    strnlen(val, ARGS_MAX_CMDLEN + 1) >
		(o->id == O_ENV ? ARGS_MAX_CMDLEN : ARGS_MAX_ARGLEN))
		return fail(p, "run: --%s: value too long", o->lng);
	switch (o->id) {
	case O_INTERACTIVE:
	case O_TTY:
	case O_RM:
	case O_DRY_RUN:
	case O_HELP:
	case O_DETACH:
	case O_ALREADY:
		apply_flag(p->req, o->id);
		return 0;
	case O_DETACH_KEYS:
	case O_NAME:
	case O_HOSTNAME:
	case O_WORKDIR:
	case O_ENTRYPOINT:
	case O_ENV_FILE:
	case O_USER:
		return apply_string(p, o->id, val);
	case O_CPUS:
	case O_MEMORY:
	case O_PIDS:
	case O_STEP_TASKS:
		return apply_number(p, o->id, val);
	case O_VOLUME:
		return parse_volume(p, val);
	case O_ENV:
		return parse_env(p, val);
	case O_NETWORK:
		return parse_network(p, val);
	case O_PUBLISH:
		return parse_publish(p, val);
	}
	return fail(p, "run: internal error: unknown option");
}

static int
apply_cb(void *ctx, const struct optscan_def *o, const char *val)
{
	return apply(ctx, o, val);
}

static int
parse_run(struct parser *p, int argc, char *const argv[])
{
	struct args_request *r = p->req;
	int i = 2;

	r->volumes = calloc(ARGS_MAX_VOLUMES, sizeof(*r->volumes));
	r->envs = calloc(ARGS_MAX_ENVS + 1, sizeof(*r->envs));
	r->publish = calloc(POLICY_PUBLISH_MAX, sizeof(*r->publish));
	r->env_files = calloc(ARGS_MAX_ENV_FILES, sizeof(*r->env_files));
	if (r->volumes == NULL || r->envs == NULL || r->publish == NULL ||
	    r->env_files == NULL)
		return fail(p, "run: out of memory");
	while (i < argc) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			break;
		if (optscan_word(opts, sizeof(opts) / sizeof(opts[0]), 0, "run",
			argc, argv, &i, apply_cb, p, p->e) != 0)
			return -1;
		if (r->cmd == ARGS_CMD_HELP)
			return 0;
		i++;
	}
	if (i >= argc)
		return fail(p, "run: no image given (see ctr-launch --help)");
	if (r->npublish > 0 &&
	    (r->net == ARGS_NET_HOST || r->net == ARGS_NET_NONE))
		return fail(p,
		    "run: -p refused with --network %s: published ports need --network private (the default with -p)",
		    r->net == ARGS_NET_HOST ? "host" : "none");
	if (r->npublish > 0)
		r->net = ARGS_NET_PRIVATE;
	if (strnlen(argv[i], ARGS_MAX_ARGLEN + 1) > ARGS_MAX_ARGLEN ||
	    argv[i][0] == '\0')
		return fail(p, "run: the image name is empty or too long");
	if ((r->image = strdup(argv[i++])) == NULL)
		return fail(p, "run: out of memory");
	/* "IMAGE -- CMD": the "--" is a separator, never a command. */
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	r->command = calloc((size_t)(argc - i) + 1, sizeof(char *));
	if (r->command == NULL)
		return fail(p, "run: out of memory");
	for (; i < argc; i++) {
		if (strnlen(argv[i], ARGS_MAX_CMDLEN + 1) > ARGS_MAX_CMDLEN)
			return fail(p, "run: a command argument is too long");
		if ((r->command[r->ncommand] = strdup(argv[i])) == NULL)
			return fail(p, "run: out of memory");
		r->ncommand++;
	}
	return 0;
}

int
args_parse(int argc, char *const argv[], struct args_request *req,
    struct ctl_err *e)
{
	struct parser p;
	const char *c;

	memset(req, 0, sizeof(*req));
	p.req = req;
	p.e = e;
	if (e != NULL)
		e->msg[0] = '\0';
	if (argc < 1 || argv == NULL || argv[0] == NULL)
		return fail(&p, "refusing an empty argument vector");
	if (argc > ARGS_MAX_ARGC)
		return fail(&p, "more than %d arguments", ARGS_MAX_ARGC);
	if (argc < 2)
		return fail(&p, "no command given (see ctr-launch --help)");
	c = argv[1];
	if (strcmp(c, "run") == 0) {
		req->cmd = ARGS_CMD_RUN;
		if (parse_run(&p, argc, argv) != 0) {
			args_free(req);
			return -1;
		}
		return 0;
	}
	if (strcmp(c, "images") == 0)
		req->cmd = ARGS_CMD_IMAGES;
	else if (strcmp(c, "info") == 0)
		req->cmd = ARGS_CMD_INFO;
	else if (strcmp(c, "version") == 0 || strcmp(c, "--version") == 0)
		req->cmd = ARGS_CMD_VERSION;
	else if (gram_help(c) || strcmp(c, "help") == 0)
		req->cmd = ARGS_CMD_HELP;
	else
		return fail(&p, "unknown command %.64s (see ctr-launch --help)",
		    c);
	/* images, info and version --help (or -h): the usage. */
	if (req->cmd != ARGS_CMD_HELP && argc == 3 && gram_help(argv[2])) {
		req->cmd = ARGS_CMD_HELP;
		return 0;
	}
	if ((req->cmd == ARGS_CMD_IMAGES || req->cmd == ARGS_CMD_INFO) &&
	    argc > 2) {
		if (argc == 4 && strcmp(argv[2], "--format") == 0 &&
		    strcmp(argv[3], "json") == 0)
			req->json = true;
		else if (argc == 3 && strcmp(argv[2], "--format=json") == 0)
			req->json = true;
		else
			return fail(&p,
			    "%s takes no arguments but --format json", c);
		return 0;
	}
	if (argc > 2)
		return fail(&p, "%s takes no arguments", c);
	return 0;
}

void
args_free(struct args_request *r)
{
	for (size_t i = 0; r->volumes != NULL && i < r->nvolumes; i++) {
		free(r->volumes[i].src);
		free(r->volumes[i].dst);
	}
	free(r->volumes);
	for (size_t i = 0; r->envs != NULL && i < r->nenvs; i++)
		free(r->envs[i]);
	free(r->envs);
	for (size_t i = 0; r->command != NULL && i < r->ncommand; i++)
		free(r->command[i]);
	free(r->command);
	free(r->name);
	free(r->detach_keys);
	free(r->hostname);
	free(r->workdir);
	free(r->entrypoint);
	for (size_t i = 0; r->env_files != NULL && i < r->nenv_files; i++)
		free(r->env_files[i]);
	free(r->env_files);
	free(r->publish);
	free(r->user);
	free(r->image);
	memset(r, 0, sizeof(*r));
}
