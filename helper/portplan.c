/*
 * portplan.c: the network part of the launch plan (step 3) and the docker
 * habits around it: --network private, -p against the policy, -u, and the
 * --format json of info and images.  Pure: it decides and prints, it
 * binds nothing (helper/ports.c does, in K).
 *
 * Invariants:
 * - --network private and -p MUST be refused unless the policy grants
 *   "private"; every -p MUST pass policy_publish_check (port granted,
 *   address granted, no host port twice) before anything is created.
 * - -u MUST be accepted only when it names the caller's own uid or name,
 *   and, when a group is given, the caller's own primary gid or its name;
 *   ctr-launch never runs anyone as anybody else.
 * - JSON output MUST be one document with the keys ctr-launch(1) lists,
 *   every string escaped (quote, backslash, every byte below 0x20 and from
 *   0x7f as \u00XX), so that no name can forge a key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "helper/args.h"
#include "helper/log.h"
#include "helper/plan.h"

void
portplan_format(const struct policy_publish *v, char *buf, size_t len)
{
	snprintf(buf, len,
	    v->family == AF_INET6 ? "[%s]:%u->%u/tcp" : "%s:%u->%u/tcp",
	    v->addrtext, v->hostport, v->port);
}

void
portplan_network(struct launch_plan *p, const struct args_request *req)
{
	const struct policy_eff *eff = &p->eff;
	struct ctl_err e;

	if (req->net != ARGS_NET_PRIVATE)
		return;
	if (!eff->net_private)
		deny(
		    "%s refused: the policy does not grant you the private network",
		    req->npublish > 0 ? "-p" : "--network private");
	if (policy_publish_check(eff, req->publish, req->npublish, &e) != 0)
		deny("%.511s", e.msg);
	p->net = PLAN_NET_PRIVATE;
	p->publish_any = eff->publish_access == POLICY_ACCESS_ANY;
	p->max_connections = eff->max_connections.v;
	if (req->npublish == 0)
		return;
	p->ports = calloc(req->npublish, sizeof(*p->ports));
	if (p->ports == NULL)
		die("out of memory");
	memcpy(p->ports, req->publish, req->npublish * sizeof(*p->ports));
	p->nports = req->npublish;
}

/* Decimal with nothing around it, at most UINT32_MAX - 1. */
static bool
is_id(const char *s, unsigned long *v)
{
	char *end;

	if (s[0] < '0' || s[0] > '9' || strlen(s) > 10)
		return false;
	*v = strtoul(s, &end, 10);
	return *end == '\0' && *v < 4294967295ul;
}

int
portplan_user_check(const char *spec, uid_t uid, const char *user, gid_t gid,
    const char *group, struct ctl_err *e)
{
	char buf[256], *g;
	unsigned long v;
	bool ok;

	if (snprintf(buf, sizeof(buf), "%s", spec) >= (int)sizeof(buf))
		buf[0] = '\0';
	if ((g = strchr(buf, ':')) != NULL)
		*g++ = '\0';
	ok = buf[0] != '\0' &&
	    (is_id(buf, &v) ? v == (unsigned long)uid :
			      user != NULL && strcmp(buf, user) == 0);
	if (ok && g != NULL)
		ok = g[0] != '\0' &&
		    (is_id(g, &v) ? v == (unsigned long)gid :
				    group != NULL && strcmp(g, group) == 0);
	if (ok)
		return 0;
	err_set(e,
	    "-u %.64s refused: ctr-launch always runs you as yourself (uid %lu, gid %lu)",
	    spec, (unsigned long)uid, (unsigned long)gid);
	return -1;
}

void
portplan_user(const struct launch_plan *p, const struct args_request *req)
{
	struct ctl_err e;

	if (req->user == NULL)
		return;
	if (portplan_user_check(req->user, p->uid, p->user, p->gid,
		p->ngroups > 0 ? p->groups[0].name : NULL, &e) != 0)
		deny("%s", e.msg);
}

/* ---- JSON ---- */

