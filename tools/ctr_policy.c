/*
 * ctr_policy.c: ctr-policy(8), the administrator's policy tool: check,
 * explain and edit /etc/ctr-launch/policy.ini.  This file holds the
 * command line, check and explain; policy_explain.c prints an effective
 * policy, policy_edit.c is the edit command.
 *
 * Root-run admin tooling: it reads the policy and NSS, and (edit) writes
 * the policy.  It never runs with privileges it was not started with.
 * It sees the policy through policy/policy.h only.
 *
 * Invariants:
 * - check MUST exit 1 and print FILE:LINE: reason for every error, and
 *   MUST treat the installed policy as an error when policy_open_trusted()
 *   refuses it (the launcher would).
 * - check --strict MUST exit 1 when there is any warning.
 * - explain MUST evaluate exactly as the launcher does (same ident: the
 *   user's primary gid and every gid of getgrouplist, named by getgrgid).
 * - edit: see policy_edit.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/desc.h"
#include "image/storelist.h"
#include "lib/grammar.h"
#include "lib/imgref.h"
#include "policy/policy.h"
#include "tools/ctr_policy.h"

void
usage(FILE *f)
{
	fprintf(f,
	    "usage: ctr-policy check [--strict] [FILE]\n"
	    "       ctr-policy explain USER\n"
	    "       ctr-policy edit\n"
	    "       ctr-policy version | --help\n");
}

void
print_errors(const struct policy_errors *errs, const char *file)
{
	for (size_t i = 0; i < errs->n; i++) {
		if (errs->v[i].line > 0)
			fprintf(stderr, "%s:%d: %s\n", file, errs->v[i].line,
			    errs->v[i].msg);
		else
			fprintf(stderr, "%s: %s\n", file, errs->v[i].msg);
	}
}

/* Warnings of check, printed in line order at the end. */
struct warn {
	int line;
	char msg[400];
};
static struct warn *warns;
static size_t nwarns;

