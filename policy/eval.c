/*
 * eval.c: merges a loaded policy for one caller (ctr-launch.policy(5)).
 *
 * Pure: the caller's identity comes in through struct policy_ident; this
 * file makes no NSS lookups and no system calls.  Section lookup is a
 * binary search, so evaluation costs O(groups * log sections).
 *
 * Invariants:
 * - deny = yes in any matching section MUST deny; nothing overrides it.
 * - A caller with no image granted MUST be denied.
 * - Numeric keys MUST come from [user:] if set, else the largest among
 *   matching groups, else [default], else the built-in default; seccomp
 *   from [user:], else the most restrictive group, else [default].
 * - Lists MUST only accumulate.
 * - A template that expands badly MUST drop that entry (a note), never
 *   widen it.
 * - A merged policy binding one destination twice MUST be an error.
 * - policy_user_bind() MUST refuse a path no grant covers by whole
 *   components, and :rw when only read-only grants cover it.
 * - policy_image_allowed() MUST match a pattern by parts (registry,
 *   repository by component, tag, digest: lib/imgref.h), never as one
 *   string.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/imgref.h"
#include "policy/policy_int.h"

static const char builtin[] = "built-in";

/* Built-in defaults (ctr-launch.policy(5), BUILT-IN DEFAULTS). */
static const uint64_t builtin_v[PK_NKEYS] = {
	[PK_CPUS] = 1000,
	[PK_MEMORY] = 1ull << 30,
	[PK_PIDS] = 256,
	[PK_TMPFS_SIZE] = 256ull << 20,
	[PK_MAX_CONTAINERS] = 4,
	[PK_USER_CPUS] = POLICY_UNLIMITED,
	[PK_USER_MEMORY] = POLICY_UNLIMITED,
	[PK_USER_PIDS] = POLICY_UNLIMITED,
	[PK_MAX_TOTAL] = 64,
	[PK_MAX_CONNECTIONS] = 256,
	[PK_ALLOW_DETACH] = 1,
	[PK_ALLOW_EXEC] = 1,
	[PK_LOG_SIZE] = 16ull << 20,
	[PK_USER_LOG_SIZE] = 256ull << 20,
	[PK_KEEP_EXITED] = 3600,
	[PK_MAX_EXITED] = 20,
	[PK_MAX_PTYS] = 64,
};

struct matched {
	const struct psec **v; /* [default], groups..., [user:] */
	size_t n;
	const struct psec *user;
	const struct psec *def;
};

static int
collect(const struct policy *p, const struct policy_ident *id,
    struct matched *m)
{
	unsigned char *seen = calloc(p->nindex / 8 + 1, 1);

	m->n = 0;
	m->v = calloc(id->ngroups + 2, sizeof(*m->v));
	if (m->v == NULL || seen == NULL) {
		free(seen);
		return -1;
	}
	m->def = p->def;
	if (p->def != NULL)
		m->v[m->n++] = p->def;
	for (size_t i = 0; i < id->ngroups; i++) {
		const struct psec *g;

		if (id->gnames == NULL || id->gnames[i] == NULL)
			continue;
		g = policy_find(p, POLICY_SEC_GROUP, id->gnames[i]);
		if (g == NULL || (seen[g->idx / 8] & (1u << (g->idx % 8))))
			continue; /* no section, or a gid listed twice */
		seen[g->idx / 8] |= (unsigned char)(1u << (g->idx % 8));
		m->v[m->n++] = g;
	}
	free(seen);
	m->user = policy_find(p, POLICY_SEC_USER, id->user);
	if (m->user != NULL)
		m->v[m->n++] = m->user;
	return 0;
}

