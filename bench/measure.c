/*
 * measure.c: the benchmark's launch timer (bench/run.sh drives it).
 *
 * measure seq -n RUNS -w WARMUP [-o] [-p MS] [-t TIMEOUT] [-r RAWFILE] [-e DIR]
 *     SPECFILE
 *	Runs every command of SPECFILE once per round, interleaved (round
 *	robin; with -o the order rotates, round R starting with command R
 *	modulo their number, so that none always follows the same one;
 *	with -p, each launch after a pause of MS milliseconds, untimed, as
 *	a command typed at a prompt finds the machine),
 *	WARMUP rounds unrecorded then RUNS recorded rounds, and prints
 *	one tab-separated line per command: name, launches that exited 0,
 *	launches that failed, median, min, max and mean wall time in
 *	microseconds, the peak RSS in KiB of the whole process tree, and the
 *	first failure's stderr line.  With -r, every recorded launch also
 *	appends "NAME\tMICROSECONDS\tRSS_KIB" (or "NAME\tFAIL\tRSS\tERROR")
 *	to RAWFILE, so that several passes can be pooled.  With -e DIR, the
 *	stderr of recorded launch N goes to DIR/marks.N between the stamps
 *	"ctr-launch-trace: spawn T" and "... end T" (CLOCK_MONOTONIC).
 * measure rate -n LAUNCHES -j STREAMS [-t TIMEOUT] SPECFILE
 *	For each command, keeps STREAMS launches in flight until LAUNCHES
 *	have ended, and prints: name, streams, launches, failures, wall
 *	seconds, launches per second, first failure's stderr line.
 *
 * SPECFILE has one command per line, tab-separated fields:
 *	NAME CREDS NSFILE CWD ENV ARGV0 [ARG...]
 * CREDS is "-" (stay as the caller) or "UID:GID:G1,G2,..." (the child
 * drops to them before exec, as setpriv --init-groups would); NSFILE is
 * "-" or a mount namespace file the child joins (setns) before exec; ENV
 * is "-" or space-separated KEY=VALUE words, the child's whole
 * environment.  "%n" in an argument becomes a string unique to the launch;
 * an argument "%<N:PATH" is no argument but opens PATH read-only on the
 * child's descriptor N (for bwrap --seccomp N).
 *
 * A launch's time runs from just before fork to the moment wait4 returns
 * the direct child.  measure is a child subreaper: whatever the launcher
 * leaves behind is reaped by measure after the clock stopped and before
 * the next launch starts, and its ru_maxrss counts in the tree's peak.
 *
 * Invariants:
 * - A launch that exits non-zero, is killed, or outlives the timeout MUST
 *   be counted as failed and MUST NOT contribute a time.
 * - The peak RSS MUST cover every process of the launch's tree, also those
 *   the launcher orphaned (child subreaper).
 * - In seq mode a launch MUST NOT start while a process of the previous
 *   one is still running.
 * - With -o, every command MUST lead as many rounds as every other (give
 *   or take one), in turn.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXCMDS   32
#define MAXARGS   512
#define MAXGROUPS 256

struct cmd {
	char *name;
	bool drop;
	uid_t uid;
	gid_t gid;
	gid_t groups[MAXGROUPS];
	int ngroups;
	char *nsfile;
	char *cwd;
	char *envv[MAXARGS];
	char *argv[MAXARGS];
	int nargs;
	int errfd;     /* the child's stderr, rewound before each launch */
	char err[256]; /* first failure */
	int64_t *t;    /* recorded times, ns */
	int nt;
	int fail;
	long maxrss;
};

static struct cmd cmds[MAXCMDS];
static int ncmds;
static unsigned long launchno;
static volatile sig_atomic_t timed_out;
static unsigned int timeout_s = 120;
static FILE *raw;          /* -r: one line per recorded launch */
static const char *errdir; /* -e: each recorded launch's stderr kept */
static int stampfd = -1;   /* that launch's file, while it runs */
static unsigned long nrec;
static bool rotate;   /* -o: round R starts with command R % ncmds */
static long pause_ms; /* -p: the pause before each launch */

static void
die(const char *msg)
{
	fprintf(stderr, "measure: %s: %s\n", msg, strerror(errno));
	exit(2);
}

static void
on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
}

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
split(char *s, const char *sep, char **v, int max)
{
	int n = 0;
	char *save = NULL, *w;

	for (w = strtok_r(s, sep, &save); w != NULL && n < max - 1;
	     w = strtok_r(NULL, sep, &save))
		v[n++] = w;
	v[n] = NULL;
	return n;
}

