/*
 * ctltarget.c: the users a lifecycle command acts for (ctl_targets,
 * ctl_priv.h): the caller, or root's --user U or --all-users; and exec's
 * -u, docker's "run as", which only the container's owner passes.
 *
 * Invariants:
 * - A caller other than root acts for themselves alone: --user and
 *   --all-users are root's, and exec -u MUST name the caller (uid or
 *   name, and their primary gid or group) or the exec is refused.
 * - Root's exec -u USER:GROUP MUST name USER's primary group.
 * - The caller is known from the kernel (the real uid, ctl.c), never
 *   from the request.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "helper/ctl_priv.h"
#include "helper/ctlproto.h"
#include "helper/keeper.h"
#include "helper/log.h"
#include "helper/plan.h"

/* ---- the users a command acts for ---- */

/* The caller alone (not root). */
static struct ctl_target *
target_self(const struct ctl_ctx *c, size_t *n)
{
	const struct ctla_request *r = c->req;
	const struct launch_plan *p = c->plan;
	struct ctl_target *t;
	struct ctl_err e;

	/* exec -u (docker's "run as"): accepted when it names the caller,
	 * who is whom the command runs as anyway. */
	if (r->cmd == CTLA_EXEC && r->user != NULL &&
	    portplan_user_check(r->user, c->ruid, p->user, p->gid,
		p->ngroups > 0 ? p->groups[0].name : NULL, &e) != 0)
		deny("exec: %s", e.msg);
	if (r->all_users || (r->user != NULL && r->cmd != CTLA_EXEC))
		die("%s: --all-users and --user are for root", r->verb);
	if ((t = calloc(1, sizeof(*t))) == NULL)
		die("out of memory");
	t->uid = c->ruid;
	snprintf(t->user, sizeof(t->user), "%s", c->plan->user);
	*n = 1;
	return t;
}

/* exec -u USER:GROUP by root: the whole spec must name the owner PW
 * (NULL when USER is a bare uid without an entry) and their primary
 * group, as run -u's check (portplan_user_check) reads it. */
static void
exec_group_check(const struct ctla_request *r, const struct passwd *pw)
{
	struct group *gr;
	char shown[80];

	if (pw != NULL &&
	    portplan_user_check(r->user, pw->pw_uid, pw->pw_name, pw->pw_gid,
		(gr = getgrgid(pw->pw_gid)) != NULL ? gr->gr_name : NULL,
		NULL) == 0)
		return;
	ctlp_escape(r->user, shown, sizeof(shown));
	deny("exec: -u %s refused: the command runs as the container's owner, "
	     "with their own group",
	    shown);
}

/* root's --user U: a user's name, else a uid; exec's -u U[:GROUP]. */
static struct ctl_target *
target_user(const struct ctla_request *r, size_t *n)
{
	char name[130], *group = NULL;
	struct passwd *pw;
	struct ctl_target *t;
	char *end;
	unsigned long v;

	snprintf(name, sizeof(name), "%s", r->user);
	if (r->cmd == CTLA_EXEC && (group = strchr(name, ':')) != NULL)
		*group++ = '\0';
	pw = getpwnam(name);
	if ((t = calloc(1, sizeof(*t))) == NULL)
		die("out of memory");
	errno = 0;
	v = strtoul(name, &end, 10);
	if (pw != NULL) {
		t->uid = pw->pw_uid;
	} else if (errno == 0 && *end == '\0' && end != name &&
	    v < 0xffffffffUL) {
		t->uid = (uid_t)v;
		pw = getpwuid(t->uid);
	} else {
		char shown[80];

		ctlp_escape(r->user, shown, sizeof(shown));
		die("%s: --user %s: no such user", r->verb, shown);
	}
	if (group != NULL)
		exec_group_check(r, pw);
	snprintf(t->user, sizeof(t->user), "%.63s", name);
	*n = 1;
	return t;
}

/* Appends the user of the directory u<UID> to T (*N of them, room for
 * *CAP); returns T. */
static struct ctl_target *
target_add(struct ctl_target *t, size_t *n, size_t *cap, unsigned long uid)
{
	struct passwd *pw;

	if (*n == *cap) {
		struct ctl_target *nt = reallocarray(t, *cap ? 2 * *cap : 16,
		    sizeof(*t));

		if (nt == NULL)
			die("out of memory");
		t = nt;
		*cap = *cap ? 2 * *cap : 16;
	}
	t[*n].uid = (uid_t)uid;
	pw = getpwuid((uid_t)uid);
	if (pw != NULL)
		snprintf(t[*n].user, sizeof(t[*n].user), "%s", pw->pw_name);
	else
		snprintf(t[*n].user, sizeof(t[*n].user), "%lu", uid);
	(*n)++;
	return t;
}

/* Adds every u<uid> of directory PATH not in T yet. */
static struct ctl_target *
targets_in(struct ctl_target *t, size_t *n, size_t *cap, const char *path)
{
	cleanup_close int cd = open(path,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d;
	struct dirent *de;

	if (cd < 0)
		return t;
	if ((d = fdopendir(fcntl(cd, F_DUPFD_CLOEXEC, 3))) == NULL)
		die_errno("%s", path);
	while ((de = readdir(d)) != NULL) {
		char *end;
		unsigned long v;
		bool seen = false;

		if (de->d_name[0] != 'u' || de->d_name[1] == '\0')
			continue;
		errno = 0;
		v = strtoul(de->d_name + 1, &end, 10);
		if (errno != 0 || *end != '\0' || v >= 0xffffffffUL)
			continue;
		for (size_t i = 0; i < *n && !seen; i++)
			seen = t[i].uid == (uid_t)v;
		if (!seen)
			t = target_add(t, n, cap, v);
	}
	closedir(d);
	return t;
}

/* root's --all-users: every u<uid> in RUNDIR/ctr-launch/c, and in
 * STATEDIR/ctr-launch/logs (a user whose records a reboot took, whose
 * logs ps then sweeps); NULL when there is none. */
static struct ctl_target *
targets_all(size_t *n)
{
	struct ctl_target *t = NULL;
	size_t cap = 0;

	t = targets_in(t, n, &cap, KEEPER_C_DIR);
	return targets_in(t, n, &cap, KEEPER_LOG_DIR);
}

/* The caller, --user U, or (root, --all-users) every u<uid>. */
struct ctl_target *
ctl_targets(struct ctl_ctx *c, size_t *n)
{
	const struct ctla_request *r = c->req;

	*n = 0;
	if (c->ruid != 0)
		return target_self(c, n);
	if (r->user != NULL)
		return target_user(r, n);
	if (!r->all_users)
		die("%s: root has no containers of its own: use --user U or --all-users",
		    r->verb);
	return targets_all(n);
}
