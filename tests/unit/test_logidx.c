/*
 * test_logidx.c: the pure pieces of log timestamps (logidx.h).
 *
 * Invariants checked:
 * - Records round-trip; the index's share of the cap is 1/8 and log and
 *   index together stay within the cap.
 * - A record is wanted only for a chunk holding a line start, and not
 *   within LIDX_COALESCE of the last one.
 * - lidx_find gives the record covering an offset, a failed read ends
 *   the search.
 * - Times format as Docker's RFC3339Nano (UTC, nine digits), before and
 *   after 1970.
 * - --since / --until: durations, RFC 3339 with a zone, dates with a
 *   zone, Unix seconds; a time without a zone, a bad date, an overflow
 *   and garbage are refused.
 * - The line filter stamps each line with the time of the chunk holding
 *   its first byte, skips lines before --since, ends at --until.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helper/ctlproto.h"
#include "helper/logidx.h"

#define S 1000000000LL

static void
test_rec_split(void **state)
{
	struct lidx_rec r = { 0x0102030405060708ull, -5 }, o;
	unsigned char b[LIDX_REC_LEN];
	uint64_t log, n;

	(void)state;
	lidx_encode(&r, b);
	assert_int_equal(b[0], 0x08);
	lidx_decode(b, &o);
	assert_true(o.off == r.off);
	assert_true(o.t == -5);
	r.t = INT64_MAX;
	lidx_encode(&r, b);
	lidx_decode(b, &o);
	assert_true(o.t == INT64_MAX);
	lidx_split(16ull << 20, &log, &n);
	assert_true(n == (2ull << 20) / LIDX_REC_LEN);
	assert_true(log + n * LIDX_REC_LEN == 16ull << 20);
	lidx_split(4096, &log, &n);
	assert_true(n == 32);
	assert_true(log == 4096 - 512);
	/* Tiny caps: still within. */
	for (uint64_t cap = 1; cap < 5000; cap += 7) {
		lidx_split(cap, &log, &n);
		assert_true(n >= 8);
		assert_true(log <= cap);
		assert_true(log + n * LIDX_REC_LEN <= cap || log == cap / 2);
	}
}

static void
test_wants(void **state)
{
	int64_t t = 1000 * S;

	(void)state;
	/* The first record always. */
	assert_true(lidx_wants(false, "x", 1, 0, 0, t));
	assert_false(lidx_wants(true, "", 0, 0, 0, t));
	/* A line start, late enough. */
	assert_true(lidx_wants(true, "abc", 3, 4, t - S, t));
	assert_true(lidx_wants(false, "a\nb", 3, 4, t - S, t));
	/* Within a line: none, whatever the time. */
	assert_false(lidx_wants(false, "abc", 3, 4, t - S, t));
	assert_false(lidx_wants(false, "abc\n", 4, 4, t - S, t));
	/* Coalesced: read within LIDX_COALESCE of the last. */
	assert_false(lidx_wants(true, "abc", 3, 4, t - LIDX_COALESCE + 1, t));
	assert_true(lidx_wants(true, "abc", 3, 4, t - LIDX_COALESCE, t));
	/* The clock went back: the last time stands. */
	assert_false(lidx_wants(true, "abc", 3, 4, t + S, t));
}

struct arr {
	const struct lidx_rec *r;
	uint64_t n, fail_at;
};

static int
arr_get(void *ctx, uint64_t i, struct lidx_rec *out)
{
	const struct arr *a = ctx;

	if (i >= a->n || i == a->fail_at)
		return -1;
	*out = a->r[i];
	return 0;
}

