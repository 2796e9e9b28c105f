/*
 * place_path.c: the pure half of place.c, unit-tested without root: a
 * batch job's cgroup path (place_job_path) and this process's cgroup in a
 * hierarchy, read from the text of /proc/self/cgroup (place_self_path).
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "helper/place.h"

/* Does component C (length N) start with PFX and go on with one or more
 * digits only (DIGITS), or with anything (not DIGITS)? */
static bool
comp_is(const char *c, size_t n, const char *pfx, bool digits)
{
	size_t pl = strlen(pfx);

	if (n < pl || (digits && n == pl) || strncmp(c, pfx, pl) != 0)
		return false;
	for (size_t i = pl; digits && i < n; i++)
		if (!isdigit((unsigned char)c[i]))
			return false;
	return true;
}

bool
place_job_path(const char *path, int version)
{
	const char *c[64];
	size_t n[64], k = 0;

	if (path == NULL || path[0] != '/')
		return false;
	for (const char *p = path + 1; *p != '\0' && k < 64;) {
		const char *q = strchr(p, '/');
		size_t len = q ? (size_t)(q - p) : strlen(p);

		if (len == 0)
			return false;
		c[k] = p;
		n[k++] = len;
		p += len + (q ? 1 : 0);
	}
	if (version == 1)
		return k >= 4 && comp_is(c[0], n[0], "slurm", false) &&
		    comp_is(c[1], n[1], "uid_", true) &&
		    comp_is(c[2], n[2], "job_", true) &&
		    comp_is(c[3], n[3], "step_", false);
	for (size_t i = 0; i + 2 < k; i++) {
		static const char scope[] = "slurmstepd.scope";
		size_t sl = sizeof(scope) - 1;

		if (n[i] < sl || strncmp(c[i] + n[i] - sl, scope, sl) != 0)
			continue;
		return comp_is(c[i + 1], n[i + 1], "job_", true) &&
		    comp_is(c[i + 2], n[i + 2], "step_", false);
	}
	return false;
}

/* Is every comma-separated word of A one of B's? */
static bool
words_in(const char *a, size_t alen, const char *b)
{
	for (size_t i = 0; i < alen;) {
		size_t j = i;
		bool found = false;

		while (j < alen && a[j] != ',')
			j++;
		for (const char *p = b; *p != '\0';) {
			size_t m = strcspn(p, ",");

			if (m == j - i && strncmp(p, a + i, m) == 0)
				found = true;
			p += m + (p[m] == ',' ? 1 : 0);
		}
		if (!found)
			return false;
		i = j + 1;
	}
	return true;
}

int
place_self_path(const char *text, const char *key, char *out, size_t len)
{
	for (const char *l = text; l != NULL && *l != '\0';) {
		const char *nl = strchr(l, '\n');
		size_t ll = nl ? (size_t)(nl - l) : strlen(l);
		const char *c1 = memchr(l, ':', ll);
		const char *c2 = c1 ?
		    memchr(c1 + 1, ':', ll - (size_t)(c1 + 1 - l)) :
		    NULL;

		if (c2 != NULL) {
			size_t kl = (size_t)(c2 - c1 - 1);
			size_t pl = ll - (size_t)(c2 + 1 - l);
			bool match = key[0] == '\0' ?
			    kl == 0 && c1 == l + 1 && l[0] == '0' :
			    kl > 0 && words_in(c1 + 1, kl, key);

			if (match) {
				if (pl + 1 > len || pl == 0 || c2[1] != '/')
					return -1;
				memcpy(out, c2 + 1, pl);
				out[pl] = '\0';
				return 0;
			}
		}
		l = nl ? nl + 1 : NULL;
	}
	return -1;
}
