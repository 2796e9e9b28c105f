/*
 * parse.c: loads a policy (pre-check, then inih, then strict values).
 *
 * Invariants:
 * - A policy with any error MUST be rejected whole; the caller never sees
 *   a partially loaded policy.
 * - inih MUST only see text that passed the pre-check, and each of its
 *   handler calls MUST line up with one key line of the pre-check (else
 *   the load fails).
 * - Unknown sections and keys, a scalar key repeated in a section, a
 *   section repeated in the file, a key in a section where it has no
 *   meaning, and every empty, malformed or out-of-range value MUST be
 *   errors with their line.
 * - A loaded policy MUST NOT change afterwards (only eval reads it).
 * - A load for one caller (policy_load_fd_for) MUST reject exactly what a
 *   full load rejects (every section is parsed and checked, repeated
 *   sections included) and MUST evaluate for that caller as a full load;
 *   it only drops, once parsed, the [group:] and [user:] sections that
 *   cannot match the caller.
 * - In binds and user_binds, a backslash MUST only escape ':', ',' or
 *   itself (any other, or one ending the value, is an error with its
 *   line), and the stored paths MUST be unescaped.
 */
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/grammar.h"
#include "policy/policy_int.h"

enum pwhere {
	W_SECT = 1,   /* [default], [group:], [user:] */
	W_GLOBAL = 2, /* [global] */
};

enum ptype {
	T_LIST,
	T_CPUS,
	T_SIZE,
	T_COUNT,
	T_SECCOMP,
	T_DENY,
	T_PLACEMENT,
	T_LOGIN, /* policy/login.c */
	T_ACCESS,
	T_DURATION,
};

static const struct pkeydef {
	const char *name;
	enum pkey key;
	enum ptype type;
	int where;
	bool unlimited; /* "unlimited" allowed */
	uint64_t min, max;
} keys[] = {
	{ "images", PK_IMAGES, T_LIST, W_SECT, false, 0, 0 },
	{ "binds", PK_BINDS, T_LIST, W_SECT, false, 0, 0 },
	{ "user_binds", PK_USER_BINDS, T_LIST, W_SECT, false, 0, 0 },
	{ "network", PK_NETWORK, T_LIST, W_SECT, false, 0, 0 },
	{ "cpus", PK_CPUS, T_CPUS, W_SECT, true, 1, 4096000 },
	{ "memory", PK_MEMORY, T_SIZE, W_SECT, true, 1ull << 20, 1ull << 60 },
	{ "pids", PK_PIDS, T_COUNT, W_SECT, true, 1, 4194304 },
	{ "tmpfs_size", PK_TMPFS_SIZE, T_SIZE, W_SECT, false, 1ull << 20,
	    1ull << 50 },
	{ "max_containers", PK_MAX_CONTAINERS, T_COUNT, W_SECT, true, 1,
	    1000000 },
	{ "user_cpus", PK_USER_CPUS, T_CPUS, W_SECT, true, 1, 4096000 },
	{ "user_memory", PK_USER_MEMORY, T_SIZE, W_SECT, true, 1ull << 20,
	    1ull << 60 },
	{ "user_pids", PK_USER_PIDS, T_COUNT, W_SECT, true, 1, 4194304 },
	{ "max_total_containers", PK_MAX_TOTAL, T_COUNT, W_GLOBAL, true, 1,
	    1000000 },
	{ "seccomp", PK_SECCOMP, T_SECCOMP, W_SECT, false, 0, 0 },
	{ "deny", PK_DENY, T_DENY, W_SECT, false, 0, 0 },
	{ "cgroup_placement", PK_PLACEMENT, T_PLACEMENT, W_GLOBAL, false, 0,
	    0 },
	{ "login", PK_LOGIN, T_LOGIN, W_SECT, false, 0, 0 },
	{ "login_image", PK_LOGIN_IMAGE, T_LOGIN, W_SECT, false, 0, 0 },
	{ "login_shell", PK_LOGIN_SHELL, T_LOGIN, W_SECT, false, 0, 0 },
	{ "transfer", PK_TRANSFER, T_LOGIN, W_SECT, false, 0, 0 },
	{ "ports", PK_PORTS, T_LIST, W_SECT, false, 0, 0 },
	{ "publish_addresses", PK_PUBLISH_ADDRS, T_LIST, W_SECT, false, 0, 0 },
	{ "publish_access", PK_PUBLISH_ACCESS, T_ACCESS, W_SECT, false, 0, 0 },
	{ "max_connections", PK_MAX_CONNECTIONS, T_COUNT, W_SECT, false, 1,
	    POLICY_MAX_CONN_MAX },
	{ "allow_detach", PK_ALLOW_DETACH, T_DENY, W_SECT, false, 0, 0 },
	{ "allow_exec", PK_ALLOW_EXEC, T_DENY, W_SECT, false, 0, 0 },
	{ "log_size", PK_LOG_SIZE, T_SIZE, W_SECT, false, 4096, 1ull << 40 },
	{ "user_log_size", PK_USER_LOG_SIZE, T_SIZE, W_SECT, false, 4096,
	    1ull << 44 },
	{ "keep_exited", PK_KEEP_EXITED, T_DURATION, W_SECT, false, 0,
	    3650ull * 86400 },
	{ "max_exited", PK_MAX_EXITED, T_COUNT, W_SECT, false, 0, 100000 },
};