static void
test_find(void **state)
{
	static const struct lidx_rec r[] = { { 0, 1 }, { 10, 2 }, { 20, 3 },
		{ 35, 4 }, { 100, 5 } };
	struct arr a = { r, 5, UINT64_MAX };

	(void)state;
	assert_int_equal(lidx_find(5, 0, arr_get, &a), 0);
	assert_int_equal(lidx_find(5, 9, arr_get, &a), 0);
	assert_int_equal(lidx_find(5, 10, arr_get, &a), 1);
	assert_int_equal(lidx_find(5, 34, arr_get, &a), 2);
	assert_int_equal(lidx_find(5, 35, arr_get, &a), 3);
	assert_int_equal(lidx_find(5, 99, arr_get, &a), 3);
	assert_int_equal(lidx_find(5, 1000, arr_get, &a), 4);
	assert_int_equal(lidx_find(1, 1000, arr_get, &a), 0);
	for (uint64_t n = 1; n <= 5; n++)
		for (uint64_t off = 0; off < 120; off++) {
			uint64_t want = 0;

			for (uint64_t i = 0; i < n; i++)
				if (r[i].off <= off)
					want = i;
			assert_int_equal(lidx_find(n, off, arr_get, &a), want);
		}
	/* A read that fails ends the search with what is known. */
	a.fail_at = 2;
	assert_true(lidx_find(5, 1000, arr_get, &a) < 5);
}

static void
test_format(void **state)
{
	char b[LIDX_STAMP_LEN + 1];

	(void)state;
	lidx_format(1796409601 * S + 123456789, b);
	assert_string_equal(b, "2026-12-04T18:40:01.123456789Z");
	assert_int_equal(strlen(b), LIDX_STAMP_LEN);
	lidx_format(0, b);
	assert_string_equal(b, "1970-01-01T00:00:00.000000000Z");
	lidx_format(-1, b);
	assert_string_equal(b, "1969-12-31T23:59:59.999999999Z");
	lidx_format(951782400 * S + 5, b);
	assert_string_equal(b, "2000-02-29T00:00:00.000000005Z");
	lidx_format(INT64_MAX, b);
	assert_string_equal(b, "2262-04-11T23:47:16.854775807Z");
	lidx_format(INT64_MIN, b);
	assert_string_equal(b, "1677-09-21T00:12:43.145224192Z");
}

/* A zone one hour east of UTC, for the times without a zone. */
static int
plus_one_hour(int64_t naive, int64_t *secs)
{
	*secs = naive - 3600;
	return 0;
}

static int
no_local(int64_t naive, int64_t *secs)
{
	(void)naive;
	(void)secs;
	return -1;
}

