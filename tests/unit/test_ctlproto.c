/*
 * test_ctlproto.c: the pure pieces of detached containers.
 *
 * Invariants checked:
 * - Requests and responses round-trip; a wrong length or magic is refused.
 * - Records round-trip any byte of a command; a record with an unknown,
 *   repeated or missing key, a newline in a value or a bad escape is
 *   refused.
 * - Status texts and durations have Docker's shapes.
 * - The log cap keeps the newest bytes and never exceeds the cap.
 * - Escaping leaves no control byte; --tail, signals and pruning.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helper/ctlproto.h"

static void
test_req_roundtrip(void **state)
{
	struct ctlp_req r = { CTLP_VERSION, CTLP_KILL, SIGTERM }, o;
	unsigned char b[CTLP_REQ_LEN];

	(void)state;
	ctlp_req_encode(&r, b);
	assert_int_equal(ctlp_req_decode(b, sizeof(b), &o), 0);
	assert_int_equal(o.version, CTLP_VERSION);
	assert_int_equal(o.op, CTLP_KILL);
	assert_int_equal(o.arg, SIGTERM);
	assert_int_equal(ctlp_req_decode(b, sizeof(b) - 1, &o), -1);
	b[0] ^= 1;
	assert_int_equal(ctlp_req_decode(b, sizeof(b), &o), -1);
}

static void
test_resp_roundtrip(void **state)
{
	struct ctlp_resp r = { CTLP_VERSION, CTLP_STATUS, CTLP_OK, -1, 1,
		123456789012ull, 1ull << 33, 7, 99 },
			 o;
	unsigned char b[CTLP_RESP_LEN];

	(void)state;
	ctlp_resp_encode(&r, b);
	assert_int_equal(ctlp_resp_decode(b, sizeof(b), &o), 0);
	assert_int_equal(o.status, -1);
	assert_int_equal(o.running, 1);
	assert_true(o.cpu_usec == 123456789012ull);
	assert_true(o.mem == 1ull << 33);
	assert_true(o.pids == 7);
	assert_int_equal(ctlp_resp_decode(b, sizeof(b) + 1, &o), -1);
}

static void
test_info_roundtrip(void **state)
{
	struct ctlp_info i, o = { 0 };
	char buf[4096];
	int n;

	(void)state;
	memset(&i, 0, sizeof(i));
	i.uid = 1234;
	strcpy(i.name, "lab");
	strcpy(i.image, "busybox:latest");
	strcpy(i.command, "sh -c 'echo a=b\n%20\x1b[2J'");
	i.created = 1700000000;
	i.keeper = 42;
	i.tty = true;
	strcpy(i.ports, "127.0.0.1:8888->8888/tcp,[::1]:9000->80/tcp");
	n = ctlp_info_format(&i, buf, sizeof(buf));
	assert_true(n > 0);
	/* One line per key: no raw newline or escape in a value. */
	assert_null(strchr(buf, '\x1b'));
	assert_int_equal(ctlp_info_parse(buf, (size_t)n, &o), 0);
	assert_string_equal(o.command, i.command);
	assert_string_equal(o.name, "lab");
	assert_int_equal(o.uid, 1234);
	assert_int_equal(o.keeper, 42);
	assert_true(o.tty);
	assert_false(o.rm);
	assert_string_equal(o.ports, i.ports);
	/* Without -p no ports key; an older keeper's record has none. */
	i.ports[0] = '\0';
	n = ctlp_info_format(&i, buf, sizeof(buf));
	assert_true(n > 0);
	assert_null(strstr(buf, "ports="));
	assert_int_equal(ctlp_info_parse(buf, (size_t)n, &o), 0);
	assert_string_equal(o.ports, "");
	assert_string_equal(o.step, "");
	/* A step's shared container: its job and step ids. */
	strcpy(i.step, "123.4");
	n = ctlp_info_format(&i, buf, sizeof(buf));
	assert_true(n > 0);
	assert_non_null(strstr(buf, "step=123.4\n"));
	assert_int_equal(ctlp_info_parse(buf, (size_t)n, &o), 0);
	assert_string_equal(o.step, "123.4");
	/* A keeper that checks PAM's account for exec says so; an older
	 * one's record lacks the key. */
	assert_null(strstr(buf, "exec_account="));
	assert_false(o.exec_account);
	i.exec_account = true;
	n = ctlp_info_format(&i, buf, sizeof(buf));
	assert_true(n > 0);
	assert_non_null(strstr(buf, "exec_account=1\n"));
	assert_int_equal(ctlp_info_parse(buf, (size_t)n, &o), 0);
	assert_true(o.exec_account);
}

