/*
 * ctlargs.c: the command lines of the lifecycle commands ps, logs, stop,
 * kill, rm, wait, exec and attach (ctlproto.h): their verbs, options and
 * container names, the signal names kill -s knows, and which containers
 * ps --filter lists.
 *
 * Invariants:
 * - Every NAME MUST be a valid container name (as args_valid_name) and
 *   every option value MUST be checked here, before any command uses it;
 *   a failure is one line, its values escaped (ctlp_escape).
 * - An option MUST belong to the verb it is given to (optscan_word).
 * - Nothing here makes a system call.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "helper/args.h"
#include "helper/ctlproto.h"
#include "helper/ctlproto_priv.h"
#include "helper/logidx.h"
#include "helper/optscan.h"
#include "lib/imgref.h"

/* ---- signal names ---- */

static const struct {
	const char *name;
	int sig;
} sigs[] = {
	{ "HUP", SIGHUP },
	{ "INT", SIGINT },
	{ "QUIT", SIGQUIT },
	{ "ILL", SIGILL },
	{ "TRAP", SIGTRAP },
	{ "ABRT", SIGABRT },
	{ "BUS", SIGBUS },
	{ "FPE", SIGFPE },
	{ "KILL", SIGKILL },
	{ "USR1", SIGUSR1 },
	{ "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 },
	{ "PIPE", SIGPIPE },
	{ "ALRM", SIGALRM },
	{ "TERM", SIGTERM },
	{ "CHLD", SIGCHLD },
	{ "CONT", SIGCONT },
	{ "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP },
	{ "TTIN", SIGTTIN },
	{ "TTOU", SIGTTOU },
	{ "URG", SIGURG },
	{ "XCPU", SIGXCPU },
	{ "XFSZ", SIGXFSZ },
	{ "VTALRM", SIGVTALRM },
	{ "PROF", SIGPROF },
	{ "WINCH", SIGWINCH },
	{ "IO", SIGIO },
	{ "PWR", SIGPWR },
	{ "SYS", SIGSYS },
};

int
ctlp_signal(const char *s)
{
	long long n;

	if (s == NULL || *s == '\0')
		return -1;
	if (s[0] >= '0' && s[0] <= '9')
		return ctlp_num(s, 1, 64, &n) == 0 ? (int)n : -1;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (strcasecmp(s, sigs[i].name) == 0)
			return sigs[i].sig;
	return -1;
}

/* ---- the lifecycle commands' command lines ---- */

static const struct {
	const char *verb;
	enum ctla_cmd cmd;
} verbs[] = {
	{ "ps", CTLA_PS },
	{ "logs", CTLA_LOGS },
	{ "stop", CTLA_STOP },
	{ "kill", CTLA_KILL },
	{ "rm", CTLA_RM },
	{ "wait", CTLA_WAIT },
	{ "exec", CTLA_EXEC },
	{ "attach", CTLA_ATTACH },
	{ "port", CTLA_PORT },
};

bool
ctla_is_command(const char *verb)
{
	for (size_t i = 0; verb != NULL && i < sizeof(verbs) / sizeof(verbs[0]);
	     i++)
		if (strcmp(verb, verbs[i].verb) == 0)
			return true;
	return false;
}

enum ctla_opt {
	A_ALL,
	A_QUIET,
	A_FORMAT,
	A_RAW,
	A_FOLLOW,
	A_TAIL,
	A_TIME,
	A_SIGNAL,
	A_FORCE,
	A_ALL_USERS,
	A_USER,
	A_INTERACTIVE,
	A_TTY,
	A_ENV,
	A_WORKDIR,
	A_DETACH_KEYS,
	A_TIMESTAMPS,
	A_SINCE,
	A_UNTIL,
	A_HELP,
	A_NO_TRUNC,
	A_FILTER,
	A_LAST,
	A_LATEST,
	A_ENV_FILE,
	A_DETACH,
};

#define A_EVERY_VERB                                                           \
	(1u << CTLA_PS | 1u << CTLA_LOGS | 1u << CTLA_STOP | 1u << CTLA_KILL | \
	    1u << CTLA_RM | 1u << CTLA_WAIT | 1u << CTLA_EXEC |                \
	    1u << CTLA_ATTACH | 1u << CTLA_PORT)

/* The mask: a bit per enum ctla_cmd the option belongs to. */
static const struct optscan_def aopts[] = {
	{ "all", 'a', false, A_ALL, 1u << CTLA_PS },
	{ "quiet", 'q', false, A_QUIET, 1u << CTLA_PS },
	{ "format", 0, true, A_FORMAT, 1u << CTLA_PS },
	{ "raw", 0, false, A_RAW, 1u << CTLA_PS | 1u << CTLA_LOGS },
	{ "no-trunc", 0, false, A_NO_TRUNC, 1u << CTLA_PS },
	{ "filter", 'f', true, A_FILTER, 1u << CTLA_PS },
	{ "last", 'n', true, A_LAST, 1u << CTLA_PS },
	{ "latest", 'l', false, A_LATEST, 1u << CTLA_PS },
	{ "follow", 'f', false, A_FOLLOW, 1u << CTLA_LOGS },
	{ "tail", 'n', true, A_TAIL, 1u << CTLA_LOGS },
	{ "timestamps", 't', false, A_TIMESTAMPS, 1u << CTLA_LOGS },
	{ "since", 0, true, A_SINCE, 1u << CTLA_LOGS },
	{ "until", 0, true, A_UNTIL, 1u << CTLA_LOGS },
	{ "time", 't', true, A_TIME, 1u << CTLA_STOP },
	{ "signal", 's', true, A_SIGNAL, 1u << CTLA_KILL },
	{ "force", 'f', false, A_FORCE, 1u << CTLA_RM },
	{ "all-users", 0, false, A_ALL_USERS,
	    1u << CTLA_PS | 1u << CTLA_STOP | 1u << CTLA_KILL },
	{ "user", 0, true, A_USER,
	    1u << CTLA_PS | 1u << CTLA_LOGS | 1u << CTLA_STOP |
		1u << CTLA_KILL | 1u << CTLA_RM | 1u << CTLA_WAIT |
		1u << CTLA_ATTACH | 1u << CTLA_PORT },
	/* exec: docker's -u, whom the command runs as; the container's owner
	 * alone passes (ctl.c). */
	{ "user", 'u', true, A_USER, 1u << CTLA_EXEC },
	{ "interactive", 'i', false, A_INTERACTIVE, 1u << CTLA_EXEC },
	{ "tty", 't', false, A_TTY, 1u << CTLA_EXEC },
	{ "detach", 'd', false, A_DETACH, 1u << CTLA_EXEC },
	{ "env", 'e', true, A_ENV, 1u << CTLA_EXEC },
	{ "env-file", 0, true, A_ENV_FILE, 1u << CTLA_EXEC },
	{ "workdir", 'w', true, A_WORKDIR, 1u << CTLA_EXEC },
	{ "detach-keys", 0, true, A_DETACH_KEYS, 1u << CTLA_ATTACH },
	{ "help", 'h', false, A_HELP, A_EVERY_VERB },
};

struct aparser {
	struct ctla_request *r;
	struct ctl_err *e;
};

static int afail(struct aparser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
afail(struct aparser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vat(p->e, NULL, 0, fmt, ap);
	va_end(ap);
	return -1;
}

/* The option ID's flag in R, or NULL when ID takes a value. */
static bool *
aflag(struct ctla_request *r, int id)
{
	switch (id) {
	case A_ALL:
		return &r->all;
	case A_QUIET:
		return &r->quiet;
	case A_RAW:
		return &r->raw;
	case A_FOLLOW:
		return &r->follow;
	case A_FORCE:
		return &r->force;
	case A_ALL_USERS:
		return &r->all_users;
	case A_INTERACTIVE:
		return &r->interactive;
	case A_TTY:
		return &r->tty;
	case A_DETACH:
		return &r->detach;
	case A_TIMESTAMPS:
		return &r->timestamps;
	case A_HELP:
		return &r->help;
	case A_NO_TRUNC:
		return &r->no_trunc;
	default:
		return NULL;
	}
}

/* ps --format: json only. */
static int
aformat(struct aparser *p, const char *val, const char *shown)
{
	if (strcmp(val, "json") != 0 && strcmp(val, "{{json .}}") != 0)
		return afail(p, "%s: --format %s: only json is known",
		    p->r->verb, shown);
	p->r->json = true;
	return 0;
}

/* ps --filter KEY=VALUE. */
static int
afilter(struct aparser *p, const char *val, const char *shown)
{
	static const char *const states[] = { "created", "restarting",
		"running", "removing", "paused", "exited", "dead" };
	static const struct {
		const char *key;
		enum ctla_filter_key k;
	} keys[] = { { "name", CTLA_F_NAME }, { "status", CTLA_F_STATUS },
		{ "exited", CTLA_F_EXITED }, { "ancestor", CTLA_F_ANCESTOR } };
	struct ctla_request *r = p->r;
	const char *eq = strchr(val, '=');
	struct ctla_filter f = { CTLA_F_NAME, NULL, 0 };
	size_t k = eq != NULL ? (size_t)(eq - val) : 0, i;
	long long n;
	struct imgref ir;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (k == strlen(keys[i].key) &&
		    strncmp(val, keys[i].key, k) == 0)
			break;
	if (eq == NULL || i == sizeof(keys) / sizeof(keys[0]))
		return afail(p,
		    "%s: --filter %s: name=, status=, exited= or ancestor= and a value",
		    r->verb, shown);
	f.key = keys[i].k;
	f.value = eq + 1;
	if (*f.value == '\0')
		return afail(p, "%s: --filter %s: no value", r->verb, shown);
	switch (f.key) {
	case CTLA_F_NAME:
		break;
	case CTLA_F_STATUS:
		for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
			if (strcmp(f.value, states[i]) == 0)
				break;
		if (i == sizeof(states) / sizeof(states[0]))
			return afail(p,
			    "%s: --filter %s: a status is created, restarting, running, removing, paused, exited or dead",
			    r->verb, shown);
		break;
	case CTLA_F_EXITED:
		if (ctlp_num(f.value, 0, 255, &n) != 0)
			return afail(p,
			    "%s: --filter %s: an exit code, 0 to 255", r->verb,
			    shown);
		f.code = (int)n;
		break;
	case CTLA_F_ANCESTOR:
		if (imgref_parse(f.value, IMGREF_PATTERN, &ir, NULL) != 0)
			return afail(p, "%s: --filter %s: not an image name",
			    r->verb, shown);
		break;
	}
	if (r->nfilters >= CTLA_MAX_FILTERS)
		return afail(p, "%s: more than %d filters", r->verb,
		    CTLA_MAX_FILTERS);
	r->filters[r->nfilters++] = f;
	return 0;
}

/* ps -n N. */
static int
alast(struct aparser *p, const char *val, const char *shown)
{
	long long n;

	if (ctlp_num(val, 0, INT32_MAX, &n) != 0)
		return afail(p, "%s: -n %s: a number of containers", p->r->verb,
		    shown);
	/* docker ps -n 0 lists as without it. */
	p->r->last = n == 0 ? -1 : n;
	return 0;
}

/* logs --tail N|all. */
static int
atail(struct aparser *p, const char *val, const char *shown)
{
	long long n;

	if (strcmp(val, "all") == 0) {
		p->r->tail = UINT64_MAX;
		return 0;
	}
	if (ctlp_num(val, 0, INT64_MAX, &n) != 0)
		return afail(p, "%s: --tail %s: a number of lines or all",
		    p->r->verb, shown);
	p->r->tail = (uint64_t)n;
	return 0;
}

/* stop -t SECONDS. */
static int
atime(struct aparser *p, const char *val, const char *shown)
{
	long long n;

	if (ctlp_num(val, 0, 86400 * 365, &n) != 0)
		return afail(p, "%s: -t %s: a number of seconds", p->r->verb,
		    shown);
	p->r->time = (int)n;
	return 0;
}

/* kill -s SIGNAL. */
static int
asignal(struct aparser *p, const char *val, const char *shown)
{
	if ((p->r->signal = ctlp_signal(val)) < 0)
		return afail(p, "%s: -s %s: not a signal", p->r->verb, shown);
	return 0;
}

/* exec -e KEY[=VALUE]: KEY as [A-Za-z_][A-Za-z0-9_]*. */
static int
aenv(struct aparser *p, const char *val, const char *shown)
{
	struct ctla_request *r = p->r;
	size_t k = strcspn(val, "=");
	bool ok = k > 0 && !(val[0] >= '0' && val[0] <= '9');

	for (size_t j = 0; j < k && ok; j++)
		ok = (val[j] >= 'A' && val[j] <= 'Z') ||
		    (val[j] >= 'a' && val[j] <= 'z') ||
		    (val[j] >= '0' && val[j] <= '9') || val[j] == '_';
	if (!ok)
		return afail(p,
		    "%s: -e %s: the variable name must match [A-Za-z_][A-Za-z0-9_]*",
		    r->verb, shown);
	if (r->nenvs >= CTLP_EXEC_ARGS)
		return afail(p, "%s: too many -e", r->verb);
	r->envs[r->nenvs++] = val;
	return 0;
}

/* exec --env-file FILE, up to CTLA_MAX_ENV_FILES times (read as the
 * caller by ctlexec.c). */
static int
aenv_file(struct aparser *p, const char *val)
{
	struct ctla_request *r = p->r;

	if (*val == '\0')
		return afail(p, "%s: --env-file: empty file name", r->verb);
	if (r->nenv_files >= CTLA_MAX_ENV_FILES)
		return afail(p, "%s: more than %d --env-file options", r->verb,
		    CTLA_MAX_ENV_FILES);
	r->env_files[r->nenv_files++] = val;
	return 0;
}

/* exec -w DIR: as run's (args.c), an absolute, normal path, not under
 * /proc (a magic link there can lead out of the container's root). */
static int
aworkdir(struct aparser *p, const char *val, const char *shown)
{
	const char *why = args_workdir_refusal(val);

	if (why != NULL)
		return afail(p, "%s: -w %s: %s", p->r->verb, shown, why);
	p->r->workdir = val;
	return 0;
}

/* attach --detach-keys: as ctlp_detach_parse takes them. */
static int
adetach_keys(struct aparser *p, const char *val, const char *shown)
{
	struct ctlp_detach d;

	if (ctlp_detach_parse(val, &d) != 0)
		return afail(p, "%s: --detach-keys %s: keys like ctrl-p,ctrl-q",
		    p->r->verb, shown);
	p->r->detach_keys = val;
	return 0;
}

/* logs --since, --until (SINCE false): the syntax here; the time when
 * logs reads the clock. */
static int
abound(struct aparser *p, bool since, const char *val, const char *shown)
{
	int64_t t;

	if (lidx_parse_time(val, 0, NULL, &t) != 0)
		return afail(p,
		    "%s: --%s %s: a time (2026-12-04T18:40:01 local, or with Z or +01:00), a date (2026-12-04), Unix seconds, or a duration (10m, 2h)",
		    p->r->verb, since ? "since" : "until", shown);
	if (since)
		p->r->since = val;
	else
		p->r->until = val;
	return 0;
}

/* --user U (root's; checked against the user database by the command);
 * exec's -u USER[:GROUP] too. */
static int
auser(struct aparser *p, const char *val, const char *shown)
{
	if (*val == '\0' || strlen(val) > 128)
		return afail(p, "%s: --user %s: not a user name", p->r->verb,
		    shown);
	p->r->user = val;
	return 0;
}

static int
aapply(struct aparser *p, const struct optscan_def *o, const char *val)
{
	bool *flag = aflag(p->r, o->id);
	char shown[80];

	if (o->id == A_LATEST) {
		p->r->last = 1;
		return 0;
	}
	if (flag != NULL) {
		*flag = true;
		return 0;
	}
	if (val == NULL)
		return -1;
	ctlp_escape(val, shown, sizeof(shown));
	switch (o->id) {
	case A_FORMAT:
		return aformat(p, val, shown);
	case A_TAIL:
		return atail(p, val, shown);
	case A_TIME:
		return atime(p, val, shown);
	case A_SIGNAL:
		return asignal(p, val, shown);
	case A_ENV:
		return aenv(p, val, shown);
	case A_WORKDIR:
		return aworkdir(p, val, shown);
	case A_ENV_FILE:
		return aenv_file(p, val);
	case A_DETACH_KEYS:
		return adetach_keys(p, val, shown);
	case A_SINCE:
	case A_UNTIL:
		return abound(p, o->id == A_SINCE, val, shown);
	case A_USER:
		return auser(p, val, shown);
	case A_FILTER:
		return afilter(p, val, shown);
	case A_LAST:
		return alast(p, val, shown);
	}
	return -1;
}

static int
aapply_cb(void *ctx, const struct optscan_def *o, const char *val)
{
	return aapply(ctx, o, val);
}

/* [A-Za-z0-9][A-Za-z0-9_.-]{0,62}, as args_valid_name. */
static bool
name_ok(const char *s)
{
	size_t n = strnlen(s, 64);

	if (n == 0 || n > 63 ||
	    !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
		(s[0] >= '0' && s[0] <= '9')))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
			(s[i] >= 'A' && s[i] <= 'Z') ||
			(s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
			s[i] == '.' || s[i] == '-'))
			return false;
	return true;
}

static int
acheck(struct aparser *p)
{
	struct ctla_request *r = p->r;

	if (r->all_users && r->user != NULL)
		return afail(p, "%s: --all-users and --user together", r->verb);
	if (r->cmd == CTLA_PS) {
		if (r->nnames > 0)
			return afail(p, "ps takes no container names");
		return 0;
	}
	if (r->all_users && r->nnames > 0)
		return afail(p,
		    "%s: --all-users acts on every container; name none",
		    r->verb);
	if (r->nnames == 0 && !r->all_users)
		return afail(p, "%s: no container name given", r->verb);
	if ((r->cmd == CTLA_LOGS || r->cmd == CTLA_ATTACH ||
		r->cmd == CTLA_PORT) &&
	    r->nnames != 1)
		return afail(p, "%s takes exactly one container name", r->verb);
	if (r->detach && (r->interactive || r->tty))
		return afail(p,
		    "exec: -d runs the command in the background with no input or terminal: leave out -i and -t, or -d");
	return 0;
}

/* port NAME PORT: 1 to 65535, "/tcp" after it or not ("/udp": -p
 * publishes none). */
static int
aport(struct aparser *p, const char *val)
{
	size_t n = strcspn(val, "/");
	char digits[8], shown[80];
	long long v;

	ctlp_escape(val, shown, sizeof(shown));
	if (n == 0 || n >= sizeof(digits) ||
	    (val[n] != '\0' && strcmp(val + n, "/tcp") != 0 &&
		strcmp(val + n, "/udp") != 0))
		return afail(p, "port: %s: a port, such as 8888 or 8888/tcp",
		    shown);
	memcpy(digits, val, n);
	digits[n] = '\0';
	if (ctlp_num(digits, 1, 65535, &v) != 0)
		return afail(p, "port: %s: a port, such as 8888 or 8888/tcp",
		    shown);
	p->r->port = val;
	return 0;
}

int
ctla_parse(int argc, char *const argv[], struct ctla_request *r,
    struct ctl_err *e)
{
	struct aparser p = { r, NULL };
	bool opts = true;

	p.e = e;
	memset(r, 0, sizeof(*r));
	if (e != NULL)
		e->msg[0] = '\0';
	r->tail = UINT64_MAX;
	r->last = -1;
	r->time = 10;
	r->signal = SIGKILL;
	if (argc < 2 || argv == NULL || argv[1] == NULL)
		return afail(&p, "no command given");
	r->verb = argv[1];
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(argv[1], verbs[i].verb) == 0)
			r->cmd = verbs[i].cmd;
	if (r->cmd == CTLA_NONE)
		return afail(&p, "unknown command");
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		char shown[80];

		if (strnlen(a, 4097) > 4096)
			return afail(&p, "%s: an argument is too long",
			    r->verb);
		if (opts && strcmp(a, "--") == 0) {
			opts = false;
			continue;
		}
		if (opts && a[0] == '-' && a[1] != '\0') {
			if (optscan_word(aopts,
				sizeof(aopts) / sizeof(aopts[0]), 1u << r->cmd,
				r->verb, argc, argv, &i, aapply_cb, &p,
				p.e) != 0)
				return -1;
			/* The usage, whatever else is there (as docker). */
			if (r->help)
				return 0;
			continue;
		}
		if (!name_ok(a)) {
			ctlp_escape(a, shown, sizeof(shown));
			return afail(&p,
			    "%s: %s: not a container name ([A-Za-z0-9][A-Za-z0-9_.-], at most 63)",
			    r->verb, shown);
		}
		if (r->nnames >= CTLA_MAX_NAMES)
			return afail(&p, "%s: more than %d names", r->verb,
			    CTLA_MAX_NAMES);
		r->names[r->nnames++] = a;
		if (r->cmd == CTLA_PORT && i + 1 < argc &&
		    argv[i + 1][0] != '-') {
			/* NAME [PORT]: the last word. */
			if (i + 2 < argc)
				return afail(&p,
				    "port takes a container name and at most one port");
			if (aport(&p, argv[i + 1]) != 0)
				return -1;
			break;
		}
		if (r->cmd == CTLA_EXEC) {
			/* NAME COMMAND...: the rest is the command. */
			if (i + 1 >= argc)
				return afail(&p, "exec: no command given");
			r->command = argv + i + 1;
			break;
		}
	}
	return acheck(&p);
}
