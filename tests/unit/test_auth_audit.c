/*
 * test_auth_audit.c: the pure parts of PAM gating (the environment
 * allowlist, which rlimits the session set) and the audit lines: each
 * kind (caller, deny, grant, end) with hostile and random strings read
 * back by a strict parser written here, which must find exactly the keys
 * written and the very bytes given; one text per byte; lists whose
 * elements never split; cut lines marked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "helper/audit.h"
#include "helper/auth.h"
#include "helper/env.h"

static void
test_env_allowlist(void **state)
{
	(void)state;
	assert_true(auth_env_allowed("TERM=xterm"));
	assert_true(auth_env_allowed("LANG=C.UTF-8"));
	assert_true(auth_env_allowed("LC_ALL=C"));
	assert_true(auth_env_allowed("LC_TIME=de_DE.UTF-8"));
	assert_false(auth_env_allowed("LD_PRELOAD=/tmp/x.so"));
	assert_false(auth_env_allowed("LANGUAGE=de"));
	assert_false(auth_env_allowed("TERMINFO=/tmp"));
	assert_false(auth_env_allowed("LC_=x"));
	assert_false(auth_env_allowed("TERM"));
	assert_false(auth_env_allowed("PATH=/tmp"));
	assert_false(auth_env_allowed("XDG_SEAT=seat0"));
	assert_false(auth_env_allowed("=TERM"));
}

static void
test_session_rlimits_win(void **state)
{
	struct auth a;
	struct rlimit caller[RLIM_NLIMITS], out[RLIM_NLIMITS];

	(void)state;
	memset(&a, 0, sizeof(a));
	for (int i = 0; i < RLIM_NLIMITS; i++) {
		a.before[i].rlim_cur = a.after[i].rlim_cur = 100 + (rlim_t)i;
		a.before[i].rlim_max = a.after[i].rlim_max = 200 + (rlim_t)i;
		caller[i].rlim_cur = 1000 + (rlim_t)i;
		caller[i].rlim_max = 2000 + (rlim_t)i;
	}
	/* pam_limits set nofile (soft and hard) and the core hard limit. */
	a.after[RLIMIT_NOFILE].rlim_cur = 64;
	a.after[RLIMIT_NOFILE].rlim_max = 128;
	a.after[RLIMIT_CORE].rlim_max = 0;
	auth_diff_rlimits(&a);
	auth_rlimits(&a, caller, out);
	for (int i = 0; i < RLIM_NLIMITS; i++) {
		if (i == RLIMIT_NOFILE || i == RLIMIT_CORE) {
			assert_true(a.changed[i]);
			assert_int_equal(out[i].rlim_cur, a.after[i].rlim_cur);
			assert_int_equal(out[i].rlim_max, a.after[i].rlim_max);
		} else {
			assert_false(a.changed[i]);
			assert_int_equal(out[i].rlim_cur, caller[i].rlim_cur);
			assert_int_equal(out[i].rlim_max, caller[i].rlim_max);
		}
	}
}

static void
test_env_merge(void **state)
{
	char t[] = "TERM=vt100", l[] = "LANG=de_DE.UTF-8", c[] = "LC_TIME=C";
	char bad[] = "LD_PRELOAD=/x.so", p[] = "PATH=/tmp";
	char *pam[] = { t, l, c, bad, p, NULL };
	struct auth a;
	char **env = calloc(3, sizeof(*env));

	(void)state;
	memset(&a, 0, sizeof(a));
	a.env = pam;
	assert_non_null(env);
	env[0] = strdup("TERM=xterm"); /* the caller's: it wins */
	env[1] = strdup("PATH=/bin");
	auth_env_merge(&a, &env);
	assert_string_equal(env[0], "TERM=xterm");
	assert_string_equal(env[1], "PATH=/bin");
	assert_string_equal(env[2], "LANG=de_DE.UTF-8");
	assert_string_equal(env[3], "LC_TIME=C");
	assert_null(env[4]);
	for (size_t i = 0; env[i] != NULL; i++)
		free(env[i]);
	free(env);
}

/* The payload's rlimits and environment go into the auth state; the
 * plan is left as step 3 built it. */