static void
test_info_refused(void **state)
{
	static const char *bad[] = {
		"uid=1\nname=a\nimage=b\ncommand=c\ncreated=1\nkeeper=2\ntty=0\n",
		"uid=1\nname=a\nimage=b\ncommand=c\ncreated=1\nkeeper=2\ntty=0\nrm=0\nx=1\n",
		"uid=1\nuid=1\nname=a\nimage=b\ncommand=c\ncreated=1\nkeeper=2\ntty=0\nrm=0\n",
		"uid=1\nname=a b\nimage=b\ncommand=c\ncreated=1\nkeeper=2\ntty=0\nrm=0\n",
		"uid=1\nname=a%0\nimage=b\ncommand=c\ncreated=1\nkeeper=2\ntty=0\nrm=0\n",
		"uid=1\nname=a%00\nimage=b\ncommand=c\ncreated=1\nkeeper=2\ntty=0\nrm=0\n",
		"uid=-1\nname=a\nimage=b\ncommand=c\ncreated=1\nkeeper=2\ntty=0\nrm=0\n",
		"uid=1\nname=a\nimage=b\ncommand=c\ncreated=1\nkeeper=2\ntty=0\nrm=0",
		"uid=1\nname=a\nimage=b\ncommand=c\ncreated=1\nkeeper=2\ntty=0\nrm=0\nports=x\nports=y\n",
		"uid=1\nname=a\nimage=b\ncommand=c\ncreated=1\nkeeper=2\ntty=0\nports=x\n",
		"uid=1\nname=a\nimage=b\ncommand=c\ncreated=1\nkeeper=2\ntty=0\nrm=0\nstep=1.0\nstep=1.0\n",
		"uid=1\nname=a\nimage=b\ncommand=c\ncreated=1\nkeeper=2\ntty=0\nrm=0\nexec_account=2\n",
		"uid=1\nname=a\nimage=b\ncommand=c\ncreated=1\nkeeper=2\ntty=0\nrm=0\nexec_account=1\nexec_account=1\n",
	};
	struct ctlp_info o = { 0 };
	struct ctlp_exit e = { 0, 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ctlp_info_parse(bad[i], strlen(bad[i]), &o),
		    -1);
	assert_int_equal(ctlp_exit_parse("status=0\n", 9, &e), -1);
	assert_int_equal(ctlp_exit_parse("status=256\nended=1\n", 19, &e), -1);
	assert_int_equal(ctlp_exit_parse("status=-1\nended=5\n", 18, &e), 0);
	assert_int_equal(e.status, -1);
	assert_int_equal(e.ended, 5);
}

/* The keeper's record of 64 -p at their longest (more than 2 KiB of
 * ports) reads back: every field's whole length parses. */
