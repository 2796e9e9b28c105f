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
 *
 * The keys and the parsing of their values are in keys.c.
 */
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "policy/parse_int.h"

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
	if ((kd = pkey_find(name)) == NULL) {
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
	pkey_parse(c, kd, value, line);
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

/* The file's bytes, at most POLICY_MAX_SIZE + 1 of them (one more than
 * the limit says it is too large), NUL-terminated, in a buffer sized from
 * fstat and grown if the file is longer than that. */
static int
read_text(int fd, const char *name, char **text, size_t *len,
    struct policy_errors *errs)
{
	struct stat st;
	size_t cap = 4096, n = 0;
	char *buf, *nb;

	*text = NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		cap = (uintmax_t)st.st_size < POLICY_MAX_SIZE ?
		    (size_t)st.st_size + 1 :
		    POLICY_MAX_SIZE + 1;
	if ((buf = malloc(cap + 1)) == NULL) {
		perr_add(errs, name, 0, "out of memory");
		return -1;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			if (cap > POLICY_MAX_SIZE)
				break;
			cap = cap > POLICY_MAX_SIZE / 2 ? POLICY_MAX_SIZE + 1 :
							  cap * 2;
			if ((nb = realloc(buf, cap + 1)) == NULL) {
				free(buf);
				perr_add(errs, name, 0, "out of memory");
				return -1;
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int en = errno;
			size_t before = errs != NULL ? errs->n : 0;

			free(buf);
			perr_add(errs, name, 0, "read: %s", strerror(en));
			/* Its errno on this error, never on an earlier one
			 * when this one could not be recorded. */
			if (errs != NULL && errs->n > before)
				errs->v[before].err = en;
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

int
policy_load_fd_for(int fd, const char *name, const struct policy_ident *keep,
    struct policy **out, struct policy_errors *errs)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;

	*out = NULL;
	if (read_text(fd, name, &buf, &len, errs) != 0)
		return -1;
	return load_text(buf, len, name, keep, out, errs);
}

int
policy_errors_errno(const struct policy_errors *errs)
{
	if (errs->n == 0)
		return ENOMEM; /* nothing could be recorded */
	for (size_t i = 0; i < errs->n; i++)
		if (errs->v[i].err != 0)
			return errs->v[i].err;
	return 0;
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
