/*
 * cgroup_limits.c: the controllers of the container's cgroup and their
 * limits: the v2 controllers enabled for the layout's children, memory,
 * cpu and pids limits written (v2 and v1) and read back, the admission of
 * a container nested in a batch job, and the limits' one-line format.
 *
 * Invariants:
 * - A finite limit whose controller is missing MUST be refused.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "helper/cgroup_int.h"
#include "lib/cleanup.h"

#define CPU_PERIOD      100000  /* microseconds */
#define CPU_LONG_PERIOD 1000000 /* under 0.01 CPU */
#define CPU_MINQUOTA    1000

/* Enables the available controllers for DIRFD's children (v2). */
int
cg_enable_controllers(const struct cgroup_hier *h, int dirfd, struct ctl_err *e)
{
	char cur[512], want[64] = "";

	if (cg_read_file(dirfd, "cgroup.subtree_control", cur, sizeof(cur)) ==
	    -1)
		return cg_fail(e, errno, "cgroup.subtree_control");
	for (int c = 0; c < CGROUP_NCTL; c++) {
		if (!h->have[c] || cg_has_word(cur, cg_ctl_name[c]))
			continue;
		if (want[0] != '\0')
			strncat(want, " ", sizeof(want) - strlen(want) - 1);
		strncat(want, "+", sizeof(want) - strlen(want) - 1);
		strncat(want, cg_ctl_name[c], sizeof(want) - strlen(want) - 1);
	}
	if (want[0] == '\0')
		return 0;
	if (cg_write_file(h, dirfd, "cgroup.subtree_control", want) == -1)
		return cg_fail(e, errno, "cgroup.subtree_control: writing %s",
		    want);
	return 0;
}

static void
fmt_u64(char *buf, size_t len, uint64_t v, const char *inf)
{
	if (v == UNLIMITED)
		snprintf(buf, len, "%s", inf);
	else
		snprintf(buf, len, "%" PRIu64, v);
}

/* MILLI thousandths of a CPU as a quota per *PERIOD: 100 ms, or 1 s
 * under 0.01 CPU, whose quota per 100 ms would be under the kernel's 1 ms
 * minimum (0.001 CPU is 1 ms a second, exactly what was granted). */
static uint64_t
cpu_quota(uint64_t milli, int *period)
{
	uint64_t q;

	*period = milli < 10 ? CPU_LONG_PERIOD : CPU_PERIOD;
	if (milli > UINT64_MAX / (uint64_t)(*period / 1000))
		return UNLIMITED;
	q = milli * (uint64_t)(*period / 1000);
	return q < CPU_MINQUOTA ? CPU_MINQUOTA : q;
}

static int
wr(const struct cgroup_hier *h, int dirfd, const char *file, const char *val,
    struct ctl_err *e)
{
	if (cg_write_file(h, dirfd, file, val) == -1)
		return cg_fail(e, errno, "cgroup %s: writing %s", file, val);
	return 0;
}

static int
limit_memory(const struct cgroup_hier *h, int dirfd, uint64_t v,
    struct ctl_err *e)
{
	char buf[32];

	if (h->version == 2) {
		fmt_u64(buf, sizeof(buf), v, "max");
		if (wr(h, dirfd, "memory.max", buf, e) == -1)
			return -1;
		/* No swap beyond the limit (absent without swap accounting). */
		if (cg_write_file(h, dirfd, "memory.swap.max", "0") == -1 &&
		    errno != ENOENT)
			return cg_fail(e, errno, "cgroup memory.swap.max");
		return 0;
	}
	/* v1: memsw (memory + swap) must stay >= the memory limit. */
	fmt_u64(buf, sizeof(buf), v, "-1");
	if (v == UNLIMITED ||
	    cg_write_file(h, dirfd, "memory.limit_in_bytes", buf) == -1) {
		if (v != UNLIMITED && errno != EINVAL)
			return cg_fail(e, errno,
			    "cgroup memory.limit_in_bytes");
		if (cg_write_file(h, dirfd, "memory.memsw.limit_in_bytes",
			buf) == -1 &&
		    errno != ENOENT)
			return cg_fail(e, errno,
			    "cgroup memory.memsw.limit_in_bytes");
		return wr(h, dirfd, "memory.limit_in_bytes", buf, e);
	}
	if (cg_write_file(h, dirfd, "memory.memsw.limit_in_bytes", buf) == -1 &&
	    errno != ENOENT)
		return cg_fail(e, errno, "cgroup memory.memsw.limit_in_bytes");
	return 0;
}

static int
limit_cpu(const struct cgroup_hier *h, int dirfd, uint64_t milli,
    struct ctl_err *e)
{
	char buf[64];
	int period = CPU_PERIOD;
	uint64_t q = milli == UNLIMITED ? UNLIMITED : cpu_quota(milli, &period);

	if (h->version == 2) {
		if (q == UNLIMITED)
			snprintf(buf, sizeof(buf), "max %d", period);
		else
			snprintf(buf, sizeof(buf), "%" PRIu64 " %d", q, period);
		return wr(h, dirfd, "cpu.max", buf, e);
	}
	snprintf(buf, sizeof(buf), "%d", period);
	if (wr(h, dirfd, "cpu.cfs_period_us", buf, e) == -1)
		return -1;
	fmt_u64(buf, sizeof(buf), q, "-1");
	return wr(h, dirfd, "cpu.cfs_quota_us", buf, e);
}

static int
limit_pids(const struct cgroup_hier *h, int dirfd, uint64_t v,
    struct ctl_err *e)
{
	char buf[32];

