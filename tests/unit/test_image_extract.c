/*
 * test_image_extract.c: extract_layer() on tar streams built in memory.
 *
 * Invariants checked (as root; skipped otherwise):
 * - Nothing MUST be written outside the layer directory: writes through
 *   symlinks, absolute paths, ".." and hardlinks outside are refused.
 * - Devices are dropped, setuid/setgid cleared, xattrs other than user.*
 *   dropped, whiteouts made, the entry cap enforced, and owners, modes and
 *   mtimes kept.
 */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>

#include "image/extract.h"
#include "image/util.h"

/* Entry tables leave trailing fields zero. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

struct ent {
	const char *path;
	unsigned type; /* AE_IF* */
	unsigned mode;
	const char *data;  /* file content, symlink or hardlink target */
	const char *xattr; /* name of one xattr, value "v" */
	long mtime;
};

static char base[256], layer[300], canary[300];
static size_t tarlen;
static char tarbuf[1 << 20];

/* The pseudo-xattr "uid" marks an entry owned by 1234:5678. */
static bool
is_uid(const struct ent *e)
{
	return e->xattr != NULL && strcmp(e->xattr, "uid") == 0;
}

static void
build(const struct ent *e)
{
	struct archive *a = archive_write_new();

	archive_write_set_format_pax(a);
	assert_int_equal(archive_write_open_memory(a, tarbuf, sizeof(tarbuf),
			     &tarlen),
	    ARCHIVE_OK);
	for (; e->path != NULL; e++) {
		struct archive_entry *ae = archive_entry_new();

		archive_entry_set_pathname(ae, e->path);
		archive_entry_set_uid(ae, is_uid(e) ? 1234 : 0);
		archive_entry_set_gid(ae, is_uid(e) ? 5678 : 0);
		archive_entry_set_mtime(ae, e->mtime ? e->mtime : 1000000, 0);
		if (e->type == 0) {
			archive_entry_set_filetype(ae, AE_IFREG);
			archive_entry_set_hardlink(ae, e->data);
		} else {
			archive_entry_set_filetype(ae, e->type);
		}
		archive_entry_set_perm(ae, e->mode ? e->mode : 0644);
		if (e->type == AE_IFLNK)
			archive_entry_set_symlink(ae, e->data);
		if (e->type == AE_IFCHR)
			archive_entry_set_rdev(ae, makedev(1, 3));
		if (e->xattr != NULL && !is_uid(e))
			archive_entry_xattr_add_entry(ae, e->xattr, "v", 1);
		if (e->type == AE_IFREG && e->data != NULL)
			archive_entry_set_size(ae, (la_int64_t)strlen(e->data));
		assert_int_equal(archive_write_header(a, ae), ARCHIVE_OK);
		if (e->type == AE_IFREG && e->data != NULL)
			archive_write_data(a, e->data, strlen(e->data));
		archive_entry_free(ae);
	}
	archive_write_close(a);
	archive_write_free(a);
}

static int
run(const struct ent *e, struct extract_stats *st, uint64_t max, char *msg)
{
	struct archive *a = archive_read_new();
	struct ctl_err err = { .line = 0 };
	uint64_t count = 0;
	struct extract_opts o = { .max_entries = max,
		.max_size = 1000,
		.entries = &count };
	int fd, r;

	build(e);
	memset(st, 0, sizeof(*st));
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_memory(a, tarbuf, tarlen),
	    ARCHIVE_OK);
	fd = open(layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	r = extract_layer(a, fd, &o, st, &err);
	close(fd);
	archive_read_free(a);
	if (msg != NULL)
		snprintf(msg, 256, "%.200s", err.msg);
	return r;
}

static int
setup(void **state)
{
	if (getuid() != 0)
		return 0;
	snprintf(base, sizeof(base), "/tmp/test_extract.XXXXXX");
	assert_non_null(mkdtemp(base));
	snprintf(layer, sizeof(layer), "%s/layer", base);
	snprintf(canary, sizeof(canary), "%s/canary", base);
	assert_int_equal(mkdir(layer, 0755), 0);
	assert_int_equal(mkdir(canary, 0755), 0);
	return 0;
}

static int
teardown(void **state)
{
	if (getuid() != 0)
		return 0;
	int fd = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	img_rmtree_at(fd, base + 5);
	close(fd);
	return 0;
}

static bool
canary_empty(void)
{
	char cmd[400];

	snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A %s)\"", canary);
	return system(cmd) == 0;
}

#define NEED_ROOT()                \
	do {                       \
		if (getuid() != 0) \
			skip();    \
	} while (0)

