/*
 * test_image_config.c: reading image configs with json-c.
 *
 * Invariants checked:
 * - Unset (absent or null) Entrypoint/Cmd MUST stay NULL; [] MUST stay an
 *   empty list.
 * - Non-string list items, strings holding NUL, bad diff_ids and
 *   non-objects MUST be refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "image/config.h"

#define D \
	"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static int
fill(const char *js, struct image_desc **dp, unsigned *bad)
{
	struct ctl_err e = { .line = 0 };
	struct json_object *j = config_json(js, strlen(js), "t", &e);
	char **ids = NULL;
	size_t n = 0;
	int r;

	*dp = calloc(1, sizeof(**dp));
	if (j == NULL)
		return -1;
	r = config_fill(j, *dp, &ids, &n, bad, &e);
	if (r == -1)
		assert_true(strlen(e.msg) > 0);
	for (size_t i = 0; ids != NULL && ids[i] != NULL; i++)
		free(ids[i]);
	free(ids);
	json_object_put(j);
	return r;
}

static void
test_unset_empty(void **state)
{
	struct image_desc *d;
	unsigned bad;

	assert_int_equal(fill("{\"rootfs\":{\"diff_ids\":[\"" D "\"]},"
			      "\"config\":{\"Entrypoint\":null,\"Cmd\":[]}}",
			     &d, &bad),
	    0);
	assert_null(d->entrypoint);
	assert_non_null(d->cmd);
	assert_null(d->cmd[0]);
	assert_non_null(d->env);
	assert_string_equal(d->workdir, "");
	desc_free(d);
	assert_int_equal(fill("{\"rootfs\":{\"diff_ids\":[\"" D "\"]}}", &d,
			     &bad),
	    0);
	assert_null(d->entrypoint);
	assert_null(d->cmd);
	desc_free(d);
}

static void
test_values(void **state)
{
	struct image_desc *d;
	unsigned bad;

	assert_int_equal(
	    fill("{\"rootfs\":{\"diff_ids\":[\"" D "\"]},\"config\":{"
		 "\"Cmd\":[\"a b\",\"\\n\",\"\\u00e9\"],"
		 "\"Env\":[\"A=1\",\"NOEQ\",\"=x\",\"B=a=b\"],"
		 "\"Labels\":{\"k\":\"v\"},\"ExposedPorts\":{\"80/tcp\":{}}}}",
		&d, &bad),
	    0);
	assert_string_equal(d->cmd[0], "a b");
	assert_string_equal(d->cmd[1], "\n");
	assert_string_equal(d->cmd[2], "\xc3\xa9");
	assert_string_equal(d->env[0], "A=1");
	assert_string_equal(d->env[1], "B=a=b");
	assert_null(d->env[2]);
	assert_int_equal(bad, 2);
	assert_string_equal(d->labels[0], "k=v");
	assert_string_equal(d->ports[0], "80/tcp");
	desc_free(d);
}

static void
test_refused(void **state)
{
	static const char *bad[] = {
		"[]",
		"{",
		"{} x",
		"{\"config\":{}}", /* no diff_ids */
		"{\"rootfs\":{\"diff_ids\":[\"sha256:abc\"]}}",
		"{\"rootfs\":{\"diff_ids\":[\"md5:0\"]}}",
		"{\"rootfs\":{\"diff_ids\":[\"" D
		"\"]},\"config\":{\"Cmd\":\"sh\"}}",
		"{\"rootfs\":{\"diff_ids\":[\"" D
		"\"]},\"config\":{\"Cmd\":[1]}}",
		"{\"rootfs\":{\"diff_ids\":[\"" D
		"\"]},\"config\":{\"Cmd\":[\"a\\u0000b\"]}}",
		"{\"rootfs\":{\"diff_ids\":[\"" D
		"\"]},\"config\":{\"WorkingDir\":1}}",
		"{\"rootfs\":{\"diff_ids\":[\"" D
		"\"]},\"config\":{\"Labels\":[]}}",
		"{\"rootfs\":{\"diff_ids\":[\"" D "\"]},\"config\":[]}",
		NULL,
	};
	struct image_desc *d;
	unsigned b;

	for (size_t i = 0; bad[i] != NULL; i++) {
		int r = fill(bad[i], &d, &b);

		desc_free(d);
		if (r != -1)
			print_error("accepted: %s\n", bad[i]);
		assert_int_equal(r, -1);
	}
}

static void
test_synth(void **state)
{
	struct ctl_err e = { .line = 0 };
	const char *u = "{\"Cmd\":[\"x\"]}";
	struct json_object *j = config_json(u, strlen(u), "u", &e);
	char *s = config_synth(j, D + 7, "2024-01-01T00:00:00Z", &e);
	struct image_desc *d;
	unsigned bad;

	assert_non_null(s);
	assert_int_equal(fill(s, &d, &bad), 0);
	assert_string_equal(d->cmd[0], "x");
	assert_string_equal(d->created, "2024-01-01T00:00:00Z");
	desc_free(d);
	free(s);
	json_object_put(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unset_empty),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_synth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
