/*
 * evil.c: a hostile shared object for the attack suite (pkexec
 * CVE-2021-4034, docker cp CVE-2019-14271, sudo CVE-2025-32463): used as
 * LD_PRELOAD, a gconv module and an NSS module.  When loaded, it appends
 * "pid uid euid" to the file named by CTL_EVIL_MARK (a build-time path)
 * and writes "ctl-evil loaded: pid uid euid" to its stderr: inside a
 * container, whose root is read-only and may have no directory of the
 * mark's path, the file cannot be written, the stderr line still reaches
 * the caller.
 *
 * Invariants:
 * - Loading it anywhere MUST leave a trace in CTL_EVIL_MARK or on stderr,
 *   so a test that finds neither proves it was never loaded.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The suite always builds with -DCTL_EVIL_MARK="/path". */
#ifndef CTL_EVIL_MARK
#define CTL_EVIL_MARK "/nonexistent/ctl-evil-mark"
#endif

__attribute__((constructor)) static void
evil_init(void)
{
	char line[64], said[96];
	int fd, n;

	n = snprintf(line, sizeof(line), "%d %d %d\n", (int)getpid(),
	    (int)getuid(), (int)geteuid());
	if (n <= 0)
		return;
	if (snprintf(said, sizeof(said), "ctl-evil loaded: %s", line) > 0 &&
	    write(STDERR_FILENO, said, strlen(said)) < 0)
		n = 0;
	fd = open(CTL_EVIL_MARK, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0666);
	if (fd == -1)
		return;
	if (write(fd, line, (size_t)n) < 0)
		n = 0;
	close(fd);
}

/* gconv module entry points, so iconv_open accepts the module. */
int gconv_init(void *step);
int gconv(void *step, void **data, const unsigned char **in,
    const unsigned char *end, unsigned char **out, size_t *irrev, int flush,
    int safe);
void gconv_end(void *step);

int
gconv_init(void *step)
{
	return 0;
}

int
gconv(void *step, void **data, const unsigned char **in,
    const unsigned char *end, unsigned char **out, size_t *irrev, int flush,
    int safe)
{
	return 0;
}

void
gconv_end(void *step)
{
}
