/*
 * desc_list.c: the one read-only listing of the store's images/ (see
 * desc.h): the canonical names its descriptors are stored under.
 *
 * Linked into the setuid helper (ctr-launch images) and ctr-policy check:
 * no JSON, no tar, no output.
 *
 * Invariants:
 * - Only entries whose file name decodes to a canonical image name
 *   (name_decode) MUST be listed; others are skipped, never guessed at.
 * - On failure nothing MUST stay allocated, and errno MUST be that of the
 *   failure.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/desc.h"
#include "image/name.h"

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
desc_free_names(char **names, size_t n)
{
	for (size_t i = 0; names != NULL && i < n; i++)
		free(names[i]);
	free(names);
}

int
desc_list_names(int images, char ***names, size_t *n)
{
	int fd = openat(images, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd == -1 ? NULL : fdopendir(fd);
	char **v = NULL;
	size_t k = 0, cap = 0;
	struct dirent *de;
	int saved;

	if (d == NULL) {
		saved = errno;
		if (fd != -1)
			close(fd);
		errno = saved;
		return -1;
	}
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		char canon[NAME_MAX_LEN + 1];

		if (de->d_name[0] == '.' ||
		    name_decode(de->d_name, canon, sizeof(canon)) != 0)
			continue;
		if (k == cap) {
			char **nv = reallocarray(v, cap ? 2 * cap : 16,
			    sizeof(*nv));

			if (nv == NULL)
				goto fail;
			v = nv;
			cap = cap ? 2 * cap : 16;
		}
		if ((v[k] = strdup(canon)) == NULL)
			goto fail;
		k++;
		errno = 0;
	}
	if (errno != 0)
		goto fail;
	closedir(d);
	if (k > 0)
		qsort(v, k, sizeof(*v), cmp_name);
	*names = v;
	*n = k;
	return 0;
fail:
	saved = errno ? errno : ENOMEM;
	closedir(d);
	desc_free_names(v, k);
	errno = saved;
	return -1;
}
