/*
 * cgroup_usage.c: what the container's processes use now (K's status)
 * and used in all (read once, just before its cgroup is removed), from
 * the v2 or v1 interface files; CGROUP_UNKNOWN where the kernel does not
 * tell.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "helper/cgroup_int.h"

uint64_t
cgroup_stat_value(const char *text, const char *key)
{
	size_t kl = strlen(key);

	for (const char *l = text; l != NULL && *l != '\0';) {
		const char *nl = strchr(l, '\n');

		if (strncmp(l, key, kl) == 0 && l[kl] == ' ' &&
		    isdigit((unsigned char)l[kl + 1])) {
			char *end;
			unsigned long long v;

			errno = 0;
			v = strtoull(l + kl + 1, &end, 10);
			if (errno == 0 && (*end == '\n' || *end == '\0'))
				return (uint64_t)v;
		}
		l = nl ? nl + 1 : NULL;
	}
	return CGROUP_UNKNOWN;
}

/* A "KEY N" line of FILE, or CGROUP_UNKNOWN. */
static uint64_t
read_stat(int dirfd, const char *file, const char *key)
{
	char buf[2048];

	if (dirfd < 0 || cg_read_file(dirfd, file, buf, sizeof(buf)) == -1)
		return CGROUP_UNKNOWN;
	return cgroup_stat_value(buf, key);
}

static uint64_t
ns_to_us(uint64_t v)
{
	return v == CGROUP_UNKNOWN ? v : v / 1000;
}

/* What the container used (its processes are gone, the files remain). */
void
cg_read_usage(struct cgroup *cg)
{
	struct cgroup_usage *u = &cg->usage;

	if (cg->h->version == 2) {
		int d = cg_run_dir(cg, 0);

		u->cpu_user_usec = read_stat(d, "cpu.stat", "user_usec");
		u->cpu_system_usec = read_stat(d, "cpu.stat", "system_usec");
		u->memory_peak = cg_read_number(d, "memory.peak");
		u->oom_kills = read_stat(d, "memory.events", "oom_kill");
		u->pids_peak = cg_read_number(d, "pids.peak");
		return;
	}
	/* v1: CPU time where cpuacct shares the cpu hierarchy. */
	u->cpu_user_usec = ns_to_us(
	    cg_read_number(cg_run_dir(cg, CGROUP_CPU), "cpuacct.usage_user"));
	u->cpu_system_usec = ns_to_us(
	    cg_read_number(cg_run_dir(cg, CGROUP_CPU), "cpuacct.usage_sys"));
	u->memory_peak = cg_read_number(cg_run_dir(cg, CGROUP_MEMORY),
	    "memory.max_usage_in_bytes");
	u->oom_kills = read_stat(cg_run_dir(cg, CGROUP_MEMORY),
	    "memory.oom_control", "oom_kill");
	u->pids_peak = cg_read_number(cg_run_dir(cg, CGROUP_PIDS), "pids.peak");
}

void
cgroup_current(const struct cgroup *cg, uint64_t *cpu_usec, uint64_t *mem,
    uint64_t *pids)
{
	if (cg->h->version == 2) {
		int d = cg_run_dir(cg, 0);

		*cpu_usec = read_stat(d, "cpu.stat", "usage_usec");
		*mem = cg_read_number(d, "memory.current");
		*pids = cg_read_number(d, "pids.current");
		return;
	}
	*cpu_usec = ns_to_us(
	    cg_read_number(cg_run_dir(cg, CGROUP_CPU), "cpuacct.usage"));
	*mem = cg_read_number(cg_run_dir(cg, CGROUP_MEMORY),
	    "memory.usage_in_bytes");
	*pids = cg_read_number(cg_run_dir(cg, CGROUP_PIDS), "pids.current");
}
