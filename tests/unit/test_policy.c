/*
 * test_policy.c: unit tests of the policy library (policy.h).
 *
 * Table-driven over every tests/data/policy/good file (each MUST load) and
 * every tests/data/policy/bad file (each MUST be rejected with the error its
 * "; expect: LINE: TEXT" header names), plus the merge rules, templates,
 * path matching, bind grants and image matching.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "policy/policy.h"

#define DATA "tests/data/policy"

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rbe");
	char *buf;

	assert_non_null(f);
	buf = malloc(POLICY_MAX_SIZE + 2);
	assert_non_null(buf);
	*len = fread(buf, 1, POLICY_MAX_SIZE + 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static size_t
each_ini(const char *dir, void (*fn)(const char *path))
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	size_t count = 0;
	char path[512];

	assert_true(n > 0);
	for (int i = 0; i < n; i++) {
		const char *d = names[i]->d_name;
		size_t l = strlen(d);

		if (l > 4 && strcmp(d + l - 4, ".ini") == 0) {
			snprintf(path, sizeof(path), "%s/%s", dir, d);
			fn(path);
			count++;
		}
		free(names[i]);
	}
	free(names);
	return count;
}

static void
good_one(const char *path)
{
	struct policy_errors errs = { NULL, 0 };
	struct policy *p = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	if (policy_load_fd(fd, path, &p, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			print_error("%s:%d: %s\n", path, errs.v[i].line,
			    errs.v[i].msg);
		fail_msg("%s: a good policy was rejected", path);
	}
	close(fd);
	assert_non_null(p);
	assert_int_equal(errs.n, 0);
	policy_free(p);
}

/* A load for one caller (who matches no section) MUST reject a bad file
 * with the same error as a full load. */
static void
bad_one_for(const char *path, int line, const char *text)
{
	static const char *const none[1] = { NULL };
	const struct policy_ident nobody = { 4242, "nobody-of-tests",
		"/nonexistent", 4242, 0, NULL, none };
	struct policy_errors errs = { NULL, 0 };
	struct policy *p = (struct policy *)1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool found = false;

	assert_true(fd >= 0);
	assert_int_equal(policy_load_fd_for(fd, path, &nobody, &p, &errs), -1);
	close(fd);
	assert_null(p);
	for (size_t i = 0; i < errs.n; i++)
		if (errs.v[i].line == line && strstr(errs.v[i].msg, text))
			found = true;
	if (!found)
		fail_msg("%s: load for one caller: expected error %d: %s", path,
		    line, text);
	policy_errors_free(&errs);
}

static void
bad_one(const char *path)
{
	struct policy_errors errs = { NULL, 0 };
	struct policy *p = (struct policy *)1;
	size_t len;
	char *buf = slurp(path, &len), *exp, text[200];
	int line = -1;
	bool found = false;

	exp = memmem(buf, len, "expect: ", 8);
	if (exp == NULL ||
	    sscanf(exp, "expect: %d: %199[^\n]", &line, text) != 2)
		fail_msg("%s: no \"; expect: LINE: TEXT\" header", path);
	assert_int_equal(policy_load_buf(buf, len, path, &p, &errs), -1);
	assert_null(p);
	assert_true(errs.n > 0);
	for (size_t i = 0; i < errs.n; i++) {
		if (errs.v[i].line == line && strstr(errs.v[i].msg, text))
			found = true;
		assert_string_equal(errs.v[i].file, path);
		if (i > 0)
			assert_true(errs.v[i - 1].line <= errs.v[i].line);
	}
	if (!found) {
		for (size_t i = 0; i < errs.n; i++)
			print_error("%s:%d: %s\n", path, errs.v[i].line,
			    errs.v[i].msg);
		fail_msg("%s: expected error %d: %s", path, line, text);
	}
	policy_errors_free(&errs);
	free(buf);
	bad_one_for(path, line, text);
}

static void
test_good_files(void **state)
{
	assert_true(each_ini(DATA "/good", good_one) >= 10);
	good_one("etc/policy.ini"); /* the installed example */
}

static void
test_bad_files(void **state)
{
	assert_true(each_ini(DATA "/bad", bad_one) >= 60);
}

