/*
 * policy.h: the policy library's public interface.
 *
 * The policy library parses the administrator's INI policy
 * (ctr-launch.policy(5)) and evaluates it for one caller.  It is pure: no
 * privilege, no output, no exit; functions return 0 (or a pointer) on
 * success and -1 (or NULL) with an error filled on failure.  The setuid
 * helper, ctr-policy and ctr-image link it.
 *
 * Invariants:
 * - A policy with any error MUST be rejected whole: policy_load_*() never
 *   returns a partially loaded policy.
 * - The raw text MUST pass the pre-check (no line inih r55 would split,
 *   truncate, continue or re-split) before inih sees it.
 * - A loaded policy MUST be immutable.
 * - Evaluation MUST depend only on the policy and the identity given;
 *   it makes no NSS lookups of its own.
 * - Paths MUST match by whole components ("/scratch/al" never covers
 *   "/scratch/alice").
 * - A template whose expansion is not an absolute, normal path other than
 *   "/" MUST make that entry unusable for that caller, never wider.
 */
#ifndef CTL_POLICY_H
#define CTL_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "lib/err.h"
#include "lib/wur.h"

#define POLICY_FILE      CTL_SYSCONFDIR "/ctr-launch/policy.ini"
#define POLICY_MAX_SIZE  (4u << 20) /* bytes read at most */
#define POLICY_UNLIMITED UINT64_MAX

/* Every error of one load, in line order (ctr-policy check prints all),
 * at most POLICY_MAX_ERRORS: the last one then says there were more. */
#define POLICY_MAX_ERRORS 200
struct policy_errors {
	struct ctl_err *v;
	size_t n;
};

void policy_errors_free(struct policy_errors *);

/* The errno of a failed load that was the machine's, not the file's (a
 * read error, no memory: ENOMEM also when no error could be recorded at
 * all), or 0 when every error is a finding in the file. */
int policy_errors_errno(const struct policy_errors *errs);

/*
 * Opens PATH for reading after the trust check: O_NOFOLLOW, fstat on the
 * descriptor (a regular file owned by root, not group/other writable), and
 * every parent directory owned by root and not group/other writable.
 * Returns the descriptor (O_CLOEXEC), or -1 with *e saying why.
 */
int policy_open_trusted(const char *path, struct ctl_err *e) CTL_WUR;

struct policy;

/* Reads at most POLICY_MAX_SIZE bytes from FD (one more says it is too
 * large) and loads them. */
int policy_load_fd(int fd, const char *name, struct policy **out,
    struct policy_errors *errs) CTL_WUR;
struct policy_ident;

/*
 * As policy_load_fd, for one caller: the whole file is checked as by
 * policy_load_fd (the same errors), but once parsed, the [group:] and
 * [user:] sections that cannot match KEEP (its user and group names) are
 * dropped, so that policy_eval for KEEP gives the same result from a
 * fraction of the memory.  Evaluate only KEEP with the result.
 */
int
policy_load_fd_for(int fd, const char *name, const struct policy_ident *keep,
    struct policy **out, struct policy_errors *errs);
int policy_load_buf(const char *buf, size_t len, const char *name,
    struct policy **out, struct policy_errors *errs) CTL_WUR;
void policy_free(struct policy *);

/*
 * Section names, for the checker: each [user:NAME] and [group:NAME] with
 * the line it starts on.  Returned pointers live as long as the policy.
 */
enum policy_section_kind {
	POLICY_SEC_GLOBAL,
	POLICY_SEC_DEFAULT,
	POLICY_SEC_GROUP,
	POLICY_SEC_USER,
};
size_t policy_nsections(const struct policy *);
int policy_section(const struct policy *, size_t i,
    enum policy_section_kind *kind, const char **name, int *line) CTL_WUR;

/*
 * The entries of section SEC's list keys, for the checker (entries.c),
 * read-only, in file order.  TEXT is: images, the canonical pattern;
 * binds, the SRC template (unescaped) and DST the DST template;
 * publish_addresses, the canonical address; NULL for ports, which have
 * LO..HI.  Returned pointers live as long as the policy.
 */
enum policy_list {
	POLICY_LIST_IMAGES,
	POLICY_LIST_BINDS,
	POLICY_LIST_PORTS,
	POLICY_LIST_PUBLISH_ADDRS,
	POLICY_LIST_USER_BINDS, /* TEXT: the PREFIX template */
};
struct policy_entry {
	int line;
	const char *text;
	const char *dst; /* binds only, else NULL */
	uint16_t lo, hi; /* ports only, else 0 */
};
/* 0 when SEC or LIST is out of range. */
size_t policy_nentries(const struct policy *, size_t sec, enum policy_list);
/* -1 when SEC, LIST or I is out of range. */
int policy_entry(const struct policy *, size_t sec, enum policy_list, size_t i,
    struct policy_entry *out) CTL_WUR;