static void
test_payload_leaves_plan(void **state)
{
	char t[] = "TERM=vt100", l[] = "LANG=C.UTF-8", p1[] = "PATH=/tmp";
	char e0[] = "TERM=xterm", e1[] = "HOME=/home/u";
	char *pam[] = { t, l, p1, NULL };
	char *penv[] = { e0, e1, NULL };
	struct launch_plan p;
	struct rlimit saved[RLIM_NLIMITS];
	struct auth a;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&p, 0, sizeof(p));
	a.env = pam;
	p.env = penv;
	for (int i = 0; i < RLIM_NLIMITS; i++) {
		p.rlimits[i].rlim_cur = 10 + (rlim_t)i;
		p.rlimits[i].rlim_max = 20 + (rlim_t)i;
		a.after[i].rlim_cur = a.after[i].rlim_max = 5;
	}
	a.changed[RLIMIT_NOFILE] = true;
	memcpy(saved, p.rlimits, sizeof(saved));
	auth_payload(&a, &p);
	/* The plan: unchanged. */
	assert_ptr_equal(p.env, penv);
	assert_string_equal(p.env[0], "TERM=xterm");
	assert_string_equal(p.env[1], "HOME=/home/u");
	assert_null(p.env[2]);
	assert_memory_equal(p.rlimits, saved, sizeof(saved));
	/* The payload's: the plan's, the session's added or winning. */
	assert_non_null(a.payload_env);
	assert_ptr_not_equal(a.payload_env[0], p.env[0]);
	assert_string_equal(a.payload_env[0], "TERM=xterm");
	assert_string_equal(a.payload_env[1], "HOME=/home/u");
	assert_string_equal(a.payload_env[2], "LANG=C.UTF-8");
	assert_null(a.payload_env[3]);
	for (int i = 0; i < RLIM_NLIMITS; i++) {
		const struct rlimit *want = i == RLIMIT_NOFILE ? &a.after[i] :
								 &saved[i];

		assert_int_equal(a.rlimits[i].rlim_cur, want->rlim_cur);
		assert_int_equal(a.rlimits[i].rlim_max, want->rlim_max);
	}
	env_free(a.payload_env);
}

/* ---- The audit lines: a strict reader of the format in audit.c. ---- */

#define TOKEN_CHARS \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"
#define MAXPAIRS 32
#define MAXVAL   8192

struct pair {
	char key[16];
	const char *raw; /* a quoted value's inside, or the token */
	size_t len;
	bool quoted;
};

/* The pairs of LINE, exactly "key=value" separated by one space, a value
 * a token or a quoted string; -1 on anything else. */
static int
parse_line(const char *s, struct pair *pv, int max)
{
	int n = 0;

	for (;;) {
		size_t k = strspn(s, "abcdefghijklmnopqrstuvwxyz_");

		if (k == 0 || k >= sizeof(pv->key) || s[k] != '=' || n == max)
			return -1;
		memcpy(pv[n].key, s, k);
		pv[n].key[k] = '\0';
		s += k + 1;
		if (*s == '"') {
			const char *e = ++s;

			while (*e != '"') {
				if (*e == '\0')
					return -1;
				e += *e == '\\' && e[1] != '\0' ? 2 : 1;
			}
			pv[n].quoted = true;
			pv[n].raw = s;
			pv[n].len = (size_t)(e - s);
			s = e + 1;
		} else {
			pv[n].quoted = false;
			pv[n].raw = s;
			pv[n].len = strspn(s, TOKEN_CHARS);
			if (pv[n].len == 0)
				return -1;
			s += pv[n].len;
		}
		n++;
		if (*s == '\0')
			return n;
		if (*s != ' ')
			return -1;
		s++;
	}
}

static bool
must_escape(unsigned char c, const char *seps)
{
	return c < 0x20 || c >= 0x7f || c == '"' || c == '\\' ||
	    strchr(seps, c) != NULL;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes LEN bytes of a quoted value's inside into OUT (a string); -1
 * unless RAW is exactly the canonical text, SEPS escaped too. */
static int
decode(const char *raw, size_t len, const char *seps, char *out, size_t outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)raw[i];
		int b;

		if (c == '\\' && i + 1 < len &&
		    (raw[i + 1] == '"' || raw[i + 1] == '\\')) {
			b = (unsigned char)raw[i + 1];
			i += 2;
		} else if (c == '\\' && i + 3 < len && raw[i + 1] == 'x' &&
		    hexval(raw[i + 2]) >= 0 && hexval(raw[i + 3]) >= 0) {
			b = hexval(raw[i + 2]) * 16 + hexval(raw[i + 3]);
			if (b == 0 || b == '"' || b == '\\' ||
			    !must_escape((unsigned char)b, seps))
				return -1;
			i += 4;
		} else if (!must_escape(c, seps)) {
			b = c;
			i++;
		} else
			return -1;
		if (o + 1 >= outlen)
			return -1;
		out[o++] = (char)b;
	}
	out[o] = '\0';
	return 0;
}