static void
merge_num(const struct policy *p, const struct matched *m, enum pkey k,
    struct policy_num *out)
{
	out->v = builtin_v[k];
	out->from = builtin;
	if (k == PK_MAX_TOTAL) {
		if (p->global != NULL && p->global->sc[k].set) {
			out->v = p->global->sc[k].v;
			out->from = p->global->label;
		}
		return;
	}
	if (m->user != NULL && m->user->sc[k].set) {
		out->v = m->user->sc[k].v;
		out->from = m->user->label;
		return;
	}
	bool found = false;
	for (size_t i = 0; i < m->n; i++) {
		const struct psec *s = m->v[i];

		if (s->kind != POLICY_SEC_GROUP || !s->sc[k].set)
			continue;
		if (!found || s->sc[k].v > out->v) {
			out->v = s->sc[k].v;
			out->from = s->label;
			found = true;
		}
	}
	if (!found && m->def != NULL && m->def->sc[k].set) {
		out->v = m->def->sc[k].v;
		out->from = m->def->label;
	}
}

static void
merge_seccomp(const struct matched *m, struct policy_eff *eff)
{
	const struct psec *pick = NULL;

	eff->seccomp = POLICY_SECCOMP_DEFAULT;
	eff->seccomp_from = builtin;
	if (m->user != NULL && m->user->sc[PK_SECCOMP].set) {
		pick = m->user;
	} else {
		for (size_t i = 0; i < m->n; i++) {
			const struct psec *s = m->v[i];

			if (s->kind != POLICY_SEC_GROUP ||
			    !s->sc[PK_SECCOMP].set)
				continue;
			if (pick == NULL ||
			    s->sc[PK_SECCOMP].v < pick->sc[PK_SECCOMP].v)
				pick = s;
		}
		if (pick == NULL && m->def != NULL &&
		    m->def->sc[PK_SECCOMP].set)
			pick = m->def;
	}
	if (pick != NULL) {
		eff->seccomp = pick->sc[PK_SECCOMP].v ?
		    POLICY_SECCOMP_UNCONFINED :
		    POLICY_SECCOMP_DEFAULT;
		eff->seccomp_from = pick->label;
	}
}

/* publish_access: [user:], else the most restrictive group (owner),
 * else [default], else owner. */
static void
merge_access(const struct matched *m, struct policy_eff *eff)
{
	const struct psec *pick = NULL;

	eff->publish_access = POLICY_ACCESS_OWNER;
	eff->publish_access_from = builtin;
	if (m->user != NULL && m->user->sc[PK_PUBLISH_ACCESS].set) {
		pick = m->user;
	} else {
		for (size_t i = 0; i < m->n; i++) {
			const struct psec *s = m->v[i];

			if (s->kind != POLICY_SEC_GROUP ||
			    !s->sc[PK_PUBLISH_ACCESS].set)
				continue;
			if (pick == NULL ||
			    s->sc[PK_PUBLISH_ACCESS].v <
				pick->sc[PK_PUBLISH_ACCESS].v)
				pick = s;
		}
		if (pick == NULL && m->def != NULL &&
		    m->def->sc[PK_PUBLISH_ACCESS].set)
			pick = m->def;
	}
	if (pick != NULL) {
		eff->publish_access =
		    (enum policy_access)pick->sc[PK_PUBLISH_ACCESS].v;
		eff->publish_access_from = pick->label;
	}
}

/* ports and publish_addresses accumulate; 127.0.0.1 always first. */
static int
merge_publish(const struct matched *m, struct policy_eff *eff)
{
	size_t np = 0, na = 1;

	for (size_t i = 0; i < m->n; i++) {
		np += m->v[i]->nent[PK_PORTS];
		na += m->v[i]->nent[PK_PUBLISH_ADDRS];
	}
	eff->ports = calloc(np + 1, sizeof(*eff->ports));
	eff->publish_addrs = calloc(na, sizeof(*eff->publish_addrs));
	if (eff->ports == NULL || eff->publish_addrs == NULL ||
	    (eff->publish_addrs[0].addr = strdup("127.0.0.1")) == NULL)
		return -1;
	eff->publish_addrs[0].from = builtin;
	eff->npublish_addrs = 1;
	for (size_t i = 0; i < m->n; i++) {
		const struct psec *s = m->v[i];

		for (size_t j = 0; j < s->nent[PK_PORTS]; j++) {
			struct policy_portrange *r = &eff->ports[eff->nports++];

			r->lo = s->ent[PK_PORTS][j].lo;
			r->hi = s->ent[PK_PORTS][j].hi;
			r->from = s->label;
			r->line = s->ent[PK_PORTS][j].line;
		}
		for (size_t j = 0; j < s->nent[PK_PUBLISH_ADDRS]; j++) {
			const char *a = s->ent[PK_PUBLISH_ADDRS][j].a;
			bool dup = false;

			for (size_t k = 0; k < eff->npublish_addrs && !dup; k++)
				dup = strcmp(eff->publish_addrs[k].addr, a) ==
				    0;
			if (dup)
				continue;
			if ((eff->publish_addrs[eff->npublish_addrs].addr =
				    strdup(a)) == NULL)
				return -1;
			eff->publish_addrs[eff->npublish_addrs++].from =
			    s->label;
		}
	}
	return 0;
}