/* The caller, as the kernel and NSS describe them (looked up by the caller
 * of policy_eval, never by the library). */
struct policy_ident {
	uid_t uid;
	const char *user; /* getpwuid(uid)->pw_name */
	const char *home; /* getpwuid(uid)->pw_dir */
	gid_t gid;        /* primary (real) gid */
	size_t ngroups;   /* all kernel gids, primary included */
	const gid_t *gids;
	const char *const *gnames; /* getgrgid name of each gid */
};

/* Where a value came from: "[default]", "[group:NAME]", "[user:NAME]",
 * "[global]" or "built-in".  Points into the policy or a constant. */
typedef const char *policy_from;

struct policy_num {
	uint64_t v; /* POLICY_UNLIMITED for no limit */
	policy_from from;
};

struct policy_pattern {
	char *pattern; /* canonical: prefixes dropped, ":*" added when
				 * the pattern names no tag */
	policy_from from;
};

struct policy_bind {
	char *src; /* expanded, absolute, normal */
	char *dst;
	bool ro;
	policy_from from;
	int line; /* of the entry in the policy file */
};

struct policy_prefix {
	char *path; /* expanded, absolute, normal */
	bool ro;    /* the grant is read-only */
	policy_from from;
	int line; /* of the entry in the policy file */
};

enum policy_seccomp {
	POLICY_SECCOMP_DEFAULT,
	POLICY_SECCOMP_UNCONFINED,
};

/* [global] cgroup_placement: inside a batch job's cgroup (auto), or
 * always in ctr-launch's own tree (top). */
enum policy_placement {
	POLICY_PLACEMENT_AUTO,
	POLICY_PLACEMENT_TOP,
};

/* transfer: where sftp-server, scp -t/-f and rsync --server run. */
enum policy_transfer {
	POLICY_TRANSFER_CONTAINER,
	POLICY_TRANSFER_HOST,
	POLICY_TRANSFER_DENY,
};

#define POLICY_LOGIN_SHELL "/bin/sh -l" /* login_shell's default */
#define POLICY_SHELL_WORDS 16           /* words of login_shell at most */

/* publish_access: who may connect to a port published on a loopback
 * address: only the container's owner (the peer socket's uid), or anyone. */
enum policy_access {
	POLICY_ACCESS_OWNER,
	POLICY_ACCESS_ANY,
};

/* One ports entry: host ports LO..HI (a single port has LO == HI). */
struct policy_portrange {
	uint16_t lo, hi;
	policy_from from;
	int line;
};

/* One publish_addresses entry: a canonical IPv4 or IPv6 address. */
struct policy_addr {
	char *addr;
	policy_from from;
};

/* An entry unusable for this caller (a template that expanded badly). */
struct policy_note {
	char msg[256];
	policy_from from;
	int line;
};

struct policy_eff {
	bool denied;
	char deny_reason[256]; /* when denied: why, one line */
	policy_from deny_from;

	struct policy_pattern *images;
	size_t nimages;
	struct policy_bind *binds; /* always mounted */
	size_t nbinds;
	struct policy_prefix *user_binds; /* what -v may name */
	size_t nuser_binds;

	bool net_host; /* "host" granted; "none" always is */
	policy_from net_from;
	bool net_private; /* "private" granted */
	policy_from net_private_from;
	struct policy_portrange *ports; /* host ports -p may publish */
	size_t nports;
	struct policy_addr *publish_addrs; /* 127.0.0.1 (built-in) first */
	size_t npublish_addrs;
	enum policy_access publish_access;
	policy_from publish_access_from;
	struct policy_num max_connections; /* per container, forwarded */

	struct policy_num cpus;   /* in thousandths of a CPU */
	struct policy_num memory; /* bytes */
	struct policy_num pids;
	struct policy_num tmpfs_size; /* bytes */
	struct policy_num max_ptys;   /* terminals of one container's devpts */
	struct policy_num max_containers;
	struct policy_num user_cpus; /* per-user totals */
	struct policy_num user_memory;
	struct policy_num user_pids;
	struct policy_num max_total_containers; /* [global] */

	enum policy_seccomp seccomp;
	policy_from seccomp_from;

	enum policy_placement cgroup_placement; /* [global] */
	policy_from placement_from;