static void
parse_creds(struct cmd *c, char *s)
{
	char *g, *save = NULL, *w;

	if (strcmp(s, "-") == 0)
		return;
	c->drop = true;
	c->uid = (uid_t)strtoul(strtok_r(s, ":", &save), NULL, 10);
	w = strtok_r(NULL, ":", &save);
	if (w == NULL) {
		fprintf(stderr, "measure: %s: bad CREDS\n", c->name);
		exit(2);
	}
	c->gid = (gid_t)strtoul(w, NULL, 10);
	g = strtok_r(NULL, ":", &save);
	if (g == NULL)
		return;
	for (w = strtok_r(g, ",", &save); w != NULL && c->ngroups < MAXGROUPS;
	     w = strtok_r(NULL, ",", &save))
		c->groups[c->ngroups++] = (gid_t)strtoul(w, NULL, 10);
}

static void
load_spec(const char *path)
{
	FILE *f;
	char *line = NULL, *field[MAXARGS];
	size_t cap = 0;
	ssize_t len;
	int n, i;

	if ((f = fopen(path, "re")) == NULL)
		die(path);
	while ((len = getline(&line, &cap, f)) > 0) {
		struct cmd *c;

		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (ncmds == MAXCMDS) {
			fprintf(stderr, "measure: too many commands\n");
			exit(2);
		}
		c = &cmds[ncmds++];
		n = split(strdup(line), "\t", field, MAXARGS);
		if (n < 6) {
			fprintf(stderr, "measure: %s: too few fields\n", path);
			exit(2);
		}
		c->name = field[0];
		parse_creds(c, field[1]);
		c->nsfile = strcmp(field[2], "-") == 0 ? NULL : field[2];
		c->cwd = field[3];
		if (strcmp(field[4], "-") == 0)
			c->envv[0] = NULL;
		else
			split(field[4], " ", c->envv, MAXARGS);
		for (i = 5; i < n; i++)
			c->argv[c->nargs++] = field[i];
		c->argv[c->nargs] = NULL;
		c->errfd = fileno(tmpfile());
		if (c->errfd < 0)
			die("tmpfile");
	}
	free(line);
	fclose(f);
}

/* "%<N:PATH": PATH opened read-only on descriptor N of the child. */
static void
redirect(const char *spec)
{
	char *end;
	long n = strtol(spec, &end, 10);
	int fd;

	if (*end != ':' || n < 3 || n > 255 ||
	    (fd = open(end + 1, O_RDONLY)) < 0 ||
	    (fd != n && (dup2(fd, (int)n) < 0 || close(fd) != 0))) {
		dprintf(2, "measure: redirect %s: %s\n", spec, strerror(errno));
		_exit(122);
	}
}