/* The decoded string value of the pair KEY, which must be quoted. */
static const char *
str_of(const struct pair *pv, int n, const char *key)
{
	static char out[MAXVAL];

	for (int i = 0; i < n; i++)
		if (strcmp(pv[i].key, key) == 0) {
			assert_true(pv[i].quoted);
			assert_int_equal(decode(pv[i].raw, pv[i].len, "", out,
					     sizeof(out)),
			    0);
			return out;
		}
	fail_msg("no key %s", key);
	return NULL;
}

static const char *
tok_of(const struct pair *pv, int n, const char *key)
{
	static char out[64];

	for (int i = 0; i < n; i++)
		if (strcmp(pv[i].key, key) == 0) {
			assert_false(pv[i].quoted);
			assert_true(pv[i].len < sizeof(out));
			memcpy(out, pv[i].raw, pv[i].len);
			out[pv[i].len] = '\0';
			return out;
		}
	fail_msg("no key %s", key);
	return NULL;
}

/* LINE parses, and its keys are exactly KEYS ("a b c"). */
static int
expect_keys(const char *line, struct pair *pv, const char *keys)
{
	char got[512] = "";
	int n = parse_line(line, pv, MAXPAIRS);

	if (n < 0)
		fail_msg("unparsable line: %s", line);
	for (int i = 0; i < n; i++) {
		if (i > 0)
			strcat(got, " ");
		strcat(got, pv[i].key);
	}
	if (strcmp(got, keys) != 0)
		fail_msg("keys \"%s\", expected \"%s\", in: %s", got, keys,
		    line);
	return n;
}

/* The list value KEY: its elements of NF fields each, decoded into F
 * (NF * MAXEL entries of MAXVAL bytes); the number of elements. */
#define MAXEL 8
static size_t
list_of(const struct pair *pv, int n, const char *key, size_t nf,
    char f[][MAXVAL])
{
	const struct pair *p = NULL;
	size_t nel = 0, nfield = 0;
	const char *s, *end;

	for (int i = 0; i < n; i++)
		if (strcmp(pv[i].key, key) == 0)
			p = &pv[i];
	assert_non_null(p);
	assert_true(p->quoted);
	if (p->len == 0)
		return 0;
	/* Split the raw text first: ',' and ':' inside a field are escaped. */
	for (s = p->raw, end = p->raw + p->len;; nfield++) {
		const char *e = s;

		while (e < end && *e != ',' && *e != ':')
			e++;
		assert_true(nfield < nf * MAXEL);
		assert_int_equal(decode(s, (size_t)(e - s), ",:", f[nfield],
				     MAXVAL),
		    0);
		if (e == end || *e == ',') {
			assert_int_equal(nfield % nf, nf - 1);
			nel++;
		}
		if (e == end)
			break;
		s = e + 1;
	}
	return nel;
}

static void
test_quote(void **state)
{
	char buf[256];

	(void)state;
	buf[0] = '\0';
	audit_quote(buf, sizeof(buf), "/home/a/x\" user=root \\ \n\x7f\xc3");
	assert_string_equal(buf,
	    "\"/home/a/x\\\" user=root \\\\ \\x0a\\x7f\\xc3\"");
	/* Truncation keeps the buffer a string, the quote closed. */
	buf[0] = '\0';
	audit_quote(buf, 8, "abcdefghijkl");
	assert_string_equal(buf, "\"abcde\"");
	/* ... and never splits an escape. */
	buf[0] = '\0';
	audit_quote(buf, 8, "ab\n");
	assert_string_equal(buf, "\"ab\"");
}