/* A yes/no key: [user:] if set, else the most restrictive matching
 * group (no beats yes), else [default], else the built-in default. */
static void
merge_yesno(const struct matched *m, enum pkey k, bool *out, policy_from *from)
{
	const struct psec *pick = NULL;

	*out = builtin_v[k] != 0;
	*from = builtin;
	if (m->user != NULL && m->user->sc[k].set) {
		pick = m->user;
	} else {
		for (size_t i = 0; i < m->n; i++) {
			const struct psec *s = m->v[i];

			if (s->kind != POLICY_SEC_GROUP || !s->sc[k].set)
				continue;
			if (pick == NULL || s->sc[k].v < pick->sc[k].v)
				pick = s;
		}
		if (pick == NULL && m->def != NULL && m->def->sc[k].set)
			pick = m->def;
	}
	if (pick != NULL) {
		*out = pick->sc[k].v != 0;
		*from = pick->label;
	}
}

static int
note_add(struct policy_eff *eff, const struct psec *s, int line,
    const char *what, const char *why)
{
	struct policy_note *v;

	v = reallocarray(eff->notes, eff->nnotes + 1, sizeof(*v));
	if (v == NULL)
		return -1;
	eff->notes = v;
	v += eff->nnotes++;
	/* WHY as the 200-byte reason buffer it once was. */
	snprintf(v->msg, sizeof(v->msg), "%s unusable: %.199s", what, why);
	v->from = s->label;
	v->line = line;
	return 0;
}

static int
merge_lists(const struct matched *m, const struct policy_ident *id,
    struct policy_eff *eff, const char *file, struct ctl_err *e)
{
	struct ctl_err why;
	size_t tot[PK_NLISTS] = { 0 };

	for (size_t i = 0; i < m->n; i++)
		for (int k = 0; k < PK_NLISTS; k++)
			tot[k] += m->v[i]->nent[k];
	eff->images = calloc(tot[PK_IMAGES] + 1, sizeof(*eff->images));
	eff->binds = calloc(tot[PK_BINDS] + 1, sizeof(*eff->binds));
	eff->user_binds = calloc(tot[PK_USER_BINDS] + 1,
	    sizeof(*eff->user_binds));
	if (!eff->images || !eff->binds || !eff->user_binds)
		goto oom;
	for (size_t i = 0; i < m->n; i++) {
		const struct psec *s = m->v[i];

		for (size_t j = 0; j < s->nent[PK_IMAGES]; j++) {
			struct policy_pattern *pp = &eff->images[eff->nimages];

			if ((pp->pattern = strdup(s->ent[PK_IMAGES][j].a)) ==
			    NULL)
				goto oom;
			pp->from = s->label;
			eff->nimages++;
		}
		for (size_t j = 0; j < s->nent[PK_NETWORK]; j++) {
			if (s->ent[PK_NETWORK][j].host && !eff->net_host) {
				eff->net_host = true;
				eff->net_from = s->label;
			}
			if (s->ent[PK_NETWORK][j].priv && !eff->net_private) {
				eff->net_private = true;
				eff->net_private_from = s->label;
			}
		}
		for (size_t j = 0; j < s->nent[PK_BINDS]; j++) {
			const struct pent *pe = &s->ent[PK_BINDS][j];
			struct policy_bind *b = &eff->binds[eff->nbinds];

			if (pval_template_expand(pe->a, id, &b->src, &why) <
				0 ||
			    pval_template_expand(pe->b, id, &b->dst, &why) <
				0) {
				free(b->src);
				b->src = NULL;
				if (note_add(eff, s, pe->line, "bind",
					why.msg) < 0)
					goto oom;
				continue;
			}
			b->ro = pe->ro;
			b->from = s->label;
			b->line = pe->line;
			eff->nbinds++;
		}
		for (size_t j = 0; j < s->nent[PK_USER_BINDS]; j++) {
			const struct pent *pe = &s->ent[PK_USER_BINDS][j];
			struct policy_prefix *u =
			    &eff->user_binds[eff->nuser_binds];

			if (pval_template_expand(pe->a, id, &u->path, &why) <
			    0) {
				if (note_add(eff, s, pe->line, "user_binds",
					why.msg) < 0)
					goto oom;
				continue;
			}
			u->ro = pe->ro;
			u->from = s->label;
			u->line = pe->line;
			eff->nuser_binds++;
		}
	}
	return 0;
oom:
	perr_set(e, file, 0, "out of memory");
	return -1;
}

