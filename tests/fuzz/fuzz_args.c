/*
 * fuzz_args.c: libFuzzer target over the command-line parser
 * (helper/args.c).  The input is split at NUL bytes into an argument
 * vector after "ctr-launch"; the parser MUST neither crash nor leak, and
 * an accepted request MUST satisfy the parser's own invariants.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "helper/args.h"

#define FUZZ_MAX_ARGS 256

static void
check(const struct args_request *r)
{
	if (r->cmd != ARGS_CMD_RUN)
		return;
	if (r->image == NULL || r->image[0] == '\0' || r->command == NULL ||
	    r->command[r->ncommand] != NULL)
		abort();
	if (r->name != NULL && !args_valid_name(r->name))
		abort();
	if (r->hostname != NULL && !args_valid_hostname(r->hostname))
		abort();
	for (size_t i = 0; i < r->nvolumes; i++)
		if (r->volumes[i].src[0] != '/' ||
		    r->volumes[i].dst[0] != '/' ||
		    strcmp(r->volumes[i].dst, "/") == 0)
			abort();
	if (r->has_pids && (r->pids == 0 || r->pids > ARGS_PIDS_MAX))
		abort();
	if ((r->has_cpus && r->cpus == 0) || (r->has_memory && r->memory == 0))
		abort();
	if (r->nenv_files > ARGS_MAX_ENV_FILES)
		abort();
	for (size_t i = 0; i < r->nenv_files; i++)
		if (r->env_files[i] == NULL || r->env_files[i][0] == '\0')
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *argv[FUZZ_MAX_ARGS + 2];
	char self[] = "ctr-launch";
	struct ctl_err err;
	struct args_request r;
	int argc = 1;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[0] = self;
	for (char *p = buf; p <= buf + size && argc <= FUZZ_MAX_ARGS;) {
		argv[argc++] = p;
		p += strlen(p) + 1;
	}
	argv[argc] = NULL;
	if (args_parse(argc, argv, &r, &err) == 0) {
		check(&r);
		args_free(&r);
	}
	free(buf);
	return 0;
}
