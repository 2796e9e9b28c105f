/*
 * ctr_image.c: ctr-image, the administrator's tool for the image store
 * (import, pull, list, inspect, rm, gc, tag; see ctr-image(8)).
 *
 * Invariants:
 * - It MUST refuse to run unless the effective uid is 0.
 * - Every failure MUST print one line "ctr-image: ..." on stderr and exit 1,
 *   its bytes escaped (text_escape: no control byte reaches a terminal).
 * - Every store mutation MUST run under the exclusive store lock
 *   (store_open), so tmp/ only ever holds this command's work or stale
 *   work; list and inspect, which change nothing, share it.
 * - rm and gc MUST never remove a layer whose lock is held (busy layers
 *   are skipped and reported).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/desc.h"
#include "lib/grammar.h"
#include "image/import.h"
#include "image/name.h"
#include "image/origin.h"
#include "image/pull.h"
#include "image/store.h"
#include "image/util.h"
#include "lib/textesc.h"

#define DEFAULT_MAX_SIZE    (64ULL << 30)
#define DEFAULT_MAX_ENTRIES 10000000ULL

static void
usage(FILE *f)
{
	fputs(
	    "usage: ctr-image import [--name NAME] [--config FILE] [--quiet]\n"
	    "                        [--max-size SIZE] [--max-entries N] ARCHIVE|-\n"
	    "       ctr-image pull [--platform OS/ARCH[/VARIANT]] [--name NAME]\n"
	    "                      [--jobs N] [--authfile FILE] [--max-size SIZE]\n"
	    "                      [--quiet] REF\n"
	    "       ctr-image list\n"
	    "       ctr-image inspect NAME\n"
	    "       ctr-image rm NAME...\n"
	    "       ctr-image gc\n"
	    "       ctr-image tag SRC NEW\n",
	    f);
}

/* One line on stderr, "ctr-image: " KIND MSG; MSG may hold an image's or
 * a registry's bytes: escaped. */
static void
say(const char *kind, const char *msg)
{
	char shown[8192];

	text_escape(msg, shown, sizeof(shown));
	fflush(stdout);
	fprintf(stderr, "ctr-image: %s%s\n", kind, shown);
}

static int
fail(const char *msg)
{
	say("", msg);
	return 1;
}

static int
failerr(const struct ctl_err *e)
{
	return fail(e->msg);
}

/* A store warning (an unreadable descriptor). */
static void
warn_line(const char *msg)
{
	say("warning: ", msg);
}

/* store_open() (shared lock: store_open_shared()), with the store's
 * warnings said on stderr. */
static int
open_store(struct store *s, struct ctl_err *e)
{
	int r = store_open(s, e);

	s->warn = warn_line;
	return r;
}

static int
open_store_shared(struct store *s, struct ctl_err *e)
{
	int r = store_open_shared(s, e);

	s->warn = warn_line;
	return r;
}

static void
on_signal(int sig)
{
	import_interrupted = 1;
}

/* Ctrl-C, kill, hangup: stop at the next read and clean tmp/ up. */
static void
catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/*
 * What import and pull start with once their options are read: exactly
 * one operand left, the store opened (under its lock), Ctrl-C caught.
 * 0, or the exit status (1) with the usage or the failure printed.
 */
static int
begin_transfer(int argc, struct store *s, struct ctl_err *e)
{
	if (argc - optind != 1) {
		usage(stderr);
		return 1;
	}
	if (open_store(s, e) == -1) {
		store_close(s);
		return failerr(e);
	}
	catch_signals();
	return 0;
}