static int
dst_cmp(const void *a, const void *b)
{
	const struct policy_bind *x = *(const struct policy_bind *const *)a;
	const struct policy_bind *y = *(const struct policy_bind *const *)b;
	int c = strcmp(x->dst, y->dst);

	return c != 0 ? c : (x > y) - (x < y);
}

/* Sorted by destination, then by position: O(n log n) for any n. */
static int
check_dup_dst(const struct policy_eff *eff, struct ctl_err *e)
{
	const struct policy_bind **v;

	if (eff->nbinds < 2)
		return 0;
	if ((v = reallocarray(NULL, eff->nbinds, sizeof(*v))) == NULL) {
		perr_set(e, "", 0, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < eff->nbinds; i++)
		v[i] = &eff->binds[i];
	qsort(v, eff->nbinds, sizeof(*v), dst_cmp);
	for (size_t i = 1; i < eff->nbinds; i++)
		if (strcmp(v[i - 1]->dst, v[i]->dst) == 0) {
			perr_set(e, "", v[i]->line,
			    "destination %s bound twice (%s line %d and %s "
			    "line %d)",
			    v[i]->dst, v[i - 1]->from, v[i - 1]->line,
			    v[i]->from, v[i]->line);
			free(v);
			return -1;
		}
	free(v);
	return 0;
}

static void
check_deny(const struct matched *m, struct policy_eff *eff)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct psec *s = m->v[i];

		if (s->sc[PK_DENY].set && s->sc[PK_DENY].v) {
			eff->denied = true;
			eff->deny_from = s->label;
			snprintf(eff->deny_reason, sizeof(eff->deny_reason),
			    "denied by %s (deny = yes, line %d)", s->label,
			    s->sc[PK_DENY].line);
			return;
		}
	}
	if (eff->nimages == 0) {
		eff->denied = true;
		eff->deny_from = builtin;
		snprintf(eff->deny_reason, sizeof(eff->deny_reason),
		    "no image granted by the policy");
	}
}

int
policy_eval(const struct policy *p, const struct policy_ident *id,
    struct policy_eff *eff, struct ctl_err *e)
{
	static const enum pkey nums[] = { PK_CPUS, PK_MEMORY, PK_PIDS,
		PK_TMPFS_SIZE, PK_MAX_CONTAINERS, PK_USER_CPUS, PK_USER_MEMORY,
		PK_USER_PIDS, PK_MAX_TOTAL, PK_LOG_SIZE, PK_USER_LOG_SIZE,
		PK_KEEP_EXITED, PK_MAX_EXITED, PK_MAX_CONNECTIONS,
		PK_MAX_PTYS };
	struct policy_num *outs[] = { &eff->cpus, &eff->memory, &eff->pids,
		&eff->tmpfs_size, &eff->max_containers, &eff->user_cpus,
		&eff->user_memory, &eff->user_pids, &eff->max_total_containers,
		&eff->log_size, &eff->user_log_size, &eff->keep_exited,
		&eff->max_exited, &eff->max_connections, &eff->max_ptys };
	struct matched m = { NULL, 0, NULL, NULL };