static void
test_parse(void **state)
{
	int64_t now = 1796409601 * S, t;

	(void)state;
	/* Durations before now. */
	assert_int_equal(lidx_parse_time("10m", now, NULL, &t), 0);
	assert_true(t == now - 600 * S);
	assert_int_equal(lidx_parse_time("1h30m", now, NULL, &t), 0);
	assert_true(t == now - 5400 * S);
	assert_int_equal(lidx_parse_time("1.5h", now, NULL, &t), 0);
	assert_true(t == now - 5400 * S);
	assert_int_equal(lidx_parse_time("250ms", now, NULL, &t), 0);
	assert_true(t == now - 250000000);
	assert_int_equal(lidx_parse_time("-5s", now, NULL, &t), 0);
	assert_true(t == now + 5 * S);
	assert_int_equal(lidx_parse_time("3us", now, NULL, &t), 0);
	assert_true(t == now - 3000);
	assert_int_equal(lidx_parse_time("3\xc2\xb5s", now, NULL, &t), 0);
	assert_true(t == now - 3000);
	assert_int_equal(lidx_parse_time(".5s", now, NULL, &t), 0);
	assert_true(t == now - S / 2);
	/* RFC 3339 with its zone. */
	assert_int_equal(lidx_parse_time("2026-12-04T18:40:01Z", now, NULL, &t),
	    0);
	assert_true(t == 1796409601 * S);
	assert_int_equal(lidx_parse_time("2026-12-04T18:40:01.5Z", now, NULL,
			     &t),
	    0);
	assert_true(t == 1796409601 * S + S / 2);
	assert_int_equal(lidx_parse_time("2026-12-04T19:40:01.123456789+01:00",
			     now, NULL, &t),
	    0);
	assert_true(t == 1796409601 * S + 123456789);
	assert_int_equal(lidx_parse_time("2026-12-04T13:10:01-05:30", now, NULL,
			     &t),
	    0);
	assert_true(t == 1796409601 * S);
	assert_int_equal(lidx_parse_time("2026-12-04T18Z", now, NULL, &t), 0);
	assert_true(t == (1796409601 - 40 * 60 - 1) * S);
	assert_int_equal(lidx_parse_time("2026-12-04T18:40Z", now, NULL, &t),
	    0);
	assert_true(t == (1796409601 - 1) * S);
	assert_int_equal(lidx_parse_time("2026-12-04Z", now, NULL, &t), 0);
	assert_true(t == (1796409601 - 18 * 3600 - 40 * 60 - 1) * S);
	assert_int_equal(lidx_parse_time("2000-02-29+02:00", now, NULL, &t), 0);
	assert_true(t == (951782400 - 7200) * S);
	/* Unix seconds. */
	assert_int_equal(lidx_parse_time("0", now, NULL, &t), 0);
	assert_true(t == 0);
	assert_int_equal(lidx_parse_time("1796409601", now, NULL, &t), 0);
	assert_true(t == 1796409601 * S);
	assert_int_equal(lidx_parse_time("1796409601.000000001", now, NULL, &t),
	    0);
	assert_true(t == 1796409601 * S + 1);
	/* Refused: bad dates, overflow, garbage. */
	static const char *const bad[] = { "", "2026-02-29Z", "2026-13-01Z",
		"2026-12-32Z", "2026-12-04T24:00Z", "2026-12-04T18:60Z",
		"2026-12-04T18:40:61Z", "2026-12-04T18:40:01+1:00",
		"2026-12-04T18:40:01z", "2026-12-04T18:40:01.Z",
		"2026-12-04T18:40:01.1234567891Z", "2026-12-04T18:40:01Zx",
		"3000-01-01Z", "10x", "1h3", "m", "-", ".s", "1.2.3",
		"99999999999999999999", "9999999999999999999h", "12ab",
		"1796409601.", "+", "2026-1-04Z", "1-" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (lidx_parse_time(bad[i], now, NULL, &t) == 0)
			fail_msg("accepted: \"%s\"", bad[i]);
	}
	/* Without a zone: local time, through LOCAL; as UTC without one
	 * (the syntax check); never for a time with its zone. */
	assert_int_equal(lidx_parse_time("2026-12-04T18:40:01", now, NULL, &t),
	    0);
	assert_true(t == 1796409601 * S);
	assert_int_equal(lidx_parse_time("2026-12-04T19:40:01.5", now,
			     plus_one_hour, &t),
	    0);
	assert_true(t == 1796409601 * S + 500000000);
	assert_int_equal(lidx_parse_time("2026-12-05", now, plus_one_hour, &t),
	    0);
	assert_true(
	    t == (1796409601 - 18 * 3600 - 40 * 60 - 1 + 86400 - 3600) * S);
	assert_int_equal(lidx_parse_time("2026-12-04T18:40:01Z", now,
			     plus_one_hour, &t),
	    0);
	assert_true(t == 1796409601 * S);
	assert_int_equal(lidx_parse_time("2026-12-04T18:40:01", now, no_local,
			     &t),
	    -1);
	assert_int_equal(lidx_parse_time("10m", now, no_local, &t), 0);
	/* "10" is Unix time 10, as Docker reads it. */
	assert_int_equal(lidx_parse_time("10", now, NULL, &t), 0);
	assert_true(t == 10 * S);
	/* A duration that would leave the range. */
	assert_int_equal(lidx_parse_time("2000000h", -9 * S * 1000000000LL,
			     NULL, &t),
	    -1);
}

struct sink {
	char buf[4096];
	size_t len;
};

static void
sink_out(void *ctx, const char *b, size_t n)
{
	struct sink *s = ctx;

	assert_true(s->len + n < sizeof(s->buf));
	memcpy(s->buf + s->len, b, n);
	s->len += n;
	s->buf[s->len] = '\0';
}