const char *
pkey_name(enum pkey k)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i].key == k)
			return keys[i].name;
	return "?";
}

struct pctx {
	struct policy *p;
	const struct pcheck *pc;
	size_t evi;
	struct psec *cur;
	bool cur_bad; /* the current section header was an error */
	const char *file;
	struct policy_errors *errs;
	int nerr;
	char secname[64]; /* the last header the pre-check saw */
	bool desync;
	const struct policy_ident *keep; /* NULL: keep every section */
};

#define ERR(c, line, ...)                                          \
	do {                                                       \
		perr_add((c)->errs, (c)->file, line, __VA_ARGS__); \
		(c)->nerr++;                                       \
	} while (0)

static void
psec_free(struct psec *s)
{
	if (s == NULL)
		return;
	for (int k = 0; k < PK_NLISTS; k++) {
		for (size_t i = 0; i < s->nent[k]; i++) {
			free(s->ent[k][i].a);
			free(s->ent[k][i].b);
		}
		free(s->ent[k]);
	}
	for (int k = 0; k < PK_NKEYS; k++)
		free(s->sc[k].s);
	free(s->label); /* holds name too */
	free(s);
}

void
policy_free(struct policy *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->nsecs; i++)
		psec_free(p->secs[i]);
	free(p->secs);
	free(p->index);
	free(p);
}

