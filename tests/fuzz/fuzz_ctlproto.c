/*
 * fuzz_ctlproto.c: the decoders of ctlproto.h that read bytes from another
 * process or a file, on arbitrary bytes: the ctl request and response
 * (from the socket), the exec payload (from the socket), the info and
 * exit records (files of the state directory), the detach keys and the
 * bytes fed through them (the caller's terminal), and the lifecycle
 * commands' argv (the input cut at NUL bytes).
 *
 * Invariants:
 * - A request or response MUST decode only at its exact length with the
 *   magic, and then encode back to the very bytes.
 * - An exec payload MUST decode only when it encodes back to the very
 *   bytes: no byte of it is ignored.
 * - A record parsed MUST format (within the keeper's KEEPER_INFO_MAX for
 *   a record of strings within the fields) and parse back to the same
 *   record; a record formatted from any strings MUST parse back to them.
 * - Fed bytes MUST come out in order, less exactly the detach sequence
 *   when it was typed, with at most the sequence held back; never more
 *   than LEN + CTLP_DETACH_MAX bytes out.
 * - ctla_parse MUST either fail with one non-empty line free of control
 *   bytes, or give valid names, the verb's own options only, and for exec
 *   a command; or, at --help, no command (the usage only).
 * - ps's filters match any name and image without fault; without a
 *   filter, a container is listed exactly when it runs, unless -a or -n.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "helper/ctlproto.h"
#include "helper/keeper.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXIN   (3 * 16384)
#define MAXARGS 64

static void
check_req(const uint8_t *d, size_t n)
{
	struct ctlp_req r;
	unsigned char b[CTLP_REQ_LEN];

	if (ctlp_req_decode(d, n, &r) != 0) {
		if (n == CTLP_REQ_LEN && d[0] == 0x43 && d[1] == 0x54 &&
		    d[2] == 0x4c && d[3] == 0x4b)
			abort();
		return;
	}
	if (n != CTLP_REQ_LEN)
		abort();
	ctlp_req_encode(&r, b);
	if (memcmp(b, d, n) != 0)
		abort();
}

static void
check_resp(const uint8_t *d, size_t n)
{
	struct ctlp_resp r;
	unsigned char b[CTLP_RESP_LEN];

	if (ctlp_resp_decode(d, n, &r) != 0) {
		if (n == CTLP_RESP_LEN && d[0] == 0x43 && d[1] == 0x54 &&
		    d[2] == 0x4c && d[3] == 0x4b)
			abort();
		return;
	}
	if (n != CTLP_RESP_LEN)
		abort();
	ctlp_resp_encode(&r, b);
	if (memcmp(b, d, n) != 0)
		abort();
}

static void
check_exec(const uint8_t *d, size_t n)
{
	struct ctlp_exec x;
	char *b;
	ssize_t m;

	if (ctlp_exec_decode((const char *)d, n, &x) != 0)
		return;
	if (x.argv[0] == NULL ||
	    (x.workdir[0] != '\0' && x.workdir[0] != '/') ||
	    !ctlp_terminal_ok(x.terminal))
		abort();
	if ((b = malloc(n)) == NULL)
		abort();
	m = ctlp_exec_encode(x.argv, x.env, x.workdir, x.tty, x.detach,
	    x.terminal, b, n);
	if (m < 0 || (size_t)m != n || memcmp(b, d, n) != 0)
		abort();
	free(b);
	ctlp_exec_free(&x);
}

static bool
info_eq(const struct ctlp_info *a, const struct ctlp_info *b)
{
	return a->uid == b->uid && strcmp(a->name, b->name) == 0 &&
	    strcmp(a->image, b->image) == 0 &&
	    strcmp(a->command, b->command) == 0 && a->created == b->created &&
	    a->keeper == b->keeper && a->tty == b->tty && a->rm == b->rm &&
	    strcmp(a->ports, b->ports) == 0 && strcmp(a->step, b->step) == 0 &&
	    a->exec_account == b->exec_account;
}

/* A formatted record: "key=value\n" lines of plain bytes only. */
static void
check_lines(const char *buf, int n)
{
	if (n <= 0 || buf[n - 1] != '\n' || strlen(buf) != (size_t)n)
		abort();
	for (int i = 0; i < n; i++)
		if (buf[i] != '\n' &&
		    ((unsigned char)buf[i] <= 0x20 ||
			(unsigned char)buf[i] >= 0x7f))
			abort();
}