	/* Login sessions through ctr-launch-shell (policy/login.c). */
	bool login; /* default no */
	policy_from login_from;
	const char *login_image; /* canonical name, or NULL; points into
				  * the policy */
	policy_from login_image_from;
	int login_image_line;    /* 0 when not set */
	const char *login_shell; /* words separated by one space */
	policy_from login_shell_from;
	enum policy_transfer transfer;
	policy_from transfer_from;
	/* Detached containers (ctr-launch(1) run -d, exec). */
	bool allow_detach;
	policy_from allow_detach_from;
	bool allow_exec;
	policy_from allow_exec_from;
	struct policy_num log_size;      /* bytes, per container */
	struct policy_num user_log_size; /* bytes, all of a user's logs */
	struct policy_num keep_exited;   /* seconds */
	struct policy_num max_exited;    /* exited records per user */

	struct policy_note *notes;
	size_t nnotes;
};

/*
 * Merges [default], every [group:G] whose name is one of ident's gnames,
 * then [user:NAME] (ctr-launch.policy(5)).  A caller with no image granted,
 * or matched by deny = yes, gets eff->denied with the reason.  A merged
 * policy that binds one destination twice is an error.
 */
int policy_eval(const struct policy *, const struct policy_ident *,
    struct policy_eff *out, struct ctl_err *e) CTL_WUR;
void policy_eff_free(struct policy_eff *);

/* Does any granted pattern cover CANON (a canonical image name, see
 * image/name.h)?  *from names the first pattern's section. */
bool policy_image_allowed(const struct policy_eff *, const char *canon,
    policy_from *from);

enum policy_mode {
	POLICY_MODE_DEFAULT, /* no :ro or :rw given */
	POLICY_MODE_RO,
	POLICY_MODE_RW,
};

/*
 * May the caller bind REALPATH (the resolved path of the opened source)
 * with MODE?  0 with *ro set (read-only when the grant is, or when asked),
 * or -1 with e->msg saying why (":rw under a read-only grant" is refused).
 */
int policy_user_bind(const struct policy_eff *, const char *realpath,
    enum policy_mode mode, bool *ro, struct ctl_err *e) CTL_WUR;

/* Does PREFIX cover PATH by whole components?  Both absolute, normal. */
bool policy_path_covers(const char *prefix, const char *path);

/* Is P absolute and normal (no "..", ".", "//" or trailing "/")? */
bool policy_path_normal(const char *p);

/*
 * Published ports (publish.c).  One -p [ADDR:]HOSTPORT:PORT[/tcp] request,
 * parsed: ADDR defaults to 127.0.0.1; IPv6 addresses are written in
 * brackets ("[::1]:8888:8888").
 */
#define POLICY_PUBLISH_MAX  64    /* -p options in one launch */
#define POLICY_ADDR_TEXT    46    /* INET6_ADDRSTRLEN */
#define POLICY_MAX_CONN_MAX 16384 /* max_connections at most */
struct policy_publish {
	int family;                      /* AF_INET or AF_INET6 */
	unsigned char addr[16];          /* network order, 4 or 16 bytes */
	char addrtext[POLICY_ADDR_TEXT]; /* canonical */
	uint16_t hostport, port;
	bool loopback; /* 127.0.0.0/8 or ::1 */
};
/* Parses SPEC (a -p value).  0, or -1 with one line in E. */
int policy_publish_parse(const char *spec, struct policy_publish *out,
    struct ctl_err *e) CTL_WUR;
/*
 * May the caller publish V[0..N-1]?  Each host port MUST be granted by a
 * ports entry (a port below 1024 only by an entry naming it: there is no
 * wildcard), each address MUST be in publish_addresses, and no host port
 * may be asked for twice.  0, or -1 with one line in E naming the port.
 */
int policy_publish_check(const struct policy_eff *,
    const struct policy_publish *v, size_t n, struct ctl_err *e) CTL_WUR;
/* Canonical text of an IPv4 or IPv6 address IN (no brackets, no port);
 * -1 when IN is not one. */
int policy_addr_canon(const char *in, char *out, size_t len) CTL_WUR;
/* Is IN a loopback address (127.0.0.0/8 or ::1)?  False when not an
 * address. */
bool policy_addr_loopback(const char *in);
/* A ports entry "N" or "N-M" (1 <= N <= M <= 65535); -1 when malformed. */
int policy_port_range(const char *in, uint16_t *lo, uint16_t *hi) CTL_WUR;

/* Strict parser shared with the helper's command line (sizes: gram_size()
 * in lib/grammar.h). */
int policy_parse_cpus(const char *s, uint64_t *milli) CTL_WUR; /* "1.5" */

/* Seconds, or a number with s, m, h or d ("90", "1h"). */
int policy_parse_duration(const char *s, uint64_t *secs) CTL_WUR;

#endif
