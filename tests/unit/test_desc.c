/*
 * test_desc.c: the image descriptor's round-trip and its strict reader.
 *
 * Invariants checked:
 * - Every byte (but NUL) of argv, env, workdir and labels MUST round-trip.
 * - Unset and empty Entrypoint/Cmd MUST stay distinct.
 * - Every malformed descriptor MUST be rejected with an error line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "image/desc.h"
#include "image/name.h"

#define HEX1 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HEX2 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define HDR                                                            \
	"ctr-launch-image 1\nname busybox:latest\ndigest sha256:" HEX1 \
	"\nlayer " HEX1 " ABCDEFGHIJ 10\n"

static struct image_desc *
parse_ok(const char *s)
{
	struct image_desc *d = NULL;
	struct ctl_err err;
	int r = desc_parse(s, strlen(s), &d, &err);

	if (r != 0)
		print_error("unexpected error: %s\n", err.msg);
	assert_int_equal(r, 0);
	assert_non_null(d);
	return d;
}

static void
parse_bad(const char *s, size_t len)
{
	struct image_desc *d = (struct image_desc *)1;
	struct ctl_err err;

	assert_int_equal(desc_parse(s, len, &d, &err), -1);
	assert_null(d);
	assert_true(strlen(err.msg) > 0);
	assert_null(strchr(err.msg, '\n'));
}

static void
test_minimal(void **state)
{
	struct image_desc *d = parse_ok(HDR "end\n");

	assert_string_equal(d->name, "busybox:latest");
	assert_int_equal(d->nlayers, 1);
	assert_int_equal(d->layers[0].size, 10);
	assert_string_equal(d->layers[0].link, "ABCDEFGHIJ");
	assert_null(d->entrypoint);
	assert_null(d->cmd);
	assert_non_null(d->env);
	assert_null(d->env[0]);
	assert_string_equal(d->workdir, "");
	desc_free(d);
}

static void
test_empty_vs_unset(void **state)
{
	struct image_desc *d = parse_ok(
	    HDR "entrypoint-set\ncmd-set\ncmd \nend\n");

	assert_non_null(d->entrypoint);
	assert_null(d->entrypoint[0]);
	assert_non_null(d->cmd);
	assert_string_equal(d->cmd[0], "");
	assert_null(d->cmd[1]);
	desc_free(d);
}

static const char *nasty[] = {
	"",
	" ",
	"a b  c ",
	"=",
	"==x=",
	";&|$`'\"\\",
	"line1\nline2\r\n",
	"%",
	"%41",
	"%%%",
	"tab\there",
	"\x01\x02\x7f\x80\xff",
	"caf\xc3\xa9 \xe2\x98\x83",
	"end",
	"cmd-set",
	NULL,
};

static struct image_desc *
make_desc(void)
{
	struct image_desc *d = calloc(1, sizeof(*d));
	size_t n = sizeof(nasty) / sizeof(nasty[0]) - 1;
	char *big = malloc(100001);

	assert_non_null(d);
	assert_non_null(big);
	memset(big, 'x', 100000);
	big[100000] = '\0';
	big[500] = '\n';
	big[600] = '%';
	d->name = strdup("ghcr.io/org/app:v1.2");
	d->digest = strdup("sha256:" HEX2);
	d->created = strdup("2024-01-02T03:04:05Z");
	d->workdir = strdup("/work dir/%20\n");
	d->user = strdup("1000:1000");
	d->layers = calloc(2, sizeof(*d->layers));
	d->nlayers = 2;
	strcpy(d->layers[0].hex, HEX1);
	strcpy(d->layers[0].link, "A0B1C2D3E4");
	d->layers[0].size = 18446744073709551615ULL / 4;
	strcpy(d->layers[1].hex, HEX2);
	strcpy(d->layers[1].link, "ZZZZZZZZZZ");
	d->entrypoint = calloc(n + 2, sizeof(char *));
	d->cmd = calloc(1, sizeof(char *));
	d->env = calloc(n + 1, sizeof(char *));
	d->labels = calloc(2, sizeof(char *));
	d->ports = calloc(2, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		d->entrypoint[i] = strdup(nasty[i]);
		d->env[i] = malloc(strlen(nasty[i]) + 32);
		sprintf(d->env[i], "K%zu=%s", i, nasty[i]);
	}
	d->entrypoint[n] = big;
	d->labels[0] = strdup("=empty key; \"quoted\"");
	d->ports[0] = strdup("80/tcp");
	return d;
}

static void
assert_strv_equal(char **a, char **b)
{
	size_t i;

	assert_true((a == NULL) == (b == NULL));
	if (a == NULL)
		return;
	for (i = 0; a[i] != NULL; i++) {
		assert_non_null(b[i]);
		assert_string_equal(a[i], b[i]);
	}
	assert_null(b[i]);
}

static void
test_roundtrip(void **state)
{
	struct image_desc *d = make_desc(), *e = NULL;
	char *buf = NULL;
	struct ctl_err err;
	size_t len;

	assert_int_equal(desc_serialize(d, &buf, &len), 0);
	assert_int_equal(desc_parse(buf, len, &e, &err), 0);
	assert_string_equal(d->name, e->name);
	assert_string_equal(d->digest, e->digest);
	assert_string_equal(d->created, e->created);
	assert_string_equal(d->workdir, e->workdir);
	assert_string_equal(d->user, e->user);
	assert_int_equal(e->nlayers, 2);
	assert_memory_equal(d->layers, e->layers, 2 * sizeof(*d->layers));
	assert_strv_equal(d->entrypoint, e->entrypoint);
	assert_strv_equal(d->cmd, e->cmd);
	assert_non_null(e->cmd);
	assert_null(e->cmd[0]);
	assert_strv_equal(d->env, e->env);
	assert_strv_equal(d->labels, e->labels);
	assert_strv_equal(d->ports, e->ports);
	/* Every byte 1..255 in one value. */
	free(buf);
	desc_free(e);
	char all[256];
	for (int i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	free(d->cmd);
	d->cmd = calloc(2, sizeof(char *));
	d->cmd[0] = strdup(all);
	assert_int_equal(desc_serialize(d, &buf, &len), 0);
	assert_int_equal(desc_parse(buf, len, &e, &err), 0);
	assert_string_equal(e->cmd[0], all);
	/* The encoded form has no byte outside 0x21..0x7e but space and \n. */
	for (size_t i = 0; i < len; i++)
		assert_true((buf[i] >= 0x21 && buf[i] <= 0x7e) ||
		    buf[i] == ' ' || buf[i] == '\n');
	free(buf);
	desc_free(e);
	desc_free(d);
}