static void
check_records(const uint8_t *d, size_t n)
{
	static char buf[4 * KEEPER_INFO_MAX];
	struct ctlp_info i = { 0 }, j = { 0 };
	struct ctlp_exit e = { 0, 0 }, f = { 0, 0 };
	int m;

	if (ctlp_info_parse((const char *)d, n, &i) == 0) {
		m = ctlp_info_format(&i, buf, sizeof(buf));
		check_lines(buf, m);
		if (ctlp_info_parse(buf, (size_t)m, &j) != 0 ||
		    !info_eq(&i, &j))
			abort();
	}
	if (ctlp_exit_parse((const char *)d, n, &e) == 0) {
		if (e.status < -1 || e.status > 255 || e.ended < 0)
			abort();
		m = ctlp_exit_format(&e, buf, sizeof(buf));
		check_lines(buf, m);
		if (ctlp_exit_parse(buf, (size_t)m, &f) != 0 ||
		    f.status != e.status || f.ended != e.ended)
			abort();
	}
}

static void
cpy(char *dst, size_t len, const char *s)
{
	size_t k = strnlen(s, len - 1);

	memcpy(dst, s, k);
	dst[k] = '\0';
}

/* A record of the input's strings, as a keeper would write it. */
static void
check_info_of(char *const *s, size_t ns, const uint8_t *d, size_t n)
{
	static char buf[KEEPER_INFO_MAX];
	struct ctlp_info i = { 0 }, j = { 0 };
	int m;

	cpy(i.name, sizeof(i.name), ns > 0 ? s[0] : "");
	cpy(i.image, sizeof(i.image), ns > 1 ? s[1] : "");
	cpy(i.command, sizeof(i.command), ns > 2 ? s[2] : "");
	cpy(i.ports, sizeof(i.ports), ns > 3 ? s[3] : "");
	cpy(i.step, sizeof(i.step), ns > 4 ? s[4] : "");
	if (n >= 8) {
		i.uid = (uid_t)(d[0] | d[1] << 8 | (uint32_t)d[2] << 16);
		i.created = (int64_t)(d[3] | d[4] << 8 | (uint32_t)d[5] << 16);
		i.keeper = 1 + (pid_t)(d[6] | d[7] << 8);
		i.tty = d[0] & 1;
		i.rm = d[1] & 1;
	} else {
		i.keeper = 1;
	}
	m = ctlp_info_format(&i, buf, sizeof(buf));
	if (m < 0) {
		/* Only a record too long for the keeper's buffer. */
		if (3 *
			    (strlen(i.name) + strlen(i.image) +
				strlen(i.command) + strlen(i.ports) +
				strlen(i.step)) +
			200 <
		    sizeof(buf))
			abort();
		return;
	}
	check_lines(buf, m);
	if (ctlp_info_parse(buf, (size_t)m, &j) != 0 || !info_eq(&i, &j))
		abort();
}

/* Feeds IN through the detach keys SPEC in chunks cut by the input. */
static void
check_detach(const char *spec, const uint8_t *in, size_t n)
{
	struct ctlp_detach dk;
	unsigned char *out, *all;
	size_t o = 0, done = 0, outlen;
	bool hit = false;

	if (ctlp_detach_parse(spec, &dk) != 0)
		return;
	if (dk.nkeys == 0 || dk.nkeys > CTLP_DETACH_MAX)
		abort();
	if ((all = malloc(n + CTLP_DETACH_MAX + 1)) == NULL)
		abort();
	while (done < n && !hit) {
		size_t len = 1 + in[done] % 16;

		if (len > n - done)
			len = n - done;
		/* Exactly the room promised, for ASan to see. */
		if ((out = malloc(len + CTLP_DETACH_MAX)) == NULL)
			abort();
		hit = ctlp_detach_feed(&dk, in + done, len, out, &outlen);
		if (outlen > len + CTLP_DETACH_MAX)
			abort();
		memcpy(all + o, out, outlen);
		o += outlen;
		free(out);
		if (!hit) {
			done += len;
			/* Out and held back: the input so far. */
			if (dk.matched >= dk.nkeys || o + dk.matched != done ||
			    memcmp(all, in, o) != 0 ||
			    memcmp(in + o, dk.keys, dk.matched) != 0)
				abort();
		}
	}
	if (hit) {
		/* The input up to the end of a typed sequence, less it. */
		size_t end = o + dk.nkeys;

		if (end > n || end <= done || end > done + 16 ||
		    memcmp(all, in, o) != 0 ||
		    memcmp(in + o, dk.keys, dk.nkeys) != 0)
			abort();
	}
	free(all);
}

