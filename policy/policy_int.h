/*
 * policy_int.h: the policy library's internal representation, shared by
 * precheck.c, parse.c, keys.c, value.c, eval.c and the checker.
 *
 * Invariants:
 * - Every section and every entry MUST carry the line it came from, so
 *   that every error and every explanation can point at the file.
 * - Section labels ("[group:NAME]") MUST be allocated once per section and
 *   never moved, because policy_from pointers refer to them.
 */
#ifndef CTL_POLICY_INT_H
#define CTL_POLICY_INT_H

#include "policy/policy.h"

enum pkey {
	PK_IMAGES,
	PK_BINDS,
	PK_USER_BINDS,
	PK_NETWORK,
	PK_PORTS,
	PK_PUBLISH_ADDRS,
	PK_NLISTS,
	PK_CPUS = PK_NLISTS,
	PK_MEMORY,
	PK_PIDS,
	PK_TMPFS_SIZE,
	PK_MAX_CONTAINERS,
	PK_USER_CPUS,
	PK_USER_MEMORY,
	PK_USER_PIDS,
	PK_MAX_TOTAL,
	PK_SECCOMP,
	PK_DENY,
	PK_PLACEMENT,
	PK_LOGIN,
	PK_LOGIN_IMAGE,
	PK_LOGIN_SHELL,
	PK_TRANSFER,
	PK_PUBLISH_ACCESS,
	PK_MAX_CONNECTIONS,
	PK_ALLOW_DETACH,
	PK_ALLOW_EXEC,
	PK_LOG_SIZE,
	PK_USER_LOG_SIZE,
	PK_KEEP_EXITED,
	PK_MAX_EXITED,
	PK_MAX_PTYS,
	PK_NKEYS,
};

/* One list item: images (a = canonical pattern), binds (a = SRC template,
 * b = DST template), user_binds (a = PREFIX template), network (host,
 * priv), ports (lo..hi), publish_addresses (a = canonical address). */
struct pent {
	int line;
	char *a;
	char *b;
	bool ro;
	bool host;
	bool priv;
	uint16_t lo, hi;
};

struct pscalar {
	bool set;
	int line;
	uint64_t v;
	char *s; /* login_image (canonical), login_shell */
};

struct psec {
	enum policy_section_kind kind;
	char *name;  /* NULL for [global] and [default] */
	char *label; /* "[group:NAME]" etc. */
	int line;
	size_t idx; /* position in policy.index (group and user sections) */
	struct pscalar sc[PK_NKEYS];
	struct pent *ent[PK_NLISTS];
	size_t nent[PK_NLISTS];
	size_t cap[PK_NLISTS];
};

struct policy {
	struct psec **secs;
	size_t nsecs;
	size_t cap;
	struct psec **index; /* group and user sections, sorted */
	size_t nindex;
	struct psec *global;
	struct psec *def;
};

/* Pre-check events, in line order. */
struct pcheck_ev {
	int line;
	bool section;       /* else a key line */
	unsigned char nlen; /* length of name when section */
	const char *name;   /* section name (not NUL-terminated), in the
			     * checked buffer */
};

struct pcheck {
	struct pcheck_ev *v;
	size_t n;
	size_t cap;
};

int pcheck_run(const char *buf, size_t len, const char *name,
    struct pcheck *out, struct policy_errors *errs);
void pcheck_free(struct pcheck *);

/* Adds one error to ERRS (keeps going; never fails on memory: the caller
 * treats errs->n > 0 or a lost error as a rejection). */
void perr_add(struct policy_errors *errs, const char *file, int line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void perr_set(struct ctl_err *e, const char *file, int line, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

/* value.c */
bool pval_name_ok(const char *s);
int pval_template_check(const char *t, struct ctl_err *e);
int pval_template_expand(const char *t, const struct policy_ident *id,
    char **out, struct ctl_err *e);
int pval_image_pattern(const char *in, char **out);
/* keys.c */
const char *pkey_name(enum pkey);
/* parse.c */
struct psec *
policy_find(const struct policy *, enum policy_section_kind, const char *name);

/* login.c: the login keys (login, login_image, login_shell, transfer). */
int plogin_value(enum pkey k, const char *value, struct pscalar *sc,
    struct ctl_err *e);
int plogin_eval(const struct psec *const *v, size_t n, const struct psec *user,
    struct policy_eff *eff, struct ctl_err *e);

#endif
