/*
 * ctlattach.c: attach, the caller's terminal to the pty of a container
 * started with -t, and the relay it shares with the launcher of run -it
 * (ctl_attach_relay, front.c) until the detach keys or the end.
 *
 * Invariants:
 * - attach MUST drop to the caller once the keeper accepted the client;
 *   PAM's account check runs every time.
 * - The detach keys typed are never sent to the container; what was held
 *   back of a partial match is (ctlp_detach_feed).
 * - Signals go only to the launcher's own container init (its pidfd,
 *   run -it); attach itself signals nothing.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h> /* struct winsize */
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/io.h"
#include "helper/auth.h"
#include "helper/creds.h"
#include "helper/ctl.h"
#include "helper/ctl_priv.h"
#include "helper/ctlproto.h"
#include "helper/front.h"
#include "helper/keeper.h"
#include "helper/log.h"
#include "helper/monitor.h"
#include "helper/plan.h"

/* The relay's end without an answer: K dropped a client that did not
 * keep up, or K is gone (the launcher's only end). */
static const char *relay_gone =
    "attach: the container's output was more than could be relayed; attach again";

/* False when K takes no more: it is ending, and its last answer (the
 * status) is still to be read. */
static bool
send_data(int sock, const unsigned char *buf, size_t len)
{
	unsigned char b[4 + CTLP_DATA_MAX];

	while (len > 0) {
		size_t n = len < CTLP_DATA_MAX ? len : CTLP_DATA_MAX;

		b[0] = (unsigned char)(CTLP_DATA_MAGIC & 0xff);
		b[1] = (unsigned char)((CTLP_DATA_MAGIC >> 8) & 0xff);
		b[2] = (unsigned char)((CTLP_DATA_MAGIC >> 16) & 0xff);
		b[3] = (unsigned char)(CTLP_DATA_MAGIC >> 24);
		memcpy(b + 4, buf, n);
		if (send(sock, b, n + 4, MSG_NOSIGNAL) != (ssize_t)(n + 4))
			return false;
		buf += n;
		len -= n;
	}
	return true;
}

static void
send_winsize(int sock)
{
	struct winsize ws;
	struct ctlp_req q = { CTLP_VERSION, CTLP_WINSIZE, 0 };
	unsigned char b[CTLP_REQ_LEN];

	if (!ctl_winsize(&ws))
		return;
	q.arg = (int32_t)((uint32_t)ws.ws_row << 16 | ws.ws_col);
	ctlp_req_encode(&q, b);
	(void)send(sock, b, sizeof(b), MSG_NOSIGNAL);
}

/* The launcher's signals: to the container's init, as the front of a
 * foreground run forwards them (front_forwards); SIGWINCH to the pty. */
static void
relay_signals(int sock, const struct ctl_relay *r)
{
	struct signalfd_siginfo si;

	while (read(r->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGWINCH)
			send_winsize(sock);
		else if (front_forwards((int)si.ssi_signo) && r->pidfd >= 0)
			(void)syscall(SYS_pidfd_send_signal, r->pidfd,
			    (int)si.ssi_signo, NULL, 0);
		if (r->pidfd < 0)
			break; /* attach's own descriptor blocks */
	}
}

/* The detach keys were typed: K is told (it answers), the container
 * runs on. */
static bool
send_detach(int sock)
{
	struct ctlp_req q = { CTLP_VERSION, CTLP_DETACH, 0 };
	unsigned char b[CTLP_REQ_LEN];

	ctlp_req_encode(&q, b);
	return send(sock, b, sizeof(b), MSG_NOSIGNAL) == (ssize_t)sizeof(b);
}

/* The caller's input on stdin to the container, less the detach keys:
 * once they are typed, K is asked to detach (*DETACHING).  *INPUT false
 * at the input's end, and when K takes no more (the container ended as
 * the keys were typed: its status comes all the same). */
static void
relay_input(int sock, struct ctl_relay *r, bool *input, bool *detaching)
{
	unsigned char in[4096];
	unsigned char out[4096 + CTLP_DETACH_MAX];
	size_t olen;
	ssize_t n = read(STDIN_FILENO, in, sizeof(in));

	if (n <= 0) {
		*input = false;
	} else if (ctlp_detach_feed(&r->keys, in, (size_t)n, out, &olen)) {
		/* The answer, then exit 0 (the output that comes first is
		 * still shown). */
		if (send_data(sock, out, olen) && send_detach(sock))
			*detaching = true;
		else
			*input = false;
	} else if (!send_data(sock, out, olen)) {
		*input = false;
	}
}