/* Every byte has one text: itself when printable and not '"' or '\'. */
static void
test_quote_every_byte(void **state)
{
	char in[2] = "", buf[16], want[16], out[4];

	(void)state;
	for (int c = 1; c < 256; c++) {
		in[0] = (char)c;
		buf[0] = '\0';
		audit_quote(buf, sizeof(buf), in);
		if (c == '"' || c == '\\')
			snprintf(want, sizeof(want), "\"\\%c\"", c);
		else if (c < 0x20 || c >= 0x7f)
			snprintf(want, sizeof(want), "\"\\x%02x\"", c);
		else
			snprintf(want, sizeof(want), "\"%c\"", c);
		assert_string_equal(buf, want);
		assert_int_equal(decode(buf + 1, strlen(buf) - 2, "", out,
				     sizeof(out)),
		    0);
		assert_string_equal(out, in);
	}
	/* The reader refuses anything but that one text. */
	assert_int_equal(decode("\\x41", 4, "", out, sizeof(out)), -1);
	assert_int_equal(decode("\\x0A", 4, "", out, sizeof(out)), -1);
	assert_int_equal(decode("\\x22", 4, "", out, sizeof(out)), -1);
	assert_int_equal(decode("\"", 1, "", out, sizeof(out)), -1);
	assert_int_equal(decode("\\n", 2, "", out, sizeof(out)), -1);
	assert_int_equal(decode(",", 1, ",:", out, sizeof(out)), -1);
}

static void
test_grant_line(void **state)
{
	char name[] = "busybox:latest", digest[] = "sha256:abc";
	char home[] = "/home/alice", evil[] = "/data/x\" event=deny";
	char comma[] = "/data/a,b:c", d[] = "/d", e[] = "/e";
	struct image_desc img = { .name = name, .digest = digest };
	struct plan_bind binds[3] = {
		{ .src = home, .dst = home, .ro = false },
		{ .src = evil, .dst = d, .ro = true },
		{ .src = comma, .dst = e, .ro = false },
	};
	struct launch_plan p;
	struct pair pv[MAXPAIRS];
	static char f[3 * MAXEL][MAXVAL];
	char buf[1024];
	int n;

	(void)state;
	memset(&p, 0, sizeof(p));
	snprintf(p.name, sizeof(p.name), "busy-1");
	p.image = &img;
	p.cpus = 1500;
	p.memory = 1u << 30;
	p.pids = UINT64_MAX;
	p.binds = binds;
	p.nbinds = 3;
	p.net = PLAN_NET_NONE;
	assert_int_equal(audit_format_grant(buf, sizeof(buf), &p), 0);
	assert_string_equal(buf,
	    "event=grant name=\"busy-1\" image=\"busybox:latest\" "
	    "digest=\"sha256:abc\" cpus=1.5 memory=1073741824 pids=max "
	    "seccomp=default network=none "
	    "binds=\"/home/alice:/home/alice:rw,/data/x\\\" event=deny:/d:ro,"
	    "/data/a\\x2cb\\x3ac:/e:rw\"");
	n = expect_keys(buf, pv,
	    "event name image digest cpus memory pids seccomp network binds");
	assert_int_equal(list_of(pv, n, "binds", 3, f), 3);
	assert_string_equal(f[3], evil);
	assert_string_equal(f[6], comma);
	assert_string_equal(f[7], "/e");
	assert_string_equal(f[8], "rw");
	p.nbinds = 0;
	assert_int_equal(audit_format_grant(buf, sizeof(buf), &p), 0);
	n = expect_keys(buf, pv,
	    "event name image digest cpus memory pids seccomp network binds");
	assert_int_equal(list_of(pv, n, "binds", 3, f), 0);
}

static void
test_end_line(void **state)
{
	struct launch_plan p;
	char buf[256];

	(void)state;
	memset(&p, 0, sizeof(p));
	snprintf(p.name, sizeof(p.name), "c");
	audit_format_end(buf, sizeof(buf), &p, 3, 1.5);
	assert_string_equal(buf,
	    "event=end name=\"c\" status=3 runtime=1.500s");
	audit_format_end(buf, sizeof(buf), &p, 137, 0.25);
	assert_string_equal(buf,
	    "event=end name=\"c\" status=137 signal=9 runtime=0.250s");
	audit_format_end(buf, sizeof(buf), &p, 0, -4);
	assert_string_equal(buf,
	    "event=end name=\"c\" status=0 runtime=0.000s");
}

static void
test_deny_and_caller(void **state)
{
	char buf[512];

	(void)state;
	assert_int_equal(audit_format_deny(buf, sizeof(buf),
			     "-v /x\", event=grant user=\"root\" uid=\"0\":/d"),
	    0);
	assert_string_equal(buf,
	    "event=deny reason=\"-v /x\\\", event=grant user=\\\"root\\\" "
	    "uid=\\\"0\\\":/d\"");
	assert_int_equal(audit_format_caller(buf, sizeof(buf), 1000, "al ice"),
	    0);
	assert_string_equal(buf, "user=\"al ice\" uid=1000");
	/* Before the caller is known. */
	assert_int_equal(audit_format_caller(buf, sizeof(buf), (uid_t)-1, NULL),
	    0);
	assert_string_equal(buf, "user=\"?\" uid=-1");
}