	memset(eff, 0, sizeof(*eff));
	eff->net_from = builtin;
	eff->net_private_from = builtin;
	if (p == NULL || id == NULL || id->user == NULL ||
	    (id->ngroups > 0 && (id->gids == NULL || id->gnames == NULL))) {
		perr_set(e, "", 0, "policy_eval: bad arguments");
		return -1;
	}
	if (collect(p, id, &m) < 0) {
		perr_set(e, "", 0, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
		merge_num(p, &m, nums[i], outs[i]);
	merge_seccomp(&m, eff);
	merge_access(&m, eff);
	merge_yesno(&m, PK_ALLOW_DETACH, &eff->allow_detach,
	    &eff->allow_detach_from);
	merge_yesno(&m, PK_ALLOW_EXEC, &eff->allow_exec, &eff->allow_exec_from);
	eff->cgroup_placement = POLICY_PLACEMENT_AUTO;
	eff->placement_from = builtin;
	if (p->global != NULL && p->global->sc[PK_PLACEMENT].set) {
		eff->cgroup_placement =
		    (enum policy_placement)p->global->sc[PK_PLACEMENT].v;
		eff->placement_from = p->global->label;
	}
	if (merge_lists(&m, id, eff, "", e) < 0 ||
	    (merge_publish(&m, eff) < 0 &&
		(perr_set(e, "", 0, "out of memory"), true))) {
		free(m.v);
		policy_eff_free(eff);
		return -1;
	}
	check_deny(&m, eff);
	if (plogin_eval(m.v, m.n, m.user, eff, e) < 0 ||
	    (!eff->denied && check_dup_dst(eff, e) < 0)) {
		free(m.v);
		policy_eff_free(eff);
		return -1;
	}
	free(m.v);
	return 0;
}

void
policy_eff_free(struct policy_eff *eff)
{
	if (eff == NULL)
		return;
	for (size_t i = 0; i < eff->nimages; i++)
		free(eff->images[i].pattern);
	for (size_t i = 0; i < eff->nbinds; i++) {
		free(eff->binds[i].src);
		free(eff->binds[i].dst);
	}
	for (size_t i = 0; i < eff->nuser_binds; i++)
		free(eff->user_binds[i].path);
	free(eff->images);
	free(eff->binds);
	free(eff->user_binds);
	for (size_t i = 0; i < eff->npublish_addrs; i++)
		free(eff->publish_addrs[i].addr);
	free(eff->publish_addrs);
	free(eff->ports);
	free(eff->notes);
	memset(eff, 0, sizeof(*eff));
}

bool
policy_image_allowed(const struct policy_eff *eff, const char *canon,
    policy_from *from)
{
	if (eff == NULL || canon == NULL || eff->denied)
		return false;
	for (size_t i = 0; i < eff->nimages; i++)
		if (imgref_match_text(eff->images[i].pattern, canon)) {
			if (from != NULL)
				*from = eff->images[i].from;
			return true;
		}
	return false;
}

int
policy_user_bind(const struct policy_eff *eff, const char *realpath,
    enum policy_mode mode, bool *ro, struct ctl_err *e)
{
	const struct policy_prefix *rog = NULL;
	bool rw = false, any = false;

	if (eff == NULL || eff->denied || !policy_path_normal(realpath)) {
		perr_set(e, "", 0, "%s: not an absolute, normal path",
		    realpath ? realpath : "(null)");
		return -1;
	}
	for (size_t i = 0; i < eff->nuser_binds; i++) {
		const struct policy_prefix *u = &eff->user_binds[i];

		if (!policy_path_covers(u->path, realpath))
			continue;
		any = true;
		if (!u->ro)
			rw = true;
		else if (rog == NULL)
			rog = u;
	}
	if (!any) {
		perr_set(e, "", 0,
		    "%s is not under any user_binds prefix the policy grants "
		    "you",
		    realpath);
		return -1;
	}
	if (mode == POLICY_MODE_RW && !rw) {
		perr_set(e, "", 0,
		    "%s: :rw refused, %s is granted read-only by %s", realpath,
		    rog->path, rog->from);
		return -1;
	}
	*ro = mode == POLICY_MODE_RO || !rw;
	return 0;
}
