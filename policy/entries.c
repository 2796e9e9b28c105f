/*
 * entries.c: the read-only walker of a loaded policy's list entries
 * (images, binds, ports, publish_addresses), for ctr-policy check, which
 * sees the policy through policy.h only.
 *
 * Invariants:
 * - It MUST only read: a loaded policy never changes (policy.h), and the
 *   pointers it hands out live as long as the policy.
 * - Every index MUST be checked against the policy's own counts; an out
 *   of range section, list or entry is refused, never read.
 */
#include <string.h>

#include "policy/policy_int.h"

/* The internal list behind each public one; -1 for none. */
static int
list_key(enum policy_list l)
{
	switch (l) {
	case POLICY_LIST_IMAGES:
		return PK_IMAGES;
	case POLICY_LIST_BINDS:
		return PK_BINDS;
	case POLICY_LIST_PORTS:
		return PK_PORTS;
	case POLICY_LIST_PUBLISH_ADDRS:
		return PK_PUBLISH_ADDRS;
	case POLICY_LIST_USER_BINDS:
		return PK_USER_BINDS;
	}
	return -1;
}

/* Section SEC of P, or NULL when out of range. */
static const struct psec *
section_at(const struct policy *p, size_t sec)
{
	if (p == NULL || sec >= p->nsecs)
		return NULL;
	return p->secs[sec];
}

size_t
policy_nentries(const struct policy *p, size_t sec, enum policy_list l)
{
	const struct psec *s = section_at(p, sec);
	int k = list_key(l);

	if (s == NULL || k < 0)
		return 0;
	return s->nent[k];
}

int
policy_entry(const struct policy *p, size_t sec, enum policy_list l, size_t i,
    struct policy_entry *out)
{
	const struct psec *s = section_at(p, sec);
	const struct pent *e;
	int k = list_key(l);

	if (s == NULL || k < 0 || i >= s->nent[k])
		return -1;
	e = &s->ent[k][i];
	memset(out, 0, sizeof(*out));
	out->line = e->line;
	switch (l) {
	case POLICY_LIST_IMAGES:
	case POLICY_LIST_PUBLISH_ADDRS:
	case POLICY_LIST_USER_BINDS:
		out->text = e->a;
		break;
	case POLICY_LIST_BINDS:
		out->text = e->a;
		out->dst = e->b;
		break;
	case POLICY_LIST_PORTS:
		out->lo = e->lo;
		out->hi = e->hi;
		break;
	}
	return 0;
}