static int
cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "config", required_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "max-size", required_argument, NULL, 's' },
		{ "max-entries", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	struct import_opts o = { .max_size = DEFAULT_MAX_SIZE,
		.max_entries = DEFAULT_MAX_ENTRIES };
	struct ctl_err e = { .line = 0 };
	struct store s;
	uint64_t v;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+n:c:q", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			o.name = optarg;
			break;
		case 'c':
			o.config = optarg;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 's':
			if (gram_size(optarg, &v) == -1 || v == 0)
				return fail(
				    "--max-size: not a size (e.g. 64G)");
			o.max_size = v;
			break;
		case 'e':
			if (gram_size(optarg, &v) == -1 || v == 0)
				return fail("--max-entries: not a number");
			o.max_entries = v;
			break;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (begin_transfer(argc, &s, &e) != 0)
		return 1;
	char origin[ORIGIN_MAX];
	snprintf(origin, sizeof(origin), "imported from %s",
	    strcmp(argv[optind], "-") == 0 ? "stdin" : argv[optind]);
	o.origin = origin;
	r = import_archive(&s, argv[optind], &o, &e);
	store_close(&s);
	if (r == -1) {
		char msg[sizeof(e.msg) + 64];

		snprintf(msg, sizeof(msg), "import %s: %s", argv[optind],
		    e.msg);
		return fail(msg);
	}
	return 0;
}

static int
cmd_pull(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "platform", required_argument, NULL, 'p' },
		{ "authfile", required_argument, NULL, 'a' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "max-size", required_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	struct pull_opts o = { .max_size = DEFAULT_MAX_SIZE,
		.max_entries = DEFAULT_MAX_ENTRIES,
		.jobs = PULL_JOBS };
	uint64_t v;
	struct ctl_err e = { .line = 0 };
	struct store s;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+n:q", opts, NULL)) != -1) {
		if (c == 'n')
			o.name = optarg;
		else if (c == 'p')
			o.platform = optarg;
		else if (c == 'a')
			o.authfile = optarg;
		else if (c == 'j') {
			if (gram_size(optarg, &v) == -1 || v == 0 ||
			    v > PULL_MAX_JOBS)
				return fail("--jobs: a number from 1 to 16");
			o.jobs = (unsigned)v;
		} else if (c == 's') {
			if (gram_size(optarg, &v) == -1 || v == 0)
				return fail(
				    "--max-size: not a size (e.g. 64G)");
			o.max_size = v;
		} else if (c == 'q')
			o.quiet = true;
		else {
			usage(stderr);
			return 1;
		}
	}
	if (begin_transfer(argc, &s, &e) != 0)
		return 1;
	r = pull_image(&s, argv[optind], &o, &e);
	store_close(&s);
	if (r == -1) {
		char msg[sizeof(e.msg) + 300];

		snprintf(msg, sizeof(msg), "pull %.255s: %s", argv[optind],
		    e.msg);
		return fail(msg);
	}
	return 0;
}

static int
canon_arg(const char *in, char *out)
{
	if (name_canon(in, out, NAME_MAX_LEN + 1) == -1) {
		char msg[512];

		snprintf(msg, sizeof(msg), "invalid image name \"%.255s\"", in);
		return fail(msg);
	}
	return 0;
}

static bool
shared(struct image_desc **v, size_t n, size_t self, const char *hex)
{
	for (size_t i = 0; i < n; i++) {
		if (i == self)
			continue;
		for (size_t k = 0; k < v[i]->nlayers; k++)
			if (strcmp(v[i]->layers[k].hex, hex) == 0)
				return true;
	}
	return false;
}

static int
cmd_list(int argc, char **argv)
{
	struct image_desc **v = NULL;
	struct ctl_err e = { .line = 0 };
	struct store s;
	size_t n = 0;

	if (argc != 1) {
		usage(stderr);
		return 1;
	}
	if (open_store_shared(&s, &e) == -1 ||
	    store_desc_all(&s, &v, &n, &e) == -1) {
		store_close(&s);
		return failerr(&e);
	}
	printf("%-40s %-12s %10s %10s %-16s %s\n", "NAME", "DIGEST", "SIZE",
	    "SHARED", "CREATED", "ORIGIN");
	for (size_t i = 0; i < n; i++) {
		uint64_t size = 0, sh = 0;
		char a[32], b[32], created[20], from[ORIGIN_MAX];

		for (size_t k = 0; k < v[i]->nlayers; k++) {
			size += v[i]->layers[k].size;
			if (shared(v, n, i, v[i]->layers[k].hex))
				sh += v[i]->layers[k].size;
		}
		snprintf(created, sizeof(created), "%.16s", v[i]->created);
		if (strlen(created) > 10 && created[10] == 'T')
			created[10] = ' ';
		origin_get(&s, v[i]->name, from, sizeof(from));
		printf("%-40s %-12.12s %10s %10s %-16s %s\n", v[i]->name,
		    v[i]->digest + 7, img_fmt_size(size, a, sizeof(a)),
		    img_fmt_size(sh, b, sizeof(b)), created[0] ? created : "-",
		    from);
	}
	store_close(&s);
	store_desc_all_free(v, n);
	/* the good ones listed, each bad one warned about */
	return s.unread > 0;
}

