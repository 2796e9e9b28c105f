/*
 * loginargs.h: what ctr-launch-shell accepts, decided without any side
 * effect (the pure half of login sessions; login.c and transfer.c act).
 *
 * sshd runs the user's passwd shell as "-NAME" for a login and as
 * "NAME -c STRING" for everything else (a command, sftp-server, scp -t/-f,
 * rsync --server).  Those are the only two shapes accepted.
 */
#ifndef CTL_LOGINARGS_H
#define CTL_LOGINARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/err.h"

#define LOGIN_SHELL_NAME "ctr-launch-shell"
#define LOGIN_MAX_WORDS  256   /* words of a host transfer command */
#define LOGIN_MAX_CMD    65536 /* bytes of a -c STRING */

#ifndef LOGIN_SFTP_SERVER
#define LOGIN_SFTP_SERVER "/usr/lib/openssh/sftp-server"
#endif
#ifndef LOGIN_SCP
#define LOGIN_SCP "/usr/bin/scp"
#endif
#ifndef LOGIN_RSYNC
#define LOGIN_RSYNC "/usr/bin/rsync"
#endif

enum login_shape {
	LOGIN_SHAPE_LOGIN,   /* "-NAME": an interactive login */
	LOGIN_SHAPE_COMMAND, /* "NAME -c STRING" */
};

enum login_prog {
	LOGIN_PROG_NONE, /* not a transfer: an ordinary command */
	LOGIN_PROG_SFTP,
	LOGIN_PROG_SCP,
	LOGIN_PROG_RSYNC,
};

/* Was the helper started under the shell's name ("ctr-launch-shell" or
 * "-ctr-launch-shell", any directory)?  ARGV0 may be NULL. */
bool login_is_shell(const char *argv0);

/* The two shapes; -1 with E for anything else.  *CMD is STRING. */
int login_shape(int argc, char *const argv[], enum login_shape *shape,
    const char **cmd, struct ctl_err *e);

/* Which transfer program does CMD start (by its first word only)?  Used
 * to route it (transfer = container|host|deny); NONE for anything else. */
enum login_prog login_transfer_kind(const char *cmd);

/*
 * transfer = host: CMD split into words without a shell (single and
 * double quotes and backslashes as sh reads them; any other shell
 * metacharacter unquoted refuses), then checked as exactly one of:
 *   sftp-server (a known absolute path, no argument)
 *   scp [-r] [-p] [-d] [-v] -t|-f [--] PATH...
 *   rsync --server [--sender] ALLOWED-OPTION... . PATH...
 * Returns a NULL-terminated vector whose first element is the program's
 * fixed absolute path (never a path from CMD), or NULL with E.  Free
 * with login_argv_free().
 */
char **
login_transfer_argv(const char *cmd, enum login_prog *kind, struct ctl_err *e);
void login_argv_free(char **v);

/* LOGIN_SHELL's words (single spaces, checked by the policy), followed by
 * "-c" CMD when CMD is not NULL.  NULL on out of memory. */
char **login_shell_argv(const char *login_shell, const char *cmd);

#endif
