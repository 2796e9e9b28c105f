/*
 * fdtrust.c: the owner/mode rule (see fdtrust.h).
 */
#include <stddef.h>

#include "lib/fdtrust.h"

const char *
st_untrusted_why(const struct stat *st, uid_t owner)
{
	if (st->st_uid != owner)
		return owner == 0 ? "not owned by root" :
				    "not owned by the expected user";
	if (st->st_mode & S_IWOTH)
		return "other-writable";
	if (st->st_mode & S_IWGRP)
		return "group-writable";
	return NULL;
}

bool
st_trusted(const struct stat *st, uid_t owner)
{
	return st_untrusted_why(st, owner) == NULL;
}