static void
test_lines(void **state)
{
	struct lidx_lines l;
	struct sink s = { "", 0 };

	(void)state;
	/* Stamps: a line spanning chunks has its first chunk's time. */
	lidx_lines_init(&l, true, LIDX_NONE, LIDX_NEVER);
	assert_true(lidx_lines_feed(&l, "one\ntw", 6, 1 * S, sink_out, &s));
	assert_true(lidx_lines_feed(&l, "o\nthree\n", 8, 2 * S, sink_out, &s));
	assert_string_equal(s.buf,
	    "1970-01-01T00:00:01.000000000Z one\n"
	    "1970-01-01T00:00:01.000000000Z two\n"
	    "1970-01-01T00:00:02.000000000Z three\n");
	/* A line that forges a stamp stays one line, stamped once. */
	s.len = 0;
	lidx_lines_init(&l, true, LIDX_NONE, LIDX_NEVER);
	assert_true(lidx_lines_feed(&l, "2000-01-01T00:00:00.000000000Z evil\r",
	    36, 3 * S, sink_out, &s));
	assert_string_equal(s.buf,
	    "1970-01-01T00:00:03.000000000Z 2000-01-01T00:00:00.000000000Z evil\r");
	/* Since and until, without stamps: whole lines. */
	s.len = 0;
	s.buf[0] = '\0';
	lidx_lines_init(&l, false, 2 * S, 3 * S);
	assert_true(lidx_lines_feed(&l, "a\nb", 3, 1 * S, sink_out, &s));
	assert_true(lidx_lines_feed(&l, "b\nc\n", 4, 2 * S, sink_out, &s));
	assert_true(lidx_lines_feed(&l, "d\ne", 3, 3 * S, sink_out, &s));
	assert_true(lidx_lines_feed(&l, "e\n", 2, 4 * S, sink_out, &s));
	assert_false(lidx_lines_feed(&l, "f\n", 2, 4 * S, sink_out, &s));
	assert_true(l.ended);
	assert_string_equal(s.buf, "c\nd\nee\n");
	assert_false(lidx_lines_feed(&l, "g\n", 2, 1 * S, sink_out, &s));
	assert_string_equal(s.buf, "c\nd\nee\n");
}

/* ARGV (NULL-terminated) parsed by ctla_parse from copies. */
static int
parse(struct ctla_request *r, struct ctl_err *e, const char *const *argv)
{
	static char *held[16];
	int argc = 0;

	for (int i = 0; i < 16; i++) {
		free(held[i]);
		held[i] = NULL;
	}
	while (argc < 15 && argv[argc] != NULL) {
		held[argc] = strdup(argv[argc]);
		assert_non_null(held[argc]);
		argc++;
	}
	return ctla_parse(argc, held, r, e);
}

/* ctla_parse of logs' options: -t, --since, --until checked early. */
static void
test_logs_options(void **state)
{
	static struct ctla_request r;
	struct ctl_err err;
	static const char *const ok[] = { "ctr-launch", "logs", "-ft", "--tail",
		"2", "--since", "10m", "--until", "2026-12-04T18:40:01Z", "lab",
		NULL };
	static const char *const ok2[] = { "ctr-launch", "logs", "--timestamps",
		"lab", NULL };
	static const char *const bad[] = { "ctr-launch", "logs", "--since",
		"2026-12-04T18:4", "lab", NULL };
	static const char *const bad2[] = { "ctr-launch", "logs", "--until",
		"soon", "lab", NULL };
	static const char *const stop[] = { "ctr-launch", "stop", "-t", "5",
		"lab", NULL };
	static const char *const none[] = { NULL };

	(void)state;
	assert_int_equal(parse(&r, &err, ok), 0);
	assert_true(r.timestamps && r.follow);
	assert_true(r.tail == 2);
	assert_string_equal(r.since, "10m");
	assert_string_equal(r.until, "2026-12-04T18:40:01Z");
	assert_int_equal(parse(&r, &err, ok2), 0);
	assert_true(r.timestamps);
	assert_null(r.since);
	assert_null(r.until);
	assert_int_equal(parse(&r, &err, bad), -1);
	assert_non_null(strstr(err.msg, "--since"));
	assert_int_equal(parse(&r, &err, bad2), -1);
	assert_non_null(strstr(err.msg, "--until"));
	/* -t stays stop's seconds. */
	assert_int_equal(parse(&r, &err, stop), 0);
	assert_int_equal(r.time, 5);
	assert_false(r.timestamps);
	(void)parse(&r, &err, none);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rec_split),
		cmocka_unit_test(test_wants),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_logs_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