static struct psec *
psec_new(struct policy *p, enum policy_section_kind kind, const char *name,
    int line)
{
	struct psec *s;
	const char *pfx;
	size_t ln, nl, pl;

	if (p->nsecs == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct psec **v = reallocarray(p->secs, cap, sizeof(*v));

		if (v == NULL)
			return NULL;
		p->secs = v;
		p->cap = cap;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->kind = kind;
	s->line = line;
	/* One allocation: the label, then the name. */
	nl = name ? strlen(name) : 0;
	ln = nl + 16;
	if ((s->label = malloc(ln + nl + 1)) == NULL) {
		free(s);
		return NULL;
	}
	if (name != NULL) {
		s->name = s->label + ln;
		memcpy(s->name, name, nl + 1);
	}
	pfx = kind == POLICY_SEC_GLOBAL ? "[global" :
	    kind == POLICY_SEC_DEFAULT  ? "[default" :
	    kind == POLICY_SEC_GROUP    ? "[group:" :
					  "[user:";
	pl = strlen(pfx);
	memcpy(s->label, pfx, pl);
	memcpy(s->label + pl, name ? name : "", nl);
	memcpy(s->label + pl + nl, "]", 2);
	p->secs[p->nsecs++] = s;
	return s;
}

/* Could section S apply to the caller of a load for one caller? */
static bool
kept(const struct pctx *c, const struct psec *s)
{
	const struct policy_ident *id = c->keep;

	if (id == NULL || s->kind == POLICY_SEC_GLOBAL ||
	    s->kind == POLICY_SEC_DEFAULT)
		return true;
	if (s->kind == POLICY_SEC_USER)
		return id->user != NULL && strcmp(s->name, id->user) == 0;
	for (size_t i = 0; i < id->ngroups; i++)
		if (id->gnames[i] != NULL &&
		    strcmp(s->name, id->gnames[i]) == 0)
			return true;
	return false;
}

/* The current section is complete: drop it if it cannot apply. */
static void
finish_section(struct pctx *c)
{
	if (c->cur == NULL || kept(c, c->cur))
		return;
	/* It is the last one added. */
	c->p->nsecs--;
	psec_free(c->cur);
	c->cur = NULL;
}

static void
start_section(struct pctx *c, const struct pcheck_ev *ev)
{
	enum policy_section_kind kind;
	const char *name = NULL, *sname = c->secname;

	finish_section(c);
	memcpy(c->secname, ev->name, ev->nlen);
	c->secname[ev->nlen] = '\0';
	c->cur = NULL;
	c->cur_bad = true;
	if (strcmp(sname, "global") == 0) {
		kind = POLICY_SEC_GLOBAL;
	} else if (strcmp(sname, "default") == 0) {
		kind = POLICY_SEC_DEFAULT;
	} else if (strncmp(sname, "group:", 6) == 0) {
		kind = POLICY_SEC_GROUP;
		name = sname + 6;
	} else if (strncmp(sname, "user:", 5) == 0) {
		kind = POLICY_SEC_USER;
		name = sname + 5;
	} else {
		ERR(c, ev->line,
		    "unknown section [%s] (global, default, group:NAME, "
		    "user:NAME)",
		    sname);
		return;
	}
	if (name != NULL && !pval_name_ok(name)) {
		ERR(c, ev->line, "bad %s name \"%s\" in [%s]",
		    kind == POLICY_SEC_GROUP ? "group" : "user", name, sname);
		return;
	}
	if ((c->cur = psec_new(c->p, kind, name, ev->line)) == NULL) {
		ERR(c, ev->line, "out of memory");
		return;
	}
	c->cur_bad = false;
}

static struct pent *
ent_add(struct pctx *c, struct psec *s, enum pkey k, int line)
{
	struct pent *v;

	if (s->nent[k] == s->cap[k]) {
		size_t cap = s->cap[k] ? s->cap[k] * 2 : 1;

		v = reallocarray(s->ent[k], cap, sizeof(*v));
		if (v == NULL) {
			ERR(c, line, "out of memory");
			return NULL;
		}
		s->ent[k] = v;
		s->cap[k] = cap;
	}
	v = &s->ent[k][s->nent[k]++];
	memset(v, 0, sizeof(*v));
	v->line = line;
	return v;
}

/* The first C in S not escaped by a backslash, or NULL.  S has passed
 * esc_check (a backslash is always followed by another byte). */
static char *
unesc_chr(char *s, char c)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			s++;
		else if (*s == c)
			return s;
	}
	return NULL;
}

/* Replaces each escape of S ("\:", "\," or "\\") by its character. */
static void
unescape(char *s)
{
	char *w = s;

	for (; *s != '\0'; s++) {
		if (*s == '\\')
			s++;
		*w++ = *s;
	}
	*w = '\0';
}

/* Splits ITEM at unescaped ':' into at most MAXP parts; the last part is
 * a mode ("ro" or "rw") only when ITEM has MAXP parts.  The paths are
 * unescaped in place.  -1 on a bad shape. */
static int
split_item(char *item, int maxp, char **dst, bool *ro, const char **why)
{
	char *c1 = unesc_chr(item, ':');
	char *c2 = c1 ? unesc_chr(c1 + 1, ':') : NULL;
	char *mode = NULL;

	*ro = false;
	*dst = NULL;
	if (maxp == 2) { /* PREFIX[:MODE] */
		if (c2 != NULL)
			return (*why = "needs PREFIX[:ro|rw]"), -1;
		mode = c1;
	} else { /* SRC:DST[:MODE] */
		if (c1 == NULL ||
		    (c2 != NULL && unesc_chr(c2 + 1, ':') != NULL))
			return (*why = "needs SRC:DST[:ro|rw]"), -1;
		*dst = c1 + 1;
		*c1 = '\0';
		mode = c2;
	}
	if (mode != NULL) {
		*mode++ = '\0';
		if (strcmp(mode, "ro") == 0)
			*ro = true;
		else if (strcmp(mode, "rw") != 0)
			return (*why = "has a bad mode (ro or rw)"), -1;
	}
	unescape(item);
	if (*dst != NULL)
		unescape(*dst);
	return 0;
}

