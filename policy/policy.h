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

#define POLICY_FILE      CTL_SYSCONFDIR "/ctr-launch/policy.ini"
#define POLICY_MAX_SIZE  (4u << 20) /* bytes read at most */
#define POLICY_UNLIMITED UINT64_MAX

struct policy_error {
	char file[256]; /* file name as given to the loader */
	int line;       /* 1-based; 0 when not line-specific */
	char msg[256];  /* one line, no trailing newline */
};

/* Every error of one load, in line order (ctr-policy check prints all),
 * at most POLICY_MAX_ERRORS: the last one then says there were more. */
#define POLICY_MAX_ERRORS 200
struct policy_errors {
	struct policy_error *v;
	size_t n;
};

void policy_errors_free(struct policy_errors *);

/*
 * Opens PATH for reading after the trust check: O_NOFOLLOW, fstat on the
 * descriptor (a regular file owned by root, not group/other writable), and
 * every parent directory owned by root and not group/other writable.
 * Returns the descriptor (O_CLOEXEC), or -1 with *e saying why.
 */
int policy_open_trusted(const char *path, struct policy_error *e);

struct policy;

/* Reads at most POLICY_MAX_SIZE bytes from FD and loads them. */
int policy_load_fd(int fd, const char *name, struct policy **out,
    struct policy_errors *errs);
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
    struct policy **out, struct policy_errors *errs);
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
    enum policy_section_kind *kind, const char **name, int *line);

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

	struct policy_num cpus;   /* in thousandths of a CPU */
	struct policy_num memory; /* bytes */
	struct policy_num pids;
	struct policy_num tmpfs_size; /* bytes */
	struct policy_num max_containers;
	struct policy_num user_cpus; /* per-user totals */
	struct policy_num user_memory;
	struct policy_num user_pids;
	struct policy_num max_total_containers; /* [global] */

	enum policy_seccomp seccomp;
	policy_from seccomp_from;

	enum policy_placement cgroup_placement; /* [global] */
	policy_from placement_from;

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
    struct policy_eff *out, struct policy_error *e);
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
    enum policy_mode mode, bool *ro, struct policy_error *e);

/* Does PREFIX cover PATH by whole components?  Both absolute, normal. */
bool policy_path_covers(const char *prefix, const char *path);

/* Is P absolute and normal (no "..", ".", "//" or trailing "/")? */
bool policy_path_normal(const char *p);

/* Strict parsers shared with the helper's command line. */
int policy_parse_size(const char *s, uint64_t *out);   /* "512M", "2G" */
int policy_parse_cpus(const char *s, uint64_t *milli); /* "1.5" */

/* Seconds, or a number with s, m, h or d ("90", "1h"). */
int policy_parse_duration(const char *s, uint64_t *secs);

#endif
