/*
 * ctl.c: the lifecycle commands (ps, logs, stop, kill, rm, wait): the
 * client side of the keeper's ctl endpoint (keeper.c, DESIGN section 10).
 *
 * Invariants:
 * - The caller MUST be identified from the kernel (the real uid); a
 *   caller other than root opens only RUNDIR/ctr-launch/c/u<their uid>
 *   and their own logs; root names the user (--user U) or asks for all
 *   (--all-users).
 * - A container name MUST be validated before it is used, and every
 *   state file MUST be opened beneath the user's directory descriptor
 *   without following symlinks; records are parsed bounded (ctlproto.c).
 * - A container is acted on only through its keeper's socket: no pid is
 *   ever signalled here.  A state directory whose keeper is gone (its
 *   flock free) and has no exit record is swept: recorded as
 *   Exited (unknown), its socket removed.
 * - Exited records beyond the caller's keep_exited or max_exited are
 *   pruned, records and logs, by the caller's next command; a user's
 *   directories left empty MUST be removed under that user's lock only
 *   (keeper_udir_drop).
 * - Text from the records and logs reaches a terminal with its control
 *   bytes escaped unless --raw (logs are raw bytes when not a terminal).
 * - logs MUST drop to the caller once the log and the socket are open.
 * - logs -t, --since and --until MUST take a line's time from the
 *   keeper's index only (followed bytes: the clock when they arrive),
 *   never from the log's bytes; a log without its index gets no times.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "helper/auth.h"
#include "helper/cgroup.h"
#include "lib/cleanup.h"
#include "helper/creds.h"
#include "helper/ctl.h"
#include "helper/ctlproto.h"
#include "helper/ids.h"
#include "helper/keeper.h"
#include "helper/log.h"
#include "helper/logidx.h"
#include "helper/monitor.h"
#include "helper/plan.h"

/* One container as read from its state directory. */
struct entry {
	struct ctlp_info info;
	struct ctlp_exit exit;
	bool has_exit;
	bool running;
	struct ctlp_resp st; /* STATUS, while running */
	char user[64];
};

struct ctx {
	struct ctla_request *req;
	struct launch_plan *plan; /* the caller (not root) */
	uid_t ruid;
	bool failed;
};

/* ---- the state directories ---- */

/* BASE/u<UID>, root-owned 0700, or -1 when there is none.  STRICT: any
 * other failure, or a directory not as it must be, dies. */
static int
open_user_dir(const char *base, uid_t uid, bool strict)
{
	char path[PATH_MAX];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/u%u", base, (unsigned)uid);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || !strict)
			return -1;
		die_errno("%s", path);
	}
	if (fstat(fd, &st) != 0 || st.st_uid != 0 || (st.st_mode & 077) != 0) {
		if (strict)
			die("%s: not root-owned with mode 0700", path);
		close(fd);
		return -1;
	}
	return fd;
}

/* RUNDIR/ctr-launch/c/u<UID>, or -1 when there is none. */
static int
open_udir(uid_t uid)
{
	return open_user_dir(KEEPER_C_DIR, uid, true);
}

/* STATEDIR/ctr-launch/logs/u<UID>, or -1 (missing, or not as it must be:
 * its logs are then not read). */
static int
open_logdir(uid_t uid)
{
	return open_user_dir(KEEPER_LOG_DIR, uid, false);
}

/* Sends OP(ARG) and reads the answer (skipping log data); -1 if the
 * keeper is gone. */
