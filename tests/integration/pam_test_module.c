/*
 * pam_test_module.c: a PAM module for the tests only, built as a shared
 * object by pam.bats.  Arguments: "ignore" makes pam_sm_open_session
 * ignore SIGUSR1 and block SIGUSR2 in the calling process (the keeper);
 * "setuser" makes pam_sm_acct_mgmt change PAM_USER to root.  Both succeed.
 */
#include <signal.h>
#include <string.h>

#include <security/pam_modules.h>

static int
has(int argc, const char **argv, const char *what)
{
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], what) == 0)
			return 1;
	return 0;
}

PAM_EXTERN int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)flags;
	if (has(argc, argv, "setuser"))
		return pam_set_item(pamh, PAM_USER, "root");
	return PAM_SUCCESS;
}

PAM_EXTERN int
pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	sigset_t s;

	(void)pamh;
	(void)flags;
	if (has(argc, argv, "ignore")) {
		signal(SIGUSR1, SIG_IGN);
		sigemptyset(&s);
		sigaddset(&s, SIGUSR2);
		sigprocmask(SIG_BLOCK, &s, NULL);
	}
	return PAM_SUCCESS;
}

PAM_EXTERN int
pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}
