/*
 * mounts_driver.c: a test harness (root only, never installed) that runs
 * steps 8 and 9 of the launch sequence (binds_open, mounts_setup)
 * in new mount and pid namespaces, drops to the given user and executes a
 * command, so that tests/integration/mounts*.bats can check the container's
 * file system on its own.
 *
 * Invariants:
 * - It MUST refuse to run unless its real uid is 0 (it is a test tool).
 * - The command MUST run with the caller's ids only, no capabilities and
 *   no_new_privs, as ctr-launch's payload does.
 *
 * Usage: mounts_driver [options] -- CMD [ARG...]
 *   -l HEX:LINK     a layer (base first; repeat)
 *   -u USER:UID:GID:HOME:SHELL
 *   -g GID:NAME     a group (primary first; repeat)
 *   -b SRC:DST:MODE:KIND   MODE ro|rw|-, KIND admin|user
 *   -p PREFIX[:ro]  a user_binds grant
 *   -s BYTES        tmpfs size
 *   -t              open a pty; the command's stdio is its slave
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper/binds.h"
#include "helper/layers.h"
#include "helper/log.h"
#include "helper/mounts.h"

#ifdef DRIVER_POLICY_STUBS
bool
policy_path_covers(const char *prefix, const char *path)
{
	size_t n = strlen(prefix);

	if (strcmp(prefix, "/") == 0)
		return true;
	return strncmp(prefix, path, n) == 0 &&
	    (path[n] == '\0' || path[n] == '/');
}

bool
policy_path_normal(const char *p)
{
	return p[0] == '/' && strstr(p, "//") == NULL &&
	    strstr(p, "/./") == NULL && strstr(p, "/../") == NULL &&
	    (strlen(p) == 1 || p[strlen(p) - 1] != '/');
}

int
policy_user_bind(const struct policy_eff *eff, const char *real,
    enum policy_mode mode, bool *ro, struct ctl_err *e)
{
	for (size_t i = 0; i < eff->nuser_binds; i++) {
		if (!policy_path_covers(eff->user_binds[i].path, real))
			continue;
		if (eff->user_binds[i].ro && mode == POLICY_MODE_RW) {
			snprintf(e->msg, sizeof(e->msg),
			    "%s is granted read-only", real);
			return -1;
		}
		*ro = eff->user_binds[i].ro || mode == POLICY_MODE_RO;
		return 0;
	}
	snprintf(e->msg, sizeof(e->msg), "%s is not under a user_binds prefix",
	    real);
	return -1;
}
#endif

static char *
field(char **s)
{
	char *f = strsep(s, ":");

	if (f == NULL) {
		fprintf(stderr, "mounts_driver: bad option value\n");
		exit(2);
	}
	return f;
}

#define ADD(v, n)                                             \
	do {                                                  \
		(v) = realloc((v), ((n) + 1) * sizeof(*(v))); \
		if ((v) == NULL)                              \
			exit(2);                              \
		memset(&(v)[(n)], 0, sizeof(*(v)));           \
	} while (0)

int
main(int argc, char **argv)
{
	static struct image_desc img = { .name = (char *)"test:latest" };
	static struct launch_plan p;
	struct mounts_tty tty;
	int *fds, c, st;
	pid_t pid;
	char *s;

	if (getuid() != 0)
		return 2;
	p.tmpfs_size = 64 << 20;
	p.max_ptys = 64;
	p.shell = (char *)"/bin/sh";
	while ((c = getopt(argc, argv, "l:u:g:b:p:s:t")) != -1) {
		s = optarg;
		switch (c) {
		case 'l':
			ADD(img.layers, img.nlayers);
			snprintf(img.layers[img.nlayers].hex,
			    sizeof(img.layers[0].hex), "%s", field(&s));
			snprintf(img.layers[img.nlayers].link,
			    sizeof(img.layers[0].link), "%s", field(&s));
			img.nlayers++;
			break;
		case 'u':
			p.user = field(&s);
			p.uid = (uid_t)atol(field(&s));
			p.gid = (gid_t)atol(field(&s));
			p.home = field(&s);
			p.shell = field(&s);
			p.gecos = (char *)"test: user\nx";
			break;
		case 'g':
			ADD(p.groups, p.ngroups);
			p.groups[p.ngroups].gid = (gid_t)atol(field(&s));
			p.groups[p.ngroups].name = field(&s);
			p.ngroups++;
			break;
		case 'b': {
			struct plan_bind *b;
			char *mode;

			ADD(p.binds, p.nbinds);
			b = &p.binds[p.nbinds++];
			b->src = field(&s);
			b->dst = field(&s);
			mode = field(&s);
			b->mode = strcmp(mode, "ro") == 0 ? POLICY_MODE_RO :
			    strcmp(mode, "rw") == 0       ? POLICY_MODE_RW :
							    POLICY_MODE_DEFAULT;
			b->ro = b->mode == POLICY_MODE_RO;
			b->from_user = strcmp(field(&s), "user") == 0;
			break;
		}
		case 'p': {
			struct policy_prefix *pp;
			char *ro;

			ADD(p.eff.user_binds, p.eff.nuser_binds);
			pp = &p.eff.user_binds[p.eff.nuser_binds++];
			pp->path = strsep(&s, ":");
			ro = strsep(&s, ":");
			pp->ro = ro != NULL && strcmp(ro, "ro") == 0;
			break;
		}
		case 's':
			p.tmpfs_size = strtoull(optarg, NULL, 10);
			break;
		case 't':
			p.tty_wanted = true;
			break;
		default:
			return 2;
		}
	}
	if (p.user == NULL || optind >= argc)
		return 2;
	p.image = &img;
	log_set_caller(p.uid, p.user);
	fds = layers_hold(&img);
	if (unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC) == -1)
		die_errno("unshare");
	if ((pid = fork()) == -1)
		die_errno("fork");
	if (pid == 0) {
		int *bfds = calloc(p.nbinds + 1, sizeof(int));
		gid_t *g = calloc(p.ngroups + 1, sizeof(gid_t));

		log_set_child();
		if (bfds == NULL || g == NULL)
			die("calloc");
		layers_release(fds, img.nlayers);
		for (size_t i = 0; i < p.nbinds; i++)
			bfds[i] = binds_open(&p, &p.binds[i]);
		mounts_setup(&p, bfds, NULL, &tty);
		for (size_t i = 0; i < p.ngroups; i++)
			g[i] = p.groups[i].gid;
		if (setgroups(p.ngroups, g) == -1 ||
		    setresgid(p.gid, p.gid, p.gid) == -1 ||
		    setresuid(p.uid, p.uid, p.uid) == -1 ||
		    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
			die_errno("drop");
		if (chdir("/") == -1)
			die_errno("chdir");
		/* The pid namespace's init: run the command as a child; with
		 * -t, copy the pty's output to our stdout. */
		if ((pid = fork()) == 0) {
			if (p.tty_wanted) {
				setsid();
				for (int i = 0; i < 3; i++)
					if (dup2(tty.slave, i) == -1)
						_exit(126);
			}
			execv(argv[optind], argv + optind);
			_exit(127);
		}
		if (p.tty_wanted) {
			char buf[4096];
			ssize_t n;

			close(tty.slave);
			while ((n = read(tty.master, buf, sizeof(buf))) > 0)
				(void)!write(1, buf, (size_t)n);
		}
		while (waitpid(pid, &st, 0) == -1)
			if (errno != EINTR)
				_exit(125);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	}
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return 125;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
