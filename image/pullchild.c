/*
 * pullchild.c: the unprivileged network child of ctr-image pull (see
 * pull.h): fetches the manifest (choosing from an index by platform), the
 * config and the layers (up to j->jobs at once, one thread and one
 * connection each), each into a descriptor root passes it; a layer file
 * that already holds a prefix is resumed with an HTTP Range request.
 * Behind a registries.conf mirror, a manifest or blob the mirror cannot
 * give (no connection, an HTTP error) comes from the registry itself,
 * with a note on stderr; once the mirror is unreachable it is not asked
 * again.
 *
 * Invariants:
 * - A manifest, index or config larger than PULL_META_MAX MUST be refused,
 *   and a layer MUST be refused when larger than its declared size.
 * - A Docker-Content-Digest header, when present, MUST equal the sha256 of
 *   the manifest bytes; a manifest asked for by digest MUST hash to it.
 * - Schema 1 manifests MUST be refused.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/io.h"
#include "image/config.h"
#include "lib/grammar.h"
#include "image/progress.h"
#include "image/pull.h"
#include "image/registry.h"

#define MT_INDEX_OCI "application/vnd.oci.image.index.v1+json"
#define MT_LIST_V2   "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_SCHEMA1   "application/vnd.docker.distribution.manifest.v1"

/* One thread's connections: the first source (the mirror, or the
 * registry when there is none) and the registry behind a mirror, set up
 * when first needed. */
struct conn {
	struct reg_client *m;
	struct reg_client u;
	bool u_ready;
};

struct child {
	int sock;
	const struct pull_job *j;
	struct reg_client c;
	struct conn cn;  /* the main thread's; .m = &c */
	bool mirror_off; /* the mirror is down or lacks the image */
	struct progress pr;
	pthread_mutex_t mu; /* the socket and stdout, between workers */
};

#define BOARD_MAX 20 /* layers shown as one line each, redrawn */

/* Parallel downloads on a terminal: one line per layer, redrawn in place
 * at most ten times a second. */
struct board_line {
	uint64_t done, total;
	const char *state; /* NULL while waiting or downloading, or the end */
};

/* The layers, fetched by up to j->jobs workers. */
struct layer_q {
	struct child *ch;
	char (*hex)[65];
	int64_t *size;
	size_t n, next;
	bool board;
	struct board_line *lines;
	double tlast;
};

struct one_layer {
	struct layer_q *q;
	size_t i;
};

static void __attribute__((noreturn))
child_fail(struct child *ch, const char *msg)
{
	struct pull_msg m;

	memset(&m, 0, sizeof(m));
	m.kind = 'X';
	snprintf(m.text, sizeof(m.text), "%s", msg);
	(void)!send(ch->sock, &m, sizeof(m), MSG_NOSIGNAL);
	_exit(1);
}

/* The registry behind the mirror, on CN's own connection. */
static struct reg_client *
conn_up(struct child *ch, struct conn *cn)
{
	const struct pull_job *j = ch->j;

	if (!cn->u_ready) {
		if (reg_init(&cn->u, j->up_apihost, j->up_insecure, j->up_cred,
			j->up_ca, j->up_calen) == -1)
			child_fail(ch, cn->u.err);
		cn->u_ready = true;
	}
	return &cn->u;
}

static struct reg_client *
conn_cur(struct child *ch, struct conn *cn)
{
	return __atomic_load_n(&ch->mirror_off, __ATOMIC_RELAXED) ?
	    conn_up(ch, cn) :
	    cn->m;
}

static void
conn_free(struct conn *cn)
{
	if (cn->u_ready)
		reg_free(&cn->u);
	cn->u_ready = false;
}

/* May the failure of C be left for the registry behind the mirror? */
static bool
may_fall_back(struct child *ch, struct conn *cn, struct reg_client *c,
    const char *what)
{
	char line[1200];

	if (!ch->j->has_up || c != cn->m || !c->fallback)
		return false;
	snprintf(line, sizeof(line),
	    "ctr-image: note: mirror %.255s failed (%.511s); %.119s from %.255s",
	    c->hostport, c->err, what, ch->j->up_hostport);
	for (char *p = line; *p != '\0'; p++) /* the registry's bytes */
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	pthread_mutex_lock(&ch->mu);
	fprintf(stderr, "%s\n", line);
	fflush(stderr);
	pthread_mutex_unlock(&ch->mu);
	return true;
}

