/*
 * echod.c: a tiny TCP echo server for the published-ports tests and
 * benchmarks, built static so that it runs in the busybox test image:
 *   echod PORT [sink]  listens on 127.0.0.1:PORT (backlog 4096), one
 *                process per connection, echoes every byte and closes after
 *                EOF; with "sink", reads to EOF and answers "ok\n" (the
 *                throughput benchmark); with "hold", reads to EOF and then
 *                neither writes nor closes until it is killed (a service
 *                still working on its answer).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char buf[1 << 20];

static void
sink(int c)
{
	ssize_t n;

	while ((n = read(c, buf, sizeof(buf))) > 0)
		;
	_exit(n == 0 && write(c, "ok\n", 3) == 3 ? 0 : 1);
}

static void
hold(int c)
{
	while (read(c, buf, sizeof(buf)) > 0)
		;
	for (;;)
		pause();
}

static void
serve(int c)
{
	ssize_t n;

	while ((n = read(c, buf, sizeof(buf))) > 0)
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(c, buf + off, (size_t)(n - off));

			if (w <= 0)
				_exit(1);
			off += w;
		}
	_exit(n == 0 ? 0 : 1);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int one = 1, s;

	if (argc != 2 && argc != 3)
		return 2;
	signal(SIGCHLD, SIG_IGN);
	a.sin_port = htons((unsigned short)atoi(argv[1]));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(s, 4096) != 0) {
		perror("echod");
		return 1;
	}
	for (;;) {
		int c = accept(s, NULL, NULL);

		if (c < 0)
			continue;
		if (fork() == 0) {
			close(s);
			if (argc == 3 && strcmp(argv[2], "hold") == 0)
				hold(c);
			if (argc == 3)
				sink(c);
			serve(c);
		}
		close(c);
	}
}