static struct policy *
load(const char *text)
{
	struct policy_errors errs = { NULL, 0 };
	struct policy *p = NULL;

	if (policy_load_buf(text, strlen(text), "t.ini", &p, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			print_error("t.ini:%d: %s\n", errs.v[i].line,
			    errs.v[i].msg);
		policy_errors_free(&errs);
		fail_msg("policy rejected");
	}
	return p;
}

static int
load_fails(const char *text, int line, const char *sub)
{
	struct policy_errors errs = { NULL, 0 };
	struct policy *p = NULL;
	int found = 0;

	if (policy_load_buf(text, strlen(text), "t.ini", &p, &errs) == 0) {
		policy_free(p);
		return 0;
	}
	for (size_t i = 0; i < errs.n; i++)
		if (errs.v[i].line == line && strstr(errs.v[i].msg, sub))
			found = 1;
	policy_errors_free(&errs);
	return found;
}

/* An identity: user NAME, uid 1000, home HOME, GROUPS space-separated
 * (the first is the primary, gid 2000). */
struct tid {
	struct policy_ident id;
	gid_t gids[8];
	const char *names[8];
	char buf[256];
};

static const struct policy_ident *
mkid(struct tid *t, const char *user, const char *home, const char *groups)
{
	char *save = NULL, *g;
	size_t n = 0;

	memset(t, 0, sizeof(*t));
	snprintf(t->buf, sizeof(t->buf), "%s", groups);
	for (g = strtok_r(t->buf, " ", &save); g != NULL && n < 8;
	     g = strtok_r(NULL, " ", &save)) {
		t->gids[n] = (gid_t)(2000 + n);
		t->names[n] = g;
		n++;
	}
	t->id.uid = 1000;
	t->id.user = user;
	t->id.home = home;
	t->id.gid = 2000;
	t->id.ngroups = n;
	t->id.gids = t->gids;
	t->id.gnames = t->names;
	return &t->id;
}

static void
eval_ok(const struct policy *p, const struct policy_ident *id,
    struct policy_eff *eff)
{
	struct ctl_err e;

	memset(&e, 0, sizeof(e));
	if (policy_eval(p, id, eff, &e) < 0)
		fail_msg("policy_eval: %s", e.msg);
}

static const char design[] = "[global]\n"
			     "max_total_containers = 64\n"
			     "[default]\n"
			     "images = busybox\n"
			     "max_containers = 4\n"
			     "binds = %h:%h\n"
			     "user_binds = %h\n"
			     "cpus = 1\n"
			     "memory = 2G\n"
			     "pids = 256\n"
			     "tmpfs_size = 256M\n"
			     "network = host\n"
			     "[group:datasci]\n"
			     "images = jupyter*, ubuntu:*\n"
			     "user_binds = /data:ro, /scratch/%u\n"
			     "cpus = 4\n"
			     "memory = 16G\n"
			     "[group:gpu]\n"
			     "cpus = 2\n"
			     "memory = 64G\n"
			     "pids = 100\n"
			     "images = cuda\n"
			     "seccomp = unconfined\n"
			     "[user:alice]\n"
			     "memory = 32G\n"
			     "[user:mallory]\n"
			     "deny = yes\n";

static void
test_merge_two_groups(void **state)
{
	struct policy *p;
	struct policy_eff eff;
	struct tid t;
	const char *m = "[default]\nimages = busybox\nmemory = 2G\n"
			"[group:datasci]\nimages = jupyter*\ncpus = 4\n"
			"memory = 16G\n[group:gpu]\ncpus = 2\nmemory = 64G\n"
			"images = cuda\nseccomp = unconfined\n";

	p = load(m);
	eval_ok(p, mkid(&t, "bob", "/home/bob", "bob datasci gpu"), &eff);
	assert_false(eff.denied);
	assert_int_equal(eff.nimages, 3); /* union of the lists */
	assert_string_equal(eff.images[0].pattern, "busybox:*");
	assert_string_equal(eff.images[0].from, "[default]");
	assert_string_equal(eff.images[1].pattern, "jupyter*:*");
	assert_string_equal(eff.images[2].from, "[group:gpu]");
	assert_int_equal(eff.cpus.v, 4000); /* the largest group */
	assert_string_equal(eff.cpus.from, "[group:datasci]");
	assert_int_equal(eff.memory.v, 64ull << 30);
	assert_string_equal(eff.memory.from, "[group:gpu]");
	assert_int_equal(eff.pids.v, 256); /* built-in */
	assert_string_equal(eff.pids.from, "built-in");
	assert_int_equal(eff.seccomp, POLICY_SECCOMP_UNCONFINED);
	policy_eff_free(&eff);

	/* a group's value beats [default] even when it is smaller */
	policy_free(p);
	p = load("[default]\nimages = a\ncpus = 8\n[group:g]\ncpus = 1\n");
	eval_ok(p, mkid(&t, "bob", "/home/bob", "bob g"), &eff);
	assert_int_equal(eff.cpus.v, 1000);
	policy_eff_free(&eff);
	policy_free(p);
}

static void
test_user_overrides(void **state)
{
	struct policy *p = load(design);
	struct policy_eff eff;
	struct tid t;

	eval_ok(p, mkid(&t, "alice", "/home/alice", "alice datasci gpu"), &eff);
	assert_int_equal(eff.memory.v, 32ull << 30);
	assert_string_equal(eff.memory.from, "[user:alice]");
	assert_int_equal(eff.max_total_containers.v, 64);
	assert_string_equal(eff.max_total_containers.from, "[global]");
	policy_eff_free(&eff);
	policy_free(p);
}

static void
test_deny_wins(void **state)
{
	struct policy *p = load(design);
	struct policy_eff eff;
	struct tid t;

	/* deny = yes then deny = no in one section is a repeated key */
	assert_false(p == NULL);
	policy_free(p);
	p = load("[default]\nimages = busybox\n[group:bad]\ndeny = yes\n"
		 "[user:carol]\ndeny = no\nimages = *\n");
	eval_ok(p, mkid(&t, "carol", "/home/carol", "carol bad"), &eff);
	assert_true(eff.denied);
	assert_string_equal(eff.deny_from, "[group:bad]");
	assert_non_null(strstr(eff.deny_reason, "[group:bad]"));
	assert_false(policy_image_allowed(&eff, "busybox:latest", NULL));
	policy_eff_free(&eff);
	/* not in the group: allowed */
	eval_ok(p, mkid(&t, "carol", "/home/carol", "carol"), &eff);
	assert_false(eff.denied);
	assert_true(policy_image_allowed(&eff, "anything:1", NULL));
	policy_eff_free(&eff);
	policy_free(p);

	p = load("[default]\nimages = busybox\ndeny = yes\n[user:dan]\n"
		 "images = alpine\n");
	eval_ok(p, mkid(&t, "dan", "/home/dan", "dan"), &eff);
	assert_true(eff.denied);
	assert_string_equal(eff.deny_from, "[default]");
	policy_eff_free(&eff);
	policy_free(p);
}

static void
test_repeated_deny_is_error(void **state)
{
	assert_true(load_fails("[user:m]\ndeny = yes\ndeny = no\n", 3,
	    "deny repeated in this section (first at line 2)"));
}

static void
test_no_image_denied(void **state)
{
	struct policy *p = load("[default]\ncpus = 1\n[group:x]\n"
				"images = busybox\n");
	struct policy_eff eff;
	struct tid t;

	eval_ok(p, mkid(&t, "eve", "/home/eve", "eve"), &eff);
	assert_true(eff.denied);
	assert_string_equal(eff.deny_reason, "no image granted by the policy");
	policy_eff_free(&eff);
	eval_ok(p, mkid(&t, "eve", "/home/eve", "eve x"), &eff);
	assert_false(eff.denied);
	policy_eff_free(&eff);
	policy_free(p);

	/* an empty policy denies everyone */
	p = load("");
	eval_ok(p, mkid(&t, "eve", "/home/eve", "eve"), &eff);
	assert_true(eff.denied);
	policy_eff_free(&eff);
	policy_free(p);
}

static void
test_builtin_defaults(void **state)
{
	struct policy *p = load("[default]\nimages = busybox\n");
	struct policy_eff eff;
	struct tid t;

	eval_ok(p, mkid(&t, "eve", "/home/eve", "eve"), &eff);
	assert_int_equal(eff.cpus.v, 1000);
	assert_int_equal(eff.memory.v, 1ull << 30);
	assert_int_equal(eff.pids.v, 256);
	assert_int_equal(eff.tmpfs_size.v, 256ull << 20);
	assert_int_equal(eff.max_ptys.v, 64);
	assert_int_equal(eff.max_containers.v, 4);
	assert_true(eff.user_cpus.v == POLICY_UNLIMITED);
	assert_true(eff.user_memory.v == POLICY_UNLIMITED);
	assert_true(eff.user_pids.v == POLICY_UNLIMITED);
	assert_int_equal(eff.max_total_containers.v, 64);
	assert_int_equal(eff.seccomp, POLICY_SECCOMP_DEFAULT);
	assert_false(eff.net_host);
	assert_string_equal(eff.cpus.from, "built-in");
	policy_eff_free(&eff);
	policy_free(p);
}

static void
test_seccomp_merge(void **state)
{
	struct policy *p = load(
	    "[default]\nimages = a\nseccomp = unconfined\n[group:a]\n"
	    "seccomp = unconfined\n[group:b]\nseccomp = default\n"
	    "[user:u]\nseccomp = unconfined\n");
	struct policy_eff eff;
	struct tid t;

	/* most restrictive group wins over another group */
	eval_ok(p, mkid(&t, "v", "/home/v", "v a b"), &eff);
	assert_int_equal(eff.seccomp, POLICY_SECCOMP_DEFAULT);
	assert_string_equal(eff.seccomp_from, "[group:b]");
	policy_eff_free(&eff);
	/* a group beats [default] */
	eval_ok(p, mkid(&t, "v", "/home/v", "v b"), &eff);
	assert_int_equal(eff.seccomp, POLICY_SECCOMP_DEFAULT);
	policy_eff_free(&eff);
	/* [default] when no group sets it */
	eval_ok(p, mkid(&t, "v", "/home/v", "v"), &eff);
	assert_int_equal(eff.seccomp, POLICY_SECCOMP_UNCONFINED);
	assert_string_equal(eff.seccomp_from, "[default]");
	policy_eff_free(&eff);
	/* [user:] overrides */
	eval_ok(p, mkid(&t, "u", "/home/u", "u b"), &eff);
	assert_int_equal(eff.seccomp, POLICY_SECCOMP_UNCONFINED);
	policy_eff_free(&eff);
	policy_free(p);
}

static void
test_network(void **state)
{
	struct policy *p = load("[default]\nimages = a\nnetwork = none\n"
				"[group:net]\nnetwork = host\n");
	struct policy_eff eff;
	struct tid t;

	eval_ok(p, mkid(&t, "v", "/home/v", "v"), &eff);
	assert_false(eff.net_host);
	policy_eff_free(&eff);
	eval_ok(p, mkid(&t, "v", "/home/v", "v net"), &eff);
	assert_true(eff.net_host);
	assert_string_equal(eff.net_from, "[group:net]");
	policy_eff_free(&eff);
	policy_free(p);
}

static void
test_templates(void **state)
{
	struct policy *p = load("[default]\nimages = a\nbinds = %h:%h, "
				"/srv/%g/%U:/srv:ro\n"
				"user_binds = /scratch/%u, /p%%/%u:ro\n");
	struct policy_eff eff;
	struct tid t;

	eval_ok(p, mkid(&t, "alice", "/home/alice", "staff"), &eff);
	assert_int_equal(eff.nbinds, 2);
	assert_string_equal(eff.binds[0].src, "/home/alice");
	assert_string_equal(eff.binds[0].dst, "/home/alice");
	assert_false(eff.binds[0].ro);
	assert_string_equal(eff.binds[1].src, "/srv/staff/1000");
	assert_true(eff.binds[1].ro);
	assert_int_equal(eff.binds[1].line, 3);
	assert_int_equal(eff.nuser_binds, 2);
	assert_string_equal(eff.user_binds[0].path, "/scratch/alice");
	assert_string_equal(eff.user_binds[1].path, "/p%/alice");
	assert_true(eff.user_binds[1].ro);
	assert_int_equal(eff.nnotes, 0);
	policy_eff_free(&eff);

	/* a home of "/" or a relative home makes %h entries unusable */
	eval_ok(p, mkid(&t, "alice", "/", "staff"), &eff);
	assert_int_equal(eff.nbinds, 1);
	assert_string_equal(eff.binds[0].src, "/srv/staff/1000");
	assert_int_equal(eff.nnotes, 1);
	assert_int_equal(eff.notes[0].line, 3);
	policy_eff_free(&eff);
	eval_ok(p, mkid(&t, "alice", "home/alice", "staff"), &eff);
	assert_int_equal(eff.nbinds, 1);
	policy_eff_free(&eff);
	eval_ok(p, mkid(&t, "alice", "/home//alice", "staff"), &eff);
	assert_int_equal(eff.nbinds, 1);
	policy_eff_free(&eff);

	/* a user name that is "..", empty or has a '/' never widens */
	eval_ok(p, mkid(&t, "..", "/home/x", "staff"), &eff);
	assert_int_equal(eff.nuser_binds, 0);
	assert_int_equal(eff.nnotes, 2);
	policy_eff_free(&eff);
	eval_ok(p, mkid(&t, "a/b", "/home/x", "staff"), &eff);
	assert_int_equal(eff.nuser_binds, 0);
	policy_eff_free(&eff);
	eval_ok(p, mkid(&t, "", "/home/x", "staff"), &eff);
	assert_int_equal(eff.nuser_binds, 0);
	policy_eff_free(&eff);
	/* a group name of ".." drops the %g bind */
	eval_ok(p, mkid(&t, "alice", "/home/alice", ".."), &eff);
	assert_int_equal(eff.nbinds, 1);
	policy_eff_free(&eff);
	/* a long group name is used whole, never cut to another's */
	{
		char g[101];

		memset(g, 'g', 100);
		g[100] = '\0';
		eval_ok(p, mkid(&t, "alice", "/home/alice", g), &eff);
		assert_int_equal(eff.nbinds, 2);
		assert_int_equal(strlen(eff.binds[1].src),
		    strlen("/srv//1000") + 100);
		policy_eff_free(&eff);
	}
	policy_free(p);
}

static void
test_duplicate_destination(void **state)
{
	struct policy *p = load("[default]\nimages = a\nbinds = %h:/work\n"
				"[group:g]\nbinds = /srv:/work:ro\n"
				"[group:h]\nbinds = /opt:/opt\n");
	struct policy_eff eff;
	struct ctl_err e;
	struct tid t;

	memset(&e, 0, sizeof(e));
	assert_int_equal(policy_eval(p, mkid(&t, "a", "/home/a", "a g"), &eff,
			     &e),
	    -1);
	assert_non_null(strstr(e.msg, "/work bound twice"));
	assert_int_equal(e.line, 5);
	/* without the group there is no clash */
	eval_ok(p, mkid(&t, "a", "/home/a", "a h"), &eff);
	assert_int_equal(eff.nbinds, 2);
	policy_eff_free(&eff);
	policy_free(p);

	/* the same destination twice in one section */
	p = load("[default]\nimages = a\nbinds = /a:/x\nbinds = /b:/x\n");
	assert_int_equal(policy_eval(p, mkid(&t, "a", "/home/a", "a"), &eff,
			     &e),
	    -1);
	assert_int_equal(e.line, 4);
	policy_free(p);
}

static void
test_group_dedup_and_unknown(void **state)
{
	struct policy *p = load("[default]\nimages = a\n[group:g]\n"
				"images = b\n");
	struct policy_eff eff;
	struct tid t;

	/* the primary group also listed as supplementary counts once */
	eval_ok(p, mkid(&t, "a", "/home/a", "g g zz"), &eff);
	assert_int_equal(eff.nimages, 2);
	policy_eff_free(&eff);
	policy_free(p);
}

static void
test_path_normal_covers(void **state)
{
	static const struct {
		const char *p;
		bool ok;
	} n[] = { { "/", true }, { "/a", true }, { "/a/b.c/d", true },
		{ "/a/..b", true }, { "", false }, { "a", false },
		{ "/a/", false }, { "//a", false }, { "/a//b", false },
		{ "/a/.", false }, { "/a/..", false }, { "/./a", false },
		{ "/../a", false } };
	static const struct {
		const char *pre, *path;
		bool cov;
	} c[] = { { "/scratch/al", "/scratch/alice", false },
		{ "/scratch/al", "/scratch/al", true },
		{ "/scratch/al", "/scratch/al/x", true },
		{ "/scratch", "/scratch2", false },
		{ "/scratch/alice", "/scratch", false },
		{ "/", "/anything", true }, { "/a", "/b/a", false } };

	for (size_t i = 0; i < sizeof(n) / sizeof(n[0]); i++)
		if (policy_path_normal(n[i].p) != n[i].ok)
			fail_msg("policy_path_normal(\"%s\") != %d", n[i].p,
			    n[i].ok);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		if (policy_path_covers(c[i].pre, c[i].path) != c[i].cov)
			fail_msg("policy_path_covers(%s, %s) != %d", c[i].pre,
			    c[i].path, c[i].cov);
}

static void
test_user_bind(void **state)
{
	struct policy *p = load("[default]\nimages = a\n"
				"user_binds = /data:ro, /scratch/al, %h\n"
				"[group:rw]\nuser_binds = /data/shared:rw\n");
	struct policy_eff eff;
	struct ctl_err e;
	struct tid t;
	bool ro = false;

	eval_ok(p, mkid(&t, "alice", "/home/alice", "alice"), &eff);
	/* default mode under a read-only grant: read-only */
	assert_int_equal(policy_user_bind(&eff, "/data/x", POLICY_MODE_DEFAULT,
			     &ro, &e),
	    0);
	assert_true(ro);
	/* :rw under a read-only grant: refused */
	assert_int_equal(policy_user_bind(&eff, "/data/x", POLICY_MODE_RW, &ro,
			     &e),
	    -1);
	assert_non_null(strstr(e.msg, "read-only"));
	/* :ro is always fine */
	assert_int_equal(policy_user_bind(&eff, "/home/alice/p", POLICY_MODE_RO,
			     &ro, &e),
	    0);
	assert_true(ro);
	/* default under a rw grant: rw */
	assert_int_equal(policy_user_bind(&eff, "/home/alice",
			     POLICY_MODE_DEFAULT, &ro, &e),
	    0);
	assert_false(ro);
	/* component matching */
	assert_int_equal(policy_user_bind(&eff, "/scratch/alice",
			     POLICY_MODE_DEFAULT, &ro, &e),
	    -1);
	assert_int_equal(policy_user_bind(&eff, "/home/alicex",
			     POLICY_MODE_DEFAULT, &ro, &e),
	    -1);
	assert_int_equal(policy_user_bind(&eff, "/home/alice/../bob",
			     POLICY_MODE_DEFAULT, &ro, &e),
	    -1);
	assert_int_equal(policy_user_bind(&eff, "/etc", POLICY_MODE_RO, &ro,
			     &e),
	    -1);
	policy_eff_free(&eff);
	/* a rw grant deeper than a ro one: rw allowed there */
	eval_ok(p, mkid(&t, "alice", "/home/alice", "alice rw"), &eff);
	assert_int_equal(policy_user_bind(&eff, "/data/shared/x",
			     POLICY_MODE_RW, &ro, &e),
	    0);
	assert_false(ro);
	assert_int_equal(policy_user_bind(&eff, "/data/other", POLICY_MODE_RW,
			     &ro, &e),
	    -1);
	policy_eff_free(&eff);
	policy_free(p);
}

static void
test_image_allowed(void **state)
{
	struct policy *p = load("[default]\nimages = busybox, "
				"docker.io/library/alpine:3.19, jupyter*\n"
				"images = localhost/mine, ghcr.io/org/*:v1\n"
				"images = ubuntu:2?.04\n");
	struct policy_eff eff;
	struct tid t;
	policy_from from = NULL;
	static const struct {
		const char *canon;
		bool ok;
	} c[] = { { "busybox:latest", true }, { "busybox:1.36", true },
		{ "busyboxx:latest", false }, { "alpine:3.19", true },
		{ "alpine:3.18", false }, { "jupyter:latest", true },
		{ "jupyter/scipy:x", false }, { "mine:latest", true },
		{ "ghcr.io/org/app:v1", true }, { "ghcr.io/org/app:v2", false },
		{ "ubuntu:22.04", true }, { "ubuntu:22.10", false },
		{ "other/busybox:latest", false },
		{ "busybox:5000/x/y:z", false },
		{ "busybox/sub:latest", false } };

	eval_ok(p, mkid(&t, "a", "/home/a", "a"), &eff);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		if (policy_image_allowed(&eff, c[i].canon, &from) != c[i].ok)
			fail_msg("image %s: expected %d", c[i].canon, c[i].ok);
	assert_string_equal(from, "[default]");
	policy_eff_free(&eff);
	policy_free(p);
}

static void
test_parse_cpus(void **state)
{
	static const struct {
		const char *s;
		int r;
		uint64_t v;
	} cp[] = { { "1", 0, 1000 }, { "1.5", 0, 1500 }, { "0.25", 0, 250 },
		{ "2.125", 0, 2125 }, { "0.001", 0, 1 }, { "1.0001", -1, 0 },
		{ ".5", -1, 0 }, { "1.", -1, 0 }, { "1.2.3", -1, 0 },
		{ "-1", -1, 0 }, { "", -1, 0 }, { "1e3", -1, 0 },
		{ "18446744073709551615", -1, 0 } };
	uint64_t v;

	for (size_t i = 0; i < sizeof(cp) / sizeof(cp[0]); i++) {
		v = 7;
		if (policy_parse_cpus(cp[i].s, &v) != cp[i].r ||
		    (cp[i].r == 0 && v != cp[i].v))
			fail_msg("policy_parse_cpus(\"%s\")", cp[i].s);
	}
}

static void
test_inih_hazards_inline(void **state)
{
	char line[400];

	/* 190 bytes pass, 191 fail; a 199-byte line would be split by inih */
	memset(line, 0, sizeof(line));
	strcpy(line, "[default]\nimages = ");
	memset(line + strlen(line), 'a', 191 - 9);
	strcat(line, "\n");
	assert_true(load_fails(line, 2, "longer than 190 bytes"));
	line[strlen(line) - 2] = '\n';
	line[strlen(line) - 1] = '\0';
	{
		struct policy *p = load(line);

		policy_free(p);
	}
	assert_true(load_fails("[default]\nmax_ptys = 0\n", 2, "max_ptys"));
	assert_true(load_fails("[default]\nmax_ptys = 4097\n", 2, "max_ptys"));
	assert_true(load_fails("[default]\nimages = a\n\tb\n", 3, "indented"));
	assert_true(load_fails("[default]\nimages : a\n", 2, "':'"));
	assert_true(load_fails("[default]\nimages = a;b\n", 2, "';'"));
	assert_true(load_fails("[default]\nimages = a\r\n", 2, "carriage"));
	assert_true(load_fails("[default]\x1b\n", 1, "control"));
	/* every error is collected, in line order */
	{
		struct policy_errors errs = { NULL, 0 };
		struct policy *p = NULL;
		const char *t = "[default]\nx = 1\ny = 2\n[nope]\n";

		assert_int_equal(policy_load_buf(t, strlen(t), "t", &p, &errs),
		    -1);
		assert_int_equal(errs.n, 3);
		assert_int_equal(errs.v[0].line, 2);
		assert_int_equal(errs.v[1].line, 3);
		assert_int_equal(errs.v[2].line, 4);
		policy_errors_free(&errs);
	}
}

static void
test_too_large(void **state)
{
	size_t n = POLICY_MAX_SIZE + 1;
	char *buf = malloc(n);
	struct policy_errors errs = { NULL, 0 };
	struct policy *p = NULL;
	int fds[2];

	assert_non_null(buf);
	memset(buf, '\n', n);
	assert_int_equal(policy_load_buf(buf, n, "big", &p, &errs), -1);
	assert_non_null(strstr(errs.v[0].msg, "larger than"));
	policy_errors_free(&errs);
	/* exactly the limit of blank lines loads */
	assert_int_equal(policy_load_buf(buf, n - 1, "big", &p, &errs), 0);
	policy_free(p);
	/* load_fd reads at most the limit + 1 */
	{
		FILE *f = tmpfile();

		assert_non_null(f);
		assert_int_equal(fwrite(buf, 1, n, f), n);
		fflush(f);
		fds[0] = dup(
		    fileno(f)); /* cppcheck-suppress leakReturnValNotUsed */
		lseek(fds[0], 0, SEEK_SET);
		assert_int_equal(policy_load_fd(fds[0], "big", &p, &errs), -1);
		policy_errors_free(&errs);
		close(fds[0]);
		fclose(f);
	}
	free(buf);
}

/* The file is read whatever fstat says of its size: a pipe (size 0) of
 * more than the first buffer loads whole; a read error and a finding in
 * the file are told apart (policy_errors_errno). */
static void
test_load_fd_read(void **state)
{
	struct policy_errors errs = { NULL, 0 };
	struct policy *p = NULL;
	char *text = NULL, path[] = "/tmp/ctl-unit-policy-XXXXXX";
	size_t len = 0;
	int fds[2], fd;
	FILE *m = open_memstream(&text, &len);

	(void)state;
	assert_non_null(m);
	fputs("[default]\nimages = busybox\n", m);
	for (int i = 0; i < 400; i++)
		fprintf(m, "[user:u%03d]\nmax_containers = %d\n", i, i % 9 + 1);
	fclose(m);
	assert_true(len > 3 * 4096);
	assert_int_equal(pipe(fds), 0);
	assert_true(len < 65536); /* the pipe holds it all */
	assert_int_equal(write(fds[1], text, len), (ssize_t)len);
	close(fds[1]);
	assert_int_equal(policy_load_fd(fds[0], "pipe", &p, &errs), 0);
	close(fds[0]);
	assert_int_equal(policy_nsections(p), 401);
	policy_free(p);
	p = NULL;
	/* A read that fails: the machine's failure, with its errno. */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(policy_load_fd(fd, path, &p, &errs), -1);
	assert_null(p);
	assert_int_equal(policy_errors_errno(&errs), EBADF);
	policy_errors_free(&errs);
	close(fd);
	unlink(path);
	/* A finding in the file is not. */
	assert_int_equal(policy_load_buf("[default]\nbogus = 1\n", 20, "t", &p,
			     &errs),
	    -1);
	assert_true(errs.n > 0);
	assert_int_equal(policy_errors_errno(&errs), 0);
	policy_errors_free(&errs);
	free(text);
}

/* Loads TEXT through a file for one caller (policy_load_fd_for). */
static int
load_for(const char *text, const struct policy_ident *id, struct policy **p,
    char *msg, size_t msglen)
{
	struct policy_errors errs = { NULL, 0 };
	char path[] = "/tmp/test_policy_for.XXXXXX";
	int fd = mkstemp(path), r;

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	r = policy_load_fd_for(fd, "t.ini", id, p, &errs);
	close(fd);
	snprintf(msg, msglen, "%d: %s", errs.n ? errs.v[0].line : -1,
	    errs.n ? errs.v[0].msg : "");
	policy_errors_free(&errs);
	return r;
}

static void
test_load_for_one_caller(void **state)
{
	struct policy *full, *mine;
	struct policy_eff a, b;
	struct tid t;
	char msg[400], text[4096];
	const struct policy_ident *id;

	snprintf(text, sizeof(text),
	    "%s[user:zed]\nimages = zimg\n[group:other]\nmemory = 3G\n"
	    "[user:bob]\nimages = bobimg\nmemory = 8G\n",
	    design);
	id = mkid(&t, "bob", "/home/bob", "bob datasci gpu");
	full = load(text);
	assert_int_equal(load_for(text, id, &mine, msg, sizeof(msg)), 0);
	/* Only [global], [default], the two groups and [user:bob]. */
	assert_int_equal(policy_nsections(mine), 5);
	assert_true(policy_nsections(full) > policy_nsections(mine));
	eval_ok(full, id, &a);
	eval_ok(mine, id, &b);
	assert_int_equal(a.nimages, b.nimages);
	for (size_t i = 0; i < a.nimages; i++)
		assert_string_equal(a.images[i].pattern, b.images[i].pattern);
	assert_int_equal(a.nbinds, b.nbinds);
	assert_int_equal(a.nuser_binds, b.nuser_binds);
	assert_int_equal(a.memory.v, b.memory.v);
	assert_string_equal(a.memory.from, b.memory.from);
	assert_int_equal(a.cpus.v, b.cpus.v);
	assert_int_equal(a.pids.v, b.pids.v);
	assert_int_equal(a.seccomp, b.seccomp);
	assert_int_equal(a.net_host, b.net_host);
	assert_int_equal(a.denied, b.denied);
	policy_eff_free(&a);
	policy_eff_free(&b);
	policy_free(full);
	policy_free(mine);

	/* Sections dropped for this caller are still checked whole. */
	assert_int_equal(load_for("[default]\nimages = a\n[user:zed]\n"
				  "images = b\n[user:zed]\nimages = c\n",
			     id, &mine, msg, sizeof(msg)),
	    -1);
	assert_non_null(strstr(msg,
	    "5: section [user:zed] repeated "
	    "(first at line 3)"));
	assert_int_equal(load_for("[default]\nimages = a\n[group:zz]\n"
				  "memory = lots\n",
			     id, &mine, msg, sizeof(msg)),
	    -1);
	assert_non_null(strstr(msg, "4: bad memory value"));
}

static void
test_10000_sections(void **state)
{
	size_t cap = 16 << 20, n = 0;
	char *buf = malloc(cap);
	struct policy *p;
	struct policy_eff eff;
	struct tid t;
	clock_t t0, t1, t2;

	assert_non_null(buf);
	n += (size_t)snprintf(buf + n, cap - n,
	    "[default]\nimages = busybox\n");
	for (int i = 0; i < 5000; i++)
		n += (size_t)snprintf(buf + n, cap - n,
		    "[user:u%d]\nmemory = %dM\n[group:g%d]\nimages = img%d\n"
		    "cpus = %d\n",
		    i, 100 + i, i, i, 1 + i % 8);
	t0 = clock();
	p = load(buf);
	t1 = clock();
	assert_int_equal(policy_nsections(p), 10001);
	for (int i = 0; i < 1000; i++) {
		eval_ok(p, mkid(&t, "u4999", "/home/u", "g1 g2 g4998 nope"),
		    &eff);
		assert_int_equal(eff.nimages, 4);
		assert_int_equal(eff.memory.v, 5099ull << 20);
		assert_int_equal(eff.cpus.v, 7000);
		policy_eff_free(&eff);
	}
	t2 = clock();
	print_message("# 10,001 sections: load %.1f ms, eval %.3f ms each\n",
	    (double)(t1 - t0) * 1000 / CLOCKS_PER_SEC,
	    (double)(t2 - t1) * 1000 / CLOCKS_PER_SEC / 1000);
	{
		enum policy_section_kind k;
		const char *name;
		int line;

		assert_int_equal(policy_section(p, 1, &k, &name, &line), 0);
		assert_int_equal(k, POLICY_SEC_USER);
		assert_string_equal(name, "u0");
		assert_int_equal(line, 3);
		assert_int_equal(policy_section(p, 10001, &k, &name, &line),
		    -1);
	}
	policy_free(p);
	free(buf);
}

static void
test_many_errors_and_binds(void **state)
{
	size_t cap = 4 << 20, n = 0;
	char *buf = malloc(cap);
	struct policy_errors errs = { NULL, 0 };
	struct policy *p = NULL;
	struct policy_eff eff;
	struct ctl_err e;
	struct tid t;

	assert_non_null(buf);
	/* 100,000 bad lines: the error list stays bounded */
	for (int i = 0; i < 100000; i++)
		n += (size_t)snprintf(buf + n, cap - n, "x\n");
	assert_int_equal(policy_load_buf(buf, n, "t", &p, &errs), -1);
	assert_int_equal(errs.n, POLICY_MAX_ERRORS);
	assert_string_equal(errs.v[errs.n - 1].msg,
	    "too many errors; stopping here");
	policy_errors_free(&errs);

	/* 20,000 binds: distinct destinations pass, one clash is found */
	n = (size_t)snprintf(buf, cap, "[default]\nimages = a\n");
	for (int i = 0; i < 20000; i++)
		n += (size_t)snprintf(buf + n, cap - n, "binds = /s:/d/%d\n",
		    i);
	p = load(buf);
	eval_ok(p, mkid(&t, "a", "/home/a", "a"), &eff);
	assert_int_equal(eff.nbinds, 20000);
	policy_eff_free(&eff);
	policy_free(p);
	n += (size_t)snprintf(buf + n, cap - n, "binds = /t:/d/7\n");
	p = load(buf);
	memset(&e, 0, sizeof(e));
	assert_int_equal(policy_eval(p, mkid(&t, "a", "/home/a", "a"), &eff,
			     &e),
	    -1);
	assert_non_null(strstr(e.msg, "/d/7 bound twice"));
	assert_int_equal(e.line, 20003);
	policy_free(p);
	free(buf);
}

static void
test_trust(void **state)
{
	struct ctl_err e;
	int fd;

	memset(&e, 0, sizeof(e));
	assert_int_equal(policy_open_trusted("relative/policy.ini", &e), -1);
	assert_non_null(strstr(e.msg, "absolute"));
	assert_int_equal(policy_open_trusted("/etc/../etc/passwd", &e), -1);
	assert_int_equal(policy_open_trusted("/", &e), -1);
	if (getuid() == 0 || access("/tmp", W_OK) == 0) {
		char path[] = "/tmp/policy-trust-XXXXXX";
		int t = mkstemp(path);

		assert_true(t >= 0);
		close(t);
		assert_int_equal(policy_open_trusted(path, &e), -1);
		assert_non_null(strstr(e.msg, "other-writable"));
		unlink(path);
	}
	fd = policy_open_trusted("/etc/passwd", &e);
	if (fd >= 0)
		close(fd);
	else
		print_message("# /etc/passwd refused here: %s\n", e.msg);
	assert_int_equal(policy_open_trusted("/dev/null", &e), -1);
	assert_non_null(strstr(e.msg, "regular"));
	/* a symlinked directory on the way (merged /usr: /lib -> usr/lib) */
	{
		struct stat st;

		if (lstat("/lib", &st) == 0 && S_ISLNK(st.st_mode) &&
		    access("/lib/os-release", R_OK) == 0) {
			assert_int_equal(policy_open_trusted("/lib/os-release",
					     &e),
			    -1);
			assert_non_null(strstr(e.msg, "symlink"));
			fd = policy_open_trusted("/usr/lib/os-release", &e);
			assert_true(fd >= 0);
			close(fd);
		} else {
			print_message("# no symlinked /lib here\n");
		}
	}
}

/* binds and user_binds: "\:", "\," and "\\" escape a path's ':', ',' and
 * '\'; the stored paths are unescaped; any other escape is an error. */
static void
test_bind_escapes(void **state)
{
	struct policy *p = load(
	    "[default]\nimages = a\n"
	    "binds = /srv/a\\:b\\,c:/mnt/a\\:b:ro, %h/x\\\\y:/x\\,y\n"
	    "user_binds = /data/x\\:y\\,z:ro, /d\\\\, /e\\:rw\n");
	struct policy_eff eff;
	struct ctl_err e;
	struct tid t;
	bool ro = false;

	eval_ok(p, mkid(&t, "alice", "/home/alice", "alice"), &eff);
	assert_int_equal(eff.nbinds, 2);
	assert_string_equal(eff.binds[0].src, "/srv/a:b,c");
	assert_string_equal(eff.binds[0].dst, "/mnt/a:b");
	assert_true(eff.binds[0].ro);
	assert_string_equal(eff.binds[1].src, "/home/alice/x\\y");
	assert_string_equal(eff.binds[1].dst, "/x,y");
	assert_false(eff.binds[1].ro);
	assert_int_equal(eff.nuser_binds, 3);
	assert_string_equal(eff.user_binds[0].path, "/data/x:y,z");
	assert_true(eff.user_binds[0].ro);
	assert_string_equal(eff.user_binds[1].path, "/d\\");
	assert_false(eff.user_binds[1].ro);
	/* an escaped ':' is part of the path, not a mode */
	assert_string_equal(eff.user_binds[2].path, "/e:rw");
	assert_false(eff.user_binds[2].ro);
	memset(&e, 0, sizeof(e));
	assert_int_equal(policy_user_bind(&eff, "/data/x:y,z/f",
			     POLICY_MODE_DEFAULT, &ro, &e),
	    0);
	assert_true(ro);
	assert_int_equal(policy_user_bind(&eff, "/data/x", POLICY_MODE_DEFAULT,
			     &ro, &e),
	    -1);
	policy_eff_free(&eff);
	policy_free(p);

	/* any other backslash sequence is an error with its line */
	assert_true(load_fails("[default]\nimages = a\nbinds = /a\\b:/b\n", 3,
	    "bad escape \"\\b\" in the binds list"));
	assert_true(load_fails("[default]\nimages = a\n\nuser_binds = /a\\%\n",
	    4, "bad escape \"\\%\" in the user_binds list"));
	assert_true(load_fails("[default]\nimages = a\nbinds = /a:/b\\\n", 3,
	    "backslash at the end of the binds list"));
	assert_true(load_fails("[default]\nimages = a\nbinds = /a:/b\\\\\\\n",
	    3, "backslash at the end"));
	/* an escaped ':' does not separate SRC from DST */
	assert_true(load_fails("[default]\nimages = a\nbinds = /a\\:/b\n", 3,
	    "needs SRC:DST"));
	/* an escaped ',' does not separate items; an escaped '\' does not
	 * escape the ',' after it */
	p = load("[default]\nimages = a\nuser_binds = /a\\\\,/b\\,c\\:ro:ro\n");
	eval_ok(p, mkid(&t, "alice", "/home/alice", "alice"), &eff);
	assert_int_equal(eff.nuser_binds, 2);
	assert_string_equal(eff.user_binds[0].path, "/a\\");
	assert_string_equal(eff.user_binds[1].path, "/b,c:ro");
	assert_true(eff.user_binds[1].ro);
	policy_eff_free(&eff);
	policy_free(p);
	/* other lists take no escapes */
	assert_true(
	    load_fails("[default]\nimages = a\\,b\n", 2, "bad image pattern"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_files),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_merge_two_groups),
		cmocka_unit_test(test_user_overrides),
		cmocka_unit_test(test_deny_wins),
		cmocka_unit_test(test_repeated_deny_is_error),
		cmocka_unit_test(test_no_image_denied),
		cmocka_unit_test(test_builtin_defaults),
		cmocka_unit_test(test_seccomp_merge),
		cmocka_unit_test(test_network),
		cmocka_unit_test(test_templates),
		cmocka_unit_test(test_bind_escapes),
		cmocka_unit_test(test_duplicate_destination),
		cmocka_unit_test(test_group_dedup_and_unknown),
		cmocka_unit_test(test_path_normal_covers),
		cmocka_unit_test(test_user_bind),
		cmocka_unit_test(test_image_allowed),
		cmocka_unit_test(test_parse_cpus),
		cmocka_unit_test(test_inih_hazards_inline),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_load_fd_read),
		cmocka_unit_test(test_10000_sections),
		cmocka_unit_test(test_load_for_one_caller),
		cmocka_unit_test(test_many_errors_and_binds),
		cmocka_unit_test(test_trust),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
