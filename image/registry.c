/*
 * registry.c: the registry HTTP client (see registry.h).
 *
 * A request that gets 401 reads the challenge (wwwauth.c) once: Basic
 * resends with the configured credential; Bearer asks the realm for a
 * token (with the credential, when the realm is on the registry's host)
 * and resends.  A token is renewed before a request once its lifetime
 * (issued_at + expires_in from the token server, at least 60 seconds,
 * as Docker's and containers' clients count it) is over, and when the
 * registry refuses it with a new 401.
 *
 * Invariants:
 * - A body of a status other than 200 MUST NOT reach the caller's
 *   descriptor or buffer.
 * - Every transfer MUST have a connect timeout and a stall timeout.
 */
#include <curl/curl.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/io.h"
#include "image/config.h"
#include "image/registry.h"
#include "image/util.h"
#include "image/wwwauth.h"

#define REG_MAX_REDIRS 5
#define REG_TOKEN_MAX  (64u << 10)
#define REG_ERRBODY    (64u << 10)
#define REG_TOKEN_LIFE 60 /* seconds: the spec's default and minimum */

static const char accept_hdr[] =
    "Accept: application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

struct sink {
	struct reg_client *c;
	char *buf; /* memory sink, or NULL */
	size_t len, cap;
	int fd; /* descriptor sink, or -1 */
	uint64_t done, limit;
	uint64_t offset; /* resume a blob from here (Range), or 0 */
	uint64_t errbytes;
	bool over, ioerr;
	reg_progress_fn *fn;
	void *ud;
	char chal[2048];
	char ctype[128];
	char digest[80];
};

static long
status(struct sink *s)
{
	long code = 0;

	curl_easy_getinfo(s->c->curl, CURLINFO_RESPONSE_CODE, &code);
	return code;
}

static size_t
on_body(char *p, size_t sz, size_t n, void *ud)
{
	struct sink *s = ud;
	size_t len = sz * n;

	long code = status(s);

	if (code == 200 && s->offset > 0) { /* Range ignored: from 0 */
		if (ftruncate(s->fd, 0) == -1 ||
		    lseek(s->fd, 0, SEEK_SET) == -1) {
			s->ioerr = true;
			return 0;
		}
		s->offset = s->done = 0;
	}
	if (code != 200 && !(code == 206 && s->offset > 0)) {
		s->errbytes += len; /* an error page: counted, dropped */
		return s->errbytes > REG_ERRBODY ? 0 : len;
	}
	if (s->done + len > s->limit) {
		s->over = true;
		return 0;
	}
	if (s->fd >= 0) {
		if (io_write_all(s->fd, p, len) == -1) {
			s->ioerr = true;
			return 0;
		}
	} else {
		memcpy(s->buf + s->len, p, len);
		s->len += len;
	}
	s->done += len;
	if (s->fn != NULL)
		s->fn(s->ud, s->done);
	return len;
}

/* The header's value V (N bytes) into DST (LEN bytes), trimmed; a value
 * too long for it is TOOLONG (NULL: treated as absent), never cut. */
static void
hdr_copy(char *dst, size_t len, const char *v, size_t n, const char *toolong)
{
	while (
	    n > 0 && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
		n--;
	while (n > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	if (n >= len) {
		snprintf(dst, len, "%s", toolong != NULL ? toolong : "");
		return;
	}
	memcpy(dst, v, n);
	dst[n] = '\0';
}

static size_t
on_header(char *p, size_t sz, size_t n, void *ud)
{
	struct sink *s = ud;
	size_t len = sz * n;
	/* A digest too long to keep is present all the same: it cannot be
	 * the content's sha256, and the pull is refused (pullchild.c). */
	static const struct {
		const char *name;
		size_t off, size;
		const char *toolong;
	} h[] = {
		{ "www-authenticate:", offsetof(struct sink, chal), 2048,
		    NULL },
		{ "content-type:", offsetof(struct sink, ctype), 128, NULL },
		{ "docker-content-digest:", offsetof(struct sink, digest), 80,
		    "(too long)" },
	};

	if (len > 5 && strncmp(p, "HTTP/", 5) == 0) { /* a new response */
		s->chal[0] = s->ctype[0] = s->digest[0] = '\0';
		return len;
	}
	for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
		size_t k = strlen(h[i].name);

		if (len > k && strncasecmp(p, h[i].name, k) == 0)
			hdr_copy((char *)s + h[i].off, h[i].size, p + k,
			    len - k, h[i].toolong);
	}
	return len;
}

int
reg_init(struct reg_client *c, const char *hostport, bool insecure,
    const char *cred, const char *ca, size_t calen)
{
	struct curl_blob blob = { .data = (void *)(uintptr_t)ca,
		.len = calen,
		.flags = CURL_BLOB_COPY };
	const char *proto = insecure ? "http" : "https";
	CURL *h;

	memset(c, 0, sizeof(*c));
	c->cred = cred != NULL && cred[0] != '\0' ? cred : NULL;
	c->stall_secs = 30;
	snprintf(c->hostport, sizeof(c->hostport), "%s", hostport);
	snprintf(c->base, sizeof(c->base), "%s://%s", proto, hostport);
	if ((h = curl_easy_init()) == NULL) {
		snprintf(c->err, sizeof(c->err), "out of memory");
		return -1;
	}
	c->curl = h;
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, proto);
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, proto);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, (long)REG_MAX_REDIRS);
	curl_easy_setopt(h, CURLOPT_UNRESTRICTED_AUTH, 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca != NULL &&
	    curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob) != CURLE_OK) {
		snprintf(c->err, sizeof(c->err), "libcurl: cannot use the CA");
		return -1;
	}
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "ctr-image/" CTL_VERSION);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	return 0;
}

