/*
 * storelist.c: the one read-only listing of the image store (see
 * storelist.h): the store's trust check, then desc_list_names() on its
 * images/ directory.
 *
 * Invariants (storelist.h):
 * - The store directory MUST pass the trust check on an O_NOFOLLOW
 *   descriptor before images/ is opened relative to it, with O_NOFOLLOW.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/desc.h"
#include "image/storelist.h"
#include "lib/cleanup.h"
#include "lib/fdtrust.h"

int
storelist_open(const char *store, uid_t owner, struct ctl_err *e)
{
	cleanup_close int dir = -1;
	struct stat st;
	int d;

	dir = open(store, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0)
		return err_errno(e, "the image store %s cannot be opened",
		    store);
	if (fstat(dir, &st) != 0)
		return err_errno(e, "the image store %s", store);
	if (!st_trusted(&st, owner))
		return err_set(e,
		    "the image store %s is not root-owned or is writable by "
		    "others",
		    store);
	d = openat(dir, "images",
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d < 0)
		return err_errno(e,
		    "the image store %s/images cannot be opened", store);
	return d;
}

int
storelist_names(char ***names, size_t *n, struct ctl_err *e)
{
	cleanup_close int images = storelist_open(STORE_DIR, 0, e);

	if (images < 0)
		return -1;
	if (desc_list_names(images, names, n) != 0)
		return err_errno(e, "the image store");
	return 0;
}