/* Strings an attacker would choose: paths, names, commands. */
static const char *const hostile[] = {
	"",
	"\"",
	"\\",
	"\\\"",
	"a\\",
	",",
	":",
	"=",
	" ",
	"/home/a/x\", event=grant user=\"root\" uid=\"0\"",
	"/x\" event=grant user=\"root\" uid=\"0\" binds=\"/:/h:rw",
	"/a,b:c,d:/e:rw",
	"/a\\x2c,b\\x3a",
	"x\nctr-launch[1]: user=\"root\" uid=0 event=grant",
	"\r\t\x1b[2J\x7f",
	"\xc3\xa9\xff\x80\xfe",
	"sh -c 'echo \"$(id)\" > /tmp/p; user=root'",
	"busybox\" image=\"evil",
	"name=\"x\" name=",
	" truncated=yes",
	"\\\\\\\"\"\"",
};

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static unsigned char
rnd_byte(void)
{
	static const char special[] = "\"\\,:= \n\r\t\x7f\x80\xff\x01xe/";

	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	if (rng & 1)
		return (
		    unsigned char)special[(rng >> 8) % (sizeof(special) - 1)];
	return (unsigned char)(1 + (rng >> 8) % 255);
}

static void
rnd_string(char *s, size_t max)
{
	size_t n = (size_t)(rnd_byte() % max);

	for (size_t i = 0; i < n; i++)
		s[i] = (char)rnd_byte();
	s[n] = '\0';
}

/* Each line kind with H (and G) in every string it carries parses back to
 * exactly its keys, each value the very bytes given. */
static void
check_roundtrip(const char *h, const char *g)
{
	static char buf[AUDIT_LINE_MAX], f[3 * MAXEL][MAXVAL];
	struct pair pv[MAXPAIRS];
	struct image_desc img = { .name = (char *)(uintptr_t)h,
		.digest = (char *)(uintptr_t)g };
	struct plan_bind binds[3] = {
		{ .src = (char *)(uintptr_t)h, .dst = (char *)(uintptr_t)g },
		{ .src = (char *)(uintptr_t)g,
		    .dst = (char *)(uintptr_t)h,
		    .ro = true },
		{ .src = (char *)(uintptr_t)h, .dst = (char *)(uintptr_t)h },
	};
	struct launch_plan p;
	int n;

	assert_int_equal(audit_format_deny(buf, sizeof(buf), h), 0);
	n = expect_keys(buf, pv, "event reason");
	assert_string_equal(tok_of(pv, n, "event"), "deny");
	assert_string_equal(str_of(pv, n, "reason"), h);

	assert_int_equal(audit_format_caller(buf, sizeof(buf), 42, g), 0);
	n = expect_keys(buf, pv, "user uid");
	assert_string_equal(str_of(pv, n, "user"), g);
	assert_string_equal(tok_of(pv, n, "uid"), "42");

	memset(&p, 0, sizeof(p));
	snprintf(p.name, sizeof(p.name), "%s", h);
	p.image = &img;
	p.binds = binds;
	p.nbinds = 3;
	assert_int_equal(audit_format_grant(buf, sizeof(buf), &p), 0);
	n = expect_keys(buf, pv,
	    "event name image digest cpus memory pids seccomp network binds");
	assert_string_equal(tok_of(pv, n, "event"), "grant");
	assert_string_equal(str_of(pv, n, "name"), p.name);
	assert_string_equal(str_of(pv, n, "image"), h);
	assert_string_equal(str_of(pv, n, "digest"), g);
	assert_int_equal(list_of(pv, n, "binds", 3, f), 3);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(f[3 * i], binds[i].src);
		assert_string_equal(f[3 * i + 1], binds[i].dst);
		assert_string_equal(f[3 * i + 2], binds[i].ro ? "ro" : "rw");
	}

	assert_int_equal(audit_format_end(buf, sizeof(buf), &p, 130, 2), 0);
	n = expect_keys(buf, pv, "event name status signal runtime");
	assert_string_equal(tok_of(pv, n, "event"), "end");
	assert_string_equal(str_of(pv, n, "name"), p.name);
}