static int
ask(int fd, uint32_t op, int32_t arg, struct ctlp_resp *r)
{
	struct ctlp_req q = { CTLP_VERSION, op, arg };
	unsigned char b[CTLP_REQ_LEN], in[4 + CTLP_DATA_MAX];
	ssize_t n;

	ctlp_req_encode(&q, b);
	if (send(fd, b, sizeof(b), MSG_NOSIGNAL) != (ssize_t)sizeof(b))
		return -1;
	for (;;) {
		n = recv(fd, in, sizeof(in), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		if (ctlp_resp_decode(in, (size_t)n, r) == 0)
			break;
	}
	return 0;
}

static void
resp_check(const char *name, const struct ctlp_resp *r)
{
	if (r->err == CTLP_EVERSION)
		die("the keeper of %s speaks ctl protocol version %u, this ctr-launch %u: use the ctr-launch that started it, or stop it as root",
		    name, r->version, CTLP_VERSION);
	if (r->err == CTLP_EPERM)
		die("container %s: not yours", name);
	if (r->err == CTLP_EBUSY)
		die("container %s: its keeper is busy, try again", name);
}

/*
 * Loads NAME's record from UDIR (under UDIR's lock).  The keeper gone
 * without an exit record: swept (Exited (unknown)); a directory without
 * an info record and no keeper: removed.  -1 if there is no such
 * container.
 */
static int
load(int udir, const char *name, struct entry *e, int *dirfd)
{
	char buf[KEEPER_INFO_MAX];
	ssize_t n;
	int dir;

	memset(e, 0, sizeof(*e));
	dir = openat(udir, name,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0)
		return -1;
	n = keeper_record_read(dir, "info", buf, sizeof(buf));
	if (n < 0 || ctlp_info_parse(buf, (size_t)n, &e->info) != 0) {
		/* Being created (its keeper holds the lock), or debris. */
		if (flock(dir, LOCK_EX | LOCK_NB) == 0) {
			(void)unlinkat(dir, "ctl", 0);
			(void)unlinkat(dir, "info.tmp", 0);
			(void)unlinkat(udir, name, AT_REMOVEDIR);
		}
		close(dir);
		return -1;
	}
	n = keeper_record_read(dir, "exit", buf, sizeof(buf));
	e->has_exit = n >= 0 && ctlp_exit_parse(buf, (size_t)n, &e->exit) == 0;
	if (!e->has_exit) {
		if (flock(dir, LOCK_EX | LOCK_NB) == 0) {
			/* The keeper died: the container died with it. */
			char rec[128];
			struct ctlp_exit x = { -1, (int64_t)time(NULL) };
			int fd, len = ctlp_exit_format(&x, rec, sizeof(rec));

			(void)unlinkat(dir, "ctl", 0);
			fd = openat(dir, "exit",
			    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
				O_CLOEXEC,
			    0600);
			if (fd >= 0) {
				(void)!write(fd, rec, (size_t)len);
				close(fd);
			}
			(void)flock(dir, LOCK_UN);
			e->exit = x;
			e->has_exit = true;
		} else {
			e->running = true;
		}
	}
	if (dirfd != NULL)
		*dirfd = dir;
	else
		close(dir);
	return 0;
}

/* Removes NAME's record and log (it has ended). */
static void
remove_entry(int udir, int logdir, const char *name)
{
	cleanup_close int dir = openat(udir, name,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	char lname[80];

	if (dir >= 0) {
		static const char *const files[] = { "ctl", "info", "exit",
			"info.tmp", "exit.tmp" };

		for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
			(void)unlinkat(dir, files[i], 0);
	}
	if (unlinkat(udir, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
		warnmsg("rm %s: %s", name, strerror(errno));
	snprintf(lname, sizeof(lname), "%s.log", name);
	if (logdir >= 0)
		(void)unlinkat(logdir, lname, 0);
	snprintf(lname, sizeof(lname), "%s.idx", name);
	if (logdir >= 0)
		(void)unlinkat(logdir, lname, 0);
}

/* The names of UDIR's entries, sorted. */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **
list_names(int udir, size_t *n)
{
	int fd = fcntl(udir, F_DUPFD_CLOEXEC, 3);
	DIR *d;
	struct dirent *de;
	char **v = NULL;
	size_t cap = 0;

	*n = 0;
	if (fd < 0 || (d = fdopendir(fd)) == NULL)
		die_errno("reading your containers");
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		if (*n == cap) {
			char **nv = reallocarray(v, cap ? 2 * cap : 16,
			    sizeof(char *));

			if (nv == NULL)
				die("out of memory");
			v = nv;
			cap = cap ? 2 * cap : 16;
		}
		if ((v[*n] = strdup(de->d_name)) == NULL)
			die("out of memory");
		(*n)++;
	}
	closedir(d);
	if (*n > 0)
		qsort(v, *n, sizeof(char *), cmp_str);
	return v;
}

static void
free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Logs and their indexes without a record (their records went with a
 * reboot's RUNDIR, or a keeper died between the removals): removed.
 * Under UDIR's lock. */
static void
sweep_logs(int udir, int logdir)
{
	int fd = fcntl(logdir, F_DUPFD_CLOEXEC, 3);
	DIR *d;
	struct dirent *de;

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		char name[64];
		size_t n = strlen(de->d_name);
		struct stat st;

		if (n < 5 || n - 4 >= sizeof(name) ||
		    (strcmp(de->d_name + n - 4, ".log") != 0 &&
			strcmp(de->d_name + n - 4, ".idx") != 0))
			continue;
		memcpy(name, de->d_name, n - 4);
		name[n - 4] = '\0';
		if (fstatat(udir, name, &st, AT_SYMLINK_NOFOLLOW) != 0 &&
		    errno == ENOENT)
			(void)unlinkat(logdir, de->d_name, 0);
	}
	closedir(d);
}

/* The caller's own exited records beyond keep_exited / max_exited. */
static void
prune(struct ctx *c, int udir)
{
	size_t n, k = 0;
	char **names;
	int64_t *ended;
	bool *pr;
	size_t *idx;
	cleanup_close int logdir = -1;

	if (c->plan == NULL)
		return;
	logdir = open_logdir(c->ruid);
	if (logdir >= 0)
		sweep_logs(udir, logdir);
	names = list_names(udir, &n);
	ended = calloc(n + 1, sizeof(*ended));
	pr = calloc(n + 1, sizeof(*pr));
	idx = calloc(n + 1, sizeof(*idx));
	if (ended == NULL || pr == NULL || idx == NULL)
		die("out of memory");
	for (size_t i = 0; i < n; i++) {
		struct entry e;

		if (load(udir, names[i], &e, NULL) != 0 || !e.has_exit)
			continue;
		ended[k] = e.exit.ended;
		idx[k++] = i;
	}
	if (k > 0 &&
	    ctlp_prune(ended, k, (int64_t)time(NULL),
		c->plan->eff.keep_exited.v, c->plan->eff.max_exited.v,
		pr) > 0) {
		for (size_t j = 0; j < k; j++)
			if (pr[j])
				remove_entry(udir, logdir, names[idx[j]]);
	}
	free(ended);
	free(pr);
	free(idx);
	free_names(names, n);
}

/* ---- the users a command acts for ---- */

struct target {
	uid_t uid;
	char user[64];
};

/* The caller, --user U, or (root, --all-users) every u<uid>. */
static struct target *
targets(struct ctx *c, size_t *n)
{
	struct target *t = NULL;
	const struct ctla_request *r = c->req;

	*n = 0;
	if (c->ruid != 0) {
		if (r->all_users || r->user != NULL)
			die("%s: --all-users and --user are for root", r->verb);
		if ((t = calloc(1, sizeof(*t))) == NULL)
			die("out of memory");
		t->uid = c->ruid;
		snprintf(t->user, sizeof(t->user), "%s", c->plan->user);
		*n = 1;
		return t;
	}
	if (r->user != NULL) {
		struct passwd *pw = getpwnam(r->user);
		char *end;
		unsigned long v;

		if ((t = calloc(1, sizeof(*t))) == NULL)
			die("out of memory");
		errno = 0;
		v = strtoul(r->user, &end, 10);
		if (pw != NULL) {
			t->uid = pw->pw_uid;
		} else if (errno == 0 && *end == '\0' && end != r->user &&
		    v < 0xffffffffUL) {
			t->uid = (uid_t)v;
		} else {
			char shown[80];

			ctlp_escape(r->user, shown, sizeof(shown));
			die("%s: --user %s: no such user", r->verb, shown);
		}
		snprintf(t->user, sizeof(t->user), "%s", r->user);
		*n = 1;
		return t;
	}
	if (!r->all_users)
		die("%s: root has no containers of its own: use --user U or --all-users",
		    r->verb);
	{
		cleanup_close int cd = open(KEEPER_C_DIR,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		DIR *d;
		struct dirent *de;
		size_t cap = 0;

		if (cd < 0)
			return NULL;
		if ((d = fdopendir(fcntl(cd, F_DUPFD_CLOEXEC, 3))) == NULL)
			die_errno("%s", KEEPER_C_DIR);
		while ((de = readdir(d)) != NULL) {
			char *end;
			unsigned long v;
			struct passwd *pw;

			if (de->d_name[0] != 'u' || de->d_name[1] == '\0')
				continue;
			errno = 0;
			v = strtoul(de->d_name + 1, &end, 10);
			if (errno != 0 || *end != '\0' || v >= 0xffffffffUL)
				continue;
			if (*n == cap) {
				struct target *nt = reallocarray(t,
				    cap ? 2 * cap : 16, sizeof(*t));

				if (nt == NULL)
					die("out of memory");
				t = nt;
				cap = cap ? 2 * cap : 16;
			}
			t[*n].uid = (uid_t)v;
			pw = getpwuid((uid_t)v);
			if (pw != NULL)
				snprintf(t[*n].user, sizeof(t[*n].user), "%s",
				    pw->pw_name);
			else
				snprintf(t[*n].user, sizeof(t[*n].user), "%lu",
				    v);
			(*n)++;
		}
		closedir(d);
	}
	return t;
}

/* ---- ps ---- */

static void
fmt_size(uint64_t v, char *out, size_t len)
{
	static const char *const u[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double d = (double)v;
	size_t i = 0;

	if (v == CGROUP_UNKNOWN) {
		snprintf(out, len, "-");
		return;
	}
	while (d >= 1024 && i < 4) {
		d /= 1024;
		i++;
	}
	snprintf(out, len, i == 0 ? "%.0f%s" : "%.1f%s", d, u[i]);
}

static void
ps_row(struct ctx *c, const struct entry *e, bool user_col)
{
	char name[300], image[2100], cmd[4200], created[64], status[96];
	char cpu[32], mem[32], shortcmd[32], ports[4200];
	int64_t now = (int64_t)time(NULL);
	bool esc = !c->req->raw;

	ctlp_status_text(e->running, e->has_exit ? &e->exit : NULL,
	    e->info.created, now, status, sizeof(status));
	ctlp_ago(e->info.created, now, created, sizeof(created));
	if (c->req->json) {
		ctlp_json(e->info.name, name, sizeof(name));
		ctlp_json(e->info.image, image, sizeof(image));
		ctlp_json(e->info.command, cmd, sizeof(cmd));
		ctlp_json(e->info.ports, ports, sizeof(ports));
		printf("{\"Names\":\"%s\",\"Image\":\"%s\",\"Command\":\"%s\","
		       "\"CreatedAt\":%lld,\"RunningFor\":\"%s\","
		       "\"State\":\"%s\",\"Status\":\"%s\",\"ExitCode\":%d,"
		       "\"User\":\"%s\",\"Uid\":%u,\"Ports\":\"%s\"",
		    name, image, cmd, (long long)e->info.created, created,
		    e->running ? "running" : "exited", status,
		    e->has_exit ? e->exit.status : 0, e->user,
		    (unsigned)e->info.uid, ports);
		if (e->running && e->st.cpu_usec != CGROUP_UNKNOWN &&
		    e->st.mem != CGROUP_UNKNOWN)
			printf(",\"CPUSeconds\":%.2f,\"MemUsage\":%llu",
			    (double)e->st.cpu_usec / 1e6,
			    (unsigned long long)e->st.mem);
		printf("}\n");
		return;
	}
	if (esc) {
		ctlp_escape(e->info.name, name, sizeof(name));
		ctlp_escape(e->info.image, image, sizeof(image));
		ctlp_escape(e->info.command, cmd, sizeof(cmd));
		ctlp_escape(e->info.ports, ports, sizeof(ports));
	} else {
		snprintf(name, sizeof(name), "%s", e->info.name);
		snprintf(image, sizeof(image), "%s", e->info.image);
		snprintf(cmd, sizeof(cmd), "%s", e->info.command);
		snprintf(ports, sizeof(ports), "%s", e->info.ports);
	}
	if (c->req->quiet) {
		printf("%s\n", name);
		return;
	}
	if (strlen(cmd) > 20)
		snprintf(shortcmd, sizeof(shortcmd), "\"%.17s...\"", cmd);
	else
		snprintf(shortcmd, sizeof(shortcmd), "\"%.20s\"", cmd);
	if (e->running && e->st.cpu_usec != CGROUP_UNKNOWN) {
		snprintf(cpu, sizeof(cpu), "%.2fs",
		    (double)e->st.cpu_usec / 1e6);
		fmt_size(e->st.mem, mem, sizeof(mem));
	} else if (e->running) {
		snprintf(cpu, sizeof(cpu), "-");
		fmt_size(e->st.mem, mem, sizeof(mem));
	} else {
		snprintf(cpu, sizeof(cpu), "-");
		snprintf(mem, sizeof(mem), "-");
	}
	if (user_col)
		printf("%-12s ", e->user);
	printf("%-20s %-24s %-24s %-16s %-26s %-24s %-9s %s\n", name, image,
	    shortcmd, created, status, ports, cpu, mem);
}

static void
ps_user(struct ctx *c, const struct target *t, bool user_col)
{
	cleanup_close int udir = open_udir(t->uid);
	size_t n;
	char **names;

	if (udir < 0)
		return;
	if (flock(udir, LOCK_EX) != 0)
		die_errno("lock of the containers' directory");
	if (t->uid == c->ruid)
		prune(c, udir);
	keeper_udir_drop(udir, t->uid);
	names = list_names(udir, &n);
	for (size_t i = 0; i < n; i++) {
		struct entry e;
		int dir = -1;

		if (load(udir, names[i], &e, &dir) != 0)
			continue;
		snprintf(e.user, sizeof(e.user), "%s", t->user);
		if (e.running) {
			int fd = keeper_connect(dir);

			if (fd < 0 || ask(fd, CTLP_STATUS, 0, &e.st) != 0 ||
			    e.st.err != CTLP_OK) {
				e.st.cpu_usec = 0;
				e.st.mem = CGROUP_UNKNOWN;
			}
			if (fd >= 0)
				close(fd);
		}
		close(dir);
		if (e.running || c->req->all)
			ps_row(c, &e, user_col);
	}
	(void)flock(udir, LOCK_UN);
	free_names(names, n);
}

static void
cmd_ps(struct ctx *c)
{
	size_t n;
	struct target *t = targets(c, &n);
	bool user_col = c->req->all_users;

	if (!c->req->quiet && !c->req->json) {
		if (user_col)
			printf("%-12s ", "USER");
		printf("%-20s %-24s %-24s %-16s %-26s %-24s %-9s %s\n", "NAME",
		    "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "CPU",
		    "MEMORY");
	}
	for (size_t i = 0; i < n; i++)
		ps_user(c, &t[i], user_col);
	free(t);
}

/* ---- one container by name ---- */

/* Opens NAME of T: its directory, and its record.  false (reported) if
 * there is no such container. */
static bool
find(struct ctx *c, const struct target *t, const char *name, int *udir,
    int *dir, struct entry *e)
{
	*udir = open_udir(t->uid);
	*dir = -1;
	if (*udir >= 0) {
		if (flock(*udir, LOCK_EX) != 0)
			die_errno("lock of the containers' directory");
		if (load(*udir, name, e, dir) == 0) {
			(void)flock(*udir, LOCK_UN);
			return true;
		}
		(void)flock(*udir, LOCK_UN);
		close(*udir);
		*udir = -1;
	}
	warnmsg("%s: no such container: %s", c->req->verb, name);
	c->failed = true;
	return false;
}

static void
done_one(int udir, int dir)
{
	if (dir >= 0)
		close(dir);
	if (udir >= 0)
		close(udir);
}

/* STOP, KILL or WAIT on a running container; its answer in *R.  false
 * (reported) when it is not running or the keeper is gone. */
static bool
request(struct ctx *c, const char *name, int dir, uint32_t op, int32_t arg,
    struct ctlp_resp *r)
{
	cleanup_close int fd = keeper_connect(dir);

	if (fd < 0 || ask(fd, op, arg, r) != 0) {
		/* It ended meanwhile: the keeper wrote the exit record before
		 * it stopped answering. */
		char buf[KEEPER_INFO_MAX];
		struct ctlp_exit x = { 0, 0 };
		ssize_t n = keeper_record_read(dir, "exit", buf, sizeof(buf));

		if (op != CTLP_KILL && n >= 0 &&
		    ctlp_exit_parse(buf, (size_t)n, &x) == 0) {
			memset(r, 0, sizeof(*r));
			r->status = x.status;
			return true;
		}
		warnmsg("%s: container %s is not running", c->req->verb, name);
		c->failed = true;
		return false;
	}
	resp_check(name, r);
	if (r->err != CTLP_OK) {
		warnmsg("%s: container %s refused the request", c->req->verb,
		    name);
		c->failed = true;
		return false;
	}
	return true;
}

static void
act(struct ctx *c, const struct target *t, const char *name)
{
	int udir, dir;
	struct entry e;
	struct ctlp_resp r;

	if (!find(c, t, name, &udir, &dir, &e))
		return;
	switch (c->req->cmd) {
	case CTLA_STOP:
		if (!e.running ||
		    request(c, name, dir, CTLP_STOP, c->req->time, &r))
			printf("%s\n", name);
		break;
	case CTLA_KILL:
		if (!e.running) {
			warnmsg("kill: container %s is not running", name);
			c->failed = true;
		} else if (request(c, name, dir, CTLP_KILL, c->req->signal,
			       &r)) {
			printf("%s\n", name);
		}
		break;
	case CTLA_WAIT:
		if (e.running && !request(c, name, dir, CTLP_WAIT, 0, &r))
			break;
		printf("%d\n", e.running ? r.status : e.exit.status);
		break;
	case CTLA_RM:
		if (e.running && !c->req->force) {
			warnmsg(
			    "rm: container %s is running: stop it first, or rm -f",
			    name);
			c->failed = true;
			break;
		}
		if (e.running) {
			cleanup_close int fd = keeper_connect(dir);
			struct ctlp_resp w;

			if (fd >= 0 && ask(fd, CTLP_KILL, SIGKILL, &r) == 0)
				resp_check(name, &r);
			if (fd >= 0)
				(void)ask(fd, CTLP_WAIT, 0, &w);
		}
		if (flock(udir, LOCK_EX) != 0)
			die_errno("lock of the containers' directory");
		{
			cleanup_close int logdir = open_logdir(t->uid);

			remove_entry(udir, logdir, name);
		}
		/* The user's last container: the empty directories go. */
		keeper_udir_drop(udir, t->uid);
		(void)flock(udir, LOCK_UN);
		printf("%s\n", name);
		break;
	default:
		break;
	}
	(void)fflush(stdout);
	done_one(udir, dir);
}

static void
cmd_each(struct ctx *c)
{
	size_t n;
	struct target *t = targets(c, &n);

	for (size_t i = 0; i < n; i++) {
		if (c->req->all_users) {
			/* Every running container of every user. */
			cleanup_close int udir = open_udir(t[i].uid);
			size_t k;
			char **names;

			if (udir < 0)
				continue;
			names = list_names(udir, &k);
			for (size_t j = 0; j < k; j++) {
				struct entry e;

				if (flock(udir, LOCK_EX) != 0)
					die_errno("lock");
				if (load(udir, names[j], &e, NULL) == 0 &&
				    e.running) {
					(void)flock(udir, LOCK_UN);
					act(c, &t[i], names[j]);
				} else {
					(void)flock(udir, LOCK_UN);
				}
			}
			free_names(names, k);
			continue;
		}
		for (size_t j = 0; j < c->req->nnames; j++)
			act(c, &t[i], c->req->names[j]);
	}
	free(t);
}

/* ---- logs ---- */

static void
out_bytes(const struct ctx *c, const char *buf, size_t len, bool tty)
{
	if (!tty || c->req->raw) {
		size_t off = 0;

		while (off < len) {
			ssize_t w = write(STDOUT_FILENO, buf + off, len - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				exit(0);
			off += (size_t)w;
		}
		return;
	}
	/* To a terminal: newlines and tabs as they are, other control
	 * bytes escaped. */
	for (size_t i = 0; i < len; i++) {
		unsigned char b = (unsigned char)buf[i];

		if (b == '\n' || b == '\t' || (b >= 0x20 && b < 0x7f) ||
		    b >= 0x80)
			putchar(b);
		else
			printf("\\x%02x", b);
	}
	(void)fflush(stdout);
}

/* Where --tail N starts in the log (LOG, SIZE bytes). */
static uint64_t
tail_start(int log, uint64_t size, uint64_t n)
{
	char buf[65536];
	uint64_t end = size, seen = 0;

	if (n == UINT64_MAX)
		return 0;
	if (n == 0)
		return size;
	/* A last line without its newline counts as one. */
	if (size > 0 && pread(log, buf, 1, (off_t)(size - 1)) == 1 &&
	    buf[0] == '\n')
		end = size - 1;
	while (end > 0) {
		uint64_t from = end > sizeof(buf) ? end - sizeof(buf) : 0;
		ssize_t r = pread(log, buf, (size_t)(end - from), (off_t)from);

		if (r <= 0)
			return 0;
		for (ssize_t i = r; i > 0; i--)
			if (buf[i - 1] == '\n' && ++seen == n)
				return from + (uint64_t)i;
		end = from;
	}
	return 0;
}

static void
copy_log(const struct ctx *c, int log, uint64_t from, uint64_t to, bool tty)
{
	char buf[65536];

	while (from < to) {
		size_t want = to - from < sizeof(buf) ? to - from : sizeof(buf);
		ssize_t r = pread(log, buf, want, (off_t)from);

		if (r <= 0)
			return;
		out_bytes(c, buf, (size_t)r, tty);
		from += (uint64_t)r;
	}
}

/* logs -t, --since, --until (logidx.h): what is printed goes out as
 * out_bytes does, gathered (a stamp and a line are two pieces). */
struct lines_out {
	const struct ctx *c;
	bool tty;
	size_t len;
	char buf[65536];
};

static void
lines_flush(struct lines_out *o)
{
	if (o->len > 0)
		out_bytes(o->c, o->buf, o->len, o->tty);
	o->len = 0;
}

static void
lines_out(void *ctx, const char *buf, size_t len)
{
	struct lines_out *o = ctx;

	if (o->len + len > sizeof(o->buf))
		lines_flush(o);
	if (len > sizeof(o->buf)) {
		out_bytes(o->c, buf, len, o->tty);
		return;
	}
	memcpy(o->buf + o->len, buf, len);
	o->len += len;
}

static int64_t
now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		die_errno("clock_gettime");
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
idx_read(void *ctx, uint64_t i, struct lidx_rec *r)
{
	unsigned char b[LIDX_REC_LEN];

	if (pread(*(const int *)ctx, b, sizeof(b), (off_t)(i * LIDX_REC_LEN)) !=
	    (ssize_t)sizeof(b))
		return -1;
	lidx_decode(b, r);
	return 0;
}

/*
 * [FROM, TO) of the log LOG through L, each line with the time of the
 * chunk holding its first byte, from the index IDX.  A record out of
 * order (a trim meanwhile) ends the index: the rest has the last time.
 * false once --until ended the output.
 */
static bool
copy_log_timed(const char *name, int log, int idx, uint64_t from, uint64_t to,
    struct lidx_lines *l, struct lines_out *o)
{
	char buf[65536];
	struct stat st;
	uint64_t n = 0, i = 0;
	struct lidx_rec r, next;

	if (from >= to)
		return true;
	if (fstat(idx, &st) == 0)
		n = (uint64_t)st.st_size / LIDX_REC_LEN;
	if (n > 0)
		i = lidx_find(n, from, idx_read, &idx);
	if (n == 0 || idx_read(&idx, i, &r) != 0)
		die("logs: the log of %s has no timestamps", name);
	while (from < to) {
		uint64_t seg = to;
		bool more = i + 1 < n && idx_read(&idx, i + 1, &next) == 0 &&
		    next.off > r.off && next.t >= r.t;

		if (!more)
			n = i + 1;
		if (more && next.off <= from) {
			i++;
			r = next;
			continue;
		}
		if (more && next.off < to)
			seg = next.off;
		while (from < seg) {
			size_t want = seg - from < sizeof(buf) ?
			    (size_t)(seg - from) :
			    sizeof(buf);
			ssize_t k = pread(log, buf, want, (off_t)from);
			bool on;

			if (k <= 0)
				return true;
			on = lidx_lines_feed(l, buf, (size_t)k, r.t, lines_out,
			    o);
			lines_flush(o);
			if (!on)
				return false;
			from += (uint64_t)k;
		}
		if (more) {
			i++;
			r = next;
		}
	}
	return true;
}

/* Waits for the follow socket until --until (LIDX_NEVER: for ever);
 * false once it passed. */
static bool
follow_wait(int sock, int64_t until)
{
	for (;;) {
		struct pollfd pf = { sock, POLLIN, 0 };
		int64_t left;
		int ms;

		if (until == LIDX_NEVER)
			return true;
		left = until - now_ns();
		if (left <= 0)
			return false;
		ms = left / 1000000 >= 3600000 ? 3600000 :
						 (int)(left / 1000000) + 1;
		if (poll(&pf, 1, ms) > 0)
			return true;
	}
}

static void
cmd_logs(struct ctx *c)
{
	size_t n;
	struct target *t = targets(c, &n);
	const char *name = c->req->names[0];
	int udir, dir, sock = -1;
	cleanup_close int logdir = -1, log = -1, idx = -1;
	struct entry e;
	struct ctlp_resp r;
	struct stat st;
	char lname[80];
	uint64_t end;
	bool tty = isatty(STDOUT_FILENO);
	bool timed = c->req->timestamps || c->req->since != NULL ||
	    c->req->until != NULL;
	static struct lines_out o;
	struct lidx_lines lines;
	int64_t since = LIDX_NONE, until = LIDX_NEVER, now = now_ns();

	/* Checked by ctla_parse; durations count from now. */
	if ((c->req->since != NULL &&
		lidx_parse_time(c->req->since, now, &since) != 0) ||
	    (c->req->until != NULL &&
		lidx_parse_time(c->req->until, now, &until) != 0))
		die("logs: --since or --until out of range");
	lidx_lines_init(&lines, c->req->timestamps, since, until);
	o.c = c;
	o.tty = tty;

	if (!find(c, &t[0], name, &udir, &dir, &e))
		exit(CTL_EXIT_FAIL);
	logdir = open_logdir(t[0].uid);
	snprintf(lname, sizeof(lname), "%s.log", name);
	if (logdir < 0 ||
	    (log = openat(logdir, lname,
		 O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0 ||
	    fstat(log, &st) != 0 || !S_ISREG(st.st_mode))
		die("logs: container %s has no log", name);
	snprintf(lname, sizeof(lname), "%s.idx", name);
	if (timed &&
	    ((idx = openat(logdir, lname,
		  O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0 ||
		fstat(idx, &st) != 0 || !S_ISREG(st.st_mode)))
		die("logs: container %s has no timestamps (its keeper predates them)",
		    name);
	if (fstat(log, &st) != 0)
		die_errno("logs: %s", name);
	end = (uint64_t)st.st_size;
	if (c->req->follow && e.running) {
		sock = keeper_connect(dir);
		if (sock >= 0 && ask(sock, CTLP_FOLLOW, 0, &r) == 0) {
			resp_check(name, &r);
			end = r.log_off;
		} else if (sock >= 0) {
			close(sock);
			sock = -1;
		}
	}
	done_one(udir, dir);
	free(t);
	/* Everything is open: the caller's own rights from here. */
	if (c->plan != NULL)
		creds_drop_front(c->plan);
	if (!timed)
		copy_log(c, log, tail_start(log, end, c->req->tail), end, tty);
	else if (!copy_log_timed(name, log, idx,
		     tail_start(log, end, c->req->tail), end, &lines, &o))
		return; /* past --until */
	while (sock >= 0) {
		unsigned char in[4 + CTLP_DATA_MAX];
		ssize_t k;

		if (!follow_wait(sock, until))
			return;
		k = recv(sock, in, sizeof(in), 0);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			die("logs: the container's output was more than could be followed; run logs again");
		if (k >= 4 && in[0] == (CTLP_DATA_MAGIC & 0xff) &&
		    in[1] == ((CTLP_DATA_MAGIC >> 8) & 0xff) &&
		    in[2] == ((CTLP_DATA_MAGIC >> 16) & 0xff) &&
		    in[3] == (CTLP_DATA_MAGIC >> 24)) {
			/* Followed bytes: stamped on arrival. */
			if (!timed)
				out_bytes(c, (const char *)in + 4,
				    (size_t)k - 4, tty);
			else {
				bool on = lidx_lines_feed(&lines,
				    (const char *)in + 4, (size_t)k - 4,
				    now_ns(), lines_out, &o);

				lines_flush(&o);
				if (!on)
					return;
			}
			continue;
		}
		/* The end. */
		break;
	}
}

/* ---- exec ---- */

/* Sends the exec request with FDS as SCM_RIGHTS. */
static void
send_exec(int sock, const char *payload, size_t len, const int fds[3])
{
	static char buf[CTLP_REQ_LEN + CTLP_EXEC_MAX];
	struct ctlp_req q = { CTLP_VERSION, CTLP_EXEC, 0 };

	ctlp_req_encode(&q, (unsigned char *)buf);
	memcpy(buf + CTLP_REQ_LEN, payload, len);
	if (mon_send_fds(sock, buf, CTLP_REQ_LEN + len, fds, 3) != 0)
		die_errno("exec: sending the request");
}

/* -e KEY: from the caller's environment (as run does); KEY=VALUE as is.
 * NULL-terminated, in ENV order. */
static char **
exec_env(const struct ctla_request *r, char **caller_env)
{
	char **v = calloc(r->nenvs + 1, sizeof(char *));
	size_t n = 0;

	if (v == NULL)
		die("out of memory");
	for (size_t i = 0; i < r->nenvs; i++) {
		size_t k = strlen(r->envs[i]);

		if (strchr(r->envs[i], '=') != NULL) {
			v[n++] = (char *)(uintptr_t)r->envs[i];
			continue;
		}
		for (size_t j = 0; caller_env != NULL && caller_env[j]; j++)
			if (strncmp(caller_env[j], r->envs[i], k) == 0 &&
			    caller_env[j][k] == '=') {
				v[n++] = caller_env[j];
				break;
			}
	}
	return v;
}

/* The exec's stdio: a terminal never goes in (a pipe the front relays,
 * stdin only with -i), pipes and files do; stdin is /dev/null without
 * -i.  RELAY[fd] is the front's end, or -1. */
static void
exec_stdio(bool interactive, int fds[3], int relay[3])
{
	for (int fd = 0; fd < 3; fd++) {
		int pp[2];

		relay[fd] = -1;
		if (fd == STDIN_FILENO && !interactive) {
			fds[fd] = open("/dev/null", O_RDONLY | O_CLOEXEC);
			if (fds[fd] < 0)
				die_errno("/dev/null");
			continue;
		}
		if (!isatty(fd)) {
			fds[fd] = fd;
			continue;
		}
		if (pipe2(pp, O_CLOEXEC) != 0)
			die_errno("pipe2");
		fds[fd] = fd == STDIN_FILENO ? pp[0] : pp[1];
		relay[fd] = fd == STDIN_FILENO ? pp[1] : pp[0];
	}
}

static bool
copy_fd(int in, int out)
{
	char buf[16384];
	ssize_t n = read(in, buf, sizeof(buf));

	if (n < 0 && errno == EINTR)
		return true;
	if (n <= 0)
		return false;
	return mon_write_all(out, buf, (size_t)n);
}

/* A step task's front (ctl_exec_handed): its signals, read from SFD, go
 * to the step's keeper on KSOCK (-1: none); SIGWINCH resizes MASTER. */
struct fwd {
	int sfd, ksock, master;
};

static void winsize_to(int master);

static void
fwd_signals(const struct fwd *f)
{
	struct signalfd_siginfo si;

	while (read(f->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		int sig = (int)si.ssi_signo;

		if (sig == SIGWINCH && f->master >= 0)
			winsize_to(f->master);
		else if (sig != SIGCHLD && sig != SIGWINCH && sig != SIGPIPE &&
		    f->ksock >= 0)
			(void)mon_send(f->ksock, MON_SIGNAL, sig, NULL, 0);
	}
}

/* Relays the pipes until the status comes; returns it. */
static int
exec_relay(int sock, int relay[3], const struct fwd *fw)
{
	struct ctlp_resp r;
	int status = CTL_EXIT_FAIL;
	bool have = false;

	for (;;) {
		struct pollfd pf[5] = {
			{ have ? -1 : sock, POLLIN, 0 },
			{ relay[0] >= 0 ? STDIN_FILENO : -1, POLLIN, 0 },
			{ relay[1], POLLIN, 0 },
			{ relay[2], POLLIN, 0 },
			{ fw != NULL ? fw->sfd : -1, POLLIN, 0 },
		};

		if (have && relay[1] < 0 && relay[2] < 0)
			return status;
		if (poll(pf, 5, have ? 200 : -1) < 0) {
			if (errno == EINTR)
				continue;
			die_errno("poll");
		}
		if (pf[4].revents)
			fwd_signals(fw);
		if (pf[0].revents) {
			unsigned char in[4 + CTLP_DATA_MAX];
			ssize_t n = recv(sock, in, sizeof(in), 0);

			if (n <= 0 || ctlp_resp_decode(in, (size_t)n, &r) != 0)
				die("exec: the container's keeper is gone");
			resp_check("the container", &r);
			if (r.err != CTLP_OK)
				die("exec: refused by the container's keeper");
			status = r.status < 0 || r.status > 255 ?
			    CTL_EXIT_FAIL :
			    r.status;
			have = true;
			/* The process is gone: what it wrote is in the
			 * pipes; only children it left may still write. */
		}
		if (have && pf[2].revents == 0 && pf[3].revents == 0)
			return status;
		if (pf[1].revents && !copy_fd(STDIN_FILENO, relay[0])) {
			close(relay[0]);
			relay[0] = -1;
		}
		for (int fd = 1; fd < 3; fd++)
			if (pf[fd + 1].revents && !copy_fd(relay[fd], fd)) {
				close(relay[fd]);
				relay[fd] = -1;
			}
	}
}

/* exec -t: the pty master, sent by the exec'd process over PTY_SOCK;
 * -1 if the exec failed first (its status then comes on SOCK). */
static int
recv_master(int pty_sock)
{
	char b = 0;
	int fd;

	if (mon_recv_fds(pty_sock, &b, 1, 0, &fd, 1) != 1)
		return -1;
	return fd;
}

static struct termios tty_saved;
static bool tty_is_raw;

static void
tty_back(void)
{
	if (tty_is_raw)
		(void)tcsetattr(STDIN_FILENO, TCSADRAIN, &tty_saved);
	tty_is_raw = false;
}

/* The caller's terminal in raw mode until exit, when stdin is one. */
static void
tty_raw(void)
{
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &tty_saved) == 0) {
		struct termios t = tty_saved;

		cfmakeraw(&t);
		if (tcsetattr(STDIN_FILENO, TCSADRAIN, &t) == 0)
			tty_is_raw = true;
		atexit(tty_back);
	}
}

/* SIGWINCH blocked and read from a signal descriptor: the window size
 * changes to relay. */
static int
winch_fd(void)
{
	sigset_t winch;
	int sfd;

	sigemptyset(&winch);
	sigaddset(&winch, SIGWINCH);
	if (sigprocmask(SIG_BLOCK, &winch, NULL) != 0 ||
	    (sfd = (int)syscall(SYS_signalfd4, -1, &winch, (size_t)(_NSIG / 8),
		 SFD_CLOEXEC)) < 0)
		die_errno("signalfd");
	return sfd;
}

static void
winsize_to(int master)
{
	struct winsize ws;

	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 ||
	    ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(master, TIOCSWINSZ, &ws);
}

/* exec -t: relays the caller's terminal and the pty until the status
 * comes; returns it. */
static int
exec_pty(int sock, int master, bool input, struct fwd *fw)
{
	struct ctlp_resp r;
	int sfd = fw != NULL ? -1 : winch_fd();

	winsize_to(master);
	tty_raw();
	for (;;) {
		struct pollfd pf[5] = {
			{ sock, POLLIN, 0 },
			{ input ? STDIN_FILENO : -1, POLLIN, 0 },
			{ master, POLLIN, 0 },
			{ sfd, POLLIN, 0 },
			{ fw != NULL ? fw->sfd : -1, POLLIN, 0 },
		};

		if (fw != NULL)
			fw->master = master;
		if (poll(pf, 5, -1) < 0) {
			if (errno == EINTR)
				continue;
			die_errno("poll");
		}
		if (pf[4].revents)
			fwd_signals(fw);
		if (pf[3].revents) {
			struct signalfd_siginfo si;

			(void)!read(sfd, &si, sizeof(si));
			winsize_to(master);
		}
		if (pf[2].revents && !copy_fd(master, STDOUT_FILENO))
			master = -1;
		if (pf[1].revents && !copy_fd(STDIN_FILENO, master))
			input = false;
		if (pf[0].revents) {
			unsigned char in[CTLP_RESP_LEN + 1];
			ssize_t n = recv(sock, in, sizeof(in), 0);

			if (n <= 0 || ctlp_resp_decode(in, (size_t)n, &r) != 0)
				die("exec: the container's keeper is gone");
			resp_check("the container", &r);
			/* The last output, then the status. */
			if (master >= 0 &&
			    fcntl(master, F_SETFL, O_NONBLOCK) == 0)
				while (copy_fd(master, STDOUT_FILENO))
					;
			tty_back();
			return r.status < 0 || r.status > 255 ? CTL_EXIT_FAIL :
								r.status;
		}
	}
}

static int exec_over(int sock, const char *payload, size_t len, bool tty,
    bool interactive, const struct launch_plan *plan, struct fwd *fw);

static noreturn void
cmd_exec(struct ctx *c, char **caller_env)
{
	size_t n;
	struct target *t = targets(c, &n);
	const char *name = c->req->names[0];
	static char payload[CTLP_EXEC_MAX];
	int udir, dir, sock;
	struct entry e;
	char **env;
	ssize_t len;

	if (c->plan != NULL && !c->plan->eff.allow_exec)
		deny(
		    "exec refused: the policy does not allow exec (allow_exec = no, %s)",
		    c->plan->eff.allow_exec_from);
	/* PAM's account check, every time (an account expired since). */
	if (c->plan != NULL)
		auth_account(c->plan);
	if (!find(c, &t[0], name, &udir, &dir, &e))
		exit(CTL_EXIT_FAIL);
	if (!e.running)
		die("exec: container %s is not running", name);
	env = exec_env(c->req, caller_env);
	len = ctlp_exec_encode(c->req->command, env,
	    c->req->workdir != NULL ? c->req->workdir : "", c->req->tty,
	    payload, sizeof(payload));
	if (len < 0)
		die("exec: the command and its environment are too long");
	if ((sock = keeper_connect(dir)) < 0)
		die("exec: container %s is not running", name);
	done_one(udir, dir);
	free(t);
	exit(exec_over(sock, payload, (size_t)len, c->req->tty,
	    c->req->interactive, c->plan, NULL));
}

/* The exec request on SOCK, the caller's stdio with it; PLAN (when not
 * NULL) is dropped to once everything is sent.  Relays, returns the
 * status. */
static int
exec_over(int sock, const char *payload, size_t len, bool tty, bool interactive,
    const struct launch_plan *plan, struct fwd *fw)
{
	int fds[3], relay[3];

	if (tty) {
		int sv[2], master;

		/* The exec'd process sends its pty's master over sv[1]. */
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) !=
		    0)
			die_errno("socketpair");
		fds[0] = sv[1];
		fds[1] = fds[2] = sv[1];
		send_exec(sock, payload, len, fds);
		close(sv[1]);
		if (plan != NULL)
			creds_drop_front(plan);
		master = recv_master(sv[0]);
		close(sv[0]);
		if (master < 0) {
			/* It failed before: its reason went to the socket's
			 * peer; the status follows. */
			struct ctlp_resp r;
			unsigned char in[CTLP_RESP_LEN + 1];
			ssize_t k = recv(sock, in, sizeof(in), 0);

			if (k <= 0 || ctlp_resp_decode(in, (size_t)k, &r) != 0)
				die("exec: the container's keeper is gone");
			die("exec -t: no pseudo-terminal came from the container (status %d)",
			    r.status);
		}
		return exec_pty(sock, master, interactive, fw);
	}
	exec_stdio(interactive, fds, relay);
	send_exec(sock, payload, len, fds);
	for (int fd = 0; fd < 3; fd++)
		if (fds[fd] != fd)
			close(fds[fd]);
	/* Everything is sent: the caller's own rights from here. */
	if (plan != NULL)
		creds_drop_front(plan);
	return exec_relay(sock, relay, fw);
}

int
ctl_exec_handed(int sock, const char *payload, size_t len, bool tty,
    bool interactive, int sfd, int ksock)
{
	struct fwd fw = { sfd, ksock, -1 };

	return exec_over(sock, payload, len, tty, interactive, NULL, &fw);
}

/* ---- attach ---- */

/* The relay's end without an answer: K dropped a client that did not
 * keep up, or K is gone (the launcher's only end). */
static const char *relay_gone =
    "attach: the container's output was more than could be relayed; attach again";
static const char *relay_send_gone = "attach: the container's keeper is gone";

static void
send_data(int sock, const unsigned char *buf, size_t len)
{
	unsigned char b[4 + CTLP_DATA_MAX];

	while (len > 0) {
		size_t n = len < CTLP_DATA_MAX ? len : CTLP_DATA_MAX;

		b[0] = (unsigned char)(CTLP_DATA_MAGIC & 0xff);
		b[1] = (unsigned char)((CTLP_DATA_MAGIC >> 8) & 0xff);
		b[2] = (unsigned char)((CTLP_DATA_MAGIC >> 16) & 0xff);
		b[3] = (unsigned char)(CTLP_DATA_MAGIC >> 24);
		memcpy(b + 4, buf, n);
		if (send(sock, b, n + 4, MSG_NOSIGNAL) != (ssize_t)(n + 4))
			die("%s", relay_send_gone);
		buf += n;
		len -= n;
	}
}

static void
send_winsize(int sock)
{
	struct winsize ws;
	struct ctlp_req q = { CTLP_VERSION, CTLP_WINSIZE, 0 };
	unsigned char b[CTLP_REQ_LEN];

	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) != 0 &&
	    ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0)
		return;
	q.arg = (int32_t)((uint32_t)ws.ws_row << 16 | ws.ws_col);
	ctlp_req_encode(&q, b);
	(void)send(sock, b, sizeof(b), MSG_NOSIGNAL);
}

static bool
is_data(const unsigned char *b, ssize_t n)
{
	return n >= 4 && b[0] == (CTLP_DATA_MAGIC & 0xff) &&
	    b[1] == ((CTLP_DATA_MAGIC >> 8) & 0xff) &&
	    b[2] == ((CTLP_DATA_MAGIC >> 16) & 0xff) &&
	    b[3] == (CTLP_DATA_MAGIC >> 24);
}

/* The launcher's signals: to the container's init, as the front of a
 * foreground run forwards them (monitor.c); SIGWINCH to the pty. */
static void
relay_signals(int sock, const struct ctl_relay *r)
{
	struct signalfd_siginfo si;

	while (read(r->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGWINCH:
			send_winsize(sock);
			break;
		case SIGHUP:
		case SIGINT:
		case SIGQUIT:
		case SIGTERM:
		case SIGUSR1:
		case SIGUSR2:
		case SIGALRM:
			if (r->pidfd >= 0)
				(void)syscall(SYS_pidfd_send_signal, r->pidfd,
				    (int)si.ssi_signo, NULL, 0);
			break;
		default:
			break;
		}
		if (r->pidfd < 0)
			break; /* attach's own descriptor blocks */
	}
}

/* The detach keys were typed: K is told (it answers), the container
 * runs on. */
static void
send_detach(int sock)
{
	struct ctlp_req q = { CTLP_VERSION, CTLP_DETACH, 0 };
	unsigned char b[CTLP_REQ_LEN];

	ctlp_req_encode(&q, b);
	if (send(sock, b, sizeof(b), MSG_NOSIGNAL) != (ssize_t)sizeof(b))
		die("%s", relay_send_gone);
}

noreturn void
ctl_attach_relay(int sock, struct ctl_relay *r)
{
	bool input = true, detaching = false, out_failed = false;

	if (r->pidfd >= 0)
		relay_gone = relay_send_gone =
		    "the keeper process died; the container is gone";
	if (r->sfd < 0) {
		r->sfd = winch_fd();
		tty_raw();
	}
	send_winsize(sock);
	for (;;) {
		struct pollfd pf[3] = {
			{ sock, POLLIN, 0 },
			{ input && !detaching ? STDIN_FILENO : -1, POLLIN, 0 },
			{ r->sfd, POLLIN, 0 },
		};
		unsigned char in[4 + CTLP_DATA_MAX];
		unsigned char out[4096 + CTLP_DETACH_MAX];
		size_t olen;
		ssize_t n;

		if (poll(pf, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			die_errno("poll");
		}
		if (pf[2].revents)
			relay_signals(sock, r);
		if (pf[1].revents) {
			n = read(STDIN_FILENO, in, 4096);
			if (n <= 0) {
				input = false;
			} else if (ctlp_detach_feed(&r->keys, in, (size_t)n,
				       out, &olen)) {
				send_data(sock, out, olen);
				/* The answer, then exit 0 (the output that
				 * comes first is still shown). */
				send_detach(sock);
				detaching = true;
			} else {
				send_data(sock, out, olen);
			}
		}
		if (pf[0].revents) {
			struct ctlp_resp resp;

			n = recv(sock, in, sizeof(in), 0);
			if (n > 0 && is_data(in, n)) {
				if (out_failed)
					continue;
				/* The pty's bytes to the caller's terminal, as
				 * they are (it is theirs). */
				if (mon_write_all(STDOUT_FILENO,
					(const char *)in + 4, (size_t)n - 4))
					continue;
				if (r->pidfd < 0)
					exit(0);
				/* The launcher's output is gone (a closed
				 * pipe): SIGPIPE inside, as in a pipeline,
				 * and the output is dropped. */
				(void)syscall(SYS_pidfd_send_signal, r->pidfd,
				    SIGPIPE, NULL, 0);
				out_failed = true;
				continue;
			}
			tty_back();
			/* attach: a keeper that closed instead of answering
			 * the detach (its socket was full) let it go. */
			if (n <= 0 && detaching && r->pidfd < 0)
				exit(0);
			if (n <= 0 ||
			    ctlp_resp_decode(in, (size_t)n, &resp) != 0)
				die("%s", relay_gone);
			/* Detached (a keeper without CTLP_DETACH says
			 * EINVAL to it: detached all the same). */
			if (resp.op == CTLP_DETACH)
				exit(0);
			exit(resp.status < 0 || resp.status > 255 ?
				CTL_EXIT_FAIL :
				resp.status);
		}
	}
}

static noreturn void
cmd_attach(struct ctx *c)
{
	size_t n;
	struct target *t = targets(c, &n);
	const char *name = c->req->names[0];
	int udir, dir, sock;
	struct entry e;
	struct ctlp_resp r;
	struct ctl_relay rl = { .sfd = -1, .pidfd = -1 };

	if (ctlp_detach_parse(c->req->detach_keys != NULL ?
		    c->req->detach_keys :
		    "ctrl-p,ctrl-q",
		&rl.keys) != 0)
		die("attach: bad --detach-keys");
	if (c->plan != NULL)
		auth_account(c->plan);
	if (!find(c, &t[0], name, &udir, &dir, &e))
		exit(CTL_EXIT_FAIL);
	if (!e.running)
		die("attach: container %s is not running", name);
	if (!e.info.tty)
		die("attach: container %s was not started with -t (see logs -f)",
		    name);
	if ((sock = keeper_connect(dir)) < 0 ||
	    ask(sock, CTLP_ATTACH, 0, &r) != 0)
		die("attach: container %s is not running", name);
	done_one(udir, dir);
	free(t);
	if (r.err == CTLP_EBUSY)
		die("attach: another client is attached to %s", name);
	resp_check(name, &r);
	if (r.err != CTLP_OK)
		die("attach: container %s refused it", name);
	if (c->plan != NULL)
		creds_drop_front(c->plan);
	ctl_attach_relay(sock, &rl);
}

/* ---- entry ---- */

noreturn void
ctl_main(int argc, char **argv, char **caller_env)
{
	struct ctla_request req;
	struct launch_plan plan;
	struct ctx c;
	char err[512];
	uid_t r, e, s;
	sigset_t none;

	memset(&req, 0, sizeof(req));
	/* A command holds no state a signal could leave half-done beyond
	 * what the next command sweeps: Ctrl-C and timeout work on it. */
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) != 0)
		die_errno("sigprocmask");
	memset(&plan, 0, sizeof(plan));
	memset(&c, 0, sizeof(c));
	if (ctla_parse(argc, argv, &req, err, sizeof(err)) != 0)
		die("%s", err);
	c.req = &req;
	if (getresuid(&r, &e, &s) != 0)
		die_errno("getresuid");
	c.ruid = r;
	if (r != 0) {
		/* Who, from the kernel; the policy for the pruning. */
		ids_identify(&plan);
		plan_policy(&plan);
		c.plan = &plan;
	}
	switch (req.cmd) {
	case CTLA_PS:
		cmd_ps(&c);
		break;
	case CTLA_LOGS:
		cmd_logs(&c);
		break;
	case CTLA_EXEC:
		cmd_exec(&c, caller_env);
	case CTLA_ATTACH:
		cmd_attach(&c);
	default:
		cmd_each(&c);
		break;
	}
	if (fflush(stdout) != 0)
		c.failed = true;
	exit(c.failed ? CTL_EXIT_FAIL : 0);
}
