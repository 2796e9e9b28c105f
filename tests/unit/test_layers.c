/*
 * test_layers.c: unit tests of K's layer locks (helper/layers.h) through
 * their core, layers_lock_at: a damaged image is reported through struct
 * ctl_err, the process goes on, and no lock taken before the failure is
 * left held; the locks that succeed are shared locks held until
 * layers_release.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "helper/layers.h"
#include "image/desc.h"

#define HEX_A "aa00000000000000000000000000000000000000000000000000000000000000"
#define HEX_B "bb00000000000000000000000000000000000000000000000000000000000000"

struct fixture {
	char dir[64];
	char name[8];
	int store;
	struct desc_layer l[2];
	struct image_desc d;
};

static void
mklayer(struct fixture *f, const char *hex)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/layers/%s", f->dir, hex);
	assert_int_equal(mkdir(path, 0700), 0);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[128];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_layers.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(path, sizeof(path), "%s/layers", f->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	f->store = open(f->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(f->store >= 0);
	snprintf(f->l[0].hex, sizeof(f->l[0].hex), "%s", HEX_A);
	snprintf(f->l[1].hex, sizeof(f->l[1].hex), "%s", HEX_B);
	snprintf(f->name, sizeof(f->name), "t:1");
	f->d.name = f->name;
	f->d.layers = f->l;
	f->d.nlayers = 2;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	close(f->store);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* An exclusive lock on a layer can be had: nobody holds it shared. */
static bool
free_to_take(struct fixture *f, const char *hex)
{
	char path[256];
	int fd, r;

	snprintf(path, sizeof(path), "%s/layers/%s", f->dir, hex);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	r = flock(fd, LOCK_EX | LOCK_NB);
	close(fd);
	return r == 0;
}

static void
test_held_until_release(void **state)
{
	struct fixture *f = *state;
	struct ctl_err e;
	int *fds;

	mklayer(f, HEX_A);
	mklayer(f, HEX_B);
	fds = layers_lock_at(f->store, &f->d, &e);
	assert_non_null(fds);
	assert_false(free_to_take(f, HEX_A));
	assert_false(free_to_take(f, HEX_B));
	layers_release(fds, f->d.nlayers);
	assert_true(free_to_take(f, HEX_A));
	assert_true(free_to_take(f, HEX_B));
}

/* The second layer missing: an error, not an exit, and the first
 * layer's lock released. */
static void
test_missing_layer_reports(void **state)
{
	struct fixture *f = *state;
	struct ctl_err e;

	mklayer(f, HEX_A);
	memset(&e, 0, sizeof(e));
	assert_null(layers_lock_at(f->store, &f->d, &e));
	assert_non_null(strstr(e.msg,
	    "image t:1: layer " HEX_B
	    " is missing (removed or imported again meanwhile? try again; if it stays, re-import the image)"));
	assert_true(free_to_take(f, HEX_A));
}

/* A layer id that is not 64 hex digits is refused before any path is
 * opened with it. */
static void
test_bad_id_reports(void **state)
{
	struct fixture *f = *state;
	struct ctl_err e;

	mklayer(f, HEX_A);
	snprintf(f->l[1].hex, sizeof(f->l[1].hex), "../../etc");
	memset(&e, 0, sizeof(e));
	assert_null(layers_lock_at(f->store, &f->d, &e));
	assert_non_null(strstr(e.msg, "bad layer id"));
	assert_true(free_to_take(f, HEX_A));
}

/* A layer that is a symbolic link is not followed. */
static void
test_symlink_layer_refused(void **state)
{
	struct fixture *f = *state;
	struct ctl_err e;
	char path[256];

	mklayer(f, HEX_A);
	snprintf(path, sizeof(path), "%s/layers/%s", f->dir, HEX_B);
	assert_int_equal(symlink("/", path), 0);
	memset(&e, 0, sizeof(e));
	assert_null(layers_lock_at(f->store, &f->d, &e));
	assert_true(e.err == ELOOP || e.err == ENOTDIR);
	assert_non_null(strstr(e.msg, "image t:1: layer " HEX_B));
	assert_true(free_to_take(f, HEX_A));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_held_until_release, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_missing_layer_reports,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_id_reports, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_symlink_layer_refused,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
