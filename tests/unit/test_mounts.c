/*
 * test_mounts.c: the pure part of helper/mounts.c, the overlay option
 * string (mounts_ovl_options).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helper/mounts.h"

#define PAGE 4096

static char name[] = "t:latest";

static struct image_desc *
mkdesc(size_t n)
{
	struct image_desc *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	d->name = name;
	d->layers = calloc(n + 1, sizeof(*d->layers));
	assert_non_null(d->layers);
	d->nlayers = n;
	for (size_t i = 0; i < n; i++) {
		char tmp[32];

		snprintf(tmp, sizeof(tmp), "L%09zu", i);
		memcpy(d->layers[i].link, tmp, DESC_LINK_LEN);
		d->layers[i].link[DESC_LINK_LEN] = '\0';
	}
	return d;
}

static void
freedesc(struct image_desc *d)
{
	free(d->layers);
	free(d);
}

static const char *up = "/proc/self/fd/12/upper";
static const char *wk = "/proc/self/fd/12/work";

static void
test_one_layer(void **state)
{
	struct image_desc *d = mkdesc(1);
	char buf[PAGE];

	(void)state;
	assert_int_equal(mounts_ovl_options(d, up, wk, buf, sizeof(buf)), 0);
	assert_string_equal(buf,
	    "lowerdir=L000000000,upperdir=/proc/self/fd/12/upper,"
	    "workdir=/proc/self/fd/12/work,redirect_dir=off,metacopy=off,"
	    "index=off,xino=off");
	freedesc(d);
}

static void
test_topmost_first(void **state)
{
	struct image_desc *d = mkdesc(3);
	char buf[PAGE];

	(void)state;
	assert_int_equal(mounts_ovl_options(d, up, wk, buf, sizeof(buf)), 0);
	assert_non_null(
	    strstr(buf, "lowerdir=L000000002:L000000001:L000000000,"));
	freedesc(d);
}

static void
test_100_and_300_layers_fit_one_page(void **state)
{
	size_t counts[] = { 100, 300 };

	(void)state;
	for (size_t k = 0; k < 2; k++) {
		struct image_desc *d = mkdesc(counts[k]);
		char buf[PAGE];

		assert_int_equal(mounts_ovl_options(d, up, wk, buf,
				     sizeof(buf)),
		    0);
		assert_true(strlen(buf) < PAGE);
		freedesc(d);
	}
}

static void
test_500_layers_refused_not_truncated(void **state)
{
	struct image_desc *d = mkdesc(500);
	char buf[PAGE];

	(void)state;
	errno = 0;
	assert_int_equal(mounts_ovl_options(d, up, wk, buf, sizeof(buf)), -1);
	assert_int_equal(errno, E2BIG);
	freedesc(d);
}

static void
test_option_syntax_refused(void **state)
{
	struct image_desc *d = mkdesc(2);
	char buf[PAGE];

	(void)state;
	assert_int_equal(mounts_ovl_options(d, "/a,b", wk, buf, sizeof(buf)),
	    -1);
	assert_int_equal(mounts_ovl_options(d, up, "/a:b", buf, sizeof(buf)),
	    -1);
	memcpy(d->layers[1].link, "L00000000,", 10);
	assert_int_equal(mounts_ovl_options(d, up, wk, buf, sizeof(buf)), -1);
	memcpy(d->layers[1].link, "../../etc0", 10);
	assert_int_equal(mounts_ovl_options(d, up, wk, buf, sizeof(buf)), -1);
	d->layers[1].link[5] = '\0';
	assert_int_equal(mounts_ovl_options(d, up, wk, buf, sizeof(buf)), -1);
	d->nlayers = 0;
	assert_int_equal(mounts_ovl_options(d, up, wk, buf, sizeof(buf)), -1);
	freedesc(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_layer),
		cmocka_unit_test(test_topmost_first),
		cmocka_unit_test(test_100_and_300_layers_fit_one_page),
		cmocka_unit_test(test_500_layers_refused_not_truncated),
		cmocka_unit_test(test_option_syntax_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