static bool
name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63 || strchr("_.-", s[0]) != NULL)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
			(s[i] >= 'A' && s[i] <= 'Z') ||
			(s[i] >= '0' && s[i] <= '9') ||
			strchr("_.-", s[i]) != NULL))
			return false;
	return true;
}

static void
check_args(char **argv, int argc)
{
	static struct ctla_request r;
	struct ctl_err err;

	if (ctla_parse(argc, argv, &r, &err) != 0) {
		if (err.msg[0] == '\0')
			abort();
		for (const char *p = err.msg; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				abort();
		return;
	}
	if (r.cmd == CTLA_NONE || !ctla_is_command(r.verb) ||
	    r.nnames > CTLA_MAX_NAMES || r.nenvs > CTLP_EXEC_ARGS)
		abort();
	for (size_t i = 0; i < r.nnames; i++)
		if (!name_ok(r.names[i]))
			abort();
	/* --help ends the parse (before exec's command): nothing runs but
	 * the usage. */
	if (r.help) {
		if (r.command != NULL)
			abort();
		return;
	}
	if (r.cmd == CTLA_PS ? r.nnames != 0 : r.nnames == 0 && !r.all_users)
		abort();
	if (r.all_users && r.user != NULL)
		abort();
	if (r.cmd == CTLA_EXEC &&
	    (r.command == NULL || r.command[0] == NULL || r.nnames != 1))
		abort();
	if (r.cmd != CTLA_EXEC &&
	    (r.command != NULL || r.nenvs != 0 || r.workdir != NULL || r.tty))
		abort();
	if (r.workdir != NULL && r.workdir[0] != '/')
		abort();
	if (r.detach_keys != NULL && r.cmd != CTLA_ATTACH)
		abort();
	if ((r.json || r.quiet || r.all || r.no_trunc) && r.cmd != CTLA_PS)
		abort();
	if (r.signal <= 0 || r.signal > 64 || r.time < 0)
		abort();
	if ((r.nfilters != 0 || r.last != -1) && r.cmd != CTLA_PS)
		abort();
	if ((r.nenv_files != 0 && r.cmd != CTLA_EXEC) ||
	    r.nenv_files > CTLA_MAX_ENV_FILES)
		abort();
	for (size_t i = 0; i < r.nenv_files; i++)
		if (r.env_files[i][0] == '\0')
			abort();
	if (r.port != NULL &&
	    (r.cmd != CTLA_PORT || r.port[0] < '0' || r.port[0] > '9'))
		abort();
	/* port's lines from any record text: within OUT, terminated. */
	if (r.cmd == CTLA_PORT) {
		char out[64];
		int k;

		memset(out, 'x', sizeof(out));
		k = ctlp_port_text(argv[argc - 1], r.port, out, sizeof(out));
		if (memchr(out, '\0', sizeof(out)) == NULL ||
		    (k == 0 && out[0] != '\0'))
			abort();
	}
	if (r.nfilters > CTLA_MAX_FILTERS || r.last == 0 || r.last < -1)
		abort();
	/* Every filter's value is one ps can match against: the last
	 * argument (at most 4096 bytes) as a name and as an image. */
	if (r.cmd == CTLA_PS) {
		const char *a = argv[argc - 1];
		bool w = ctla_ps_wanted(&r, a, a, a[0] == 'r', (int)strlen(a));

		/* Without filters: listed exactly when it runs, unless -a
		 * or -n. */
		if (r.nfilters == 0 &&
		    w != (a[0] == 'r' || r.all || r.last > 0))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char in[MAXIN + 1];
	char *argv[MAXARGS + 3];
	int argc = 1;

	if (size > MAXIN)
		return 0;
	check_req(data, size);
	check_resp(data, size);
	if (size >= CTLP_REQ_LEN)
		check_req(data, CTLP_REQ_LEN);
	if (size >= CTLP_RESP_LEN)
		check_resp(data, CTLP_RESP_LEN);
	check_exec(data, size);
	check_records(data, size);

	/* The strings: cut at NUL. */
	memcpy(in, data, size);
	in[size] = '\0';
	argv[0] = "ctr-launch";
	argv[argc++] = in;
	for (size_t i = 0; i < size && argc < MAXARGS + 1; i++)
		if (in[i] == '\0')
			argv[argc++] = in + i + 1;
	argv[argc] = NULL;
	check_info_of(argv + 1, (size_t)argc - 1, data, size);
	{
		/* The first string the keys, the rest the typed bytes. */
		size_t k = strlen(in);

		check_detach(in, data + (k < size ? k + 1 : size),
		    k < size ? size - k - 1 : 0);
	}
	check_args(argv, argc);
	return 0;
}
