/*
 * ctlps.c: ps, the listing of a user's (or every user's) containers, in
 * columns or as JSON lines; port, one container's published ports.
 *
 * Invariants:
 * - Text from the records reaches the output with its control bytes
 *   escaped (ctlp_escape; ctlp_json for --format json) unless --raw.
 * - The caller's own exited records are pruned first, and every listed
 *   user's logs without a record swept, under that user's lock; a user's
 *   directories left empty MUST be removed under that user's lock only
 *   (keeper_udir_drop).
 * - A running container is asked for its use through its keeper's socket
 *   only; an answer that does not come shows as unknown.  Up to
 *   PS_ASKING keepers are asked at once, each on a socket of its own.
 * - A keeper that does not answer (stopped, stuck) MUST NOT hold up the
 *   listing, nor the user's lock it runs under, longer than
 *   PS_ANSWER_S: its use shows as unknown.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "helper/cgroup.h"
#include "helper/ctl_priv.h"
#include "helper/ctlproto.h"
#include "helper/keeper.h"
#include "helper/log.h"

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

/* The text table: every row's cells, printed once all are in (after
 * every lock is released), each column as wide as its widest cell plus
 * three spaces and at least ten, as docker's tabwriter lays out its ps,
 * so that a long name or "About an hour ago" keeps the columns straight.
 * Cell 0 is USER, NULL without --all-users. */
#define PS_COLS 9

struct ps_table {
	char *(*rows)[PS_COLS];
	size_t n, cap;
};

static void
table_add(struct ps_table *t, const char *const cells[PS_COLS])
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		char *(*r)[PS_COLS] = reallocarray(t->rows, cap, sizeof(*r));

		if (r == NULL)
			die("out of memory");
		t->rows = r;
		t->cap = cap;
	}
	for (int i = 0; i < PS_COLS; i++) {
		t->rows[t->n][i] = cells[i] != NULL ? strdup(cells[i]) : NULL;
		if (cells[i] != NULL && t->rows[t->n][i] == NULL)
			die("out of memory");
	}
	t->n++;
}

/* Characters, not bytes: a UTF-8 name takes the room it shows. */
static size_t
text_width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

static void
table_print(struct ps_table *t)
{
	size_t w[PS_COLS] = { 0 };

	for (size_t r = 0; r < t->n; r++)
		for (int i = 0; i < PS_COLS; i++)
			if (t->rows[r][i] != NULL &&
			    text_width(t->rows[r][i]) + 3 > w[i])
				w[i] = text_width(t->rows[r][i]) + 3;
	for (size_t r = 0; r < t->n; r++) {
		for (int i = 0; i < PS_COLS; i++) {
			const char *v = t->rows[r][i];

			if (v == NULL)
				continue;
			if (i == PS_COLS - 1)
				printf("%s\n", v);
			else
				printf("%s%*s", v,
				    (int)((w[i] < 10 ? 10 : w[i]) -
					text_width(v)),
				    "");
			free(t->rows[r][i]);
		}
	}
	free(t->rows);
}

