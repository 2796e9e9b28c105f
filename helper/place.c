/*
 * place.c: where the keeper K, the front P0 and the container's cgroup go
 * (step 4.1 of the launch sequence in SECURITY.md).  K runs this before PAM and
 * before it takes any lock.
 *
 * The caller's *confinement* is the chain of root-owned cgroups above the
 * caller's own; a cgroup the caller can write (delegated: the directory or
 * one of its control files is the caller's, or group/other writable) is
 * never confinement and never trusted.  On a batch job's path only the
 * control files count: Slurm's v1 plugins give the job's user the step
 * and task directories themselves (children only, no control file).
 *
 * On a host with cgroup v2 alone and outside a job's path, P0 clones K
 * straight into ctr-launch/keepers (place_keeper_target, CLONE_INTO_CGROUP):
 * K never sits in the caller's cgroup and is never migrated, so a launch
 * takes the kernel's cgroup write lock nowhere (P1 is cloned into its
 * cgroup too).  Anywhere else, or when the clone is refused, K moves.
 *
 * Invariants:
 * - Before PAM and before any lock, K MUST be in no cgroup the caller can
 *   write, in any hierarchy: in the hierarchies ctr-launch manages it
 *   MUST leave the caller's cgroup for <root>/ctr-launch/keepers (root,
 *   0700, outside every per-user total) or, inside a batch job, for the
 *   caller's cgroup's ctl-front child; in every other hierarchy it MUST
 *   leave a caller-writable cgroup for that hierarchy's ctr-launch/keepers
 *   and stay in a root-owned one (the site's device and cpuset
 *   confinement then holds for P1 too, which K clones).
 * - A batch job MUST be recognised only from the kernel's cgroup path and
 *   the ownership of every directory on it, never from the environment.
 * - Inside a batch job (cgroup_placement auto) the container's cgroup
 *   MUST be a child of the caller's own cgroup in every managed hierarchy
 *   where that is the job's, so that every limit of the job applies; the
 *   launch MUST be refused when other processes share the caller's cgroup.
 * - A ctr-launch/keepers K creates in a v1 cpuset hierarchy MUST get
 *   its parent's CPUs and memory nodes, or nothing could join it.
 * - K MUST reset its nice value, scheduling policy and I/O priority to the
 *   defaults and set its oom_score_adj to -1000 (0 where the host withholds
 *   CAP_SYS_RESOURCE, never above); P1 MUST take the
 *   caller's back before it drops, so the payload gets exactly the
 *   caller's.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/magic.h>

#include "lib/cleanup.h"
#include "lib/fdtrust.h"
#include "helper/log.h"
#include "helper/place.h"

#define IOPRIO_WHO_PROCESS 1
#define PLACE_MAXHIER      16

/* ---- the mounted hierarchies ---- */

struct hier {
	char key[256]; /* "" for cgroup2, else the v1 super options */
	char mnt[PATH_MAX];
	char path[PATH_MAX]; /* K's cgroup in it */
	int version;
};

/* Reads a small proc file whole. */
static char *
read_text(const char *file)
{
	cleanup_close int fd = open(file, O_RDONLY | O_CLOEXEC);
	size_t cap = 4096, off = 0;
	char *buf = NULL;
	ssize_t n;

	if (fd < 0)
		return NULL;
	buf = malloc(cap);
	while (buf != NULL) {
		if (off + 1 == cap) {
			char *nb = cap < (1u << 22) ? realloc(buf, cap * 2) :
						      NULL;

			if (nb == NULL)
				break;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + off, cap - 1 - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (n == 0) {
			buf[off] = '\0';
			return buf;
		}
		off += (size_t)n;
	}
	free(buf);
	return NULL;
}

/* Undoes mountinfo's octal escapes in place. */
static void
unescape(char *s)
{
	char *o = s;

	for (; *s != '\0'; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
			    (s[3] - '0'));
			s += 3;
		} else
			*o++ = *s;
	}
	*o = '\0';
}

/* Parses one mountinfo line into H if it is a cgroup mount of the whole
 * hierarchy under CTL_CGROUP_ROOT. */