static void
test_serialize_refuses_invalid(void **state)
{
	struct image_desc *d = make_desc();
	char *buf = NULL;
	size_t len;

	d->layers[1].hex[3] = 'G';
	assert_int_equal(desc_serialize(d, &buf, &len), -1);
	assert_null(buf);
	d->layers[1].hex[3] = 'a';
	free(d->name);
	d->name = strdup("../etc");
	assert_int_equal(desc_serialize(d, &buf, &len), -1);
	desc_free(d);
}

static void
test_rejects(void **state)
{
	static const char *bad[] = {
		"",
		"ctr-launch-image 2\nend\n",
		"ctr-launch-image 1\n",
		"ctr-launch-image 1\nend\n", /* no name/digest/layer */
		HDR,                         /* no end */
		HDR "end",                   /* unterminated */
		HDR "end\n\n",               /* data after end */
		HDR "end\nx\n",
		HDR "bogus x\nend\n",
		HDR "bogus\nend\n",
		HDR "name busybox:latest\nend\n",
		HDR "workdir a\nworkdir b\nend\n",
		HDR "entrypoint /bin/sh\nend\n", /* before -set */
		HDR "entrypoint-set\nentrypoint-set\nend\n",
		HDR "cmd a%\nend\n",
		HDR "cmd a%4\nend\n",
		HDR "cmd a%4g\nend\n",
		HDR "cmd a%00\nend\n",
		HDR "cmd a%41\nend\n", /* non-canonical: safe byte encoded */
		HDR "cmd a%0a\nend\n", /* lowercase hex */
		HDR "cmd a\tb\nend\n", /* raw control byte */
		HDR "cmd a b\nend\n",  /* raw space */
		HDR "env NOEQUALS\nend\n",
		HDR "env =value\nend\n",
		HDR "label nokey\nend\n",
		HDR "layer " HEX1 " ABCDEFGHIJ 10\nend\n", /* duplicate */
		HDR "layer " HEX2 " ABCDEFGHIJ 10\nend\n", /* duplicate link */
		HDR "layer " HEX2 " ABCDEFGHI 10\nend\n",
		HDR "layer " HEX2 " ABCDEFGHIj 10\nend\n",
		HDR "layer " HEX2 " ../../etc/ 10\nend\n",
		HDR "layer " HEX2 "0 KBCDEFGHIJ 10\nend\n",
		HDR "layer " HEX2 " KBCDEFGHIJ 010\nend\n",
		HDR "layer " HEX2 " KBCDEFGHIJ -1\nend\n",
		HDR "layer " HEX2 " KBCDEFGHIJ 99999999999999999999\nend\n",
		HDR "layer " HEX2 " KBCDEFGHIJ\nend\n",
		HDR "layer " HEX2 " KBCDEFGHIJ 1 x\nend\n",
		"ctr-launch-image 1\nname busybox\ndigest sha256:" HEX1
		"\nlayer " HEX1 " ABCDEFGHIJ 1\nend\n", /* not canonical */
		"ctr-launch-image 1\nname busybox:latest\ndigest sha256:" HEX1
		"\nend\n", /* no layer */
		"ctr-launch-image 1\nname busybox:latest\ndigest md5:" HEX1
		"\nlayer " HEX1 " ABCDEFGHIJ 1\nend\n",
		"ctr-launch-image 1\nname busybox:latest\nlayer " HEX1
		" ABCDEFGHIJ 1\nend\n", /* no digest */
		" ctr-launch-image 1\n",
		NULL,
	};

	for (size_t i = 0; bad[i] != NULL; i++)
		parse_bad(bad[i], strlen(bad[i]));
	/* A NUL byte inside a record. */
	const char nul[] = HDR "cmd a\0b\nend\n";
	parse_bad(nul, sizeof(nul) - 1);
}