/* Prints S quoted, with C escapes for anything not printable ASCII. */
static void
put_quoted(const char *s)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", stdout);
		else if (*p == '\t')
			fputs("\\t", stdout);
		else if (*p < 0x20 || *p >= 0x7f)
			printf("\\x%02x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

static void
put_list(const char *label, char **v, bool optional)
{
	printf("%-12s", label);
	if (v == NULL && optional) {
		puts("(unset)");
		return;
	}
	putchar('[');
	for (size_t i = 0; v != NULL && v[i] != NULL; i++) {
		if (i > 0)
			fputs(", ", stdout);
		put_quoted(v[i]);
	}
	puts("]");
}

static int
cmd_inspect(int argc, char **argv)
{
	char canon[NAME_MAX_LEN + 1], sz[32];
	struct ctl_err e = { .line = 0 };
	struct image_desc *d = NULL;
	struct store s;
	uint64_t total = 0;

	if (argc != 2) {
		usage(stderr);
		return 1;
	}
	if (canon_arg(argv[1], canon) != 0)
		return 1;
	if (open_store_shared(&s, &e) == -1 ||
	    store_desc_read(&s, canon, &d, &e) == -1) {
		store_close(&s);
		return failerr(&e);
	}
	store_close(&s);
	printf("%-12s%s\n%-12s%s\n%-12s%s\n", "Name:", d->name,
	    "Digest:", d->digest, "Created:", d->created[0] ? d->created : "-");
	put_list("Entrypoint:", d->entrypoint, true);
	put_list("Cmd:", d->cmd, true);
	printf("%-12s", "WorkingDir:");
	put_quoted(d->workdir);
	printf("\n%-12s", "User:");
	put_quoted(d->user);
	putchar('\n');
	puts("Env:");
	for (size_t i = 0; d->env[i] != NULL; i++) {
		fputs("  ", stdout);
		put_quoted(d->env[i]);
		putchar('\n');
	}
	put_list("Ports:", d->ports, false);
	puts("Labels:");
	for (size_t i = 0; d->labels[i] != NULL; i++) {
		fputs("  ", stdout);
		put_quoted(d->labels[i]);
		putchar('\n');
	}
	for (size_t i = 0; i < d->nlayers; i++)
		total += d->layers[i].size;
	printf("Layers:     %zu, %s (base first)\n", d->nlayers,
	    img_fmt_size(total, sz, sizeof(sz)));
	for (size_t i = 0; i < d->nlayers; i++)
		printf("  %3zu sha256:%s %s %s\n", i + 1, d->layers[i].hex,
		    d->layers[i].link,
		    img_fmt_size(d->layers[i].size, sz, sizeof(sz)));
	desc_free(d);
	return 0;
}

static void
say_busy(const char *hex)
{
	printf("layer sha256:%.12s is in use by a running container; kept\n",
	    hex);
}

static void
say_gc(const char *what, const struct gc_result *r)
{
	char sz[32];

	printf("%s: removed %u layers (%s)", what, r->removed,
	    img_fmt_size(r->freed, sz, sizeof(sz)));
	if (r->busy > 0)
		printf(", kept %u busy layers (run gc later)", r->busy);
	if (r->links > 0)
		printf(", removed %u stale links", r->links);
	if (r->maps > 0)
		printf(", pruned %u blob map records", r->maps);
	if (r->unread > 0)
		printf(", kept every unused layer: %u descriptors unreadable",
		    r->unread);
	putchar('\n');
}

static int
cmd_rm(int argc, char **argv)
{
	char canon[NAME_MAX_LEN + 1];
	struct ctl_err e = { .line = 0 };
	struct store s;
	struct gc_result gr;
	int ret = 0;

	if (argc < 2) {
		usage(stderr);
		return 1;
	}
	if (open_store(&s, &e) == -1) {
		store_close(&s);
		return failerr(&e);
	}
	for (int i = 1; i < argc; i++) {
		struct image_desc *d = NULL;

		if (canon_arg(argv[i], canon) != 0) {
			ret = 1;
			continue;
		}
		/* An unreadable descriptor is still removed; gc collects. */
		if (store_desc_read(&s, canon, &d, &e) == -1)
			d = NULL;
		if (store_desc_remove(&s, canon, &e) == -1) {
			desc_free(d);
			ret = failerr(&e);
			continue;
		}
		origin_remove(&s, canon);
		printf("removed %s\n", canon);
		if (d != NULL && store_gc(&s, d, &gr, say_busy, &e) == -1)
			ret = failerr(&e);
		else if (d != NULL)
			say_gc(canon, &gr);
		desc_free(d);
	}
	store_close(&s);
	return ret;
}

static int
cmd_gc(int argc, char **argv)
{
	struct ctl_err e = { .line = 0 };
	struct gc_result gr;
	struct store s;

	if (argc != 1) {
		usage(stderr);
		return 1;
	}
	if (open_store(&s, &e) == -1 || store_clean_tmp(&s, &e) == -1 ||
	    store_gc(&s, NULL, &gr, say_busy, &e) == -1) {
		store_close(&s);
		return failerr(&e);
	}
	/* Layer downloads an interrupted pull kept for resuming. */
	if (img_rmtree_at(s.fd, "partial") == -1 && errno != ENOENT) {
		store_close(&s);
		return fail("gc: removing partial downloads failed");
	}
	store_close(&s);
	say_gc("gc", &gr);
	if (gr.unread > 0)
		return fail("gc: no layer removed while a descriptor is "
			    "unreadable (rm its name, then gc)");
	return 0;
}

static int
cmd_tag(int argc, char **argv)
{
	char src[NAME_MAX_LEN + 1], dst[NAME_MAX_LEN + 1];
	struct ctl_err e = { .line = 0 };
	struct image_desc *d = NULL;
	struct store s;
	char *old;
	int r;

	if (argc != 3) {
		usage(stderr);
		return 1;
	}
	if (canon_arg(argv[1], src) != 0 || canon_arg(argv[2], dst) != 0)
		return 1;
	if (store_name_check(dst, &e) == -1)
		return failerr(&e);
	if (open_store(&s, &e) == -1 ||
	    store_desc_read(&s, src, &d, &e) == -1 ||
	    store_clean_tmp(&s, &e) == -1 || store_mkwork(&s, &e) == -1) {
		desc_free(d);
		store_close(&s);
		return failerr(&e);
	}
	old = d->name;
	d->name = dst;
	r = store_desc_write(&s, d, &e);
	d->name = old;
	if (r == 0) {
		char from[ORIGIN_MAX];

		origin_get(&s, src, from, sizeof(from));
		if (strcmp(from, "-") == 0)
			origin_remove(&s, dst);
		else if (origin_put(&s, dst, from) != 0)
			fprintf(stderr,
			    "ctr-image: warning: %s: where it came from was not recorded: %s\n",
			    dst, strerror(errno));
	}
	desc_free(d);
	store_close(&s);
	if (r == -1)
		return failerr(&e);
	printf("tagged %s as %s\n", src, dst);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "import", cmd_import },
		{ "pull", cmd_pull },
		{ "list", cmd_list },
		{ "ls", cmd_list },
		{ "inspect", cmd_inspect },
		{ "rm", cmd_rm },
		{ "gc", cmd_gc },
		{ "tag", cmd_tag },
	};

	umask(077);
	/* --help, or a command's: the usage, on stdout, for anyone. */
	if (argc < 2 || gram_help(argv[1]) ||
	    (argc > 2 && gram_help(argv[2]))) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("ctr-image %s\n", CTL_VERSION);
		return 0;
	}
	if (geteuid() != 0)
		return fail("must be run as root (the image store is root's)");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "ctr-image: unknown command \"%.64s\"\n", argv[1]);
	usage(stderr);
	return 1;
}
