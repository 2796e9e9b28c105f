/*
 * pull.c: ctr-image pull, root's side (see pull.h): configuration, the
 * privilege drop of the network child, the descriptor service, and the
 * binding of what was fetched before import_blobs().
 *
 * Invariants:
 * - registries.conf MUST be root-owned and not group/other-writable,
 *   checked on the descriptor, and read with lib/regconf (strict).
 * - The child MUST run as PULL_USER with no supplementary groups, no
 *   capabilities, no_new_privs and the seccomp allowlist before it touches
 *   the network; a failed drop MUST abort the pull.
 * - Root MUST open only tmp/<work>/{index,manifest,c-HEX} and
 *   partial/HEX (layers, kept so that the next pull resumes them), with
 *   O_NOFOLLOW, and only after checking HEX is 64 lowercase hex digits.
 * - A layer blob that does not verify MUST be deleted, never resumed.
 * - A pinned digest MUST equal the sha256 of the index (then the manifest
 *   MUST be listed in it) or of the manifest; the config and each layer
 *   MUST hash to the manifest's digests (the layers while unpacking).
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <pwd.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/fdtrust.h"
#include "lib/grammar.h"
#include "image/regauth.h"
#include "image/blobmap.h"
#include "lib/cleanup.h"
#include "image/config.h"
#include "image/import.h"
#include "lib/imgref.h"
#include "image/name.h"
#include "image/origin.h"
#include "image/pull.h"
#include "lib/regconf.h"

#define PULL_CONF_DIR   CTL_SYSCONFDIR "/ctr-launch"
#define PULL_REGCONF    PULL_CONF_DIR "/registries.conf"
#define PULL_AUTHFILE   PULL_CONF_DIR "/auth.json"
#define PULL_MAX_LAYERS 1000
#define PULL_PARTIAL    "partial"

static void
host_platform(struct pull_platform *p)
{
	static const struct {
		const char *mach, *arch, *variant;
	} map[] = {
		{ "x86_64", "amd64", "" },
		{ "aarch64", "arm64", "" },
		{ "armv7l", "arm", "v7" },
		{ "armv6l", "arm", "v6" },
		{ "i686", "386", "" },
		{ "ppc64le", "ppc64le", "" },
		{ "s390x", "s390x", "" },
		{ "riscv64", "riscv64", "" },
	};
	struct utsname u;

	memset(p, 0, sizeof(*p));
	snprintf(p->os, sizeof(p->os), "linux");
	if (uname(&u) == -1)
		u.machine[0] = '\0';
	snprintf(p->arch, sizeof(p->arch), "%.31s", u.machine);
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(u.machine, map[i].mach) == 0) {
			snprintf(p->arch, sizeof(p->arch), "%s", map[i].arch);
			snprintf(p->variant, sizeof(p->variant), "%s",
			    map[i].variant);
		}
}

static bool
plat_word(const char *s, size_t n)
{
	if (n == 0 || n >= 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
			(s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

int
pull_platform_parse(const char *in, struct pull_platform *p)
{
	const char *a, *v;

	if (in == NULL) {
		host_platform(p);
		return 0;
	}
	memset(p, 0, sizeof(*p));
	if ((a = strchr(in, '/')) == NULL)
		return -1;
	v = strchr(a + 1, '/');
	if (!plat_word(in, (size_t)(a - in)) ||
	    !plat_word(a + 1, v ? (size_t)(v - a - 1) : strlen(a + 1)) ||
	    (v != NULL && !plat_word(v + 1, strlen(v + 1))))
		return -1;
	memcpy(p->os, in, (size_t)(a - in));
	memcpy(p->arch, a + 1, v ? (size_t)(v - a - 1) : strlen(a + 1));
	if (v != NULL)
		snprintf(p->variant, sizeof(p->variant), "%s", v + 1);
	return 0;
}

static int
read_regconf(const char *host, struct regconf_entry *re, struct ctl_err *e)
{
	cleanup_close int fd = -1;
	struct stat st;
	char buf[64 * 1024];
	ssize_t n;

	memset(re, 0, sizeof(*re));
	fd = open(PULL_REGCONF, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd == -1 && errno == ENOENT)
		return 0;
	if (fd == -1)
		return err_errno(e, "%s", PULL_REGCONF);
	if (fstat(fd, &st) == -1)
		return err_errno(e, "%s", PULL_REGCONF);
	if (!S_ISREG(st.st_mode) || !st_trusted(&st, 0))
		return err_set(e,
		    "%s: refused: must be a regular file owned by root, not group/other-writable",
		    PULL_REGCONF);
	n = read(fd, buf, sizeof(buf));
	if (n < 0)
		return err_errno(e, "%s", PULL_REGCONF);
	if ((size_t)n == sizeof(buf))
		return err_set(e, "%s: larger than 64 KiB", PULL_REGCONF);
	if (regconf_lookup(buf, (size_t)n, PULL_REGCONF, host, re, e) == -1)
		return -1;
	return 0;
}

/* The "ca" file of registries.conf: root's, not writable by others. */
static int
read_ca(const char *path, char **ca, size_t *calen, struct ctl_err *e)
{
	cleanup_close int fd = -1;
	struct stat st;
	ssize_t n;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd == -1 || fstat(fd, &st) == -1)
		return err_errno(e, "%s: ca %s", PULL_REGCONF, path);
	if (!S_ISREG(st.st_mode) || !st_trusted(&st, 0))
		return err_set(e,
		    "%s: refused: must be a regular file owned by root, not group/other-writable",
		    path);
	if (st.st_size > (1 << 20) || st.st_size == 0)
		return err_set(e, "%s: empty or larger than 1 MiB", path);
	if ((*ca = malloc((size_t)st.st_size)) == NULL)
		return err_set(e, "out of memory");
	n = read(fd, *ca, (size_t)st.st_size);
	if (n != st.st_size)
		return err_set(e, "%s: short read", path);
	*calen = (size_t)n;
	return 0;
}