void
reg_free(struct reg_client *c)
{
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	c->curl = NULL;
	if (c->token != NULL)
		explicit_bzero(c->token, strlen(c->token));
	free(c->token);
	c->token = NULL;
}

enum reg_auth {
	REG_AUTH_NONE,
	REG_AUTH_BASIC,
	REG_AUTH_TOKEN
};

static int
cerr(struct reg_client *c, struct sink *s, CURLcode rc, const char *url)
{
	if (!s->over && !s->ioerr) /* the host, not the content */
		c->fallback = c->down = true;
	if (s->over)
		snprintf(c->err, sizeof(c->err),
		    "%s: refused: larger than %llu bytes", url,
		    (unsigned long long)s->limit);
	else if (s->ioerr)
		snprintf(c->err, sizeof(c->err), "%s: writing: I/O error", url);
	else if (rc == CURLE_TOO_MANY_REDIRECTS)
		snprintf(c->err, sizeof(c->err),
		    "%s: more than %d redirects (a redirect loop?)", url,
		    REG_MAX_REDIRS);
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		snprintf(c->err, sizeof(c->err),
		    "%s: stalled: no data for %ld seconds", url, c->stall_secs);
	else
		snprintf(c->err, sizeof(c->err), "%s: %s", url,
		    curl_easy_strerror(rc));
	return -1;
}

/* One request; the HTTP status, or -1. */
static long
perform(struct reg_client *c, const char *url, struct sink *s,
    enum reg_auth mode)
{
	struct curl_slist *l = NULL, *t;
	CURL *h = c->curl;
	char range[64];
	CURLcode rc;

	if ((t = curl_slist_append(l, accept_hdr)) != NULL)
		l = t;
	if (mode == REG_AUTH_TOKEN && (t = curl_slist_append(l, c->token)))
		l = t;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, l);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, s);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, c->stall_secs);
	curl_easy_setopt(h, CURLOPT_HTTPAUTH,
	    mode == REG_AUTH_BASIC ? CURLAUTH_BASIC : CURLAUTH_NONE);
	curl_easy_setopt(h, CURLOPT_USERPWD,
	    mode == REG_AUTH_BASIC ? c->cred : NULL);
	s->len = s->errbytes = 0;
	s->done = s->offset;
	s->over = s->ioerr = false;
	if (s->offset > 0) {
		snprintf(range, sizeof(range), "Range: bytes=%llu-",
		    (unsigned long long)s->offset);
		if ((t = curl_slist_append(l, range)) != NULL)
			l = t;
	}
	if (s->fd >= 0 &&
	    (ftruncate(s->fd, (off_t)s->offset) == -1 ||
		lseek(s->fd, (off_t)s->offset, SEEK_SET) == -1)) {
		curl_slist_free_all(l);
		snprintf(c->err, sizeof(c->err), "%s: truncating the blob",
		    url);
		return -1;
	}
	rc = curl_easy_perform(h);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(h, CURLOPT_USERPWD, NULL);
	curl_slist_free_all(l);
	if (rc != CURLE_OK)
		return cerr(c, s, rc, url);
	return status(s);
}

/* May the credential go to the token realm URL?  Only over verified TLS
 * or to the registry's own host and port. */
