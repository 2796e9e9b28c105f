/*
 * ctlact.c: stop, kill, rm and wait, one request to the keeper of each
 * container named (or, root with --all-users, of every running one).
 *
 * Invariants:
 * - A container is acted on only through its keeper's socket: no pid is
 *   ever signalled here.
 * - rm removes a running container only with -f, after its keeper was
 *   asked to kill it; its record and log go under the user's lock, and
 *   the user's directories left empty MUST be removed under that lock
 *   only (keeper_udir_drop).
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "helper/ctl_priv.h"
#include "helper/ctlproto.h"
#include "helper/keeper.h"
#include "helper/log.h"

/* STOP, KILL or WAIT on a running container; its answer in *R.  false
 * (reported) when it is not running or the keeper is gone. */
static bool
request(struct ctl_ctx *c, const char *name, int dir, uint32_t op, int32_t arg,
    struct ctlp_resp *r)
{
	cleanup_close int fd = keeper_connect(dir);

	if (fd < 0 || ctl_ask(fd, op, arg, r) != 0) {
		/* It ended meanwhile: the keeper wrote the exit record before
		 * it stopped answering. */
		char buf[KEEPER_INFO_MAX];
		struct ctlp_exit x = { 0, 0 };
		ssize_t n = keeper_record_read(dir, "exit", buf, sizeof(buf));

		if (op != CTLP_KILL && n >= 0 &&
		    ctlp_exit_parse(buf, (size_t)n, &x) == 0) {
			memset(r, 0, sizeof(*r));
			r->status = x.status;
			return true;
		}
		warnmsg("%s: container %s is not running", c->req->verb, name);
		c->failed = true;
		return false;
	}
	if (r->err != CTLP_OK) {
		char why[320];

		/* Said, and the other containers named are still acted on. */
		if (ctl_resp_why(name, r, why, sizeof(why)) != NULL)
			warnmsg("%s: %s", c->req->verb, why);
		else
			warnmsg("%s: container %s refused the request",
			    c->req->verb, name);
		c->failed = true;
		return false;
	}
	return true;
}

/* rm -f of a running container: its keeper kills it and answers once
 * it ended (a keeper gone took it down).  false (said) when the keeper
 * refuses: the record stays. */
static bool
kill_wait(struct ctl_ctx *c, const char *name, int dir)
{
	cleanup_close int fd = keeper_connect(dir);
	struct ctlp_resp r, w;
	char why[320];

	if (fd >= 0 && ctl_ask(fd, CTLP_KILL, SIGKILL, &r) == 0 &&
	    ctl_resp_why(name, &r, why, sizeof(why)) != NULL) {
		warnmsg("rm: %s", why);
		c->failed = true;
		return false;
	}
	if (fd >= 0)
		(void)ctl_ask(fd, CTLP_WAIT, 0, &w);
	return true;
}

static void
act(struct ctl_ctx *c, const struct ctl_target *t, const char *name)
{
	int udir, dir;
	struct ctl_entry e;
	struct ctlp_resp r;

	if (!ctl_find(c, t, name, &udir, &dir, &e))
		return;
	switch (c->req->cmd) {
	case CTLA_STOP:
		if (!e.running ||
		    request(c, name, dir, CTLP_STOP, c->req->time, &r))
			printf("%s\n", name);
		break;
	case CTLA_KILL:
		if (!e.running) {
			warnmsg("kill: container %s is not running", name);
			c->failed = true;
		} else if (request(c, name, dir, CTLP_KILL, c->req->signal,
			       &r)) {
			printf("%s\n", name);
		}
		break;
	case CTLA_WAIT:
		if (e.running && !request(c, name, dir, CTLP_WAIT, 0, &r))
			break;
		printf("%d\n", e.running ? r.status : e.exit.status);
		break;
	case CTLA_RM:
		if (e.running && !c->req->force) {
			warnmsg(
			    "rm: container %s is running: stop it first, or rm -f",
			    name);
			c->failed = true;
			break;
		}
		if (e.running && !kill_wait(c, name, dir))
			break;
		if (!ctl_lock_udir(c, t, udir))
			break;
		{
			cleanup_close int logdir = ctl_open_logdir(t->uid);

			ctl_remove_entry(udir, logdir, name);
		}
		/* The user's last container: the empty directories go. */
		keeper_udir_drop(udir, t->uid);
		(void)flock(udir, LOCK_UN);
		printf("%s\n", name);
		break;
	default:
		break;
	}
	(void)fflush(stdout);
	ctl_done_one(udir, dir);
}

void
ctl_each(struct ctl_ctx *c)
{
	size_t n;
	struct ctl_target *t = ctl_targets(c, &n);

	for (size_t i = 0; i < n; i++) {
		if (c->req->all_users) {
			/* Every running container of every user. */
			cleanup_close int udir = ctl_open_udir(t[i].uid);
			size_t k;
			char **names;

			if (udir < 0)
				continue;
			names = ctl_list_names(udir, &k);
			for (size_t j = 0; j < k; j++) {
				struct ctl_entry e;

				if (!ctl_lock_udir(c, &t[i], udir))
					break;
				if (ctl_load(udir, names[j], &e, NULL) == 0 &&
				    e.running) {
					(void)flock(udir, LOCK_UN);
					act(c, &t[i], names[j]);
				} else {
					(void)flock(udir, LOCK_UN);
				}
			}
			ctl_free_names(names, k);
			continue;
		}
		for (size_t j = 0; j < c->req->nnames; j++)
			act(c, &t[i], c->req->names[j]);
	}
	free(t);
}
