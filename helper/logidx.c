/*
 * logidx.c: the pure pieces of a detached container's log timestamps
 * (logidx.h).
 *
 * Invariants:
 * - Nothing here makes a system call; every parser is bounded and
 *   refuses what it does not fully understand.
 * - Times are converted with integer arithmetic only (no localtime, no
 *   TZ): UTC in, UTC out.
 */
#include <string.h>

#include "helper/logidx.h"

#define NS 1000000000LL

void
lidx_encode(const struct lidx_rec *r, unsigned char out[LIDX_REC_LEN])
{
	for (int i = 0; i < 8; i++) {
		out[i] = (unsigned char)(r->off >> (8 * i));
		out[8 + i] = (unsigned char)((uint64_t)r->t >> (8 * i));
	}
}

void
lidx_decode(const unsigned char in[LIDX_REC_LEN], struct lidx_rec *r)
{
	uint64_t off = 0, t = 0;

	for (int i = 7; i >= 0; i--) {
		off = (off << 8) | in[i];
		t = (t << 8) | in[8 + i];
	}
	r->off = off;
	r->t = (int64_t)t;
}

void
lidx_split(uint64_t cap, uint64_t *log, uint64_t *nrec)
{
	uint64_t n = cap / LIDX_SHARE / LIDX_REC_LEN;

	if (n < 8)
		n = 8;
	*nrec = n;
	*log = cap > 2 * n * LIDX_REC_LEN ? cap - n * LIDX_REC_LEN : cap / 2;
}

bool
lidx_wants(bool at_start, const char *buf, size_t len, uint64_t n, int64_t last,
    int64_t now)
{
	if (len == 0)
		return false;
	if (n == 0)
		return true;
	/* A line starts here: at its first byte, or after a newline that
	 * is not its last byte. */
	if (!at_start && memchr(buf, '\n', len - 1) == NULL)
		return false;
	return now > last && (uint64_t)now - (uint64_t)last >= LIDX_COALESCE;
}