static void
list_item(struct pctx *c, const struct pkeydef *kd, char *item, int line)
{
	char why[160];
	struct pent *e;
	const char *shape = "";
	char *dst = NULL, whole[200];
	bool ro;

	switch (kd->key) {
	case PK_IMAGES: {
		char *pat = NULL;

		if (pval_image_pattern(item, &pat) < 0) {
			ERR(c, line, "bad image pattern \"%s\"", item);
			return;
		}
		if ((e = ent_add(c, c->cur, kd->key, line)) == NULL) {
			free(pat);
			return;
		}
		e->a = pat;
		return;
	}
	case PK_NETWORK:
		if (strcmp(item, "host") != 0 && strcmp(item, "none") != 0 &&
		    strcmp(item, "private") != 0) {
			ERR(c, line,
			    "bad network mode \"%s\" (host, private or none)",
			    item);
			return;
		}
		if ((e = ent_add(c, c->cur, kd->key, line)) != NULL) {
			e->host = strcmp(item, "host") == 0;
			e->priv = strcmp(item, "private") == 0;
		}
		return;
	case PK_PORTS: {
		uint16_t lo, hi;

		if (policy_port_range(item, &lo, &hi) != 0) {
			ERR(c, line,
			    "bad ports entry \"%s\" (a port or a range N-M, from 1 to 65535)",
			    item);
			return;
		}
		if ((e = ent_add(c, c->cur, kd->key, line)) != NULL) {
			e->lo = lo;
			e->hi = hi;
		}
		return;
	}
	case PK_PUBLISH_ADDRS: {
		char a[POLICY_ADDR_TEXT];

		if (policy_addr_canon(item, a, sizeof(a)) != 0) {
			ERR(c, line,
			    "bad publish_addresses entry \"%s\" (an IPv4 or IPv6 address)",
			    item);
			return;
		}
		if ((e = ent_add(c, c->cur, kd->key, line)) != NULL &&
		    (e->a = strdup(a)) == NULL)
			ERR(c, line, "out of memory");
		return;
	}
	case PK_BINDS:
	case PK_USER_BINDS:
		break;
	default:
		return;
	}
	snprintf(whole, sizeof(whole), "%s", item);
	if (split_item(item, kd->key == PK_BINDS ? 3 : 2, &dst, &ro, &shape) <
	    0) {
		ERR(c, line, "%s entry \"%s\" %s", kd->name, whole, shape);
		return;
	}
	if (dst != NULL && pval_template_check(dst, why, sizeof(why)) < 0) {
		ERR(c, line, "bad bind destination \"%s\": %s", dst, why);
		return;
	}
	if (pval_template_check(item, why, sizeof(why)) < 0) {
		ERR(c, line, "bad %s \"%s\": %s",
		    kd->key == PK_BINDS ? "bind source" : "user_binds prefix",
		    item, why);
		return;
	}
	if ((e = ent_add(c, c->cur, kd->key, line)) == NULL)
		return;
	e->ro = ro;
	if ((e->a = strdup(item)) == NULL ||
	    (dst != NULL && (e->b = strdup(dst)) == NULL))
		ERR(c, line, "out of memory");
}

/* Checks the escapes of a binds or user_binds VALUE: a backslash MUST
 * be followed by ':', ',' or another backslash. */
static int
esc_check(struct pctx *c, const struct pkeydef *kd, const char *value, int line)
{
	for (const char *s = value; *s != '\0'; s++) {
		if (*s != '\\')
			continue;
		if (s[1] == ':' || s[1] == ',' || s[1] == '\\') {
			s++;
			continue;
		}
		if (s[1] == '\0')
			ERR(c, line,
			    "backslash at the end of the %s list "
			    "(escapes are \\:, \\, and \\\\)",
			    kd->name);
		else
			ERR(c, line,
			    "bad escape \"\\%c\" in the %s list "
			    "(escapes are \\:, \\, and \\\\)",
			    s[1], kd->name);
		return -1;
	}
	return 0;
}

