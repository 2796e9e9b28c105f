/*
 * replay_main.c: a stand-alone driver for the fuzz targets, linked instead
 * of libFuzzer when clang's fuzzer runtime is missing, so that `make check`
 * still replays every seed corpus (under ASan+UBSan).
 *
 * Usage: fuzz_NAME [-flags ignored] FILE|DIR...  Each regular file (each
 * file directly in a DIR) is passed once to LLVMFuzzerTestOneInput.
 *
 * Invariants:
 * - Every input MUST be run exactly once; an input that cannot be read
 *   MUST fail the run (exit 1), never be skipped silently.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path, unsigned long *n)
{
	struct stat st;
	uint8_t *buf;
	ssize_t r;
	size_t got = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1 || fstat(fd, &st) == -1) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		close(fd);
		return -1;
	}
	while (got < (size_t)st.st_size) {
		r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	LLVMFuzzerTestOneInput(buf, got);
	free(buf);
	(*n)++;
	return 0;
}

static int
replay_dir(const char *path, unsigned long *n)
{
	char file[4096];
	struct dirent *e;
	struct stat st;
	DIR *d;
	int rc = 0;

	d = opendir(path);
	if (d == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (snprintf(file, sizeof(file), "%s/%s", path, e->d_name) >=
		    (int)sizeof(file))
			continue;
		if (stat(file, &st) == 0 && S_ISREG(st.st_mode) &&
		    replay_file(file, n) == -1)
			rc = -1;
	}
	closedir(d);
	return rc;
}

int
main(int argc, char **argv)
{
	unsigned long n = 0;
	struct stat st;
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			continue; /* libFuzzer flags */
		if (stat(argv[i], &st) == -1) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
			    strerror(errno));
			rc = 1;
		} else if (S_ISDIR(st.st_mode) ? replay_dir(argv[i], &n) == -1 :
						 replay_file(argv[i], &n) == -1)
			rc = 1;
	}
	printf("replay: %lu inputs\n", n);
	return rc;
}
