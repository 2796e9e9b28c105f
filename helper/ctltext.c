/*
 * ctltext.c: the text the lifecycle commands print (ctlproto.h): port's
 * lines, ps's durations and statuses, the escapes for a terminal and for
 * JSON, and where --tail starts in a buffer.
 *
 * Invariants:
 * - Text for a terminal MUST have its control bytes, DEL and backslash
 *   escaped (ctlp_escape); a log's bytes for a terminal pass only as
 *   newline, tab, printable ASCII or well-formed UTF-8 of a character
 *   that is not a C1 control (ctlp_term_unit); a JSON string body its
 *   quotes, backslashes, control bytes and bytes above 0x7e
 *   (ctlp_json).  Both escapes always terminate their output within its
 *   length.
 * - Nothing here makes a system call.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/textesc.h"
#include "helper/ctlproto.h"

/* ---- what port prints ---- */

int
ctlp_port_text(const char *ports, const char *port, char *out, size_t len)
{
	size_t o = 0, want = port != NULL ? strcspn(port, "/") : 0;
	int lines = 0;

	if (len == 0)
		return -1;
	out[0] = '\0';
	for (const char *m = ports; *m != '\0';) {
		size_t n = strcspn(m, ",");
		const char *arrow = NULL, *slash;
		int w;

		for (const char *q = m; q + 1 < m + n; q++)
			if (q[0] == '-' && q[1] == '>')
				arrow = q;
		if (arrow == NULL || arrow == m ||
		    (slash = memchr(arrow, '/', (size_t)(m + n - arrow))) ==
			NULL ||
		    slash == arrow + 2)
			return -1;
		/* "P/tcp -> ADDR:HP", or "ADDR:HP" for the one port asked. */
		if (port == NULL)
			w = snprintf(out + o, len - o, "%.*s -> %.*s\n",
			    (int)(m + n - arrow - 2), arrow + 2,
			    (int)(arrow - m), m);
		else if ((size_t)(slash - arrow - 2) == want &&
		    strncmp(arrow + 2, port, want) == 0)
			w = snprintf(out + o, len - o, "%.*s\n",
			    (int)(arrow - m), m);
		else
			w = 0;
		if (w < 0 || (size_t)w >= len - o)
			return -1;
		o += (size_t)w;
		lines += w > 0;
		m += n;
		if (*m == ',')
			m++;
	}
	return lines;
}

/* ---- what ps prints ---- */

void
ctlp_duration(int64_t secs, char *out, size_t len)
{
	int64_t m = secs / 60, h = secs / 3600;

	if (secs < 1)
		snprintf(out, len, "Less than a second");
	else if (secs == 1)
		snprintf(out, len, "1 second");
	else if (secs < 60)
		snprintf(out, len, "%lld seconds", (long long)secs);
	else if (m == 1)
		snprintf(out, len, "About a minute");
	else if (m < 60)
		snprintf(out, len, "%lld minutes", (long long)m);
	else if (h == 1)
		snprintf(out, len, "About an hour");
	else if (h < 48)
		snprintf(out, len, "%lld hours", (long long)h);
	else if (h < 24 * 7 * 2)
		snprintf(out, len, "%lld days", (long long)(h / 24));
	else if (h < 24 * 30 * 2)
		snprintf(out, len, "%lld weeks", (long long)(h / 24 / 7));
	else if (h < 24 * 365 * 2)
		snprintf(out, len, "%lld months", (long long)(h / 24 / 30));
	else
		snprintf(out, len, "%lld years", (long long)(h / 24 / 365));
}

void
ctlp_status_text(bool running, const struct ctlp_exit *e, int64_t created,
    int64_t now, char *out, size_t len)
{
	char d[64];

	if (running) {
		ctlp_duration(now - created, d, sizeof(d));
		snprintf(out, len, "Up %s", d);
	} else if (e == NULL || e->status < 0) {
		snprintf(out, len, "Exited (unknown)");
	} else {
		ctlp_duration(now - e->ended, d, sizeof(d));
		snprintf(out, len, "Exited (%d) %s ago", e->status, d);
	}
}

void
ctlp_ago(int64_t then, int64_t now, char *out, size_t len)
{
	char d[64];

	ctlp_duration(now - then, d, sizeof(d));
	snprintf(out, len, "%s ago", d);
}

/* ---- escapes ---- */

void
ctlp_escape(const char *s, char *out, size_t len)
{
	(void)text_escape_mem(s, strlen(s), out, len);
}

bool
ctlp_log_name(const char *file, char *out, size_t len)
{
	size_t n = strlen(file);

	if (n < 5 || n - 4 >= len ||
	    (strcmp(file + n - 4, ".log") != 0 &&
		strcmp(file + n - 4, ".idx") != 0))
		return false;
	memcpy(out, file, n - 4);
	out[n - 4] = '\0';
	return true;
}

size_t
ctlp_term_unit(const unsigned char *p, size_t n)
{
	unsigned char b = p[0];
	size_t len;
	uint32_t cp;

	if (b == '\n' || b == '\t' || (b >= 0x20 && b < 0x7f))
		return 1;
	/* C0, DEL, a continuation byte, an overlong lead (0xc0, 0xc1) or
	 * one beyond U+10FFFF's. */
	if (b < 0xc2 || b > 0xf4)
		return 0;
	len = b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
	cp = b & (0x7fu >> len);
	for (size_t i = 1; i < len; i++) {
		if (i >= n)
			return CTLP_TERM_MORE;
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3fu);
	}
	/* Overlong, a surrogate, beyond U+10FFFF, or a C1 control (which
	 * terminals take as ESC's sequences). */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
	    (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return len;
}

size_t
ctlp_tail_offset(const char *buf, size_t len, uint64_t n)
{
	size_t i = len;

	if (n == 0)
		return len;
	/* A last line without its newline counts as a line. */
	if (i > 0 && buf[i - 1] == '\n')
		i--;
	while (i > 0) {
		if (buf[i - 1] == '\n' && --n == 0)
			return i;
		i--;
	}
	return 0;
}

void
ctlp_json(const char *s, char *out, size_t len)
{
	size_t o = 0;

	if (len == 0)
		return;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\') {
			if (o + 1 >= len)
				break;
			out[o++] = (char)*p;
			continue;
		}
		if (*p == '"' || *p == '\\') {
			if (o + 2 >= len)
				break;
			out[o++] = '\\';
			out[o++] = (char)*p;
			continue;
		}
		if (o + 6 >= len)
			break;
		snprintf(out + o, 7, "\\u%04x", *p);
		o += 6;
	}
	out[o] = '\0';
}