/* What comes from K on SOCK: the pty's bytes to the caller's stdout
 * (dropped once *OUT_FAILED), else the end: exits with the container's
 * status, or 0 when detached. */
static void
relay_output(int sock, const struct ctl_relay *r, bool detaching,
    bool *out_failed)
{
	unsigned char in[4 + CTLP_DATA_MAX];
	struct ctlp_resp resp;
	ssize_t n = recv(sock, in, sizeof(in), 0);

	if (n > 0 && ctl_is_data(in, n)) {
		if (*out_failed)
			return;
		/* The pty's bytes to the caller's terminal, as they are (it
		 * is theirs). */
		if (io_write_all(STDOUT_FILENO, (const char *)in + 4,
			(size_t)n - 4) == 0)
			return;
		if (r->pidfd < 0)
			exit(0);
		/* The launcher's output is gone (a closed pipe): SIGPIPE
		 * inside, as in a pipeline, and the output is dropped. */
		(void)syscall(SYS_pidfd_send_signal, r->pidfd, SIGPIPE, NULL,
		    0);
		*out_failed = true;
		return;
	}
	ctl_tty_back();
	/* attach: a keeper that closed instead of answering the detach (its
	 * socket was full) let it go. */
	if (n <= 0 && detaching && r->pidfd < 0)
		exit(0);
	if (n <= 0 || ctlp_resp_decode(in, (size_t)n, &resp) != 0)
		die("%s", relay_gone);
	/* Detached (a keeper without CTLP_DETACH says EINVAL to it: detached
	 * all the same). */
	if (resp.op == CTLP_DETACH)
		exit(0);
	exit(
	    resp.status < 0 || resp.status > 255 ? CTL_EXIT_FAIL : resp.status);
}

noreturn void
ctl_attach_relay(int sock, struct ctl_relay *r)
{
	bool input = true, detaching = false, out_failed = false;

	if (r->pidfd >= 0)
		relay_gone = "the keeper process died; the container is gone";
	if (r->sfd < 0) {
		r->sfd = ctl_winch_fd();
		ctl_tty_raw();
	}
	send_winsize(sock);
	for (;;) {
		struct pollfd pf[3] = {
			{ sock, POLLIN, 0 },
			{ input && !detaching ? STDIN_FILENO : -1, POLLIN, 0 },
			{ r->sfd, POLLIN, 0 },
		};

		if (poll(pf, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			die_errno("poll");
		}
		if (pf[2].revents)
			relay_signals(sock, r);
		if (pf[1].revents)
			relay_input(sock, r, &input, &detaching);
		if (pf[0].revents)
			relay_output(sock, r, detaching, &out_failed);
	}
}

noreturn void
ctl_attach(struct ctl_ctx *c)
{
	size_t n;
	struct ctl_target *t = ctl_targets(c, &n);
	const char *name = c->req->names[0];
	int udir, dir, sock;
	struct ctl_entry e;
	struct ctlp_resp r;
	struct ctl_relay rl = { .sfd = -1, .pidfd = -1 };

	if (ctlp_detach_parse(c->req->detach_keys != NULL ?
		    c->req->detach_keys :
		    "ctrl-p,ctrl-q",
		&rl.keys) != 0)
		die("attach: bad --detach-keys");
	if (c->plan != NULL)
		auth_account(c->plan);
	if (!ctl_find(c, &t[0], name, &udir, &dir, &e))
		exit(CTL_EXIT_FAIL);
	if (!e.running)
		die("attach: container %s is not running", name);
	if (!e.info.tty)
		die("attach: container %s was not started with -t (see logs -f)",
		    name);
	if ((sock = keeper_connect(dir)) < 0 ||
	    ctl_ask(sock, CTLP_ATTACH, 0, &r) != 0)
		die("attach: container %s is not running", name);
	ctl_done_one(udir, dir);
	free(t);
	/* Busy with an attached client (the keeper's answer to attach);
	 * busy with as many clients as it takes is ctl_resp_check's. */
	if (r.err == CTLP_EBUSY && r.op == CTLP_ATTACH)
		die("attach: another client is attached to %s", name);
	ctl_resp_check(name, &r);
	if (r.err != CTLP_OK)
		die("attach: container %s refused it", name);
	if (c->plan != NULL)
		creds_drop_front(c->plan);
	ctl_attach_relay(sock, &rl);
}
