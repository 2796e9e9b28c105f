/*
 * registry.h: the registry HTTP client of ctr-image pull (libcurl), used
 * only in the unprivileged network child (pull.c).
 *
 * Invariants:
 * - TLS MUST be verified unless the registry is listed insecure, and then
 *   the registry MUST be reached over plain HTTP only; no other protocol
 *   is ever allowed, redirects included.
 * - Credentials (Basic, or a Bearer token) MUST only be sent to the
 *   registry's own host and port: libcurl drops them on a redirect to
 *   another host (CURLOPT_UNRESTRICTED_AUTH is never set) and a token is
 *   only asked from the realm with the configured credential when the
 *   realm is HTTPS (verified) or on the registry's host and port.
 * - A response body MUST never exceed the cap given by the caller; a blob
 *   written to a descriptor MUST stop at its declared size + 1 and fail.
 */
#ifndef CTL_IMG_REGISTRY_H
#define CTL_IMG_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "image/wwwauth.h"
#include "lib/wur.h"

struct reg_client {
	void *curl;
	char base[300];      /* "https://HOST:PORT" */
	char hostport[256];  /* "HOST:PORT" as in the reference */
	const char *cred;    /* "user:pass" or NULL */
	char *token;         /* "Authorization: Bearer ..." header or NULL */
	time_t token_exp;    /* issued_at + expires_in: asked again after */
	struct wwwauth chal; /* the challenge the token answered */
	long stall_secs;     /* abort below 1 byte/s for this long */
	/* After a failed reg_manifest/reg_blob: another source may be
	 * tried (an HTTP error status or no connection, not bad content);
	 * DOWN: the host could not be reached or stalled. */
	bool fallback, down;
	char err[512];
};

/* A fetched document: malloc'd bytes and what the registry said. */
struct reg_doc {
	char *buf;
	size_t len;
	char ctype[128];
	char digest[80]; /* Docker-Content-Digest, or "" */
};

/* CA (CALEN bytes of PEM, or NULL): the CAs trusted for this registry
 * instead of the system's. */
int reg_init(struct reg_client *c, const char *hostport, bool insecure,
    const char *cred, const char *ca, size_t calen) CTL_WUR;
void reg_free(struct reg_client *c);

/* GET /v2/REPO/manifests/REF (all four manifest types accepted), at
 * most CAP bytes. */
int reg_manifest(struct reg_client *c, const char *repo, const char *ref,
    size_t cap, struct reg_doc *d) CTL_WUR;

/* Called with the bytes of the blob held so far. */
typedef void reg_progress_fn(void *ud, uint64_t done);

/* GET /v2/REPO/blobs/DIGEST into FD, exactly SIZE bytes.  A prefix FD
 * already holds is resumed with a Range request; *RESUMED gets its length
 * (0: from the start). */
int reg_blob(struct reg_client *c, const char *repo, const char *digest,
    uint64_t size, int fd, reg_progress_fn *fn, void *ud,
    uint64_t *resumed) CTL_WUR;

#endif