static bool
parse_mount(char *line, struct hier *h)
{
	char *f[12], *sep, *save = NULL;
	size_t n = 0, rl = strlen(CTL_CGROUP_ROOT);

	sep = strstr(line, " - ");
	if (sep == NULL)
		return false;
	*sep = '\0';
	for (char *t = strtok_r(line, " ", &save); t && n < 6;
	     t = strtok_r(NULL, " ", &save))
		f[n++] = t;
	for (char *t = strtok_r(sep + 3, " ", &save); t && n < 9;
	     t = strtok_r(NULL, " ", &save))
		f[n++] = t;
	if (n < 9 || strcmp(f[3], "/") != 0)
		return false;
	unescape(f[4]);
	if (strncmp(f[4], CTL_CGROUP_ROOT, rl) != 0 ||
	    (f[4][rl] != '\0' && f[4][rl] != '/') ||
	    strlen(f[4]) >= sizeof(h->mnt))
		return false;
	if (strcmp(f[n - 3], "cgroup2") == 0) {
		h->version = 2;
		h->key[0] = '\0';
	} else if (strcmp(f[n - 3], "cgroup") == 0) {
		h->version = 1;
		if (strlen(f[n - 1]) >= sizeof(h->key))
			return false;
		snprintf(h->key, sizeof(h->key), "%s", f[n - 1]);
	} else
		return false;
	snprintf(h->mnt, sizeof(h->mnt), "%s", f[4]);
	return true;
}

/* Every cgroup hierarchy mounted under CTL_CGROUP_ROOT, with K's path. */
static size_t
list_hiers(struct hier *v, size_t max)
{
	cleanup_free char *mi = read_text("/proc/self/mountinfo");
	cleanup_free char *self = read_text("/proc/self/cgroup");
	char *save = NULL;
	size_t n = 0;

	if (mi == NULL || self == NULL)
		die_errno("cannot read this process's cgroups");
	for (char *l = strtok_r(mi, "\n", &save); l && n < max;
	     l = strtok_r(NULL, "\n", &save)) {
		if (!parse_mount(l, &v[n]))
			continue;
		if (place_self_path(self, v[n].key, v[n].path,
			sizeof(v[n].path)) != 0)
			continue; /* not ours (another cgroup namespace) */
		n++;
	}
	return n;
}

/* ---- ownership ---- */

/* Is FD (or its control file NAME) the caller's to write?  Anything not
 * root-owned, or group/other writable, is. */
static bool
writable_at(int fd, const char *name)
{
	struct stat st;

	if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0)
		return errno != ENOENT;
	return !st_trusted(&st, 0);
}

/* FILES_ONLY: a batch job's step and task directories, which Slurm's v1
 * plugins chown to the job's user while every control file in them stays
 * root's: the user may make children there, never write the job's files
 * nor move a root process, so only the files decide. */
static bool
delegated(int fd, bool files_only)
{
	static const char *const files[] = { "", "cgroup.procs",
		"cgroup.threads", "cgroup.subtree_control", "cgroup.freeze",
		"cgroup.kill", "freezer.state", "tasks" };

	for (size_t i = files_only ? 1 : 0;
	     i < sizeof(files) / sizeof(files[0]); i++)
		if (writable_at(fd, files[i]))
			return true;
	return false;
}

/*
 * Opens PATH under the mount MNTFD, component by component; *DELEG is set
 * when any directory on the way is caller-writable (JOB: by its control
 * files only, see delegated).  The descriptor, or -1.
 */
static int
open_chain(int mntfd, const char *path, bool job, bool *deleg)
{
	cleanup_close int fd = fcntl(mntfd, F_DUPFD_CLOEXEC, 3);
	char comp[NAME_MAX + 1];

	*deleg = false;
	for (const char *p = path; fd >= 0 && *p != '\0';) {
		size_t m;
		int nfd;

		while (*p == '/')
			p++;
		m = strcspn(p, "/");
		if (m == 0)
			break;
		if (m > NAME_MAX)
			return -1;
		memcpy(comp, p, m);
		comp[m] = '\0';
		nfd = openat(fd, comp,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0)
			return -1;
		close(fd);
		fd = nfd;
		*deleg = *deleg || delegated(fd, job);
		p += m;
	}
	return steal_fd(&fd);
}

/* Opens or creates NAME under PARENT, root-owned, exactly MODE. */
static int
own_dir(int parent, const char *name, mode_t mode)
{
	cleanup_close int fd = -1;
	struct stat st;

	if (mkdirat(parent, name, mode) == -1 && errno != EEXIST)
		die_errno("cgroup %s: mkdir", name);
	fd = openat(parent, name,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) == -1)
		die_errno("cgroup %s", name);
	if (st.st_uid != 0)
		die("cgroup %s: not owned by root", name);
	if ((st.st_mode & 07777) != mode && fchmod(fd, mode) == -1)
		die_errno("cgroup %s: chmod", name);
	return steal_fd(&fd);
}

