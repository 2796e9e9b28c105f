/*
 * io.c: the one write-all loop (io.h).
 */
#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "lib/io.h"

int
io_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd pf = { fd, POLLOUT, 0 };

			(void)poll(&pf, 1, 1000);
			continue;
		}
		if (n == 0)
			errno = EIO;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