static int
ask_fd(struct child *ch, char kind, const char *hex)
{
	struct pull_answer a;
	struct pull_msg m;
	struct cmsghdr *cm;
	int fd;

	memset(&m, 0, sizeof(m));
	m.kind = kind;
	snprintf(m.hex, sizeof(m.hex), "%s", hex);
	pull_answer_init(&a);
	pthread_mutex_lock(&ch->mu);
	if (send(ch->sock, &m, sizeof(m), MSG_NOSIGNAL) != sizeof(m) ||
	    recvmsg(ch->sock, &a.mh, MSG_CMSG_CLOEXEC) != 1)
		child_fail(ch, "lost the connection to root");
	pthread_mutex_unlock(&ch->mu);
	cm = CMSG_FIRSTHDR(&a.mh);
	if (a.b == 'k' && cm == NULL)
		return -1; /* root holds it already */
	if (cm == NULL || cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(sizeof(int)))
		child_fail(ch, "root sent no descriptor");
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static void
put_doc(struct child *ch, char kind, const struct reg_doc *d)
{
	int fd = ask_fd(ch, kind, "");

	if (io_write_all(fd, d->buf, d->len) == -1)
		child_fail(ch, "writing the manifest: I/O error");
	close(fd);
}

static const char *
jstr(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Fetches REF and checks its digests; returns the parsed JSON. */
static struct json_object *
get_manifest(struct child *ch, const char *ref, struct reg_doc *d)
{
	struct ctl_err e = { .line = 0 };
	struct json_object *j, *v;
	struct reg_client *c = conn_cur(ch, &ch->cn);
	char hex[65], msg[700];

	if (reg_manifest(c, ch->j->repo, ref, PULL_META_MAX, d) == -1) {
		if (!may_fall_back(ch, &ch->cn, c, "pulling the image"))
			child_fail(ch, c->err);
		__atomic_store_n(&ch->mirror_off, true, __ATOMIC_RELAXED);
		c = conn_cur(ch, &ch->cn);
		if (reg_manifest(c, ch->j->repo, ref, PULL_META_MAX, d) == -1)
			child_fail(ch, c->err);
	}
	img_sha256_hex(d->buf, d->len, hex);
	if (d->digest[0] != '\0' &&
	    (strncmp(d->digest, "sha256:", 7) != 0 ||
		strcmp(d->digest + 7, hex) != 0)) {
		snprintf(msg, sizeof(msg),
		    "%s: manifest %s: Docker-Content-Digest %.80s does not match the content (sha256:%s)",
		    c->hostport, ref, d->digest, hex);
		child_fail(ch, msg);
	}
	if (strncmp(ref, "sha256:", 7) == 0 && strcmp(ref + 7, hex) != 0) {
		snprintf(msg, sizeof(msg),
		    "%s: manifest %s: digest mismatch (content is sha256:%s)",
		    c->hostport, ref, hex);
		child_fail(ch, msg);
	}
	if ((j = config_json(d->buf, d->len, "manifest", &e)) == NULL)
		child_fail(ch, e.msg);
	if ((json_object_object_get_ex(j, "schemaVersion", &v) &&
		json_object_get_int(v) == 1) ||
	    strncmp(d->ctype, MT_SCHEMA1, strlen(MT_SCHEMA1)) == 0)
		child_fail(ch,
		    "schema 1 manifests are not supported (deprecated); push the image again as Docker schema 2 or OCI");
	return j;
}

static bool
is_index(struct json_object *j, const struct reg_doc *d)
{
	const char *mt = jstr(j, "mediaType");

	if (mt == NULL)
		mt = d->ctype;
	return strncmp(mt, MT_INDEX_OCI, strlen(MT_INDEX_OCI)) == 0 ||
	    strncmp(mt, MT_LIST_V2, strlen(MT_LIST_V2)) == 0 ||
	    (jstr(j, "mediaType") == NULL &&
		json_object_object_get_ex(j, "manifests", NULL));
}

static bool
plat_match(struct json_object *ent, const struct pull_platform *p)
{
	struct json_object *pl;
	const char *os, *arch, *var;

	if (!json_object_object_get_ex(ent, "platform", &pl))
		return false;
	os = jstr(pl, "os");
	arch = jstr(pl, "architecture");
	var = jstr(pl, "variant");
	return os != NULL && arch != NULL && strcmp(os, p->os) == 0 &&
	    strcmp(arch, p->arch) == 0 &&
	    (p->variant[0] == '\0' || (var && strcmp(var, p->variant) == 0));
}

/* The digest of the manifest for our platform in index J. */
static void
choose(struct child *ch, struct json_object *j, char *digest, size_t len)
{
	const struct pull_platform *p = &ch->j->plat;
	struct json_object *ms;
	char msg[600];

	if (!json_object_object_get_ex(j, "manifests", &ms) ||
	    !json_object_is_type(ms, json_type_array))
		child_fail(ch, "index: no \"manifests\" list");
	for (size_t i = 0; i < json_object_array_length(ms); i++) {
		struct json_object *ent = json_object_array_get_idx(ms, i);
		const char *dg = jstr(ent, "digest");

		if (!plat_match(ent, p))
			continue;
		if (dg == NULL || strncmp(dg, "sha256:", 7) != 0 ||
		    !gram_hex64(dg + 7))
			child_fail(ch, "index: entry without a sha256 digest");
		snprintf(digest, len, "%s", dg);
		return;
	}
	snprintf(msg, sizeof(msg),
	    "%.200s/%.200s: the index has no image for platform %s/%s%s%s",
	    ch->j->hostport, ch->j->repo, p->os, p->arch,
	    p->variant[0] ? "/" : "", p->variant);
	child_fail(ch, msg);
}

/* Checks a descriptor object; fills HEX and SIZE. */
static void
desc_of(struct child *ch, struct json_object *o, char *hex, int64_t *size)
{
	const char *dg = jstr(o, "digest");
	struct json_object *sz;

	if (dg == NULL || strncmp(dg, "sha256:", 7) != 0 || !gram_hex64(dg + 7))
		child_fail(ch,
		    "manifest: a descriptor without a sha256 digest");
	if (!json_object_object_get_ex(o, "size", &sz) ||
	    !json_object_is_type(sz, json_type_int) ||
	    (*size = json_object_get_int64(sz)) < 0)
		child_fail(ch, "manifest: a descriptor without a size");
	memcpy(hex, dg + 7, 65);
}

static double
now_secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Redraws the board (the caller holds ch->mu); FORCE: even if recent. */
static void
board_draw(struct layer_q *q, bool force)
{
	static bool drawn;
	char a[32], b[32];
	double t = now_secs();

	if (!force && t - q->tlast < 0.1)
		return;
	q->tlast = t;
	if (drawn)
		printf("\033[%zuA", q->n);
	for (size_t i = 0; i < q->n; i++) {
		struct board_line *l = &q->lines[i];

		printf("\r\033[Klayer %zu/%zu sha256:%.12s  ", i + 1, q->n,
		    q->hex[i][0] ? q->hex[i] : "(listed twice)");
		if (l->state != NULL)
			printf("%s\n", l->state);
		else
			printf("%s / %s\n", img_fmt_size(l->done, a, sizeof(a)),
			    img_fmt_size(l->total, b, sizeof(b)));
	}
	drawn = true;
	fflush(stdout);
}

static void
on_layer_bytes(void *ud, uint64_t done)
{
	struct one_layer *o = ud;
	struct child *ch = o->q->ch;

	pthread_mutex_lock(&ch->mu);
	o->q->lines[o->i].done = done;
	board_draw(o->q, false);
	pthread_mutex_unlock(&ch->mu);
}

static void
on_bar_bytes(void *ud, uint64_t done)
{
	progress_update(ud, done);
}

/* One blob into a descriptor from root; LAYER set: a layer of the
 * board, else a line (or the bar) of its own. */
static void
fetch_blob(struct child *ch, struct conn *cn, struct progress *pr, char kind,
    const char *hex, int64_t size, const char *label, struct one_layer *layer)
{
	struct reg_client *c = conn_cur(ch, cn);
	char digest[72], sz[32], line[160], what[120];
	uint64_t resumed = 0;
	int fd = ask_fd(ch, kind, hex);
	bool board = layer != NULL && layer->q->board;

	snprintf(line, sizeof(line), "stored, not downloaded");
	if (fd != -1) {
		snprintf(digest, sizeof(digest), "sha256:%s", hex);
		if (!board)
			progress_start(pr, label, (uint64_t)size);
		snprintf(what, sizeof(what), "fetching %s sha256:%.12s", label,
		    hex);
		if (reg_blob(c, ch->j->repo, digest, (uint64_t)size, fd,
			board ? on_layer_bytes : on_bar_bytes,
			board ? (void *)layer : (void *)pr, &resumed) == -1) {
			if (!may_fall_back(ch, cn, c, what))
				child_fail(ch, c->err);
			if (c->down) /* not asked again */
				__atomic_store_n(&ch->mirror_off, true,
				    __ATOMIC_RELAXED);
			/* nothing of the mirror's bytes is kept */
			if (ftruncate(fd, 0) == -1)
				child_fail(ch, "truncating a blob: I/O error");
			c = conn_up(ch, cn);
			if (reg_blob(c, ch->j->repo, digest, (uint64_t)size, fd,
				board ? on_layer_bytes : on_bar_bytes,
				board ? (void *)layer : (void *)pr,
				&resumed) == -1)
				child_fail(ch, c->err);
		}
		close(fd);
		img_fmt_size((uint64_t)size, sz, sizeof(sz));
		if (resumed > 0)
			snprintf(line, sizeof(line),
			    "downloaded %s (resumed at byte %llu)", sz,
			    (unsigned long long)resumed);
		else
			snprintf(line, sizeof(line), "downloaded %s", sz);
	}
	if (kind != 'l')
		return;
	pthread_mutex_lock(&ch->mu);
	if (board) {
		layer->q->lines[layer->i].state = strdup(line);
		board_draw(layer->q, true);
	} else if (fd == -1) {
		progress_say(pr, "%s sha256:%.12s: %s", label, hex, line);
	} else {
		progress_end(pr, "%s sha256:%.12s: %s", label, hex, line);
	}
	pthread_mutex_unlock(&ch->mu);
}

static void *
worker(void *arg)
{
	struct layer_q *q = arg;
	struct child *ch = q->ch;
	const struct pull_job *j = ch->j;
	struct reg_client c;
	struct conn own = { .m = &c }, *cp = &ch->cn;
	struct progress pr, *pp = &ch->pr;
	char label[64];

	if (j->jobs > 1) { /* own connection; the board or plain lines */
		if (reg_init(&c, j->apihost, j->insecure, j->cred, j->ca,
			j->calen) == -1)
			child_fail(ch, c.err);
		cp = &own;
		progress_init(&pr, j->quiet);
		pr.tty = false;
		pp = &pr;
	}
	for (;;) {
		struct one_layer o = { .q = q };

		pthread_mutex_lock(&ch->mu);
		o.i = q->next++;
		pthread_mutex_unlock(&ch->mu);
		if (o.i >= q->n)
			break;
		if (q->hex[o.i][0] == '\0')
			continue; /* listed twice: fetched once */
		snprintf(label, sizeof(label), "layer %zu/%zu", o.i + 1, q->n);
		fetch_blob(ch, cp, pp, 'l', q->hex[o.i], q->size[o.i], label,
		    &o);
	}
	if (cp != &ch->cn) {
		reg_free(&c);
		conn_free(&own);
	}
	return NULL;
}

/* Checks every layer descriptor, then fetches them, J->jobs at once. */
static void
fetch_layers(struct child *ch, struct json_object *layers)
{
	struct layer_q q = { .ch = ch };
	pthread_t t[PULL_MAX_JOBS];
	unsigned nt = 0;
	uint64_t total = 0;

	q.n = json_object_array_length(layers);
	q.hex = calloc(q.n + 1, sizeof(*q.hex));
	q.size = calloc(q.n + 1, sizeof(*q.size));
	if (q.hex == NULL || q.size == NULL)
		child_fail(ch, "out of memory");
	for (size_t i = 0; i < q.n; i++) {
		struct json_object *l = json_object_array_get_idx(layers, i);
		const char *mt = jstr(l, "mediaType");

		if (mt != NULL &&
		    (strstr(mt, "foreign") != NULL ||
			strstr(mt, "nondistributable") != NULL))
			child_fail(ch,
			    "manifest: foreign (non-distributable) layers are not fetched");
		desc_of(ch, l, q.hex[i], &q.size[i]);
		for (size_t k = 0; k < i; k++)
			if (strcmp(q.hex[k], q.hex[i]) == 0)
				q.hex[i][0] = '\0';
	}
	for (size_t i = 0; i < q.n; i++) {
		char msg[200];

		if (q.hex[i][0] == '\0')
			continue;
		if ((uint64_t)q.size[i] > ch->j->max_size - total) {
			snprintf(msg, sizeof(msg),
			    "manifest: the layers declare more than --max-size (%llu bytes) altogether; refused before downloading",
			    (unsigned long long)ch->j->max_size);
			child_fail(ch, msg);
		}
		total += (uint64_t)q.size[i];
	}
	q.board = ch->j->jobs > 1 && q.n <= BOARD_MAX && ch->pr.tty;
	if (q.board) {
		if ((q.lines = calloc(q.n, sizeof(*q.lines))) == NULL)
			child_fail(ch, "out of memory");
		for (size_t i = 0; i < q.n; i++) {
			q.lines[i].total = (uint64_t)q.size[i];
			q.lines[i].state = q.hex[i][0] ? NULL : "";
		}
		board_draw(&q, true);
	}
	if (ch->j->jobs <= 1) {
		worker(&q);
	} else {
		for (; nt < ch->j->jobs && nt < q.n; nt++)
			if (pthread_create(&t[nt], NULL, worker, &q) != 0)
				child_fail(ch,
				    "cannot start a download thread");
		for (unsigned i = 0; i < nt; i++)
			pthread_join(t[i], NULL);
	}
	free(q.hex);
	free(q.size);
	free(q.lines); /* the strdup'd end states go with the process */
}

static void
fetch_image(struct child *ch, struct json_object *m)
{
	struct json_object *cfg, *layers;
	char hex[65];
	int64_t size;

	if (!json_object_object_get_ex(m, "config", &cfg) ||
	    !json_object_object_get_ex(m, "layers", &layers) ||
	    !json_object_is_type(layers, json_type_array))
		child_fail(ch, "manifest: no config or no layers");
	desc_of(ch, cfg, hex, &size);
	if ((uint64_t)size > PULL_META_MAX)
		child_fail(ch, "manifest: config larger than 4 MiB refused");
	fetch_blob(ch, &ch->cn, &ch->pr, 'c', hex, size, "config", NULL);
	fetch_layers(ch, layers);
}

void
pull_child(int sock, const struct pull_job *j)
{
	struct child ch = { .sock = sock,
		.j = j,
		.mu = PTHREAD_MUTEX_INITIALIZER };
	struct reg_doc d;
	struct json_object *m;
	struct pull_msg done;

	ch.cn.m = &ch.c;

	progress_init(&ch.pr, j->quiet);
	ch.pr.tty = j->tty; /* stdout is root's pipe to the terminal */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
	    reg_init(&ch.c, j->apihost, j->insecure, j->cred, j->ca,
		j->calen) == -1)
		child_fail(&ch, "libcurl: initialisation failed");
	m = get_manifest(&ch, j->ref, &d);
	if (is_index(m, &d)) {
		char digest[72];

		put_doc(&ch, 'i', &d);
		choose(&ch, m, digest, sizeof(digest));
		json_object_put(m);
		free(d.buf);
		m = get_manifest(&ch, digest, &d);
		if (is_index(m, &d))
			child_fail(&ch, "index: an entry is itself an index");
	}
	put_doc(&ch, 'm', &d);
	fetch_image(&ch, m);
	json_object_put(m);
	free(d.buf);
	reg_free(&ch.c);
	conn_free(&ch.cn);
	memset(&done, 0, sizeof(done));
	done.kind = 'E';
	(void)!send(sock, &done, sizeof(done), MSG_NOSIGNAL);
	_exit(0);
}
