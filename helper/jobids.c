/*
 * jobids.c: the job and step ids of a Slurm job step's cgroup path, for
 * the audit trail (pure).
 *
 * Invariants:
 * - The ids MUST come from the kernel's cgroup path of a placement that
 *   place.c recognised as a batch job (root-owned job directory), never
 *   from the environment (SLURM_JOB_ID is the caller's to set).
 * - An id MUST be a token: the job id digits only, the step id
 *   [A-Za-z0-9] only (0, 1..., batch, extern), each at most 20 bytes.
 */
#include <ctype.h>
#include <string.h>

#include "helper/jobids.h"

/* Copies the part of component C (length N) after PFX into OUT if it is
 * 1-20 bytes of [0-9] (DIGITS) or [A-Za-z0-9]. */
static bool
take(const char *c, size_t n, const char *pfx, bool digits, char *out,
    size_t len)
{
	size_t pl = strlen(pfx);

	if (n <= pl || n - pl > 20 || n - pl + 1 > len ||
	    strncmp(c, pfx, pl) != 0)
		return false;
	for (size_t i = pl; i < n; i++)
		if (digits ? !isdigit((unsigned char)c[i]) :
			     !isalnum((unsigned char)c[i]))
			return false;
	memcpy(out, c + pl, n - pl);
	out[n - pl] = '\0';
	return true;
}

int
job_ids(const char *path, char *job, size_t jlen, char *step, size_t slen)
{
	const char *p = path;

	if (path == NULL || jlen == 0 || slen == 0)
		return -1;
	job[0] = step[0] = '\0';
	while (p != NULL && *p != '\0') {
		const char *c, *q, *c2;
		size_t n, n2;

		while (*p == '/')
			p++;
		c = p;
		q = strchr(c, '/');
		n = q ? (size_t)(q - c) : strlen(c);
		p = q;
		if (q == NULL || !take(c, n, "job_", true, job, jlen))
			continue;
		c2 = q + 1;
		n2 = strcspn(c2, "/");
		if (take(c2, n2, "step_", false, step, slen))
			return 0;
		job[0] = '\0';
	}
	job[0] = step[0] = '\0';
	return -1;
}