/* REF, registries.conf and auth.json -> J; NAME gets the image's name. */
static int
make_job(const char *ref, const struct pull_opts *o, struct pull_job *j,
    char *name, struct ctl_err *e)
{
	struct imgref r;
	struct regconf_entry re;
	struct ctl_err rerr;

	memset(j, 0, sizeof(*j));
	if (imgref_parse(ref, IMGREF_NAME, &r, &rerr) == -1)
		return err_set(e, "invalid image reference \"%.255s\": %.199s",
		    ref, rerr.msg);
	if (imgref_format(&r, j->from, sizeof(j->from), &rerr) == -1 ||
	    name_canon(o->name ? o->name : j->from, name, NAME_MAX_LEN + 1) ==
		-1)
		return err_set(e, "invalid image name \"%.255s\"",
		    o->name ? o->name : ref);
	if (pull_platform_parse(o->platform, &j->plat) == -1)
		return err_set(e, "--platform: expected OS/ARCH[/VARIANT]");
	snprintf(j->hostport, sizeof(j->hostport), "%s",
	    r.registry[0] ? r.registry : "docker.io");
	snprintf(j->apihost, sizeof(j->apihost), "%s",
	    r.registry[0] ? r.registry : "registry-1.docker.io");
	snprintf(j->repo, sizeof(j->repo), "%s%s",
	    r.registry[0] == '\0' && strchr(r.repo, '/') == NULL ? "library/" :
								   "",
	    r.repo);
	j->pinned = r.digest[0] != '\0';
	snprintf(j->ref, sizeof(j->ref), "%s", j->pinned ? r.digest : r.tag);
	j->quiet = o->quiet;
	j->jobs = o->jobs;
	j->max_size = o->max_size;
	if (read_regconf(j->hostport, &re, e) == -1)
		return -1;
	if (re.mirror[0] !=
	    '\0') { /* the mirror first, with its own settings */
		const char *af = o->authfile ? o->authfile : PULL_AUTHFILE;

		j->has_up = true;
		memcpy(j->up_hostport, j->hostport, sizeof(j->up_hostport));
		memcpy(j->up_apihost, j->apihost, sizeof(j->up_apihost));
		j->up_insecure = re.insecure;
		if ((re.ca[0] != '\0' &&
			read_ca(re.ca, &j->up_ca, &j->up_calen, e) == -1) ||
		    regauth_lookup(af, o->authfile == NULL, j->up_hostport,
			j->up_cred, sizeof(j->up_cred), e) == -1)
			return -1;
		snprintf(j->hostport, sizeof(j->hostport), "%s", re.mirror);
		snprintf(j->apihost, sizeof(j->apihost), "%s", re.mirror);
		if (read_regconf(j->hostport, &re, e) == -1)
			return -1;
	}
	j->insecure = re.insecure;
	if (re.ca[0] != '\0' && read_ca(re.ca, &j->ca, &j->calen, e) == -1)
		return -1;
	return regauth_lookup(o->authfile ? o->authfile : PULL_AUTHFILE,
	    o->authfile == NULL, j->hostport, j->cred, sizeof(j->cred), e);
}