static void
test_info_long_ports(void **state)
{
	struct ctlp_info i = { 1000, "lab", "busybox", "sleep 300", 5, 42,
		false, false, "", "", false };
	static struct ctlp_info o;
	static char buf[8192];
	size_t off = 0;
	int n;

	(void)state;
	for (int k = 0; k < 64; k++)
		off += (size_t)snprintf(i.ports + off, sizeof(i.ports) - off,
		    "%s255.255.255.255:65535->65535/tcp", k > 0 ? "," : "");
	assert_true(off > 2048);
	n = ctlp_info_format(&i, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(ctlp_info_parse(buf, (size_t)n, &o), 0);
	assert_string_equal(o.ports, i.ports);
	/* The field's full size, and not a byte more. */
	memset(i.ports, 'p', sizeof(i.ports) - 1);
	i.ports[sizeof(i.ports) - 1] = '\0';
	n = ctlp_info_format(&i, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(ctlp_info_parse(buf, (size_t)n, &o), 0);
	assert_int_equal(strlen(o.ports), sizeof(i.ports) - 1);
	buf[n - 1] = 'p';
	buf[n] = '\n';
	assert_int_equal(ctlp_info_parse(buf, (size_t)n + 1, &o), -1);
}

static void
test_status_text(void **state)
{
	struct ctlp_exit e = { 0, 1000 };
	char b[64];

	(void)state;
	ctlp_status_text(true, NULL, 1000, 1300, b, sizeof(b));
	assert_string_equal(b, "Up 5 minutes");
	ctlp_status_text(true, NULL, 1000, 1000, b, sizeof(b));
	assert_string_equal(b, "Up Less than a second");
	ctlp_status_text(false, &e, 0, 1120, b, sizeof(b));
	assert_string_equal(b, "Exited (0) 2 minutes ago");
	e.status = -1;
	ctlp_status_text(false, &e, 0, 1120, b, sizeof(b));
	assert_string_equal(b, "Exited (unknown)");
	ctlp_duration(1, b, sizeof(b));
	assert_string_equal(b, "1 second");
	ctlp_duration(59, b, sizeof(b));
	assert_string_equal(b, "59 seconds");
	ctlp_duration(60, b, sizeof(b));
	assert_string_equal(b, "About a minute");
	ctlp_duration(3600, b, sizeof(b));
	assert_string_equal(b, "About an hour");
	ctlp_duration(5 * 3600, b, sizeof(b));
	assert_string_equal(b, "5 hours");
	ctlp_duration(3 * 86400, b, sizeof(b));
	assert_string_equal(b, "3 days");
	ctlp_duration(15 * 86400, b, sizeof(b));
	assert_string_equal(b, "2 weeks");
	ctlp_duration(800 * 86400LL, b, sizeof(b));
	assert_string_equal(b, "2 years");
}

static void
test_log_cap(void **state)
{
	(void)state;
	/* Room: keep everything. */
	assert_int_equal(ctlp_log_keep(100, 10, 1000), 100);
	assert_int_equal(ctlp_log_keep(990, 10, 1000), 990);
	/* Full: keep the newest half less the new bytes. */
	assert_int_equal(ctlp_log_keep(995, 10, 1000), 490);
	/* New bytes beyond half the cap. */
	assert_int_equal(ctlp_log_keep(995, 700, 1000), 300);
	/* New bytes beyond the cap: nothing old stays, the last cap bytes. */
	assert_int_equal(ctlp_log_keep(995, 5000, 1000), 0);
	assert_int_equal(ctlp_log_take(5000, 1000), 1000);
	for (uint64_t s = 0; s <= 1000; s += 37)
		for (uint64_t n = 1; n <= 1500; n += 53)
			assert_true(ctlp_log_keep(s, n, 1000) +
				ctlp_log_take(n, 1000) <=
			    1000);
}

static void
test_escape_tail_signal(void **state)
{
	char b[64];
	const char *log = "one\ntwo\nthree\n";

	(void)state;
	ctlp_escape("a\x1b[2Jb\n\\", b, sizeof(b));
	assert_string_equal(b, "a\\x1b[2Jb\\x0a\\x5c");
	ctlp_escape("abcdef", b, 4);
	assert_string_equal(b, "abc");
	assert_int_equal(ctlp_tail_offset(log, strlen(log), 1), 8);
	assert_int_equal(ctlp_tail_offset(log, strlen(log), 2), 4);
	assert_int_equal(ctlp_tail_offset(log, strlen(log), 9), 0);
	assert_int_equal(ctlp_tail_offset(log, strlen(log), 0), strlen(log));
	assert_int_equal(ctlp_tail_offset("a\nb", 3, 1), 2);
	assert_int_equal(ctlp_signal("TERM"), SIGTERM);
	assert_int_equal(ctlp_signal("sigkill"), SIGKILL);
	assert_int_equal(ctlp_signal("9"), 9);
	assert_int_equal(ctlp_signal("0"), -1);
	assert_int_equal(ctlp_signal("65"), -1);
	assert_int_equal(ctlp_signal("NOPE"), -1);
	assert_int_equal(ctlp_signal("9x"), -1);
}

#define U(s) ctlp_term_unit((const unsigned char *)(s), sizeof(s) - 1)

/* What a log shown on a terminal passes: text, UTF-8 included; never a
 * C0 or C1 control, nor a byte of a malformed sequence. */
static void
test_term_unit(void **state)
{
	(void)state;
	assert_int_equal(U("a"), 1);
	assert_int_equal(U("\n"), 1);
	assert_int_equal(U("\t"), 1);
	assert_int_equal(U("\x1b[2J"), 0);
	assert_int_equal(U("\r"), 0);
	assert_int_equal(U("\x7f"), 0);
	/* é, €, U+10FFFF, an emoji. */
	assert_int_equal(U("\xc3\xa9"), 2);
	assert_int_equal(U("\xe2\x82\xac"), 3);
	assert_int_equal(U("\xf4\x8f\xbf\xbf"), 4);
	assert_int_equal(U("\xf0\x9f\x98\x80"), 4);
	/* C1 controls as UTF-8 (CSI, OSC, ST) and as raw bytes. */
	assert_int_equal(U("\xc2\x9b"), 0);
	assert_int_equal(U("\xc2\x9d"), 0);
	assert_int_equal(U("\xc2\x9c"), 0);
	assert_int_equal(U("\xc2\x80"), 0);
	assert_int_equal(U("\xc2\xa0"), 2);
	assert_int_equal(U("\x9b"), 0);
	/* Malformed: overlong, surrogate, beyond U+10FFFF, a bad
	 * continuation, a lone continuation byte. */
	assert_int_equal(U("\xc0\x9b"), 0);
	assert_int_equal(U("\xe0\x82\x9b"), 0);
	assert_int_equal(U("\xf0\x80\x82\x9b"), 0);
	assert_int_equal(U("\xed\xa0\x80"), 0);
	assert_int_equal(U("\xf4\x90\x80\x80"), 0);
	assert_int_equal(U("\xf5\x80\x80\x80"), 0);
	assert_int_equal(U("\xe2\x28\xac"), 0);
	assert_int_equal(U("\x80"), 0);
	/* Cut short by the end of the piece: wait for the next. */
	assert_int_equal(U("\xe2\x82"), CTLP_TERM_MORE);
	assert_int_equal(U("\xf0"), CTLP_TERM_MORE);
	assert_int_equal(U("\xc2"), CTLP_TERM_MORE);
}

static void
test_log_name(void **state)
{
	char n[8];

	(void)state;
	assert_true(ctlp_log_name("lab.log", n, sizeof(n)));
	assert_string_equal(n, "lab");
	assert_true(ctlp_log_name("lab.idx", n, sizeof(n)));
	assert_false(ctlp_log_name("lab.tmp", n, sizeof(n)));
	assert_false(ctlp_log_name(".log", n, sizeof(n)));
	assert_false(ctlp_log_name("toolong8.log", n, sizeof(n)));
}

static void
test_prune(void **state)
{
	int64_t ended[] = { 100, 500, 900, 950, 990 };
	bool pr[5];

	(void)state;
	/* keep 200 s at 1000: 100 and 500 go. */
	assert_int_equal(ctlp_prune(ended, 5, 1000, 200, 20, pr), 2);
	assert_true(pr[0] && pr[1] && !pr[2] && !pr[3] && !pr[4]);
	/* max 1: only the newest stays. */
	assert_int_equal(ctlp_prune(ended, 5, 1000, 100000, 1, pr), 4);
	assert_true(pr[0] && pr[1] && pr[2] && pr[3] && !pr[4]);
	assert_int_equal(ctlp_prune(ended, 5, 1000, 100000, 0, pr), 5);
}

static void
test_join(void **state)
{
	char a0[] = "sh", a1[] = "-c", a2[] = "echo hi";
	char *argv[] = { a0, a1, a2, NULL };
	char b[32];

	(void)state;
	ctlp_join(argv, b, sizeof(b));
	assert_string_equal(b, "sh -c echo hi");
	ctlp_join(argv, b, 8);
	assert_string_equal(b, "sh...");
	assert_non_null(strstr(b, "..."));
}

#define DEC(lit) ctlp_exec_decode((lit), sizeof(lit) - 1, &x)

static void
test_exec_roundtrip(void **state)
{
	char a0[] = "sh", a1[] = "-c", a2[] = "echo $X\n\x01";
	char e0[] = "X=1", e1[] = "EMPTY=";
	char *argv[] = { a0, a1, a2, NULL }, *env[] = { e0, e1, NULL };
	char buf[CTLP_EXEC_MAX];
	struct ctlp_exec x;
	ssize_t n;

	(void)state;
	n = ctlp_exec_encode(argv, env, "/tmp", false, false, "/dev/pts/7", buf,
	    sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(ctlp_exec_decode(buf, (size_t)n, &x), 0);
	assert_string_equal(x.argv[2], a2);
	assert_null(x.argv[3]);
	assert_string_equal(x.env[1], "EMPTY=");
	assert_string_equal(x.workdir, "/tmp");
	assert_string_equal(x.terminal, "/dev/pts/7");
	assert_false(x.tty);
	ctlp_exec_free(&x);
	/* Truncated, unterminated, relative workdir, bad -e, empty argv. */
	assert_int_equal(ctlp_exec_decode(buf, (size_t)n - 1, &x), -1);
	assert_int_equal(DEC("P0\0\0rel\0sh\0\0"), -1);
	assert_int_equal(DEC("P0\0\0\0sh\0\0=x\0"), -1);
	assert_int_equal(DEC("P0\0\0\0sh\0\0A-B=x\0"), -1);
	assert_int_equal(DEC("P0\0\0\0\0"), -1);
	assert_int_equal(DEC("P2\0\0\0sh\0\0"), -1);
	assert_int_equal(DEC("P0\0\0\0sh\0\0"), 0);
	assert_string_equal(x.terminal, "");
	ctlp_exec_free(&x);
	assert_int_equal(DEC("P1\0/dev/tty1\0\0sh\0\0"), 0);
	assert_true(x.tty);
	ctlp_exec_free(&x);
	/* A terminal that is not a device's name, or has a control byte. */
	assert_int_equal(DEC("P0\0tty1\0\0sh\0\0"), -1);
	assert_int_equal(DEC("P0\0/dev/pts/1\n\0\0sh\0\0"), -1);
	assert_int_equal(DEC("P0\0/dev/pts 1\0\0sh\0\0"), -1);
	assert_int_equal(ctlp_exec_encode(argv, env, "", false, false, "/etc/x",
			     buf, sizeof(buf)),
	    -1);
	/* The payload of older keepers is encoded for them, and refused
	 * here: it leaves PAM's account check to the launcher. */
	n = ctlp_exec_encode(argv, env, "", true, false, NULL, buf,
	    sizeof(buf));
	assert_true(n > 0);
	assert_memory_equal(buf, "E1\0\0sh\0", 7);
	assert_int_equal(ctlp_exec_decode(buf, (size_t)n, &x), -1);
	assert_int_equal(DEC("E0\0\0sh\0\0"), -1);
	/* Too big to encode. */
	assert_int_equal(ctlp_exec_encode(argv, env, "", false, false, "", buf,
			     8),
	    -1);
	/* exec -d: "PD", never with -t nor for an older keeper. */
	n = ctlp_exec_encode(argv, env, "", false, true, "", buf, sizeof(buf));
	assert_true(n > 0);
	assert_memory_equal(buf, "PD\0", 3);
	assert_int_equal(ctlp_exec_decode(buf, (size_t)n, &x), 0);
	assert_true(x.detach);
	assert_false(x.tty);
	assert_string_equal(x.argv[0], "sh");
	ctlp_exec_free(&x);
	assert_int_equal(ctlp_exec_encode(argv, env, "", true, true, "", buf,
			     sizeof(buf)),
	    -1);
	assert_int_equal(ctlp_exec_encode(argv, env, "", false, true, NULL, buf,
			     sizeof(buf)),
	    -1);
	assert_int_equal(DEC("PD\0\0\0sh\0\0"), 0);
	assert_true(x.detach && !x.tty);
	ctlp_exec_free(&x);
	assert_int_equal(DEC("Pd\0\0\0sh\0\0"), -1);
	assert_int_equal(DEC("ED\0\0sh\0\0"), -1);
}

static void
test_exec_empty_args(void **state)
{
	char a0[] = "printf", a1[] = "[%s]", a2[] = "", a3[] = "x", a4[] = "";
	char e0[] = "X=1";
	char *argv[] = { a0, a1, a2, a3, a4, NULL }, *env[] = { e0, NULL };
	char buf[CTLP_EXEC_MAX];
	struct ctlp_exec x;
	ssize_t n;

	(void)state;
	n = ctlp_exec_encode(argv, env, "/", true, false, "/dev/pts/7", buf,
	    sizeof(buf));
	assert_true(n > 0);
	assert_memory_equal(buf,
	    "C1\0/dev/pts/7\0/\0"
	    "5\0printf\0",
	    24);
	assert_int_equal(ctlp_exec_decode(buf, (size_t)n, &x), 0);
	for (int i = 0; i < 5; i++)
		assert_string_equal(x.argv[i], argv[i]);
	assert_null(x.argv[5]);
	assert_string_equal(x.env[0], "X=1");
	assert_null(x.env[1]);
	assert_true(x.tty);
	ctlp_exec_free(&x);
	/* exec -d with an empty entry: counted, "CD". */
	n = ctlp_exec_encode(argv, env, "/", false, true, "", buf, sizeof(buf));
	assert_true(n > 0);
	assert_memory_equal(buf, "CD\0", 3);
	assert_int_equal(ctlp_exec_decode(buf, (size_t)n, &x), 0);
	assert_true(x.detach);
	assert_string_equal(x.argv[2], "");
	ctlp_exec_free(&x);
	/* Without an empty entry, the payload every keeper reads. */
	argv[2] = a3;
	argv[4] = NULL;
	n = ctlp_exec_encode(argv, env, "/", false, false, "", buf,
	    sizeof(buf));
	assert_true(n > 0);
	assert_memory_equal(buf, "P0\0", 3);
	/* An older keeper's payload has no way to say it. */
	argv[2] = a2;
	assert_int_equal(ctlp_exec_encode(argv, env, "", false, false, NULL,
			     buf, sizeof(buf)),
	    -1);
	/* The count: decimal 1 to CTLP_EXEC_ARGS, that many entries. */
	assert_int_equal(DEC("C0\0\0\0"
			     "1\0\0"),
	    0);
	assert_string_equal(x.argv[0], "");
	assert_null(x.argv[1]);
	ctlp_exec_free(&x);
	/* Counted without an empty entry: not that argv's payload. */
	assert_int_equal(DEC("C0\0\0\0"
			     "1\0sh\0"),
	    -1);
	assert_int_equal(DEC("C0\0\0\0"
			     "2\0\0\0X=1\0"),
	    0);
	assert_string_equal(x.env[0], "X=1");
	ctlp_exec_free(&x);
	assert_int_equal(DEC("C0\0\0\0"
			     "0\0"),
	    -1);
	assert_int_equal(DEC("C0\0\0\0"
			     "01\0sh\0"),
	    -1);
	assert_int_equal(DEC("C0\0\0\0"
			     "+1\0sh\0"),
	    -1);
	assert_int_equal(DEC("C0\0\0\0"
			     "1x\0sh\0"),
	    -1);
	assert_int_equal(DEC("C0\0\0\0"
			     "1025\0sh\0"),
	    -1);
	assert_int_equal(DEC("C0\0\0\0"
			     "99999\0sh\0"),
	    -1);
	assert_int_equal(DEC("C0\0\0\0"
			     "3\0sh\0\0"),
	    -1);
	assert_int_equal(DEC("C0\0\0\0"
			     "2\0sh\0\0=x\0"),
	    -1);
	assert_int_equal(DEC("C2\0\0\0"
			     "1\0sh\0"),
	    -1);
	assert_int_equal(DEC("C\0\0\0"
			     "1\0sh\0"),
	    -1);
}

static void
test_env_merge(void **state)
{
	char b0[] = "PATH=/bin", b1[] = "HOME=/h", o0[] = "HOME=/x",
	     o1[] = "NEW=1", o2[] = "NEW=2";
	char *base[] = { b0, b1, NULL }, *over[] = { o0, o1, o2, NULL };
	char **v = ctlp_env_merge(base, over);

	(void)state;
	assert_non_null(v);
	assert_string_equal(v[0], "PATH=/bin");
	assert_string_equal(v[1], "HOME=/x");
	assert_string_equal(v[2], "NEW=2");
	assert_null(v[3]);
	free(v);
}

/* A writable, NULL-terminated copy of V (string literals are const). */
static char **
dupv(const char *const *v, int *argc)
{
	int n = 0;
	char **c;

	while (v[n] != NULL)
		n++;
	c = calloc((size_t)n + 1, sizeof(char *));
	assert_non_null(c);
	for (int i = 0; i < n; i++)
		assert_non_null(c[i] = strdup(v[i]));
	*argc = n;
	return c;
}

static void
freev(char **c)
{
	for (int i = 0; c[i] != NULL; i++)
		free(c[i]);
	free(c);
}

#define PARSE(r, ...) \
	parse_v((r), (const char *const[]){ "x", __VA_ARGS__, NULL })

static char **held;

static int
parse_v(struct ctla_request *r, const char *const *v)
{
	static struct ctl_err err;
	int argc, rc;

	if (held != NULL)
		freev(held);
	held = dupv(v, &argc);
	rc = ctla_parse(argc, held, r, &err);
	assert_true(rc == 0 || err.msg[0] != '\0');
	return rc;
}

static void
test_ctla_parse(void **state)
{
	static struct ctla_request r;

	(void)state;
	assert_int_equal(PARSE(&r, "ps", "-aq", "--format", "json"), 0);
	assert_true(r.all && r.quiet && r.json && !r.no_trunc);
	assert_int_equal(PARSE(&r, "ps", "--no-trunc"), 0);
	assert_true(r.no_trunc);
	assert_int_equal(PARSE(&r, "logs", "--no-trunc", "lab"), -1);
	assert_int_equal(PARSE(&r, "stop", "-t", "3", "a", "b"), 0);
	assert_int_equal(r.time, 3);
	assert_int_equal(r.nnames, 2);
	assert_int_equal(PARSE(&r, "exec", "-it", "-e", "A=1", "-w", "/w",
			     "lab", "sh", "-c", "x"),
	    0);
	assert_true(r.interactive && r.tty);
	assert_string_equal(r.names[0], "lab");
	assert_string_equal(r.command[0], "sh");
	assert_string_equal(r.envs[0], "A=1");
	assert_string_equal(r.workdir, "/w");
	assert_false(r.detach);
	/* exec -d: in the background, with neither input nor terminal. */
	assert_int_equal(PARSE(&r, "exec", "-d", "lab", "sleep", "9"), 0);
	assert_true(r.detach && !r.interactive && !r.tty);
	assert_int_equal(PARSE(&r, "exec", "--detach", "-e", "A=1", "lab",
			     "true"),
	    0);
	assert_true(r.detach);
	assert_int_equal(PARSE(&r, "exec", "-d", "-i", "lab", "sh"), -1);
	assert_int_equal(PARSE(&r, "exec", "-dt", "lab", "sh"), -1);
	assert_int_equal(PARSE(&r, "ps", "-d"), -1);
	/* Numbers are decimal digits and nothing else. */
	assert_int_equal(PARSE(&r, "stop", "-t", " 5", "lab"), -1);
	assert_int_equal(PARSE(&r, "stop", "-t", "+5", "lab"), -1);
	assert_int_equal(PARSE(&r, "stop", "-t", "-0", "lab"), -1);
	assert_int_equal(PARSE(&r, "stop", "-t", "5 ", "lab"), -1);
	assert_int_equal(PARSE(&r, "logs", "--tail", "99999999999999999999",
			     "lab"),
	    -1);
	assert_int_equal(PARSE(&r, "kill", "-s", "+9", "lab"), -1);
	assert_int_equal(PARSE(&r, "stop", "-t", "0", "lab"), 0);
	assert_int_equal(r.time, 0);
	assert_int_equal(PARSE(&r, "kill", "-s", "HUP", "lab"), 0);
	assert_int_equal(r.signal, SIGHUP);
	/* --help and -h: the usage, whatever follows; after exec's NAME,
	 * the command's own. */
	assert_int_equal(PARSE(&r, "exec", "--help"), 0);
	assert_true(r.help);
	assert_int_equal(PARSE(&r, "stop", "-h"), 0);
	assert_true(r.help && r.nnames == 0);
	assert_int_equal(PARSE(&r, "ps", "-a", "--help", "--nope", "x/y"), 0);
	assert_true(r.help);
	assert_int_equal(PARSE(&r, "exec", "lab", "sh", "--help"), 0);
	assert_false(r.help);
	assert_string_equal(r.command[1], "--help");
	assert_int_equal(PARSE(&r, "stop", "--nope", "--help"), -1);
	assert_int_equal(PARSE(&r, "ps", "lab"), -1);
	assert_int_equal(PARSE(&r, "stop", "../x"), -1);
	assert_int_equal(PARSE(&r, "stop", "a/b"), -1);
	assert_int_equal(PARSE(&r, "stop", "a\nb"), -1);
	assert_int_equal(PARSE(&r, "logs", "a", "b"), -1);
	assert_int_equal(PARSE(&r, "rm", "--nope", "a"), -1);
	assert_int_equal(PARSE(&r, "exec", "lab"), -1);
	assert_int_equal(PARSE(&r, "exec", "-w", "rel", "lab", "true"), -1);
	/* As run's -w: normal, and never under /proc. */
	assert_int_equal(PARSE(&r, "exec", "-w", "/a/../b", "lab", "true"), -1);
	assert_int_equal(PARSE(&r, "exec", "-w", "/a//b", "lab", "true"), -1);
	assert_int_equal(PARSE(&r, "exec", "-w", "/proc/self/fd/3", "lab",
			     "true"),
	    -1);
	assert_int_equal(PARSE(&r, "exec", "-w", "/proc", "lab", "true"), -1);
	assert_int_equal(PARSE(&r, "exec", "-w", "/", "lab", "true"), 0);
	assert_int_equal(PARSE(&r, "exec", "-w", "/procs", "lab", "true"), 0);
	assert_int_equal(PARSE(&r, "exec", "-e", "1A=x", "lab", "true"), -1);
	assert_int_equal(PARSE(&r, "kill", "-s", "NOPE", "lab"), -1);
	assert_int_equal(PARSE(&r, "stop", "--all-users", "lab"), -1);
	assert_int_equal(PARSE(&r, "ps", "--all-users", "--user", "u"), -1);
	/* --user (root's) has no short form but exec's, docker's -u:
	 * whom the command runs as, which only the owner passes (ctl.c). */
	assert_int_equal(PARSE(&r, "ps", "--user", "u"), 0);
	assert_int_equal(PARSE(&r, "ps", "-u", "u"), -1);
	assert_int_equal(PARSE(&r, "exec", "-u", "0", "lab", "id"), 0);
	assert_string_equal(r.user, "0");
	assert_int_equal(PARSE(&r, "exec", "-u", "1000:1000", "lab", "id"), 0);
	assert_string_equal(r.user, "1000:1000");
	assert_int_equal(PARSE(&r, "exec", "--user=alice:staff", "lab", "id"),
	    0);
	assert_string_equal(r.user, "alice:staff");
	assert_int_equal(PARSE(&r, "exec", "-u", "", "lab", "id"), -1);
	assert_int_equal(PARSE(&r, "stop"), -1);
	freev(held);
	held = NULL;
	assert_true(ctla_is_command("wait"));
	assert_false(ctla_is_command("run"));
}

/* ps -n, -l and --filter: parsed and checked, then which containers
 * ctla_ps_wanted lists. */
static void
test_ps_filters(void **state)
{
	static struct ctla_request r;

	(void)state;
	assert_int_equal(PARSE(&r, "ps"), 0);
	assert_int_equal(r.last, -1);
	assert_int_equal(r.nfilters, 0);
	/* Without -a only what runs. */
	assert_true(ctla_ps_wanted(&r, "lab", "busybox:latest", true, -1));
	assert_false(ctla_ps_wanted(&r, "lab", "busybox:latest", false, 0));
	assert_int_equal(PARSE(&r, "ps", "-n", "3"), 0);
	assert_int_equal(r.last, 3);
	assert_true(ctla_ps_wanted(&r, "lab", "busybox:latest", false, 0));
	assert_int_equal(PARSE(&r, "ps", "-n", "0"), 0);
	assert_int_equal(r.last, -1);
	assert_int_equal(PARSE(&r, "ps", "-l"), 0);
	assert_int_equal(r.last, 1);
	assert_int_equal(PARSE(&r, "ps", "--last=2", "--latest"), 0);
	assert_int_equal(r.last, 1);
	assert_int_equal(PARSE(&r, "ps", "-n", "-1"), -1);
	assert_int_equal(PARSE(&r, "ps", "-n", "x"), -1);

	/* name: a part, anchored by ^ and $. */
	assert_int_equal(PARSE(&r, "ps", "-f", "name=lab"), 0);
	assert_true(ctla_ps_wanted(&r, "my-lab-2", "a:1", true, -1));
	assert_false(ctla_ps_wanted(&r, "la", "a:1", true, -1));
	assert_int_equal(PARSE(&r, "ps", "--filter", "name=^lab$"), 0);
	assert_true(ctla_ps_wanted(&r, "lab", "a:1", true, -1));
	assert_false(ctla_ps_wanted(&r, "lab2", "a:1", true, -1));
	assert_false(ctla_ps_wanted(&r, "xlab", "a:1", true, -1));
	assert_int_equal(PARSE(&r, "ps", "--filter=name=^lab"), 0);
	assert_true(ctla_ps_wanted(&r, "lab2", "a:1", true, -1));
	assert_false(ctla_ps_wanted(&r, "xlab", "a:1", true, -1));
	assert_int_equal(PARSE(&r, "ps", "-f", "name=lab$"), 0);
	assert_true(ctla_ps_wanted(&r, "xlab", "a:1", true, -1));
	assert_false(ctla_ps_wanted(&r, "lab2", "a:1", true, -1));
	/* As the regular expression "$": every name. */
	assert_int_equal(PARSE(&r, "ps", "-f", "name=$"), 0);
	assert_true(ctla_ps_wanted(&r, "lab", "a:1", true, -1));

	/* status and exited list ended containers without -a. */
	assert_int_equal(PARSE(&r, "ps", "-f", "status=exited"), 0);
	assert_true(ctla_ps_wanted(&r, "lab", "a:1", false, 3));
	assert_true(ctla_ps_wanted(&r, "lab", "a:1", false, -1));
	assert_false(ctla_ps_wanted(&r, "lab", "a:1", true, -1));
	assert_int_equal(PARSE(&r, "ps", "-f", "status=paused"), 0);
	assert_false(ctla_ps_wanted(&r, "lab", "a:1", true, -1));
	assert_false(ctla_ps_wanted(&r, "lab", "a:1", false, 0));
	assert_int_equal(PARSE(&r, "ps", "-f", "exited=3"), 0);
	assert_true(ctla_ps_wanted(&r, "lab", "a:1", false, 3));
	assert_false(ctla_ps_wanted(&r, "lab", "a:1", false, 0));
	assert_false(ctla_ps_wanted(&r, "lab", "a:1", true, 3));

	/* One key: any of its filters; two keys: both. */
	assert_int_equal(PARSE(&r, "ps", "-f", "exited=0", "-f", "exited=3",
			     "-f", "name=lab"),
	    0);
	assert_true(ctla_ps_wanted(&r, "lab", "a:1", false, 0));
	assert_true(ctla_ps_wanted(&r, "lab", "a:1", false, 3));
	assert_false(ctla_ps_wanted(&r, "lab", "a:1", false, 1));
	assert_false(ctla_ps_wanted(&r, "web", "a:1", false, 3));

	/* ancestor: a policy pattern over the canonical image. */
	assert_int_equal(PARSE(&r, "ps", "-f", "ancestor=busybox"), 0);
	assert_true(ctla_ps_wanted(&r, "x", "busybox:1.36", true, -1));
	assert_true(ctla_ps_wanted(&r, "x", "busybox:latest", true, -1));
	assert_false(ctla_ps_wanted(&r, "x", "busybox/sub:1", true, -1));
	assert_false(ctla_ps_wanted(&r, "x", "ghcr.io/busybox:1", true, -1));
	assert_int_equal(PARSE(&r, "ps", "-f",
			     "ancestor=docker.io/library/busybox:1.36"),
	    0);
	assert_true(ctla_ps_wanted(&r, "x", "busybox:1.36", true, -1));
	assert_false(ctla_ps_wanted(&r, "x", "busybox:latest", true, -1));
	assert_int_equal(PARSE(&r, "ps", "-f", "ancestor=jupyter/*"), 0);
	assert_true(ctla_ps_wanted(&r, "x", "jupyter/base:1", true, -1));

	/* Refused: no '=', no value, an unknown key or status, a bad code or
	 * image, -f elsewhere meaning something else, too many. */
	assert_int_equal(PARSE(&r, "ps", "-f", "name"), -1);
	assert_int_equal(PARSE(&r, "ps", "-f", "name="), -1);
	assert_int_equal(PARSE(&r, "ps", "-f", "label=a=b"), -1);
	assert_int_equal(PARSE(&r, "ps", "-f", "Name=lab"), -1);
	assert_int_equal(PARSE(&r, "ps", "-f", "status=up"), -1);
	assert_int_equal(PARSE(&r, "ps", "-f", "exited=256"), -1);
	assert_int_equal(PARSE(&r, "ps", "-f", "exited=-1"), -1);
	assert_int_equal(PARSE(&r, "ps", "-f", "ancestor=Bad/../x"), -1);
	assert_int_equal(PARSE(&r, "logs", "-l", "lab"), -1);
	assert_int_equal(PARSE(&r, "ps", "-f", "name=1", "-f", "name=2", "-f",
			     "name=3", "-f", "name=4", "-f", "name=5", "-f",
			     "name=6", "-f", "name=7", "-f", "name=8", "-f",
			     "name=9", "-f", "name=10", "-f", "name=11", "-f",
			     "name=12", "-f", "name=13", "-f", "name=14", "-f",
			     "name=15", "-f", "name=16", "-f", "name=17"),
	    -1);
	freev(held);
	held = NULL;
}

/* port NAME [PORT]: parsed, and the record's ports as docker port
 * prints them. */
static void
test_port(void **state)
{
	static struct ctla_request r;
	const char *ports = "127.0.0.1:8801->8888/tcp,[::1]:8802->8888/tcp,"
			    "0.0.0.0:80->8080/tcp";
	char out[256], small[16];

	(void)state;
	assert_int_equal(PARSE(&r, "port", "lab"), 0);
	assert_null(r.port);
	assert_int_equal(PARSE(&r, "port", "lab", "8888"), 0);
	assert_string_equal(r.port, "8888");
	assert_int_equal(PARSE(&r, "port", "lab", "8888/tcp"), 0);
	assert_int_equal(PARSE(&r, "port", "--user", "u", "lab", "80"), 0);
	assert_int_equal(PARSE(&r, "port", "lab", "--help"), 0);
	assert_true(r.help);
	assert_int_equal(PARSE(&r, "port"), -1);
	assert_int_equal(PARSE(&r, "port", "lab", "0"), -1);
	assert_int_equal(PARSE(&r, "port", "lab", "65536"), -1);
	assert_int_equal(PARSE(&r, "port", "lab", "80/sctp"), -1);
	assert_int_equal(PARSE(&r, "port", "lab", "/tcp"), -1);
	assert_int_equal(PARSE(&r, "port", "lab", "x80"), -1);
	assert_int_equal(PARSE(&r, "port", "lab", "80", "81"), -1);
	assert_int_equal(PARSE(&r, "port", "a/b"), -1);
	assert_int_equal(PARSE(&r, "port", "-a", "lab"), -1);
	freev(held);
	held = NULL;

	assert_int_equal(ctlp_port_text(ports, NULL, out, sizeof(out)), 3);
	assert_string_equal(out,
	    "8888/tcp -> 127.0.0.1:8801\n8888/tcp -> [::1]:8802\n"
	    "8080/tcp -> 0.0.0.0:80\n");
	assert_int_equal(ctlp_port_text(ports, "8888", out, sizeof(out)), 2);
	assert_string_equal(out, "127.0.0.1:8801\n[::1]:8802\n");
	assert_int_equal(ctlp_port_text(ports, "8080/tcp", out, sizeof(out)),
	    1);
	assert_string_equal(out, "0.0.0.0:80\n");
	assert_int_equal(ctlp_port_text(ports, "888", out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(ctlp_port_text(ports, "8080/udp", out, sizeof(out)),
	    1);
	assert_int_equal(ctlp_port_text("", NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	/* Too small, or not a record's ports: -1, still terminated. */
	assert_int_equal(ctlp_port_text(ports, NULL, small, sizeof(small)), -1);
	assert_int_equal(ctlp_port_text("junk", NULL, out, sizeof(out)), -1);
	assert_int_equal(ctlp_port_text("->80/tcp", NULL, out, sizeof(out)),
	    -1);
	assert_int_equal(ctlp_port_text("a:1->/tcp", NULL, out, sizeof(out)),
	    -1);
	assert_int_equal(ctlp_port_text("a:1->80", NULL, out, sizeof(out)), -1);
}

/* The requests every version serves alike keep version 1's numbers. */
static void
test_op_frozen(void **state)
{
	(void)state;
	assert_int_equal(CTLP_STOP, 2);
	assert_int_equal(CTLP_KILL, 3);
	assert_int_equal(CTLP_WAIT, 4);
	assert_int_equal(CTLP_REQ_LEN, 16);
	assert_int_equal(CTLP_RESP_LEN, 56);
	assert_true(ctlp_op_frozen(CTLP_STOP));
	assert_true(ctlp_op_frozen(CTLP_KILL));
	assert_true(ctlp_op_frozen(CTLP_WAIT));
	for (uint32_t op = 0; op < 64; op++)
		if (op != CTLP_STOP && op != CTLP_KILL && op != CTLP_WAIT)
			assert_false(ctlp_op_frozen(op));
}

static void
test_detach_keys(void **state)
{
	struct ctlp_detach d;
	unsigned char out[64];
	size_t n;

	(void)state;
	assert_int_equal(ctlp_detach_parse("ctrl-p,ctrl-q", &d), 0);
	assert_int_equal(d.nkeys, 2);
	assert_int_equal(d.keys[0], 16);
	assert_int_equal(d.keys[1], 17);
	/* Plain input passes; ^P alone is held back, then sent. */
	assert_false(
	    ctlp_detach_feed(&d, (const unsigned char *)"ab\x10", 3, out, &n));
	assert_int_equal(n, 2);
	assert_false(
	    ctlp_detach_feed(&d, (const unsigned char *)"x", 1, out, &n));
	assert_int_equal(n, 2);
	assert_memory_equal(out, "\x10x", 2);
	/* ^P ^P ^Q: the first ^P is input, then the sequence. */
	assert_true(ctlp_detach_feed(&d, (const unsigned char *)"\x10\x10\x11z",
	    4, out, &n));
	assert_int_equal(n, 1);
	assert_int_equal(out[0], 0x10);
	/* Split across reads. */
	assert_false(
	    ctlp_detach_feed(&d, (const unsigned char *)"\x10", 1, out, &n));
	assert_true(
	    ctlp_detach_feed(&d, (const unsigned char *)"\x11", 1, out, &n));
	assert_int_equal(n, 0);
	assert_int_equal(ctlp_detach_parse("ctrl-x", &d), 0);
	assert_true(
	    ctlp_detach_feed(&d, (const unsigned char *)"a\x18", 2, out, &n));
	assert_int_equal(n, 1);
	assert_int_equal(ctlp_detach_parse("ctrl-pp", &d), -1);
	assert_int_equal(ctlp_detach_parse("", &d), -1);
	assert_int_equal(ctlp_detach_parse("ctrl-p,", &d), -1);
	assert_int_equal(ctlp_detach_parse("a,b,c,d,e,f,g,h,i", &d), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_req_roundtrip),
		cmocka_unit_test(test_resp_roundtrip),
		cmocka_unit_test(test_info_roundtrip),
		cmocka_unit_test(test_info_refused),
		cmocka_unit_test(test_info_long_ports),
		cmocka_unit_test(test_status_text),
		cmocka_unit_test(test_log_cap),
		cmocka_unit_test(test_escape_tail_signal),
		cmocka_unit_test(test_term_unit),
		cmocka_unit_test(test_log_name),
		cmocka_unit_test(test_prune),
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_exec_roundtrip),
		cmocka_unit_test(test_exec_empty_args),
		cmocka_unit_test(test_env_merge),
		cmocka_unit_test(test_ctla_parse),
		cmocka_unit_test(test_ps_filters),
		cmocka_unit_test(test_port),
		cmocka_unit_test(test_op_frozen),
		cmocka_unit_test(test_detach_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
