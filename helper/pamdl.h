#ifndef CTL_PAMDL_H
#define CTL_PAMDL_H

#include <security/pam_appl.h>

/* libpam's functions the helper calls (pamdl.c). */
struct pamdl {
	int (*start)(const char *, const char *, const struct pam_conv *,
	    pam_handle_t **);
	int (*start_confdir)(const char *, const char *,
	    const struct pam_conv *, const char *, pam_handle_t **);
	int (*end)(pam_handle_t *, int);
	int (*set_item)(pam_handle_t *, int, const void *);
	int (*get_item)(const pam_handle_t *, int, const void **);
	int (*acct_mgmt)(pam_handle_t *, int);
	int (*open_session)(pam_handle_t *, int);
	int (*close_session)(pam_handle_t *, int);
	char **(*getenvlist)(pam_handle_t *);
	const char *(*strerror)(pam_handle_t *, int);
};

/* libpam, loaded at the first call; dies when it cannot be. */
const struct pamdl *pamdl(void);

/* pamdl's work with the library named SONAME (the tests' entry). */
const struct pamdl *pamdl_load(const char *soname);

#endif