static void
warn_add(int line, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
warn_add(int line, const char *fmt, ...)
{
	struct warn *v = reallocarray(warns, nwarns + 1, sizeof(*v));
	va_list ap;

	if (v == NULL)
		return;
	warns = v;
	v[nwarns].line = line;
	va_start(ap, fmt);
	vsnprintf(v[nwarns].msg, sizeof(v[nwarns].msg), fmt, ap);
	va_end(ap);
	nwarns++;
}

static int
warn_cmp(const void *a, const void *b)
{
	const struct warn *x = a, *y = b;

	return (x->line > y->line) - (x->line < y->line);
}

static void
warn_print(const char *file)
{
	qsort(warns, nwarns, sizeof(*warns), warn_cmp);
	for (size_t i = 0; i < nwarns; i++)
		fprintf(stderr, "%s:%d: warning: %s\n", file, warns[i].line,
		    warns[i].msg);
	free(warns);
	warns = NULL;
}

/* The caller's identity as the launcher builds it. */
struct ident {
	struct policy_ident id;
	gid_t *gids;
	char **names;
	char *user;
	char *home;
};

static void
ident_free(struct ident *x)
{
	for (size_t i = 0; i < x->id.ngroups; i++)
		free(x->names[i]);
	free(x->names);
	free(x->gids);
	free(x->user);
	free(x->home);
	memset(x, 0, sizeof(*x));
}

static int
ident_from_pw(const struct passwd *pw, struct ident *x, struct ctl_err *e)
{
	int n = 64;

	memset(x, 0, sizeof(*x));
	for (;;) {
		gid_t *g = reallocarray(x->gids, (size_t)n + 1, sizeof(*g));
		int want = n;

		if (g == NULL)
			goto oom;
		x->gids = g;
		if (getgrouplist(pw->pw_name, pw->pw_gid, x->gids, &want) >=
		    0) {
			n = want;
			break;
		}
		if (want <= n || want > 65536) {
			err_set(e, "getgrouplist failed");
			return -1;
		}
		n = want;
	}
	if ((x->names = calloc((size_t)n + 1, sizeof(char *))) == NULL)
		goto oom;
	for (int i = 0; i < n; i++) {
		struct group *gr = getgrgid(x->gids[i]);

		if (gr == NULL) {
			err_set(e, "no name for gid %lu",
			    (unsigned long)x->gids[i]);
			x->id.ngroups = (size_t)i;
			ident_free(x);
			return -1;
		}
		if ((x->names[i] = strdup(gr->gr_name)) == NULL) {
			x->id.ngroups = (size_t)i;
			goto oom;
		}
		x->id.ngroups = (size_t)i + 1;
	}
	if ((x->user = strdup(pw->pw_name)) == NULL ||
	    (x->home = strdup(pw->pw_dir)) == NULL)
		goto oom;
	x->id.uid = pw->pw_uid;
	x->id.gid = pw->pw_gid;
	x->id.user = x->user;
	x->id.home = x->home;
	x->id.gids = x->gids;
	x->id.gnames = (const char *const *)x->names;
	return 0;
oom:
	err_set(e, "out of memory");
	ident_free(x);
	return -1;
}

/* Opens FILE for check: the installed policy must pass the trust check. */
static int
open_for_check(const char *file, int *nwarn)
{
	struct ctl_err e;
	char abs[PATH_MAX];
	struct stat a, b;
	int fd;

	memset(&e, 0, sizeof(e));
	/* The installed policy, however it is spelled (a relative path,
	 * "//", "..", or the file a symlinked policy.ini points to), is
	 * checked as ctr-launch opens it. */
	if (strcmp(file, POLICY_FILE) == 0 ||
	    (stat(file, &a) == 0 && stat(POLICY_FILE, &b) == 0 &&
		a.st_dev == b.st_dev && a.st_ino == b.st_ino)) {
		fd = policy_open_trusted(POLICY_FILE, &e);
		if (fd < 0)
			fprintf(stderr, "%s: %s\n", POLICY_FILE, e.msg);
		return fd;
	}
	if (lstat(file, &a) == 0 && S_ISLNK(a.st_mode)) {
		fprintf(stderr,
		    "%s: warning: would be refused as the installed policy: "
		    "a symlink\n",
		    file);
		(*nwarn)++;
	} else if (realpath(file, abs) != NULL &&
	    (fd = policy_open_trusted(abs, &e)) >= 0)
		return fd;
	if (e.msg[0] != '\0') {
		fprintf(stderr,
		    "%s: warning: would be refused as the installed policy: "
		    "%s\n",
		    file, e.msg);
		(*nwarn)++;
	}
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		fprintf(stderr, "%s: %s\n", file, strerror(errno));
	return fd;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names the user (GROUPS false) or group database lists, sorted; one
 * pass over it.  NULL when it cannot be listed. */
static char **
db_names(bool groups, size_t *n)
{
	char **v = NULL;
	size_t cap = 0;

	*n = 0;
	groups ? setgrent() : setpwent();
	for (;;) {
		const char *name;

		if (groups) {
			struct group *g = getgrent();
			name = g ? g->gr_name : NULL;
		} else {
			struct passwd *pw = getpwent();
			name = pw ? pw->pw_name : NULL;
		}
		if (name == NULL)
			break;
		if (*n == cap) {
			char **nv = reallocarray(v, cap ? cap * 2 : 256,
			    sizeof(*v));
			if (nv == NULL)
				break;
			v = nv;
			cap = cap ? cap * 2 : 256;
		}
		if ((v[*n] = strdup(name)) == NULL)
			break;
		(*n)++;
	}
	groups ? endgrent() : endpwent();
	if (v != NULL)
		qsort(v, *n, sizeof(*v), str_cmp);
	return v;
}

/* Is NAME a user (GROUPS false) or group?  Listed names cost nothing;
 * others (a directory that does not enumerate) are looked up. */
static bool
name_known(bool groups, const char *name, char **list, size_t n)
{
	if (list != NULL && bsearch(&name, list, n, sizeof(*list), str_cmp))
		return true;
	return groups ? getgrnam(name) != NULL : getpwnam(name) != NULL;
}

static void
free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Warns about sections naming unknown users or groups: each database is
 * read once, not once per section. */
static void
warn_sections(const struct policy *p)
{
	size_t nu = 0, ng = 0;
	char **users = NULL, **groups = NULL;

	for (size_t i = 0; i < policy_nsections(p); i++) {
		enum policy_section_kind kind;
		const char *name;
		int line;
		bool grp;

		if (policy_section(p, i, &kind, &name, &line) != 0)
			continue;
		grp = kind == POLICY_SEC_GROUP;
		if (kind != POLICY_SEC_USER && !grp)
			continue;
		if (!grp && users == NULL)
			users = db_names(false, &nu);
		if (grp && groups == NULL)
			groups = db_names(true, &ng);
		if (!name_known(grp, name, grp ? groups : users, grp ? ng : nu))
			warn_add(line, "no %s %s", grp ? "group" : "user",
			    name);
	}
	free_names(users, nu);
	free_names(groups, ng);
}

static void
warn_images(const struct policy *p)
{
	char **names;
	size_t n;

	if (storelist_names(&names, &n, NULL) != 0)
		return;
	for (size_t i = 0; i < policy_nsections(p); i++) {
		for (size_t j = 0;
		     j < policy_nentries(p, i, POLICY_LIST_IMAGES); j++) {
			struct policy_entry e;
			bool hit = false;

			if (policy_entry(p, i, POLICY_LIST_IMAGES, j, &e) != 0)
				continue;
			for (size_t k = 0; k < n && !hit; k++)
				hit = imgref_match_text(e.text, names[k]);
			if (!hit) {
				warn_add(e.line,
				    "image pattern %s matches no image in "
				    "the store",
				    e.text);
			}
		}
	}
	desc_free_names(names, n);
}

/* A path of binds or user_binds written without templates: missing, or
 * reached through a symlink (ctr-launch takes a bind's real path, which
 * must be the one the policy names). */
static void
warn_path(const char *what, const char *path, int line)
{
	char real[PATH_MAX];

	if (realpath(path, real) == NULL)
		warn_add(line, "%s %s: %s", what, path, strerror(errno));
	else if (strcmp(real, path) != 0)
		warn_add(line,
		    "%s %s resolves to %s: ctr-launch refuses what it "
		    "reaches there",
		    what, path, real);
}

static void
warn_binds(const struct policy *p)
{
	static const struct {
		enum policy_list list;
		const char *what;
	} lists[] = { { POLICY_LIST_BINDS, "bind source" },
		{ POLICY_LIST_USER_BINDS, "user_binds path" } };

	for (size_t i = 0; i < policy_nsections(p); i++)
		for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++)
			for (size_t j = 0;
			     j < policy_nentries(p, i, lists[l].list); j++) {
				struct policy_entry e;

				if (policy_entry(p, i, lists[l].list, j, &e) ==
					0 &&
				    strchr(e.text, '%') == NULL)
					warn_path(lists[l].what, e.text,
					    e.line);
			}
}

/* A login_image that images does not grant: every login of that user is
 * refused.  Once per policy line. */
static void
warn_login_image(const char *user, const struct policy_eff *eff, int **seen,
    size_t *nseen)
{
	int *v;

	if (!eff->login || eff->denied || eff->login_image == NULL ||
	    policy_image_allowed(eff, eff->login_image, NULL))
		return;
	for (size_t i = 0; i < *nseen; i++)
		if ((*seen)[i] == eff->login_image_line)
			return;
	if ((v = reallocarray(*seen, *nseen + 1, sizeof(*v))) == NULL)
		return;
	*seen = v;
	v[(*nseen)++] = eff->login_image_line;
	warn_add(eff->login_image_line,
	    "user %s: login_image %s (%s) is not granted by images: their "
	    "logins are refused",
	    user, eff->login_image, eff->login_image_from);
}

/* Evaluates the policy for every user NSS lists; reports each failing
 * line once (a destination some user would get twice). */
static void
warn_users(const struct policy *p)
{
	struct passwd *pw;
	int *seen = NULL;
	size_t nseen = 0, count = 0;

	setpwent();
	while ((pw = getpwent()) != NULL && count++ < 100000) {
		struct ident x;
		struct policy_eff eff;
		struct ctl_err e;
		bool dup = false;

		if (ident_from_pw(pw, &x, NULL) < 0)
			continue;
		memset(&e, 0, sizeof(e));
		if (policy_eval(p, &x.id, &eff, &e) == 0) {
			warn_login_image(pw->pw_name, &eff, &seen, &nseen);
			policy_eff_free(&eff);
			ident_free(&x);
			continue;
		}
		for (size_t i = 0; i < nseen; i++)
			dup = dup || seen[i] == e.line;
		if (!dup) {
			int *v = reallocarray(seen, nseen + 1, sizeof(*v));

			if (v != NULL) {
				seen = v;
				seen[nseen++] = e.line;
			}
			warn_add(e.line, "user %s: %s", pw->pw_name, e.msg);
		}
		ident_free(&x);
	}
	endpwent();
	free(seen);
}

/* Published ports that reach beyond the server's own users. */
static void
warn_ports(const struct policy *p)
{
	for (size_t i = 0; i < policy_nsections(p); i++) {
		struct policy_entry e;

		for (size_t j = 0; j < policy_nentries(p, i, POLICY_LIST_PORTS);
		     j++)
			if (policy_entry(p, i, POLICY_LIST_PORTS, j, &e) == 0 &&
			    e.lo < 1024)
				warn_add(e.line,
				    "ports %u-%u includes privileged ports "
				    "(below 1024)",
				    e.lo, e.hi);
		for (size_t j = 0;
		     j < policy_nentries(p, i, POLICY_LIST_PUBLISH_ADDRS);
		     j++) {
			if (policy_entry(p, i, POLICY_LIST_PUBLISH_ADDRS, j,
				&e) != 0)
				continue;
			if (!policy_addr_loopback(e.text))
				warn_add(e.line,
				    "publish_addresses %s: ports published "
				    "there are open to every peer that can "
				    "reach it (publish_access applies to "
				    "loopback only)",
				    e.text);
		}
	}
}

static int
cmd_check(int argc, char **argv)
{
	struct policy_errors errs = { NULL, 0 };
	struct policy *p = NULL;
	const char *file = POLICY_FILE;
	bool strict = false;
	int nwarn = 0, i = 1, fd;

	if (i < argc && strcmp(argv[i], "--strict") == 0) {
		strict = true;
		i++;
	}
	/* An option is never taken for a file name. */
	if (i < argc && argv[i][0] == '-') {
		fprintf(stderr, "ctr-policy: check: unknown option %.64s\n",
		    argv[i]);
		usage(stderr);
		return 1;
	}
	if (i < argc)
		file = argv[i++];
	if (i < argc) {
		usage(stderr);
		return 1;
	}
	if ((fd = open_for_check(file, &nwarn)) < 0)
		return 1;
	if (policy_load_fd(fd, file, &p, &errs) < 0) {
		close(fd);
		print_errors(&errs, file);
		if (errs.n == 0)
			fprintf(stderr, "%s: rejected\n", file);
		policy_errors_free(&errs);
		return 1;
	}
	close(fd);
	warn_sections(p);
	warn_images(p);
	warn_ports(p);
	warn_binds(p);
	warn_users(p);
	policy_free(p);
	nwarn += (int)nwarns;
	warn_print(file);
	if (strict && nwarn > 0) {
		fprintf(stderr, "%s: %d warning%s (--strict)\n", file, nwarn,
		    nwarn == 1 ? "" : "s");
		return 1;
	}
	printf("%s: OK\n", file);
	return 0;
}

static int
load_installed(struct policy **p)
{
	struct policy_errors errs = { NULL, 0 };
	struct ctl_err e;
	int fd;

	memset(&e, 0, sizeof(e));
	if ((fd = policy_open_trusted(POLICY_FILE, &e)) < 0) {
		fprintf(stderr, "%s: %s\n", POLICY_FILE, e.msg);
		return -1;
	}
	if (policy_load_fd(fd, POLICY_FILE, p, &errs) < 0) {
		close(fd);
		print_errors(&errs, POLICY_FILE);
		policy_errors_free(&errs);
		return -1;
	}
	close(fd);
	return 0;
}

static int
cmd_explain(int argc, char **argv)
{
	struct policy *p = NULL;
	struct policy_eff eff;
	struct ctl_err e;
	struct passwd *pw;
	struct ident x;
	int rc;

	if (argc != 2) {
		usage(stderr);
		return 1;
	}
	if ((pw = getpwnam(argv[1])) == NULL) {
		fprintf(stderr, "ctr-policy: %s: no such user\n", argv[1]);
		return 1;
	}
	if (ident_from_pw(pw, &x, &e) < 0) {
		fprintf(stderr, "ctr-policy: %s: %s\n", argv[1], e.msg);
		return 1;
	}
	if (load_installed(&p) < 0) {
		ident_free(&x);
		return 1;
	}
	printf("user %s (uid %lu), groups:", x.user, (unsigned long)x.id.uid);
	for (size_t i = 0; i < x.id.ngroups; i++)
		printf(" %s", x.names[i]);
	printf("\n");
	memset(&e, 0, sizeof(e));
	if (policy_eval(p, &x.id, &eff, &e) < 0) {
		printf("denied: %s\n", e.msg);
		rc = 1;
	} else if (eff.denied) {
		printf("denied: %s\n", eff.deny_reason);
		policy_eff_free(&eff);
		rc = 1;
	} else {
		printf("allowed\n");
		print_eff(&eff);
		policy_eff_free(&eff);
		rc = 0;
	}
	policy_free(p);
	ident_free(&x);
	return rc;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 1;
	}
	/* --help, or a command's: the usage, on stdout. */
	if (gram_help(argv[1]) || (argc > 2 && gram_help(argv[2]))) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "version") == 0 ||
	    strcmp(argv[1], "--version") == 0) {
		printf("ctr-policy %s\n", CTL_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "explain") == 0)
		return cmd_explain(argc - 1, argv + 1);
	if (strcmp(argv[1], "edit") == 0)
		return cmd_edit(argc - 1, argv + 1);
	fprintf(stderr, "ctr-policy: unknown command %s\n", argv[1]);
	usage(stderr);
	return 1;
}
