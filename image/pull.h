/*
 * pull.h: ctr-image pull: an image from a registry into the store.
 *
 * Root (pull.c) reads its own configuration (registries.conf, auth.json),
 * opens the store and forks a child (pullchild.c) that drops to the
 * system user ctr-pull, with no capabilities, no_new_privs and a seccomp
 * allowlist (pullsec.c).  The child
 * does all network I/O and reads everything the registry sends; it writes
 * what it fetches only into descriptors that root opens for it in the
 * store's tmp/ and passes over a SOCK_SEQPACKET socketpair, one fixed-size
 * struct pull_msg per message.  Root then binds the bytes it holds: the
 * pinned digest to the manifest (or the index, and the manifest to the
 * index), the manifest to the config and layers by sha256, and imports
 * them with import_blobs() (same checks as an archive import).
 *
 * Invariants:
 * - Nothing the child says MUST be trusted: root MUST recompute every
 *   digest from the files it holds and MUST only open files it names
 *   itself, from a kind byte and 64 lowercase hex digits.
 * - The child MUST never hold a descriptor of the store other than the
 *   blob files passed to it, nor one of root's terminal: it runs in a
 *   session of its own, stdin on /dev/null, stdout and stderr on pipes
 *   that root relays with every control byte escaped but the progress
 *   display's CR, LF, ESC [ K and ESC [ N A.
 * - The child MUST die with root (PR_SET_PDEATHSIG).
 * - The child MUST refuse a manifest whose layers declare more than
 *   --max-size bytes altogether, and MUST be unable to write a file
 *   larger than --max-size (RLIMIT_FSIZE).
 * - A failed pull MUST leave the store as it was (its work stays in tmp/).
 * - With a mirror, the mirror's credential MUST only go to the mirror and
 *   the registry's only to the registry; a mirror that is unreachable or
 *   answers an HTTP error for the manifest or a blob is left for the
 *   registry itself (one note on stderr), but bytes it sent are never
 *   trusted: they are verified like the registry's.
 */
#ifndef CTL_IMG_PULL_H
#define CTL_IMG_PULL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "lib/imgref.h"
#include "image/store.h"
#include "image/util.h"
#include "lib/wur.h"

#define PULL_USER     "ctr-pull"
#define PULL_META_MAX (4u << 20) /* manifest, index, config */
#define PULL_MAX_JOBS 16
#define PULL_JOBS     4 /* parallel layer downloads by default */

struct pull_platform {
	char os[32], arch[32], variant[32];
};

struct pull_opts {
	const char *name;     /* --name, or NULL: the reference */
	const char *authfile; /* --authfile, or NULL: the default */
	const char *platform; /* --platform, or NULL: the host's */
	unsigned jobs;        /* --jobs: 1..PULL_MAX_JOBS */
	bool quiet;
	uint64_t max_size, max_entries;
};

/* Child -> root: kind 'i' (index), 'm' (manifest), 'c' (config, HEX),
 * 'l' (layer, HEX) asks for a descriptor; 'E' done; 'X' failed (TEXT).
 * Root answers a request with one byte and the descriptor. */
struct pull_msg {
	char kind;
	char hex[65];
	char text[446];
};

/* Root's answer to a request as sendmsg(2) and recvmsg(2) see it: the one
 * byte B and room for the one descriptor. */
struct pull_answer {
	char b;
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov;
	struct msghdr mh;
};

/* What the child needs, all decided by root before the fork. */
struct pull_job {
	char apihost[256];             /* host[:port] to connect to */
	char hostport[256];            /* as in the reference, for messages */
	char repo[272];                /* repository path on the registry */
	char ref[IMGREF_MAX_LEN + 1];  /* tag or "sha256:<hex>" */
	char from[IMGREF_MAX_LEN + 1]; /* the canonical reference */
	bool insecure, pinned;
	unsigned jobs;
	struct pull_platform plat;
	char cred[1024]; /* "user:pass" or "" */
	char *ca;        /* registries.conf "ca" file's PEM, or NULL */
	size_t calen;
	bool quiet;
	bool tty; /* root's stdout is a terminal (the child's is a pipe) */
	uint64_t max_size; /* --max-size: the layers' declared sizes, summed */
	/* With a registries.conf "mirror", the fields above are the
	 * mirror's (its host, its settings, its credential) and these the
	 * registry's own, tried when the mirror is down or lacks the image
	 * or a blob.  Each credential goes to its own host only. */
	bool has_up;
	char up_apihost[256], up_hostport[256];
	bool up_insecure;
	char up_cred[1024];
	char *up_ca;
	size_t up_calen;
};

/* What the child writes to its stdout or stderr, on its way to root's:
 * printable ASCII, CR, LF and the two cursor controls of the progress
 * display (ESC [ K, ESC [ N A) pass; any other byte is escaped as
 * text_escape() does (pullproc.c). */
struct relay {
	int from, to;
	char seq[8]; /* an escape sequence being read */
	size_t nseq;
};

int pull_image(struct store *s, const char *ref, const struct pull_opts *o,
    struct ctl_err *e) CTL_WUR;

/* "os/arch[/variant]" -> P; NULL: the host's platform. */
int pull_platform_parse(const char *in, struct pull_platform *p) CTL_WUR;
/* Loads the network child's seccomp allowlist (pullsec.c); 0 or -1. */
int pull_seccomp(void) CTL_WUR;
/* A's message: its byte (0) and its descriptor room, zeroed (pull.c). */
void pull_answer_init(struct pull_answer *a);
/* In the forked child: closes the store, leaves root's session and
 * terminal (stdin /dev/null, stdout OUT[1], stderr ERR[1]), drops to
 * UID:GID with the filter, dies with PARENT; runs pull_child(). */
void pull_child_start(struct store *s, int sock, const int out[2],
    const int err[2], const struct pull_job *j, uid_t uid, gid_t gid,
    pid_t parent) __attribute__((noreturn));
/* Reads once from R and relays it: 0, or -1 at its end or on an error. */
int pull_relay_run(struct relay *r);
/* Relays R[0] and R[1] until both end (or an interruption). */
void pull_relay_drain(struct relay r[2]);
/* Runs in the child after the drop; exits the process. */
void pull_child(int sock, const struct pull_job *j) __attribute__((noreturn));

#endif