static void
ps_row(FILE *out, struct ps_table *tab, struct ctl_ctx *c,
    const struct ctl_entry *e, bool user_col)
{
	char name[300], image[2100], cmd[4200], created[64], status[96];
	char cpu[32], mem[32], shortcmd[4210], ports[4200], user[400];
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
		ctlp_json(e->user, user, sizeof(user));
		fprintf(out,
		    "{\"Names\":\"%s\",\"Image\":\"%s\",\"Command\":\"%s\","
		    "\"CreatedAt\":%lld,\"RunningFor\":\"%s\","
		    "\"State\":\"%s\",\"Status\":\"%s\",\"ExitCode\":%d,"
		    "\"User\":\"%s\",\"Uid\":%u,\"Ports\":\"%s\"",
		    name, image, cmd, (long long)e->info.created, created,
		    e->running ? "running" : "exited", status,
		    e->has_exit ? e->exit.status : 0, user,
		    (unsigned)e->info.uid, ports);
		if (e->running && e->st.cpu_usec != CGROUP_UNKNOWN)
			fprintf(out, ",\"CPUSeconds\":%.2f",
			    (double)e->st.cpu_usec / 1e6);
		if (e->running && e->st.mem != CGROUP_UNKNOWN)
			fprintf(out, ",\"MemUsage\":%llu",
			    (unsigned long long)e->st.mem);
		fprintf(out, "}\n");
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
		fprintf(out, "%s\n", name);
		return;
	}
	if (strlen(cmd) > 20 && !c->req->no_trunc)
		snprintf(shortcmd, sizeof(shortcmd), "\"%.17s...\"", cmd);
	else
		snprintf(shortcmd, sizeof(shortcmd), "\"%s\"", cmd);
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
	table_add(tab,
	    (const char *const[PS_COLS]){ user_col ? e->user : NULL, name,
		image, shortcmd, created, status, ports, cpu, mem });
}

/* The keepers asked for their use at once, at most: each answers on its
 * own socket while ps reads the records and the answers before it. */
#define PS_ASKING 8
/* How long a keeper's answer is waited for. */
#define PS_ANSWER_S 5

/* A record read, its keeper asked: the row to print once it answers. */
struct ps_slot {
	struct ctl_entry e;
	bool ok;  /* a record was read */
	int sock; /* the keeper's answer comes here; -1: none will */
};

/* Reads NAME's record into S and, when it runs, asks its keeper for its
 * use (a keeper that cannot be asked leaves its use unknown). */
static void
ps_start(int udir, const char *name, struct ps_slot *s)
{
	int dir = -1;

	s->sock = -1;
	s->ok = ctl_load(udir, name, &s->e, &dir) == 0;
	if (!s->ok)
		return;
	if (s->e.running && (s->sock = keeper_connect(dir)) >= 0) {
		const struct timeval tv = { PS_ANSWER_S, 0 };

		if (setsockopt(s->sock, SOL_SOCKET, SO_RCVTIMEO, &tv,
			sizeof(tv)) != 0 ||
		    ctl_send(s->sock, CTLP_STATUS, 0) != 0) {
			close(s->sock);
			s->sock = -1;
		}
	}
	close(dir);
}

/* The containers listed, collected from every user's records before any
 * is printed: docker's order (the newest first) and -n count them all. */
struct ps_list {
	struct ctl_entry *v;
	size_t n, cap;
};

static void
list_add(struct ps_list *l, const struct ctl_entry *e)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct ctl_entry *nv = reallocarray(l->v, cap, sizeof(*nv));

		if (nv == NULL)
			die("out of memory");
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = *e;
}

/* The newest first; of one second, by name, then by user.  Pointers are
 * sorted: an entry is kilobytes. */
static int
cmp_entry(const void *a, const void *b)
{
	const struct ctl_entry *x = *(const struct ctl_entry *const *)a,
			       *y = *(const struct ctl_entry *const *)b;
	int c;

	if (x->info.created != y->info.created)
		return x->info.created > y->info.created ? -1 : 1;
	if ((c = strcmp(x->info.name, y->info.name)) != 0)
		return c;
	return strcmp(x->user, y->user);
}

/* S's row, once its keeper answered, into L when ps lists it. */
static void
ps_finish(struct ps_list *l, struct ctl_ctx *c, const struct ctl_target *t,
    struct ps_slot *s)
{
	if (!s->ok)
		return;
	if (s->e.running &&
	    (s->sock < 0 || ctl_recv(s->sock, &s->e.st) != 0 ||
		s->e.st.err != CTLP_OK)) {
		s->e.st.cpu_usec = CGROUP_UNKNOWN;
		s->e.st.mem = CGROUP_UNKNOWN;
	}
	if (s->sock >= 0)
		close(s->sock);
	s->sock = -1;
	snprintf(s->e.user, sizeof(s->e.user), "%s", t->user);
	if (ctla_ps_wanted(c->req, s->e.info.name, s->e.info.image,
		s->e.running, s->e.has_exit ? s->e.exit.status : -1))
		list_add(l, &s->e);
}