static bool
realm_trusted(struct reg_client *c, const char *realm)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL;
	char hp[300];
	bool ok = false;

	if (u == NULL || curl_url_set(u, CURLUPART_URL, realm, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		goto out;
	if (strcmp(scheme, "https") == 0) {
		ok = true;
		goto out;
	}
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK)
		snprintf(hp, sizeof(hp), "%s:%s", host, port);
	else
		snprintf(hp, sizeof(hp), "%s", host);
	ok = strcmp(hp, c->hostport) == 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return ok;
}

/* "issued_at" (RFC 3339, UTC) -> time_t, or NOW when absent or not
 * understood. */
static time_t
issued_at(struct json_object *j, time_t now)
{
	struct json_object *v;
	struct tm tm;
	const char *p;

	if (!json_object_object_get_ex(j, "issued_at", &v) ||
	    !json_object_is_type(v, json_type_string))
		return now;
	memset(&tm, 0, sizeof(tm));
	p = strptime(json_object_get_string(v), "%Y-%m-%dT%H:%M:%S", &tm);
	if (p == NULL)
		return now;
	if (*p == '.')
		while (*++p >= '0' && *p <= '9')
			;
	if (strcmp(p, "Z") != 0 && strcmp(p, "+00:00") != 0)
		return now;
	return timegm(&tm);
}

static void
token_life(struct reg_client *c, struct json_object *j)
{
	struct json_object *v;
	time_t now = time(NULL);
	int64_t life = REG_TOKEN_LIFE;

	if (json_object_object_get_ex(j, "expires_in", &v) &&
	    json_object_is_type(v, json_type_int) &&
	    json_object_get_int64(v) > REG_TOKEN_LIFE)
		life = json_object_get_int64(v);
	if (life > 86400)
		life = 86400;
	c->token_exp = issued_at(j, now) + (time_t)life;
}

static int
token_from_json(struct reg_client *c, const char *buf, size_t len)
{
	struct ctl_err e = { .line = 0 };
	struct json_object *j = config_json(buf, len, "token", &e), *t;
	const char *tok = NULL;
	int r = -1;

	if (j != NULL &&
	    ((json_object_object_get_ex(j, "token", &t) &&
		 json_object_is_type(t, json_type_string)) ||
		(json_object_object_get_ex(j, "access_token", &t) &&
		    json_object_is_type(t, json_type_string))))
		tok = json_object_get_string(t);
	for (size_t i = 0; tok != NULL && tok[i] != '\0'; i++)
		if (tok[i] <= ' ' || tok[i] == 0x7f)
			tok = NULL;
	if (tok == NULL || tok[0] == '\0') {
		snprintf(c->err, sizeof(c->err),
		    "%s: the token server sent no usable token", c->hostport);
	} else {
		if (c->token != NULL)
			explicit_bzero(c->token, strlen(c->token));
		free(c->token);
		if (asprintf(&c->token, "Authorization: Bearer %s", tok) ==
		    -1) {
			c->token = NULL;
		} else {
			token_life(c, j);
			r = 0;
		}
	}
	json_object_put(j);
	return r;
}

static int
get_token(struct reg_client *c, const struct wwwauth *w)
{
	struct sink s = { .c = c, .fd = -1, .limit = REG_TOKEN_MAX };
	char *svc = NULL, *scope = NULL, *url = NULL;
	enum reg_auth mode = REG_AUTH_NONE;
	long code;
	int r = -1;

	svc = curl_easy_escape(c->curl, w->service, 0);
	scope = curl_easy_escape(c->curl, w->scope, 0);
	if (svc == NULL || scope == NULL ||
	    asprintf(&url, "%s%sservice=%s&scope=%s", w->realm,
		strchr(w->realm, '?') ? "&" : "?", svc, scope) == -1 ||
	    (s.buf = malloc(REG_TOKEN_MAX)) == NULL) {
		snprintf(c->err, sizeof(c->err), "out of memory");
		goto out;
	}
	s.cap = REG_TOKEN_MAX;
	if (c->cred != NULL && realm_trusted(c, w->realm))
		mode = REG_AUTH_BASIC;
	if ((code = perform(c, url, &s, mode)) < 0)
		goto out;
	if (code != 200) {
		c->fallback = true;
		snprintf(c->err, sizeof(c->err),
		    "%.200s: token server %.200s refused (HTTP %ld)%s",
		    c->hostport, w->realm, code,
		    c->cred ? "" : "; no credentials for it in auth.json");
		goto out;
	}
	r = token_from_json(c, s.buf, s.len);
out:
	curl_free(svc);
	curl_free(scope);
	free(url);
	free(s.buf);
	return r;
}

