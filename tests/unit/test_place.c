/*
 * test_place.c: the pure parts of the cgroup placement (helper/place.c)
 * and the policy's [global] cgroup_placement key.
 *
 * Invariants checked:
 * - place_job_path() MUST recognise exactly Slurm's job step layouts (v1
 *   /slurm.../uid_N/job_J/step_S..., v2 ...slurmstepd.scope/job_J/step_S...)
 *   and nothing that merely contains the words.
 * - place_self_path() MUST pick the line of exactly the hierarchy asked
 *   for, v2 only from a "0::" line.
 * - cgroup_stat_value() MUST read only a whole "KEY N" line, never a
 *   prefix of another key or a number that does not fit.
 * - cgroup_proc_ticks() MUST take the fields after the last ')' of a
 *   /proc/PID/stat line, whatever the command name before it holds, and
 *   give CGROUP_UNKNOWN for a line cut short or a negative time.
 * - cgroup_placement MUST be auto unless [global] says top; any other
 *   value or place MUST be an error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "helper/cgroup.h"
#include "helper/place.h"
#include "policy/policy.h"

static void
test_job_path(void **state)
{
	static const char *v1_yes[] = {
		"/slurm/uid_1000/job_7/step_0",
		"/slurm/uid_1000/job_7/step_0/task_3",
		"/slurm_node1/uid_0/job_123/step_batch",
		"/slurm/uid_1/job_2/step_extern/task_0",
	};
	static const char *v1_no[] = {
		"/",
		"",
		"/slurm",
		"/slurm/uid_1000/job_7",
		"/slurm/uid_x/job_7/step_0",
		"/slurm/uid_1000/job_7x/step_0",
		"/user.slice/slurm/uid_1000/job_7/step_0",
		"/slurm//uid_1000/job_7/step_0",
		"slurm/uid_1000/job_7/step_0",
		"/slurm/uid_1000/job_/step_0",
		"/slurm/uid_1000/job_7/stepx",
	};
	static const char *v2_yes[] = {
		"/system.slice/slurmstepd.scope/job_7/step_0/user/task_0",
		"/system.slice/node1_slurmstepd.scope/job_9/step_batch/user/task_0",
		"/system.slice/slurmstepd.scope/job_7/step_0",
	};
	static const char *v2_no[] = {
		"/user.slice/user-1000.slice/job_7/step_0",
		"/system.slice/slurmstepd.scope/job_7",
		"/system.slice/slurmstepd.scope/x/job_7/step_0",
		"/system.slice/slurmstepd.scope/job_x/step_0",
		"/slurm/uid_1000/job_7/step_0",
		"/",
	};

	for (size_t i = 0; i < sizeof(v1_yes) / sizeof(v1_yes[0]); i++)
		assert_true(place_job_path(v1_yes[i], 1));
	for (size_t i = 0; i < sizeof(v1_no) / sizeof(v1_no[0]); i++)
		assert_false(place_job_path(v1_no[i], 1));
	for (size_t i = 0; i < sizeof(v2_yes) / sizeof(v2_yes[0]); i++)
		assert_true(place_job_path(v2_yes[i], 2));
	for (size_t i = 0; i < sizeof(v2_no) / sizeof(v2_no[0]); i++)
		assert_false(place_job_path(v2_no[i], 2));
	assert_false(place_job_path(NULL, 1));
}

static void
test_self_path(void **state)
{
	const char *t = "12:pids:/user.slice/u\n"
			"4:memory:/m\n"
			"3:cpu,cpuacct:/c\n"
			"9:name=systemd:/s\n"
			"0::/v2/path\n";
	char out[64];

	assert_int_equal(place_self_path(t, "", out, sizeof(out)), 0);
	assert_string_equal(out, "/v2/path");
	assert_int_equal(place_self_path(t, "rw,memory", out, sizeof(out)), 0);
	assert_string_equal(out, "/m");
	assert_int_equal(place_self_path(t, "rw,cpu,cpuacct", out, sizeof(out)),
	    0);
	assert_string_equal(out, "/c");
	assert_int_equal(place_self_path(t, "rw,xattr,name=systemd", out,
			     sizeof(out)),
	    0);
	assert_string_equal(out, "/s");
	/* "cpu" alone is not a hierarchy here: cpu,cpuacct is one. */
	assert_int_equal(place_self_path(t, "rw,cpu", out, sizeof(out)), -1);
	assert_int_equal(place_self_path(t, "rw,devices", out, sizeof(out)),
	    -1);
	/* A path that does not fit is an error, never a truncation. */
	assert_int_equal(place_self_path(t, "", out, 4), -1);
	/* No v2 line: none. */
	assert_int_equal(place_self_path("1:pids:/\n", "", out, sizeof(out)),
	    -1);
	assert_int_equal(place_self_path(":pids:/\n::/x", "", out, sizeof(out)),
	    -1);
}