static void
test_refusals(void **state)
{
	char msg[256], up[400];
	struct extract_stats st;

	NEED_ROOT();
	snprintf(up, sizeof(up), "../../../../../../../..%s/x", canary);
	const struct ent through_abs[] = { { "evil", AE_IFLNK, 0, canary },
		{ "evil/x", AE_IFREG, 0, "pwned" }, { NULL } };
	const struct ent through_rel[] = { { "evil", AE_IFLNK, 0, "../canary" },
		{ "evil/x", AE_IFREG, 0, "pwned" }, { NULL } };
	const struct ent dotdot[] = { { up, AE_IFREG, 0, "pwned" }, { NULL } };
	const struct ent abs[] = { { up + 23, AE_IFREG, 0, "pwned" },
		{ NULL } };
	const struct ent hl_out[] = { { "hl", 0, 0, "../canary/y" }, { NULL } };
	const struct ent hl_sym[] = { { "s", AE_IFLNK, 0, canary },
		{ "hl", 0, 0, "s/y" }, { NULL } };
	const struct ent wh_sym[] = { { "s", AE_IFLNK, 0, canary },
		{ "s/.wh.y", AE_IFREG, 0, "" }, { NULL } };
	const struct ent opq_sym[] = { { "s", AE_IFLNK, 0, canary },
		{ "s/.wh..wh..opq", AE_IFREG, 0, "" }, { NULL } };
	const struct ent *cases[] = { through_abs, through_rel, dotdot, abs,
		hl_out, hl_sym, wh_sym, opq_sym, NULL };

	assert_int_equal(open(up + 0, O_RDONLY | O_CLOEXEC), -1);
	int fd = creat(canary + 0, 0644); /* never succeeds on a dir */
	assert_int_equal(fd, -1);
	char y[320];
	snprintf(y, sizeof(y), "%s/y", canary);
	for (size_t i = 0; cases[i] != NULL; i++) {
		/* A file the hardlink/whiteout cases would reach. */
		fd = creat(y, 0644);
		assert_true(fd >= 0);
		close(fd);
		assert_int_equal(run(cases[i], &st, 1000, msg), -1);
		assert_true(strlen(msg) > 0);
		struct stat sb;
		assert_int_equal(stat(y, &sb), 0);
		assert_true(S_ISREG(sb.st_mode));
		assert_int_equal(sb.st_nlink, 1);
		unlink(y);
		assert_true(canary_empty());
		assert_int_equal(lgetxattr(canary, "trusted.overlay.opaque",
				     msg, sizeof(msg)),
		    -1);
		/* Fresh layer for the next case. */
		int bfd = open(layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		img_rmtree_contents(bfd);
		close(bfd);
	}
}

static void
test_sanitised(void **state)
{
	struct extract_stats st;
	char path[400], v[16];
	struct stat sb;

	NEED_ROOT();
	const struct ent e[] = {
		{ "dev", AE_IFDIR, 0755, NULL, NULL, 0 },
		{ "dev/mem", AE_IFCHR, 0600, NULL, NULL, 0 },
		{ "fifo", AE_IFIFO, 0644, NULL, NULL, 0 },
		{ "suid", AE_IFREG, 04755, "x", NULL, 0 },
		{ "sgiddir", AE_IFDIR, 02775, NULL, NULL, 0 },
		{ "cap", AE_IFREG, 0644, "x", "security.capability", 0 },
		{ "tr", AE_IFREG, 0644, "x", "trusted.overlay.redirect", 0 },
		{ "us", AE_IFREG, 0644, "x", "user.keep", 0 },
		{ "old", AE_IFDIR, 0755, NULL, NULL, 0 },
		{ "old/.wh..wh..opq", AE_IFREG, 0644, "", NULL, 0 },
		{ "gone/.wh.f", AE_IFREG, 0644, "", NULL, 0 },
		{ "a/b/c", AE_IFREG, 0640, "deep", NULL, 0 },
		{ "hl", 0, 0, "a/b/c", NULL, 0 },
		{ "t", AE_IFDIR, 0711, NULL, NULL, 12345 },
		{ "t/f", AE_IFREG, 0644, "in t", NULL, 0 },
		{ "owned", AE_IFREG, 0600, "x", "uid", 0 },
		{ "ownedlink", AE_IFLNK, 0777, "owned", "uid", 0 },
		{ NULL },
	};

	assert_int_equal(run(e, &st, 1000, NULL), 0);
	assert_int_equal(st.devices, 2);
	assert_int_equal(st.suid, 2);
	/* libarchive's pax writer stores each xattr twice (two keywords). */
	assert_true(st.xattrs >= 2);
	snprintf(path, sizeof(path), "%s/dev/mem", layer);
	assert_int_equal(lstat(path, &sb), -1);
	snprintf(path, sizeof(path), "%s/fifo", layer);
	assert_int_equal(lstat(path, &sb), -1);
	snprintf(path, sizeof(path), "%s/suid", layer);
	assert_int_equal(lstat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0755);
	snprintf(path, sizeof(path), "%s/sgiddir", layer);
	assert_int_equal(lstat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0775);
	snprintf(path, sizeof(path), "%s/cap", layer);
	assert_int_equal(lgetxattr(path, "security.capability", v, sizeof(v)),
	    -1);
	snprintf(path, sizeof(path), "%s/tr", layer);
	assert_int_equal(lgetxattr(path, "trusted.overlay.redirect", v,
			     sizeof(v)),
	    -1);
	snprintf(path, sizeof(path), "%s/us", layer);
	assert_int_equal(lgetxattr(path, "user.keep", v, sizeof(v)), 1);
	snprintf(path, sizeof(path), "%s/old", layer);
	assert_int_equal(lgetxattr(path, "trusted.overlay.opaque", v,
			     sizeof(v)),
	    1);
	assert_int_equal(v[0], 'y');
	snprintf(path, sizeof(path), "%s/gone/f", layer);
	assert_int_equal(lstat(path, &sb), 0);
	assert_true(S_ISCHR(sb.st_mode));
	assert_int_equal(sb.st_rdev, makedev(0, 0));
	snprintf(path, sizeof(path), "%s/gone/.wh.f", layer);
	assert_int_equal(lstat(path, &sb), -1);
	snprintf(path, sizeof(path), "%s/a", layer); /* implicit parent */
	assert_int_equal(lstat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0755);
	snprintf(path, sizeof(path), "%s/hl", layer);
	assert_int_equal(lstat(path, &sb), 0);
	assert_int_equal(sb.st_nlink, 2);
	snprintf(path, sizeof(path), "%s/t", layer); /* dir mtime kept */
	assert_int_equal(lstat(path, &sb), 0);
	assert_int_equal(sb.st_mtime, 12345);
	assert_int_equal(sb.st_mode & 07777, 0711);
	snprintf(path, sizeof(path), "%s/owned", layer); /* owners kept */
	assert_int_equal(lstat(path, &sb), 0);
	assert_int_equal(sb.st_uid, 1234);
	assert_int_equal(sb.st_gid, 5678);
	assert_int_equal(sb.st_mtime, 1000000);
	snprintf(path, sizeof(path), "%s/ownedlink", layer);
	assert_int_equal(lstat(path, &sb), 0);
	assert_true(S_ISLNK(sb.st_mode));
	assert_int_equal(sb.st_uid, 1234);
}

static void
test_rmtree_no_follow(void **state)
{
	char path[400], victim[400];
	struct stat sb;

	NEED_ROOT();
	snprintf(victim, sizeof(victim), "%s/victim", canary);
	int fd = creat(victim, 0644);
	assert_true(fd >= 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/sub", layer);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/sub/link", layer);
	assert_int_equal(symlink(canary, path), 0);
	int lfd = open(layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(img_rmtree_at(lfd, "sub"), 0);
	close(lfd);
	assert_int_equal(stat(victim, &sb), 0);
	unlink(victim);
}

static void
test_replace_and_cap(void **state)
{
	struct extract_stats st;
	char path[400], msg[256];
	struct stat sb;

	NEED_ROOT();
	int bfd = open(layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	img_rmtree_contents(bfd);
	close(bfd);
	const struct ent e[] = {
		{ "x", AE_IFREG, 0644, "file" },
		{ "x", AE_IFDIR, 0755 },
		{ "x/in", AE_IFREG, 0644, "in" },
		{ "y", AE_IFDIR, 0755 },
		{ "y/in", AE_IFREG, 0644, "in" },
		{ "y", AE_IFREG, 0644, "now a file" },
		{ NULL },
	};
	assert_int_equal(run(e, &st, 1000, NULL), 0);
	snprintf(path, sizeof(path), "%s/x/in", layer);
	assert_int_equal(lstat(path, &sb), 0);
	snprintf(path, sizeof(path), "%s/y", layer);
	assert_int_equal(lstat(path, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(run(e, &st, 5, msg), -1);
	assert_non_null(strstr(msg, "more than 5 entries"));
	/* One file over max_size (1000 bytes here). */
	static char big[1002];
	memset(big, 'x', 1001);
	const struct ent b[] = { { "big", AE_IFREG, 0644, big }, { NULL } };
	assert_int_equal(run(b, &st, 1000, msg), -1);
	assert_non_null(strstr(msg, "larger than --max-size"));
	big[1000] = '\0';
	assert_int_equal(run(b, &st, 1000, msg), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_sanitised),
		cmocka_unit_test(test_replace_and_cap),
		cmocka_unit_test(test_rmtree_no_follow),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
