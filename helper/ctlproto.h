/*
 * ctlproto.h: the pure pieces of detached containers (DESIGN section 10):
 * the ctl protocol between a lifecycle command and a container's keeper,
 * the state records, what ps prints, and the log cap.  No system call
 * here: everything is unit-tested without root.  ctlproto.c has the
 * messages, the exec payload and the detach keys; ctlrecord.c the records,
 * the pruning and the log cap; ctltext.c what ps and logs print;
 * ctlargs.c the lifecycle commands' command lines.
 *
 * Invariants:
 * - A request or response MUST be exactly CTLP_REQ_LEN or CTLP_RESP_LEN
 *   bytes with the magic and a known version, else it is refused; nothing
 *   in a request names who asks (identity comes from the kernel).
 * - STOP, KILL and WAIT (ctlp_op_frozen) MUST keep their numbers, their
 *   request and their response as they are in version 1, in every
 *   version: a keeper serves them whatever version they carry, so that a
 *   ctr-launch of another version can still end a container (upgrades);
 *   any other request of another version is answered CTLP_EVERSION.
 * - A record line MUST NOT carry a newline or a control byte: values are
 *   percent-encoded (ctlp_info_format), and decoded bounded.
 * - Text for a terminal MUST have its control bytes escaped
 *   (ctlp_escape).
 */
#ifndef CTL_CTLPROTO_H
#define CTL_CTLPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/err.h"

#define CTLP_MAGIC      0x4b4c5443u /* "CTLK" */
#define CTLP_VERSION    1
#define CTLP_REQ_LEN    16
#define CTLP_RESP_LEN   56
#define CTLP_DATA_MAGIC 0x444c5443u /* "CTLD": log bytes follow */
#define CTLP_DATA_MAX   16384       /* log bytes in one message */
#define CTLP_EXEC_MAX   65536       /* bytes of an exec request's payload */
#define CTLP_EXEC_ARGS  1024        /* argv or env entries */

enum ctlp_op {
	CTLP_STATUS = 1, /* state, CPU and memory use */
	CTLP_STOP,       /* arg: grace seconds; answered when it ended */
	CTLP_KILL,       /* arg: the signal */
	CTLP_WAIT,       /* answered when it ended, with the status */
	CTLP_FOLLOW,     /* log_off now, then CTLP_DATA_MAGIC messages of
			  * the log's new bytes, then the end as CTLP_WAIT */
	CTLP_ATTACH,     /* the pty's output as CTLP_DATA_MAGIC messages;
			  * the client's CTLP_DATA_MAGIC messages go to the
			  * pty; the end as CTLP_WAIT */
	CTLP_WINSIZE,    /* attached: arg = rows << 16 | columns */
	CTLP_EXEC,       /* + the payload (ctlp_exec_encode) and 3 fds;
			  * answered with the command's status */
	CTLP_DETACH,     /* attached: the detach keys were typed; answered
			  * (op CTLP_DETACH), then the connection closes and
			  * the container runs on (a keeper without it says
			  * CTLP_EINVAL: the client leaves all the same) */
};

enum ctlp_err {
	CTLP_OK = 0,
	CTLP_EVERSION, /* the peer speaks another version (resp.version) */
	CTLP_EPERM,    /* the caller does not own the container */
	CTLP_EINVAL,   /* a bad operation or argument */
	CTLP_EBUSY,    /* too many clients */
	CTLP_EWHO,     /* the caller could not be identified (its process
			* gone, or the keeper out of descriptors) */
};

/* STOP, KILL or WAIT: served whatever the request's version. */
bool ctlp_op_frozen(uint32_t op);

struct ctlp_req {
	uint32_t version;
	uint32_t op;
	int32_t arg;
};

struct ctlp_resp {
	uint32_t version;
	uint32_t op;
	int32_t err;       /* enum ctlp_err */
	int32_t status;    /* the exit status once ended, else -1 */
	uint32_t running;  /* 1 while the container runs */
	uint64_t cpu_usec; /* CPU time used */
	uint64_t mem;      /* memory in use, bytes */
	uint64_t pids;     /* processes */
	uint64_t log_off;  /* CTLP_FOLLOW: the log's size when it began */
};

void ctlp_req_encode(const struct ctlp_req *, unsigned char out[CTLP_REQ_LEN]);
/* 0, or -1 for a bad length or magic; a wrong version decodes (the
 * receiver answers CTLP_EVERSION with its own). */
