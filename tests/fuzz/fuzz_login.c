/*
 * fuzz_login.c: libFuzzer target over ctr-launch-shell's pure half
 * (helper/loginargs.c).  The input's first byte picks the check; the rest
 * is a -c STRING (or, split at NUL bytes, an argument vector).  Nothing
 * may crash or leak, and an accepted host transfer MUST be one of the
 * three programs by its fixed path, with no word holding a byte a shell
 * would act on unquoted unless the input quoted it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "helper/loginargs.h"

#define FUZZ_MAX_ARGS 8

static void
check_transfer(const char *cmd)
{
	enum login_prog k = LOGIN_PROG_NONE;
	struct ctl_err err;
	char **v = login_transfer_argv(cmd, &k, &err);
	size_t n = 0;

	if (v == NULL) {
		if (memchr(err.msg, '\0', sizeof(err.msg)) == NULL)
			abort();
		return;
	}
	while (v[n] != NULL)
		n++;
	switch (k) {
	case LOGIN_PROG_SFTP:
		if (strcmp(v[0], LOGIN_SFTP_SERVER) != 0 || n != 1)
			abort();
		break;
	case LOGIN_PROG_SCP:
		if (strcmp(v[0], LOGIN_SCP) != 0 || n < 3)
			abort();
		break;
	case LOGIN_PROG_RSYNC:
		if (strcmp(v[0], LOGIN_RSYNC) != 0 || n < 4 ||
		    strcmp(v[1], "--server") != 0 || v[n - 1][0] == '-')
			abort();
		for (size_t i = 1; i < n; i++)
			if (strcmp(v[i], "--daemon") == 0 ||
			    strncmp(v[i], "--config", 8) == 0 ||
			    strncmp(v[i], "--rsh", 5) == 0)
				abort();
		break;
	default:
		abort();
	}
	/* An unquoted ';' can never reach an accepted vector's shape check
	 * as a separate word. */
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], ";") == 0 && strstr(cmd, "';'") == NULL &&
		    strstr(cmd, "\";\"") == NULL && strstr(cmd, "\\;") == NULL)
			abort();
	login_argv_free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *argv[FUZZ_MAX_ARGS + 1];
	struct ctl_err err;
	enum login_shape shape;
	const char *cmd;
	int argc = 0;

	if (size < 1)
		return 0;
	if ((buf = malloc(size)) == NULL)
		return 0;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	switch (data[0] % 4) {
	case 0:
		check_transfer(buf);
		break;
	case 1:
		(void)login_transfer_kind(buf);
		(void)login_is_shell(buf);
		break;
	case 2: {
		char **v = login_shell_argv("/bin/sh -l", buf);

		if (v == NULL || strcmp(v[2], "-c") != 0 ||
		    strcmp(v[3], buf) != 0)
			abort();
		login_argv_free(v);
		break;
	}
	default:
		for (char *p = buf; p < buf + size && argc < FUZZ_MAX_ARGS;) {
			argv[argc++] = p;
			p += strlen(p) + 1;
		}
		argv[argc] = NULL;
		if (login_shape(argc, argv, &shape, &cmd, &err) == 0) {
			if (shape == LOGIN_SHAPE_LOGIN ?
				(argc != 1 || argv[0][0] != '-') :
				(argc != 3 || strcmp(argv[1], "-c") != 0 ||
				    cmd != argv[2]))
				abort();
		}
		break;
	}
	free(buf);
	return 0;
}