/* GET BASE+PATH into S, answering one 401 challenge; the status or -1. */
static long
request(struct reg_client *c, const char *path, struct sink *s)
{
	char url[1024];
	enum reg_auth mode = c->token ? REG_AUTH_TOKEN : REG_AUTH_NONE;
	struct wwwauth w;
	long code = -1;

	snprintf(url, sizeof(url), "%s%s", c->base, path);
	if (c->token != NULL && time(NULL) >= c->token_exp &&
	    get_token(c, &c->chal) == -1) /* its lifetime is over */
		return -1;
	for (int attempt = 0; attempt < 2; attempt++) {
		if ((code = perform(c, url, s, mode)) != 401)
			return code;
		if (attempt == 1)
			break;
		if (wwwauth_parse(s->chal, strlen(s->chal), &w) == -1) {
			snprintf(c->err, sizeof(c->err),
			    "%s: HTTP 401 with an unusable WWW-Authenticate challenge",
			    c->hostport);
			return -1;
		}
		if (w.scheme == WWWAUTH_BASIC && c->cred == NULL)
			break;
		if (w.scheme == WWWAUTH_BEARER) {
			if (get_token(c, &w) == -1)
				return -1;
			c->chal = w;
		}
		mode = w.scheme == WWWAUTH_BASIC ? REG_AUTH_BASIC :
						   REG_AUTH_TOKEN;
	}
	c->fallback = true;
	if (mode == REG_AUTH_TOKEN)
		snprintf(c->err, sizeof(c->err),
		    "%.120s: the registry refused the token from %.200s (HTTP 401): no pull access with %s, or the token is invalid",
		    c->hostport, c->chal.realm,
		    c->cred ? "these credentials" : "no credentials");
	else
		snprintf(c->err, sizeof(c->err),
		    "%s: authentication %s (HTTP 401)", c->hostport,
		    c->cred ?
			"refused" :
			"required and auth.json has no credentials for it");
	return -1;
}

static int
status_err(struct reg_client *c, long code, const char *what)
{
	int n = 0;

	if (code >= 0)
		c->fallback = true;
	/* A long reference is cut in the message, never overflows it. */
	if (code == 404)
		n = snprintf(c->err, sizeof(c->err),
		    "%s: %.300s not found (HTTP 404)", c->hostport, what);
	else if (code >= 0)
		n = snprintf(c->err, sizeof(c->err), "%s: %.300s: HTTP %ld",
		    c->hostport, what, code);
	if (n < 0)
		c->err[0] = '\0';
	return -1;
}

int
reg_manifest(struct reg_client *c, const char *repo, const char *ref,
    size_t cap, struct reg_doc *d)
{
	struct sink s = { .c = c, .fd = -1, .limit = cap };
	char path[700], what[600];
	long code;

	memset(d, 0, sizeof(*d));
	c->fallback = c->down = false;
	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", repo, ref);
	snprintf(what, sizeof(what), "manifest %s:%s", repo, ref);
	if ((s.buf = malloc(cap)) == NULL) {
		snprintf(c->err, sizeof(c->err), "out of memory");
		return -1;
	}
	s.cap = cap;
	code = request(c, path, &s);
	if (code != 200) {
		free(s.buf);
		return status_err(c, code, what);
	}
	d->buf = s.buf;
	d->len = s.len;
	memcpy(d->ctype, s.ctype, sizeof(d->ctype));
	memcpy(d->digest, s.digest, sizeof(d->digest));
	return 0;
}

int
reg_blob(struct reg_client *c, const char *repo, const char *digest,
    uint64_t size, int fd, reg_progress_fn *fn, void *ud, uint64_t *resumed)
{
	struct sink s = { .c = c, .fd = fd, .limit = size, .fn = fn, .ud = ud };
	char path[700], what[600];
	long code;

	struct stat st;

	c->fallback = c->down = false;
	if (fstat(fd, &st) == 0 && st.st_size > 0 &&
	    (uint64_t)st.st_size < size) {
		s.offset = (uint64_t)st.st_size;
	}
	snprintf(path, sizeof(path), "/v2/%s/blobs/%s", repo, digest);
	snprintf(what, sizeof(what), "blob %s", digest);
	code = request(c, path, &s);
	if (code != 200 && !(code == 206 && s.offset > 0))
		return status_err(c, code, what);
	*resumed = s.offset; /* 0 when the registry sent it all (200) */
	if (s.done != size) {
		snprintf(c->err, sizeof(c->err),
		    "%s: blob %s: %llu bytes, the manifest declares %llu",
		    c->hostport, digest, (unsigned long long)s.done,
		    (unsigned long long)size);
		return -1;
	}
	return 0;
}