int ctlp_req_decode(const unsigned char *buf, size_t len, struct ctlp_req *);
void
ctlp_resp_encode(const struct ctlp_resp *, unsigned char out[CTLP_RESP_LEN]);
int ctlp_resp_decode(const unsigned char *buf, size_t len, struct ctlp_resp *);

/* The record of a container (the info file): written by its keeper. */
struct ctlp_info {
	uid_t uid;
	char name[64];
	char image[512];
	char command[1024]; /* argv joined by spaces, as ps shows it */
	int64_t created;    /* seconds since the epoch */
	pid_t keeper;
	bool tty;
	bool rm; /* --rm: the record goes when it ends */
	/* -p as ps shows it: "127.0.0.1:8888->8888/tcp", comma-separated;
	 * empty without -p (an optional key: older records lack it). */
	char ports[4096];
	/* A Slurm step's shared container (run --step-tasks): "J.S", the
	 * job and step ids K read from its own cgroup path; empty otherwise
	 * (an optional key). */
	char step[64];
	/* The keeper runs PAM's account check of every exec in the exec's
	 * own first process (kexec.c), and takes only the payload with the
	 * caller's terminal; older keepers' records lack the key, and their
	 * exec's launcher runs the check. */
	bool exec_account;
};

/* The end (the exit file): status -1 when unknown (the keeper died). */
struct ctlp_exit {
	int status;
	int64_t ended;
};

/* "key=value\n" lines, values percent-encoded.  -1 if LEN is too small. */
int ctlp_info_format(const struct ctlp_info *, char *buf, size_t len);
/* -1 on any line it does not understand or a missing key. */
int ctlp_info_parse(const char *buf, size_t len, struct ctlp_info *);
int ctlp_exit_format(const struct ctlp_exit *, char *buf, size_t len);
int ctlp_exit_parse(const char *buf, size_t len, struct ctlp_exit *);
/* ARGV joined by spaces into OUT (truncated with "..." when long). */
void ctlp_join(char *const *argv, char *out, size_t len);

/* Docker's human durations: "Less than a second", "5 seconds",
 * "About a minute", "3 minutes", "About an hour", "5 hours", "3 days",
 * "2 weeks", "3 months", "2 years". */
void ctlp_duration(int64_t secs, char *out, size_t len);
/* "Up 5 minutes", "Exited (0) 2 minutes ago", "Exited (unknown)". */
void ctlp_status_text(bool running, const struct ctlp_exit *e, int64_t created,
    int64_t now, char *out, size_t len);
/* "Created" column: "5 minutes ago". */
void ctlp_ago(int64_t then, int64_t now, char *out, size_t len);
/*
 * port: a record's ports (PORTS as ps shows them, "ADDR:HP->P/tcp"
 * joined by ',') as docker port prints them, one per line into OUT
 * (always terminated): "P/tcp -> ADDR:HP", or with PORT ("P" or
 * "P/tcp", as ctla_parse checked it) the "ADDR:HP" of each mapping of
 * that port.  The number of lines, or -1 for a record it cannot read.
 */
int ctlp_port_text(const char *ports, const char *port, char *out, size_t len);

/*
 * The log cap.  A log of SIZE bytes receives N more; CAP is the
 * per-container limit.  Returns how many of the existing bytes to keep
 * (the newest, from offset SIZE - keep) before appending, SIZE when no
 * trim is needed.  A trim keeps half the cap, so trims are rare; N beyond
 * the cap is cut by ctlp_log_take.
 */
uint64_t ctlp_log_keep(uint64_t size, uint64_t n, uint64_t cap);
/* Of N new bytes, how many (the last ones) may go into a log of CAP. */
uint64_t ctlp_log_take(uint64_t n, uint64_t cap);

/* Copies S into OUT with every control byte, DEL and backslash escaped as
 * \xHH (for a terminal).  Always terminates OUT. */
void ctlp_escape(const char *s, char *out, size_t len);
/* How many bytes at P (N of them, N > 0) a log shown on a terminal prints
 * as they are: 1 for newline, tab or printable ASCII, 2 to 4 for
 * well-formed UTF-8 of a character other than a C1 control; 0 when P[0]
 * is to be escaped; CTLP_TERM_MORE when P[0..N) begins such a sequence
 * that N cuts short. */
