/*
 * test_storelist.c: unit tests of the one read-only listing of the image
 * store (image/storelist.h): the store's trust check, O_NOFOLLOW on the
 * store and on images/, and the names it lists.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "image/desc.h"
#include "image/name.h"
#include "image/storelist.h"

static void
put(const char *dir, const char *canon)
{
	char enc[3 * NAME_MAX_LEN + 1], path[1024];

	assert_int_equal(name_encode(canon, enc, sizeof(enc)), 0);
	snprintf(path, sizeof(path), "%s/images/%s", dir, enc);
	close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
}

static void
test_trusted_store(void **state)
{
	char dir[] = "/tmp/test_storelist.XXXXXX", path[1024];
	struct ctl_err e;
	char **names;
	size_t n;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	/* No images/ yet. */
	assert_int_equal(storelist_open(dir, getuid(), &e), -1);
	assert_non_null(strstr(e.msg, "/images cannot be opened: "));
	assert_int_equal(e.err, ENOENT);
	snprintf(path, sizeof(path), "%s/images", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	put(dir, "ubuntu:22.04");
	put(dir, "busybox:latest");
	fd = storelist_open(dir, getuid(), &e);
	assert_true(fd >= 0);
	assert_int_equal(desc_list_names(fd, &names, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "busybox:latest");
	assert_string_equal(names[1], "ubuntu:22.04");
	desc_free_names(names, n);
	close(fd);
	/* Not the expected owner. */
	assert_int_equal(storelist_open(dir, getuid() + 1, &e), -1);
	assert_non_null(
	    strstr(e.msg, "is not root-owned or is writable by others"));
	/* Writable by others. */
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(storelist_open(dir, getuid(), NULL), -1);
	assert_int_equal(chmod(dir, 0700), 0);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
}

static void
test_no_symlinks(void **state)
{
	char dir[] = "/tmp/test_storelist.XXXXXX", path[1024], link[1100];
	struct ctl_err e;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/real", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/real/images", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	/* The store itself a symlink. */
	snprintf(link, sizeof(link), "%s/store", dir);
	assert_int_equal(symlink("real", link), 0);
	assert_int_equal(storelist_open(link, getuid(), &e), -1);
	assert_non_null(strstr(e.msg, "cannot be opened: "));
	/* images/ a symlink. */
	snprintf(path, sizeof(path), "%s/s2", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(link, sizeof(link), "%s/s2/images", dir);
	assert_int_equal(symlink("../real/images", link), 0);
	assert_int_equal(storelist_open(path, getuid(), &e), -1);
	assert_non_null(strstr(e.msg, "/images cannot be opened: "));
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trusted_store),
		cmocka_unit_test(test_no_symlinks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
