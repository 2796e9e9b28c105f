/*
 * reserved.c: reserved bind destinations (see reserved.h).  Pure.
 *
 * Invariants:
 * - A destination that covers or lies under a reserved path, by whole
 *   components, MUST be reported; one that merely shares a prefix
 *   ("/procx", "/etc/hosts.allow") MUST NOT.
 */
#include <stddef.h>

#include "policy/policy.h"
#include "helper/reserved.h"

/* Kernel directories first, then the files init generates. */
static const char *const reserved[] = { "/proc", "/sys", "/dev", "/etc/passwd",
	"/etc/group", "/etc/resolv.conf", "/etc/hosts" };
#define RESERVED_DIRS 3

const char *
reserved_dst(const char *path, bool *file)
{
	for (size_t i = 0; i < sizeof(reserved) / sizeof(*reserved); i++) {
		const char *r = reserved[i];

		if (policy_path_covers(r, path) ||
		    policy_path_covers(path, r)) {
			*file = i >= RESERVED_DIRS;
			return r;
		}
	}
	return NULL;
}