/* The container FILE belongs to when it is a log or its index
 * (NAME.log, NAME.idx): NAME into OUT (LEN bytes); false otherwise. */
bool ctlp_log_name(const char *file, char *out, size_t len);
#define CTLP_TERM_MORE ((size_t)-1)
size_t ctlp_term_unit(const unsigned char *p, size_t n);

/* --tail N: the offset in BUF[0..LEN) where the last N lines start. */
size_t ctlp_tail_offset(const char *buf, size_t len, uint64_t n);

/* A signal by name ("TERM", "SIGTERM", "kill") or number; -1 if none. */
int ctlp_signal(const char *s);

/*
 * Exited records to prune: N records with end times ENDED[] (any order),
 * older than KEEP seconds at NOW, or beyond MAX (the oldest first).  Sets
 * PRUNE[i]; returns how many.
 */
size_t ctlp_prune(const int64_t *ended, size_t n, int64_t now, uint64_t keep,
    uint64_t max, bool *prune);

/* ---- the lifecycle commands' command lines ---- */

enum ctla_cmd {
	CTLA_NONE,
	CTLA_PS,
	CTLA_LOGS,
	CTLA_STOP,
	CTLA_KILL,
	CTLA_RM,
	CTLA_WAIT,
	CTLA_EXEC,
	CTLA_ATTACH,
	CTLA_PORT,
};

#define CTLA_MAX_NAMES     256
#define CTLA_MAX_FILTERS   16
#define CTLA_MAX_ENV_FILES 16 /* as run's (ARGS_MAX_ENV_FILES) */

/* ps --filter KEY=VALUE, as docker ps takes them.  Filters of one key
 * match when any of them does; of different keys, when all of them do. */
enum ctla_filter_key {
	CTLA_F_NAME,     /* the name contains VALUE ('^', '$' anchor it) */
	CTLA_F_STATUS,   /* running or exited (docker's other states: none) */
	CTLA_F_EXITED,   /* exited with CODE */
	CTLA_F_ANCESTOR, /* the image, as a policy pattern: "busybox" is
			    every tag of it */
};

struct ctla_filter {
	enum ctla_filter_key key;
	const char *value; /* after "KEY=" */
	int code;          /* CTLA_F_EXITED */
};

struct ctla_request {
	enum ctla_cmd cmd;
	const char *verb; /* as typed, for messages */
	bool all;         /* ps -a */
	bool quiet;       /* ps -q */
	bool json;        /* ps --format json */
	bool raw;         /* --raw: control bytes as they are */
	bool no_trunc;    /* ps --no-trunc: whole commands */
	struct ctla_filter filters[CTLA_MAX_FILTERS]; /* ps --filter */
	size_t nfilters;
	long long last;            /* ps -n N, -l (1); -1: every container */
	bool follow;               /* logs -f */
	bool all_users;            /* root: --all-users */
	const char *user;          /* root: --user U */
	uint64_t tail;             /* logs --tail N (UINT64_MAX: all) */
	bool timestamps;           /* logs -t */
	const char *since, *until; /* logs --since, --until (checked) */
	int time;                  /* stop -t (default 10) */
	int signal;                /* kill -s (default KILL) */
	bool force;                /* rm -f */
	bool interactive;          /* exec -i */
	bool tty;                  /* exec -t */
	bool detach;               /* exec -d */
	const char *workdir;       /* exec -w (absolute) */
	const char *envs[CTLP_EXEC_ARGS]; /* exec -e KEY[=VALUE] */
	size_t nenvs;
	const char *env_files[CTLA_MAX_ENV_FILES]; /* exec --env-file */
	size_t nenv_files;
	char *const *command;    /* exec: NAME's command, NULL-terminated */
	const char *detach_keys; /* attach --detach-keys */
	const char *port;        /* port NAME [PORT[/tcp]]: the port, or NULL */
	const char *names[CTLA_MAX_NAMES];
	size_t nnames;
	bool help; /* --help, -h: the usage, and nothing else */
};

/*
 * ps: whether a container (NAME, IMAGE as its record holds it, RUNNING,
 * or its exit STATUS when it has ended, -1 when unknown) is listed: every
 * filter key of R must match (each key when any of its filters does),
 * and without -a, -n or -l, a status or exited filter, it must run.
 * Pure.
 */
