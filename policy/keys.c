/*
 * keys.c: the keys of a policy section: their names, where each may
 * appear, their limits, and the strict parsing of their values (lists and
 * scalars) into the current section.
 *
 * Invariants:
 * - A scalar key repeated in a section, and every malformed or
 *   out-of-range value, MUST be an error with its line.
 * - In binds and user_binds, a backslash MUST only escape ':', ',' or
 *   itself (any other, or one ending the value, is an error with its
 *   line), and the stored paths MUST be unescaped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/grammar.h"
#include "policy/parse_int.h"

static const struct pkeydef keys[] = {
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
	{ "max_ptys", PK_MAX_PTYS, T_COUNT, W_SECT, false, 1, 4096 },
};

const char *
pkey_name(enum pkey k)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i].key == k)
			return keys[i].name;
	return "?";
}

const struct pkeydef *
pkey_find(const char *name)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
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
list_image(struct pctx *c, const struct pkeydef *kd, const char *item, int line)
{
	struct pent *e;
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
}

static void
list_network(struct pctx *c, const struct pkeydef *kd, const char *item,
    int line)
{
	struct pent *e;

	if (strcmp(item, "host") != 0 && strcmp(item, "none") != 0 &&
	    strcmp(item, "private") != 0) {
		ERR(c, line, "bad network mode \"%s\" (host, private or none)",
		    item);
		return;
	}
	if ((e = ent_add(c, c->cur, kd->key, line)) != NULL) {
		e->host = strcmp(item, "host") == 0;
		e->priv = strcmp(item, "private") == 0;
	}
}

static void
list_ports(struct pctx *c, const struct pkeydef *kd, const char *item, int line)
{
	struct pent *e;
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
}

static void
list_publish_addr(struct pctx *c, const struct pkeydef *kd, const char *item,
    int line)
{
	struct pent *e;
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
}

/* A binds (SRC:DST[:MODE]) or user_binds (PREFIX[:MODE]) item. */
static void
list_bind(struct pctx *c, const struct pkeydef *kd, char *item, int line)
{
	struct ctl_err why;
	struct pent *e;
	const char *shape = "";
	char *dst = NULL, whole[200];
	bool ro;

	snprintf(whole, sizeof(whole), "%s", item);
	if (split_item(item, kd->key == PK_BINDS ? 3 : 2, &dst, &ro, &shape) <
	    0) {
		ERR(c, line, "%s entry \"%s\" %s", kd->name, whole, shape);
		return;
	}
	if (dst != NULL && pval_template_check(dst, &why) < 0) {
		ERR(c, line, "bad bind destination \"%s\": %s", dst, why.msg);
		return;
	}
	if (pval_template_check(item, &why) < 0) {
		ERR(c, line, "bad %s \"%s\": %s",
		    kd->key == PK_BINDS ? "bind source" : "user_binds prefix",
		    item, why.msg);
		return;
	}
	if ((e = ent_add(c, c->cur, kd->key, line)) == NULL)
		return;
	e->ro = ro;
	if ((e->a = strdup(item)) == NULL ||
	    (dst != NULL && (e->b = strdup(dst)) == NULL))
		ERR(c, line, "out of memory");
}

static void
list_item(struct pctx *c, const struct pkeydef *kd, char *item, int line)
{
	switch (kd->key) {
	case PK_IMAGES:
		list_image(c, kd, item, line);
		break;
	case PK_NETWORK:
		list_network(c, kd, item, line);
		break;
	case PK_PORTS:
		list_ports(c, kd, item, line);
		break;
	case PK_PUBLISH_ADDRS:
		list_publish_addr(c, kd, item, line);
		break;
	case PK_BINDS:
	case PK_USER_BINDS:
		list_bind(c, kd, item, line);
		break;
	default:
		break;
	}
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

/* A key of two words: *V is VA when VALUE is A, VB when it is B; -1 when
 * it is neither. */
static int
one_of_two(const char *value, const char *a, uint64_t va, const char *b,
    uint64_t vb, uint64_t *v)
{
	if (strcmp(value, a) == 0)
		*v = va;
	else if (strcmp(value, b) == 0)
		*v = vb;
	else
		return -1;
	return 0;
}

/* The value of scalar key KD (not a login key) into *V; < 0 when VALUE is
 * malformed. */
static int
scalar_value(const struct pkeydef *kd, const char *value, uint64_t *v)
{
	int r = -1;

	switch (kd->type) {
	case T_CPUS:
		r = policy_parse_cpus(value, v);
		break;
	case T_SIZE:
		r = gram_size(value, v);
		break;
	case T_COUNT:
		r = gram_size(value, v);
		if (r == 0 &&
		    (value[strlen(value) - 1] < '0' ||
			value[strlen(value) - 1] > '9'))
			r = -1;
		break;
	case T_SECCOMP:
		r = one_of_two(value, "default", 0, "unconfined", 1, v);
		break;
	case T_DENY:
		r = one_of_two(value, "yes", 1, "no", 0, v);
		break;
	case T_PLACEMENT:
		r = one_of_two(value, "auto", POLICY_PLACEMENT_AUTO, "top",
		    POLICY_PLACEMENT_TOP, v);
		break;
	case T_ACCESS:
		r = one_of_two(value, "owner", POLICY_ACCESS_OWNER, "any",
		    POLICY_ACCESS_ANY, v);
		break;
	case T_DURATION:
		r = policy_parse_duration(value, v);
		break;
	default:
		break;
	}
	return r;
}

static void
scalar_bad(struct pctx *c, const struct pkeydef *kd, const char *value,
    int line)
{
	static const char *const what[] = {
		[T_LIST] = "",
		[T_CPUS] = "a number of CPUs with at most 3 decimals",
		[T_SIZE] = "a size: bytes or a number with K, M, G or T",
		[T_COUNT] = "a whole number",
		[T_SECCOMP] = "default or unconfined",
		[T_DENY] = "yes or no",
		[T_PLACEMENT] = "auto or top",
		[T_LOGIN] = "",
		[T_ACCESS] = "owner or any",
		[T_DURATION] =
		    "a duration: seconds or a number with s, m, h or d",
	};

	ERR(c, line, "bad %s value \"%s\" (%s%s)", kd->name, value,
	    what[kd->type], kd->unlimited ? ", or unlimited" : "");
}

static void
parse_scalar(struct pctx *c, const struct pkeydef *kd, const char *value,
    int line)
{
	struct pscalar *sc = &c->cur->sc[kd->key];
	uint64_t v = 0;

	if (sc->set) {
		ERR(c, line, "%s repeated in this section (first at line %d)",
		    kd->name, sc->line);
		return;
	}
	if (kd->type == T_LOGIN) {
		struct ctl_err why;

		if (plogin_value(kd->key, value, sc, &why) < 0)
			ERR(c, line, "bad %s value \"%s\" (%s)", kd->name,
			    value, why.msg);
		else
			sc->line = line;
		return;
	}
	if (kd->unlimited && strcmp(value, "unlimited") == 0) {
		v = POLICY_UNLIMITED;
	} else {
		if (scalar_value(kd, value, &v) < 0) {
			scalar_bad(c, kd, value, line);
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

void
pkey_parse(struct pctx *c, const struct pkeydef *kd, const char *value,
    int line)
{
	if (kd->type == T_LIST)
		parse_list(c, kd, value, line);
	else
		parse_scalar(c, kd, value, line);
}
