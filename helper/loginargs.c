/*
 * loginargs.c: the argv shapes of ctr-launch-shell and the allow-list of
 * host transfers (see loginargs.h).  Pure: no system call, no output.
 *
 * Invariants:
 * - login_shape() MUST accept exactly "-NAME" with no other argument and
 *   "NAME -c STRING" (STRING at most LOGIN_MAX_CMD bytes, no NUL by
 *   construction); every other vector is refused.
 * - login_transfer_argv() MUST return only vectors of the three shapes of
 *   loginargs.h, whose program is a fixed absolute path of this file: no
 *   shell ever reads CMD, an unquoted shell metacharacter (; | & $ ` < >
 *   ( ) * ? [ ] { } ~ # ! newline) refuses, "rsync --daemon" and every
 *   rsync or scp option outside the allow-lists refuse, and a path may
 *   not pass as an option (a word starting with '-' where a path is due
 *   refuses).
 */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "helper/loginargs.h"
#include "policy/policy.h"

static const char *
base(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

bool
login_is_shell(const char *argv0)
{
	const char *b;

	if (argv0 == NULL)
		return false;
	b = base(argv0);
	if (*b == '-')
		b++;
	return strcmp(b, LOGIN_SHELL_NAME) == 0;
}

int
login_shape(int argc, char *const argv[], enum login_shape *shape,
    const char **cmd, struct ctl_err *e)
{
	*cmd = NULL;
	if (argc == 1 && argv[0] != NULL && argv[0][0] == '-') {
		*shape = LOGIN_SHAPE_LOGIN;
		return 0;
	}
	if (argc == 3 && argv[0][0] != '-' && strcmp(argv[1], "-c") == 0) {
		if (strlen(argv[2]) > LOGIN_MAX_CMD) {
			err_set(e, "the command string is longer than %d bytes",
			    LOGIN_MAX_CMD);
			return -1;
		}
		*shape = LOGIN_SHAPE_COMMAND;
		*cmd = argv[2];
		return 0;
	}
	err_set(e,
	    "%s accepts only a login (-%s) or -c COMMAND, as sshd runs it",
	    LOGIN_SHELL_NAME, LOGIN_SHELL_NAME);
	return -1;
}

/* ---- words without a shell ---- */

static const char meta[] = ";|&$`<>()*?[]{}~#!\n\r\t\v\f";

void
login_argv_free(char **v)
{
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* Splits CMD as sh would read a plain command of literal words; -1 on
 * anything a shell would treat specially. */
static char **
split_words(const char *cmd, size_t *nout, struct ctl_err *e)
{
	size_t len = strlen(cmd), n = 0;
	char **v = calloc(LOGIN_MAX_WORDS + 1, sizeof(*v));
	char *w = NULL;
	size_t wl = 0;
	const char *c = cmd;

	if (v == NULL)
		goto nomem;
	for (;;) {
		while (*c == ' ')
			c++;
		if (*c == '\0')
			break;
		if (n == LOGIN_MAX_WORDS) {
			err_set(e, "more than %d words", LOGIN_MAX_WORDS);
			goto fail;
		}
		if ((w = malloc(len + 1)) == NULL)
			goto nomem;
		wl = 0;
		while (*c != '\0' && *c != ' ') {
			if (*c == '\'') {
				const char *q = strchr(c + 1, '\'');

				if (q == NULL)
					goto unbalanced;
				memcpy(w + wl, c + 1, (size_t)(q - c - 1));
				wl += (size_t)(q - c - 1);
				c = q + 1;
			} else if (*c == '"') {
				for (c++; *c != '"'; c++) {
					if (*c == '\0')
						goto unbalanced;
					if (*c == '$' || *c == '`' ||
					    *c == '!') {
						err_set(e,
						    "'%c' inside double quotes",
						    *c);
						goto fail;
					}
					if (*c == '\\' &&
					    (c[1] == '"' || c[1] == '\\'))
						c++;
					w[wl++] = *c;
				}
				c++;
			} else if (*c == '\\') {
				if (c[1] == '\0' || c[1] == '\n')
					goto unbalanced;
				w[wl++] = c[1];
				c += 2;
			} else if (strchr(meta, *c) != NULL) {
				err_set(e,
				    "'%c' is a shell metacharacter (no shell "
				    "runs a host transfer)",
				    *c == '\n' ? ' ' : *c);
				goto fail;
			} else {
				w[wl++] = *c++;
			}
		}
		w[wl] = '\0';
		v[n++] = w;
		w = NULL;
	}
	*nout = n;
	return v;
unbalanced:
	err_set(e, "unbalanced quote or trailing backslash");
	goto fail;
nomem:
	err_set(e, "out of memory");
fail:
	free(w);
	login_argv_free(v);
	return NULL;
}

/* ---- the programs ---- */

static const char *const sftp_paths[] = {
	"/usr/lib/openssh/sftp-server",
	"/usr/libexec/openssh/sftp-server",
	"/usr/libexec/sftp-server",
	"/usr/lib/sftp-server",
	LOGIN_SFTP_SERVER,
};

static enum login_prog
prog_of(const char *w)
{
	/* By the program's name: a transfer is routed whatever directory
	 * the client named (the program run is always this file's). */
	if (strcmp(base(w), "scp") == 0)
		return LOGIN_PROG_SCP;
	if (strcmp(base(w), "rsync") == 0)
		return LOGIN_PROG_RSYNC;
	for (size_t i = 0; i < sizeof(sftp_paths) / sizeof(sftp_paths[0]); i++)
		if (strcmp(w, sftp_paths[i]) == 0)
			return LOGIN_PROG_SFTP;
	if (strcmp(base(w), "sftp-server") == 0 ||
	    strcmp(w, "internal-sftp") == 0)
		return LOGIN_PROG_SFTP;
	return LOGIN_PROG_NONE;
}

enum login_prog
login_transfer_kind(const char *cmd)
{
	char first[256];
	size_t n;

	while (*cmd == ' ' || *cmd == '\t')
		cmd++;
	n = strcspn(cmd, " \t\n;|&");
	if (n == 0 || n >= sizeof(first))
		return LOGIN_PROG_NONE;
	memcpy(first, cmd, n);
	first[n] = '\0';
	return prog_of(first);
}

/* scp [-r] [-p] [-d] [-v] -t|-f [--] PATH... (flags bundled or not). */
static int
check_scp(char **v, size_t n, struct ctl_err *e)
{
	size_t i = 1;
	int dir = 0;

	for (; i < n && v[i][0] == '-' && strcmp(v[i], "--") != 0; i++) {
		if (v[i][1] == '\0')
			goto bad;
		for (const char *c = v[i] + 1; *c; c++) {
			if (*c == 't' || *c == 'f')
				dir++;
			else if (strchr("rpdv", *c) == NULL)
				goto bad;
		}
	}
	if (dir != 1) {
		err_set(e, "scp needs exactly one of -t or -f");
		return -1;
	}
	if (i < n && strcmp(v[i], "--") == 0) {
		i++;
	} else {
		/* scp's getopt takes a '-' word after a path as an option
		 * too: every word from here is a path. */
		for (size_t k = i; k < n; k++)
			if (v[k][0] == '-') {
				err_set(e,
				    "scp path %.40s looks like an option (put -- before such a path)",
				    v[k]);
				return -1;
			}
	}
	if (i == n) {
		err_set(e, "scp without a path");
		return -1;
	}
	return 0;
bad:
	err_set(e, "scp option %.40s is not one of -r -p -d -v -t -f", v[i]);
	return -1;
}

/* Long options of rsync --server that neither run a program nor read a
 * configuration: rrsync's idea, smaller.  "=" ends a name with a value. */
static const char *const rsync_long[] = {
	"--server",
	"--sender",
	"--delete",
	"--delete-before",
	"--delete-during",
	"--delete-after",
	"--delete-delay",
	"--delete-excluded",
	"--delete-missing-args",
	"--ignore-errors",
	"--force",
	"--partial",
	"--inplace",
	"--append",
	"--append-verify",
	"--numeric-ids",
	"--safe-links",
	"--munge-links",
	"--size-only",
	"--ignore-times",
	"--existing",
	"--ignore-existing",
	"--remove-source-files",
	"--no-implied-dirs",
	"--list-only",
	"--mkpath",
	"--preallocate",
	"--open-noatime",
	"--fsync",
	"--copy-unsafe-links",
	"--checksum-seed=",
	"--checksum-choice=",
	"--compress-choice=",
	"--compress-level=",
	"--max-delete=",
	"--max-size=",
	"--min-size=",
	"--modify-window=",
	"--timeout=",
	"--bwlimit=",
	"--info=",
	"--debug=",
	"--chmod=",
	"--new-compress",
	"--old-compress",
	"--no-W",
	"--no-r",
	"--no-i",
};

/* Short options that take no value, as rsync's client sends them to a
 * server; "e" starts the protocol's compatibility letters.  Not "s"
 * (--secluded-args): the arguments would then come over the protocol,
 * past this check. */
static const char rsync_short[] = "0ACDEHIJKLNORSUWXbcdghiklmnopqrtuvxyz";

static bool
rsync_opt_ok(const char *w)
{
	if (w[1] == '-') {
		for (size_t i = 0; i < sizeof(rsync_long) / sizeof(*rsync_long);
		     i++) {
			size_t l = strlen(rsync_long[i]);

			if (rsync_long[i][l - 1] == '=' ?
				strncmp(w, rsync_long[i], l) == 0 &&
				    strchr(w + l, '/') == NULL :
				strcmp(w, rsync_long[i]) == 0)
				return true;
		}
		return false;
	}
	if (w[1] == '\0')
		return false;
	for (const char *c = w + 1; *c; c++) {
		if (*c == 'e') {
			/* -e.iLsfxCIvu: the compatibility flags. */
			for (c++; *c; c++)
				if (*c != '.' &&
				    !((*c >= 'a' && *c <= 'z') ||
					(*c >= 'A' && *c <= 'Z')))
					return false;
			return true;
		}
		if (strchr(rsync_short, *c) == NULL)
			return false;
	}
	return true;
}

/* rsync --server [--sender] OPTIONS . PATH... */
static int
check_rsync(char **v, size_t n, struct ctl_err *e)
{
	size_t i = 2;

	if (n < 2 || strcmp(v[1], "--server") != 0) {
		err_set(e,
		    "rsync is accepted only as rsync --server (never --daemon)");
		return -1;
	}
	for (; i < n && v[i][0] == '-'; i++)
		if (!rsync_opt_ok(v[i])) {
			err_set(e,
			    "rsync option %.40s is not allowed for a host "
			    "transfer",
			    v[i]);
			return -1;
		}
	if (i == n || strcmp(v[i], ".") != 0 || i + 1 == n) {
		err_set(e, "rsync --server without . PATH");
		return -1;
	}
	for (i++; i < n; i++)
		if (v[i][0] == '-') {
			err_set(e, "rsync path %.40s looks like an option",
			    v[i]);
			return -1;
		}
	return 0;
}

char **
login_transfer_argv(const char *cmd, enum login_prog *kind, struct ctl_err *e)
{
	size_t n = 0;
	char **v = split_words(cmd, &n, e);
	const char *path = NULL;
	int r = -1;

	*kind = LOGIN_PROG_NONE;
	if (v == NULL)
		return NULL;
	if (n == 0) {
		err_set(e, "an empty command");
		goto out;
	}
	switch (prog_of(v[0])) {
	case LOGIN_PROG_SFTP:
		*kind = LOGIN_PROG_SFTP;
		path = LOGIN_SFTP_SERVER;
		if (strcmp(v[0], "internal-sftp") == 0 ||
		    strcmp(base(v[0]), "sftp-server") != 0 || v[0][0] != '/')
			err_set(e,
			    "sftp-server must be run by its absolute path");
		else if (n != 1)
			err_set(e,
			    "sftp-server takes no option for a host transfer");
		else
			r = 0;
		break;
	case LOGIN_PROG_SCP:
		*kind = LOGIN_PROG_SCP;
		path = LOGIN_SCP;
		r = check_scp(v, n, e);
		break;
	case LOGIN_PROG_RSYNC:
		*kind = LOGIN_PROG_RSYNC;
		path = LOGIN_RSYNC;
		r = check_rsync(v, n, e);
		break;
	default:
		err_set(e, "not a transfer command");
		break;
	}
	if (r == 0) {
		char *p = strdup(path);

		if (p == NULL) {
			err_set(e, "out of memory");
			r = -1;
		} else {
			free(v[0]);
			v[0] = p;
		}
	}
out:
	if (r != 0) {
		login_argv_free(v);
		return NULL;
	}
	return v;
}

char **
login_shell_argv(const char *login_shell, const char *cmd)
{
	char **v = calloc(POLICY_SHELL_WORDS + 3, sizeof(*v));
	const char *w = login_shell;
	size_t n = 0;

	if (v == NULL)
		return NULL;
	while (*w != '\0' && n < POLICY_SHELL_WORDS) {
		size_t l = strcspn(w, " ");

		if (l > 0 && (v[n++] = strndup(w, l)) == NULL)
			goto nomem;
		w += l;
		while (*w == ' ')
			w++;
	}
	if (n == 0)
		goto nomem;
	if (cmd != NULL &&
	    ((v[n++] = strdup("-c")) == NULL || (v[n++] = strdup(cmd)) == NULL))
		goto nomem;
	return v;
nomem:
	login_argv_free(v);
	return NULL;
}