void
pull_answer_init(struct pull_answer *a)
{
	memset(a, 0, sizeof(*a));
	a->iov.iov_base = &a->b;
	a->iov.iov_len = 1;
	a->mh.msg_iov = &a->iov;
	a->mh.msg_iovlen = 1;
	a->mh.msg_control = a->cbuf;
	a->mh.msg_controllen = sizeof(a->cbuf);
}

static int
send_fd(int sock, int fd)
{
	struct pull_answer a;
	struct cmsghdr *cm;

	pull_answer_init(&a);
	cm = CMSG_FIRSTHDR(&a.mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &a.mh, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

/* tmp/<work>/ file name of a request, or -1 if the request is bad. */
static int
req_name(const struct pull_msg *m, char *out, size_t len)
{
	char hex[65];

	memcpy(hex, m->hex, sizeof(hex));
	hex[64] = '\0';
	if (m->kind == 'i' || m->kind == 'm') {
		snprintf(out, len, "%s", m->kind == 'i' ? "index" : "manifest");
		return 0;
	}
	if ((m->kind != 'c' && m->kind != 'l') || !gram_hex64(hex))
		return -1;
	snprintf(out, len, "%c-%s", m->kind, hex);
	return 0;
}

/* STORE_DIR/partial/: layer blobs being fetched, kept across failed or
 * interrupted pulls so the next one resumes them (HTTP Range); each is
 * removed once imported or when it does not verify. */
static int
partial_dir(struct store *s)
{
	if (mkdirat(s->fd, PULL_PARTIAL, 0700) == -1 && errno != EEXIST)
		return -1;
	return openat(s->fd, PULL_PARTIAL,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* The descriptor for request M (file FNAME): a layer in partial/, kept;
 * anything else in tmp/<work>/, new. */
static int
open_blob(struct store *s, const struct pull_msg *m, const char *fname)
{
	cleanup_close int pdir = -1;

	if (m->kind != 'l')
		return openat(s->work, fname,
		    O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		    0600);
	if ((pdir = partial_dir(s)) == -1)
		return -1;
	return openat(pdir, fname + 2,
	    O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
}

/* Is blob HEX recorded as unpacking to a layer the store holds? */
static bool
known_blob(struct store *s, const char *hex)
{
	struct ctl_err ignored = { .line = 0 };
	char diff[65], link[DESC_LINK_LEN + 1];
	uint64_t size;

	return blobmap_get(s, hex, diff) == 1 &&
	    store_layer_get(s, diff, link, &size, &ignored) == 1;
}

/* Answers the child's requests until it is done or fails, relaying
 * what it prints (R). */
static int
serve(struct store *s, int sock, struct relay r[2], struct ctl_err *e)
{
	struct pull_msg m;
	unsigned nreq = 0;
	char fname[80];
	ssize_t n;

	for (;;) {
		struct pollfd pf[3] = { { .fd = sock, .events = POLLIN },
			{ .fd = r[0].from, .events = POLLIN },
			{ .fd = r[1].from, .events = POLLIN } };

		if (poll(pf, 3, -1) == -1 && errno != EINTR)
			return err_errno(e, "poll");
		if (import_interrupted)
			return err_set(e, "interrupted");
		for (size_t i = 0; i < 2; i++)
			if (pf[i + 1].revents && pull_relay_run(&r[i]) == -1) {
				close(r[i].from);
				r[i].from = -1;
			}
		if (pf[0].revents == 0)
			continue;
		n = recv(sock, &m, sizeof(m), 0);
		if (import_interrupted)
			return err_set(e, "interrupted");
		if (n == -1 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(m))
			return err_set(e, "the network child died");
		if (m.kind == 'E')
			return 0;
		if (m.kind == 'X') { /* escaped when printed (fail()) */
			m.text[sizeof(m.text) - 1] = '\0';
			return err_set(e, "%s", m.text);
		}
		if (++nreq > PULL_MAX_LAYERS + 3 ||
		    req_name(&m, fname, sizeof(fname)) == -1)
			return err_set(e,
			    "the network child sent a bad request");
		if (m.kind == 'l' && known_blob(s, fname + 2)) {
			if (send(sock, "k", 1, MSG_NOSIGNAL) != 1)
				return err_set(e, "the network child died");
			continue;
		}
		cleanup_close int fd = open_blob(s, &m, fname);
		if (fd == -1)
			return err_errno(e, "%s/tmp/%s/%s", STORE_DIR,
			    s->workname, fname);
		if (send_fd(sock, fd) == -1)
			return err_set(e, "the network child died");
	}
}

/* Reads tmp/<work>/NAME (at most PULL_META_MAX bytes); 0, 1 if absent,
 * -1. */
static int
read_work(struct store *s, const char *name, char **buf, size_t *len,
    struct ctl_err *e)
{
	cleanup_close int fd = -1;
	struct stat st;
	ssize_t n;

	*buf = NULL;
	fd = openat(s->work, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT)
		return 1;
	if (fd == -1 || fstat(fd, &st) == -1)
		return err_errno(e, "%s", name);
	if (!S_ISREG(st.st_mode) || st.st_size > PULL_META_MAX)
		return err_set(e, "%s: larger than 4 MiB refused", name);
	if ((*buf = malloc((size_t)st.st_size + 1)) == NULL)
		return err_set(e, "out of memory");
	n = read(fd, *buf, (size_t)st.st_size + 1);
	if (n != st.st_size) {
		free(*buf);
		*buf = NULL;
		return err_set(e, "%s: short read", name);
	}
	*len = (size_t)n;
	return 0;
}

static const char *
jstr(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, k, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The pin (if any) covers the index or the manifest; the manifest is in
 * the index. */
static int
bind_top(struct store *s, const struct pull_job *j, const char *mhex,
    struct ctl_err *e)
{
	cleanup_free char *ibuf = NULL;
	struct json_object *idx, *ms;
	char ihex[65];
	size_t ilen = 0;
	bool listed = false;
	int k = read_work(s, "index", &ibuf, &ilen, e);

	if (k == -1)
		return -1;
	if (k == 1)
		return j->pinned && strcmp(j->ref + 7, mhex) != 0 ?
		    err_set(e,
			"manifest: digest mismatch (pinned %s, content sha256:%s)",
			j->ref, mhex) :
		    0;
	img_sha256_hex(ibuf, ilen, ihex);
	if (j->pinned && strcmp(j->ref + 7, ihex) != 0)
		return err_set(e,
		    "index: digest mismatch (pinned %s, content sha256:%s)",
		    j->ref, ihex);
	if ((idx = config_json(ibuf, ilen, "index", e)) == NULL)
		return -1;
	if (json_object_object_get_ex(idx, "manifests", &ms) &&
	    json_object_is_type(ms, json_type_array))
		for (size_t i = 0; i < json_object_array_length(ms); i++) {
			const char *d = jstr(json_object_array_get_idx(ms, i),
			    "digest");

			if (d && strncmp(d, "sha256:", 7) == 0 &&
			    strcmp(d + 7, mhex) == 0)
				listed = true;
		}
	json_object_put(idx);
	return listed ?
	    0 :
	    err_set(e, "manifest sha256:%s is not in the index", mhex);
}

/* Root's reading of the (bound) manifest: the config and layer hexes. */
static int
manifest_parts(struct json_object *m, char *cfg, char (**blobs)[65], size_t *n,
    struct ctl_err *e)
{
	struct json_object *ls, *c;
	const char *d;

	if (!json_object_object_get_ex(m, "config", &c) ||
	    (d = jstr(c, "digest")) == NULL || strncmp(d, "sha256:", 7) != 0 ||
	    !gram_hex64(d + 7) ||
	    !json_object_object_get_ex(m, "layers", &ls) ||
	    !json_object_is_type(ls, json_type_array))
		return err_set(e, "manifest: no sha256 config or no layers");
	memcpy(cfg, d + 7, 65);
	*n = json_object_array_length(ls);
	if (*n == 0 || *n > PULL_MAX_LAYERS)
		return err_set(e, "manifest: %zu layers", *n);
	if ((*blobs = calloc(*n, sizeof(**blobs))) == NULL)
		return err_set(e, "out of memory");
	for (size_t i = 0; i < *n; i++) {
		d = jstr(json_object_array_get_idx(ls, i), "digest");
		if (d == NULL || strncmp(d, "sha256:", 7) != 0 ||
		    !gram_hex64(d + 7))
			return err_set(e, "manifest: layer %zu: no sha256", i);
		memcpy((*blobs)[i], d + 7, 65);
	}
	return 0;
}

/* Is FD's content sha256 HEX? */
static int
check_fd(int fd, const char *hex, struct ctl_err *e)
{
	static char buf[1u << 20];
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dn = 0;
	char got[65];
	ssize_t n;

	if (md == NULL || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(md);
		return err_set(e, "out of memory");
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		EVP_DigestUpdate(md, buf, (size_t)n);
	EVP_DigestFinal_ex(md, d, &dn);
	EVP_MD_CTX_free(md);
	if (n < 0)
		return err_errno(e, "layer sha256:%s", hex);
	img_hex_encode(d, dn, got);
	if (strcmp(got, hex) != 0)
		return err_set(e,
		    "layer sha256:%s: digest mismatch (content is sha256:%s)",
		    hex, got);
	return 0;
}

static int
import_parts(struct store *s, const char *from, const char *cfghex,
    char (*blobs)[65], size_t n, const struct pull_opts *o, const char *name,
    struct ctl_err *e)
{
	cleanup_free char *cfg = NULL;
	cleanup_free int *fds = NULL;
	char origin[ORIGIN_MAX];
	struct import_opts io = { .name = name,
		.origin = origin,
		.quiet = o->quiet,
		.max_size = o->max_size,
		.max_entries = o->max_entries };
	struct import_blobs b = { .blobs = blobs, .n = n };
	char fname[80], hex[65];
	cleanup_close int pdir = -1;
	size_t len = 0;
	int r = -1;

	snprintf(origin, sizeof(origin), "pulled from %s", from);
	snprintf(fname, sizeof(fname), "c-%s", cfghex);
	if (read_work(s, fname, &cfg, &len, e) != 0)
		return e->msg[0] ? -1 : err_set(e, "config: not fetched");
	img_sha256_hex(cfg, len, hex);
	if (strcmp(hex, cfghex) != 0)
		return err_set(e,
		    "config sha256:%s: digest mismatch (content is sha256:%s)",
		    cfghex, hex);
	if ((fds = calloc(n, sizeof(*fds))) == NULL)
		return err_set(e, "out of memory");
	for (size_t i = 0; i < n; i++)
		fds[i] = -1;
	for (size_t i = 0; i < n; i++) {
		if (known_blob(s, blobs[i]))
			continue; /* not fetched: import_blobs checks it */
		if (pdir == -1 && (pdir = partial_dir(s)) == -1) {
			err_errno(e, "%s/%s", STORE_DIR, PULL_PARTIAL);
			goto out;
		}
		fds[i] = openat(pdir, blobs[i],
		    O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fds[i] == -1) {
			err_errno(e, "layer sha256:%s", blobs[i]);
			goto out;
		}
		if (check_fd(fds[i], blobs[i], e) == -1) {
			unlinkat(pdir, blobs[i], 0); /* never resume it */
			goto out;
		}
	}
	b.cfg = cfg;
	b.cfglen = len;
	b.fds = fds;
	r = import_blobs(s, &b, &io, e);
	for (size_t i = 0; r == 0 && i < n; i++)
		if (fds[i] >= 0)
			unlinkat(pdir, blobs[i], 0);
out:
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return r;
}

static int
bind_import(struct store *s, const struct pull_job *j,
    const struct pull_opts *o, const char *name, struct ctl_err *e)
{
	cleanup_free char *mbuf = NULL;
	char(*blobs)[65] = NULL;
	struct json_object *m = NULL;
	char mhex[65], cfghex[65];
	size_t mlen = 0, n = 0;
	int r = -1;

	if (read_work(s, "manifest", &mbuf, &mlen, e) != 0)
		return e->msg[0] ? -1 : err_set(e, "manifest: not fetched");
	img_sha256_hex(mbuf, mlen, mhex);
	if (bind_top(s, j, mhex, e) == -1)
		return -1;
	if ((m = config_json(mbuf, mlen, "manifest", e)) == NULL)
		return -1;
	if (manifest_parts(m, cfghex, &blobs, &n, e) == 0)
		r = import_parts(s, j->from, cfghex, blobs, n, o, name, e);
	free(blobs);
	json_object_put(m);
	return r;
}

static int
pull_run(struct store *s, struct pull_job *j, const struct pull_opts *o,
    const char *name, struct ctl_err *e)
{
	struct passwd *pw;
	int sv[2], out[2] = { -1, -1 }, errp[2] = { -1, -1 }, st = 0, r;
	struct relay rl[2] = { { .from = -1, .to = STDOUT_FILENO },
		{ .from = -1, .to = STDERR_FILENO } };
	pid_t pid, parent = getpid();

	errno = 0;
	if ((pw = getpwnam(PULL_USER)) == NULL || pw->pw_uid == 0)
		return err_set(e,
		    "the system user %s is missing (installing the package or make install creates it)",
		    PULL_USER);
	if (store_clean_tmp(s, e) == -1 || store_mkwork(s, e) == -1 ||
	    store_partial_trim(s, j->max_size, e) == -1)
		return -1;
	(void)blobmap_prune(s); /* records of layers removed since */
	j->tty = !o->quiet && isatty(STDOUT_FILENO);
	if (pipe2(out, O_CLOEXEC) == -1 || pipe2(errp, O_CLOEXEC) == -1) {
		r = err_errno(e, "pipe");
		goto closepipes;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		r = err_errno(e, "socketpair");
		goto closepipes;
	}
	fflush(NULL);
	if ((pid = fork()) == -1) {
		close(sv[0]);
		close(sv[1]);
		r = err_errno(e, "fork");
		goto closepipes;
	}
	if (pid == 0) {
		close(sv[0]);
		pull_child_start(s, sv[1], out, errp, j, pw->pw_uid, pw->pw_gid,
		    parent);
	}
	close(sv[1]);
	close(out[1]);
	close(errp[1]);
	rl[0].from = out[0];
	rl[1].from = errp[0];
	out[0] = out[1] = errp[0] = errp[1] = -1;
	explicit_bzero(j->cred, sizeof(j->cred));
	explicit_bzero(j->up_cred, sizeof(j->up_cred));
	r = serve(s, sv[0], rl, e);
	close(sv[0]);
	if (r == -1)
		kill(pid, SIGKILL);
	pull_relay_drain(rl);
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	if (r == 0 && (!WIFEXITED(st) || WEXITSTATUS(st) != 0))
		r = err_set(e, "the network child failed");
	if (r == 0)
		r = bind_import(s, j, o, name, e);
closepipes:
	for (size_t i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (errp[i] >= 0)
			close(errp[i]);
		if (rl[i].from >= 0)
			close(rl[i].from);
	}
	return r;
}

int
pull_image(struct store *s, const char *ref, const struct pull_opts *o,
    struct ctl_err *e)
{
	struct pull_job j;
	char name[NAME_MAX_LEN + 1];
	int r;

	r = make_job(ref, o, &j, name, e) == 0 ? store_name_check(name, e) : -1;
	if (r == 0)
		r = pull_run(s, &j, o, name, e);
	explicit_bzero(j.cred, sizeof(j.cred));
	explicit_bzero(j.up_cred, sizeof(j.up_cred));
	free(j.ca);
	free(j.up_ca);
	return r;
}
