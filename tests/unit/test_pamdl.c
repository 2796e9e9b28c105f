/*
 * test_pamdl.c: libpam loaded on first use (helper/pamdl.c).  The table
 * holds every function, the very ones libpam exports, in a page that is
 * not writable; a library that cannot be loaded, or lacks a function,
 * ends the process with 125 and a line naming it, never a table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <dlfcn.h>

#include "helper/log.h"
#include "helper/pamdl.h"
#include "tests/unit/maps.h"

static void
same(const void *fn, const char *name)
{
	void *h = dlopen("libpam.so.0", RTLD_NOW | RTLD_NOLOAD);
	void *want;

	assert_non_null(h);
	want = dlsym(h, name);
	assert_non_null(want);
	assert_ptr_equal(fn, want);
	dlclose(h);
}

static void
test_table(void **state)
{
	const struct pamdl *t = pamdl();

	(void)state;
	assert_non_null(t);
	assert_ptr_equal(pamdl(), t);
	same((const void *)(uintptr_t)t->start, "pam_start");
	same((const void *)(uintptr_t)t->start_confdir, "pam_start_confdir");
	same((const void *)(uintptr_t)t->end, "pam_end");
	same((const void *)(uintptr_t)t->set_item, "pam_set_item");
	same((const void *)(uintptr_t)t->get_item, "pam_get_item");
	same((const void *)(uintptr_t)t->acct_mgmt, "pam_acct_mgmt");
	same((const void *)(uintptr_t)t->open_session, "pam_open_session");
	same((const void *)(uintptr_t)t->close_session, "pam_close_session");
	same((const void *)(uintptr_t)t->getenvlist, "pam_getenvlist");
	same((const void *)(uintptr_t)t->strerror, "pam_strerror");
	assert_string_equal(t->strerror(NULL, PAM_SUCCESS), "Success");
	assert_false(mapping_writable(t));
}

/* pamdl_load(SONAME) in a child: its exit status, its stderr in OUT. */
static int
load_in_child(const char *soname, char *out, size_t n)
{
	int pfd[2], st = 0;
	ssize_t got;
	pid_t pid;

	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pfd[0]);
		dup2(pfd[1], STDERR_FILENO);
		log_set_child();
		(void)pamdl_load(soname);
		_exit(0);
	}
	close(pfd[1]);
	got = read(pfd[0], out, n - 1);
	out[got > 0 ? got : 0] = '\0';
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void
test_missing_library_dies(void **state)
{
	char out[512];

	(void)state;
	assert_int_equal(load_in_child("libctr-launch-no-such-pam.so.0", out,
			     sizeof(out)),
	    125);
	assert_non_null(strstr(out, "cannot load libctr-launch-no-such-pam"));
	assert_non_null(strchr(out, '\n'));
	assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);
}

/* A library that loads but is not libpam (libc has no pam_start). */
static void
test_missing_function_dies(void **state)
{
	char out[512];

	(void)state;
	assert_int_equal(load_in_child("libc.so.6", out, sizeof(out)), 125);
	assert_non_null(strstr(out, "libc.so.6 has no pam_start"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_library_dies),
		cmocka_unit_test(test_missing_function_dies),
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