static int
write_at(int dirfd, const char *file, const char *val)
{
	cleanup_close int fd = openat(dirfd, file,
	    O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	size_t len = strlen(val);
	ssize_t n;

	if (fd < 0)
		return -1;
	while ((n = write(fd, val, len)) < 0 && errno == EINTR)
		;
	return n == (ssize_t)len ? 0 : -1;
}

/* Moves PID into the cgroup DIRFD. */
static void
move_to(int dirfd, pid_t pid, const char *what)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", (long)pid);
	if (write_at(dirfd, "cgroup.procs", buf) == -1)
		die_errno("cgroup: moving the keeper into %s", what);
}

/* Moves K itself into the cgroup DIRFD of a VERSION hierarchy: on v1 by
 * a "0" in tasks, which takes no cgroup lock (K is single-threaded;
 * cgroup_join_open says why that matters). */
static void
move_self(int dirfd, int version, const char *what)
{
	if (write_at(dirfd, version == 1 ? "tasks" : "cgroup.procs", "0") == -1)
		die_errno("cgroup: moving the keeper into %s", what);
}

static void read_words(int dirfd, const char *file, char *buf, size_t len);

/* v1 cpuset: a new cgroup has no CPUs and no memory nodes (unless the
 * parent's cgroup.clone_children says otherwise) and nothing can join
 * it; FD gets PARENT's.  Other hierarchies have no such files. */
static void
cpuset_inherit(int parent, int fd)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char have[4096], want[4096];

		if (faccessat(fd, files[i], F_OK, AT_SYMLINK_NOFOLLOW) != 0)
			return;
		read_words(fd, files[i], have, sizeof(have));
		if (strspn(have, " ") != strlen(have))
			continue;
		read_words(parent, files[i], want, sizeof(want));
		if (write_at(fd, files[i], want) == -1)
			die_errno("cgroup: %s of ctr-launch/keepers", files[i]);
	}
}

/* K into <mount>/ctr-launch/keepers, unless it is there already (cloned
 * into it, place_keeper_target): a write would take the lock for
 * nothing.  SELF is K's cgroup path in that hierarchy, of VERSION. */
static void
to_keepers(int mntfd, const char *self, int version)
{
	cleanup_close int base = own_dir(mntfd, CGROUP_DIR, 0700);
	cleanup_close int k = -1;

	cpuset_inherit(mntfd, base);
	k = own_dir(base, PLACE_KEEPERS, 0700);
	cpuset_inherit(base, k);

	if (strcmp(self, "/" CGROUP_DIR "/" PLACE_KEEPERS) != 0)
		move_self(k, version, CGROUP_DIR "/" PLACE_KEEPERS);
}

int
place_keeper_target(bool top)
{
	cleanup_free char *self = read_text("/proc/self/cgroup");
	cleanup_close int mnt = -1, base = -1;
	struct statfs sf;
	const char *path;

	/* One line, the unified hierarchy's: no v1 hierarchy at all. */
	if (self == NULL || strncmp(self, "0::/", 4) != 0 ||
	    strchr(self, '\n') != self + strlen(self) - 1)
		return -1;
	self[strlen(self) - 1] = '\0';
	path = self + 3;
	if (!top && place_job_path(path, 2))
		return -1;
	mnt = open(CTL_CGROUP_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mnt < 0 || fstatfs(mnt, &sf) != 0 ||
	    sf.f_type != CGROUP2_SUPER_MAGIC)
		return -1;
	base = own_dir(mnt, CGROUP_DIR, 0700);
	return own_dir(base, PLACE_KEEPERS, 0700);
}

/* ---- the batch job ---- */

