/*
 * ctl.h: the lifecycle commands ps, logs, stop, kill, rm and wait
 * (DESIGN section 10): requests to the keepers of detached containers.
 */
#ifndef CTL_CTL_H
#define CTL_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdnoreturn.h>

#include "helper/ctlproto.h"

/* After step 0 (CALLER: what it saved of the caller, their environment
 * as inert data for exec -e KEY, logs' TZ, their working directory for
 * exec --env-file): parses ARGV (argv[1] one of ctla_is_command's verbs),
 * identifies the caller from the kernel and runs the command; exits. */
struct plan_caller;
noreturn void ctl_main(int argc, char **argv, const struct plan_caller *caller);
/* Under the user's lock: removes the records (in UDIR) and logs (in
 * LOGDIR, or -1) of the user's ended containers beyond P's keep_exited
 * and max_exited, and logs whose record is gone. */
struct launch_plan;
void ctl_prune_dir(const struct launch_plan *p, int udir, int logdir);
/* P0 of a Slurm step's task (run --step-tasks): the exec request PAYLOAD
 * (ctlp_exec_encode) on SOCK, a connection to the step container's keeper
 * that K handed over, with the caller's stdio (-t: a pty of the
 * container's own); relays and returns the status.  The signals read from
 * SFD (a signalfd of all of them) go to the step's keeper as MON_SIGNAL
 * on KSOCK (-1: dropped). */
int ctl_exec_handed(int sock, const char *payload, size_t len, bool tty,
    bool interactive, int sfd, int ksock);

/* How an attached client relays (attach, and the launcher of run -it,
 * P0 in front.c). */
struct ctl_relay {
	struct ctlp_detach keys; /* the detach keys */
	/* The launcher: a signalfd of every signal (blocked) and P1's
	 * pidfd; HUP, INT, QUIT, TERM, USR1, USR2 and ALRM go to the
	 * container's init, WINCH to the pty, and its stdin is already raw.
	 * Else both -1: SIGWINCH only. */
	int sfd;
	int pidfd;
};

/* Relays the caller's terminal and an attached client's connection SOCK
 * to a container's keeper until the detach keys (a CTLP_DETACH request,
 * answered, then exit 0) or the container's end (exit with its status);
 * 125 if the keeper goes. */
noreturn void ctl_attach_relay(int sock, struct ctl_relay *r);

/* The caller's standard input ended under -t -i (a pipe, a file): the
 * terminal's end-of-file character to MASTER, twice (the first ends a line
 * not ended), so that a reader of the pty in canonical mode sees the end
 * as at the keyboard; a pty in raw mode gets nothing. */
void ctl_pty_eof(int master);

#endif