static void
json_str(const char *s)
{
	putchar('"');
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void
json_key(const char *k, bool *first)
{
	if (!*first)
		putchar(',');
	*first = false;
	json_str(k);
	putchar(':');
}

static void
json_num(const char *k, const struct policy_num *n, bool cpus, bool *first)
{
	json_key(k, first);
	if (n->v == POLICY_UNLIMITED)
		printf("null");
	else if (cpus)
		printf("%llu.%03llu", (unsigned long long)(n->v / 1000),
		    (unsigned long long)(n->v % 1000));
	else
		printf("%llu", (unsigned long long)n->v);
}

static void
json_limits(const struct policy_eff *e)
{
	bool first = true;

	putchar('{');
	json_num("cpus", &e->cpus, true, &first);
	json_num("memory", &e->memory, false, &first);
	json_num("pids", &e->pids, false, &first);
	json_num("tmpfs_size", &e->tmpfs_size, false, &first);
	json_num("max_ptys", &e->max_ptys, false, &first);
	json_num("max_containers", &e->max_containers, false, &first);
	json_num("user_cpus", &e->user_cpus, true, &first);
	json_num("user_memory", &e->user_memory, false, &first);
	json_num("user_pids", &e->user_pids, false, &first);
	json_num("max_total_containers", &e->max_total_containers, false,
	    &first);
	json_num("max_connections", &e->max_connections, false, &first);
	putchar('}');
}

static void
json_grants(const struct policy_eff *e)
{
	bool first = true;

	json_key("images", &first);
	putchar('[');
	for (size_t i = 0; i < e->nimages; i++) {
		printf(i ? ",{" : "{");
		json_str("pattern");
		putchar(':');
		json_str(e->images[i].pattern);
		printf(",\"from\":");
		json_str(e->images[i].from);
		putchar('}');
	}
	printf("],\"binds\":[");
	for (size_t i = 0; i < e->nbinds; i++) {
		printf(i ? ",{\"source\":" : "{\"source\":");
		json_str(e->binds[i].src);
		printf(",\"destination\":");
		json_str(e->binds[i].dst);
		printf(",\"mode\":\"%s\",\"from\":",
		    e->binds[i].ro ? "ro" : "rw");
		json_str(e->binds[i].from);
		putchar('}');
	}
	printf("],\"user_binds\":[");
	for (size_t i = 0; i < e->nuser_binds; i++) {
		printf(i ? ",{\"path\":" : "{\"path\":");
		json_str(e->user_binds[i].path);
		printf(",\"mode\":\"%s\",\"from\":",
		    e->user_binds[i].ro ? "ro" : "rw");
		json_str(e->user_binds[i].from);
		putchar('}');
	}
	printf("],\"network\":[\"none\"%s%s]", e->net_host ? ",\"host\"" : "",
	    e->net_private ? ",\"private\"" : "");
	printf(",\"ports\":[");
	for (size_t i = 0; i < e->nports; i++) {
		printf("%s{\"first\":%u,\"last\":%u,\"from\":", i ? "," : "",
		    e->ports[i].lo, e->ports[i].hi);
		json_str(e->ports[i].from);
		putchar('}');
	}
	printf("],\"publish_addresses\":[");
	for (size_t i = 0; i < e->npublish_addrs; i++) {
		if (i)
			putchar(',');
		json_str(e->publish_addrs[i].addr);
	}
	printf("],\"publish_access\":\"%s\"",
	    e->publish_access == POLICY_ACCESS_ANY ? "any" : "owner");
	printf(",\"seccomp\":\"%s\"",
	    e->seccomp == POLICY_SECCOMP_DEFAULT ? "default" : "unconfined");
}

void
portplan_info_json(const struct launch_plan *p)
{
	const struct policy_eff *e = &p->eff;

	printf("{\"version\":1,\"policy\":");
	json_str(POLICY_FILE);
	printf(",\"user\":");
	json_str(p->user);
	printf(",\"uid\":%lu,\"gid\":%lu,\"groups\":[", (unsigned long)p->uid,
	    (unsigned long)p->gid);
	for (size_t i = 0; i < p->ngroups; i++) {
		printf("%s{\"gid\":%lu,\"name\":", i ? "," : "",
		    (unsigned long)p->groups[i].gid);
		json_str(p->groups[i].name);
		putchar('}');
	}
	printf("],");
	json_grants(e);
	printf(",\"limits\":");
	json_limits(e);
	printf("}\n");
}

void
portplan_images_json(char *const *names, size_t n)
{
	putchar('[');
	for (size_t i = 0; i < n; i++) {
		printf(i ? ",{\"name\":" : "{\"name\":");
		json_str(names[i]);
		putchar('}');
	}
	printf("]\n");
}