static void
test_limits(void **state)
{
	size_t cap = 64 << 20, n = 0;
	char *buf = malloc(cap);

	assert_non_null(buf);
	/* DESC_MAX_STRINGS + 1 env records. */
	n = (size_t)sprintf(buf, HDR);
	for (int i = 0; i <= DESC_MAX_STRINGS; i++)
		n += (size_t)sprintf(buf + n, "env A=%d\n", i);
	n += (size_t)sprintf(buf + n, "end\n");
	parse_bad(buf, n);
	/* DESC_MAX_LAYERS + 1 layers. */
	n = (size_t)sprintf(buf,
	    "ctr-launch-image 1\nname a:b\ndigest sha256:" HEX1 "\n");
	for (int i = 0; i <= DESC_MAX_LAYERS; i++)
		n += (size_t)sprintf(buf + n, "layer %064x %010d 1\n", i, i);
	n += (size_t)sprintf(buf + n, "end\n");
	parse_bad(buf, n);
	/* Exactly DESC_MAX_LAYERS is fine. */
	n = (size_t)sprintf(buf,
	    "ctr-launch-image 1\nname a:b\ndigest sha256:" HEX1 "\n");
	for (int i = 0; i < DESC_MAX_LAYERS; i++)
		n += (size_t)sprintf(buf + n, "layer %064x %010d 1\n", i, i);
	n += (size_t)sprintf(buf + n, "end\n");
	struct image_desc *d = NULL;
	struct ctl_err err;
	assert_int_equal(desc_parse(buf, n, &d, &err), 0);
	assert_int_equal(d->nlayers, DESC_MAX_LAYERS);
	desc_free(d);
	/* Over DESC_MAX_SIZE. */
	n = (size_t)sprintf(buf, HDR "cmd-set\ncmd ");
	memset(buf + n, 'a', DESC_MAX_SIZE);
	n += DESC_MAX_SIZE;
	n += (size_t)sprintf(buf + n, "\nend\n");
	parse_bad(buf, n);
	free(buf);
}

static void
test_lowerdir(void **state)
{
	struct image_desc *d = make_desc();
	char buf[64], small[22];

	assert_int_equal(desc_lowerdir(d, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "ZZZZZZZZZZ:A0B1C2D3E4");
	assert_int_equal(desc_lowerdir(d, small, 21), -1);
	assert_int_equal(desc_lowerdir(d, small, sizeof(small)), 0);
	assert_string_equal(small, buf);
	d->nlayers = 0;
	assert_int_equal(desc_lowerdir(d, buf, sizeof(buf)), -1);
	d->nlayers = 2;
	desc_free(d);
}

/* The one store listing: decoded, sorted, junk skipped, fd kept. */
static void
test_list_names(void **state)
{
	char dir[] = "/tmp/test_desc.XXXXXX", path[1024],
	     enc[3 * NAME_MAX_LEN + 1];
	static const char *const in[] = { "ubuntu:22.04", "busybox:latest",
		"registry.example:5000/lab/jupyter:1" };
	char **names;
	size_t n;
	int fd;

	assert_non_null(mkdtemp(dir));
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(name_encode(in[i], enc, sizeof(enc)), 0);
		snprintf(path, sizeof(path), "%s/%s", dir, enc);
		close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	}
	snprintf(path, sizeof(path), "%s/.tmp-x", dir);
	close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	snprintf(path, sizeof(path), "%s/%%zz-not-a-name", dir);
	close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(desc_list_names(fd, &names, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(names[0], "busybox:latest");
	assert_string_equal(names[1], "registry.example:5000/lab/jupyter:1");
	assert_string_equal(names[2], "ubuntu:22.04");
	desc_free_names(names, n);
	/* The caller's descriptor stays open and usable. */
	assert_int_equal(desc_list_names(fd, &names, &n), 0);
	desc_free_names(names, n);
	close(fd);
	assert_int_equal(desc_list_names(-1, &names, &n), -1);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(name_encode(in[i], enc, sizeof(enc)), 0);
		snprintf(path, sizeof(path), "%s/%s", dir, enc);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/.tmp-x", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%%zz-not-a-name", dir);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_empty_vs_unset),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_serialize_refuses_invalid),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_lowerdir),
		cmocka_unit_test(test_list_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