static void
parse_list(struct pctx *c, const struct pkeydef *kd, const char *value,
    int line)
{
	bool esc = kd->key == PK_BINDS || kd->key == PK_USER_BINDS;
	cleanup_free char *copy = NULL;
	char *p, *next;

	if (esc && esc_check(c, kd, value, line) < 0)
		return;
	if ((copy = strdup(value)) == NULL) {
		ERR(c, line, "out of memory");
		return;
	}
	for (p = copy; p != NULL; p = next) {
		char *end;

		next = esc ? unesc_chr(p, ',') : strchr(p, ',');
		if (next != NULL)
			*next++ = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		end = p + strlen(p);
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (*p == '\0') {
			ERR(c, line, "empty item in the %s list", kd->name);
			continue;
		}
		list_item(c, kd, p, line);
	}
}

static void
parse_scalar(struct pctx *c, const struct pkeydef *kd, const char *value,
    int line)
{
	struct pscalar *sc = &c->cur->sc[kd->key];
	uint64_t v = 0;
	int r = -1;

	if (sc->set) {
		ERR(c, line, "%s repeated in this section (first at line %d)",
		    kd->name, sc->line);
		return;
	}
	if (kd->type == T_LOGIN) {
		char why[200];

		if (plogin_value(kd->key, value, sc, why, sizeof(why)) < 0)
			ERR(c, line, "bad %s value \"%s\" (%s)", kd->name,
			    value, why);
		else
			sc->line = line;
		return;
	}
	if (kd->unlimited && strcmp(value, "unlimited") == 0) {
		v = POLICY_UNLIMITED;
		r = 0;
	} else {
		switch (kd->type) {
		case T_CPUS:
			r = policy_parse_cpus(value, &v);
			break;
		case T_SIZE:
			r = gram_size(value, &v);
			break;
		case T_COUNT:
			r = gram_size(value, &v);
			if (r == 0 &&
			    (value[strlen(value) - 1] < '0' ||
				value[strlen(value) - 1] > '9'))
				r = -1;
			break;
		case T_SECCOMP:
			r = strcmp(value, "default") == 0    ? 0 :
			    strcmp(value, "unconfined") == 0 ? 1 :
							       -1;
			v = (uint64_t)r;
			r = r < 0 ? -1 : 0;
			break;
		case T_DENY:
			r = strcmp(value, "yes") == 0 ? 1 :
			    strcmp(value, "no") == 0  ? 0 :
							-1;
			v = (uint64_t)r;
			r = r < 0 ? -1 : 0;
			break;
		case T_PLACEMENT:
			r = strcmp(value, "auto") == 0 ? POLICY_PLACEMENT_AUTO :
			    strcmp(value, "top") == 0  ? POLICY_PLACEMENT_TOP :
							 -1;
			v = (uint64_t)r;
			r = r < 0 ? -1 : 0;
			break;
		case T_ACCESS:
			r = strcmp(value, "owner") == 0 ? POLICY_ACCESS_OWNER :
			    strcmp(value, "any") == 0   ? POLICY_ACCESS_ANY :
							  -1;
			v = (uint64_t)r;
			r = r < 0 ? -1 : 0;
			break;
		case T_DURATION:
			r = policy_parse_duration(value, &v);
			break;
		default:
			break;
		}
		if (r < 0) {
			static const char *const what[] = {
				[T_LIST] = "",
				[T_CPUS] =
				    "a number of CPUs with at most 3 decimals",
				[T_SIZE] =
				    "a size: bytes or a number with K, M, G or T",
				[T_COUNT] = "a whole number",
				[T_SECCOMP] = "default or unconfined",
				[T_DENY] = "yes or no",
				[T_PLACEMENT] = "auto or top",
				[T_LOGIN] = "",
				[T_ACCESS] = "owner or any",
				[T_DURATION] =
				    "a duration: seconds or a number with s, m, h or d",
			};

			ERR(c, line, "bad %s value \"%s\" (%s%s)", kd->name,
			    value, what[kd->type],
			    kd->unlimited ? ", or unlimited" : "");
			return;
		}
		if (kd->max != 0 && (v < kd->min || v > kd->max)) {
			ERR(c, line, "%s = %s out of range", kd->name, value);
			return;
		}
	}
	sc->set = true;
	sc->line = line;
	sc->v = v;
}