uint64_t
lidx_find(uint64_t n, uint64_t off, lidx_get_fn get, void *ctx)
{
	uint64_t lo = 0, hi = n, ans = 0;

	/* The answer is in [lo, hi): the last record at or before OFF. */
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		struct lidx_rec r;

		if (get(ctx, mid, &r) != 0)
			break;
		if (r.off <= off) {
			ans = mid;
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return ans;
}

/* ---- times ---- */

/* Days since 1970-01-01 of Y-M-D (proleptic Gregorian). */
static int64_t
days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

void
lidx_format(int64_t ns, char out[LIDX_STAMP_LEN + 1])
{
	int64_t secs = ns / NS, rem = ns % NS, days, sod, y;
	int m, d;

	if (rem < 0) {
		rem += NS;
		secs--;
	}
	days = secs / 86400;
	sod = secs % 86400;
	if (sod < 0) {
		sod += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	/* Years 1677 to 2262: always four digits. */
	out[0] = (char)('0' + (y / 1000) % 10);
	out[1] = (char)('0' + (y / 100) % 10);
	out[2] = (char)('0' + (y / 10) % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = 'T';
	out[11] = (char)('0' + sod / 36000);
	out[12] = (char)('0' + (sod / 3600) % 10);
	out[13] = ':';
	out[14] = (char)('0' + (sod % 3600) / 600);
	out[15] = (char)('0' + (sod % 600) / 60);
	out[16] = ':';
	out[17] = (char)('0' + (sod % 60) / 10);
	out[18] = (char)('0' + sod % 10);
	out[19] = '.';
	for (int i = 28; i >= 20; i--) {
		out[i] = (char)('0' + rem % 10);
		rem /= 10;
	}
	out[29] = 'Z';
	out[30] = '\0';
}

static bool
digit(char c)
{
	return c >= '0' && c <= '9';
}

/* N digits at *S as a number; advances *S.  -1 if not all digits. */
static int64_t
digits(const char **s, int n)
{
	int64_t v = 0;

	for (int i = 0; i < n; i++) {
		if (!digit((*s)[i]))
			return -1;
		v = v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	return v;
}

/* Go's time.ParseDuration, in nanoseconds.  "0" is not a duration
 * (Docker reads it as Unix time 0). */
static int
parse_duration(const char *s, int64_t *out)
{
	static const struct {
		const char *name;
		uint64_t ns;
	} units[] = {
		{ "ns", 1 },
		{ "us", 1000 },
		{ "\xc2\xb5s", 1000 },
		{ "\xce\xbcs", 1000 },
		{ "ms", 1000000 },
		{ "s", (uint64_t)NS },
		{ "m", 60 * (uint64_t)NS },
		{ "h", 3600 * (uint64_t)NS },
	};
	bool neg = false;
	uint64_t total = 0;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (*s == '\0')
		return -1;
	while (*s != '\0') {
		uint64_t whole = 0, frac = 0, scale = 1, unit = 0, v;
		bool any = false;
		size_t ul = 0;

		while (digit(*s)) {
			if (whole > (UINT64_MAX - 9) / 10)
				return -1;
			whole = whole * 10 + (uint64_t)(*s++ - '0');
			any = true;
		}
		if (*s == '.') {
			s++;
			while (digit(*s)) {
				/* Digits past the 18th add nothing. */
				if (scale < 1000000000000000000ULL) {
					frac = frac * 10 + (uint64_t)(*s - '0');
					scale *= 10;
				}
				s++;
				any = true;
			}
		}
		if (!any)
			return -1;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t l = strlen(units[i].name);

			/* The longest unit that matches ("ms" before "m"). */
			if (l > ul && strncmp(s, units[i].name, l) == 0) {
				unit = units[i].ns;
				ul = l;
			}
		}
		if (unit == 0)
			return -1;
		s += ul;
		if (whole > (uint64_t)INT64_MAX / unit)
			return -1;
		v = whole * unit +
		    (uint64_t)((long double)frac * (long double)unit /
			(long double)scale);
		if (v > (uint64_t)INT64_MAX - total)
			return -1;
		total += v;
	}
	*out = neg ? -(int64_t)total : (int64_t)total;
	return 0;
}

/* Seconds and nanoseconds to nanoseconds, bounded. */
static int
to_ns(int64_t secs, int64_t nsec, int64_t *out)
{
	if (secs > INT64_MAX / NS - 1 || secs < INT64_MIN / NS + 1)
		return -1;
	*out = secs * NS + nsec;
	return 0;
}

/* Up to nine digits of a fraction of a second at *S (after the dot). */
static int
fraction(const char **s, int64_t *nsec)
{
	int n = 0;
	int64_t v = 0;

	while (digit(**s)) {
		if (++n > 9)
			return -1;
		v = v * 10 + (**s - '0');
		(*s)++;
	}
	if (n == 0)
		return -1;
	for (; n < 9; n++)
		v *= 10;
	*nsec = v;
	return 0;
}

static int
days_in(int64_t y, int64_t m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
		31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dm[m - 1];
}

/* RFC 3339 as Docker reads it; without a zone, local time (LOCAL). */
static int
parse_rfc3339(const char *s, lidx_local_fn local, int64_t *out)
{
	bool zoned = true;
	int64_t y, mo, d, h = 0, mi = 0, se = 0, nsec = 0, off = 0, secs;

	if ((y = digits(&s, 4)) < 0 || *s++ != '-' ||
	    (mo = digits(&s, 2)) < 0 || *s++ != '-' || (d = digits(&s, 2)) < 0)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in(y, mo))
		return -1;
	if (*s == 'T') {
		s++;
		if ((h = digits(&s, 2)) < 0 || h > 23)
			return -1;
		if (*s == ':') {
			s++;
			if ((mi = digits(&s, 2)) < 0 || mi > 59)
				return -1;
			if (*s == ':') {
				s++;
				if ((se = digits(&s, 2)) < 0 || se > 59)
					return -1;
				if (*s == '.') {
					s++;
					if (fraction(&s, &nsec) != 0)
						return -1;
				}
			}
		}
	}
	if (*s == 'Z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		int sign = *s++ == '-' ? -1 : 1;
		int64_t oh, om;

		if ((oh = digits(&s, 2)) < 0 || oh > 23 || *s++ != ':' ||
		    (om = digits(&s, 2)) < 0 || om > 59)
			return -1;
		off = sign * (oh * 3600 + om * 60);
	} else {
		/* No zone: local time. */
		zoned = false;
	}
	if (*s != '\0')
		return -1;
	secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se -
	    off;
	if (!zoned && local != NULL && local(secs, &secs) != 0)
		return -1;
	return to_ns(secs, nsec, out);
}

/* Unix seconds, with up to nine digits of fraction. */
static int
parse_unix(const char *s, int64_t *out)
{
	int64_t secs = 0, nsec = 0;

	if (!digit(*s))
		return -1;
	while (digit(*s)) {
		if (secs > INT64_MAX / 10)
			return -1;
		secs = secs * 10 + (*s++ - '0');
	}
	if (*s == '.') {
		s++;
		if (fraction(&s, &nsec) != 0)
			return -1;
	}
	if (*s != '\0')
		return -1;
	return to_ns(secs, nsec, out);
}

int
lidx_parse_time(const char *s, int64_t now, lidx_local_fn local, int64_t *out)
{
	int64_t d;

	if (s == NULL || *s == '\0' || strlen(s) > 64)
		return -1;
	if (strcmp(s, "0") != 0 && parse_duration(s, &d) == 0) {
		if ((d > 0 && now < INT64_MIN + d) ||
		    (d < 0 && now > INT64_MAX + d))
			return -1;
		*out = now - d;
		return 0;
	}
	if (strlen(s) > 4 && digit(s[0]) && s[4] == '-')
		return parse_rfc3339(s, local, out);
	return parse_unix(s, out);
}

/* ---- the lines ---- */

void
lidx_lines_init(struct lidx_lines *l, bool stamps, int64_t since, int64_t until)
{
	memset(l, 0, sizeof(*l));
	l->stamps = stamps;
	l->since = since;
	l->until = until;
}

bool
lidx_lines_feed(struct lidx_lines *l, const char *buf, size_t len, int64_t t,
    lidx_out_fn out, void *ctx)
{
	size_t i = 0;

	while (i < len && !l->ended) {
		const char *nl;
		size_t end;

		if (!l->mid) {
			if (t > l->until) {
				l->ended = true;
				break;
			}
			l->show = t >= l->since;
			l->mid = true;
			if (l->show && l->stamps) {
				char stamp[LIDX_STAMP_LEN + 2];

				lidx_format(t, stamp);
				stamp[LIDX_STAMP_LEN] = ' ';
				out(ctx, stamp, LIDX_STAMP_LEN + 1);
			}
		}
		nl = memchr(buf + i, '\n', len - i);
		end = nl != NULL ? (size_t)(nl - buf) + 1 : len;
		if (l->show)
			out(ctx, buf + i, end - i);
		if (nl != NULL)
			l->mid = false;
		i = end;
	}
	return !l->ended;
}