	fmt_u64(buf, sizeof(buf), v, "max");
	return wr(h, dirfd, "pids.max", buf, e);
}

/* Writes the limit of controller C into DIRFD (the hierarchy of C). */
static int
write_limit(const struct cgroup_hier *h, int c, int dirfd,
    const struct cgroup_limits *lim, struct ctl_err *e)
{
	const uint64_t v[CGROUP_NCTL] = { lim->memory, lim->cpus, lim->pids };

	if (!h->have[c]) {
		if (v[c] != UNLIMITED)
			return cg_fail(e, ENOTSUP,
			    "cgroup controller %s is not available, so %s cannot be limited",
			    cg_ctl_name[c], cg_ctl_name[c]);
		return 0;
	}
	switch (c) {
	case CGROUP_MEMORY:
		return limit_memory(h, dirfd, v[c], e);
	case CGROUP_CPU:
		return limit_cpu(h, dirfd, v[c], e);
	default:
		return limit_pids(h, dirfd, v[c], e);
	}
}

/* Writes every limit of LIM into the directories DIRS (one per ctl). */
int
cg_write_limits(const struct cgroup_hier *h, const int *dirs,
    const struct cgroup_limits *lim, struct ctl_err *e)
{
	for (int c = 0; c < CGROUP_NCTL; c++)
		if (write_limit(h, c, dirs[h->version == 2 ? 0 : c], lim, e) ==
		    -1)
			return -1;
	return 0;
}

/* The limit of controller C that container directory FD holds, in the
 * units of struct cgroup_limits; UNLIMITED for none or unreadable. */
static uint64_t
read_limit(const struct cgroup_hier *h, int c, int fd)
{
	char buf[64];
	unsigned long long q, per;

	switch (c) {
	case CGROUP_MEMORY:
		if (h->version == 2)
			return cg_read_number(fd, "memory.max");
		q = cg_read_number(fd, "memory.limit_in_bytes");
		return q >= (1ull << 62) ? UNLIMITED : q;
	case CGROUP_CPU:
		if (h->version == 2) {
			if (cg_read_file(fd, "cpu.max", buf, sizeof(buf)) ==
				-1 ||
			    sscanf(buf, "%llu %llu", &q, &per) != 2 || per == 0)
				return UNLIMITED;
		} else {
			if (cg_read_file(fd, "cpu.cfs_quota_us", buf,
				sizeof(buf)) == -1 ||
			    buf[0] == '-' || sscanf(buf, "%llu", &q) != 1)
				return UNLIMITED;
			per = cg_read_number(fd, "cpu.cfs_period_us");
			if (per == 0 || per == UNLIMITED)
				return UNLIMITED;
		}
		return q * 1000 / per;
	default:
		return cg_read_number(fd, "pids.max");
	}
}

/*
 * Admission for a container nested in a batch job, whose use the user's
 * totals on u<uid> never see: the limits of the user's containers and
 * this one's together must fit every finite total.
 */
int
cg_admit(const struct cgroup_hier *h, const struct cgroup_req *r,
    const struct cgroup *cg, struct ctl_err *e)
{
	static const char *const total[CGROUP_NCTL] = { "user_memory",
		"user_cpus", "user_pids" };
	const uint64_t want[CGROUP_NCTL] = { r->lim.memory, r->lim.cpus,
		r->lim.pids };
	const uint64_t cap[CGROUP_NCTL] = { r->user_lim.memory,
		r->user_lim.cpus, r->user_lim.pids };

	for (int c = 0; c < CGROUP_NCTL; c++) {
		cleanup_close int fd = -1;
		DIR *d;
		struct dirent *de;
		uint64_t sum = want[c];

		if (!cg_used(h, c) || cap[c] == UNLIMITED)
			continue;
		fd = openat(cg->udir[c], ".",
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || (d = fdopendir(fd)) == NULL)
			return cg_fail(e, errno, "cgroup: reading %s",
			    total[c]);
		fd = -1;
		while ((de = readdir(d)) != NULL && sum != UNLIMITED) {
			cleanup_close int l = -1;
			uint64_t v;

			if (de->d_type != DT_DIR || de->d_name[0] == '.')
				continue;
			l = openat(dirfd(d), de->d_name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			v = l < 0 ? 0 : read_limit(h, c, l);
			sum = v == UNLIMITED || sum + v < sum ? UNLIMITED :
								sum + v;
		}
		closedir(d);
		if (sum == UNLIMITED || sum > cap[c])
			return err_deny(e,
			    "refused: with this container %s's containers would together exceed %s",
			    r->user, total[c]);
	}
	return 0;
}

void
cgroup_format_limits(char *buf, size_t len, const struct cgroup_limits *l)
{
	char cpus[32], mem[32], pids[32];

	if (l->cpus == UNLIMITED)
		snprintf(cpus, sizeof(cpus), "max");
	else if (l->cpus % 1000 == 0)
		snprintf(cpus, sizeof(cpus), "%" PRIu64, l->cpus / 1000);
	else {
		snprintf(cpus, sizeof(cpus), "%" PRIu64 ".%03" PRIu64,
		    l->cpus / 1000, l->cpus % 1000);
		for (char *p = cpus + strlen(cpus) - 1; *p == '0'; p--)
			*p = '\0';
	}
	fmt_u64(mem, sizeof(mem), l->memory, "max");
	fmt_u64(pids, sizeof(pids), l->pids, "max");
	snprintf(buf, len, "cpus=%s memory=%s pids=%s", cpus, mem, pids);
}