/* The rows wait in memory until the lock is released: a reader of the
 * output that does not keep up never holds the user's lock. */
static void
ps_user(struct ctl_ctx *c, struct ps_list *l, const struct ctl_target *t)
{
	cleanup_close int udir = ctl_open_udir_swept(t->uid);
	struct ps_slot *ring;
	size_t n;
	char **names;

	if (udir < 0 || !ctl_lock_udir(c, t, udir))
		return;
	ctl_prune(c, udir, t->uid);
	keeper_udir_drop(udir, t->uid);
	names = ctl_list_names(udir, &n);
	if ((ring = calloc(PS_ASKING, sizeof(*ring))) == NULL)
		die("out of memory");
	/* Row I is printed just before record I + PS_ASKING is read into
	 * its slot: up to PS_ASKING keepers are asked at once. */
	for (size_t i = 0; i < n + PS_ASKING; i++) {
		struct ps_slot *s = &ring[i % PS_ASKING];

		if (i >= PS_ASKING)
			ps_finish(l, c, t, s);
		if (i < n)
			ps_start(udir, names[i], s);
	}
	(void)flock(udir, LOCK_UN);
	free(ring);
	ctl_free_names(names, n);
}

void
ctl_ps(struct ctl_ctx *c)
{
	size_t n;
	struct ctl_target *t = ctl_targets(c, &n);
	bool user_col = c->req->all_users,
	     table = !c->req->quiet && !c->req->json;
	struct ps_table tab = { NULL, 0, 0 };
	struct ps_list l = { NULL, 0, 0 };
	const struct ctl_entry **order;

	if (table)
		table_add(&tab,
		    (const char *const[PS_COLS]){ user_col ? "USER" : NULL,
			"NAME", "IMAGE", "COMMAND", "CREATED", "STATUS",
			"PORTS", "CPU", "MEMORY" });
	for (size_t i = 0; i < n; i++)
		ps_user(c, &l, &t[i]);
	if ((order = calloc(l.n + 1, sizeof(*order))) == NULL)
		die("out of memory");
	for (size_t i = 0; i < l.n; i++)
		order[i] = &l.v[i];
	if (l.n > 1)
		qsort(order, l.n, sizeof(order[0]), cmp_entry);
	for (size_t i = 0; i < l.n; i++)
		if (c->req->last < 0 || (long long)i < c->req->last)
			ps_row(stdout, &tab, c, order[i], user_col);
	if (table)
		table_print(&tab);
	free(order);
	free(l.v);
	free(t);
}

void
ctl_port(struct ctl_ctx *c)
{
	size_t n;
	struct ctl_target *t = ctl_targets(c, &n);
	const char *name = c->req->names[0];
	static char ports[4 * sizeof(((struct ctlp_info *)0)->ports)];
	char text[8192], shown[80];
	int udir, dir, lines;
	struct ctl_entry e;

	if (!ctl_find(c, &t[0], name, &udir, &dir, &e))
		exit(CTL_EXIT_FAIL);
	ctl_done_one(udir, dir);
	free(t);
	/* The record's text with its control bytes escaped, as ps shows
	 * it; as docker port, an ended container has none. */
	ctlp_escape(e.info.ports, ports, sizeof(ports));
	lines = e.running ?
	    ctlp_port_text(ports, c->req->port, text, sizeof(text)) :
	    0;
	if (lines < 0)
		die("port: container %s: its record's ports are unreadable",
		    name);
	if (lines == 0 && c->req->port != NULL) {
		ctlp_escape(c->req->port, shown, sizeof(shown));
		die("port: no public port %s published for %s", shown, name);
	}
	fputs(text, stdout);
}