static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct pctx *c = user;
	const struct pkeydef *kd = NULL;
	int line;

	while (c->evi < c->pc->n && c->pc->v[c->evi].section)
		start_section(c, &c->pc->v[c->evi++]);
	if (c->evi >= c->pc->n) {
		c->desync = true;
		return 1;
	}
	line = c->pc->v[c->evi++].line;
	if (c->cur_bad)
		return 1;
	if (c->cur == NULL) {
		ERR(c, line, "key \"%s\" outside a section", name);
		return 1;
	}
	if (strcmp(section, c->secname) != 0) {
		c->desync = true;
		return 1;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].name, name) == 0) {
			kd = &keys[i];
			break;
		}
	if (kd == NULL) {
		ERR(c, line, "unknown key \"%s\"", name);
		return 1;
	}
	if (c->cur->kind == POLICY_SEC_GLOBAL && !(kd->where & W_GLOBAL)) {
		ERR(c, line, "%s is a per-user key; not allowed in [global]",
		    name);
		return 1;
	}
	if (c->cur->kind != POLICY_SEC_GLOBAL && !(kd->where & W_SECT)) {
		ERR(c, line, "%s is host-wide; only allowed in [global]", name);
		return 1;
	}
	if (*value == '\0') {
		ERR(c, line, "empty value for %s", name);
		return 1;
	}
	if (kd->type == T_LIST)
		parse_list(c, kd, value, line);
	else
		parse_scalar(c, kd, value, line);
	return 1;
}

static int
sec_cmp(const void *a, const void *b)
{
	const struct psec *x = *(struct psec *const *)a;
	const struct psec *y = *(struct psec *const *)b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return strcmp(x->name, y->name);
}

