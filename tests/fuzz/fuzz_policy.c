/*
 * fuzz_policy.c: libFuzzer target over policy_load_buf() and policy_eval().
 *
 * Invariants checked: loading any bytes MUST either fail with at least one
 * error or yield a policy whose evaluation, image matching and bind checks
 * run without memory errors; a loaded policy's every expanded path MUST be
 * absolute and normal and never "/".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

static void
check_eff(const struct policy_eff *eff)
{
	bool ro;
	struct ctl_err e;

	for (size_t i = 0; i < eff->nbinds; i++)
		if (!policy_path_normal(eff->binds[i].src) ||
		    !policy_path_normal(eff->binds[i].dst) ||
		    strcmp(eff->binds[i].dst, "/") == 0)
			abort();
	for (size_t i = 0; i < eff->nuser_binds; i++)
		if (!policy_path_normal(eff->user_binds[i].path) ||
		    strcmp(eff->user_binds[i].path, "/") == 0)
			abort();
	(void)policy_image_allowed(eff, "busybox:latest", NULL);
	(void)policy_image_allowed(eff, "ghcr.io/org/app:v1", NULL);
	(void)policy_user_bind(eff, "/home/alice/x", POLICY_MODE_RW, &ro, &e);
	(void)policy_user_bind(eff, "/data", POLICY_MODE_DEFAULT, &ro, &e);
	(void)policy_user_bind(eff, "/data/x:y,z", POLICY_MODE_RO, &ro, &e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const gid_t gids[] = { 1000, 1001, 1002 };
	static const char *const gnames[] = { "alice", "datasci", "gpu" };
	static const char *const users[][2] = { { "alice", "/home/alice" },
		{ "..", "/" }, { "bob", "relative" },
		{ "carol", "/home/c:a,r\\ol" } };
	struct policy_errors errs = { NULL, 0 };
	struct policy *p = NULL;

	if (policy_load_buf((const char *)data, size, "fuzz.ini", &p, &errs) <
	    0) {
		if (errs.n == 0 || p != NULL)
			abort();
		policy_errors_free(&errs);
		return 0;
	}
	for (size_t u = 0; u < sizeof(users) / sizeof(users[0]); u++) {
		struct policy_ident id = { 1000, users[u][0], users[u][1], 1000,
			3, gids, gnames };
		struct policy_eff eff;
		struct ctl_err e;

		if (policy_eval(p, &id, &eff, &e) == 0) {
			check_eff(&eff);
			policy_eff_free(&eff);
		}
	}
	policy_free(p);
	return 0;
}
