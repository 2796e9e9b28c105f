/*
 * args.h: the command line of ctr-launch (step 1 of DESIGN section 5),
 * parsed into a request without any side effect.
 */
#ifndef CTL_ARGS_H
#define CTL_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/policy.h"

#define ARGS_MAX_ARGC      4096  /* argument vector entries */
#define ARGS_MAX_ARGLEN    4096  /* bytes in one option value or path */
#define ARGS_MAX_CMDLEN    65536 /* bytes in one command argument */
#define ARGS_MAX_VOLUMES   64
#define ARGS_MAX_ENVS      1024
#define ARGS_MAX_ENV_FILES 16
#define ARGS_NAME_MAX      63
#define ARGS_PIDS_MAX      4194304 /* the kernel's PID_MAX_LIMIT */

enum args_cmd {
	ARGS_CMD_RUN,
	ARGS_CMD_IMAGES,
	ARGS_CMD_INFO,
	ARGS_CMD_VERSION,
	ARGS_CMD_HELP,
};

enum args_net {
	ARGS_NET_DEFAULT,
	ARGS_NET_HOST,
	ARGS_NET_NONE,
	ARGS_NET_PRIVATE,
};

struct args_volume {
	char *src; /* absolute, normal */
	char *dst; /* absolute, normal, not "/" */
	enum policy_mode mode;
};

struct args_request {
	enum args_cmd cmd;
	bool interactive; /* -i */
	bool tty;         /* -t */
	bool rm;          /* --rm (accepted; containers are always removed) */
	bool dry_run;
	bool json;      /* images, info: --format json */
	bool detach;    /* -d */
	char *name;     /* --name, validated, or NULL */
	char *hostname; /* --hostname, validated, or NULL */
	char *workdir;  /* -w, absolute and normal, or NULL */
	char *entrypoint;
	bool has_entrypoint; /* --entrypoint given (even "") */
	/* --env-file paths, in order (each opened as the caller). */
	char **env_files;
	size_t nenv_files;
	enum args_net net;
	bool has_cpus, has_memory, has_pids;
	uint64_t cpus;   /* thousandths of a CPU, > 0 */
	uint64_t memory; /* bytes, > 0 */
	uint64_t pids;   /* 1..ARGS_PIDS_MAX */
	struct args_volume *volumes;
	size_t nvolumes;
	char **envs; /* "KEY" or "KEY=VALUE", KEY validated */
	size_t nenvs;
	struct policy_publish *publish; /* -p, parsed (POLICY_PUBLISH_MAX) */
	size_t npublish;
	char *user;     /* -u as written; the plan checks it is the caller */
	char *image;    /* as written; canonicalised by the plan */
	char **command; /* NULL-terminated, possibly empty */
	size_t ncommand;
	/* --step-tasks N: a Slurm step's N local tasks share one container
	 * (keeper.c); 0 without it. */
	unsigned step_tasks;
	/* --detach-keys, validated, or NULL */
	char *detach_keys;
};

/*
 * Parses ARGV (ARGC entries, argv[0] the program name) into *REQ.  Returns
 * 0, or -1 with one line in E saying what was refused and why.  Touches
 * nothing outside *REQ and E.
 */
int args_parse(int argc, char *const argv[], struct args_request *req,
    struct ctl_err *e);
void args_free(struct args_request *req);

/* Validators shared with the plan. */
bool args_valid_name(const char *s);     /* [A-Za-z0-9][A-Za-z0-9_.-]{0,62} */
bool args_valid_hostname(const char *s); /* one RFC 1123 label */
bool args_valid_envkey(const char *s, size_t len); /* [A-Za-z_][A-Za-z0-9_]* */
/* run's and exec's -w: NULL when PATH may be a working directory (an
 * absolute, normal path, not under /proc), else why not. */
const char *args_workdir_refusal(const char *path);

/* The text of --help. */
extern const char args_usage[];

#endif
