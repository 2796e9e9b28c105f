/*
 * exec0.c: executes a program with argc == 0 and a hostile environment,
 * as the pkexec exploit did (CVE-2021-4034).
 *
 * Usage: exec0 PROGRAM [NAME=VALUE...]  (the environment given is the only
 * one the program gets)
 *
 * Invariants:
 * - The program MUST receive an empty argv (a NULL argv[0]).
 */
#include <stdio.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	char *none[] = { NULL };

	if (argc < 2) {
		fprintf(stderr, "usage: exec0 PROGRAM [NAME=VALUE...]\n");
		return 2;
	}
	execve(argv[1], none, argv + 2);
	perror("execve");
	return 127;
}
