/*
 * ctl_priv.h: what the client files of the lifecycle commands share
 * (ctl.c, ctlps.c, ctlact.c, ctllogs.c, ctlexec.c, ctlattach.c,
 * ctltty.c); private to them, the rest of the helper has ctl.h.
 */
#ifndef CTL_CTL_PRIV_H
#define CTL_CTL_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>
#include <sys/types.h>

#include "helper/ctlproto.h"

struct launch_plan;
struct winsize;

/* One container as read from its state directory. */
struct ctl_entry {
	struct ctlp_info info;
	struct ctlp_exit exit;
	bool has_exit;
	bool running;
	struct ctlp_resp st; /* STATUS, while running */
	char user[64];
};

/* A command being run. */
struct ctl_ctx {
	struct ctla_request *req;
	struct launch_plan *plan; /* the caller (not root) */
	char **env;               /* the caller's environment, inert data */
	const struct plan_caller *caller; /* what step 0 saved */
	uid_t ruid;
	bool prune; /* the policy loaded and allows the caller */
	bool failed;
};

/* A user the command acts for. */
struct ctl_target {
	uid_t uid;
	char user[64];
};

/* ---- ctl.c: the state directories, the keepers' sockets, the users ---- */

/* RUNDIR/ctr-launch/c/u<UID>, or -1 when there is none (dies when it is
 * not root-owned 0700). */
int ctl_open_udir(uid_t uid);
/* STATEDIR/ctr-launch/logs/u<UID>, or -1 (missing, or not as it must be:
 * its logs are then not read). */
int ctl_open_logdir(uid_t uid);
/* T's directory UDIR locked (flock): the caller's own, waited for; another
 * user's (root acting for them), waited for 5 s at most, since a command
 * of theirs that does not end (stopped, its output never read) holds it:
 * then false, told, and C failed. */
bool ctl_lock_udir(struct ctl_ctx *c, const struct ctl_target *t, int udir);
/* Sends OP(ARG) on FD and reads the answer (skipping log data); -1 if
 * the keeper is gone.  ctl_send and ctl_recv are its two halves, for a
 * command that asks several keepers at once. */
int ctl_ask(int fd, uint32_t op, int32_t arg, struct ctlp_resp *r);
int ctl_send(int fd, uint32_t op, int32_t arg);
int ctl_recv(int fd, struct ctlp_resp *r);
/* After a send that failed: the answer a keeper that refused the client
 * (not its owner's, or busy) left before it closed, without waiting; -1
 * if there is none. */
int ctl_recv_queued(int fd, struct ctlp_resp *r);
/* Is B[0..N) a CTLP_DATA_MAGIC message (log or pty bytes follow)? */
bool ctl_is_data(const unsigned char *b, ssize_t n);
/* Why the answer R about NAME is refused (another protocol version, not
 * the caller's, busy, who asked unknown), in BUF; NULL for any other. */
const char *ctl_resp_why(const char *name, const struct ctlp_resp *r, char *buf,
    size_t len);
/* Dies with ctl_resp_why's reason, if any. */
void ctl_resp_check(const char *name, const struct ctlp_resp *r);
/* Loads NAME's record from UDIR (under UDIR's lock), sweeping a dead
 * keeper's; its directory in *DIRFD (NULL: closed).  -1 if there is no
 * such container. */
int ctl_load(int udir, const char *name, struct ctl_entry *e, int *dirfd);
/* Removes NAME's record and log (it has ended). */
void ctl_remove_entry(int udir, int logdir, const char *name);
/* The names of UDIR's entries, sorted; free with ctl_free_names. */
char **ctl_list_names(int udir, size_t *n);
void ctl_free_names(char **v, size_t n);
/* Under UDIR's lock, UID's: logs without a record (their records went
 * with a reboot's RUNDIR) removed; when UID is the caller, whom the
 * policy allows, also their exited records beyond keep_exited and
 * max_exited. */
void ctl_prune(struct ctl_ctx *c, int udir, uid_t uid);
/* ctl_open_udir, or, when RUNDIR has no directory of UID's but STATEDIR
 * has their logs (RUNDIR emptied by a reboot), that directory made again
 * for ctl_prune to sweep them under its lock (keeper_udir_drop then
 * removes both); -1 when neither exists. */
int ctl_open_udir_swept(uid_t uid);
/* The caller, --user U, or (root, --all-users) every u<uid>: *N of them,
 * to free. */
struct ctl_target *ctl_targets(struct ctl_ctx *c, size_t *n);
/* Opens NAME of T: its directory, and its record.  false (reported, the
 * command failed) if there is no such container. */
bool ctl_find(struct ctl_ctx *c, const struct ctl_target *t, const char *name,
    int *udir, int *dir, struct ctl_entry *e);
/* Closes what ctl_find opened. */
void ctl_done_one(int udir, int dir);

/* ---- the commands ---- */

void ctl_ps(struct ctl_ctx *c);            /* ctlps.c */
void ctl_port(struct ctl_ctx *c);          /* ctlps.c */
void ctl_each(struct ctl_ctx *c);          /* ctlact.c: stop, kill, rm, wait */
void ctl_logs(struct ctl_ctx *c);          /* ctllogs.c */
noreturn void ctl_exec(struct ctl_ctx *c); /* ctlexec.c */
noreturn void ctl_attach(struct ctl_ctx *c); /* ctlattach.c */

/* ---- ctltty.c: the caller's terminal ---- */

/* The caller's terminal in raw mode until exit, when stdin is one. */
void ctl_tty_raw(void);
/* Its mode back (also at exit). */
void ctl_tty_back(void);
/* SIGWINCH blocked and read from a signal descriptor: the window size
 * changes to relay. */
int ctl_winch_fd(void);
/* The caller's window size (its stdin's, else its stdout's) in *WS;
 * false when neither is a terminal. */
bool ctl_winsize(struct winsize *ws);
/* The caller's window size to the pty MASTER. */
void ctl_winsize_to(int master);

#endif