static uint64_t
hdr_hash(const char *s, size_t n)
{
	uint64_t h = 14695981039346656037ull; /* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

/* A section header repeated in the file, from the pre-check's headers
 * (so sections dropped by a load for one caller count too): one pass
 * in file order over an open-addressing table of the headers seen. */
static void
check_repeats(struct pctx *c)
{
	cleanup_free const struct pcheck_ev **tab = NULL;
	size_t n = 0, cap = 16;

	for (size_t i = 0; i < c->pc->n; i++)
		n += c->pc->v[i].section;
	if (n < 2)
		return;
	while (cap < 2 * n)
		cap *= 2;
	if ((tab = calloc(cap, sizeof(*tab))) == NULL) {
		ERR(c, 0, "out of memory");
		return;
	}
	for (size_t i = 0; i < c->pc->n; i++) {
		const struct pcheck_ev *ev = &c->pc->v[i], **slot;
		size_t h;

		if (!ev->section)
			continue;
		h = (size_t)hdr_hash(ev->name, ev->nlen) & (cap - 1);
		for (slot = &tab[h]; *slot != NULL;
		     h = (h + 1) & (cap - 1), slot = &tab[h])
			if ((*slot)->nlen == ev->nlen &&
			    memcmp((*slot)->name, ev->name, ev->nlen) == 0)
				break;
		if (*slot == NULL)
			*slot = ev;
		else
			ERR(c, ev->line,
			    "section [%.*s] repeated (first at line %d)",
			    (int)ev->nlen, ev->name, (*slot)->line);
	}
}

static void
build_index(struct pctx *c)
{
	struct policy *p = c->p;

	check_repeats(c);
	if (p->nsecs > 0 &&
	    (p->index = reallocarray(NULL, p->nsecs, sizeof(*p->index))) ==
		NULL) {
		ERR(c, 0, "out of memory");
		return;
	}
	for (size_t i = 0; i < p->nsecs; i++) {
		struct psec *s = p->secs[i], **slot;

		if (s->kind == POLICY_SEC_GROUP || s->kind == POLICY_SEC_USER) {
			p->index[p->nindex++] = s;
			continue;
		}
		slot = s->kind == POLICY_SEC_GLOBAL ? &p->global : &p->def;
		if (*slot == NULL) /* a repeat is an error above */
			*slot = s;
	}
	if (p->nindex > 1)
		qsort(p->index, p->nindex, sizeof(*p->index), sec_cmp);
	for (size_t i = 0; i < p->nindex; i++)
		p->index[i]->idx = i;
}

static int
err_cmp(const void *a, const void *b)
{
	const struct ctl_err *x = a, *y = b;

	return (x->line > y->line) - (x->line < y->line);
}

struct psec *
policy_find(const struct policy *p, enum policy_section_kind kind,
    const char *name)
{
	struct psec key = { .kind = kind, .name = (char *)(uintptr_t)name };
	struct psec *kp = &key, **r;

	if (p->nindex == 0 || name == NULL)
		return NULL;
	r = bsearch(&kp, p->index, p->nindex, sizeof(*p->index), sec_cmp);
	return r ? *r : NULL;
}

/* Loads TEXT, LEN bytes followed by a NUL, which inih reads in place. */
static int
load_text(const char *text, size_t len, const char *name,
    const struct policy_ident *keep, struct policy **out,
    struct policy_errors *errs)
{
	struct pcheck pc = { NULL, 0, 0 };
	struct pctx c;
	size_t before = errs ? errs->n : 0;
	int r;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	c.file = name;
	c.errs = errs;
	c.keep = keep;
	if (len > POLICY_MAX_SIZE) {
		perr_add(errs, name, 0, "larger than %u bytes",
		    POLICY_MAX_SIZE);
		return -1;
	}
	if (pcheck_run(text, len, name, &pc, errs) < 0)
		return -1;
	if ((c.p = calloc(1, sizeof(*c.p))) == NULL) {
		perr_add(errs, name, 0, "out of memory");
		pcheck_free(&pc);
		return -1;
	}
	c.pc = &pc;
	r = ini_parse_string(text, handler, &c);
	while (c.evi < pc.n) {
		if (!pc.v[c.evi].section)
			c.desync = true;
		else
			start_section(&c, &pc.v[c.evi]);
		c.evi++;
	}
	finish_section(&c);
	if (r != 0 || c.desync)
		ERR(&c, r > 0 ? r : 0, "inih disagrees with the pre-check");
	if (c.nerr == 0)
		build_index(&c);
	pcheck_free(&pc);
	if (errs != NULL && errs->n > before + 1)
		qsort(errs->v + before, errs->n - before, sizeof(*errs->v),
		    err_cmp);
	if (c.nerr > 0) {
		policy_free(c.p);
		return -1;
	}
	*out = c.p;
	return 0;
}

int
policy_load_buf(const char *buf, size_t len, const char *name,
    struct policy **out, struct policy_errors *errs)
{
	cleanup_free char *copy = NULL;

	*out = NULL;
	if (len > POLICY_MAX_SIZE) {
		perr_add(errs, name, 0, "larger than %u bytes",
		    POLICY_MAX_SIZE);
		return -1;
	}
	if ((copy = malloc(len + 1)) == NULL) {
		perr_add(errs, name, 0, "out of memory");
		return -1;
	}
	memcpy(copy, buf, len);
	copy[len] = '\0';
	return load_text(copy, len, name, NULL, out, errs);
}

int
policy_load_fd_for(int fd, const char *name, const struct policy_ident *keep,
    struct policy **out, struct policy_errors *errs)
{
	cleanup_free char *buf = malloc(POLICY_MAX_SIZE + 2);
	size_t len = 0;

	*out = NULL;
	if (buf == NULL) {
		perr_add(errs, name, 0, "out of memory");
		return -1;
	}
	while (len <= POLICY_MAX_SIZE) {
		ssize_t n = read(fd, buf + len, POLICY_MAX_SIZE + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perr_add(errs, name, 0, "read: %s", strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return load_text(buf, len, name, keep, out, errs);
}

int
policy_load_fd(int fd, const char *name, struct policy **out,
    struct policy_errors *errs)
{
	return policy_load_fd_for(fd, name, NULL, out, errs);
}

size_t
policy_nsections(const struct policy *p)
{
	return p ? p->nsecs : 0;
}

int
policy_section(const struct policy *p, size_t i, enum policy_section_kind *kind,
    const char **name, int *line)
{
	if (p == NULL || i >= p->nsecs)
		return -1;
	if (kind)
		*kind = p->secs[i]->kind;
	if (name)
		*name = p->secs[i]->name;
	if (line)
		*line = p->secs[i]->line;
	return 0;
}
