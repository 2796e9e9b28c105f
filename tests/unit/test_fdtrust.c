/*
 * test_fdtrust.c: the one owner/mode rule (lib/fdtrust).
 *
 * Invariants checked:
 * - Trusted exactly when the owner is the expected one and neither group
 *   nor others may write; setuid, sticky and read/execute bits are
 *   irrelevant; the reason names the first rule broken.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/fdtrust.h"

static struct stat
st_of(uid_t uid, mode_t mode)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_uid = uid;
	st.st_mode = mode;
	return st;
}

static void
test_rule(void **state)
{
	static const struct {
		uid_t uid, owner;
		mode_t mode;
		const char *why;
	} t[] = {
		{ 0, 0, S_IFREG | 0644, NULL },
		{ 0, 0, S_IFDIR | 0755, NULL },
		{ 0, 0, S_IFDIR | 01755, NULL },
		{ 0, 0, S_IFREG | 04755, NULL },
		{ 0, 0, S_IFREG | 0600, NULL },
		{ 1000, 0, S_IFREG | 0644, "not owned by root" },
		{ 1000, 0, S_IFREG | 0666, "not owned by root" },
		{ 0, 0, S_IFREG | 0646, "other-writable" },
		{ 0, 0, S_IFDIR | 01777, "other-writable" },
		{ 0, 0, S_IFREG | 0664, "group-writable" },
		{ 0, 0, S_IFREG | 0666, "other-writable" },
		{ 1000, 1000, S_IFDIR | 0755, NULL },
		{ 0, 1000, S_IFDIR | 0755, "not owned by the expected user" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct stat st = st_of(t[i].uid, t[i].mode);
		const char *why = st_untrusted_why(&st, t[i].owner);

		if ((why == NULL) != (t[i].why == NULL) ||
		    (why != NULL && strcmp(why, t[i].why) != 0))
			fail_msg("case %zu: %s", i, why ? why : "trusted");
		assert_true(st_trusted(&st, t[i].owner) == (t[i].why == NULL));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
