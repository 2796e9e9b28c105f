/*
 * partial.c: the store's partial/ directory, layer blobs whose download a
 * pull left unfinished, kept so that the next pull resumes them (pull.c).
 *
 * Invariants:
 * - At the start of every pull, partial/ MUST be trimmed to at most KEEP
 *   bytes (the pull's --max-size), newest downloads kept: failed pulls
 *   from a registry that names ever new digests cannot fill the store's
 *   file system, while a pull tried again still resumes.
 * - Only regular files named by 64 hex digits are kept; any other file
 *   found there (a symbolic link included) is removed, never followed
 *   (unlinkat, no path walk).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/store.h"
#include "lib/grammar.h"

struct pfile {
	char name[65];
	struct timespec mtime;
	uint64_t size;
};

/* Newest first. */
static int
newer_first(const void *a, const void *b)
{
	const struct pfile *x = a, *y = b;

	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec > y->mtime.tv_sec ? -1 : 1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec > y->mtime.tv_nsec ? -1 : 1;
	return strcmp(x->name, y->name);
}

int
store_partial_trim(struct store *s, uint64_t keep, struct ctl_err *e)
{
	int fd = openat(s->fd, "partial",
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct pfile *v = NULL;
	size_t n = 0, cap = 0;
	uint64_t total = 0;
	struct dirent *de;
	DIR *d;

	if (fd == -1)
		return errno == ENOENT ? 0 :
					 err_errno(e, "%s/partial", STORE_DIR);
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return err_errno(e, "%s/partial", STORE_DIR);
	}
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (!gram_hex64(de->d_name) ||
		    fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISREG(st.st_mode)) {
			(void)unlinkat(fd, de->d_name, 0);
			continue;
		}
		if (n == cap) {
			struct pfile *nv = reallocarray(v, cap ? 2 * cap : 16,
			    sizeof(*v));

			if (nv == NULL) {
				free(v);
				closedir(d);
				return err_set(e, "out of memory");
			}
			v = nv;
			cap = cap ? 2 * cap : 16;
		}
		memcpy(v[n].name, de->d_name, 65);
		v[n].mtime = st.st_mtim;
		v[n++].size = (uint64_t)st.st_size;
	}
	if (n > 0)
		qsort(v, n, sizeof(*v), newer_first);
	for (size_t i = 0; i < n; i++) {
		if (total <= keep && v[i].size <= keep - total) {
			total += v[i].size;
			continue;
		}
		if (unlinkat(fd, v[i].name, 0) == -1 && errno != ENOENT) {
			err_errno(e, "%s/partial/%s", STORE_DIR, v[i].name);
			free(v);
			closedir(d);
			return -1;
		}
		/* Once one is too big, every older one goes too. */
		total = keep + 1;
	}
	free(v);
	closedir(d);
	return 0;
}
