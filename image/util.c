/*
 * util.c: safe recursive removal, size formatting, hex and sha256 digests.
 *
 * Invariants:
 * - img_rmtree_at() MUST never follow a symbolic link: every directory is
 *   opened with O_NOFOLLOW|O_DIRECTORY relative to its parent's descriptor,
 *   and every entry is removed with unlinkat() on that descriptor.
 * - Removal MUST hold a bounded number of descriptors whatever the depth
 *   of the tree (a layer may nest directories thousands deep): it climbs
 *   back with openat(".."), and checks that it reached the directory it
 *   came from (the store is root's, 0700, and changes only under its lock).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "image/util.h"

/* One directory the walk descended into: its name in its parent and
 * the parent's identity, checked when the walk climbs back up. */
struct rm_level {
	char *name;
	dev_t dev;
	ino_t ino;
};

/*
 * Removes every non-directory entry of CUR.  1 with *SUB set (allocated)
 * at the first directory found (the walk descends into it, and scans CUR
 * again once it is gone), 0 when CUR is empty, -1 on error (errno).
 */
static int
rm_scan(int cur, char **sub)
{
	int fd = openat(cur, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	int ret = 0;

	if (dir == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	errno = 0;
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(cur, de->d_name, 0) == 0 || errno == ENOENT) {
			errno = 0;
			continue;
		}
		if (errno != EISDIR && errno != EPERM) {
			ret = -1;
			break;
		}
		*sub = strdup(de->d_name);
		ret = *sub == NULL ? -1 : 1;
		break;
	}
	if (de == NULL && errno != 0)
		ret = -1;
	int saved = errno;
	closedir(dir);
	errno = saved;
	return ret;
}

/* Climbs from CUR to its parent, which must be the directory L recorded
 * (nothing else changes the store under its lock: a mismatch is an
 * error, never a reason to go on somewhere else). */
static int
rm_up(int cur, const struct rm_level *l)
{
	struct stat st;
	int fd = openat(cur, "..",
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1 || st.st_dev != l->dev ||
	    st.st_ino != l->ino) {
		close(fd);
		errno = EXDEV;
		return -1;
	}
	return fd;
}

/* Goes one level down into SUB below *CUR; its name joins the stack. */
static int
rm_down(int *cur, char *sub, struct rm_level **stack, size_t *depth,
    size_t *cap)
{
	struct stat st;
	int fd;

	if (*depth == *cap) {
		size_t n = *cap ? 2 * *cap : 64;
		struct rm_level *v = realloc(*stack, n * sizeof(**stack));

		if (v == NULL) {
			free(sub);
			return -1;
		}
		*stack = v;
		*cap = n;
	}
	if (fstat(*cur, &st) == -1 ||
	    (fd = openat(*cur, sub,
		 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		free(sub);
		return -1;
	}
	(*stack)[(*depth)++] = (struct rm_level){ sub, st.st_dev, st.st_ino };
	close(*cur);
	*cur = fd;
	return 0;
}

/*
 * Empties directory DFD however deep it goes, with at most three
 * descriptors open at any time: the walk goes down with openat() and back
 * up with openat(".."), remembering only the names on its way (heap).
 */
int
img_rmtree_contents(int dfd)
{
	struct rm_level *stack = NULL;
	size_t depth = 0, cap = 0;
	int cur = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret = -1, saved;

	while (cur >= 0) {
		char *sub = NULL;
		int k = rm_scan(cur, &sub), up;

		if (k == 1) {
			if (rm_down(&cur, sub, &stack, &depth, &cap) == -1)
				break;
			continue;
		}
		if (k == -1)
			break;
		if (depth == 0) {
			ret = 0;
			break;
		}
		if ((up = rm_up(cur, &stack[depth - 1])) == -1)
			break;
		close(cur);
		cur = up;
		depth--;
		if (unlinkat(cur, stack[depth].name, AT_REMOVEDIR) == -1 &&
		    errno != ENOENT) {
			free(stack[depth].name);
			break;
		}
		free(stack[depth].name);
	}
	saved = errno;
	if (cur >= 0)
		close(cur);
	while (depth > 0)
		free(stack[--depth].name);
	free(stack);
	errno = saved;
	return ret;
}

int
img_rmtree_at(int dfd, const char *name)
{
	cleanup_close int fd = -1;

	if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -1;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return -1;
	if (img_rmtree_contents(fd) == -1)
		return -1;
	if (unlinkat(dfd, name, AT_REMOVEDIR) == -1 && errno != ENOENT)
		return -1;
	return 0;
}

const char *
img_fmt_size(uint64_t n, char *buf, size_t len)
{
	static const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)n;
	size_t u = 0;

	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%lluB", (unsigned long long)n);
	else
		snprintf(buf, len, "%.1f%s", v, units[u]);
	return buf;
}

void
img_hex_encode(const unsigned char *in, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * len] = '\0';
}

void
img_sha256_hex(const void *buf, size_t len, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	EVP_Digest(buf, len, md, &n, EVP_sha256(), NULL);
	img_hex_encode(md, n, out);
}

int
img_read_small_at(int dfd, const char *name, char *buf, size_t len)
{
	cleanup_close int fd = -1;
	ssize_t n;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return -1;
	n = read(fd, buf, len - 1);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return 0;
}