static void
test_hostile_roundtrip(void **state)
{
	size_t nh = sizeof(hostile) / sizeof(hostile[0]);
	char h[256], g[256];

	(void)state;
	for (size_t i = 0; i < nh; i++)
		for (size_t j = 0; j < nh; j++)
			check_roundtrip(hostile[i], hostile[j]);
	for (int i = 0; i < 3000; i++) {
		rnd_string(h, sizeof(h) - 1);
		rnd_string(g, sizeof(g) - 1);
		check_roundtrip(h, g);
	}
}

/* The caller keys and an event, as sent: one line, parsed as a whole. */
static void
test_whole_line(void **state)
{
	char head[512], body[512], line[1100];
	struct pair pv[MAXPAIRS];
	int n;

	(void)state;
	assert_int_equal(audit_format_caller(head, sizeof(head), 1000,
			     "root\" uid=0 event=grant x=\""),
	    0);
	assert_int_equal(audit_format_deny(body, sizeof(body),
			     "bind source /h/a\" event=grant user=\"root\""),
	    0);
	snprintf(line, sizeof(line), "%s %s", head, body);
	n = expect_keys(line, pv, "user uid event reason");
	assert_string_equal(str_of(pv, n, "user"),
	    "root\" uid=0 event=grant x=\"");
	assert_string_equal(tok_of(pv, n, "uid"), "1000");
	assert_string_equal(tok_of(pv, n, "event"), "deny");
}

/* A line too long is cut between escapes, its value closed, whole list
 * elements kept, and ends with truncated=yes. */
static void
test_truncated(void **state)
{
	static char reason[3000], buf[AUDIT_LINE_MAX], f[3 * MAXEL][MAXVAL];
	static char src[MAXEL][600];
	struct plan_bind binds[MAXEL];
	char name[] = "img", digest[] = "sha256:0";
	struct image_desc img = { .name = name, .digest = digest };
	struct launch_plan p;
	struct pair pv[MAXPAIRS];
	char small[16];
	size_t nel;
	int n;

	(void)state;
	memset(reason, '\n', sizeof(reason) - 1);
	assert_int_equal(audit_format_deny(buf, sizeof(buf), reason), -1);
	assert_true(strlen(buf) < sizeof(buf));
	n = expect_keys(buf, pv, "event reason truncated");
	assert_string_equal(tok_of(pv, n, "truncated"), "yes");
	assert_int_equal(strspn(str_of(pv, n, "reason"), "\n"),
	    strlen(str_of(pv, n, "reason")));
	assert_true(strlen(str_of(pv, n, "reason")) > 1000);

	memset(&p, 0, sizeof(p));
	snprintf(p.name, sizeof(p.name), "t");
	p.image = &img;
	for (size_t i = 0; i < MAXEL; i++) {
		memset(src[i], ',', sizeof(src[i]) - 1);
		src[i][0] = '/';
		src[i][1] = (char)('a' + i);
		binds[i] = (struct plan_bind){ .src = src[i], .dst = src[i] };
	}
	p.binds = binds;
	p.nbinds = MAXEL;
	assert_int_equal(audit_format_grant(buf, sizeof(buf), &p), -1);
	n = expect_keys(buf, pv,
	    "event name image digest cpus memory pids seccomp network binds "
	    "truncated");
	nel = list_of(pv, n, "binds", 3, f);
	assert_true(nel >= 1 && nel < MAXEL);
	for (size_t i = 0; i < nel; i++)
		assert_string_equal(f[3 * i], src[i]);
	/* Room for the marker only, then not even that: nothing else. */
	assert_int_equal(audit_format_deny(small, sizeof(small), "x"), -1);
	assert_string_equal(small, "truncated=yes");
	assert_int_equal(audit_format_deny(small, sizeof(small) - 1, "x"), -1);
	assert_string_equal(small, "");
	assert_int_equal(audit_format_deny(small, 0, "x"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env_allowlist),
		cmocka_unit_test(test_session_rlimits_win),
		cmocka_unit_test(test_env_merge),
		cmocka_unit_test(test_payload_leaves_plan),
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_quote_every_byte),
		cmocka_unit_test(test_grant_line),
		cmocka_unit_test(test_end_line),
		cmocka_unit_test(test_deny_and_caller),
		cmocka_unit_test(test_hostile_roundtrip),
		cmocka_unit_test(test_whole_line),
		cmocka_unit_test(test_truncated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