/* Which managed hierarchy (cgroup_hier index) is mounted at MNTFD, or -1. */
static int
managed(const struct cgroup_hier *h, int mntfd)
{
	struct stat a, b;

	if (fstat(mntfd, &a) == -1)
		return -1;
	for (int c = 0; c < CGROUP_NCTL; c++)
		if (h->fd[c] >= 0 && fstat(h->fd[c], &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return c;
	return -1;
}

/* The pids in cgroup DIRFD other than A and B; -1 on error. */
static int
others_in(int dirfd, pid_t a, pid_t b)
{
	cleanup_close int fd = openat(dirfd, "cgroup.procs",
	    O_RDONLY | O_CLOEXEC);
	cleanup_fclose FILE *f = NULL;
	long pid;
	int n = 0;

	if (fd < 0 || (f = fdopen(fd, "re")) == NULL)
		return -1;
	steal_fd(&fd);
	while (fscanf(f, "%ld", &pid) == 1)
		if (pid != (long)a && pid != (long)b)
			n++;
	return n;
}

static const char ctls[] = "memory\0cpu\0pids\0";

/* Reads FILE of DIRFD into BUF, newlines turned into spaces. */
static void
read_words(int dirfd, const char *file, char *buf, size_t len)
{
	cleanup_close int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, len - 1) : -1;

	buf[n > 0 ? n : 0] = '\0';
	for (char *q = buf; *q; q++)
		if (*q == '\n')
			*q = ' ';
}

/* Is W one of the space-separated words of LIST? */
static bool
has_word(const char *list, const char *w)
{
	size_t wl = strlen(w);

	for (const char *p = list; (p = strstr(p, w)) != NULL; p += wl)
		if ((p == list || p[-1] == ' ') &&
		    (p[wl] == ' ' || p[wl] == '\0'))
			return true;
	return false;
}

/* v2: "+ctl ..." (SIGN '+') for the controllers in HAVE and not in SKIP. */
static void
ctl_list(char sign, const char *have, const char *skip, char *out, size_t len)
{
	out[0] = '\0';
	for (const char *c = ctls; *c; c += strlen(c) + 1) {
		if (!has_word(have, c) || has_word(skip, c) ||
		    strlen(out) + strlen(c) + 3 > len)
			continue;
		snprintf(out + strlen(out), len - strlen(out), "%s%c%s",
		    out[0] ? " " : "", sign, c);
	}
}

/* v2: enables the controllers the job's cgroup offers its children;
 * SAVED keeps what its subtree_control held before. */
static void
enable_children(int fd, char *saved, size_t len)
{
	char have[256], want[64];

	read_words(fd, "cgroup.subtree_control", saved, len);
	read_words(fd, "cgroup.controllers", have, sizeof(have));
	ctl_list('+', have, saved, want, sizeof(want));
	if (want[0] != '\0' &&
	    write_at(fd, "cgroup.subtree_control", want) == -1)
		die_errno("cgroup: enabling %s in the job's cgroup", want);
}

/* Inside a batch job, hierarchy C: K and P0 into ctl-front. */
static void
nest_in(struct place *pl, int c, int version, int fd, const char *path)
{
	int n = others_in(fd, pl->front_pid, getpid());

	if (n < 0)
		die_errno("cgroup %s: reading cgroup.procs", path);
	if (n > 0)
		deny("refused: the job's cgroup %s holds %d other process%s "
		     "(run ctr-launch as the step's only process)",
		    path, n, n == 1 ? "" : "es");
	pl->front[c] = own_dir(fd, PLACE_FRONT, 0700);
	move_self(pl->front[c], version, PLACE_FRONT);
	move_to(pl->front[c], pl->front_pid, PLACE_FRONT);
	if (version == 2) {
		pl->v2 = true;
		enable_children(fd, pl->subtree[c], sizeof(pl->subtree[c]));
	}
	pl->parent[c] = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (pl->parent[c] < 0)
		die_errno("fcntl");
}

/* ---- scheduling ---- */

static void
sched_save_reset(struct place_sched *s)
{
	struct sched_param sp = { 0 };
	cleanup_free char *adj = NULL;

	errno = 0;
	s->nice = getpriority(PRIO_PROCESS, 0);
	if (errno != 0)
		die_errno("getpriority");
	s->policy = sched_getscheduler(0);
	if (s->policy < 0 || sched_getparam(0, &sp) != 0)
		die_errno("sched_getscheduler");
	s->prio = sp.sched_priority;
	s->ioprio = (int)syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, 0);
	adj = read_text("/proc/self/oom_score_adj");
	if (s->ioprio < 0 || adj == NULL)
		die_errno("cannot read the keeper's scheduling state");
	s->oom_score_adj = atoi(adj);
	sp.sched_priority = 0;
	if (setpriority(PRIO_PROCESS, 0, 0) != 0 ||
	    sched_setscheduler(0, SCHED_OTHER, &sp) != 0 ||
	    syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, 0) != 0)
		die_errno("cannot reset the keeper's scheduling");
	/* Without CAP_SYS_RESOURCE (a host that keeps it out of the bounding
	 * set) only the caller's raise can be undone: down to 0. */
	if (write_at(AT_FDCWD, "/proc/self/oom_score_adj", "-1000") == -1 &&
	    (errno != EACCES ||
		(s->oom_score_adj > 0 &&
		    write_at(AT_FDCWD, "/proc/self/oom_score_adj", "0") == -1)))
		die_errno("cannot set the keeper's oom_score_adj");
}