static void
child(struct cmd *c)
{
	char *argv[MAXARGS], num[32], *pct;
	int i, j, fd, ns;

	setpgid(0, 0);
	if ((fd = open("/dev/null", O_RDWR)) < 0)
		_exit(122);
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(stampfd >= 0 ? stampfd : c->errfd, 2);
	if (c->nsfile != NULL) {
		if ((ns = open(c->nsfile, O_RDONLY | O_CLOEXEC)) < 0 ||
		    setns(ns, CLONE_NEWNS) != 0) {
			dprintf(2, "measure: setns %s: %s\n", c->nsfile,
			    strerror(errno));
			_exit(122);
		}
	}
	if (c->drop) {
		if (setgroups((size_t)c->ngroups, c->groups) != 0 ||
		    setresgid(c->gid, c->gid, c->gid) != 0 ||
		    setresuid(c->uid, c->uid, c->uid) != 0) {
			dprintf(2, "measure: drop: %s\n", strerror(errno));
			_exit(122);
		}
	}
	if (chdir(c->cwd) != 0) {
		dprintf(2, "measure: chdir %s: %s\n", c->cwd, strerror(errno));
		_exit(122);
	}
	snprintf(num, sizeof(num), "%d-%lu", (int)getppid(), launchno);
	for (i = j = 0; i < c->nargs; i++) {
		if (strncmp(c->argv[i], "%<", 2) == 0) {
			redirect(c->argv[i] + 2);
			continue;
		}
		argv[j] = c->argv[i];
		if ((pct = strstr(argv[j], "%n")) != NULL &&
		    asprintf(&argv[j], "%.*s%s%s", (int)(pct - c->argv[i]),
			c->argv[i], num, pct + 2) < 0)
			_exit(122);
		j++;
	}
	argv[j] = NULL;
	execve(argv[0], argv, c->envv);
	dprintf(2, "measure: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static pid_t
start(struct cmd *c)
{
	pid_t pid;

	if (ftruncate(c->errfd, 0) != 0 || lseek(c->errfd, 0, SEEK_SET) != 0)
		die("rewind stderr");
	launchno++;
	if ((pid = fork()) < 0)
		die("fork");
	if (pid == 0)
		child(c);
	return pid;
}

static void
note_failure(struct cmd *c, int status)
{
	char buf[256] = "", *nl;
	ssize_t n;

	c->fail++;
	if (c->err[0] != '\0')
		return;
	n = pread(c->errfd, buf, sizeof(buf) - 1, 0);
	if (n > 0) {
		buf[n] = '\0';
		if ((nl = strchr(buf, '\n')) != NULL)
			*nl = '\0';
		for (nl = buf; *nl != '\0'; nl++)
			if (*nl == '\t')
				*nl = ' ';
	}
	if (timed_out)
		snprintf(c->err, sizeof(c->err), "timeout after %us",
		    timeout_s);
	else if (WIFSIGNALED(status))
		snprintf(c->err, sizeof(c->err), "killed by signal %d: %s",
		    WTERMSIG(status), buf);
	else
		snprintf(c->err, sizeof(c->err), "exit %d: %s",
		    WEXITSTATUS(status), buf);
}

/* Reaps everything left (orphans re-parented to us); returns their peak. */
static long
reap_all(pid_t pgid)
{
	struct rusage ru;
	long peak = 0;
	int st;

	for (;;) {
		pid_t p = wait4(-1, &st, 0, &ru);

		if (p > 0) {
			if (ru.ru_maxrss > peak)
				peak = ru.ru_maxrss;
			continue;
		}
		if (errno == ECHILD)
			return peak;
		if (errno == EINTR && timed_out && pgid > 0)
			kill(-pgid, SIGKILL);
		else if (errno != EINTR)
			die("wait4");
	}
}

/* -e DIR: DIR/marks.N gets launch N's stderr between two stamps of the
 * form the helper's tracing build writes (bench/phases.py --marks). */
static void
stamp_open(void)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/marks.%lu", errdir, ++nrec);
	if ((stampfd = open(path,
		 O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644)) <
	    0)
		die(path);
}

static void
stamp(const char *what, int64_t t)
{
	if (stampfd >= 0)
		dprintf(stampfd, "ctr-launch-trace: %s %lld.%09lld\n", what,
		    (long long)(t / 1000000000), (long long)(t % 1000000000));
}

static void
one_launch(struct cmd *c, bool record)
{
	struct rusage ru;
	int64_t t0, t1;
	long peak;
	pid_t pid, p;
	int st = 0;

	timed_out = 0;
	alarm(timeout_s);
	if (errdir != NULL && record)
		stamp_open();
	t0 = now_ns();
	stamp("spawn", t0);
	pid = start(c);
	while ((p = wait4(pid, &st, 0, &ru)) < 0 && errno == EINTR) {
		if (timed_out)
			kill(-pid, SIGKILL);
	}
	t1 = now_ns();
	if (p < 0)
		die("wait4");
	stamp("end", t1);
	if (stampfd >= 0) {
		close(stampfd);
		stampfd = -1;
	}
	peak = reap_all(pid);
	alarm(0);
	if (ru.ru_maxrss > peak)
		peak = ru.ru_maxrss;
	if (!record)
		return;
	if (peak > c->maxrss)
		c->maxrss = peak;
	if (timed_out || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		note_failure(c, st);
		if (raw != NULL)
			fprintf(raw, "%s\tFAIL\t%ld\t%s\n", c->name, peak,
			    c->err);
	} else {
		c->t[c->nt++] = t1 - t0;
		if (raw != NULL)
			fprintf(raw, "%s\t%lld\t%ld\n", c->name,
			    (long long)((t1 - t0) / 1000), peak);
	}
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void
seq(int runs, int warmup)
{
	int r, i, j;

	for (i = 0; i < ncmds; i++)
		if ((cmds[i].t = calloc((size_t)runs, sizeof(int64_t))) == NULL)
			die("calloc");
	for (r = 0; r < warmup + runs; r++)
		for (i = 0; i < ncmds; i++) {
			if (pause_ms > 0) {
				struct timespec ts = { pause_ms / 1000,
					(pause_ms % 1000) * 1000000L };

				while (
				    nanosleep(&ts, &ts) != 0 && errno == EINTR)
					;
			}
			one_launch(&cmds[rotate ? (r + i) % ncmds : i],
			    r >= warmup);
		}
	for (i = 0; i < ncmds; i++) {
		struct cmd *c = &cmds[i];
		int64_t med = 0, sum = 0;

		qsort(c->t, (size_t)c->nt, sizeof(int64_t), cmp64);
		for (j = 0; j < c->nt; j++)
			sum += c->t[j];
		if (c->nt > 0)
			med = c->nt % 2 ?
			    c->t[c->nt / 2] :
			    (c->t[c->nt / 2 - 1] + c->t[c->nt / 2]) / 2;
		printf("%s\t%d\t%d\t%lld\t%lld\t%lld\t%lld\t%ld\t%s\n", c->name,
		    c->nt, c->fail, (long long)(med / 1000),
		    (long long)(c->nt ? c->t[0] / 1000 : 0),
		    (long long)(c->nt ? c->t[c->nt - 1] / 1000 : 0),
		    (long long)(c->nt ? sum / c->nt / 1000 : 0), c->maxrss,
		    c->err[0] ? c->err : "-");
	}
}

static void
rate(int launches, int streams)
{
	pid_t inflight[64];
	int i, k, started, ended, running;

	if (streams < 1 || streams > 64)
		streams = 1;
	for (i = 0; i < ncmds; i++) {
		struct cmd *c = &cmds[i];
		struct rusage ru;
		int64_t t0, t1;
		int st;

		c->fail = 0;
		c->err[0] = '\0';
		started = ended = running = 0;
		memset(inflight, 0, sizeof(inflight));
		timed_out = 0;
		alarm(timeout_s * 4);
		t0 = now_ns();
		while (ended < launches) {
			pid_t p;

			while (running < streams && started < launches) {
				for (k = 0; inflight[k] != 0; k++)
					;
				inflight[k] = start(c);
				started++;
				running++;
			}
			p = wait4(-1, &st, 0, &ru);
			if (p < 0) {
				if (errno == EINTR && timed_out)
					break;
				if (errno != EINTR)
					die("wait4");
				continue;
			}
			for (k = 0; k < streams && inflight[k] != p; k++)
				;
			if (k == streams)
				continue; /* an orphan of some launch */
			inflight[k] = 0;
			running--;
			ended++;
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
				note_failure(c, st);
		}
		t1 = now_ns();
		for (k = 0; k < streams; k++)
			if (inflight[k] != 0)
				kill(-inflight[k], SIGKILL);
		reap_all(0);
		alarm(0);
		printf("%s\t%d\t%d\t%d\t%.3f\t%.1f\t%s\n", c->name, streams,
		    ended, c->fail, (double)(t1 - t0) / 1e9,
		    ended / ((double)(t1 - t0) / 1e9),
		    c->err[0] ? c->err : "-");
	}
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: measure seq -n RUNS -w WARMUP [-o] [-p MS] [-t SECS] "
	    "[-r RAW] [-e DIR] "
	    "SPECFILE\n"
	    "       measure rate -n LAUNCHES -j STREAMS [-t SECS] SPECFILE\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct sigaction sa;
	int ch, n = 50, w = 5, j = 1;
	const char *mode;

	if (argc < 2)
		usage();
	mode = argv[1];
	optind = 2;
	while ((ch = getopt(argc, argv, "n:w:j:t:r:e:op:")) != -1) {
		switch (ch) {
		case 'n':
			n = atoi(optarg);
			break;
		case 'w':
			w = atoi(optarg);
			break;
		case 'j':
			j = atoi(optarg);
			break;
		case 't':
			timeout_s = (unsigned int)atoi(optarg);
			break;
		case 'e':
			errdir = optarg;
			break;
		case 'o':
			rotate = true;
			break;
		case 'p':
			pause_ms = atol(optarg);
			break;
		case 'r':
			if ((raw = fopen(optarg, "ae")) == NULL)
				die(optarg);
			setvbuf(raw, NULL, _IOLBF, 0);
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1 || n < 1 || w < 0)
		usage();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
		die("PR_SET_CHILD_SUBREAPER");
	load_spec(argv[optind]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(mode, "seq") == 0)
		seq(n, w);
	else if (strcmp(mode, "rate") == 0)
		rate(n, j);
	else
		usage();
	return 0;
}