bool ctla_ps_wanted(const struct ctla_request *r, const char *name,
    const char *image, bool running, int status);

/* Is VERB one of the lifecycle commands? */
bool ctla_is_command(const char *verb);
/*
 * Parses ARGV (argv[1] the verb) into *R (pointing into ARGV).  Every
 * NAME must be a valid container name (args_valid_name).  0, or -1 with
 * one line in E.
 */
int ctla_parse(int argc, char *const argv[], struct ctla_request *r,
    struct ctl_err *e);

/* S as the body of a JSON string (quotes, backslashes, control bytes and
 * bytes above 0x7e escaped as \u00XX).  Always terminates OUT. */
void ctlp_json(const char *s, char *out, size_t len);

/* ---- exec ---- */

#define CTLP_TERMINAL_MAX 128 /* bytes of a terminal's name, with the NUL */

/* What exec asks for: argv (non-empty), -e entries "KEY=VALUE", -w
 * (absolute, or "" for the container's working directory), and the
 * caller's terminal as their launcher found it ("" for none), PAM_TTY of
 * the account check the keeper's child runs (kexec.c). */
struct ctlp_exec {
	char **argv;
	char **env;
	char *workdir;
	char *terminal;
	bool tty;
	bool detach; /* exec -d: answered once the command runs */
	char *buf;   /* the strings point into it */
};

/* A terminal's name as a payload carries it: "", or "/dev/..." shorter
 * than CTLP_TERMINAL_MAX with no space or control byte. */
bool ctlp_terminal_ok(const char *s);

/* The payload: "P0" or "P1" (-t) NUL, the caller's terminal NUL, workdir
 * NUL, argc entries each NUL terminated, a lone NUL, env entries each
 * NUL-terminated.  An argv with an empty entry is counted instead: "C0"
 * or "C1", terminal, workdir, argc in decimal NUL, the argc entries, one
 * at least empty (keepers before it refuse that payload), env entries.
 * DETACH (exec -d, never with TTY) writes "PD" or "CD", which keepers
 * before it refuse.
 * With TERMINAL NULL, the payload of a keeper that predates the account
 * check in its child (the record lacks exec_account): "E0" or "E1" and no
 * terminal; this keeper refuses it.  Returns its length, or -1 when it would not
 * fit LEN or CTLP_EXEC_MAX, TERMINAL is not ctlp_terminal_ok, TTY and
 * DETACH are both set, or an empty entry or DETACH is to go to such an
 * older keeper. */
ssize_t
ctlp_exec_encode(char *const *argv, char *const *env, const char *workdir,
    bool tty, bool detach, const char *terminal, char *buf, size_t len);
/* 0, or -1 for anything else (bounds, the older "E" payload, a bad
 * terminal, an empty argv, a bad -e key, a relative workdir, a missing
 * terminator).  Free with ctlp_exec_free. */
int ctlp_exec_decode(const char *buf, size_t len, struct ctlp_exec *out);
void ctlp_exec_free(struct ctlp_exec *);
/* BASE's entries, each replaced by an OVER entry of the same key, then
 * the OVER entries of new keys.  NULL when out of memory.  The strings
 * are shared, the array is new. */
char **ctlp_env_merge(char *const *base, char *const *over);

/* ---- attach ---- */

#define CTLP_DETACH_MAX 8 /* keys in a detach sequence */

/* The detach sequence (Docker's --detach-keys, default ctrl-p,ctrl-q) and
 * how much of it the input has matched so far. */
struct ctlp_detach {
	unsigned char keys[CTLP_DETACH_MAX];
	size_t nkeys;
	size_t matched;
};

/* Parses "ctrl-p,ctrl-q" (ctrl-@ .. ctrl-_, a-z after ctrl-, or single
 * printable characters) into D.  0, or -1. */
int ctlp_detach_parse(const char *spec, struct ctlp_detach *d);
/*
 * Feeds IN[0..LEN) through D: writes to OUT (room for LEN +
 * CTLP_DETACH_MAX bytes) what goes to the container, in order, holding
 * back a partial match (sent when the match breaks).  Returns true when
 * the whole sequence was typed (the rest of IN is dropped).
 */
bool ctlp_detach_feed(struct ctlp_detach *d, const unsigned char *in,
    size_t len, unsigned char *out, size_t *outlen);

#endif
