/*
 * pamdl.c: libpam, loaded when PAM is first needed instead of at every
 * start of the helper.
 *
 * Most of what users run (exec, ps, logs, stop, version...) never calls
 * PAM in the process they started: K calls it, in its own process, and
 * so do attach's launcher and the login shell.  Linked as a dependency,
 * libpam (with libaudit and libcap-ng, and libcap-ng's constructor) cost
 * every start about 0.17 ms of loading and relocation.  pamdl() loads it
 * by its soname the first time it is called, before any namespace change
 * and with the loader's secure-mode search (a setuid process's loader
 * ignores LD_LIBRARY_PATH and friends), as libpam itself then loads its
 * modules; RTLD_NOW, so that nothing is resolved lazily later.
 *
 * Invariants:
 * - A libpam that cannot be loaded, or lacks one of the functions, MUST
 *   end the launch (die, 125) before anything is granted: PAM is never
 *   skipped.
 * - The table of functions MUST be read-only once filled (its own page,
 *   mprotect), as the GOT is under RELRO.
 */
#include <dlfcn.h>
#include <stddef.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helper/log.h"
#include "helper/pamdl.h"

#define PAMDL_SONAME "libpam.so.0"

static const struct pamdl *loaded;

/* NAME from H into *SLOT, or die. */
static void
resolve(void *h, const char *soname, const char *name, void *slot)
{
	void *f;

	(void)dlerror();
	f = dlsym(h, name);
	if (f == NULL)
		die("PAM: %s has no %s", soname, name);
	*(void **)slot = f;
}

const struct pamdl *
pamdl_load(const char *soname)
{
	size_t len = (size_t)sysconf(_SC_PAGESIZE);
	struct pamdl *t;
	void *h;

	if (loaded != NULL)
		return loaded;
	if (len < sizeof(*t))
		die("PAM: page too small");
	h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		const char *why = dlerror();

		die("PAM: cannot load %s: %s", soname,
		    why != NULL ? why : "unknown error");
	}
	t = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	if (t == MAP_FAILED)
		die_errno("PAM: mmap");
	resolve(h, soname, "pam_start", &t->start);
	resolve(h, soname, "pam_start_confdir", &t->start_confdir);
	resolve(h, soname, "pam_end", &t->end);
	resolve(h, soname, "pam_set_item", &t->set_item);
	resolve(h, soname, "pam_get_item", &t->get_item);
	resolve(h, soname, "pam_acct_mgmt", &t->acct_mgmt);
	resolve(h, soname, "pam_open_session", &t->open_session);
	resolve(h, soname, "pam_close_session", &t->close_session);
	resolve(h, soname, "pam_getenvlist", &t->getenvlist);
	resolve(h, soname, "pam_strerror", &t->strerror);
	if (mprotect(t, len, PROT_READ) != 0)
		die_errno("PAM: mprotect");
	loaded = t;
	return loaded;
}

const struct pamdl *
pamdl(void)
{
	return pamdl_load(PAMDL_SONAME);
}