void
place_enter(struct place *pl)
{
	for (int c = 0; c < CGROUP_NCTL; c++) {
		if (pl->parent[c] >= 0)
			close(pl->parent[c]);
		if (pl->front[c] >= 0)
			close(pl->front[c]);
		pl->parent[c] = pl->front[c] = -1;
	}
	place_sched_enter(&pl->sched);
}

void
place_oom_enter(const struct place_sched *s)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", s->oom_score_adj);
	if (write_at(AT_FDCWD, "/proc/self/oom_score_adj", buf) == -1)
		die_errno(
		    "cannot give the container the caller's oom_score_adj");
}

void
place_sched_enter(const struct place_sched *s)
{
	place_oom_enter(s);
	place_prio_enter(s);
}

void
place_prio_enter(const struct place_sched *s)
{
	struct sched_param sp = { .sched_priority = s->prio };

	if ((s->nice != 0 && setpriority(PRIO_PROCESS, 0, s->nice) != 0) ||
	    ((s->policy != SCHED_OTHER || s->prio != 0) &&
		sched_setscheduler(0, s->policy, &sp) != 0) ||
	    (syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, 0) != s->ioprio &&
		syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, s->ioprio) != 0))
		die_errno("cannot give the container the caller's scheduling");
}

/* ---- K ---- */

void
place_keeper(const struct cgroup_hier *h, bool top, pid_t front,
    struct place *pl)
{
	/* Mapped apart: 16 entries of two paths each are 135 KiB, which
	 * the stack-clash probes would make K's resident stack for its
	 * whole life (and P1's and every exec's), and malloc might carve
	 * out of the heap and clear; a fresh mapping costs only the pages
	 * written, and all of them go back when it is unmapped. */
	const size_t vlen = PLACE_MAXHIER * sizeof(struct hier);
	struct hier *v = mmap(NULL, vlen, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t n;
	int job_ver = 0;

	if (v == MAP_FAILED)
		die_errno("out of memory");
	n = list_hiers(v, PLACE_MAXHIER);
	memset(pl, 0, sizeof(*pl));
	pl->front_pid = front;
	for (int c = 0; c < CGROUP_NCTL; c++)
		pl->parent[c] = pl->front[c] = -1;
	sched_save_reset(&pl->sched);
	for (size_t i = 0; i < n; i++) {
		cleanup_close int mnt = open(v[i].mnt,
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		cleanup_close int fd = -1;
		bool deleg,
		    job = !top && place_job_path(v[i].path, v[i].version);
		int c;

		if (mnt < 0)
			die_errno("cgroup %s", v[i].mnt);
		c = managed(h, mnt);
		fd = open_chain(mnt, v[i].path, job, &deleg);
		if (fd < 0)
			die_errno("cgroup %s%s", v[i].mnt, v[i].path);
		if (c >= 0 && job && !deleg) {
			nest_in(pl, c, v[i].version, fd, v[i].path);
			snprintf(pl->path, sizeof(pl->path), "%s", v[i].path);
			job_ver = v[i].version;
		} else if (c >= 0 || deleg)
			to_keepers(mnt, v[i].path, v[i].version);
	}
	pl->job = job_ver != 0;
	(void)munmap(v, vlen);
}

void
place_release(struct place *pl)
{
	for (int c = 0; c < CGROUP_NCTL; c++) {
		char buf[64];

		if (pl->front[c] < 0)
			continue;
		/* v2: no processes in a cgroup with controllers for its
		 * children: what was enabled goes first. */
		if (pl->v2) {
			ctl_list('-', "memory cpu pids", pl->subtree[c], buf,
			    sizeof(buf));
			if (buf[0] != '\0')
				(void)write_at(pl->parent[c],
				    "cgroup.subtree_control", buf);
		}
		snprintf(buf, sizeof(buf), "%ld", (long)pl->front_pid);
		(void)write_at(pl->parent[c], "cgroup.procs", buf);
		snprintf(buf, sizeof(buf), "%ld", (long)getpid());
		(void)write_at(pl->parent[c], "cgroup.procs", buf);
		close(pl->front[c]);
		pl->front[c] = -1;
		(void)unlinkat(pl->parent[c], PLACE_FRONT, AT_REMOVEDIR);
		close(pl->parent[c]);
		pl->parent[c] = -1;
	}
}
