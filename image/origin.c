/*
 * origin.c: image origins for `ctr-image list` (see origin.h).
 *
 * Invariants:
 * - Files are named only by name_encode() of a canonical name (one path
 *   component, never "." or "..") and opened with O_NOFOLLOW below the
 *   store descriptor.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/io.h"
#include "lib/cleanup.h"
#include "image/name.h"
#include "image/origin.h"

#define ORIGIN_DIR "origin"
#define ORIGIN_TMP ".tmp" /* never an encoded name: those have no "." */

static int
origin_dir(struct store *s, int create)
{
	if (create && mkdirat(s->fd, ORIGIN_DIR, 0700) == -1 && errno != EEXIST)
		return -1;
	return openat(s->fd, ORIGIN_DIR,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

int
origin_put(struct store *s, const char *name, const char *text)
{
	cleanup_close int dfd = -1, fd = -1;
	char enc[4 * NAME_MAX_LEN];
	char line[ORIGIN_MAX + 2];
	size_t n;

	/* the store's rule for a name (store_desc_write) */
	if (!name_fits_store(name, NULL) ||
	    name_encode(name, enc, sizeof(enc)) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	snprintf(line, sizeof(line) - 1, "%s", text);
	for (n = 0; line[n] != '\0'; n++)
		if ((unsigned char)line[n] < 0x20 || line[n] == 0x7f)
			line[n] = '?';
	line[n++] = '\n';
	if ((dfd = origin_dir(s, 1)) == -1)
		return -1;
	/* one writer at a time (the store's lock): one temporary name */
	fd = openat(dfd, ORIGIN_TMP,
	    O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1 || io_write_all(fd, line, n) == -1 ||
	    renameat(dfd, ORIGIN_TMP, dfd, enc) == -1) {
		unlinkat(dfd, ORIGIN_TMP, 0);
		return -1;
	}
	return 0;
}

void
origin_get(struct store *s, const char *name, char *buf, size_t len)
{
	cleanup_close int dfd = -1;
	char enc[4 * NAME_MAX_LEN];

	if (name_encode(name, enc, sizeof(enc)) == -1 ||
	    (dfd = origin_dir(s, 0)) == -1 ||
	    img_read_small_at(dfd, enc, buf, len) == -1 || buf[0] == '\0')
		snprintf(buf, len, "-");
}

void
origin_remove(struct store *s, const char *name)
{
	cleanup_close int dfd = -1;
	char enc[4 * NAME_MAX_LEN];

	if (name_encode(name, enc, sizeof(enc)) == 0 &&
	    (dfd = origin_dir(s, 0)) != -1)
		unlinkat(dfd, enc, 0);
}
