/*
 * ctltty.c: the caller's terminal for exec -t and attach: raw mode until
 * exit, and its window size for the container's pty; the end of a
 * caller's input that is not a terminal, for run -it and exec -it.
 *
 * Invariants:
 * - A terminal put in raw mode MUST get its mode back at exit.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "lib/io.h"
#include "helper/ctl.h"
#include "helper/ctl_priv.h"
#include "helper/log.h"

static struct termios tty_saved;
static bool tty_is_raw;

void
ctl_tty_back(void)
{
	if (tty_is_raw)
		(void)tcsetattr(STDIN_FILENO, TCSADRAIN, &tty_saved);
	tty_is_raw = false;
}

/* The caller's terminal in raw mode until exit, when stdin is one. */
void
ctl_tty_raw(void)
{
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &tty_saved) == 0) {
		struct termios t = tty_saved;

		cfmakeraw(&t);
		if (tcsetattr(STDIN_FILENO, TCSADRAIN, &t) == 0)
			tty_is_raw = true;
		atexit(ctl_tty_back);
	}
}

/* SIGWINCH blocked and read from a signal descriptor: the window size
 * changes to relay. */
int
ctl_winch_fd(void)
{
	sigset_t winch;
	int sfd;

	sigemptyset(&winch);
	sigaddset(&winch, SIGWINCH);
	if (sigprocmask(SIG_BLOCK, &winch, NULL) != 0 ||
	    (sfd = (int)syscall(SYS_signalfd4, -1, &winch, (size_t)(_NSIG / 8),
		 SFD_CLOEXEC)) < 0)
		die_errno("signalfd");
	return sfd;
}

bool
ctl_winsize(struct winsize *ws)
{
	return ioctl(STDIN_FILENO, TIOCGWINSZ, ws) == 0 ||
	    ioctl(STDOUT_FILENO, TIOCGWINSZ, ws) == 0;
}

void
ctl_winsize_to(int master)
{
	struct winsize ws;

	if (ctl_winsize(&ws))
		(void)ioctl(master, TIOCSWINSZ, &ws);
}

void
ctl_pty_eof(int master)
{
	struct termios t;

	char eof[2];

	if (tcgetattr(master, &t) != 0 || !(t.c_lflag & ICANON) ||
	    t.c_cc[VEOF] == _POSIX_VDISABLE)
		return;
	eof[0] = eof[1] = (char)t.c_cc[VEOF];
	/* A failure: the container is gone, nothing to tell. */
	(void)!io_write_all(master, eof, sizeof(eof));
}
