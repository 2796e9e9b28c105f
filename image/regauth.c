/*
 * regauth.c: auth.json, read by root before the network child starts (see
 * regauth.h).
 *
 * Invariants:
 * - The file MUST be opened with O_NOFOLLOW and checked (owner, mode,
 *   type) on the descriptor before a byte of it is read.
 * - The file MUST be at most AUTH_FILE_MAX bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/regauth.h"
#include "lib/cleanup.h"
#include "image/config.h"

#define AUTH_FILE_MAX (1u << 20)

static int
read_authfile(const char *path, bool optional, char **buf, size_t *n,
    struct ctl_err *e)
{
	cleanup_close int fd = -1;
	struct stat st;
	ssize_t r;

	*buf = NULL;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd == -1 && errno == ENOENT && optional)
		return 0;
	if (fd == -1)
		return err_errno(e, "%s", path);
	if (fstat(fd, &st) == -1)
		return err_errno(e, "%s", path);
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 077) != 0)
		return err_set(e,
		    "%s: refused: must be a regular file owned by root, mode 0600",
		    path);
	if (st.st_size > AUTH_FILE_MAX)
		return err_set(e, "%s: larger than 1 MiB", path);
	if ((*buf = malloc((size_t)st.st_size + 1)) == NULL)
		return err_set(e, "out of memory");
	r = read(fd, *buf, (size_t)st.st_size + 1);
	if (r < 0 || r > st.st_size) {
		free(*buf);
		*buf = NULL;
		return r < 0 ? err_errno(e, "%s", path) :
			       err_set(e, "%s: changed while read", path);
	}
	*n = (size_t)r;
	return 0;
}

static int
decode_cred(const char *b64, char *cred, size_t len, const char *path,
    struct ctl_err *e)
{
	size_t n = strlen(b64);
	unsigned char *out;
	int k;

	if (n == 0 || n % 4 != 0 || n / 4 * 3 >= len)
		return err_set(e, "%s: invalid \"auth\" value", path);
	if ((out = malloc(n / 4 * 3 + 1)) == NULL)
		return err_set(e, "out of memory");
	k = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)n);
	if (k < 0) {
		free(out);
		return err_set(e, "%s: invalid \"auth\" value", path);
	}
	size_t got = (size_t)k;

	while (got > 0 && b64[n - 1] == '=') { /* padding decodes to NULs */
		got--;
		n--;
	}
	memcpy(cred, out, got);
	cred[got] = '\0';
	free(out);
	for (size_t i = 0; i < got; i++)
		if ((unsigned char)cred[i] < 0x20 || cred[i] == 0x7f)
			return err_set(e, "%s: invalid credential", path);
	if (strchr(cred, ':') == NULL || cred[0] == ':')
		return err_set(e, "%s: credential is not user:password", path);
	return 0;
}

int
regauth_lookup(const char *path, bool optional, const char *host, char *cred,
    size_t len, struct ctl_err *e)
{
	cleanup_free char *buf = NULL;
	struct json_object *j, *auths, *ent, *a;
	size_t n = 0;
	int r;

	cred[0] = '\0';
	if (read_authfile(path, optional, &buf, &n, e) == -1)
		return -1;
	if (buf == NULL)
		return 0;
	if ((j = config_json(buf, n, path, e)) == NULL)
		return -1;
	r = 0;
	if (json_object_object_get_ex(j, "auths", &auths) &&
	    json_object_is_type(auths, json_type_object) &&
	    json_object_object_get_ex(auths, host, &ent) &&
	    json_object_is_type(ent, json_type_object) &&
	    json_object_object_get_ex(ent, "auth", &a)) {
		if (!json_object_is_type(a, json_type_string))
			r = err_set(e, "%s: \"auth\" of %s is not a string",
			    path, host);
		else
			r = decode_cred(json_object_get_string(a), cred, len,
			    path, e);
	}
	json_object_put(j);
	if (r == -1)
		explicit_bzero(cred, len);
	return r;
}