/* cgroup_stat_value: the number after a key of cpu.stat, memory.events. */
static void
test_stat_value(void **state)
{
	const char *t = "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n"
			"oom 2\noom_kill 1\nuser_usecs 9\nbad x\n";

	assert_int_equal(cgroup_stat_value(t, "user_usec"), 1000);
	assert_int_equal(cgroup_stat_value(t, "system_usec"), 500);
	assert_int_equal(cgroup_stat_value(t, "oom_kill"), 1);
	assert_int_equal(cgroup_stat_value(t, "oom"), 2);
	assert_true(cgroup_stat_value(t, "bad") == CGROUP_UNKNOWN);
	assert_true(cgroup_stat_value(t, "missing") == CGROUP_UNKNOWN);
	assert_true(cgroup_stat_value("k 18446744073709551616\n", "k") ==
	    CGROUP_UNKNOWN);
	assert_true(cgroup_stat_value("k 12x\n", "k") == CGROUP_UNKNOWN);
	assert_true(cgroup_stat_value("", "k") == CGROUP_UNKNOWN);
}

/* cgroup_proc_ticks: utime + stime + cutime + cstime of a stat line. */
static void
test_proc_ticks(void **state)
{
	const char *tail = " S 1 7 7 0 -1 4194560 100 0 0 0 7 3 2 1 20 0 1 0 "
			   "12345 1000 10 18446744073709551615\n";
	char line[256];

	(void)state;
	snprintf(line, sizeof(line), "7 (sleep)%s", tail);
	assert_int_equal(cgroup_proc_ticks(line), 13);
	/* A name made to look like the fields: the last ')' ends it. */
	snprintf(line, sizeof(line),
	    "7 (x) S 1 7 7 0 -1 0 0 0 0 0 900 900 900 900)%s", tail);
	assert_int_equal(cgroup_proc_ticks(line), 13);
	snprintf(line, sizeof(line), "7 (a b\n) c)%s", tail);
	assert_int_equal(cgroup_proc_ticks(line), 13);
	assert_true(cgroup_proc_ticks("7 (x) S 1 7 7 0 -1 0 0 0 0 0 7 3 2") ==
	    CGROUP_UNKNOWN);
	assert_true(
	    cgroup_proc_ticks("7 (x) S 1 7 7 0 -1 0 0 0 0 0 7 3 -2 1 20\n") ==
	    CGROUP_UNKNOWN);
	assert_true(
	    cgroup_proc_ticks("7 (x) S 1 7 7 0 -1 0 0 0 0 0 7 3 2x 1 20\n") ==
	    CGROUP_UNKNOWN);
	assert_true(cgroup_proc_ticks("7 x S 1 7 7 0") == CGROUP_UNKNOWN);
	assert_true(cgroup_proc_ticks("") == CGROUP_UNKNOWN);
}

static struct policy *
load(const char *text, int *nerr)
{
	struct policy_errors errs = { NULL, 0 };
	struct policy *p = NULL;

	*nerr = 0;
	if (policy_load_buf(text, strlen(text), "t.ini", &p, &errs) < 0) {
		*nerr = (int)errs.n;
		policy_errors_free(&errs);
		return NULL;
	}
	return p;
}

static enum policy_placement
placement_of(const char *text)
{
	static const char *names[] = { "bob" };
	static gid_t gids[] = { 2000 };
	struct policy_ident id = { .uid = 1000,
		.user = "bob",
		.home = "/home/bob",
		.gids = gids,
		.gnames = names,
		.ngroups = 1 };
	struct ctl_err e;
	struct policy_eff eff;
	enum policy_placement r;
	int nerr;
	struct policy *p = load(text, &nerr);

	assert_non_null(p);
	assert_int_equal(policy_eval(p, &id, &eff, &e), 0);
	r = eff.cgroup_placement;
	policy_eff_free(&eff);
	policy_free(p);
	return r;
}

static void
test_policy_key(void **state)
{
	int nerr;

	assert_int_equal(placement_of("[default]\nimages = a\n"),
	    POLICY_PLACEMENT_AUTO);
	assert_int_equal(placement_of("[global]\ncgroup_placement = auto\n"
				      "[default]\nimages = a\n"),
	    POLICY_PLACEMENT_AUTO);
	assert_int_equal(placement_of("[global]\ncgroup_placement = top\n"
				      "[default]\nimages = a\n"),
	    POLICY_PLACEMENT_TOP);
	assert_null(load("[global]\ncgroup_placement = nested\n", &nerr));
	assert_int_equal(nerr, 1);
	assert_null(load("[default]\ncgroup_placement = top\n", &nerr));
	assert_null(load("[global]\ncgroup_placement = top\n"
			 "cgroup_placement = auto\n",
	    &nerr));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_job_path),
		cmocka_unit_test(test_self_path),
		cmocka_unit_test(test_stat_value),
		cmocka_unit_test(test_proc_ticks),
		cmocka_unit_test(test_policy_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
