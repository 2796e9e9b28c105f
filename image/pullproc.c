/*
 * pullproc.c: the network child of ctr-image pull as a process (see
 * pull.h): its start (no store, no terminal, ctr-pull, seccomp, killed
 * with root) and the relay of what it prints to root's stdout and stderr.
 *
 * Invariants:
 * - The child MUST hold no descriptor of root's terminal and MUST run in
 *   a session of its own before it drops its privileges.
 * - What the child prints MUST reach root's terminal escaped
 *   (text_escape), but for CR, LF, ESC [ K and ESC [ N A.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "image/import.h"
#include "image/pull.h"
#include "lib/io.h"
#include "lib/textesc.h"

/* In the child: nothing of the store and nothing of the terminal (a
 * session of its own; stdin on /dev/null, stdout and stderr on the pipes
 * OUT and ERR that root relays), then ctr-pull, no privilege, and killed
 * with root (PARENT). */
void
pull_child_start(struct store *s, int sock, const int out[2], const int err[2],
    const struct pull_job *j, uid_t uid, gid_t gid, pid_t parent)
{
	int fds[] = { s->fd, s->images, s->layers, s->l, s->tmp, s->work };
	struct pull_msg m;
	rlim_t cap = j->max_size > PULL_META_MAX ? j->max_size : PULL_META_MAX;
	struct rlimit fsize = { .rlim_cur = cap, .rlim_max = cap };
	int null;

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	null = open("/dev/null", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (setsid() == -1 || null == -1 ||
	    dup3(null, STDIN_FILENO, O_CLOEXEC) == -1 ||
	    dup3(out[1], STDOUT_FILENO, O_CLOEXEC) == -1 ||
	    dup3(err[1], STDERR_FILENO, O_CLOEXEC) == -1 ||
	    setgroups(0, NULL) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1 ||
	    setrlimit(RLIMIT_FSIZE, &fsize) == -1 ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1 ||
	    getppid() != parent ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1 || chdir("/") == -1 ||
	    setuid(0) != -1 || pull_seccomp() == -1) {
		memset(&m, 0, sizeof(m));
		m.kind = 'X';
		snprintf(m.text, sizeof(m.text),
		    "cannot set up the download process as the user %s: %s",
		    PULL_USER, strerror(errno));
		(void)!send(sock, &m, sizeof(m), MSG_NOSIGNAL);
		_exit(1);
	}
	close(null);
	close(out[0]);
	close(out[1]);
	close(err[0]);
	close(err[1]);
	pull_child(sock, j);
}

static void
relay_put(char *o, size_t *no, unsigned char c)
{
	if (c == '\n' || c == '\r')
		o[(*no)++] = (char)c;
	else
		*no += text_escape_mem(&c, 1, o + *no, 5);
}

int
pull_relay_run(struct relay *r)
{
	unsigned char in[4096];
	char o[sizeof(in) * 4 + 64];
	size_t no = 0;
	ssize_t n = read(r->from, in, sizeof(in));

	if (n == -1 && errno == EINTR)
		return 0;
	if (n <= 0) {
		for (size_t i = 0; i < r->nseq; i++)
			relay_put(o, &no, (unsigned char)r->seq[i]);
		r->nseq = 0;
		(void)!io_write_all(r->to, o, no);
		return -1;
	}
	for (ssize_t i = 0; i < n; i++) {
		unsigned char c = in[i];

		if (r->nseq == 0 && c != 0x1b) {
			relay_put(o, &no, c);
			continue;
		}
		r->seq[r->nseq++] = (char)c;
		if (r->nseq == 1 || (r->nseq == 2 && c == '[') ||
		    (r->nseq < sizeof(r->seq) && c >= '0' && c <= '9'))
			continue;
		if ((c == 'K' && r->nseq == 3) || (c == 'A' && r->nseq > 3)) {
			memcpy(o + no, r->seq, r->nseq);
			no += r->nseq;
		} else {
			for (size_t k = 0; k < r->nseq; k++)
				relay_put(o, &no, (unsigned char)r->seq[k]);
		}
		r->nseq = 0;
	}
	(void)!io_write_all(r->to, o, no);
	return 0;
}
/* Relays R until both reach their end (or the child is killed). */
void
pull_relay_drain(struct relay r[2])
{
	struct pollfd p[2];

	for (;;) {
		nfds_t np = 0;

		for (size_t i = 0; i < 2; i++)
			if (r[i].from >= 0)
				p[np++] = (struct pollfd){ .fd = r[i].from,
					.events = POLLIN };
		if (np == 0 || import_interrupted)
			return;
		if (poll(p, np, -1) == -1) {
			if (errno == EINTR)
				continue;
			return;
		}
		for (size_t i = 0; i < 2; i++)
			for (nfds_t k = 0; k < np; k++)
				if (p[k].fd == r[i].from && p[k].revents &&
				    pull_relay_run(&r[i]) == -1) {
					close(r[i].from);
					r[i].from = -1;
				}
	}
}
