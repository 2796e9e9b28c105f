/*
 * blobmap.c: blob -> diff_id records (see blobmap.h).
 *
 * Invariants:
 * - Names MUST be 64 lowercase hex digits, checked before any *at() call;
 *   files are opened with O_NOFOLLOW below the store descriptor only.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/io.h"
#include "image/blobmap.h"
#include "lib/cleanup.h"
#include "lib/grammar.h"

#define BLOBMAP_DIR "blobmap"

static int
map_dir(struct store *s, bool create)
{
	if (create && mkdirat(s->fd, BLOBMAP_DIR, 0700) == -1 &&
	    errno != EEXIST)
		return -1;
	return openat(s->fd, BLOBMAP_DIR,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

int
blobmap_put(struct store *s, const char *blob, const char *diff)
{
	cleanup_close int dfd = -1, fd = -1;
	char tmp[80], line[66];

	if (!gram_hex64(blob) || !gram_hex64(diff)) {
		errno = EINVAL;
		return -1;
	}
	if ((dfd = map_dir(s, true)) == -1)
		return -1;
	snprintf(tmp, sizeof(tmp), ".tmp-%s", blob);
	snprintf(line, sizeof(line), "%s\n", diff);
	fd = openat(dfd, tmp,
	    O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1 || io_write_all(fd, line, 65) == -1 || fsync(fd) == -1 ||
	    renameat(dfd, tmp, dfd, blob) == -1) {
		unlinkat(dfd, tmp, 0);
		return -1;
	}
	return 0;
}

int
blobmap_get(struct store *s, const char *blob, char *diff)
{
	cleanup_close int dfd = -1;
	char buf[80];

	if (!gram_hex64(blob) || (dfd = map_dir(s, false)) == -1)
		return 0;
	if (img_read_small_at(dfd, blob, buf, sizeof(buf)) == -1 ||
	    !gram_hex64(buf))
		return 0;
	memcpy(diff, buf, 65);
	return 1;
}

unsigned
blobmap_prune(struct store *s)
{
	int dfd = map_dir(s, false);
	DIR *dir = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *de;
	unsigned removed = 0;

	if (dir == NULL) {
		if (dfd >= 0)
			close(dfd);
		return 0;
	}
	while ((de = readdir(dir)) != NULL) {
		char buf[80];
		struct stat st;
		bool keep = false;

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (gram_hex64(de->d_name) &&
		    img_read_small_at(dfd, de->d_name, buf, sizeof(buf)) == 0 &&
		    gram_hex64(buf))
			keep = fstatat(s->layers, buf, &st,
				   AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISDIR(st.st_mode);
		else if (strncmp(de->d_name, ".tmp-", 5) == 0)
			keep = false; /* a record whose writer died */
		if (!keep && unlinkat(dfd, de->d_name, 0) == 0)
			removed++;
	}
	closedir(dir);
	return removed;
}
