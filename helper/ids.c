/*
 * ids.c: identifies the caller from the kernel (step 2).
 *
 * Invariants:
 * - The caller MUST be the real uid and real gid of the process and the
 *   supplementary groups the kernel reports (getresuid, getresgid,
 *   getgroups); names come from getpwuid and getgrgid of those ids only,
 *   never from $USER, $LOGNAME or $HOME.
 * - Any failed lookup MUST refuse the launch: no identity is guessed.
 * - A caller whose real uid or real gid is 0 MUST be refused: a container
 *   is never run as root.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helper/ids.h"
#include "helper/log.h"

#define IDS_MAX_GROUPS 65536

static void
add_group(struct launch_plan *p, gid_t g)
{
	struct group *gr;

	for (size_t i = 0; i < p->ngroups; i++)
		if (p->groups[i].gid == g)
			return;
	errno = 0;
	if ((gr = getgrgid(g)) == NULL) {
		if (errno != 0)
			die_errno("cannot look up your group %lu",
			    (unsigned long)g);
		die("cannot look up your group %lu: no such group",
		    (unsigned long)g);
	}
	p->groups[p->ngroups].gid = g;
	p->groups[p->ngroups].name = xstrdup(gr->gr_name ? gr->gr_name : "");
	p->ngroups++;
}

static void
identify_groups(struct launch_plan *p)
{
	int n = getgroups(0, NULL);

	if (n < 0 || n > IDS_MAX_GROUPS)
		die_errno("cannot read your supplementary groups");
	p->kgroups = calloc((size_t)n + 1, sizeof(gid_t));
	p->groups = calloc((size_t)n + 1, sizeof(*p->groups));
	if (p->kgroups == NULL || p->groups == NULL)
		die("out of memory");
	if (n > 0 && (n = getgroups(n, p->kgroups)) < 0)
		die_errno("cannot read your supplementary groups");
	p->nkgroups = (size_t)n;
	add_group(p, p->gid);
	for (size_t i = 0; i < p->nkgroups; i++)
		add_group(p, p->kgroups[i]);
}

void
ids_identify(struct launch_plan *p)
{
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;
	struct passwd *pw;
	char tty[256];

	if (getresuid(&ruid, &euid, &suid) != 0 ||
	    getresgid(&rgid, &egid, &sgid) != 0)
		die_errno("cannot read your credentials");
	p->uid = ruid;
	p->gid = rgid;
	if (ruid == 0 || rgid == 0)
		die("refusing to run a container as root (uid or gid 0); run it as an ordinary user");
	errno = 0;
	if ((pw = getpwuid(ruid)) == NULL) {
		if (errno != 0)
			die_errno("cannot look up your uid %lu",
			    (unsigned long)ruid);
		die("cannot look up your uid %lu: no such user",
		    (unsigned long)ruid);
	}
	if (pw->pw_name == NULL || pw->pw_name[0] == '\0' ||
	    pw->pw_dir == NULL || pw->pw_dir[0] != '/')
		die("your passwd entry (uid %lu) has no name or no absolute home",
		    (unsigned long)ruid);
	p->user = xstrdup(pw->pw_name);
	p->home = xstrdup(pw->pw_dir);
	p->shell = xstrdup(
	    pw->pw_shell && pw->pw_shell[0] ? pw->pw_shell : "/bin/sh");
	p->gecos = xstrdup(pw->pw_gecos ? pw->pw_gecos : "");
	log_set_caller(ruid, p->user);
	identify_groups(p);
	if (isatty(STDIN_FILENO) &&
	    ttyname_r(STDIN_FILENO, tty, sizeof(tty)) == 0)
		p->tty = xstrdup(tty);
}

void
ids_policy_ident(const struct launch_plan *p, struct policy_ident *id,
    gid_t *gids, const char **gnames)
{
	for (size_t i = 0; i < p->ngroups; i++) {
		gids[i] = p->groups[i].gid;
		gnames[i] = p->groups[i].name;
	}
	id->uid = p->uid;
	id->user = p->user;
	id->home = p->home;
	id->gid = p->gid;
	id->ngroups = p->ngroups;
	id->gids = gids;
	id->gnames = gnames;
}
