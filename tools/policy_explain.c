/*
 * policy_explain.c: ctr-policy explain's printing of an effective policy
 * (struct policy_eff): one line per value, "KEY VALUE FROM", the values
 * written as the policy writes them (sizes with K/M/G/T, binds with their
 * escapes), FROM the section each came from.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "policy/policy.h"
#include "tools/ctr_policy.h"

static void
fmt_num(const struct policy_num *n, bool size, bool cpus, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	uint64_t v = n->v;
	int u = -1;

	if (v == POLICY_UNLIMITED) {
		snprintf(buf, len, "unlimited");
	} else if (cpus) {
		if (v % 1000 == 0)
			snprintf(buf, len, "%llu",
			    (unsigned long long)(v / 1000));
		else
			snprintf(buf, len, "%llu.%03llu",
			    (unsigned long long)(v / 1000),
			    (unsigned long long)(v % 1000));
	} else if (size) {
		while (u < 3 && v != 0 && v % 1024 == 0) {
			v /= 1024;
			u++;
		}
		if (u < 0)
			snprintf(buf, len, "%llu", (unsigned long long)v);
		else
			snprintf(buf, len, "%llu%c", (unsigned long long)v,
			    units[u]);
	} else {
		snprintf(buf, len, "%llu", (unsigned long long)v);
	}
}

/* The login keys (ctr-launch-shell). */
static void
print_login(const struct policy_eff *eff)
{
	static const char *const tr[] = { "container", "host", "deny" };
	char img[300];

	printf("login                %-36s %s\n", eff->login ? "yes" : "no",
	    eff->login_from);
	snprintf(img, sizeof(img), "%s%s",
	    eff->login_image ? eff->login_image : "(none)",
	    eff->login_image &&
		    !policy_image_allowed(eff, eff->login_image, NULL) ?
		" (not granted by images)" :
		"");
	printf("login_image          %-36s %s\n", img, eff->login_image_from);
	printf("login_shell          %-36s %s\n", eff->login_shell,
	    eff->login_shell_from);
	printf("transfer             %-36s %s\n", tr[eff->transfer],
	    eff->transfer_from);
}

/* Appends PATH to B as the policy writes it in a binds or user_binds
 * list: ':', ',' and '\\' escaped by a backslash. */
static void
put_escaped(char *b, size_t len, const char *path)
{
	size_t n = strlen(b);

	for (; *path != '\0' && n + 2 < len; path++) {
		if (*path == ':' || *path == ',' || *path == '\\')
			b[n++] = '\\';
		b[n++] = *path;
	}
	b[n] = '\0';
}

/* images, binds and user_binds: what the container sees of the host. */
static void
print_mounts(const struct policy_eff *eff)
{
	for (size_t i = 0; i < eff->nimages; i++)
		printf("images               %-36s %s\n",
		    eff->images[i].pattern, eff->images[i].from);
	for (size_t i = 0; i < eff->nbinds; i++) {
		char b[PATH_MAX * 4 + 8] = "";

		put_escaped(b, sizeof(b) - 8, eff->binds[i].src);
		strcat(b, ":");
		put_escaped(b, sizeof(b) - 8, eff->binds[i].dst);
		strcat(b, eff->binds[i].ro ? ":ro" : ":rw");
		printf("binds                %-36s %s\n", b,
		    eff->binds[i].from);
	}
	for (size_t i = 0; i < eff->nuser_binds; i++) {
		char b[PATH_MAX * 2 + 8] = "";

		put_escaped(b, sizeof(b) - 8, eff->user_binds[i].path);
		strcat(b, eff->user_binds[i].ro ? ":ro" : ":rw");
		printf("user_binds           %-36s %s\n", b,
		    eff->user_binds[i].from);
	}
}

/* network, ports, publish_addresses and publish_access. */
static void
print_network(const struct policy_eff *eff)
{
	printf("network              %-36s %s\n",
	    eff->net_host ? "host, none" : "none", eff->net_from);
	if (eff->net_private)
		printf("network              %-36s %s\n", "private",
		    eff->net_private_from);
	for (size_t i = 0; i < eff->nports; i++) {
		char b[16];

		snprintf(b, sizeof(b), "%u-%u", eff->ports[i].lo,
		    eff->ports[i].hi);
		if (eff->ports[i].lo == eff->ports[i].hi)
			snprintf(b, sizeof(b), "%u", eff->ports[i].lo);
		printf("ports                %-36s %s\n", b,
		    eff->ports[i].from);
	}
	for (size_t i = 0; i < eff->npublish_addrs; i++)
		printf("publish_addresses    %-36s %s\n",
		    eff->publish_addrs[i].addr, eff->publish_addrs[i].from);
	printf("publish_access       %-36s %s\n",
	    eff->publish_access == POLICY_ACCESS_ANY ? "any" : "owner",
	    eff->publish_access_from);
}

/* The numeric limits, in the policy's units. */
static void
print_limits(const struct policy_eff *eff)
{
	const struct {
		const char *name;
		const struct policy_num *n;
		bool size, cpus;
	} nums[] = {
		{ "cpus", &eff->cpus, false, true },
		{ "memory", &eff->memory, true, false },
		{ "pids", &eff->pids, false, false },
		{ "tmpfs_size", &eff->tmpfs_size, true, false },
		{ "max_ptys", &eff->max_ptys, false, false },
		{ "max_containers", &eff->max_containers, false, false },
		{ "user_cpus", &eff->user_cpus, false, true },
		{ "user_memory", &eff->user_memory, true, false },
		{ "user_pids", &eff->user_pids, false, false },
		{ "max_total_containers", &eff->max_total_containers, false,
		    false },
		{ "max_connections", &eff->max_connections, false, false },
		{ "log_size", &eff->log_size, true, false },
		{ "user_log_size", &eff->user_log_size, true, false },
		{ "max_exited", &eff->max_exited, false, false },
	};
	char buf[64];

	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		fmt_num(nums[i].n, nums[i].size, nums[i].cpus, buf,
		    sizeof(buf));
		printf("%-20s %-36s %s\n", nums[i].name, buf, nums[i].n->from);
	}
}

void
print_eff(const struct policy_eff *eff)
{
	print_mounts(eff);
	print_network(eff);
	print_limits(eff);
	printf("seccomp              %-36s %s\n",
	    eff->seccomp == POLICY_SECCOMP_UNCONFINED ? "unconfined" :
							"default",
	    eff->seccomp_from);
	printf("cgroup_placement     %-36s %s\n",
	    eff->cgroup_placement == POLICY_PLACEMENT_TOP ? "top" : "auto",
	    eff->placement_from);
	print_login(eff);
	printf("keep_exited          %-36llu %s\n",
	    (unsigned long long)eff->keep_exited.v, eff->keep_exited.from);
	printf("allow_detach         %-36s %s\n",
	    eff->allow_detach ? "yes" : "no", eff->allow_detach_from);
	printf("allow_exec           %-36s %s\n",
	    eff->allow_exec ? "yes" : "no", eff->allow_exec_from);
	for (size_t i = 0; i < eff->nnotes; i++)
		printf("note: %s line %d: %s\n", eff->notes[i].from,
		    eff->notes[i].line, eff->notes[i].msg);
}
