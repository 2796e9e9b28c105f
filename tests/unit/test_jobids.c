/*
 * test_jobids.c: the job and step ids of a Slurm cgroup path
 * (helper/jobids.c), for the audit trail.
 *
 * Invariants checked:
 * - job_ids() MUST take the job id (digits) and the step id ([A-Za-z0-9])
 *   from a job_J/step_S pair of components only, on v1 and v2 layouts.
 * - Anything else (no step, a job id with letters, a step with other
 *   bytes, an id over 20 bytes, a buffer too small) MUST give -1 and
 *   empty ids.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "helper/jobids.h"

static void
ok(const char *path, const char *job, const char *step)
{
	char j[24], s[24];

	assert_int_equal(job_ids(path, j, sizeof(j), s, sizeof(s)), 0);
	assert_string_equal(j, job);
	assert_string_equal(s, step);
}

static void
bad(const char *path)
{
	char j[24] = "x", s[24] = "y";

	assert_int_equal(job_ids(path, j, sizeof(j), s, sizeof(s)), -1);
	assert_string_equal(j, "");
	assert_string_equal(s, "");
}

static void
test_ids(void **state)
{
	(void)state;
	ok("/slurm_localhost/uid_1001/job_12/step_0/task_0", "12", "0");
	ok("/slurm/uid_5/job_7/step_batch", "7", "batch");
	ok("/slurm/uid_5/job_7/step_extern/task_0", "7", "extern");
	ok("/system.slice/node1_slurmstepd.scope/job_99/step_3/user/task_1",
	    "99", "3");
	ok("/a/job_x/job_4/step_1", "4", "1");
	bad("/slurm/uid_5/job_7");
	bad("/slurm/uid_5/job_7a/step_0");
	bad("/slurm/uid_5/job_/step_0");
	bad("/slurm/uid_5/job_7/step_");
	bad("/slurm/uid_5/job_7/step_0-x");
	bad("/slurm/uid_5/job_7/xstep_0");
	bad("/slurm/uid_5/job_123456789012345678901/step_0");
	bad("");
}

static void
test_small(void **state)
{
	char j[3], s[8];

	(void)state;
	assert_int_equal(job_ids("/job_123/step_0", j, sizeof(j), s, sizeof(s)),
	    -1);
	assert_int_equal(job_ids("/job_12/step_0", j, sizeof(j), s, sizeof(s)),
	    0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_small),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
