/*
 * cgroup_usage.c: what the container's processes use now (K's status)
 * and used in all (read once, just before its cgroup is removed), from
 * the v2 or v1 interface files; CGROUP_UNKNOWN where the kernel does not
 * tell.  On v1 with cpuacct mounted apart from cpu, the CPU time K shows
 * is summed from /proc over the container's processes instead.
 *
 * Invariants:
 * - A /proc/PID/stat line MUST be read after the last ')' only: the
 *   command name before it is the container's to choose.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helper/cgroup_int.h"
#include "lib/cleanup.h"

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

uint64_t
cgroup_proc_ticks(const char *stat)
{
	/* After ") ": the state (field 3), ten more, then utime, stime,
	 * cutime and cstime (fields 14 to 17, proc(5)). */
	const char *p = strrchr(stat, ')');
	uint64_t sum = 0;

	if (p == NULL || p[1] != ' ')
		return CGROUP_UNKNOWN;
	p += 2;
	for (int field = 3; field <= 17; field++) {
		const char *end = p;

		while (*end != '\0' && *end != ' ' && *end != '\n')
			end++;
		if (end == p)
			return CGROUP_UNKNOWN;
		if (field >= 14) {
			unsigned long long v;
			char *stop;

			if (!isdigit((unsigned char)*p))
				return CGROUP_UNKNOWN;
			errno = 0;
			v = strtoull(p, &stop, 10);
			if (errno != 0 || stop != end || v > UINT64_MAX - sum)
				return CGROUP_UNKNOWN;
			sum += v;
		}
		if (field < 17 && *end != ' ')
			return CGROUP_UNKNOWN;
		p = end + (*end == ' ');
	}
	return sum;
}

/* The CPU time of the processes in DIRFD's cgroup.procs, each one's own
 * and that of the children it reaped: every process of a container ends
 * reaped inside it (P1 reaps the orphans), so this is what the container
 * used so far, give or take a process that ended between the two reads.
 * CGROUP_UNKNOWN when not one of them could be read: an unreadable /proc
 * is no proof of an idle container. */
static uint64_t
procs_cpu_usec(int dirfd)
{
	cleanup_free pid_t *pids = NULL;
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t ticks = 0, per_tick;
	bool read_one = false;
	ssize_t n;

	if (dirfd < 0 || hz <= 0 || hz > 1000000 ||
	    (n = cg_read_pids(dirfd, &pids)) <= 0)
		return CGROUP_UNKNOWN;
	per_tick = (uint64_t)(1000000 / hz);
	for (ssize_t i = 0; i < n; i++) {
		char path[32], buf[1024];
		uint64_t t;

		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pids[i]);
		/* Gone meanwhile: nothing, its time is its reaper's now. */
		if (cg_read_file(AT_FDCWD, path, buf, sizeof(buf)) != 0 ||
		    (t = cgroup_proc_ticks(buf)) == CGROUP_UNKNOWN)
			continue;
		if (t > UINT64_MAX / per_tick - ticks)
			return CGROUP_UNKNOWN;
		ticks += t;
		read_one = true;
	}
	return read_one ? ticks * per_tick : CGROUP_UNKNOWN;
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
	if (*cpu_usec == CGROUP_UNKNOWN)
		*cpu_usec = procs_cpu_usec(cg_run_dir(cg, CGROUP_PIDS));
	*mem = cg_read_number(cg_run_dir(cg, CGROUP_MEMORY),
	    "memory.usage_in_bytes");
	*pids = cg_read_number(cg_run_dir(cg, CGROUP_PIDS), "pids.current");
}
